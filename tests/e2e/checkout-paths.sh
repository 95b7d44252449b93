#!/bin/sh
# SPDX-License-Identifier: MIT
# The test suite passes wherever the tree lives: this copies the sources
# (exactly what `make dist` ships, so it works from a git checkout and from
# distcheck's read-only tree alike) to one path that is all three awkward
# cases at once: under /tmp (which the suites hide behind a private tmpfs),
# below a 0700 directory (like a clone in /root, which an ssh session's
# user cannot enter) and with a space in it.  There it configures, builds,
# and runs a part of the e2e suite through its own `make check`:
# sshd.sh (an unprivileged session resolves its user through
# libnss_workos), nss-getent.sh (glibc loads the module), pam-concurrent.sh
# (each login in a private /tmp of its own) and etc-samples.sh (paths in an
# sshd_config, make install).  Everything lives in this suite's private
# /tmp and vanishes with it.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"

SUITES="e2e/sshd.sh e2e/nss-getent.sh e2e/pam-concurrent.sh e2e/etc-samples.sh"
MAKE=${MAKE:-make}
# $MAKE may carry the outer make's flags and jobserver: not for this one.
run_make() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE "$@"; }

# WO_TMP is a fresh 0700 directory under /tmp.
DIR="$WO_TMP/some dir with space"
SRC="$DIR/pam_workos"
B="$SRC/_build"
is "$(stat -c %a "$WO_TMP")" 700 "the checkout's parent directory is mode 0700"
like "$SRC" "/tmp/" "the checkout is under /tmp"
like "$SRC" " " "the checkout's path has a space"

mkdir -p "$DIR" || bail "mkdir $DIR"
# automake's distdir must be relative to the build tree (its subdirectories
# prefix it with ../), and its rules do not quote every path: stage without
# a space, then move.
stage=$(realpath -m --relative-to="$top_builddir" "$WO_TMP/stage") || bail "realpath"
run_make -s -C "$top_builddir" distdir distdir="$stage" >"$WO_TMP/distdir.log" 2>&1 &&
	mv "$WO_TMP/stage" "$SRC"
check "a copy of the sources (make distdir)" [ -x "$SRC/configure" ] ||
	{ sed 's/^/# /' "$WO_TMP/distdir.log" | tail -20; bail "no copy of the sources"; }

# distcheck's sources are read-only, and so is their copy.
chmod -R u+w "$SRC" && mkdir "$B" && cd "$B" || bail "cd $B"
../configure --quiet --disable-dependency-tracking >"$WO_TMP/configure.log" 2>&1
rc=$?
is "$rc" 0 "configure in the copy" || { sed 's/^/# /' "$WO_TMP/configure.log" | tail -20; bail "configure failed"; }
run_make -j2 >"$WO_TMP/make.log" 2>&1
rc=$?
is "$rc" 0 "make in the copy" || { sed 's/^/# /' "$WO_TMP/make.log" | tail -20; bail "make failed"; }

# Its own harness (AM_TESTS_ENVIRONMENT quotes the paths); only the suites,
# not the unit test programs.  Four logins at once are enough here:
# pam-concurrent.sh runs its fifty in the main tree.
CONCURRENT_LOGINS=4 run_make -C tests check TESTS="$SUITES" check_PROGRAMS= \
	>"$WO_TMP/check.log" 2>&1
rc=$?
is "$rc" 0 "make check TESTS='$SUITES' in the copy"
for t in $SUITES; do
	res=$(sed -n 's/^:test-result: //p' "$B/tests/${t%.sh}.trs" 2>/dev/null | sort -u | tr '\n' ' ')
	n=$(grep -c '^ok ' "$B/tests/${t%.sh}.log" 2>/dev/null)
	if [ "$res" = "PASS " ] && [ "${n:-0}" -ge 5 ]; then
		ok "$t passes there ($n checks)"
	else
		not_ok "$t passes there"
		diag "results: ${res:-none}"
		grep -E -A8 '^(not ok|Bail out)' "$B/tests/${t%.sh}.log" 2>/dev/null | head -40 | sed 's/^/#   /'
	fi
done
cd /

done_testing
