/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "json.h"
#include "secret.h"

static void put(struct wo_body *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		/* Not realloc: the old block may hold a secret and must be
		 * wiped before it goes back to the allocator. */
		grown = malloc(cap);
		if (grown == NULL) {
			b->failed = true;
			return;
		}
		if (b->buf != NULL)
			memcpy(grown, b->buf, b->len);
		wo_secret_free_n(b->buf, b->cap);
		b->buf = grown;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void puts_(struct wo_body *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_json_string(struct wo_body *b, const char *s)
{
	/* ASCII control characters are escaped below.  Each run of non-ASCII
	 * bytes must be valid UTF-8 (WorkOS would refuse anything else). */
	for (const char *p = s; *p;) {
		size_t run = 0;

		while ((unsigned char)p[run] >= 0x80)
			run++;
		if (run > 0 && !wo_text_is_printable(p, run)) {
			b->failed = true;
			return;
		}
		p += run ? run : 1;
	}
	puts_(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put(b, esc, 6);
		} else {
			put(b, (const char *)p, 1);
		}
	}
	puts_(b, "\"");
}

static void member(struct wo_body *b, const char *key)
{
	if (b->need_comma)
		puts_(b, ",");
	if (key != NULL) {
		put_json_string(b, key);
		puts_(b, ":");
	}
	b->need_comma = true;
}

void wo_body_init(struct wo_body *b)
{
	memset(b, 0, sizeof(*b));
	puts_(b, "{");
	b->depth = 1;
}

void wo_body_string(struct wo_body *b, const char *key, const char *value)
{
	member(b, key);
	put_json_string(b, value);
}

void wo_body_string_opt(struct wo_body *b, const char *key, const char *value)
{
	if (value != NULL)
		wo_body_string(b, key, value);
}

void wo_body_object_begin(struct wo_body *b, const char *key)
{
	member(b, key);
	puts_(b, "{");
	b->depth++;
	b->need_comma = false;
}

void wo_body_object_end(struct wo_body *b)
{
	puts_(b, "}");
	b->depth--;
	b->need_comma = true;
}

void wo_body_array_begin(struct wo_body *b, const char *key)
{
	member(b, key);
	puts_(b, "[");
	b->depth++;
	b->need_comma = false;
}

void wo_body_array_end(struct wo_body *b)
{
	puts_(b, "]");
	b->depth--;
	b->need_comma = true;
}

int wo_body_finish(struct wo_body *b, struct wo_error *err)
{
	if (b->depth != 1)
		b->failed = true;
	puts_(b, "}");
	b->depth = 0;
	if (b->failed)
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "cannot build request body (out of memory or invalid text)");
	return 0;
}

void wo_body_clear(struct wo_body *b)
{
	wo_secret_free_n(b->buf, b->cap);
	memset(b, 0, sizeof(*b));
}
