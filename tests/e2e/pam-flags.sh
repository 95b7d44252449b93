#!/bin/sh
# SPDX-License-Identifier: MIT
# The application's flags, which pamtester cannot pass: tests/helpers/
# pam_drive calls pam_authenticate under pam_wrapper with PAM_SILENT and
# PAM_DISALLOW_NULL_AUTHTOK.  PAM_SILENT quiets the remarks (informational
# messages, the text around a prompt) but never a prompt, the reason for a
# refusal (sudo passes PAM_SILENT by default: e2e/sudo.sh) nor the log;
# PAM_DISALLOW_NULL_AUTHTOK refuses an empty one-time code without a word
# to WorkOS; an empty password is refused with or without it.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

command -v oathtool >/dev/null || bail "oathtool is not installed (scripts/install-deps)"
DRIVE=$top_builddir/tests/helpers/pam_drive
[ -x "$DRIVE" ] || bail "$DRIVE is not built"
use_cachedir
emu_start
emu_config
emu_api_key
pam_service pw "mode=password qr=never"
pam_service totp "mode=totp"
TESSA=QSPRDFPHZNJLIZHOPLQZ7QRJRRA66MIE

like() { case $1 in *"$2"*) ok "$3" ;; *) not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;; esac; }
unlike() { case $1 in *"$2"*) not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;; *) ok "$3" ;; esac; }

# drive "answers" [-s] [-n] service user op...: output in $out, status in $rc
drive() {
	_answers=$1
	shift
	out=$(printf "$_answers" | LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=3 \
		PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
		NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		timeout 60 "$DRIVE" "$@" 2>&1)
	rc=$?
}
requests() { emuctl requests | grep -c "$1"; }
fresh() { emuctl reset >/dev/null; }

# --- PAM_SILENT ------------------------------------------------------------------------
fresh
drive 'not-the-password\n' pw tessa authenticate
is "$rc" "$PAM_AUTH_ERR" "wrong password: PAM_AUTH_ERR"
like "$out" "INFO: WorkOS login as tessa" "without PAM_SILENT: the banner goes with the prompt"
like "$out" "ERROR: WorkOS login denied: wrong email or password." "and the denial is told"

fresh
drive 'not-the-password\n' -s pw tessa authenticate
is "$rc" "$PAM_AUTH_ERR" "PAM_SILENT, wrong password: PAM_AUTH_ERR all the same"
like "$out" "PROMPT(echo off): WorkOS password for tessa@example.com: " "PAM_SILENT: the prompt is still asked"
unlike "$out" "INFO:" "PAM_SILENT: no informational message"
like "$out" "ERROR: WorkOS login denied: wrong email or password." \
	"PAM_SILENT: the reason for the refusal is still told"
like "$out" "auth denied: user=tessa" "PAM_SILENT: the syslog line is still written"

fresh
code=$(oathtool --totp -b "$TESSA")
drive "000000\n$code\n" -s totp tessa authenticate
is "$rc" 0 "PAM_SILENT, mode=totp: a wrong code, then the right one: PAM_SUCCESS"
is "$(printf '%s\n' "$out" | grep -c '^PROMPT(echo off): WorkOS one-time code: ')" 2 \
	"PAM_SILENT: asked twice"
unlike "$out" "Wrong code." "PAM_SILENT: the remark about the wrong code is not made"
like "$out" "one-time code 1 of 3 refused (wrong)" "but it is logged"

# --- PAM_DISALLOW_NULL_AUTHTOK -----------------------------------------------------------
fresh
drive '\n' -n pw tessa authenticate
is "$rc" "$PAM_AUTH_ERR" "PAM_DISALLOW_NULL_AUTHTOK, empty password: PAM_AUTH_ERR"
like "$out" "code=empty_password" "logged as an empty password"
is "$(requests '/user_management/authenticate')" 0 "the password grant is never asked"

fresh
drive '\n' pw tessa authenticate
is "$rc" "$PAM_AUTH_ERR" "without the flag, an empty password is refused too"
is "$(requests '/user_management/authenticate')" 0 "without a word to WorkOS"

fresh
drive '\n' -n totp tessa authenticate
is "$rc" "$PAM_AUTH_ERR" "PAM_DISALLOW_NULL_AUTHTOK, empty one-time code: PAM_AUTH_ERR"
like "$out" "code=empty_code" "logged as an empty code"
is "$(printf '%s\n' "$out" | grep -c '^PROMPT')" 1 "asked once: no second try"
is "$(requests '/verify')" 0 "no code reaches WorkOS"

fresh
code=$(oathtool --totp -b "$TESSA")
drive "\n$code\n" totp tessa authenticate
is "$rc" 0 "without the flag, an empty code costs a try and the next code admits"
like "$out" "A one-time code is 6 digits. 2 tries left." "and the person is told"

done_testing
