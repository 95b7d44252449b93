/* SPDX-License-Identifier: MIT */
/*
 * mode=totp: a TOTP step-up for a WorkOS member who is already known,
 * typically for sudo, or after mode=device in the same stack (a code typed
 * at this terminal defeats device-code phishing).  Shared by pam_workos
 * and `workosctl login --mode totp`.
 *
 *  1. the WorkOS user is the account's recorded owner (lib/owner.h; the
 *     caller found it), whoever an earlier module admitted;
 *  2. the membership, live: active, with a role in allowed_roles and
 *     require_role (when set);
 *  3. the user's TOTP factor (the first, when there are several); none ->
 *     refused with a message saying to enrol one;
 *  4. a challenge and up to 3 codes (lib/otp_prompt.h), verified by WorkOS.
 * Needs the API key: without one, WO_ERR_CONFIG.  Returns as lib/login.h
 * says (how "totp+api"; no admission runs, so no session to end).
 */
#ifndef WO_TOTP_FLOW_H
#define WO_TOTP_FLOW_H

#include "api.h"
#include "conversation.h"
#include "login.h"

int wo_totp_login(struct wo_client *c, const struct wo_conversation *conv,
		  const struct wo_login_params *p, struct wo_login_result *out,
		  struct wo_error *err);

#endif
