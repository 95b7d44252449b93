/* SPDX-License-Identifier: MIT */
/*
 * One error type for the whole project.
 *
 * Every fallible lib/ function takes a `struct wo_error *` and fills it on
 * failure.  The category says what kind of thing went wrong (so callers can
 * map it to a PAM or exit status in one place); the message is a sentence fit
 * to show a person.  Messages never contain secrets: callers must not format
 * an API key, token, code or password into one.
 */
#ifndef WO_ERROR_H
#define WO_ERROR_H

#include <stdbool.h>

enum wo_err_kind {
	WO_ERR_NONE = 0,
	WO_ERR_SYSTEM,	/* out of memory, I/O error, clock... */
	WO_ERR_CONFIG,	/* configuration file or argument is invalid */
	WO_ERR_NETWORK, /* DNS, connection refused, reset, timeout */
	WO_ERR_TLS,	/* certificate or handshake failure */
	WO_ERR_HTTP,	/* unexpected HTTP status, no usable API error body */
	WO_ERR_API,	/* WorkOS answered with an error code (see .code) */
	WO_ERR_DECODE,	/* response body is not what the API documents */
	WO_ERR_TOKEN,	/* access token failed verification */
	WO_ERR_DENIED,	/* policy said no: wrong user, organization, role... */
	WO_ERR_INVALID, /* data handed to a function breaks its rules (a bug, or
			   input that should have been checked before) */
};

#define WO_ERROR_CODE_MAX 64
#define WO_ERROR_MSG_MAX  256

struct wo_error {
	enum wo_err_kind kind;
	long http_status;		/* 0 when no HTTP answer was read */
	char code[WO_ERROR_CODE_MAX];	/* API error code, e.g. "invalid_credentials" */
	char message[WO_ERROR_MSG_MAX]; /* for humans; never holds a secret */
};

#define WO_ERROR_INIT                                                                              \
	{                                                                                          \
		.kind = WO_ERR_NONE                                                                \
	}

/* Sets kind and a printf-style message and clears http_status and code;
 * returns -1 so callers can write `return wo_error_set(err, ...);`.
 * err may be NULL.  Do not pass err->message as an argument. */
int wo_error_set(struct wo_error *err, enum wo_err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with context ("fetching JWKS: ..."). */
int wo_error_prefix(struct wo_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void wo_error_clear(struct wo_error *err);

/* A policy's refusal: kind WO_ERR_DENIED, `code` for the log and `why`, a
 * sentence for the person.  Returns -1. */
int wo_error_deny(struct wo_error *err, const char *code, const char *why);

/* A short lowercase name for the category, for logs ("network", "tls"...). */
const char *wo_error_kind_name(enum wo_err_kind kind);

/* True for failures that mean "WorkOS could not be asked", as opposed to
 * "WorkOS (or our policy) said no".  PAM maps the former to
 * PAM_AUTHINFO_UNAVAIL. */
bool wo_error_is_unavailable(const struct wo_error *err);

#endif
