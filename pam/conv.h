/* SPDX-License-Identifier: MIT */
/*
 * Talking to the user through the application's PAM conversation, and the
 * adapter that lets lib/'s flows (lib/conversation.h) do so.
 *
 * OpenSSH's keyboard-interactive does not show PAM_TEXT_INFO messages when
 * they are sent: it keeps them and prints them with the next prompt.  So
 * whatever the user must read before answering goes out in the same
 * conversation call as the prompt (wo_conv_prompt).  Programs that print
 * info messages at once (login, su, sudo, pamtester) show the same thing.
 *
 * PAM_SILENT (args.h) is honoured here, as pam_unix's _make_remark does:
 * with `silent`, remarks (PAM_TEXT_INFO, and the text of a prompt that is
 * not needed to answer it) are not sent; prompts are, and so is the
 * sentence that tells why a login was refused (pam/outcome.h).
 */
#ifndef WO_PAM_CONV_H
#define WO_PAM_CONV_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "config.h"
#include "conversation.h"

/* Shows text as an informational message, a remark: nothing is sent
 * (PAM_SUCCESS) when `silent`. */
int wo_conv_info(pam_handle_t *pamh, bool silent, const char *text);
/* Shows text as an error message, silent or not. */
int wo_conv_error(pam_handle_t *pamh, const char *text);

/*
 * Shows `info` (may be NULL) and then `prompt`, in one conversation call.
 * On PAM_SUCCESS *answer is a heap string (possibly empty) to be freed with
 * wo_secret_free; on failure it is NULL and the PAM error is returned
 * (PAM_CONV_ERR when the application gave no answer).
 */
int wo_conv_prompt(pam_handle_t *pamh, const char *info, const char *prompt, bool echo,
		   char **answer);

/* The adapter: lib/conversation.h over this handle's conversation. */
struct wo_pam_conv {
	pam_handle_t *pamh;
	bool silent;
	enum wo_qr_mode qr; /* for conversation->qr */
	int conv_rc;	    /* PAM_SUCCESS, or why the person could not be asked */
};

void wo_pam_conv_init(struct wo_pam_conv *a, pam_handle_t *pamh, bool silent, enum wo_qr_mode qr,
		      struct wo_conversation *out);

#endif
