/* SPDX-License-Identifier: MIT */
/* workos-sync: delivering the audit spool at the end of a run (sync_audit.c). */
#ifndef WO_SYNC_AUDIT_H
#define WO_SYNC_AUDIT_H

#include "api.h"

/* Delivers what pam_workos spooled; reports, never fails the run. */
void sync_audit_flush(struct wo_client *client);

#endif
