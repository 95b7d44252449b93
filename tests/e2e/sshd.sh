#!/bin/sh
# A real OpenSSH sshd and ssh client: keyboard-interactive login through
# pam_workos's device flow, and public-key logins gated by its account
# phase, against the WorkOS emulator.  Runs inside a private mount
# namespace: /etc/pam.d, /etc/nsswitch.conf, /etc/ld.so.cache, the cache
# dir and /run are replaced there only; ada exists through libnss_workos.
. "$top_srcdir/tests/e2e/lib.sh"
sandbox "$@"
T=$WO_TMP
chmod 0755 "$T"
. "$top_srcdir/tests/e2e/emulator.sh"
. "$top_srcdir/tests/e2e/pam.sh"

SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || bail "openssh-server is not installed (scripts/install-deps)"
command -v expect >/dev/null || bail "expect is not installed (scripts/install-deps)"

use_cachedir
use_nss_setuid "passwd: files workos" "group: files workos" "shadow: files"
mkdir -p "$T/home/ada"
cat >"$T/cache.txt" <<TXT
user ada:300001:300001:Ada Lovelace:$T/home/ada:/bin/sh:user_01HQWM4YK0ZQQ463A0QNBXXTP1
group ada:300001:
group workos-users:100000:ada
group workos-admin:100001:ada
TXT
"$MKCACHE" "$WO_CACHE" "$T/cache.txt" || bail "mkcache failed"
chown 300001:300001 "$T/home/ada"

emu_start
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 60"

mkdir -p "$T/pam.d"
stack() { # qr mode
	cat >"$T/pam.d/sshd" <<EOS
auth     required $PAM_MODULE config=$T/workos.conf qr=$1
account  required $PAM_MODULE config=$T/workos.conf
session  required pam_permit.so
password required pam_deny.so
EOS
}
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"
stack auto
mount --bind "$T/pam.d" /etc/pam.d

# sshd's privilege separation directory lives under /run.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -m 0755 /run/sshd

ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
port=$("$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/sshd_config" <<EOF2
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $T/keys/%u
PermitRootLogin no
LoginGraceTime 90
LogLevel VERBOSE
StrictModes no
EOF2
"$SSHD" -t -f "$T/sshd_config" || bail "sshd rejects the test configuration"
# ${asan} (from pam.sh): a sanitized module needs its runtime in sshd.
env ${asan:+LD_PRELOAD=$asan} "$SSHD" -f "$T/sshd_config" -E "$T/sshd.log" ||
	bail "sshd did not start"
trap 'kill "$(cat "$T/sshd.pid" 2>/dev/null)" 2>/dev/null; emu_stop; rm -rf "$T"' EXIT

# login LANG WORKOS_EMAIL: one ssh login as ada, approved as WORKOS_EMAIL.
# The expect script checks that the code reaches the client before the
# prompt, approves through the emulator, presses Enter and runs `id`.
# Paths reach it through the environment: Tcl would split one with a space.
login() {
	LANG=$1 LC_ALL=$1 WO_PYTHON3=$PYTHON3 WO_EMUCTL=$EMU_DIR/emuctl WO_EMU_STATE=$T/emu \
		expect -f - >"$T/ssh.out" 2>&1 <<EOF2
set timeout 40
log_user 1
spawn ssh -F /dev/null -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 \
	-o LogLevel=ERROR ada@127.0.0.1 id
expect {
	-re {enter the code: ([A-Z0-9]+-[A-Z0-9]+)} { set code \$expect_out(1,string) }
	timeout { puts "\nTEST: no code"; exit 2 }
}
expect {
	"Press Enter once you have approved" {}
	timeout { puts "\nTEST: no prompt"; exit 3 }
}
exec \$env(WO_PYTHON3) \$env(WO_EMUCTL) --state-dir \$env(WO_EMU_STATE) approve \$code --user $2
send "\r"
expect {
	-re {uid=[0-9]+\(ada\)} { puts "\nTEST: logged in" }
	"Permission denied" { puts "\nTEST: denied"; exit 4 }
	timeout { puts "\nTEST: no shell"; exit 5 }
}
expect eof
EOF2
}

login C.UTF-8 ada@example.com
rc=$?
out=$(cat "$T/ssh.out")
is "$rc" 0 "ssh ada@host with a UTF-8 client: the approved login runs a command"
like "$out" "TEST: logged in" "id ran as ada"
like "$out" "WorkOS login as ada on $(hostname)" "the client saw the account and host"
like "$out" "$(emu_field base_url)/device" "the client saw the verification URL"
like "$out" "▀" "the client saw the QR code's half blocks"
before_prompt=${out%%Press Enter once you have approved*}
like "$before_prompt" "or scan this QR code" "the QR code arrived before the prompt"
url=$("$PYTHON3" "$top_srcdir/tests/e2e/qr2pbm.py" <"$T/ssh.out" >"$T/qr.pbm" &&
	zbarimg --nodbus -q --raw "$T/qr.pbm")
like "$url" "/device?user_code=" "the QR code seen over SSH decodes to verification_uri_complete"

stack ascii
login C ada@example.com
rc=$?
out=$(cat "$T/ssh.out")
is "$rc" 0 "LANG=C client with qr=ascii: logged in"
like "$out" "##" "the ASCII QR code survives a non-UTF-8 client"
url=$("$PYTHON3" "$top_srcdir/tests/e2e/qr2pbm.py" <"$T/ssh.out" >"$T/qr.pbm" &&
	zbarimg --nodbus -q --raw "$T/qr.pbm")
like "$url" "/device?user_code=" "the ASCII QR code decodes"

stack never
login C.UTF-8 grace@example.com
rc=$?
out=$(cat "$T/ssh.out")
is "$rc" 4 "a code approved by another WorkOS user: ssh is refused"
unlike "$out" "uid=" "no command ran"
unlike "$out" "▀" "qr=never draws no QR code"

# --- an account WorkOS does not own, through the sample stack's auth line ----
# A local account (private /etc/passwd and /etc/shadow copies in this
# namespace) over keyboard-interactive: pam_workos passes it on at once
# (user_unknown=ignore), pam_unix asks for its password, and WorkOS never
# hears of it: no code, no request.
hash=$(openssl passwd -6 local-secret) || bail "openssl passwd"
mkdir -p "$T/home/localguy"
cp /etc/passwd "$T/etc-passwd" && cp /etc/shadow "$T/etc-shadow" || bail "copy passwd/shadow"
echo "localguy:x:4711:4711:local:$T/home/localguy:/bin/sh" >>"$T/etc-passwd"
echo "localguy:$hash:19000:0:99999:7:::" >>"$T/etc-shadow"
chown 4711:4711 "$T/home/localguy"
mount --bind "$T/etc-passwd" /etc/passwd && mount --bind "$T/etc-shadow" /etc/shadow ||
	bail "cannot bind the private passwd/shadow"
cat >"$T/pam.d/sshd" <<EOS
auth     [success=done user_unknown=ignore default=die] $PAM_MODULE config=$T/workos.conf
auth     required pam_unix.so
account  required $PAM_MODULE config=$T/workos.conf
account  required pam_unix.so
session  required pam_permit.so
password required pam_deny.so
EOS
before=$(emuctl requests | wc -l)
WO_PASSWORD=local-secret expect -f - >"$T/ssh.out" 2>&1 <<EOF2
set timeout 40
log_user 1
spawn ssh -F /dev/null -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 \
	-o LogLevel=ERROR localguy@127.0.0.1 id -un
expect {
	"enter the code" { puts "\nTEST: a code was offered"; exit 2 }
	-re {[Pp]assword:} {}
	timeout { puts "\nTEST: no password prompt"; exit 3 }
}
send "\$env(WO_PASSWORD)\r"
expect {
	"localguy" { puts "\nTEST: logged in" }
	"Permission denied" { puts "\nTEST: denied"; exit 4 }
	timeout { puts "\nTEST: no shell"; exit 5 }
}
expect eof
EOF2
rc=$?
out=$(cat "$T/ssh.out")
is "$rc" 0 "a local account over ssh: pam_unix's password logs it in" || diag "$out"
like "$out" "TEST: logged in" "  the command ran as localguy"
unlike "$out" "WorkOS login" "  no WorkOS prompt, no code"
is "$(emuctl requests | wc -l)" "$before" "  WorkOS was not asked"
like "$(cat "$T/sshd.log")" "Accepted keyboard-interactive/pam for localguy" \
	"  sshd accepted it through PAM"
stack never

# --- public-key logins: the account phase decides ----------------------------
mkdir -p "$T/keys"
ssh-keygen -q -t ed25519 -N '' -f "$T/ada_key"
cp "$T/ada_key.pub" "$T/keys/ada"
keylogin() {
	ssh -F /dev/null -p "$port" -i "$T/ada_key" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o PreferredAuthentications=publickey -o LogLevel=ERROR ada@127.0.0.1 id -un 2>&1
}
emu_api_key
is "$(keylogin)" "ada" "key login of an active member (live check with the API key)"
emuctl member-update ada@example.com --status inactive >/dev/null
out=$(keylogin)
unlike "$out" "ada" "membership deactivated in WorkOS: sshd refuses the key login"
emuctl member-update ada@example.com --status active >/dev/null
is "$(keylogin)" "ada" "membership active again: key login works"
emuctl member-remove ada@example.com >/dev/null
unlike "$(keylogin)" "ada" "membership removed: key login refused"

# --- the audit trail (audit = workos) through real sshd ----------------------------
# A keyboard-interactive login approved by ada, one approved by grace, and
# a key login the account phase refuses: each one event, spooled while sshd
# runs and delivered by workosctl audit flush, located at the client's
# address (PAM_RHOST) with the service sshd.
use_spooldir
emuctl reset >/dev/null
emuctl device-settings --interval 1 >/dev/null
emu_config "device_timeout = 60" "audit = workos"
stack never
login C.UTF-8 ada@example.com
is "$?" 0 "audit: ada's ssh login approved by ada"
login C.UTF-8 grace@example.com
is "$?" 4 "audit: ada's ssh login approved by grace is refused"
emuctl member-update ada@example.com --status inactive >/dev/null
unlike "$(keylogin)" "ada" "audit: ada's key login refused (inactive)"
flush=$("$top_builddir/tools/workosctl" audit flush --config "$T/workos.conf" 2>&1)
is "$?" 0 "workosctl audit flush delivers the events" || diag "$flush"
summary=$(emuctl audit-events | "$PYTHON3" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)["event"]
    t = {x["type"]: x["id"] for x in e["targets"]}
    print(e["action"], e["actor"]["id"], t.get("account"), e["context"]["location"],
          e["metadata"]["service"], e["metadata"]["reason"])
')
like "$summary" "pam.auth.succeeded user_01HQWM4YK0ZQQ463A0QNBXXTP1 ada 127.0.0.1 sshd" \
	"  the admitted login: pam.auth.succeeded from 127.0.0.1, service sshd"
like "$summary" "pam.auth.denied user_01HQWM8KS0W08FT771NK0Q7RXM ada 127.0.0.1 sshd wrong_user" \
	"  the wrong approver: pam.auth.denied naming grace as the actor"
like "$summary" "pam.account.denied user_01HQWM4YK0ZQQ463A0QNBXXTP1 ada 127.0.0.1 sshd not_a_member" \
	"  the key login: pam.account.denied"
is "$(printf '%s\n' "$summary" | grep -c .)" 3 "  exactly three events" || diag "$summary"

done_testing
