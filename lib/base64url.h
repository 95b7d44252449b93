/* SPDX-License-Identifier: MIT */
/*
 * base64url (RFC 4648 section 5) as JOSE uses it (RFC 7515 section 2): the
 * URL-safe alphabet, no padding, no white space.
 *
 * Decoding is strict, so that one byte string has exactly one text form:
 * any character outside the alphabet (including '=' and white space), a
 * length no encoder produces, and non-zero bits left over after the last
 * byte are all refused.  A token that two parsers read differently is how
 * signature checks get bypassed.
 */
#ifndef WO_BASE64URL_H
#define WO_BASE64URL_H

#include <stddef.h>

#include "error.h"

/* Decodes in[0..len).  On success *out is a heap buffer of *out_len bytes
 * followed by a NUL that is not counted (handy for text); the caller frees
 * it (with wo_secret_free_n when it held a secret: on failure nothing of a
 * partial decode is left behind).  Errors are WO_ERR_DECODE and never quote
 * the input. */
int wo_base64url_decode(const char *in, size_t len, unsigned char **out, size_t *out_len,
			struct wo_error *err);

/* Encodes in[0..len) without padding.  *out is a NUL-terminated heap string
 * for free(). */
int wo_base64url_encode(const void *in, size_t len, char **out, struct wo_error *err);

#endif
