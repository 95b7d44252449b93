/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localdb.h"

/* Sorted, deduplicated arrays: built once, searched with bsearch. */
struct strv {
	char **v;
	size_t n, cap;
};

struct idv {
	uint32_t *v;
	size_t n, cap;
};

struct range {
	uint32_t first, last;
};

/* Sorted by first, disjoint and not adjacent (merged on every change). */
struct rangev {
	struct range *v;
	size_t n, cap;
};

/* The probe and what it found: behind a pointer, because the lookups of a
 * const database still count what the probe said. */
struct probe_state {
	struct wo_localdb_probe probe;
	size_t held; /* ids the probe said were held, for wo_localdb_n_ids */
};

struct wo_localdb {
	struct strv users;
	struct strv groups;
	struct idv ids;
	struct rangev reserved;
	struct probe_state *ps; /* NULL: no probe */
};

static int strv_add(struct strv *s, const char *name, size_t len)
{
	char *copy;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	copy = strndup(name, len);
	if (copy == NULL)
		return -1;
	s->v[s->n++] = copy;
	return 0;
}

static int idv_add(struct idv *s, uint32_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint32_t *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void strv_sort(struct strv *s)
{
	size_t w = 0;

	if (s->n == 0) /* s->v may be NULL, which qsort must not see */
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (size_t r = 0; r < s->n; r++) {
		if (w > 0 && strcmp(s->v[w - 1], s->v[r]) == 0) {
			free(s->v[r]);
			continue;
		}
		s->v[w++] = s->v[r];
	}
	s->n = w;
}

static void idv_sort(struct idv *s)
{
	size_t w = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_id);
	for (size_t r = 0; r < s->n; r++)
		if (w == 0 || s->v[w - 1] != s->v[r])
			s->v[w++] = s->v[r];
	s->n = w;
}

/* A decimal id field: digits only, fits in 32 bits.  The field is not
 * NUL-terminated (it ends at ':' or the end of the line). */
static bool parse_id(const char *p, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/*
 * One line of passwd (name:pw:uid:gid:...) or group (name:pw:gid:...):
 * records the name and the numbers in the given fields.
 */
static int take_line(const char *line, size_t len, struct strv *names, struct idv *ids,
		     int id_field_a, int id_field_b)
{
	const char *field = line;
	int index = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ':')
			continue;
		size_t flen = (size_t)(line + i - field);
		uint32_t id;

		if (index == 0 && flen > 0 && strv_add(names, field, flen) != 0)
			return -1;
		if ((index == id_field_a || index == id_field_b) && parse_id(field, flen, &id) &&
		    idv_add(ids, id) != 0)
			return -1;
		field = line + i + 1;
		index++;
	}
	return 0;
}

static int load_file(const char *path, struct strv *names, struct idv *ids, int id_a, int id_b,
		     struct wo_error *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = -1;

	if (f == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot read %s: %s", path,
				    strerror(errno));
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0 || line[0] == '#')
			continue;
		if (take_line(line, len, names, ids, id_a, id_b) != 0) {
			wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			goto out;
		}
	}
	if (ferror(f)) {
		wo_error_set(err, WO_ERR_SYSTEM, "reading %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

int wo_localdb_new_empty(struct wo_localdb **out, struct wo_error *err)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	return 0;
}

int wo_localdb_load(const char *passwd_path, const char *group_path, struct wo_localdb **out,
		    struct wo_error *err)
{
	struct wo_localdb *db;

	if (wo_localdb_new_empty(&db, err) != 0)
		return -1;
	/* passwd: name(0):pw(1):uid(2):gid(3); group: name(0):pw(1):gid(2). */
	if (load_file(passwd_path, &db->users, &db->ids, 2, 3, err) != 0 ||
	    load_file(group_path, &db->groups, &db->ids, 2, -1, err) != 0) {
		wo_localdb_free(db);
		*out = NULL;
		return -1;
	}
	strv_sort(&db->users);
	strv_sort(&db->groups);
	idv_sort(&db->ids);
	*out = db;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

void wo_localdb_free(struct wo_localdb *db)
{
	if (db == NULL)
		return;
	strv_free(&db->users);
	strv_free(&db->groups);
	free(db->ids.v);
	free(db->reserved.v);
	free(db->ps);
	free(db);
}

static bool strv_has(const struct strv *s, const char *name)
{
	return s->n > 0 && bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

bool wo_localdb_has_user(const struct wo_localdb *db, const char *name)
{
	if (strv_has(&db->users, name))
		return true;
	return db->ps != NULL && db->ps->probe.user != NULL &&
	       db->ps->probe.user(db->ps->probe.ctx, name) != 0;
}

bool wo_localdb_has_group(const struct wo_localdb *db, const char *name)
{
	if (strv_has(&db->groups, name))
		return true;
	return db->ps != NULL && db->ps->probe.group != NULL &&
	       db->ps->probe.group(db->ps->probe.ctx, name) != 0;
}

bool wo_localdb_has_id(const struct wo_localdb *db, uint32_t id)
{
	if (db->ids.n > 0 && bsearch(&id, db->ids.v, db->ids.n, sizeof(uint32_t), cmp_id))
		return true;
	if (db->ps == NULL || db->ps->probe.id == NULL)
		return false;
	switch (db->ps->probe.id(db->ps->probe.ctx, id)) {
	case 0:
		return false;
	case 1:
		db->ps->held++;
		return true;
	default:
		return true;
	}
}

size_t wo_localdb_n_ids(const struct wo_localdb *db)
{
	return db->ids.n + (db->ps ? db->ps->held : 0);
}

int wo_localdb_set_probe(struct wo_localdb *db, const struct wo_localdb_probe *probe,
			 struct wo_error *err)
{
	free(db->ps);
	db->ps = NULL;
	if (probe == NULL)
		return 0;
	db->ps = calloc(1, sizeof(*db->ps));
	if (db->ps == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	db->ps->probe = *probe;
	return 0;
}

/* --- reserved ranges ------------------------------------------------------- */

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Sorts and merges overlapping or adjacent ranges. */
static void rangev_normalize(struct rangev *r)
{
	size_t w = 0;

	if (r->n == 0)
		return;
	qsort(r->v, r->n, sizeof(*r->v), cmp_range);
	for (size_t i = 1; i < r->n; i++) {
		struct range *cur = &r->v[w];

		if (cur->last == UINT32_MAX || r->v[i].first <= cur->last + 1) {
			if (r->v[i].last > cur->last)
				cur->last = r->v[i].last;
			continue;
		}
		r->v[++w] = r->v[i];
	}
	r->n = w + 1;
}

static int rangev_add(struct rangev *r, uint32_t first, uint32_t last)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct range *v = realloc(r->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct range){first, last};
	return 0;
}

int wo_localdb_reserve(struct wo_localdb *db, uint32_t first, uint32_t last, struct wo_error *err)
{
	if (first > last)
		return 0;
	if (rangev_add(&db->reserved, first, last) != 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	rangev_normalize(&db->reserved);
	return 0;
}

bool wo_localdb_reserved(const struct wo_localdb *db, uint32_t id, uint32_t *last)
{
	size_t lo = 0, hi = db->reserved.n;

	/* The last range that starts at or below id, if it reaches id. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (db->reserved.v[mid].first <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || db->reserved.v[lo - 1].last < id)
		return false;
	if (last != NULL)
		*last = db->reserved.v[lo - 1].last;
	return true;
}

/*
 * One subuid(5) line, "name:start:count": exactly three fields, a non-empty
 * name (a user name or a UID: either way its range is nobody else's), a
 * decimal start and a decimal count of at least 1.  Returns false for
 * anything else.
 */
static bool parse_subid_line(const char *line, size_t len, uint32_t *first, uint32_t *last)
{
	const char *c1 = memchr(line, ':', len), *c2;
	uint32_t start, count;

	if (c1 == NULL || c1 == line)
		return false;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
	if (c2 == NULL || memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - line)) != NULL)
		return false;
	if (!parse_id(c1 + 1, (size_t)(c2 - c1 - 1), &start) ||
	    !parse_id(c2 + 1, len - (size_t)(c2 + 1 - line), &count) || count == 0)
		return false;
	*first = start;
	*last = (uint64_t)start + count - 1 > UINT32_MAX ? UINT32_MAX : start + (count - 1);
	return true;
}

int wo_localdb_reserve_subids(struct wo_localdb *db, const char *path, struct wo_error *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = -1;

	if (f == NULL && errno == ENOENT)
		return 0;
	if (f == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot read %s: %s", path,
				    strerror(errno));
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;
		uint32_t first, last;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0 || line[0] == '#' || !parse_subid_line(line, len, &first, &last))
			continue;
		if (rangev_add(&db->reserved, first, last) != 0) {
			wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			goto out;
		}
	}
	if (ferror(f)) {
		wo_error_set(err, WO_ERR_SYSTEM, "reading %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	rangev_normalize(&db->reserved);
	free(line);
	fclose(f);
	return rc;
}

/*
 * systemd's ranges, from https://systemd.io/UIDS-GIDS/ (docs/UIDS-GIDS.md,
 * "Special systemd UID ranges" and the summary table): numbers that
 * nss-systemd, systemd-homed, systemd-nspawn or machined may hand out at
 * any time, so a number taken from them could later be shared.  65534
 * (nobody) and 65535 ((uid_t)-1 in 16 bits) are Linux's own.
 */
static const struct wo_id_range systemd_ranges[] = {
    {60001, 60513, "systemd-homed users"},
    {60514, 60577, "host users mapped into systemd-nspawn containers"},
    {60578, 60705, "systemd dynamic greeter users"},
    {61184, 65519, "systemd DynamicUser= service users"},
    {65534, 65535, "nobody and 16-bit (uid_t)-1"},
    {524288, 1879048191, "systemd-nspawn container ranges"},
    {2147352576, 2147418111, "systemd's foreign UID range"},
    /* "strongly recommended to stay away from this range": devpts and
     * setfsuid() among others treat UIDs as signed 32-bit. */
    {2147483648u, 4294967295u, "UIDs from 2^31 up (signed 32-bit trouble)"},
};

const struct wo_id_range *wo_localdb_systemd_ranges(size_t *n)
{
	*n = sizeof(systemd_ranges) / sizeof(systemd_ranges[0]);
	return systemd_ranges;
}

int wo_localdb_reserve_systemd(struct wo_localdb *db, struct wo_error *err)
{
	for (size_t i = 0; i < sizeof(systemd_ranges) / sizeof(systemd_ranges[0]); i++)
		if (rangev_add(&db->reserved, systemd_ranges[i].first, systemd_ranges[i].last) !=
		    0) {
			rangev_normalize(&db->reserved);
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		}
	rangev_normalize(&db->reserved);
	return 0;
}
