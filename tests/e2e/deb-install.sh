#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian packages, as installed: built by `make deb` (reused when the
# sources have not changed), unpacked with dpkg-deb -x into a throwaway root,
# never installed on the host.  Inside a private mount namespace:
#  - the maintainer scripts run against overlays of /etc and /var/lib:
#    directories and modes, pam-auth-update registration and removal,
#    nsswitch.conf left alone;
#  - the unpacked pam_workos.so runs a device-flow login under pamtester and
#    pam_wrapper against the emulator;
#  - the unpacked libnss_workos.so.2 answers getent for a mkcache cache;
#  - the unpacked workosctl passes its checks.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
. "$top_srcdir/tests/e2e/emulator.sh"

like() { # haystack needle description
	case $1 in
	*"$2"*) ok "$3" ;;
	*) not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;;
	esac
}

T=$WO_TMP
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null) || bail "dpkg-architecture (dpkg-dev) is missing"
command -v dpkg-buildpackage >/dev/null || bail "dpkg-buildpackage is missing (scripts/install-deps)"

# --- build (or reuse) ---------------------------------------------------------------
# libtool cannot install into a DESTDIR with a space, and dpkg-buildpackage
# installs into debian/tmp under DEB_DIR: a build tree with a space in its
# path makes its packages in the private /tmp instead, afresh each run.
case $top_builddir in
*[[:space:]]*) DEB_DIR=$T/deb ;;
*) DEB_DIR=$top_builddir/deb ;;
esac
${MAKE:-make} -s -C "$top_builddir" deb DEB_DIR="$DEB_DIR" >"$T/deb.log" 2>&1 ||
	{ sed 's/^/# /' "$T/deb.log"; bail "make deb failed"; }
PAM_DEB=$(ls "$DEB_DIR"/libpam-workos_*.deb 2>/dev/null | head -1)
NSS_DEB=$(ls "$DEB_DIR"/libnss-workos_*.deb 2>/dev/null | head -1)
check "make deb made libpam-workos" [ -f "$PAM_DEB" ]
check "make deb made libnss-workos" [ -f "$NSS_DEB" ]
[ -f "$PAM_DEB" ] && [ -f "$NSS_DEB" ] || bail "no packages"
out=$(${MAKE:-make} -s -C "$top_builddir" deb DEB_DIR="$DEB_DIR" 2>&1)
like "$out" "up to date" "make deb again reuses the packages of unchanged sources"

ROOT=$T/root
dpkg-deb -x "$PAM_DEB" "$ROOT" && dpkg-deb -x "$NSS_DEB" "$ROOT" || bail "dpkg-deb -x failed"
dpkg-deb -e "$PAM_DEB" "$T/pam.ctl" && dpkg-deb -e "$NSS_DEB" "$T/nss.ctl" || bail "dpkg-deb -e failed"

MOD=$ROOT/lib/$MULTIARCH/security/pam_workos.so
NSSLIB=$ROOT/usr/lib/$MULTIARCH/libnss_workos.so.2
CTL=$ROOT/usr/sbin/workosctl
DOC=$ROOT/usr/share/doc/libpam-workos
missing=""
for f in "$MOD" "$NSSLIB" "$CTL" "$ROOT/usr/share/pam-configs/workos" "$DOC/examples/workos.conf" \
	"$DOC/examples/pam.d/sshd" "$DOC/examples/pam.d/sudo" "$DOC/examples/pam.d/login" \
	"$DOC/examples/sshd_config.d/workos.conf" "$DOC/examples/sudoers.d/workos" \
	"$DOC/examples/nsswitch.conf.workos" "$DOC/copyright" \
	"$ROOT/usr/share/man/man8/pam_workos.8.gz" "$ROOT/usr/share/man/man8/workosctl.8.gz" \
	"$ROOT/usr/share/man/man5/workos.conf.5.gz" "$ROOT/usr/share/man/man8/nss_workos.8.gz" \
	"$ROOT/usr/sbin/workos-sync" "$ROOT/usr/share/man/man8/workos-sync.8.gz" \
	"$ROOT/lib/systemd/system/workos-sync.service" "$ROOT/lib/systemd/system/workos-sync.timer"; do
	[ -f "$f" ] || missing="$missing ${f#"$ROOT"}"
done
is "$missing" "" "the packages hold the module, NSS library, tools, units, samples, profile and man pages"
is "$(cd "$ROOT" && find . -name '*.la' -o -name 'libnss_workos.so' -o -name '*.a' | wc -l)" 0 \
	"no libtool archives, static libraries or development symlinks"
is "$(ldd "$MOD" "$NSSLIB" "$CTL" | grep -c 'not found')" 0 "every library they need is on the system"
is "$(ldd "$NSSLIB" | grep -c -e curl -e ssl -e crypto -e json)" 0 "the NSS module links no network library"
is "$(nm -D --defined-only "$MOD" | awk '{print $3}' | grep -v '^pam_sm_' | grep -c .)" 0 \
	"pam_workos.so exports only pam_sm_* functions"
CORE=$ROOT/lib/$MULTIARCH/security/pam_workos/core.so
check "the package holds the network core next to the module" [ -f "$CORE" ]
is "$(nm -D --defined-only "$CORE" | awk '{print $3}' | tr '\n' ' ')" "wo_pam_core_v1 " \
	"pam_workos/core.so exports only its entry struct"
is "$(ldd "$MOD" | grep -c -e curl -e ssl -e crypto -e json -e qrencode)" 0 \
	"pam_workos.so links no network library (the core does)"
is "$(dpkg-deb -f "$NSS_DEB" Package)" "libnss-workos" "the NSS package is libnss-workos"
like "$(dpkg-deb -f "$PAM_DEB" Depends)" "libpam-runtime" "libpam-workos depends on libpam-runtime (pam-auth-update)"

# --- maintainer scripts ------------------------------------------------------------------
# Overlays: the scripts write into upper directories in $T, never the host.
for d in etc varlib share; do mkdir -p "$T/ov/$d/up" "$T/ov/$d/work"; done
mount -t overlay -o "lowerdir=/etc,upperdir=$T/ov/etc/up,workdir=$T/ov/etc/work" wo-etc /etc ||
	bail "overlay on /etc"
mount -t overlay -o "lowerdir=/var/lib,upperdir=$T/ov/varlib/up,workdir=$T/ov/varlib/work" wo-var /var/lib ||
	bail "overlay on /var/lib"
mkdir -p /usr/share/pam-configs
mount -t overlay -o "lowerdir=/usr/share/pam-configs,upperdir=$T/ov/share/up,workdir=$T/ov/share/work" \
	wo-share /usr/share/pam-configs || bail "overlay on /usr/share/pam-configs"
rm -rf /etc/workos /var/lib/workos
cp "$ROOT/usr/share/pam-configs/workos" /usr/share/pam-configs/workos
cp /etc/nsswitch.conf "$T/nsswitch.before"
export DEBIAN_FRONTEND=noninteractive

out=$(sh -e "$T/pam.ctl/postinst" configure 2>&1)
is "$?" 0 "libpam-workos postinst configure succeeds"
is "$(stat -c '%U:%G %a' /etc/workos 2>&1)" "root:root 755" "postinst creates /etc/workos root 0755"
is "$(stat -c '%U:%G %a' /var/lib/workos 2>&1)" "root:root 755" "postinst creates /var/lib/workos root 0755"
like "$out" "/etc/workos/workos.conf" "postinst tells the admin where to configure"
check "pam-auth-update registered the profile" grep -qw workos /var/lib/pam/seen
check "the profile is off by default: common-auth does not name pam_workos" \
	sh -c '! grep -q pam_workos /etc/pam.d/common-auth'
pam-auth-update --enable workos >/dev/null 2>&1
check "enabled: common-auth runs pam_workos.so" grep -q 'pam_workos\.so' /etc/pam.d/common-auth
check "enabled: common-account runs pam_workos.so" grep -Eq '^account[[:space:]]+required[[:space:]]+pam_workos\.so' /etc/pam.d/common-account
check "enabled: pam_unix still runs" grep -q 'pam_unix\.so' /etc/pam.d/common-auth
first=$(grep -E '^auth[[:space:]]' /etc/pam.d/common-auth | grep -nE 'pam_(workos|unix)\.so' | head -1)
like "$first" "pam_workos.so" "enabled: pam_workos runs before pam_unix (members get no password prompt)"
check "enabled: accounts WorkOS does not own go on to pam_unix (user_unknown=ignore)" \
	grep -Eq '^auth[[:space:]]+\[success=[0-9]+ user_unknown=ignore default=die\][[:space:]]+pam_workos\.so' \
	/etc/pam.d/common-auth
chmod 0700 /etc/workos
sh -e "$T/pam.ctl/postinst" configure >/dev/null 2>&1
is "$(stat -c '%a' /etc/workos)" 700 "a second configure keeps the admin's mode"
sh -e "$T/pam.ctl/prerm" upgrade >/dev/null 2>&1
check "prerm upgrade leaves the stack alone" grep -q 'pam_workos\.so' /etc/pam.d/common-auth
out=$(sh -e "$T/pam.ctl/prerm" remove 2>&1)
is "$?" 0 "libpam-workos prerm remove succeeds"
check "prerm remove takes pam_workos out of common-auth" sh -c '! grep -q pam_workos /etc/pam.d/common-auth'
check "and out of common-account" sh -c '! grep -q pam_workos /etc/pam.d/common-account'

out=$(sh -e "$T/nss.ctl/postinst" configure 2>&1)
is "$?" 0 "libnss-workos postinst configure succeeds"
like "$out" 'add "workos" after "files"' "it says how to enable the module"
check "it does not edit nsswitch.conf" cmp -s /etc/nsswitch.conf "$T/nsswitch.before"
check "no maintainer script edits nsswitch.conf" \
	sh -c "! grep -l 'nsswitch.conf' $T/pam.ctl/* $T/nss.ctl/* | xargs -r grep -En '(sed|>|tee|perl).*nsswitch'"
umount /usr/share/pam-configs && umount /var/lib && umount /etc || bail "umount overlays"

# --- the installed PAM module -----------------------------------------------------------
. "$top_srcdir/tests/e2e/pam.sh"
emu_start
trap 'emu_stop; rm -rf "$WO_TMP"' EXIT
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 20" "qr = never"
# The package's module reads the cache (who owns ada) at its compiled-in
# path, whatever this tree was configured with (distcheck: under _inst).
WO_CACHEDIR=/var/lib/workos
pam_accounts
cat >"$T/pam.d/installed" <<EOS
auth     required $MOD config=$T/workos.conf
account  required $MOD config=$T/workos.conf
EOS
approve_latest ada@example.com &
out=$(pam_run installed ada authenticate acct_mgmt)
rc=$?
wait
is "$rc" 0 "installed pam_workos.so: ada approved by ada is admitted"
like "$out" "WorkOS login as ada on $(hostname)" "installed pam_workos.so showed the code"
like "$out" "auth granted: user=ada" "installed pam_workos.so logged the decision"
approve_latest grace@example.com &
out=$(pam_run installed ada authenticate)
rc=$?
wait
is "$rc" "$PAM_AUTH_ERR" "installed pam_workos.so: ada approved by grace is refused"


# --- the installed NSS module -------------------------------------------------------------
# The package's module reads the cache at its compiled-in path (above).
use_cachedir
printf '%s\n' "passwd: files workos" "group: files workos" "shadow: files" >"$T/nsswitch.conf"
bind_over "$T/nsswitch.conf" /etc/nsswitch.conf
for s in /var/run/nscd/socket /run/nscd/socket; do [ -S "$s" ] && bind_over /dev/null "$s"; done
cat >"$T/cache.txt" <<'TXT'
user ada:200001:200001:Ada Lovelace:/home/ada:/bin/bash:user_01HQWM4YK0ZQQ463A0QNBXXTP1
group ada:200001:
group workos-admin:100001:ada
TXT
"$MKCACHE" "$WO_CACHE" "$T/cache.txt" || bail "mkcache failed"
LIBS=$ROOT/usr/lib/$MULTIARCH
is "$(LD_LIBRARY_PATH=$LIBS getent passwd ada)" "ada:*:200001:200001:Ada Lovelace:/home/ada:/bin/bash" \
	"installed libnss_workos.so.2: getent passwd ada"
is "$(LD_LIBRARY_PATH=$LIBS getent group workos-admin)" "workos-admin:*:100001:ada" \
	"installed libnss_workos.so.2: getent group workos-admin"
is "$(LD_LIBRARY_PATH=$LIBS id -Gn ada)" "ada workos-admin" "installed libnss_workos.so.2: id -Gn ada"
loaded=$(LD_LIBRARY_PATH=$LIBS LD_DEBUG=libs getent passwd ada 2>&1 >/dev/null | sed -n 's/.*calling init: \(.*libnss_workos.*\)/\1/p' | head -1)
is "$loaded" "$NSSLIB" "getent loaded the unpacked module, not the build tree's"

# --- the installed workosctl ------------------------------------------------------------------
emu_api_key
out=$(LD_LIBRARY_PATH=$LIBS "$CTL" check --config "$T/workos.conf" 2>&1)
is "$?" 0 "installed workosctl check passes against the emulator"
like "$out" 'OK    organization   org_01HQWKXM701NQ40YF3CW1YQMVW "Example Corp"' "installed workosctl reads the organization"
like "$out" "OK    nss cache      /var/lib/workos/nss.cache: generation" "installed workosctl verifies the cache"

done_testing
