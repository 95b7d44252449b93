#!/bin/sh
# SPDX-License-Identifier: MIT
# Every man page of the package passes `mandoc -T lint -W warning`: broken
# macros and unknown requests show up as garbage in `man`, so they fail.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
n=0
for page in "$srcdir"/man/*.[1-8]; do
	[ -e "$page" ] || continue
	n=$((n + 1))
	if out=$(mandoc -T lint -W warning "$page" 2>&1); then
		echo "ok $n - mandoc lint $(basename "$page")"
	else
		echo "not ok $n - mandoc lint $(basename "$page")"
		printf '%s\n' "$out" | sed 's/^/# /'

	fi
done
n=$((n + 1))
if [ -e "$srcdir/man/workos-sync.8" ]; then
	echo "ok $n - workos-sync.8 is there"
else
	echo "not ok $n - workos-sync.8 is there"
fi
# The sections a reader of workos-sync(8) relies on.
for section in SYNOPSIS OPTIONS "EXIT STATUS" FILES "UID AND GID RULES"; do
	n=$((n + 1))
	if grep -q "^\.SH \"*$section\"*\$" "$srcdir/man/workos-sync.8"; then
		echo "ok $n - workos-sync.8 has $section"
	else
		echo "not ok $n - workos-sync.8 has $section"
	fi
done
echo "1..$n"
exit 0
