/* SPDX-License-Identifier: MIT */
/*
 * Writing the NSS cache: validate, lay the whole file out in memory, then
 * replace the old file atomically.  Building in memory costs about the file
 * size once, in the sync tool only, and means nothing reaches the disk
 * before every check has passed.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cache.h"
#include "cache_hash.h"
#include "cache_read.h"
#include "names.h"

static bool id_ok(uint32_t id)
{
	/* 0 is root; 65535 and 4294967295 are (uid_t)-1 for 16- and 32-bit
	 * callers of setuid() and chown(), where they mean "no change". */
	return id != 0 && id != 65535 && id != UINT32_MAX;
}

static bool text_ok(const char *s, size_t max, bool absolute)
{
	size_t len;

	if (s == NULL || (absolute && s[0] != '/'))
		return false;
	len = strnlen(s, max + 1);
	return len <= max && wo_cache_field_is_valid(s, len);
}

/* Load <= 2/3: a hit probes two slots on average, and every probe ends. */
static uint32_t slots_for(size_t n)
{
	return (uint32_t)(n + n / 2 + 8);
}

/* Inserts record `idx` into an index, unless an entry equal to it is there
 * already (same() decides): returns the index of that duplicate, or -1. */
static int64_t ix_insert(struct wo_cache_slot *ix, uint32_t slots, uint64_t h, uint32_t idx,
			 bool (*same)(const void *ctx, uint32_t a, uint32_t b), const void *ctx)
{
	uint32_t tag = (uint32_t)(h >> 32), pos = wo_cache_probe_start(h, slots);

	for (; ix[pos].ref != 0; pos = wo_cache_probe_next(pos, slots))
		if (ix[pos].tag == tag && same(ctx, ix[pos].ref - 1, idx))
			return ix[pos].ref - 1;
	ix[pos].tag = tag;
	ix[pos].ref = idx + 1;
	return -1;
}

static bool same_uname(const void *ctx, uint32_t a, uint32_t b)
{
	const struct wo_cache_user *u = ctx;

	return strcmp(u[a].name, u[b].name) == 0;
}

static bool same_uid(const void *ctx, uint32_t a, uint32_t b)
{
	const struct wo_cache_user *u = ctx;

	return u[a].uid == u[b].uid;
}

static bool same_gname(const void *ctx, uint32_t a, uint32_t b)
{
	const struct wo_cache_group *g = ctx;

	return strcmp(g[a].name, g[b].name) == 0;
}

static bool same_gid(const void *ctx, uint32_t a, uint32_t b)
{
	const struct wo_cache_group *g = ctx;

	return g[a].gid == g[b].gid;
}

/* The user named `name` in the writer's own name index, or -1. */
static int64_t find_user(const struct wo_cache_slot *ix, uint32_t slots, const uint8_t *key,
			 const struct wo_cache_user *u, const char *name)
{
	uint64_t h = wo_siphash24(key, name, strlen(name));
	uint32_t tag = (uint32_t)(h >> 32), pos = wo_cache_probe_start(h, slots);

	for (; ix[pos].ref != 0; pos = wo_cache_probe_next(pos, slots))
		if (ix[pos].tag == tag && strcmp(u[ix[pos].ref - 1].name, name) == 0)
			return ix[pos].ref - 1;
	return -1;
}

static uint64_t old_generation(const char *path)
{
	struct wo_cache_header h;
	uint64_t gen = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return 0;
	if (read(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
	    memcmp(h.magic, WO_CACHE_MAGIC, sizeof(h.magic)) == 0)
		gen = h.generation;
	close(fd);
	return gen;
}

static uint64_t align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

static uint64_t user_record_size(const struct wo_cache_user *x, uint32_t n_gids)
{
	return align8(sizeof(struct wo_cache_urec) + 4 * (uint64_t)n_gids + strlen(x->name) +
		      strlen(x->gecos) + strlen(x->dir) + strlen(x->shell) + strlen(x->workos_id) +
		      5);
}

static uint64_t group_record_size(const struct wo_cache_group *x)
{
	uint64_t n = sizeof(struct wo_cache_grec) + strlen(x->name) + 1;

	for (size_t j = 0; j < x->n_members; j++)
		n += strlen(x->members[j]) + 1;
	return align8(n);
}

static char *put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len + 1);
	return p + len + 1;
}

static void put_user(uint8_t *p, const struct wo_cache_user *x, const uint32_t *gids,
		     uint32_t n_gids)
{
	size_t ln = strlen(x->name), lg = strlen(x->gecos), ld = strlen(x->dir),
	       ls = strlen(x->shell), li = strlen(x->workos_id);
	struct wo_cache_urec r = {
	    .uid = x->uid,
	    .gid = x->gid,
	    .n_gids = (uint16_t)n_gids,
	    .dir_len = (uint16_t)ld,
	    .shell_len = (uint16_t)ls,
	    .name_len = (uint8_t)ln,
	    .gecos_len = (uint8_t)lg,
	    .id_len = (uint8_t)li,
	};
	char *s;

	memcpy(p, &r, sizeof(r));
	memcpy(p + sizeof(r), gids, 4 * (size_t)n_gids);
	s = (char *)p + sizeof(r) + 4 * (size_t)n_gids;
	s = put_str(s, x->name, ln);
	s = put_str(s, x->gecos, lg);
	s = put_str(s, x->dir, ld);
	s = put_str(s, x->shell, ls);
	put_str(s, x->workos_id, li);
}

static void put_group(uint8_t *p, const struct wo_cache_group *x)
{
	size_t ln = strlen(x->name);
	struct wo_cache_grec r = {
	    .gid = x->gid,
	    .n_members = (uint32_t)x->n_members,
	    .name_len = (uint8_t)ln,
	};
	char *s = (char *)p + sizeof(r), *members;

	s = put_str(s, x->name, ln);
	members = s;
	for (size_t j = 0; j < x->n_members; j++)
		s = put_str(s, x->members[j], strlen(x->members[j]));
	r.members_size = (uint32_t)(s - members);
	memcpy(p, &r, sizeof(r));
}

/* What the cells share: the first user's home directory without the name
 * at its end, and shell, when they fit; else "", and no cell holds passwd
 * fields.  Accounts made from one home_dir template and shell all match. */
static void choose_shared(struct wo_cache_header *h, const struct wo_cache_user *u, size_t nu)
{
	size_t ln, ld, ls;

	if (nu == 0)
		return;
	ln = strlen(u[0].name);
	ld = strlen(u[0].dir);
	ls = strlen(u[0].shell);
	if (ld <= ln || ld - ln >= sizeof(h->home) || ls >= sizeof(h->shell) ||
	    strcmp(u[0].dir + ld - ln, u[0].name) != 0)
		return;
	memcpy(h->home, u[0].dir, ld - ln);
	memcpy(h->shell, u[0].shell, ls);
}

/* A user's cell: tag and ref; the passwd fields when the shared home and
 * shell are the user's and name and gecos fit; then the supplementary
 * gids if they fit too. */
static void put_cell(struct wo_cache_ucell *c, const struct wo_cache_header *h, uint32_t tag,
		     uint32_t ref, const struct wo_cache_user *x, const uint32_t *gids,
		     uint32_t n_gids)
{
	size_t ln = strlen(x->name), lg = strlen(x->gecos), lh = strlen(h->home);
	size_t at = wo_cache_cell_gids_at(ln, lg);

	c->tag = tag;
	c->ref = ref;
	if (lh == 0 || strcmp(x->shell, h->shell) != 0 || strncmp(x->dir, h->home, lh) != 0 ||
	    strcmp(x->dir + lh, x->name) != 0 || ln + lg + 2 > sizeof(c->text))
		return;
	c->uid = x->uid;
	c->gid = x->gid;
	c->name_len = (uint8_t)ln;
	c->gecos_len = (uint8_t)lg;
	memcpy(c->text, x->name, ln + 1);
	memcpy(c->text + ln + 1, x->gecos, lg + 1);
	c->n_gids = WO_CACHE_CELL_NO_GIDS;
	if (at + 4 * (size_t)n_gids <= sizeof(c->text)) {
		c->n_gids = (uint8_t)n_gids;
		memcpy(c->text + at, gids, 4 * (size_t)n_gids);
	}
}

/* A user index, built as slots holding entry numbers + 1, as the file's
 * cells.  User i's gids are gids[first[i]..first[i] + n_gids[i]). */
static void slots_to_cells(const struct wo_cache_slot *ix, uint32_t slots, const uint32_t *refs,
			   const struct wo_cache_user *u, const uint32_t *gids,
			   const uint32_t *first, const uint32_t *n_gids,
			   const struct wo_cache_header *h, uint8_t *out)
{
	for (uint32_t i = 0; i < slots; i++) {
		struct wo_cache_ucell c = {0};
		uint32_t k = ix[i].ref - 1;

		if (ix[i].ref != 0)
			put_cell(&c, h, ix[i].tag, refs[k], &u[k], gids + first[k], n_gids[k]);
		memcpy(out + (size_t)i * sizeof(c), &c, sizeof(c));
	}
}

/* Index slots were filled with entry numbers + 1 (to find duplicates while
 * inserting); the file wants record refs. */
static void slots_to_refs(struct wo_cache_slot *ix, uint32_t slots, const uint32_t *refs)
{
	for (uint32_t i = 0; i < slots; i++)
		if (ix[i].ref != 0)
			ix[i].ref = refs[ix[i].ref - 1];
}

static int check_entries(const struct wo_cache_user *u, size_t nu, const struct wo_cache_group *g,
			 size_t ng, struct wo_error *err)
{
	for (size_t i = 0; i < nu; i++) {
		const struct wo_cache_user *x = &u[i];

		if (!wo_name_is_valid(x->name))
			return wo_error_set(err, WO_ERR_INVALID, "cache: invalid user name at %zu",
					    i);
		if (!id_ok(x->uid) || !id_ok(x->gid))
			return wo_error_set(err, WO_ERR_INVALID,
					    "cache: user %s: invalid uid or gid", x->name);
		if (!text_ok(x->gecos, WO_CACHE_GECOS_MAX, false))
			return wo_error_set(err, WO_ERR_INVALID, "cache: user %s: invalid gecos",
					    x->name);
		if (!text_ok(x->dir, WO_CACHE_PATH_MAX, true) ||
		    !text_ok(x->shell, WO_CACHE_PATH_MAX, true))
			return wo_error_set(err, WO_ERR_INVALID,
					    "cache: user %s: home and shell must be absolute paths",
					    x->name);
		if (x->workos_id == NULL ||
		    !wo_cache_id_is_valid(x->workos_id, strlen(x->workos_id)))
			return wo_error_set(err, WO_ERR_INVALID,
					    "cache: user %s: invalid WorkOS id", x->name);
	}
	for (size_t i = 0; i < ng; i++) {
		if (!wo_name_is_valid(g[i].name))
			return wo_error_set(err, WO_ERR_INVALID, "cache: invalid group name at %zu",
					    i);
		if (!id_ok(g[i].gid))
			return wo_error_set(err, WO_ERR_INVALID, "cache: group %s: invalid gid",
					    g[i].name);
		if (g[i].n_members > WO_CACHE_MAX_MEMBERS || (g[i].n_members && !g[i].members))
			return wo_error_set(err, WO_ERR_INVALID, "cache: group %s: bad member list",
					    g[i].name);
	}
	return 0;
}

int wo_cache_write(const char *path, const struct wo_cache_user *u, size_t nu,
		   const struct wo_cache_group *g, size_t ng, struct wo_error *err)
{
	struct wo_cache_header h = {0};
	struct wo_cache_slot *ix_uname = NULL, *ix_uid = NULL, *ix_gname = NULL, *ix_gid = NULL;
	uint32_t *urefs = NULL, *grefs = NULL, *n_gids = NULL, *first = NULL, *gids = NULL;
	uint64_t memberships = 0, off;
	uint8_t *file = NULL;
	int ret = -1;

	if ((nu > 0 && u == NULL) || (ng > 0 && g == NULL) || path == NULL)
		return wo_error_set(err, WO_ERR_INVALID, "cache: missing arguments");
	if (nu > WO_CACHE_MAX_ENTRIES || ng > WO_CACHE_MAX_ENTRIES)
		return wo_error_set(err, WO_ERR_INVALID, "cache: too many users or groups");
	if (check_entries(u, nu, g, ng, err) < 0)
		return -1;
	for (size_t i = 0; i < ng; i++)
		memberships += g[i].n_members;
	if (memberships > (1u << 30))
		return wo_error_set(err, WO_ERR_INVALID, "cache: too many group memberships");

	memcpy(h.magic, WO_CACHE_MAGIC, sizeof(h.magic));
	h.version = WO_CACHE_VERSION;
	h.header_size = sizeof(h);
	h.bom = WO_CACHE_BOM;
	h.n_users = (uint32_t)nu;
	h.n_groups = (uint32_t)ng;
	h.user_slots = slots_for(nu);
	h.group_slots = slots_for(ng);
	if (getrandom(h.hash_key, sizeof(h.hash_key), 0) != sizeof(h.hash_key))
		return wo_error_set(err, WO_ERR_SYSTEM, "cache: getrandom: %s", strerror(errno));

	ix_uname = calloc(h.user_slots, sizeof(*ix_uname));
	ix_uid = calloc(h.user_slots, sizeof(*ix_uid));
	ix_gname = calloc(h.group_slots, sizeof(*ix_gname));
	ix_gid = calloc(h.group_slots, sizeof(*ix_gid));
	urefs = calloc(nu + 1, sizeof(*urefs));
	grefs = calloc(ng + 1, sizeof(*grefs));
	n_gids = calloc(nu + 1, sizeof(*n_gids));
	first = calloc(nu + 1, sizeof(*first));
	gids = calloc(memberships + 1, sizeof(*gids));
	if (!ix_uname || !ix_uid || !ix_gname || !ix_gid || !urefs || !grefs || !n_gids || !first ||
	    !gids) {
		wo_error_set(err, WO_ERR_SYSTEM, "cache: out of memory");
		goto out;
	}

	for (uint32_t i = 0; i < nu; i++) {
		int64_t dup = ix_insert(ix_uname, h.user_slots,
					wo_siphash24(h.hash_key, u[i].name, strlen(u[i].name)), i,
					same_uname, u);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_INVALID, "cache: duplicate user name %s",
				     u[i].name);
			goto out;
		}
		dup = ix_insert(ix_uid, h.user_slots, wo_cache_hash_id(h.hash_key, u[i].uid), i,
				same_uid, u);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_INVALID, "cache: users %s and %s share uid %u",
				     u[dup].name, u[i].name, (unsigned)u[i].uid);
			goto out;
		}
	}
	for (uint32_t i = 0; i < ng; i++) {
		int64_t dup = ix_insert(ix_gname, h.group_slots,
					wo_siphash24(h.hash_key, g[i].name, strlen(g[i].name)), i,
					same_gname, g);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_INVALID, "cache: duplicate group name %s",
				     g[i].name);
			goto out;
		}
		dup = ix_insert(ix_gid, h.group_slots, wo_cache_hash_id(h.hash_key, g[i].gid), i,
				same_gid, g);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_INVALID, "cache: groups %s and %s share gid %u",
				     g[dup].name, g[i].name, (unsigned)g[i].gid);
			goto out;
		}
	}

	/* Memberships: count per user first, so each user's gids are one run
	 * of `gids`; `first` doubles as a per-group duplicate check. */
	for (uint32_t i = 0; i < ng; i++) {
		for (size_t j = 0; j < g[i].n_members; j++) {
			const char *mn = g[i].members[j];
			int64_t ui = wo_name_is_valid(mn)
					 ? find_user(ix_uname, h.user_slots, h.hash_key, u, mn)
					 : -1;

			if (ui < 0) {
				wo_error_set(
				    err, WO_ERR_INVALID,
				    "cache: group %s: member %zu is not a user of the cache",
				    g[i].name, j);
				goto out;
			}
			if (first[ui] == i + 1) {
				wo_error_set(err, WO_ERR_INVALID, "cache: group %s lists %s twice",
					     g[i].name, mn);
				goto out;
			}
			first[ui] = i + 1;
			if (++n_gids[ui] > WO_CACHE_MAX_GIDS) {
				wo_error_set(err, WO_ERR_INVALID,
					     "cache: user %s is in too many groups", mn);
				goto out;
			}
		}
	}
	{
		uint64_t w = 0;

		for (uint32_t i = 0; i < nu; i++) {
			first[i] = (uint32_t)w;
			w += n_gids[i];
			n_gids[i] = 0; /* counts again while filling */
		}
		for (uint32_t i = 0; i < ng; i++)
			for (size_t j = 0; j < g[i].n_members; j++) {
				int64_t ui = find_user(ix_uname, h.user_slots, h.hash_key, u,
						       g[i].members[j]);

				gids[first[ui] + n_gids[ui]++] = g[i].gid;
			}
	}

	/* Records: users, then groups, in the caller's order. */
	off = 0;
	for (uint32_t i = 0; i < nu && off <= WO_CACHE_RECORDS_MAX; i++) {
		urefs[i] = (uint32_t)(off / 8 + 1);
		off += user_record_size(&u[i], n_gids[i]);
	}
	for (uint32_t i = 0; i < ng && off <= WO_CACHE_RECORDS_MAX; i++) {
		grefs[i] = (uint32_t)(off / 8 + 1);
		off += group_record_size(&g[i]);
	}
	if (off > WO_CACHE_RECORDS_MAX) {
		wo_error_set(err, WO_ERR_INVALID, "cache: records exceed 32 GiB");
		goto out;
	}
	h.records_size = off;
	slots_to_refs(ix_gname, h.group_slots, grefs);
	slots_to_refs(ix_gid, h.group_slots, grefs);
	choose_shared(&h, u, nu);

	/* Cells on cache-line boundaries (the mapping starts on a page). */
	h.ix_uname_off = (sizeof(h) + 63) & ~(uint64_t)63;
	h.ix_uid_off = h.ix_uname_off + (uint64_t)h.user_slots * sizeof(struct wo_cache_ucell);
	h.ix_gname_off = h.ix_uid_off + (uint64_t)h.user_slots * sizeof(struct wo_cache_ucell);
	h.ix_gid_off = h.ix_gname_off + (uint64_t)h.group_slots * sizeof(*ix_gname);
	h.users_off = h.ix_gid_off + (uint64_t)h.group_slots * sizeof(*ix_gid);
	h.groups_off = h.users_off + (uint64_t)nu * sizeof(*urefs);
	h.records_off = align8(h.groups_off + (uint64_t)ng * sizeof(*grefs));
	h.file_size = h.records_off + h.records_size;
	h.generation = old_generation(path) + 1;

	file = calloc(1, h.file_size); /* padding stays zero */
	if (file == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "cache: out of memory");
		goto out;
	}
	memcpy(file, &h, sizeof(h));
	slots_to_cells(ix_uname, h.user_slots, urefs, u, gids, first, n_gids, &h,
		       file + h.ix_uname_off);
	slots_to_cells(ix_uid, h.user_slots, urefs, u, gids, first, n_gids, &h,
		       file + h.ix_uid_off);
	memcpy(file + h.ix_gname_off, ix_gname, (size_t)h.group_slots * sizeof(*ix_gname));
	memcpy(file + h.ix_gid_off, ix_gid, (size_t)h.group_slots * sizeof(*ix_gid));
	memcpy(file + h.users_off, urefs, nu * sizeof(*urefs));
	memcpy(file + h.groups_off, grefs, ng * sizeof(*grefs));
	for (uint32_t i = 0; i < nu; i++)
		put_user(file + h.records_off + (uint64_t)(urefs[i] - 1) * 8, &u[i],
			 gids + first[i], n_gids[i]);
	for (uint32_t i = 0; i < ng; i++)
		put_group(file + h.records_off + (uint64_t)(grefs[i] - 1) * 8, &g[i]);
	/* Checksum with the checksum field still zero, as the reader expects. */
	h.checksum = wo_siphash24(h.hash_key, file, h.file_size);
	memcpy(file + offsetof(struct wo_cache_header, checksum), &h.checksum, sizeof(h.checksum));

	ret = wo_atomic_replace(path, file, h.file_size, 0644, err);
	if (ret < 0)
		wo_error_prefix(err, "cache");
out:
	free(file);
	free(ix_uname);
	free(ix_uid);
	free(ix_gname);
	free(ix_gid);
	free(urefs);
	free(grefs);
	free(n_gids);
	free(first);
	free(gids);
	return ret;
}

int wo_cache_lock(const char *path, struct wo_error *err)
{
	char *lock;
	int fd;

	if (asprintf(&lock, "%s.lock", path) < 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot open %s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		wo_error_set(err, WO_ERR_SYSTEM, "cannot lock %s: %s", lock, strerror(errno));
		close(fd);
		free(lock);
		return -1;
	}
	free(lock);
	return fd;
}
