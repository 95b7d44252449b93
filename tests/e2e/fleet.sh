#!/bin/sh
# SPDX-License-Identifier: MIT
# Fleet mode end to end (issue 14, lib/snapshot.h): one publisher
# (workos-sync --publish against the emulator) signs nss.snapshot into a
# directory that a real nginx serves over HTTPS (the emulator's test CA);
# 20 member hosts, each in its own mount namespace with its own cache
# directory, pull it at once with no API key.  Then: getent through the NSS
# module and a device login (pamtester) on a member; the emulator's request
# log shows that only the publisher listed the directory; tampered,
# truncated, wrongly signed, other-organization, replayed (older serial) and
# over-age snapshots are refused with the old cache kept byte for byte; a 304
# costs one request and changes nothing; the account phase refuses once the
# installed snapshot is over snapshot_max_age; a removal in WorkOS reaches a
# member's account phase after one publish and one pull (timed, reported).
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
use_cachedir
use_nss "passwd: files workos" "group: files workos"

SYNC="$top_builddir/tools/workos-sync"
CTL="$top_builddir/tools/workosctl"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
MEMBERS=20
[ -x "$SYNC" ] && [ -x "$CTL" ] || bail "workos-sync or workosctl not built"
[ -x "$NGINX" ] || bail "nginx is not installed (scripts/install-deps)"
command -v openssl >/dev/null || bail "openssl is not installed"

# nginx runs as a daemon (not a child: the suite's `wait`s are for its own
# jobs), stopped through its pid file at exit.
NGINX_PIDFILE=
stop_all() {
	[ -n "$NGINX_PIDFILE" ] && [ -s "$NGINX_PIDFILE" ] && kill "$(cat "$NGINX_PIDFILE")" 2>/dev/null
	emu_stop
	wo_cleanup
}
emu_start
trap stop_all EXIT
emuctl device-settings --interval 1 >/dev/null || bail "emuctl device-settings"
REQLOG=$T/emu/requests.log

# --- the publisher: API key, signing key, a directory to publish into --------------
(umask 077 && openssl genpkey -algorithm ed25519 -out "$T/snapshot.key" 2>/dev/null &&
	openssl genpkey -algorithm ed25519 -out "$T/rogue.key" 2>/dev/null) ||
	bail "openssl genpkey"
openssl pkey -in "$T/snapshot.key" -pubout -out "$T/snapshot.pub" 2>/dev/null &&
	chmod 0644 "$T/snapshot.pub" || bail "openssl pkey -pubout"
emu_api_key
emu_config "snapshot_signing_key = $T/snapshot.key"
PUBCONF=$T/workos.conf
WWW=$T/www
mkdir -p "$WWW" "$T/bad" && chmod 0755 "$WWW" "$T/bad"

publish() {
	"$SYNC" --config "$PUBCONF" --publish "$WWW" --verbose >"$T/publish.out" 2>&1
	rc=$?
}
publish
is "$rc" 0 "the publisher's run succeeds" || diag "$(cat "$T/publish.out")"
ok_file() { if [ -f "$1" ]; then ok "$2"; else not_ok "$2"; fi; }
ok_file "$WWW/nss.snapshot" "it wrote $WWW/nss.snapshot"
like "$(cat "$WO_CACHEDIR/publish-state")" "serial 1" "the publisher recorded serial 1"
like "$(cat "$T/publish.out")" "published" "and says so"
cp "$WWW/nss.snapshot" "$T/serial1.snapshot"
DIR_REQUESTS=$(grep -c -e '/organization_memberships' -e '/user_management/users' "$REQLOG")
ALL_REQUESTS=$(wc -l <"$REQLOG")
[ "$DIR_REQUESTS" -gt 0 ] && ok "the publisher listed the directory ($DIR_REQUESTS requests)" ||
	not_ok "the publisher listed the directory"
ADA_UID=$(getent passwd ada | cut -d: -f3)
[ -n "$ADA_UID" ] && ok "ada on the publisher: uid $ADA_UID" || not_ok "ada on the publisher"

# --- nginx serves $WWW over HTTPS with the emulator's certificate (127.0.0.1) -------
PORT=$("$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/nginx/tmp"
cat >"$T/nginx/nginx.conf" <<EOF
daemon on;
master_process on;
worker_processes 1;
user root;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 256; }
http {
	access_log $T/nginx/access.log;
	client_body_temp_path $T/nginx/tmp/body;
	proxy_temp_path $T/nginx/tmp/proxy;
	fastcgi_temp_path $T/nginx/tmp/fastcgi;
	uwsgi_temp_path $T/nginx/tmp/uwsgi;
	scgi_temp_path $T/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$PORT ssl;
		ssl_certificate $T/emu/server.pem;
		ssl_certificate_key $T/emu/server.key;
		location /fleet/ { alias $WWW/; default_type application/octet-stream; }
		location /bad/ { alias $T/bad/; default_type application/octet-stream; }
	}
}
EOF
NGINX_PIDFILE=$T/nginx/nginx.pid
"$NGINX" -e "$T/nginx/error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" ||
	bail "nginx did not start: $(cat "$T/nginx/error.log")"
n=50
while [ $n -gt 0 ] && ! "$PYTHON3" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$PORT" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
[ $n -gt 0 ] || bail "nginx did not start: $(cat "$T/nginx/error.log")"
ok "nginx serves $WWW on https://127.0.0.1:$PORT/fleet/"
ACCESS=$T/nginx/access.log
origin_requests() { wc -l <"$ACCESS" | tr -d ' '; }

# --- member hosts: no API key, a private cache directory each -----------------------
member_conf() { # file url [extra lines]
	_f=$1 _u=$2
	shift 2
	{
		echo "client_id = $(emu_field client_id)"
		echo "organization_id = $(emu_field organization_id)"
		echo "api_hostname = 127.0.0.1"
		echo "api_port = $(emu_field port)"
		echo "ca_file = $(emu_field ca_file)"
		echo "api_key_file = $T/no-api-key-here"
		echo "http_timeout = 5"
		echo "device_timeout = 60"
		echo "snapshot_url = $_u"
		echo "snapshot_public_key = $T/snapshot.pub"
		for _l in "$@"; do echo "$_l"; done
	} >"$_f"
	chmod 0644 "$_f"
}
MCONF=$T/member.conf
BADCONF=$T/member-bad.conf
member_conf "$MCONF" "https://127.0.0.1:$PORT/fleet/nss.snapshot"
member_conf "$BADCONF" "https://127.0.0.1:$PORT/bad/nss.snapshot"
for i in $(seq 1 $MEMBERS); do
	mkdir -p "$T/m/$i" && chmod 0755 "$T/m/$i"
done

# in_member N CMD...: CMD in member N's own mount namespace, where the cache
# directory (compiled in) is that member's.
in_member() {
	_d=$T/m/$1
	shift
	unshare -m --propagation private sh -c \
		'mount --bind "$1" "$2" || exit 99; shift 2; exec "$@"' sh "$_d" "$WO_CACHEDIR" "$@"
}
# pull N [CONFIG]: member N runs workos-sync; $rc and $out are set.
pull() {
	out=$(in_member "$1" "$SYNC" --config "${2:-$MCONF}" --verbose 2>&1)
	rc=$?
}

pids=
for i in $(seq 1 $MEMBERS); do
	(
		in_member "$i" "$SYNC" --config "$MCONF" --verbose >"$T/m/$i.out" 2>&1
		echo $? >"$T/m/$i.rc"
	) &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
bad=0
for i in $(seq 1 $MEMBERS); do
	if [ "$(cat "$T/m/$i.rc")" != 0 ] || ! cmp -s "$T/m/$i/nss.cache" "$WO_CACHE" ||
		! cmp -s "$T/m/$i/idmap" "$WO_CACHEDIR/idmap"; then
		bad=$((bad + 1))
		diag "member $i: exit $(cat "$T/m/$i.rc"): $(cat "$T/m/$i.out")"
	fi
done
is "$bad" 0 "$MEMBERS members pulled at once, each installed the publisher's cache and map"
is "$(stat -c %a "$T/m/1/idmap")" 600 "a member's allocation map is 0600"
like "$(cat "$T/m/1/snapshot-state")" "serial 1" "a member's pull state names serial 1"
like "$(cat "$T/m/1/uid-range")" "workos-uid-range 1" "a member has the UID range file"
is "$(grep -c -e '/organization_memberships' -e '/user_management/users' "$REQLOG")" \
	"$DIR_REQUESTS" "the members made no directory requests to WorkOS"
is "$(wc -l <"$REQLOG")" "$ALL_REQUESTS" "nor any other request to WorkOS"
is "$(grep -c ' 200 ' "$ACCESS")" "$MEMBERS" "the origin served the snapshot $MEMBERS times"

is "$(in_member 1 getent passwd ada | cut -d: -f3)" "$ADA_UID" \
	"getent passwd ada on a member (NSS module): the publisher's UID"
is "$(in_member 7 id -u ada)" "$ADA_UID" "id -u ada on another member"

out=$(in_member 1 "$CTL" check --config "$MCONF" --offline 2>&1)
like "$out" "serial 1, " "workosctl check on a member: the serial"
like "$out" "signer SHA256:" "workosctl check: the signer's fingerprint"
like "$out" "origin https://127.0.0.1:$PORT/fleet/nss.snapshot" "workosctl check: the origin"

# --- 304: one small request, nothing changes --------------------------------------------
cp "$T/m/1/nss.cache" "$T/cache.before"
cp "$T/m/1/snapshot-state" "$T/state.before"
before=$(origin_requests)
pull 1
is "$rc" 0 "an unchanged snapshot: the pull succeeds"
like "$out" "not modified" "it was not modified (304)"
is "$(($(origin_requests) - before))" 1 "one request to the origin"
is "$(tail -n 1 "$ACCESS" | grep -c ' 304 ')" 1 "answered 304"
cmp -s "$T/m/1/nss.cache" "$T/cache.before" && cmp -s "$T/m/1/snapshot-state" "$T/state.before" &&
	ok "cache and pull state unchanged" || not_ok "cache and pull state unchanged"

# --- a device login on a member (no API key there) ----------------------------------------
. "$top_srcdir/tests/e2e/pam.sh"
PAM_PRELOAD="${asan:+$asan }libpam_wrapper.so"
REAL_PAMTESTER=$PAMTESTER
# pamtester as member $MEMBER: pam_wrapper is preloaded into pamtester only.
cat >"$T/member-pamtester" <<EOF
#!/bin/sh
P=\$LD_PRELOAD
unset LD_PRELOAD
export P
exec unshare -m --propagation private sh -c 'mount --bind "\$1" "\$2" || exit 99; shift 2; LD_PRELOAD="\$P" exec "$REAL_PAMTESTER" "\$@"' sh "$T/m/\$MEMBER" "$WO_CACHEDIR" "\$@"
EOF
chmod 0755 "$T/member-pamtester"
PAMTESTER=$T/member-pamtester
mkdir -p "$T/pam.d"
MOD="$PAM_MODULE config=$MCONF qr=never"
printf '%s\n' "auth required $MOD" "account required $MOD" >"$T/pam.d/device"
printf '%s\n' "account required $MOD" "account required pam_permit.so" >"$T/pam.d/acct"
export MEMBER=2
approved_login ada@example.com "" device ada authenticate acct_mgmt
is "$rc" 0 "a device login as ada on member 2 succeeds" || diag "$out"
like "$out" "via=cache" "its account phase decided from the pulled cache"
is "$(grep -c -e '/organization_memberships' -e '/user_management/users' "$REQLOG")" \
	"$DIR_REQUESTS" "still no directory request but the publisher's"

# --- refusals: each leaves member 3's cache as it was ---------------------------------------
# forge OUT KEY field=value...: the serial-1 snapshot with header fields
# changed, signed again with KEY (openssl, raw Ed25519).
forge() {
	_out=$1 _key=$2
	shift 2
	"$PYTHON3" - "$T/serial1.snapshot" "$T/forge.body" "$@" <<'EOP' || bail "forge"
import re, sys
data = open(sys.argv[1], "rb").read()[:-64]
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    data = re.sub(rb"(?m)^" + k.encode() + rb" .*$", (k + " " + v).encode(), data, count=1)
open(sys.argv[2], "wb").write(data)
EOP
	openssl pkeyutl -sign -rawin -inkey "$_key" -in "$T/forge.body" -out "$T/forge.sig" ||
		bail "openssl pkeyutl"
	cat "$T/forge.body" "$T/forge.sig" >"$_out"
}
refused() { # description message-part
	cp "$T/m/3/nss.cache" "$T/m3.before"
	cp "$T/m/3/snapshot-state" "$T/m3.state.before"
	pull 3 "$BADCONF"
	[ "$rc" -ne 0 ] && ok "$1: refused (exit $rc)" || not_ok "$1: refused"
	like "$out" "$2" "$1: says why"
	like "$out" "the cache was left as it was" "$1: says the cache was kept"
	cmp -s "$T/m/3/nss.cache" "$T/m3.before" && cmp -s "$T/m/3/snapshot-state" "$T/m3.state.before" &&
		ok "$1: cache and state byte-identical" || not_ok "$1: cache and state byte-identical"
}
NOW=$(date +%s)
cp "$T/serial1.snapshot" "$T/bad/nss.snapshot"
"$PYTHON3" -c '
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x20
open(p, "wb").write(b)' "$T/bad/nss.snapshot"
refused "a tampered snapshot" "signature does not verify"
head -c -100 "$T/serial1.snapshot" >"$T/bad/nss.snapshot"
refused "a truncated snapshot" "signature does not verify"
forge "$T/bad/nss.snapshot" "$T/rogue.key" serial=50 "created=$NOW"
refused "a snapshot signed by another key" "signature does not verify"
forge "$T/bad/nss.snapshot" "$T/snapshot.key" serial=50 "created=$NOW" organization=org_01OTHERORG
refused "another organization's snapshot" "organization org_01OTHERORG"
forge "$T/bad/nss.snapshot" "$T/snapshot.key" serial=50 "created=$((NOW - 5 * 3600))"
refused "a snapshot older than snapshot_max_age" "older than snapshot_max_age"
forge "$T/bad/nss.snapshot" "$T/snapshot.key" serial=50 "created=$((NOW + 3600))"
refused "a snapshot from the future" "in the future"
# A replay: member 3 installs serial 2, then the origin serves serial 1 again.
publish
is "$rc" 0 "the publisher publishes again" || diag "$(cat "$T/publish.out")"
pull 3
is "$rc" 0 "member 3 installs serial 2" || diag "$out"
like "$(cat "$T/m/3/snapshot-state")" "serial 2" "its state says serial 2"
cp "$T/serial1.snapshot" "$T/bad/nss.snapshot"
refused "the older serial 1 replayed" "rollback"
# The publisher's serial grows even when the published directory is wiped.
rm -f "$WWW/nss.snapshot"
publish
like "$(cat "$WO_CACHEDIR/publish-state")" "serial 3" "a wiped directory: the next serial is still 3"

# --- the bound on revocation: snapshot_max_age in the account phase ----------------------
out=$(pam_run acct ada acct_mgmt)
rc=$?
is "$rc" 0 "member 2's account phase admits ada with a fresh snapshot" || diag "$out"
# Time passes on member 2 (its snapshot is 5 hours old, max 4).
sed -i "s/^created .*/created $((NOW - 5 * 3600))/" "$T/m/2/snapshot-state"
out=$(pam_run acct ada acct_mgmt)
rc=$?
is "$rc" "$PAM_PERM_DENIED" "over snapshot_max_age: the account phase refuses ada"
like "$out" "snapshot_max_age" "and says why"
is "$(in_member 2 getent passwd ada | cut -d: -f3)" "$ADA_UID" "while NSS keeps answering"
out=$(in_member 2 "$CTL" check --config "$MCONF" --offline 2>&1)
[ $? -ne 0 ] && ok "workosctl check fails over age" || not_ok "workosctl check fails over age"
like "$out" "over snapshot_max_age" "workosctl check says why"
pull 2
is "$rc" 0 "the next pull installs a fresh snapshot" || diag "$out"
out=$(pam_run acct ada acct_mgmt)
rc=$?
is "$rc" 0 "and the account phase admits ada again" || diag "$out"

# --- kill -9 at any point of a pull: the old cache or the new one, whole -----------------------
# Each round the directory changes (one more member), the publisher
# publishes, and member 6's pull is killed after a random few milliseconds.
# Its cache must then be the old one or the new one byte for byte, and its
# pull state may lag behind the cache but never claim the newer snapshot
# with the older cache installed.
pull 6
cp "$T/m/6/nss.cache" "$T/kill.old"
broken=0 kills_new=0
for k in $(seq 1 12); do
	emuctl user-add "id=user_01K0KILL$(printf %016d "$k")" "email=kill$k@example.com" \
		first_name=Kill "last_name=$k" >/dev/null || bail "emuctl user-add"
	emuctl member-add "user_01K0KILL$(printf %016d "$k")" --role member >/dev/null ||
		bail "emuctl member-add"
	# nginx's validators are the file's mtime (in seconds) and size: a
	# publisher runs minutes apart, this loop must wait a second.
	sleep 1
	publish
	[ "$rc" -eq 0 ] || bail "publish: $(cat "$T/publish.out")"
	cp "$WO_CACHE" "$T/kill.new"
	new_serial=$(sed -n 's/^serial //p' "$WO_CACHEDIR/publish-state")
	# exec: $! is the pull itself (unshare, then sh, then workos-sync, one
	# pid), not a subshell whose death would leave the pull running.
	(exec unshare -m --propagation private sh -c \
		'mount --bind "$1" "$2" || exit 99; shift 2; exec "$@"' sh "$T/m/6" "$WO_CACHEDIR" \
		"$SYNC" --config "$MCONF") >/dev/null 2>&1 &
	victim=$!
	sleep "0.0$(shuf -i 0-40 -n 1 | xargs printf %02d)"
	kill -9 "$victim" 2>/dev/null
	wait "$victim" 2>/dev/null
	state_serial=$(sed -n 's/^serial //p' "$T/m/6/snapshot-state")
	if cmp -s "$T/m/6/nss.cache" "$T/kill.new"; then
		: # the new cache; the state may still name the old serial
		kills_new=$((kills_new + 1))
	elif cmp -s "$T/m/6/nss.cache" "$T/kill.old"; then
		[ "$state_serial" != "$new_serial" ] || broken=$((broken + 1))
	else
		broken=$((broken + 1))
	fi
	# The next (undisturbed) pull finishes the job.
	pull 6
	{ [ "$rc" -eq 0 ] && cmp -s "$T/m/6/nss.cache" "$T/kill.new" &&
		[ "$(sed -n 's/^serial //p' "$T/m/6/snapshot-state")" = "$new_serial" ]; } ||
		{ broken=$((broken + 1)); diag "round $k: $out"; }
	cp "$T/kill.new" "$T/kill.old"
done
is "$broken" 0 "12 pulls killed with SIGKILL at random points: the cache was always whole, the state never ahead"
diag "the killed pull had installed the new cache in $kills_new of 12 rounds"
ls "$T/m/6" | grep -q '\.tmp\.' && not_ok "no temp file left after the next pull" ||
	ok "no temp file left after the next pull"

# --- a member whose own /etc/passwd holds one of the publisher's names --------------------------
cp /etc/passwd "$T/passwd.clash"
echo "ada:x:4321:4321:Local Ada:/home/ada:/bin/sh" >>"$T/passwd.clash"
out=$(unshare -m --propagation private sh -c \
	'mount --bind "$1" "$2" && mount --bind "$3" /etc/passwd || exit 99; shift 3; exec "$@"' \
	sh "$T/m/8" "$WO_CACHEDIR" "$T/passwd.clash" "$SYNC" --config "$MCONF" 2>&1)
rc=$?
is "$rc" 0 "a member with a local ada still installs the snapshot" || diag "$out"
like "$out" "WorkOS account ada (uid $ADA_UID) clashes with a local account" \
	"and warns about the clash"

# --- a removal in WorkOS reaches a member's account phase -----------------------------------
export MEMBER=5
out=$(pam_run acct grace acct_mgmt)
rc=$?
is "$rc" 0 "member 5 admits grace" || diag "$out"
t0=$(date +%s.%N)
emuctl member-remove grace@example.com >/dev/null || bail "emuctl member-remove"
publish
is "$rc" 0 "publish after the removal" || diag "$(cat "$T/publish.out")"
t1=$(date +%s.%N)
pull 5
is "$rc" 0 "member 5 pulls" || diag "$out"
out=$(pam_run acct grace acct_mgmt)
rc=$?
t2=$(date +%s.%N)
[ "$rc" -ne 0 ] && ok "member 5's account phase refuses grace after one publish and one pull" ||
	not_ok "member 5 refuses grace"
diag "$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "removal to refusal: %.2f s (publish %.2f s, pull + account phase %.2f s); on a fleet add up to one publish interval and one pull interval (timer + RandomizedDelaySec)", c - a, b - a, c - b }')"
done_testing
