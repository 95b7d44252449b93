#!/bin/sh
# SPDX-License-Identifier: MIT
# The ownership rule end to end (lib/owner.h, lib/idmap.h): a local account
# belongs to the one WorkOS user workos-sync first gave its name to, and
# nothing a person can change in their own profile (email, external_id,
# metadata) moves it.  Real programs only: workos-sync against the
# emulator writes the cache and the allocation map; glibc's getent reads
# them through the built NSS module ("files workos"); pamtester runs the
# PAM stacks under pam_wrapper with glibc's own NSS (no nss_wrapper: the
# accounts are the synced ones, and local ones live in a private
# /etc/passwd); real sudo runs the account phase of a broken setup.
# Private mount namespace: /etc/passwd, /etc/group, the confdir (bindings
# file), the cache dir, nsswitch.conf, ld.so.cache, /etc/pam.d and
# /etc/sudoers are replaced there only.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"

: "${WO_CONFDIR:=/etc/workos}"
SYNC="$top_builddir/tools/workos-sync"
SETUSER_SO="$top_builddir/tests/helpers/.libs/pam_setuser.so"
[ -x "$SYNC" ] || bail "workos-sync not built"
[ -f "$SETUSER_SO" ] || bail "tests/helpers/pam_setuser.so not built (make check builds it)"
cp "$SETUSER_SO" "$WO_LIB/" && chmod 0755 "$WO_LIB/pam_setuser.so" || bail "cannot copy pam_setuser.so"
SETUSER=$WO_LIB/pam_setuser.so

# The confdir, which holds the bindings file (WO_OWNERS_PATH), on a private
# tmpfs; when it does not exist (it usually does not: /etc/workos), its
# parent gets an overlay whose upper layer is a tmpfs, as use_cachedir
# does.  First of all the mounts: an overlay of /etc made later would hide
# the files bound over /etc/nsswitch.conf and the like.
private_dir conf "$WO_CONFDIR" 0755
use_cachedir
use_nss_setuid "passwd: files workos" "group: files workos" "shadow: files"
MAP=$WO_CACHEDIR/idmap
RANGE_FILE=$WO_CACHEDIR/uid-range
OWNERS=$WO_CONFDIR/owners

# Local accounts, in a private /etc/passwd and /etc/group: one outside
# every WorkOS range, and two made by hand for the bindings file.  The
# files are bound, so they are only ever rewritten in place (cp, >>), never
# replaced (sed -i would leave the bind on the old file).
cp /etc/passwd "$T/passwd.host"
cp /etc/group "$T/group.host"
cat "$T/passwd.host" - >"$T/passwd.base" <<'EOP'
localuser:x:4321:4321:Local User:/home/localuser:/bin/sh
ops:x:4400:4400:Ops (made by hand):/home/ops:/bin/sh
ops2:x:4401:4401:Ops 2 (made by hand):/home/ops2:/bin/sh
EOP
cat "$T/group.host" - >"$T/group" <<'EOG'
localuser:x:4321:
ops:x:4400:
ops2:x:4401:
EOG
cp "$T/passwd.base" "$T/passwd"
bind_over "$T/passwd" /etc/passwd
bind_over "$T/group" /etc/group

emu_start
trap 'emu_stop; wo_cleanup' EXIT
emuctl device-settings --interval 1 >/dev/null || bail "emuctl device-settings"
DEVTIMEOUT="device_timeout = 60"
emu_config "$DEVTIMEOUT"
emu_api_key
. "$top_srcdir/tests/e2e/pam.sh"
# glibc's NSS in pamtester, not nss_wrapper's files: only pam_wrapper is
# preloaded (pam.sh's pam_run passes the nss_wrapper variables, which do
# nothing without the library).
PAM_PRELOAD="${asan:+$asan }libpam_wrapper.so"
REQLOG=$T/emu/requests.log

# emu ARGS...: emuctl, quiet, and the suite stops if the emulator refuses.
emu() { emuctl "$@" >/dev/null || bail "emuctl $*"; }

# sync [CONFIG]: runs workos-sync; sets $rc and $err (stderr).
sync_run() {
	"$SYNC" --config "${1:-$T/workos.conf}" >"$T/sync.out" 2>"$T/sync.err"
	rc=$?
	err=$(cat "$T/sync.err")
}
field() { getent passwd "$1" | cut -d: -f"$2"; }
requests() { wc -l <"$REQLOG" | tr -d ' '; }
owner_line() { grep "^name $1 " "$MAP"; }

# Service files for pam_wrapper: a device login, and account phases.
mkdir -p "$T/pam.d"
svc() { # name lines...
	_n=$1
	shift
	printf '%s\n' "$@" >"$T/pam.d/$_n"
}
MOD="$PAM_MODULE config=$T/workos.conf qr=never"
svc device "auth required $MOD" "account required $MOD"
svc authonly "auth required $MOD"
svc acct "account required $MOD" "account required pam_permit.so"
# Succeeds only when pam_workos answers PAM_IGNORE: any other answer,
# success included, ends the stack with a failure.
svc acctignore "account [ignore=ignore default=die] $MOD" "account required pam_permit.so"

ADA=user_01HQWM4YK0ZQQ463A0QNBXXTP1
GRACE=user_01HQWM8KS0W08FT771NK0Q7RXM
TESSA=user_01HQWMQ8H0ZVYR0D3R8MX0G699
# Newer than the fixture's users (ULIDs sort by creation time).
ALICE=user_01J0A11CE00000000000000000
MALLORY=user_01J0MA110RY0000000000000000
ROOTY=user_01K0R00T000000000000000000
NEWADA=user_01K0NEWADA0000000000000000
BOB_OLD=user_01K0B0B1000000000000000000
BOB_NEW=user_01K0B0B2000000000000000000
PLUS=user_01K0P1US000000000000000000
UPPER=user_01K0UPPER0000000000000000
EXTNEW=user_01K0EXTNEW000000000000000
METANEW=user_01K0METANEW00000000000000

# --- first sync: alice and mallory are members -----------------------------------------
emu user-add "id=$ALICE" email=alice@example.com first_name=Alice last_name=Owner
emu member-add "$ALICE" --role member
emu user-add "id=$MALLORY" email=mallory@example.com first_name=Mallory last_name=Attacker
emu member-add "$MALLORY" --role member
sync_run
is "$rc" 0 "first sync succeeds" || diag "$err"
ALICE_PW=$(getent passwd alice)
MALLORY_PW=$(getent passwd mallory)
ALICE_UID=$(field alice 3)
ADA_UID=$(field ada 3)
TESSA_PW=$(getent passwd tessa)
like "$ALICE_PW" "alice:*:" "alice has an account"
like "$MALLORY_PW" "mallory:*:" "mallory has an account"
is "$(owner_line alice)" "name alice $ALICE" "the map records alice's owner"
is "$(owner_line mallory)" "name mallory $MALLORY" "the map records mallory's owner"
is "$(stat -c '%a %u' "$MAP")" "600 0" "the map is root's, 0600"
read -r RMIN RMAX <<EOF
$(sed -n 2p "$RANGE_FILE")
EOF
is "$(head -n 1 "$RANGE_FILE")" "workos-uid-range 1" "workos-sync wrote the UID range file"
if [ "${RMIN:-0}" -gt 0 ] && [ "$ALICE_UID" -ge "$RMIN" ] && [ "$ALICE_UID" -le "$RMAX" ]; then
	ok "alice's UID $ALICE_UID lies in the range [$RMIN, $RMAX]"
else
	not_ok "alice's UID $ALICE_UID lies in the range [$RMIN, $RMAX]"
fi
grep '^name ' "$MAP" | sort >"$T/names.first"

# Every name the first sync gave is still there, with the same owner.
names_kept() { # description
	grep '^name ' "$MAP" | sort >"$T/names.now"
	if [ -z "$(comm -23 "$T/names.first" "$T/names.now")" ]; then
		ok "$1: no recorded name lost or moved"
	else
		not_ok "$1: no recorded name lost or moved"
		comm -23 "$T/names.first" "$T/names.now" | sed 's/^/#   lost: /'
	fi
}

# --- 1. email change attack ------------------------------------------------------------
# mallory makes her email alice@..., the address whose local part is
# alice's account name.  Emails only propose a name to newcomers: mallory
# keeps hers, alice keeps hers, and a login as alice approved by mallory is
# a login by the wrong person.
emu user-update "$MALLORY" email=alice@elsewhere.example
sync_run
is "$rc" 0 "1: sync after mallory's email became alice@elsewhere.example"
is "$(getent passwd mallory)" "$MALLORY_PW" "1: mallory's account is unchanged"
is "$(getent passwd alice)" "$ALICE_PW" "1: alice is still alice's account (same UID $ALICE_UID)"
is "$(owner_line alice)" "name alice $ALICE" "1: the map still gives alice to alice's owner"
is "$(grep -c " $MALLORY\$" "$MAP")" 1 "1: mallory owns one name, still"
names_kept "1"

approved_login "$MALLORY" "" device alice authenticate acct_mgmt
is "$rc" "$PAM_AUTH_ERR" "1: login as alice approved by mallory: PAM_AUTH_ERR" || diag "$out"
like "$out" "login as alice approved by another person: WorkOS user $MALLORY, while the account belongs to WorkOS user $ALICE" \
	"1: the log names both identities"
approved_login "$ALICE" "" device alice authenticate acct_mgmt
is "$rc" 0 "1: alice's own approval logs her in" || diag "$out"

# --- 2. root@ ----------------------------------------------------------------------------
# An existing member (tessa) and a newcomer whose emails say root.  root
# stays /etc/passwd's: tessa keeps her name, the newcomer gets nothing, and
# pam_workos leaves root to the other modules without asking WorkOS.
ROOT_PW=$(grep '^root:' "$T/passwd.host")
emu user-update "$TESSA" email=root@elsewhere.example
emu user-add "id=$ROOTY" email=root@another.example first_name=Root last_name=Y
emu member-add "$ROOTY" --role admin
sync_run
is "$rc" 0 "2: sync with two members whose emails say root"
is "$(getent passwd root)" "$ROOT_PW" "2: root is still /etc/passwd's root"
is "$(getent passwd | grep -c '^root:')" 1 "2: and NSS has one root only"
is "$(grep -c '^name root ' "$MAP")" 0 "2: the map gives the name root to nobody"
is "$(getent passwd tessa)" "$TESSA_PW" "2: tessa keeps her account"
like "$err" "member $ROOTY: name root is already a local user" "2: the newcomer is left out, and told why"

n=$(requests)
out=$(pam_run authonly root authenticate)
rc=$?
is "$rc" "$PAM_USER_UNKNOWN" "2: auth as root, pam_workos required: PAM_USER_UNKNOWN"
like "$out" "user=root is not an account WorkOS owns" "2: the log says root is not WorkOS's"
unlike "$out" "enter the code" "2: no device code shown for root"
is "$(requests)" "$n" "2: no request reached WorkOS for root"
svc fallthrough "auth [success=done user_unknown=ignore default=die] $MOD" "auth required pam_permit.so"
svc fallthrough-deny "auth [success=done user_unknown=ignore default=die] $MOD" "auth required pam_deny.so"
n=$(requests)
out=$(pam_run fallthrough root authenticate)
is "$?" 0 "2: fall-through stack: root is handled by the next module (pam_permit admits)" || diag "$out"
out=$(pam_run fallthrough-deny root authenticate)
is "$?" "$PAM_AUTH_ERR" "2: fall-through stack: the next module decides for root (pam_deny refuses)"
is "$(requests)" "$n" "2: still no request to WorkOS"
decided_login deny fallthrough ada authenticate
is "$rc" "$PAM_AUTH_ERR" "2: fall-through stack: a member whose code is denied is refused (default=die), pam_permit not reached" ||
	diag "$out"

# --- 3. a newcomer proposing an owned name ----------------------------------------------
NUSERS=$(getent passwd | wc -l)
emu user-add "id=$NEWADA" email=ada@another.example first_name=Not last_name=Ada
emu member-add "$NEWADA" --role admin
# And two newcomers proposing the same free name in one run: the older wins.
emu user-add "id=$BOB_NEW" email=bob@one.example first_name=Bob last_name=New
emu member-add "$BOB_NEW" --role member
emu user-add "id=$BOB_OLD" email=bob@two.example first_name=Bob last_name=Old
emu member-add "$BOB_OLD" --role member
sync_run
is "$rc" 0 "3: sync with a newcomer whose email is ada@another.example exits 0"
is "$(field ada 3)" "$ADA_UID" "3: ada keeps her account and UID"
is "$(owner_line ada)" "name ada $ADA" "3: the map still gives ada to ada's owner"
like "$err" "member $NEWADA: name ada belongs to WorkOS user $ADA" "3: the warning names the owner"
is "$(grep -c "^name [^ ]* $NEWADA\$" "$MAP")" 0 "3: the newcomer owns no name"
is "$(owner_line bob)" "name bob $BOB_OLD" "3: of two newcomers proposing bob, the older account gets it"
like "$err" "member $BOB_NEW: name bob belongs to WorkOS user $BOB_OLD" "3: the newer one is told who has it"
is "$(getent passwd | wc -l)" "$((NUSERS + 1))" "3: one account more (bob), none for the newcomer ada"
names_kept "3"
approved_login "$NEWADA" "" device ada authenticate
is "$rc" "$PAM_AUTH_ERR" "3: login as ada approved by the newcomer: PAM_AUTH_ERR" || diag "$out"

# --- 4. variants: case, '+' tags, external_id, metadata ------------------------------------
# lib/mapping.c: ASCII letters fold to lowercase ("ALICE@x" proposes alice),
# and the result must be a valid name, so "Alice+x@x" proposes nothing
# ('+' is not allowed).  Neither takes an owned name.
emu user-update "$MALLORY" email=ALICE+x@elsewhere.example
emu user-add "id=$PLUS" email=Alice+x@plus.example first_name=Plus
emu member-add "$PLUS" --role member
emu user-add "id=$UPPER" email=ALICE@upper.example first_name=Upper
emu member-add "$UPPER" --role member
sync_run
is "$rc" 0 "4: sync with ALICE@ and Alice+x@ emails"
like "$err" "member $PLUS: the WorkOS user's email_localpart is not a valid local user name" \
	"4: Alice+x@ proposes no name (a '+' is not allowed)"
like "$err" "member $UPPER: name alice belongs to WorkOS user $ALICE" \
	"4: ALICE@ folds to alice, which is owned: no account"
is "$(getent passwd mallory)" "$MALLORY_PW" "4: mallory (now ALICE+x@) keeps her account"
is "$(getent passwd alice)" "$ALICE_PW" "4: alice is unchanged"
is "$(grep -c "^name [^ ]* \($PLUS\|$UPPER\)\$" "$MAP")" 0 "4: neither newcomer owns a name"

# username_from = external_id: mallory sets hers to alice's name.
emu_config "$DEVTIMEOUT" "username_from = external_id"
cp "$T/workos.conf" "$T/ext.conf"
emu_config "$DEVTIMEOUT" "username_from = metadata:login"
cp "$T/workos.conf" "$T/meta.conf"
emu_config "$DEVTIMEOUT"
emu user-update "$MALLORY" external_id=alice
emu user-add "id=$EXTNEW" email=ext@example.com first_name=Ext external_id=ALICE
emu member-add "$EXTNEW" --role member
sync_run "$T/ext.conf"
is "$rc" 0 "4: sync with username_from = external_id"
is "$(getent passwd mallory)" "$MALLORY_PW" "4: external_id alice: mallory keeps her account"
is "$(getent passwd alice)" "$ALICE_PW" "4: external_id alice: alice is unchanged"
like "$err" "member $EXTNEW: name alice belongs to WorkOS user $ALICE" \
	"4: a newcomer with external_id ALICE gets no account, the owner is named"

emu user-update "$MALLORY" 'metadata={"login":"alice"}'
emu user-add "id=$METANEW" email=meta@example.com first_name=Meta 'metadata={"login":"alice"}'
emu member-add "$METANEW" --role member
sync_run "$T/meta.conf"
is "$rc" 0 "4: sync with username_from = metadata:login"
is "$(getent passwd mallory)" "$MALLORY_PW" "4: metadata login=alice: mallory keeps her account"
is "$(getent passwd alice)" "$ALICE_PW" "4: metadata login=alice: alice is unchanged"
like "$err" "member $METANEW: name alice belongs to WorkOS user $ALICE" \
	"4: a newcomer with metadata login=alice gets no account, the owner is named"
names_kept "4"
approved_login "$MALLORY" "" device alice authenticate
is "$rc" "$PAM_AUTH_ERR" "4: after all that, mallory still cannot log in as alice" || diag "$out"
sync_run
is "$rc" 0 "4: back to username_from = email_localpart"

# --- 5. stale accounts ---------------------------------------------------------------------
# A UID in the synced range that the cache does not hold: what nscd keeps
# serving for a member removed a minute ago.  Refused.  An account outside
# the range is none of pam_workos's business.
GHOST_UID=$((RMIN + 7))
getent passwd "$GHOST_UID" >/dev/null && bail "UID $GHOST_UID is taken already"
echo "ghost:x:$GHOST_UID:$GHOST_UID:Removed member:/home/ghost:/bin/sh" >>"$T/passwd"
is "$(field ghost 3)" "$GHOST_UID" "5: ghost resolves (files) to $GHOST_UID, inside the range"
out=$(pam_run acct ghost acct_mgmt)
is "$?" "$PAM_PERM_DENIED" "5: account phase for the stale ghost: PAM_PERM_DENIED" || diag "$out"
like "$out" "ghost is no longer a WorkOS account on this machine" "5: and says why"
out=$(pam_run acct localuser acct_mgmt)
is "$?" 0 "5: localuser (UID 4321, outside the range): the stack with pam_permit succeeds" || diag "$out"
out=$(pam_run acctignore localuser acct_mgmt)
is "$?" 0 "5: pam_workos answered PAM_IGNORE for localuser" || diag "$out"
out=$(pam_run acctignore alice acct_mgmt)
is "$?" "$PAM_PERM_DENIED" "5: (the probe stack fails when pam_workos does not ignore: alice)"
cp "$T/passwd.base" "$T/passwd"

# --- 6. no WorkOS misconfiguration locks out root or local accounts -------------------------
chmod 0644 "$T/api_key"
for u in root localuser; do
	out=$(pam_run acct "$u" acct_mgmt)
	is "$?" 0 "6: API key file 0644: account phase for $u succeeds" || diag "$out"
done
out=$(pam_run acct ada acct_mgmt)
is "$?" "$PAM_SERVICE_ERR" "6: API key file 0644: ada's account phase fails closed (PAM_SERVICE_ERR)" ||
	diag "$out"
n=$(requests)
out=$(pam_run authonly root authenticate)
is "$?" "$PAM_USER_UNKNOWN" "6: API key file 0644: auth for root is still PAM_USER_UNKNOWN"
is "$(requests)" "$n" "6: without a request to WorkOS"
chmod 0600 "$T/api_key"

printf 'client_id = %s\nthis line is not a setting\n' "$(emu_field client_id)" >"$T/broken.conf"
chmod 0644 "$T/broken.conf"
svc acctbroken "account required $PAM_MODULE config=$T/broken.conf" "account required pam_permit.so"
for u in root localuser; do
	out=$(pam_run acctbroken "$u" acct_mgmt)
	is "$?" 0 "6: broken workos.conf: account phase for $u succeeds" || diag "$out"
done
out=$(pam_run acctbroken ada acct_mgmt)
is "$?" "$PAM_SERVICE_ERR" "6: broken workos.conf: ada's account phase fails closed (PAM_SERVICE_ERR)" ||
	diag "$out"

# --- 9. an account made by hand, bound in the bindings file -----------------------------------
printf '# made by hand\nops %s\nops2 %s\n' "$ADA" "$GRACE" >"$OWNERS"
chmod 0644 "$OWNERS"
approved_login "$ADA" "" device ops authenticate acct_mgmt
is "$rc" 0 "9: ops, bound to ada: ada's approval logs in (auth and account)" || diag "$out"
approved_login "$GRACE" "" device ops authenticate
is "$rc" "$PAM_AUTH_ERR" "9: ops approved by grace: PAM_AUTH_ERR" || diag "$out"
like "$out" "login as ops approved by another person: WorkOS user $GRACE, while the account belongs to WorkOS user $ADA" \
	"9: the log names both identities"
chmod 0666 "$OWNERS"
n=$(requests)
out=$(pam_run device ops authenticate)
is "$?" "$PAM_SERVICE_ERR" "9: a bindings file writable by others admits nobody to an account it names: PAM_SERVICE_ERR"
like "$out" "user=ops: cannot tell whether WorkOS owns it" "9: the refused file is logged"
unlike "$out" "enter the code" "9: no device code for anybody"
is "$(requests)" "$n" "9: no request to WorkOS"
# ... and gives the accounts it names no free pass in the account phase
# (a role check that a broken file would skip), while accounts it does not
# name stay ordinary local accounts.
svc acctrole "account required $MOD require_role=admin" "account required pam_permit.so"
out=$(pam_run acctrole ops2 acct_mgmt)
is "$?" "$PAM_SERVICE_ERR" "9: refused bindings file: the account phase of ops2 (named in it) fails closed" ||
	diag "$out"
out=$(pam_run acctrole localuser acct_mgmt)
is "$?" 0 "9: refused bindings file: localuser (not named in it) is not locked out" || diag "$out"
chmod 0644 "$OWNERS"
printf 'ops2 %s\nops %s\nops %s\n' "$GRACE" "$ADA" "$GRACE" >"$OWNERS"
out=$(pam_run acctrole ops2 acct_mgmt)
is "$?" "$PAM_SERVICE_ERR" "9: malformed bindings file (ops bound twice): ops2's account phase still fails closed" ||
	diag "$out"
printf '# made by hand\nops %s\nops2 %s\n' "$ADA" "$GRACE" >"$OWNERS"
out=$(pam_run acctrole ops2 acct_mgmt)
is "$?" "$PAM_PERM_DENIED" "9: (control) a good bindings file: ops2 (grace, a developer) refused by require_role=admin" ||
	diag "$out"

# --- 7. PAM_USER changed between auth and account ---------------------------------------------
# pam_workos keeps (pam_set_data) the WorkOS user its auth admitted, tied to
# the PAM_USER it admitted them to.  A module that sets PAM_USER to grace
# after ada was admitted as ada leaves the account phase with nothing kept
# for grace: it judges grace on grace's own owner (account_check), never on
# ada's admission.  So each check below is one that ada would pass and
# grace fails:
#   - API key: require_role=admin (ada is admin, grace developer), then
#     grace's membership deactivated: the live lookup is of grace's owner;
#   - no API key, synced account: grace's role from the cache decides;
#   - no API key, bound account: only a kept admission could vouch for the
#     membership, and there is none for ops2: refused.
svc switch "auth required $MOD" "auth required $SETUSER grace" \
	"account required $MOD require_role=admin"
svc admin "auth required $MOD" "account required $MOD require_role=admin"
approved_login "$ADA" "" admin ada authenticate acct_mgmt
is "$rc" 0 "7: (control) ada approved by ada passes require_role=admin" || diag "$out"
approved_login "$ADA" "" switch ada authenticate acct_mgmt
is "$rc" "$PAM_PERM_DENIED" "7: API: PAM_USER set to grace after ada's admission: account refused" ||
	diag "$out"
like "$out" "grace has no WorkOS role allowed here" "7: API: judged on grace's own role"
svc switch-any "auth required $MOD" "auth required $SETUSER grace" "account required $MOD"
emu member-update "$GRACE" --status inactive
approved_login "$ADA" "" switch-any ada authenticate acct_mgmt
is "$rc" "$PAM_PERM_DENIED" "7: API: grace's membership inactive: account refused despite ada's admission" ||
	diag "$out"
like "$out" "grace is no longer a member" "7: API: judged on grace's own membership"
emu member-update "$GRACE" --status active
# The account phase does not authenticate: with grace active and no role
# asked for, it lets grace's account through, on grace's own membership
# (the log names her WorkOS id, not ada's).  Whether PAM_USER may change
# after auth is the stack's business (pam_setuser is part of it).
approved_login "$ADA" "" switch-any ada authenticate acct_mgmt
is "$rc" 0 "7: API: grace active, no role asked: the account phase admits grace on her own standing" ||
	diag "$out"
like "$out" "account granted: user=grace workos_user=$GRACE " "7: API: the account phase names grace's WorkOS id"
unlike "$out" "account granted: user=grace workos_user=$ADA" "7: API: not ada's"

mv "$T/api_key" "$T/api_key.away"
approved_login "$ADA" "" switch ada authenticate acct_mgmt
is "$rc" "$PAM_PERM_DENIED" "7: cache: PAM_USER set to grace after ada's admission: account refused" ||
	diag "$out"
like "$out" "grace has no WorkOS role allowed here" "7: cache: judged on grace's role groups"
svc switch-bound "auth required $MOD" "auth required $SETUSER ops2" "account required $MOD"
svc bound "auth required $MOD" "account required $MOD"
approved_login "$ADA" "" bound ops authenticate acct_mgmt
is "$rc" 0 "7: (control) no API key: ops, bound to ada, admitted by ada passes the account phase" ||
	diag "$out"
approved_login "$ADA" "" switch-bound ops authenticate acct_mgmt
is "$rc" "$PAM_PERM_DENIED" "7: no API key: PAM_USER set to ops2 (bound to grace) after ada's admission: refused" ||
	diag "$out"
like "$out" "the membership of ops2 cannot be checked here without the API key" \
	"7: no API key: nothing kept for ops2, so nothing vouches for it"
mv "$T/api_key.away" "$T/api_key"

# --- 8. a second NSS source holds a member's name -----------------------------------------------
# files comes before workos: a local grace with another UID is that local
# account, not the member's.
echo "grace:x:4500:4500:Local Grace:/home/grace:/bin/sh" >>"$T/passwd"
is "$(field grace 3)" 4500 "8: getent passwd grace answers the local entry (UID 4500)"
n=$(requests)
out=$(pam_run device grace authenticate)
is "$?" "$PAM_USER_UNKNOWN" "8: auth as the local grace: PAM_USER_UNKNOWN (not WorkOS's)"
like "$out" "user=grace is not an account WorkOS owns" "8: the log says so"
is "$(requests)" "$n" "8: no request to WorkOS"
out=$(pam_run acctignore grace acct_mgmt)
is "$?" 0 "8: the account phase ignores the local grace" || diag "$out"
cp "$T/passwd.base" "$T/passwd"

# --- 6 again, through real sudo -------------------------------------------------------------------
# sudoers lets everybody run anything without a password: the account phase
# alone decides, with a broken workos.conf.
if [ -n "$asan" ]; then
	# Real sudo is setuid: the loader ignores LD_PRELOAD, so a sanitized
	# module cannot be loaded in it.  The same stack ran under pamtester.
	diag "sanitized build: the sudo checks are not run (see section 6 for the same stack)"
else
	SUDO=$(command -v sudo) || bail "sudo is not installed (scripts/install-deps)"
	printf 'Defaults !lecture, !fqdn, !syslog, timestamp_timeout=0\nALL ALL=(ALL:ALL) NOPASSWD: ALL\n' \
		>"$T/sudoers"
	chmod 0440 "$T/sudoers"
	bind_over "$T/sudoers" /etc/sudoers
	mkdir -p "$T/etc-pam.d"
	cat >"$T/etc-pam.d/sudo" <<EOS
auth     required pam_permit.so
account  required $PAM_MODULE config=$T/broken.conf
account  required pam_permit.so
session  required pam_permit.so
EOS
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/etc-pam.d/other"
	mount_at /etc/pam.d --bind "$T/etc-pam.d"
	as() { # user: `sudo -n id -un` as that user
		setpriv --reuid="$(id -u "$1")" --regid="$(id -g "$1")" --init-groups \
			"$SUDO" -n id -un 2>&1
	}
	is "$("$SUDO" -n id -un 2>&1)" root "6: sudo, broken workos.conf: root may sudo"
	is "$(as localuser)" root "6: sudo, broken workos.conf: localuser may sudo"
	out=$(as ada)
	check "6: sudo, broken workos.conf: ada (a WorkOS member) may not" [ "$out" != root ]
	like "$out" "PAM account management error" "6: sudo reports the account phase's refusal"
fi

done_testing
