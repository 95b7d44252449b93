# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end suites: TAP output and a private mount
# namespace in which system files are replaced by bind mounts, so a suite
# can change what glibc sees (nsswitch.conf, the NSS cache directory)
# without touching the host.  Source it, then call `sandbox "$@"` first.
#
# Environment (from tests/Makefile.am): top_srcdir, top_builddir,
# WO_CACHEDIR (the cache directory the NSS module was built with).

: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"

. "$top_srcdir/tests/e2e/tap.sh"

# Re-executes the calling script inside a new mount namespace with private
# propagation, once.  An e2e suite cannot run without it: that is a
# failure, never a skip.
sandbox() {
	if [ -z "${WO_SANDBOXED:-}" ]; then
		[ "$(id -u)" -eq 0 ] || bail "the e2e suites need root (for mount namespaces)"
		unshare -m --propagation private true 2>/dev/null ||
			bail "unshare -m is not possible here"
		WO_SANDBOXED=1 exec unshare -m --propagation private /bin/sh "$0" "$@"
		bail "could not re-execute in a mount namespace"
	fi
	# A private /tmp: pam_wrapper keeps its state in /tmp/pam.[0-9a-z],
	# only 36 of them, which concurrent suites on one machine exhaust.
	mount -t tmpfs -o mode=1777 wo-tmp /tmp || bail "cannot mount a private /tmp"
	WO_TMP=$(mktemp -d /tmp/wo-e2e.XXXXXX) || bail "mktemp"
	# Mounts vanish with the namespace; the directory is ours to remove.
	WO_MOUNTS=""
	trap wo_cleanup EXIT
	export WO_TMP
}

# The namespace takes its mounts with it, but the mount points under WO_TMP
# exist on the host too: unmount (last first) so that they can be removed.
wo_cleanup() {
	cd /
	for _m in $WO_MOUNTS; do umount "$_m" 2>/dev/null; done
	rm -rf "$WO_TMP"
}

# mount_at MOUNTPOINT MOUNT-ARGS...: mount, and remember it for the cleanup.
mount_at() {
	_mp=$1; shift
	mount "$@" "$_mp" || bail "cannot mount $* on $_mp"
	WO_MOUNTS="$_mp $WO_MOUNTS"
}

# Bind-mounts a file we own over a system path (the path must exist).
bind_over() {
	mount_at "$2" --bind "$1"
}

# use_nss "passwd: files workos" "group: files workos" ...: a private
# nsswitch.conf, and libnss_workos.so.2 from the build tree.  glibc dlopen()s
# "libnss_workos.so.2" through the library search path, so LD_LIBRARY_PATH
# finds the built module (getent and python3 are not setuid).
use_nss() {
	printf '%s\n' "$@" >"$WO_TMP/nsswitch.conf"
	bind_over "$WO_TMP/nsswitch.conf" /etc/nsswitch.conf
	LD_LIBRARY_PATH="$top_builddir/nss/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export LD_LIBRARY_PATH
	[ -e "$top_builddir/nss/.libs/libnss_workos.so.2" ] || bail "libnss_workos.so.2 not built"
	# A running nscd would answer instead of the module: hide its socket.
	for s in /var/run/nscd/socket /run/nscd/socket; do
		[ -S "$s" ] && bind_over /dev/null "$s"
	done
	return 0
}

# Gives the NSS cache directory (WO_CACHEDIR) a private, empty tmpfs.  If it
# does not exist (a fresh host, or distcheck's prefix before install), the
# nearest existing ancestor gets an overlay whose upper layer is a tmpfs, and
# the directory is created in that layer: the host is never written, and the
# ancestor's contents (perhaps our own build tree) stay visible.
use_cachedir() {
	: "${WO_CACHEDIR:?WO_CACHEDIR not set}"
	if [ ! -d "$WO_CACHEDIR" ]; then
		_d=$WO_CACHEDIR
		while [ ! -d "$_d" ]; do _d=$(dirname "$_d"); done
		[ "$_d" != / ] || bail "refusing to put an overlay on /"
		mkdir -p "$WO_TMP/ovl-cache"
		mount_at "$WO_TMP/ovl-cache" -t tmpfs wo-ovl-cache
		mkdir -p "$WO_TMP/ovl-cache/u" "$WO_TMP/ovl-cache/w"
		mount_at "$_d" -t overlay wo-cache-parent \
			-o "lowerdir=$_d,upperdir=$WO_TMP/ovl-cache/u,workdir=$WO_TMP/ovl-cache/w"
		mkdir -p "$WO_CACHEDIR" || bail "mkdir $WO_CACHEDIR"
	fi
	mount_at "$WO_CACHEDIR" -t tmpfs -o mode=0755 wo-cache
	WO_CACHE="$WO_CACHEDIR/nss.cache"
	export WO_CACHE
}

MKCACHE="$top_builddir/tests/helpers/mkcache"

# use_nss_setuid: like use_nss, for setuid programs (sudo, su) and daemons
# that ignore LD_LIBRARY_PATH: a private ld.so.cache that also lists the
# build tree's libnss_workos.so.2, bound over /etc/ld.so.cache.
use_nss_setuid() {
	use_nss "$@"
	printf '%s\n' "$top_builddir/nss/.libs" >"$WO_TMP/ld.so.conf"
	cat /etc/ld.so.conf.d/*.conf 2>/dev/null | grep '^/' >>"$WO_TMP/ld.so.conf"
	ldconfig -C "$WO_TMP/ld.so.cache" -f "$WO_TMP/ld.so.conf" 2>/dev/null ||
		bail "ldconfig cannot build a private cache"
	bind_over "$WO_TMP/ld.so.cache" /etc/ld.so.cache
}
