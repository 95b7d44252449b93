#!/bin/sh
# Real sudo, gated by WorkOS roles: the account phase of pam_workos with
# require_role=admin (live through the memberships API when an API key is
# configured, from the sync cache otherwise) and the role groups served by
# libnss_workos for sudoers.  Private mount namespace: /etc/pam.d,
# /etc/sudoers, /etc/nsswitch.conf, /etc/ld.so.cache and the cache dir are
# replaced there only.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

SUDO=$(command -v sudo) || bail "sudo is not installed (scripts/install-deps)"
use_cachedir
use_nss_setuid "passwd: files workos" "group: files workos" "shadow: files"

emu_start
emu_config

# The members as workos-sync would write them (ids from the fixture).
cat >"$T/cache.txt" <<'TXT'
user ada:300001:300001:Ada Lovelace:/home/ada:/bin/sh:user_01HQWM4YK0ZQQ463A0QNBXXTP1
user grace:300002:300002:Grace Hopper:/home/grace:/bin/sh:user_01HQWM8KS0W08FT771NK0Q7RXM
user tessa:300007:300007:Tessa Totp:/home/tessa:/bin/sh:user_01HQWMQ8H0ZVYR0D3R8MX0G699
group ada:300001:
group grace:300002:
group tessa:300007:
group workos-users:100000:ada,grace,tessa
group workos-admin:100001:ada
group workos-developer:100002:grace
TXT
"$MKCACHE" "$WO_CACHE" "$T/cache.txt" || bail "mkcache failed"

# sudoers lets every member run anything without a password, so the PAM
# account phase alone decides; a second rule set checks the role group.
sudoers() {
	printf 'Defaults !lecture, !fqdn, !syslog, timestamp_timeout=0\nroot ALL=(ALL:ALL) ALL\n%s\n' "$1" >"$T/sudoers"
	chmod 0440 "$T/sudoers"
}
sudoers '%workos-users ALL=(ALL:ALL) NOPASSWD: ALL'
bind_over "$T/sudoers" /etc/sudoers

mkdir -p "$T/pam.d"
cat >"$T/pam.d/sudo" <<EOS
auth     required pam_permit.so
account  required $PAM_MODULE config=$T/workos.conf require_role=admin
session  required pam_permit.so
EOS
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"
mount --bind "$T/pam.d" /etc/pam.d

# as USER: runs `sudo -n id -un` as that user; prints sudo's output.
as() {
	uid=$(id -u "$1") || return 99
	setpriv --reuid="$uid" --regid="$(id -g "$1")" --init-groups \
		env ${asan:+LD_PRELOAD=$asan} "$SUDO" -n id -un 2>&1
}

is "$(id -Gn ada)" "ada workos-users workos-admin" "ada's groups come from the cache through glibc"

# Without an API key: roles from the cache's role groups.
out=$(as ada)
is "$out" "root" "cache: ada (admin) may sudo"
out=$(as grace)
like "$out" "WorkOS access denied: grace has no WorkOS role allowed here" "cache: grace (developer) is refused by the account phase"
like "$out" "PAM account management error: Permission denied" "sudo reports the account phase's refusal"

# With an API key: the live answer wins over the cache.
emu_api_key
out=$(as ada)
is "$out" "root" "API: ada (admin) may sudo"
out=$(as grace)
like "$out" "PAM account management error" "API: grace (developer) is refused"
emuctl member-update ada@example.com --role developer >/dev/null
out=$(as ada)
like "$out" "PAM account management error" "API: ada's admin role removed in WorkOS: refused at once"
emuctl member-update ada@example.com --role admin >/dev/null
out=$(as ada)
is "$out" "root" "API: admin role given back: allowed again"
emuctl member-update ada@example.com --status inactive >/dev/null
out=$(as ada)
like "$out" "no longer a member" "API: membership deactivated: refused"
emuctl member-update ada@example.com --status active >/dev/null

emuctl fault '/user_management/organization_memberships*' --status 503 --forever >/dev/null
out=$(as ada)
like "$out" "WorkOS cannot be reached" "API unavailable: refused (fail closed)"
emuctl clear-faults >/dev/null

# The role group path: sudoers names %workos-admin, PAM checks nothing more.
sudoers '%workos-admin ALL=(ALL:ALL) NOPASSWD: ALL'
rm -f "$T/api_key"
printf 'auth required pam_permit.so\naccount required pam_permit.so\nsession required pam_permit.so\n' >"$T/pam.d/sudo"
out=$(as ada)
is "$out" "root" "sudoers %workos-admin: ada may sudo"
out=$(as grace)
like "$out" "password is required" "sudoers %workos-admin: grace may not"

# --- a TOTP step-up as sudo's authentication (mode=totp) --------------------------
command -v oathtool >/dev/null || bail "oathtool is not installed (scripts/install-deps)"
emu_api_key
sudoers '%workos-users ALL=(ALL:ALL) ALL'
cat >"$T/pam.d/sudo" <<EOS
auth     required $PAM_MODULE config=$T/workos.conf mode=totp
account  required $PAM_MODULE config=$T/workos.conf
session  required pam_permit.so
EOS
# sudo -S reads the answers to the prompts from standard input.
sudo_with() { # user answers...
	_u=$1
	shift
	printf '%s\n' "$@" | setpriv --reuid="$(id -u "$_u")" --regid="$(id -g "$_u")" \
		--init-groups env ${asan:+LD_PRELOAD=$asan} "$SUDO" -S -k id -un 2>&1
}
out=$(sudo_with tessa "$(oathtool --totp -b QSPRDFPHZNJLIZHOPLQZ7QRJRRA66MIE)")
like "$out" "root" "mode=totp: tessa's right code lets sudo run"
like "$out" "WorkOS one-time code" "sudo showed the module's code prompt"
emuctl reset >/dev/null
out=$(sudo_with tessa 000000 000001 000002)
unlike "$out" "root" "mode=totp: three wrong codes: sudo refuses"
out=$(sudo_with ada 123456)
unlike "$out" "root" "mode=totp: ada has no TOTP factor: sudo refuses"
like "$out" "enrol one first" "ada is told to enrol one"

# --- the audit trail (audit = workos) through real sudo ------------------------------
# Each decision sudo's PAM transaction makes is spooled as one Audit Logs
# event (a private spool), and workosctl audit flush delivers it: an
# admitted step-up, a refused one, and an account phase refusal.
use_spooldir
emuctl reset >/dev/null
emu_config "audit = workos"
before=$(emuctl audit-events | grep -c .)
out=$(sudo_with tessa "$(oathtool --totp -b QSPRDFPHZNJLIZHOPLQZ7QRJRRA66MIE)")
like "$out" "root" "audit: tessa's step-up lets sudo run"
out=$(sudo_with tessa 000000 000001 000002)
unlike "$out" "root" "audit: tessa's wrong codes: refused"
sudoers '%workos-users ALL=(ALL:ALL) NOPASSWD: ALL'
cat >"$T/pam.d/sudo" <<EOS
auth     required pam_permit.so
account  required $PAM_MODULE config=$T/workos.conf require_role=admin
session  required pam_permit.so
EOS
out=$(as grace)
like "$out" "PAM account management error" "audit: grace's sudo refused by the account phase"
is "$(ls "$WO_SPOOLDIR" | grep -c '^ev-.*\.json$')" 3 "three decisions spooled, nothing sent during the logins"
is "$(emuctl audit-events | grep -c .)" "$before" "  WorkOS got nothing while sudo ran"
flush=$("$top_builddir/tools/workosctl" audit flush --config "$T/workos.conf" 2>&1)
is "$?" 0 "workosctl audit flush delivers them" || diag "$flush"
events=$(emuctl audit-events)
summary=$(printf '%s\n' "$events" | "$PYTHON3" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)["event"]
    t = {x["type"]: x["id"] for x in e["targets"]}
    print(e["action"], e["actor"]["id"], t.get("account"), e["context"]["location"],
          e["metadata"]["service"], e["metadata"]["reason"])
')
like "$summary" "pam.auth.succeeded user_01HQWMQ8H0ZVYR0D3R8MX0G699 tessa console sudo" \
	"  tessa's admitted step-up: one pam.auth.succeeded event, service sudo"
like "$summary" "pam.auth.denied user_01HQWMQ8H0ZVYR0D3R8MX0G699 tessa console sudo wrong_code" \
	"  tessa's refused step-up: one pam.auth.denied event"
like "$summary" "pam.account.denied user_01HQWM8KS0W08FT771NK0Q7RXM grace console sudo role" \
	"  grace's refusal: one pam.account.denied event"
is "$(printf '%s\n' "$summary" | grep -c .)" 3 "  exactly three events, no duplicates"
is "$(ls "$WO_SPOOLDIR" | grep -c '^ev-.*\.json$')" 0 "  and the spool is empty"

done_testing
