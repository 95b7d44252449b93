/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otp_prompt.h"
#include "password_flow.h"
#include "totp_flow.h"

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
				wo_error_deny(err, "one_time_code_too_many_attempts",
					      "too many wrong one-time codes");
		}
		return WO_OTP_FAILED;
	}
	/* The answer must be about the challenge we asked about. */
	valid = v.valid && v.challenge.id != NULL && strcmp(v.challenge.id, s->challenge_id) == 0;
	wo_verification_clear(&v);
	return valid ? WO_OTP_OK : WO_OTP_WRONG;
}

int wo_totp_login(struct wo_client *c, const struct wo_conversation *conv,
		  const struct wo_login_params *p, struct wo_login_result *out,
		  struct wo_error *err)
{
	struct stepup s = {.client = c, .cfg = wo_client_config(c)};
	const struct wo_otp_ops ops = {
	    .ctx = &s, .challenge = verify_challenge, .check = verify_check};
	const struct wo_otp_question q = {
	    .text = "WorkOS asks for the code your authenticator app shows.",
	    .user = p->user,
	    .disallow_empty = p->disallow_empty,
	};
	struct wo_member_roles member = {0};
	struct wo_factor_list factors = {0};
	const char *role = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (wo_login_need_api_key(c, "totp", err) != 0)
		return -1;
	snprintf(out->workos_user, sizeof(out->workos_user), "%s", p->owner_id);

	/* Membership first: nobody removed from the organization is asked
	 * for a code, let alone admitted by one. */
	bound(&s);
	if (wo_member_lookup(c, p->owner_id, &member, err) != 0)
		goto out;
	if (!member.active) {
		wo_error_deny(err, "not_a_member", "not an active member of the organization");
		goto out;
	}
	role = wo_roles_pick(member.roles, s.cfg->allowed_roles, p->require_role);
	if (role == NULL) {
		wo_error_deny(err, "role", "no WorkOS role that may log in here");
		goto out;
	}

	bound(&s);
	if (wo_api_list_factors(c, p->owner_id, &factors, err) != 0)
		goto out;
	for (size_t i = 0; i < factors.count && s.factor_id == NULL; i++)
		if (strcmp(factors.items[i].type, "totp") == 0)
			s.factor_id = factors.items[i].id;
	if (s.factor_id == NULL) {
		wo_error_deny(err, "no_totp_factor",
			      "no authenticator app (TOTP) is enrolled for this WorkOS account; "
			      "enrol one first");
		goto out;
	}
	if (wo_otp_ask(conv, &q, &ops, err) != 0)
		goto out;
	snprintf(out->role, sizeof(out->role), "%s", role);
	out->how = "totp+api";
	rc = 0;
out:
	free(s.challenge_id);
	wo_factor_list_clear(&factors);
	wo_member_roles_clear(&member);
	return rc;
}
