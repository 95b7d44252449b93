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
group ada:300001:
group grace:300002:
group workos-users:100000:ada,grace
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

done_testing
