"""Directory reads and the smaller server endpoints.

GET /user_management/users[/{id}], GET /user_management/organization_memberships,
GET /organizations/{id}, GET /events, POST /audit_logs/events,
POST /user_management/sessions/revoke, GET /sso/jwks/{client_id}.
Lists use WorkOS cursor pagination (util.paginate): cursors are object ids,
limit 1..100 (default 10), order default desc for users and memberships.
"""

import time

from .util import ApiError, code_error, list_body, list_params, not_found, paginate, \
    parse_iso, validation_error


def _one(query, name):
    v = query.get(name)
    return v[-1] if v else None


def list_users(app, req):
    q = req.query
    limit, order, before, after = list_params(q)
    st = app.state
    with st.lock:
        org_id = _one(q, "organization_id")
        email = (_one(q, "email") or "").lower() or None
        ids = st.org_user_ids(org_id) if org_id else st.user_ids
        keep = None
        if email:
            users = st.users

            def keep(i):
                return users[i]["email"].lower() == email
        page, b, a = paginate(ids, keep, limit, order, before, after)
        return 200, list_body([st.user_json(st.users[i]) for i in page], b, a)


def get_user(app, req, user_id):
    st = app.state
    with st.lock:
        u = st.users.get(user_id)
        if u is None:
            raise not_found("User", user_id)
        return 200, st.user_json(u)


def get_org(app, req, org_id):
    st = app.state
    with st.lock:
        o = st.orgs.get(org_id)
        if o is None:
            raise not_found("Organization", org_id)
        return 200, st.org_json(o)


def list_memberships(app, req):
    q = req.query
    limit, order, before, after = list_params(q)
    org_id, user_id = _one(q, "organization_id"), _one(q, "user_id")
    if not org_id and not user_id:
        raise code_error(400, "missing_user_id_or_organization_id",
                         "Either user_id or organization_id must be provided.")
    statuses = _one(q, "statuses")
    wanted = set(s for s in (statuses or "active").split(",") if s)
    bad = wanted - {"active", "inactive", "pending"}
    if bad:
        raise validation_error("statuses", "statuses must be active, inactive or pending")
    st = app.state
    with st.lock:
        if user_id:
            ids = sorted(st.by_user.get(user_id, []))
        else:
            ids = st.by_org.get(org_id, [])
        mems = st.memberships

        def keep(i):
            m = mems[i]
            return m["status"] in wanted and (not org_id or m["organization_id"] == org_id)
        page, b, a = paginate(ids, keep, limit, order, before, after)
        items = [st.membership_json(mems[i]) for i in page]
        if not st.settings["membership_embeds_user"]:
            for item in items:
                del item["user"]
        return 200, list_body(items, b, a)


def list_events(app, req):
    q = req.query
    limit, order, before, after = list_params(q, default_order="normal")
    kinds = _one(q, "events")
    if not kinds:
        raise ApiError(422, {"message": "Validation failed.",
                             "errors": [{"code": "events is required", "field": "events"}]})
    wanted = set(kinds.split(","))
    start = parse_iso(_one(q, "range_start")) if _one(q, "range_start") else None
    end = parse_iso(_one(q, "range_end")) if _one(q, "range_end") else None
    org_id = _one(q, "organization_id")
    st = app.state
    with st.lock:
        by_id = {e["id"]: e for e in st.events}

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
        # `normal` lists events oldest first, which is what incremental
        # readers following `after` expect.
        page, b, a = paginate(st.event_ids, keep, limit, order, before, after,
                              default_desc=False)
        from .util import iso
        return 200, list_body([dict(by_id[i], created_at=iso(by_id[i]["created_at"]))
                               for i in page], b, a)


AUDIT_KEY_TTL = 24 * 3600
AUDIT_METADATA_KEYS = 50
AUDIT_METADATA_KEY_LEN = 40
AUDIT_METADATA_VALUE_LEN = 500


def _audit_metadata_problems(md, where):
    """DOCS audit-logs/event/create: metadata holds at most 50 keys, names
    up to 40 characters, values up to 500 characters."""
    if md is None:
        return []
    if not isinstance(md, dict):
        return [{"instancePath": where}]
    out = []
    if len(md) > AUDIT_METADATA_KEYS:
        out.append({"instancePath": where})
    for k, v in md.items():
        if len(k) > AUDIT_METADATA_KEY_LEN:
            out.append({"instancePath": where + "/" + k})
        elif isinstance(v, str) and len(v) > AUDIT_METADATA_VALUE_LEN:
            out.append({"instancePath": where + "/" + k})
        elif not isinstance(v, (str, int, float, bool)):
            out.append({"instancePath": where + "/" + k})
    return out


def audit_log_event(app, req):
    """POST /audit_logs/events (workos-api-sources.md h).

    Required as the spec has them: organization_id (a 422 {message,
    errors[{code, field}]} when missing), event.action, occurred_at (ISO
    8601), actor.id/type, targets[] each with id/type, context.location;
    metadata (event, actor's, targets') within the documented limits.  Any
    of these wrong: 400 {code, message, errors[{instancePath}]}.  An
    Idempotency-Key seen in the last 24 h returns the first answer and
    stores nothing (DOCS)."""
    p = req.params
    key = req.headers.get("Idempotency-Key")
    st = app.state
    now = time.time()
    with st.lock:
        seen = st.idempotency.get(key) if key else None
        if seen is not None and now - seen[1] < AUDIT_KEY_TTL:
            return seen[0]
    if not p.get("organization_id"):
        raise ApiError(422, {"message": "Validation failed.",
                             "errors": [{"code": "organization_id is required",
                                         "field": "organization_id"}]})
    ev = p.get("event")
    problems = []
    if not isinstance(ev, dict):
        problems.append({"instancePath": "/event"})
    else:
        for field in ("action", "occurred_at", "actor", "targets", "context"):
            if field not in ev:
                problems.append({"instancePath": "/event/" + field})
        if "action" in ev and not (isinstance(ev["action"], str) and ev["action"]):
            problems.append({"instancePath": "/event/action"})
        if "occurred_at" in ev and parse_iso(ev.get("occurred_at")) is None:
            problems.append({"instancePath": "/event/occurred_at"})
        if isinstance(ev.get("actor"), dict):
            for field in ("id", "type"):
                if not isinstance(ev["actor"].get(field), str):
                    problems.append({"instancePath": "/event/actor/" + field})
            problems += _audit_metadata_problems(ev["actor"].get("metadata"),
                                                 "/event/actor/metadata")
        elif "actor" in ev:
            problems.append({"instancePath": "/event/actor"})
        if "targets" in ev and not isinstance(ev["targets"], list):
            problems.append({"instancePath": "/event/targets"})
        elif isinstance(ev.get("targets"), list):
            for i, t in enumerate(ev["targets"]):
                if not isinstance(t, dict):
                    problems.append({"instancePath": "/event/targets/%d" % i})
                    continue
                for field in ("id", "type"):
                    if not isinstance(t.get(field), str):
                        problems.append({"instancePath": "/event/targets/%d/%s" % (i, field)})
                problems += _audit_metadata_problems(t.get("metadata"),
                                                     "/event/targets/%d/metadata" % i)
        if isinstance(ev.get("context"), dict):
            if not isinstance(ev["context"].get("location"), str):
                problems.append({"instancePath": "/event/context/location"})
        elif "context" in ev:
            problems.append({"instancePath": "/event/context"})
        problems += _audit_metadata_problems(ev.get("metadata"), "/event/metadata")
    if problems:
        raise code_error(400, "invalid_audit_log_event", "Invalid Audit Log event",
                         errors=problems)
    with st.lock:
        if p["organization_id"] not in st.orgs:
            raise not_found("Organization", p["organization_id"])
        seen = st.idempotency.get(key) if key else None
        if seen is not None and now - seen[1] < AUDIT_KEY_TTL:
            return seen[0]
        st.audit_events.append({"organization_id": p["organization_id"], "event": ev,
                                "idempotency_key": key, "received_at": now})
        answer = (200, {"success": True})
        if key:
            st.idempotency[key] = (answer, now)
        return answer


def revoke_session(app, req):
    """POST /user_management/sessions/revoke, with the API key (the route
    says so: 401 {"message":"Unauthorized"} without it).

    OpenAPI spec (workos/openapi-spec spec/open-api-spec.yaml,
    UserlandSessionsController_revokeSession): body UserlandRevokeSessionDto
    {session_id (required; "can be extracted from the `sid` claim of the
    access token"), return_to?}; 200 with no body; 400 {message}, the only
    error it lists.  The Node SDK's userManagement.revokeSession posts
    {session_id} and returns nothing.  The 400's wording and what a second
    revoke of the same session answers are not documented: here the message
    names the id, and a repeat is a 200 like the first.  Revocations are in
    the request log (params.session_id, status) for tests to count."""
    sid = req.params.get("session_id")
    st = app.state
    if not isinstance(sid, str) or not sid:
        raise ApiError(400, {"message": "session_id must be a non-empty string."})
    with st.lock:
        sess = st.sessions.get(sid)
        if sess is None:
            raise ApiError(400, {"message": "Session not found: '%s'." % (sid,)})
        if not sess["revoked"]:
            sess["revoked"] = True
            sess["revoked_at"] = time.time()
        for tok in [t for t, s in st.refresh_tokens.items() if s == sid]:
            del st.refresh_tokens[tok]
        return 200, b""


def jwks(app, req, client_id):
    if client_id not in app.state.clients:
        raise ApiError(404, {"message": "Client not found: '%s'." % client_id})
    return 200, app.signer.jwks()
