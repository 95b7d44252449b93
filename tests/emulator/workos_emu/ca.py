"""Test TLS material, generated once per state directory and reused.

- ca.pem / ca.key: the test CA that clients are told to trust.
- server.pem / server.key: 127.0.0.1 + localhost, signed by the test CA.
- wrong-ca.pem and wrong-ca-server.pem/.key: a second CA nobody trusts, with
  its own certificate for 127.0.0.1 + localhost ("untrusted-ca" fault).
- wrong-host.pem/.key: signed by the test CA but only for wrong.host.invalid
  ("wrong-host" fault).
- signing-key.pem (+ .pub.pem), rogue-signing-key.pem: RSA keys for RS256 access tokens;
  the rogue key is never published (the "unknown-kid" token fault).
EC P-256 keys keep first start fast; RSA is only used where WorkOS uses it.
"""

import datetime
import ipaddress
import json
import os

from .tokens import kid_for
from .util import b64url

DAY = datetime.timedelta(days=1)
# cryptography.x509 takes ~0.3 s to import: only load it to generate.
x509 = hashes = serialization = ec = rsa = NameOID = None


def _imports():
    global x509, hashes, serialization, ec, rsa, NameOID
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID


def _write(path, data, mode=0o600):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pam_workos tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _make_ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY).not_valid_after(now + 3650 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                         False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_leaf(ca_key, ca_cert, cn, dns, ips):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i))
                                             for i in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY).not_valid_after(now + 825 * DAY)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


FILES = ("ca.pem", "server.pem", "server.key", "wrong-ca.pem", "wrong-ca-server.pem",
         "wrong-ca-server.key", "wrong-host.pem", "wrong-host.key", "signing-key.pem",
         "signing-key.pub.pem", "rogue-signing-key.pem", "jwks.json")


def ensure(state_dir):
    """Creates whatever is missing; returns a dict of absolute paths."""
    paths = {name: os.path.join(state_dir, name) for name in FILES}
    paths["ca.key"] = os.path.join(state_dir, "ca.key")
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    _imports()
    pem = serialization.Encoding.PEM
    ca_key, ca_cert = _make_ca("pam_workos test CA")
    _write(paths["ca.key"], _key_pem(ca_key))
    _write(paths["ca.pem"], ca_cert.public_bytes(pem), 0o644)
    k, c = _make_leaf(ca_key, ca_cert, "localhost", ["localhost"], ["127.0.0.1", "::1"])
    _write(paths["server.key"], _key_pem(k))
    _write(paths["server.pem"], c.public_bytes(pem), 0o644)
    k, c = _make_leaf(ca_key, ca_cert, "wrong.host.invalid", ["wrong.host.invalid"], [])
    _write(paths["wrong-host.key"], _key_pem(k))
    _write(paths["wrong-host.pem"], c.public_bytes(pem), 0o644)
    wca_key, wca_cert = _make_ca("untrusted test CA")
    _write(paths["wrong-ca.pem"], wca_cert.public_bytes(pem), 0o644)
    k, c = _make_leaf(wca_key, wca_cert, "localhost", ["localhost"], ["127.0.0.1", "::1"])
    _write(paths["wrong-ca-server.key"], _key_pem(k))
    _write(paths["wrong-ca-server.pem"], c.public_bytes(pem), 0o644)
    kids = {}
    for name in ("signing-key", "rogue-signing-key"):
        key = rsa.generate_private_key(65537, 2048)
        _write(paths[name + ".pem"], _key_pem(key))
        if name + ".pub.pem" in paths:
            _write(paths[name + ".pub.pem"], key.public_key().public_bytes(
                pem, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
        kids[name] = key.public_key().public_numbers()
    pub = kids["signing-key"]
    jwk = {"alg": "RS256", "kty": "RSA", "use": "sig", "kid": kid_for(pub.n),
           "n": b64url(pub.n.to_bytes((pub.n.bit_length() + 7) // 8, "big")),
           "e": b64url(pub.e.to_bytes((pub.e.bit_length() + 7) // 8, "big"))}
    _write(paths["jwks.json"], json.dumps({"keys": [jwk], "rogue_kid": kid_for(
        kids["rogue-signing-key"].n)}).encode(), 0o644)
    return paths
