/* SPDX-License-Identifier: MIT */
/*
 * pam_workos: PAM entry points.  Everything here is glue: arguments,
 * configuration, the conversation, and turning outcomes into PAM codes
 * (pam/outcome.c).  The flows and checks live in lib/ (device_flow.c,
 * admission.c) so that the diagnostics tool runs the very same code.
 *
 * No global state: sshd can run two logins in one process, and each PAM
 * handle keeps what it needs through pam_set_data.
 */
#include "autoconfig.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "admission.h"
#include "api.h"
#include "args.h"
#include "cache.h"
#include "config.h"
#include "device_flow.h"
#include "device_ui.h"
#include "mapping.h"
#include "outcome.h"
#include "password.h"
#include "totp.h"

#define PUBLIC __attribute__((visibility("default")))

/* pam_set_data key: the WorkOS user id admitted by this handle's auth. */
#define DATA_WORKOS_USER "pam_workos_workos_user"

struct session {
	pam_handle_t *pamh;
	struct wo_pam_args args;
	struct wo_config *cfg;
	struct wo_client *client;
	const char *user;
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

/*
 * Everything both phases need before talking to WorkOS: arguments, a valid
 * PAM_USER that exists on this machine, the configuration and a client.
 * Returns PAM_SUCCESS or the code to return (already logged).
 */
static int session_begin(struct session *s, pam_handle_t *pamh, enum wo_pam_phase phase,
			 int argc, const char **argv, enum wo_client_key key)
{
	struct wo_error err = WO_ERROR_INIT;
	struct passwd pw, *found = NULL;
	char buf[4096];
	int rc;

	memset(s, 0, sizeof(*s));
	s->pamh = pamh;
	if (wo_pam_args_parse(argc, argv, &s->args, warn_arg, pamh, &err) != 0) {
		pam_syslog(pamh, LOG_ERR, "bad module arguments: %s", err.message);
		return PAM_SERVICE_ERR;
	}
	rc = pam_get_user(pamh, &s->user, NULL);
	if (rc != PAM_SUCCESS || s->user == NULL) {
		pam_syslog(pamh, LOG_NOTICE, "cannot determine the user name: %s",
			   pam_strerror(pamh, rc));
		return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_USER_UNKNOWN;
	}
	/* Only names a WorkOS member can map to, and only accounts that
	 * exist: nobody gets a device code (or makes us call WorkOS) for an
	 * account that cannot log in anyway. */
	if (!wo_name_is_valid(s->user) || getpwnam_r(s->user, &pw, buf, sizeof(buf), &found) != 0 ||
	    found == NULL) {
		pam_syslog(pamh, LOG_NOTICE, "%s: unknown user", phase == WO_PHASE_AUTH ? "auth" : "account");
		return PAM_USER_UNKNOWN;
	}
	if (wo_config_load(s->args.config_path, &s->cfg, &err) != 0 ||
	    wo_client_new(s->cfg, key, &s->client, &err) != 0)
		return wo_pam_fail(pamh, phase, s->user, NULL, &err);
	if (s->args.qr_set)
		s->cfg->qr = s->args.qr;
	if (s->args.debug)
		wo_http_set_trace(wo_client_http(s->client), trace_http, pamh);
	return PAM_SUCCESS;
}

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

static int authenticate_device(struct session *s)
{
	struct wo_pam_device_ui ui;
	struct wo_device_ui callbacks;
	struct wo_authentication auth;
	struct wo_admission adm;
	struct wo_device_stats stats;
	struct wo_error err = WO_ERROR_INIT;
	char *kept;
	int rc;

	wo_pam_device_ui_init(&ui, s->pamh, s->user, s->cfg->qr, &callbacks);
	rc = wo_device_login(s->client, s->cfg->device_timeout, &callbacks, &auth, &stats, &err);
	wo_pam_device_ui_clear(&ui);
	if (rc != 0) {
		if (ui.conv_rc != PAM_SUCCESS) {
			pam_syslog(s->pamh, LOG_NOTICE, "auth abandoned: user=%s: %s", s->user,
				   pam_strerror(s->pamh, ui.conv_rc));
			return ui.conv_rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_CONV_ERR;
		}
		return wo_pam_fail(s->pamh, WO_PHASE_AUTH, s->user, NULL, &err);
	}
	if (s->args.debug)
		pam_syslog(s->pamh, LOG_DEBUG, "device flow: %u polls, %u slow_down, interval %u s",
			   stats.polls, stats.slow_downs, stats.interval);

	rc = wo_admit(s->client, &auth, s->user, s->args.require_role, &adm, &err);
	if (rc != 0 && strcmp(err.code, "wrong_user") == 0)
		pam_syslog(s->pamh, LOG_WARNING,
			   "login as %s approved by another person: WorkOS user %s <%s>, who is "
			   "local user %s",
			   s->user, adm.user_id, auth.user.email, adm.local_name);
	wo_authentication_clear(&auth);
	if (rc != 0)
		return wo_pam_fail(s->pamh, WO_PHASE_AUTH, s->user, adm.user_id, &err);

	kept = strdup(adm.user_id);
	if (kept == NULL || pam_set_data(s->pamh, DATA_WORKOS_USER, kept, free_data) != PAM_SUCCESS) {
		free(kept);
		pam_syslog(s->pamh, LOG_ERR, "out of memory");
		return PAM_BUF_ERR;
	}
	wo_pam_admitted(s->pamh, WO_PHASE_AUTH, s->user, adm.user_id, adm.role,
			adm.roles_from_api ? "device+api" : "device+token");
	return PAM_SUCCESS;
}

PUBLIC int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session s;
	int rc;

	rc = session_begin(&s, pamh, WO_PHASE_AUTH, argc, argv, WO_KEY_OPTIONAL);
	if (rc == PAM_SUCCESS) {
		switch (s.args.mode) {
		case WO_PAM_MODE_DEVICE:
			rc = authenticate_device(&s);
			break;
		case WO_PAM_MODE_PASSWORD:
			rc = wo_pam_password_auth(pamh, s.user, &s.args, s.cfg, s.client);
			break;
		case WO_PAM_MODE_TOTP:
			rc = wo_pam_totp_auth(pamh, s.user, &s.args, s.cfg, s.client);
			break;
		}
	}
	session_end(&s);
	return rc;
}

PUBLIC int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	/* WorkOS hands out no credentials a login session would keep. */
	return PAM_SUCCESS;
}

/* True when the cached user is in the group of one of `roles` (a NULL list
 * asks for nothing). */
static bool cache_has_role(const struct wo_config *cfg, const struct wo_cache_user_info *info,
			   char *const *roles)
{
	if (roles == NULL)
		return true;
	for (; *roles != NULL; roles++) {
		char group[WO_NAME_MAX + 1];
		struct wo_error ignored = WO_ERROR_INIT;

		if (wo_map_role_group(cfg, *roles, group, &ignored) != 0)
			continue;
		for (size_t i = 0; i < info->n_groups; i++)
			if (strcmp(info->groups[i], group) == 0)
				return true;
	}
	return false;
}

/*
 * The WorkOS user id behind PAM_USER: the one this handle's auth phase
 * admitted, else the sync cache's.  Returns 1 with *id (for free), 0 when
 * PAM_USER is not a WorkOS account, -1 on error.
 */
static int workos_identity(struct session *s, char **id, struct wo_cache_user_info **info)
{
	const void *kept = NULL;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache *cache;
	int found;

	*id = NULL;
	*info = NULL;
	cache = wo_cache_open(WO_CACHE_DEFAULT_PATH, &err);
	if (cache != NULL) {
		found = wo_cache_find_user(cache, s->user, info, &err);
		wo_cache_close(cache);
		if (found < 0)
			pam_syslog(s->pamh, LOG_ERR, "%s", err.message);
	} else if (err.kind != WO_ERR_NONE) {
		/* A user that resolved (session_begin checked) while the cache
		 * cannot be read was not resolved from it: not ours, unless
		 * this handle's auth phase says otherwise. */
		pam_syslog(s->pamh, LOG_WARNING, "%s", err.message);
	}
	if (pam_get_data(s->pamh, DATA_WORKOS_USER, &kept) == PAM_SUCCESS && kept != NULL)
		*id = strdup(kept);
	else if (*info != NULL)
		*id = strdup((*info)->user.workos_id);
	else
		return 0;
	return *id != NULL ? 1 : -1;
}

static int account_check(struct session *s)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache_user_info *info = NULL;
	struct wo_member_roles member = {0};
	const char *role = NULL;
	char *id = NULL;
	int rc;

	rc = workos_identity(s, &id, &info);
	if (rc == 0)
		return PAM_IGNORE;
	if (rc < 0) {
		pam_syslog(s->pamh, LOG_ERR, "out of memory");
		return PAM_BUF_ERR;
	}

	if (wo_client_has_api_key(s->client)) {
		/* The live answer: a member removed or demoted a minute ago
		 * is refused now, not after the next sync. */
		wo_http_set_deadline(wo_client_http(s->client), s->cfg->http_timeout);
		if (wo_member_lookup(s->client, id, &member, &err) != 0) {
			rc = wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
			goto out;
		}
		if (member.active)
			role = wo_roles_pick(member.roles, s->cfg->allowed_roles,
					     s->args.require_role);
	} else if (info != NULL) {
		if (cache_has_role(s->cfg, info, s->cfg->allowed_roles) &&
		    cache_has_role(s->cfg, info, s->args.require_role))
			role = "";
		member.active = true;
	} else {
		/* Admitted by this handle's auth but absent from the cache, and
		 * no API key to ask: the auth phase's checks are all we have. */
		member.active = s->args.require_role == NULL;
		role = member.active ? "" : NULL;
	}

	if (!member.active) {
		wo_error_set(&err, WO_ERR_DENIED, "%s is no longer a member of the organization",
			     s->user);
		rc = wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
	} else if (role == NULL) {
		wo_error_set(&err, WO_ERR_DENIED, "%s has no WorkOS role allowed here", s->user);
		rc = wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
	} else {
		wo_pam_admitted(s->pamh, WO_PHASE_ACCOUNT, s->user, id, role,
				wo_client_has_api_key(s->client) ? "api" : "cache");
		rc = PAM_SUCCESS;
	}
out:
	wo_member_roles_clear(&member);
	wo_cache_user_info_free(info);
	free(id);
	return rc;
}

PUBLIC int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session s;
	int rc;

	rc = session_begin(&s, pamh, WO_PHASE_ACCOUNT, argc, argv, WO_KEY_OPTIONAL);
	if (rc == PAM_SUCCESS)
		rc = account_check(&s);
	session_end(&s);
	return rc;
}
