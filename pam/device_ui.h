/* SPDX-License-Identifier: MIT */
/*
 * Showing a device code through the PAM conversation (lib/device_flow.h's
 * UI for the PAM module).
 *
 * Two styles, chosen from what the application is:
 *  - "poll": the text goes out as PAM_TEXT_INFO at once and the module
 *    polls on its own (login, su, sudo, pamtester...);
 *  - "prompt": OpenSSH's keyboard-interactive shows info text only with
 *    the next prompt, so the text travels with a "press Enter" prompt and
 *    the module polls after each Enter, asking again when still pending.
 *    sshd is recognised by PAM_TTY "ssh", which it sets during
 *    authentication on Linux.
 */
#ifndef WO_PAM_DEVICE_UI_H
#define WO_PAM_DEVICE_UI_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "config.h"
#include "device_flow.h"

struct wo_pam_device_ui {
	pam_handle_t *pamh;
	const char *user; /* PAM_USER, shown so a person can spot a phish */
	enum wo_qr_mode qr;
	bool prompt_style;
	char *text;  /* what show() composed, until it is sent */
	int conv_rc; /* PAM_SUCCESS, or why the conversation failed */
};

/* Fills ui and the callbacks for wo_device_login. */
void wo_pam_device_ui_init(struct wo_pam_device_ui *ui, pam_handle_t *pamh, const char *user,
			   enum wo_qr_mode qr, struct wo_device_ui *callbacks);
void wo_pam_device_ui_clear(struct wo_pam_device_ui *ui);

/* A QR code of `text` as qr= asks (auto: only when a person is likely at a
 * terminal), for free(); NULL when none is to be drawn or drawing failed
 * (logged: the text next to it still works). */
char *wo_pam_qr_render(pam_handle_t *pamh, enum wo_qr_mode mode, const char *text);

#endif
