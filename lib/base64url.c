/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>

#include "base64url.h"
#include "secret.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of c, or -1 when c is not in the alphabet.  Ranges rather
 * than a 256-entry table: small, and obviously right. */
static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int wo_base64url_decode(const char *in, size_t len, unsigned char **out, size_t *out_len,
			struct wo_error *err)
{
	unsigned char *buf;
	size_t cap, n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	*out = NULL;
	*out_len = 0;
	cap = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	buf = malloc(cap + 1);
	if (buf == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");

	for (size_t i = 0; i < len; i++) {
		int v = sextet((unsigned char)in[i]);

		if (v < 0) {
			wo_secret_free_n(buf, cap + 1);
			return wo_error_set(err, WO_ERR_DECODE,
					    "invalid base64url character at offset %zu", i);
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* 4 characters carry 3 bytes; a lone character carries less than one. */
	if (len % 4 == 1) {
		wo_secret_free_n(buf, cap + 1);
		return wo_error_set(err, WO_ERR_DECODE, "base64url text has an impossible length");
	}
	/* The 2 or 4 bits left over must be zero (RFC 4648 section 3.5):
	 * otherwise "Zg" and "Zh" would both decode to "f". */
	if (acc != 0) {
		wo_secret_free_n(buf, cap + 1);
		return wo_error_set(err, WO_ERR_DECODE,
				    "base64url text has non-zero trailing bits");
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

int wo_base64url_encode(const void *in, size_t len, char **out, struct wo_error *err)
{
	const unsigned char *p = in;
	size_t cap, n = 0, i;
	char *s;

	*out = NULL;
	if (len > (SIZE_MAX - 4) / 4 * 3)
		return wo_error_set(err, WO_ERR_SYSTEM, "data too large to encode");
	cap = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
	s = malloc(cap + 1);
	if (s == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		s[n++] = alphabet[v >> 18];
		s[n++] = alphabet[(v >> 12) & 63];
		s[n++] = alphabet[(v >> 6) & 63];
		s[n++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		s[n++] = alphabet[p[i] >> 2];
		s[n++] = alphabet[(p[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];

		s[n++] = alphabet[v >> 10];
		s[n++] = alphabet[(v >> 4) & 63];
		s[n++] = alphabet[(v & 15) << 2];
	}
	s[n] = '\0';
	*out = s;
	return 0;
}
