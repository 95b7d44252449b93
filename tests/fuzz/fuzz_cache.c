/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: any bytes as a cache file, read the way the NSS module
 * reads it (header check, then bounds-checked lookups and enumeration).
 * Built with clang by `make fuzz`; replay.c runs the corpus under `make
 * check` with the ordinary compiler (and ASan with --enable-sanitizers).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache_read.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"alice",	  "bob",	  "carol",
				    "workos-dev", "workos-admin", "workos-users",
				    "u0000001",	  "g000001",	  "x"};

/* Reads a view string up to the terminator its length says it has, so a
 * length that lies about the bytes behind it trips ASan. */
static size_t touch(const char *s, uint32_t len)
{
	size_t sum = 0;

	for (uint32_t i = 0; i <= len; i++)
		sum += (unsigned char)s[i];
	return sum;
}

/* What the reader promises of every name it hands out (cache_read.h):
 * valid, NUL-terminated at its length.  A file that breaks it is a bug. */
static void check_name(const char *s, uint32_t len)
{
	if (!wo_name_is_valid_n(s, len) || s[len] != '\0')
		abort();
}

static size_t touch_user(const struct wo_cache_uview *u)
{
	check_name(u->name, u->name_len);
	return touch(u->name, u->name_len) + touch(u->gecos, u->gecos_len) +
	       touch(u->dir, u->dir_len) + touch(u->shell, u->shell_len) + strlen(u->workos_id) +
	       (u->n_gids ? u->gids[0] + u->gids[u->n_gids - 1] : 0);
}

/* The NSS module's getgrnam() splits the member block in one go
 * (wo_names_split): it must accept exactly the blocks the name-by-name walk
 * accepts, and find the same names.  The copy and the array have exactly
 * the size the splitter may use, so that ASan sees anything past them. */
static void check_split(const struct wo_cache_gview *g, uint32_t walked, uint32_t end)
{
	char *copy = malloc(g->members_size ? g->members_size : 1);
	char **starts = malloc(g->n_members ? (size_t)g->n_members * sizeof(*starts) : 1);
	bool whole = walked == g->n_members && end == g->members_size;
	uint32_t pos = 0;

	if (copy == NULL || starts == NULL)
		abort();
	memcpy(copy, g->members, g->members_size);
	if ((wo_names_split(copy, g->members_size, starts, g->n_members) == 0) != whole)
		abort();
	for (uint32_t i = 0; whole && i < g->n_members; i++) {
		const char *s = wo_cache_member_next(g, &pos);

		if (starts[i] - copy != s - g->members)
			abort();
	}
	free(starts);
	free(copy);
}

/* Walks the members as the cache tools do; the walk must stay inside the
 * block whatever the block holds. */
static size_t touch_pw(const struct wo_cache_pwview *p)
{
	check_name(p->name, p->name_len);
	return touch(p->name, p->name_len) + touch(p->gecos, p->gecos_len) +
	       touch(p->dir, p->dir_len) + touch(p->shell, p->shell_len);
}

static size_t touch_group(const struct wo_cache_gview *g)
{
	size_t sum = touch(g->name, g->name_len);
	const char *s;
	uint32_t pos = 0, walked = 0;

	check_name(g->name, g->name_len);
	while ((s = wo_cache_member_next(g, &pos)) != NULL) {
		if (pos > g->members_size)
			abort();
		check_name(s, (uint32_t)strlen(s));
		sum += strlen(s);
		walked++;
	}
	check_split(g, walked, pos);
	return sum + pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wo_cache_map *m;
	struct wo_cache_uview u;
	struct wo_cache_pwview p;
	struct wo_cache_gview g;
	const uint32_t *gids;
	uint32_t n_gids;
	volatile size_t sink = 0;
	/* The reader requires the alignment mmap() gives; copy to get it. */
	uint64_t *buf = malloc(size / 8 * 8 + 8);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	m = wo_cache_map_borrow(buf, size, NULL);
	if (m == NULL) {
		free(buf);
		return 0;
	}
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
	for (uint32_t id = 0; id < 4; id++) {
		static const uint32_t base[] = {200001, 100000, 1000001, 500000};

		for (uint32_t k = 0; k < 4; k++) {
			if (wo_cache_user_by_uid(m, base[k] + id, &u) == 1)
				sink += touch_user(&u);
			if (wo_cache_passwd_by_uid(m, base[k] + id, &p) == 1)
				sink += touch_pw(&p);
			if (wo_cache_group_by_gid(m, base[k] + id, &g) == 1)
				sink += touch_group(&g);
		}
	}
	for (uint32_t i = 0; i < wo_cache_map_n_users(m) && i < 256; i++)
		if (wo_cache_user_at(m, i, &u) == 1)
			sink += touch_user(&u);
	for (uint32_t i = 0; i < wo_cache_map_n_groups(m) && i < 256; i++)
		if (wo_cache_group_at(m, i, &g) == 1)
			sink += touch_group(&g);
	(void)sink;
	wo_cache_map_release(m);
	free(buf);
	return 0;
}
