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
#include "names.h"

/* Deduplicated string area: most users share a shell, many a gecos "". */
struct strtab {
	char *buf;
	size_t len, cap;
	uint32_t *slots; /* offset + 1; 0 = empty */
	size_t mask;
	const uint8_t *key;
};

static int strtab_init(struct strtab *t, size_t expect, const uint8_t *key)
{
	size_t n = 16;

	while (n < 2 * expect)
		n *= 2;
	*t = (struct strtab){.key = key, .mask = n - 1, .cap = 4096};
	t->slots = calloc(n, sizeof(*t->slots));
	t->buf = malloc(t->cap);
	if (t->slots == NULL || t->buf == NULL)
		return -1;
	t->buf[0] = '\0'; /* offset 0 is "" */
	t->len = 1;
	return 0;
}

static void strtab_free(struct strtab *t)
{
	free(t->buf);
	free(t->slots);
}

/* Returns the offset of s in the area, adding it if new; -1 on overflow. */
static int64_t strtab_add(struct strtab *t, const char *s)
{
	size_t len = strlen(s);
	uint64_t h;
	size_t pos;

	if (len == 0)
		return 0;
	h = wo_siphash24(t->key, s, len);
	for (pos = h & t->mask; t->slots[pos] != 0; pos = (pos + 1) & t->mask)
		if (strcmp(t->buf + t->slots[pos] - 1, s) == 0)
			return t->slots[pos] - 1;
	if (t->len + len + 1 > UINT32_MAX - 1)
		return -1;
	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap;
		char *nb;

		while (cap < t->len + len + 1)
			cap *= 2;
		nb = realloc(t->buf, cap);
		if (nb == NULL)
			return -1;
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, len + 1);
	t->slots[pos] = (uint32_t)t->len + 1;
	t->len += len + 1;
	return (int64_t)t->slots[pos] - 1;
}

static bool id_ok(uint32_t id)
{
	/* 0 is root; 65535 and 4294967295 are (uid_t)-1 for 16- and 32-bit
	 * callers of setuid() and chown(), where they mean "no change". */
	return id != 0 && id != 65535 && id != UINT32_MAX;
}

static bool text_ok(const char *s, size_t max, bool absolute)
{
	size_t n = 0;

	if (s == NULL || (absolute && s[0] != '/'))
		return false;
	for (; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		/* ':' and newlines would split a passwd line built from this. */
		if (n >= max || c < 0x20 || c == 0x7f || c == ':')
			return false;
	}
	return true;
}

static bool workos_id_ok(const char *s)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= WO_CACHE_ID_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static uint32_t slots_for(size_t n)
{
	uint32_t s = 8;

	while (s < 2 * n)
		s *= 2;
	return s;
}

/* Inserts record `idx` into an index, unless an entry equal to it is there
 * already (same() decides): returns the index of that duplicate, or -1. */
static int64_t ix_insert(struct wo_cache_slot *ix, uint32_t slots, uint64_t h, uint32_t idx,
			 bool (*same)(const void *ctx, uint32_t a, uint32_t b), const void *ctx)
{
	uint32_t mask = slots - 1, tag = (uint32_t)(h >> 32), pos = (uint32_t)h & mask;

	for (; ix[pos].ref != 0; pos = (pos + 1) & mask)
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
	uint32_t mask = slots - 1, tag = (uint32_t)(h >> 32), pos = (uint32_t)h & mask;

	for (; ix[pos].ref != 0; pos = (pos + 1) & mask)
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

int wo_cache_write(const char *path, const struct wo_cache_user *u, size_t nu,
		   const struct wo_cache_group *g, size_t ng, struct wo_error *err)
{
	struct wo_cache_header h = {0};
	struct wo_cache_slot *ix_uname = NULL, *ix_uid = NULL, *ix_gname = NULL, *ix_gid = NULL;
	struct wo_cache_urec *urec = NULL;
	struct wo_cache_grec *grec = NULL;
	uint32_t *lists = NULL, *ngids = NULL, *fill = NULL;
	struct strtab st = {0};
	uint64_t n_words, memberships = 0;
	uint8_t *file = NULL;
	int ret = -1;

	if ((nu > 0 && u == NULL) || (ng > 0 && g == NULL) || path == NULL)
		return wo_error_set(err, WO_ERR_CONFIG, "cache: missing arguments");
	if (nu > WO_CACHE_MAX_ENTRIES || ng > WO_CACHE_MAX_ENTRIES)
		return wo_error_set(err, WO_ERR_CONFIG, "cache: too many users or groups");
	for (size_t i = 0; i < nu; i++) {
		const struct wo_cache_user *x = &u[i];

		if (!wo_name_is_valid(x->name))
			return wo_error_set(err, WO_ERR_CONFIG, "cache: invalid user name at %zu",
					    i);
		if (!id_ok(x->uid) || !id_ok(x->gid))
			return wo_error_set(err, WO_ERR_CONFIG, "cache: user %s: invalid uid or gid",
					    x->name);
		if (!text_ok(x->gecos, WO_CACHE_GECOS_MAX, false))
			return wo_error_set(err, WO_ERR_CONFIG, "cache: user %s: invalid gecos",
					    x->name);
		if (!text_ok(x->dir, WO_CACHE_PATH_MAX, true) ||
		    !text_ok(x->shell, WO_CACHE_PATH_MAX, true))
			return wo_error_set(err, WO_ERR_CONFIG,
					    "cache: user %s: home and shell must be absolute paths",
					    x->name);
		if (!workos_id_ok(x->workos_id))
			return wo_error_set(err, WO_ERR_CONFIG, "cache: user %s: invalid WorkOS id",
					    x->name);
	}
	for (size_t i = 0; i < ng; i++) {
		if (!wo_name_is_valid(g[i].name))
			return wo_error_set(err, WO_ERR_CONFIG, "cache: invalid group name at %zu",
					    i);
		if (!id_ok(g[i].gid))
			return wo_error_set(err, WO_ERR_CONFIG, "cache: group %s: invalid gid",
					    g[i].name);
		if (g[i].n_members > WO_CACHE_MAX_MEMBERS || (g[i].n_members && !g[i].members))
			return wo_error_set(err, WO_ERR_CONFIG, "cache: group %s: bad member list",
					    g[i].name);
		memberships += g[i].n_members;
	}
	n_words = (uint64_t)nu + ng + 2 * memberships;
	if (n_words > (1u << 30))
		return wo_error_set(err, WO_ERR_CONFIG, "cache: too many group memberships");

	memcpy(h.magic, WO_CACHE_MAGIC, sizeof(h.magic));
	h.version = WO_CACHE_VERSION;
	h.header_size = sizeof(h);
	h.bom = WO_CACHE_BOM;
	h.n_users = (uint32_t)nu;
	h.n_groups = (uint32_t)ng;
	h.user_slots = slots_for(nu);
	h.group_slots = slots_for(ng);
	h.n_list_words = (uint32_t)n_words;
	if (getrandom(h.hash_key, sizeof(h.hash_key), 0) != sizeof(h.hash_key))
		return wo_error_set(err, WO_ERR_SYSTEM, "cache: getrandom: %s", strerror(errno));

	ix_uname = calloc(h.user_slots, sizeof(*ix_uname));
	ix_uid = calloc(h.user_slots, sizeof(*ix_uid));
	ix_gname = calloc(h.group_slots, sizeof(*ix_gname));
	ix_gid = calloc(h.group_slots, sizeof(*ix_gid));
	urec = calloc(nu + 1, sizeof(*urec));
	grec = calloc(ng + 1, sizeof(*grec));
	lists = calloc(n_words + 1, sizeof(*lists));
	ngids = calloc(nu + 1, sizeof(*ngids));
	fill = calloc(nu + 1, sizeof(*fill));
	if (!ix_uname || !ix_uid || !ix_gname || !ix_gid || !urec || !grec || !lists || !ngids ||
	    !fill || strtab_init(&st, 5 * nu + ng + memberships / 4, h.hash_key) < 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cache: out of memory");
		goto out;
	}

	for (uint32_t i = 0; i < nu; i++) {
		int64_t dup = ix_insert(ix_uname, h.user_slots,
					wo_siphash24(h.hash_key, u[i].name, strlen(u[i].name)), i,
					same_uname, u);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_CONFIG, "cache: duplicate user name %s", u[i].name);
			goto out;
		}
		dup = ix_insert(ix_uid, h.user_slots, wo_cache_hash_id(h.hash_key, u[i].uid), i,
				same_uid, u);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_CONFIG, "cache: users %s and %s share uid %u",
				     u[dup].name, u[i].name, (unsigned)u[i].uid);
			goto out;
		}
	}
	for (uint32_t i = 0; i < ng; i++) {
		int64_t dup = ix_insert(ix_gname, h.group_slots,
					wo_siphash24(h.hash_key, g[i].name, strlen(g[i].name)), i,
					same_gname, g);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_CONFIG, "cache: duplicate group name %s",
				     g[i].name);
			goto out;
		}
		dup = ix_insert(ix_gid, h.group_slots, wo_cache_hash_id(h.hash_key, g[i].gid), i,
				same_gid, g);
		if (dup >= 0) {
			wo_error_set(err, WO_ERR_CONFIG, "cache: groups %s and %s share gid %u",
				     g[dup].name, g[i].name, (unsigned)g[i].gid);
			goto out;
		}
	}

	/* Memberships: count per user first, so each user's gid list is one
	 * contiguous run; `fill` doubles as a per-group duplicate check. */
	for (uint32_t i = 0; i < ng; i++) {
		for (size_t j = 0; j < g[i].n_members; j++) {
			const char *mn = g[i].members[j];
			int64_t ui = wo_name_is_valid(mn)
					     ? find_user(ix_uname, h.user_slots, h.hash_key, u, mn)
					     : -1;

			if (ui < 0) {
				wo_error_set(err, WO_ERR_CONFIG,
					     "cache: group %s: member %zu is not a user of the cache",
					     g[i].name, j);
				goto out;
			}
			if (fill[ui] == i + 1) {
				wo_error_set(err, WO_ERR_CONFIG, "cache: group %s lists %s twice",
					     g[i].name, mn);
				goto out;
			}
			fill[ui] = i + 1;
			ngids[ui]++;
		}
	}

	{
		uint32_t w = 0;

		for (uint32_t i = 0; i < nu; i++) {
			int64_t o[5] = {strtab_add(&st, u[i].name), strtab_add(&st, u[i].gecos),
					strtab_add(&st, u[i].dir), strtab_add(&st, u[i].shell),
					strtab_add(&st, u[i].workos_id)};

			if (o[0] < 0 || o[1] < 0 || o[2] < 0 || o[3] < 0 || o[4] < 0)
				goto toobig;
			urec[i] = (struct wo_cache_urec){
				.name = (uint32_t)o[0],
				.uid = u[i].uid,
				.gid = u[i].gid,
				.gecos = (uint32_t)o[1],
				.dir = (uint32_t)o[2],
				.shell = (uint32_t)o[3],
				.workos_id = (uint32_t)o[4],
				.gids = w,
			};
			lists[w] = 0; /* filled below */
			fill[i] = w + 1;
			w += 1 + ngids[i];
		}
		for (uint32_t i = 0; i < ng; i++) {
			int64_t o = strtab_add(&st, g[i].name);

			if (o < 0)
				goto toobig;
			grec[i] = (struct wo_cache_grec){
				.name = (uint32_t)o, .gid = g[i].gid, .members = w};
			lists[w++] = (uint32_t)g[i].n_members;
			for (size_t j = 0; j < g[i].n_members; j++) {
				/* Member names are user names already in the table. */
				int64_t ui = find_user(ix_uname, h.user_slots, h.hash_key, u,
						       g[i].members[j]);
				uint32_t at = fill[ui] - 1;

				lists[w++] = urec[ui].name;
				lists[at + 1 + lists[at]++] = g[i].gid;
			}
		}
	}

	h.users_off = sizeof(h);
	h.groups_off = h.users_off + (uint64_t)nu * sizeof(*urec);
	h.ix_uname_off = h.groups_off + (uint64_t)ng * sizeof(*grec);
	h.ix_uid_off = h.ix_uname_off + (uint64_t)h.user_slots * sizeof(*ix_uname);
	h.ix_gname_off = h.ix_uid_off + (uint64_t)h.user_slots * sizeof(*ix_uid);
	h.ix_gid_off = h.ix_gname_off + (uint64_t)h.group_slots * sizeof(*ix_gname);
	h.lists_off = h.ix_gid_off + (uint64_t)h.group_slots * sizeof(*ix_gid);
	h.strings_off = h.lists_off + n_words * sizeof(*lists);
	h.strings_size = (uint32_t)st.len;
	h.file_size = h.strings_off + st.len;
	h.generation = old_generation(path) + 1;

	file = malloc(h.file_size);
	if (file == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "cache: out of memory");
		goto out;
	}
	memcpy(file, &h, sizeof(h));
	memcpy(file + h.users_off, urec, (size_t)nu * sizeof(*urec));
	memcpy(file + h.groups_off, grec, (size_t)ng * sizeof(*grec));
	memcpy(file + h.ix_uname_off, ix_uname, (size_t)h.user_slots * sizeof(*ix_uname));
	memcpy(file + h.ix_uid_off, ix_uid, (size_t)h.user_slots * sizeof(*ix_uid));
	memcpy(file + h.ix_gname_off, ix_gname, (size_t)h.group_slots * sizeof(*ix_gname));
	memcpy(file + h.ix_gid_off, ix_gid, (size_t)h.group_slots * sizeof(*ix_gid));
	memcpy(file + h.lists_off, lists, (size_t)n_words * sizeof(*lists));
	memcpy(file + h.strings_off, st.buf, st.len);
	/* Checksum with the checksum field still zero, as the reader expects. */
	h.checksum = wo_siphash24(h.hash_key, file, h.file_size);
	memcpy(file + offsetof(struct wo_cache_header, checksum), &h.checksum,
	       sizeof(h.checksum));

	ret = wo_atomic_replace(path, file, h.file_size, 0644, err);
	if (ret < 0)
		wo_error_prefix(err, "cache");
	goto out;
toobig:
	wo_error_set(err, WO_ERR_CONFIG, "cache: string area exceeds 4 GiB");
out:
	free(file);
	strtab_free(&st);
	free(ix_uname);
	free(ix_uid);
	free(ix_gname);
	free(ix_gid);
	free(urec);
	free(grec);
	free(lists);
	free(ngids);
	free(fill);
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
