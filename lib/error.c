/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int wo_error_set(struct wo_error *err, enum wo_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->kind = kind;
	err->http_status = 0;
	err->code[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int wo_error_prefix(struct wo_error *err, const char *fmt, ...)
{
	char prefix[WO_ERROR_MSG_MAX];
	char old[WO_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	/* Truncation is acceptable: the message is for a person to read. */
	if (snprintf(err->message, sizeof(err->message), "%s: %s", prefix, old) < 0)
		err->message[0] = '\0';
	return -1;
}

void wo_error_clear(struct wo_error *err)
{
	if (err != NULL)
		*err = (struct wo_error)WO_ERROR_INIT;
}

const char *wo_error_kind_name(enum wo_err_kind kind)
{
	switch (kind) {
	case WO_ERR_NONE:
		return "none";
	case WO_ERR_SYSTEM:
		return "system";
	case WO_ERR_CONFIG:
		return "config";
	case WO_ERR_NETWORK:
		return "network";
	case WO_ERR_TLS:
		return "tls";
	case WO_ERR_HTTP:
		return "http";
	case WO_ERR_API:
		return "api";
	case WO_ERR_DECODE:
		return "decode";
	case WO_ERR_TOKEN:
		return "token";
	case WO_ERR_DENIED:
		return "denied";
	case WO_ERR_INVALID:
		return "invalid";
	}
	return "unknown";
}

int wo_error_deny(struct wo_error *err, const char *code, const char *why)
{
	wo_error_set(err, WO_ERR_DENIED, "%s", why);
	if (err != NULL)
		snprintf(err->code, sizeof(err->code), "%s", code);
	return -1;
}

bool wo_error_is_unavailable(const struct wo_error *err)
{
	switch (err->kind) {
	case WO_ERR_NETWORK:
	case WO_ERR_TLS:
	case WO_ERR_HTTP:
	case WO_ERR_DECODE:
		return true;
	case WO_ERR_API:
		/* A 5xx or 429 that carried a JSON body is still an outage. */
		return err->http_status >= 500 || err->http_status == 429;
	default:
		return false;
	}
}
