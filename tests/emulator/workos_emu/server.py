"""The API server: TLS per connection, HTTP/1.1 keep-alive, routing,
authentication of server calls, faults, rate limiting and the request log."""

import http.server
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse

from . import device, directory, events, mfa, usermgmt
from .util import ApiError, dumps, iso, new_id

SECRET_PARAMS = {"password", "client_secret", "code", "refresh_token", "device_code",
                 "pending_authentication_token", "totp_secret"}

# (method, regex, handler, needs API key)
ROUTES = [
    ("POST", r"/user_management/authorize/device", device.authorize_device, False),
    ("POST", r"/user_management/authenticate", usermgmt.authenticate, False),
    ("POST", r"/auth/factors/([^/]+)/challenge", mfa.challenge_factor, True),
    ("POST", r"/auth/challenges/([^/]+)/verify", mfa.verify_challenge, True),
    ("POST", r"/user_management/users/([^/]+)/auth_factors", mfa.enroll, True),
    ("GET", r"/user_management/users/([^/]+)/auth_factors", mfa.list_factors, True),
    ("GET", r"/user_management/users", directory.list_users, True),
    ("GET", r"/user_management/users/([^/]+)", directory.get_user, True),
    ("GET", r"/user_management/organization_memberships", directory.list_memberships, True),
    ("GET", r"/organizations/([^/]+)", directory.get_org, True),
    ("GET", r"/sso/jwks/([^/]+)", directory.jwks, False),
    ("GET", r"/events", events.list_events, True),
    ("POST", r"/audit_logs/events", directory.audit_log_event, True),
    ("POST", r"/user_management/sessions/revoke", directory.revoke_session, True),
]
ROUTES = [(m, re.compile(p + r"\Z"), h, k) for m, p, h, k in ROUTES]


class Request:
    def __init__(self, method, path, query, headers, params):
        self.method, self.path, self.query = method, path, query
        self.headers, self.params = headers, params


def _parse_body(ctype, raw):
    if not raw:
        return {}
    ctype = (ctype or "").split(";")[0].strip().lower()
    text = raw.decode("utf-8", "replace")
    if ctype == "application/x-www-form-urlencoded":
        return {k: v[-1] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}
    try:
        body = json.loads(text)
    except ValueError:
        if ctype == "application/json":
            raise ApiError(400, {"code": "invalid_request",
                                 "message": "The request body is not valid JSON."})
        return {k: v[-1] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}
    if not isinstance(body, dict):
        raise ApiError(400, {"code": "invalid_request",
                             "message": "The request body must be a JSON object."})
    return body


def _redact(params):
    out = {}
    for k, v in params.items():
        if k in SECRET_PARAMS:
            out[k] = "[REDACTED]"
        elif isinstance(v, (str, int, float, bool)) or v is None:
            out[k] = v
        else:
            out[k] = "[%s]" % type(v).__name__
    return out


class ApiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "workos-emulator"
    sys_version = ""
    timeout = 60

    def log_message(self, fmt, *args):  # the JSON request log replaces it
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def _log_entry(self, status):
        """Logs the request being served, once, before its answer leaves:
        a client that has read the answer finds the request in the log."""
        entry, self._entry = getattr(self, "_entry", None), None
        if entry is None:
            return
        entry["status"] = status
        entry["duration_ms"] = round((time.time() - self._start) * 1000, 1)
        self.server.app.log_request(entry)

    def _send(self, status, body, headers=None, truncate=False):
        self._log_entry(status)
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        else:
            data = dumps(body)
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-ID", new_id("req")[4:])
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        if truncate:
            self.wfile.write(data[:max(1, len(data) // 2)])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.wfile.write(data)

    def _serve(self):
        app = self.server.app
        start = time.time()
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        auth = self.headers.get("Authorization") or ""
        scheme, _, cred = auth.partition(" ")
        key_ok = scheme.lower() == "bearer" and cred == app.state.api_key
        entry = {"time": iso(start), "method": self.command, "path": path,
                 "query": {k: (v if len(v) > 1 else v[0]) for k, v in query.items()},
                 "headers": {"authorization": ({"scheme": scheme, "matched": key_ok}
                                               if auth else None),
                             "user_agent": self.headers.get("User-Agent"),
                             "content_type": self.headers.get("Content-Type"),
                             "idempotency_key": self.headers.get("Idempotency-Key")},
                 "connection": self.server.conn_id(self.connection)}
        status = 0
        entry["params"] = {}
        self._entry, self._start = entry, start
        try:
            params = _parse_body(self.headers.get("Content-Type"), raw)
            entry["params"] = _redact(params)
            status = self._answer(app, path, query, params, key_ok)
        except ApiError as e:
            status = e.status
            self._send(e.status, e.body, e.headers)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True
        except Exception as e:  # an emulator bug: say so loudly, as a 500
            status = 500
            import traceback
            traceback.print_exc()
            self._send(500, {"message": "emulator error: %s" % e})
        # Answers that never went out (a dropped connection) are logged now.
        self._log_entry(status)

    def _answer(self, app, path, query, params, key_ok):
        fault = app.faults.take(path)
        if fault and fault["kind"] == "close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return 0
        if fault and fault["kind"] == "delay":
            time.sleep((fault["delay_ms"] or 0) / 1000.0)
        if fault and fault["kind"] == "status":
            headers = {}
            if fault["retry_after"] is not None:
                headers["Retry-After"] = fault["retry_after"]
            raise ApiError(fault["status"], app.error_body_for(path, fault["status"]), headers)
        rkey = ("key:" + (self.headers.get("Authorization") or "")) if self.headers.get(
            "Authorization") else "client:" + str(params.get("client_id") or
                                                  self.client_address[0])
        wait = app.faults.rate_check(rkey)
        if wait is not None:
            raise ApiError(429, app.error_body_for(path, 429), {"Retry-After": wait})
        handler, args, needs_key = None, (), False
        method_seen = False
        for m, rx, h, k in ROUTES:
            mt = rx.match(path)
            if mt:
                method_seen = True
                if m == self.command:
                    handler, args, needs_key = h, mt.groups(), k
                    break
        if handler is None:
            if method_seen:
                raise ApiError(405, {"message": "Method not allowed."})
            raise ApiError(404, {"message": "Not found: %s" % path})
        if needs_key and not key_ok:
            raise ApiError(401, {"message": "Unauthorized"})
        req = Request(self.command, path, query, self.headers, params)
        status, body = handler(app, req, *args)
        if fault and fault["kind"] == "malformed":
            self._send(status, b'{"object":"list","data":[{"id":"user_01', None)
        elif fault and fault["kind"] == "truncate":
            self._send(status, body, None, truncate=True)
        else:
            self._send(status, body)
        return status


class ApiServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, app, contexts):
        self.app = app
        self.contexts = contexts  # None for plain HTTP
        self._conn_lock = threading.Lock()
        self._conns = {}
        super().__init__(addr, ApiHandler)

    def get_request(self):
        sock, addr = super().get_request()
        self.app.count_connection()
        return sock, addr

    def conn_id(self, sock):
        with self._conn_lock:
            return self._conns.get(id(sock))

    def finish_request(self, request, client_address):
        conn = self.app.next_conn_id()
        if self.contexts is None:
            with self._conn_lock:
                self._conns[id(request)] = conn
            try:
                super().finish_request(request, client_address)
            finally:
                with self._conn_lock:
                    self._conns.pop(id(request), None)
            return
        ctx = self.contexts[self.app.faults.tls]
        request.settimeout(10)
        try:
            tls = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.app.count_tls_failure()
            return
        with self._conn_lock:
            self._conns[id(tls)] = conn
        try:
            super().finish_request(tls, client_address)
        except (ssl.SSLError, OSError):
            pass
        finally:
            with self._conn_lock:
                self._conns.pop(id(tls), None)
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass  # client went away; nothing to report


def tls_contexts(paths):
    def ctx(cert, key):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        c.minimum_version = ssl.TLSVersion.TLSv1_2
        c.load_cert_chain(cert, key)
        return c
    return {"off": ctx(paths["server.pem"], paths["server.key"]),
            "untrusted-ca": ctx(paths["wrong-ca-server.pem"], paths["wrong-ca-server.key"]),
            "wrong-host": ctx(paths["wrong-host.pem"], paths["wrong-host.key"])}
