#!/bin/sh
# SPDX-License-Identifier: MIT
# kill -9 of workos-sync at random points never leaves a corrupt or partial
# cache or allocation map: after every kill the cache verifies whole (old or
# new), glibc still resolves the members, the lock is free, and the next
# run removes the killed run's temp files.  Private mount namespace, cache
# directory on a tmpfs, the WorkOS emulator with enough members that a run
# takes a while.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
use_cachedir
use_nss "passwd: files workos" "group: files workos"
. "$top_srcdir/tests/e2e/emulator.sh"

SYNC=$top_builddir/tools/workos-sync
[ -x "$SYNC" ] || bail "workos-sync not built"
emu_start --synthetic-members 2000
emu_config "http_timeout = 10"
emu_api_key
MAP=$WO_CACHEDIR/idmap

"$SYNC" --config "$T/workos.conf" >"$T/out" 2>&1 || bail "first sync failed: $(cat "$T/out")"
uid_ada=$(getent passwd ada | cut -d: -f3)
check "first sync: ada exists" [ -n "$uid_ada" ]
members=$(getent passwd | grep -c ':/home/')

# Something changes between runs, so that a finished run writes a new file.
kills=0
completed=0
i=0
while [ $i -lt 25 ]; do
	i=$((i + 1))
	if [ $((i % 2)) -eq 0 ]; then
		emuctl member-remove mila@example.com >/dev/null 2>&1
	else
		emuctl member-add mila@example.com --role member >/dev/null 2>&1
	fi
	"$SYNC" --config "$T/workos.conf" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk "BEGIN{srand($i * 7919); printf \"%.2f\", rand() * 2.5}")"
	if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); else completed=$((completed + 1)); fi
	wait "$pid" 2>/dev/null
	"$MKCACHE" --verify "$WO_CACHE" >"$T/verify" 2>&1 ||
		{ not_ok "after kill $i: the cache verifies whole"; diag "$(cat "$T/verify")"; }
	[ "$(getent passwd ada | cut -d: -f3)" = "$uid_ada" ] ||
		not_ok "after kill $i: ada still resolves with uid $uid_ada"
	head -1 "$MAP" | grep -qx 'workos-idmap 2' || not_ok "after kill $i: the map is whole"
done
diag "$kills runs killed, $completed finished before the kill"
check "some runs were killed mid-way" [ "$kills" -gt 0 ]
is "$tap_failed" 0 "every cache and map after every kill was whole and resolved ada"

# The next run: the lock is free, temp files of killed runs are removed.
# A kill between write and rename is rare by chance: leave such files, as
# such a run would, to be sure they go.
head -c 1000 "$WO_CACHE" >"$WO_CACHE.tmp.Kill01"
cp "$MAP" "$MAP.tmp.Kill02"
"$SYNC" --config "$T/workos.conf" --verbose >"$T/out" 2>&1
is "$?" 0 "a run after the kills succeeds (no stale lock)"
is "$(ls "$WO_CACHEDIR" | grep -c '\.tmp\.')" 0 "no temp file is left in the cache directory"
like "$(cat "$T/out")" "removed 2 temp files of interrupted runs" "the run says it removed them"
is "$(getent passwd | grep -c ':/home/')" "$members" "the same members resolve" ||
	diag "$(getent passwd | grep -c ':/home/') now, $members before"
is "$(getent passwd ada | cut -d: -f3)" "$uid_ada" "ada kept her UID through all of it"

done_testing
