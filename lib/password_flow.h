/* SPDX-License-Identifier: MIT */
/*
 * mode=password: the WorkOS password grant, and every step WorkOS may ask
 * for after it, through a conversation (lib/conversation.h) and shared by
 * pam_workos and `workosctl login --mode password`.
 *
 *  1. the email of the account's recorded owner (lib/owner.h), as WorkOS
 *     has it now; step 4 admits only that owner, whatever WorkOS answers;
 *  2. the password (echo off), sent once and wiped; an empty one is
 *     refused without a word to WorkOS;
 *  3. WorkOS's answer: mfa_challenge -> a TOTP code (lib/otp_prompt.h);
 *     mfa_enrollment -> refused, unless allow_totp_enrollment: then a new
 *     TOTP factor shown as a QR code and a key, then its first code;
 *     organization_selection_required -> the configured organization,
 *     refused when it is not offered; email_verification_required,
 *     sso_required -> refused with a pointer to the device (browser)
 *     login; invalid_credentials -> refused;
 *  4. the final authentication goes through wo_admit (lib/admission.h),
 *     exactly as the device flow's does.
 * Needs the API key (confidential client): without one, WO_ERR_CONFIG.
 * Returns as lib/login.h says.
 */
#ifndef WO_PASSWORD_FLOW_H
#define WO_PASSWORD_FLOW_H

#include "api.h"
#include "conversation.h"
#include "login.h"

int wo_password_login(struct wo_client *c, const struct wo_conversation *conv,
		      const struct wo_login_params *p, struct wo_login_result *out,
		      struct wo_error *err);

/* The error for a mode that needs the API key when the client has none
 * (WO_ERR_CONFIG): 0 when it has one, -1 otherwise. */
int wo_login_need_api_key(struct wo_client *c, const char *mode, struct wo_error *err);

#endif
