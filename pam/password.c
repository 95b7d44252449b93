/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "admission.h"
#include "conv.h"
#include "device_ui.h"
#include "mapping.h"
#include "mfa.h"
#include "outcome.h"
#include "password.h"
#include "secret.h"

/* Password, then at most MFA (or enrollment) and organization selection:
 * WorkOS never needs more steps than that, so more means a loop. */
#define MAX_STEPS 4

struct flow {
	pam_handle_t *pamh;
	const char *user;
	const char *owner_id; /* PAM_USER's recorded owner */
	const struct wo_pam_args *args;
	const struct wo_config *cfg;
	struct wo_client *client;

	/* The last grant: rc 0 and auth, or err (and api_err for WorkOS's
	 * authentication errors). */
	int rc;
	struct wo_authentication auth;
	struct wo_api_error api_err;
	struct wo_error err;
	int conv_rc; /* PAM_SUCCESS, or why the person could not be asked */

	/* The error body that started the current step: its pending token. */
	struct wo_api_error step;
	/* TOTP step */
	const char *factor_id; /* borrowed from step or an enrollment */
	char *challenge_id;
	bool challenge_ready; /* enrollment came with a fresh challenge */
	bool used_totp;
};

/* Each step's requests (a grant, a challenge, the admission's key set and
 * memberships) get their own bound: time spent at the prompt is the
 * person's, not the network's. */
static void bound(struct flow *f)
{
	wo_http_set_deadline(wo_client_http(f->client), 2 * f->cfg->http_timeout);
}

/*
 * The email to send with the password: the owner's, as WorkOS has it now
 * (password.h, step 1).  Returns 0 with *email (for free), or -1 with
 * f->err.
 */
static int find_email(struct flow *f, char **email)
{
	struct wo_user u;

	*email = NULL;
	bound(f);
	if (wo_api_get_user(f->client, f->owner_id, &u, &f->err) != 0)
		return -1;
	if (u.email == NULL) {
		wo_user_clear(&u);
		return wo_pam_deny(&f->err, "no_email",
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
static int totp_step(struct flow *f, const char *info)
{
	const struct wo_otp_ops ops = {
		.ctx = f, .challenge = grant_challenge, .check = grant_check};
	int rc;

	if (f->step.pending_authentication_token == NULL)
		return wo_error_set(&f->err, WO_ERR_DECODE,
				    "WorkOS asked for a one-time code without a pending token");
	f->used_totp = true;
	f->rc = -1;
	rc = wo_pam_otp_ask(f->pamh, info, &ops, &f->err);
	free(f->challenge_id);
	f->challenge_id = NULL;
	if (rc > 0) {
		f->conv_rc = rc;
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
		return wo_pam_deny(&f->err, "no_totp_factor",
				   "WorkOS asks for a second factor other than an authenticator "
				   "app; use the browser (device) login instead");
	return totp_step(f, "WorkOS asks for the code your authenticator app shows.");
}

/* Before WorkOS is changed on the person's behalf, make sure the account
 * being enrolled is the owner's (wo_admit checks the final token again). */
static int is_owner(struct flow *f, const struct wo_user *u)
{
	if (strcmp(u->id, f->owner_id) == 0)
		return 0;
	pam_syslog(f->pamh, LOG_WARNING,
		   "login as %s with the password of another person: WorkOS user %s, while the "
		   "account belongs to WorkOS user %s",
		   f->user, u->id, f->owner_id);
	return wo_pam_deny(&f->err, "wrong_user", "that WorkOS account is not this user's");
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
		return wo_pam_deny(&f->err, "mfa_enrollment",
				   "this WorkOS account has no authenticator app (TOTP) yet; "
				   "enrol one through the browser (device) login or the WorkOS "
				   "sign-in page first");
	bound(f);
	if (wo_api_enroll_totp(f->client, f->step.user->id, NULL, NULL, &enr, &f->err) != 0)
		return -1;
	pam_syslog(f->pamh, LOG_NOTICE, "user=%s workos_user=%s: TOTP factor %s enrolled",
		   f->user, f->step.user->id, enr.factor.id);

	qr = wo_pam_qr_render(f->pamh, f->args->qr_set ? f->args->qr : f->cfg->qr, enr.totp_uri);
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
	rc = totp_step(f, text);
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
		return wo_pam_deny(&f->err, "organization_not_offered",
				   "this WorkOS account cannot sign in to the organization this "
				   "machine belongs to");
	if (f->step.pending_authentication_token == NULL)
		return wo_error_set(&f->err, WO_ERR_DECODE,
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
		wo_pam_deny(&f->err, code, "wrong email or password");
	else if (strcmp(code, "email_verification_required") == 0)
		wo_pam_deny(&f->err, code,
			    "the WorkOS email address is not verified yet; verify it by signing "
			    "in once through the browser (the device login), then use the "
			    "password");
	else if (strcmp(code, "sso_required") == 0)
		wo_pam_deny(&f->err, code,
			    "this WorkOS account signs in with single sign-on, not a password; "
			    "use the browser (device) login");
	else if (strcmp(code, "invalid_pending_authentication_token") == 0)
		wo_pam_deny(&f->err, code, "the login took too long; start again");
	else if (strcmp(code, "one_time_code_too_many_attempts") == 0)
		wo_pam_deny(&f->err, code, "too many wrong one-time codes");
	/* Anything else is reported as WorkOS said it. */
	return false;
}

static int admit(struct flow *f)
{
	struct wo_admission adm;
	int rc;

	bound(f);
	rc = wo_admit(f->client, &f->auth, f->owner_id, f->args->require_role, &adm, &f->err);
	if (rc != 0 && strcmp(f->err.code, "wrong_user") == 0) {
		pam_syslog(f->pamh, LOG_WARNING,
			   "login as %s with the password of another person: WorkOS user %s, "
			   "while the account belongs to WorkOS user %s",
			   f->user, adm.user_id, f->owner_id);
		wo_pam_deny(&f->err, "wrong_user", "that WorkOS account is not this user's");
	}
	if (rc != 0) {
		rc = wo_pam_fail(f->pamh, WO_PHASE_AUTH, f->user, adm.user_id, &f->err);
	} else if ((rc = wo_pam_keep_workos_user(f->pamh, f->user, adm.user_id)) == PAM_SUCCESS) {
		wo_pam_admitted(f->pamh, WO_PHASE_AUTH, f->user, adm.user_id, adm.role,
				f->used_totp ? "password+totp+api" : "password+api");
	}
	/* Decided: the WorkOS session behind the token has no further use. */
	wo_pam_end_session(f->pamh, f->client, f->user, &adm, f->args->debug);
	return rc;
}

int wo_pam_password_auth(pam_handle_t *pamh, const char *user, const char *owner_id,
			 const struct wo_pam_args *args, const struct wo_config *cfg,
			 struct wo_client *client)
{
	struct flow f = {
		.pamh = pamh,
		.user = user,
		.owner_id = owner_id,
		.args = args,
		.cfg = cfg,
		.client = client,
		.rc = -1,
		.err = WO_ERROR_INIT,
		.conv_rc = PAM_SUCCESS,
	};
	char host[256], banner[512], prompt[WO_EMAIL_MAX + 64];
	char *email = NULL, *password = NULL;
	const char *workos_user = NULL;
	int rc;

	rc = wo_pam_need_api_key(pamh, client, user, "password");
	if (rc != PAM_SUCCESS)
		return rc;
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this machine");
	host[sizeof(host) - 1] = '\0';
	snprintf(banner, sizeof(banner), "WorkOS login as %s on %s.", user, host);

	if (find_email(&f, &email) != 0)
		goto out;
	snprintf(prompt, sizeof(prompt), "WorkOS password for %s: ", email);
	f.conv_rc = wo_conv_prompt(pamh, banner, prompt, false, &password);
	if (f.conv_rc != PAM_SUCCESS)
		goto out;
	if (password[0] == '\0') {
		wo_pam_deny(&f.err, "empty_password", "no password was given");
		goto out;
	}
	bound(&f);
	f.rc = wo_api_authenticate_password(client, email, password, &f.auth, &f.api_err, &f.err);
	wo_secret_clear(&password);

	for (int steps = 0; f.rc != 0 && f.conv_rc == PAM_SUCCESS; steps++) {
		if (steps == MAX_STEPS) {
			wo_error_set(&f.err, WO_ERR_DECODE, "WorkOS asked for more than %d steps",
				     MAX_STEPS);
			break;
		}
		if (!next_step(&f))
			break;
	}
	if (f.conv_rc == PAM_SUCCESS && f.rc == 0)
		rc = admit(&f);
out:
	if (f.conv_rc != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_NOTICE, "auth abandoned: user=%s: %s", user,
			   pam_strerror(pamh, f.conv_rc));
		rc = f.conv_rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_CONV_ERR;
	} else if (f.rc != 0) {
		if (f.step.user != NULL)
			workos_user = f.step.user->id;
		rc = wo_pam_fail(pamh, WO_PHASE_AUTH, user, workos_user, &f.err);
	}
	wo_secret_free(password);
	free(email);
	free(f.challenge_id);
	wo_authentication_clear(&f.auth);
	wo_api_error_clear(&f.api_err);
	wo_api_error_clear(&f.step);
	return rc;
}
