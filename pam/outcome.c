/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "audit_data.h"
#include "audit_spool.h"
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

static void audit_log(void *ctx, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog((pam_handle_t *)ctx, priority, fmt, ap);
	va_end(ap);
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/* The decision as an audit event, when wo_pam_audit_begin was called for
 * this very account. */
static void audit(pam_handle_t *pamh, enum wo_audit_decision_kind kind, const char *user,
		  const char *workos_user, const char *reason)
{
	const void *data = NULL;
	const struct wo_pam_audit_data *a;
	struct wo_audit_decision d = {.kind = kind};

	if (pam_get_data(pamh, WO_PAM_AUDIT_DATA, &data) != PAM_SUCCESS || data == NULL)
		return;
	a = data;
	if (user == NULL || strcmp(a->user, user) != 0)
		return;
	d.account = user;
	d.workos_user = workos_user;
	d.service = item(pamh, PAM_SERVICE);
	d.tty = item(pamh, PAM_TTY);
	d.rhost = item(pamh, PAM_RHOST);
	d.mode = a->mode;
	d.reason = reason;
	/* The core that called wo_pam_audit_begin records it: the front
	 * links no audit code (pam/session.h). */
	a->record(&a->set, WO_AUDIT_SPOOL_DIR, &d, audit_log, pamh);
}

int wo_pam_fail(pam_handle_t *pamh, enum wo_pam_phase phase, const char *user,
		const char *workos_user, const struct wo_error *err)
{
	int code = pam_code(phase, err);
	const char *msg = user_message(err, code);
	char text[WO_ERROR_MSG_MAX + 64];

	pam_syslog(
	    pamh, code == PAM_AUTHINFO_UNAVAIL || code == PAM_SERVICE_ERR ? LOG_ERR : LOG_NOTICE,
	    "%s denied: user=%s workos_user=%s kind=%s%s%s reason=\"%s\"", phase_name(phase),
	    user != NULL ? user : "?", workos_user != NULL && workos_user[0] ? workos_user : "-",
	    wo_error_kind_name(err->kind), err->code[0] ? " code=" : "", err->code, err->message);
	if (msg == NULL) {
		snprintf(text, sizeof(text), "WorkOS %s denied: %s.",
			 phase == WO_PHASE_AUTH ? "login" : "access", err->message);
		msg = text;
	}
	audit(pamh, phase == WO_PHASE_AUTH ? WO_AUDIT_AUTH_DENIED : WO_AUDIT_ACCOUNT_DENIED, user,
	      workos_user, err->code[0] ? err->code : wo_error_kind_name(err->kind));
	/* The code already says it; a failing conversation changes nothing. */
	(void)wo_conv_error(pamh, msg);
	return code;
}

void wo_pam_admitted(pam_handle_t *pamh, enum wo_pam_phase phase, const char *user,
		     const char *workos_user, const char *role, const char *how)
{
	pam_syslog(pamh, LOG_INFO, "%s granted: user=%s workos_user=%s role=%s via=%s",
		   phase_name(phase), user, workos_user, role[0] ? role : "-", how);
	/* The account phase of an admitted login is no new decision worth
	 * an event; its refusals are. */
	if (phase == WO_PHASE_AUTH)
		audit(pamh, WO_AUDIT_AUTH_SUCCEEDED, user, workos_user, how);
}
