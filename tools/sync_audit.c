/* SPDX-License-Identifier: MIT */
/*
 * workos-sync's last step: the audit events pam_workos spooled go to WorkOS
 * (lib/audit_deliver.h).  Whatever happens here, the sync's own result
 * stands: a failure is reported, never turned into the exit status.
 */
#include "autoconfig.h"

#include "audit_deliver.h"
#include "audit_spool.h"
#include "sync.h"
#include "sync_audit.h"
#include "unused.h"

static void rejected(void *ctx WO_UNUSED, const char *name, const char *reason)
{
	sync_warn("audit: WorkOS refused event %s, moved to %s/rejected/: %s", name,
		  WO_AUDIT_SPOOL_DIR, reason);
}

void sync_audit_flush(struct wo_client *client)
{
	struct wo_audit_flush_report rep;
	struct wo_error err = WO_ERROR_INIT;
	int rc = wo_audit_flush(client, WO_AUDIT_SPOOL_DIR, &rep, rejected, NULL, &err);

	if (rc < 0) {
		sync_warn("audit: events not delivered: %s", err.message);
		return;
	}
	if (rep.busy) {
		sync_note("audit: another delivery is running; events left to it");
		return;
	}
	if (rep.sent > 0 || rep.rejected > 0)
		sync_note("audit: %lu events delivered, %lu refused", rep.sent, rep.rejected);
	if (rc > 0)
		sync_warn("audit: delivery stopped, %lu events stay spooled for the next run: %s",
			  rep.left, rep.stop.message);
}
