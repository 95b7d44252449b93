/* SPDX-License-Identifier: MIT */
/*
 * Prints how long one PAM transaction takes in this (fresh) process, in
 * microseconds: pam_start, the operations asked for (authenticate,
 * acct_mgmt), pam_end, modules' loading included, as a cron job, su or
 * sudo pays it.  No conversation answers anything.
 *
 *   pam_txn_time SERVICE USER OP...
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

static int no_answers(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

int main(int argc, char **argv)
{
	struct pam_conv conv = {no_answers, NULL};
	struct timespec a, b;
	pam_handle_t *pamh;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: pam_txn_time SERVICE USER OP...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = pam_start(argv[1], argv[2], &conv, &pamh);
	for (int i = 3; rc == PAM_SUCCESS && i < argc; i++)
		rc = strcmp(argv[i], "authenticate") == 0 ? pam_authenticate(pamh, PAM_SILENT)
							  : pam_acct_mgmt(pamh, PAM_SILENT);
	pam_end(pamh, rc);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.0f %d\n",
	       (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3, rc);
	return 0;
}
