/* SPDX-License-Identifier: MIT */
/*
 * What a fleet host remembers about snapshots (lib/snapshot.h), in small
 * root-owned text files next to the NSS cache.  libc only.
 *
 * Pull state (members, WO_SNAPSHOT_STATE_PATH, 0644): the snapshot whose
 * cache is installed.  Written by workos-sync LAST, after the cache, the map
 * and the UID range are in place, so a crash can leave it naming an older
 * serial than what is installed (the next pull installs again, harmless),
 * never a newer one.
 *
 *     workos-snapshot-state 1
 *     serial 42
 *     created 1767225600
 *     installed 1767225660
 *     organization org_01H...
 *     signer SHA256:<hex>
 *     url https://...
 *     etag "abc"            (optional)
 *     last-modified Thu, ... (optional)
 *
 * Publish state (the publisher, WO_PUBLISH_STATE_PATH, 0644): the last serial
 * it handed out, "workos-publish-state 1\nserial N\n", written BEFORE the
 * snapshot, so the serial never goes backwards, even when the published
 * directory is wiped or a run dies half way.
 *
 * Any malformed line, unknown key, control character or oversize value makes
 * the whole file refused.
 */
#ifndef WO_SNAPSHOT_STATE_H
#define WO_SNAPSHOT_STATE_H

#include <stdint.h>

#include "error.h"

#define WO_SNAPSHOT_STATE_PATH WO_CACHEDIR "/snapshot-state"
#define WO_PUBLISH_STATE_PATH  WO_CACHEDIR "/publish-state"

#define WO_SNAPSHOT_URL_MAX	  1024
#define WO_SNAPSHOT_ETAG_MAX	  256
#define WO_SNAPSHOT_LASTMOD_MAX	  64
#define WO_SNAPSHOT_SIGNER_MAX	  80
#define WO_SNAPSHOT_STATE_ORG_MAX 128

struct wo_snapshot_state {
	uint64_t serial;
	int64_t created;   /* the publisher's time of the snapshot */
	int64_t installed; /* when this host installed it */
	char organization_id[WO_SNAPSHOT_STATE_ORG_MAX + 1];
	char signer[WO_SNAPSHOT_SIGNER_MAX + 1];
	char url[WO_SNAPSHOT_URL_MAX + 1];
	char etag[WO_SNAPSHOT_ETAG_MAX + 1];		 /* "" when none */
	char last_modified[WO_SNAPSHOT_LASTMOD_MAX + 1]; /* "" when none */
};

/* Returns 1 with *out, 0 when there is no file (nothing pulled yet), -1
 * with err when it is unsafe (not root-owned, writable by others) or
 * malformed. */
int wo_snapshot_state_load(const char *path, struct wo_snapshot_state *out, struct wo_error *err);

/* Writes it atomically, root 0644.  Values with control characters are
 * refused. */
int wo_snapshot_state_save(const char *path, const struct wo_snapshot_state *s,
			   struct wo_error *err);

/* The bound on revocation, for the account phase and `workosctl check`:
 * 0 when the installed snapshot (state at `path`) is at most max_age
 * seconds old at `now`; -1 with err (WO_ERR_DENIED) when it is older, when
 * nothing was ever pulled, or when the state cannot be read.  *age_out (if
 * non-NULL) gets the age when known, else -1. */
int wo_snapshot_require_fresh(const char *path, int64_t now, unsigned max_age, int64_t *age_out,
			      struct wo_error *err);

/* The publisher's last serial: 1 with *serial, 0 when none yet, -1 with err. */
int wo_publish_serial_load(const char *path, uint64_t *serial, struct wo_error *err);
int wo_publish_serial_save(const char *path, uint64_t serial, struct wo_error *err);

#endif
