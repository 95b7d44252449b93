/* SPDX-License-Identifier: MIT */
/*
 * pam_workos: PAM entry points.  Everything here is glue: arguments,
 * configuration, the conversation, and turning outcomes into PAM codes
 * (pam/outcome.c).  The flows and checks live in lib/ (device_flow.c,
 * admission.c) so that the diagnostics tool runs the very same code.
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

#include "admission.h"
#include "api.h"
#include "args.h"
#include "cache.h"
#include "config.h"
#include "device_flow.h"
#include "device_slots.h"
#include "device_ui.h"
#include "mapping.h"
#include "mfa.h"
#include "outcome.h"
#include "owner.h"
#include "password.h"
#include "snapshot_state.h"
#include "totp.h"

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

/*
 * Arguments, a valid PAM_USER that exists on this machine, and who owns it.
 * Nothing here reads workos.conf or talks to WorkOS.  Returns PAM_SUCCESS
 * (s->owner.kind says whether the account is WorkOS's; an owner that could
 * not be determined is logged and counts as none) or the code to return.
 */
static int session_identify(struct session *s, pam_handle_t *pamh, enum wo_pam_phase phase,
			    int argc, const char **argv)
{
	struct wo_error err = WO_ERROR_INIT;
	struct passwd *pw;
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
			return wo_pam_fail(pamh, phase, s->user, NULL, &err);
	}
	return PAM_SUCCESS;
}

/* The configuration and a client, for an account WorkOS owns. */
static int session_connect(struct session *s, enum wo_pam_phase phase)
{
	struct wo_error err = WO_ERROR_INIT;

	if (wo_config_load(s->args.config_path, &s->cfg, &err) != 0 ||
	    wo_client_new(s->cfg, WO_KEY_OPTIONAL, &s->client, &err) != 0)
		return wo_pam_fail(s->pamh, phase, s->user, s->owner.user_id, &err);
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
		return wo_pam_fail(s->pamh, WO_PHASE_AUTH, s->user, NULL, &err);
	wo_pam_device_ui_init(&ui, s->pamh, s->user, s->cfg->qr, &callbacks);
	rc = wo_device_login(s->client, s->cfg->device_timeout, &callbacks, &auth, &stats, &err);
	wo_device_slot_release(slot);
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

	rc = wo_admit(s->client, &auth, s->owner.user_id, s->args.require_role, &adm, &err);
	if (rc != 0 && strcmp(err.code, "wrong_user") == 0)
		pam_syslog(s->pamh, LOG_WARNING,
			   "login as %s approved by another person: WorkOS user %s, while the "
			   "account belongs to WorkOS user %s",
			   s->user, adm.user_id, s->owner.user_id);
	wo_authentication_clear(&auth);
	if (rc != 0) {
		rc = wo_pam_fail(s->pamh, WO_PHASE_AUTH, s->user, adm.user_id, &err);
	} else if ((rc = wo_pam_keep_workos_user(s->pamh, s->user, adm.user_id)) == PAM_SUCCESS) {
		wo_pam_admitted(s->pamh, WO_PHASE_AUTH, s->user, adm.user_id, adm.role,
				adm.roles_from_api ? "device+api" : "device+token");
	}
	/* Decided: the WorkOS session behind the token has no further use. */
	wo_pam_end_session(s->pamh, s->client, s->user, &adm, s->args.debug);
	return rc;
}

PUBLIC int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session s;
	int rc;

	rc = session_identify(&s, pamh, WO_PHASE_AUTH, argc, argv);
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
			rc = wo_pam_password_auth(pamh, s.user, s.owner.user_id, &s.args, s.cfg,
						  s.client);
			break;
		case WO_PAM_MODE_TOTP:
			rc = wo_pam_totp_auth(pamh, s.user, s.owner.user_id, &s.args, s.cfg,
					      s.client);
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
 * An account WorkOS does not own: none of our business, unless its UID lies
 * in the range workos-sync gives out, which means a member the cache no
 * longer holds but something (nscd, a long-lived process) still resolves.
 */
static int account_not_owned(struct session *s)
{
	struct wo_error err = WO_ERROR_INIT;
	uint32_t min, max;
	int r;

	r = wo_uid_range_load(WO_UID_RANGE_PATH, &min, &max, &err);
	if (r < 0)
		pam_syslog(s->pamh, LOG_ERR, "%s", err.message);
	if (r <= 0 || s->uid < min || s->uid > max)
		return PAM_IGNORE;
	wo_error_set(&err, WO_ERR_DENIED, "%s is no longer a WorkOS account on this machine",
		     s->user);
	snprintf(err.code, sizeof(err.code), "stale_account");
	return wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, NULL, &err);
}

static int account_check(struct session *s)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache_user_info *info = NULL;
	struct wo_member_roles member = {0};
	const char *id = s->owner.user_id, *kept, *role = NULL, *how;
	int rc;

	/* What this handle's auth admitted must be this account's owner: a
	 * module that changed PAM_USER in between gets nothing from it. */
	kept = wo_pam_kept_workos_user(s->pamh, s->user);
	if (kept != NULL && strcmp(kept, id) != 0) {
		wo_error_set(&err, WO_ERR_DENIED, "%s was admitted as another WorkOS user",
			     s->user);
		snprintf(err.code, sizeof(err.code), "wrong_user");
		return wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, kept, &err);
	}
	/* A fleet member's snapshot older than snapshot_max_age may still list
	 * someone WorkOS removed since: the bound on revocation.  NSS keeps
	 * answering from it; only admission stops (lib/snapshot_state.h). */
	if (s->cfg->snapshot_url != NULL &&
	    wo_snapshot_require_fresh(WO_SNAPSHOT_STATE_PATH, (int64_t)time(NULL),
				      s->cfg->snapshot_max_age, NULL, &err) != 0) {
		snprintf(err.code, sizeof(err.code), "stale_snapshot");
		return wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
	}

	if (wo_client_has_api_key(s->client)) {
		/* The live answer: a member removed or demoted a minute ago
		 * is refused now, not after the next sync. */
		how = "api";
		wo_http_set_deadline(wo_client_http(s->client), s->cfg->http_timeout);
		if (wo_member_lookup(s->client, id, &member, &err) != 0) {
			rc = wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
			goto out;
		}
		if (member.active)
			role = wo_roles_pick(member.roles, s->cfg->allowed_roles,
					     s->args.require_role);
	} else if (s->owner.kind == WO_OWNER_SYNCED) {
		struct wo_cache *cache = wo_cache_open(WO_CACHE_DEFAULT_PATH, &err);

		how = "cache";
		if (cache == NULL || wo_cache_find_user(cache, s->user, &info, &err) <= 0 ||
		    strcmp(info->user.workos_id, id) != 0) {
			/* The owner was read a moment ago: a cache that says
			 * otherwise now was replaced or is corrupt. */
			if (err.kind == WO_ERR_NONE)
				wo_error_set(&err, WO_ERR_SYSTEM, "the NSS cache changed");
			wo_cache_close(cache);
			rc = wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
			goto out;
		}
		wo_cache_close(cache);
		if (cache_has_role(s->cfg, info, s->cfg->allowed_roles) &&
		    cache_has_role(s->cfg, info, s->args.require_role))
			role = "";
		member.active = true;
	} else {
		/* Bound by hand, no API key: only this handle's auth checked
		 * the membership, and it cannot check a role. */
		how = "auth";
		member.active = kept != NULL;
		role = member.active && s->args.require_role == NULL ? "" : NULL;
	}

	if (!member.active) {
		if (wo_client_has_api_key(s->client) || s->owner.kind == WO_OWNER_SYNCED)
			wo_error_set(&err, WO_ERR_DENIED,
				     "%s is no longer a member of the organization", s->user);
		else
			wo_error_set(&err, WO_ERR_DENIED,
				     "the membership of %s cannot be checked here without the "
				     "API key",
				     s->user);
		snprintf(err.code, sizeof(err.code), "not_a_member");
		rc = wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
	} else if (role == NULL) {
		wo_error_set(&err, WO_ERR_DENIED, "%s has no WorkOS role allowed here", s->user);
		snprintf(err.code, sizeof(err.code), "role");
		rc = wo_pam_fail(s->pamh, WO_PHASE_ACCOUNT, s->user, id, &err);
	} else {
		wo_pam_admitted(s->pamh, WO_PHASE_ACCOUNT, s->user, id, role, how);
		rc = PAM_SUCCESS;
	}
out:
	wo_member_roles_clear(&member);
	wo_cache_user_info_free(info);
	return rc;
}

PUBLIC int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session s;
	int rc;

	rc = session_identify(&s, pamh, WO_PHASE_ACCOUNT, argc, argv);
	if (rc == PAM_SUCCESS) {
		if (s.owner.kind == WO_OWNER_NONE)
			rc = account_not_owned(&s);
		else if ((rc = session_connect(&s, WO_PHASE_ACCOUNT)) == PAM_SUCCESS)
			rc = account_check(&s);
	}
	session_end(&s);
	return rc;
}
