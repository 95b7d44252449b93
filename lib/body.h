/* SPDX-License-Identifier: MIT */
/*
 * JSON request bodies built in memory we wipe.
 *
 * Authentication bodies carry the API key (as client_secret), passwords,
 * one-time codes and device codes.  json-c would copy them into buffers it
 * frees without wiping, so request bodies are written here instead: a JSON
 * object of string members, with nested objects and arrays for the
 * audit-log event.  Errors are sticky: check once, at wo_body_finish.
 */
#ifndef WO_BODY_H
#define WO_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct wo_body {
	char *buf;
	size_t len, cap;
	unsigned depth;
	bool need_comma;
	bool failed;
};

/* Starts a JSON object. */
void wo_body_init(struct wo_body *b);

void wo_body_string(struct wo_body *b, const char *key, const char *value);
/* Adds the member only when value is not NULL. */
void wo_body_string_opt(struct wo_body *b, const char *key, const char *value);
void wo_body_object_begin(struct wo_body *b, const char *key);
void wo_body_object_end(struct wo_body *b);
/* An array of objects: wo_body_array_begin, then per element
 * wo_body_object_begin(b, NULL) ... wo_body_object_end, then wo_body_array_end. */
void wo_body_array_begin(struct wo_body *b, const char *key);
void wo_body_array_end(struct wo_body *b);

/* Closes the object; -1 with err when anything failed (out of memory, or
 * a string that is not valid UTF-8). */
int wo_body_finish(struct wo_body *b, struct wo_error *err);

/* Wipes and frees. */
void wo_body_clear(struct wo_body *b);

#endif
