"""workos-emulator command line: start, write emulator.json, serve, stop."""

import argparse
import json
import os
import signal
import sys
import threading
import time


def _parse(argv):
    p = argparse.ArgumentParser(prog="workos-emulator",
                                description="A local stand-in for the WorkOS API (tests only).")
    p.add_argument("--fixture", required=True, help="fixture JSON file")
    p.add_argument("--state-dir", required=True, help="directory for keys, logs, emulator.json")
    p.add_argument("--port", type=int, default=0, help="API port (default: any free port)")
    p.add_argument("--control-port", type=int, default=0, help="control port (default: any)")
    p.add_argument("--plain-http", action="store_true", help="serve the API without TLS")
    p.add_argument("--daemon", action="store_true", help="detach once ready")
    p.add_argument("--synthetic-members", type=int, default=0, metavar="N",
                   help="add N generated active members of the main organization")
    return p.parse_args(argv)


def _write_json(path, obj, mode=0o644):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    t0 = time.time()
    args = _parse(sys.argv[1:] if argv is None else argv)
    state_dir = os.path.abspath(args.state_dir)
    fixture = os.path.abspath(args.fixture)
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    info_path = os.path.join(state_dir, "emulator.json")
    try:
        os.unlink(info_path)
    except FileNotFoundError:
        pass

    ready_fd = None
    cpu_before_fork = 0.0
    if args.daemon:
        cpu_before_fork = time.process_time()  # a forked child's clock starts at 0
        r, w = os.pipe()
        pid = os.fork()
        if pid:
            os.close(w)
            with os.fdopen(r) as f:
                line = f.readline()
            if line.startswith("ok"):
                print(line[3:].strip())
                return 0
            sys.stderr.write("workos-emulator: failed to start, see %s/emulator.log\n"
                             % state_dir)
            return 1
        os.close(r)
        os.setsid()
        ready_fd = w
        log = os.open(os.path.join(state_dir, "emulator.log"),
                      os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)

    from . import ca
    from .app import App
    from .control import ControlServer
    from .server import ApiServer, tls_contexts

    paths = ca.ensure(state_dir)
    app = App(fixture, state_dir, paths, args.synthetic_members)
    contexts = None if args.plain_http else tls_contexts(paths)
    api = ApiServer(("127.0.0.1", args.port), app, contexts)
    ctl = ControlServer(("127.0.0.1", args.control_port), app)
    port = api.server_address[1]
    scheme = "http" if args.plain_http else "https"
    app.base_url = "%s://127.0.0.1:%d" % (scheme, port)
    api_key_file = os.path.join(state_dir, "api_key")
    fd = os.open(api_key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(app.state.api_key + "\n")
    st = app.state
    app.info = {
        "pid": os.getpid(), "host": "127.0.0.1", "port": port, "base_url": app.base_url,
        "plain_http": bool(args.plain_http), "ca_file": paths["ca.pem"],
        "wrong_ca_file": paths["wrong-ca.pem"],
        "control_url": "http://127.0.0.1:%d" % ctl.server_address[1],
        "client_id": st.client_id, "api_key": st.api_key, "api_key_file": api_key_file,
        "organization_id": st.organization_id,
        "other_organization_id": next((o for o in sorted(st.orgs)
                                       if o != st.organization_id), None),
        "disabled_client_id": next((c for c, v in sorted(st.clients.items())
                                    if not v.get("device_flow")), None),
        "issuer": app.issuer(st.client_id),
        "jwks_url": "%s/sso/jwks/%s" % (app.base_url, st.client_id),
        "requests_log": app.log_path, "state_dir": state_dir, "fixture": fixture,
        "synthetic_members": args.synthetic_members,
    }

    stopping = threading.Event()

    def stop():
        if stopping.is_set():
            return
        stopping.set()
        api.shutdown()
        ctl.shutdown()
    app.stop = stop
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=stop).start())
    signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=stop).start())

    threading.Thread(target=ctl.serve_forever, kwargs={"poll_interval": 0.2},
                     daemon=True).start()
    # Wall time depends on how busy the machine is; CPU time is the cost of
    # starting (interpreter start-up before main() excluded from both).
    app.info["startup_seconds"] = round(time.time() - t0, 3)
    app.info["startup_cpu_seconds"] = round(cpu_before_fork + time.process_time(), 3)
    _write_json(info_path, app.info)
    msg = "workos-emulator ready on %s (control %s) in %.2fs" % (
        app.base_url, app.info["control_url"], time.time() - t0)
    if ready_fd is not None:
        os.write(ready_fd, ("ok " + msg + "\n").encode())
        os.close(ready_fd)
    else:
        print(msg, flush=True)
    try:
        api.serve_forever(poll_interval=0.2)
    finally:
        api.server_close()
        ctl.server_close()
        # Only our own: `emuctl stop` returns before this runs, and an
        # emulator started right after may have written its file already.
        try:
            with open(info_path) as f:
                if json.load(f).get("control_url") == app.info["control_url"]:
                    os.unlink(info_path)
        except (FileNotFoundError, ValueError):
            pass
    return 0
