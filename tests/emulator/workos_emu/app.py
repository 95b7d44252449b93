"""The emulator as a whole: state, keys, faults, the request log and stats,
and the authentication response every successful grant returns."""

import collections
import json
import threading
import time

from .state import State
from .tokens import Signer
from .faults import Faults
from .util import new_id, opaque

IMPERSONATOR = {"email": "support-admin@example.com", "reason": "Investigating a login issue"}


class App:
    def __init__(self, fixture, state_dir, paths, synthetic_members=0):
        self.state = State(fixture, synthetic_members)
        self.signer = Signer(paths["signing-key.pem"], paths["signing-key.pub.pem"],
                             paths["rogue-signing-key.pem"], paths["jwks.json"])
        self.faults = Faults()
        self.state_dir = state_dir
        self.paths = paths
        self.base_url = None
        self.log_path = state_dir + "/requests.log"
        self.log_file = open(self.log_path, "a", buffering=1)
        self.log_lock = threading.Lock()
        self.recent = collections.deque(maxlen=200000)
        self.stats_lock = threading.Lock()
        self.reset_stats()

    def reset_stats(self):
        with self.stats_lock:
            self.connections = 0
            self.tls_failures = 0
            self.per_path = collections.Counter()
            self._conn_seq = 0

    # --- bookkeeping -----------------------------------------------------------
    def count_connection(self):
        with self.stats_lock:
            self.connections += 1

    def count_tls_failure(self):
        with self.stats_lock:
            self.tls_failures += 1

    def next_conn_id(self):
        with self.stats_lock:
            self._conn_seq += 1
            return self._conn_seq

    def log_request(self, entry):
        line = json.dumps(entry, separators=(",", ":"))
        with self.stats_lock:
            self.per_path["%s %s" % (entry["method"], entry["path"])] += 1
        with self.log_lock:
            self.recent.append(entry)
            self.log_file.write(line + "\n")

    def stats(self):
        with self.stats_lock:
            return {"connections": self.connections, "tls_handshake_failures": self.tls_failures,
                    "requests": sum(self.per_path.values()), "per_path": dict(self.per_path)}

    def requests(self, path=None):
        with self.log_lock:
            return [e for e in self.recent if path is None or e["path"] == path]

    # --- wire helpers -----------------------------------------------------------
    def issuer(self, client_id):
        # WorkOS: "will be your custom WorkOS auth domain if set".
        if self.state.custom_issuer:
            return self.state.custom_issuer
        return "%s/user_management/%s" % (self.base_url, client_id)

    def verification_uri(self):
        dom = self.state.authkit_domain
        return ("https://%s/device" % dom) if dom else self.base_url + "/device"

    def error_body_for(self, path, status):
        """The body WorkOS sends with an injected status on this path."""
        if status == 429:
            if path == "/user_management/authenticate":
                return {"error": "too_many_requests",
                        "error_description": "Too many requests. Please try again later."}
            return {"code": "rate_limit_exceeded", "message": "Rate limit exceeded."}
        if status == 401:
            return {"message": "Unauthorized"}
        if status >= 500:
            return {"message": "Internal Server Error"}
        return {"message": "Injected error %d" % status}

    def authentication_response(self, user, org_id, method, client_id, session_id=None):
        """Creates (or continues) a session and returns the 200 body.  Call
        with the state lock held."""
        st = self.state
        now = time.time()
        if session_id is None:
            session_id = new_id("session")
            st.sessions[session_id] = {"id": session_id, "user_id": user["id"],
                                       "org_id": org_id, "client_id": client_id,
                                       "method": method, "revoked": False, "created_at": now}
        else:
            st.sessions[session_id]["org_id"] = org_id
        user["last_sign_in_at"] = now
        fault = self.faults.token
        role, roles = None, []
        m = st.membership_of(user["id"], org_id) if org_id else None
        if m is not None and m["status"] == "active":
            # Only an active membership puts a role into the session.
            roles = list(m["roles"])
            role = roles[0]
        impersonator = IMPERSONATOR if fault == "impersonated" else None
        other_org = next((o for o in sorted(st.orgs) if o != org_id), None)
        other_user = next((u for u in st.user_ids if u != user["id"]), None)
        token = self.signer.access_token(
            self.issuer(client_id), user["id"], session_id, org_id, role, roles,
            st.permissions_for(roles), fault=fault, other_org=other_org,
            other_user=other_user,
            impersonator=impersonator["email"] if impersonator else None)
        refresh = opaque(32)
        st.refresh_tokens[refresh] = session_id
        body = {"user": st.user_json(user)}
        if org_id:
            body["organization_id"] = org_id
        body["access_token"] = token
        body["refresh_token"] = refresh
        body["authentication_method"] = "Impersonation" if impersonator else method
        if impersonator:
            body["impersonator"] = dict(impersonator)
        return body
