#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seed inputs of the fuzz corpora (seed-* files).

Run from tests/fuzz/: ./mkcorpus.py.  Files the fuzzer found (fuzz-*,
crash-*) are kept as they are.  The key is fuzz_jwt_verify.c's."""
import base64, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "unit", "data")
NOW = 1700000000
ISS = "https://api.workos.test/user_management/client_01FUZZ"


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def b64(b):
    if isinstance(b, str):
        b = b.encode()
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


# ---- decode: first byte picks the decoder (see fuzz_decode.c) ----
DECODERS = ["api_error", "device_authorization", "authentication", "challenge",
            "verification", "enrollment", "factor_list", "user", "organization",
            "membership", "user_list", "membership_list"]
for fn in sorted(os.listdir(DATA)):
    base = fn[:-5]
    if base.startswith("error_"):
        sel = 0
    else:
        sel = next(i for i, d in reversed(list(enumerate(DECODERS))) if base.startswith(d))
    put("decode", base, bytes([sel]) + open(os.path.join(DATA, fn), "rb").read())
nasty = {
    "deep": "[" * 30 + "]" * 30,
    "deep-object": '{"a":' * 40 + "1" + "}" * 40,
    "html": "<html><body>502 Bad Gateway</body></html>",
    "ratelimited": "Ratelimited",
    "trailing": '{"code":"x","message":"y"} {}',
    "nul-in-string": '{"code":"a\\u0000b","message":"m"}',
    "raw-nul": '{"code":"ab\x00","message":"m"}',
    "bad-utf8": b'{"message":"\xc3\x28\xff"}',
    "overlong-utf8": b'{"message":"\xc0\xaf"}',
    "surrogate": '{"message":"\\ud800"}',
    "control": '{"message":"a\\u001b[31mred"}',
    "c1": '{"message":"a\\u0085b"}',
    "dup-keys": '{"code":"a","code":"b"}',
    "nan": '{"expires_in":NaN}',
    "bignum": '{"expires_in":1e400,"interval":-99999999999999999999999}',
    "empty": "",
    "empty-object": "{}",
    "nulls": '{"id":null,"email":null,"user":null,"items":null,"data":null}',
    "array": "[]",
    "long-string": '{"message":"' + "A" * 5000 + '"}',
}
for i, (k, v) in enumerate(sorted(nasty.items())):
    if isinstance(v, str):
        v = v.encode()
    put("decode", "nasty-%s" % k, bytes([i % 12]) + v)
user = {"object": "user", "id": "user_01A", "email": "ada@example.com", "email_verified": True,
        "first_name": "Ada", "last_name": None, "external_id": "ext-1",
        "metadata": {"unix_name": "ada", "k%d" % 1: "v"}}
put("decode", "user-metadata-types", b"\x07" + json.dumps(dict(user, metadata={"a": 1, "b": [1]})).encode())
put("decode", "user-list-many", b"\x0a" + json.dumps(
    {"object": "list", "data": [dict(user, id="user_%03d" % i) for i in range(130)],
     "list_metadata": {"before": None, "after": "user_129"}}).encode())
put("decode", "membership-roles-only", b"\x09" + json.dumps(
    {"id": "om_1", "user_id": "user_1", "organization_id": "org_1", "status": "pending",
     "roles": [{"slug": "r%d" % i} for i in range(70)]}).encode())
put("decode", "device-bad-uri", b"\x01" + json.dumps(
    {"device_code": "d", "user_code": "ABCD-EFGH", "verification_uri": "javascript:alert(1)",
     "expires_in": 0, "interval": 301}).encode())
put("decode", "error-sso", b"\x00" + json.dumps(
    {"code": "sso_required", "message": "m", "email": "a@b", "connection_ids": ["conn_1", 5, None]}).encode())
put("decode", "error-code-long", b"\x00" + json.dumps({"code": "x" * 64}).encode())
put("decode", "error-oauth", b"\x00" + json.dumps(
    {"error": "authorization_pending", "error_description": "wait"}).encode())

# ---- jwt / jwt_verify ----
sys.path.insert(0, HERE)
try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    src = open(os.path.join(HERE, "fuzz_jwt_verify.c")).read()
    pem = "".join(re.findall(r'\t"([^"]*)\\n"', src.split("fuzz_key_pem[] =")[1].split(";")[0]))
    pem = pem.replace("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\n")
    pem = pem.replace("-----END PRIVATE KEY-----", "\n-----END PRIVATE KEY-----\n")
    key = serialization.load_pem_private_key(pem.encode(), None)
except Exception as e:  # noqa
    sys.exit("mkcorpus: needs python3-cryptography and the fuzz key: %s" % e)


def sign(hdr, claims):
    h = b64(hdr if isinstance(hdr, (str, bytes)) else json.dumps(hdr))
    c = b64(claims if isinstance(claims, (str, bytes)) else json.dumps(claims))
    sig = key.sign(("%s.%s" % (h, c)).encode(), padding.PKCS1v15(), hashes.SHA256())
    return "%s.%s.%s" % (h, c, b64(sig))


HDR = {"alg": "RS256", "kid": "fuzz-a", "typ": "JWT"}
CLAIMS = {"iss": ISS, "sub": "user_01FUZZ", "sid": "session_01S", "org_id": "org_01FUZZ",
          "role": "admin", "roles": ["admin", "devops"], "permissions": ["widgets:read"],
          "jti": "01J", "iat": NOW - 10, "exp": NOW + 290}
tokens = {
    "valid": sign(HDR, CLAIMS),
    "impersonated": sign(HDR, dict(CLAIMS, act={"sub": "admin@workos.test"})),
    "expired": sign(HDR, dict(CLAIMS, exp=NOW - 1000)),
    "nbf-future": sign(HDR, dict(CLAIMS, nbf=NOW + 1000)),
    "wrong-org": sign(HDR, dict(CLAIMS, org_id="org_02OTHER")),
    "wrong-iss": sign(HDR, dict(CLAIMS, iss="https://evil.test/")),
    "exp-float": sign(HDR, dict(CLAIMS, exp=1.7e9)),
    "exp-huge": sign(HDR, dict(CLAIMS, exp=2 ** 63 - 1)),
    "roles-bad": sign(HDR, dict(CLAIMS, roles=["ok", 1, None, "\u0007"])),
    "alg-none": b64(json.dumps({"alg": "none", "kid": "fuzz-a"})) + "." + b64(json.dumps(CLAIMS)) + ".x",
    "alg-hs256": sign({"alg": "HS256", "kid": "fuzz-a"}, CLAIMS),
    "crit": sign(dict(HDR, crit=["exp"]), CLAIMS),
    "no-kid": sign({"alg": "RS256"}, CLAIMS),
    "ec-kid": sign(dict(HDR, kid="fuzz-ec"), CLAIMS),
    "unknown-kid": sign(dict(HDR, kid="nope"), CLAIMS),
    "jwk-embedded": sign(dict(HDR, jwk={"kty": "RSA", "n": "AQAB", "e": "AQAB"}), CLAIMS),
    "kid-control": sign(dict(HDR, kid="a\u0001b"), CLAIMS),
    "two-parts": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ",
    "four-parts": "a.b.c.d",
    "empty-part": "a..c",
    "dots": "..",
    "padding": b64(json.dumps(HDR)) + "==." + b64("{}") + ".AA==",
    "bad-b64": "e$.e%.e^",
    "header-array": b64("[]") + "." + b64("{}") + ".AA",
    "header-trailing": b64('{"alg":"RS256","kid":"fuzz-a"}x') + "." + b64("{}") + ".AA",
    "long": "a" * 17000 + ".b.c",
}
for k, v in tokens.items():
    put("jwt", k, v)
    put("jwt_verify", "token-" + k, b"\x00" + v.encode())
for k, v in {"claims": CLAIMS, "claims-act-string": dict(CLAIMS, act="x"),
             "claims-sub-bad": dict(CLAIMS, sub="org_1"), "claims-min": {"sub": "user_1", "exp": 1}}.items():
    put("jwt", k, json.dumps(v))
signed = {
    "valid": (HDR, CLAIMS),
    "valid-expect": (HDR, CLAIMS),
    "expired": (HDR, dict(CLAIMS, exp=NOW - 1000)),
    "iat-future": (HDR, dict(CLAIMS, iat=NOW + 1000)),
    "nbf-future": (HDR, dict(CLAIMS, nbf=NOW + 1000)),
    "wrong-sub": (HDR, dict(CLAIMS, sub="user_02OTHER")),
    "wrong-org": (HDR, dict(CLAIMS, org_id="org_02OTHER")),
    "no-org": (HDR, {k: v for k, v in CLAIMS.items() if k != "org_id"}),
    "iss-bare": (HDR, dict(CLAIMS, iss="https://api.workos.test/")),
    "impersonated": (HDR, dict(CLAIMS, act={"sub": "admin@workos.test"})),
    "crit": (dict(HDR, crit=[]), CLAIMS),
}
for i, (k, (h, c)) in enumerate(signed.items()):
    mode = 1 | ((i % 4) << 1)
    if k == "valid-expect":
        mode = 1 | (3 << 1)
    put("jwt_verify", "signed-" + k, bytes([mode]) + json.dumps(h).encode() + b"\n" + json.dumps(c).encode())
put("jwt_verify", "signed-garbage", b"\x01{\n}")

# ---- jwks ----
VJ = src.split("fuzz_jwks[] =")[1].split(";")[0]
fuzz_jwks = "".join(re.findall(r'\t"(.*)"', VJ)).replace('\\"', '"')
jw = json.loads(fuzz_jwks)
rsa = jw["keys"][0]
put("jwks", "fuzz-set", fuzz_jwks)
put("jwks", "emulator-like", json.dumps({"keys": [dict(rsa, kid="k")], "rogue_kid": "x"}))
put("jwks", "ec-only", json.dumps({"keys": [jw["keys"][1]]}))
put("jwks", "dup-kid", json.dumps({"keys": [rsa, rsa]}))
put("jwks", "even-e", json.dumps({"keys": [dict(rsa, e="Ag")]}))
put("jwks", "e-huge", json.dumps({"keys": [dict(rsa, e="AQAAAAAB")]}))
put("jwks", "n-small", json.dumps({"keys": [dict(rsa, n=b64(b"\xc1" * 64))]}))
put("jwks", "n-zeros", json.dumps({"keys": [dict(rsa, n="AAAA" + rsa["n"])]}))
put("jwks", "use-enc", json.dumps({"keys": [dict(rsa, use="enc"), dict(rsa, kid="k")]}))
put("jwks", "alg-hs", json.dumps({"keys": [dict(rsa, alg="HS256"), {"kty": "oct", "k": "AAAA", "kid": "k"}]}))
put("jwks", "too-many", json.dumps({"keys": [dict(rsa, kid="k%d" % i) for i in range(21)]}))
put("jwks", "missing-n", json.dumps({"keys": [{"kty": "RSA", "kid": "k", "e": "AQAB"}]}))
put("jwks", "types", json.dumps({"keys": [{"kty": 1, "kid": None, "n": [], "e": {}}, 5, None]}))
put("jwks", "not-object", "[]")
put("jwks", "keys-object", '{"keys":{}}')
put("jwks", "empty", "")
put("jwks", "kid-long", json.dumps({"keys": [dict(rsa, kid="k" * 200)]}))

# ---- config ----
FULL = """# workos.conf
client_id = client_01FUZZ
organization_id = org_01FUZZ
api_key_file = /etc/workos/api_key
api_hostname = api.workos.com
api_port = 443
api_https = yes
ca_file = /etc/ssl/certs/ca-certificates.crt
http_timeout = 10
username_from = email_localpart
allowed_roles = admin, devops
group_prefix = workos-
member_group = workos-users
uid_min = 200000
uid_max = 299999
gid_min = 200000
gid_max = 299999
home_dir = /home/%u
shell = /bin/bash
device_timeout = 100
qr = auto
allow_impersonation = no
"""
put("config", "full", FULL)
put("config", "minimal", "client_id = c\norganization_id = org_1\n")
put("config", "crlf", FULL.replace("\n", "\r\n"))
put("config", "metadata", "client_id = c\norganization_id = org_1\nusername_from = metadata:unix_name\n")
put("config", "loopback-http", "client_id = c\norganization_id = org_1\napi_hostname = 127.0.0.1\napi_https = no\napi_port = 8443\n")
put("config", "remote-http", "client_id = c\norganization_id = org_1\napi_hostname = example.com\napi_https = off\n")
put("config", "dup", "client_id = c\nclient_id = d\norganization_id = org_1\n")
put("config", "unknown", "client_id = c\norganization_id = org_1\nfoo = bar\n")
put("config", "ranges", "client_id = c\norganization_id = org_1\nuid_min = 4294967295\nuid_max = 0\ngid_min = -1\nhttp_timeout = 99999999999999999999\n")
put("config", "home-percent", "client_id = c\norganization_id = org_1\nhome_dir = /h/%u/%%/%u%u%\n")
put("config", "nul", b"client_id = c\x00d\norganization_id = org_1\n")
put("config", "long-line", "client_id = " + "c" * 9000 + "\norganization_id = org_1\n")
put("config", "no-newline", "client_id = c\norganization_id = org_1")
put("config", "roles-empty", "client_id = c\norganization_id = org_1\nallowed_roles = ,, ,\n")
put("config", "member-group-empty", "client_id = c\norganization_id = org_1\nmember_group =\ngroup_prefix =\n")
put("config", "spaces", "  client_id\t=\tc  \n\torganization_id=org_1\n#x\n\n   \n")
put("config", "no-equals", "client_id c\n")
put("config", "utf8", "client_id = c\norganization_id = org_1\nshell = /bin/\xc3\xa9\n")

# ---- mapping: mode byte, then email \0 external_id \0 metadata ----
maps = {
    "localpart": (0x04, "Ada.Lovelace@Example.com", "ext", "meta"),
    "localpart-unverified": (0x00, "ada@example.com", "", ""),
    "localpart-plus": (0x04, "ada+ops@example.com", "", ""),
    "localpart-quoted": (0x04, '"a@b"@example.com', "", ""),
    "localpart-no-at": (0x04, "ada", "", ""),
    "localpart-long": (0x04, "a" * 40 + "@x", "", ""),
    "localpart-33": (0x04, "a" * 33 + "@x", "", ""),
    "localpart-32": (0x04, "a" * 32 + "@x", "", ""),
    "email": (0x05, "ada@example.com", "", ""),
    "email-long": (0x05, "a" * 20 + "@" + "b" * 20, "", ""),
    "external": (0x02, "", "Ada_1", ""),
    "external-digit": (0x02, "", "1ada", ""),
    "external-absent": (0x12, "", "", ""),
    "metadata": (0x03, "", "", "ada"),
    "metadata-colon": (0x03, "", "", "ada:x"),
    "metadata-absent": (0x23, "", "", ""),
    "utf8": (0x04, "\u00e9l\u00e8ve@x", "\u0130", "\u212a"),
    "empty-all": (0x04, "", "", ""),
}
for k, (m, e, x, md) in maps.items():
    put("mapping", k, bytes([m]) + b"\0".join(s.encode() for s in (e, x, md)))
print("corpora written")
