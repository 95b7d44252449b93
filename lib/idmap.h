/* SPDX-License-Identifier: MIT */
/*
 * The UID/GID allocation map: the number each WorkOS user, role and member
 * group was given, and the local name each WorkOS user owns, recorded for
 * ever.
 *
 * A UID or a name that changes, or that passes from one person to another,
 * silently hands files and logins over.  So an entry, once written, is never
 * changed or removed, even after the member leaves; a returning member gets
 * their old UID and name back, and nobody else ever gets them.  The name's
 * entry is what makes an account WorkOS's: the PAM module admits to an
 * account only its recorded owner (lib/owner.h), whatever the emails say.
 *
 * File (WO_IDMAP_PATH), root-owned, mode 0600, replaced atomically:
 *
 *     workos-idmap 2
 *     user user_01HXYZ... 1234567
 *     role admin 100042
 *     group workos-users 100977
 *     name alice user_01HXYZ...
 *
 * One entry a line: kind, key, value, single spaces, '\n' after every line,
 * sorted by kind then key.  Keys: WorkOS user ids and role slugs are 1-64 of
 * [A-Za-z0-9_.-]; group and user names follow lib/names.h.  Values: for a
 * name, the WorkOS user id of its owner, who must have a `user` entry and
 * owns no other name; otherwise a number, decimal without leading zeros in
 * [1, 4294967294] but not 65535, and unique across the whole file (a user
 * private group has GID = UID, so UIDs and GIDs share one pool).  Version 1
 * files (no names) are read, and written back as version 2.  Anything else
 * (bad header, unknown kind, duplicate key or number, a name without its
 * owner, missing final newline) makes the whole file refused: it is never
 * repaired or guessed at, since a wrong guess reassigns someone's UID.
 *
 * New numbers (wo_idmap_allocate) are derived, not counted, so that hosts
 * that see the same directory agree without talking to each other:
 *   - H(kind, key) = FNV-1a 64 of "kind:key" through the splitmix64
 *     finalizer; no key, the same on every host;
 *   - the candidates are min + (H + i) mod (max - min + 1), i = 0, 1, ...,
 *     and the first free one is taken; free means not in the map, not
 *     held by a local account or another NSS source and not in a reserved
 *     range (subordinate IDs, systemd's; lib/localdb.h), not given this
 *     run.  Hosts with different local accounts or reserved ranges may
 *     therefore derive different numbers for a key;
 *   - a user's preferred number (the `uid` metadata value) is taken instead
 *     when it lies in [uid_min, uid_max] and is free;
 *   - requests are served in a fixed order: first those with a preferred
 *     number, then the others, each sorted by kind and key (bytewise).  WorkOS
 *     ids are ULIDs, which sort by creation time, so when two new users
 *     contend for a number the older account wins on every host.
 * Users draw from [uid_min, uid_max]; roles and the member group from
 * [gid_min, gid_max].  An entry whose number a local account (or another
 * NSS source, through the probe) has taken since is kept but reported
 * (WO_IDMAP_LOCAL): serving it would share an id.  Reserved ranges never
 * touch recorded entries.
 *
 * Names (wo_idmap_propose_name) are proposed by the caller from the user's
 * profile (lib/mapping.h) and given once a user has a number: a user who
 * owns a name keeps it, whatever they propose later; a name owned by
 * someone, member or not, is never given again; when several users propose
 * one unowned name in the same run, the one with the smallest id (the
 * oldest account) gets it, on every host alike.
 */
#ifndef WO_IDMAP_H
#define WO_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "localdb.h"

#define WO_IDMAP_FILE_NAME "idmap"
#define WO_IDMAP_PATH	   WO_CACHEDIR "/" WO_IDMAP_FILE_NAME
#define WO_IDMAP_KEY_MAX   64
#define WO_IDMAP_MAX_SIZE  (256u << 20) /* refuse larger files */

enum wo_idmap_kind {
	WO_IDMAP_USER,	/* key: WorkOS user id; number: UID (and private GID) */
	WO_IDMAP_ROLE,	/* key: role slug; number: GID of group_prefix + slug */
	WO_IDMAP_GROUP, /* key: group name (member_group); number: GID */
	WO_IDMAP_NAME,	/* key: local user name; value: its owner's WorkOS user id */
};

enum wo_idmap_status {
	WO_IDMAP_UNKNOWN,   /* neither recorded nor requested */
	WO_IDMAP_OK,	    /* recorded before this run */
	WO_IDMAP_NEW,	    /* allocated by this run */
	WO_IDMAP_EXHAUSTED, /* requested, but no free number left in the range */
	WO_IDMAP_LOCAL,	    /* recorded, but a local account now uses the number */
};

struct wo_idmap_ranges {
	uint32_t uid_min, uid_max;
	uint32_t gid_min, gid_max;
};

struct wo_idmap;

/* Reads the map; a missing file is an empty map.  The file must pass
 * wo_file_check_trusted as a secret (root-owned, 0600).  Every failure,
 * refusal included, is WO_ERR_SYSTEM.  *out is for wo_idmap_free. */
int wo_idmap_load(const char *path, struct wo_idmap **out, struct wo_error *err);

/* The same from memory (no ownership check); `name` stands for the file. */
int wo_idmap_parse(const char *name, const char *text, size_t len, struct wo_idmap **out,
		   struct wo_error *err);

void wo_idmap_free(struct wo_idmap *m);

/* Asks for a number for (kind, key), kind USER, ROLE or GROUP; `preferred`
 * is 0 for none.  Keys that are already recorded keep their number whatever
 * `preferred` says.  Fails only on an invalid key or out of memory. */
int wo_idmap_request(struct wo_idmap *m, enum wo_idmap_kind kind, const char *key,
		     uint32_t preferred, struct wo_error *err);

/* Proposes `name` (lib/names.h rule) for the user `user_id`, who must have
 * been requested or recorded already.  A user who owns a name keeps it and
 * the proposal is dropped.  Served by wo_idmap_allocate. */
int wo_idmap_propose_name(struct wo_idmap *m, const char *user_id, const char *name,
			  struct wo_error *err);

/* Serves every request and proposal made so far, as described above.  `local` may be
 * NULL (nothing reserved).  Running out of numbers is not an error: those
 * keys get WO_IDMAP_EXHAUSTED.  Fails only on an invalid range or memory. */
int wo_idmap_allocate(struct wo_idmap *m, const struct wo_idmap_ranges *ranges,
		      const struct wo_localdb *local, struct wo_error *err);

/* The number of (kind, key), when the status is OK or NEW. */
enum wo_idmap_status wo_idmap_get(const struct wo_idmap *m, enum wo_idmap_kind kind,
				  const char *key, uint32_t *number);

/* The name `user_id` owns, or NULL; the owner of `name`, or NULL.  Both
 * borrowed from the map. */
const char *wo_idmap_name_of(const struct wo_idmap *m, const char *user_id);
const char *wo_idmap_owner_of(const struct wo_idmap *m, const char *name);

/* Numbers in the map, and how many entries (numbers and names) this
 * process added. */
size_t wo_idmap_count(const struct wo_idmap *m);
size_t wo_idmap_added(const struct wo_idmap *m);

/* Writes the map atomically (temporary file in the same directory, fsync,
 * rename, directory fsync), mode 0600.  The previous file stays whole on
 * any failure. */
int wo_idmap_save(const struct wo_idmap *m, const char *path, struct wo_error *err);

/* The map in its file format: a heap string for free(), for tests and
 * --dry-run. */
char *wo_idmap_format(const struct wo_idmap *m, size_t *len);

/* The first candidate number for (kind, key) in [min, max] (the default
 * before any collision); exposed for tests and the man page's examples. */
uint32_t wo_idmap_first_candidate(enum wo_idmap_kind kind, const char *key, uint32_t min,
				  uint32_t max);

#endif
