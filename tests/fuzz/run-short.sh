#!/bin/sh
# SPDX-License-Identifier: MIT
# A short bounded fuzz run for `make check`: every target (one per corpus
# directory) built with clang's libFuzzer and fuzzed for FUZZ_SHORT_TIME
# seconds (10 by default), one at a time.  clang is a build dependency
# (scripts/install-deps), so a missing clang fails the run.
. "$top_srcdir/tests/e2e/tap.sh"

time=${FUZZ_SHORT_TIME:-10}
make=${MAKE:-make}
log_dir=$top_builddir/tests/fuzz-work
mkdir -p "$log_dir" || bail "cannot create $log_dir"

clang=$(sed -n 's/^CLANG = //p' "$top_builddir/tests/Makefile")
check "configure found clang (needed by the fuzz targets)" test -n "$clang" -a -x "$clang"
[ -n "$clang" ] || { done_testing; exit; }

for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
	t=$(basename "$dir")
	log=$log_dir/short-$t.log
	# MAKEFLAGS from the outer `make check` would hand us its jobserver.
	if env -u MAKEFLAGS -u MFLAGS $make -C "$top_builddir/tests" fuzz \
		FUZZ_TARGETS="$t" FUZZ_TIME="$time" >"$log" 2>&1; then
		tap_result 0 "fuzz target $t: $time s without a finding"
		grep -E '^Done [0-9]+ runs' "$log" | sed 's/^/# /'
	else
		tap_result 1 "fuzz target $t: $time s without a finding"
		tail -n 40 "$log" | sed 's/^/#   /'
	fi
done
done_testing
