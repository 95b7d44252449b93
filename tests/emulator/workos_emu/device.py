"""Device authorization (RFC 8628) as WorkOS runs it.

POST /user_management/authorize/device hands out a device code; polling
POST /user_management/authenticate with the device_code grant answers
authorization_pending until the control port approves, denies or expires
the code.  Polling faster than the interval answers slow_down and, as RFC
8628 says, adds 5 s to that code's interval.  A successful poll consumes the
code: later polls get invalid_grant.
"""

import secrets
import time

from .tokens import TOKEN_LIFETIME
from .util import ApiError, oauth_error, opaque

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words, no 0/O 1/I


def _user_code():
    raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return raw[:4] + "-" + raw[4:]


def _check_client(app, client_id):
    client = app.state.clients.get(client_id or "")
    if client is None:
        raise oauth_error(400, "invalid_client", "Unknown client")
    return client


def authorize_device(app, req):
    params = req.params
    client = _check_client(app, params.get("client_id"))
    if not client.get("device_flow", False):
        raise oauth_error(403, "access_denied",
                          "Device authorization grant is not enabled for this team")
    st = app.state
    with st.lock:
        settings = st.settings
        device_code = opaque(32)
        user_code = _user_code()
        while user_code in st.user_codes:
            user_code = _user_code()
        now = time.time()
        st.device_codes[device_code] = {
            "device_code": device_code, "user_code": user_code, "client_id": client["id"],
            "created": now, "expires_at": now + settings["device_expires_in"],
            "interval": settings["device_interval"], "last_poll": None,
            # A busy server may want more than it advertised, until it has
            # said slow_down once.
            "enforced_extra": settings["device_enforced_extra"],
            "state": "pending", "user_id": None, "org_id": None}
        st.user_codes[user_code] = device_code
        st.latest_device_code = device_code
        st.latest_cond.notify_all()
        verification = app.verification_uri()
        return 200, {"device_code": device_code, "user_code": user_code,
                     "verification_uri": verification,
                     "verification_uri_complete": verification + "?user_code=" + user_code,
                     "expires_in": settings["device_expires_in"],
                     "interval": settings["device_interval"]}


def find_code(state, code):
    """A device code, by device code or by user code (with or without dash)."""
    with state.lock:
        if code in state.device_codes:
            return state.device_codes[code]
        norm = code.upper().replace("-", "")
        if len(norm) == 8:
            dc = state.user_codes.get(norm[:4] + "-" + norm[4:])
            if dc:
                return state.device_codes[dc]
    return None


def poll(app, req):
    params = req.params
    _check_client(app, params.get("client_id"))
    st = app.state
    with st.lock:
        entry = st.device_codes.get(params.get("device_code") or "")
        if entry is None or entry["client_id"] != params.get("client_id"):
            raise oauth_error(400, "invalid_grant", "The device code is invalid.")
        now = time.time()
        if entry["state"] == "consumed":
            raise oauth_error(400, "invalid_grant", "The device code has already been used.")
        if entry["state"] == "expired" or now >= entry["expires_at"]:
            entry["state"] = "expired"
            raise oauth_error(400, "expired_token", "The device code has expired.")
        if entry["state"] == "denied":
            raise oauth_error(400, "access_denied", "The user denied the authorization request.")
        last = entry["last_poll"]
        entry["last_poll"] = now
        if entry["state"] == "pending":
            # A small tolerance: timers on both sides are not exact.
            if last is not None and now - last < entry["interval"] + entry["enforced_extra"] - 0.2:
                entry["interval"] += 5
                entry["enforced_extra"] = 0
                raise oauth_error(400, "slow_down",
                                  "The client is polling too quickly and should back off.")
            raise oauth_error(400, "authorization_pending",
                              "The user has not yet completed the authorization request.")
        # approved
        entry["state"] = "consumed"
        user = st.users.get(entry["user_id"])
        if user is None:
            raise oauth_error(400, "invalid_grant", "The user no longer exists.")
        method = "SSO" if user.get("sso_required") else "Password"
        body = app.authentication_response(user, entry["org_id"], method, entry["client_id"])
        if st.settings.get("device_docs_body"):
            # The CLI-auth docs' success body (device-code.mdx): the tokens,
            # token_type "always Bearer" and the access token's lifetime.
            body = {"access_token": body["access_token"],
                    "refresh_token": body["refresh_token"],
                    "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
        return 200, body


# --- control ------------------------------------------------------------------
def control_decide(app, code, decision, user=None, org=None):
    st = app.state
    with st.lock:
        entry = find_code(st, code)
        if entry is None:
            raise ApiError(404, {"message": "no such device code or user code"})
        if entry["state"] != "pending":
            raise ApiError(409, {"message": "code is %s" % entry["state"]})
        if decision == "approve":
            u = st.find_user(user or "")
            if u is None:
                raise ApiError(404, {"message": "no such user %r" % (user,)})
            org_id = org or st.organization_id
            if org_id not in st.orgs:
                raise ApiError(404, {"message": "no such organization %r" % (org_id,)})
            entry["user_id"], entry["org_id"], entry["state"] = u["id"], org_id, "approved"
        elif decision == "deny":
            entry["state"] = "denied"
        elif decision == "expire":
            entry["state"] = "expired"
        return {"device_code": entry["device_code"], "user_code": entry["user_code"],
                "state": entry["state"], "user_id": entry["user_id"],
                "organization_id": entry["org_id"]}


def control_latest(app, wait):
    st = app.state
    deadline = time.time() + wait
    with st.lock:
        def ready():
            dc = st.latest_device_code
            return dc is not None and (wait <= 0 or st.device_codes[dc]["state"] == "pending")
        while not ready() and time.time() < deadline:
            st.latest_cond.wait(max(0.01, deadline - time.time()))
        if not ready():
            raise ApiError(404, {"message": "no device code issued yet"})
        e = st.device_codes[st.latest_device_code]
        return {"device_code": e["device_code"], "user_code": e["user_code"],
                "state": e["state"], "interval": e["interval"],
                "expires_in": max(0, int(e["expires_at"] - time.time()))}
