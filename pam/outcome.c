/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "outcome.h"

static const char *phase_name(enum wo_pam_phase phase)
{
	return phase == WO_PHASE_AUTH ? "auth" : "account";
}

static int pam_code(enum wo_pam_phase phase, const struct wo_error *err)
{
	if (wo_error_is_unavailable(err))
		return PAM_AUTHINFO_UNAVAIL;
	switch (err->kind) {
	case WO_ERR_DENIED:
	case WO_ERR_TOKEN:
	case WO_ERR_API:
		return phase == WO_PHASE_AUTH ? PAM_AUTH_ERR : PAM_PERM_DENIED;
	case WO_ERR_CONFIG:
		return PAM_SERVICE_ERR;
	default:
		return PAM_SYSTEM_ERR;
	}
}

/* What the person at the prompt is told: enough to act on, nothing that
 * helps somebody probing the system (no token details, no other names). */
static const char *user_message(const struct wo_error *err, int code)
{
	if (code == PAM_AUTHINFO_UNAVAIL)
		return "WorkOS cannot be reached right now; try again later.";
	if (code == PAM_SERVICE_ERR)
		return "WorkOS login is not configured correctly on this machine; "
		       "tell the administrator.";
	if (err->kind != WO_ERR_DENIED)
		return "The WorkOS login could not be verified.";
	return NULL; /* the denial's own message is meant for the person */
}

int wo_pam_fail(pam_handle_t *pamh, enum wo_pam_phase phase, const char *user,
		const char *workos_user, const struct wo_error *err)
{
	int code = pam_code(phase, err);
	const char *msg = user_message(err, code);
	char text[WO_ERROR_MSG_MAX + 64];

	pam_syslog(pamh, code == PAM_AUTHINFO_UNAVAIL || code == PAM_SERVICE_ERR ? LOG_ERR
										  : LOG_NOTICE,
		   "%s denied: user=%s workos_user=%s kind=%s%s%s reason=\"%s\"", phase_name(phase),
		   user != NULL ? user : "?", workos_user != NULL && workos_user[0] ? workos_user : "-",
		   wo_error_kind_name(err->kind), err->code[0] ? " code=" : "", err->code,
		   err->message);
	if (msg == NULL) {
		snprintf(text, sizeof(text), "WorkOS %s denied: %s.",
			 phase == WO_PHASE_AUTH ? "login" : "access", err->message);
		msg = text;
	}
	/* The code already says it; a failing conversation changes nothing. */
	(void)wo_conv_error(pamh, msg);
	return code;
}

void wo_pam_admitted(pam_handle_t *pamh, enum wo_pam_phase phase, const char *user,
		     const char *workos_user, const char *role, const char *how)
{
	pam_syslog(pamh, LOG_INFO, "%s granted: user=%s workos_user=%s role=%s via=%s",
		   phase_name(phase), user, workos_user, role[0] ? role : "-", how);
}

void wo_pam_end_session(pam_handle_t *pamh, struct wo_client *client, const char *user,
			const struct wo_admission *adm, bool debug)
{
	struct wo_error err = WO_ERROR_INIT;
	int r = wo_admission_end_session(client, adm, &err);

	/* A session id names a session, it does not open one: unlike the
	 * tokens, it may be logged. */
	if (r < 0)
		pam_syslog(pamh, LOG_WARNING,
			   "auth: user=%s: WorkOS session %s could not be ended (the decision "
			   "stands): %s",
			   user, adm->session_id, err.message);
	else if (r > 0 && debug)
		pam_syslog(pamh, LOG_DEBUG, "auth: user=%s: WorkOS session %s ended", user,
			   adm->session_id);
}
