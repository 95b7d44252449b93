/* SPDX-License-Identifier: MIT */
/*
 * Talking to the user through the application's PAM conversation.
 *
 * OpenSSH's keyboard-interactive does not show PAM_TEXT_INFO messages when
 * they are sent: it keeps them and prints them with the next prompt.  So
 * whatever the user must read before answering goes out in the same
 * conversation call as the prompt (wo_conv_prompt).  Programs that print
 * info messages at once (login, su, sudo, pamtester) show the same thing.
 */
#ifndef WO_PAM_CONV_H
#define WO_PAM_CONV_H

#include <stdbool.h>

#include <security/pam_modules.h>

/* Shows text as an informational (or error) message. */
int wo_conv_info(pam_handle_t *pamh, const char *text);
int wo_conv_error(pam_handle_t *pamh, const char *text);

/*
 * Shows `info` (may be NULL) and then `prompt`, in one conversation call.
 * On PAM_SUCCESS *answer is a heap string (possibly empty) to be freed with
 * wo_secret_free; on failure it is NULL and the PAM error is returned
 * (PAM_CONV_ERR when the application gave no answer).
 */
int wo_conv_prompt(pam_handle_t *pamh, const char *info, const char *prompt, bool echo,
		   char **answer);

#endif
