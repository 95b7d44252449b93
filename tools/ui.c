/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>

#include "sync.h"

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

static void line(const char *prefix, const char *fmt, va_list ap)
{
	sync_progress_done();
	fprintf(stderr, "workos-sync: %s", prefix);
	vfprintf(stderr, fmt, ap);
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

void sync_trace(void *ctx, const char *text)
{
	(void)ctx;
	sync_note("%s", text);
}
