/* SPDX-License-Identifier: MIT */
/*
 * What auth keeps in the PAM handle for the phases after it: the account
 * it admitted and the WorkOS user who was admitted (the account phase
 * checks that they are still PAM_USER and its owner).
 */
#ifndef WO_PAM_KEEP_H
#define WO_PAM_KEEP_H

#include <security/pam_modules.h>

/* pam_set_data key. */
#define WO_PAM_DATA_WORKOS_USER "pam_workos_workos_user"

/* Remembers the WorkOS user id auth admitted to the account `user`, for
 * the rest of this PAM handle (account phase, a later mode=totp).  Returns
 * a PAM code. */
int wo_pam_keep_workos_user(pam_handle_t *pamh, const char *user, const char *id);

/* The WorkOS user this handle's auth admitted to `user`, or NULL (none, or
 * admitted to another PAM_USER).  Borrowed from the handle. */
const char *wo_pam_kept_workos_user(pam_handle_t *pamh, const char *user);

#endif
