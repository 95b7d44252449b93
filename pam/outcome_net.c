/* SPDX-License-Identifier: MIT */
/*
 * The parts of pam/outcome.h that need lib/'s network half (the audit
 * trail's writers, ending a WorkOS session): the network core's only.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "audit_data.h"
#include "outcome.h"
#include "unused.h"

static void audit_cleanup(pam_handle_t *pamh WO_UNUSED, void *data, int error_status WO_UNUSED)
{
	free(data);
}

void wo_pam_audit_begin(pam_handle_t *pamh, const struct wo_config *cfg, bool have_key,
			const char *user, const char *mode)
{
	struct wo_pam_audit_data *a = calloc(1, sizeof(*a));

	if (a == NULL || strlen(user) >= sizeof(a->user)) {
		free(a);
		return;
	}
	wo_audit_settings_from(cfg, have_key, &a->set);
	snprintf(a->user, sizeof(a->user), "%s", user);
	snprintf(a->mode, sizeof(a->mode), "%s", mode);
	a->record = wo_audit_record;
	if (pam_set_data(pamh, WO_PAM_AUDIT_DATA, a, audit_cleanup) != PAM_SUCCESS)
		free(a);
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
