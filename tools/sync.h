/* SPDX-License-Identifier: MIT */
/*
 * workos-sync's parts, one concern a file:
 *   fetch.c  the organization's active members from the WorkOS API;
 *   directory.c  what fetch.c hands over, and its release;
 *   build.c  members → local users and groups (names, UIDs, GIDs);
 *   diff.c   what --dry-run prints: the new cache against the current one;
 *   ui.c     warnings, --verbose notes and terminal progress on stderr;
 *   workos-sync.c  options, the order of the steps, exit statuses.
 *
 * The directory crosses from fetch to build as plain strings (struct
 * sync_member), so that build.c never sees the API's types and fetch.c
 * never sees local names.
 */
#ifndef WO_SYNC_H
#define WO_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cache.h"
#include "config.h"
#include "error.h"

struct wo_client;
struct wo_idmap;
struct wo_localdb;

/* One active member: the membership and its user, as WorkOS sent them
 * (checked by lib/decode, not yet by our naming rules).  All heap strings. */
struct sync_member {
	char *user_id;
	char *membership_id;
	char *email; /* NULL when absent */
	bool email_verified;
	char *first_name, *last_name, *external_id; /* NULL when absent */
	char *meta_username; /* metadata[username_metadata_key] (metadata:KEY) */
	char *meta_uid;	     /* metadata["uid"] */
	char **roles;	     /* role slugs, never empty */
	size_t n_roles;
};

struct sync_directory {
	struct sync_member *v;
	size_t n, cap;
	unsigned membership_pages, user_pages, user_gets;
	unsigned unreadable; /* members left out: WorkOS sent data we cannot use */
	unsigned cleaned;    /* members kept with their first/last name cleaned */
};

void sync_member_clear(struct sync_member *m);
void sync_directory_clear(struct sync_directory *d);

/* Lists every active membership of cfg->organization_id (every page) and
 * fills in each member's user.  One bad profile never stops a sync: members
 * whose user WorkOS no longer has, or whose membership or user breaks a
 * decoder rule (a bad email, id, role or metadata) are left out with a
 * warning (counted in `unreadable`); names with control characters or too
 * long are cleaned (counted in `cleaned`).  A page that cannot be read as a
 * whole, the network and the API fail the whole listing. */
int sync_fetch(struct wo_client *c, const struct wo_config *cfg, struct sync_directory *out,
	       struct wo_error *err);

/* The cache about to be written: arrays wo_cache_write takes, and the
 * strings they point to. */
struct sync_result {
	struct wo_cache_user *users;
	size_t n_users;
	struct wo_cache_group *groups;
	size_t n_groups;
	size_t skipped_members; /* left out with a warning */
	size_t skipped_groups;
	size_t new_ids; /* numbers this run added to the allocation map */

	char **owned; /* every string and member array above, for freeing */
	size_t n_owned, cap_owned;
};

void sync_result_clear(struct sync_result *r);

/* Maps the directory to users and groups, allocating numbers in `map`
 * (requests + allocation; saving is the caller's). */
int sync_build(const struct wo_config *cfg, const struct sync_directory *dir, struct wo_idmap *map,
	       const struct wo_localdb *local, struct sync_result *out, struct wo_error *err);

/* Prints to `out` the users and groups that writing `r` would add, remove or
 * change in the cache at `cache_path` (a missing cache counts as empty).
 * Returns the number of differences. */
size_t sync_diff(const char *cache_path, const struct sync_result *r, FILE *out);

/* --- ui.c ---------------------------------------------------------------- */

/* verbose: --verbose; progress: stderr is a terminal. */
void sync_ui_init(bool verbose, bool progress);
bool sync_ui_verbose(void);

/* "workos-sync: warning: ..." on stderr, always. */
void sync_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A --verbose line on stderr. */
void sync_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A progress line that rewrites itself, only on a terminal. */
void sync_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends a pending progress line (before other output). */
void sync_progress_done(void);

/* For wo_http_set_trace. */
void sync_trace(void *ctx, const char *line);

#endif
