#!/bin/sh
# SPDX-License-Identifier: MIT
# pam_workos and libnss_workos in a hostile environment: su and sudo run
# them with the invoking user's environment and files that someone else may
# have prepared.  Variables that would steer libcurl or OpenSSL (proxies,
# CA bundles, key logs, OpenSSL config) or look like configuration (WORKOS_*)
# must change nothing; secret and configuration files with unsafe owners or
# modes are refused; a cache file not owned by root is ignored by getent.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
: "${PYTHON3:=/usr/bin/python3}"
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

like() { # haystack needle description
	case $1 in
	*"$2"*) ok "$3" ;;
	*) not_ok "$3"; diag "wanted \"$2\" in:"; printf '%s\n' "$1" | grep -v '^PWRAP_TRACE' | tail -n 15 | sed 's/^/#   /' ;;
	esac
}
unlike() {
	case $1 in
	*"$2"*) not_ok "$3"; diag "did not want \"$2\"" ;;
	*) ok "$3" ;;
	esac
}

emu_start
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 30"
pam_service workos "qr=never"
wrong_ca=$(emu_field wrong_ca_file)

# --- a "proxy" that records whoever connects to it ---------------------------
"$PYTHON3" - "$T/proxy" <<'PY' &
import socket, sys, os
d = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(d + ".port.tmp", "w").write(str(s.getsockname()[1]))
os.rename(d + ".port.tmp", d + ".port")
while True:
    c, a = s.accept()
    c.settimeout(2)
    try:
        data = c.recv(4096)
    except OSError:
        data = b""
    with open(d + ".log", "ab") as f:
        f.write(b"connection from %s: %r\n" % (str(a).encode(), data[:200]))
    c.close()
PY
proxy_pid=$!
trap 'kill $proxy_pid 2>/dev/null; emu_stop; rm -rf "$WO_TMP"' EXIT
k=0
while [ ! -s "$T/proxy.port" ] && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
[ -s "$T/proxy.port" ] || bail "the proxy listener did not start"
proxy=http://127.0.0.1:$(cat "$T/proxy.port")
: >"$T/proxy.log"

# An OpenSSL configuration that, if anyone loaded it, would allow only
# Ed448 signatures in the handshake: no server the emulator can be (RSA or
# ECDSA certificate) could then complete one.  (curl -v with OPENSSL_CONF
# set to it fails with error 35.)
cat >"$T/openssl.cnf" <<'CNF'
openssl_conf = evil
[evil]
ssl_conf = evil_ssl
[evil_ssl]
system_default = evil_default
[evil_default]
SignatureAlgorithms = ed448
CNF
mkdir -p "$T/home" "$T/certs"
cp "$wrong_ca" "$T/certs/"
printf 'machine 127.0.0.1 login evil password evil\n' >"$T/home/.netrc"
printf 'proxy = %s\ninsecure\n' "$proxy" >"$T/home/.curlrc"

# hostile_run OP...: pam_run with every variable a user could set under sudo.
hostile_run() (
	export WORKOS_API_KEY=sk_test_evil WORKOS_CLIENT_ID=client_01EVIL \
		WORKOS_ORGANIZATION_ID=org_01EVIL WORKOS_API_HOSTNAME=evil.invalid \
		WORKOS_CONFIG="$T/evil.conf" WORKOS_CA_FILE="$wrong_ca" \
		http_proxy="$proxy" https_proxy="$proxy" HTTP_PROXY="$proxy" \
		HTTPS_PROXY="$proxy" ALL_PROXY="$proxy" all_proxy="$proxy" \
		NO_PROXY=example.invalid no_proxy=example.invalid \
		CURL_CA_BUNDLE="$wrong_ca" \
		SSL_CERT_FILE="$wrong_ca" SSL_CERT_DIR="$T/certs" \
		OPENSSL_CONF="$T/openssl.cnf" CURL_HOME="$T/home" HOME="$T/home" \
		LANG='xx_YY.EVIL;$(id)' LC_ALL='../../../../tmp/evil' LANGUAGE=evil \
		TZ=':../../../../etc/evil'
	pam_run "$@"
)

# --- a normal login in the hostile environment ---------------------------------
approve_latest ada@example.com &
approver=$!
out=$(hostile_run workos ada authenticate)
rc=$?
wait $approver
is "$rc" 0 "hostile environment: login still verified and admitted"
like "$out" "auth granted: user=ada workos_user=user_01HQWM4YK0ZQQ463A0QNBXXTP1" \
	"  granted to the configured organization's ada"
is "$(cat "$T/proxy.log")" "" "  the proxy from *_proxy and .curlrc got no connection"
is "$(emuctl requests --path /user_management/authorize/device | json_field params.client_id)" \
	"$(emu_field client_id)" "  the device flow used the configured client_id, not WORKOS_CLIENT_ID"
unlike "$out" "evil" "  nothing from the hostile variables shows in the output"

# SSLKEYLOGFILE: libcurl's start would create that file as root and log TLS
# secrets to it, and no option turns that off; the module changes no
# environment variable of the host program, so it refuses to start TLS.
n=$(emuctl requests | wc -l)
out=$(SSLKEYLOGFILE="$T/keylog" hostile_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_SYSTEM_ERR" "SSLKEYLOGFILE set: the login fails closed (PAM_SYSTEM_ERR)"
like "$out" "SSLKEYLOGFILE is set in the environment" "  the log says why"
check "  the key log file was not created" test ! -e "$T/keylog"
is "$(emuctl requests | wc -l)" "$n" "  and WorkOS was not asked"

# The environment must not widen trust either: the emulator now presents a
# certificate from the CA the variables point to, and the login must fail.
emuctl fault-tls untrusted-ca >/dev/null
out=$(hostile_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_AUTHINFO_UNAVAIL" "CURL_CA_BUNDLE/SSL_CERT_* name the server's CA: still refused"
like "$out" "kind=tls" "  refused as a TLS failure (only the configured ca_file counts)"
emuctl clear-faults >/dev/null
check "  still no TLS key log" test ! -e "$T/keylog"
is "$(cat "$T/proxy.log")" "" "  still no proxy connection"

# --- the API key file ----------------------------------------------------------
emu_api_key
approve_latest ada@example.com &
approver=$!
out=$(pam_run workos ada authenticate)
rc=$?
wait $approver
is "$rc" 0 "API key file root-owned 0600: used"

chmod 0644 "$T/api_key"
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_SERVICE_ERR" "world-readable API key file: PAM_SERVICE_ERR"
like "$out" "is readable by group or others (mode 0644); refusing it" "  the log line says why"
unlike "$out" "$(emu_field api_key)" "  the key is not in any output"

chmod 0640 "$T/api_key"
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_SERVICE_ERR" "group-readable API key file: PAM_SERVICE_ERR"

chmod 0600 "$T/api_key"
chown 65534:65534 "$T/api_key"
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_SERVICE_ERR" "API key file owned by nobody: PAM_SERVICE_ERR"
like "$out" "must be owned by root (owner is uid 65534)" "  the log line says why"
rm -f "$T/api_key"

# --- workos.conf ---------------------------------------------------------------
before=$(emuctl requests | wc -l)
for mode in 0664 0646 0666 0620; do
	chmod $mode "$T/workos.conf"
	out=$(pam_run workos ada authenticate)
	rc=$?
	is "$rc" "$PAM_SERVICE_ERR" "workos.conf mode $mode: PAM_SERVICE_ERR"
	like "$out" "is writable by group or others (mode $mode); refusing it" "  the log line says why"
done
chmod 0644 "$T/workos.conf"
chown 65534:65534 "$T/workos.conf"
out=$(pam_run workos ada authenticate)
rc=$?
is "$rc" "$PAM_SERVICE_ERR" "workos.conf owned by nobody: PAM_SERVICE_ERR"
like "$out" "must be owned by root" "  the log line says why"
chown 0:0 "$T/workos.conf"
is "$(emuctl requests | wc -l)" "$before" "refused configurations never reached WorkOS"

# --- the NSS cache -------------------------------------------------------------
use_cachedir
use_nss "passwd: files workos" "group: files workos"
cat >"$T/cache.txt" <<'TXT'
user alice:200001:100000:Alice:/home/alice:/bin/sh:user_01ALICE
group workos-users:100000:alice
TXT
"$MKCACHE" "$WO_CACHE" "$T/cache.txt" || bail "mkcache failed"
is "$(getent passwd alice)" "alice:*:200001:100000:Alice:/home/alice:/bin/sh" \
	"root-owned cache: getent passwd alice"
chown 65534:65534 "$WO_CACHE"
out=$(getent passwd alice); rc=$?
is "$rc:$out" "2:" "cache owned by nobody: getent passwd alice finds nothing"
out=$(getent group workos-users); rc=$?
is "$rc:$out" "2:" "  nor getent group"
out=$(HOME=/nonexistent LANG=evil getent passwd 200001); rc=$?
is "$rc:$out" "2:" "  nor a lookup by uid"
chown 0:0 "$WO_CACHE"
is "$(getent passwd 200001)" "alice:*:200001:100000:Alice:/home/alice:/bin/sh" \
	"root-owned again: found"

done_testing
