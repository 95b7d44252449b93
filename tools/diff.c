/* SPDX-License-Identifier: MIT */
/*
 * --dry-run: the new users and groups against the cache on disk.
 *
 * One line a difference, sorted by name, users first:
 *   + user NAME uid=U gid=G home=DIR shell=SHELL
 *   - user NAME uid=U
 *   ~ user NAME uid=A->B home=X->Y ...      (only the fields that differ)
 *   + group NAME gid=G members=a,b
 *   - group NAME gid=G
 *   ~ group NAME gid=A->B +added -removed
 * then one summary line.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache_read.h"
#include "sync.h"
#include "unused.h"

struct counts {
	size_t added, removed, changed, same;
};

static int cmp_uview(const void *a, const void *b)
{
	return strcmp(((const struct wo_cache_uview *)a)->name,
		      ((const struct wo_cache_uview *)b)->name);
}

static int cmp_gview(const void *a, const void *b)
{
	return strcmp(((const struct wo_cache_gview *)a)->name,
		      ((const struct wo_cache_gview *)b)->name);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void field(FILE *out, bool *any, const char *name, const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return;
	fprintf(out, " %s=%s->%s", name, a, b);
	*any = true;
}

static void num_field(FILE *out, bool *any, const char *name, uint32_t a, uint32_t b)
{
	if (a == b)
		return;
	fprintf(out, " %s=%u->%u", name, a, b);
	*any = true;
}

static void diff_users(FILE *out, const struct wo_cache_uview *old, size_t n_old,
		       const struct sync_result *r, struct counts *c)
{
	size_t i = 0, j = 0;

	while (i < n_old || j < r->n_users) {
		const struct wo_cache_uview *o = i < n_old ? &old[i] : NULL;
		const struct wo_cache_user *u = j < r->n_users ? &r->users[j] : NULL;
		int cmp = !o ? 1 : !u ? -1 : strcmp(o->name, u->name);

		if (cmp < 0) {
			fprintf(out, "- user %s uid=%u\n", o->name, o->uid);
			c->removed++;
			i++;
		} else if (cmp > 0) {
			fprintf(out, "+ user %s uid=%u gid=%u home=%s shell=%s\n", u->name, u->uid,
				u->gid, u->dir, u->shell);
			c->added++;
			j++;
		} else {
			bool any = false;
			/* Print into memory first: a user that did not change
			 * prints nothing. */
			char *buf = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&buf, &len);

			if (mem != NULL) {
				num_field(mem, &any, "uid", o->uid, u->uid);
				num_field(mem, &any, "gid", o->gid, u->gid);
				field(mem, &any, "gecos", o->gecos, u->gecos);
				field(mem, &any, "home", o->dir, u->dir);
				field(mem, &any, "shell", o->shell, u->shell);
				field(mem, &any, "workos_id", o->workos_id, u->workos_id);
				fclose(mem);
			}
			if (any) {
				fprintf(out, "~ user %s%s\n", u->name, buf ? buf : "");
				c->changed++;
			} else {
				c->same++;
			}
			free(buf);
			i++;
			j++;
		}
	}
}

/* Old members' names, sorted: a heap array of pointers into the map, *n of
 * them (fewer than g->n_members if the old block is damaged). */
static const char **old_members(const struct wo_cache_gview *g, size_t *n)
{
	const char **v = malloc((g->n_members ? g->n_members : 1) * sizeof(*v));
	uint32_t pos = 0;
	const char *s;

	*n = 0;
	if (v == NULL)
		return NULL;
	while (*n < g->n_members && (s = wo_cache_member_next(g, &pos)) != NULL)
		v[(*n)++] = s;
	qsort(v, *n, sizeof(*v), cmp_str_ptr);
	return v;
}

static void diff_members(FILE *out, bool *any, const char **a, size_t na, const char *const *b,
			 size_t nb)
{
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		int cmp = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);

		if (cmp < 0) {
			fprintf(out, " -%s", a[i++]);
			*any = true;
		} else if (cmp > 0) {
			fprintf(out, " +%s", b[j++]);
			*any = true;
		} else {
			i++;
			j++;
		}
	}
}

static void diff_groups(FILE *out, const struct wo_cache_map *map WO_UNUSED,
			const struct wo_cache_gview *old, size_t n_old, const struct sync_result *r,
			struct counts *c)
{
	size_t i = 0, j = 0;

	while (i < n_old || j < r->n_groups) {
		const struct wo_cache_gview *o = i < n_old ? &old[i] : NULL;
		const struct wo_cache_group *g = j < r->n_groups ? &r->groups[j] : NULL;
		int cmp = !o ? 1 : !g ? -1 : strcmp(o->name, g->name);

		if (cmp < 0) {
			fprintf(out, "- group %s gid=%u\n", o->name, o->gid);
			c->removed++;
			i++;
		} else if (cmp > 0) {
			fprintf(out, "+ group %s gid=%u members=", g->name, g->gid);
			for (size_t k = 0; k < g->n_members; k++)
				fprintf(out, "%s%s", k ? "," : "", g->members[k]);
			fputc('\n', out);
			c->added++;
			j++;
		} else {
			bool any = false;
			char *buf = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&buf, &len);
			size_t n_om;
			const char **om = old_members(o, &n_om);

			if (mem != NULL) {
				num_field(mem, &any, "gid", o->gid, g->gid);
				if (om != NULL)
					diff_members(mem, &any, om, n_om, g->members, g->n_members);
				fclose(mem);
			}
			free(om);
			if (any) {
				fprintf(out, "~ group %s%s\n", g->name, buf ? buf : "");
				c->changed++;
			} else {
				c->same++;
			}
			free(buf);
			i++;
			j++;
		}
	}
}

size_t sync_diff(const char *cache_path, const struct sync_result *r, FILE *out)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache_map *map = wo_cache_map_open(cache_path, 0, true, &err);
	struct wo_cache_uview *users = NULL;
	struct wo_cache_gview *groups = NULL;
	uint32_t nu = 0, ng = 0, ku = 0, kg = 0;
	struct counts cu = {0}, cg = {0};

	if (map == NULL && errno != ENOENT)
		sync_warn("the current cache cannot be read (%s); comparing with an empty one",
			  err.message);
	if (map != NULL) {
		nu = wo_cache_map_n_users(map);
		ng = wo_cache_map_n_groups(map);
		users = calloc(nu ? nu : 1, sizeof(*users));
		groups = calloc(ng ? ng : 1, sizeof(*groups));
		if (users == NULL || groups == NULL) {
			sync_warn("out of memory reading the current cache");
			nu = ng = 0;
		}
		for (uint32_t i = 0; i < nu; i++)
			if (wo_cache_user_at(map, i, &users[ku]) == 1)
				ku++;
		for (uint32_t i = 0; i < ng; i++)
			if (wo_cache_group_at(map, i, &groups[kg]) == 1)
				kg++;
		if (ku != nu || kg != ng)
			sync_warn("the current cache has unreadable records; they count as absent");
		qsort(users, ku, sizeof(*users), cmp_uview);
		qsort(groups, kg, sizeof(*groups), cmp_gview);
	}
	diff_users(out, users, ku, r, &cu);
	diff_groups(out, map, groups, kg, r, &cg);
	fprintf(out,
		"users: %zu added, %zu removed, %zu changed, %zu unchanged; "
		"groups: %zu added, %zu removed, %zu changed, %zu unchanged\n",
		cu.added, cu.removed, cu.changed, cu.same, cg.added, cg.removed, cg.changed,
		cg.same);
	free(users);
	free(groups);
	if (map != NULL)
		wo_cache_map_release(map);
	return cu.added + cu.removed + cu.changed + cg.added + cg.removed + cg.changed;
}
