#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz_snapshot.c into corpus/snapshot/ (run it
again after changing the format).  Seeds starting with 0x01 are the signed
part only (the target signs it); 0x00 seeds are whole files signed with the
target's key, found in fuzz_snapshot.c."""
import hashlib
import os
import re

from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "snapshot")
src = open(os.path.join(HERE, "fuzz_snapshot.c")).read()
pem = "".join(re.findall(r'"(-----BEGIN PRIVATE KEY-----\\n|[A-Za-z0-9+/=]+\\n|-----END PRIVATE KEY-----\\n)"', src))
key = serialization.load_pem_private_key(pem.replace("\\n", "\n").encode(), None)


def header(org="org_01FUZZ", serial="7", created="1700000000", uids="200000 299999",
           cache=b"C" * 40, idmap=b"workos-idmap 2\n", end="end"):
    h = ("workos-snapshot 1\norganization %s\nserial %s\ncreated %s\nuid-range %s\n"
         "cache %d %s\nidmap %d %s\n%s\n" % (org, serial, created, uids, len(cache),
                                              hashlib.sha256(cache).hexdigest(), len(idmap),
                                              hashlib.sha256(idmap).hexdigest(), end))
    return h.encode() + cache + idmap


def put(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


os.makedirs(OUT, exist_ok=True)
good = header()
put("signed-valid", b"\x01" + good)
put("signed-other-org", b"\x01" + header(org="org_01OTHER"))
put("signed-serial-zero", b"\x01" + header(serial="0"))
put("signed-serial-overflow", b"\x01" + header(serial="18446744073709551616"))
put("signed-uid-reversed", b"\x01" + header(uids="299999 200000"))
put("signed-no-end", b"\x01" + header(end="ned"))
put("signed-size-mismatch", b"\x01" + good[:-1])
put("signed-nul-in-org", b"\x01" + good.replace(b"org_01FUZZ", b"org_0\x00FUZZ"))
put("signed-header-only", b"\x01" + good[:good.index(b"end\n") + 4])
put("file-valid", b"\x00" + good + key.sign(good))
put("file-bad-signature", b"\x00" + good + bytes(64))
put("file-short", b"\x00workos-snapshot 1\n")
