/* SPDX-License-Identifier: MIT */
/*
 * The audit spool: login decisions waiting for delivery to WorkOS.
 *
 * A root-only directory (WO_AUDIT_SPOOL_DIR, 0700, created when missing,
 * refused when not root's or writable by others) with one file per event,
 *
 *     ev-<20-digit Unix time in ns>-<32 random hex digits>.json
 *
 * holding the request body.  The name sorts oldest first and carries the
 * event's Idempotency-Key ("pam-workos-<hex>"), so a delivery retried
 * after a crash or a timeout sends the very same key.  A writer creates
 * .tmp-<hex>, writes, fsyncs, renames it into place and fsyncs the
 * directory: a reader sees whole events or none.
 *
 * Bounds: at most max_events files (audit_spool_max_events; a few more
 * when logins race at the limit), each at most WO_AUDIT_EVENT_MAX bytes.
 * An event over the bound is dropped and counted in the file `dropped`
 * (a decimal number, updated under flock).  Nothing here waits: every
 * lock is LOCK_NB with a short bounded retry, and nothing touches the
 * network.
 *
 * Delivery (lib/audit_deliver.h) holds an exclusive flock on the
 * directory itself, so that two deliverers never send the same file;
 * writers never take it.  Events WorkOS refused move to rejected/ with a
 * NAME.reason file beside them.
 */
#ifndef WO_AUDIT_SPOOL_H
#define WO_AUDIT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#ifndef WO_SPOOLDIR
#define WO_SPOOLDIR "/var/spool/workos/audit"
#endif
#define WO_AUDIT_SPOOL_DIR WO_SPOOLDIR

#define WO_AUDIT_NAME_LEN 64 /* "ev-" 20 "-" 32 ".json" + NUL fits */
#define WO_AUDIT_KEY_LEN  48 /* "pam-workos-" 32 + NUL fits */

/* Opens (creating it, and its parents 0755, when `create`) and checks the
 * spool directory.  Returns a directory fd, or -1 with err. */
int wo_audit_spool_open(const char *dir, bool create, struct wo_error *err);

/* Appends one event.  Returns 0 when stored (name_out, if not NULL, gets
 * the file name), 1 when dropped because the spool is full (*dropped, if
 * not NULL, gets the drop counter after this drop, 0 when it could not be
 * updated), -1 with err. */
int wo_audit_spool_append(const char *dir, const char *json, size_t len, unsigned max_events,
			  char name_out[WO_AUDIT_NAME_LEN], unsigned long long *dropped,
			  struct wo_error *err);

/* True when `name` is a spooled event's file name. */
bool wo_audit_spool_name_ok(const char *name);

/* The Idempotency-Key an event's name carries. */
void wo_audit_spool_key(const char *name, char key[WO_AUDIT_KEY_LEN]);

/* The events in dirfd, oldest first.  *names is for wo_audit_spool_names_free. */
int wo_audit_spool_list(int dirfd, char ***names, size_t *n, struct wo_error *err);
void wo_audit_spool_names_free(char **names, size_t n);

/* Reads one event (at most WO_AUDIT_EVENT_MAX bytes); *buf for free. */
int wo_audit_spool_read(int dirfd, const char *name, char **buf, size_t *len, struct wo_error *err);

/* Removes a delivered event (and fsyncs the directory). */
int wo_audit_spool_remove(int dirfd, const char *name, struct wo_error *err);

/* Moves an event WorkOS refused to rejected/, with NAME.reason. */
int wo_audit_spool_reject(int dirfd, const char *name, const char *reason, struct wo_error *err);

/* Takes the delivery lock (LOCK_EX | LOCK_NB on dirfd, a few short
 * retries).  1 when taken, 0 when another deliverer holds it, -1 on error. */
int wo_audit_spool_lock(int dirfd, struct wo_error *err);

/* Removes temp files older than an hour: a writer killed mid-write. */
void wo_audit_spool_sweep(int dirfd);

struct wo_audit_spool_stats {
	unsigned long pending;
	unsigned long rejected;
	unsigned long long dropped;
};

/* Counts for `workosctl check`.  A missing directory counts as empty. */
int wo_audit_spool_stats(const char *dir, struct wo_audit_spool_stats *st, struct wo_error *err);

#endif
