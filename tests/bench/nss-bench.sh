#!/bin/sh
# SPDX-License-Identifier: MIT
# NSS benchmark: libnss_workos against glibc's files and Debian's
# libnss-cache, for 1k to 1M synthetic users, side by side.  See README.md.
#   usage: nss-bench.sh [N...]       (default: 1000 10000 100000 1000000)
# Runs as root in a private mount namespace (nothing on the host changes):
# an overlay on /etc takes the big passwd/group files and libnss-cache's
# /etc/*.cache, a tmpfs on the cache directory takes nss.cache.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
use_cachedir
sizes=${*:-1000 10000 100000 1000000}

RUN="$top_builddir/tests/bench/nss-bench-run"
SO="$top_builddir/nss/.libs/libnss_workos.so.2"
[ -x "$RUN" ] && [ -f "$SO" ] && [ -x "$MKCACHE" ] || bail "build first (make, make -C tests bench-programs)"
: "${PYTHON3:=python3}"

# /etc on an overlay whose upper layer is a tmpfs of ours.
mkdir -p "$WO_TMP/ovl"
mount_at "$WO_TMP/ovl" -t tmpfs wo-ovl
mkdir -p "$WO_TMP/ovl/upper" "$WO_TMP/ovl/work"
cp /etc/passwd "$WO_TMP/passwd.orig"; cp /etc/group "$WO_TMP/group.orig"
mount_at /etc -t overlay wo-etc -o "lowerdir=/etc,upperdir=$WO_TMP/ovl/upper,workdir=$WO_TMP/ovl/work"
for s in /var/run/nscd/socket /run/nscd/socket; do [ -S "$s" ] && bind_over /dev/null "$s"; done

nsswitch() { printf 'passwd: %s\ngroup: %s\nshadow: files\n' "$1" "$1" >/etc/nsswitch.conf; }

# libnss-cache indexes: fixed-width entries "key\0offset\0" padded with NULs
# and ended by '\n', sorted by strcmp() of the key (uids as decimal text);
# offsets are byte offsets of the line in the .cache file.
mkindex() {
	"$PYTHON3" - "$@" <<'PY'
import sys
src, col = sys.argv[1], int(sys.argv[2])
entries, off = [], 0
with open(src, 'rb') as f:
    for line in f:
        entries.append((line.split(b':')[col], str(off).encode()))
        off += len(line)
entries.sort()
width = max(len(k) + len(o) + 2 for k, o in entries) if entries else 2
with open(sys.argv[3], 'wb') as out:
    for k, o in entries:
        e = k + b'\0' + o + b'\0'
        out.write(e + b'\0' * (width - len(e)) + b'\n')
PY
}

fsize() { stat -c %s "$@" | awk '{ s += $1 } END { print s }'; }
human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1fM", b / 1048576; else printf "%.0fK", b / 1024 }'; }

row() { # N BACKEND SIZE RESULT...
	_n=$1 _b=$2 _s=$3; shift 3
	[ $# -ge 7 ] || set -- "error" "" "" "" "" "" ""
	printf '%8s  %-22s %8s %9s %9s %9s %10s %9s %8s %8s\n' "$_n" "$_b" "$(human "$_s")" "$@"
}

echo "# ns per warm lookup (median of 1 ms batches, random existing keys, 64Ki-key pool), wall ns of a process's"
echo "# first lookup (open + mmap + faults), VmRSS KiB gained after the first and after all"
echo "# lookups.  Target: direct workos < 500 ns per lookup, flat from 1k to 1M."
echo "# The memory floor line after each size is what one random memory access costs on"
echo "# this machine over a buffer as big as the workos file."
printf '%8s  %-22s %8s %9s %9s %9s %10s %9s %8s %8s\n' users backend size getpwnam getpwuid getgrnam initgroups first-ns rss1st rssall
for n in $sizes; do
	d="$WO_TMP/n$n"; mkdir -p "$d"
	"$MKCACHE" --synthetic "$n" "$WO_CACHE" "$d/passwd" "$d/group" || bail "mkcache $n"
	cp "$d/passwd" "$d/passwd.cache"; cp "$d/group" "$d/group.cache"
	mkindex "$d/passwd.cache" 0 "$d/passwd.cache.ixname"
	mkindex "$d/passwd.cache" 2 "$d/passwd.cache.ixuid"
	mkindex "$d/group.cache" 0 "$d/group.cache.ixname"
	mkindex "$d/group.cache" 2 "$d/group.cache.ixgid"
	cp "$d"/passwd.cache* "$d"/group.cache* /etc/

	ws=$(fsize "$WO_CACHE")
	cs=$(fsize "$d"/passwd.cache* "$d"/group.cache*)
	fs=$(fsize "$d/passwd" "$d/group")

	nsswitch "files"
	row "$n" "workos direct" "$ws" $("$RUN" workos-direct "$n" "$SO")
	nsswitch "files workos"
	row "$n" "workos via glibc" "$ws" $(LD_LIBRARY_PATH="$top_builddir/nss/.libs" "$RUN" glibc "$n")
	nsswitch "files"
	row "$n" "libnss-cache direct" "$cs" $("$RUN" cache-direct "$n" "$d")
	nsswitch "files cache"
	row "$n" "libnss-cache via glibc" "$cs" $("$RUN" glibc "$n")
	cat "$WO_TMP/passwd.orig" "$d/passwd" >/etc/passwd
	cat "$WO_TMP/group.orig" "$d/group" >/etc/group
	nsswitch "files"
	row "$n" "files via glibc" "$fs" $("$RUN" glibc "$n")
	cp "$WO_TMP/passwd.orig" /etc/passwd; cp "$WO_TMP/group.orig" /etc/group
	rm -rf "$d" /etc/passwd.cache* /etc/group.cache*
	printf '%8s  memory floor: one dependent random read over %s of 4 KiB pages costs %s ns; getpwnam, getpwuid and initgroups read one user cell, getgrnam an index slot and a record\n' \
		"$n" "$(human "$ws")" "$("$RUN" floor "$ws")"
done
