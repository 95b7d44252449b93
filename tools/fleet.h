/* SPDX-License-Identifier: MIT */
/*
 * workos-sync in fleet mode (lib/snapshot.h):
 *   - the publisher (--publish DIR) runs a normal sync, then signs the
 *     cache and allocation map it just installed into DIR/nss.snapshot
 *     (publish.c);
 *   - a member (snapshot_url set) pulls that file instead of asking WorkOS,
 *     checks it and installs it (pull.c).
 */
#ifndef WO_SYNC_FLEET_H
#define WO_SYNC_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "idmap.h"
#include "snapshot.h"

/* Before any request to WorkOS: loads snapshot_signing_key and checks that
 * dir is a directory, so that a run that cannot publish fails first. */
int fleet_publish_prepare(const struct wo_config *cfg, const char *dir,
			  struct wo_snapshot_key **key, struct wo_error *err);

/* After the local cache, map and UID range are installed: writes
 * dir/nss.snapshot atomically with the next serial (recorded in
 * WO_PUBLISH_STATE_PATH first).  The cache lock must be held. */
int fleet_publish(const struct wo_config *cfg, const char *dir, const struct wo_snapshot_key *key,
		  const struct wo_idmap *map, uint32_t uid_min, uint32_t uid_max,
		  struct wo_error *err);

/* The whole of a member's run: conditional GET of snapshot_url, checks,
 * atomic install, pull state written last.  Takes the cache lock itself
 * (not with dry_run, which installs nothing). */
int fleet_pull(const struct wo_config *cfg, bool dry_run, struct wo_error *err);

#endif
