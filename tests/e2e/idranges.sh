#!/bin/sh
# SPDX-License-Identifier: MIT
# New UIDs and GIDs nobody else holds (issue #16, 5): workos-sync against the
# emulator with a second, real NSS source in the chain (libnss-cache's
# /etc/passwd.cache and /etc/group.cache, "passwd: files cache workos") and a
# subuid block, each holding a number the allocator would otherwise pick; the
# numbers come from a --dry-run first.  Then workosctl check names every
# overlap.  In a private mount namespace: /etc is an overlay whose upper
# layer is a tmpfs, the cache directory a tmpfs.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"

# libnss-cache reads /etc/passwd.cache, a file the host does not have: an
# overlay over /etc lets the suite create it without touching the host.
[ -e /lib/x86_64-linux-gnu/libnss_cache.so.2 ] || [ -e /usr/lib/x86_64-linux-gnu/libnss_cache.so.2 ] ||
	ldconfig -p | grep -q libnss_cache.so.2 || bail "libnss-cache is not installed"
mkdir -p "$WO_TMP/etc-ovl"
mount_at "$WO_TMP/etc-ovl" -t tmpfs wo-etc-ovl
mkdir -p "$WO_TMP/etc-ovl/u" "$WO_TMP/etc-ovl/w"
mount_at /etc -t overlay wo-etc -o "lowerdir=/etc,upperdir=$WO_TMP/etc-ovl/u,workdir=$WO_TMP/etc-ovl/w"
: >/etc/passwd.cache && : >/etc/group.cache && : >/etc/subuid && : >/etc/subgid ||
	bail "cannot write the overlay over /etc"
use_cachedir
use_nss "passwd: files cache workos" "group: files cache workos"

SYNC="$top_builddir/tools/workos-sync"
CTL="$top_builddir/tools/workosctl"
EMU="$top_srcdir/tests/emulator/workos-emulator"
EMUCTL="$top_srcdir/tests/emulator/emuctl"
PY=${PYTHON3:-/usr/bin/python3}
[ -x "$SYNC" ] && [ -x "$CTL" ] || bail "workos-sync or workosctl not built"

EMULATOR_STATE="$WO_TMP/emu"
export EMULATOR_STATE
"$PY" "$EMU" --fixture "$top_srcdir/tests/emulator/fixtures/basic.json" \
	--state-dir "$EMULATOR_STATE" --daemon >/dev/null || bail "the emulator did not start"
trap '"$PY" "$EMUCTL" stop >/dev/null 2>&1; wo_cleanup' EXIT
eval "$("$PY" "$EMUCTL" env)" || bail "emuctl env"

install -m 0600 "$EMULATOR_STATE/api_key" "$WO_TMP/api_key"
CONF="$WO_TMP/workos.conf"
cat >"$CONF" <<EOF2
client_id = $EMULATOR_CLIENT_ID
organization_id = $EMULATOR_ORG_ID
api_key_file = $WO_TMP/api_key
api_hostname = 127.0.0.1
api_port = $EMULATOR_PORT
ca_file = $EMULATOR_CA_FILE
http_timeout = 5
EOF2
chmod 0644 "$CONF"

run() {
	"$SYNC" --config "$CONF" "$@" >"$WO_TMP/out" 2>"$WO_TMP/err"
	rc=$?
	out=$(cat "$WO_TMP/out")
	err=$(cat "$WO_TMP/err")
}
# planned KIND NAME: the number --dry-run shows for a user or group.
planned() { echo "$out" | sed -n "s/^+ $1 $2 [ug]id=\([0-9]*\).*/\1/p"; }
field() { getent passwd "$1" | cut -d: -f"$2"; }

# --- what the allocator picks on a clean machine ----------------------------
run --dry-run
is "$rc" 0 "--dry-run on a clean machine"
ada0=$(planned user ada)
grace0=$(planned user grace)
admin0=$(planned group workos-admin)
case "$ada0:$grace0:$admin0" in
*[!0-9:]* | :* | *::* | *:) bail "no numbers in the --dry-run output: $out" ;;
esac
ok "--dry-run plans ada $ada0, grace $grace0, workos-admin $admin0"

# --- another NSS source holds ada's number, a subuid block grace's ----------
echo "ldapada:x:$ada0:$ada0:Someone in LDAP:/home/ldapada:/bin/sh" >/etc/passwd.cache
echo "mila:x:4000:4000:Another mila:/home/mila:/bin/sh" >>/etc/passwd.cache
echo "ldapgrp:x:$admin0:" >/etc/group.cache
is "$(getent passwd "$ada0" | cut -d: -f1)" ldapada "glibc resolves ada's planned UID through the second source"
is "$(getent group "$admin0" | cut -d: -f1)" ldapgrp "and workos-admin's planned GID"
grep -q "^ldapada:" /etc/passwd && not_ok "the holder is not in /etc/passwd" ||
	ok "the holder is not in /etc/passwd (only NSS knows it)"
sub_first=$((grace0 - 100))
sub_last=$((sub_first + 65535))
echo "bob:$sub_first:65536" >/etc/subuid
echo "garbage line" >>/etc/subuid

run
is "$rc" 0 "sync succeeds"
[ -n "$err" ] && diag "$err"
ada=$(field ada 3)
grace=$(field grace 3)
admin=$(getent group workos-admin | cut -d: -f3)
case "$ada" in '' | *[!0-9]*) not_ok "ada is a user" ;; *) ok "ada is a user (uid $ada)" ;; esac
[ -n "$ada" ] && [ "$ada" != "$ada0" ] && ok "ada does not get the UID another NSS source holds" ||
	not_ok "ada does not get the UID another NSS source holds ($ada)"
is "$(getent passwd "$ada0" | cut -d: -f1)" ldapada "that UID still resolves to its holder only"
case "$grace" in '' | *[!0-9]*) not_ok "grace is a user" ;;
*) if [ "$grace" -lt "$sub_first" ] || [ "$grace" -gt "$sub_last" ]; then
	ok "grace's UID $grace is outside bob's subuid block $sub_first-$sub_last"
else not_ok "grace's UID $grace is outside bob's subuid block $sub_first-$sub_last"; fi ;;
esac
[ -n "$admin" ] && [ "$admin" != "$admin0" ] && ok "workos-admin does not get the GID another NSS source holds" ||
	not_ok "workos-admin does not get the GID another NSS source holds ($admin)"
is "$(getent group "$admin0" | cut -d: -f1)" ldapgrp "that GID still resolves to its holder only"
is "$(field mila 3)" 4000 "mila stays the other source's account"
case $err in *"name mila is already"*) ok "the sync says why mila is left out" ;;
*) not_ok "the sync says why mila is left out"; diag "$err" ;; esac

# Our own answers (the cache is now in the chain) are not someone else's.
run
is "$rc" 0 "a second sync succeeds"
is "$(field ada 3):$(field grace 3)" "$ada:$grace" "and moves nobody"

# --- workosctl check names each overlap -------------------------------------
# Another source's account inside the uid range, and bob's block moved into it.
echo "bob:$((ada + 1000)):65536" >/etc/subuid
"$CTL" check --offline --config "$CONF" >"$WO_TMP/check" 2>&1
crc=$?
check=$(cat "$WO_TMP/check")
is "$crc" 0 "check: overlaps are warnings, not failures"
like "$check" "WARN  id ranges      uid range (uid_min..uid_max) 2001000000-2099999999 overlaps bob's block in /etc/subuid" \
	"check: names the subuid block"
like "$check" "user ldapada (uid $ada0) is not a WorkOS member's" "check: names the other source's user"
like "$check" "group ldapgrp (gid $admin0) is not WorkOS's" "check: names the other source's group"
case $check in *"user ada "*) not_ok "check: our own members are not reported"; diag "$check" ;;
*) ok "check: our own members are not reported" ;; esac

# Ranges that run into login.defs' and systemd's.
cat >>"$CONF" <<EOF2
uid_min = 200000
uid_max = 2000000000
gid_min = 100000
gid_max = 199999
EOF2
printf 'SUB_UID_MIN 100000\nSUB_UID_MAX 600100000\nUID_MIN 1000\nUID_MAX 60000\n' >/etc/login.defs
"$CTL" check --offline --config "$CONF" >"$WO_TMP/check" 2>&1
check=$(cat "$WO_TMP/check")
like "$check" "overlaps systemd-nspawn container ranges (524288-1879048191)" "check: names systemd's container range"
like "$check" "overlaps login.defs' subordinate UIDs (SUB_UID_MIN..MAX) (100000-600100000)" \
	"check: names login.defs' SUB_UID range"
case $check in *"UID_MIN..MAX) (1000-60000)"*) not_ok "check: no overlap with UID_MIN..UID_MAX claimed" ;;
*) ok "check: no overlap with UID_MIN..UID_MAX claimed" ;; esac

done_testing
