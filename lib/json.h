/* SPDX-License-Identifier: MIT */
/*
 * Checked access to JSON from the network.
 *
 * Bodies are parsed strictly (RFC 8259, valid UTF-8, bounded depth, nothing
 * after the value).  Each getter reads one field of an object and fails with
 * a message that names the object and the field when it is missing (and
 * required), of the wrong type, too long, or holds characters it may not:
 * a decoder never returns a silently empty string.  Strings are copied; the
 * copies belong to the caller.
 */
#ifndef WO_JSON_H
#define WO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "error.h"

/* Bounds on what a WorkOS body may be; generous, far from harmful. */
#define WO_JSON_MAX_DEPTH 24

/* Flags for the getters. */
enum {
	WO_JSON_REQUIRED = 1 << 0, /* absent or null is an error */
	WO_JSON_SECRET = 1 << 1,   /* a token or code: wiped on error, never quoted */
	/* What characters a string may hold (one of these, default TEXT). */
	WO_JSON_TEXT = 0,	/* valid UTF-8 without control characters */
	WO_JSON_TOKEN = 1 << 2, /* printable ASCII only (0x21-0x7e) */
	WO_JSON_IDENT = 1 << 3, /* [A-Za-z0-9_.-] only: ids, slugs, codes */
};

/* Parses text[0..len) which must hold one JSON object.  *out is a new
 * reference for json_object_put. */
int wo_json_parse_object(const char *text, size_t len, struct json_object **out,
			 struct wo_error *err);

/* obj[field] as a new string, checked against flags and max_len bytes.
 * Optional and absent or null: *out = NULL and success.  `what` names the
 * object for messages ("device authorization"). */
int wo_json_string(struct json_object *obj, const char *what, const char *field, int flags,
		   size_t max_len, char **out, struct wo_error *err);

/* An identifier: WO_JSON_IDENT string that must start with `prefix`
 * ("user_", "org_"...; "" for none) and be at most 128 bytes. */
int wo_json_id(struct json_object *obj, const char *what, const char *field, const char *prefix,
	       int flags, char **out, struct wo_error *err);

/* obj[field] as an integer within [min, max]; `dflt` when optional and
 * absent or null.  Doubles and strings are type errors. */
int wo_json_int(struct json_object *obj, const char *what, const char *field, int flags,
		int64_t min, int64_t max, int64_t dflt, int64_t *out, struct wo_error *err);

/* obj[field] as a boolean; `dflt` when optional and absent or null. */
int wo_json_bool(struct json_object *obj, const char *what, const char *field, int flags, bool dflt,
		 bool *out, struct wo_error *err);

/* obj[field] as an object or array, borrowed (no new reference).  Optional
 * and absent or null: *out = NULL.  Arrays longer than max_items fail. */
int wo_json_object(struct json_object *obj, const char *what, const char *field, int flags,
		   struct json_object **out, struct wo_error *err);
int wo_json_array(struct json_object *obj, const char *what, const char *field, int flags,
		  size_t max_items, struct json_object **out, struct wo_error *err);

/* The same string checks for a value that is not an object field (an array
 * element): `what` names it whole ("connection_ids[2]"). */
int wo_json_string_value(struct json_object *value, const char *what, int flags, size_t max_len,
			 char **out, struct wo_error *err);

/* True when s[0..len) is valid UTF-8 with no control characters (C0, DEL,
 * C1): safe to print on a terminal.  Shared with other input checks. */
bool wo_text_is_printable(const char *s, size_t len);

#endif
