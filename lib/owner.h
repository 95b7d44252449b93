/* SPDX-License-Identifier: MIT */
/*
 * Who owns a local account: the first question pam_workos asks, answered
 * from root-owned local files only (no configuration, no network), so that
 * an account WorkOS does not own is left alone even when workos.conf or the
 * API key is broken.  libc only.
 *
 * An account is WorkOS's when
 *   - the NSS cache holds its name with the very UID NSS resolved it to:
 *     the owner is the WorkOS user id workos-sync recorded for the name
 *     (lib/idmap.h).  A same-named account from a source listed before
 *     `workos` (/etc/passwd, LDAP) resolves to another UID and is not ours;
 *   - or the bindings file (WO_OWNERS_PATH) binds the name to a WorkOS user
 *     id: accounts an administrator made by hand.  A name match with a
 *     WorkOS profile alone never makes an account WorkOS's.
 * UID 0 is never WorkOS's, whatever a file says.  Everything else (root,
 * /etc/passwd, LDAP/SSSD accounts) is not pam_workos's business.
 *
 * Bindings file: root-owned, not writable by group or others; one binding a
 * line, "NAME USER_ID" separated by blanks, '#' starts a comment line; NAME
 * follows lib/names.h, USER_ID is a WorkOS user id (user_ and 1-64 of
 * [A-Za-z0-9_-] in all); a name bound twice, or any malformed line, makes
 * the whole file refused.
 *
 * UID range file (WO_UID_RANGE_PATH), written by workos-sync with the cache:
 * "workos-uid-range 1\nMIN MAX\n", the range its accounts come from.  The
 * account phase refuses an account in that range that the cache no longer
 * holds: nscd, or a process that resolved it earlier, can keep a removed
 * member alive for minutes.
 */
#ifndef WO_OWNER_H
#define WO_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cache_format.h"
#include "error.h"

#define WO_OWNERS_PATH	       WO_CONFDIR "/owners"
#define WO_UID_RANGE_FILE_NAME "uid-range"
#define WO_UID_RANGE_PATH      WO_CACHEDIR "/" WO_UID_RANGE_FILE_NAME
#define WO_OWNERS_MAX_SIZE     (4u << 20) /* refuse larger bindings files */

enum wo_owner_kind {
	WO_OWNER_NONE,	 /* not WorkOS's: leave it alone */
	WO_OWNER_SYNCED, /* made by workos-sync: in the NSS cache */
	WO_OWNER_BOUND,	 /* bound by hand in the bindings file */
};

struct wo_owner {
	enum wo_owner_kind kind;
	char user_id[WO_CACHE_ID_MAX + 1]; /* "" for WO_OWNER_NONE */
	bool unsure;			   /* after an error: the refused bindings file names the
					      account (or cannot be read), so it may be WorkOS's */
};

/* Where the answer comes from; tests point these elsewhere. */
struct wo_owner_files {
	const char *cache;     /* the NSS cache */
	const char *bindings;  /* WO_OWNERS_PATH; a missing file binds nothing */
	const char *uid_range; /* WO_UID_RANGE_PATH */
};

extern const struct wo_owner_files wo_owner_files_default;

/*
 * Who owns the account `name`, which NSS resolved to `uid`.  Returns 0 with
 * *out (kind WO_OWNER_NONE when nobody), or -1 with err when a file that
 * could make the account WorkOS's cannot be trusted or read (corrupt cache,
 * unsafe or malformed bindings); *out is then WO_OWNER_NONE, with `unsure`
 * set when the refused bindings file names `name` as the first field of a
 * line (or cannot be read at all): callers must not treat such an account
 * as an ordinary local one.  Reads a few cache lines, never the whole
 * cache.
 */
int wo_owner_find(const struct wo_owner_files *files, const char *name, uid_t uid,
		  struct wo_owner *out, struct wo_error *err);

/* The range workos-sync last wrote accounts from.  Returns 1 with *min and
 * *max, 0 when there is no file yet, -1 with err when it is unsafe or
 * malformed. */
int wo_uid_range_load(const char *path, uint32_t *min, uint32_t *max, struct wo_error *err);

/* Writes it atomically, root 0644. */
int wo_uid_range_save(const char *path, uint32_t min, uint32_t max, struct wo_error *err);

#endif
