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

_tap_n=0
_tap_fail=0

plan() { echo "1..$1"; _tap_planned=1; }
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n - $*"; }
diag() { printf '# %s\n' "$@"; }
bail() { echo "Bail out! $*"; exit 1; }

# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
	_d=$1; shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else
		not_ok "$3"; diag "got:  '$1'" "want: '$2'"; fi
}

# Prints the plan if none was given and sets the exit status.
done_testing() {
	[ -n "${_tap_planned:-}" ] || echo "1..$_tap_n"
	[ "$_tap_fail" -eq 0 ]
}

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
	WO_TMP=$(mktemp -d /tmp/wo-e2e.XXXXXX) || bail "mktemp"
	# Mounts vanish with the namespace; the directory is ours to remove.
	trap 'rm -rf "$WO_TMP"' EXIT
	export WO_TMP
}

# Bind-mounts a file we own over a system path (the path must exist).
bind_over() {
	mount --bind "$1" "$2" || bail "cannot bind $1 over $2"
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
# does not exist on the host, the nearest existing ancestor gets the tmpfs
# and the path is created inside it, in the namespace only.
use_cachedir() {
	: "${WO_CACHEDIR:?WO_CACHEDIR not set}"
	_d=$WO_CACHEDIR
	while [ ! -d "$_d" ]; do _d=$(dirname "$_d"); done
	[ "$_d" != / ] || bail "refusing to mount over /"
	mount -t tmpfs -o mode=0755 wo-cache "$_d" || bail "cannot mount tmpfs on $_d"
	mkdir -p "$WO_CACHEDIR" || bail "mkdir $WO_CACHEDIR"
	chmod 0755 "$WO_CACHEDIR"
	WO_CACHE="$WO_CACHEDIR/nss.cache"
	export WO_CACHE
}

MKCACHE="$top_builddir/tests/helpers/mkcache"
