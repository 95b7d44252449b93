#!/bin/sh
# Every man page passes mandoc's linter at warning level.
. "$top_srcdir/tests/e2e/tap.sh"

MANDOC=$(command -v mandoc) || bail "mandoc is not installed (scripts/install-deps)"
for page in "$top_srcdir"/man/*.[0-9]; do
	out=$("$MANDOC" -T lint -W warning "$page" 2>&1)
	is "$out" "" "$(basename "$page"): mandoc -T lint is clean"
done
done_testing
