/* SPDX-License-Identifier: MIT */
/*
 * Who may log in: the checks between "WorkOS authenticated somebody" and
 * "this person may be the local user PAM_USER".
 *
 * The identity is the verified token's `sub`, never the `user` object of
 * the answer (optional in the device grant, and unsigned) nor an email or
 * a name: PAM_USER's recorded owner (lib/owner.h) is the only WorkOS user
 * who may log in to it.  In order, each failure a denial with a reason:
 *  1. the access token verifies (RS256 against the JWKS, times, issuer,
 *     org_id == organization_id); a `user` in the answer, when present,
 *     is the token's sub;
 *  2. the session is not an impersonation, unless allow_impersonation;
 *  3. the token's sub is the account's owner;
 *  4. the user is an active member of the organization: with an API key
 *     the memberships API says so (status active); without one the token's
 *     org_id (WorkOS only issues an organization's token to its members)
 *     is taken as proof, and the roles come from the token's claims;
 *  5. one of the member's roles is in allowed_roles (when set) and in the
 *     extra list the caller asks for (require_role=, when set).
 */
#ifndef WO_ADMISSION_H
#define WO_ADMISSION_H

#include <stdbool.h>

#include "api.h"
#include "error.h"
#include "names.h"
#include "workos_types.h"

struct wo_admission {
	char user_id[64];    /* the verified WorkOS user id ("" before that), for logs */
	char session_id[64]; /* the token's sid ("" if none), for revocation */
	char role[64];	     /* the role that admitted them */
	bool roles_from_api; /* membership confirmed through the API */
};

/* The roles a member holds, from the memberships API or the token. */
struct wo_member_roles {
	bool active;
	char **roles; /* NULL-terminated, owned */
	size_t n_roles;
};

/* Checks an authentication response for an account owned by `owner_id`.
 * *out is filled as far as the checks got, for the log line, whether or not
 * they passed.  A wrong person is a denial with err->code "wrong_user". */
int wo_admit(struct wo_client *c, const struct wo_authentication *auth, const char *owner_id,
	     char *const *require_roles, struct wo_admission *out, struct wo_error *err);

/* After the decision, admitted or refused: ends the WorkOS session the
 * login created (adm->session_id, from the verified token), since nothing
 * uses it afterwards and a live session is one more thing to steal.  Needs
 * the API key: returns 0 without one or without a session id (nothing
 * done), 1 when WorkOS ended it, -1 with err when it could not.  Bounded
 * by http_timeout.  Best effort: callers log a failure and carry on, it
 * never changes the decision. */
int wo_admission_end_session(struct wo_client *c, const struct wo_admission *adm,
			     struct wo_error *err);

/* Step 4 alone, for the account phase: asks the memberships API whether
 * user_id is an active member of the configured organization, and with
 * which roles.  *out is for wo_member_roles_clear. */
int wo_member_lookup(struct wo_client *c, const char *user_id, struct wo_member_roles *out,
		     struct wo_error *err);
void wo_member_roles_clear(struct wo_member_roles *r);

/* lib/account_decision.h's live membership through the memberships API;
 * ctx is the client (with the API key).  Bounded by http_timeout. */
int wo_account_live_api(void *client, const char *id, char *const *required, bool *active,
			char role[64], struct wo_error *err);

/* Step 5 alone: the first of `roles` allowed by both lists (a NULL list
 * allows any role), or NULL. */
const char *wo_roles_pick(char *const *roles, char *const *allowed, char *const *required);

#endif
