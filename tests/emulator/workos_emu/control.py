"""Test-only control endpoints: plain HTTP + JSON on a second loopback port.

GET  /ready /env /settings /stats /requests?path=P /latest-code?wait=S /sessions
POST /approve {code,user,org?} /deny {code} /expire {code}
     /device-settings {interval?,expires_in?} /settings {challenge_ttl?,...}
     /ratelimit {per_minute} /fault {path,kind,status?,retry_after?,delay_ms?,count?}
     /fault-tls {mode} /token-fault {mode} /token-issuer {issuer} /clear-faults
     /user-add {user} /user-update {user,fields} /user-remove {user}
     /member-add {user,org?,roles?,status?} /member-update {member,org?,roles?,status?}
     /member-remove {member,org?} /reset /stop
Answers are JSON; errors are {"error": "..."} with 4xx.
"""

import http.server
import json
import threading
import urllib.parse

from . import device
from .faults import KINDS, TLS_MODES
from .tokens import TOKEN_FAULTS
from .util import ApiError


def _roles(v):
    if v is None:
        return None
    if isinstance(v, str):
        return [r for r in v.split(",") if r]
    return list(v)


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "workos-emulator-control"
    sys_version = ""
    timeout = 120

    def log_message(self, fmt, *args):
        pass

    def _reply(self, status, obj):
        data = json.dumps(obj, indent=None, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(n) or b"{}") if n else {}
            name = url.path.strip("/").replace("control/", "", 1)
            fn = getattr(self, "c_" + name.replace("-", "_"), None)
            if fn is None:
                return self._reply(404, {"error": "unknown control command %r" % name})
            body.update(q)
            self._reply(200, fn(self.server.app, body))
        except ApiError as e:
            self._reply(e.status, {"error": e.body.get("message", str(e.body))})
        except KeyError as e:
            self._reply(404, {"error": "not found: %s" % (e.args[0] if e.args else e)})
        except (ValueError, TypeError) as e:
            self._reply(400, {"error": str(e)})

    # --- commands ---------------------------------------------------------------
    def c_ready(self, app, b):
        return {"ready": True}

    def c_env(self, app, b):
        return app.info

    def c_approve(self, app, b):
        return device.control_decide(app, b["code"], "approve", b.get("user"), b.get("org"))

    def c_deny(self, app, b):
        return device.control_decide(app, b["code"], "deny")

    def c_expire(self, app, b):
        return device.control_decide(app, b["code"], "expire")

    def c_latest_code(self, app, b):
        return device.control_latest(app, float(b.get("wait") or 0))

    def c_device_settings(self, app, b):
        with app.state.lock:
            if b.get("interval") is not None:
                app.state.settings["device_interval"] = int(b["interval"])
            if b.get("expires_in") is not None:
                app.state.settings["device_expires_in"] = int(b["expires_in"])
        return self.c_settings(app, {})

    def c_settings(self, app, b):
        with app.state.lock:
            for k, v in b.items():
                if k not in app.state.settings:
                    raise ValueError("unknown setting %r" % k)
                app.state.settings[k] = int(v)
            out = dict(app.state.settings)
        out["faults"] = app.faults.describe()
        return out

    def c_ratelimit(self, app, b):
        with app.faults.lock:
            app.faults.ratelimit = int(b["per_minute"])
            app.faults.windows.clear()
        return app.faults.describe()

    def c_fault(self, app, b):
        kind = b["kind"]
        if kind not in KINDS:
            raise ValueError("kind must be one of %s" % ", ".join(KINDS))
        if kind == "status" and not (100 <= int(b.get("status") or 0) <= 599):
            raise ValueError("status must be an HTTP status")
        count = None if b.get("forever") else b.get("count", 1)
        app.faults.add(b["path"], kind, status=int(b["status"]) if b.get("status") else None,
                       retry_after=b.get("retry_after"), delay_ms=b.get("delay_ms"),
                       count=None if count is None else int(count))
        return app.faults.describe()

    def c_fault_tls(self, app, b):
        if b["mode"] not in TLS_MODES:
            raise ValueError("mode must be one of %s" % ", ".join(TLS_MODES))
        if app.info["plain_http"] and b["mode"] != "off":
            raise ValueError("TLS faults need the HTTPS listener (no --plain-http)")
        app.faults.tls = b["mode"]
        return app.faults.describe()

    def c_token_fault(self, app, b):
        mode = b["mode"]
        if mode != "off" and mode not in TOKEN_FAULTS:
            raise ValueError("mode must be off or one of %s" % ", ".join(TOKEN_FAULTS))
        app.faults.token = None if mode == "off" else mode
        return app.faults.describe()

    def c_token_issuer(self, app, b):
        issuer = b.get("issuer") or None
        if issuer in ("off", "default"):
            issuer = None
        if issuer is not None and not (isinstance(issuer, str) and
                                       issuer.startswith(("https://", "http://"))):
            raise ValueError("issuer must be an http(s) URL, or off")
        with app.state.lock:
            app.state.custom_issuer = issuer
        return {"issuer": issuer or app.issuer(app.state.client_id)}

    def c_clear_faults(self, app, b):
        app.faults.clear()
        return app.faults.describe()

    def c_user_add(self, app, b):
        return app.state.user_json(app.state.add_user(b["user"]))

    def c_user_update(self, app, b):
        return app.state.user_json(app.state.update_user(b["user"], b.get("fields") or {}))

    def c_user_remove(self, app, b):
        return app.state.user_json(app.state.remove_user(b["user"]))

    def c_member_add(self, app, b):
        st = app.state
        m = st.add_membership(b["user"], b.get("org") or st.organization_id,
                              _roles(b.get("roles")), b.get("status"))
        return st.membership_json(m)

    def c_member_update(self, app, b):
        st = app.state
        m = st.update_membership(b["member"], b.get("org"), _roles(b.get("roles")),
                                 b.get("status"))
        return st.membership_json(m)

    def c_member_remove(self, app, b):
        st = app.state
        m = st.remove_membership(b["member"], b.get("org"))
        return {"id": m["id"], "deleted": True}

    def c_reset(self, app, b):
        app.state.reset()
        app.faults.clear()
        app.reset_stats()
        with app.log_lock:
            app.recent.clear()
        return {"reset": True}

    def c_requests(self, app, b):
        return {"requests": app.requests(b.get("path"))}

    def c_sessions(self, app, b):
        """The sessions the grants opened, oldest first: the sid of every
        token issued, and whether POST /user_management/sessions/revoke
        ended it."""
        with app.state.lock:
            rows = sorted(app.state.sessions.values(), key=lambda s: s["created_at"])
            return {"sessions": [{k: s.get(k) for k in
                                  ("id", "user_id", "org_id", "client_id", "method",
                                   "revoked", "created_at", "revoked_at")} for s in rows]}

    def c_audit_events(self, app, b):
        """The Audit Logs events stored, oldest first (repeats of an
        Idempotency-Key are not stored twice)."""
        with app.state.lock:
            return {"events": [dict(e) for e in app.state.audit_events]}

    def c_stats(self, app, b):
        return app.stats()

    def c_stop(self, app, b):
        threading.Thread(target=app.stop, daemon=True).start()
        return {"stopping": True}


class ControlServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, app):
        self.app = app
        super().__init__(addr, ControlHandler)
