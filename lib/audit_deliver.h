/* SPDX-License-Identifier: MIT */
/*
 * Delivery of the audit spool (lib/audit_spool.h) to WorkOS, oldest event
 * first, for workos-sync and `workosctl audit flush`.
 *
 * Under the spool's delivery lock, each event is POSTed with the
 * Idempotency-Key its name carries, then:
 *   200                   unlinked (only now: a crash before this sends
 *                         it again with the same key, and WorkOS dedups)
 *   400, 404, 413, 422    moved to rejected/ with the reason: the event
 *                         itself is refused, retrying cannot help
 *   429 (past the retries), 401/403, 5xx, network, TLS, timeout
 *                         the batch stops; this and later events stay
 */
#ifndef WO_AUDIT_DELIVER_H
#define WO_AUDIT_DELIVER_H

#include <stdbool.h>

#include "api.h"
#include "error.h"

struct wo_audit_flush_report {
	unsigned long sent;
	unsigned long rejected;
	unsigned long left;   /* still spooled after the run */
	bool busy;	      /* another deliverer holds the lock */
	struct wo_error stop; /* why the batch stopped (kind NONE: it did not) */
};

/* Called for each rejected event, with its file name and WorkOS's reason. */
typedef void (*wo_audit_reject_fn)(void *ctx, const char *name, const char *reason);

/* Delivers the spool in `dir`.  Returns 0 when nothing is left to send now
 * (or another deliverer is at it: rep->busy), 1 when the batch stopped
 * with events left (rep->stop says why), -1 with err when the spool is
 * unusable or there is no API key. */
int wo_audit_flush(struct wo_client *c, const char *dir, struct wo_audit_flush_report *rep,
		   wo_audit_reject_fn on_reject, void *ctx, struct wo_error *err);

#endif
