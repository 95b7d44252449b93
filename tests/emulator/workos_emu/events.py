"""GET /events, the Events API (workos-api-sources.md section f).

Parameters (DOCS events/list.mdx, SDK listEvents): `events` (required: a
comma list of names; missing → 422 as a validation error), `organization_id`
(membership events of that organization only: "User events (e.g
user.created) will not be Organization specific", read here as "not in an
organization's list"), `range_start`/`range_end` (ISO 8601; `after` and
`range_start` are "Mutually exclusive" → 422 when both come), `limit` 1..100
(default 10), `after`, `order`.

Order: the OpenAPI spec's enum is normal|desc|asc with default desc;
`normal` is "descending with reversed cursor semantics where before fetches
older records and after fetches newer records".  The docs' guide pages
forward with `after`.  Setting events_order_docs picks the default (0: the
spec's desc, 1: the docs' forward reading), so that a client which does
not send `order` fails one of the two.

Retention: events older than the `events_retention` setting (seconds; 0 =
all kept) are gone.  What WorkOS answers for an `after` naming an event it
no longer has (or never had) is not documented (UNCONFIRMED); here it is
400 {code:"invalid_request_parameters", message, errors}, the spec's
validation-error shape, and clients should treat any error as "list
everything again".

Every control-endpoint change to users and memberships appends an event
(state.py emit): data is the user, or the membership without its embedded
user.
"""

import bisect
import time

from .util import ApiError, iso, list_body, list_params, parse_iso, validation_error


def _one(query, name):
    v = query.get(name)
    return v[-1] if v else None


def _time(q, name):
    v = _one(q, name)
    if v is None:
        return None
    t = parse_iso(v)
    if t is None:
        raise validation_error(name, "%s must be an ISO 8601 date" % name)
    return t


def list_events(app, req):
    q = req.query
    st = app.state
    default = "asc" if st.settings["events_order_docs"] else "desc"
    limit, order, before, after = list_params(q, default_order=default)
    kinds = _one(q, "events")
    if not kinds:
        raise ApiError(422, {"message": "Validation failed.",
                             "errors": [{"code": "events is required", "field": "events"}]})
    wanted = set(k for k in kinds.split(",") if k)
    start, end = _time(q, "range_start"), _time(q, "range_end")
    if after and start is not None:
        raise validation_error("after", "after and range_start are mutually exclusive")
    org_id = _one(q, "organization_id")
    with st.lock:
        keep_s = st.settings["events_retention"]
        horizon = time.time() - keep_s if keep_s else None
        live = [e for e in st.events if horizon is None or e["created_at"] >= horizon]
        ids = [e["id"] for e in live]  # ascending: ids are monotonic ULIDs
        by_id = {e["id"]: e for e in live}
        for cursor in (after, before):
            if cursor and cursor not in by_id:
                raise ApiError(400, {"code": "invalid_request_parameters",
                                     "message": "Validation failed.",
                                     "errors": [{"field": "after" if cursor == after else
                                                 "before",
                                                 "code": "cursor does not name an event that "
                                                         "is still kept"}]})

        def keep(i):
            e = by_id[i]
            if e["event"] not in wanted:
                return False
            if start is not None and e["created_at"] < start:
                return False
            if end is not None and e["created_at"] > end:
                return False
            if org_id and e["data"].get("organization_id") != org_id:
                return False
            return True

        page, b, a = _page(ids, keep, limit, order, before, after)
        return 200, list_body([dict(by_id[i], created_at=iso(by_id[i]["created_at"]))
                               for i in page], b, a)


def _walk(ids, keep, pos, step, want):
    out = []
    while 0 <= pos < len(ids) and len(out) < want:
        if keep(ids[pos]):
            out.append(ids[pos])
        pos += step
    return out


def _page(ids, keep, limit, order, before, after):
    """(page ids in answer order, before cursor, after cursor)."""
    if order == "asc":
        # Oldest first; after = newer, before = older.
        if before:
            got = _walk(ids, keep, bisect.bisect_left(ids, before) - 1, -1, limit + 1)
            more = len(got) > limit
            got = list(reversed(got[:limit]))
            return got, (got[0] if got and more else None), (got[-1] if got else None)
        pos = bisect.bisect_right(ids, after) if after else 0
        got = _walk(ids, keep, pos, 1, limit + 1)
        more = len(got) > limit
        got = got[:limit]
        return got, (got[0] if got and after else None), (got[-1] if got and more else None)
    if order == "desc":
        # Newest first; after = the next page, older; before = newer.
        if before:
            got = _walk(ids, keep, bisect.bisect_right(ids, before), 1, limit + 1)
            more = len(got) > limit
            got = list(reversed(got[:limit]))
            return got, (got[0] if got and more else None), (got[-1] if got else None)
        pos = bisect.bisect_left(ids, after) - 1 if after else len(ids) - 1
        got = _walk(ids, keep, pos, -1, limit + 1)
        more = len(got) > limit
        got = got[:limit]
        return got, (got[0] if got and after else None), (got[-1] if got and more else None)
    # normal: shown newest first, but `after` fetches newer records and
    # `before` older ones (the spec's "reversed cursor semantics").
    if after:
        got = _walk(ids, keep, bisect.bisect_right(ids, after), 1, limit + 1)
        more = len(got) > limit
        got = got[:limit]
        newest = got[-1] if got and more else None
        got.reverse()
        return got, (got[-1] if got else None), newest
    pos = bisect.bisect_left(ids, before) - 1 if before else len(ids) - 1
    got = _walk(ids, keep, pos, -1, limit + 1)
    more = len(got) > limit
    got = got[:limit]
    return got, (got[-1] if got and more else None), (got[0] if got and before else None)
