/* SPDX-License-Identifier: MIT */
/*
 * Report lines.  They go to stdout, one per step, with a fixed-width status
 * first so that an admin (or a test) can grep for "FAIL".
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>

#include "ctl.h"
#include "unused.h"

static void line(const char *status, const char *step, const char *fmt, va_list ap)
{
	printf("%-4s  %-14s ", status, step);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void ctl_ok(struct ctl_report *r WO_UNUSED, const char *step, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("OK", step, fmt, ap);
	va_end(ap);
}

void ctl_fail(struct ctl_report *r, const char *step, const char *fmt, ...)
{
	va_list ap;

	r->failed++;
	va_start(ap, fmt);
	line("FAIL", step, fmt, ap);
	va_end(ap);
}

void ctl_warn(struct ctl_report *r, const char *step, const char *fmt, ...)
{
	va_list ap;

	r->warned++;
	va_start(ap, fmt);
	line("WARN", step, fmt, ap);
	va_end(ap);
}

void ctl_info(const char *fmt, ...)
{
	va_list ap;

	fputs("                     ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *ctl_why(const struct wo_error *err, char *buf, unsigned size)
{
	snprintf(buf, size, "%s [%s]", err->message[0] ? err->message : "unknown error",
		 wo_error_kind_name(err->kind));
	return buf;
}

struct wo_config *ctl_load_config(struct ctl_report *r, const char *path)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_config *cfg = NULL;
	char why[WO_ERROR_MSG_MAX + 32];

	if (wo_config_load(path, &cfg, &err) != 0) {
		ctl_fail(r, "config", "%s", ctl_why(&err, why, sizeof(why)));
		return NULL;
	}
	ctl_ok(r, "config", "%s: client_id %s, organization_id %s", path, cfg->client_id,
	       cfg->organization_id);
	return cfg;
}
