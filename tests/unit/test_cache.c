/* SPDX-License-Identifier: MIT */
/*
 * The cache format end to end: writer validation, the bytes it lays down,
 * round trip through every lookup, atomic replacement, and hostile files
 * (truncated, flipped, forged counts and offsets, damaged records, wrong
 * owner) that must be refused or answered without ever reading outside the
 * file or handing out a bad name.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <dirent.h>
#include <sys/file.h>

#include "cache.h"
#include "cache_hash.h"
#include "cache_read.h"
#include "names.h"
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
	is_int(wo_siphash_final(&s), wo_siphash24(key, msg, 63),
	       "siphash: incremental == one-shot");
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
	uint32_t refs[FX_NU + FX_NG] = {0};
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

		if (wo_cache_user_by_name(m, x->name, &u) != 1) {
			all = 0;
			continue;
		}
		refs[i] = u.ref;
		all &= !strcmp(u.name, x->name) && u.uid == x->uid && u.gid == x->gid &&
		       !strcmp(u.gecos, x->gecos) && !strcmp(u.dir, x->dir) &&
		       !strcmp(u.shell, x->shell) && !strcmp(u.workos_id, x->workos_id);
		all &= u.name_len == strlen(x->name) && u.gecos_len == strlen(x->gecos) &&
		       u.dir_len == strlen(x->dir) && u.shell_len == strlen(x->shell);
		/* The same record through the other index and the enumeration. */
		all &= wo_cache_user_by_uid(m, x->uid, &u) == 1 && !strcmp(u.name, x->name) &&
		       u.ref == refs[i];
		all &= wo_cache_user_at(m, (uint32_t)i, &u) == 1 && !strcmp(u.name, x->name) &&
		       u.ref == refs[i];
	}
	ok(all, "each user by name, by uid and by position, every field and length");
	all = 1;
	for (size_t i = 0; i < FX_NG; i++) {
		const struct wo_cache_group *x = &fx_groups[i];
		uint32_t pos = 0, size = 0;

		if (wo_cache_group_by_name(m, x->name, &g) != 1) {
			all = 0;
			continue;
		}
		refs[FX_NU + i] = g.ref;
		all &= !strcmp(g.name, x->name) && g.name_len == strlen(x->name) &&
		       g.gid == x->gid && g.n_members == x->n_members;
		for (size_t j = 0; j < x->n_members; j++) {
			const char *s = wo_cache_member_next(&g, &pos);

			all &= s != NULL && !strcmp(s, x->members[j]);
			size += (uint32_t)strlen(x->members[j]) + 1;
		}
		/* n_members names use the block up exactly. */
		all &= g.members_size == size && pos == size &&
		       wo_cache_member_next(&g, &pos) == NULL && pos == size;
		all &= wo_cache_group_by_gid(m, x->gid, &g) == 1 && !strcmp(g.name, x->name) &&
		       g.ref == refs[FX_NU + i];
		all &= wo_cache_group_at(m, (uint32_t)i, &g) == 1 && !strcmp(g.name, x->name) &&
		       g.ref == refs[FX_NU + i];
	}
	ok(all, "each group by name, by gid and by position, members in order");
	all = 1;
	for (size_t i = 0; i < FX_NU + FX_NG; i++) {
		all &= refs[i] != 0;
		for (size_t j = 0; j < i; j++)
			all &= refs[i] != refs[j];
	}
	ok(all, "every entry has its own nonzero ref");
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
	ok(fx_write(path) == 0 && wo_cache_verify(path, &stats, &err) == 0 && stats.generation == 2,
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

/* Takes the string `want` at *s, stored as the format says: its bytes, then
 * a NUL, with the length the record's fixed part gives. */
static int take_str(const char **s, size_t len, const char *want)
{
	int r = len == strlen(want) && memcmp(*s, want, len + 1) == 0;

	*s += len + 1;
	return r;
}

/* The record of `ref` in the image `buf` if `size` bytes of it lie inside
 * the records area, else NULL. */
static const unsigned char *rec_at(const unsigned char *buf, uint32_t ref, uint64_t size)
{
	const struct wo_cache_header *h = (const void *)buf;
	uint64_t off = ((uint64_t)ref - 1) * 8;

	if (ref == 0 || off > h->records_size || h->records_size - off < size)
		return NULL;
	return buf + h->records_off + off;
}

/* The writer's bytes against lib/cache_format.h, without the reader, so a
 * writer and a reader that agree on a wrong layout do not pass together. */
static void test_layout(void)
{
	const struct wo_cache_header *h;
	unsigned char *buf;
	size_t len;
	uint64_t start[FX_NU + FX_NG] = {0}, end[FX_NU + FX_NG] = {0};
	uint32_t max_uref = 0, min_gref = UINT32_MAX;
	int all = 1, sections;

	ok(fx_write(path) == 0, "fixture for the layout checks");
	buf = fx_slurp(path, &len);
	h = (const void *)buf;
	sections = len >= sizeof(*h) && h->version == WO_CACHE_VERSION &&
		   h->header_size == sizeof(*h) && h->flags == 0 && h->file_size == len &&
		   h->n_users == FX_NU && h->n_groups == FX_NG;
	ok(sections, "header: version %d, sizes, counts", WO_CACHE_VERSION);
	/* The walks below trust the counts and offsets checked here. */
	sections =
	    sections && h->ix_uname_off >= sizeof(*h) && h->ix_uname_off % 64 == 0 &&
	    h->ix_uid_off % 64 == 0 && h->ix_uid_off >= h->ix_uname_off + 64ull * h->user_slots &&
	    h->ix_gname_off >= h->ix_uid_off + 64ull * h->user_slots &&
	    h->ix_gid_off >= h->ix_gname_off + 8ull * h->group_slots &&
	    h->users_off >= h->ix_gid_off + 8ull * h->group_slots &&
	    h->groups_off >= h->users_off + 4ull * h->n_users &&
	    h->records_off >= h->groups_off + 4ull * h->n_groups && h->records_off % 8 == 0 &&
	    h->records_off <= len && h->records_size <= len - h->records_off;
	ok(sections, "sections in the documented order, user cells on cache lines, records "
		     "8-aligned and inside the file");
	if (!sections) {
		free(buf);
		return;
	}
	for (uint32_t i = 0; i < FX_NU; i++) {
		const struct wo_cache_user *x = &fx_users[i];
		uint32_t ref = ((const uint32_t *)(const void *)(buf + h->users_off))[i];
		const struct wo_cache_urec *r = (const void *)rec_at(buf, ref, sizeof(*r));
		uint64_t size;
		const char *s;

		if (r == NULL) {
			all = 0;
			continue;
		}
		size = sizeof(*r) + 4ull * r->n_gids + r->name_len + r->gecos_len + r->dir_len +
		       r->shell_len + r->id_len + 5;
		if (rec_at(buf, ref, size) == NULL) {
			all = 0;
			continue;
		}
		start[i] = (uint64_t)(ref - 1) * 8;
		end[i] = start[i] + size;
		max_uref = ref > max_uref ? ref : max_uref;
		s = (const char *)(r + 1) + 4 * r->n_gids;
		all &= r->uid == x->uid && r->gid == x->gid && r->reserved[0] == 0 &&
		       r->reserved[1] == 0 && r->reserved[2] == 0;
		all &= take_str(&s, r->name_len, x->name) && take_str(&s, r->gecos_len, x->gecos) &&
		       take_str(&s, r->dir_len, x->dir) && take_str(&s, r->shell_len, x->shell) &&
		       take_str(&s, r->id_len, x->workos_id);
	}
	ok(all, "user records: fixed part, gids, then five NUL-terminated strings");
	all = 1;
	for (uint32_t i = 0; i < FX_NG; i++) {
		const struct wo_cache_group *x = &fx_groups[i];
		uint32_t ref = ((const uint32_t *)(const void *)(buf + h->groups_off))[i];
		const struct wo_cache_grec *r = (const void *)rec_at(buf, ref, sizeof(*r));
		uint64_t size;
		const char *s;

		if (r == NULL) {
			all = 0;
			continue;
		}
		size = sizeof(*r) + r->name_len + 1ull + r->members_size;
		if (rec_at(buf, ref, size) == NULL) {
			all = 0;
			continue;
		}
		start[FX_NU + i] = (uint64_t)(ref - 1) * 8;
		end[FX_NU + i] = start[FX_NU + i] + size;
		min_gref = ref < min_gref ? ref : min_gref;
		s = (const char *)(r + 1);
		all &= r->gid == x->gid && r->n_members == x->n_members && r->reserved[0] == 0 &&
		       r->reserved[1] == 0 && r->reserved[2] == 0 &&
		       take_str(&s, r->name_len, x->name);
		for (size_t j = 0; j < x->n_members; j++)
			all &= take_str(&s, strlen(x->members[j]), x->members[j]);
		all &= s == (const char *)(r + 1) + r->name_len + 1 + r->members_size;
	}
	ok(all, "group records: fixed part, name, then exactly members_size bytes of members");
	ok(max_uref < min_gref, "every user record comes before every group record");
	all = 1;
	for (size_t i = 0; i < FX_NU + FX_NG; i++)
		for (size_t j = 0; j < i; j++)
			all &= end[i] <= start[j] || end[j] <= start[i];
	ok(all, "no two records overlap");
	free(buf);
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
	    {"invalid group name",
	     {"zed", 300, 300, "", "/h", "/bin/sh", "u1"},
	     {"Wheel", 5000, NULL, 0}},
	    {"group gid 0", {"zed", 300, 300, "", "/h", "/bin/sh", "u1"}, {"zgrp", 0, NULL, 0}},
	    {"duplicate group name",
	     {"zed", 300, 300, "", "/h", "/bin/sh", "u1"},
	     {"workos-dev", 5000, NULL, 0}},
	    {"duplicate gid",
	     {"zed", 300, 300, "", "/h", "/bin/sh", "u1"},
	     {"zgrp", 100001, NULL, 0}},
	    {"member that is not a user",
	     {"zed", 300, 300, "", "/h", "/bin/sh", "u1"},
	     {"zgrp", 5000, ghost, 1}},
	    {"member listed twice",
	     {"zed", 300, 300, "", "/h", "/bin/sh", "u1"},
	     {"zgrp", 5000, twice, 2}},
	    {"invalid member name",
	     {"zed", 300, 300, "", "/h", "/bin/sh", "u1"},
	     {"zgrp", 5000, badname, 1}},
	    {"members NULL with a count",
	     {"zed", 300, 300, "", "/h", "/bin/sh", "u1"},
	     {"zgrp", 5000, NULL, 1}},
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
		r = wo_cache_write(path, users, FX_NU + 1, groups,
				   bad[i].g.name ? FX_NG + 1 : FX_NG, &err);
		after = fx_slurp(path, &alen);
		ok(r == -1 && err.kind == WO_ERR_INVALID && err.message[0] && alen == blen &&
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

/* Reads a view string to its terminator, which the view says is at `len`:
 * under ASan a length that lies about the bytes behind it shows. */
static size_t touch(const char *s, uint32_t len)
{
	size_t sum = 0;

	for (uint32_t i = 0; i <= len; i++)
		sum += (unsigned char)s[i];
	return sum;
}

/* Names poke() was handed that are not valid names ending at their length:
 * the reader promises there are none, whatever the file holds. */
static size_t bad_names;

static void check_name(const char *s, uint32_t len)
{
	bad_names += !wo_name_is_valid_n(s, len) || s[len] != '\0';
}

static size_t touch_user(const struct wo_cache_uview *u)
{
	size_t sum = touch(u->name, u->name_len) + touch(u->gecos, u->gecos_len) +
		     touch(u->dir, u->dir_len) + touch(u->shell, u->shell_len) +
		     strlen(u->workos_id);

	for (uint32_t k = 0; k < u->n_gids; k++)
		sum += u->gids[k];
	check_name(u->name, u->name_len);
	return sum;
}

static size_t touch_pw(const struct wo_cache_pwview *p)
{
	check_name(p->name, p->name_len);
	return touch(p->name, p->name_len) + touch(p->gecos, p->gecos_len) +
	       touch(p->dir, p->dir_len) + touch(p->shell, p->shell_len) + p->uid + p->gid;
}

static size_t touch_group(const struct wo_cache_gview *g)
{
	size_t sum = touch(g->name, g->name_len);
	const char *s;
	uint32_t pos = 0;

	check_name(g->name, g->name_len);
	while ((s = wo_cache_member_next(g, &pos)) != NULL) {
		check_name(s, (uint32_t)strlen(s));
		sum += strlen(s);
	}
	return sum + pos;
}

/* Opens `buf` as a cache the way the NSS module does and, if accepted,
 * runs every lookup on it and reads everything they return.  Returns 1 if
 * the map was accepted. */
static int poke(const void *buf, size_t len)
{
	static const char *const names[] = {"alice",	  "bob",	  "carol",	 "dave",
					    "workos-dev", "workos-admin", "workos-users"};
	struct wo_cache_map *m;
	struct wo_cache_uview u;
	struct wo_cache_pwview p;
	struct wo_cache_gview g;
	const uint32_t *gids;
	uint32_t n_gids;
	volatile size_t sink = 0;

	fx_spit(path, buf, len);
	m = wo_cache_map_open(path, 0, false, NULL);
	if (m == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (wo_cache_user_by_name(m, names[i], &u) == 1)
			sink += touch_user(&u);
		if (wo_cache_passwd_by_name(m, names[i], &p) == 1)
			sink += touch_pw(&p);
		if (wo_cache_gids_by_name(m, names[i], &gids, &n_gids) == 1)
			sink += n_gids ? gids[0] + gids[n_gids - 1] : 0;
		if (wo_cache_group_by_name(m, names[i], &g) == 1)
			sink += touch_group(&g);
	}
	for (uint32_t id = 0; id < 8; id++) {
		if (wo_cache_user_by_uid(m, 200000 + id, &u) == 1)
			sink += touch_user(&u);
		if (wo_cache_passwd_by_uid(m, 200000 + id, &p) == 1)
			sink += touch_pw(&p);
		if (wo_cache_group_by_gid(m, 100000 + id, &g) == 1)
			sink += touch_group(&g);
	}
	for (uint32_t i = 0; i < wo_cache_map_n_users(m) && i < 64; i++)
		if (wo_cache_user_at(m, i, &u) == 1)
			sink += touch_user(&u);
	for (uint32_t i = 0; i < wo_cache_map_n_groups(m) && i < 64; i++)
		if (wo_cache_group_at(m, i, &g) == 1)
			sink += touch_group(&g);
	wo_cache_map_release(m);
	(void)sink;
	return 1;
}

/* poke()s a damaged image and maps it again for the assertions: NULL if
 * the header check refused it. */
static struct wo_cache_map *damaged(const unsigned char *buf, size_t len)
{
	if (!poke(buf, len))
		return NULL;
	return wo_cache_map_open(path, 0, false, NULL);
}

/* The ref of user or group i in the enumeration arrays of an image. */
static uint32_t user_ref(const unsigned char *buf, uint32_t i)
{
	const struct wo_cache_header *h = (const void *)buf;

	return ((const uint32_t *)(const void *)(buf + h->users_off))[i];
}

static uint32_t group_ref(const unsigned char *buf, uint32_t i)
{
	const struct wo_cache_header *h = (const void *)buf;

	return ((const uint32_t *)(const void *)(buf + h->groups_off))[i];
}

/* The record of a ref, to damage it. */
static void *rec(unsigned char *buf, uint32_t ref)
{
	const struct wo_cache_header *h = (const void *)buf;

	return buf + h->records_off + ((uint64_t)ref - 1) * 8;
}

/* String k of a user record (name, gecos, dir, shell, workos_id) and its
 * length. */
static char *urec_str(struct wo_cache_urec *r, int k, size_t *len)
{
	const size_t lens[] = {r->name_len, r->gecos_len, r->dir_len, r->shell_len, r->id_len};
	char *s = (char *)(r + 1) + 4 * r->n_gids;

	for (int i = 0; i < k; i++)
		s += lens[i] + 1;
	*len = lens[k];
	return s;
}

static char *grec_members(struct wo_cache_grec *r)
{
	return (char *)(r + 1) + r->name_len + 1;
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
	is_int(bad_names, 0, "no lookup in a flipped file hands out an invalid name");

#define FORGE(what, stmt)                                                                          \
	do {                                                                                       \
		memcpy(bad, good, len);                                                            \
		h = (struct wo_cache_header *)(void *)bad;                                         \
		stmt;                                                                              \
		ok(!poke(bad, len), "refused: %s", what);                                          \
	} while (0)
	FORGE("bad magic", h->magic[0] = 'X');
	FORGE("other byte order", h->bom = 0x04030201);
	FORGE("version 1, the old layout", h->version = 1);
	FORGE("version 2, slots without cells", h->version = 2);
	FORGE("a version from the future", h->version = WO_CACHE_VERSION + 1);
	FORGE("header size", h->header_size = 8);
	FORGE("flags", h->flags = 1);
	FORGE("file size", h->file_size = len + 1);
	FORGE("n_users 2^32-1", h->n_users = UINT32_MAX);
	FORGE("n_groups 2^32-1", h->n_groups = UINT32_MAX);
	FORGE("n_users >= slots", h->n_users = h->user_slots);
	FORGE("user cells off a cache line", h->ix_uid_off += 8);
	FORGE("home without its NUL", memset(h->home, 'a', sizeof(h->home)));
	FORGE("relative home", h->home[0] = 'h');
	FORGE("home with a ':'", h->home[1] = ':');
	FORGE("shell with a newline", h->shell[1] = '\n');
	FORGE("a shell but no home", memset(h->home, 0, sizeof(h->home)));
	FORGE("slots zero", h->group_slots = 0);
	FORGE("slots huge", h->user_slots = 1u << 31);
	FORGE("index past the end", h->user_slots = WO_CACHE_MAX_SLOTS);
	FORGE("ix offset inside the header", h->ix_uid_off = 8);
	FORGE("ix running past the end", h->ix_gname_off = (len - 8) & ~(size_t)7);
	FORGE("unaligned ix offset", h->ix_gid_off += 1);
	FORGE("users offset past the end", h->users_off = len + 8);
	FORGE("users offset 2^64-8", h->users_off = UINT64_MAX - 7);
	FORGE("users refs running past the end", h->users_off = (len - 4) & ~(size_t)3);
	FORGE("unaligned users offset", h->users_off += 1);
	FORGE("groups offset past the end", h->groups_off = len & ~(size_t)3);
	FORGE("groups offset inside the header", h->groups_off = 0);
	FORGE("unaligned groups offset", h->groups_off += 2);
	FORGE("records one byte past the end", h->records_size = len - h->records_off + 1);
	FORGE("records size 2^64-1", h->records_size = UINT64_MAX);
	FORGE("records offset past the end", (h->records_off = len + 8, h->records_size = 0));
	FORGE("records offset inside the header", h->records_off = 8);
	/* 4-aligned and inside the file: only the 8-byte rule refuses it. */
	FORGE("unaligned records offset", (h->records_off += 4, h->records_size -= 4));
	FORGE("records offset wraps", h->records_off = UINT64_MAX);
	FORGE("records offset 2^64-8", (h->records_off = UINT64_MAX - 7, h->records_size = 16));
#undef FORGE

	/* Accepted headers with lying contents: lookups report corruption.
	 * Records are found the way the reader finds them: the ref in the
	 * enumeration array, the record at (ref - 1) * 8 in the records area.
	 * The fixture's users are alice, bob, carol and its groups
	 * workos-users, workos-admin, workos-dev, in that order. */
	{
		static const char bad_chars[] = {':', '\n', 'A', '\0', '\xff'};
		const struct wo_cache_header *gh = (const void *)good;
		struct wo_cache_urec *ur;
		struct wo_cache_grec *gr;
		struct wo_cache_slot *ix;
		struct wo_cache_ucell *cx;
		struct wo_cache_map *m;
		struct wo_cache_uview u;
		struct wo_cache_gview g;
		uint32_t last, pos, n;
		uint64_t hash, end;
		const char *s;
		size_t slen;
		char *p;
		int all;

		/* The user record with the highest ref: only group records
		 * follow it, fewer than 255 bytes of them. */
		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		last = 0;
		for (uint32_t i = 1; i < FX_NU; i++)
			if (user_ref(bad, i) > user_ref(bad, last))
				last = i;
		ur = rec(bad, user_ref(bad, last));
		ur->name_len = UINT8_MAX;
		end = (uint64_t)((unsigned char *)urec_str(ur, 4, &slen) - (bad + h->records_off)) +
		      slen + 1;
		m = damaged(bad, len);
		ok(m != NULL, "record damage is not visible in the header");
		ok(m && end > h->records_size && wo_cache_user_at(m, last, &u) == -1,
		   "name length running past the records area: corrupt");
		ok(m && wo_cache_user_by_uid(m, fx_users[last].uid, &u) == -1,
		   "via the uid index too");
		ok(m && wo_cache_user_by_name(m, fx_users[last].name, &u) == -1,
		   "and via the name index");
		ok(m && wo_cache_user_by_name(m, fx_users[(last + 1) % FX_NU].name, &u) == 1,
		   "the damage stays local: another user is still found");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		ur = rec(bad, user_ref(bad, 0));
		ur->dir_len = UINT16_MAX;
		m = damaged(bad, len);
		ok(m && wo_cache_user_at(m, 0, &u) == -1 &&
		       wo_cache_user_by_name(m, "alice", &u) == -1,
		   "a record followed by others whose lengths run past the area: corrupt");
		wo_cache_map_release(m);

		all = 1;
		for (int k = 0; k < 5; k++) {
			memcpy(bad, good, len);
			ur = rec(bad, user_ref(bad, 0));
			p = urec_str(ur, k, &slen);
			p[slen] = 'x';
			m = damaged(bad, len);
			all &= m && wo_cache_user_at(m, 0, &u) == -1 &&
			       wo_cache_user_by_uid(m, 200001, &u) == -1 &&
			       wo_cache_user_by_name(m, "alice", &u) == -1 &&
			       wo_cache_user_by_name(m, "bob", &u) == 1;
			wo_cache_map_release(m);
		}
		ok(all,
		   "a missing NUL after any of a user's five strings: corrupt, that user only");

		/* gecos, dir and shell end up in passwd lines: a ':' or a
		 * newline there would forge fields or lines. */
		all = 1;
		for (int k = 1; k <= 3; k++) {
			const char bad_field[] = {':', '\n', '\x7f'};

			for (size_t c = 0; c < sizeof(bad_field); c++) {
				memcpy(bad, good, len);
				ur = rec(bad, user_ref(bad, 0));
				p = urec_str(ur, k, &slen);
				if (slen == 0)
					continue;
				p[slen - 1] = bad_field[c];
				m = damaged(bad, len);
				all &= m && wo_cache_user_at(m, 0, &u) == -1 &&
				       wo_cache_user_by_uid(m, 200001, &u) == -1 &&
				       wo_cache_user_by_name(m, "alice", &u) == -1;
				wo_cache_map_release(m);
			}
		}
		memcpy(bad, good, len);
		ur = rec(bad, user_ref(bad, 0));
		urec_str(ur, 2, &slen)[0] = 'h';
		m = damaged(bad, len);
		all &= m && wo_cache_user_by_name(m, "alice", &u) == -1;
		wo_cache_map_release(m);
		ok(all,
		   "gecos, dir or shell with ':', newline or DEL, or a relative home: corrupt");

		/* The WorkOS id goes into API paths: the PAM side refuses a
		 * bad one even in a file whose checksum is right. */
		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		ur = rec(bad, user_ref(bad, 0));
		urec_str(ur, 4, &slen)[0] = '/';
		h->checksum = 0;
		h->checksum = wo_siphash24(h->hash_key, bad, len);
		{
			struct wo_cache_user_info *info = NULL;
			struct wo_cache *c;

			ok(poke(bad, len), "a record with a '/' in its WorkOS id maps");
			c = wo_cache_open(path, &err);
			ok(c && wo_cache_find_user(c, "alice", &info, &err) == -1 && info == NULL,
			   "wo_cache_find_user refuses the id: %s", err.message);
			ok(c && wo_cache_find_user(c, "bob", &info, &err) == 1,
			   "and still finds another user");
			wo_cache_user_info_free(info);
			wo_cache_close(c);
			ok(wo_cache_verify(path, NULL, &err) < 0, "wo_cache_verify refuses it too");
		}

		all = 1;
		for (size_t k = 0; k < sizeof(bad_chars); k++) {
			memcpy(bad, good, len);
			ur = rec(bad, user_ref(bad, 0));
			urec_str(ur, 0, &slen)[2] = bad_chars[k];
			m = damaged(bad, len);
			/* By name the key is compared, so the stored name is
			 * simply not "alice". */
			all &= m && wo_cache_user_at(m, 0, &u) == -1 &&
			       wo_cache_user_by_uid(m, 200001, &u) == -1 &&
			       wo_cache_user_by_name(m, "alice", &u) != 1;
			wo_cache_map_release(m);

			memcpy(bad, good, len);
			gr = rec(bad, group_ref(bad, 1));
			((char *)(gr + 1))[2] = bad_chars[k];
			m = damaged(bad, len);
			all &= m && wo_cache_group_at(m, 1, &g) == -1 &&
			       wo_cache_group_by_gid(m, 100001, &g) == -1 &&
			       wo_cache_group_by_name(m, "workos-admin", &g) != 1;
			wo_cache_map_release(m);
		}
		ok(all, "a stored name with ':', newline, capital, NUL or 0xff: corrupt by id and "
			"position, not found by name");

		memcpy(bad, good, len);
		ur = rec(bad, user_ref(bad, 1));
		ur->n_gids = UINT16_MAX;
		m = damaged(bad, len);
		ok(m && wo_cache_user_by_name(m, "bob", &u) == -1 &&
		       wo_cache_user_by_uid(m, 200002, &u) == -1 &&
		       wo_cache_user_at(m, 1, &u) == -1,
		   "n_gids too big for the records area: corrupt");
		wo_cache_map_release(m);

		/* Refs at and past the end of the area: the first that starts
		 * there, the last 8-byte unit (too short for a fixed part), and
		 * the largest there is. */
		all = 1;
		for (int k = 0; k < 3; k++) {
			uint32_t ref = k == 0	? (uint32_t)(gh->records_size / 8) + 1
				       : k == 1 ? (uint32_t)((gh->records_size - 1) / 8) + 1
						: UINT32_MAX;

			memcpy(bad, good, len);
			h = (struct wo_cache_header *)(void *)bad;
			cx = (struct wo_cache_ucell *)(void *)(bad + h->ix_uname_off);
			hash = wo_siphash24(h->hash_key, "alice", 5);
			for (uint32_t i = 0; i < h->user_slots; i++)
				cx[i] = (struct wo_cache_ucell){.tag = (uint32_t)(hash >> 32),
								.ref = ref};
			ix = (struct wo_cache_slot *)(void *)(bad + h->ix_gname_off);
			hash = wo_siphash24(h->hash_key, "workos-dev", 10);
			for (uint32_t i = 0; i < h->group_slots; i++)
				ix[i] = (struct wo_cache_slot){.tag = (uint32_t)(hash >> 32),
							       .ref = ref};
			m = damaged(bad, len);
			all &= m && wo_cache_user_by_name(m, "alice", &u) == -1 &&
			       wo_cache_group_by_name(m, "workos-dev", &g) == -1;
			wo_cache_map_release(m);
		}
		ok(all, "index entries pointing at or past the end of the records: corrupt");

		/* A ref to a record of the other kind, or into the middle of
		 * one, reads whatever is there as the wrong struct: it must
		 * not come back as a match. */
		all = 1;
		for (uint32_t k = 0; k < FX_NU + FX_NG + 1; k++) {
			/* The groups and a ref 8 bytes into alice's record go
			 * into the uid index, the users into the gid index. */
			bool into_uid = k < FX_NG || k == FX_NG + FX_NU;
			uint32_t ref;

			if (k < FX_NG)
				ref = group_ref(good, k);
			else if (k < FX_NG + FX_NU)
				ref = user_ref(good, k - FX_NG);
			else
				ref = user_ref(good, 0) + 1;
			memcpy(bad, good, len);
			h = (struct wo_cache_header *)(void *)bad;
			cx = (struct wo_cache_ucell *)(void *)(bad + h->ix_uid_off);
			ix = (struct wo_cache_slot *)(void *)(bad + h->ix_gid_off);
			n = into_uid ? h->user_slots : h->group_slots;
			for (uint32_t i = 0; i < n; i++) {
				uint32_t *at = into_uid ? &cx[i].ref : &ix[i].ref;

				if (*at != 0)
					*at = ref;
			}
			m = damaged(bad, len);
			all &= m != NULL;
			for (uint32_t i = 0; m && i < 3; i++)
				all &= into_uid ? wo_cache_user_by_uid(m, 200001 + i, &u) != 1
						: wo_cache_group_by_gid(m, 100000 + i, &g) != 1;
			wo_cache_map_release(m);
		}
		ok(all, "group records in the uid index, user records in the gid index, a ref into "
			"a record: never a match");

		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		((uint32_t *)(void *)(bad + h->users_off))[1] = 0;
		((uint32_t *)(void *)(bad + h->users_off))[2] = UINT32_MAX;
		((uint32_t *)(void *)(bad + h->users_off))[0] = group_ref(bad, 2);
		((uint32_t *)(void *)(bad + h->groups_off))[2] = 0;
		((uint32_t *)(void *)(bad + h->groups_off))[0] = user_ref(good, 0);
		m = damaged(bad, len);
		ok(m && wo_cache_user_at(m, 1, &u) == -1 && wo_cache_user_at(m, 2, &u) == -1 &&
		       wo_cache_group_at(m, 2, &g) == -1,
		   "enumeration refs 0 and 2^32-1: corrupt");
		ok(m && wo_cache_user_at(m, 0, &u) != 1 && wo_cache_group_at(m, 0, &g) != 1,
		   "enumeration refs to the other kind of record: never an entry");
		wo_cache_map_release(m);

		/* workos-dev's members block: "alice\0carol\0bob\0".  The
		 * lookup hands the block out unchecked; the walk stops at the
		 * first bad name, short of members_size. */
		all = 1;
		for (size_t k = 0; k < sizeof(bad_chars); k++) {
			memcpy(bad, good, len);
			gr = rec(bad, group_ref(bad, 2));
			grec_members(gr)[6] = bad_chars[k];
			m = damaged(bad, len);
			pos = 0;
			all &= m && wo_cache_group_by_gid(m, 100002, &g) == 1 &&
			       (s = wo_cache_member_next(&g, &pos)) != NULL &&
			       !strcmp(s, "alice") && wo_cache_member_next(&g, &pos) == NULL &&
			       pos == 6 && pos < g.members_size;
			wo_cache_map_release(m);
		}
		ok(all, "a bad member name ends the walk short of members_size");

		memcpy(bad, good, len);
		gr = rec(bad, group_ref(bad, 2));
		grec_members(gr)[gr->members_size - 1] = 'x';
		m = damaged(bad, len);
		pos = 0;
		ok(m && wo_cache_group_by_name(m, "workos-dev", &g) == 1 &&
		       wo_cache_member_next(&g, &pos) && wo_cache_member_next(&g, &pos) &&
		       wo_cache_member_next(&g, &pos) == NULL && pos < g.members_size,
		   "a last member without its NUL ends the walk short of members_size");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		gr = rec(bad, group_ref(bad, 2));
		gr->n_members = 2;
		m = damaged(bad, len);
		pos = 0;
		ok(m && wo_cache_group_by_gid(m, 100002, &g) == 1 && g.n_members == 2 &&
		       wo_cache_member_next(&g, &pos) && wo_cache_member_next(&g, &pos) &&
		       pos < g.members_size,
		   "n_members names that do not use the block up: visible as pos < members_size");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		gr = rec(bad, group_ref(bad, 2));
		gr->n_members = 4;
		m = damaged(bad, len);
		pos = 0;
		n = 0;
		if (m && wo_cache_group_by_gid(m, 100002, &g) == 1)
			while (wo_cache_member_next(&g, &pos))
				n++;
		ok(m && n == 3 && pos == g.members_size && n < g.n_members,
		   "a block used up before n_members names: visible as fewer names");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		gr = rec(bad, group_ref(bad, 2));
		gr->n_members = gr->members_size / 2 + 1;
		m = damaged(bad, len);
		ok(m && wo_cache_group_by_gid(m, 100002, &g) == -1,
		   "more members than the block can hold: corrupt");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		gr = rec(bad, group_ref(bad, 1));
		gr->members_size = UINT32_MAX;
		m = damaged(bad, len);
		ok(m && wo_cache_group_by_gid(m, 100001, &g) == -1 &&
		       wo_cache_group_by_name(m, "workos-admin", &g) == -1 &&
		       wo_cache_group_at(m, 1, &g) == -1,
		   "members_size past the records area: corrupt");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		gr = rec(bad, group_ref(bad, 1));
		((char *)(gr + 1))[gr->name_len] = 'x';
		m = damaged(bad, len);
		ok(m && wo_cache_group_by_gid(m, 100001, &g) == -1 &&
		       wo_cache_group_by_name(m, "workos-admin", &g) == -1,
		   "a group name without its NUL: corrupt");
		wo_cache_map_release(m);

		/* records_size need not be a multiple of 8: an area that ends
		 * one byte short of its last record is accepted, and only
		 * that record is corrupt. */
		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		last = 0;
		for (uint32_t i = 1; i < FX_NG; i++)
			if (group_ref(bad, i) > group_ref(bad, last))
				last = i;
		gr = rec(bad, group_ref(bad, last));
		h->records_size =
		    (uint64_t)((unsigned char *)grec_members(gr) - (bad + h->records_off)) +
		    gr->members_size - 1;
		m = damaged(bad, len);
		ok(m && wo_cache_group_at(m, last, &g) == -1 &&
		       wo_cache_group_by_gid(m, fx_groups[last].gid, &g) == -1 &&
		       wo_cache_user_by_name(m, "alice", &u) == 1,
		   "records area one byte short of the last record: that record is corrupt");
		wo_cache_map_release(m);

		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		ix = (struct wo_cache_slot *)(void *)(bad + h->ix_gid_off);
		for (uint32_t i = 0; i < h->group_slots; i++)
			ix[i] =
			    (struct wo_cache_slot){.tag = 0x5a5a5a5a, .ref = group_ref(good, 0)};
		m = damaged(bad, len);
		ok(m && wo_cache_group_by_gid(m, 100001, &g) == 0,
		   "an index with no empty slot: probing stops, not found");
		wo_cache_map_release(m);
	}
	is_int(bad_names, 0, "no lookup in a damaged file handed out an invalid name");
	free(bad);
	free(good);
}

/* The cell of user record `ref` in the user index at `off`. */
static struct wo_cache_ucell *cell_of(unsigned char *buf, uint64_t off, uint32_t ref)
{
	const struct wo_cache_header *h = (const void *)buf;
	struct wo_cache_ucell *c = (struct wo_cache_ucell *)(void *)(buf + off);

	for (uint32_t i = 0; i < h->user_slots; i++)
		if (c[i].ref == ref)
			return &c[i];
	abort();
}

/* getpwnam()/getpwuid() read a user's cell; a cell holds the passwd fields
 * only when the user has the shared home prefix and shell (the fixture:
 * alice does; bob has another shell, carol another home). */
static void test_cells(void)
{
	struct wo_error err = WO_ERROR_INIT;
	const struct wo_cache_header *gh;
	struct wo_cache_header *h;
	struct wo_cache_ucell *c;
	struct wo_cache_map *m;
	struct wo_cache_pwview p;
	struct wo_cache_uview u;
	static const uint32_t admin_dev[] = {100001, 100002};
	unsigned char *good, *bad;
	const uint32_t *gids;
	uint32_t n_gids;
	size_t len;
	int all = 1;

	ok(fx_write(path) == 0, "cells: fixture written");
	good = fx_slurp(path, &len);
	bad = malloc(len);
	if (bad == NULL)
		abort();
	gh = (const void *)good;
	ok(strcmp(gh->home, "/home/") == 0 && strcmp(gh->shell, "/bin/bash") == 0,
	   "shared home prefix and shell from the first user: \"%s\", \"%s\"", gh->home, gh->shell);
	for (uint32_t i = 0; i < FX_NU; i++) {
		const struct wo_cache_user *x = &fx_users[i];
		uint32_t ref = user_ref(good, i);

		for (int t = 0; t < 2; t++) {
			c = cell_of(good, t ? gh->ix_uid_off : gh->ix_uname_off, ref);
			if (i == 0)
				all &= c->name_len == 5 && c->gecos_len == strlen(x->gecos) &&
				       c->uid == x->uid && c->gid == x->gid && c->n_gids == 2 &&
				       memcmp(c->text, "alice\0Alice Liddell\0", 20) == 0 &&
				       memcmp(c->text + 20, admin_dev, 8) == 0;
			else
				all &= c->name_len == 0 && c->uid == 0 && c->n_gids == 0 &&
				       c->text[0] == '\0';
		}
	}
	ok(all, "alice's two cells hold her passwd fields and gids; bob's and carol's only refs");

	m = wo_cache_map_open(path, 0, true, &err);
	all = m != NULL;
	for (uint32_t i = 0; m && i < FX_NU; i++) {
		const struct wo_cache_user *x = &fx_users[i];
		char home[64];

		for (int t = 0; t < 2; t++) {
			int r = t ? wo_cache_passwd_by_uid(m, x->uid, &p)
				  : wo_cache_passwd_by_name(m, x->name, &p);

			snprintf(home, sizeof(home), "%.*s%s", (int)p.dir_len, p.dir,
				 p.dir_then_name ? p.name : "");
			all &= r == 1 && p.dir_then_name == (i == 0) && !strcmp(p.name, x->name) &&
			       !strcmp(p.gecos, x->gecos) && !strcmp(home, x->dir) &&
			       !strcmp(p.shell, x->shell) && p.uid == x->uid && p.gid == x->gid;
		}
	}
	all &= m && wo_cache_passwd_by_name(m, "dave", &p) == 0 &&
	       wo_cache_passwd_by_uid(m, 200009, &p) == 0;
	ok(all, "passwd lookups by name and uid, from cells and records, agree with the file");
	all = m != NULL;
	for (uint32_t i = 0; m && i < FX_NU; i++)
		all &= wo_cache_gids_by_name(m, fx_users[i].name, &gids, &n_gids) == 1 &&
		       wo_cache_user_by_name(m, fx_users[i].name, &u) == 1 && n_gids == u.n_gids &&
		       (n_gids == 0 || memcmp(gids, u.gids, 4 * n_gids) == 0) &&
		       (i != 0 || (n_gids == 2 && gids[0] == 100001 && gids[1] == 100002));
	all &= m && wo_cache_gids_by_name(m, "dave", &gids, &n_gids) == 0;
	wo_cache_map_release(m);
	ok(all, "gids for initgroups, from alice's cell and the others' records, agree");

#define DAMAGE_CELL(what, uid_index, stmt, ...)                                                    \
	do {                                                                                       \
		memcpy(bad, good, len);                                                            \
		c = cell_of(bad, (uid_index) ? gh->ix_uid_off : gh->ix_uname_off,                  \
			    user_ref(good, 0));                                                    \
		stmt;                                                                              \
		m = damaged(bad, len);                                                             \
		ok(m && (uid_index ? wo_cache_passwd_by_uid(m, 200001, &p)                         \
				   : wo_cache_passwd_by_name(m, "alice", &p)) == -1,               \
		   "a cell with %s: corrupt", what);                                               \
		wo_cache_map_release(m);                                                           \
	} while (0)
	DAMAGE_CELL("name and gecos longer than the cell", 0, c->gecos_len = 40);
	DAMAGE_CELL("a name without its NUL", 0, c->text[5] = 'x');
	DAMAGE_CELL("a gecos without its NUL", 0, c->text[19] = 'x');
	DAMAGE_CELL("a ':' in the gecos", 0, c->text[8] = ':');
	DAMAGE_CELL("a newline in the gecos", 1, c->text[8] = '\n');
	DAMAGE_CELL("an uppercase name, found by uid", 1, c->text[0] = 'A');
	DAMAGE_CELL("passwd fields but no shared home", 1, {
		h = (struct wo_cache_header *)(void *)bad;
		memset(h->home, 0, sizeof(h->home));
		memset(h->shell, 0, sizeof(h->shell));
	});
#undef DAMAGE_CELL
	memcpy(bad, good, len);
	c = cell_of(bad, gh->ix_uname_off, user_ref(good, 0));
	c->n_gids = 7; /* 20 + 28 bytes: past the cell */
	m = damaged(bad, len);
	ok(m && wo_cache_gids_by_name(m, "alice", &gids, &n_gids) == -1,
	   "a cell with more gids than it has room for: corrupt");
	wo_cache_map_release(m);
	c->n_gids = WO_CACHE_CELL_NO_GIDS;
	memset(c->text + 20, 0, 8);
	m = damaged(bad, len);
	ok(m && wo_cache_gids_by_name(m, "alice", &gids, &n_gids) == 1 && n_gids == 2 &&
	       gids[0] == 100001 && gids[1] == 100002,
	   "a cell without the gids: they come from the record");
	wo_cache_map_release(m);

	/* Lies that only the tools' check sees, each in a file whose checksum
	 * is right: a stray cell for a user that does not exist (uid 0), a
	 * uid cell with another gid, gids that are not the record's, a shared
	 * home that is not the users', an empty cell that is not empty. */
	for (int k = 0; k < 6; k++) {
		static const char *const lies[] = {
		    "a stray name cell",	   "a stray uid cell",
		    "a uid cell with another gid", "a cell with other gids",
		    "another shared home",	   "an empty cell with bytes in it"};
		struct wo_cache_ucell *cells;
		uint64_t hash;
		uint32_t e = 0;

		memcpy(bad, good, len);
		h = (struct wo_cache_header *)(void *)bad;
		cells = (struct wo_cache_ucell *)(void *)(bad + (k == 1 ? h->ix_uid_off
									: h->ix_uname_off));
		while (cells[e].ref != 0)
			e++;
		switch (k) {
		case 0:
		case 1:
			hash = k == 0 ? wo_siphash24(h->hash_key, "toor", 4)
				      : wo_cache_hash_id(h->hash_key, 0);
			cells[e] = (struct wo_cache_ucell){.tag = (uint32_t)(hash >> 32),
							   .ref = user_ref(good, 0),
							   .name_len = 4,
							   .n_gids = 0,
							   .text = "toor"};
			break;
		case 2:
			cell_of(bad, h->ix_uid_off, user_ref(good, 0))->gid = 100000;
			break;
		case 3:
			cell_of(bad, h->ix_uname_off, user_ref(good, 0))->text[20] ^= 1;
			break;
		case 4:
			memcpy(h->home, "/srv/", 6);
			break;
		default:
			cells[e].reserved = 1;
		}
		h->checksum = 0;
		h->checksum = wo_siphash24(h->hash_key, bad, len);
		fx_spit(path, bad, len);
		ok(wo_cache_verify(path, NULL, &err) < 0, "wo_cache_verify refuses %s: %s", lies[k],
		   err.message);
	}

	/* A cell that lies, in a file whose checksum is right: the NSS path
	 * believes the cell (checks are about safety, not truth), the tools'
	 * check catches it. */
	memcpy(bad, good, len);
	c = cell_of(bad, gh->ix_uname_off, user_ref(good, 0));
	c->text[6] = 'M';
	h = (struct wo_cache_header *)(void *)bad;
	h->checksum = 0;
	h->checksum = wo_siphash24(h->hash_key, bad, len);
	m = damaged(bad, len);
	ok(m && wo_cache_passwd_by_name(m, "alice", &p) == 1 && !strcmp(p.gecos, "Mlice Liddell") &&
	       wo_cache_user_by_name(m, "alice", &u) == 1 && !strcmp(u.gecos, "Alice Liddell"),
	   "a lying cell is what getpwnam() sees; the record is unchanged");
	wo_cache_map_release(m);
	ok(wo_cache_verify(path, NULL, &err) < 0 && strstr(err.message, "cell disagrees"),
	   "wo_cache_verify refuses it: %s", err.message);
	free(bad);
	free(good);
}

/* Where cells stop holding fields: the writer's conditions at their
 * edges, each checked against the records through every lookup. */
static void test_cell_edges(void)
{
	static const char *const in5[] = {"hal", "ivy"};
	static const char *const in6[] = {"ivy"};
	static const char gecos42[] = "Fay Forty-Two Bytes Of Name And Gecos..";
	static const char gecos43[] = "Gus Forty-Three Bytes Of Name And Gecos.";
	struct wo_cache_user users[] = {
	    {"dan", 300001, 300001, "Dan", "/home/dan", "/bin/bash", "u1"},
	    {"eve", 300002, 300002, "Eve", "/home/shared", "/bin/bash", "u2"},
	    {"fay", 300003, 300003, gecos42, "/home/fay", "/bin/bash", "u3"},
	    {"gus", 300004, 300004, gecos43, "/home/gus", "/bin/bash", "u4"},
	    {"hal", 300005, 300005, "Hal Nineteen Bytes", "/home/hal", "/bin/bash", "u5"},
	    {"ivy", 300006, 300006, "Ivy Nineteen Bytes", "/home/ivy", "/bin/bash", "u6"},
	    {"joe", 300007, 300007, "", "/home/joe", "/bin/bash", "u7"},
	};
	struct wo_cache_group groups[6];
	/* name_len, n_gids of each user's cell: 0 = fields in the record only */
	static const struct {
		uint8_t name_len, n_gids;
	} want[] = {{3, 0}, {0, 0}, {3, 0}, {0, 0}, {3, 5}, {3, WO_CACHE_CELL_NO_GIDS}, {3, 0}};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache_map *m;
	unsigned char *buf;
	size_t len;
	int all = 1;

	for (int j = 0; j < 6; j++) {
		static char names[6][8];

		snprintf(names[j], sizeof(names[j]), "e%d", j);
		groups[j] = (struct wo_cache_group){names[j], 310000 + (uint32_t)j,
						    j < 5 ? in5 : in6, j < 5 ? 2 : 1};
	}
	ok(strlen("fay") + strlen(gecos42) == 42 && strlen("gus") + strlen(gecos43) == 43 &&
	       strlen("hal") + strlen("Hal Nineteen Bytes") + 2 == 23,
	   "edge users: 42 and 43 bytes of name and gecos; hal's gids from byte 24");
	ok(wo_cache_write(path, users, 7, groups, 6, &err) == 0 &&
	       wo_cache_verify(path, NULL, &err) == 0,
	   "written and verified (%s)", err.message);
	buf = fx_slurp(path, &len);
	m = wo_cache_map_open(path, 0, true, &err);
	all = m != NULL;
	for (uint32_t i = 0; m && i < 7; i++) {
		const struct wo_cache_header *h = (const void *)buf;
		struct wo_cache_ucell *c = cell_of(buf, h->ix_uname_off, user_ref(buf, i));
		struct wo_cache_pwview p;
		struct wo_cache_uview u;
		const uint32_t *gids;
		uint32_t n;

		all &= c->name_len == want[i].name_len && c->n_gids == want[i].n_gids &&
		       wo_cache_user_by_name(m, users[i].name, &u) == 1 &&
		       wo_cache_passwd_by_name(m, users[i].name, &p) == 1 &&
		       !strcmp(p.gecos, users[i].gecos) && p.uid == users[i].uid &&
		       wo_cache_passwd_by_uid(m, users[i].uid, &p) == 1 &&
		       !strcmp(p.name, users[i].name) &&
		       wo_cache_gids_by_name(m, users[i].name, &gids, &n) == 1 && n == u.n_gids &&
		       (n == 0 || memcmp(gids, u.gids, 4 * n) == 0);
		if (!all)
			diag("user %s: cell name_len %u n_gids %u", users[i].name, c->name_len,
			     c->n_gids);
	}
	wo_cache_map_release(m);
	ok(all, "home not the shared prefix plus the name, 43 bytes, 6 gids: fields in the "
		"record; 42 bytes, 5 gids filling the cell, no gids: in the cell");
	free(buf);
}

/* Probes wrap from the last entry of an index to the first: write files
 * until one has both ends of its name index taken, then find everyone. */
static void test_wrap(void)
{
	enum { N = 300 };
	static struct wo_cache_user users[N];
	static char names[N][8];
	struct wo_error err = WO_ERROR_INIT;
	int tries = 0, all = 0;

	for (uint32_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "w%u", i);
		users[i] = (struct wo_cache_user){names[i],  400000 + i, 400000 + i, "W",
						  "/home/w", "/bin/sh",	 "u1"};
	}
	while (!all && tries++ < 40) {
		const struct wo_cache_header *h;
		const struct wo_cache_ucell *c;
		struct wo_cache_map *m;
		struct wo_cache_pwview p;
		unsigned char *buf;
		size_t len;

		if (wo_cache_write(path, users, N, NULL, 0, &err) != 0)
			break;
		buf = fx_slurp(path, &len);
		h = (const void *)buf;
		c = (const void *)(buf + h->ix_uname_off);
		if (c[0].ref != 0 && c[h->user_slots - 1].ref != 0) {
			m = wo_cache_map_open(path, 0, true, &err);
			all = m != NULL && wo_cache_verify(path, NULL, &err) == 0;
			for (uint32_t i = 0; m && i < N; i++)
				all &= wo_cache_passwd_by_name(m, names[i], &p) == 1 &&
				       p.uid == 400000 + i &&
				       wo_cache_passwd_by_uid(m, 400000 + i, &p) == 1 &&
				       !strcmp(p.name, names[i]);
			wo_cache_map_release(m);
			if (!all)
				tries = 1000;
		}
		free(buf);
	}
	ok(all,
	   "a name index with both ends taken: all %d users found by name and uid "
	   "(%d files written)",
	   N, tries);
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
	ok(wo_cache_map_header(a)->generation == g1 && wo_cache_map_n_users(a) == FX_NU,
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
	test_layout();
	test_validation();
	test_write_failures();
	test_lock();
	test_hostile();
	test_cells();
	test_cell_edges();
	test_wrap();
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
