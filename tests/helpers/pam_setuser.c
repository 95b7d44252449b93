/* SPDX-License-Identifier: MIT */
/*
 * pam_setuser: a test-only PAM module (never installed) whose auth sets
 * PAM_USER to its one argument, as a module that maps login names would.
 * tests/e2e/ownership.sh stacks it between pam_workos's auth and account
 * phases to check that what auth admitted for one account is not taken for
 * another.
 */
#include <stddef.h>

#include <security/pam_modules.h>

#define PUBLIC __attribute__((visibility("default")))

PUBLIC int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	if (argc != 1 || argv[0] == NULL || argv[0][0] == '\0')
		return PAM_SERVICE_ERR;
	return pam_set_item(pamh, PAM_USER, argv[0]);
}

PUBLIC int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
