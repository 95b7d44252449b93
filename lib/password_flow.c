/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "mapping.h"
#include "otp_prompt.h"
#include "password_flow.h"
#include "secret.h"

/* Password, then at most MFA (or enrollment) and organization selection:
 * WorkOS never needs more steps than that, so more means a loop. */
#define MAX_STEPS 4

struct flow {
	const struct wo_conversation *conv;
	const struct wo_login_params *p;
	const struct wo_config *cfg;
	struct wo_client *client;

	/* The last grant: rc 0 and auth, or err (and api_err for WorkOS's
	 * authentication errors). */
	int rc;
	struct wo_authentication auth;
	struct wo_api_error api_err;
	struct wo_error err;
	bool abandoned; /* the person could not be asked */

	/* The error body that started the current step: its pending token. */
	struct wo_api_error step;
	/* TOTP step */
	const char *factor_id; /* borrowed from step or an enrollment */
	char *challenge_id;
	bool challenge_ready; /* enrollment came with a fresh challenge */
	bool used_totp;
};

int wo_login_need_api_key(struct wo_client *c, const char *mode, struct wo_error *err)
{
	if (wo_client_has_api_key(c))
		return 0;
	return wo_error_set(err, WO_ERR_CONFIG,
			    "mode=%s needs the WorkOS API key, but %s does not exist", mode,
			    wo_client_config(c)->api_key_file);
}

/* Each step's requests (a grant, a challenge, the admission's key set and
 * memberships) get their own bound: time spent at the prompt is the
 * person's, not the network's. */
static void bound(struct flow *f)
{
	wo_http_set_deadline(wo_client_http(f->client), 2 * f->cfg->http_timeout);
}

/* The email to send with the password: the owner's, as WorkOS has it now
 * (password_flow.h, step 1).  Returns 0 with *email (for free), or -1 with
 * f->err. */
static int find_email(struct flow *f, char **email)
{
	struct wo_user u;

	*email = NULL;
	bound(f);
	if (wo_api_get_user(f->client, f->p->owner_id, &u, &f->err) != 0)
		return -1;
	if (u.email == NULL) {
		wo_user_clear(&u);
		return wo_error_deny(&f->err, "no_email",
				     "this account's WorkOS user has no email address");
	}
	*email = strdup(u.email);
	wo_user_clear(&u);
	if (*email == NULL)
		return wo_error_set(&f->err, WO_ERR_SYSTEM, "out of memory");
	return 0;
}

/* --- TOTP, through the mfa-totp grant ----------------------------------------- */

static int grant_challenge(void *ctx, struct wo_error *err)
{
	struct flow *f = ctx;
	struct wo_challenge ch;

	if (f->challenge_ready) {
		f->challenge_ready = false;
		return 0;
	}
	bound(f);
	if (wo_api_challenge_factor(f->client, f->factor_id, &ch, err) != 0)
		return -1;
	free(f->challenge_id);
	f->challenge_id = ch.id;
	ch.id = NULL;
	wo_challenge_clear(&ch);
	return 0;
}

static enum wo_otp_result grant_check(void *ctx, const char *code, struct wo_error *err)
{
	struct flow *f = ctx;

	wo_authentication_clear(&f->auth);
	wo_api_error_clear(&f->api_err);
	bound(f);
	f->rc = wo_api_authenticate_totp(f->client, f->step.pending_authentication_token,
					 f->challenge_id, code, &f->auth, &f->api_err, err);
	if (f->rc == 0)
		return WO_OTP_OK;
	if (err->kind != WO_ERR_API || wo_error_is_unavailable(err))
		return WO_OTP_FAILED;
	if (strcmp(err->code, "invalid_one_time_code") == 0)
		return WO_OTP_WRONG;
	if (strcmp(err->code, "one_time_code_previously_used") == 0)
		return WO_OTP_USED;
	if (strcmp(err->code, "one_time_code_expired") == 0)
		return WO_OTP_EXPIRED;
	/* Anything else, organization selection included, is the next step's
	 * business: f->rc, f->err and f->api_err carry it. */
	return WO_OTP_FAILED;
}

/* Asks for codes until the grant takes one; f->rc/err say how it ended. */
static int totp_step(struct flow *f, const char *text, bool needed)
{
	const struct wo_otp_ops ops = {
	    .ctx = f, .challenge = grant_challenge, .check = grant_check};
	const struct wo_otp_question q = {
	    .text = text,
	    .needed = needed,
	    .user = f->p->user,
	    .disallow_empty = f->p->disallow_empty,
	};
	int rc;

	if (f->step.pending_authentication_token == NULL)
		return wo_error_set(&f->err, WO_ERR_DECODE,
				    "WorkOS asked for a one-time code without a pending token");
	f->used_totp = true;
	f->rc = -1;
	rc = wo_otp_ask(f->conv, &q, &ops, &f->err);
	free(f->challenge_id);
	f->challenge_id = NULL;
	if (rc != 0 && strcmp(f->err.code, "abandoned") == 0) {
		f->abandoned = true;
		return -1;
	}
	return f->rc;
}

static int mfa_challenge(struct flow *f)
{
	f->factor_id = NULL;
	for (size_t i = 0; i < f->step.authentication_factor_count; i++)
		if (strcmp(f->step.authentication_factors[i].type, "totp") == 0) {
			f->factor_id = f->step.authentication_factors[i].id;
			break;
		}
	if (f->factor_id == NULL)
		return wo_error_deny(&f->err, "no_totp_factor",
				     "WorkOS asks for a second factor other than an authenticator "
				     "app; use the browser (device) login instead");
	return totp_step(f, "WorkOS asks for the code your authenticator app shows.", false);
}

/* Before WorkOS is changed on the person's behalf, make sure the account
 * being enrolled is the owner's (wo_admit checks the final token again). */
static int is_owner(struct flow *f, const struct wo_user *u)
{
	if (strcmp(u->id, f->p->owner_id) == 0)
		return 0;
	f->conv->log(f->conv->ctx, LOG_WARNING,
		     "login as %s with the password of another person: WorkOS user %s, while "
		     "the account belongs to WorkOS user %s",
		     f->p->user, u->id, f->p->owner_id);
	return wo_error_deny(&f->err, "wrong_user", "that WorkOS account is not this user's");
}

static int mfa_enroll(struct flow *f)
{
	struct wo_enrollment enr;
	char *qr = NULL, *text = NULL;
	int rc, n;

	if (f->step.user == NULL)
		return wo_error_set(&f->err, WO_ERR_DECODE,
				    "WorkOS asked for an enrollment without naming the user");
	if (is_owner(f, f->step.user) != 0)
		return -1;
	/* A password alone must not bind a second factor to the account:
	 * whoever learnt it would own the factor too. */
	if (!f->cfg->allow_totp_enrollment)
		return wo_error_deny(&f->err, "mfa_enrollment",
				     "this WorkOS account has no authenticator app (TOTP) yet; "
				     "enrol one through the browser (device) login or the WorkOS "
				     "sign-in page first");
	bound(f);
	if (wo_api_enroll_totp(f->client, f->step.user->id, NULL, NULL, &enr, &f->err) != 0)
		return -1;
	f->conv->log(f->conv->ctx, LOG_NOTICE, "user=%s workos_user=%s: TOTP factor %s enrolled",
		     f->p->user, f->step.user->id, enr.factor.id);

	if (f->conv->qr != NULL)
		qr = f->conv->qr(f->conv->ctx, enr.totp_uri);
	n = asprintf(&text,
		     "Your WorkOS account needs an authenticator app (TOTP) before you can log "
		     "in.\n%s%s%sKey to add it by hand: %s\n"
		     "Then enter the code the app shows.",
		     qr != NULL ? "Scan this QR code with the app:\n" : "", qr != NULL ? qr : "",
		     qr != NULL ? "\n" : "", enr.totp_secret);
	free(qr);
	if (n < 0) {
		text = NULL;
		wo_enrollment_clear(&enr);
		return wo_error_set(&f->err, WO_ERR_SYSTEM, "out of memory");
	}
	f->factor_id = enr.factor.id;
	f->challenge_id = enr.challenge_id;
	enr.challenge_id = NULL;
	f->challenge_ready = true;
	/* The key is what the person needs to answer: shown even when
	 * remarks are not. */
	rc = totp_step(f, text, true);
	f->factor_id = NULL;
	wo_secret_free(text); /* it holds the TOTP secret */
	wo_enrollment_clear(&enr);
	return rc;
}

static int select_organization(struct flow *f)
{
	const char *org = f->cfg->organization_id;
	bool offered = false;

	for (size_t i = 0; i < f->step.organization_count; i++)
		if (strcmp(f->step.organizations[i].id, org) == 0)
			offered = true;
	if (!offered)
		return wo_error_deny(&f->err, "organization_not_offered",
				     "this WorkOS account cannot sign in to the organization this "
				     "machine belongs to");
	if (f->step.pending_authentication_token == NULL)
		return wo_error_set(
		    &f->err, WO_ERR_DECODE,
		    "WorkOS asked to choose an organization without a pending token");
	wo_authentication_clear(&f->auth);
	wo_api_error_clear(&f->api_err);
	bound(f);
	f->rc = wo_api_authenticate_organization(f->client, f->step.pending_authentication_token,
						 org, &f->auth, &f->api_err, &f->err);
	return f->rc;
}

/* One authentication error from WorkOS turned into the next step, or into
 * the denial the person is told about.  Returns true when a step ran a new
 * grant (f->rc and f->err say how it went), false when the flow ends. */
static bool next_step(struct flow *f)
{
	char code[WO_ERROR_CODE_MAX];

	if (f->err.kind != WO_ERR_API || wo_error_is_unavailable(&f->err))
		return false;
	snprintf(code, sizeof(code), "%s", f->err.code);
	/* The body is the step's now: the pending token lives there. */
	wo_api_error_clear(&f->step);
	f->step = f->api_err;
	memset(&f->api_err, 0, sizeof(f->api_err));

	if (strcmp(code, "mfa_challenge") == 0) {
		mfa_challenge(f);
		return true;
	}
	if (strcmp(code, "mfa_enrollment") == 0) {
		mfa_enroll(f);
		return true;
	}
	if (strcmp(code, "organization_selection_required") == 0) {
		select_organization(f);
		return true;
	}
	if (strcmp(code, "invalid_credentials") == 0)
		wo_error_deny(&f->err, code, "wrong email or password");
	else if (strcmp(code, "email_verification_required") == 0)
		wo_error_deny(&f->err, code,
			      "the WorkOS email address is not verified yet; verify it by signing "
			      "in once through the browser (the device login), then use the "
			      "password");
	else if (strcmp(code, "sso_required") == 0)
		wo_error_deny(&f->err, code,
			      "this WorkOS account signs in with single sign-on, not a password; "
			      "use the browser (device) login");
	else if (strcmp(code, "invalid_pending_authentication_token") == 0)
		wo_error_deny(&f->err, code, "the login took too long; start again");
	else if (strcmp(code, "one_time_code_too_many_attempts") == 0)
		wo_error_deny(&f->err, code, "too many wrong one-time codes");
	/* Anything else is reported as WorkOS said it. */
	return false;
}

static int admit(struct flow *f, struct wo_login_result *out)
{
	int rc;

	bound(f);
	rc = wo_admit(f->client, &f->auth, f->p->owner_id, f->p->require_role, &out->adm, &f->err);
	out->admission_ran = true;
	snprintf(out->workos_user, sizeof(out->workos_user), "%s", out->adm.user_id);
	if (rc != 0 && strcmp(f->err.code, "wrong_user") == 0) {
		f->conv->log(f->conv->ctx, LOG_WARNING,
			     "login as %s with the password of another person: WorkOS user %s, "
			     "while the account belongs to WorkOS user %s",
			     f->p->user, out->adm.user_id, f->p->owner_id);
		wo_error_deny(&f->err, "wrong_user", "that WorkOS account is not this user's");
	}
	if (rc == 0) {
		snprintf(out->role, sizeof(out->role), "%s", out->adm.role);
		out->how = f->used_totp ? "password+totp+api" : "password+api";
	}
	return rc;
}

int wo_password_login(struct wo_client *c, const struct wo_conversation *conv,
		      const struct wo_login_params *p, struct wo_login_result *out,
		      struct wo_error *err)
{
	struct flow f = {
	    .conv = conv,
	    .p = p,
	    .cfg = wo_client_config(c),
	    .client = c,
	    .rc = -1,
	    .err = WO_ERROR_INIT,
	};
	char host[256], banner[512], prompt[WO_EMAIL_MAX + 64];
	char *email = NULL, *password = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (wo_login_need_api_key(c, "password", err) != 0)
		return -1;
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this machine");
	host[sizeof(host) - 1] = '\0';
	snprintf(banner, sizeof(banner), "WorkOS login as %s on %s.", p->user, host);

	if (find_email(&f, &email) != 0)
		goto out;
	snprintf(prompt, sizeof(prompt), "WorkOS password for %s: ", email);
	if (conv->prompt(conv->ctx, banner, false, prompt, false, &password) != 0) {
		f.abandoned = true;
		goto out;
	}
	/* WorkOS has no account without a password: an empty one never
	 * leaves this machine, PAM_DISALLOW_NULL_AUTHTOK or not. */
	if (password[0] == '\0') {
		wo_error_deny(&f.err, "empty_password", "no password was given");
		goto out;
	}
	bound(&f);
	f.rc = wo_api_authenticate_password(c, email, password, &f.auth, &f.api_err, &f.err);
	wo_secret_clear(&password);

	for (int steps = 0; f.rc != 0 && !f.abandoned; steps++) {
		if (steps == MAX_STEPS) {
			wo_error_set(&f.err, WO_ERR_DECODE, "WorkOS asked for more than %d steps",
				     MAX_STEPS);
			break;
		}
		if (!next_step(&f))
			break;
	}
	if (!f.abandoned && f.rc == 0)
		rc = admit(&f, out);
out:
	if (f.abandoned) {
		wo_error_set(&f.err, WO_ERR_SYSTEM, "the login was abandoned at the prompt");
		snprintf(f.err.code, sizeof(f.err.code), "abandoned");
	} else if (!out->admission_ran && f.step.user != NULL) {
		snprintf(out->workos_user, sizeof(out->workos_user), "%s", f.step.user->id);
	}
	if (rc != 0 && err != NULL)
		*err = f.err;
	wo_secret_free(password);
	free(email);
	free(f.challenge_id);
	wo_authentication_clear(&f.auth);
	wo_api_error_clear(&f.api_err);
	wo_api_error_clear(&f.step);
	return rc;
}
