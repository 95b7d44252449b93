/* SPDX-License-Identifier: MIT */
/*
 * workosctl audit flush: delivers the audit spool now (lib/audit_deliver.h),
 * as workos-sync does at the end of each run; and the "audit" step of
 * workosctl check: what waits in the spool, what WorkOS refused, what was
 * dropped because the spool was full.
 */
#include "autoconfig.h"

#include <stdio.h>

#include "audit_deliver.h"
#include "audit_spool.h"
#include "ctl.h"
#include "unused.h"

static void rejected(void *ctx WO_UNUSED, const char *name, const char *reason)
{
	printf("rejected %s (moved to %s/rejected/): %s\n", name, WO_AUDIT_SPOOL_DIR, reason);
}

int ctl_audit_flush(const struct ctl_opts *o)
{
	struct ctl_report r = {0};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_audit_flush_report rep;
	struct wo_client *c = NULL;
	struct wo_config *cfg;
	char why[WO_ERROR_MSG_MAX + 32];
	int rc = CTL_EXIT_FAIL, f;

	cfg = ctl_load_config(&r, o->config_path);
	if (cfg == NULL)
		return CTL_EXIT_FAIL;
	if (wo_client_new(cfg, WO_KEY_REQUIRED, &c, &err) != 0) {
		ctl_fail(&r, "api", "%s", ctl_why(&err, why, sizeof(why)));
		goto out;
	}
	f = wo_audit_flush(c, WO_AUDIT_SPOOL_DIR, &rep, rejected, NULL, &err);
	if (f < 0) {
		ctl_fail(&r, "audit", "%s", ctl_why(&err, why, sizeof(why)));
	} else if (rep.busy) {
		ctl_warn(&r, "audit", "another delivery is running; nothing sent");
		rc = CTL_EXIT_OK;
	} else if (f > 0) {
		ctl_fail(&r, "audit", "%lu sent, %lu refused; stopped with %lu still spooled: %s",
			 rep.sent, rep.rejected, rep.left, ctl_why(&rep.stop, why, sizeof(why)));
	} else {
		ctl_ok(&r, "audit", "%lu sent, %lu refused, none left", rep.sent, rep.rejected);
		rc = CTL_EXIT_OK;
	}
out:
	wo_client_free(c);
	wo_config_free(cfg);
	return rc;
}

void ctl_check_audit(struct ctl_report *r, const struct wo_config *cfg)
{
	struct wo_audit_spool_stats st;
	struct wo_error err = WO_ERROR_INIT;
	char why[WO_ERROR_MSG_MAX + 32];
	const char *mode = cfg->audit == WO_AUDIT_WORKOS ? "workos"
			   : cfg->audit == WO_AUDIT_OFF	 ? "off"
							 : "syslog";

	if (wo_audit_spool_stats(WO_AUDIT_SPOOL_DIR, &st, &err) != 0) {
		ctl_fail(r, "audit", "%s", ctl_why(&err, why, sizeof(why)));
		return;
	}
	if (st.dropped > 0 || st.rejected > 0)
		ctl_warn(r, "audit",
			 "audit = %s; %s: %lu spooled, %lu rejected, %llu dropped (spool full)",
			 mode, WO_AUDIT_SPOOL_DIR, st.pending, st.rejected, st.dropped);
	else
		ctl_ok(r, "audit", "audit = %s; %s: %lu spooled, 0 rejected, 0 dropped", mode,
		       WO_AUDIT_SPOOL_DIR, st.pending);
}
