/* SPDX-License-Identifier: MIT */
/*
 * The machine's own accounts, read from /etc/passwd and /etc/group directly.
 *
 * workos-sync must never hand out a name or a number that a local account
 * already has: a member called "root" or a UID equal to a service account's
 * would give one person another's files.  The files are read directly, not
 * through NSS, so that the workos NSS module never answers for itself and a
 * stale cache cannot hide a local account.
 *
 * Numbers are one pool: a passwd UID, a passwd primary GID and a group GID
 * all count as "taken", because a member's user private group has GID = UID.
 * Lines are read conservatively: whatever can be read from a malformed line
 * still counts (a readable name still reserves the name, a readable number
 * the number), because skipping it could hand its name or number out.
 *
 * Accounts that other NSS sources serve (LDAP, SSSD, winbind, nss-systemd)
 * count too, through an optional probe (wo_localdb_set_probe; the tools use
 * lib/nssprobe.h, tests a stub): has_user, has_group and has_id ask it after
 * the files.  It is asked one name or number at a time, never enumerated.
 *
 * Reserved ranges are numbers nobody holds yet but that are promised to
 * someone else: subordinate IDs (/etc/subuid, /etc/subgid) and systemd's
 * ranges.  Only *new* numbers avoid them (wo_localdb_reserved): a number
 * recorded before a range was reserved stays its owner's.
 */
#ifndef WO_LOCALDB_H
#define WO_LOCALDB_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define WO_PASSWD_PATH "/etc/passwd"
#define WO_GROUP_PATH  "/etc/group"
#define WO_SUBUID_PATH "/etc/subuid"
#define WO_SUBGID_PATH "/etc/subgid"

struct wo_localdb;

/* Reads both files (paths for tests; the tool passes the two above).  A
 * missing file is an error: a machine without /etc/passwd is not one we
 * should allocate on.  *out is for wo_localdb_free. */
int wo_localdb_load(const char *passwd_path, const char *group_path, struct wo_localdb **out,
		    struct wo_error *err);

/* An empty database (nothing local), for tests. */
int wo_localdb_new_empty(struct wo_localdb **out, struct wo_error *err);

void wo_localdb_free(struct wo_localdb *db);

bool wo_localdb_has_user(const struct wo_localdb *db, const char *name);
bool wo_localdb_has_group(const struct wo_localdb *db, const char *name);

/* True when a local user or group already uses the number as a UID or GID. */
bool wo_localdb_has_id(const struct wo_localdb *db, uint32_t id);

/* How many distinct numbers are known to be taken: those in the files plus
 * every number the probe said was held so far (bounds allocation probing). */
size_t wo_localdb_n_ids(const struct wo_localdb *db);

/* Another source of accounts, asked after the files.  Each callback returns
 * 1 when an account that is not ours holds the name or number, 0 when none
 * does, -1 when it cannot tell: that counts as held (a failed lookup must
 * not hand a number out) but not in wo_localdb_n_ids. */
struct wo_localdb_probe {
	int (*user)(void *ctx, const char *name);
	int (*group)(void *ctx, const char *name);
	int (*id)(void *ctx, uint32_t id); /* as a UID or as a GID */
	void *ctx;			   /* must outlive db */
};

/* Installs (copies) the probe; NULL removes it.  -1 only without memory. */
int wo_localdb_set_probe(struct wo_localdb *db, const struct wo_localdb_probe *probe,
			 struct wo_error *err);

/* Reserves [first, last] for new allocations.  -1 only without memory. */
int wo_localdb_reserve(struct wo_localdb *db, uint32_t first, uint32_t last, struct wo_error *err);

/* Reserves every range of a subuid(5)/subgid(5) file ("name:start:count"
 * lines, any user's).  A missing file reserves nothing; lines that do not
 * parse are skipped, as newuidmap skips them; a range running past
 * 4294967295 is cut there.  -1 with err when the file cannot be read. */
int wo_localdb_reserve_subids(struct wo_localdb *db, const char *path, struct wo_error *err);

/* systemd's reserved UID/GID ranges (systemd docs/UIDS-GIDS.md). */
struct wo_id_range {
	uint32_t first, last;
	const char *what;
};
const struct wo_id_range *wo_localdb_systemd_ranges(size_t *n);

/* Reserves systemd's ranges and everything from 2^31 up. */
int wo_localdb_reserve_systemd(struct wo_localdb *db, struct wo_error *err);

/* True when id lies in a reserved range; *last (may be NULL) is then the
 * range's last number, so that a search can step over it at once. */
bool wo_localdb_reserved(const struct wo_localdb *db, uint32_t id, uint32_t *last);

#endif
