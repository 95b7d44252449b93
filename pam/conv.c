/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "secret.h"

/*
 * Runs one conversation with up to two messages.  The pointer array points
 * at consecutive elements of one message array, which is right for both the
 * Linux-PAM layout (array of pointers) and the Solaris one (pointer to an
 * array), as Linux-PAM's documentation recommends.
 */
static int converse(pam_handle_t *pamh, const struct pam_message *msgs, int n,
		    struct pam_response **resp)
{
	const struct pam_conv *conv = NULL;
	const struct pam_message *ptrs[2];
	int rc;

	*resp = NULL;
	rc = pam_get_item(pamh, PAM_CONV, (const void **)&conv);
	if (rc != PAM_SUCCESS)
		return rc;
	if (conv == NULL || conv->conv == NULL)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++)
		ptrs[i] = &msgs[i];
	return conv->conv(n, ptrs, resp, conv->appdata_ptr);
}

static void free_responses(struct pam_response *resp, int n)
{
	if (resp == NULL)
		return;
	for (int i = 0; i < n; i++)
		wo_secret_free(resp[i].resp);
	free(resp);
}

static int show(pam_handle_t *pamh, int style, const char *text)
{
	struct pam_message msg = {.msg_style = style, .msg = text};
	struct pam_response *resp = NULL;
	int rc = converse(pamh, &msg, 1, &resp);

	free_responses(resp, 1);
	return rc;
}

int wo_conv_info(pam_handle_t *pamh, bool silent, const char *text)
{
	return silent ? PAM_SUCCESS : show(pamh, PAM_TEXT_INFO, text);
}

int wo_conv_error(pam_handle_t *pamh, const char *text)
{
	return show(pamh, PAM_ERROR_MSG, text);
}

int wo_conv_prompt(pam_handle_t *pamh, const char *info, const char *prompt, bool echo,
		   char **answer)
{
	struct pam_message msgs[2];
	struct pam_response *resp = NULL;
	int n = 0, rc;

	*answer = NULL;
	if (info != NULL)
		msgs[n++] = (struct pam_message){.msg_style = PAM_TEXT_INFO, .msg = info};
	msgs[n++] = (struct pam_message){
	    .msg_style = echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF,
	    .msg = prompt,
	};
	rc = converse(pamh, msgs, n, &resp);
	if (rc != PAM_SUCCESS) {
		free_responses(resp, n);
		return rc;
	}
	if (resp == NULL || resp[n - 1].resp == NULL) {
		free_responses(resp, n);
		return PAM_CONV_ERR;
	}
	*answer = resp[n - 1].resp;
	resp[n - 1].resp = NULL;
	free_responses(resp, n);
	return PAM_SUCCESS;
}
