/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cache_read.h"
#include "names.h"
#include "number.h"
#include "owner.h"
#include "secret.h"

#define UID_RANGE_HEADER "workos-uid-range 1\n"

const struct wo_owner_files wo_owner_files_default = {
    .cache = WO_CACHE_DEFAULT_PATH,
    .bindings = WO_OWNERS_PATH,
    .uid_range = WO_UID_RANGE_PATH,
};

/* Reads a small root-owned file whole (NUL-terminated).  Returns 1 with
 * *out (for free), 0 when it does not exist, -1 with err. */
static int read_trusted(const char *path, const char *what, size_t max, char **out, size_t *len,
			struct wo_error *err)
{
	char name[300];
	struct stat st;
	char *buf = NULL;
	int fd, rc = -1;

	*out = NULL;
	snprintf(name, sizeof(name), "%s %s", what, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot open %s: %s", name,
				    strerror(errno));
	if (wo_file_check_trusted(fd, name, 0, err) != 0)
		goto out;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > max) {
		wo_error_set(err, WO_ERR_SYSTEM, "%s is too large or unreadable", name);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 2);
	if (buf == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	switch (wo_read_upto(fd, buf, (size_t)st.st_size + 1, len, name, err)) {
	case -1:
		goto out;
	case 1:
		wo_error_set(err, WO_ERR_SYSTEM, "%s changed while being read", name);
		goto out;
	}
	buf[*len] = '\0';
	if (memchr(buf, '\0', *len) != NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "%s holds a NUL byte; refusing it", name);
		goto out;
	}
	*out = buf;
	buf = NULL;
	rc = 1;
out:
	free(buf);
	close(fd);
	return rc;
}

/* --- bindings ------------------------------------------------------------------- */

static bool is_user_id(const char *s, size_t len)
{
	return len > 5 && strncmp(s, "user_", 5) == 0 && wo_cache_id_is_valid(s, len);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses the whole file (so that a malformed line anywhere refuses it) and
 * copies the binding of `name`, if any, to out->user_id. */
static int find_binding(const char *path, char *text, size_t len, const char *name,
			struct wo_owner *out, struct wo_error *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0, line_no = 0;
	int rc = -1;

	for (char *line = text, *next; line < text + len; line = next) {
		char *end = memchr(line, '\n', (size_t)(text + len - line));
		char *id, *p;
		size_t id_len;

		next = end ? end + 1 : text + len;
		if (end != NULL)
			*end = '\0';
		line_no++;
		p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		id = p + strcspn(p, " \t");
		if (*id == '\0')
			goto bad;
		*id++ = '\0';
		id += strspn(id, " \t");
		id_len = strcspn(id, " \t");
		if (id[id_len + strspn(id + id_len, " \t")] != '\0') /* a third field */
			goto bad;
		id[id_len] = '\0';
		if (!wo_name_is_valid(p) || !is_user_id(id, id_len))
			goto bad;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			char **v = realloc(names, c * sizeof(*v));

			if (v == NULL) {
				wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
				goto out;
			}
			names = v;
			cap = c;
		}
		names[n++] = p;
		if (strcmp(p, name) == 0)
			snprintf(out->user_id, sizeof(out->user_id), "%s", id);
	}
	if (n > 1) {
		qsort(names, n, sizeof(*names), cmp_names);
		for (size_t i = 1; i < n; i++)
			if (strcmp(names[i - 1], names[i]) == 0) {
				wo_error_set(err, WO_ERR_CONFIG,
					     "bindings file %s binds %s twice; refusing it", path,
					     names[i]);
				goto out;
			}
	}
	rc = 0;
	goto out;
bad:
	wo_error_set(err, WO_ERR_CONFIG,
		     "bindings file %s line %zu: expected \"NAME USER_ID\"; refusing it", path,
		     line_no);
out:
	free(names);
	if (rc != 0)
		out->user_id[0] = '\0';
	return rc;
}

/* --- the question ------------------------------------------------------------------ */

/* 1 when the cache holds `name` as `uid` (owner copied), 0 when not, -1. */
static int find_synced(const char *path, const char *name, uid_t uid, struct wo_owner *out,
		       struct wo_error *err)
{
	struct wo_cache_map *map;
	struct wo_cache_uview v;
	int r;

	map = wo_cache_map_open(path, 0, false, err);
	if (map == NULL) {
		if (errno == ENOENT) {
			wo_error_clear(err);
			return 0;
		}
		return -1;
	}
	r = wo_cache_user_by_name(map, name, &v);
	if (r < 0)
		wo_error_set(err, WO_ERR_SYSTEM, "NSS cache %s: corrupt entry for %s", path, name);
	else if (r > 0 && v.uid == uid && wo_cache_id_is_valid(v.workos_id, v.workos_id_len))
		snprintf(out->user_id, sizeof(out->user_id), "%s", v.workos_id);
	else
		r = 0;
	wo_cache_map_release(map);
	return r;
}

/* Whether a bindings file that was refused names `name` as the first field
 * of a line, read without judging the rest; a file that cannot be read at
 * all may name anybody. */
static bool mentions(const char *path, const char *name)
{
	char *text = NULL;
	size_t len = 0, n = strlen(name);
	bool found = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

	if (fd < 0)
		return errno != ENOENT;
	text = malloc(WO_OWNERS_MAX_SIZE + 1);
	if (text == NULL || wo_read_upto(fd, text, WO_OWNERS_MAX_SIZE, &len, path, NULL) < 0) {
		found = true;
		goto out;
	}
	for (char *p = text; p < text + len && !found;) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		char *end = nl ? nl : text + len;

		p += strspn(p, " \t");
		found = p + n <= end && memcmp(p, name, n) == 0 &&
			(p + n == end || p[n] == ' ' || p[n] == '\t');
		p = end + 1;
	}
out:
	free(text);
	close(fd);
	return found;
}

int wo_owner_find(const struct wo_owner_files *files, const char *name, uid_t uid,
		  struct wo_owner *out, struct wo_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (uid == 0 || name == NULL || !wo_name_is_valid(name))
		return 0;
	r = find_synced(files->cache, name, uid, out, err);
	if (r > 0)
		out->kind = WO_OWNER_SYNCED;
	if (r != 0)
		goto out;
	r = read_trusted(files->bindings, "bindings file", WO_OWNERS_MAX_SIZE, &text, &len, err);
	if (r > 0) {
		r = find_binding(files->bindings, text, len, name, out, err);
		if (r == 0 && out->user_id[0] != '\0')
			out->kind = WO_OWNER_BOUND;
	}
out:
	free(text);
	if (r >= 0)
		return 0;
	/* A cache that cannot be read leaves members to the UID range; a
	 * bindings file that cannot be trusted must not turn an account it
	 * binds into an ordinary local one. */
	out->unsure = mentions(files->bindings, name);
	return -1;
}

/* --- UID range ---------------------------------------------------------------------- */

int wo_uid_range_load(const char *path, uint32_t *min, uint32_t *max, struct wo_error *err)
{
	const size_t hl = strlen(UID_RANGE_HEADER);
	char *text = NULL, *sp, *nl;
	size_t len = 0;
	int r;

	r = read_trusted(path, "UID range file", 64, &text, &len, err);
	if (r <= 0)
		return r;
	r = -1;
	if (len < hl || memcmp(text, UID_RANGE_HEADER, hl) != 0)
		goto bad;
	sp = strchr(text + hl, ' ');
	nl = strchr(text + hl, '\n');
	if (sp == NULL || nl == NULL || sp > nl || nl[1] != '\0' ||
	    !wo_parse_u32(text + hl, (size_t)(sp - text - hl), UINT32_MAX, min) ||
	    !wo_parse_u32(sp + 1, (size_t)(nl - sp - 1), UINT32_MAX, max) || *min == 0 ||
	    *min > *max)
		goto bad;
	r = 1;
	goto out;
bad:
	wo_error_set(err, WO_ERR_SYSTEM, "UID range file %s is malformed; ignoring it", path);
out:
	free(text);
	return r;
}

int wo_uid_range_save(const char *path, uint32_t min, uint32_t max, struct wo_error *err)
{
	char text[64];
	int n = snprintf(text, sizeof(text), UID_RANGE_HEADER "%u %u\n", min, max);

	return wo_atomic_replace(path, text, (size_t)n, 0644, err);
}
