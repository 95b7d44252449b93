/* SPDX-License-Identifier: MIT */
/*
 * lib/conversation.h over the PAM conversation (pam/conv.h), for the
 * flows of the network core; its QR codes come from pam/device_ui.c.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdlib.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "device_ui.h"

static int adapter_info(void *ctx, const char *text)
{
	struct wo_pam_conv *a = ctx;

	return wo_conv_info(a->pamh, a->silent, text) == PAM_SUCCESS ? 0 : -1;
}

static int adapter_error(void *ctx, const char *text)
{
	struct wo_pam_conv *a = ctx;

	return wo_conv_error(a->pamh, text) == PAM_SUCCESS ? 0 : -1;
}

static int adapter_prompt(void *ctx, const char *text, bool needed, const char *prompt, bool echo,
			  char **answer)
{
	struct wo_pam_conv *a = ctx;

	a->conv_rc =
	    wo_conv_prompt(a->pamh, a->silent && !needed ? NULL : text, prompt, echo, answer);
	return a->conv_rc == PAM_SUCCESS ? 0 : -1;
}

static void adapter_log(void *ctx, int priority, const char *fmt, ...)
{
	struct wo_pam_conv *a = ctx;
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(a->pamh, priority, fmt, ap);
	va_end(ap);
}

static char *adapter_qr(void *ctx, const char *text)
{
	struct wo_pam_conv *a = ctx;

	return wo_pam_qr_render(a->pamh, a->qr, text);
}

void wo_pam_conv_init(struct wo_pam_conv *a, pam_handle_t *pamh, bool silent, enum wo_qr_mode qr,
		      struct wo_conversation *out)
{
	*a = (struct wo_pam_conv){.pamh = pamh, .silent = silent, .qr = qr, .conv_rc = PAM_SUCCESS};
	*out = (struct wo_conversation){
	    .ctx = a,
	    .info = adapter_info,
	    .error = adapter_error,
	    .prompt = adapter_prompt,
	    .log = adapter_log,
	    .qr = adapter_qr,
	};
}
