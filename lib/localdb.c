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

struct wo_localdb {
	struct strv users;
	struct strv groups;
	struct idv ids;
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
	free(db);
}

static bool strv_has(const struct strv *s, const char *name)
{
	return s->n > 0 && bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

bool wo_localdb_has_user(const struct wo_localdb *db, const char *name)
{
	return strv_has(&db->users, name);
}

bool wo_localdb_has_group(const struct wo_localdb *db, const char *name)
{
	return strv_has(&db->groups, name);
}

bool wo_localdb_has_id(const struct wo_localdb *db, uint32_t id)
{
	return db->ids.n > 0 && bsearch(&id, db->ids.v, db->ids.n, sizeof(uint32_t), cmp_id);
}

size_t wo_localdb_n_ids(const struct wo_localdb *db)
{
	return db->ids.n;
}
