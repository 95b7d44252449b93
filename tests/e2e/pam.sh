# Running PAM stacks with pamtester under pam_wrapper and nss_wrapper
# (sourced after lib.sh's sandbox or private_modules; needs $T, $WO_LIB and
# a workos.conf in $T).  Nothing on the host changes: service files, passwd
# and group live in $T.

# The module's copy in $WO_LIB: a stack line cannot hold a space.
PAM_MODULE=${WO_LIB:?no private copy of the modules: call sandbox or private_modules}/pam_workos.so
[ -f "$PAM_MODULE" ] || bail "$PAM_MODULE is not built"
PAMTESTER=${PAMTESTER:-$(command -v pamtester)}
[ -x "$PAMTESTER" ] || bail "pamtester is not installed (scripts/install-deps)"

# A module built with --enable-sanitizers needs the ASan runtime loaded
# first into the (uninstrumented) program that loads it.
PAM_PRELOAD="libpam_wrapper.so libnss_wrapper.so"
asan=$(ldd "$PAM_MODULE" | awk '/libasan/ {print $3}')
if [ -n "$asan" ]; then
	# libcrypt too: ASan intercepts crypt(), and a libcrypt that only
	# arrives with pam_unix's dlopen() leaves the interceptor calling NULL.
	PAM_PRELOAD="$asan libcrypt.so.1 $PAM_PRELOAD"
	# pamtester and libpam are not ours: their leaks are not our findings.
	export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
fi

# PAM codes, as pam_run reports them (from <security/_pam_types.h>).
PAM_SERVICE_ERR=3
PAM_SYSTEM_ERR=4
PAM_PERM_DENIED=6
PAM_AUTH_ERR=7
PAM_AUTHINFO_UNAVAIL=9
PAM_USER_UNKNOWN=10
PAM_CONV_ERR=19

# The fixture's WorkOS users (tests/emulator/fixtures/basic.json) and the
# role groups workos-sync made for them: ian (now inactive), paula
# (pending) and olga (another organization) as if they had been members at
# the last sync, so that the module, not the cache, has to refuse them.
pam_fixture_people() {
	cat <<'EOP'
ada user_01HQWM4YK0ZQQ463A0QNBXXTP1 admin
grace user_01HQWM8KS0W08FT771NK0Q7RXM developer
ian user_01HQWNF280PN59A4KT9DBKYGF3 member
mila user_01HQWNBD205TTE80M33G9MRNQY member,developer
olga user_01HQWNPCM07YMREJ9WMF6FSEAJ member
ursula user_01HQWME3J02Y9B660PVE9M2805 member
tessa user_01HQWMQ8H0ZVYR0D3R8MX0G699 member
nick user_01HQWMWRA0FW5P575VKNWMPFDF member
alex user_01HQWN42P0TVYRRRKFFK4GT9Y6 developer
paula user_01HQWNJQE01G46SQ3Q5AJQJM3F member
sam user_01HQWMKKB0X5Q05P74FWN7R0XY member
EOP
}

# The fixture's people as local accounts that workos-sync made: passwd and
# group files for nss_wrapper, and the NSS cache (in a private cache
# directory) that records each account's owner.  pam_workos admits to an
# account only its recorded owner, so the cache and the passwd file must
# agree on the UID, as they do when NSS answers from the cache.
pam_accounts() {
	mkdir -p "$T/pam.d"
	: >"$T/passwd"
	: >"$T/group"
	: >"$T/pam-cache.txt"
	[ -n "${WO_CACHE:-}" ] || use_cachedir
	uid=300000
	pam_fixture_people | {
		admins="" developers="" members=""
		while read -r u id roles; do
			uid=$((uid + 1))
			echo "$u:x:$uid:$uid:$u:/home/$u:/bin/sh" >>"$T/passwd"
			echo "$u:x:$uid:" >>"$T/group"
			echo "user $u:$uid:$uid:$u:/home/$u:/bin/sh:$id" >>"$T/pam-cache.txt"
			echo "group $u:$uid:" >>"$T/pam-cache.txt"
			case ,$roles, in *,admin,*) admins="$admins,$u" ;; esac
			case ,$roles, in *,developer,*) developers="$developers,$u" ;; esac
			case ,$roles, in *,member,*) members="$members,$u" ;; esac
		done
		echo "group workos-admin:400001:${admins#,}" >>"$T/pam-cache.txt"
		echo "group workos-developer:400002:${developers#,}" >>"$T/pam-cache.txt"
		echo "group workos-member:400003:${members#,}" >>"$T/pam-cache.txt"
	}
	"$MKCACHE" "$WO_CACHE" "$T/pam-cache.txt" || bail "mkcache failed"
}

pam_service() { # name "module arguments"
	[ -f "$T/passwd" ] || pam_accounts
	cat >"$T/pam.d/$1" <<EOS
auth     required $PAM_MODULE config=$T/workos.conf $2
account  required $PAM_MODULE config=$T/workos.conf $2
EOS
}

# pam_run [-I item=value...] service user op...: prints what pamtester and the
# module said (syslog lines included: pam_wrapper prints them) and returns
# the PAM code, recovered from pamtester's message.  The person's answers
# come from the file $PAM_STDIN (default /dev/null: no answers); see
# pam_answer for feeding them through a pipe.  With $PAM_LOG set, the output
# also goes to that file as it is written (line-buffered), for answers that
# depend on what the module showed.
pam_run() {
	out=$(LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=3 \
		PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
		NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		timeout 120 ${PAM_LOG:+stdbuf -oL} "$PAMTESTER" "$@" 2>&1 <"${PAM_STDIN:-/dev/null}" |
		if [ -n "${PAM_LOG:-}" ]; then tee "$PAM_LOG"; else cat; fi)
	printf '%s\n' "$out"
	case $out in
	*"successfully authenticated"* | *"account management done"*)
		case $out in *"pamtester: Authentication"* | *"pamtester: Permission"* | *"pamtester: User not"*) ;;
		*) return 0 ;; esac ;;
	esac
	case $out in
	*"pamtester: Authentication service cannot retrieve authentication info"*) return $PAM_AUTHINFO_UNAVAIL ;;
	*"pamtester: Authentication failure"*) return $PAM_AUTH_ERR ;;
	*"pamtester: User not known"*) return $PAM_USER_UNKNOWN ;;
	*"pamtester: Permission denied"*) return $PAM_PERM_DENIED ;;
	*"pamtester: Error in service module"*) return $PAM_SERVICE_ERR ;;
	*"pamtester: System error"*) return $PAM_SYSTEM_ERR ;;
	*"pamtester: Conversation error"*) return $PAM_CONV_ERR ;;
	esac
	return 99
}

# Waits for the next device code and approves it as `email` (extra emuctl
# arguments may follow in $2); run in the background next to pam_run.
approve_latest() {
	sleep 0.2
	code=$(emuctl latest-code --wait 15 | json_field user_code)
	sleep 1.2
	# shellcheck disable=SC2086
	emuctl approve "$code" --user "$1" $2 >/dev/null
}

decide_latest() { # deny|expire
	sleep 0.2
	code=$(emuctl latest-code --wait 15 | json_field user_code)
	sleep 1.2
	emuctl "$1" "$code" >/dev/null
}

# pam_answer CMD service user op...: pam_run with the person's answers taken
# from what the shell command CMD prints, one line per prompt.  pamtester's
# conversation (libpam_misc) reads each answer with one read() and drops
# whatever else that read returned, so CMD must print the lines one at a
# time, after the prompt is up: `say LINE` waits a little, then prints.
pam_answer() {
	_cmd=$1
	shift
	eval "$_cmd" | PAM_STDIN=/dev/stdin pam_run "$@"
}

say() { # [seconds] line
	if [ $# -gt 1 ]; then
		sleep "$1"
		shift
	else
		sleep 0.7
	fi
	printf '%s\n' "$1"
}

wait_for() { # file text [seconds]: waits until text appears in file
	_n=$((${3:-15} * 10))
	while [ "$_n" -gt 0 ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# approved_login EMAIL "EXTRA" pam_run-args...: one login while the code
# is approved as EMAIL (EXTRA: more emuctl approve arguments); sets $out
# and $rc.
approved_login() {
	_who=$1 _extra=$2
	shift 2
	approve_latest "$_who" "$_extra" &
	out=$(pam_run "$@")
	rc=$?
	wait
}

# decided_login deny|expire pam_run-args...: the same with a refusal.
decided_login() {
	_how=$1
	shift
	decide_latest "$_how" &
	out=$(pam_run "$@")
	rc=$?
	wait
}
