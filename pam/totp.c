/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "admission.h"
#include "mfa.h"
#include "outcome.h"
#include "totp.h"

struct stepup {
	struct wo_client *client;
	const struct wo_config *cfg;
	const char *factor_id;
	char *challenge_id;
};

static void bound(struct stepup *s)
{
	wo_http_set_deadline(wo_client_http(s->client), 2 * s->cfg->http_timeout);
}

static int verify_challenge(void *ctx, struct wo_error *err)
{
	struct stepup *s = ctx;
	struct wo_challenge ch;

	bound(s);
	if (wo_api_challenge_factor(s->client, s->factor_id, &ch, err) != 0)
		return -1;
	free(s->challenge_id);
	s->challenge_id = ch.id;
	ch.id = NULL;
	wo_challenge_clear(&ch);
	return 0;
}

static enum wo_otp_result verify_check(void *ctx, const char *code, struct wo_error *err)
{
	struct stepup *s = ctx;
	struct wo_verification v;
	bool valid;

	bound(s);
	if (wo_api_verify_challenge(s->client, s->challenge_id, code, &v, err) != 0) {
		if (err->kind == WO_ERR_API && !wo_error_is_unavailable(err)) {
			if (strcmp(err->code, "authentication_challenge_expired") == 0)
				return WO_OTP_EXPIRED;
			if (strcmp(err->code, "one_time_code_too_many_attempts") == 0)
				wo_pam_deny(err, "one_time_code_too_many_attempts",
					    "too many wrong one-time codes");
		}
		return WO_OTP_FAILED;
	}
	/* The answer must be about the challenge we asked about. */
	valid = v.valid && v.challenge.id != NULL && strcmp(v.challenge.id, s->challenge_id) == 0;
	wo_verification_clear(&v);
	return valid ? WO_OTP_OK : WO_OTP_WRONG;
}

int wo_pam_totp_auth(pam_handle_t *pamh, const char *user, const char *id,
		     const struct wo_pam_args *args, const struct wo_config *cfg,
		     struct wo_client *client)
{
	struct stepup s = {.client = client, .cfg = cfg};
	const struct wo_otp_ops ops = {
		.ctx = &s, .challenge = verify_challenge, .check = verify_check};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_member_roles member = {0};
	struct wo_factor_list factors = {0};
	const char *role = NULL;
	int rc;

	rc = wo_pam_need_api_key(pamh, client, user, "totp");
	if (rc != PAM_SUCCESS)
		return rc;

	/* Membership first: nobody removed from the organization is asked
	 * for a code, let alone admitted by one. */
	bound(&s);
	if (wo_member_lookup(client, id, &member, &err) != 0)
		goto fail;
	if (member.active)
		role = wo_roles_pick(member.roles, cfg->allowed_roles, args->require_role);
	if (!member.active) {
		wo_pam_deny(&err, "not_a_member", "not an active member of the organization");
		goto fail;
	}
	if (role == NULL) {
		wo_pam_deny(&err, "role", "no WorkOS role that may log in here");
		goto fail;
	}

	bound(&s);
	if (wo_api_list_factors(client, id, &factors, &err) != 0)
		goto fail;
	for (size_t i = 0; i < factors.count && s.factor_id == NULL; i++)
		if (strcmp(factors.items[i].type, "totp") == 0)
			s.factor_id = factors.items[i].id;
	if (s.factor_id == NULL) {
		wo_pam_deny(&err, "no_totp_factor",
			    "no authenticator app (TOTP) is enrolled for this WorkOS account; "
			    "enrol one first");
		goto fail;
	}

	rc = wo_pam_otp_ask(pamh, "WorkOS asks for the code your authenticator app shows.", &ops,
			    &err);
	if (rc > 0) {
		pam_syslog(pamh, LOG_NOTICE, "auth abandoned: user=%s: %s", user,
			   pam_strerror(pamh, rc));
		rc = rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_CONV_ERR;
		goto out;
	}
	if (rc != PAM_SUCCESS)
		goto fail;
	wo_pam_admitted(pamh, WO_PHASE_AUTH, user, id, role, "totp+api");
	rc = PAM_SUCCESS;
	goto out;
fail:
	rc = wo_pam_fail(pamh, WO_PHASE_AUTH, user, id, &err);
out:
	free(s.challenge_id);
	wo_factor_list_clear(&factors);
	wo_member_roles_clear(&member);
	return rc;
}
