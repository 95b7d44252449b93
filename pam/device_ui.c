/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "device_ui.h"
#include "qr.h"
#include "secret.h"

/* After this many pending polls following an Enter, ask again. */
#define POLLS_PER_PROMPT 3

static bool is_sshd(pam_handle_t *pamh)
{
	const char *tty = NULL;

	return pam_get_item(pamh, PAM_TTY, (const void **)&tty) == PAM_SUCCESS && tty != NULL &&
	       strcmp(tty, "ssh") == 0;
}

/* qr=auto draws the code when a person is likely to be looking at a
 * terminal: a login on a tty or over SSH, or a program on one. */
static bool is_interactive(pam_handle_t *pamh)
{
	const char *tty = NULL;

	if (pam_get_item(pamh, PAM_TTY, (const void **)&tty) == PAM_SUCCESS && tty != NULL &&
	    tty[0] != '\0')
		return true;
	return isatty(STDIN_FILENO) == 1;
}

char *wo_pam_qr_render(pam_handle_t *pamh, enum wo_qr_mode mode, const char *text)
{
	struct wo_error err = WO_ERROR_INIT;
	enum wo_qr_style style;
	char *qr;

	switch (mode) {
	case WO_QR_NEVER:
		return NULL;
	case WO_QR_AUTO:
		if (!is_interactive(pamh))
			return NULL;
		style = WO_QR_STYLE_UTF8;
		break;
	case WO_QR_ALWAYS:
		style = WO_QR_STYLE_UTF8;
		break;
	case WO_QR_ASCII:
		style = WO_QR_STYLE_ASCII;
		break;
	default:
		return NULL;
	}
	qr = wo_qr_render(text, style, &err);
	/* Without a QR code the URL and code still work: log and go on. */
	if (qr == NULL)
		pam_syslog(pamh, LOG_WARNING, "cannot draw the QR code: %s", err.message);
	return qr;
}

static int show(void *ctx, const struct wo_device_authorization *da, struct wo_error *err)
{
	struct wo_pam_device_ui *ui = ctx;
	char host[256] = "this machine";
	char *qr = NULL;
	int n;

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this machine");
	host[sizeof(host) - 1] = '\0';
	if (da->verification_uri_complete != NULL)
		qr = wo_pam_qr_render(ui->pamh, ui->qr, da->verification_uri_complete);

	free(ui->text);
	n = asprintf(&ui->text,
		     "WorkOS login as %s on %s.\n"
		     "Open %s and enter the code: %s%s%s\n"
		     "Approve only if you started this login yourself.",
		     ui->user, host, da->verification_uri, da->user_code,
		     qr != NULL ? "\nor scan this QR code:\n" : "", qr != NULL ? qr : "");
	free(qr);
	if (n < 0) {
		ui->text = NULL;
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	if (ui->prompt_style)
		return 0; /* goes out with the first prompt */
	/* The code is what the person needs to answer: never silenced. */
	ui->conv_rc = wo_conv_info(ui->pamh, false, ui->text);
	free(ui->text);
	ui->text = NULL;
	if (ui->conv_rc != PAM_SUCCESS)
		return wo_error_set(err, WO_ERR_SYSTEM, "the application could not show the code");
	return 0;
}

static int before_poll(void *ctx, unsigned pending, struct wo_error *err)
{
	struct wo_pam_device_ui *ui = ctx;
	char *answer = NULL;

	if (!ui->prompt_style || pending % POLLS_PER_PROMPT != 0)
		return 0;
	ui->conv_rc = wo_conv_prompt(ui->pamh, ui->text,
				     pending == 0 ? "Press Enter once you have approved: "
						  : "Not approved yet. Press Enter once you have "
						    "approved: ",
				     true, &answer);
	wo_secret_free(answer);
	free(ui->text);
	ui->text = NULL;
	if (ui->conv_rc != PAM_SUCCESS)
		return wo_error_set(err, WO_ERR_SYSTEM, "the login was abandoned at the prompt");
	return 0;
}

void wo_pam_device_ui_init(struct wo_pam_device_ui *ui, pam_handle_t *pamh, const char *user,
			   enum wo_qr_mode qr, struct wo_device_ui *callbacks)
{
	*ui = (struct wo_pam_device_ui){
	    .pamh = pamh,
	    .user = user,
	    .qr = qr,
	    .prompt_style = is_sshd(pamh),
	    .conv_rc = PAM_SUCCESS,
	};
	*callbacks = (struct wo_device_ui){.ctx = ui, .show = show, .before_poll = before_poll};
}

void wo_pam_device_ui_clear(struct wo_pam_device_ui *ui)
{
	free(ui->text);
	ui->text = NULL;
}
