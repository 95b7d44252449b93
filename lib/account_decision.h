/* SPDX-License-Identifier: MIT */
/*
 * The account phase's decision, shared by pam_workos (pam_sm_acct_mgmt) and
 * `workosctl account`: may this account WorkOS owns log in now?
 *
 *  1. what this handle's auth admitted (if anything) must be the account's
 *     owner: a module that changed PAM_USER in between gets nothing;
 *  2. a fleet member's snapshot older than snapshot_max_age may still list
 *     someone WorkOS removed since: admission stops (lib/snapshot_state.h);
 *  3. the membership: live through `live` (with the API key: a member
 *     removed or demoted a minute ago is refused now), else from the NSS
 *     cache for an account workos-sync made (its groups are its roles),
 *     else (bound by hand, no key) only this handle's auth can vouch, and
 *     it cannot check a role.
 * Libc only, but for what `live` calls (lib/admission.h's
 * wo_account_live_api with the API key).
 *
 * An account WorkOS does not own is ignored (wo_account_unowned), unless
 * its UID lies in the range workos-sync gives out: a member the cache no
 * longer holds but something (nscd, a long-lived process) still resolves.
 */
#ifndef WO_ACCOUNT_DECISION_H
#define WO_ACCOUNT_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "owner.h"

#define WO_ROLE_MAX 64

/* The live membership of WorkOS user `id`: 0 with *active and `role` (the
 * first role allowed_roles and `required` both allow, "" for none), or -1
 * with err when it could not be read. */
typedef int (*wo_account_live_fn)(void *ctx, const char *id, char *const *required, bool *active,
				  char role[WO_ROLE_MAX], struct wo_error *err);

struct wo_account_query {
	const struct wo_config *cfg;
	const char *user;
	const struct wo_owner *owner; /* kind != WO_OWNER_NONE */
	const char *kept;	      /* the WorkOS user auth admitted, or NULL */
	char *const *require_role;    /* NULL: none asked for */
	wo_account_live_fn live;      /* NULL without the API key */
	void *live_ctx;
	const char *cache_path;		 /* the NSS cache */
	const char *snapshot_state_path; /* a fleet member's pull state */
};

struct wo_account_decision {
	const char *how;	 /* "api", "cache" or "auth" */
	char role[WO_ROLE_MAX];	 /* "" when no role was checked */
	const char *workos_user; /* for the log: who the decision is about */
};

/* 0: admitted (out->how, out->role); -1: refused, err a denial with a code
 * ("wrong_user", "stale_snapshot", "not_a_member", "role") or why the
 * membership could not be read. */
int wo_account_decide(const struct wo_account_query *q, struct wo_account_decision *out,
		      struct wo_error *err);

/* An account WorkOS does not own: 0 when it is none of our business
 * (err filled, kind != WO_ERR_NONE, when the UID range file could not be
 * read: worth a log line), -1 with err (code "stale_account") when its UID
 * is in workos-sync's range. */
int wo_account_unowned(const char *user, uid_t uid, const char *uid_range_path,
		       struct wo_error *err);

#endif
