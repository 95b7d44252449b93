/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "sync.h"

/* A runaway listing (a cursor that never ends) must end: 100 000 pages is
 * ten million members, well past any organization. */
#define MAX_PAGES 100000u

static char *steal(char **p)
{
	char *s = *p;

	*p = NULL;
	return s;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Copies the user's fields the mapping may read into the member. */
int sync_take_user(const struct wo_config *cfg, struct sync_directory *d, struct sync_member *m,
		   struct wo_user *u)
{
	const char *meta_name = cfg->username_from == WO_USERNAME_METADATA
				    ? wo_user_metadata(u, cfg->username_metadata_key)
				    : NULL;
	const char *meta_uid = wo_user_metadata(u, "uid");

	m->email = steal(&u->email);
	m->email_verified = u->email_verified;
	m->first_name = steal(&u->first_name);
	m->last_name = steal(&u->last_name);
	m->external_id = steal(&u->external_id);
	m->meta_username = dup_or_null(meta_name);
	m->meta_uid = dup_or_null(meta_uid);
	if ((meta_name && !m->meta_username) || (meta_uid && !m->meta_uid))
		return -1;
	if (u->names_cleaned) {
		sync_warn("member %s: first or last name has control characters or is longer "
			  "than %d bytes; cleaned",
			  m->user_id, WO_PERSON_NAME_MAX);
		d->cleaned++;
	}
	return 0;
}

/* Items the decoder could not use: the rest of the page still counts. */
static void warn_skipped(struct sync_directory *d, const char *what, const struct wo_list_skip *v,
			 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sync_warn("member %s: unusable %s from WorkOS (%s); left out",
			  v[i].user_id ? v[i].user_id : "(no valid user id)", what, v[i].reason);
		d->unreadable++;
	}
}

/* Directory entries are sorted by user id at the end; while fetching, users
 * without an embedded user are marked by a NULL email and `pending`. */
struct pending {
	size_t *v;
	size_t n, cap;
};

static int pending_add(struct pending *p, size_t index)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		size_t *v = realloc(p->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = index;
	return 0;
}

static int add_member(const struct wo_config *cfg, struct sync_directory *d,
		      struct wo_membership *ms, struct pending *need_user, struct wo_error *err)
{
	struct sync_member *m;

	/* The embedded user must be the membership's user: anything else
	 * would give one person's name to another's UID. */
	if (ms->user != NULL && (ms->user->id == NULL || strcmp(ms->user->id, ms->user_id) != 0)) {
		sync_warn("member %s: membership %s carries another user; left out", ms->user_id,
			  ms->id);
		d->unreadable++;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 128;
		struct sync_member *v = realloc(d->v, cap * sizeof(*v));

		if (v == NULL)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		d->v = v;
		d->cap = cap;
	}
	m = &d->v[d->n];
	memset(m, 0, sizeof(*m));
	d->n++;
	m->user_id = steal(&ms->user_id);
	m->membership_id = steal(&ms->id);
	m->roles = ms->roles;
	m->n_roles = ms->role_count;
	ms->roles = NULL;
	ms->role_count = 0;
	if (ms->user != NULL) {
		if (sync_take_user(cfg, d, m, ms->user) != 0)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	} else if (pending_add(need_user, d->n - 1) != 0) {
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	return 0;
}

/* Follows `after` cursors from page to page.  A cursor that repeats the
 * previous one would loop for ever: that is a broken answer, not the end. */
static int next_cursor(char **after, struct wo_list_metadata *meta, unsigned pages,
		       struct wo_error *err)
{
	if (meta->after == NULL) {
		free(*after);
		*after = NULL;
		return 0;
	}
	if (*after != NULL && strcmp(*after, meta->after) == 0)
		return wo_error_set(err, WO_ERR_DECODE,
				    "page %u repeats the cursor of the page before it", pages);
	if (pages >= MAX_PAGES)
		return wo_error_set(err, WO_ERR_DECODE, "more than %u pages: giving up", MAX_PAGES);
	free(*after);
	*after = steal(&meta->after);
	return 1;
}

static int fetch_memberships(struct wo_client *c, const struct wo_config *cfg,
			     struct sync_directory *d, struct pending *need_user,
			     struct wo_error *err)
{
	struct wo_membership_list page = {0};
	char *after = NULL;
	int rc = -1, more;

	do {
		/* statuses=active although it is the API's default: a change of
		 * default must not turn departed members into accounts. */
		if (wo_api_list_memberships(c, cfg->organization_id, NULL, "active", after, &page,
					    err) != 0) {
			wo_error_prefix(err, "memberships page %u", d->membership_pages + 1);
			goto out;
		}
		d->membership_pages++;
		warn_skipped(d, "membership", page.skipped, page.skipped_count);
		for (size_t i = 0; i < page.count; i++) {
			struct wo_membership *ms = &page.items[i];

			if (!wo_membership_is_active(ms)) {
				sync_note("membership %s is %s, not active: left out", ms->id,
					  ms->status);
				continue;
			}
			if (ms->organization_id != NULL &&
			    strcmp(ms->organization_id, cfg->organization_id) != 0) {
				wo_error_set(err, WO_ERR_DECODE,
					     "membership %s belongs to another organization",
					     ms->id);
				goto out;
			}
			if (add_member(cfg, d, ms, need_user, err) != 0)
				goto out;
		}
		sync_progress("memberships: %u pages, %zu members", d->membership_pages, d->n);
		sync_note("memberships page %u: %zu items", d->membership_pages, page.count);
		more = next_cursor(&after, &page.list_metadata, d->membership_pages, err);
		wo_membership_list_clear(&page);
		if (more < 0)
			goto out;
	} while (more);
	rc = 0;
out:
	wo_membership_list_clear(&page);
	free(after);
	return rc;
}

static int cmp_user_id(const void *a, const void *b)
{
	return strcmp(((const struct wo_user *)a)->id, ((const struct wo_user *)b)->id);
}

/* Lists the organization's users for members whose membership did not carry
 * one.  Older API versions did not embed the user (doc/workos-wire-notes.md). */
static int fill_users(struct wo_client *c, const struct wo_config *cfg, struct sync_directory *d,
		      const struct pending *need_user, struct wo_error *err)
{
	struct wo_user_list page = {0};
	struct wo_user *users = NULL;
	size_t n = 0, cap = 0, n_bad = 0;
	char **bad = NULL; /* users a page left out, by id: no use asking again */
	char *after = NULL;
	int rc = -1, more;
	bool *drop = NULL;

	do {
		if (wo_api_list_users(c, cfg->organization_id, after, &page, err) != 0) {
			wo_error_prefix(err, "users page %u", d->user_pages + 1);
			goto out;
		}
		d->user_pages++;
		if (n + page.count > cap) {
			size_t ncap = cap ? cap * 2 : 128;
			struct wo_user *v;

			while (ncap < n + page.count)
				ncap *= 2;
			v = realloc(users, ncap * sizeof(*v));
			if (v == NULL) {
				wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
				goto out;
			}
			users = v;
			cap = ncap;
		}
		/* Move the items out; the page keeps zeroed husks. */
		for (size_t i = 0; i < page.count; i++) {
			users[n++] = page.items[i];
			memset(&page.items[i], 0, sizeof(page.items[i]));
		}
		for (size_t i = 0; i < page.skipped_count; i++) {
			char **v;

			if (page.skipped[i].user_id == NULL)
				continue;
			v = realloc(bad, (n_bad + 1) * sizeof(*bad));
			if (v == NULL) {
				wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
				goto out;
			}
			bad = v;
			bad[n_bad++] = page.skipped[i].user_id;
			page.skipped[i].user_id = NULL;
		}
		sync_progress("users: %u pages, %zu users", d->user_pages, n);
		more = next_cursor(&after, &page.list_metadata, d->user_pages, err);
		wo_user_list_clear(&page);
		if (more < 0)
			goto out;
	} while (more);

	if (n > 0)
		qsort(users, n, sizeof(*users), cmp_user_id);
	drop = calloc(d->n ? d->n : 1, sizeof(*drop));
	if (drop == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < need_user->n; i++) {
		struct sync_member *m = &d->v[need_user->v[i]];
		struct wo_user key = {.id = m->user_id};
		struct wo_user *u = n ? bsearch(&key, users, n, sizeof(*users), cmp_user_id) : NULL;
		struct wo_user one = {0};

		bool unusable = false;

		for (size_t k = 0; u == NULL && k < n_bad && !unusable; k++)
			unusable = strcmp(bad[k], m->user_id) == 0;
		if (unusable) {
			sync_warn("member %s: unusable user from WorkOS; left out", m->user_id);
			d->unreadable++;
			drop[need_user->v[i]] = true;
			continue;
		}
		if (u == NULL) {
			/* Joined after the user list was read: ask for them alone. */
			d->user_gets++;
			if (wo_api_get_user(c, m->user_id, &one, err) != 0) {
				if (err->http_status != 404) {
					wo_error_prefix(err, "user %s", m->user_id);
					goto out;
				}
				sync_warn("member %s: WorkOS has no such user any more; left out",
					  m->user_id);
				wo_error_clear(err);
				drop[need_user->v[i]] = true;
				continue;
			}
			u = &one;
		}
		int trc = sync_take_user(cfg, d, m, u);
		wo_user_clear(&one);
		if (trc != 0) {
			wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			goto out;
		}
	}
	/* Compact the directory over the dropped members. */
	size_t w = 0;
	for (size_t r = 0; r < d->n; r++) {
		if (drop[r]) {
			sync_member_clear(&d->v[r]);
			continue;
		}
		d->v[w++] = d->v[r];
	}
	d->n = w;
	rc = 0;
out:
	wo_user_list_clear(&page);
	for (size_t i = 0; i < n; i++)
		wo_user_clear(&users[i]);
	free(users);
	for (size_t i = 0; i < n_bad; i++)
		free(bad[i]);
	free(bad);
	free(after);
	free(drop);
	return rc;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct sync_member *)a)->user_id,
		      ((const struct sync_member *)b)->user_id);
}

int sync_fetch(struct wo_client *c, const struct wo_config *cfg, struct sync_directory *out,
	       struct wo_error *err)
{
	struct pending need_user = {0};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (fetch_memberships(c, cfg, out, &need_user, err) != 0)
		goto out;
	if (need_user.n > 0 && fill_users(c, cfg, out, &need_user, err) != 0)
		goto out;
	/* Everything downstream (warnings, allocation, output) goes in user id
	 * order, so two runs over the same directory say the same things. */
	if (out->n > 0)
		qsort(out->v, out->n, sizeof(*out->v), cmp_member);
	for (size_t i = 1; i < out->n; i++)
		if (strcmp(out->v[i - 1].user_id, out->v[i].user_id) == 0) {
			wo_error_set(err, WO_ERR_DECODE,
				     "user %s has two memberships in the organization",
				     out->v[i].user_id);
			goto out;
		}
	sync_progress_done();
	rc = 0;
out:
	free(need_user.v);
	if (rc != 0)
		sync_directory_clear(out);
	return rc;
}
