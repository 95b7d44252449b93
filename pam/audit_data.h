/* SPDX-License-Identifier: MIT */
/*
 * What wo_pam_audit_begin (pam/outcome_net.c, in the network core) keeps on
 * the handle for pam/outcome.c's decisions, including the function that
 * records them: the front, which links no audit code, records through it
 * when the core began the trail in this handle.
 */
#ifndef WO_PAM_AUDIT_DATA_H
#define WO_PAM_AUDIT_DATA_H

#include "audit.h"

#define WO_PAM_AUDIT_DATA "pam_workos_audit"

struct wo_pam_audit_data {
	struct wo_audit_settings set;
	char user[256];
	char mode[16];
	void (*record)(const struct wo_audit_settings *set, const char *spool_dir,
		       const struct wo_audit_decision *d, wo_audit_log_fn log, void *ctx);
};

#endif
