/* SPDX-License-Identifier: MIT */
/*
 * pam_workos: PAM entry points, the front of the module (pam/session.h).
 * Everything here is glue: arguments and flags (pam/args.c, as pam_unix's
 * _set_ctrl), PAM_USER and its owner, and turning outcomes into PAM codes
 * (pam/outcome.c).  The front links libpam and lib/'s libc-only half and
 * nothing else: it decides alone what needs no network, and loads the
 * network core (pam_workos/core.so, pam/core_load.h) for the rest.
 *
 * No global state but the loaded core: sshd can run two logins in one
 * process, and each PAM handle keeps what it needs through pam_set_data.
 *
 * Both phases first ask who owns PAM_USER (lib/owner.h), from root-owned
 * local files only: an account WorkOS does not own (root, /etc/passwd,
 * LDAP) is refused by auth without a word to WorkOS, and ignored by the
 * account phase, before workos.conf or the API key is even read, so that
 * no WorkOS misconfiguration can lock such an account out, and without
 * loading libcurl or OpenSSL.  The account phase of an account WorkOS owns
 * is decided here too when there is no API key and the cache admits it.
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
#include <security/pam_modutil.h>

#include "account_decision.h"
#include "args.h"
#include "cache.h"
#include "config.h"
#include "core_load.h"
#include "keep.h"
#include "outcome.h"
#include "owner.h"
#include "session.h"
#include "snapshot_state.h"
#include "unused.h"

#define PUBLIC __attribute__((visibility("default")))

static void warn_arg(void *ctx, const char *fmt, ...)
{
	pam_handle_t *pamh = ctx;
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, LOG_WARNING, fmt, ap);
	va_end(ap);
}

static void session_end(struct wo_pam_session *s)
{
	wo_config_free(s->cfg);
	wo_pam_args_clear(&s->args);
}

static const char *phase_name(enum wo_pam_phase phase)
{
	return phase == WO_PHASE_AUTH ? "auth" : "account";
}

static int fail(struct wo_pam_session *s, enum wo_pam_phase phase, const char *workos_user,
		const struct wo_error *err)
{
	return wo_pam_fail(s->pamh, phase, s->user, workos_user, err);
}

/*
 * Arguments, a valid PAM_USER that exists on this machine, and who owns it.
 * Nothing here reads workos.conf or talks to WorkOS.  Returns PAM_SUCCESS
 * (s->owner.kind says whether the account is WorkOS's; an owner that could
 * not be determined is logged and counts as none) or the code to return.
 */
static int session_identify(struct wo_pam_session *s, pam_handle_t *pamh, enum wo_pam_phase phase,
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

/* The network core, for a phase that needs it. */
static int run_core(struct wo_pam_session *s, enum wo_pam_phase phase)
{
	struct wo_error err = WO_ERROR_INIT;
	const struct wo_pam_core *core = wo_pam_core_load(&err);

	if (core == NULL)
		return fail(s, phase, s->owner.user_id, &err);
	return phase == WO_PHASE_AUTH ? core->authenticate(s) : core->acct_mgmt(s);
}

PUBLIC int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct wo_pam_session s;
	int rc;

	rc = session_identify(&s, pamh, WO_PHASE_AUTH, flags, argc, argv);
	if (rc == PAM_SUCCESS && s.owner.kind == WO_OWNER_NONE) {
		/* Not ours: another module (pam_unix) decides.  Refused
		 * without a word to WorkOS and without a prompt. */
		pam_syslog(pamh, LOG_NOTICE,
			   "auth: user=%s is not an account WorkOS owns; not handled here", s.user);
		rc = PAM_USER_UNKNOWN;
	} else if (rc == PAM_SUCCESS) {
		rc = run_core(&s, WO_PHASE_AUTH);
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
static int account_not_owned(struct wo_pam_session *s)
{
	struct wo_error err = WO_ERROR_INIT;

	if (wo_account_unowned(s->user, s->uid, WO_UID_RANGE_PATH, &err) == 0) {
		if (err.kind != WO_ERR_NONE)
			pam_syslog(s->pamh, LOG_ERR, "%s", err.message);
		return PAM_IGNORE;
	}
	return fail(s, WO_PHASE_ACCOUNT, NULL, &err);
}

/*
 * Without the API key the account phase is decided from local files
 * (lib/account_decision.h): the NSS cache, the fleet snapshot's age, what
 * auth kept on the handle.  An admission is decided here; anything else
 * (no config, a refusal, the API key) goes to the core, which decides
 * again with the same code and records the refusal in the audit trail.
 * Returns PAM_SUCCESS when admitted here, PAM_IGNORE to hand over.
 */
static int account_local(struct wo_pam_session *s)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_account_decision d;
	struct wo_account_query q;

	if (wo_config_load(s->args.config_path, &s->cfg, &err) != 0 ||
	    wo_config_has_api_key(s->cfg))
		return PAM_IGNORE;
	q = (struct wo_account_query){
	    .cfg = s->cfg,
	    .user = s->user,
	    .owner = &s->owner,
	    .kept = wo_pam_kept_workos_user(s->pamh, s->user),
	    .require_role = s->args.require_role,
	    .cache_path = WO_CACHE_DEFAULT_PATH,
	    .snapshot_state_path = WO_SNAPSHOT_STATE_PATH,
	};
	if (wo_account_decide(&q, &d, &err) != 0)
		return PAM_IGNORE;
	wo_pam_admitted(s->pamh, WO_PHASE_ACCOUNT, s->user, d.workos_user, d.role, d.how);
	return PAM_SUCCESS;
}

PUBLIC int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct wo_pam_session s;
	int rc;

	rc = session_identify(&s, pamh, WO_PHASE_ACCOUNT, flags, argc, argv);
	if (rc == PAM_SUCCESS) {
		if (s.owner.kind == WO_OWNER_NONE)
			rc = account_not_owned(&s);
		else if ((rc = account_local(&s)) != PAM_SUCCESS)
			rc = run_core(&s, WO_PHASE_ACCOUNT);
	}
	session_end(&s);
	return rc;
}
