"""POST /user_management/authenticate: every grant but the device code.

password -> (invalid_credentials | sso_required | email_verification_required
| mfa_enrollment | mfa_challenge | organization_selection_required | success),
then mfa-totp and organization-selection continue from the
pending_authentication_token, and refresh_token rotates.  Statuses and body
shapes follow doc/workos-wire-notes.md section 3: flow errors are 403
{code,message,...}, credential and one-time-code errors 400 {code,message},
OAuth errors 400 {error,error_description}.
"""

import time

from . import device, mfa
from .util import code_error, new_id, oauth_error, opaque

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TOTP_GRANT = "urn:workos:oauth:grant-type:mfa-totp"
ORG_GRANT = "urn:workos:oauth:grant-type:organization-selection"


def authenticate(app, req):
    grant = req.params.get("grant_type")
    if grant == DEVICE_GRANT:
        return device.poll(app, req)
    handlers = {"password": password, TOTP_GRANT: totp, ORG_GRANT: org_selection,
                "refresh_token": refresh}
    if grant not in handlers:
        if not grant:
            raise code_error(422, "invalid_request_parameters", "Validation failed.",
                             errors=[{"field": "grant_type", "code": "grant_type is required"}])
        raise oauth_error(400, "unsupported_grant_type",
                          "The grant type %s is not supported." % grant)
    client = app.state.clients.get(req.params.get("client_id") or "")
    if client is None:
        raise oauth_error(400, "invalid_client", "Unknown client")
    secret = req.params.get("client_secret")
    if grant != "refresh_token" or secret is not None:
        if secret != app.state.api_key:
            raise oauth_error(400, "invalid_client", "Invalid client secret.")
    subject = req.params.get("email") or req.params.get("authentication_challenge_id")
    limit = app.state.settings.get("authenticate_per_email_per_minute", 0)
    if subject and limit:
        wait = app.faults.subject_rate_check(str(subject).lower(), limit)
        if wait is not None:
            from .util import ApiError
            raise ApiError(429, {"error": "too_many_requests",
                                 "error_description": "Too many requests. Please try again "
                                 "later."}, {"Retry-After": wait})
    return handlers[grant](app, req, client)


def _require(params, *names):
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise code_error(422, "invalid_request_parameters", "Validation failed.",
                         errors=[{"field": n, "code": "%s is required" % n} for n in missing])


def _pending(app, user, stage, **extra):
    st = app.state
    token = opaque(24)
    st.pending[token] = dict(user_id=user["id"], stage=stage,
                             expires_at=time.time() + st.settings["pending_token_ttl"],
                             **extra)
    return token


def _take_pending(app, token, stages):
    st = app.state
    p = st.pending.get(token or "")
    if p is None or p["expires_at"] < time.time() or p["stage"] not in stages:
        raise code_error(400, "invalid_pending_authentication_token",
                         "The pending authentication token is invalid or has expired.")
    return p


def _continue(app, user, client, org_id, method):
    """After the credentials (and MFA) are good: pick the organization."""
    st = app.state
    active = st.active_memberships(user["id"])
    if org_id is None and len(active) > 1:
        token = _pending(app, user, "org_selection", method=method)
        raise code_error(403, "organization_selection_required",
                         "The user must choose an organization to sign in to.",
                         pending_authentication_token=token,
                         organizations=[{"id": m["organization_id"],
                                         "name": st.orgs[m["organization_id"]]["name"]}
                                        for m in active],
                         user=st.user_json(user))
    if org_id is None and active:
        org_id = active[0]["organization_id"]
    return 200, app.authentication_response(user, org_id, method, client["id"])


def password(app, req, client):
    p = req.params
    _require(p, "email", "password")
    st = app.state
    with st.lock:
        user = st.user_by_email(p["email"])
        if user is None or not user.get("password") or user["password"] != p["password"]:
            if user is not None and user.get("sso_required"):
                pass  # WorkOS tells SSO users to use SSO whatever they typed
            else:
                raise code_error(400, "invalid_credentials", "Invalid credentials.")
        if user.get("sso_required"):
            raise oauth_error(400, "sso_required",
                              "User must authenticate using one of the matching connections.",
                              connection_ids=list(user.get("connection_ids") or
                                                  ["conn_01HZZZZZZZZZZZZZZZZZZZZZZZ"]),
                              email=user["email"],
                              pending_authentication_token=_pending(app, user, "sso"))
        if not user.get("email_verified"):
            raise code_error(403, "email_verification_required",
                             "Email ownership must be verified before authentication.",
                             pending_authentication_token=_pending(app, user, "email"),
                             email=user["email"],
                             email_verification_id=new_id("email_verification"))
        factors = st.factors_by_user.get(user["id"], [])
        if factors:
            raise code_error(403, "mfa_challenge",
                             "The user must complete an MFA challenge to finish authenticating.",
                             pending_authentication_token=_pending(app, user, "mfa"),
                             authentication_factors=[{"id": f, "type": "totp"}
                                                     for f in factors],
                             user=st.user_json(user))
        if user.get("mfa_required"):
            raise code_error(403, "mfa_enrollment",
                             "The user must enroll in MFA to finish authenticating.",
                             pending_authentication_token=_pending(app, user, "mfa"),
                             user=st.user_json(user))
        return _continue(app, user, client, None, "Password")


def totp(app, req, client):
    p = req.params
    _require(p, "code", "pending_authentication_token", "authentication_challenge_id")
    st = app.state
    with st.lock:
        pend = _take_pending(app, p["pending_authentication_token"], ("mfa",))
        user = st.users.get(pend["user_id"])
        ch = st.challenges.get(p["authentication_challenge_id"])
        if user is None or ch is None or st.factors.get(ch["factor_id"], {}).get(
                "user_id") != user["id"]:
            raise code_error(400, "invalid_one_time_code", "The one-time code is invalid.")
        mfa.check_code(app, ch, p["code"], grant=True)
        del st.pending[p["pending_authentication_token"]]
        return _continue(app, user, client, None, "Password")


def org_selection(app, req, client):
    p = req.params
    _require(p, "pending_authentication_token", "organization_id")
    st = app.state
    with st.lock:
        pend = _take_pending(app, p["pending_authentication_token"], ("org_selection",))
        user = st.users.get(pend["user_id"])
        org_id = p["organization_id"]
        if org_id not in st.orgs:
            raise code_error(400, "invalid_organization_id",
                             "The organization %s does not exist." % org_id)
        m = st.membership_of(user["id"], org_id)
        if m is None or m["status"] != "active":
            raise oauth_error(400, "organization_membership_not_found",
                              "The user is not a member of organization %s." % org_id)
        del st.pending[p["pending_authentication_token"]]
        return 200, app.authentication_response(user, org_id, pend.get("method", "Password"),
                                                client["id"])


def refresh(app, req, client):
    p = req.params
    _require(p, "refresh_token")
    st = app.state
    with st.lock:
        sid = st.refresh_tokens.pop(p["refresh_token"], None)
        sess = st.sessions.get(sid) if sid else None
        if sess is None or sess["revoked"] or sess["client_id"] != client["id"]:
            raise oauth_error(400, "invalid_grant",
                              "Session has already ended." if sess else
                              "Invalid refresh token.")
        user = st.users.get(sess["user_id"])
        if user is None:
            raise oauth_error(400, "invalid_grant", "Session has already ended.")
        org_id = p.get("organization_id") or sess["org_id"]
        if p.get("organization_id"):
            m = st.membership_of(user["id"], org_id)
            if m is None or m["status"] != "active":
                raise oauth_error(400, "organization_membership_not_found",
                                  "The user is not a member of organization %s." % org_id)
        return 200, app.authentication_response(user, org_id, sess["method"], client["id"],
                                                session_id=sid)
