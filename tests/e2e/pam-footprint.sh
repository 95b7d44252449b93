#!/bin/sh
# SPDX-License-Identifier: MIT
# What pam_workos maps into a process (issue 13, item 5): the front links
# libpam and libc only; libcurl and OpenSSL come with the network core
# (pam_workos/core.so), loaded only when the decision needs WorkOS.  A PAM
# transaction runs under pam_wrapper in tests/helpers/pam_drive, which then
# reads /proc/self/maps.  Not timed: the figures are tests/bench/pam-bench's.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

DRIVE=$top_builddir/tests/helpers/pam_drive
[ -x "$DRIVE" ] || bail "$DRIVE is not built"
use_cachedir
emu_start
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 20" "qr = never"
pam_accounts
echo "root:x:0:0:root:/root:/bin/sh" >>"$T/passwd"
cat >"$T/pam.d/stack" <<EOS
auth     required $PAM_MODULE config=$T/workos.conf
account  required $PAM_MODULE config=$T/workos.conf
account  required pam_permit.so
EOS

like() { case $1 in *"$2"*) ok "$3" ;; *) not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;; esac; }

drive() { # args...: output in $out, status in $rc
	out=$(LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=3 \
		PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
		NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		timeout 60 "$DRIVE" -m "$@" </dev/null 2>&1)
	rc=$?
}

is "$(ldd "$PAM_MODULE" | grep -c -e curl -e ssl -e crypto -e json -e qrencode)" 0 \
	"pam_workos.so links no network library"
like "$(ldd "$WO_LIB/pam_workos/core.so")" "libcurl" "its core does"
is "$(nm -D --defined-only "$PAM_MODULE" | awk '{print $3}' | tr '\n' ' ')" \
	"pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred " "the front exports only pam_sm_*"
is "$(nm -D --defined-only "$WO_LIB/pam_workos/core.so" | awk '{print $3}' | tr '\n' ' ')" \
	"wo_pam_core_v1 " "the core exports only its versioned entry struct"

# --- nothing to do: nothing loaded ---------------------------------------------------------
drive stack root acct_mgmt
is "$rc" 0 "root, account phase: PAM_SUCCESS (pam_workos ignores root)"
like "$out" "mapped: curl=0 crypto=0 core=0" "root, account phase: neither libcurl nor libcrypto is mapped"

drive stack root authenticate
like "$out" "authenticate: User not known" "root, auth: not WorkOS's"
like "$out" "mapped: curl=0 crypto=0 core=0" "root, auth: nothing loaded"

# --- a member's account phase from the cache (no API key) ----------------------------------
before=$(emuctl requests | wc -l)
drive stack grace acct_mgmt
is "$rc" 0 "grace, account phase without the API key: admitted from the cache"
like "$out" "account granted: user=grace workos_user=user_01HQWM8KS0W08FT771NK0Q7RXM role=- via=cache" \
	"decided from the cache"
like "$out" "mapped: curl=0 crypto=0 core=0" "grace, account phase from the cache: nothing loaded"
is "$(emuctl requests | wc -l)" "$before" "and WorkOS was not asked"

# A refusal from the cache goes through the core: its audit event.
cat >"$T/pam.d/admins" <<EOS
account  required $PAM_MODULE config=$T/workos.conf require_role=admin
EOS
drive admins grace acct_mgmt
is "$rc" "$PAM_PERM_DENIED" "grace, require_role=admin from the cache: refused"
like "$out" "WorkOS access denied: grace has no WorkOS role allowed here." "and told why"
like "$out" "mapped: curl=1 crypto=1 core=1" "a refusal loads the core, which records it"

# --- a member's device login: the core is loaded --------------------------------------------
approve_latest ada@example.com &
drive stack ada authenticate acct_mgmt
wait
is "$rc" 0 "ada, device login: admitted"
like "$out" "mapped: curl=1 crypto=1 core=1" "ada, device login: libcurl and libcrypto are mapped"

# --- with the API key the account phase asks WorkOS ----------------------------------------
emu_api_key
drive stack grace acct_mgmt
is "$rc" 0 "grace, account phase with the API key: admitted"
like "$out" "via=api" "through the API"
like "$out" "mapped: curl=1 crypto=1 core=1" "with the API key the core is loaded"
rm -f "$T/api_key"

# --- a core anybody could have replaced is refused ---------------------------------------------
chmod g+w "$WO_LIB/pam_workos/core.so"
drive stack grace authenticate
is "$rc" "$PAM_SERVICE_ERR" "a group-writable core: PAM_SERVICE_ERR"
like "$out" "core.so is writable by group or others (mode 0775)" "and the log says why"
like "$out" "mapped: curl=0 crypto=0 core=0" "it is never loaded"
chmod g-w "$WO_LIB/pam_workos/core.so"
chmod g+w "$WO_LIB/pam_workos"
drive stack grace authenticate
is "$rc" "$PAM_SERVICE_ERR" "a group-writable core directory: PAM_SERVICE_ERR"
chmod g-w "$WO_LIB/pam_workos"

done_testing
