/* SPDX-License-Identifier: MIT */
/* The "snapshot" step of `workosctl check`: fleet mode (lib/snapshot.h). */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "snapshot.h"
#include "snapshot_state.h"

void ctl_check_snapshot(struct ctl_report *r, const struct wo_config *cfg)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_snapshot_state st;
	struct wo_snapshot_key *key = NULL;
	char why[256];
	uint64_t serial;
	int64_t now = (int64_t)time(NULL), age;
	int have;

	if (cfg->snapshot_url == NULL) {
		/* A publisher shows what it last handed out. */
		if (wo_publish_serial_load(WO_PUBLISH_STATE_PATH, &serial, &err) > 0)
			ctl_ok(r, "snapshot",
			       "publisher: last serial %" PRIu64 " (workos-sync --publish)",
			       serial);
		return;
	}
	if (wo_snapshot_public_key_load(cfg->snapshot_public_key, &key, &err) != 0)
		ctl_fail(r, "snapshot key", "%s", ctl_why(&err, why, sizeof(why)));
	else
		ctl_ok(r, "snapshot key", "%s: %s", cfg->snapshot_public_key,
		       wo_snapshot_key_fingerprint(key));

	have = wo_snapshot_state_load(WO_SNAPSHOT_STATE_PATH, &st, &err);
	if (have < 0) {
		ctl_fail(r, "snapshot", "%s", ctl_why(&err, why, sizeof(why)));
	} else if (have == 0) {
		ctl_fail(r, "snapshot",
			 "none pulled yet from %s: run workos-sync "
			 "(WorkOS accounts are refused until then)",
			 cfg->snapshot_url);
	} else {
		age = now > st.created ? now - st.created : 0;
		if (age > (int64_t)cfg->snapshot_max_age)
			ctl_fail(r, "snapshot",
				 "serial %" PRIu64 " is %" PRId64 " s old, over snapshot_max_age "
				 "(%u s): WorkOS accounts are refused; signer %s, origin %s",
				 st.serial, age, cfg->snapshot_max_age, st.signer, st.url);
		else
			ctl_ok(r, "snapshot",
			       "serial %" PRIu64 ", %" PRId64 " s old (max %u s), signer %s, "
			       "origin %s",
			       st.serial, age, cfg->snapshot_max_age, st.signer, st.url);
		if (key != NULL && strcmp(st.signer, wo_snapshot_key_fingerprint(key)) != 0)
			ctl_warn(r, "snapshot",
				 "signed by %s, but snapshot_public_key is now %s: "
				 "the next pull must verify with the new key",
				 st.signer, wo_snapshot_key_fingerprint(key));
		if (strcmp(st.url, cfg->snapshot_url) != 0)
			ctl_warn(r, "snapshot", "pulled from %s, but snapshot_url is now %s",
				 st.url, cfg->snapshot_url);
	}
	wo_snapshot_key_free(key);
}
