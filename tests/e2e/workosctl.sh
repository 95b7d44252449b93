#!/bin/sh
# SPDX-License-Identifier: MIT
# workosctl against the WorkOS emulator, in a private mount namespace with
# its own nsswitch.conf ("files workos") and NSS cache directory.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
. "$top_srcdir/tests/e2e/emulator.sh"

like() { # haystack needle description
	case $1 in
	*"$2"*) ok "$3" ;;
	*) not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;;
	esac
}

CTL=$top_builddir/tools/workosctl
[ -x "$CTL" ] || bail "$CTL is not built"
T=$WO_TMP
use_cachedir
use_nss "passwd: files workos" "group: files workos" "shadow: files"
emu_start
trap 'emu_stop; rm -rf "$WO_TMP"' EXIT
emuctl device-settings --interval 1 >/dev/null
emu_api_key
emu_config "device_timeout = 20" "qr = never"

# The fixture's people as workos-sync would have cached them.
cat >"$T/cache.txt" <<'TXT'
user ada:200001:200001:Ada Lovelace:/home/ada:/bin/bash:user_01HQWM4YK0ZQQ463A0QNBXXTP1
user grace:200002:200002:Grace Hopper:/home/grace:/bin/bash:user_01HQWM8KS0W08FT771NK0Q7RXM
user ian:200003:200003:Ian Inactive:/home/ian:/bin/bash:user_01HQWNF280PN59A4KT9DBKYGF3
group ada:200001:
group grace:200002:
group ian:200003:
group workos-users:100000:ada,grace,ian
group workos-admin:100001:ada
group workos-developer:100002:grace
TXT
"$MKCACHE" "$WO_CACHE" "$T/cache.txt" || bail "mkcache failed"

ctl() { # runs workosctl, output in $out, status in $rc
	out=$("$CTL" "$@" 2>&1)
	rc=$?
}

# --- check: a good setup ---------------------------------------------------------
ctl check --config "$T/workos.conf"
is "$rc" 0 "check: a good setup passes"
like "$out" "all checks passed" "check: says so"
like "$out" "OK    api key        $T/api_key: owner uid 0, mode 0600" "check: API key file owner and mode"
like "$out" "OK    client_id      $(emu_field client_id): 1 RS256 signing key(s)" "check: JWKS of the client id"
like "$out" 'OK    organization   org_01HQWKXM701NQ40YF3CW1YQMVW "Example Corp"' "check: organization name"
like "$out" "OK    members        10 active member(s)" "check: active members counted"
like "$out" "generation 1, 3 users, 6 groups, owner uid 0, mode 0644" "check: cache generation, counts, owner and mode"
like "$out" "OK    nsswitch       passwd: files workos" "check: nsswitch passwd line"
like "$out" "OK    nss module     libnss_workos.so.2 loads" "check: the NSS module loads"
unlike_key=$(printf '%s' "$out" | grep -c "$(emu_field api_key)")
is "$unlike_key" 0 "check: the API key is never printed"

# Once under valgrind: no memory error, no definite leak.  libc must not
# unload NSS modules at exit (--run-libc-freeres=no): libnss_workos keeps
# its map in a static, which would then show up as lost.
VG_OPTS="-q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --run-libc-freeres=no"
[ -x "${VALGRIND:-}" ] || bail "valgrind is not installed (scripts/install-deps)"
# valgrind cannot run a program built with AddressSanitizer: in a sanitized
# build ASan itself checks these runs (every other ctl call above and below),
# and the unsanitized build runs them under valgrind.
if ldd "$CTL" | grep -q libasan; then
	diag "sanitized build: the valgrind runs belong to the unsanitized build"
else
"$VALGRIND" $VG_OPTS \
	"$CTL" check --config "$T/workos.conf" >"$T/vg.out" 2>&1
is "$?" 0 "check under valgrind: clean"
approve_vg() {
	code=$(emuctl latest-code --wait 30 | json_field user_code)
	sleep 1.2
	emuctl approve "$code" --user ada@example.com >/dev/null
}
approve_vg &
"$VALGRIND" $VG_OPTS \
	"$CTL" login --config "$T/workos.conf" --user ada --qr always >"$T/vg.out" 2>&1
rc=$?
wait
is "$rc" 0 "login under valgrind: admitted, clean"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/vg.out"
"$VALGRIND" $VG_OPTS \
	"$CTL" user --config "$T/workos.conf" ada >"$T/vg.out" 2>&1
is "$?" 0 "user under valgrind: clean"
fi

# The count is live: a member added in WorkOS shows up at once.
emuctl member-add olga@example.net --role member >/dev/null
ctl check --config "$T/workos.conf"
like "$out" "OK    members        11 active member(s)" "check: a member added in WorkOS is counted"
emuctl member-remove olga@example.net --org "$(emu_field organization_id)" >/dev/null

# --- check: what fails and why -------------------------------------------------------
chmod 0644 "$T/api_key"
ctl check --config "$T/workos.conf"
is "$rc" 1 "check: world-readable API key fails"
like "$out" "FAIL  api key        secret file $T/api_key is readable by group or others (mode 0644)" \
	"check: says the key is readable by others, with the mode"
chmod 0600 "$T/api_key"

emu_config "device_timeout = 20" "ca_file = $(emu_field wrong_ca_file)"
ctl check --config "$T/workos.conf"
is "$rc" 1 "check: wrong CA fails"
like "$out" "FAIL  api            TLS with $(emu_field base_url) failed" "check: names a TLS failure"
like "$out" "checked against $(emu_field wrong_ca_file)" "check: names the CA file in use"

emu_config "device_timeout = 20" "client_id = client_01NOSUCHCLIENT0000000000000"
ctl check --config "$T/workos.conf"
is "$rc" 1 "check: unknown client id fails"
like "$out" "FAIL  client_id      WorkOS does not know client_id client_01NOSUCHCLIENT0000000000000" \
	"check: says WorkOS does not know the client id"

emu_config "device_timeout = 20" "qr = never"
cp "$T/api_key" "$T/api_key.good"
(umask 077 && echo sk_test_not_the_right_key >"$T/api_key")
ctl check --config "$T/workos.conf"
is "$rc" 1 "check: a key WorkOS refuses fails"
like "$out" "FAIL  organization   WorkOS refused the API key from $T/api_key (HTTP 401)" \
	"check: says WorkOS refused the key (401)"
mv "$T/api_key.good" "$T/api_key"

echo "bogus_key = 1" >>"$T/workos.conf"
ctl check --config "$T/workos.conf"
is "$rc" 1 "check: unknown config key fails"
like "$out" "FAIL  config         $T/workos.conf:" "check: names the file and line"
emu_config "device_timeout = 20" "qr = never"

cp "$WO_CACHE" "$T/good.cache"
printf 'garbage' | dd of="$WO_CACHE" bs=1 seek=200 conv=notrunc 2>/dev/null
ctl check --config "$T/workos.conf"
is "$rc" 1 "check: corrupt cache fails"
like "$out" "FAIL  nss cache" "check: names the cache"
rm -f "$WO_CACHE"
ctl check --config "$T/workos.conf"
like "$out" "No such file or directory: run workos-sync" "check: missing cache says to run workos-sync"
cp "$T/good.cache" "$WO_CACHE"

printf 'passwd: files\ngroup: files workos\n' >"$T/nsswitch.conf"
ctl check --config "$T/workos.conf"
is "$rc" 1 "check: nsswitch without workos fails"
like "$out" 'FAIL  nsswitch       "passwd: files" does not name workos' "check: names the passwd line"
printf '%s\n' "passwd: files workos" "group: files workos" "shadow: files" >"$T/nsswitch.conf"

ctl check --offline --config "$T/workos.conf"
is "$rc" 0 "check --offline: passes without asking WorkOS"
like "$out" "offline: the WorkOS API is not asked" "check --offline: says so"

# --- login -----------------------------------------------------------------------------
approve() { # email: approves the next device code
	code=$(emuctl latest-code --wait 15 | json_field user_code)
	sleep 1.2
	emuctl approve "$code" --user "$1" >/dev/null
}

approve ada@example.com &
ctl login --config "$T/workos.conf" --user ada
wait
is "$rc" 0 "login: approved by ada, ada is admitted"
like "$out" "WorkOS login as ada on $(hostname)" "login: names the account and host"
code=$(emuctl latest-code | json_field user_code)
like "$out" "Open $(emu_field base_url)/device and enter the code: $code" "login: URL and code shown"
like "$out" "OK    admission      ada admitted: WorkOS user user_01HQWM4YK0ZQQ463A0QNBXXTP1, role admin (membership confirmed by the API)" \
	"login: says who was admitted, with which role"

approve grace@example.com &
ctl login --config "$T/workos.conf" --user ada
wait
is "$rc" 1 "login: approved by grace for ada is refused"
like "$out" "FAIL  admission      ada is not admitted" "login: says ada is not admitted"
like "$out" "approved by WorkOS user user_01HQWM8KS0W08FT771NK0Q7RXM; ada belongs to user_01HQWM4YK0ZQQ463A0QNBXXTP1" \
	"login: names who approved and who owns the account"

approve grace@example.com &
ctl login --config "$T/workos.conf" --user grace --require-role admin
wait
is "$rc" 1 "login --require-role admin: a developer is refused"
like "$out" "no WorkOS role that may log in here" "login: says the role is missing"

approve ian@example.com &
ctl login --config "$T/workos.conf" --user ian
wait
is "$rc" 1 "login: inactive member is refused"
like "$out" "not an active member" "login: says why"

approve ada@example.com &
ctl login --config "$T/workos.conf" --user ada --qr always
wait
is "$rc" 0 "login --qr always: admitted"
like "$out" "or scan this QR code:" "login --qr always: a QR code is drawn"
like "$out" "▀" "login --qr always: in UTF-8 half blocks"

before=$(emuctl requests | wc -l)
ctl login --config "$T/workos.conf" --user nosuchuser
is "$rc" 1 "login: unknown account fails"
like "$out" "nosuchuser is not a local account" "login: says the account is unknown"
is "$(emuctl requests | wc -l)" "$before" "login: no WorkOS request for an unknown account"

# --- login --mode password | totp: lib/'s flows on a terminal -----------------------------
# tessa has a TOTP factor (the fixture's key); her answers come through stdin,
# with no controlling terminal (setsid) so that nothing is read from /dev/tty.
cp "$WO_CACHE" "$T/three.cache"
cat "$T/cache.txt" - >"$T/cache4.txt" <<'TXT'
user tessa:200004:200004:Tessa Totp:/home/tessa:/bin/sh:user_01HQWMQ8H0ZVYR0D3R8MX0G699
group tessa:200004:
TXT
"$MKCACHE" "$WO_CACHE" "$T/cache4.txt" || bail "mkcache failed"
TESSA=QSPRDFPHZNJLIZHOPLQZ7QRJRRA66MIE
ctl_answer() { # "answers" args...: workosctl with the answers on stdin
	_a=$1
	shift
	out=$(printf "$_a" | setsid -w "$CTL" "$@" 2>&1)
	rc=$?
}
if command -v oathtool >/dev/null; then
	emuctl reset >/dev/null
	ctl_answer "tessa-otp-pass\n$(oathtool --totp -b $TESSA)\n" \
		login --config "$T/workos.conf" --user tessa --mode password
	is "$rc" 0 "login --mode password: password and TOTP code admit tessa"
	like "$out" "WorkOS password for tessa@example.com: " "login --mode password: asks the password"
	like "$out" "WorkOS one-time code: " "login --mode password: then the code"
	like "$out" "OK    admission      tessa admitted: WorkOS user user_01HQWMQ8H0ZVYR0D3R8MX0G699, role member (via password+totp+api)" \
		"login --mode password: says who was admitted and how"
	case $out in *tessa-otp-pass*) not_ok "login --mode password: the password is never printed" ;;
	*) ok "login --mode password: the password is never printed" ;; esac

	emuctl reset >/dev/null
	ctl_answer "$(oathtool --totp -b $TESSA)\n" \
		login --config "$T/workos.conf" --user tessa --mode totp
	is "$rc" 0 "login --mode totp: the right code admits tessa"
	like "$out" "OK    admission      tessa admitted: WorkOS user user_01HQWMQ8H0ZVYR0D3R8MX0G699, role member (via totp+api)" \
		"login --mode totp: says how"

	emuctl reset >/dev/null
	ctl_answer "000000\n111111\n222222\n" login --config "$T/workos.conf" --user tessa --mode totp
	is "$rc" 1 "login --mode totp: three wrong codes are refused"
	like "$out" "Wrong code. 1 try left." "login --mode totp: the tries left are told"
	like "$out" "the one-time code was wrong too many times" "login --mode totp: says why"
else
	bail "oathtool is not installed (scripts/install-deps)"
fi
emuctl reset >/dev/null
emuctl device-settings --interval 1 >/dev/null
ctl_answer "wrong-password\n" login --config "$T/workos.conf" --user tessa --mode password
is "$rc" 1 "login --mode password: a wrong password is refused"
like "$out" "FAIL  admission      tessa is not admitted: wrong email or password" \
	"login --mode password: says why"
ctl_answer "" login --config "$T/workos.conf" --user tessa --mode password
is "$rc" 1 "login --mode password: no answer at all is refused"
like "$out" "no answer at the prompt" "login --mode password: says the prompt got no answer"
ctl login --config "$T/workos.conf" --user tessa --mode magic
is "$rc" 2 "login --mode magic: usage error"

# --- account: the account phase's decision ---------------------------------------------
ctl account --config "$T/workos.conf" --user ada
is "$rc" 0 "account ada: admitted"
like "$out" "OK    account        ada admitted (PAM_SUCCESS): WorkOS user user_01HQWM4YK0ZQQ463A0QNBXXTP1, role admin, decided from the memberships API" \
	"account ada: role and source"
ctl account --config "$T/workos.conf" --user grace --require-role admin
is "$rc" 1 "account grace --require-role admin: refused"
like "$out" "grace has no WorkOS role allowed here" "account grace: says the role is missing"
ctl account --config "$T/workos.conf" --user ian
is "$rc" 1 "account ian: an inactive member is refused"
like "$out" "ian is no longer a member of the organization" "account ian: says why"
ctl account --config "$T/workos.conf" --user root
is "$rc" 0 "account root: not WorkOS's"
like "$out" "root is not an account WorkOS owns: ignored (PAM_IGNORE)" "account root: ignored"
mv "$T/api_key" "$T/api_key.away"
before=$(emuctl requests | wc -l)
ctl account --config "$T/workos.conf" --user ada
is "$rc" 0 "account ada without the API key: admitted"
like "$out" "decided from the NSS cache" "account ada without the API key: from the cache"
is "$(emuctl requests | wc -l)" "$before" "account from the cache: no request to WorkOS"
mv "$T/api_key.away" "$T/api_key"
cp "$T/three.cache" "$WO_CACHE"

# --- user ---------------------------------------------------------------------------------
ctl user --config "$T/workos.conf" ada
is "$rc" 0 "user ada: found"
like "$out" "OK    nss            ada:200001:200001:Ada Lovelace:/home/ada:/bin/bash" "user ada: passwd entry through NSS"
like "$out" "workos-users(100000) workos-admin(100001)" "user ada: groups through getgrouplist"
like "$out" "WorkOS user user_01HQWM4YK0ZQQ463A0QNBXXTP1, groups" "user ada: the cache entry"
like "$out" "OK    workos user    user_01HQWM4YK0ZQQ463A0QNBXXTP1 <ada@example.com> Ada Lovelace" "user ada: WorkOS user"
like "$out" "OK    membership     active in org_01HQWKXM701NQ40YF3CW1YQMVW, roles admin" "user ada: membership and roles"

like "$out" "OK    owner          WorkOS user user_01HQWM4YK0ZQQ463A0QNBXXTP1 (made by workos-sync)" \
	"user ada: who owns the account"
like "$out" "OK    name           ada was never given to a WorkOS user" "user ada: no map yet"

# The allocation map workos-sync keeps: ada's name is ada's owner's; grace's
# name was given to somebody else (the cache disagrees: a stale cache).
printf 'workos-idmap 2\nuser %s 200001\nuser %s 200002\nuser user_01HQWN0DG05W2X9DM9T9RCNYR2 200009\nname ada %s\nname grace user_01HQWN0DG05W2X9DM9T9RCNYR2\n' \
	user_01HQWM4YK0ZQQ463A0QNBXXTP1 user_01HQWM8KS0W08FT771NK0Q7RXM \
	user_01HQWM4YK0ZQQ463A0QNBXXTP1 >"$WO_CACHEDIR/idmap"
chmod 600 "$WO_CACHEDIR/idmap"
ctl user --config "$T/workos.conf" ada
like "$out" "OK    name           given to WorkOS user user_01HQWM4YK0ZQQ463A0QNBXXTP1 for good" \
	"user ada: the map gave the name to its owner"
ctl user --config "$T/workos.conf" grace
is "$rc" 1 "user grace: a map and a cache that disagree is a failure"
like "$out" "the map gave grace to WorkOS user user_01HQWN0DG05W2X9DM9T9RCNYR2, but the cache says user_01HQWM8KS0W08FT771NK0Q7RXM" \
	"user grace: says both owners"
rm -f "$WO_CACHEDIR/idmap"

ctl user --config "$T/workos.conf" ian
is "$rc" 1 "user ian: inactive member is a failure"
like "$out" "FAIL  membership     not an active member" "user ian: says so"

ctl user --config "$T/workos.conf" root
is "$rc" 0 "user root: a local account"
like "$out" "root is not in $WO_CACHE" "user root: not a WorkOS account"
like "$out" "OK    owner          none: not an account WorkOS owns" "user root: owned by nobody"

ctl user --config "$T/workos.conf" nosuchuser
is "$rc" 1 "user nosuchuser: fails"
like "$out" "nosuchuser is not known to NSS" "user nosuchuser: says so"

rm "$T/api_key"
ctl user --config "$T/workos.conf" ada
is "$rc" 0 "user ada without an API key: found"
like "$out" "no API key" "user ada without an API key: says membership is not shown"

# Members over several pages: an emulator with 150 more active members.
emu_stop
emu_start --synthetic-members 150
trap 'emu_stop; rm -rf "$WO_TMP"' EXIT
emu_api_key
emu_config "device_timeout = 20" "qr = never"
ctl check --config "$T/workos.conf"
is "$rc" 0 "check with 160 members passes"
like "$out" "OK    members        160 active member(s) in 2 page(s)" "check: counts members across pages"
like "$out" "158 of them map to a local name" "check: says how many have a local name"
is "$(emuctl requests --path /user_management/organization_memberships | wc -l)" 2 \
	"check: one request per page of 100"

ctl frobnicate
is "$rc" 2 "unknown command: usage error"
ctl user
is "$rc" 2 "user without NAME: usage error"

done_testing
