"""TOTP factors and challenges (WorkOS MFA API).

Codes are real RFC 6238 (SHA-1, 6 digits, 30 s steps, one step of drift
either way), so `oathtool --totp -b SECRET` answers them.  A code is good
once: a second use in the same step is one_time_code_previously_used.
Challenges expire after settings.challenge_ttl; WorkOS does not put
expires_at on TOTP challenges, so neither do we.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time

from .util import ApiError, code_error, iso, list_body, list_params, new_id, not_found, \
    paginate, validation_error

STEP = 30
DIGITS = 6


def totp_at(secret_b32, step):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%0*d" % (DIGITS, value % 10 ** DIGITS)


def matching_step(secret_b32, code, now=None):
    step = int((now or time.time()) // STEP)
    for s in (step, step - 1, step + 1):
        if hmac.compare_digest(totp_at(secret_b32, s), code or ""):
            return s
    return None


def new_secret():
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def challenge_json(ch):
    return {"object": "authentication_challenge", "id": ch["id"],
            "authentication_factor_id": ch["factor_id"],
            "created_at": iso(ch["created_at"]), "updated_at": iso(ch["updated_at"])}


def _new_challenge(app, factor_id):
    st = app.state
    now = time.time()
    ch = {"id": new_id("auth_challenge"), "factor_id": factor_id, "created_at": now,
          "updated_at": now, "expires_at": now + st.settings["challenge_ttl"],
          "verified": False, "attempts": 0}
    st.challenges[ch["id"]] = ch
    return ch


def check_code(app, ch, code, grant):
    """Raises the WorkOS error for a bad code; marks the challenge used."""
    st = app.state
    f = st.factors[ch["factor_id"]]
    if ch["verified"]:
        if grant:
            raise code_error(400, "one_time_code_previously_used",
                             "The one-time code has already been used.")
        raise code_error(422, "authentication_challenge_previously_verified",
                         "The authentication challenge has already been verified.")
    if time.time() > ch["expires_at"]:
        if grant:
            raise code_error(400, "one_time_code_expired", "The one-time code has expired.")
        raise code_error(422, "authentication_challenge_expired",
                         "The authentication challenge has expired.")
    ch["attempts"] += 1
    if ch["attempts"] > 10:
        raise code_error(400, "one_time_code_too_many_attempts",
                         "Too many attempts for this one-time code.")
    step = matching_step(f["secret"], code)
    if step is None:
        if grant:
            raise code_error(400, "invalid_one_time_code", "The one-time code is invalid.")
        return False
    if f["last_step"] is not None and step <= f["last_step"]:
        if grant:
            raise code_error(400, "one_time_code_previously_used",
                             "The one-time code has already been used.")
        return False
    f["last_step"] = step
    ch["verified"] = True
    ch["updated_at"] = time.time()
    return True


def challenge_factor(app, req, factor_id):
    st = app.state
    with st.lock:
        if factor_id not in st.factors:
            raise not_found("Authentication Factor", factor_id)
        return 201, challenge_json(_new_challenge(app, factor_id))


def verify_challenge(app, req, challenge_id):
    code = req.params.get("code")
    if not isinstance(code, str) or not code:
        raise validation_error("code", "code is required")
    st = app.state
    with st.lock:
        ch = st.challenges.get(challenge_id)
        if ch is None:
            raise not_found("Authentication Challenge", challenge_id)
        valid = check_code(app, ch, code, grant=False)
        return 201, {"challenge": challenge_json(ch), "valid": valid}


def enroll(app, req, user_id):
    p = req.params
    st = app.state
    with st.lock:
        user = st.users.get(user_id)
        if user is None:
            raise not_found("User", user_id)
        if p.get("type") != "totp":
            raise validation_error("type", "type must be totp")
        secret = p.get("totp_secret") or new_secret()
        now = time.time()
        f = {"id": new_id("auth_factor"), "user_id": user_id, "secret": secret,
             "issuer": p.get("totp_issuer") or "pam_workos tests",
             "user": p.get("totp_user") or user["email"], "created_at": now,
             "updated_at": now, "last_step": None}
        st.factors[f["id"]] = f
        st.factors_by_user.setdefault(user_id, []).append(f["id"])
        ch = _new_challenge(app, f["id"])
        return 201, {"authentication_factor": st.factor_json(f, with_secret=True),
                     "authentication_challenge": challenge_json(ch)}


def list_factors(app, req, user_id):
    limit, order, before, after = list_params(req.query, default_order="normal")
    st = app.state
    with st.lock:
        if user_id not in st.users:
            raise not_found("User", user_id)
        ids = sorted(st.factors_by_user.get(user_id, []))
        page, b, a = paginate(ids, None, limit, order, before, after, default_desc=False)
        return 200, list_body([st.factor_json(st.factors[i]) for i in page], b, a)


__all__ = ["totp_at", "matching_step", "check_code", "challenge_factor", "verify_challenge",
           "enroll", "list_factors", "ApiError"]
