#!/bin/sh
# SPDX-License-Identifier: MIT
# The sample configuration in etc/ is accepted by the programs that read it:
# workos.conf by our parser (through workosctl), the sshd snippet by sshd -t,
# the sudoers snippet by visudo, the PAM stacks name only modules that
# exist and, run by pamtester, send accounts WorkOS does not own to pam_unix
# and those it owns through pam_workos, the nsswitch lines make getent find
# a cached member.  Runs in a private mount namespace.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"

like() { # haystack needle description
	case $1 in
	*"$2"*) ok "$3" ;;
	*) not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;;
	esac
}
unlike() { # haystack needle description
	case $1 in
	*"$2"*) not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;;
	*) ok "$3" ;;
	esac
}

ETC=$top_srcdir/etc
T=$WO_TMP
CTL=$top_builddir/tools/workosctl
SECURITY=/lib/x86_64-linux-gnu/security
[ -x "$CTL" ] || bail "$CTL is not built"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || bail "sshd is not installed (scripts/install-deps)"
VISUDO=$(command -v visudo || echo /usr/sbin/visudo)
[ -x "$VISUDO" ] || bail "visudo is not installed (scripts/install-deps)"

# --- workos.conf ------------------------------------------------------------------
# Every key the parser knows (its key table in lib/config.c) is in the
# sample, with its default.
keys=$(sed -n 's/^[[:space:]]*\[K_[A-Z_]*\] = "\([a-z_]*\)",$/\1/p' "$top_srcdir/lib/config.c")
n=$(echo "$keys" | wc -w)
check "the parser's key table was found ($n keys)" [ "$n" -ge 21 ]
missing=""
for k in $keys; do
	grep -q "^#\{0,1\}$k = " "$ETC/workos.conf" || missing="$missing $k"
done
is "$missing" "" "every workos.conf key appears in etc/workos.conf"
for k in client_id organization_id api_key_file api_hostname api_port api_https ca_file \
	http_timeout username_from allowed_roles group_prefix member_group uid_min uid_max \
	gid_min gid_max home_dir shell device_timeout qr allow_impersonation; do
	echo "$keys" | grep -qx "$k" || missing="$missing $k"
done
is "$missing" "" "every key of the interface contract is a parser key"
for kv in "api_key_file = /etc/workos/api_key" "api_hostname = api.workos.com" \
	"api_https = true" "http_timeout = 10" "username_from = email_localpart" \
	"group_prefix = workos-" "member_group = workos-users" "uid_min = 2001000000" \
	"uid_max = 2099999999" "gid_min = 2100000000" "gid_max = 2146999999" "home_dir = /home/%u" \
	"shell = /bin/bash" "device_timeout = 100" "qr = auto" "allow_impersonation = false"; do
	grep -qx "#$kv" "$ETC/workos.conf" || missing="$missing [$kv]"
done
is "$missing" "" "the sample shows the documented defaults"

fill() { # sed script: the sample with the required ids filled in
	sed -e 's/^#client_id = .*/client_id = client_01HQWM19D01NQ40YF3CW1YQMVW/' \
		-e 's/^#organization_id = .*/organization_id = org_01HQWKXM701NQ40YF3CW1YQMVW/' "$@"
}
config_line() { # file: the config step of workosctl check --offline
	"$CTL" check --offline --config "$1" 2>&1 | grep '  config  '
}
fill "$ETC/workos.conf" >"$T/workos.conf"
like "$(config_line "$T/workos.conf")" "OK    config         $T/workos.conf: client_id client_01HQWM19D01NQ40YF3CW1YQMVW" \
	"the sample with client_id and organization_id parses"
# Every commented default, uncommented, is a valid value too.
fill "$ETC/workos.conf" | sed 's/^#\([a-z_]* = \)/\1/' >"$T/all.conf"
is "$(grep -c '^[a-z_]* = ' "$T/all.conf")" "$n" "all $n settings uncommented"
like "$(config_line "$T/all.conf")" "OK    config" "the sample with every setting uncommented parses"
cp "$ETC/workos.conf" "$T/unfilled.conf"
like "$(config_line "$T/unfilled.conf")" "FAIL  config         $T/unfilled.conf: client_id is required" \
	"the sample as shipped asks for client_id (the parser really read it)"

# --- sshd ---------------------------------------------------------------------------
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" || bail "ssh-keygen"
# sshd splits its arguments at blanks unless they are quoted.
cat >"$T/sshd_config" <<EOS
Include "$ETC/sshd_config.d/workos.conf"
HostKey "$T/host_key"
EOS
out=$("$SSHD" -t -f "$T/sshd_config" 2>&1)
is "$?$out" "0" "sshd -t accepts the sshd_config.d snippet"
eff=$("$SSHD" -T -f "$T/sshd_config" -C user=ada,host=h,addr=127.0.0.1 2>&1)
like "$eff" "kbdinteractiveauthentication yes" "the snippet turns keyboard-interactive on"
like "$eff" "usepam yes" "the snippet turns PAM on"
like "$eff" "passwordauthentication no" "the snippet turns passwords off"
# The default wait, and the one request after it, ends before sshd gives up.
grace=$(echo "$eff" | sed -n 's/^logingracetime //p')
dt=$(sed -n 's/^#device_timeout = //p' "$ETC/workos.conf")
ht=$(sed -n 's/^#http_timeout = //p' "$ETC/workos.conf")
check "default device_timeout ($dt) + http_timeout ($ht) < the snippet's LoginGraceTime ($grace)" \
	[ "$((dt + ht))" -lt "${grace:-0}" ]
sed 's/^#\(LoginGraceTime\|AuthenticationMethods\)/\1/' "$ETC/sshd_config.d/workos.conf" >"$T/workos-all.conf"
printf 'Include %s\nHostKey %s\n' "$T/workos-all.conf" "$T/host_key" >"$T/sshd_config_all"
out=$("$SSHD" -t -f "$T/sshd_config_all" 2>&1)
is "$?$out" "0" "sshd -t accepts the snippet with its optional lines uncommented"
eff=$("$SSHD" -T -f "$T/sshd_config_all" -C user=ada,host=h,addr=127.0.0.1 2>&1)
like "$eff" "authenticationmethods publickey,keyboard-interactive" "the optional line asks for a key first"
like "$eff" "logingracetime 330" "the optional LoginGraceTime is the one its comment gives for device_timeout = 300"

# --- sudoers --------------------------------------------------------------------------
out=$("$VISUDO" -c -f "$ETC/sudoers.d/workos" 2>&1)
is "$?" 0 "visudo -c accepts sudoers.d/workos"
check "it grants the workos-admin group" grep -qx '%workos-admin ALL=(ALL:ALL) ALL' "$ETC/sudoers.d/workos"

# --- PAM stacks --------------------------------------------------------------------------
# module_ok NAME: pam_workos.so (ours, built) or a stock module on this system.
module_ok() {
	case $1 in
	pam_workos.so) [ -f "$top_builddir/pam/.libs/pam_workos.so" ] ;;
	/*) return 1 ;; # the samples name modules by file name only
	*) [ -f "$SECURITY/$1" ] ;;
	esac
}

# The module: the field after the control field (field i), which may be a
# bracketed list of words.
MODULE_FIELD='{ c = i; if ($c ~ /^\[/) while (c < NF && $c !~ /\]$/) c++; print $(c + 1) }'

# pam_file_ok FILE: every line (and commented-out module line) names an
# existing module or includes an existing file; prints what is wrong.
pam_file_ok() {
	bad=""
	lines=0
	while IFS= read -r l; do
		case $l in
		'#auth'* | '#account'* | '#session'* | '#password'*) l=${l#\#} ;;
		'' | '#'*) continue ;;
		esac
		lines=$((lines + 1))
		case $l in
		@include*)
			f=$(echo "$l" | awk '{print $2}')
			[ -f "/etc/pam.d/$f" ] || bad="$bad include:$f"
			continue ;;
		esac
		type=$(echo "$l" | awk '{print $1}')
		case ${type#-} in auth | account | session | password) ;; *) bad="$bad type:$type"; continue ;; esac
		# The module follows the control field, which may be [ ... ].
		mod=$(echo "$l" | awk "$MODULE_FIELD" i=2)
		module_ok "$mod" || bad="$bad module:$mod"
	done <"$1"
	[ "$lines" -gt 0 ] || bad="$bad (no lines)"
	printf '%s' "$bad"
}

for svc in sshd login sudo; do
	is "$(pam_file_ok "$ETC/pam.d/$svc")" "" "pam.d/$svc names only existing modules and includes"
	check "pam.d/$svc uses pam_workos.so" grep -q '^account .*pam_workos\.so' "$ETC/pam.d/$svc"
done
check "pam.d/sudo: account required pam_workos.so require_role=admin" \
	grep -Eq '^account +required +pam_workos\.so require_role=admin$' "$ETC/pam.d/sudo"
check "pam.d/sudo: the TOTP step-up is there, commented out" \
	grep -q '^#auth .*pam_workos\.so mode=totp' "$ETC/pam.d/sudo"

# The pam-auth-update profile: the fields it needs and existing modules.
P=$ETC/pam-configs/workos
for f in Name Default Priority Auth-Type Auth Account-Type Account; do
	grep -q "^$f:" "$P" || missing="$missing $f"
done
is "$missing" "" "pam-configs/workos has every field pam-auth-update reads"
is "$(sed -n 's/^Default: //p' "$P")" "no" "pam-configs/workos is off by default"
mods=$(grep '^[[:space:]]' "$P" | awk "$MODULE_FIELD" i=1 | sort -u)
is "$mods" "pam_workos.so" "pam-configs/workos names pam_workos.so only"

# --- nsswitch lines -------------------------------------------------------------------------
set --
while IFS= read -r l; do
	case $l in '#'* | '') ;; *) set -- "$@" "$l" ;; esac
done <"$ETC/nsswitch.conf.workos"
is "$#" 3 "nsswitch.conf.workos has passwd, group and shadow lines"
use_cachedir
use_nss "$@"
printf 'user alice:200001:200001:Alice:/home/alice:/bin/bash:user_01ALICE\ngroup alice:200001:\ngroup workos-admin:100001:alice\n' >"$T/cache.txt"
"$MKCACHE" "$WO_CACHE" "$T/cache.txt" || bail "mkcache failed"
is "$(getent passwd alice)" "alice:*:200001:200001:Alice:/home/alice:/bin/bash" "with these lines getent finds a cached member"
is "$(getent group workos-admin)" "workos-admin:*:100001:alice" "and a cached group"
check "and local users still" sh -c 'getent passwd root | grep -q "^root:x:0:0:"'

# --- the PAM stacks at work ------------------------------------------------------------------
# Each sample stack as shipped, under pamtester and pam_wrapper, with
# pam_workos.so pointed at the built module and the emulator, and Debian's
# stock common-* files: accounts WorkOS does not own (root, a passwd
# account not in the cache, one with a name WorkOS never gives) reach
# pam_unix and its password, pam_workos never refuses them; an account
# WorkOS owns goes through pam_workos, and its refusal ends the login.
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"
emu_start
trap 'emu_stop; wo_cleanup' EXIT
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 20" "qr = never"
pam_accounts
# Members' passwd entries as libnss_workos serves them ("*", no shadow
# entry), which common-account's pam_unix accepts.
sed -i 's/^\([^:]*\):x:/\1:*:/' "$T/passwd"
hash=$(openssl passwd -6 local-secret) || bail "openssl passwd"
# pam_unix takes the hash from the passwd entry when it is not "x".
echo "root:$hash:0:0:root:/root:/bin/sh" >>"$T/passwd"
echo "localguy:$hash:300500:300500:local:/home/localguy:/bin/sh" >>"$T/passwd"
echo "Admin:$hash:300501:300501:mixed case:/home/Admin:/bin/sh" >>"$T/passwd"
cat >"$T/pam.d/common-auth" <<'EOS'
auth	[success=1 default=ignore]	pam_unix.so nullok
auth	requisite			pam_deny.so
auth	required			pam_permit.so
EOS
cat >"$T/pam.d/common-account" <<'EOS'
account	[success=1 new_authtok_reqd=done default=ignore]	pam_unix.so
account	requisite			pam_deny.so
account	required			pam_permit.so
EOS
for f in common-session common-session-noninteractive; do
	printf 'session\trequired\tpam_permit.so\n' >"$T/pam.d/$f"
done
printf 'password\trequired\tpam_deny.so\n' >"$T/pam.d/common-password"
for svc in sshd login sudo; do
	sed "s|pam_workos\.so|$PAM_MODULE config=$T/workos.conf|" "$ETC/pam.d/$svc" >"$T/pam.d/$svc"
done
check "the copies run the built module" grep -q "^auth .*$PAM_MODULE" "$T/pam.d/sshd"

for svc in sshd login sudo; do
	for u in root localguy Admin; do
		before=$(emuctl requests | wc -l)
		out=$(pam_answer 'say local-secret' $svc $u authenticate acct_mgmt)
		rc=$?
		is "$rc" 0 "pam.d/$svc: $u (not WorkOS's) logs in with its password through pam_unix"
		like "$out" "Password:" "  pam_unix asked for it"
		case $u in
		Admin) ;; # PAM_USER is not a name WorkOS gives: nothing to look up
		*) like "$out" "user=$u is not an account WorkOS owns" "  pam_workos passed it on" ;;
		esac
		unlike "$out" "WorkOS login as" "  no device code was shown"
		is "$(emuctl requests | wc -l)" "$before" "  WorkOS was not asked"
	done
	out=$(pam_answer 'say wrong-secret' $svc localguy authenticate)
	rc=$?
	is "$rc" "$PAM_AUTH_ERR" "pam.d/$svc: a wrong password for localguy is refused by pam_unix"

	approved_login ada@example.com "" $svc ada authenticate acct_mgmt
	is "$rc" 0 "pam.d/$svc: ada (WorkOS's) approved by ada logs in through pam_workos" ||
		diag "$out"
	like "$out" "WorkOS login as ada on" "  pam_workos showed the code"
	like "$out" "auth granted: user=ada" "  and admitted her"
	like "$out" "account granted: user=ada" "  its account phase checked her"
	unlike "$out" "Password:" "  pam_unix never asked"
done
approved_login grace@example.com "" sshd ada authenticate
is "$rc" "$PAM_AUTH_ERR" "pam.d/sshd: ada approved by grace is refused"
unlike "$out" "Password:" "  and the refusal ends the login: no fall-through to pam_unix"
# workos.conf broken: the owner's login fails closed, local accounts do not notice.
mv "$T/workos.conf" "$T/workos.conf.good"
echo "bogus_key = 1" >"$T/workos.conf"
out=$(pam_answer 'say local-secret' sshd root authenticate acct_mgmt)
is "$?" 0 "pam.d/sshd, workos.conf broken: root still logs in with its password"
out=$(pam_run sshd ada authenticate)
is "$?" "$PAM_SERVICE_ERR" "pam.d/sshd, workos.conf broken: ada's login fails closed (PAM_SERVICE_ERR)"
mv "$T/workos.conf.good" "$T/workos.conf"

# --- installation -------------------------------------------------------------------------
make -s -C "$top_builddir/etc" install DESTDIR="$T/inst" docdir=/usr/share/doc/pam_workos \
	datadir=/usr/share >"$T/install.log" 2>&1 || { cat "$T/install.log"; bail "make install failed"; }
for f in examples/workos.conf examples/nsswitch.conf.workos examples/pam.d/sshd examples/pam.d/login \
	examples/pam.d/sudo examples/sshd_config.d/workos.conf examples/sudoers.d/workos; do
	cmp -s "$T/inst/usr/share/doc/pam_workos/$f" "$ETC/${f#examples/}" || missing="$missing $f"
done
is "$missing" "" "make install puts the samples under \$(docdir)/examples"
check "make install puts the profile under \$(datadir)/pam-configs" \
	cmp -s "$T/inst/usr/share/pam-configs/workos" "$P"
check "make install writes nothing under /etc" [ ! -e "$T/inst/etc" ]
# The module: the front at $(pamdir), its network core in pam_workos/ beside it.
make -s -C "$top_builddir/pam" install DESTDIR="$T/inst" pamdir=/lib/security \
	>"$T/install-pam.log" 2>&1 || { cat "$T/install-pam.log"; bail "make install (pam) failed"; }
check "make install puts pam_workos.so under \$(pamdir)" [ -f "$T/inst/lib/security/pam_workos.so" ]
check "and its network core under \$(pamdir)/pam_workos" \
	[ -f "$T/inst/lib/security/pam_workos/core.so" ]
is "$(find "$T/inst/lib/security" -name '*.la' | wc -l)" 0 "and no libtool archive"

done_testing
