/* SPDX-License-Identifier: MIT */
/*
 * mode=password: the WorkOS password grant at the prompt, and every step
 * WorkOS may ask for after it.
 *
 *  1. the email of PAM_USER's recorded owner (lib/owner.h), as WorkOS
 *     has it now; step 4 admits only that owner, whatever WorkOS answers;
 *  2. the password (echo off), sent once and wiped;
 *  3. WorkOS's answer: mfa_challenge -> a TOTP code (pam/mfa.h rules);
 *     mfa_enrollment -> refused, unless allow_totp_enrollment: then a new
 *     TOTP factor shown as a QR code and a key, then its first code; organization_selection_required -> the
 *     configured organization, refused when it is not offered;
 *     email_verification_required, sso_required -> refused with a pointer
 *     to the device (browser) login; invalid_credentials -> refused;
 *  4. the final authentication goes through wo_admit (lib/admission.h),
 *     exactly as the device flow's does.
 * Needs the API key (confidential client): without one PAM_SERVICE_ERR.
 */
#ifndef WO_PAM_PASSWORD_H
#define WO_PAM_PASSWORD_H

#include <security/pam_modules.h>

#include "api.h"
#include "args.h"

/* Returns the PAM code for the auth phase (already logged and told). */
int wo_pam_password_auth(pam_handle_t *pamh, const char *user, const char *owner_id,
			 const struct wo_pam_args *args, const struct wo_config *cfg,
			 struct wo_client *client);

#endif
