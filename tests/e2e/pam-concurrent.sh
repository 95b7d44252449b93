#!/bin/sh
# Many device-flow logins at once: 50 pamtester runs under pam_wrapper
# against one emulator, each for its own local account and approved by its
# own WorkOS user, matched by the user code that login printed.  Every login
# must end with exactly its own identity; approvals swapped between logins
# must fail.  This is what a shared PAM handle state, a global in the module
# or a mixed-up poll would break.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/emulator.sh"

N=${CONCURRENT_LOGINS:-50}
SWAPS=6
[ "$N" -lt $SWAPS ] && SWAPS=$N

# pam_wrapper keeps its copy of the service files in /tmp/pam.X, with one
# character to vary: far fewer than 50 at once, and racy.  Each login gets a
# private /tmp (a mount namespace: root), so the scratch dir lives elsewhere,
# and so does the module that the logins load (the build tree may be under
# /tmp).
# The suite itself runs in a namespace of its own too: the NSS cache that
# records who owns the accounts lives in a private cache directory.
sandbox "$@"
T=$(mktemp -d /var/tmp/pam-concurrent.XXXXXX)
private_modules "$T/lib"
. "$top_srcdir/tests/e2e/pam.sh"
emu_start
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 100"
pam_service workos "qr=never"

# --- N WorkOS users, active members, each with a local account ----------------
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	u=$(printf 'conc%02d' $i)
	(
		emuctl user-add "email=$u@example.com" email_verified=true first_name="$u" |
			json_field id >"$T/id.$u"
		emuctl member-add "$u@example.com" --role member >/dev/null
	) &
	# A few at a time: the emulator is one process, the machine is small.
	[ $((i % 8)) -eq 0 ] && wait
done
wait
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	u=$(printf 'conc%02d' $i)
	echo "$u:x:$((310000 + i)):$((310000 + i)):$u:/home/$u:/bin/sh" >>"$T/passwd"
	echo "$u:x:$((310000 + i)):" >>"$T/group"
done
# ... made by workos-sync: the cache records each one's owner.
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	u=$(printf 'conc%02d' $i)
	echo "user $u:$((310000 + i)):$((310000 + i)):$u:/home/$u:/bin/sh:$(cat "$T/id.$u")" \
		>>"$T/pam-cache.txt"
	echo "group $u:$((310000 + i)):" >>"$T/pam-cache.txt"
done
"$MKCACHE" "$WO_CACHE" "$T/pam-cache.txt" || bail "mkcache failed"
made=0
for f in "$T"/id.conc*; do
	case $(cat "$f") in user_*) made=$((made + 1)) ;; esac
done
is "$made" "$N" "$N WorkOS users created"

# One login in the background: pamtester's output (line-buffered, so the
# prompt shows while it polls) in $T/out.NAME, its PAM code in $T/rc.NAME.
# Each login's private /tmp would hide a cache directory that lives under
# /tmp (distcheck from a checkout in /tmp configures it inside the tree):
# the entry of /tmp that holds it is bound back, with the cache's own mount.
KEEP=""
case $(realpath -m "$WO_CACHEDIR") in
/tmp/*) KEEP=$(realpath -m "$WO_CACHEDIR"); KEEP=${KEEP#/tmp/}; KEEP=${KEEP%%/*} ;;
esac
login_bg() { # tag user
	(
		# The wrappers are preloaded into pamtester only: unshare and
		# mount would otherwise make pam_wrapper dirs in the shared /tmp.
		PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=3 \
			PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
			NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
			KEEP="$KEEP" unshare -m --propagation private sh -c \
			'cd /tmp && mount -t tmpfs -o mode=1777 pam-tmp /tmp &&
			{ [ -z "$KEEP" ] || { mkdir "/tmp/$KEEP" &&
				mount --no-canonicalize --rbind "./$KEEP" "/tmp/$KEEP"; }; } &&
			cd / && LD_PRELOAD=$PRELOAD exec "$@"' \
			sh timeout 150 stdbuf -oL -eL "$PAMTESTER" workos "$2" authenticate \
			>"$T/out.$1" 2>&1 </dev/null
		out=$(cat "$T/out.$1")
		case $out in
		*"pamtester: successfully authenticated"*) echo 0 ;;
		*"pamtester: Authentication failure"*) echo "$PAM_AUTH_ERR" ;;
		*) echo 99 ;;
		esac >"$T/rc.$1"
	) &
}

# The user code a login printed ("... enter the code: ABCD-EFGH"), waiting
# for it up to 60 s, or until the login ended without one.
code_of() { # tag
	k=0
	while [ $k -lt 600 ]; do
		ended=
		[ -e "$T/rc.$1" ] && ended=1
		c=$(sed -n 's/.*enter the code: \([A-Z0-9-]*\).*/\1/p' "$T/out.$1" 2>/dev/null | head -n 1)
		[ -n "$c" ] && { echo "$c"; return 0; }
		[ -n "$ended" ] && return 1
		sleep 0.1
		k=$((k + 1))
	done
	return 1
}

# --- N logins at once, each approved by its own user --------------------------
start=$(date +%s)
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	u=$(printf 'conc%02d' $i)
	login_bg "$u" "$u"
done
# Approve in reverse order, so no login is approved in the order it started.
i=$N
: >"$T/codes"
while [ $i -gt 0 ]; do
	u=$(printf 'conc%02d' $i)
	i=$((i - 1))
	code=$(code_of "$u") || { diag "$u printed no user code"; continue; }
	echo "$u $code" >>"$T/codes"
	emuctl approve "$code" --user "$u@example.com" >/dev/null &
done
wait
elapsed=$(($(date +%s) - start))
diag "$N logins in $elapsed s"
is "$(awk '{print $2}' "$T/codes" | sort -u | wc -l)" "$N" "$N logins showed $N distinct user codes"

ok_n=0
own_n=0
single_n=0
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	u=$(printf 'conc%02d' $i)
	id=$(cat "$T/id.$u")
	rc=$(cat "$T/rc.$u" 2>/dev/null)
	[ "$rc" = 0 ] && ok_n=$((ok_n + 1))
	if grep -q "auth granted: user=$u workos_user=$id " "$T/out.$u"; then
		own_n=$((own_n + 1))
	else
		diag "$u (rc $rc): no 'auth granted: user=$u workos_user=$id'"
		sed 's/^/#   /' "$T/out.$u" | tail -n 8
	fi
	[ "$(grep -c 'granted: user=' "$T/out.$u")" = 1 ] && single_n=$((single_n + 1))
done
is "$ok_n" "$N" "all $N concurrent logins succeeded"
is "$own_n" "$N" "each was granted to its own WorkOS user (syslog names the right id)"
is "$single_n" "$N" "each login logged exactly one grant"
# Nobody else's identity in any login: user ids are unique per login.
cross=0
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	u=$(printf 'conc%02d' $i)
	others=$(grep -o 'workos_user=user_[A-Za-z0-9]*' "$T/out.$u" | sort -u | grep -v "=$(cat "$T/id.$u")\$")
	[ -n "$others" ] && cross=$((cross + 1))
done
is "$cross" 0 "no login's output names another login's WorkOS user"

# --- swapped approvals: A's code approved as B fails, for every pair ----------
# Logins 1..SWAPS at once; login k is approved by the user of login k+1.
i=0
while [ $i -lt $SWAPS ]; do
	i=$((i + 1))
	login_bg "swap$i" "$(printf 'conc%02d' $i)"
done
i=0
while [ $i -lt $SWAPS ]; do
	i=$((i + 1))
	other=$(printf 'conc%02d' $((i % SWAPS + 1)))
	code=$(code_of "swap$i") || { diag "swap$i printed no user code"; continue; }
	emuctl approve "$code" --user "$other@example.com" >/dev/null &
done
wait
i=0
while [ $i -lt $SWAPS ]; do
	i=$((i + 1))
	u=$(printf 'conc%02d' $i)
	other=$(printf 'conc%02d' $((i % SWAPS + 1)))
	is "$(cat "$T/rc.swap$i" 2>/dev/null)" "$PAM_AUTH_ERR" \
		"login as $u approved by $other: PAM_AUTH_ERR"
	out=$(cat "$T/out.swap$i")
	like "$out" "approved by another person: WorkOS user $(cat "$T/id.$other"), while the account belongs to WorkOS user $(cat "$T/id.$u")" \
		"  logged with $other's identity and the owner's"
	unlike "$out" "granted: user=" "  nothing was granted"
done

emu_stop
rm -rf "$T"
done_testing
