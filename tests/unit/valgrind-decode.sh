#!/bin/sh
# SPDX-License-Identifier: MIT
# The decoder and JSON unit tests once more under valgrind memcheck: every
# failure path of the decoders frees what it allocated, and nothing reads
# or writes out of bounds.  Registered only in builds without sanitizers
# (ASan and valgrind do not mix).  A missing valgrind is a failure, not a
# skip: configure records where it is.
set -u

: "${top_builddir:?top_builddir is not set}"
n=0
status=0
tests="test_decode test_json"

echo "1..2"
for t in $tests; do
	n=$((n + 1))
	if [ -z "${VALGRIND:-}" ]; then
		echo "not ok $n - $t under valgrind: configure found no valgrind"
		status=1
		continue
	fi
	log="valgrind-$t.log"
	if "$VALGRIND" -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=3 \
		"$top_builddir/tests/unit/$t" >"$log" 2>&1; then
		echo "ok $n - $t under valgrind: no memory errors, no leaks"
	else
		echo "not ok $n - $t under valgrind (see tests/$log)"
		grep -E '^==[0-9]+==|^not ok' "$log" | head -40 | sed 's/^/# /'
		status=1
	fi
done
exit $status
