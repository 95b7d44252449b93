"""Identifiers, timestamps, JSON answers and cursor pagination."""

import base64
import json
import os
import secrets
import threading
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ulid_lock = threading.Lock()
_ulid_last = [0, 0]


def _b32(value, length):
    out = []
    for _ in range(length):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(prefix):
    """A WorkOS-style id: prefix_ + ULID, monotonic so ids sort by creation."""
    with _ulid_lock:
        ms = int(time.time() * 1000)
        if ms <= _ulid_last[0]:
            ms = _ulid_last[0]
            rnd = _ulid_last[1] + 1
        else:
            rnd = secrets.randbits(79)
        _ulid_last[0], _ulid_last[1] = ms, rnd
    return "%s_%s%s" % (prefix, _b32(ms, 10), _b32(rnd, 16))


def ulid_time_prefix(ms):
    return _b32(ms, 10)


def opaque(nbytes=32):
    return base64.urlsafe_b64encode(os.urandom(nbytes)).rstrip(b"=").decode()


def iso(ts):
    """Epoch seconds -> the ISO-8601 form WorkOS uses (ms, Z)."""
    if ts is None:
        return None
    whole = int(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + ".%03dZ" % int(
        (ts - whole) * 1000)


def parse_iso(text):
    """ISO-8601 (Z or +00:00) -> epoch seconds; None when it does not parse."""
    import datetime
    if not isinstance(text, str):
        return None
    try:
        t = text.replace("Z", "+00:00")
        return datetime.datetime.fromisoformat(t).timestamp()
    except ValueError:
        return None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class ApiError(Exception):
    """An answer other than 2xx, already in the shape WorkOS uses for it."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def oauth_error(status, error, description, **extra):
    body = {"error": error, "error_description": description}
    body.update(extra)
    return ApiError(status, body)


def code_error(status, code, message, **extra):
    body = {"code": code, "message": message}
    body.update(extra)
    return ApiError(status, body)


def validation_error(field, what):
    return ApiError(422, {"code": "invalid_request_parameters",
                          "message": "Validation failed.",
                          "errors": [{"field": field, "code": what}]})


def not_found(thing, ident):
    return ApiError(404, {"code": "entity_not_found",
                          "message": "%s not found: '%s'." % (thing, ident),
                          "entity_id": ident})


def list_params(query, default_order="desc"):
    """Reads limit/before/after/order the way WorkOS validates them."""
    raw = query.get("limit", ["10"])[-1]
    try:
        limit = int(raw)
    except ValueError:
        raise validation_error("limit", "limit must be an integer")
    if limit < 1 or limit > 100:
        raise validation_error("limit", "limit must be between 1 and 100")
    order = query.get("order", [default_order])[-1]
    if order not in ("asc", "desc", "normal"):
        raise validation_error("order", "order must be one of asc, desc, normal")
    before = query.get("before", [None])[-1] or None
    after = query.get("after", [None])[-1] or None
    if before and after:
        raise validation_error("before", "before and after cannot both be given")
    return limit, order, before, after


def paginate(ids, keep, limit, order, before, after, default_desc=True):
    """Cursor pagination over `ids`, a list sorted ascending by id (ids are
    ULIDs, so that is creation order).  The cursors are object ids, as on the
    real API: `after` returns what follows the cursor object in the requested
    order, `before` what precedes it.  `keep(id)` filters.  Returns
    (page_ids, before_cursor, after_cursor)."""
    import bisect
    desc = order == "desc" or (order == "normal" and default_desc)
    n = len(ids)
    if desc:
        # Walk from high to low ids.
        if after:
            pos = bisect.bisect_left(ids, after) - 1
        elif before:
            pos = None
        else:
            pos = n - 1
        step = -1
    else:
        if after:
            pos = bisect.bisect_right(ids, after)
        elif before:
            pos = None
        else:
            pos = 0
        step = 1
    if pos is None:
        # `before`: collect backwards from the cursor, then flip.
        if desc:
            pos, step = bisect.bisect_right(ids, before), 1
        else:
            pos, step = bisect.bisect_left(ids, before) - 1, -1
        page = _walk(ids, keep, pos, step, limit + 1)
        more_before = len(page) > limit
        page = page[:limit]
        page.reverse()
        more_after = True
    else:
        page = _walk(ids, keep, pos, step, limit + 1)
        more_after = len(page) > limit
        page = page[:limit]
        more_before = bool(after)
    return (page,
            page[0] if page and more_before else None,
            page[-1] if page and more_after else None)


def _walk(ids, keep, pos, step, want):
    out = []
    n = len(ids)
    while 0 <= pos < n and len(out) < want:
        ident = ids[pos]
        if keep is None or keep(ident):
            out.append(ident)
        pos += step
    return out


def list_body(items, before, after):
    return {"object": "list", "data": items,
            "list_metadata": {"before": before, "after": after}}
