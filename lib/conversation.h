/* SPDX-License-Identifier: MIT */
/*
 * How the login flows of lib/ talk to the person and to the administrator's
 * log, whoever runs them: the PAM module (pam/conv.c, over the application's
 * PAM conversation) or workosctl (tools/ctl_login.c, on a terminal).  lib/
 * never includes a PAM header; the front end keeps why a conversation
 * failed (a PAM code, EOF on the terminal) and maps it itself.
 *
 * Remarks (info, and a prompt's text when it is not `needed`) are what
 * PAM_SILENT may suppress; a prompt is always asked, and text the person
 * needs to answer it (a key to enrol, a device code) always shown.
 */
#ifndef WO_CONVERSATION_H
#define WO_CONVERSATION_H

#include <stdbool.h>

struct wo_conversation {
	void *ctx;
	/* A remark, informational or an error: 0, or -1 when it could not be
	 * shown. */
	int (*info)(void *ctx, const char *text);
	int (*error)(void *ctx, const char *text);
	/* Shows `text` (may be NULL; a remark unless `needed`) and then asks
	 * `prompt`, echo on or off, in one exchange (OpenSSH shows text only
	 * with a prompt).  0 with *answer, a heap string (possibly empty) for
	 * wo_secret_free; -1 when the person could not be asked. */
	int (*prompt)(void *ctx, const char *text, bool needed, const char *prompt, bool echo,
		      char **answer);
	/* A line for the administrator (syslog priority).  Never a secret. */
	void (*log)(void *ctx, int priority, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
	/* Optional (may be NULL): a QR code of `text` drawn for this
	 * conversation, for free(), or NULL when none is to be drawn. */
	char *(*qr)(void *ctx, const char *text);
};

#endif
