/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>

#include "sync.h"
#include "unused.h"

static bool verbose;
static bool progress;
static bool progress_open; /* a progress line is on screen without its newline */

void sync_ui_init(bool want_verbose, bool want_progress)
{
	verbose = want_verbose;
	progress = want_progress;
}

bool sync_ui_verbose(void)
{
	return verbose;
}

void sync_progress_done(void)
{
	if (progress_open) {
		fputs("\n", stderr);
		progress_open = false;
	}
}

/* Messages quote what WorkOS sent (ids, reasons): a control character
 * in one must not reach the terminal or the journal as itself.  C0, DEL
 * and the C1 range (UTF-8 \xc2\x80-\xc2\x9f) are written as \xNN. */
static void line(const char *prefix, const char *fmt, va_list ap)
{
	char buf[2048];
	const unsigned char *p = (const unsigned char *)buf;

	sync_progress_done();
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "workos-sync: %s", prefix);
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(stderr, "\\x%02x\\x%02x", p[0], p[1]);
			p++;
		} else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

void sync_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("warning: ", fmt, ap);
	va_end(ap);
}

void sync_note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	line("", fmt, ap);
	va_end(ap);
}

void sync_progress(const char *fmt, ...)
{
	va_list ap;

	if (!progress)
		return;
	/* \r and clear-to-end-of-line: one line that keeps being rewritten. */
	fputs("\r\033[Kworkos-sync: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_open = true;
}

void sync_trace(void *ctx WO_UNUSED, const char *text)
{
	sync_note("%s", text);
}
