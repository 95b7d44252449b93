/* SPDX-License-Identifier: MIT */
/*
 * mode=totp: a TOTP step-up for a WorkOS member who is already known,
 * typically for sudo, or after mode=device in the same stack (a code typed
 * at this terminal defeats device-code phishing).
 *
 *  1. the WorkOS user is PAM_USER's recorded owner (lib/owner.h; the
 *     caller found it), whoever an earlier module admitted;
 *  2. the membership, live: active, with a role in allowed_roles and
 *     require_role= (when set);
 *  3. the user's TOTP factor (the first, when there are several); none ->
 *     refused with a message saying to enrol one;
 *  4. a challenge and up to 3 codes (pam/mfa.h), verified by WorkOS.
 * Needs the API key: without one PAM_SERVICE_ERR.
 */
#ifndef WO_PAM_TOTP_H
#define WO_PAM_TOTP_H

#include <security/pam_modules.h>

#include "api.h"
#include "args.h"

/* Returns the PAM code for the auth phase (already logged and told). */
int wo_pam_totp_auth(pam_handle_t *pamh, const char *user, const char *owner_id,
		     const struct wo_pam_args *args, const struct wo_config *cfg,
		     struct wo_client *client);

#endif
