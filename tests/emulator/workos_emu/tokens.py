"""RS256 access tokens and the JWKS that verifies them.

Claims follow the WorkOS session-token example: iss, sub, sid, org_id, role,
roles, permissions, entitlements, exp (iat + 300 s), iat, jti, and act when the
session is an impersonation.  Token faults bend exactly one thing each, so a
client test can show that this one thing is checked.
"""

import hashlib
import hmac
import json
import threading
import time

from .util import b64url, new_id

TOKEN_LIFETIME = 300
TOKEN_FAULTS = ("unknown-kid", "bad-signature", "expired", "wrong-org", "wrong-sub",
                "alg-none", "hs256", "impersonated")


def kid_for(n):
    """A stable kid in the form WorkOS uses (sso_oidc_key_pair_<ULID>)."""
    digest = hashlib.sha256(n.to_bytes((n.bit_length() + 7) // 8, "big")).digest()
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = int.from_bytes(digest[:15], "big")
    return "sso_oidc_key_pair_01" + "".join(alphabet[(value >> (5 * i)) & 31]
                                            for i in range(24))


def _load(path):
    from cryptography.hazmat.primitives import serialization
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


class Signer:
    """Loading an RSA key checks it, which costs ~0.1 s per key: the keys load
    in a background thread so the emulator is ready sooner; the first token
    waits for them."""

    def __init__(self, key_path, public_path, rogue_path, jwks_path):
        self._paths = (key_path, rogue_path)
        self._loaded = threading.Event()
        self._error = None
        # The JWKS and the public PEM were written with the keys: reading
        # them needs no cryptography import, which is most of the start-up.
        with open(jwks_path) as f:
            saved = json.load(f)
        self.jwk = saved["keys"][0]
        self.kid = self.jwk["kid"]
        self._rogue_kid = saved["rogue_kid"]
        with open(public_path, "rb") as f:
            self.public_pem = f.read()
        threading.Thread(target=self._load, daemon=True).start()

    def _load(self):
        try:
            self._key = _load(self._paths[0])
            self._rogue = _load(self._paths[1])
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import padding
            self._sign_args = (padding.PKCS1v15(), hashes.SHA256())
        except Exception as e:  # reported on first use
            self._error = e
        self._loaded.set()

    def _keys(self):
        self._loaded.wait()
        if self._error:
            raise self._error
        return self._key, self._rogue, self._rogue_kid

    def jwks(self):
        return {"keys": [dict(self.jwk)]}

    def access_token(self, issuer, user_id, session_id, org_id, role, roles, permissions,
                     fault=None, other_org=None, other_user=None, impersonator=None):
        now = int(time.time())
        claims = {"iss": issuer, "sub": user_id, "sid": session_id}
        if org_id:
            claims["org_id"] = org_id
        if role:
            claims["role"] = role
            claims["roles"] = list(roles or [role])
            claims["permissions"] = list(permissions or [])
        claims["entitlements"] = []
        claims["exp"] = now + TOKEN_LIFETIME
        claims["iat"] = now
        claims["jti"] = new_id("jti")[4:]
        if impersonator:
            claims["act"] = {"sub": impersonator}
        header = {"alg": "RS256", "kid": self.kid}
        key, rogue, rogue_kid = self._keys()
        if fault == "expired":
            claims["iat"] = now - 3600
            claims["exp"] = now - 3600 + TOKEN_LIFETIME
        elif fault == "wrong-org":
            claims["org_id"] = other_org
        elif fault == "wrong-sub":
            claims["sub"] = other_user
        elif fault == "unknown-kid":
            header["kid"], key = rogue_kid, rogue
        elif fault == "alg-none":
            header = {"alg": "none", "kid": self.kid}
        elif fault == "hs256":
            header = {"alg": "HS256", "kid": self.kid}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        data = signing_input.encode()
        if fault == "alg-none":
            return signing_input + "."
        if fault == "hs256":
            # The classic key-confusion forgery: HMAC keyed with the public key.
            sig = hmac.new(self.public_pem, data, hashlib.sha256).digest()
        else:
            sig = key.sign(data, *self._sign_args)
        if fault == "bad-signature":
            sig = bytes([sig[0] ^ 0x01]) + sig[1:]
        return signing_input + "." + b64url(sig)
