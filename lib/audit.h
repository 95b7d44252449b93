/* SPDX-License-Identifier: MIT */
/*
 * Login decisions as WorkOS Audit Logs events (POST /audit_logs/events,
 * workos-api-sources.md h).
 *
 * wo_audit_event_json writes the request body, {organization_id, event},
 * with the event's actor (the WorkOS user, when known), two targets (this
 * host by machine id, the local account), context (remote address or
 * "console", "pam_workos/VERSION (SERVICE)") and four metadata keys
 * (reason, service, tty, mode).  Every string is hostile: control
 * characters and invalid UTF-8 become '?', and each value is cut (at a
 * character boundary) to the documented metadata limit of 500 characters,
 * other fields to WO_AUDIT_FIELD_MAX bytes.  The body is therefore bounded
 * (well under WO_AUDIT_EVENT_MAX) whatever the input.
 */
#ifndef WO_AUDIT_H
#define WO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"

/* DOCS audit-logs/event/create: metadata values up to 500 characters. */
#define WO_AUDIT_METADATA_VALUE_MAX 500
/* Ids, names, locations: no documented limit; ours. */
#define WO_AUDIT_FIELD_MAX 256
/* The largest body we write or send. */
#define WO_AUDIT_EVENT_MAX 16384

struct wo_audit_event {
	const char *organization_id;
	const char *action;
	int64_t occurred_at_ms; /* Unix time in milliseconds */
	const char *actor_id;	/* NULL or "": "unknown" */
	const char *actor_name; /* NULL or "": left out */
	const char *host_id;	/* the machine id */
	const char *host_name;
	const char *account;  /* the local user name */
	const char *location; /* NULL or "": "console" */
	const char *service;
	const char *tty;
	const char *mode;
	const char *reason;
};

/* The request body for ev.  Returns 0 with *json (malloc'd, NUL-terminated,
 * for free) and *len, or -1 with err (out of memory). */
int wo_audit_event_json(const struct wo_audit_event *ev, char **json, size_t *len,
			struct wo_error *err);

/* Copies src into dst (size bytes) with control characters and invalid
 * UTF-8 replaced by '?', cut at a character boundary to at most `max`
 * bytes (and size - 1).  NULL src gives "".  Returns the length. */
size_t wo_audit_clean(char *dst, size_t size, const char *src, size_t max);

/* "2026-01-02T03:04:05.678Z" into buf (at least 32 bytes). */
void wo_audit_iso8601(int64_t ms, char *buf, size_t size);

/* /etc/machine-id (32 hex digits) into buf; the host name when it cannot
 * be read.  Never fails: "unknown" at worst. */
void wo_audit_machine_id(char *buf, size_t size);

/* --- recording a login decision ------------------------------------------ */

enum wo_audit_decision_kind {
	WO_AUDIT_AUTH_SUCCEEDED,
	WO_AUDIT_AUTH_DENIED,
	WO_AUDIT_ACCOUNT_DENIED,
};

/* What the PAM module knows about a decision; any field may be NULL. */
struct wo_audit_decision {
	enum wo_audit_decision_kind kind;
	const char *account;	 /* PAM_USER */
	const char *workos_user; /* the WorkOS user id, when known */
	const char *email;	 /* the WorkOS user's email, when known */
	const char *service;	 /* PAM_SERVICE */
	const char *tty;	 /* PAM_TTY */
	const char *rhost;	 /* PAM_RHOST; NULL or "": the console */
	const char *mode;	 /* device, password, totp */
	const char *reason;	 /* the error code, or how the login was admitted */
};

/* What wo_audit_record needs from workos.conf, copied so that it outlives
 * the configuration (the PAM module keeps it on the handle). */
struct wo_audit_settings {
	enum wo_audit_mode mode;
	bool spool; /* audit = workos with an API key and not a fleet member */
	unsigned max_events;
	char organization_id[129];
	char action[3][65]; /* by enum wo_audit_decision_kind */
};

/* Fills `out` from cfg; have_key says whether this host holds the API key
 * (without it, or in fleet mode, audit = workos falls back to syslog). */
void wo_audit_settings_from(const struct wo_config *cfg, bool have_key,
			    struct wo_audit_settings *out);

typedef void (*wo_audit_log_fn)(void *ctx, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a decision: appended to the spool in `spool_dir`, or one syslog
 * line "audit: {json}" at LOG_INFO through `log`, or nothing (audit =
 * off).  A spool that is full or unusable is logged and the event goes to
 * the syslog line instead.  Never fails the caller and never waits beyond
 * the spool's bounded locks. */
void wo_audit_record(const struct wo_audit_settings *set, const char *spool_dir,
		     const struct wo_audit_decision *d, wo_audit_log_fn log, void *ctx);

#endif
