/* SPDX-License-Identifier: MIT */
/*
 * What the interactive login flows (lib/password_flow.h, lib/totp_flow.h)
 * take and give back, for the PAM module and workosctl alike.
 *
 * A flow returns 0 when the person is admitted (result->role, result->how)
 * and -1 with err otherwise: a denial (WO_ERR_DENIED with a code for the
 * log and a sentence for the person), a configuration error (no API key),
 * WorkOS unavailable...  When the conversation failed, err says the login
 * was abandoned at the prompt and the front end, which knows why, says so.
 * The flow never tells the person about the final outcome: the front end
 * does (pam/outcome.c, workosctl's report).
 */
#ifndef WO_LOGIN_H
#define WO_LOGIN_H

#include <stdbool.h>

#include "admission.h"

struct wo_login_params {
	const char *user;	   /* the local account (PAM_USER) */
	const char *owner_id;	   /* its recorded owner (lib/owner.h) */
	char *const *require_role; /* extra roles asked for, or NULL */
	/* PAM_DISALLOW_NULL_AUTHTOK: an empty one-time code ends the login
	 * at once instead of costing a try.  An empty password is always
	 * refused: WorkOS has no account without one. */
	bool disallow_empty;
};

struct wo_login_result {
	/* Who WorkOS said the person is ("" before anybody was), for logs. */
	char workos_user[64];
	char role[64];	 /* the role that admitted them */
	const char *how; /* "password+api", "password+totp+api", "totp+api" */
	/* Filled when the final token went through wo_admit: the front end
	 * ends the WorkOS session behind it (wo_admission_end_session). */
	bool admission_ran;
	struct wo_admission adm;
};

#endif
