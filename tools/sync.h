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
	bool needs_user; /* events.c: added by an event without its user */
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

/* Copies (steals) the user's fields the mapping reads into m, whose user
 * fields are NULL.  -1 when memory ran out. */
struct wo_user;
int sync_take_user(const struct wo_config *cfg, struct sync_directory *d, struct sync_member *m,
		   struct wo_user *u);

/* --- events.c: incremental sync -------------------------------------------- */

struct wo_event;

/* What a run keeps next to the cache (WO_SYNC_STATE_PATH, root 0600): the
 * directory as last synced and where the events stand. */
struct sync_state {
	char *organization_id;
	char *username_key;  /* metadata:KEY's KEY when the directory was read, else NULL */
	int64_t full_at;     /* when the last full listing began (epoch s) */
	char *cursor;	     /* the last event applied or seen, NULL when none */
	int64_t cursor_time; /* its created_at */
	struct sync_directory dir;
	unsigned event_requests, events_applied, events_skipped; /* this run */
};

#define WO_SYNC_STATE_PATH WO_CACHEDIR "/sync.state"

void sync_state_clear(struct sync_state *st);

/* Reads the state file; -1 with *why (static text) when there is none or it
 * is refused whole: not ours, not 0600, too big, or any line malformed. */
int sync_state_load(const char *path, struct sync_state *st, const char **why);

/* Replaces the state file atomically (0600). */
int sync_state_save(const char *path, const struct sync_state *st, struct wo_error *err);

/* Applies one event to d as a full listing would show its result:
 * memberships of cfg's organization (active → member with these roles;
 * anything else or deleted → not), user updates and deletions of members
 * (others are ignored: user events are not organization specific).  A
 * member added without an embedded user gets needs_user.  The event's
 * strings may be stolen.  -1 only when memory ran out. */
int sync_apply_event(const struct wo_config *cfg, struct sync_directory *d, struct wo_event *ev,
		     struct wo_error *err);

/* Before a full listing: the newest event becomes the cursor (one request,
 * order=desc&limit=1), so that nothing between it and the listing is lost;
 * sets full_at = now.  -1 on errors a listing would not survive either. */
int sync_events_mark(struct wo_client *c, struct sync_state *st, int64_t now, struct wo_error *err);

/* Applies the events after st->cursor to st->dir (order=asc, 100 a page)
 * and fetches the users new members need.  0 done; 1 when a full listing
 * must be done instead (warned: cursor too old, an error status or an
 * answer we cannot read for the events); -1 on other errors. */
int sync_events_apply(struct wo_client *c, const struct wo_config *cfg, struct sync_state *st,
		      int64_t now, struct wo_error *err);

/* The directory for this run into st: the saved one brought up to date
 * from the events, or (no usable state, the interval passed, force_full,
 * the events unusable) a full listing after marking the newest event.
 * The caller saves st after the cache is installed. */
int sync_read_directory(struct wo_client *c, const struct wo_config *cfg, bool force_full,
			struct sync_state *st, struct wo_error *err);

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
