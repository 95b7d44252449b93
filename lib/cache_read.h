/* SPDX-License-Identifier: MIT */
/*
 * Reading the NSS cache without copying: what the NSS module and the
 * higher-level reader (cache.h) are built on.  libc only.
 *
 * A struct wo_cache_map is one immutable, validated, reference-counted
 * mapping of one cache file.  A struct wo_cache_source names a path and keeps
 * the current map: wo_cache_acquire() stats the path at most once per
 * `interval_ms` and swaps in a new map when the file changed (device, inode,
 * size, mtime, ctime), so a process notices a new cache within a second
 * without reopening it on every call.  The swap happens under a mutex; a
 * thread keeps its map valid until it releases it, so readers never see a
 * half-replaced file.
 *
 * Lookups return views whose pointers point into the map: valid until the
 * map is released.  They return 1 (found), 0 (not found) or -1 (the file is
 * corrupt where the lookup went).
 */
#ifndef WO_CACHE_READ_H
#define WO_CACHE_READ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cache_format.h"
#include "error.h"

struct wo_cache_map;

struct wo_cache_source {
	const char *path;
	unsigned interval_ms; /* 0: stat on every acquire (tests) */
	uid_t owner;	      /* who must own the file: 0 */
	pthread_mutex_t lock;
	struct wo_cache_map *cur; /* NULL: no usable cache right now */
	bool checked;		  /* last_check and the identity below are set */
	struct timespec last_check;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

#define WO_CACHE_SOURCE_INIT(p, ms)                                                                \
	{                                                                                          \
		.path = (p), .interval_ms = (ms), .owner = 0, .lock = PTHREAD_MUTEX_INITIALIZER,   \
		.cur = NULL, .checked = false,                                                     \
	}

/* Returns a referenced map in *out, or -1 with errno set (ENOENT: no file;
 * EACCES: wrong owner or mode; EINVAL: corrupt header; other: I/O). */
int wo_cache_acquire(struct wo_cache_source *src, struct wo_cache_map **out);

/* Drops the current map of src (tests, and a clean unload). */
void wo_cache_source_reset(struct wo_cache_source *src);

/* Opens and maps one file.  `verify_checksum` also reads the whole file to
 * check the header checksum.  Returns a map with one reference, or NULL
 * with err filled (err may be NULL) and errno set as for acquire. */
struct wo_cache_map *wo_cache_map_open(const char *path, uid_t owner, bool verify_checksum,
				       struct wo_error *err);

/* A map over bytes already in memory (8-byte aligned, kept alive by the
 * caller until the map is released): header checks only, no owner check.
 * For fuzzing and tools that read a cache from elsewhere. */
struct wo_cache_map *wo_cache_map_borrow(const void *buf, size_t len, struct wo_error *err);

void wo_cache_map_ref(struct wo_cache_map *m);
void wo_cache_map_release(struct wo_cache_map *m);

const struct wo_cache_header *wo_cache_map_header(const struct wo_cache_map *m);

/* Strings are NUL-terminated and their lengths given; names are valid
 * (lib/names.h); gecos, dir and shell hold no control character or ':' (a
 * passwd line built from them stays one line of seven fields), and dir and
 * shell are absolute.  `ref` identifies the record: two views of one entry found
 * through different indexes have the same ref. */
struct wo_cache_uview {
	const char *name, *gecos, *dir, *shell, *workos_id;
	uint32_t name_len, gecos_len, dir_len, shell_len, workos_id_len;
	uint32_t uid, gid;
	const uint32_t *gids; /* supplementary gids */
	uint32_t n_gids;
	uint32_t ref;
};

/* The member names are packed back to back, each followed by a NUL, and not
 * yet checked: walk them with wo_cache_member_next(), or copy the block and
 * split the copy with wo_names_split() (lib/names.h). */
struct wo_cache_gview {
	const char *name;
	uint32_t name_len;
	uint32_t gid;
	const char *members;
	uint32_t members_size; /* bytes */
	uint32_t n_members;
	uint32_t ref;
};

uint32_t wo_cache_map_n_users(const struct wo_cache_map *m);
uint32_t wo_cache_map_n_groups(const struct wo_cache_map *m);

int wo_cache_user_at(const struct wo_cache_map *m, uint32_t i, struct wo_cache_uview *v);
int wo_cache_group_at(const struct wo_cache_map *m, uint32_t i, struct wo_cache_gview *v);
int wo_cache_user_by_name(const struct wo_cache_map *m, const char *name, struct wo_cache_uview *v);
int wo_cache_user_by_uid(const struct wo_cache_map *m, uint32_t uid, struct wo_cache_uview *v);
int wo_cache_group_by_name(const struct wo_cache_map *m, const char *name,
			   struct wo_cache_gview *v);
int wo_cache_group_by_gid(const struct wo_cache_map *m, uint32_t gid, struct wo_cache_gview *v);

/* What getpwnam() and getpwuid() return, from the user's index cell when it
 * holds it (one cache line read), else from the record.  Same checks as a
 * full view; the home directory is dir, then the name if dir_then_name. */
struct wo_cache_pwview {
	const char *name, *gecos, *dir, *shell;
	uint32_t name_len, gecos_len, dir_len, shell_len;
	uint32_t uid, gid;
	bool dir_then_name;
};

int wo_cache_passwd_by_name(const struct wo_cache_map *m, const char *name,
			    struct wo_cache_pwview *v);
int wo_cache_passwd_by_uid(const struct wo_cache_map *m, uint32_t uid, struct wo_cache_pwview *v);
/* The same fields from a full view. */
void wo_cache_pwview_from(const struct wo_cache_uview *u, struct wo_cache_pwview *v);

/* A user's supplementary gids, for initgroups: from the user's name cell
 * when it holds them (one cache line read), else from the record. */
int wo_cache_gids_by_name(const struct wo_cache_map *m, const char *name, const uint32_t **gids,
			  uint32_t *n_gids);

/* What a gecos, home or shell field may hold: no control character, no DEL,
 * no ':' (writer and reader apply the same rule). */
bool wo_cache_field_is_valid(const char *s, size_t len);

/* What the cache holds as a WorkOS user id: 1 to WO_CACHE_ID_MAX bytes of
 * [A-Za-z0-9_-].  Ids go into API paths, so a reader checks before use. */
bool wo_cache_id_is_valid(const char *s, size_t len);

/* The next member name of v, starting with *pos = 0: returns it and moves
 * *pos past it, or returns NULL when the block is used up (*pos ==
 * v->members_size) or its next name is invalid or unterminated (*pos <
 * v->members_size).  A block is sound when n_members names use it up. */
const char *wo_cache_member_next(const struct wo_cache_gview *v, uint32_t *pos);

#endif
