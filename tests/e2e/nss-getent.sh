#!/bin/sh
# SPDX-License-Identifier: MIT
# libnss_workos through glibc, as sshd and id see it: getent, id, python's
# pwd module, with nsswitch "files workos", in a private mount namespace.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
use_cachedir
use_nss "passwd: files workos" "group: files workos" "shadow: files"

cat >"$WO_TMP/cache.txt" <<'TXT'
# users
user alice:200001:100000:Alice Liddell:/home/alice:/bin/bash:user_01ALICE
user bob:200002:100000::/home/bob:/bin/sh:user_01BOB
user carol:200003:100000:Carol, Room 4:/srv/carol:/bin/bash:user_01CAROL
# groups
group workos-users:100000:
group workos-admin:100001:alice,bob
group workos-dev:100002:alice,carol,bob
TXT
"$MKCACHE" "$WO_CACHE" "$WO_TMP/cache.txt" || bail "mkcache failed"
cp "$WO_CACHE" "$WO_TMP/good.cache"

# getent_is DESCRIPTION WANT ARGS...
getent_is() {
	_d=$1 _w=$2; shift 2
	is "$(getent "$@" 2>&1)" "$_w" "$_d"
}

getent_is "getent passwd alice" "alice:*:200001:100000:Alice Liddell:/home/alice:/bin/bash" passwd alice
getent_is "getent passwd by uid" "bob:*:200002:100000::/home/bob:/bin/sh" passwd 200002
getent_is "getent group by name" "workos-dev:*:100002:alice,carol,bob" group workos-dev
getent_is "getent group by gid" "workos-admin:*:100001:alice,bob" group 100001
getent_is "getent group without members" "workos-users:*:100000:" group workos-users
is "$(getent initgroups alice | tr -s ' ')" "alice 100001 100002" "getent initgroups alice"
is "$(id alice)" "uid=200001(alice) gid=100000(workos-users) groups=100000(workos-users),100001(workos-admin),100002(workos-dev)" "id alice (initgroups through glibc)"
is "$(id -Gn carol)" "workos-users workos-dev" "id -Gn carol"
getent passwd nosuch >/dev/null; is "$?" 2 "unknown user: getent exits 2"
getent group 4242424 >/dev/null; is "$?" 2 "unknown gid: getent exits 2"
getent passwd root | grep -q '^root:x:0:0:' && ok "files users still resolve" || not_ok "files users still resolve"

all=$(getent passwd)
echo "$all" | grep -q '^root:' && echo "$all" | grep -q '^alice:\*:200001:' &&
	echo "$all" | grep -q '^bob:' && echo "$all" | grep -q '^carol:' &&
	ok "getent passwd enumerates files and workos users" ||
	not_ok "getent passwd enumerates files and workos users"
is "$(getent passwd | grep -c -e '^alice:' -e '^bob:' -e '^carol:')" 3 "each workos user once"
is "$(getent group | grep -e '^workos-' | tr '\n' ' ')" \
	"workos-users:*:100000: workos-admin:*:100001:alice,bob workos-dev:*:100002:alice,carol,bob " \
	"getent group enumerates the workos groups"

# A bad cache: nothing from workos, files still work, never a crash.
bad_cache() {
	_d=$1
	out=$(getent passwd alice 2>&1); rc=$?
	if [ "$rc" -eq 2 ] && [ -z "$out" ]; then ok "$_d: getent passwd alice finds nothing"
	else not_ok "$_d: getent passwd alice finds nothing"; diag "rc=$rc out=$out"; fi
	out=$(getent passwd 2>&1); rc=$?
	if [ "$rc" -eq 0 ] && echo "$out" | grep -q '^root:' && ! echo "$out" | grep -q '^alice:'
	then ok "$_d: enumeration gives files entries only"
	else not_ok "$_d: enumeration gives files entries only"; diag "rc=$rc"; fi
	id alice >/dev/null 2>&1; rc=$?
	is "$rc" 1 "$_d: id alice fails cleanly"
}

size=$(wc -c <"$WO_TMP/good.cache")
head -c 4096 /dev/urandom >"$WO_CACHE"; bad_cache "random bytes"
: >"$WO_CACHE"; bad_cache "empty file"
# Cut inside the 272-byte header, right after it, and in the records.
for n in 7 271 272 $((size / 2)) $((size - 1)); do
	head -c "$n" "$WO_TMP/good.cache" >"$WO_CACHE"
	bad_cache "truncated to $n bytes"
done
# n_users (offset 64, lib/cache_format.h) forged to 0xffffffff.
cp "$WO_TMP/good.cache" "$WO_CACHE"
printf '\377\377\377\377' | dd of="$WO_CACHE" bs=1 seek=64 conv=notrunc 2>/dev/null
bad_cache "huge user count"
# Garbage over the whole body after a valid header: lookups must stay in
# bounds; alice may or may not be found, but nothing may crash.
crashes=0
for seed in 1 2 3 4 5 6 7 8 9 10; do
	cp "$WO_TMP/good.cache" "$WO_CACHE"
	head -c $((size - 272)) /dev/urandom | dd of="$WO_CACHE" bs=1 seek=272 conv=notrunc 2>/dev/null
	for q in "passwd alice" "passwd 200001" "group workos-dev" "group 100002" "initgroups alice" passwd group; do
		# shellcheck disable=SC2086
		getent $q >/dev/null 2>&1; rc=$?
		[ "$rc" -lt 128 ] || { crashes=$((crashes + 1)); diag "getent $q: status $rc"; }
	done
done
is "$crashes" 0 "random bodies behind a valid header: no getent crashed (70 runs)"

cp "$WO_TMP/good.cache" "$WO_CACHE"
chown 65534:65534 "$WO_CACHE"; bad_cache "cache owned by nobody"
chown 0:0 "$WO_CACHE"; chmod 0664 "$WO_CACHE"; bad_cache "group-writable cache"
chmod 0644 "$WO_CACHE"
getent_is "a good cache again" "alice:*:200001:100000:Alice Liddell:/home/alice:/bin/bash" passwd alice
rm -f "$WO_CACHE"; bad_cache "no cache file"

# A running process notices a replaced cache (the module stats the file at
# most once a second).
cp "$WO_TMP/good.cache" "$WO_CACHE"
sed 's/Alice Liddell/Alice Replaced/' "$WO_TMP/cache.txt" >"$WO_TMP/new.txt"
"$MKCACHE" "$WO_TMP/new.cache" "$WO_TMP/new.txt" || bail "mkcache"
: "${PYTHON3:=python3}"
"$PYTHON3" - "$WO_TMP" >"$WO_TMP/py.out" 2>&1 <<'PY' &
import os, pwd, sys, time
tmp = sys.argv[1]
print("first", pwd.getpwnam("alice").pw_gecos, flush=True)
open(os.path.join(tmp, "ready"), "w").close()
while not os.path.exists(os.path.join(tmp, "replaced")):
    time.sleep(0.05)
deadline = time.time() + 5
while time.time() < deadline:
    g = pwd.getpwnam("alice").pw_gecos
    if g != "Alice Liddell":
        print("then", g, flush=True)
        sys.exit(0)
    time.sleep(0.1)
print("never noticed", flush=True)
sys.exit(1)
PY
pypid=$!
i=0
while [ ! -e "$WO_TMP/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mv "$WO_TMP/new.cache" "$WO_CACHE"
touch "$WO_TMP/replaced"
wait "$pypid"; rc=$?
is "$rc" 0 "a running process notices the replaced cache"
is "$(cat "$WO_TMP/py.out" | tr '\n' '|')" "first Alice Liddell|then Alice Replaced|" "it saw the old entry, then the new one"

done_testing
