/* SPDX-License-Identifier: MIT */
/* Reading the cache outside NSS: copies out, full verification. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cache_read.h"
#include "names.h"

struct wo_cache {
	struct wo_cache_map *map;
};

struct wo_cache *wo_cache_open(const char *path, struct wo_error *err)
{
	struct wo_cache *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	c->map = wo_cache_map_open(path, 0, true, err);
	if (c->map == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void wo_cache_close(struct wo_cache *c)
{
	if (c == NULL)
		return;
	wo_cache_map_release(c->map);
	free(c);
}

uint64_t wo_cache_generation(const struct wo_cache *c)
{
	return wo_cache_map_header(c->map)->generation;
}

void wo_cache_user_info_free(struct wo_cache_user_info *info)
{
	if (info == NULL)
		return;
	free((char *)info->user.name);
	free((char *)info->user.gecos);
	free((char *)info->user.dir);
	free((char *)info->user.shell);
	free((char *)info->user.workos_id);
	for (size_t i = 0; i < info->n_groups; i++)
		free(info->groups[i]);
	free(info->groups);
	free(info);
}

int wo_cache_find_user(const struct wo_cache *c, const char *name, struct wo_cache_user_info **out,
		       struct wo_error *err)
{
	struct wo_cache_user_info *info;
	struct wo_cache_uview v;
	int r;

	*out = NULL;
	r = wo_cache_user_by_name(c->map, name, &v);
	if (r < 0)
		return wo_error_set(err, WO_ERR_DECODE, "cache: corrupt entry for %s", name);
	if (r == 0)
		return 0;
	if (!wo_cache_id_is_valid(v.workos_id, v.workos_id_len))
		return wo_error_set(err, WO_ERR_DECODE, "cache: corrupt WorkOS id for %s", name);
	info = calloc(1, sizeof(*info));
	if (info == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	info->user.uid = v.uid;
	info->user.gid = v.gid;
	info->user.name = strdup(v.name);
	info->user.gecos = strdup(v.gecos);
	info->user.dir = strdup(v.dir);
	info->user.shell = strdup(v.shell);
	info->user.workos_id = strdup(v.workos_id);
	info->groups = calloc(v.n_gids + 1, sizeof(*info->groups));
	if (!info->user.name || !info->user.gecos || !info->user.dir || !info->user.shell ||
	    !info->user.workos_id || !info->groups)
		goto nomem;
	for (uint32_t i = 0; i < v.n_gids; i++) {
		struct wo_cache_gview gv;

		r = wo_cache_group_by_gid(c->map, v.gids[i], &gv);
		if (r <= 0) {
			wo_cache_user_info_free(info);
			return wo_error_set(err, WO_ERR_DECODE,
					    "cache: %s is in a group that does not exist", name);
		}
		info->groups[i] = strdup(gv.name);
		if (info->groups[i] == NULL)
			goto nomem;
		info->n_groups++;
	}
	*out = info;
	return 1;
nomem:
	wo_cache_user_info_free(info);
	return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
}

/* Records must follow each other without overlapping: two entries sharing
 * bytes would let a change to one silently change the other.  `start` and
 * `end` are file offsets of a record's first and past-last byte. */
static bool in_order(uint64_t *prev_end, uint64_t start, uint64_t end)
{
	if (start < *prev_end)
		return false;
	*prev_end = end;
	return true;
}

static uint64_t file_off(const struct wo_cache_map *m, const void *p)
{
	return (uint64_t)((const uint8_t *)p - (const uint8_t *)wo_cache_map_header(m));
}

static uint64_t record_start(const struct wo_cache_map *m, uint32_t ref)
{
	return wo_cache_map_header(m)->records_off + ((uint64_t)ref - 1) * 8;
}

/* What getpwnam()/getpwuid() return for a user (from its index cell, most
 * of the time) is its record's; so are the gids initgroups gets. */
static bool passwd_matches(const struct wo_cache_pwview *p, const struct wo_cache_uview *v)
{
	size_t head = p->dir_then_name ? p->dir_len : v->dir_len;

	return p->uid == v->uid && p->gid == v->gid && p->name_len == v->name_len &&
	       memcmp(p->name, v->name, v->name_len) == 0 && p->gecos_len == v->gecos_len &&
	       memcmp(p->gecos, v->gecos, v->gecos_len) == 0 &&
	       head + (p->dir_then_name ? p->name_len : 0) == v->dir_len &&
	       memcmp(p->dir, v->dir, head) == 0 &&
	       (!p->dir_then_name || memcmp(v->dir + head, p->name, p->name_len) == 0) &&
	       p->shell_len == v->shell_len && memcmp(p->shell, v->shell, v->shell_len) == 0;
}

/* A user index holds exactly one occupied cell per user (the lookups in
 * verify_map() find each user's own, so a count above n_users means a
 * stray cell that a lookup of another name or uid could meet), and empty
 * cells hold nothing. */
static int verify_cells(const struct wo_cache_map *m, uint64_t off, const char *which,
			struct wo_error *err)
{
	static const struct wo_cache_ucell empty;
	const struct wo_cache_header *h = wo_cache_map_header(m);
	const struct wo_cache_ucell *c = (const void *)((const uint8_t *)h + off);
	uint32_t used = 0;

	for (uint32_t k = 0; k < h->user_slots; k++) {
		if (c[k].ref != 0)
			used++;
		else if (memcmp(&c[k], &empty, sizeof(empty)) != 0)
			return wo_error_set(err, WO_ERR_DECODE, "%s index: empty cell %u is not",
					    which, k);
	}
	if (used != h->n_users)
		return wo_error_set(err, WO_ERR_DECODE, "%s index: %u cells for %u users", which,
				    used, h->n_users);
	return 0;
}

/* Every record readable, in order and apart, every name valid and found
 * through both of its indexes as itself (cells included), every list in
 * bounds and consistent with the other side: each member of a group lists
 * the group's gid, each gid a user lists exists, and both sides count the
 * same memberships. */
static int verify_map(const struct wo_cache_map *m, struct wo_error *err)
{
	uint32_t nu = wo_cache_map_n_users(m), ng = wo_cache_map_n_groups(m);
	uint64_t memberships = 0, gid_entries = 0, prev_end = 0;

	for (uint32_t i = 0; i < nu; i++) {
		struct wo_cache_uview v, w;
		struct wo_cache_pwview p;
		const uint32_t *gids;
		uint32_t n_gids;

		if (wo_cache_user_at(m, i, &v) != 1 ||
		    !wo_cache_id_is_valid(v.workos_id, v.workos_id_len))
			return wo_error_set(err, WO_ERR_DECODE, "user record %u is corrupt", i);
		if (!in_order(&prev_end, record_start(m, v.ref),
			      file_off(m, v.workos_id + v.workos_id_len + 1)))
			return wo_error_set(err, WO_ERR_DECODE, "user %s: record overlaps another",
					    v.name);
		if (wo_cache_user_by_name(m, v.name, &w) != 1 || w.ref != v.ref)
			return wo_error_set(err, WO_ERR_DECODE, "user %s: name index is wrong",
					    v.name);
		if (wo_cache_user_by_uid(m, v.uid, &w) != 1 || w.ref != v.ref)
			return wo_error_set(err, WO_ERR_DECODE, "user %s: uid index is wrong",
					    v.name);
		if (wo_cache_passwd_by_name(m, v.name, &p) != 1 || !passwd_matches(&p, &v) ||
		    wo_cache_passwd_by_uid(m, v.uid, &p) != 1 || !passwd_matches(&p, &v) ||
		    wo_cache_gids_by_name(m, v.name, &gids, &n_gids) != 1 || n_gids != v.n_gids ||
		    (n_gids != 0 && memcmp(gids, v.gids, 4 * (size_t)n_gids) != 0))
			return wo_error_set(err, WO_ERR_DECODE,
					    "user %s: an index cell disagrees with the record",
					    v.name);
		for (uint32_t k = 0; k < v.n_gids; k++) {
			struct wo_cache_gview g;

			if (wo_cache_group_by_gid(m, v.gids[k], &g) != 1)
				return wo_error_set(err, WO_ERR_DECODE, "user %s: unknown group %u",
						    v.name, (unsigned)v.gids[k]);
		}
		gid_entries += v.n_gids;
	}
	for (uint32_t i = 0; i < ng; i++) {
		struct wo_cache_gview v, w;
		uint32_t pos = 0;

		if (wo_cache_group_at(m, i, &v) != 1)
			return wo_error_set(err, WO_ERR_DECODE, "group record %u is corrupt", i);
		if (!in_order(&prev_end, record_start(m, v.ref),
			      file_off(m, v.members + v.members_size)))
			return wo_error_set(err, WO_ERR_DECODE, "group %s: record overlaps another",
					    v.name);
		if (wo_cache_group_by_name(m, v.name, &w) != 1 || w.ref != v.ref)
			return wo_error_set(err, WO_ERR_DECODE, "group %s: name index is wrong",
					    v.name);
		if (wo_cache_group_by_gid(m, v.gid, &w) != 1 || w.ref != v.ref)
			return wo_error_set(err, WO_ERR_DECODE, "group %s: gid index is wrong",
					    v.name);
		for (uint32_t j = 0; j < v.n_members; j++) {
			const char *s = wo_cache_member_next(&v, &pos);
			struct wo_cache_uview u;
			bool listed = false;

			if (s == NULL || wo_cache_user_by_name(m, s, &u) != 1)
				return wo_error_set(err, WO_ERR_DECODE,
						    "group %s: member %u is not a user", v.name, j);
			for (uint32_t k = 0; k < u.n_gids && !listed; k++)
				listed = u.gids[k] == v.gid;
			if (!listed)
				return wo_error_set(err, WO_ERR_DECODE,
						    "group %s: member %s does not list it", v.name,
						    s);
		}
		if (pos != v.members_size)
			return wo_error_set(err, WO_ERR_DECODE,
					    "group %s: member list has trailing bytes", v.name);
		memberships += v.n_members;
	}
	if (memberships != gid_entries)
		return wo_error_set(err, WO_ERR_DECODE, "group memberships are inconsistent");
	if (verify_cells(m, wo_cache_map_header(m)->ix_uname_off, "name", err) < 0 ||
	    verify_cells(m, wo_cache_map_header(m)->ix_uid_off, "uid", err) < 0)
		return -1;
	return 0;
}

int wo_cache_verify(const char *path, struct wo_cache_stats *stats, struct wo_error *err)
{
	struct wo_cache_map *m = wo_cache_map_open(path, 0, true, err);
	const struct wo_cache_header *h;
	int ret;

	if (m == NULL)
		return -1;
	ret = verify_map(m, err);
	if (ret < 0)
		wo_error_prefix(err, "%s", path);
	else if (stats != NULL) {
		h = wo_cache_map_header(m);
		*stats = (struct wo_cache_stats){.generation = h->generation,
						 .n_users = h->n_users,
						 .n_groups = h->n_groups,
						 .file_size = h->file_size};
	}
	wo_cache_map_release(m);
	return ret;
}
