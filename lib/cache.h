/* SPDX-License-Identifier: MIT */
/*
 * The NSS cache for programs other than the NSS module: writing it (the sync
 * tool) and reading it (the PAM account phase, diagnostics).  The format is
 * in cache_format.h; zero-copy lookups for the NSS module in cache_read.h.
 *
 * wo_cache_write() validates everything first and replaces the file
 * atomically (temp file in the same directory, fsync, rename, fsync of the
 * directory, mode 0644); on any error the previous file is left untouched.
 * Serialise writers with wo_cache_lock().
 */
#ifndef WO_CACHE_H
#define WO_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cache_format.h"
#include "error.h"

struct wo_cache_user {
	const char *name;      /* lib/names.h rule */
	uint32_t uid;	       /* not 0, 65535 or 4294967295 */
	uint32_t gid;	       /* primary group; same rule */
	const char *gecos;     /* printable, no ':', <= WO_CACHE_GECOS_MAX bytes; may be "" */
	const char *dir;       /* absolute, printable, no ':' */
	const char *shell;     /* absolute, printable, no ':' */
	const char *workos_id; /* [A-Za-z0-9_-], 1..WO_CACHE_ID_MAX bytes */
};

struct wo_cache_group {
	const char *name;
	uint32_t gid;
	const char *const *members; /* user names; each must be a user of the cache */
	size_t n_members;
};

/* Writes the cache at `path`.  Returns 0, or -1 with err filled (kind
 * WO_ERR_INVALID for data that fails validation, WO_ERR_SYSTEM for I/O). */
int wo_cache_write(const char *path, const struct wo_cache_user *u, size_t nu,
		   const struct wo_cache_group *g, size_t ng, struct wo_error *err);

/* Takes an exclusive flock on "<path>.lock" (created 0600), waiting for
 * another writer to finish.  Returns the fd (close it to unlock) or -1. */
int wo_cache_lock(const char *path, struct wo_error *err);

/* Reading. */
struct wo_cache;

/* Maps the file, checks owner (root), mode, header and checksum.  Returns
 * NULL with err filled on failure.  Free with wo_cache_close(). */
struct wo_cache *wo_cache_open(const char *path, struct wo_error *err);
void wo_cache_close(struct wo_cache *c);

/* A user and the names of its supplementary groups, copied out of the map. */
struct wo_cache_user_info {
	struct wo_cache_user user; /* strings owned by this struct */
	char **groups;		   /* n_groups names */
	size_t n_groups;
};

/* Returns 1 and an allocated *out (free with wo_cache_user_info_free), 0 when
 * there is no such user, -1 with err filled when the file is corrupt. */
int wo_cache_find_user(const struct wo_cache *c, const char *name, struct wo_cache_user_info **out,
		       struct wo_error *err);
void wo_cache_user_info_free(struct wo_cache_user_info *info);

/* The generation written in the header. */
uint64_t wo_cache_generation(const struct wo_cache *c);

struct wo_cache_stats {
	uint64_t generation;
	uint32_t n_users, n_groups;
	uint64_t file_size;
};

/* Validates a whole file: owner and mode, header, checksum, every record
 * and string, every list, and that every record is found through each of
 * its indexes.  Returns 0 (stats filled if non-NULL) or -1 with err. */
int wo_cache_verify(const char *path, struct wo_cache_stats *stats, struct wo_error *err);

#endif
