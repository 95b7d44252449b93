/* SPDX-License-Identifier: MIT */
/*
 * The one place where an outcome becomes a PAM return code, a syslog line
 * for the administrator and a message for the person at the prompt.
 *
 *   admitted                         PAM_SUCCESS
 *   refused: wrong user, role, org,
 *     denied/expired code, bad token PAM_AUTH_ERR (PAM_PERM_DENIED in the
 *                                    account phase)
 *   WorkOS unreachable, 5xx, 429,
 *     TLS, unreadable answer         PAM_AUTHINFO_UNAVAIL
 *   configuration or API key         PAM_SERVICE_ERR
 *   conversation failed              PAM_CONV_ERR
 *   anything else                    PAM_SYSTEM_ERR
 */
#ifndef WO_PAM_OUTCOME_H
#define WO_PAM_OUTCOME_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "admission.h"
#include "config.h"
#include "error.h"

enum wo_pam_phase {
	WO_PHASE_AUTH,
	WO_PHASE_ACCOUNT,
};

/* Keeps what the audit trail needs (lib/audit.h) on the handle, once the
 * configuration of an account WorkOS owns is loaded: from then on
 * wo_pam_fail and wo_pam_admitted record their decisions about `user`
 * (auth succeeded, auth denied, account denied).  Nothing is recorded for
 * a handle that never got here: accounts WorkOS does not own. */
void wo_pam_audit_begin(pam_handle_t *pamh, const struct wo_config *cfg, bool have_key,
			const char *user, const char *mode);

/* Maps a failure to a PAM code, logs it with the identities involved
 * (workos_user may be NULL) and tells the person why, in a sentence.  The
 * sentence goes out under PAM_SILENT too: it is no remark but the only
 * way the person learns what to do (enrol a factor, ask for a role), and
 * sudo passes PAM_SILENT to every phase by default. */
int wo_pam_fail(pam_handle_t *pamh, enum wo_pam_phase phase, const char *user,
		const char *workos_user, const struct wo_error *err);

/* Logs a success. */
void wo_pam_admitted(pam_handle_t *pamh, enum wo_pam_phase phase, const char *user,
		     const char *workos_user, const char *role, const char *how);

/* Once auth has decided, ends the WorkOS session the login created
 * (wo_admission_end_session: with the API key only).  A failure is logged
 * (LOG_WARNING) and changes nothing: the decision stands.  Success is
 * logged only with `debug`. */
void wo_pam_end_session(pam_handle_t *pamh, struct wo_client *client, const char *user,
			const struct wo_admission *adm, bool debug);

#endif
