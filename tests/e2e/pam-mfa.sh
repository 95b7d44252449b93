#!/bin/sh
# pam_workos's mode=password and mode=totp through real PAM stacks:
# pamtester under pam_wrapper and nss_wrapper, against the WorkOS emulator,
# with real TOTP codes from oathtool.  The person's answers are fed to
# pamtester's conversation through a pipe (pam_answer in pam.sh).
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

command -v oathtool >/dev/null || bail "oathtool is not installed (scripts/install-deps)"
# A cache directory of our own: pam_accounts records the fixture's people
# there as accounts workos-sync made.
use_cachedir
emu_start
emu_config
emu_api_key
pam_service pw "mode=password qr=never"
pam_service pwqr "mode=password qr=ascii"
pam_service totp "mode=totp"
# The anti-phishing pairing: a device login, then a code typed here.
stepup_service() { # name "extra arguments of the totp line"
	cat >"$T/pam.d/$1" <<EOS
auth     required $PAM_MODULE config=$T/workos.conf qr=never
auth     required $PAM_MODULE config=$T/workos.conf mode=totp $2
account  required $PAM_MODULE config=$T/workos.conf
EOS
}
stepup_service stepup ""
stepup_service stepup-admin "require_role=admin"

TESSA=QSPRDFPHZNJLIZHOPLQZ7QRJRRA66MIE
MAIN_ORG=$(emu_field organization_id)
GRANT_TOTP=urn:workos:oauth:grant-type:mfa-totp
GRANT_ORG=urn:workos:oauth:grant-type:organization-selection

totp() { oathtool --totp -b "$1"; }

# Each code is good once per 30 s step: a fresh fixture (emuctl reset) lets
# the next test use the current code again.
fresh() {
	emuctl reset >/dev/null
	emuctl device-settings --interval 1 >/dev/null
	for s in "$@"; do emuctl settings "$s" >/dev/null; done
}

# How many requests of the log match "[METHOD ]PATH-PATTERN" (fnmatch),
# and the body parameter key=value when given.
count_requests() {
	emuctl requests | "$PYTHON3" -c '
import fnmatch, json, sys
method, _, path = sys.argv[1].rpartition(" ")
key, _, want = sys.argv[2].partition("=")
n = 0
for line in sys.stdin:
    if not line.strip():
        continue
    r = json.loads(line)
    if not fnmatch.fnmatchcase(r["path"], path) or (method and r["method"] != method):
        continue
    if not key or str((r.get("params") or {}).get(key)) == want:
        n += 1
print(n)
' "$1" "${2:-}"
}

# --- mfa_challenge: the right code ------------------------------------------
fresh
code=$(totp $TESSA)
out=$(pam_answer 'say tessa-otp-pass; say "$code"' \
	pw tessa authenticate acct_mgmt)
rc=$?
is "$rc" 0 "tessa: password and the right TOTP code: PAM_SUCCESS"
like "$out" "account management done" "account phase passed"
like "$out" "WorkOS login as tessa on $(hostname)" "the prompt names the account and the host"
unlike "$out" "WorkOS email for" "no email is asked for: the account's owner's is sent"
like "$out" "WorkOS password for tessa@example.com:" "then the password"
like "$out" "the code your authenticator app shows" "then the one-time code"
like "$out" "auth granted: user=tessa workos_user=user_01HQWMQ8H0ZVYR0D3R8MX0G699 role=member via=password+totp+api" \
	"the decision is logged, with how"
unlike "$out" "tessa-otp-pass" "the password is in no output or log line"
unlike "$out" "eyJ" "no token in any output or log line"
is "$(count_requests /user_management/authenticate grant_type=$GRANT_TOTP)" 1 "one mfa-totp grant"
is "$(count_requests '/auth/factors/*/challenge')" 1 "one challenge of tessa's factor"

# WorkOS takes a code once (within its step, or ±1 step of drift).
out=$(pam_answer 'say tessa-otp-pass; say "$code"; say 000000; say 000000' \
	pw tessa authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "the same code again, then wrong ones: PAM_AUTH_ERR"
like "$out" "That code was used already: wait for the next one. 2 tries left." \
	"a used code is told as such"
like "$out" "user=tessa: one-time code 1 of 3 refused (used already)" "and logged"

# --- mfa_challenge: wrong codes -----------------------------------------------
fresh
out=$(pam_answer 'say tessa-otp-pass; say 12ab56; say 000000; say 999999' \
	pw tessa authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "three wrong answers: PAM_AUTH_ERR"
like "$out" "A one-time code is 6 digits. 2 tries left." "an answer that is not a code is told so"
like "$out" "Wrong code. 1 try left." "a wrong code is told, with the tries left"
like "$out" "the one-time code was wrong too many times" "the last refusal says why"
like "$out" "code=wrong_code" "and is logged"
like "$out" "user=tessa: one-time code 3 of 3 refused (wrong)" "each refused code is logged"
is "$(count_requests /user_management/authenticate grant_type=$GRANT_TOTP)" 2 \
	"only the two 6-digit answers reached WorkOS"

# --- mfa_challenge: the challenge expired while the person typed ---------------
fresh challenge_ttl=1
out=$(pam_answer 'say tessa-otp-pass; say 2.5 "$(totp $TESSA)"' \
	pw tessa authenticate)
rc=$?
is "$rc" 0 "expired challenge: a new one is made and the code accepted"
is "$(count_requests '/auth/factors/*/challenge')" 2 "two challenges were made"
unlike "$out" "Wrong code" "the person is not told the code was wrong"

# --- mfa_enrollment: a new factor, then its first code -------------------------
fresh
nick_code() {
	wait_for "$T/nick.log" "Key to add it by hand: " || return
	key=$(sed -n 's/^Key to add it by hand: //p' "$T/nick.log")
	say "$(totp "$key")"
}
out=$(pam_answer 'say nick-needs-mfa' pwqr nick authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "nick, no factor yet, without allow_totp_enrollment: PAM_AUTH_ERR"
like "$out" "has no authenticator app (TOTP) yet" "the person is told to enrol one elsewhere"
unlike "$out" "Key to add it by hand" "no key is shown"
is "$(count_requests 'POST /user_management/users/*/auth_factors')" 0 \
	"a password alone binds no factor"

fresh
emu_config "allow_totp_enrollment = true"
out=$(PAM_LOG=$T/nick.log pam_answer 'say nick-needs-mfa; nick_code' \
	pwqr nick authenticate acct_mgmt)
rc=$?
is "$rc" 0 "nick enrolls an authenticator and logs in with its first code"
like "$out" "needs an authenticator app (TOTP)" "the person is told why"
key=$(printf '%s\n' "$out" | sed -n 's/^Key to add it by hand: //p')
check "the key is shown in text ($key)" [ "${#key}" -ge 16 ]
uri=$(printf '%s\n' "$out" | "$PYTHON3" "$top_srcdir/tests/e2e/qr2pbm.py" >"$T/qr.pbm" &&
	zbarimg --nodbus -q --raw "$T/qr.pbm")
like "$uri" "otpauth://totp/" "the QR code (qr=ascii) is the otpauth URI"
like "$uri" "secret=$key" "of the same key"
like "$out" "TOTP factor auth_factor_" "the enrollment is logged"
check "the key is in no log line" sh -c "! printf '%s\n' \"\$1\" | grep SYSLOG | grep -qF \"\$2\"" - "$out" "$key"
is "$(count_requests 'POST /user_management/users/*/auth_factors')" 1 "one factor enrolled"

out=$(pam_answer 'say nick-needs-mfa; say 000000; say 000000; say 000000' \
	pw nick authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "nick, enrolled now, with wrong codes: PAM_AUTH_ERR"
like "$out" "the code your authenticator app shows" "the next login asks for a code"
is "$(count_requests 'POST /user_management/users/*/auth_factors')" 1 "and enrolls nothing more"
emu_config

# --- organization_selection_required --------------------------------------------
fresh
out=$(pam_answer 'say grace-battery-staple' pw grace authenticate)
rc=$?
is "$rc" 0 "grace (two organizations): the configured one is selected: PAM_SUCCESS"
is "$(count_requests /user_management/authenticate organization_id=$MAIN_ORG)" 1 \
	"the organization-selection grant names organization_id"
is "$(count_requests /user_management/authenticate grant_type=$GRANT_ORG)" 1 \
	"one organization-selection grant"

emu_config "organization_id = org_01HQWZZZZZZZZZZZZZZZZZZZZZ"
out=$(pam_answer 'say grace-battery-staple' pw grace authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "the configured organization is not offered: PAM_AUTH_ERR"
like "$out" "cannot sign in to the organization this machine belongs to" "the person is told why"
is "$(count_requests /user_management/authenticate grant_type=$GRANT_ORG)" 1 \
	"no organization is selected in its place"
emu_config

# --- refusals -------------------------------------------------------------------
out=$(pam_answer 'say ursula-unverified-1' pw ursula authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "unverified email: PAM_AUTH_ERR"
like "$out" "email address is not verified yet" "the person is told to verify it"
like "$out" "device login" "and pointed to the device login"

out=$(pam_answer 'say whatever-1' pw sam authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "SSO-only account: PAM_AUTH_ERR"
like "$out" "signs in with single sign-on" "the person is told to use SSO"
like "$out" "device) login" "through the device login"

out=$(pam_answer 'say not-ada-s-password' pw ada authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "wrong password: PAM_AUTH_ERR"
like "$out" "wrong email or password" "the person is told"
like "$out" "code=invalid_credentials" "the log says what WorkOS said"

out=$(pam_answer 'say grace-battery-staple' pw ada authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "grace's password at ada's account: PAM_AUTH_ERR"
like "$out" "WorkOS password for ada@example.com:" \
	"the email sent is the owner's, never one the person chooses"

out=$(pam_run pw ada authenticate)
rc=$?
is "$rc" "$PAM_CONV_ERR" "no answer at the prompt: PAM_CONV_ERR"

# --- an account WorkOS does not own --------------------------------------------
# A local account (in passwd, not made by workos-sync): refused at once,
# without a prompt and without a word to WorkOS, whatever the mode.
echo "localguy:x:300100:300100:local:/home/localguy:/bin/sh" >>"$T/passwd"
before=$(emuctl requests | wc -l)
for svc in pw totp; do
	out=$(pam_answer 'say whatever-1' $svc localguy authenticate)
	rc=$?
	is "$rc" "$PAM_USER_UNKNOWN" "service $svc, an account WorkOS does not own: PAM_USER_UNKNOWN"
	unlike "$out" "WorkOS password for" "  nothing is asked for"
	like "$out" "user=localguy is not an account WorkOS owns" "  and the log says why"
done
is "$(emuctl requests | wc -l)" "$before" "WorkOS was not asked"
emu_config "username_from = email"
echo "ada@example.com:x:300101:300101:ada:/home/ada:/bin/sh" >>"$T/passwd"
out=$(pam_answer 'say ada-correct-horse' pw ada@example.com authenticate)
rc=$?
is "$rc" "$PAM_USER_UNKNOWN" "a local account named after a member's email is not the member's"
emu_config

# --- mode=totp: a step-up after the device login -----------------------------------
fresh
rm -f "$T/stepup.log" # wait_for must not see the last run's
approve_latest tessa@example.com &
out=$(PAM_LOG=$T/stepup.log pam_answer \
	'wait_for "$T/stepup.log" "authenticator app shows" 30 && say "$(totp $TESSA)"' \
	stepup tessa authenticate acct_mgmt)
rc=$?
wait
is "$rc" 0 "device login then the right TOTP code: PAM_SUCCESS"
like "$out" "auth granted: user=tessa workos_user=user_01HQWMQ8H0ZVYR0D3R8MX0G699 role=member via=totp+api" \
	"the step-up is logged"
is "$(count_requests '/auth/challenges/*/verify')" 1 "the code was verified through the MFA API"
is "$(count_requests /user_management/organization_memberships)" 3 \
	"membership was checked live (device auth, step-up, account)"

fresh
rm -f "$T/stepup.log" # wait_for must not see the last run's
approve_latest tessa@example.com &
out=$(PAM_LOG=$T/stepup.log pam_answer \
	'wait_for "$T/stepup.log" "authenticator app shows" 30 && say 000000; say 000000; say 000000' \
	stepup tessa authenticate)
rc=$?
wait
is "$rc" "$PAM_AUTH_ERR" "device login then three wrong codes: PAM_AUTH_ERR"
like "$out" "Wrong code. 2 tries left." "the person is told the code was wrong"
is "$(count_requests '/auth/challenges/*/verify')" 3 "three verifications"

fresh challenge_ttl=1
rm -f "$T/stepup.log" # wait_for must not see the last run's
approve_latest tessa@example.com &
out=$(PAM_LOG=$T/stepup.log pam_answer \
	'wait_for "$T/stepup.log" "authenticator app shows" 30 && say 2.5 "$(totp $TESSA)"' \
	stepup tessa authenticate)
rc=$?
wait
is "$rc" 0 "step-up with an expired challenge: a new one, the same code: PAM_SUCCESS"
is "$(count_requests '/auth/factors/*/challenge')" 2 "two challenges were made"

fresh
approve_latest ada@example.com &
out=$(pam_run stepup ada authenticate)
rc=$?
wait
is "$rc" "$PAM_AUTH_ERR" "step-up for a user with no TOTP factor: PAM_AUTH_ERR"
like "$out" "no authenticator app (TOTP) is enrolled for this WorkOS account; enrol one first" \
	"the person is told to enrol one"
is "$(count_requests '/auth/factors/*/challenge')" 0 "nothing was challenged"

approve_latest tessa@example.com &
out=$(pam_run stepup-admin tessa authenticate)
rc=$?
wait
is "$rc" "$PAM_AUTH_ERR" "step-up with require_role=admin for a member: PAM_AUTH_ERR"
like "$out" "no WorkOS role that may log in here" "the person is told about the role"
is "$(count_requests '/auth/factors/*/challenge')" 0 "before any code is asked for"

# --- a cache of two fixture people: the email for mode=password, the user for
# mode=totp.  The private cache directory: the host's cache, if any, is
# neither read nor changed.
cat >"$T/cache.txt" <<'TXT'
user tessa:300007:300007:Tessa Totp:/home/tessa:/bin/sh:user_01HQWMQ8H0ZVYR0D3R8MX0G699
user ada:300001:300001:Ada Lovelace:/home/ada:/bin/sh:user_01HQWM4YK0ZQQ463A0QNBXXTP1
group tessa:300007:
group ada:300001:
TXT
"$MKCACHE" "$WO_CACHE" "$T/cache.txt" || bail "mkcache failed"

fresh
out=$(pam_answer 'say tessa-otp-pass; say "$(totp $TESSA)"' pw tessa authenticate)
rc=$?
is "$rc" 0 "tessa, known to the cache: password and code: PAM_SUCCESS"
unlike "$out" "WorkOS email for" "the email is not asked for"
like "$out" "WorkOS password for tessa@example.com:" "it is the cached WorkOS user's"
is "$(count_requests 'GET /user_management/users/user_01HQWMQ8H0ZVYR0D3R8MX0G699')" 1 \
	"read live from the users API"

fresh
out=$(pam_answer 'say "$(totp $TESSA)"' totp tessa authenticate)
rc=$?
is "$rc" 0 "mode=totp for a cached member: the right code: PAM_SUCCESS"
like "$out" "auth granted: user=tessa workos_user=user_01HQWMQ8H0ZVYR0D3R8MX0G699 role=member via=totp+api" \
	"the step-up is logged"

out=$(pam_answer 'say 000000; say 000000; say 000000' totp tessa authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "mode=totp, three wrong codes: PAM_AUTH_ERR"
is "$(count_requests '/auth/challenges/*/verify')" 4 "each code was verified by WorkOS"

out=$(pam_answer '' totp ada authenticate)
rc=$?
is "$rc" "$PAM_AUTH_ERR" "mode=totp for a cached member with no factor: PAM_AUTH_ERR"
like "$out" "enrol one first" "the person is told to enrol one"

# --- no API key: both modes are misconfigured -------------------------------------
rm -f "$T/api_key"
before=$(emuctl requests | wc -l)
out=$(pam_answer 'say tessa-otp-pass' pw tessa authenticate)
rc=$?
is "$rc" "$PAM_SERVICE_ERR" "mode=password without an API key: PAM_SERVICE_ERR"
like "$out" "mode=password needs the WorkOS API key, but $T/api_key does not exist" \
	"the log says what is missing"
unlike "$out" "WorkOS password for" "no password is asked for"
out=$(pam_run totp tessa authenticate)
rc=$?
is "$rc" "$PAM_SERVICE_ERR" "mode=totp without an API key: PAM_SERVICE_ERR"
like "$out" "mode=totp needs the WorkOS API key" "the log says so"
is "$(emuctl requests | wc -l)" "$before" "WorkOS was not asked"

done_testing
