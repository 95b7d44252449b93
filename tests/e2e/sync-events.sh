#!/bin/sh
# SPDX-License-Identifier: MIT
# workos-sync's incremental runs (tools/events.c) end to end: the real tool
# against the WorkOS emulator's Events API, the cache read back through
# glibc.  A run with no change costs one request; a sequence of changes
# applied from events gives the same cache as a full listing of the same
# final state (compared decoded: the cache writer draws a random hash key
# and bumps a generation on every write, so two writes of the same content
# never match byte for byte by design); removals take effect; a cursor the
# API no longer keeps and an unreadable state file make a full listing; the
# client sends `order` so that either default works.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
use_cachedir
use_nss "passwd: files workos" "group: files workos"

SYNC="$top_builddir/tools/workos-sync"
EMU="$top_srcdir/tests/emulator/workos-emulator"
EMUCTL="$top_srcdir/tests/emulator/emuctl"
PY=${PYTHON3:-/usr/bin/python3}
STATE="$WO_CACHEDIR/sync.state"
[ -x "$SYNC" ] || bail "workos-sync not built"

EMULATOR_STATE="$WO_TMP/emu"
export EMULATOR_STATE
"$PY" "$EMU" --fixture "$top_srcdir/tests/emulator/fixtures/basic.json" \
	--state-dir "$EMULATOR_STATE" --daemon --synthetic-members 150 >/dev/null ||
	bail "the emulator did not start"
trap '"$PY" "$EMUCTL" stop >/dev/null 2>&1; wo_cleanup' EXIT
eval "$("$PY" "$EMUCTL" env)" || bail "emuctl env"
emuctl() { "$PY" "$EMUCTL" "$@" >/dev/null || bail "emuctl $*"; }

install -m 0600 "$EMULATOR_STATE/api_key" "$WO_TMP/api_key"
CONF="$WO_TMP/workos.conf"
cat >"$CONF" <<EOC
client_id = $EMULATOR_CLIENT_ID
organization_id = $EMULATOR_ORG_ID
api_key_file = $WO_TMP/api_key
api_hostname = 127.0.0.1
api_port = $EMULATOR_PORT
ca_file = $EMULATOR_CA_FILE
http_timeout = 5
EOC
chmod 0644 "$CONF"

run() {
	"$SYNC" --config "$CONF" --verbose "$@" >"$WO_TMP/out" 2>"$WO_TMP/err"
	rc=$?
	err=$(cat "$WO_TMP/err")
}
# nreq: requests the emulator logged since the last `mark`; paths: their paths.
mark() { n0=$(wc -l <"$EMULATOR_STATE/requests.log"); }
since() { tail -n +"$((n0 + 1))" "$EMULATOR_STATE/requests.log"; }
nreq() { since | grep -c .; }
paths() { since | "$PY" -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l); print(r["path"])' | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }
# query K: the value of K in the last logged events request.
query() { since | grep '"/events"' | tail -n 1 | "$PY" -c 'import json,sys
from urllib.parse import parse_qs
q = json.loads(sys.stdin.read())["query"]
q = q if isinstance(q, dict) else parse_qs(q)
v = q.get(sys.argv[1]); print((v[0] if isinstance(v, list) else v) or "")' "$1"; }
# dump FILE: the cache as glibc and the map see it, canonical.
dump() {
	{ getent passwd | sort; echo --; getent group | sort; echo --
	  cat "$WO_CACHEDIR/idmap"; } >"$1"
}

# --- (a) first run lists everyone; a run with no change is one request ------
mark
run
is "$rc" 0 "first sync succeeds"
like "$err" "full listing: no state yet" "the first run lists everyone (no state)"
is "$(stat -c '%a %u' "$STATE")" "600 0" "the state file is root's, 0600"
is "$(head -n 1 "$STATE")" "workos-sync state 1" "state file header"
like "$(paths)" "/user_management/organization_memberships" "the first run listed memberships"
is "$(query order)" desc "the newest event was asked for with order=desc"
is "$(query limit)" 1 "... and limit=1"

mark
run
is "$rc" 0 "second sync succeeds"
is "$(nreq)" 1 "a run with no change costs one request"
is "$(paths)" " 1 /events;" "... to /events"
is "$(query order)" asc "the events are read with order=asc, sent explicitly"
is "$(query limit)" 100 "... 100 a page"
like "$(query events)" "organization_membership.deleted" "... asking for the membership events"
like "$(query events)" "user.updated" "... and the user events"
getent passwd ada >/dev/null; is "$?" 0 "ada is still a user"

# --- (b) changes from events, then the same state listed in full ------------
emuctl user-add email=newt@example.com first_name=Newt last_name=Scamander
emuctl member-add newt@example.com --role developer
emuctl member-update ada@example.com --role member
emuctl user-update grace@example.com first_name=Gracie last_name=Hopper
emuctl user-update mila@example.com email=milena@example.com
emuctl member-update alex@example.com --status inactive
emuctl member-remove tessa@example.com
emuctl member-update ian@example.com --status active --role admin
emuctl user-add email=brief@example.com
emuctl member-add brief@example.com
emuctl user-remove brief@example.com
emuctl user-remove nick@example.com
emuctl member-add olga@example.net --role member
emuctl member-update synth000007@example.com --role admin,developer
emuctl user-add email=loner@example.com
getent passwd tessa >/dev/null; is "$?" 0 "before the run tessa is a user"
mark
run
is "$rc" 0 "incremental sync of the changes succeeds"
like "$err" "incremental: " "it applied events"
is "$(paths | grep -c organization_memberships)" 0 "no membership listing"
getent passwd newt >/dev/null; is "$?" 0 "added member newt is a user"
is "$(getent group workos-developer | cut -d: -f4 | tr ',' '\n' | grep -c '^newt$')" 1 \
	"newt is in workos-developer"
getent group workos-admin | cut -d: -f4 | tr ',' '\n' | grep -q '^ada$'
is "$?" 1 "demoted ada left workos-admin"
is "$(getent passwd grace | cut -d: -f5)" "Gracie Hopper" "renamed grace: new gecos"
getent passwd alex >/dev/null; is "$?" 2 "deactivated alex is not a user"
getent passwd tessa >/dev/null; is "$?" 2 "(c) removed tessa: getent passwd fails"
getent passwd nick >/dev/null; is "$?" 2 "deleted user nick is not a user"
getent passwd brief >/dev/null; is "$?" 2 "added-then-deleted brief is not a user"
getent passwd ian >/dev/null; is "$?" 0 "reactivated ian is a user"
getent passwd olga >/dev/null; is "$?" 0 "olga, added to our organization, is a user"
getent passwd loner >/dev/null; is "$?" 2 "a user with no membership is not"
dump "$WO_TMP/by-events"

mark
run --full
is "$rc" 0 "a full listing of the same state succeeds"
like "$err" "full listing: --full" "--full lists everyone"
dump "$WO_TMP/by-listing"
if cmp -s "$WO_TMP/by-events" "$WO_TMP/by-listing"; then
	ok "events and a full listing give the same users, groups and map"
else
	not_ok "events and a full listing give the same users, groups and map"
	diag "$(diff "$WO_TMP/by-events" "$WO_TMP/by-listing" | head -n 20)"
fi
mark
run
is "$(nreq)" 1 "after the full listing, a run with no change is one request again"

# --- (d) a cursor WorkOS no longer keeps: a full listing, with a warning ----
emuctl member-update grace@example.com --role admin
sleep 2
emuctl settings events_retention=1
sleep 2
mark
run
is "$rc" 0 "sync with an expired cursor succeeds"
like "$err" "doing a full listing" "it says it lists everyone instead"
like "$(paths)" "organization_memberships" "... and does"
is "$(getent group workos-admin | cut -d: -f4 | tr ',' '\n' | grep -c '^grace$')" 1 \
	"the change the lost events held is in the cache (grace is admin)"
emuctl settings events_retention=0

# --- (e) the docs' reading of the default order: the client sends order ----
emuctl settings events_order_docs=1
emuctl member-update grace@example.com --role developer
emuctl member-update grace@example.com --role admin
mark
run
is "$rc" 0 "sync with the docs' default order"
is "$(query order)" asc "order is still sent"
is "$(getent group workos-admin | cut -d: -f4 | tr ',' '\n' | grep -c '^grace$')" 1 \
	"two changes applied in order: grace ends admin"
emuctl settings events_order_docs=0
emuctl member-update grace@example.com --role developer
emuctl member-update grace@example.com --role admin
run
is "$(getent group workos-admin | cut -d: -f4 | tr ',' '\n' | grep -c '^grace$')" 1 \
	"the spec's default order (desc): still applied oldest first"

# --- the state file: refused whole when malformed -----------------------------
for bad in truncate garbage mode; do
	cp "$STATE" "$WO_TMP/state.good"
	case $bad in
	truncate) head -c 200 "$WO_TMP/state.good" >"$STATE" ;;
	garbage) sed 's/^m\tuser_/m\tuser%00/' "$WO_TMP/state.good" >"$STATE" ;;
	mode) chmod 0644 "$STATE" ;;
	esac
	mark
	run
	is "$rc" 0 "a $bad state file: the run succeeds"
	like "$err" "full listing:" "a $bad state file: a full listing"
	is "$(stat -c '%a' "$STATE")" 600 "a $bad state file: replaced by a good one"
done

# --- full_sync_interval: a full listing once it has passed ---------------------
echo "full_sync_interval = 1" >>"$CONF"
sleep 2
mark
run
like "$err" "full listing: full_sync_interval" "full_sync_interval passed: a full listing"

# --- the saved directory from events equals the one listed ------------------
# Byte for byte: the member lines of the state file (what build.c maps)
# after changes applied from events, and after a full listing.
sed -i '/^full_sync_interval/d' "$CONF"
run --full
emuctl member-update synth000009@example.com --role developer
emuctl user-update synth000011@example.com first_name=Eleven
emuctl member-remove synth000012@example.com
run
grep '^m	' "$STATE" >"$WO_TMP/dir.events"
run --full
grep '^m	' "$STATE" >"$WO_TMP/dir.listing"
if cmp -s "$WO_TMP/dir.events" "$WO_TMP/dir.listing"; then
	ok "saved directory: from events and from a listing byte for byte the same"
else
	not_ok "saved directory: from events and from a listing byte for byte the same"
	diag "$(diff "$WO_TMP/dir.events" "$WO_TMP/dir.listing" | head -n 10)"
fi

done_testing
