#!/bin/sh
# SPDX-License-Identifier: MIT
# The WorkOS emulator checked by a client nobody here wrote: the official
# WorkOS Node SDK (tests/sdk, pinned by its package-lock.json) calls every
# endpoint our client uses and must accept every answer
# (tests/sdk/check-emulator.mjs prints the TAP).  Needs no root: the
# emulator listens on 127.0.0.1 and nothing on the host changes.
. "$top_srcdir/tests/e2e/tap.sh"

NODE=$(command -v node) || bail "node is not installed (scripts/install-deps installs it)"
SDK=$top_srcdir/tests/sdk
# The SDK scripts/install-deps installed next to the script, or, when that
# is missing or stale (a distcheck tree is read-only and has none), a copy
# of our own in the build tree, installed the same way.
if sh "$SDK/install-sdk" --check; then
	RUN=$SDK
else
	RUN=$top_builddir/tests/sdk-npm
	sh "$SDK/install-sdk" "$RUN" >&2 || bail "cannot install the WorkOS Node SDK (npm ci)"
	cp "$SDK/check-emulator.mjs" "$RUN/" || bail "cannot copy check-emulator.mjs"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/wo-sdk.XXXXXX") || bail "mktemp"
. "$top_srcdir/tests/e2e/emulator.sh"
# More than two pages of 100 users and memberships for the SDK to walk.
emu_start --synthetic-members 250
trap 'emu_stop; rm -rf "$T"' EXIT

# node trusts the emulator's test CA through NODE_EXTRA_CA_CERTS; the
# script drives emuctl itself.  The SDK's own retries honour Retry-After
# (at most 60 s): the bound leaves room for them.
NODE_EXTRA_CA_CERTS=$(emu_field ca_file) EMUCTL=$EMU_DIR/emuctl PYTHON3=$PYTHON3 \
	timeout 180 "$NODE" "$RUN/check-emulator.mjs" "$T/emu/emulator.json"
rc=$?
[ "$rc" -ne 124 ] || bail "check-emulator.mjs did not finish within 180 s"
exit "$rc"
