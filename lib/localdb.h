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
 */
#ifndef WO_LOCALDB_H
#define WO_LOCALDB_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define WO_PASSWD_PATH "/etc/passwd"
#define WO_GROUP_PATH  "/etc/group"

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

/* How many distinct numbers are taken (bounds allocation probing). */
size_t wo_localdb_n_ids(const struct wo_localdb *db);

#endif
