/* SPDX-License-Identifier: MIT */
/*
 * Pending device logins: a bound on who may make us ask WorkOS for a code.
 *
 * Anyone who can reach sshd can type a user name, and each device login
 * costs a WorkOS authorize request (rate limit) and shows a code that could
 * be sent to a victim to approve (code phishing).  Before the authorize
 * request, a login takes a slot: at most one pending login per account, at
 * most `per_address` per remote address (PAM_RHOST; IPv6 counted by /64),
 * at most `per_host` on the machine.  Logins without a remote address
 * (console, su, sudo: people already on the machine) count as "local",
 * bound by the account and host limits only.  A refusal never calls WorkOS.
 *
 * A slot is a file in a root-only runtime directory (WO_RUNDIR, mode 0700,
 * created when missing; refused when not owned by root or the effective
 * user, or writable by group or others), exclusively flock()ed by its
 * holder for the life of the login.  The kernel drops the lock when the
 * holder dies, so the slot of a killed sshd is free at once and its file is
 * removed by the next scan; a slot also stops counting `hold` seconds after
 * it was taken (device_timeout plus a margin), in case its holder hangs.
 * Taking a slot scans the directory under a short lock (LOCK_NB with a
 * bounded retry); nothing here waits without a bound.  No global state:
 * each slot is its own object, so one process may hold several.
 */
#ifndef WO_DEVICE_SLOTS_H
#define WO_DEVICE_SLOTS_H

#include "config.h"
#include "error.h"

#ifndef WO_RUNDIR
#define WO_RUNDIR "/run/workos"
#endif

/* Defaults of workos.conf's device_max_pending_per_address and
 * device_max_pending_per_host. */
#define WO_DEVICE_MAX_PER_ADDRESS 3
#define WO_DEVICE_MAX_PER_HOST	  64

/* The err->code of a refusal (err->kind is WO_ERR_DENIED). */
#define WO_DEVICE_SLOT_REFUSED "too_many_pending"

struct wo_device_limits {
	unsigned per_address; /* pending logins from one remote address, >= 1 */
	unsigned per_host;    /* pending logins on this machine, >= 1 */
	unsigned hold;	      /* seconds after which a slot stops counting, >= 1 */
};

struct wo_device_slot;

/*
 * Takes a slot in `dir` for a device login as `user` (a valid account name)
 * from `rhost` (PAM_RHOST; NULL or "" for a local login).  On success
 * *out is for wo_device_slot_release.  Fails with WO_ERR_DENIED and code
 * WO_DEVICE_SLOT_REFUSED when a bound is reached (the message is a sentence
 * for the person), with WO_ERR_CONFIG when the directory cannot be used
 * safely, and with WO_ERR_SYSTEM on other errors: never without a slot and
 * a 0 return, so a caller that fails closed on -1 is never unbounded.
 */
int wo_device_slot_take(const char *dir, const char *user, const char *rhost,
			const struct wo_device_limits *lim, struct wo_device_slot **out,
			struct wo_error *err);

/* wo_device_slot_take in WO_RUNDIR with cfg's device_max_pending_* and a
 * hold of device_timeout + http_timeout + WO_DEVICE_HOLD_MARGIN seconds:
 * the flow, then admission, then slack.  What pam_workos and workosctl use. */
#define WO_DEVICE_HOLD_MARGIN 30
int wo_device_slot_take_config(const struct wo_config *cfg, const char *user, const char *rhost,
			       struct wo_device_slot **out, struct wo_error *err);

/* Ends the slot: removes its file, drops its lock, frees it.  NULL is fine.
 * Never fails (a file left behind is removed by the next scan). */
void wo_device_slot_release(struct wo_device_slot *slot);

#endif
