/* SPDX-License-Identifier: MIT */
/*
 * The cache format end to end: writer validation, round trip through every
 * lookup, atomic replacement, and hostile files (truncated, flipped, forged
 * counts and offsets, wrong owner) that must be refused or answered without
 * ever reading outside the file.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <dirent.h>
#include <sys/file.h>

#include "cache.h"
#include "cache_hash.h"
#include "cache_read.h"
#include "tap.h"

#include "cache_fixture.h"

static char *dir, path[512];

static void test_siphash(void)
{
	uint8_t key[16], msg[64];
	struct wo_siphash s;

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* Reference values from the SipHash paper and its test vectors. */
	is_int(wo_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL, "siphash: empty input");
	is_int(wo_siphash24(key, msg, 15), 0xa129ca6149be45e5ULL, "siphash: 15-byte vector");
	wo_siphash_init(&s, key);
	wo_siphash_update(&s, msg, 3);
	wo_siphash_update(&s, msg + 3, 9);
	wo_siphash_update(&s, msg + 12, 51);
	is_int(wo_siphash_final(&s), wo_siphash24(key, msg, 63), "siphash: incremental == one-shot");
}

/* Every field of every record through every lookup of the map API. */
static void test_round_trip(void)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache_user_info *info = NULL;
	struct wo_cache_stats stats;
	struct wo_cache_map *m;
	struct wo_cache_uview u;
	struct wo_cache_gview g;
	struct wo_cache *c;
	int all = 1;

	ok(fx_write(path) == 0, "write the fixture cache");
	m = wo_cache_map_open(path, 0, true, &err);
	ok(m != NULL, "map it with checksum check (%s)", err.message);
	if (m == NULL)
		return;
	is_int(wo_cache_map_n_users(m), 3, "three users");
	is_int(wo_cache_map_n_groups(m), 3, "three groups");
	for (size_t i = 0; i < FX_NU; i++) {
		const struct wo_cache_user *x = &fx_users[i];

		all &= wo_cache_user_by_name(m, x->name, &u) == 1 && u.index == i &&
		       u.uid == x->uid && u.gid == x->gid && !strcmp(u.gecos, x->gecos) &&
		       !strcmp(u.dir, x->dir) && !strcmp(u.shell, x->shell) &&
		       !strcmp(u.workos_id, x->workos_id);
		all &= wo_cache_user_by_uid(m, x->uid, &u) == 1 && !strcmp(u.name, x->name);
		all &= wo_cache_user_at(m, (uint32_t)i, &u) == 1 && !strcmp(u.name, x->name);
	}
	ok(all, "each user by name, by uid and by position, every field");
	all = 1;
	for (size_t i = 0; i < FX_NG; i++) {
		const struct wo_cache_group *x = &fx_groups[i];

		all &= wo_cache_group_by_name(m, x->name, &g) == 1 && g.gid == x->gid &&
		       g.n_members == x->n_members;
		for (size_t j = 0; all && j < x->n_members; j++)
			all &= !strcmp(wo_cache_map_string(m, g.members[j]), x->members[j]);
		all &= wo_cache_group_by_gid(m, x->gid, &g) == 1 && !strcmp(g.name, x->name);
		all &= wo_cache_group_at(m, (uint32_t)i, &g) == 1 && !strcmp(g.name, x->name);
	}
	ok(all, "each group by name, by gid and by position, members in order");
	ok(wo_cache_user_by_name(m, "alice", &u) == 1 && u.n_gids == 2 && u.gids[0] == 100001 &&
		   u.gids[1] == 100002,
	   "alice's supplementary gids: admin, dev");
	ok(wo_cache_user_by_name(m, "carol", &u) == 1 && u.n_gids == 1 && u.gids[0] == 100002,
	   "carol's supplementary gids: dev");
	is_int(wo_cache_user_by_name(m, "dave", &u), 0, "unknown user: not found");
	is_int(wo_cache_user_by_name(m, "Alice", &u), 0, "invalid name: not found");
	is_int(wo_cache_user_by_name(m, "", &u), 0, "empty name: not found");
	is_int(wo_cache_user_by_name(m, "abcdefghijklmnopqrstuvwxyz0123456789", &u), 0,
	       "overlong name: not found");
	is_int(wo_cache_user_by_uid(m, 4242, &u), 0, "unknown uid: not found");
	is_int(wo_cache_group_by_name(m, "wheel", &g), 0, "unknown group: not found");
	is_int(wo_cache_group_by_gid(m, 0, &g), 0, "unknown gid: not found");
	is_int(wo_cache_user_at(m, 3, &u), 0, "position past the end: not found");
	is_int(wo_cache_group_at(m, 3, &g), 0, "group position past the end: not found");
	wo_cache_map_release(m);

	c = wo_cache_open(path, &err);
	ok(c != NULL, "wo_cache_open");
	if (c != NULL) {
		ok(wo_cache_find_user(c, "alice", &info, &err) == 1 && info != NULL,
		   "wo_cache_find_user alice");
		if (info != NULL) {
			is_str(info->user.workos_id, "user_01ALICE", "alice's WorkOS id");
			is_int(info->n_groups, 2, "alice has two groups");
			if (info->n_groups == 2) {
				is_str(info->groups[0], "workos-admin", "first group name");
				is_str(info->groups[1], "workos-dev", "second group name");
			}
		}
		wo_cache_user_info_free(info);
		ok(wo_cache_find_user(c, "mallory", &info, &err) == 0 && info == NULL,
		   "wo_cache_find_user on an unknown name: 0");
		is_int(wo_cache_generation(c), 1, "first write is generation 1");
		wo_cache_close(c);
	}
	ok(wo_cache_verify(path, &stats, &err) == 0, "wo_cache_verify passes (%s)", err.message);
	ok(stats.n_users == 3 && stats.n_groups == 3 && stats.generation == 1,
	   "verify reports counts and generation");
	ok(fx_write(path) == 0 && wo_cache_verify(path, &stats, &err) == 0 &&
		   stats.generation == 2,
	   "rewriting bumps the generation");
	{
		struct stat st;

		ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644 && st.st_uid == 0,
		   "the file is root-owned, mode 0644");
	}
}

static void test_empty(void)
{
	struct wo_error err = WO_ERROR_INIT;
	char p[600];
	struct wo_cache_map *m;
	struct wo_cache_uview u;

	snprintf(p, sizeof(p), "%s/empty.cache", dir);
	ok(wo_cache_write(p, NULL, 0, NULL, 0, &err) == 0, "an empty cache can be written");
	ok(wo_cache_verify(p, NULL, &err) == 0, "and verifies");
	m = wo_cache_map_open(p, 0, false, &err);
	ok(m != NULL && wo_cache_user_by_name(m, "alice", &u) == 0 &&
		   wo_cache_user_by_uid(m, 200001, &u) == 0,
	   "lookups in an empty cache find nothing");
	wo_cache_map_release(m);
}

/* Every refusal leaves the previous file byte for byte. */
static void test_validation(void)
{
	static const char *const ghost[] = {"ghost"};
	static const char *const twice[] = {"alice", "alice"};
	static const char *const badname[] = {"Alice"};
	struct {
		const char *what;
		struct wo_cache_user u;
		struct wo_cache_group g;
	} bad[] = {
		{"invalid user name", {"Bob", 300, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"user name with ':'", {"a:b", 300, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"NULL name", {NULL, 300, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"uid 0", {"zed", 0, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"uid 65535", {"zed", 65535, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"uid 4294967295", {"zed", 4294967295u, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"gid 0", {"zed", 300, 0, "", "/h", "/bin/sh", "u1"}, {0}},
		{"gecos with ':'", {"zed", 300, 300, "a:b", "/h", "/bin/sh", "u1"}, {0}},
		{"gecos with newline", {"zed", 300, 300, "a\nb", "/h", "/bin/sh", "u1"}, {0}},
		{"gecos with DEL", {"zed", 300, 300, "a\x7f", "/h", "/bin/sh", "u1"}, {0}},
		{"NULL gecos", {"zed", 300, 300, NULL, "/h", "/bin/sh", "u1"}, {0}},
		{"relative home", {"zed", 300, 300, "", "home/zed", "/bin/sh", "u1"}, {0}},
		{"empty home", {"zed", 300, 300, "", "", "/bin/sh", "u1"}, {0}},
		{"relative shell", {"zed", 300, 300, "", "/h", "sh", "u1"}, {0}},
		{"shell with ':'", {"zed", 300, 300, "", "/h", "/bin/s:h", "u1"}, {0}},
		{"empty WorkOS id", {"zed", 300, 300, "", "/h", "/bin/sh", ""}, {0}},
		{"WorkOS id with space", {"zed", 300, 300, "", "/h", "/bin/sh", "user 1"}, {0}},
		{"duplicate user name", {"alice", 300, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"duplicate uid", {"zed", 200001, 300, "", "/h", "/bin/sh", "u1"}, {0}},
		{"invalid group name", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"Wheel", 5000, NULL, 0}},
		{"group gid 0", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"zgrp", 0, NULL, 0}},
		{"duplicate group name", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"workos-dev", 5000, NULL, 0}},
		{"duplicate gid", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"zgrp", 100001, NULL, 0}},
		{"member that is not a user", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"zgrp", 5000, ghost, 1}},
		{"member listed twice", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"zgrp", 5000, twice, 2}},
		{"invalid member name", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"zgrp", 5000, badname, 1}},
		{"members NULL with a count", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"zgrp", 5000, NULL, 1}},
	};
	char longgecos[WO_CACHE_GECOS_MAX + 2];
	struct wo_cache_user users[FX_NU + 1];
	struct wo_cache_group groups[FX_NG + 1];
	unsigned char *before, *after;
	size_t blen, alen;

	ok(fx_write(path) == 0, "fixture in place before the refusals");
	before = fx_slurp(path, &blen);
	memcpy(users, fx_users, sizeof(fx_users));
	memcpy(groups, fx_groups, sizeof(fx_groups));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wo_error err = WO_ERROR_INIT;
		int r;

		users[FX_NU] = bad[i].u;
		groups[FX_NG] = bad[i].g;
		r = wo_cache_write(path, users, FX_NU + 1, groups, bad[i].g.name ? FX_NG + 1 : FX_NG,
				   &err);
		after = fx_slurp(path, &alen);
		ok(r == -1 && err.kind == WO_ERR_CONFIG && err.message[0] && alen == blen &&
			   memcmp(before, after, blen) == 0,
		   "refused, old file intact: %s (%s)", bad[i].what, err.message);
		free(after);
	}
	memset(longgecos, 'x', sizeof(longgecos) - 1);
	longgecos[sizeof(longgecos) - 1] = '\0';
	users[FX_NU] = (struct wo_cache_user){"zed", 300, 300, longgecos, "/h", "/bin/sh", "u1"};
	{
		struct wo_error err = WO_ERROR_INIT;

		ok(wo_cache_write(path, users, FX_NU + 1, groups, FX_NG, &err) == -1,
		   "refused: gecos longer than %d bytes", WO_CACHE_GECOS_MAX);
		longgecos[WO_CACHE_GECOS_MAX] = '\0';
		ok(wo_cache_write(path, users, FX_NU + 1, groups, FX_NG, &err) == 0,
		   "accepted: gecos of exactly %d bytes, UTF-8 allowed", WO_CACHE_GECOS_MAX);
		users[FX_NU].gecos = "Ren\xc3\xa9 M\xc3\xbcller";
		ok(wo_cache_write(path, users, FX_NU + 1, groups, FX_NG, &err) == 0 &&
			   wo_cache_verify(path, NULL, &err) == 0,
		   "accepted: UTF-8 gecos");
	}
	free(before);
}

static int count_tmp_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return n;
}

static void test_write_failures(void)
{
	struct wo_error err = WO_ERROR_INIT;
	char p[600];

	snprintf(p, sizeof(p), "%s/no/such/dir/nss.cache", dir);
	ok(wo_cache_write(p, fx_users, FX_NU, fx_groups, FX_NG, &err) == -1 &&
		   err.kind == WO_ERR_SYSTEM,
	   "a missing directory is a system error (%s)", err.message);
	/* rename() onto a non-empty directory fails after the temp file is
	 * written: the temp file must go, the target must stay. */
	snprintf(p, sizeof(p), "%s/isdir", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/isdir/keep", dir);
	fx_spit(p, "x", 1);
	snprintf(p, sizeof(p), "%s/isdir", dir);
	ok(wo_cache_write(p, fx_users, FX_NU, fx_groups, FX_NG, &err) == -1,
	   "rename over a directory fails (%s)", err.message);
	is_int(count_tmp_files(), 0, "no temp file is left behind");
	snprintf(p, sizeof(p), "%s/isdir/keep", dir);
	ok(access(p, F_OK) == 0, "the target is untouched");
}

static void test_lock(void)
{
	struct wo_error err = WO_ERROR_INIT;
	char lp[600];
	int fd, fd2;

	fd = wo_cache_lock(path, &err);
	ok(fd >= 0, "wo_cache_lock takes the lock (%s)", err.message);
	snprintf(lp, sizeof(lp), "%s.lock", path);
	/* flock() locks belong to the open file description: a second open,
	 * even in this process, stands for another writer. */
	fd2 = open(lp, O_RDWR);
	ok(fd2 >= 0 && flock(fd2, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK,
	   "another writer cannot take it");
	close(fd);
	fd = wo_cache_lock(path, &err);
	ok(fd >= 0, "it can be taken again once released");
	ok(flock(fd2, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK, "and is exclusive again");
	close(fd);
	ok(flock(fd2, LOCK_EX | LOCK_NB) == 0, "free once every holder closed it");
	close(fd2);
}

/* Opens `buf` as a cache the way the NSS module does and, if accepted,
 * runs every lookup on it.  Returns 1 if the map was accepted. */
static int poke(const void *buf, size_t len)
{
	static const char *const names[] = {"alice", "bob", "carol", "dave", "workos-dev",
					    "workos-admin", "workos-users"};
	struct wo_cache_map *m;
	struct wo_cache_uview u;
	struct wo_cache_gview g;
	volatile size_t sink = 0;

	fx_spit(path, buf, len);
	m = wo_cache_map_open(path, 0, false, NULL);
	if (m == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (wo_cache_user_by_name(m, names[i], &u) == 1)
			sink += strlen(u.name) + strlen(u.gecos) + strlen(u.dir) + u.n_gids;
		if (wo_cache_group_by_name(m, names[i], &g) == 1)
			for (uint32_t j = 0; j < g.n_members; j++) {
				const char *s = wo_cache_map_string(m, g.members[j]);
				sink += s ? strlen(s) : 0;
			}
	}
	for (uint32_t id = 0; id < 8; id++) {
		wo_cache_user_by_uid(m, 200000 + id, &u);
		wo_cache_group_by_gid(m, 100000 + id, &g);
	}
	for (uint32_t i = 0; i < wo_cache_map_n_users(m) && i < 64; i++)
		if (wo_cache_user_at(m, i, &u) == 1)
			for (uint32_t k = 0; k < u.n_gids; k++)
				sink += u.gids[k];
	for (uint32_t i = 0; i < wo_cache_map_n_groups(m) && i < 64; i++)
		wo_cache_group_at(m, i, &g);
	wo_cache_map_release(m);
	(void)sink;
	return 1;
}

static void test_hostile(void)
{
	struct wo_error err = WO_ERROR_INIT;
	unsigned char *good, *bad;
	size_t len, refused = 0, verified = 0, flips = 0;
	struct wo_cache_header *h;

	ok(fx_write(path) == 0, "fixture for the hostile tests");
	good = fx_slurp(path, &len);
	bad = malloc(len + 64);

	for (size_t n = 0; n < len; n++) {
		memcpy(bad, good, n);
		refused += !poke(bad, n);
	}
	is_int(refused, len, "every one of the %zu truncations is refused", len);
	memcpy(bad, good, len);
	memset(bad + len, 0, 64);
	ok(!poke(bad, len + 64), "a padded file is refused");

	/* Flipped bits: the NSS path may accept (it does not checksum) but
	 * must stay in bounds; full verification must refuse every one. */
	for (size_t i = 0; i < len; i++) {
		static const unsigned char masks[] = {0x01, 0x80, 0xff};

		for (size_t k = 0; k < sizeof(masks); k++) {
			memcpy(bad, good, len);
			bad[i] ^= masks[k];
			poke(bad, len);
			verified += wo_cache_verify(path, NULL, &err) == 0;
			flips++;
		}
	}
	is_int(verified, 0, "none of %zu flipped files passes wo_cache_verify", flips);

#define FORGE(what, stmt)                                                                         \
	do {                                                                                      \
		memcpy(bad, good, len);                                                           \
		h = (struct wo_cache_header *)(void *)bad;                                        \
		stmt;                                                                             \
		ok(!poke(bad, len), "refused: %s", what);                                         \
	} while (0)
	FORGE("bad magic", h->magic[0] = 'X');
	FORGE("other byte order", h->bom = 0x04030201);
	FORGE("version 2", h->version = 2);
	FORGE("header size", h->header_size = 8);
	FORGE("file size", h->file_size = len + 1);
	FORGE("n_users 2^32-1", h->n_users = UINT32_MAX);
	FORGE("n_groups 2^32-1", h->n_groups = UINT32_MAX);
	FORGE("n_users >= slots", h->n_users = h->user_slots);
	FORGE("slots not a power of two", h->user_slots = 12);
	FORGE("slots zero", h->group_slots = 0);
	FORGE("slots huge", h->user_slots = 1u << 31);
	FORGE("list words past the end", h->n_list_words = UINT32_MAX);
	FORGE("strings past the end", h->strings_size = UINT32_MAX);
	FORGE("strings not terminated", bad[len - 1] = 'x');
	FORGE("users offset past the end", h->users_off = len + 8);
	FORGE("users offset 2^64-8", h->users_off = UINT64_MAX - 7);
	FORGE("ix offset inside the header", h->ix_uid_off = 8);
	FORGE("unaligned offset", h->lists_off += 1);
	FORGE("strings offset wraps", h->strings_off = UINT64_MAX);
#undef FORGE

	/* Accepted headers with lying contents: lookups report corruption. */
	{
		struct wo_cache_urec *ur;
		struct wo_cache_slot *ix;
		struct wo_cache_map *m;
		struct wo_cache_uview u;
		struct wo_cache_gview g;
		uint64_t hash;

		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		ur = (struct wo_cache_urec *)(void *)(bad + h->users_off);
		ur[0].name = UINT32_MAX;
		ur[1].gids = h->n_list_words - 1;
		bad[h->lists_off + 4 * (h->n_list_words - 1)] = 0x7f; /* count 127, past the end */
		ok(poke(bad, len), "record damage is not visible in the header");
		m = wo_cache_map_open(path, 0, false, NULL);
		ok(m && wo_cache_user_at(m, 0, &u) == -1, "name offset out of range: corrupt");
		ok(m && wo_cache_user_by_uid(m, 200001, &u) == -1, "via the uid index too");
		ok(m && wo_cache_user_by_name(m, "bob", &u) == -1, "list running off the end: corrupt");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		ix = (struct wo_cache_slot *)(void *)(bad + h->ix_uname_off);
		hash = wo_siphash24(h->hash_key, "alice", 5);
		for (uint32_t i = 0; i < h->user_slots; i++)
			ix[i] = (struct wo_cache_slot){.tag = (uint32_t)(hash >> 32), .ref = 1000};
		poke(bad, len);
		m = wo_cache_map_open(path, 0, false, NULL);
		ok(m && wo_cache_user_by_name(m, "alice", &u) == -1,
		   "index slot pointing past the records: corrupt");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		ix = (struct wo_cache_slot *)(void *)(bad + h->ix_gid_off);
		for (uint32_t i = 0; i < h->group_slots; i++)
			ix[i] = (struct wo_cache_slot){.tag = 0x5a5a5a5a, .ref = 1};
		poke(bad, len);
		m = wo_cache_map_open(path, 0, false, NULL);
		ok(m && wo_cache_group_by_gid(m, 100001, &g) == 0,
		   "an index with no empty slot: probing stops, not found");
		wo_cache_map_release(m);
	}
	free(bad);
	free(good);
}

static void test_owner(void)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache_map *m;
	char p[600];

	ok(fx_write(path) == 0, "fixture for the owner tests");
	ok(chown(path, 1, 0) == 0, "chown the cache to uid 1");
	errno = 0;
	m = wo_cache_map_open(path, 0, false, &err);
	ok(m == NULL && errno == EACCES, "a cache owned by another user is refused (%s)",
	   err.message);
	ok(wo_cache_open(path, &err) == NULL, "by wo_cache_open too");
	ok(chown(path, 0, 0) == 0 && chmod(path, 0664) == 0, "root-owned, group-writable");
	m = wo_cache_map_open(path, 0, false, &err);
	ok(m == NULL && errno == EACCES, "a group-writable cache is refused");
	ok(chmod(path, 0646) == 0, "world-writable");
	m = wo_cache_map_open(path, 0, false, &err);
	ok(m == NULL && errno == EACCES, "a world-writable cache is refused");
	ok(chmod(path, 0600) == 0 && (m = wo_cache_map_open(path, 0, false, &err)) != NULL,
	   "0600 root-owned is fine");
	wo_cache_map_release(m);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ok(mkfifo(p, 0644) == 0 && wo_cache_map_open(p, 0, false, &err) == NULL,
	   "a FIFO is refused without blocking");
	ok(wo_cache_map_open(dir, 0, false, &err) == NULL, "a directory is refused");
	errno = 0;
	snprintf(p, sizeof(p), "%s/absent", dir);
	ok(wo_cache_map_open(p, 0, false, &err) == NULL && errno == ENOENT,
	   "a missing file: ENOENT");
}

static void test_source(void)
{
	struct wo_cache_source fast = WO_CACHE_SOURCE_INIT(path, 0);
	struct wo_cache_source slow = WO_CACHE_SOURCE_INIT(path, 3600 * 1000);
	struct wo_cache_map *a = NULL, *b = NULL, *c = NULL;
	uint64_t g1;

	ok(fx_write(path) == 0, "fixture for the source tests");
	ok(wo_cache_acquire(&fast, &a) == 0 && wo_cache_acquire(&slow, &c) == 0,
	   "acquire from both sources");
	wo_cache_map_release(c);
	ok(wo_cache_acquire(&fast, &b) == 0 && a == b, "unchanged file: the same map");
	wo_cache_map_release(b);
	g1 = wo_cache_map_header(a)->generation;
	ok(fx_write(path) == 0, "replace the cache");
	ok(wo_cache_acquire(&fast, &b) == 0 && b != a &&
		   wo_cache_map_header(b)->generation == g1 + 1,
	   "the replacement is noticed");
	ok(wo_cache_map_header(a)->generation == g1 &&
		   wo_cache_map_n_users(a) == FX_NU,
	   "a map still held stays readable after the swap");
	wo_cache_map_release(a);
	wo_cache_map_release(b);
	ok(wo_cache_acquire(&slow, &c) == 0 && wo_cache_map_header(c)->generation == g1,
	   "within the check interval the old map is kept, no stat");
	wo_cache_map_release(c);
	unlink(path);
	errno = 0;
	ok(wo_cache_acquire(&fast, &b) == -1 && errno == ENOENT, "a removed cache: ENOENT");
	fx_spit(path, "garbage", 7);
	errno = 0;
	ok(wo_cache_acquire(&fast, &b) == -1 && errno == EINVAL, "a garbage cache: EINVAL");
	ok(fx_write(path) == 0 && wo_cache_acquire(&fast, &b) == 0,
	   "a good cache again is picked up");
	wo_cache_map_release(b);
	wo_cache_source_reset(&fast);
	wo_cache_source_reset(&slow);
}

int main(void)
{
	dir = fx_tmpdir();
	snprintf(path, sizeof(path), "%s/nss.cache", dir);
	test_siphash();
	test_round_trip();
	test_empty();
	test_validation();
	test_write_failures();
	test_lock();
	test_hostile();
	test_owner();
	test_source();
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	free(dir);
	return done_testing();
}
