#!/bin/sh
# SPDX-License-Identifier: MIT
# libnss_workos.so.2 is loaded into every process: it must need libc only
# and export nothing but the NSS entry points.
. "$top_srcdir/tests/e2e/lib.sh"

so="$top_builddir/nss/.libs/libnss_workos.so.2"
plan 9
[ -f "$so" ] || bail "$so not built"

needed=$(readelf -dW "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
extra=$(echo "$needed" | tr ' ' '\n' | grep -v -e '^$' -e '^libc\.so\.6$' -e '^ld-linux' -e '^libpthread\.so\.0$')
is "$extra" "" "NEEDED only libc (got: $needed)"
echo "$needed" | grep -q 'libc\.so\.6' && ok "libc.so.6 is NEEDED" || not_ok "libc.so.6 is NEEDED"

soname=$(readelf -dW "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
is "$soname" "libnss_workos.so.2" "SONAME is libnss_workos.so.2"

# Defined global or weak dynamic symbols.
defined=$(readelf --dyn-syms -W "$so" |
	awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { sub(/@.*/, "", $8); print $8 }' | sort)
others=$(echo "$defined" | grep -v -e '^$' -e '^_nss_workos_')
is "$others" "" "only _nss_workos_* symbols are exported"

want="_nss_workos_endgrent _nss_workos_endpwent _nss_workos_getgrent_r _nss_workos_getgrgid_r _nss_workos_getgrnam_r _nss_workos_getpwent_r _nss_workos_getpwnam_r _nss_workos_getpwuid_r _nss_workos_initgroups_dyn _nss_workos_setgrent _nss_workos_setpwent"
is "$(echo "$defined" | tr '\n' ' ' | sed 's/ $//')" "$want" "exactly the eleven entry points"

# Every undefined symbol comes from glibc (no curl, OpenSSL, json-c...).
foreign=$(readelf --dyn-syms -W "$so" |
	awk '$7 == "UND" && $8 != "" && $8 !~ /@GLIBC_/ && $5 != "WEAK" { print $8 }')
is "$foreign" "" "every undefined symbol is versioned GLIBC_*"

objdump -T "$so" | grep -qi -e curl -e ssl -e json && not_ok "no curl/ssl/json references" ||
	ok "no curl/ssl/json references"

readelf -dW "$so" | grep -q 'TEXTREL' && not_ok "no text relocations" || ok "no text relocations"
readelf -dW "$so" | grep -q -e 'BIND_NOW' -e 'FLAGS.*NOW' && ok "full RELRO (BIND_NOW)" ||
	not_ok "full RELRO (BIND_NOW)"
done_testing
