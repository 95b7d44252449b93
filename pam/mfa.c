/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "cache_format.h"
#include "conv.h"
#include "mfa.h"
#include "names.h"
#include "outcome.h"
#include "secret.h"

int wo_pam_deny(struct wo_error *err, const char *code, const char *why)
{
	wo_error_set(err, WO_ERR_DENIED, "%s", why);
	snprintf(err->code, sizeof(err->code), "%s", code);
	return -1;
}

int wo_pam_need_api_key(pam_handle_t *pamh, struct wo_client *client, const char *user,
			const char *mode)
{
	const struct wo_config *cfg = wo_client_config(client);
	struct wo_error err = WO_ERROR_INIT;

	if (wo_client_has_api_key(client))
		return PAM_SUCCESS;
	wo_error_set(&err, WO_ERR_CONFIG, "mode=%s needs the WorkOS API key, but %s does not exist",
		     mode, cfg->api_key_file);
	return wo_pam_fail(pamh, WO_PHASE_AUTH, user, NULL, &err);
}

/* Keeps the digits of an answer, allowing the spaces people type in the
 * middle ("123 456").  Returns true when exactly WO_OTP_DIGITS digits and
 * nothing else were typed; code gets them, NUL-terminated. */
static bool read_code(const char *answer, char code[WO_OTP_DIGITS + 1])
{
	size_t n = 0;

	for (const char *p = answer; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p < '0' || *p > '9' || n == WO_OTP_DIGITS)
			return false;
		code[n++] = *p;
	}
	code[n] = '\0';
	return n == WO_OTP_DIGITS;
}

/* One answer checked, with one new challenge when the old one expired. */
static enum wo_otp_result check_once(const struct wo_otp_ops *ops, const char *code,
				     struct wo_error *err)
{
	enum wo_otp_result r = ops->check(ops->ctx, code, err);

	if (r != WO_OTP_EXPIRED)
		return r;
	if (ops->challenge(ops->ctx, err) != 0)
		return WO_OTP_FAILED;
	r = ops->check(ops->ctx, code, err);
	/* Expired twice in a row: the code took too long in transit or the
	 * challenge lives shorter than a round trip; ask for a fresh code. */
	return r == WO_OTP_EXPIRED ? WO_OTP_WRONG : r;
}

int wo_pam_otp_ask(pam_handle_t *pamh, const char *info, const struct wo_otp_ops *ops,
		   struct wo_error *err)
{
	char feedback[128];
	const char *text = info, *user = NULL;
	int rc;

	if (ops->challenge(ops->ctx, err) != 0)
		return -1;
	for (int tries = 1; tries <= WO_OTP_TRIES; tries++) {
		char code[WO_OTP_DIGITS + 1];
		char *answer = NULL;
		enum wo_otp_result r;
		const char *why;

		rc = wo_conv_prompt(pamh, text, "WorkOS one-time code: ", false, &answer);
		if (rc != PAM_SUCCESS) {
			wo_error_set(err, WO_ERR_SYSTEM, "the login was abandoned at the prompt");
			return rc;
		}
		if (!read_code(answer, code)) {
			r = WO_OTP_WRONG;
			why = "A one-time code is 6 digits.";
		} else {
			r = check_once(ops, code, err);
			why = r == WO_OTP_USED
				  ? "That code was used already: wait for the next one."
				  : "Wrong code.";
		}
		wo_secret_free(answer);
		explicit_bzero(code, sizeof(code));
		if (r == WO_OTP_OK)
			return PAM_SUCCESS;
		if (r == WO_OTP_FAILED)
			return -1;
		if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS ||
		    user == NULL)
			user = "?";
		pam_syslog(pamh, LOG_NOTICE, "user=%s: one-time code %d of %d refused (%s)", user,
			   tries, WO_OTP_TRIES, r == WO_OTP_USED ? "used already" : "wrong");
		snprintf(feedback, sizeof(feedback), "%s %d %s left.", why, WO_OTP_TRIES - tries,
			 WO_OTP_TRIES - tries == 1 ? "try" : "tries");
		text = feedback;
	}
	return wo_pam_deny(err, "wrong_code", "the one-time code was wrong too many times");
}

/* What auth kept: the account it admitted to, and the WorkOS user. */
struct kept {
	char user[WO_NAME_MAX + 1];
	char workos_user[WO_CACHE_ID_MAX + 1];
};

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

int wo_pam_keep_workos_user(pam_handle_t *pamh, const char *user, const char *id)
{
	struct kept *k = calloc(1, sizeof(*k));

	if (k == NULL || pam_set_data(pamh, WO_PAM_DATA_WORKOS_USER, k, free_data) != PAM_SUCCESS) {
		free(k);
		pam_syslog(pamh, LOG_ERR, "out of memory");
		return PAM_BUF_ERR;
	}
	snprintf(k->user, sizeof(k->user), "%s", user);
	snprintf(k->workos_user, sizeof(k->workos_user), "%s", id);
	return PAM_SUCCESS;
}

const char *wo_pam_kept_workos_user(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL;
	const struct kept *k;

	if (pam_get_data(pamh, WO_PAM_DATA_WORKOS_USER, &data) != PAM_SUCCESS || data == NULL)
		return NULL;
	k = data;
	return strcmp(k->user, user) == 0 ? k->workos_user : NULL;
}
