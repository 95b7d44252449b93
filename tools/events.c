/* SPDX-License-Identifier: MIT */
/*
 * Incremental sync: the directory as last synced, kept next to the cache
 * (sync_state), brought up to date from the Events API.
 *
 * Why it is safe: the events are read oldest first (order=asc, always sent:
 * the spec's default is desc, the docs' guide reads forward) from the last
 * event applied, each applied to the saved directory as a full listing
 * would see its result, and the directory then goes through sync_build like
 * a listed one.  Whenever that chain may have a gap (no state, a state we
 * cannot read, another organization or username rule, a cursor older than
 * what WorkOS keeps, an events answer we cannot use or an error status for
 * it) the run lists everyone instead; and every full_sync_interval it does
 * so anyway.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "atomic_file.h"
#include "json.h"
#include "sync.h"

#define EVENT_NAMES                                                                                \
	"organization_membership.created,organization_membership.updated,"                         \
	"organization_membership.deleted,user.created,user.updated,user.deleted"

/* DOCS events/list.mdx: the list reaches 30 days back.  A day of margin. */
#define EVENTS_WINDOW (29 * 86400)
/* range_start, when there is no usable cursor, is the full listing's
 * start less this much: clocks differ, and replaying an event is harmless. */
#define CLOCK_MARGIN	300
#define MAX_EVENT_PAGES 100000u
#define STATE_MAX_BYTES (512u << 20)
#define STATE_MAGIC	"workos-sync state 1"

/* --- applying events ------------------------------------------------------- */

static size_t find_member(const struct sync_directory *d, const char *user_id, bool *found)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->v[mid].user_id, user_id);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void remove_at(struct sync_directory *d, size_t i)
{
	sync_member_clear(&d->v[i]);
	memmove(&d->v[i], &d->v[i + 1], (d->n - i - 1) * sizeof(*d->v));
	d->n--;
}

static struct sync_member *insert_at(struct sync_directory *d, size_t i)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 128;
		struct sync_member *v = realloc(d->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	memmove(&d->v[i + 1], &d->v[i], (d->n - i) * sizeof(*d->v));
	memset(&d->v[i], 0, sizeof(d->v[i]));
	d->n++;
	return &d->v[i];
}

static void clear_user_fields(struct sync_member *m)
{
	free(m->email);
	free(m->first_name);
	free(m->last_name);
	free(m->external_id);
	free(m->meta_username);
	free(m->meta_uid);
	m->email = m->first_name = m->last_name = m->external_id = NULL;
	m->meta_username = m->meta_uid = NULL;
	m->email_verified = false;
}

static int apply_membership(const struct wo_config *cfg, struct sync_directory *d,
			    enum wo_event_kind kind, struct wo_membership *ms, struct wo_error *err)
{
	bool found;
	size_t i;
	struct sync_member *m;

	/* Memberships of other organizations are none of this host's. */
	if (strcmp(ms->organization_id, cfg->organization_id) != 0)
		return 0;
	i = find_member(d, ms->user_id, &found);
	if (kind == WO_EVENT_MEMBERSHIP_DELETED || !wo_membership_is_active(ms) ||
	    (ms->user != NULL &&
	     (ms->user->id == NULL || strcmp(ms->user->id, ms->user_id) != 0))) {
		/* Gone, deactivated, pending, or carrying another user (which a
		 * full listing leaves out too): no account.  Only this membership
		 * ends the member: a user's other membership is not this one. */
		if (found && strcmp(d->v[i].membership_id, ms->id) == 0)
			remove_at(d, i);
		return 0;
	}
	if (!found) {
		m = insert_at(d, i);
		if (m == NULL)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		m->user_id = ms->user_id;
		ms->user_id = NULL;
		m->needs_user = true;
	} else {
		m = &d->v[i];
		free(m->membership_id);
		m->membership_id = NULL;
		for (size_t k = 0; k < m->n_roles; k++)
			free(m->roles[k]);
		free(m->roles);
	}
	m->membership_id = ms->id;
	ms->id = NULL;
	m->roles = ms->roles;
	m->n_roles = ms->role_count;
	ms->roles = NULL;
	ms->role_count = 0;
	if (ms->user != NULL) {
		clear_user_fields(m);
		if (sync_take_user(cfg, d, m, ms->user) != 0)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		m->needs_user = false;
	}
	return 0;
}

static int apply_user(const struct wo_config *cfg, struct sync_directory *d,
		      enum wo_event_kind kind, struct wo_user *u, struct wo_error *err)
{
	bool found;
	size_t i = find_member(d, u->id, &found);

	/* User events are not organization specific: only members count. */
	if (!found)
		return 0;
	if (kind == WO_EVENT_USER_DELETED) {
		remove_at(d, i);
		return 0;
	}
	clear_user_fields(&d->v[i]);
	if (sync_take_user(cfg, d, &d->v[i], u) != 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	d->v[i].needs_user = false;
	return 0;
}

int sync_apply_event(const struct wo_config *cfg, struct sync_directory *d, struct wo_event *ev,
		     struct wo_error *err)
{
	switch (ev->kind) {
	case WO_EVENT_USER_CREATED:
	case WO_EVENT_USER_UPDATED:
	case WO_EVENT_USER_DELETED:
		return apply_user(cfg, d, ev->kind, ev->user, err);
	case WO_EVENT_MEMBERSHIP_CREATED:
	case WO_EVENT_MEMBERSHIP_UPDATED:
	case WO_EVENT_MEMBERSHIP_DELETED:
		return apply_membership(cfg, d, ev->kind, ev->membership, err);
	case WO_EVENT_OTHER:
		break;
	}
	return 0;
}

/* Members an event added without their user (membership events need not
 * embed it): one GET each, as a full listing does for late joiners. */
static int fill_needed_users(struct wo_client *c, const struct wo_config *cfg,
			     struct sync_directory *d, struct wo_error *err)
{
	for (size_t i = 0; i < d->n;) {
		struct sync_member *m = &d->v[i];
		struct wo_user u;

		if (!m->needs_user) {
			i++;
			continue;
		}
		d->user_gets++;
		if (wo_api_get_user(c, m->user_id, &u, err) != 0) {
			if (err->http_status != 404)
				return wo_error_prefix(err, "user %s", m->user_id);
			sync_warn("member %s: WorkOS has no such user any more; left out",
				  m->user_id);
			wo_error_clear(err);
			remove_at(d, i);
			continue;
		}
		int rc = sync_take_user(cfg, d, m, &u);
		wo_user_clear(&u);
		if (rc != 0)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		m->needs_user = false;
		i++;
	}
	return 0;
}

/* --- times ----------------------------------------------------------------- */

/* "2024-01-02T03:04:05[.fff](Z|+00:00)" → seconds; -1 when it is not. */
static int64_t parse_time(const char *s)
{
	struct tm tm = {0};
	char *end;

	if (s == NULL)
		return -1;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	if (*end == '.') {
		end++;
		if (*end < '0' || *end > '9')
			return -1;
		while (*end >= '0' && *end <= '9')
			end++;
	}
	if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)
		return -1;
	return (int64_t)timegm(&tm);
}

static void format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* --- reading the events ------------------------------------------------------ */

/* An answer that says our cursor or range is not (any more) one WorkOS
 * serves, or that we cannot read: a full listing repairs both.  401 is the
 * key (a configuration error), 429 and 5xx would only get worse with a
 * listing: those fail the run. */
static bool calls_for_listing(const struct wo_error *err)
{
	if (err->kind == WO_ERR_DECODE)
		return true;
	if (err->kind != WO_ERR_API && err->kind != WO_ERR_HTTP)
		return false;
	return err->http_status >= 400 && err->http_status < 500 && err->http_status != 401 &&
	       err->http_status != 408 && err->http_status != 429;
}

static int set_cursor(struct sync_state *st, const struct wo_event *ev, int64_t t,
		      struct wo_error *err)
{
	char *id = strdup(ev->id);

	if (id == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	free(st->cursor);
	st->cursor = id;
	st->cursor_time = t;
	return 0;
}

int sync_events_mark(struct wo_client *c, struct sync_state *st, int64_t now, struct wo_error *err)
{
	struct wo_event_list page;
	int64_t t;

	free(st->cursor);
	st->cursor = NULL;
	st->cursor_time = 0;
	st->full_at = now;
	if (wo_api_list_events(c, EVENT_NAMES, "desc", 1, NULL, NULL, &page, err) != 0) {
		if (!calls_for_listing(err))
			return -1;
		/* The next run starts from the listing's time instead. */
		sync_warn("cannot read the events (%s); the next run starts from this listing's "
			  "time",
			  err->message);
		wo_error_clear(err);
		return 0;
	}
	st->event_requests++;
	if (page.count > 0 && (t = parse_time(page.items[0].created_at)) >= 0 &&
	    set_cursor(st, &page.items[0], t, err) != 0) {
		wo_event_list_clear(&page);
		return -1;
	}
	wo_event_list_clear(&page);
	return 0;
}

int sync_events_apply(struct wo_client *c, const struct wo_config *cfg, struct sync_state *st,
		      int64_t now, struct wo_error *err)
{
	struct wo_event_list page = {0};
	char *after = NULL, start[40];
	const char *range_start = NULL;
	int64_t last_t = 0;
	int rc = -1;

	if (st->cursor != NULL && now - st->cursor_time <= EVENTS_WINDOW) {
		after = strdup(st->cursor);
		if (after == NULL)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		last_t = st->cursor_time;
	} else if (now - (st->full_at - CLOCK_MARGIN) <= EVENTS_WINDOW) {
		format_time(st->full_at - CLOCK_MARGIN, start, sizeof(start));
		range_start = start;
	} else {
		sync_warn("the events cursor is older than the events WorkOS keeps: "
			  "doing a full listing");
		return 1;
	}
	for (unsigned pages = 0;; pages++) {
		if (pages >= MAX_EVENT_PAGES) {
			wo_error_set(err, WO_ERR_DECODE, "more than %u pages of events",
				     MAX_EVENT_PAGES);
			goto fallback;
		}
		if (wo_api_list_events(c, EVENT_NAMES, "asc", 100, after, range_start, &page,
				       err) != 0)
			goto fallback;
		st->event_requests++;
		range_start = NULL;
		for (size_t i = 0; i < page.count; i++) {
			struct wo_event *ev = &page.items[i];
			int64_t t = parse_time(ev->created_at);

			/* order=asc: a page that goes back in time was not read in
			 * the order we asked for, and applying it would undo. */
			if (t < 0 || t < last_t) {
				wo_error_set(err, WO_ERR_DECODE,
					     "event %s: created_at missing or out of order",
					     ev->id);
				goto fallback;
			}
			last_t = t;
			if (ev->kind == WO_EVENT_OTHER) {
				st->events_skipped++;
			} else {
				if (sync_apply_event(cfg, &st->dir, ev, err) != 0)
					goto out;
				st->events_applied++;
			}
			if (set_cursor(st, ev, t, err) != 0)
				goto out;
		}
		if (page.list_metadata.after == NULL)
			break;
		if (after != NULL && strcmp(after, page.list_metadata.after) == 0) {
			wo_error_set(err, WO_ERR_DECODE, "events page repeats its cursor");
			goto fallback;
		}
		free(after);
		after = page.list_metadata.after;
		page.list_metadata.after = NULL;
		wo_event_list_clear(&page);
	}
	if (fill_needed_users(c, cfg, &st->dir, err) != 0)
		goto out;
	rc = 0;
	goto out;
fallback:
	if (calls_for_listing(err)) {
		sync_warn("events: %s; doing a full listing", err->message);
		wo_error_clear(err);
		rc = 1;
	}
out:
	wo_event_list_clear(&page);
	free(after);
	return rc;
}

/* --- the state file ---------------------------------------------------------- */

void sync_state_clear(struct sync_state *st)
{
	free(st->organization_id);
	free(st->username_key);
	free(st->cursor);
	sync_directory_clear(&st->dir);
	memset(st, 0, sizeof(*st));
}

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A field: "-" is NULL; bytes that could split or hide a field (controls,
 * space, '%', DEL) and a lone "-" are %XX. */
static void put_field(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	put(b, "\t", 1);
	if (s == NULL) {
		put(b, "-", 1);
		return;
	}
	if (strcmp(s, "-") == 0) {
		put(b, "%2D", 3);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == '%' || *p == 0x7f) {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			put(b, e, 3);
		} else {
			put(b, (const char *)p, 1);
		}
	}
}

static void put_num(struct buf *b, const char *key, long long v)
{
	char n[32];

	snprintf(n, sizeof(n), "%s\t%lld\n", key, v);
	puts_(b, n);
}

int sync_state_save(const char *path, const struct sync_state *st, struct wo_error *err)
{
	struct buf b = {0};
	int rc;

	puts_(&b, STATE_MAGIC "\norganization");
	put_field(&b, st->organization_id);
	puts_(&b, "\nusername_key");
	put_field(&b, st->username_key);
	puts_(&b, "\n");
	put_num(&b, "full_at", st->full_at);
	puts_(&b, "cursor");
	put_field(&b, st->cursor);
	{
		char n[32];
		snprintf(n, sizeof(n), "\t%lld\n", (long long)st->cursor_time);
		puts_(&b, n);
	}
	put_num(&b, "members", (long long)st->dir.n);
	for (size_t i = 0; i < st->dir.n; i++) {
		const struct sync_member *m = &st->dir.v[i];
		char n[24];

		puts_(&b, "m");
		put_field(&b, m->user_id);
		put_field(&b, m->membership_id);
		put_field(&b, m->email_verified ? "1" : "0");
		put_field(&b, m->email);
		put_field(&b, m->first_name);
		put_field(&b, m->last_name);
		put_field(&b, m->external_id);
		put_field(&b, m->meta_username);
		put_field(&b, m->meta_uid);
		snprintf(n, sizeof(n), "%zu", m->n_roles);
		put_field(&b, n);
		for (size_t k = 0; k < m->n_roles; k++)
			put_field(&b, m->roles[k]);
		puts_(&b, "\n");
	}
	puts_(&b, "end\n");
	if (b.failed) {
		free(b.p);
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	rc = wo_atomic_replace(path, b.p, b.len, 0600, err);
	explicit_bzero(b.p, b.len);
	free(b.p);
	return rc;
}

/* Reading: every line and field is checked; anything off refuses the file
 * whole (the caller then lists everyone). */
struct reader {
	char *p, *end;
	const char *why;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The next line, split in place at tabs into at most max fields. */
static int next_line(struct reader *r, char **f, int max)
{
	char *nl;
	int n = 0;

	if (r->p >= r->end || (nl = memchr(r->p, '\n', (size_t)(r->end - r->p))) == NULL) {
		r->why = "truncated";
		return -1;
	}
	*nl = '\0';
	f[n++] = r->p;
	for (char *q = r->p; *q; q++) {
		if (*q != '\t')
			continue;
		if (n == max) {
			r->why = "a line has too many fields";
			return -1;
		}
		*q = '\0';
		f[n++] = q + 1;
	}
	r->p = nl + 1;
	return n;
}

/* Decodes a field in place; NULL for "-".  Fails on a bad escape, a NUL,
 * a control character or a length past max. */
static int decode_field(struct reader *r, char *s, size_t max, char **out)
{
	char *w = s;

	*out = NULL;
	if (strcmp(s, "-") == 0)
		return 0;
	for (char *q = s; *q; q++) {
		unsigned char c = (unsigned char)*q;

		if (c == '%') {
			int hi = hexval(q[1]), lo = hi < 0 ? -1 : hexval(q[2]);

			if (lo < 0 || (hi << 4 | lo) == 0) {
				r->why = "bad escape";
				return -1;
			}
			c = (unsigned char)(hi << 4 | lo);
			q += 2;
		}
		*w++ = (char)c;
	}
	*w = '\0';
	if ((size_t)(w - s) > max || !wo_text_is_printable(s, (size_t)(w - s))) {
		r->why = "a field is too long or not printable";
		return -1;
	}
	*out = strdup(s);
	if (*out == NULL) {
		r->why = "out of memory";
		return -1;
	}
	return 0;
}

static bool is_id(const char *s, const char *prefix, size_t max)
{
	size_t n = strlen(prefix), len;

	if (s == NULL || strncmp(s, prefix, n) != 0 || (len = strlen(s)) == n || len > max)
		return false;
	for (const char *q = s; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '_' || *q == '.' || *q == '-'))
			return false;
	return true;
}

static int parse_int(struct reader *r, const char *s, long long max, long long *out)
{
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9') {
		r->why = "bad number";
		return -1;
	}
	*out = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max) {
		r->why = "bad number";
		return -1;
	}
	return 0;
}

static int read_member(struct reader *r, char **f, int n, struct sync_member *m)
{
	long long roles;
	char *ev = NULL;
	int rc = -1;

	if (n < 12 || strcmp(f[0], "m") != 0) {
		r->why = "a member line is malformed";
		return -1;
	}
	if (decode_field(r, f[1], WO_SLUG_MAX, &m->user_id) != 0 ||
	    decode_field(r, f[2], WO_SLUG_MAX, &m->membership_id) != 0 ||
	    decode_field(r, f[3], 1, &ev) != 0 ||
	    decode_field(r, f[4], WO_EMAIL_MAX, &m->email) != 0 ||
	    decode_field(r, f[5], WO_PERSON_NAME_MAX, &m->first_name) != 0 ||
	    decode_field(r, f[6], WO_PERSON_NAME_MAX, &m->last_name) != 0 ||
	    decode_field(r, f[7], WO_PERSON_NAME_MAX, &m->external_id) != 0 ||
	    decode_field(r, f[8], WO_METADATA_VALUE_MAX, &m->meta_username) != 0 ||
	    decode_field(r, f[9], WO_METADATA_VALUE_MAX, &m->meta_uid) != 0 ||
	    parse_int(r, f[10], WO_ROLES_MAX, &roles) != 0)
		goto out;
	if (!is_id(m->user_id, "user_", WO_SLUG_MAX) ||
	    !is_id(m->membership_id, "om_", WO_SLUG_MAX) || ev == NULL ||
	    (strcmp(ev, "0") != 0 && strcmp(ev, "1") != 0) || roles < 1 || n != 11 + roles ||
	    (m->email != NULL && m->email[0] == '\0')) {
		r->why = "a member line is malformed";
		goto out;
	}
	m->email_verified = ev[0] == '1';
	m->roles = calloc((size_t)roles, sizeof(*m->roles));
	if (m->roles == NULL) {
		r->why = "out of memory";
		goto out;
	}
	m->n_roles = (size_t)roles;
	for (long long k = 0; k < roles; k++)
		if (decode_field(r, f[11 + k], WO_SLUG_MAX, &m->roles[k]) != 0 ||
		    !is_id(m->roles[k], "", WO_SLUG_MAX)) {
			r->why = "a role is malformed";
			goto out;
		}
	rc = 0;
out:
	free(ev);
	return rc;
}

/* Parses buf (NUL-terminated, len bytes) into st. */
static int parse_state(char *buf, size_t len, struct sync_state *st, const char **why)
{
	struct reader r = {buf, buf + len, NULL};
	char *f[11 + WO_ROLES_MAX + 1];
	long long v, members, ct;
	int n;

	if ((n = next_line(&r, f, 1)) != 1 || strcmp(f[0], STATE_MAGIC) != 0) {
		r.why = r.why ? r.why : "not a state file of this version";
		goto bad;
	}
	if (next_line(&r, f, 2) != 2 || strcmp(f[0], "organization") != 0 ||
	    decode_field(&r, f[1], WO_SLUG_MAX, &st->organization_id) != 0 ||
	    !is_id(st->organization_id, "org_", WO_SLUG_MAX))
		goto bad;
	if (next_line(&r, f, 2) != 2 || strcmp(f[0], "username_key") != 0 ||
	    decode_field(&r, f[1], WO_METADATA_KEY_MAX, &st->username_key) != 0)
		goto bad;
	if (next_line(&r, f, 2) != 2 || strcmp(f[0], "full_at") != 0 ||
	    parse_int(&r, f[1], INT64_MAX, &v) != 0)
		goto bad;
	st->full_at = v;
	if (next_line(&r, f, 3) != 3 || strcmp(f[0], "cursor") != 0 ||
	    decode_field(&r, f[1], WO_CURSOR_MAX, &st->cursor) != 0 ||
	    (st->cursor != NULL && !is_id(st->cursor, "event_", WO_CURSOR_MAX)) ||
	    parse_int(&r, f[2], INT64_MAX, &ct) != 0)
		goto bad;
	st->cursor_time = ct;
	if (next_line(&r, f, 2) != 2 || strcmp(f[0], "members") != 0 ||
	    parse_int(&r, f[1], 100000000, &members) != 0)
		goto bad;
	for (long long i = 0; i < members; i++) {
		struct sync_member *m;

		if ((n = next_line(&r, f, (int)(sizeof(f) / sizeof(f[0])))) < 0)
			goto bad;
		m = insert_at(&st->dir, st->dir.n);
		if (m == NULL) {
			r.why = "out of memory";
			goto bad;
		}
		if (read_member(&r, f, n, m) != 0)
			goto bad;
		/* Sorted by user id, each once: what sync_fetch hands over. */
		if (st->dir.n > 1 && strcmp(st->dir.v[st->dir.n - 2].user_id, m->user_id) >= 0) {
			r.why = "members out of order or repeated";
			goto bad;
		}
	}
	if (next_line(&r, f, 1) != 1 || strcmp(f[0], "end") != 0 || r.p != r.end) {
		r.why = r.why ? r.why : "no end line, or data after it";
		goto bad;
	}
	return 0;
bad:
	*why = r.why ? r.why : "malformed";
	return -1;
}

int sync_state_load(const char *path, struct sync_state *st, const char **why)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc = -1;

	memset(st, 0, sizeof(*st));
	*why = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*why = errno == ENOENT ? "no state yet" : "cannot open it";
		return -1;
	}
	/* Only a file root wrote and nobody else can: it decides accounts. */
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 077) != 0 || sb.st_size > (off_t)STATE_MAX_BYTES) {
		*why = "not a regular file of ours, mode 0600, of a sane size";
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL) {
		*why = "out of memory";
		goto out;
	}
	while (len < (size_t)sb.st_size) {
		ssize_t k = read(fd, buf + len, (size_t)sb.st_size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			*why = "read failed";
			goto out;
		}
		len += (size_t)k;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		*why = "it holds a NUL byte";
		goto out;
	}
	rc = parse_state(buf, len, st, why);
out:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	if (rc != 0)
		sync_state_clear(st);
	return rc;
}

/* --- one run's directory ------------------------------------------------------ */

static bool same_or_both_null(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int sync_read_directory(struct wo_client *c, const struct wo_config *cfg, bool force_full,
			struct sync_state *st, struct wo_error *err)
{
	const char *ukey =
	    cfg->username_from == WO_USERNAME_METADATA ? cfg->username_metadata_key : NULL;
	int64_t now = (int64_t)time(NULL);
	const char *why = NULL;

	if (force_full)
		why = "--full";
	else if (cfg->full_sync_interval == 0)
		why = "full_sync_interval is 0";
	else if (sync_state_load(WO_SYNC_STATE_PATH, st, &why) != 0)
		; /* why says it */
	else if (strcmp(st->organization_id, cfg->organization_id) != 0)
		why = "organization_id changed";
	else if (!same_or_both_null(st->username_key, ukey))
		why = "username_from changed";
	else if (now < st->full_at || now - st->full_at >= (int64_t)cfg->full_sync_interval)
		why = "full_sync_interval has passed since the last one";
	else {
		int rc = sync_events_apply(c, cfg, st, now, err);

		if (rc < 0)
			return -1;
		if (rc == 0) {
			sync_note(
			    "incremental: %u events applied (%u of other kinds skipped) in %u "
			    "requests, %u single users",
			    st->events_applied, st->events_skipped, st->event_requests,
			    st->dir.user_gets);
			return 0;
		}
		why = "the events could not be used";
	}
	sync_note("full listing: %s", why);
	sync_state_clear(st);
	if (sync_events_mark(c, st, now, err) != 0)
		return -1;
	if (sync_fetch(c, cfg, &st->dir, err) != 0)
		return -1;
	st->organization_id = strdup(cfg->organization_id);
	st->username_key = ukey ? strdup(ukey) : NULL;
	if (st->organization_id == NULL || (ukey && st->username_key == NULL))
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	return 0;
}
