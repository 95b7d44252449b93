#!/bin/sh
# SPDX-License-Identifier: MIT
# Pending device logins are bounded (lib/device_slots.h, pam_workos(8)
# PENDING DEVICE LOGINS): one per account, device_max_pending_per_address
# per PAM_RHOST, device_max_pending_per_host on the machine.  A refused
# login is told why at once, and WorkOS is not asked for a code: the
# emulator's request log must not grow.  pamtester under pam_wrapper, as in
# pam-device.sh; lib.sh's sandbox gives the suite a private runtime
# directory ($WO_RUNDIR).
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

emu_start
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 30"
pam_service workos "qr=never"

authorizes() { emuctl requests --path /user_management/authorize/device | grep -c .; }

# bg_login TAG pamtester-args...: a login in the background, its output in
# $T/out.TAG (line-buffered), its pid in $T/pid.TAG.
bg_login() {
	_tag=$1
	shift
	LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=3 \
		PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
		NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		stdbuf -oL -eL "$PAMTESTER" "$@" >"$T/out.$_tag" 2>&1 </dev/null &
	echo $! >"$T/pid.$_tag"
}

# code_of TAG: the user code that login shows, once it shows one.
code_of() {
	wait_for "$T/out.$1" "enter the code: " 20 || return 1
	sed -n 's/.*enter the code: \([A-Z0-9-]*\).*/\1/p' "$T/out.$1" | head -n 1
}

# end_login TAG deny|approve EMAIL: ends a pending login and waits for it.
end_login() {
	_code=$(code_of "$1") || return 1
	if [ "$2" = deny ]; then
		emuctl deny "$_code" >/dev/null
	else
		emuctl approve "$_code" --user "$3" >/dev/null
	fi
	wait "$(cat "$T/pid.$1")"
}

# timed_run pam_run-args...: pam_run, setting $out, $rc and $secs.
timed_run() {
	_start=$(date +%s)
	out=$(pam_run "$@")
	rc=$?
	secs=$(($(date +%s) - _start))
}

# --- one pending code per account ------------------------------------------------
bg_login first workos ada authenticate
code=$(code_of first)
check "a first login as ada shows a code" [ -n "$code" ]
n=$(authorizes)
is "$n" 1 "the emulator saw one authorize request"

timed_run workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "a second login as ada, while the first waits: PAM_AUTH_ERR"
like "$out" "another login as ada is already waiting for its WorkOS code to be approved" \
	"the person is told why"
like "$out" "auth denied: user=ada" "the refusal is logged"
like "$out" "code=too_many_pending" "  with its code"
unlike "$out" "enter the code" "no code is shown"
check "it was refused at once ($secs s)" [ "$secs" -le 5 ]
timed_run -I rhost=198.51.100.20 workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "a login as ada from a remote address is refused too"
is "$(authorizes)" "$n" "the emulator saw no other authorize request"

end_login first approve ada@example.com
is "$?" 0 "the first login, approved, succeeds"
like "$(cat "$T/out.first")" "successfully authenticated" "  (pamtester says so)"
approved_login ada@example.com "" workos ada authenticate
is "$rc" 0 "after it ended, a new login as ada works"

# --- a login refused in the browser frees its slot as well ---------------------------
decided_login deny workos ada authenticate
is "$rc" "$PAM_AUTH_ERR" "a login refused in the browser"
bg_login again workos ada authenticate
check "the next login as ada shows a code" code_of again
end_login again deny

# --- a killed login frees its slot -----------------------------------------------------
bg_login killed workos ada authenticate
code_of killed >/dev/null
kill -KILL "$(cat "$T/pid.killed")"
wait "$(cat "$T/pid.killed")" 2>/dev/null
bg_login after workos ada authenticate
check "after the waiting login was killed, a new login as ada shows a code" code_of after
end_login after deny

# --- per remote address ----------------------------------------------------------------
for u in grace ian mila; do
	bg_login "r-$u" -I rhost=192.0.2.10 workos "$u" authenticate
done
shown=0
for u in grace ian mila; do
	code_of "r-$u" >/dev/null && shown=$((shown + 1))
done
is "$shown" 3 "three logins from 192.0.2.10 wait for approval"
n=$(authorizes)
timed_run -I rhost=192.0.2.10 workos olga authenticate
is "$rc" "$PAM_AUTH_ERR" "a 4th from the same address: PAM_AUTH_ERR"
like "$out" "3 logins from 192.0.2.10 are already waiting" "the person is told why"
check "it was refused at once ($secs s)" [ "$secs" -le 5 ]
timed_run -I rhost=::ffff:192.0.2.10 workos olga authenticate
is "$rc" "$PAM_AUTH_ERR" "the same address written as IPv4-mapped IPv6 counts the same"
is "$(authorizes)" "$n" "no authorize request for either"
bg_login r-olga -I rhost=203.0.113.5 workos olga authenticate
check "olga from another address gets a code" code_of r-olga
end_login r-olga deny
end_login r-grace deny
bg_login r-olga2 -I rhost=192.0.2.10 workos olga authenticate
check "once one from 192.0.2.10 ended, olga from there gets a code" code_of r-olga2
for t in r-ian r-mila r-olga2; do end_login "$t" deny; done

emu_config "device_timeout = 30" "device_max_pending_per_address = 1"
bg_login one -I rhost=192.0.2.11 workos grace authenticate
code_of one >/dev/null
timed_run -I rhost=192.0.2.11 workos ian authenticate
is "$rc" "$PAM_AUTH_ERR" "device_max_pending_per_address = 1: a second from one address is refused"
end_login one deny

# --- per host (local logins: no PAM_RHOST) ----------------------------------------------
emu_config "device_timeout = 30" "device_max_pending_per_host = 2"
bg_login h-grace workos grace authenticate
bg_login h-ian workos ian authenticate
code_of h-grace >/dev/null && code_of h-ian >/dev/null
n=$(authorizes)
timed_run workos mila authenticate
is "$rc" "$PAM_AUTH_ERR" "device_max_pending_per_host = 2: a third login is refused"
like "$out" "2 logins on this machine are already waiting" "the person is told why"
timed_run -I rhost=203.0.113.6 workos mila authenticate
is "$rc" "$PAM_AUTH_ERR" "  from a remote address too"
is "$(authorizes)" "$n" "  and WorkOS was not asked"
end_login h-grace deny
end_login h-ian deny
emu_config "device_timeout = 30"

# Local logins are not bound per address: 4 at once (the default per
# address is 3).
for u in grace ian mila olga; do bg_login "l-$u" workos "$u" authenticate; done
shown=0
for u in grace ian mila olga; do code_of "l-$u" >/dev/null && shown=$((shown + 1)); done
is "$shown" 4 "four local logins wait at once (no per-address bound for them)"
for u in grace ian mila olga; do end_login "l-$u" deny; done

# --- a runtime directory that cannot be trusted: fail closed ---------------------------
n=$(authorizes)
chmod 0777 "$WO_RUNDIR"
timed_run workos ada authenticate
chmod 0700 "$WO_RUNDIR"
is "$rc" "$PAM_SERVICE_ERR" "a runtime directory writable by others: PAM_SERVICE_ERR"
like "$out" "not configured correctly on this machine" "the person is told to tell the admin"
like "$out" "runtime directory $WO_RUNDIR is writable by group or others" "the log says why"
is "$(authorizes)" "$n" "WorkOS was not asked"
approved_login ada@example.com "" workos ada authenticate
is "$rc" 0 "with the directory fixed, logins work again"

done_testing
