/* SPDX-License-Identifier: MIT */
/*
 * What mode=password and mode=totp share: asking for a TOTP code at the
 * prompt, and what auth keeps in the PAM handle for the phases after it.
 *
 * Asking for a code (wo_pam_otp_ask):
 *  - at most WO_OTP_TRIES answers; an answer that is not 6 digits is a try
 *    but never reaches WorkOS;
 *  - a wrong code is told as such with the tries left, in the text of the
 *    next prompt (sshd shows informational text only with a prompt);
 *  - an expired challenge is not the person's fault: a new challenge is
 *    made and the same code checked again, once, without costing a try;
 *  - every answer is wiped as soon as it has been checked.
 * The caller's callbacks do the WorkOS side (a grant with a pending token,
 * or the MFA verify endpoint), so both modes count and word tries alike.
 */
#ifndef WO_PAM_MFA_H
#define WO_PAM_MFA_H

#include <security/pam_modules.h>

#include "api.h"
#include "error.h"

/* pam_set_data key: the account and WorkOS user id this handle's auth
 * admitted. */
#define WO_PAM_DATA_WORKOS_USER "pam_workos_workos_user"

#define WO_OTP_TRIES  3
#define WO_OTP_DIGITS 6

enum wo_otp_result {
	WO_OTP_OK,	/* accepted */
	WO_OTP_WRONG,	/* not the right code: costs a try */
	WO_OTP_USED,	/* right code, but already used: costs a try */
	WO_OTP_EXPIRED, /* the challenge expired: make a new one */
	WO_OTP_FAILED,	/* err says why; stop */
};

struct wo_otp_ops {
	void *ctx;
	/* Makes a (new) challenge; called before the first prompt and after
	 * WO_OTP_EXPIRED.  Returns 0 or -1 with err. */
	int (*challenge)(void *ctx, struct wo_error *err);
	enum wo_otp_result (*check)(void *ctx, const char *code, struct wo_error *err);
};

/*
 * Asks for a code until one is accepted, with `info` (may be NULL) shown
 * with the first prompt.  Returns PAM_SUCCESS when a code was accepted;
 * on failure err is filled (WO_ERR_DENIED, code "wrong_code", after
 * WO_OTP_TRIES wrong answers) and -1 is returned, or the conversation's
 * PAM error when the person could not be asked.
 */
int wo_pam_otp_ask(pam_handle_t *pamh, const char *info, const struct wo_otp_ops *ops,
		   struct wo_error *err);

/* Remembers the WorkOS user id auth admitted to the account `user`, for
 * the rest of this PAM handle (account phase, a later mode=totp).  Returns
 * a PAM code. */
int wo_pam_keep_workos_user(pam_handle_t *pamh, const char *user, const char *id);

/* The WorkOS user this handle's auth admitted to `user`, or NULL (none, or
 * admitted to another PAM_USER).  Borrowed from the handle. */
const char *wo_pam_kept_workos_user(pam_handle_t *pamh, const char *user);

/* Sets err to a denial: kind WO_ERR_DENIED, a code for the log and a
 * sentence for the person ("WorkOS login denied: <why>.").  Returns -1. */
int wo_pam_deny(struct wo_error *err, const char *code, const char *why);

/* Refuses (PAM_SERVICE_ERR, logged) when the client has no API key:
 * `mode` names the mode that needs it.  Returns PAM_SUCCESS otherwise. */
int wo_pam_need_api_key(pam_handle_t *pamh, struct wo_client *client, const char *user,
			const char *mode);

#endif
