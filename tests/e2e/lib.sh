# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end suites: TAP output and a private mount
# namespace in which system files are replaced by bind mounts, so a suite
# can change what glibc sees (nsswitch.conf, the NSS cache directory)
# without touching the host.  Source it, then call `sandbox "$@"` first.
#
# Environment (from tests/Makefile.am): top_srcdir, top_builddir,
# WO_CACHEDIR (the cache directory the NSS module was built with).  The
# suites may live at any path (under /tmp, under a 0700 home, with spaces):
# after `sandbox`, the built modules are loaded from copies in $WO_LIB.

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
	# A suite this one runs (checkout-paths.sh) makes its own namespace.
	unset WO_SANDBOXED
	# A private /tmp: pam_wrapper keeps its state in /tmp/pam.[0-9a-z],
	# only 36 of them, which concurrent suites on one machine exhaust.
	private_tmp || bail "cannot mount a private /tmp"
	WO_TMP=$(mktemp -d /tmp/wo-e2e.XXXXXX) || bail "mktemp"
	private_modules /tmp/wo-lib
	# Mounts vanish with the namespace; the directory is ours to remove.
	WO_MOUNTS=""
	trap wo_cleanup EXIT
	export WO_TMP
	private_rundir
}

# Mounts a tmpfs over /tmp, keeping the source and build trees at their
# paths if they live under /tmp (a clone in /tmp, distcheck run from one).
# A mount does not move a process whose working directory it covers: from
# the subshell that stands in the old /tmp, "./x" still names the hidden
# directory, and each tree's top entry is bound back from there
# (--no-canonicalize: mount would otherwise resolve "./x" in the new /tmp).
# Canonical paths first: abs_top_srcdir may read "_build/..".
private_tmp() {
	_tmp=$(realpath -e /tmp) && _src=$(realpath -e "$top_srcdir") &&
		_build=$(realpath -e "$top_builddir") || return 1
	(
		cd "$_tmp" || exit 1
		mount -t tmpfs -o mode=1777 wo-tmp "$_tmp" || exit 1
		for _d in "$_src" "$_build"; do
			case $_d in
			"$_tmp") echo "# a tree at /tmp itself cannot be kept" >&2; exit 1 ;;
			"$_tmp"/*) ;;
			*) continue ;;
			esac
			_top=${_d#"$_tmp"/}
			_top=${_top%%/*}
			[ -d "$_tmp/$_top" ] && continue
			mkdir "$_tmp/$_top" &&
				mount --no-canonicalize --bind "./$_top" "$_tmp/$_top" || exit 1
		done
	)
}

# private_modules DIR: copies of the built pam_workos.so (with its network
# core in DIR/pam_workos/) and libnss_workos.so.2 in DIR (world-readable),
# named by $WO_LIB.  Suites load
# them from there, not from the build tree: a PAM stack line cannot name a
# path with a space, ld.so.conf splits at whitespace, and an ssh session's
# user cannot read a checkout under a 0700 home.
private_modules() {
	mkdir -p "$1" && chmod 0755 "$1" || bail "cannot make $1"
	for _f in pam/.libs/pam_workos.so nss/.libs/libnss_workos.so.2; do
		[ ! -f "$top_builddir/$_f" ] || cp "$top_builddir/$_f" "$1/" ||
			bail "cannot copy $_f to $1"
	done
	# The front loads its network core from pam_workos/ next to itself.
	if [ -f "$top_builddir/pam/.libs/core.so" ]; then
		mkdir -p "$1/pam_workos" && chmod 0755 "$1/pam_workos" &&
			cp "$top_builddir/pam/.libs/core.so" "$1/pam_workos/" &&
			chmod 0755 "$1/pam_workos/core.so" || bail "cannot copy core.so to $1"
	fi
	chmod 0755 "$1"/* 2>/dev/null
	WO_LIB=$1
	export WO_LIB
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
# nsswitch.conf, and the built libnss_workos.so.2 (its copy in $WO_LIB).
# glibc dlopen()s "libnss_workos.so.2" through the library search path, so
# LD_LIBRARY_PATH finds it (getent and python3 are not setuid).
use_nss() {
	printf '%s\n' "$@" >"$WO_TMP/nsswitch.conf"
	bind_over "$WO_TMP/nsswitch.conf" /etc/nsswitch.conf
	LD_LIBRARY_PATH="$WO_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export LD_LIBRARY_PATH
	[ -e "$WO_LIB/libnss_workos.so.2" ] || bail "libnss_workos.so.2 not built"
	# A running nscd would answer instead of the module: hide its socket.
	for s in /var/run/nscd/socket /run/nscd/socket; do
		[ -S "$s" ] && bind_over /dev/null "$s"
	done
	return 0
}

# open_path PATH: every existing directory on the way to PATH searchable by
# others, in this namespace only.  The first that is not (a checkout under
# /root, 0700, holding distcheck's cache dir) gets an overlay whose upper
# layer is a tmpfs, and in it that directory and any closed one below it get
# o+x: an ssh session's user reaches the cache, the host's modes stay.
open_path() {
	_rest=${1#/}
	_p=
	_ovl=
	while [ -n "$_rest" ]; do
		_p=$_p/${_rest%%/*}
		case $_rest in */*) _rest=${_rest#*/} ;; *) _rest= ;; esac
		[ -d "$_p" ] || return 0
		[ -n "$(find "$_p" -maxdepth 0 -perm -o+x)" ] && continue
		if [ -z "$_ovl" ]; then
			mkdir -p "$WO_TMP/ovl-open"
			mount_at "$WO_TMP/ovl-open" -t tmpfs wo-ovl-open
			mkdir -p "$WO_TMP/ovl-open/u" "$WO_TMP/ovl-open/w"
			mount_at "$_p" -t overlay wo-open \
				-o "lowerdir=$_p,upperdir=$WO_TMP/ovl-open/u,workdir=$WO_TMP/ovl-open/w"
			_ovl=1
		fi
		chmod o+x "$_p" || bail "chmod o+x $_p"
	done
}

# Gives the NSS cache directory (WO_CACHEDIR) a private, empty tmpfs, which
# unprivileged processes reach (open_path).  If it does not exist (a fresh
# host, or distcheck's prefix before install), the nearest existing ancestor
# gets an overlay whose upper layer is a tmpfs, and the directory is created
# in that layer: the host is never written, and the ancestor's contents
# (perhaps our own build tree) stay visible.
use_cachedir() {
	: "${WO_CACHEDIR:?WO_CACHEDIR not set}"
	open_path "$WO_CACHEDIR"
	private_dir cache "$WO_CACHEDIR" 0755
	WO_CACHE="$WO_CACHEDIR/nss.cache"
	export WO_CACHE
}

# private_dir TAG DIR MODE: DIR on a private tmpfs of MODE.  A DIR that does
# not exist is made in an overlay of its nearest existing ancestor whose
# upper layer is a tmpfs: the host is never written, and the ancestor's
# contents (perhaps our own build tree) stay visible.  TAG names the mounts.
private_dir() {
	# Only inside the namespace `sandbox` made: elsewhere these mounts
	# would land on the host.
	[ -n "${WO_TMP:-}" ] || bail "private_dir $2 outside the sandbox"
	if [ ! -d "$2" ]; then
		_d=$2
		while [ ! -d "$_d" ]; do _d=$(dirname "$_d"); done
		[ "$_d" != / ] || bail "refusing to put an overlay on /"
		mkdir -p "$WO_TMP/ovl-$1"
		mount_at "$WO_TMP/ovl-$1" -t tmpfs "wo-ovl-$1"
		mkdir -p "$WO_TMP/ovl-$1/u" "$WO_TMP/ovl-$1/w"
		mount_at "$_d" -t overlay "wo-$1-parent" \
			-o "lowerdir=$_d,upperdir=$WO_TMP/ovl-$1/u,workdir=$WO_TMP/ovl-$1/w"
		(umask 022 && mkdir -p "$2") || bail "mkdir $2"
	fi
	mount_at "$2" -t tmpfs -o "mode=$3" "wo-$1"
}

# private_rundir: the directory of pending device logins (WO_RUNDIR, see
# lib/device_slots.h) on a private tmpfs, root-owned 0700 as pam_workos
# wants it: suites that run at once do not count each other's logins, and
# the host's is left alone.
private_rundir() {
	: "${WO_RUNDIR:=/run/workos}"
	private_dir run "$WO_RUNDIR" 0700
	export WO_RUNDIR
}

# The compiled-in spool's parent on a private tmpfs: the module itself must
# create the spool, root 0700, and the host's is left alone.
use_spooldir() {
	: "${WO_SPOOLDIR:?WO_SPOOLDIR not set}"
	private_dir spool "$(dirname "$WO_SPOOLDIR")" 0755
}

MKCACHE="$top_builddir/tests/helpers/mkcache"

# use_nss_setuid: like use_nss, for setuid programs (sudo, su) and daemons
# that ignore LD_LIBRARY_PATH: a private ld.so.cache that also lists the
# built libnss_workos.so.2 ($WO_LIB), bound over /etc/ld.so.cache.
use_nss_setuid() {
	use_nss "$@"
	printf '%s\n' "$WO_LIB" >"$WO_TMP/ld.so.conf"
	cat /etc/ld.so.conf.d/*.conf 2>/dev/null | grep '^/' >>"$WO_TMP/ld.so.conf"
	ldconfig -C "$WO_TMP/ld.so.cache" -f "$WO_TMP/ld.so.conf" 2>/dev/null ||
		bail "ldconfig cannot build a private cache"
	bind_over "$WO_TMP/ld.so.cache" /etc/ld.so.cache
}
