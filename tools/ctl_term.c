/* SPDX-License-Identifier: MIT */
/*
 * lib/conversation.h on a terminal, for `workosctl login --mode password`
 * and `--mode totp`: text on stdout, answers from /dev/tty with echo off
 * when the prompt asks for it (as getpass does), or from stdin when the
 * process has no terminal (tests and scripts pipe the answers in), and
 * the module's log lines as report details.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "qr.h"
#include "secret.h"
#include "unused.h"

#define ANSWER_MAX 1024

/* One line from fd, byte by byte so that nothing after it is consumed.
 * 0 with a heap string, -1 on EOF or error. */
static int read_line(int fd, char **answer)
{
	char *buf = calloc(1, ANSWER_MAX + 1);
	size_t n = 0;

	if (buf == NULL)
		return -1;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (n > 0)
				break;
			wo_secret_free(buf);
			return -1;
		}
		if (c == '\n')
			break;
		if (n < ANSWER_MAX)
			buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*answer = buf;
	return 0;
}

static int term_info(void *ctx WO_UNUSED, const char *text)
{
	printf("%s\n", text);
	fflush(stdout);
	return 0;
}

static int term_error(void *ctx WO_UNUSED, const char *text)
{
	fprintf(stderr, "%s\n", text);
	return 0;
}

static int term_prompt(void *ctx, const char *text, bool needed WO_UNUSED, const char *prompt,
		       bool echo, char **answer)
{
	struct ctl_term *t = ctx;
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), rc;
	bool restore = false;

	*answer = NULL;
	if (text != NULL)
		printf("%s\n", text);
	printf("%s", prompt);
	fflush(stdout);
	if (fd < 0) {
		/* No terminal: the answers come through stdin. */
		rc = read_line(STDIN_FILENO, answer);
		putchar('\n');
		fflush(stdout);
	} else {
		if (!echo && tcgetattr(fd, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
		}
		rc = read_line(fd, answer);
		if (restore) {
			tcsetattr(fd, TCSAFLUSH, &old);
			(void)!write(fd, "\n", 1);
		}
		close(fd);
	}
	if (rc != 0)
		t->abandoned = true;
	return rc;
}

static void term_log(void *ctx WO_UNUSED, int priority WO_UNUSED, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctl_info("log: %s", line);
}

static char *term_qr(void *ctx, const char *text)
{
	struct ctl_term *t = ctx;
	struct wo_error err = WO_ERROR_INIT;
	enum wo_qr_style style;
	char *qr;

	if (!ctl_qr_style(t->qr, &style))
		return NULL;
	qr = wo_qr_render(text, style, &err);
	if (qr == NULL)
		fprintf(stderr, "workosctl: no QR code: %s\n", err.message);
	return qr;
}

void ctl_term_init(struct ctl_term *t, enum wo_qr_mode qr, struct wo_conversation *out)
{
	*t = (struct ctl_term){.qr = qr};
	*out = (struct wo_conversation){
	    .ctx = t,
	    .info = term_info,
	    .error = term_error,
	    .prompt = term_prompt,
	    .log = term_log,
	    .qr = term_qr,
	};
}
