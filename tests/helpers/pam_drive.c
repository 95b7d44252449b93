/* SPDX-License-Identifier: MIT */
/*
 * pam_drive: a pamtester that passes flags, for tests run under pam_wrapper.
 *
 *   pam_drive [-s] [-n] [-m] SERVICE USER OP...
 *
 * OP is authenticate or acct_mgmt; -s passes PAM_SILENT and -n
 * PAM_DISALLOW_NULL_AUTHTOK to each.  Every message of the conversation is
 * printed on stdout as "INFO: ", "ERROR: " or "PROMPT(echo on|off): " and
 * the text; answers are lines read from stdin (EOF: the conversation
 * fails).  Each OP prints "OP: <pam_strerror>" and the exit status is the
 * last code.  With -m, after the transaction (pam_end) it prints which of
 * libcurl, libcrypto and libpam_workos's core are mapped into the process
 * ("mapped: curl=0 crypto=0 core=0"), read from /proc/self/maps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp,
			void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		char line[1024];

		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
			printf("INFO: %s\n", msg[i]->msg);
			break;
		case PAM_ERROR_MSG:
			printf("ERROR: %s\n", msg[i]->msg);
			break;
		default:
			printf("PROMPT(echo %s): %s\n",
			       msg[i]->msg_style == PAM_PROMPT_ECHO_ON ? "on" : "off", msg[i]->msg);
			fflush(stdout);
			if (fgets(line, sizeof(line), stdin) == NULL) {
				for (int j = 0; j < i; j++)
					free(r[j].resp);
				free(r);
				return PAM_CONV_ERR;
			}
			line[strcspn(line, "\n")] = '\0';
			r[i].resp = strdup(line);
		}
	}
	fflush(stdout);
	*resp = r;
	return PAM_SUCCESS;
}

static void maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int curl = 0, crypto = 0, core = 0;

	if (f == NULL) {
		perror("/proc/self/maps");
		exit(99);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "/libcurl") != NULL)
			curl = 1;
		if (strstr(line, "/libcrypto") != NULL)
			crypto = 1;
		if (strstr(line, "/pam_workos/core.so") != NULL)
			core = 1;
	}
	fclose(f);
	printf("mapped: curl=%d crypto=%d core=%d\n", curl, crypto, core);
}

int main(int argc, char **argv)
{
	struct pam_conv conv = {conversation, NULL};
	pam_handle_t *pamh = NULL;
	int flags = 0, rc, opt;
	int show_maps = 0;

	while ((opt = getopt(argc, argv, "snm")) != -1) {
		switch (opt) {
		case 's':
			flags |= PAM_SILENT;
			break;
		case 'n':
			flags |= PAM_DISALLOW_NULL_AUTHTOK;
			break;
		case 'm':
			show_maps = 1;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: pam_drive [-s] [-n] [-m] SERVICE USER OP...\n");
		return 2;
	}
	rc = pam_start(argv[optind], argv[optind + 1], &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %d\n", rc);
		return 99;
	}
	for (int i = optind + 2; i < argc; i++) {
		if (strcmp(argv[i], "authenticate") == 0)
			rc = pam_authenticate(pamh, flags);
		else if (strcmp(argv[i], "acct_mgmt") == 0)
			rc = pam_acct_mgmt(pamh, flags);
		else {
			fprintf(stderr, "pam_drive: unknown op %s\n", argv[i]);
			return 2;
		}
		printf("%s: %s\n", argv[i], pam_strerror(pamh, rc));
		fflush(stdout);
	}
	pam_end(pamh, rc);
	if (show_maps)
		maps();
	return rc;
}
