"""Fixture loading and the emulator's in-memory world.

One State holds the directory (organizations, roles, users, memberships,
factors) loaded from the fixture, plus everything the API creates at run
time (device codes, challenges, pending authentication tokens, sessions,
refresh tokens, events, audit-log idempotency keys).  A single lock guards
it: requests are short.  Id lists are kept sorted (ids are ULIDs) so cursor
pagination is a bisect, fast enough for 100k synthetic members.
"""

import bisect
import calendar
import json
import threading
import time

from .util import iso, new_id, parse_iso, ulid_time_prefix

DEFAULT_SETTINGS = {
    "device_interval": 5,       # seconds, as WorkOS answers
    "device_enforced_extra": 0, # seconds a busy server enforces beyond the advertised interval
    "device_expires_in": 300,   # seconds
    "challenge_ttl": 300,       # seconds a TOTP challenge stays usable
    "pending_token_ttl": 600,   # seconds a pending_authentication_token lasts
    "ratelimit_per_minute": 0,  # 0 = off
    # WorkOS limits POST /user_management/authenticate to 10 per 60 s per
    # email or challenge id; off by default so suites can sign in freely.
    "authenticate_per_email_per_minute": 0,
    # 0: membership lists leave out the embedded `user`, as older API
    # versions did (doc/workos-wire-notes.md section 2); clients must then
    # list users themselves.
    "membership_embeds_user": 1,
    # 1: a successful device-code poll answers exactly the body the CLI-auth
    # docs list ({access_token, refresh_token, token_type, expires_in}: no
    # user, no organization_id); 0, the default: the spec's body (user,
    # organization_id, tokens, authentication_method).  Both are WorkOS's.
    "device_docs_body": 0,
    # GET /events without `order`: 0, the default, answers as the OpenAPI
    # spec says (default desc, newest first); 1 as the docs' events-API
    # guide reads ("provide the ID of the latest processed event in the
    # after parameter": oldest first, forward).  Clients must send `order`.
    "events_order_docs": 0,
    # Seconds an event stays listed (WorkOS: 30 days in a list); older ones
    # are gone, and an `after` naming one is refused.  0 = keep every event.
    "events_retention": 0,
}

MEMBER_STATUSES = ("active", "inactive", "pending")


class FixtureError(Exception):
    pass


def _ts(value, default):
    if value is None:
        return default
    t = parse_iso(value)
    if t is None:
        raise FixtureError("bad timestamp %r" % (value,))
    return t


class State:
    def __init__(self, fixture_path, synthetic_members=0):
        self.lock = threading.RLock()
        self.fixture_path = fixture_path
        self.synthetic_members = synthetic_members
        with open(fixture_path) as f:
            self.fixture = json.load(f)
        self.reset()

    # --- loading -------------------------------------------------------------
    def reset(self):
        with self.lock:
            fx = self.fixture
            self.settings = dict(DEFAULT_SETTINGS)
            self.api_key = fx["api_key"]
            self.client_id = fx["client_id"]
            self.organization_id = fx["organization_id"]
            self.authkit_domain = fx.get("authkit_domain")
            # The iss of new tokens when a custom auth domain is set in
            # WorkOS (control token-issuer); None: the API's own issuer.
            self.custom_issuer = None
            self.clients = {c["id"]: dict(c) for c in fx["clients"]}
            self.roles = {r["slug"]: dict(r) for r in fx.get("roles", [])}
            self.orgs = {}
            t0 = time.time()
            for o in fx["organizations"]:
                o = dict(o)
                o["created_at"] = _ts(o.get("created_at"), t0)
                o["updated_at"] = _ts(o.get("updated_at"), o["created_at"])
                self.orgs[o["id"]] = o
            self.users = {}
            self.factors = {}
            self.factors_by_user = {}
            for u in fx["users"]:
                self._load_user(dict(u), t0)
            self.memberships = {}
            self.by_org = {}
            self.by_user = {}
            for m in fx.get("memberships", []):
                self._load_membership(dict(m), t0)
            if self.synthetic_members:
                self._synthesize(self.synthetic_members)
            self.user_ids = sorted(self.users)
            for lst in self.by_org.values():
                lst.sort()
            self.version = 0
            self._org_users_cache = {}
            self.device_codes = {}
            self.user_codes = {}
            self.latest_device_code = None
            self.latest_cond = threading.Condition(self.lock)
            self.challenges = {}
            self.pending = {}
            self.sessions = {}
            self.refresh_tokens = {}
            self.events = []
            self.event_ids = []
            self.audit_events = []
            self.idempotency = {}

    def _load_user(self, u, t0):
        for key in ("id", "email"):
            if key not in u:
                raise FixtureError("user without %s: %r" % (key, u))
        u["created_at"] = _ts(u.get("created_at"), t0)
        u["updated_at"] = _ts(u.get("updated_at"), u["created_at"])
        u["last_sign_in_at"] = _ts(u.get("last_sign_in_at"), None) if u.get(
            "last_sign_in_at") else None
        u.setdefault("email_verified", True)
        u.setdefault("first_name", None)
        u.setdefault("last_name", None)
        u.setdefault("external_id", None)
        u.setdefault("metadata", {})
        u.setdefault("profile_picture_url", None)
        secret = u.pop("totp_secret", None)
        self.users[u["id"]] = u
        if secret:
            fid = u.pop("totp_factor_id", None) or new_id("auth_factor")
            self.factors[fid] = {"id": fid, "user_id": u["id"], "secret": secret,
                                 "issuer": "pam_workos tests", "user": u["email"],
                                 "created_at": u["created_at"],
                                 "updated_at": u["created_at"], "last_step": None}
            self.factors_by_user.setdefault(u["id"], []).append(fid)

    def _load_membership(self, m, t0):
        if m.get("user_id") not in self.users:
            raise FixtureError("membership for unknown user %r" % (m.get("user_id"),))
        if m.get("organization_id") not in self.orgs:
            raise FixtureError("membership in unknown org %r" % (m.get("organization_id"),))
        m.setdefault("id", new_id("om"))
        m.setdefault("status", "active")
        if m["status"] not in MEMBER_STATUSES:
            raise FixtureError("bad membership status %r" % (m["status"],))
        roles = m.get("roles") or [m.get("role") or "member"]
        m["roles"] = list(roles)
        m.pop("role", None)
        # Without a date, a membership is as old as the newer of its user and org.
        m["created_at"] = _ts(m.get("created_at"), min(t0, max(
            self.users[m["user_id"]]["created_at"], self.orgs[m["organization_id"]]["created_at"])))
        m["updated_at"] = _ts(m.get("updated_at"), m["created_at"])
        self.memberships[m["id"]] = m
        self.by_org.setdefault(m["organization_id"], []).append(m["id"])
        self.by_user.setdefault(m["user_id"], []).append(m["id"])

    def _synthesize(self, n):
        """n active members of the main org, built without per-item ULIDs so
        100k load in a couple of seconds.  Ids still sort by creation."""
        base_ms = calendar.timegm((2025, 1, 1, 0, 0, 0)) * 1000
        prefix = ulid_time_prefix(base_ms)
        org = self.organization_id
        t = base_ms / 1000.0
        users, mems = self.users, self.memberships
        org_list = self.by_org.setdefault(org, [])
        for i in range(n):
            uid = "user_%s%016d" % (prefix, i)
            mid = "om_%s%016d" % (prefix, i)
            ct = t + i / 1000.0
            users[uid] = {"id": uid, "email": "synth%06d@example.com" % i,
                          "email_verified": True, "first_name": "Synthetic",
                          "last_name": "Member %d" % i, "external_id": None,
                          "metadata": {}, "profile_picture_url": None,
                          "created_at": ct, "updated_at": ct, "last_sign_in_at": None,
                          "password": None}
            mems[mid] = {"id": mid, "user_id": uid, "organization_id": org,
                         "status": "active", "roles": ["member"], "created_at": ct,
                         "updated_at": ct}
            org_list.append(mid)
            self.by_user[uid] = [mid]

    # --- lookups ---------------------------------------------------------------
    def find_user(self, ident):
        with self.lock:
            if ident in self.users:
                return self.users[ident]
            low = ident.lower()
            for u in self.users.values():
                if u["email"].lower() == low:
                    return u
            return None

    def user_by_email(self, email):
        return self.find_user(email) if email and "@" in email else None

    def active_memberships(self, user_id):
        return [self.memberships[m] for m in self.by_user.get(user_id, [])
                if self.memberships[m]["status"] == "active"]

    def membership_of(self, user_id, org_id):
        for mid in self.by_user.get(user_id, []):
            m = self.memberships[mid]
            if m["organization_id"] == org_id:
                return m
        return None

    def org_user_ids(self, org_id):
        """Sorted ids of users with a membership (any status) in org_id."""
        cached = self._org_users_cache.get(org_id)
        if cached and cached[0] == self.version:
            return cached[1]
        ids = sorted({self.memberships[m]["user_id"] for m in self.by_org.get(org_id, [])})
        self._org_users_cache[org_id] = (self.version, ids)
        return ids

    def permissions_for(self, roles):
        perms = []
        for slug in roles:
            for p in self.roles.get(slug, {}).get("permissions", []):
                if p not in perms:
                    perms.append(p)
        return perms

    # --- JSON shapes -------------------------------------------------------------
    def user_json(self, u):
        out = {"object": "user", "id": u["id"], "email": u["email"],
               "email_verified": bool(u["email_verified"]),
               "first_name": u["first_name"], "last_name": u["last_name"],
               "profile_picture_url": u.get("profile_picture_url"),
               "external_id": u["external_id"], "metadata": dict(u.get("metadata") or {}),
               "last_sign_in_at": iso(u.get("last_sign_in_at")),
               "created_at": iso(u["created_at"]), "updated_at": iso(u["updated_at"])}
        if u.get("locale"):
            out["locale"] = u["locale"]
        return out

    def org_json(self, o):
        return {"object": "organization", "id": o["id"], "name": o["name"],
                "allow_profiles_outside_organization": False,
                "domains": [{"object": "organization_domain", "id": "org_domain_" + o["id"][4:],
                             "domain": d, "organization_id": o["id"], "state": "verified",
                             "verification_strategy": "dns"} for d in o.get("domains", [])],
                "external_id": o.get("external_id"), "metadata": dict(o.get("metadata", {})),
                "created_at": iso(o["created_at"]), "updated_at": iso(o["updated_at"])}

    def membership_json(self, m):
        org = self.orgs.get(m["organization_id"], {})
        return {"object": "organization_membership", "id": m["id"],
                "user_id": m["user_id"], "organization_id": m["organization_id"],
                "organization_name": org.get("name"), "status": m["status"],
                "directory_managed": False,
                "role": {"slug": m["roles"][0]},
                "roles": [{"slug": r} for r in m["roles"]],
                "user": self.user_json(self.users[m["user_id"]]),
                "created_at": iso(m["created_at"]), "updated_at": iso(m["updated_at"])}

    def factor_json(self, f, with_secret=False):
        totp = {"issuer": f["issuer"], "user": f["user"]}
        if with_secret:
            import urllib.parse
            label = urllib.parse.quote("%s:%s" % (f["issuer"], f["user"]))
            totp["secret"] = f["secret"]
            totp["uri"] = "otpauth://totp/%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30" % (
                label, f["secret"], urllib.parse.quote(f["issuer"]))
            # A real 1x1 PNG: WorkOS sends a PNG of the QR code; clients
            # should render `uri` themselves in a terminal.
            totp["qr_code"] = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA"
                               "6fptVAAAACklEQVR4nGNgAAAAAgABc3UBGAAAAABJRU5ErkJggg==")
        return {"object": "authentication_factor", "id": f["id"], "type": "totp",
                "user_id": f["user_id"], "totp": totp,
                "created_at": iso(f["created_at"]), "updated_at": iso(f["updated_at"])}

    # --- events --------------------------------------------------------------------
    def emit(self, kind, data):
        ev = {"object": "event", "id": new_id("event"), "event": kind, "data": data,
              "created_at": time.time()}
        self.events.append(ev)
        self.event_ids.append(ev["id"])
        return ev

    # --- mutations (control endpoints) ------------------------------------------------
    def _touch(self):
        self.version += 1

    def add_user(self, fields):
        with self.lock:
            u = dict(fields)
            u.setdefault("id", new_id("user"))
            if u["id"] in self.users:
                raise ValueError("user %s exists" % u["id"])
            if "email" not in u:
                raise ValueError("email is required")
            self._load_user(u, time.time())
            bisect.insort(self.user_ids, u["id"])
            self._touch()
            self.emit("user.created", self.user_json(u))
            return u

    def update_user(self, ident, fields):
        with self.lock:
            u = self.find_user(ident)
            if u is None:
                raise KeyError(ident)
            for k, v in fields.items():
                if k in ("id", "created_at"):
                    continue
                if k == "totp_secret":
                    self.factors_by_user.pop(u["id"], None)
                    if v:
                        fid = new_id("auth_factor")
                        self.factors[fid] = {"id": fid, "user_id": u["id"], "secret": v,
                                             "issuer": "pam_workos tests", "user": u["email"],
                                             "created_at": time.time(),
                                             "updated_at": time.time(), "last_step": None}
                        self.factors_by_user[u["id"]] = [fid]
                    continue
                u[k] = v
            u["updated_at"] = time.time()
            self._touch()
            self.emit("user.updated", self.user_json(u))
            return u

    def remove_user(self, ident):
        with self.lock:
            u = self.find_user(ident)
            if u is None:
                raise KeyError(ident)
            for mid in list(self.by_user.get(u["id"], [])):
                self.remove_membership(mid)
            del self.users[u["id"]]
            self.user_ids.remove(u["id"])
            self.by_user.pop(u["id"], None)
            self._touch()
            self.emit("user.deleted", self.user_json(u))
            return u

    def add_membership(self, user_ident, org_id, roles, status):
        with self.lock:
            u = self.find_user(user_ident)
            if u is None:
                raise KeyError(user_ident)
            if org_id not in self.orgs:
                raise KeyError(org_id)
            if self.membership_of(u["id"], org_id):
                raise ValueError("membership exists")
            m = {"id": new_id("om"), "user_id": u["id"], "organization_id": org_id,
                 "status": status or "active", "roles": roles or ["member"]}
            self._load_membership(m, time.time())
            self.by_org[org_id].sort()
            self._touch()
            self.emit("organization_membership.created", self._membership_event(m))
            return m

    def _membership_event(self, m):
        body = self.membership_json(m)
        body.pop("user", None)
        return body

    def find_membership(self, ident, org_id=None):
        with self.lock:
            if ident in self.memberships:
                return self.memberships[ident]
            u = self.find_user(ident)
            if u is None:
                return None
            return self.membership_of(u["id"], org_id or self.organization_id)

    def update_membership(self, ident, org_id, roles=None, status=None):
        with self.lock:
            m = self.find_membership(ident, org_id)
            if m is None:
                raise KeyError(ident)
            if status:
                if status not in MEMBER_STATUSES:
                    raise ValueError("bad status")
                m["status"] = status
            if roles:
                m["roles"] = list(roles)
            m["updated_at"] = time.time()
            self._touch()
            self.emit("organization_membership.updated", self._membership_event(m))
            return m

    def remove_membership(self, ident, org_id=None):
        with self.lock:
            m = self.find_membership(ident, org_id)
            if m is None:
                raise KeyError(ident)
            del self.memberships[m["id"]]
            self.by_org[m["organization_id"]].remove(m["id"])
            self.by_user[m["user_id"]].remove(m["id"])
            self._touch()
            self.emit("organization_membership.deleted", self._membership_event(m))
            return m
