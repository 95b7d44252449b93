# Starting the WorkOS emulator and pointing a workos.conf at it (sourced by
# the end-to-end suites; needs $top_srcdir, $PYTHON3 and a scratch dir $T).

EMU_DIR=$top_srcdir/tests/emulator

emu_start() { # [extra emulator args...]
	mkdir -p "$T/emu"
	"$PYTHON3" "$EMU_DIR/workos-emulator" --fixture "$EMU_DIR/fixtures/basic.json" \
		--state-dir "$T/emu" --daemon "$@" >"$T/emu/stdout" 2>&1 ||
		bail "emulator did not start: $(cat "$T/emu/stdout")"
	trap 'emu_stop' EXIT
}

emu_stop() {
	"$PYTHON3" "$EMU_DIR/emuctl" --state-dir "$T/emu" stop >/dev/null 2>&1 || true
}

emuctl() {
	"$PYTHON3" "$EMU_DIR/emuctl" --state-dir "$T/emu" "$@"
}

emu_field() { # name: a field of emulator.json
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$T/emu/emulator.json" "$1"
}

# Writes $T/workos.conf for the emulator, root-owned as the module demands.
# Arguments are "key = value" lines that replace or add to the defaults.
emu_config() {
	{
		echo "client_id = $(emu_field client_id)"
		echo "organization_id = $(emu_field organization_id)"
		echo "api_hostname = 127.0.0.1"
		echo "api_port = $(emu_field port)"
		echo "ca_file = $(emu_field ca_file)"
		echo "api_key_file = $T/api_key"
		echo "http_timeout = 3"
	} >"$T/workos.conf.new"
	for line in "$@"; do
		key=${line%%=*}
		key=$(echo $key)
		grep -v "^$key =" "$T/workos.conf.new" >"$T/workos.conf.tmp"
		echo "$line" >>"$T/workos.conf.tmp"
		mv "$T/workos.conf.tmp" "$T/workos.conf.new"
	done
	chmod 0644 "$T/workos.conf.new"
	mv "$T/workos.conf.new" "$T/workos.conf"
}

emu_api_key() { # install the emulator's API key as $T/api_key (0600)
	(umask 077 && emu_field api_key >"$T/api_key")
}

json_field() { # dotted.path: a field of the JSON document (or JSON lines) on stdin
	"$PYTHON3" -c '
import json, sys
raw = sys.stdin.read().strip()
try:
    docs = [json.loads(raw)]
except ValueError:
    docs = [json.loads(l) for l in raw.splitlines() if l.strip()]
doc = docs[-1] if docs else None
for part in sys.argv[1].split("."):
    doc = doc.get(part) if isinstance(doc, dict) else None
print("" if doc is None else doc)
' "$1"
}
