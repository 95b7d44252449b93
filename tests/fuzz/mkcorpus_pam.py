#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seeds of the `pam` fuzz target (corpus/pam/seed-*).

Run from anywhere: ./mkcorpus_pam.py.  The input format is described in
fuzz_pam.c (header) and fuzz_pam.h (frames); every seed below walks one
path of pam_sm_authenticate or pam_sm_acct_mgmt to its end."""
import json, os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "pam")
NOW = 1700000000
ISS = "http://127.0.0.1:8443"

# header byte 0
AUTH, ACCOUNT, AUTH_ACCOUNT, ACCOUNT_AUTH = 0, 1, 2, 3
DEVICE, PASSWORD, TOTP, DEVICE_QR = 0 << 2, 1 << 2, 2 << 2, 3 << 2
KEY, ROLES, ISSUER, DEBUG = 0x10, 0x20, 0x40, 0x80
# header byte 1
ALICE, ERIN, BOB, CAROL, DAVE, ROOT, NOBODY, ASK = range(8)
RANGE, REQUIRE_ADMIN, SSH, RHOST, UNKNOWN_ARG = 0x08, 0x10, 0x20, 0x40, 0x80

IDS = {ALICE: "user_01ALICE", ERIN: "user_01ERIN", BOB: "user_01BOB"}


def header(b0, b1, fail=0, seed=0x12345678):
    return bytes([b0, b1, fail]) + struct.pack(">I", seed)


def frame(kind, body):
    if isinstance(body, (dict, list)):
        body = json.dumps(body, separators=(",", ":"))
    if isinstance(body, str):
        body = body.encode()
    return struct.pack(">HH", kind, len(body)) + body


def http(status, body=""):
    return frame(status, body)


def conv(text="", action=0):
    return frame(0xC000 | action, text)


def claims(sub, **kw):
    c = {"iss": ISS, "sub": sub, "sid": "session_01FUZZ", "org_id": "org_01FUZZ",
         "role": "admin", "roles": ["admin"], "exp": NOW + 600, "iat": NOW - 5,
         "jti": "jti_01"}
    c.update(kw)
    return frame(0xD000, c)


def user_json(uid, email):
    return {"object": "user", "id": uid, "email": email, "email_verified": True,
            "first_name": "F", "last_name": "L", "profile_picture_url": None,
            "external_id": None, "created_at": "2025-01-10T10:00:00.000Z",
            "updated_at": "2025-01-10T10:00:00.000Z"}


def authorization(interval=5, expires=300):
    return http(200, {"device_code": "dc_01FUZZ", "user_code": "ABCD-EFGH",
                      "verification_uri": "https://auth.fuzz.test/device",
                      "verification_uri_complete":
                          "https://auth.fuzz.test/device?user_code=ABCD-EFGH",
                      "expires_in": expires, "interval": interval})


def pending(code="authorization_pending"):
    return http(400, {"error": code, "error_description": code})


def authenticated(uid):
    # "@TOKEN@" right after "access_token": the harness checks that the
    # module never shows or logs it.
    return http(200, '{"user":%s,"access_token":"@TOKEN@","refresh_token":"rt_01"}'
                % json.dumps(user_json(uid, "x@example.org"), separators=(",", ":")))


def jwks():
    return http(200, "@JWKS@")


def memberships(uid, status="active", role="admin", after=None):
    return http(200, {"object": "list", "data": [
        {"object": "organization_membership", "id": "om_01", "user_id": uid,
         "organization_id": "org_01FUZZ", "status": status, "role": {"slug": role},
         "created_at": "2025-01-10T10:00:00.000Z",
         "updated_at": "2025-01-10T10:00:00.000Z"}],
        "list_metadata": {"before": None, "after": after}})


def revoked():
    return http(200, "")


def challenge(cid="auth_challenge_01", fid="auth_factor_01"):
    return http(201, {"object": "authentication_challenge", "id": cid,
                      "created_at": "2026-12-02T03:00:00.000Z",
                      "updated_at": "2026-12-02T03:00:00.000Z",
                      "authentication_factor_id": fid})


def api_error(status, code, **kw):
    body = {"code": code, "message": code.replace("_", " ")}
    body.update(kw)
    return http(status, body)


FACTORS = [{"object": "authentication_factor", "id": "auth_factor_01", "type": "totp"}]

SEEDS = {}

# --- device flow ---------------------------------------------------------------------
SEEDS["device-approved"] = header(AUTH | DEVICE, ALICE | RANGE) + authorization() + \
    pending() + claims(IDS[ALICE]) + authenticated(IDS[ALICE]) + jwks()
SEEDS["device-api-key-then-account"] = header(AUTH_ACCOUNT | DEVICE | KEY, ALICE | RANGE | SSH | RHOST) + \
    authorization() + conv("") + claims(IDS[ALICE]) + authenticated(IDS[ALICE]) + \
    jwks() + memberships(IDS[ALICE]) + revoked() + memberships(IDS[ALICE])
SEEDS["device-wrong-user"] = header(AUTH_ACCOUNT | DEVICE, ALICE | RANGE) + authorization() + \
    claims(IDS[ERIN]) + authenticated(IDS[ERIN]) + jwks()
SEEDS["device-slow-down-denied"] = header(AUTH | DEVICE | DEBUG, ERIN | RANGE | RHOST) + \
    authorization(interval=1) + pending("slow_down") + pending() + pending("access_denied")
SEEDS["device-expired-prompted-user"] = header(AUTH | DEVICE, ASK | RANGE | SSH) + conv("alice") + \
    authorization(expires=12) + conv("") + pending() + conv("") + pending() + pending("expired_token")
SEEDS["device-qr-issuer-impersonated"] = header(AUTH | DEVICE_QR | ISSUER | ROLES | DEBUG, BOB | RANGE | REQUIRE_ADMIN) + \
    authorization() + claims(IDS[BOB], iss="https://auth.fuzz.test", act={"sub": "admin@example.org"}) + \
    authenticated(IDS[BOB]) + jwks()
SEEDS["device-unknown-kid"] = header(AUTH | DEVICE, ALICE) + authorization() + \
    frame(0xD001, {"iss": ISS, "sub": IDS[ALICE], "org_id": "org_01FUZZ", "exp": NOW + 600,
                   "iat": NOW}) + authenticated(IDS[ALICE]) + jwks() + jwks()
SEEDS["device-conversation-fails"] = header(AUTH | DEVICE | KEY, ALICE | SSH) + authorization() + \
    conv("", 2)
SEEDS["device-injected-failures"] = header(AUTH_ACCOUNT | DEVICE | KEY, ALICE | RANGE | SSH, fail=100, seed=7) + \
    authorization() + conv("") + claims(IDS[ALICE]) + authenticated(IDS[ALICE]) + \
    jwks() + memberships(IDS[ALICE]) + revoked() + memberships(IDS[ALICE])
SEEDS["device-network-errors"] = header(AUTH | DEVICE, ALICE | RANGE) + authorization() + \
    http(503, "") + http(2, "") + http(429, "")

# --- password, with MFA, enrollment and organization selection -------------------------
SEEDS["password-mfa"] = header(AUTH_ACCOUNT | PASSWORD | KEY | ROLES, BOB | RANGE) + \
    http(200, user_json(IDS[BOB], "bob@example.org")) + conv("correct horse") + \
    api_error(403, "mfa_challenge", pending_authentication_token="pat_01",
              authentication_factors=FACTORS, user=user_json(IDS[BOB], "bob@example.org")) + \
    challenge() + conv("123 456") + claims(IDS[BOB]) + authenticated(IDS[BOB]) + jwks() + \
    memberships(IDS[BOB]) + revoked() + memberships(IDS[BOB])
SEEDS["password-wrong-then-organization"] = header(AUTH | PASSWORD | KEY, ALICE | RANGE) + \
    http(200, user_json(IDS[ALICE], "alice@example.org")) + conv("pw") + \
    api_error(403, "organization_selection_required", pending_authentication_token="pat_02",
              organizations=[{"id": "org_01FUZZ", "name": "Fuzz"}, {"id": "org_02", "name": "Other"}],
              user=user_json(IDS[ALICE], "alice@example.org")) + \
    claims(IDS[ALICE]) + authenticated(IDS[ALICE]) + jwks() + memberships(IDS[ALICE], role="member") + revoked()
SEEDS["password-enrollment"] = header(AUTH | PASSWORD | KEY | ROLES, ALICE | RANGE) + \
    http(200, user_json(IDS[ALICE], "alice@example.org")) + conv("pw") + \
    api_error(403, "mfa_enrollment", pending_authentication_token="pat_03",
              user=user_json(IDS[ALICE], "alice@example.org")) + \
    http(201, {"authentication_factor": {"object": "authentication_factor", "id": "auth_factor_02",
                                         "type": "totp", "user_id": IDS[ALICE],
                                         "totp": {"issuer": "Fuzz", "user": "alice@example.org",
                                                  "secret": "JBSWY3DPEHPK3PXP",
                                                  "qr_code": "data:image/png;base64,AA==",
                                                  "uri": "otpauth://totp/Fuzz:alice?secret=JBSWY3DPEHPK3PXP"},
                                         "created_at": "2026-12-02T03:00:00.000Z",
                                         "updated_at": "2026-12-02T03:00:00.000Z"},
               "authentication_challenge": {"object": "authentication_challenge", "id": "auth_challenge_02",
                                            "authentication_factor_id": "auth_factor_02",
                                            "created_at": "2026-12-02T03:00:00.000Z",
                                            "updated_at": "2026-12-02T03:00:00.000Z"}}) + \
    conv("12345") + conv("654321") + api_error(400, "one_time_code_expired") + challenge("auth_challenge_03", "auth_factor_02") + \
    api_error(400, "invalid_one_time_code") + conv("111111") + api_error(400, "invalid_credentials")
SEEDS["password-no-key"] = header(AUTH | PASSWORD, ALICE | RANGE) + conv("pw")

# --- totp step-up ------------------------------------------------------------------------
SEEDS["totp-ok"] = header(AUTH_ACCOUNT | TOTP | KEY, ALICE | RANGE | RHOST) + memberships(IDS[ALICE]) + \
    http(200, {"object": "list", "data": FACTORS, "list_metadata": {"before": None, "after": None}}) + \
    challenge() + conv("123456") + \
    http(200, {"challenge": {"object": "authentication_challenge", "id": "auth_challenge_01",
                             "authentication_factor_id": "auth_factor_01",
                             "created_at": "2026-12-02T03:00:00.000Z",
                             "updated_at": "2026-12-02T03:00:05.000Z"}, "valid": True}) + \
    memberships(IDS[ALICE])
SEEDS["totp-wrong-codes"] = header(AUTH | TOTP | KEY | ROLES, BOB | REQUIRE_ADMIN) + memberships(IDS[BOB]) + \
    http(200, {"object": "list", "data": FACTORS, "list_metadata": {"before": None, "after": None}}) + \
    challenge() + conv("abc") + conv("000000") + \
    http(200, {"challenge": {"object": "authentication_challenge", "id": "auth_challenge_01"}, "valid": False}) + \
    conv("", 1)
SEEDS["totp-not-member"] = header(AUTH | TOTP | KEY, ERIN | RANGE) + memberships(IDS[ERIN], status="inactive")

# --- account phase alone -------------------------------------------------------------------
SEEDS["account-root"] = header(ACCOUNT | KEY, ROOT | RANGE)
SEEDS["account-stale"] = header(ACCOUNT, DAVE | RANGE)
SEEDS["account-shadowed"] = header(ACCOUNT_AUTH | KEY, CAROL | RANGE | UNKNOWN_ARG)
SEEDS["account-unknown-user"] = header(ACCOUNT, NOBODY | RANGE)
SEEDS["account-bound-no-key"] = header(ACCOUNT, BOB | RANGE)
SEEDS["account-cache-roles"] = header(ACCOUNT | ROLES, ERIN | RANGE | REQUIRE_ADMIN)
SEEDS["account-api-pages"] = header(ACCOUNT | KEY, ALICE | RANGE) + \
    memberships(IDS[ALICE], role="member", after="om_01") + memberships(IDS[ERIN]) + \
    http(500, {"message": "oops"})

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, "seed-" + name), "wb") as f:
        f.write(data)
