/* SPDX-License-Identifier: MIT */
/*
 * A fleet member's run.  The install order is what makes kill -9 at any
 * point harmless: every file is replaced by an atomic rename, the cache is
 * checked whole in a staging file before it replaces the old one, and the
 * pull state (the serial the no-rollback rule compares with) is written
 * last, so it never claims a snapshot that is not installed.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cache.h"
#include "cache_read.h"
#include "fleet.h"
#include "localdb.h"
#include "owner.h"
#include "snapshot_state.h"
#include "sync.h"
#include "url_fetch.h"

#define STAGING_PATH WO_CACHE_DEFAULT_PATH ".incoming"

/* The whole download: a big organization's snapshot is tens of MB. */
#define PULL_TIMEOUT(cfg) ((cfg)->http_timeout * 6)

static int stage_cache(const unsigned char *buf, size_t len, struct wo_error *err)
{
	/* Checked by the same reader a lookup uses, as the root-owned file it
	 * will be, before it replaces anything. */
	if (wo_atomic_replace(STAGING_PATH, buf, len, 0644, err) != 0)
		return -1;
	if (wo_cache_verify(STAGING_PATH, NULL, err) != 0) {
		unlink(STAGING_PATH);
		err->kind = WO_ERR_DECODE;
		return wo_error_prefix(err, "the snapshot's cache is refused");
	}
	return 0;
}

static int install_cache(struct wo_error *err)
{
	int dfd;

	if (rename(STAGING_PATH, WO_CACHE_DEFAULT_PATH) != 0) {
		unlink(STAGING_PATH);
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot rename %s: %s", STAGING_PATH,
				    strerror(errno));
	}
	dfd = open(WO_CACHEDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		if (dfd >= 0)
			close(dfd);
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot sync %s: %s", WO_CACHEDIR,
				    strerror(errno));
	}
	close(dfd);
	return 0;
}

/* UIDs and names are the publisher's, chosen clear of ITS local accounts:
 * on this host a local account may hold one.  Said (not refused: the local
 * account wins by name in "files workos", and admission follows the owner),
 * so that the admin renumbers the local account before files are shared. */
static void warn_local_clashes(void)
{
	struct wo_error ignored = WO_ERROR_INIT;
	struct wo_localdb *local = NULL;
	struct wo_cache_map *m;
	struct wo_cache_uview v;
	unsigned clashes = 0;

	m = wo_cache_map_open(STAGING_PATH, 0, false, &ignored);
	if (m == NULL || wo_localdb_load(WO_PASSWD_PATH, WO_GROUP_PATH, &local, &ignored) != 0)
		goto out;
	for (uint32_t i = 0; i < wo_cache_map_n_users(m); i++) {
		if (wo_cache_user_at(m, i, &v) <= 0)
			break;
		if (wo_localdb_has_user(local, v.name) || wo_localdb_has_id(local, v.uid)) {
			if (clashes++ < 5)
				sync_warn("WorkOS account %s (uid %u) clashes with a local account "
					  "of that name or number on this host; renumber or rename "
					  "the local one",
					  v.name, v.uid);
		}
	}
	if (clashes > 5)
		sync_warn("%u WorkOS accounts clash with local accounts in all", clashes);
out:
	wo_localdb_free(local);
	if (m != NULL)
		wo_cache_map_release(m);
}

/* After a 304, or an unchanged serial: the installed snapshot must still
 * be young enough, or the run fails (the account phase refuses too). */
static int installed_fresh(const struct wo_config *cfg, struct wo_error *err)
{
	int64_t age;

	if (wo_snapshot_require_fresh(WO_SNAPSHOT_STATE_PATH, (int64_t)time(NULL),
				      cfg->snapshot_max_age, &age, err) != 0)
		return wo_error_prefix(err, "the origin has nothing newer");
	sync_note("the installed snapshot is %" PRId64 " s old", age);
	return 0;
}

int fleet_pull(const struct wo_config *cfg, bool dry_run, struct wo_error *err)
{
	struct wo_snapshot_key *key = NULL;
	struct wo_snapshot_state st, next = {0};
	struct wo_fetch_result res = {0};
	struct wo_snapshot snap;
	struct wo_idmap *map = NULL;
	struct wo_fetch_request req = {.url = cfg->snapshot_url,
				       .ca_file = cfg->ca_file,
				       .timeout = PULL_TIMEOUT(cfg),
				       .max_size = WO_SNAPSHOT_MAX_SIZE};
	int64_t now;
	int have, lock_fd = -1, ret = -1;

	if (wo_snapshot_public_key_load(cfg->snapshot_public_key, &key, err) != 0)
		goto out;
	if (!dry_run) {
		if ((lock_fd = wo_cache_lock(WO_CACHE_DEFAULT_PATH, err)) < 0)
			goto out;
		if (wo_atomic_remove_stale(WO_CACHE_DEFAULT_PATH) +
			wo_atomic_remove_stale(STAGING_PATH) +
			wo_atomic_remove_stale(WO_IDMAP_PATH) +
			wo_atomic_remove_stale(WO_UID_RANGE_PATH) +
			wo_atomic_remove_stale(WO_SNAPSHOT_STATE_PATH) >
		    0)
			sync_note("removed temp files of interrupted runs");
		unlink(STAGING_PATH);
	}
	have = wo_snapshot_state_load(WO_SNAPSHOT_STATE_PATH, &st, err);
	if (have < 0)
		goto out;
	/* Ask "anything newer?" only about the very file installed here. */
	if (have && strcmp(st.url, cfg->snapshot_url) == 0 &&
	    access(WO_CACHE_DEFAULT_PATH, F_OK) == 0) {
		req.etag = st.etag;
		req.last_modified = st.last_modified;
	}
	if (wo_fetch(&req, &res, err) != 0)
		goto out;
	if (res.status == 304) {
		sync_note("%s: not modified since serial %" PRIu64, cfg->snapshot_url, st.serial);
		ret = installed_fresh(cfg, err);
		goto out;
	}

	now = (int64_t)time(NULL);
	if (wo_snapshot_verify(res.body, res.len, key, &snap, err) != 0 ||
	    wo_snapshot_check(&snap, cfg->organization_id, have ? st.serial : 0, now,
			      cfg->snapshot_max_age, err) != 0 ||
	    wo_idmap_parse("the snapshot's allocation map", (const char *)snap.idmap,
			   snap.idmap_len, &map, err) != 0) {
		wo_error_prefix(err, "%s", cfg->snapshot_url);
		if (err->kind == WO_ERR_SYSTEM)
			err->kind = WO_ERR_DECODE;
		goto out;
	}
	next = (struct wo_snapshot_state){
	    .serial = snap.serial, .created = snap.created, .installed = now};
	snprintf(next.organization_id, sizeof(next.organization_id), "%s", snap.organization_id);
	snprintf(next.signer, sizeof(next.signer), "%s", wo_snapshot_key_fingerprint(key));
	snprintf(next.url, sizeof(next.url), "%s", cfg->snapshot_url);
	snprintf(next.etag, sizeof(next.etag), "%s", res.etag);
	snprintf(next.last_modified, sizeof(next.last_modified), "%s", res.last_modified);

	if (dry_run) {
		printf("snapshot serial %" PRIu64
		       " from %s verifies (signer %s); installed: %" PRIu64 "\n",
		       snap.serial, cfg->snapshot_url, next.signer, have ? st.serial : 0);
		ret = 0;
		goto out;
	}
	if (have && snap.serial == st.serial && access(WO_CACHE_DEFAULT_PATH, F_OK) == 0) {
		/* The same snapshot again (the origin lost its validators):
		 * only remember the new ones. */
		next.installed = st.installed;
		sync_note("serial %" PRIu64 " is installed already", snap.serial);
		ret = wo_snapshot_state_save(WO_SNAPSHOT_STATE_PATH, &next, err);
		goto out;
	}
	if (stage_cache(snap.cache, snap.cache_len, err) != 0)
		goto out;
	warn_local_clashes();
	if (wo_atomic_replace(WO_IDMAP_PATH, snap.idmap, snap.idmap_len, 0600, err) != 0 ||
	    install_cache(err) != 0 ||
	    wo_uid_range_save(WO_UID_RANGE_PATH, snap.uid_min, snap.uid_max, err) != 0 ||
	    wo_snapshot_state_save(WO_SNAPSHOT_STATE_PATH, &next, err) != 0)
		goto out;
	sync_note("installed snapshot serial %" PRIu64 " (%" PRId64 " s old, %zu bytes) from %s",
		  snap.serial, now - snap.created, res.len, cfg->snapshot_url);
	ret = 0;
out:
	wo_idmap_free(map);
	wo_fetch_result_clear(&res);
	wo_snapshot_key_free(key);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
