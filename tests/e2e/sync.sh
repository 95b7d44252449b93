#!/bin/sh
# SPDX-License-Identifier: MIT
# workos-sync end to end: the real tool against the WorkOS emulator, the
# cache read back through glibc (getent with "files workos"), in a private
# mount namespace whose cache directory is a tmpfs.  Covers the mapping
# rules, stable UIDs, removals, --dry-run, every failure leaving the cache
# byte for byte as it was, the API key rules, and pagination over one
# kept-alive connection.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
use_cachedir
use_nss "passwd: files workos" "group: files workos"

SYNC="$top_builddir/tools/workos-sync"
EMU="$top_srcdir/tests/emulator/workos-emulator"
EMUCTL="$top_srcdir/tests/emulator/emuctl"
PY=${PYTHON3:-/usr/bin/python3}
MAP="$WO_CACHEDIR/idmap"
[ -x "$SYNC" ] || bail "workos-sync not built"

# 260 members: the fixture's 10 + 250 synthetic ones make three pages.
EMULATOR_STATE="$WO_TMP/emu"
export EMULATOR_STATE
"$PY" "$EMU" --fixture "$top_srcdir/tests/emulator/fixtures/basic.json" \
	--state-dir "$EMULATOR_STATE" --daemon --synthetic-members 250 >/dev/null ||
	bail "the emulator did not start"
trap '"$PY" "$EMUCTL" stop >/dev/null 2>&1; wo_cleanup' EXIT
eval "$("$PY" "$EMUCTL" env)" || bail "emuctl env"
emuctl() { "$PY" "$EMUCTL" "$@" >/dev/null || bail "emuctl $*"; }

install -m 0600 "$EMULATOR_STATE/api_key" "$WO_TMP/api_key"
CONF="$WO_TMP/workos.conf"
cat >"$CONF" <<EOF
client_id = $EMULATOR_CLIENT_ID
organization_id = $EMULATOR_ORG_ID
api_key_file = $WO_TMP/api_key
api_hostname = 127.0.0.1
api_port = $EMULATOR_PORT
ca_file = $EMULATOR_CA_FILE
http_timeout = 5
# Every run lists everyone: this suite is about the listing (sync-events.sh
# covers the incremental runs).
full_sync_interval = 0
EOF
chmod 0644 "$CONF"

# A local account named like a member (sam), in a private /etc/passwd.
cp /etc/passwd "$WO_TMP/passwd"
echo "sam:x:4321:4321:Local Sam:/home/sam:/bin/sh" >>"$WO_TMP/passwd"
bind_over "$WO_TMP/passwd" /etc/passwd

# run ARGS...: runs the tool; $rc, $out (stdout) and $err (stderr) are set.
run() {
	"$SYNC" --config "$CONF" "$@" >"$WO_TMP/out" 2>"$WO_TMP/err"
	rc=$?
	out=$(cat "$WO_TMP/out")
	err=$(cat "$WO_TMP/err")
}

# field NAME N: field N of `getent passwd NAME`.
field() { getent passwd "$1" | cut -d: -f"$2"; }

snapshot() { cp "$WO_CACHE" "$WO_TMP/cache.before" && cp "$MAP" "$WO_TMP/map.before"; }
unchanged() {
	if cmp -s "$WO_CACHE" "$WO_TMP/cache.before" && cmp -s "$MAP" "$WO_TMP/map.before"; then
		ok "$1: cache and map byte-identical"
	else
		not_ok "$1: cache and map byte-identical"
	fi
}
# fails_with STATUS DESCRIPTION: the last run exited STATUS, said why,
# and left everything as it was.
fails_with() {
	is "$rc" "$1" "$2: exit status $1"
	case $err in *"the cache was left as it was"*) ok "$2: says so" ;;
	*) not_ok "$2: says so"; diag "$err" ;; esac
	unchanged "$2"
}

ADA=user_01HQWM4YK0ZQQ463A0QNBXXTP1
GRACE=user_01HQWM8KS0W08FT771NK0Q7RXM
MILA=user_01HQWNBD205TTE80M33G9MRNQY
MEMBERSHIPS=/user_management/organization_memberships

# --- first sync -----------------------------------------------------------
run
is "$rc" 0 "first sync succeeds"
is "$out" "" "nothing on stdout"
CR=$(printf '\r')
case $err in *"$CR"* | *"memberships:"*) not_ok "no progress output when stderr is not a terminal" ;;
*) ok "no progress output when stderr is not a terminal" ;; esac
[ -f "$WO_CACHE" ] && ok "cache written" || not_ok "cache written"
is "$(stat -c '%a %u' "$WO_CACHE")" "644 0" "cache is 0644, root"
is "$(stat -c '%a %u' "$MAP")" "600 0" "allocation map is 0600, root"
is "$(head -n 1 "$MAP")" "workos-idmap 2" "allocation map header"

ada=$(getent passwd ada)
uid=$(field ada 3)
case $uid in '' | *[!0-9]*) not_ok "ada has a numeric uid" ;;
*) if [ "$uid" -ge 2001000000 ] && [ "$uid" -le 2099999999 ]; then ok "ada's uid $uid is in [uid_min, uid_max]"
	else not_ok "ada's uid $uid is in [uid_min, uid_max]"; fi ;; esac
is "$ada" "ada:*:$uid:$uid:Ada Lovelace:/home/ada:/bin/bash" "getent passwd ada: gid = uid, gecos, home, shell"
is "$(grep " $ADA " "$MAP" | cut -d' ' -f3)" "$uid" "ada's uid is recorded in the map"
is "$(getent group ada)" "ada:*:$uid:" "user private group ada, gid = uid"
is "$(field mila 3)" 2001001234 "metadata uid is used"
is "$(getent group workos-admin | cut -d: -f4)" "ada" "role group workos-admin"
is "$(getent group workos-developer | cut -d: -f4)" "alex,grace,mila" "role group workos-developer"
members=$(getent group workos-users | cut -d: -f4)
is "$(echo "$members" | tr ',' '\n' | grep -c .)" 256 "member_group holds every synced member (6 + 250)"
gid=$(getent group workos-admin | cut -d: -f3)
if [ "$gid" -ge 2100000000 ] && [ "$gid" -le 2146999999 ]; then ok "role gid $gid in [gid_min, gid_max]"
else not_ok "role gid $gid in [gid_min, gid_max]"; fi
is "$(id -Gn mila)" "mila workos-developer workos-member workos-users" "id -Gn mila: private, role and member groups"

# Left out, each with a warning naming them.
warned() {
	case $err in *"$1"*) ok "warning: $2" ;; *) not_ok "warning: $2"; diag "$err" ;; esac
}
warned "user_01HQWN0DG05W2X9DM9T9RCNYR2" "invalid name (Dr.Who+root) is named"
warned "user_01HQWME3J02Y9B660PVE9M2805" "unverified email (ursula) is named"
warned "user_01HQWN7QW08Q81PAPGC1JKAD2A: name alex belongs to WorkOS user user_01HQWN42P0TVYRRRKFFK4GT9Y6" \
	"the newer alex (.org) is told who owns the name"
warned "user_01HQWMKKB0X5Q05P74FWN7R0XY: name sam is already a local user" "local name sam is named"
is "$(grep '^name alex ' "$MAP")" "name alex user_01HQWN42P0TVYRRRKFFK4GT9Y6" \
	"the older alex (.com) owns the name"
getent passwd alex >/dev/null; is "$?" 0 "and has the account"
getent passwd ursula >/dev/null; is "$?" 2 "unverified ursula is not a user"
is "$(getent passwd sam)" "sam:x:4321:4321:Local Sam:/home/sam:/bin/sh" "sam stays the local account"
for u in ian paula olga; do
	getent passwd "$u" >/dev/null; is "$?" 2 "$u (inactive, pending or other org) is not a user"
done

# Pagination: limit=100 and `after`, over one kept-alive connection.
"$PY" - "$EMULATOR_STATE/requests.log" "$MEMBERSHIPS" >"$WO_TMP/pages" <<'PY'
import json, sys
from urllib.parse import parse_qs
reqs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
reqs = [r for r in reqs if r["path"] == sys.argv[2]]
qs = [r["query"] if isinstance(r["query"], dict) else parse_qs(r["query"]) for r in reqs]
def one(q, k):
    v = q.get(k)
    return v[0] if isinstance(v, list) else v
print(len(reqs), len({r["connection"] for r in reqs}),
      all(one(q, "limit") == "100" for q in qs),
      one(qs[0], "after") is None and all(one(q, "after") for q in qs[1:]))
PY
read -r n_req n_conn all_limit cursors <"$WO_TMP/pages"
is "$n_req" 3 "three membership pages for 260 members"
is "$all_limit" True "every page asked limit=100"
is "$cursors" True "pages 2 and 3 follow the after cursor"
is "$n_conn" 1 "all pages over one kept-alive connection"
stats=$("$PY" "$EMUCTL" stats)
conns=$(echo "$stats" | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print(s["connections"], s["requests"])')
set -- $conns
if [ "$1" -lt "$2" ]; then ok "emulator stats: connections ($1) < requests ($2)"
else not_ok "emulator stats: connections ($1) < requests ($2)"; fi

# Memberships without an embedded user (older API versions): the users
# come from the organization's user list instead, with the same result.
getent passwd | sort >"$WO_TMP/passwd.embedded"
emuctl settings membership_embeds_user=0
run
is "$rc" 0 "sync when memberships carry no user"
getent passwd | sort >"$WO_TMP/passwd.listed"
cmp -s "$WO_TMP/passwd.embedded" "$WO_TMP/passwd.listed" &&
	ok "users from the user list: the same accounts" ||
	not_ok "users from the user list: the same accounts"
n_users=$("$PY" -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if l.strip() and
          json.loads(l)["path"] == "/user_management/users"))' "$EMULATOR_STATE/requests.log")
is "$n_users" 3 "the organization's users were listed (3 pages)"
emuctl settings membership_embeds_user=1

# --- stable numbers ---------------------------------------------------------
getent passwd | sort >"$WO_TMP/passwd.1"
run
is "$rc" 0 "second sync succeeds"
getent passwd | sort >"$WO_TMP/passwd.2"
cmp -s "$WO_TMP/passwd.1" "$WO_TMP/passwd.2" && ok "second sync: every user identical" ||
	not_ok "second sync: every user identical"
rm -f "$WO_CACHE"
run
is "$rc" 0 "sync after deleting the cache"
getent passwd | sort >"$WO_TMP/passwd.3"
cmp -s "$WO_TMP/passwd.1" "$WO_TMP/passwd.3" && ok "UIDs unchanged after deleting the cache (map kept)" ||
	not_ok "UIDs unchanged after deleting the cache (map kept)"

# A removed member disappears; their UID stays theirs, and comes back.
emuctl member-remove "$ADA"
run
is "$rc" 0 "sync after ada left"
getent passwd ada >/dev/null; is "$?" 2 "ada is gone"
getent group workos-admin >/dev/null; is "$?" 2 "workos-admin is gone with its last member"
is "$(grep -c " $ADA $uid\$" "$MAP")" 1 "ada's UID stays recorded"
emuctl member-add "$ADA" --role developer
run
is "$(field ada 3)" "$uid" "ada comes back with the same UID"
is "$(getent group workos-developer | cut -d: -f4)" "ada,alex,grace,mila" "and in her new role's group"

# --- dry run ------------------------------------------------------------------
emuctl member-remove "$GRACE"
emuctl member-update "$MILA" --role admin
snapshot
run --dry-run
is "$rc" 0 "--dry-run succeeds"
unchanged "--dry-run"
echo "$out" | grep -qx -e "- user grace uid=[0-9]*" && ok "--dry-run shows grace removed" ||
	{ not_ok "--dry-run shows grace removed"; diag "$out"; }
echo "$out" | grep -qx -e "+ group workos-admin gid=$gid members=mila" &&
	ok "--dry-run shows workos-admin back, with its old GID, for mila" ||
	{ not_ok "--dry-run shows workos-admin back, with its old GID, for mila"; diag "$out"; }
echo "$out" | grep -q "^users: 0 added, 1 removed, 0 changed" && ok "--dry-run summary" ||
	{ not_ok "--dry-run summary"; diag "$out"; }
emuctl user-add email=newbie@example.com first_name=New last_name=Bie id=user_01K0NEWB1E0000000000000000
emuctl member-add user_01K0NEWB1E0000000000000000 --role member
snapshot
run --dry-run
unchanged "--dry-run with a new member"
echo "$out" | grep -q "^+ user newbie uid=" && ok "--dry-run shows the new member" ||
	{ not_ok "--dry-run shows the new member"; diag "$out"; }
is "$(echo "$out" | tail -n 1)" "allocation map: 2 new entries would be recorded" \
	"--dry-run counts the new UID and name"
run
getent passwd grace >/dev/null; is "$?" 2 "the real run removes grace"
getent passwd newbie >/dev/null && ok "the real run adds newbie" || not_ok "the real run adds newbie"

# --- one bad profile never stops a sync (issue #16) ------------------------------
# A TAB in one member's last name and a 300-byte first name in another's are
# cleaned; a member whose email holds an escape character is left out; and a
# member removed at the same time disappears all the same.  Both ways WorkOS
# may send users: embedded in memberships, and listed apart.
EVIL=user_01K0EV1L000000000000000000
long=$(printf '%0300d' 0 | tr 0 x)
emuctl user-update "$MILA" "last_name=$(printf 'Tab\tName')" >/dev/null
emuctl user-update user_01K0NEWB1E0000000000000000 "first_name=$long" >/dev/null
emuctl user-add "id=$EVIL" "email=evil$(printf '\033')[2J@example.com" >/dev/null
emuctl member-add "$EVIL" --role member >/dev/null
for embeds in 1 0; do
	emuctl settings membership_embeds_user=$embeds >/dev/null
	emuctl member-remove "$ADA" >/dev/null
	run
	is "$rc" 0 "hostile profiles present (embedded users: $embeds): the sync succeeds" ||
		diag "$err"
	getent passwd ada >/dev/null
	is "$?" 2 "  ada, removed at the same time, is gone from getent passwd"
	is "$(field mila 5)" "Mila Tab_Name" "  a TAB in a last name is cleaned in the gecos"
	g=$(field newbie 5)
	case $g in "$(printf '%0255d' 0 | tr 0 x)"*) ok "  a 300-byte first name is kept, cut" ;;
	*) not_ok "  a 300-byte first name is kept, cut"; diag "$g" ;; esac
	is "$(grep -c " $EVIL " "$MAP")" 0 "  the member with an unusable email gets no UID"
	warned "member $EVIL: unusable" "  the member with an unusable email is named"
	warned "member $MILA: first or last name has control characters" "  the cleaned name is said"
	warned "1 members left out for data WorkOS sent that cannot be used, 2 kept with their names cleaned" \
		"  and counted"
	case $err in *"$(printf '\033')"*) not_ok "  no raw control character in the warnings" ;;
	*) ok "  no raw control character in the warnings" ;; esac
	emuctl member-add "$ADA" --role developer >/dev/null
done
emuctl settings membership_embeds_user=1 >/dev/null
emuctl member-remove "$EVIL" >/dev/null
emuctl user-update "$MILA" last_name=Metadata >/dev/null
emuctl user-update user_01K0NEWB1E0000000000000000 first_name=New >/dev/null
run
is "$rc" 0 "profiles fixed: the sync is clean again"
is "$(field ada 3)" "$uid" "  ada is back with her UID"

# --- failures leave everything as it was ----------------------------------------
snapshot
# page2 KIND...: the first memberships request answers, the next ones fail.
page2() {
	emuctl clear-faults
	emuctl fault "$MEMBERSHIPS" --delay-ms 1
	emuctl fault "$MEMBERSHIPS" "$@"
}
on_page2() {
	case $err in *"memberships page 2"*) ok "$1: fails on page 2, after page 1 was read" ;;
	*) not_ok "$1: fails on page 2, after page 1 was read"; diag "$err" ;; esac
}
page2 --status 500 --forever
run
fails_with 2 "500 on page 2"
on_page2 "500"
page2 --malformed --forever
run
fails_with 2 "malformed JSON on page 2"
on_page2 "malformed JSON"
page2 --truncate --forever
run
fails_with 2 "truncated body on page 2"
page2 --close --forever
run
fails_with 2 "connection closed on page 2"
emuctl clear-faults
emuctl fault-tls untrusted-ca
run
fails_with 2 "TLS certificate from the wrong CA"
case $err in *[Cc]ertificate* | *TLS* | *tls*) ok "TLS failure is reported as such" ;;
*) not_ok "TLS failure is reported as such"; diag "$err" ;; esac
emuctl clear-faults

# 429 with Retry-After: waited for, then the sync completes.
emuctl fault "$MEMBERSHIPS" --status 429 --retry-after 2
start=$(date +%s)
run
end=$(date +%s)
is "$rc" 0 "429 + Retry-After: the sync completes"
if [ $((end - start)) -ge 2 ]; then ok "Retry-After 2 was honoured ($((end - start)) s)"
else not_ok "Retry-After 2 was honoured ($((end - start)) s)"; fi
emuctl clear-faults

# API key rules.
snapshot
chmod 0644 "$WO_TMP/api_key"
run
fails_with 1 "world-readable API key file"
case $err in *"readable by group or others"*) ok "API key refusal says why" ;;
*) not_ok "API key refusal says why"; diag "$err" ;; esac
chmod 0600 "$WO_TMP/api_key"
echo "sk_test_wrong_key" >"$WO_TMP/api_key.wrong" && chmod 0600 "$WO_TMP/api_key.wrong"
sed "s|^api_key_file = .*|api_key_file = $WO_TMP/api_key.wrong|" "$CONF" >"$WO_TMP/wrong.conf"
"$SYNC" --config "$WO_TMP/wrong.conf" >/dev/null 2>"$WO_TMP/err"
rc=$?; err=$(cat "$WO_TMP/err")
fails_with 1 "API key refused by WorkOS (401)"

# Nothing listens: network error.
sed "s|^api_port = .*|api_port = 1|" "$CONF" >"$WO_TMP/noport.conf"
"$SYNC" --config "$WO_TMP/noport.conf" >/dev/null 2>"$WO_TMP/err"
rc=$?; err=$(cat "$WO_TMP/err")
fails_with 2 "API unreachable"

# A damaged allocation map stops the sync: exit 3, nothing rewritten.
cp "$MAP" "$WO_TMP/map.good"
printf 'workos-idmap 1\nuser %s 0200001\n' "$ADA" >"$MAP"
snapshot
run
fails_with 3 "corrupt allocation map"
chmod 0644 "$MAP"
snapshot
run
fails_with 3 "allocation map readable by others"
cp "$WO_TMP/map.good" "$MAP" && chmod 0600 "$MAP"

# A local account takes a member's recorded UID: the member is left out.
newbie_uid=$(field newbie 3)
echo "squatter:x:$newbie_uid:$newbie_uid::/:/bin/false" >>"$WO_TMP/passwd"
run
is "$rc" 0 "sync with a local account on a recorded UID"
warned "user_01K0NEWB1E0000000000000000 (newbie): its recorded UID is now used by a local account" \
	"member whose UID a local account took is named"
is "$(getent passwd "$newbie_uid" | cut -d: -f1)" squatter "the UID resolves to the local account only"

# Never print the API key, even with --verbose.
run --verbose
key=$(cat "$WO_TMP/api_key")
case "$out$err" in *"$key"*) not_ok "--verbose never prints the API key" ;;
*) ok "--verbose never prints the API key" ;; esac
case $err in *"GET $MEMBERSHIPS -> 200"*) ok "--verbose traces requests" ;;
*) not_ok "--verbose traces requests"; diag "$err" ;; esac

# On a terminal, progress goes to stderr (rewritten in place).
script -q -e -c "'$SYNC' --config '$CONF'" /dev/null >"$WO_TMP/tty" 2>&1
is "$?" 0 "sync on a terminal"
grep -q "memberships: 3 pages, 260 members" "$WO_TMP/tty" && ok "progress shown on a terminal" ||
	{ not_ok "progress shown on a terminal"; diag "$(cat "$WO_TMP/tty")"; }

# The man page (mandoc lint is e2e/man-lint.sh) has what readers rely on.
for section in SYNOPSIS OPTIONS "EXIT STATUS" FILES "UID AND GID RULES"; do
	grep -q "^\.SH \"*$section\"*\$" "$top_srcdir/man/workos-sync.8" &&
		ok "workos-sync(8) has $section" || not_ok "workos-sync(8) has $section"
done

# Flags: exactly the documented ones.
"$SYNC" --version >/dev/null; is "$?" 0 "--version"
"$SYNC" --help | grep -q -- "--dry-run"; is "$?" 0 "--help lists the flags"
"$SYNC" -n >/dev/null 2>&1; is "$?" 1 "no short options"
"$SYNC" --config "$CONF" extra >/dev/null 2>&1; is "$?" 1 "no stray arguments"

# One run under valgrind: no memory errors, no leaks.
# valgrind cannot run an ASan binary: a sanitized build, where ASan checks
# every run above, leaves this one to the unsanitized build.
if grep -q __asan_init "$SYNC" 2>/dev/null; then
	diag "sanitized build: the valgrind run belongs to the unsanitized build"
elif [ -z "${VALGRIND:-}" ]; then
	not_ok "valgrind found by configure"
else
	# --run-libc-freeres=no: glibc would unload the NSS modules the tool
	# asks about new numbers (nssprobe), and the cache map libnss_workos
	# keeps for the life of the process would look lost.
	$VALGRIND -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--run-libc-freeres=no "$SYNC" --config "$CONF" >/dev/null 2>"$WO_TMP/vg"
	vrc=$?
	is "$vrc" 0 "valgrind: a full sync without memory errors or leaks"
	[ "$vrc" -eq 0 ] || diag "$(grep '==' "$WO_TMP/vg" | head -n 30)"
fi

done_testing
