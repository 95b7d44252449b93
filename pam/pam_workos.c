/* SPDX-License-Identifier: MIT */
/*
 * pam_workos: PAM entry points.  Everything here is glue: arguments,
 * configuration, the conversation, and turning outcomes into PAM codes
 * (pam/outcome.c).  The flows and checks live in lib/ (device_flow.c,
 * password_flow.c, totp_flow.c, admission.c, account_decision.c) so that
 * workosctl runs the very same code; they talk to the person through
 * pam/conv.c's adapter.  `flags` are parsed once with the arguments
 * (pam/args.h): PAM_SILENT quiets remarks, never the log.
 *
 * No global state: sshd can run two logins in one process, and each PAM
 * handle keeps what it needs through pam_set_data.
 *
 * Both phases first ask who owns PAM_USER (lib/owner.h), from root-owned
 * local files only: an account WorkOS does not own (root, /etc/passwd,
 * LDAP) is refused by auth without a word to WorkOS, and ignored by the
 * account phase, before workos.conf or the API key is even read, so that
 * no WorkOS misconfiguration can lock such an account out.
 */
#include "autoconfig.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "account_decision.h"
#include "admission.h"
#include "api.h"
#include "args.h"
#include "cache.h"
#include "config.h"
#include "conv.h"
#include "device_flow.h"
#include "device_slots.h"
#include "device_ui.h"
#include "keep.h"
#include "outcome.h"
#include "owner.h"
#include "password_flow.h"
#include "snapshot_state.h"
#include "totp_flow.h"
#include "unused.h"

#define PUBLIC __attribute__((visibility("default")))

struct session {
	pam_handle_t *pamh;
	struct wo_pam_args args;
	struct wo_config *cfg;
	struct wo_client *client;
	const char *user;
	uid_t uid;
	struct wo_owner owner;
};

static void warn_arg(void *ctx, const char *fmt, ...)
{
	pam_handle_t *pamh = ctx;
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, LOG_WARNING, fmt, ap);
	va_end(ap);
}

static void trace_http(void *ctx, const char *line)
{
	pam_syslog((pam_handle_t *)ctx, LOG_DEBUG, "%s", line);
}

static void session_end(struct session *s)
{
	wo_client_free(s->client);
	wo_config_free(s->cfg);
	wo_pam_args_clear(&s->args);
}

static const char *phase_name(enum wo_pam_phase phase)
{
	return phase == WO_PHASE_AUTH ? "auth" : "account";
}

static int fail(struct session *s, enum wo_pam_phase phase, const char *workos_user,
		const struct wo_error *err)
{
	return wo_pam_fail(s->pamh, phase, s->user, workos_user, err);
}

/* The person could not be asked (conversation failed or was cut short). */
static int abandoned(struct session *s, int conv_rc)
{
	pam_syslog(s->pamh, LOG_NOTICE, "auth abandoned: user=%s: %s", s->user,
		   pam_strerror(s->pamh, conv_rc));
	return conv_rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_CONV_ERR;
}

/*
 * Arguments, a valid PAM_USER that exists on this machine, and who owns it.
 * Nothing here reads workos.conf or talks to WorkOS.  Returns PAM_SUCCESS
 * (s->owner.kind says whether the account is WorkOS's; an owner that could
 * not be determined is logged and counts as none) or the code to return.
 */
static int session_identify(struct session *s, pam_handle_t *pamh, enum wo_pam_phase phase,
			    int flags, int argc, const char **argv)
{
	struct wo_error err = WO_ERROR_INIT;
	struct passwd *pw;
	int rc;

	memset(s, 0, sizeof(*s));
	s->pamh = pamh;
	if (wo_pam_args_parse(flags, argc, argv, &s->args, warn_arg, pamh, &err) != 0) {
		pam_syslog(pamh, LOG_ERR, "bad module arguments: %s", err.message);
		return PAM_SERVICE_ERR;
	}
	rc = pam_get_user(pamh, &s->user, NULL);
	if (rc != PAM_SUCCESS || s->user == NULL) {
		pam_syslog(pamh, LOG_NOTICE, "cannot determine the user name: %s",
			   pam_strerror(pamh, rc));
		return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_USER_UNKNOWN;
	}
	/* Only accounts that exist: nobody gets a device code (or makes us
	 * call WorkOS) for an account that cannot log in anyway.
	 * pam_modutil_getpwnam grows its buffer, so a long entry is not
	 * mistaken for an unknown user. */
	pw = pam_modutil_getpwnam(pamh, s->user);
	if (pw == NULL) {
		pam_syslog(pamh, LOG_NOTICE, "%s: unknown user", phase_name(phase));
		return PAM_USER_UNKNOWN;
	}
	s->uid = pw->pw_uid;
	/* A name WorkOS never gives (LDAP's "Admin", say) has no owner: the
	 * account phase ignores it, as it does root, rather than refuse an
	 * account that exists. */
	if (wo_owner_find(&wo_owner_files_default, s->user, s->uid, &s->owner, &err) != 0) {
		pam_syslog(pamh, LOG_ERR, "%s: user=%s: cannot tell whether WorkOS owns it: %s",
			   phase_name(phase), s->user, err.message);
		/* An account a refused bindings file names may be WorkOS's:
		 * it gets no admission and no free pass either. */
		if (s->owner.unsure)
			return fail(s, phase, NULL, &err);
	}
	return PAM_SUCCESS;
}

/* The configuration and a client, for an account WorkOS owns. */
static int session_connect(struct session *s, enum wo_pam_phase phase)
{
	struct wo_error err = WO_ERROR_INIT;

	if (wo_config_load(s->args.config_path, &s->cfg, &err) != 0 ||
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

static int authenticate_device(struct session *s)
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
static int authenticate_interactive(struct session *s)
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
	if (rc != 0 && adapter.conv_rc != PAM_SUCCESS)
		rc = abandoned(s, adapter.conv_rc);
	else if (rc != 0)
		rc = fail(s, WO_PHASE_AUTH, res.workos_user, &err);
	else if (res.admission_ran &&
		 (rc = wo_pam_keep_workos_user(s->pamh, s->user, res.workos_user)) != PAM_SUCCESS)
		; /* out of memory, logged */
	else
		wo_pam_admitted(s->pamh, WO_PHASE_AUTH, s->user, res.workos_user, res.role,
				res.how);
	/* Decided: the WorkOS session behind the token has no further use. */
	if (res.admission_ran)
		wo_pam_end_session(s->pamh, s->client, s->user, &res.adm, s->args.debug);
	return rc;
}

PUBLIC int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session s;
	int rc;

	rc = session_identify(&s, pamh, WO_PHASE_AUTH, flags, argc, argv);
	if (rc == PAM_SUCCESS && s.owner.kind == WO_OWNER_NONE) {
		/* Not ours: another module (pam_unix) decides.  Refused
		 * without a word to WorkOS and without a prompt. */
		pam_syslog(pamh, LOG_NOTICE,
			   "auth: user=%s is not an account WorkOS owns; not handled here",
			   s.user);
		rc = PAM_USER_UNKNOWN;
	} else if (rc == PAM_SUCCESS && (rc = session_connect(&s, WO_PHASE_AUTH)) == PAM_SUCCESS) {
		switch (s.args.mode) {
		case WO_PAM_MODE_DEVICE:
			rc = authenticate_device(&s);
			break;
		case WO_PAM_MODE_PASSWORD:
		case WO_PAM_MODE_TOTP:
			rc = authenticate_interactive(&s);
			break;
		}
	}
	session_end(&s);
	return rc;
}

PUBLIC int pam_sm_setcred(pam_handle_t *pamh WO_UNUSED, int flags WO_UNUSED, int argc WO_UNUSED,
			  const char **argv WO_UNUSED)
{
	/* WorkOS hands out no credentials a login session would keep. */
	return PAM_SUCCESS;
}

/* An account WorkOS does not own: none of our business, unless its UID
 * lies in workos-sync's range (lib/account_decision.h). */
static int account_not_owned(struct session *s)
{
	struct wo_error err = WO_ERROR_INIT;

	if (wo_account_unowned(s->user, s->uid, WO_UID_RANGE_PATH, &err) == 0) {
		if (err.kind != WO_ERR_NONE)
			pam_syslog(s->pamh, LOG_ERR, "%s", err.message);
		return PAM_IGNORE;
	}
	return fail(s, WO_PHASE_ACCOUNT, NULL, &err);
}

static int account_check(struct session *s)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_account_decision d;
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

PUBLIC int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session s;
	int rc;

	rc = session_identify(&s, pamh, WO_PHASE_ACCOUNT, flags, argc, argv);
	if (rc == PAM_SUCCESS) {
		if (s.owner.kind == WO_OWNER_NONE)
			rc = account_not_owned(&s);
		else if ((rc = session_connect(&s, WO_PHASE_ACCOUNT)) == PAM_SUCCESS)
			rc = account_check(&s);
	}
	session_end(&s);
	return rc;
}
