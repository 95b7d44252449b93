/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_deliver.h"
#include "audit_spool.h"

/* An answer about the event itself: sending it again cannot help. */
static bool refused_for_good(long status)
{
	return status == 400 || status == 404 || status == 413 || status == 422;
}

int wo_audit_flush(struct wo_client *c, const char *dir, struct wo_audit_flush_report *rep,
		   wo_audit_reject_fn on_reject, void *ctx, struct wo_error *err)
{
	char **names = NULL;
	size_t n = 0, i = 0;
	int dirfd, r, rc = -1;

	memset(rep, 0, sizeof(*rep));
	rep->stop = (struct wo_error)WO_ERROR_INIT;
	if (!wo_client_has_api_key(c))
		return wo_error_set(err, WO_ERR_CONFIG,
				    "audit = workos needs the API key to deliver events");
	if (access(dir, F_OK) != 0)
		return 0; /* nothing was ever spooled */
	dirfd = wo_audit_spool_open(dir, false, err);
	if (dirfd < 0)
		return -1;
	r = wo_audit_spool_lock(dirfd, err);
	if (r <= 0) {
		rep->busy = r == 0;
		rc = r == 0 ? 0 : -1;
		goto out;
	}
	wo_audit_spool_sweep(dirfd);
	if (wo_audit_spool_list(dirfd, &names, &n, err) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct wo_error e = WO_ERROR_INIT;
		char key[WO_AUDIT_KEY_LEN];
		char *body;
		size_t len;

		if (wo_audit_spool_read(dirfd, names[i], &body, &len, &e) != 0) {
			/* Unreadable here means unreadable everywhere. */
			if (wo_audit_spool_reject(dirfd, names[i], e.message, err) != 0)
				goto out;
			rep->rejected++;
			if (on_reject != NULL)
				on_reject(ctx, names[i], e.message);
			continue;
		}
		wo_audit_spool_key(names[i], key);
		r = wo_api_create_audit_event(c, body, len, key, &e);
		free(body);
		if (r == 0) {
			if (wo_audit_spool_remove(dirfd, names[i], err) != 0)
				goto out;
			rep->sent++;
		} else if (refused_for_good(e.http_status)) {
			if (wo_audit_spool_reject(dirfd, names[i], e.message, err) != 0)
				goto out;
			rep->rejected++;
			if (on_reject != NULL)
				on_reject(ctx, names[i], e.message);
		} else {
			rep->stop = e;
			break;
		}
	}
	rep->left = n - rep->sent - rep->rejected;
	rc = rep->left > 0 ? 1 : 0;
out:
	wo_audit_spool_names_free(names, n);
	close(dirfd); /* releases the lock */
	return rc;
}
