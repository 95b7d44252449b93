/* SPDX-License-Identifier: MIT */
/*
 * pam_workos's network core (pam/session.h): loaded by the front
 * (pam_workos.c) for an account WorkOS owns, when the decision needs
 * WorkOS: every login, and the account phase with the API key (or a
 * refusal from the cache, so that the audit trail records it).  Glue as
 * the front is: the flows live in lib/ (device_flow.c, password_flow.c,
 * totp_flow.c, admission.c, account_decision.c), shared with workosctl;
 * they talk to the person through pam/conv_adapter.c.
 *
 * Only WO_PAM_CORE_SYMBOL leaves this object (pam/core.map).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "account_decision.h"
#include "admission.h"
#include "api.h"
#include "cache.h"
#include "conv.h"
#include "device_flow.h"
#include "device_slots.h"
#include "device_ui.h"
#include "keep.h"
#include "outcome.h"
#include "password_flow.h"
#include "session.h"
#include "snapshot_state.h"
#include "totp_flow.h"

static void trace_http(void *ctx, const char *line)
{
	pam_syslog((pam_handle_t *)ctx, LOG_DEBUG, "%s", line);
}

static int fail(struct wo_pam_session *s, enum wo_pam_phase phase, const char *workos_user,
		const struct wo_error *err)
{
	return wo_pam_fail(s->pamh, phase, s->user, workos_user, err);
}

/* The person could not be asked (conversation failed or was cut short). */
static int abandoned(struct wo_pam_session *s, int conv_rc)
{
	pam_syslog(s->pamh, LOG_NOTICE, "auth abandoned: user=%s: %s", s->user,
		   pam_strerror(s->pamh, conv_rc));
	return conv_rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_CONV_ERR;
}

/* The configuration and a client, for an account WorkOS owns. */
static int session_connect(struct wo_pam_session *s, enum wo_pam_phase phase)
{
	struct wo_error err = WO_ERROR_INIT;

	/* The front may have read workos.conf already (and frees it). */
	if ((s->cfg == NULL && wo_config_load(s->args.config_path, &s->cfg, &err) != 0) ||
	    wo_client_new(s->cfg, WO_KEY_OPTIONAL, &s->client, &err) != 0)
		return fail(s, phase, s->owner.user_id, &err);
	wo_pam_audit_begin(s->pamh, s->cfg, wo_client_has_api_key(s->client), s->user,
			   wo_pam_mode_name(s->args.mode));
	if (s->args.qr_set)
		s->cfg->qr = s->args.qr;
	if (s->args.debug)
		wo_http_set_trace(wo_client_http(s->client), trace_http, s->pamh);
	return PAM_SUCCESS;
}

static int authenticate_device(struct wo_pam_session *s)
{
	struct wo_pam_device_ui ui;
	struct wo_device_ui callbacks;
	struct wo_authentication auth;
	struct wo_admission adm;
	struct wo_device_stats stats;
	struct wo_device_slot *slot = NULL;
	struct wo_error err = WO_ERROR_INIT;
	const void *rhost = NULL;
	int rc;

	/* One pending code per account, a few per remote address, a bound
	 * per host (lib/device_slots.h): a refusal costs WorkOS nothing. */
	if (pam_get_item(s->pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
		rhost = NULL;
	if (wo_device_slot_take_config(s->cfg, s->user, rhost, &slot, &err) != 0)
		return fail(s, WO_PHASE_AUTH, NULL, &err);
	wo_pam_device_ui_init(&ui, s->pamh, s->user, s->cfg->qr, &callbacks);
	rc = wo_device_login(s->client, s->cfg->device_timeout, &callbacks, &auth, &stats, &err);
	wo_device_slot_release(slot);
	wo_pam_device_ui_clear(&ui);
	if (rc != 0) {
		if (ui.conv_rc != PAM_SUCCESS)
			return abandoned(s, ui.conv_rc);
		return fail(s, WO_PHASE_AUTH, NULL, &err);
	}
	if (s->args.debug)
		pam_syslog(s->pamh, LOG_DEBUG, "device flow: %u polls, %u slow_down, interval %u s",
			   stats.polls, stats.slow_downs, stats.interval);

	rc = wo_admit(s->client, &auth, s->owner.user_id, s->args.require_role, &adm, &err);
	if (rc != 0 && strcmp(err.code, "wrong_user") == 0)
		pam_syslog(s->pamh, LOG_WARNING,
			   "login as %s approved by another person: WorkOS user %s, while the "
			   "account belongs to WorkOS user %s",
			   s->user, adm.user_id, s->owner.user_id);
	wo_authentication_clear(&auth);
	if (rc != 0) {
		rc = fail(s, WO_PHASE_AUTH, adm.user_id, &err);
	} else if ((rc = wo_pam_keep_workos_user(s->pamh, s->user, adm.user_id)) == PAM_SUCCESS) {
		wo_pam_admitted(s->pamh, WO_PHASE_AUTH, s->user, adm.user_id, adm.role,
				adm.roles_from_api ? "device+api" : "device+token");
	}
	/* Decided: the WorkOS session behind the token has no further use. */
	wo_pam_end_session(s->pamh, s->client, s->user, &adm, s->args.debug);
	return rc;
}

/* mode=password and mode=totp: lib/'s flow through the conversation, its
 * outcome turned into a PAM code here. */
static int authenticate_interactive(struct wo_pam_session *s)
{
	struct wo_pam_conv adapter;
	struct wo_conversation conv;
	struct wo_login_result res;
	struct wo_error err = WO_ERROR_INIT;
	const struct wo_login_params p = {
	    .user = s->user,
	    .owner_id = s->owner.user_id,
	    .require_role = s->args.require_role,
	    .disallow_empty = s->args.disallow_null,
	};
	int rc;

	wo_pam_conv_init(&adapter, s->pamh, s->args.silent, s->cfg->qr, &conv);
	if (s->args.mode == WO_PAM_MODE_PASSWORD)
		rc = wo_password_login(s->client, &conv, &p, &res, &err);
	else
		rc = wo_totp_login(s->client, &conv, &p, &res, &err);
	if (rc != 0 && adapter.conv_rc != PAM_SUCCESS) {
		rc = abandoned(s, adapter.conv_rc);
	} else if (rc != 0) {
		rc = fail(s, WO_PHASE_AUTH, res.workos_user, &err);
	} else {
		/* What a token admitted is kept for the account phase; a
		 * mode=totp step-up admits nobody new. */
		if (res.admission_ran)
			rc = wo_pam_keep_workos_user(s->pamh, s->user, res.workos_user);
		if (rc == PAM_SUCCESS)
			wo_pam_admitted(s->pamh, WO_PHASE_AUTH, s->user, res.workos_user, res.role,
					res.how);
	}
	/* Decided: the WorkOS session behind the token has no further use. */
	if (res.admission_ran)
		wo_pam_end_session(s->pamh, s->client, s->user, &res.adm, s->args.debug);
	return rc;
}

static int authenticate(struct wo_pam_session *s)
{
	int rc = session_connect(s, WO_PHASE_AUTH);

	if (rc != PAM_SUCCESS)
		return rc;
	switch (s->args.mode) {
	case WO_PAM_MODE_DEVICE:
		return authenticate_device(s);
	case WO_PAM_MODE_PASSWORD:
	case WO_PAM_MODE_TOTP:
		return authenticate_interactive(s);
	}
	return PAM_SERVICE_ERR;
}

static int acct_mgmt(struct wo_pam_session *s)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_account_decision d;
	int rc = session_connect(s, WO_PHASE_ACCOUNT);

	if (rc != PAM_SUCCESS)
		return rc;

	const struct wo_account_query q = {
	    .cfg = s->cfg,
	    .user = s->user,
	    .owner = &s->owner,
	    .kept = wo_pam_kept_workos_user(s->pamh, s->user),
	    .require_role = s->args.require_role,
	    .live = wo_client_has_api_key(s->client) ? wo_account_live_api : NULL,
	    .live_ctx = s->client,
	    .cache_path = WO_CACHE_DEFAULT_PATH,
	    .snapshot_state_path = WO_SNAPSHOT_STATE_PATH,
	};

	if (wo_account_decide(&q, &d, &err) != 0)
		return fail(s, WO_PHASE_ACCOUNT, d.workos_user, &err);
	wo_pam_admitted(s->pamh, WO_PHASE_ACCOUNT, s->user, d.workos_user, d.role, d.how);
	return PAM_SUCCESS;
}

static void session_close(struct wo_pam_session *s)
{
	wo_client_free(s->client);
	s->client = NULL;
}

static int core_authenticate(struct wo_pam_session *s)
{
	int rc = authenticate(s);

	session_close(s);
	return rc;
}

static int core_acct_mgmt(struct wo_pam_session *s)
{
	int rc = acct_mgmt(s);

	session_close(s);
	return rc;
}

__attribute__((visibility("default"))) const struct wo_pam_core wo_pam_core_v1 = {
    .version = WO_PAM_CORE_VERSION,
    .session_size = sizeof(struct wo_pam_session),
    .authenticate = core_authenticate,
    .acct_mgmt = core_acct_mgmt,
};
