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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"alice", "bob", "carol", "workos-dev", "workos-admin",
				    "workos-users", "u0000001", "g000001", "x"};

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wo_cache_map *m;
	struct wo_cache_uview u;
	struct wo_cache_gview g;
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
			sink += touch(u.name) + touch(u.gecos) + touch(u.dir) + touch(u.shell) +
				touch(u.workos_id) + (u.n_gids ? u.gids[u.n_gids - 1] : 0);
		if (wo_cache_group_by_name(m, names[i], &g) == 1)
			for (uint32_t j = 0; j < g.n_members; j++)
				sink += touch(wo_cache_map_string(m, g.members[j]));
	}
	for (uint32_t id = 0; id < 4; id++) {
		static const uint32_t base[] = {200001, 100000, 1000001, 500000};

		for (uint32_t k = 0; k < 4; k++) {
			if (wo_cache_user_by_uid(m, base[k] + id, &u) == 1)
				sink += touch(u.name);
			if (wo_cache_group_by_gid(m, base[k] + id, &g) == 1)
				sink += g.n_members;
		}
	}
	for (uint32_t i = 0; i < wo_cache_map_n_users(m) && i < 256; i++)
		if (wo_cache_user_at(m, i, &u) == 1)
			for (uint32_t k = 0; k < u.n_gids; k++)
				sink += u.gids[k];
	for (uint32_t i = 0; i < wo_cache_map_n_groups(m) && i < 256; i++)
		if (wo_cache_group_at(m, i, &g) == 1)
			for (uint32_t j = 0; j < g.n_members; j++)
				sink += touch(wo_cache_map_string(m, g.members[j]));
	(void)sink;
	wo_cache_map_release(m);
	free(buf);
	return 0;
}
