#!/bin/sh
# Issue #15: every login decision of pam_workos becomes one WorkOS Audit Logs
# event.  Logins through pamtester (pam_wrapper, nss_wrapper) spool events in
# a private copy of the compiled-in spool directory; workosctl audit flush and
# workos-sync deliver them to the emulator, which validates them as the spec
# does and dedups by Idempotency-Key.  WorkOS failing (500, 429) or the
# deliverer killed with -9 at random points loses and duplicates nothing; a
# full spool never fails a login.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

CTL=$top_builddir/tools/workosctl
SYNC=$top_builddir/tools/workos-sync

use_spooldir

matches() { # text extended-regex
	printf '%s\n' "$1" | grep -Eq -- "$2"
}
spooled() { # the number of events waiting
	ls "$WO_SPOOLDIR" 2>/dev/null | grep -c '^ev-.*\.json$'
}
received() { # the number of events the emulator stored
	emuctl audit-events | grep -c .
}
flush() { # workosctl audit flush: output in $fout, status in $frc
	fout=$("$CTL" audit flush --config "$T/workos.conf" 2>&1)
	frc=$?
}
# One field of the emulator's events, for those whose account target is $1,
# one line each (oldest first).
field_of() { # account dotted.path
	emuctl audit-events | "$PYTHON3" -c '
import json, sys
acct, path = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    e = json.loads(line)
    if e["event"]["targets"][1]["id"] != acct:
        continue
    v = e
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v.get(k)
        if v is None:
            break
    print(v)
' "$1" "$2"
}

emu_start
emuctl device-settings --interval 1 >/dev/null
emu_api_key
emu_config "device_timeout = 20" "audit = workos"
pam_service workos "qr=never"
pam_service workos-admin "qr=never require_role=admin"
ADA=user_01HQWM4YK0ZQQ463A0QNBXXTP1
GRACE=user_01HQWM8KS0W08FT771NK0Q7RXM
IAN=user_01HQWNF280PN59A4KT9DBKYGF3
MACHINE_ID=$(cat /etc/machine-id)

# --- four decisions, four spooled events ---------------------------------------
check "no spool before the first event" test ! -e "$WO_SPOOLDIR"
approved_login ada@example.com "" -I rhost=192.0.2.9 -I tty=pts/3 workos ada authenticate acct_mgmt
is "$rc" 0 "admitted: ada through auth and account" || diag "$out"
is "$(spooled)" 1 "admitted: one event spooled (the account phase of a login adds none)"
is "$(stat -c '%U %a' "$WO_SPOOLDIR")" "root 700" "the module created the spool root 0700"
unlike "$out" "audit: {" "audit = workos: no syslog copy of a spooled event"

approved_login grace@example.com "" workos alex authenticate
is "$rc" "$PAM_AUTH_ERR" "denied: alex's account approved by grace"
approved_login grace@example.com "" workos-admin grace authenticate
is "$rc" "$PAM_AUTH_ERR" "denied: grace has no admin role"
out=$(pam_run workos ian acct_mgmt)
is "$?" "$PAM_PERM_DENIED" "account denied: ian is no longer an active member"
is "$(spooled)" 4 "four decisions, four events spooled"
out=$(pam_run workos root authenticate)
is "$(spooled)" 4 "root (not WorkOS's): no event"

out=$("$CTL" check --offline --config "$T/workos.conf" 2>&1)
like "$out" "audit = workos; $WO_SPOOLDIR: 4 spooled, 0 rejected, 0 dropped" \
	"workosctl check counts what waits"

# --- WorkOS failing: everything stays, nothing arrives ---------------------------
emuctl fault /audit_logs/events --status 500 --forever >/dev/null
flush
check "500: flush says it stopped" test "$frc" -ne 0 || diag "$fout"
is "$(spooled)" 4 "500: all four stay spooled"
emuctl clear-faults >/dev/null
emuctl fault /audit_logs/events --status 429 --retry-after 600 --forever >/dev/null
flush
check "429 with a long Retry-After: flush stops" test "$frc" -ne 0 || diag "$fout"
like "$fout" "rate limiting" "  and says WorkOS is rate limiting"
is "$(spooled)" 4 "429: all four stay spooled"
emuctl clear-faults >/dev/null
is "$(received)" 0 "nothing stored by WorkOS while it failed"
# One 500 only: the idempotent request is retried at once.
emuctl fault /audit_logs/events --status 500 >/dev/null
flush
is "$frc" 0 "flush after WorkOS is back: success" || diag "$fout"
like "$fout" "4 sent, 0 refused" "  four sent"
is "$(spooled)" 0 "the spool is empty"
is "$(received)" 4 "WorkOS has exactly four events"
flush
is "$(received)" 4 "a second flush sends nothing again"

# --- the events' fields -----------------------------------------------------------
is "$(field_of ada event.action)" pam.auth.succeeded "ada: action pam.auth.succeeded"
is "$(field_of ada event.actor.id)" "$ADA" "ada: actor.id is her WorkOS user id"
is "$(field_of ada event.actor.type)" user "ada: actor.type user"
is "$(field_of ada event.targets.0.type):$(field_of ada event.targets.0.id)" "host:$MACHINE_ID" \
	"ada: target host = the machine id"
is "$(field_of ada event.targets.0.name)" "$(hostname)" "ada: the host target's name"
is "$(field_of ada event.targets.1.type)" account "ada: target account"
is "$(field_of ada event.context.location)" 192.0.2.9 "ada: context.location = PAM_RHOST"
check "ada: user_agent pam_workos/VERSION (workos)" matches "$(field_of ada event.context.user_agent)" '^pam_workos/[0-9.]+ \(workos\)$'
is "$(field_of ada event.metadata.tty)" pts/3 "ada: metadata.tty = PAM_TTY"
is "$(field_of ada event.metadata.service)" workos "ada: metadata.service = PAM_SERVICE"
is "$(field_of ada event.metadata.mode)" device "ada: metadata.mode"
like "$(field_of ada event.metadata.reason)" "device" "ada: metadata.reason says how"
check "ada: occurred_at ISO 8601 UTC" matches "$(field_of ada event.occurred_at)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
check "ada: sent with an Idempotency-Key" matches "$(field_of ada idempotency_key)" '^pam-workos-[0-9a-f]{32}$'
is "$(field_of alex event.action)" pam.auth.denied "alex: pam.auth.denied"
is "$(field_of alex event.actor.id)" "$GRACE" "alex: the actor is grace, who approved"
is "$(field_of alex event.metadata.reason)" wrong_user "alex: reason wrong_user"
is "$(field_of alex event.context.location)" console "alex: no PAM_RHOST: console"
is "$(field_of grace event.action)" pam.auth.denied "grace: pam.auth.denied"
is "$(field_of grace event.metadata.reason)" role "grace: reason role"
is "$(field_of ian event.action)" pam.account.denied "ian: pam.account.denied"
is "$(field_of ian event.actor.id)" "$IAN" "ian: actor ian"
is "$(field_of ian event.metadata.reason)" not_a_member "ian: reason not_a_member"

# --- kill -9 of the deliverer at random points: nothing lost or doubled ----------
# Each round spools two more events and kills a flush slowed down by the
# emulator (300 ms an answer) somewhere between 0 and 1 s into its run.
emuctl fault /audit_logs/events --delay-ms 300 --forever >/dev/null
i=0 kept=""
while [ $i -lt 10 ]; do
	pam_run workos ian acct_mgmt >/dev/null
	pam_run workos ian acct_mgmt >/dev/null
	"$CTL" audit flush --config "$T/workos.conf" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(od -An -N1 -tu1 /dev/urandom | awk '{printf "%02d", $1 % 100}')"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	kept="$kept $(spooled)"
	i=$((i + 1))
done
diag "spooled after each kill:$kept"
emuctl clear-faults >/dev/null
diag "after 10 kills: $(spooled) spooled, $(received) received"
flush
is "$frc" 0 "after 10 kill -9s, a flush completes" || diag "$fout"
is "$(spooled)" 0 "nothing left in the spool"
is "$(received)" 24 "WorkOS has each of the 24 events exactly once"
keys=$(emuctl audit-events | "$PYTHON3" -c '
import json, sys
ks = [json.loads(l)["idempotency_key"] for l in sys.stdin]
print(len(ks), len(set(ks)))')
is "$keys" "24 24" "24 different Idempotency-Keys"
sent=$(emuctl requests --path /audit_logs/events | grep -c .)
check "$sent POSTs for 24 events (repeats after kills deduplicated)" test "$sent" -ge 24

# --- a refused event goes to rejected/ and is not retried ------------------------
pam_run workos ian acct_mgmt >/dev/null
emuctl fault /audit_logs/events --status 422 >/dev/null
flush
is "$frc" 0 "a 422: the flush goes on" || diag "$fout"
like "$fout" "rejected ev-" "  and names the rejected event"
is "$(ls "$WO_SPOOLDIR/rejected" | grep -c '\.json$')" 1 "the event is in rejected/"
is "$(ls "$WO_SPOOLDIR/rejected" | grep -c '\.reason$')" 1 "with its reason"
out=$("$CTL" check --offline --config "$T/workos.conf" 2>&1)
like "$out" "0 spooled, 1 rejected, 0 dropped" "workosctl check counts the rejected one"

# --- a full spool never fails a login ------------------------------------------
emu_config "device_timeout = 20" "audit = workos" "audit_spool_max_events = 2"
pam_run workos ian acct_mgmt >/dev/null
pam_run workos ian acct_mgmt >/dev/null
is "$(spooled)" 2 "the spool holds its bound of 2"
approved_login ada@example.com "" workos ada authenticate
is "$rc" 0 "spool full: the login still succeeds" || diag "$out"
like "$out" "full (2 events): event dropped, 1 dropped so far" \
	"the drop is logged with the counter"
like "$out" 'audit: {"organization_id"' "and the event itself goes to syslog"
is "$(spooled)" 2 "the spool stays at its bound"
out=$("$CTL" check --offline --config "$T/workos.conf" 2>&1)
like "$out" "2 spooled, 1 rejected, 1 dropped" "workosctl check shows the drop counter"

# --- audit = syslog, fleet members, audit = off --------------------------------
emu_config "device_timeout = 20" "audit = syslog"
out=$(pam_run workos ian acct_mgmt)
check "audit = syslog: one JSON line" matches "$out" \
	'audit: \{"organization_id":"org_[^"]*","event":\{"action":"pam\.account\.denied"'
is "$(spooled)" 2 "  and nothing spooled"
emu_config "device_timeout = 20" "audit = workos" "snapshot_url = https://127.0.0.1:1/nss.snapshot"
out=$(pam_run workos ian acct_mgmt)
like "$out" 'audit: {"organization_id"' "fleet member with audit = workos: the syslog line"
is "$(spooled)" 2 "  and nothing spooled"
emu_config "device_timeout = 20" "audit = off"
out=$(pam_run workos ian acct_mgmt)
unlike "$out" "audit:" "audit = off: no line"
is "$(spooled)" 2 "  and nothing spooled"

# --- workos-sync delivers at the end of a run, and never fails for it ---------
emu_config "device_timeout = 20" "audit = workos" "audit_spool_max_events = 3" \
	"audit_action_account_denied = host.access.denied"
pam_run workos ian acct_mgmt >/dev/null
is "$(spooled)" 3 "three events wait"
before=$(received)
emuctl fault /audit_logs/events --status 500 --forever >/dev/null
"$SYNC" --config "$T/workos.conf" >"$T/sync.out" 2>&1
is "$?" 0 "WorkOS failing on audit events does not fail workos-sync"
like "$(cat "$T/sync.out")" "audit: delivery stopped, 3 events stay spooled" "  it says so"
is "$(spooled)" 3 "  and the events stay"
emuctl clear-faults >/dev/null
"$SYNC" --config "$T/workos.conf" >"$T/sync.out" 2>&1
is "$?" 0 "workos-sync succeeds" || diag "$(cat "$T/sync.out")"
is "$(spooled)" 0 "workos-sync emptied the spool"
is "$(received)" $((before + 3)) "the three spooled events arrived"
is "$(emuctl audit-events | tail -1 | json_field event.action)" host.access.denied \
	"a configured action name reaches WorkOS"

done_testing
