/* SPDX-License-Identifier: MIT */
/* The fake libpam of the `pam` fuzz target (fake_pam.c). */
#ifndef WO_FUZZ_FAKE_PAM_H
#define WO_FUZZ_FAKE_PAM_H

#include <sys/types.h>

#include <security/pam_modules.h>

/* The accounts pam_modutil_getpwnam knows; NULL-terminated. */
struct fz_account {
	const char *name;
	uid_t uid;
};
extern const struct fz_account fz_accounts[];
const struct fz_account *fz_account_find(const char *name);

/* A handle with PAM_USER `user` (NULL: pam_get_user asks through the
 * conversation), PAM_RHOST and PAM_TTY (borrowed, may be NULL). */
pam_handle_t *fz_pam_start(const char *user, const char *rhost, const char *tty);
/* Runs the module data cleanups with `status`, as pam_end, and frees. */
void fz_pam_end(pam_handle_t *pamh, int status);
/* PAM_USER now (NULL when never set). */
const char *fz_pam_user(const pam_handle_t *pamh);

#endif
