"""workos_emu: a local stand-in for the WorkOS API, for tests only.

It speaks the wire format documented in doc/workos-wire-notes.md (HTTPS with a
test CA, RS256 access tokens and JWKS, cursor pagination, both error body
shapes, 429 with Retry-After) and has a separate plain-HTTP control port that
tests use to approve device codes and inject faults.
"""
