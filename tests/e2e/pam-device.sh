#!/bin/sh
# pam_workos's device flow through real PAM stacks: pamtester under
# pam_wrapper (the PAM service files live in a scratch dir) and nss_wrapper
# (the local accounts too), against the WorkOS emulator.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

emu_start
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 20"
pam_service workos "qr=never"

# --- approval by the account's own WorkOS user --------------------------------
approved_login ada@example.com "" workos ada authenticate acct_mgmt
is "$rc" 0 "approved by ada: pamtester succeeds"
like "$out" "successfully authenticated" "authenticate returned PAM_SUCCESS"
like "$out" "account management done" "account phase passed"
like "$out" "WorkOS login as ada on $(hostname)" "the prompt names the account and the host"
like "$out" "$(emu_field base_url)/device" "the verification URL is shown"
code=$(emuctl latest-code | json_field user_code)
like "$out" "enter the code: $code" "the user code is shown"
like "$out" "auth granted: user=ada workos_user=user_01HQWM4YK0ZQQ463A0QNBXXTP1" \
	"the decision is logged with the WorkOS user id"
unlike "$out" "eyJ" "no token in any output or log line"
ua=$(emuctl requests --path /user_management/authorize/device | json_field headers.user_agent)
like "$ua" "pam_workos/" "the User-Agent names pam_workos"

# --- the docs' minimal success body: no user, no organization_id ---------------
# The CLI-auth docs list only access_token, refresh_token, token_type and
# expires_in; the spec adds user.  Without user, the WorkOS identity is the
# verified access token's sub (issue #16).
emuctl device-success docs >/dev/null
approved_login ada@example.com "" workos ada authenticate acct_mgmt
is "$rc" 0 "the docs' minimal success body: ada is admitted by the token's sub" || diag "$out"
like "$out" "auth granted: user=ada workos_user=user_01HQWM4YK0ZQQ463A0QNBXXTP1" \
	"  the decision is logged with the WorkOS user id from sub"
approved_login grace@example.com "" workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "the docs' minimal body approved by another WorkOS user: PAM_AUTH_ERR"
emuctl device-success spec >/dev/null

# --- a custom auth domain names itself as the tokens' issuer -------------------
emuctl token-issuer https://auth.example.com >/dev/null
approved_login ada@example.com "" workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "iss = an unconfigured custom auth domain: PAM_AUTH_ERR"
emu_config "device_timeout = 20" "token_issuer = https://auth.example.com"
approved_login ada@example.com "" workos ada authenticate
is "$rc" 0 "iss = the configured token_issuer: PAM_SUCCESS" || diag "$out"
emuctl token-issuer off >/dev/null
emu_config "device_timeout = 20"

# --- slow_down: the server wants more than it advertised ----------------------
# It advertises 1 s but answers slow_down below 3 s, until it has said so
# once; from then on the client must wait 1 + 5 = 6 s between polls.
emuctl reset >/dev/null
emuctl device-settings --interval 1 >/dev/null
emuctl settings device_enforced_extra=2 >/dev/null
emu_config "device_timeout = 40"
approve_after() { # seconds email
	code=$(emuctl latest-code --wait 15 | json_field user_code)
	sleep "$1"
	emuctl approve "$code" --user "$2" >/dev/null
}
approve_after 9 ada@example.com &
out=$(pam_run workos ada authenticate)
rc=$?
wait
emuctl settings device_enforced_extra=0 >/dev/null
emu_config "device_timeout = 20"
is "$rc" 0 "slow_down answered, login still succeeds" || diag "$out"
gaps=$(emuctl requests | "$PYTHON3" -c '
import json, sys, datetime
rows = [json.loads(l) for l in sys.stdin if l.strip()]
t = [datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp()
     for r in rows if r["path"] in ("/user_management/authorize/device", "/user_management/authenticate")]
print(" ".join("%.1f" % (b - a) for a, b in zip(t, t[1:])))
')
diag "seconds between device requests: $gaps"
first=$(echo "$gaps" | awk '{print $2}')
last=$(echo "$gaps" | awk '{print $NF}')
check "polls at the advertised 1 s before slow_down ($first s)" awk "BEGIN{exit !($first < 2)}"
check "polls at least 6 s apart after slow_down ($last s)" awk "BEGIN{exit !($last >= 5.8)}"

# --- refusals -----------------------------------------------------------------
decided_login deny workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "refused in the browser: PAM_AUTH_ERR"
like "$out" "refused in the browser" "the person is told it was refused"

decided_login expire workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "expired code: PAM_AUTH_ERR"
like "$out" "expired" "the person is told the code expired"

approved_login grace@example.com "" workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "approved by another WorkOS user: PAM_AUTH_ERR"
like "$out" "not this user's" "the person is told another account approved"
like "$out" "approved by another person: WorkOS user user_01HQWM8KS0W08FT771NK0Q7RXM, while the account belongs to WorkOS user user_01HQWM4YK0ZQQ463A0QNBXXTP1" \
	"the attempt is logged with both identities"

approved_login ada@example.com "--org $(emu_field other_organization_id)" workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "token for another organization: PAM_AUTH_ERR"

emu_config "device_timeout = 20" "allowed_roles = admin"
approved_login grace@example.com "" workos grace authenticate
is "$rc" "$PAM_AUTH_ERR" "developer when only admin may log in: PAM_AUTH_ERR"
like "$out" "no WorkOS role that may log in here" "the person is told about the role"

approved_login ada@example.com "" workos ada authenticate
is "$rc" 0 "admin when only admin may log in: PAM_SUCCESS"

pam_service workos-admin "qr=never require_role=admin"
emu_config "device_timeout = 20"
approved_login grace@example.com "" workos-admin grace authenticate
is "$rc" "$PAM_AUTH_ERR" "require_role=admin refuses a developer"

# --- with an API key, membership is confirmed live ----------------------------
emu_api_key
approved_login ian@example.com "" workos ian authenticate
is "$rc" "$PAM_AUTH_ERR" "inactive membership (API key): PAM_AUTH_ERR"
like "$out" "not an active member" "the person is told they are not a member"
n=$(emuctl requests --path /user_management/organization_memberships | wc -l)
check "the memberships API was asked" [ "$n" -ge 1 ]

approved_login mila@example.com "" workos-admin mila authenticate
is "$rc" "$PAM_AUTH_ERR" "member+developer refused by require_role=admin (roles from API)"
approved_login mila@example.com "" workos mila authenticate
is "$rc" 0 "mila admitted without role requirement (API key)"

# --- once decided, the login's WorkOS session is ended (API key only) ---------
# POST /user_management/sessions/revoke {session_id: the token's sid}; the
# emulator's sessions are the sids of the tokens it issued, newest last.
latest_sid() { emuctl sessions | tail -n 1 | json_field id; }
revokes_of() { # sid: the statuses of the revokes the emulator saw for it
	emuctl requests --path /user_management/sessions/revoke | "$PYTHON3" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(" ".join(str(r["status"]) for r in rows if r["params"].get("session_id") == sys.argv[1]))
' "$1"
}
approved_login ada@example.com "" workos ada authenticate
sid=$(latest_sid)
is "$rc" 0 "with the API key: ada admitted"
is "$(revokes_of "$sid")" "200" "  her login's session ($sid) was ended, once"
is "$(emuctl sessions | grep "\"$sid\"" | json_field revoked)" "True" \
	"  the emulator has it revoked"
approved_login grace@example.com "" workos ada authenticate
sid=$(latest_sid)
is "$rc" "$PAM_AUTH_ERR" "with the API key: ada's login approved by grace is refused"
is "$(revokes_of "$sid")" "200" "  and that login's session ($sid) is ended too, once"
emuctl fault /user_management/sessions/revoke --status 500 >/dev/null
approved_login ada@example.com "" workos ada authenticate
sid=$(latest_sid)
is "$rc" 0 "a 500 on revoke: ada is still admitted" || diag "$out"
is "$(revokes_of "$sid")" "500" "  one attempt, not repeated (a POST)"
like "$out" "WorkOS session $sid could not be ended (the decision stands)" \
	"  the failure is logged with the session id"
emuctl clear-faults >/dev/null
rm -f "$T/api_key"
before=$(emuctl requests --path /user_management/sessions/revoke | wc -l)
approved_login ada@example.com "" workos ada authenticate
is "$rc" 0 "without the API key: ada admitted"
is "$(emuctl requests --path /user_management/sessions/revoke | wc -l)" "$before" \
	"  and no session is ended (revoking needs the key)"

# --- impersonation -----------------------------------------------------------
emuctl token-fault impersonated >/dev/null
approved_login ada@example.com "" workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "impersonated session: PAM_AUTH_ERR"
like "$out" "impersonated sessions are not allowed" "the person is told why"
emu_config "device_timeout = 20" "allow_impersonation = true"
approved_login ada@example.com "" workos ada authenticate
is "$rc" 0 "impersonated session with allow_impersonation = true: admitted"
emuctl token-fault off >/dev/null
emu_config "device_timeout = 20"

# --- tokens that must not verify ------------------------------------------------
for fault in unknown-kid bad-signature expired wrong-sub alg-none hs256; do
	emuctl token-fault "$fault" >/dev/null
	approved_login ada@example.com "" workos ada authenticate
	is "$rc" "$PAM_AUTH_ERR" "access token with $fault: PAM_AUTH_ERR"
done
emuctl token-fault off >/dev/null

# --- a conversation that cannot answer (sshd-style prompt, no stdin) -----------
out=$(pam_run -I tty=ssh workos ada authenticate)
rc=$?
is "$rc" "$PAM_CONV_ERR" "prompt style with no answer: PAM_CONV_ERR"
like "$out" "Press Enter once you have approved" "sshd-style conversation prompts with the code"

# --- names that are not accounts ----------------------------------------------
before=$(emuctl requests | wc -l)
out=$(pam_run workos nosuchuser authenticate)
rc=$?
is "$rc" "$PAM_USER_UNKNOWN" "unknown account: PAM_USER_UNKNOWN"
out=$(pam_run workos 'Ada' authenticate)
rc=$?
is "$rc" "$PAM_USER_UNKNOWN" "'Ada' is not a valid name: PAM_USER_UNKNOWN"
is "$(emuctl requests | wc -l)" "$before" "no WorkOS request for a user that cannot log in"

# --- WorkOS unavailable: fail closed, within the bound -------------------------
emuctl fault /user_management/authorize/device --status 500 --forever >/dev/null
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_AUTHINFO_UNAVAIL" "500 from WorkOS: PAM_AUTHINFO_UNAVAIL"
like "$out" "cannot be reached" "the person is told WorkOS is unavailable"
emuctl clear-faults >/dev/null

emuctl fault /user_management/authorize/device --malformed --forever >/dev/null
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_AUTHINFO_UNAVAIL" "malformed JSON: PAM_AUTHINFO_UNAVAIL"
emuctl clear-faults >/dev/null

emuctl fault /user_management/authenticate --delay-ms 8000 --forever >/dev/null
start=$(date +%s)
out=$(pam_run workos ada authenticate)
rc=$?
elapsed=$(($(date +%s) - start))
is "$rc" "$PAM_AUTHINFO_UNAVAIL" "poll slower than http_timeout: PAM_AUTHINFO_UNAVAIL"
check "it gave up within http_timeout and its retries ($elapsed s)" [ "$elapsed" -le 15 ]
emuctl clear-faults >/dev/null

emu_config "device_timeout = 20" "api_port = 1"
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_AUTHINFO_UNAVAIL" "connection refused: PAM_AUTHINFO_UNAVAIL"

emu_config "device_timeout = 20" "ca_file = $(emu_field wrong_ca_file)"
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_AUTHINFO_UNAVAIL" "server certificate from an untrusted CA: PAM_AUTHINFO_UNAVAIL"
like "$out" "kind=tls" "logged as a TLS failure"

done_testing
