/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define ID_MAX 128

int wo_json_parse_object(const char *text, size_t len, struct json_object **out,
			 struct wo_error *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t used;

	*out = NULL;
	if (len > INT32_MAX)
		return wo_error_set(err, WO_ERR_DECODE, "response body is too large");
	tok = json_tokener_new_ex(WO_JSON_MAX_DEPTH);
	if (tok == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		if (jerr == json_tokener_continue)
			return wo_error_set(err, WO_ERR_DECODE, "response body is truncated JSON");
		return wo_error_set(err, WO_ERR_DECODE, "response body is not valid JSON (%s)",
				    json_tokener_error_desc(jerr));
	}
	/* JSON allows white space after the value and nothing else. */
	for (; used < len; used++) {
		char c = text[used];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			json_object_put(obj);
			return wo_error_set(err, WO_ERR_DECODE,
					    "response body has data after the JSON value");
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return wo_error_set(err, WO_ERR_DECODE, "response body is not a JSON object");
	}
	*out = obj;
	return 0;
}

bool wo_text_is_printable(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n > len)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode, and the C1
		 * controls (which some terminals obey like ESC sequences). */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp < 0xa0))
			return false;
		i += n;
	}
	return true;
}

static bool chars_allowed(const char *s, size_t len, int flags)
{
	if (flags & WO_JSON_IDENT) {
		for (size_t i = 0; i < len; i++) {
			char c = s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
				return false;
		}
		return true;
	}
	if (flags & WO_JSON_TOKEN) {
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
				return false;
		return true;
	}
	return wo_text_is_printable(s, len);
}

int wo_json_string_value(struct json_object *value, const char *what, int flags, size_t max_len,
			 char **out, struct wo_error *err)
{
	const char *s;
	size_t len;
	char *copy;

	*out = NULL;
	if (!json_object_is_type(value, json_type_string))
		return wo_error_set(err, WO_ERR_DECODE, "%s is not a string", what);
	s = json_object_get_string(value);
	len = (size_t)json_object_get_string_len(value);
	if (len > max_len)
		return wo_error_set(err, WO_ERR_DECODE, "%s is too long (%zu bytes, at most %zu)",
				    what, len, max_len);
	/* "\u0000" decodes to a NUL that would silently cut the C string. */
	if (memchr(s, '\0', len) != NULL || !chars_allowed(s, len, flags))
		return wo_error_set(err, WO_ERR_DECODE, "%s holds characters it may not", what);
	copy = malloc(len + 1);
	if (copy == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	memcpy(copy, s, len);
	copy[len] = '\0';
	*out = copy;
	return 0;
}

/* Looks a field up; absent and null are the same thing.  Returns 1 when
 * present, 0 when absent and allowed, -1 (with err) when absent and required. */
static int lookup(struct json_object *obj, const char *what, const char *field, int flags,
		  struct json_object **value, struct wo_error *err)
{
	*value = NULL;
	if (!json_object_object_get_ex(obj, field, value) || *value == NULL) {
		*value = NULL;
		if (flags & WO_JSON_REQUIRED)
			return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is missing", what,
					    field);
		return 0;
	}
	return 1;
}

int wo_json_string(struct json_object *obj, const char *what, const char *field, int flags,
		   size_t max_len, char **out, struct wo_error *err)
{
	struct json_object *value;
	char name[160];
	int rc;

	*out = NULL;
	rc = lookup(obj, what, field, flags, &value, err);
	if (rc <= 0)
		return rc;
	snprintf(name, sizeof(name), "%s: field \"%s\"", what, field);
	if (wo_json_string_value(value, name, flags, max_len, out, err) != 0)
		return -1;
	if (**out == '\0' && (flags & WO_JSON_REQUIRED)) {
		free(*out);
		*out = NULL;
		return wo_error_set(err, WO_ERR_DECODE, "%s is empty", name);
	}
	return 0;
}

int wo_json_id(struct json_object *obj, const char *what, const char *field, const char *prefix,
	       int flags, char **out, struct wo_error *err)
{
	size_t plen = strlen(prefix);

	if (wo_json_string(obj, what, field, flags | WO_JSON_IDENT, ID_MAX, out, err) != 0)
		return -1;
	if (*out == NULL)
		return 0;
	if (strncmp(*out, prefix, plen) != 0 || (*out)[plen] == '\0') {
		free(*out);
		*out = NULL;
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not a %s... identifier",
				    what, field, prefix);
	}
	return 0;
}

int wo_json_int(struct json_object *obj, const char *what, const char *field, int flags,
		int64_t min, int64_t max, int64_t dflt, int64_t *out, struct wo_error *err)
{
	struct json_object *value;
	int64_t v;
	int rc;

	*out = dflt;
	rc = lookup(obj, what, field, flags, &value, err);
	if (rc <= 0)
		return rc;
	if (!json_object_is_type(value, json_type_int))
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not an integer", what,
				    field);
	/* json-c saturates out-of-range numbers at INT64_MIN/MAX; the range
	 * check below refuses those along with any other stray value. */
	v = json_object_get_int64(value);
	if (v < min || v > max)
		return wo_error_set(err, WO_ERR_DECODE,
				    "%s: field \"%s\" is out of range (%lld to %lld)", what, field,
				    (long long)min, (long long)max);
	*out = v;
	return 0;
}

int wo_json_bool(struct json_object *obj, const char *what, const char *field, int flags,
		 bool dflt, bool *out, struct wo_error *err)
{
	struct json_object *value;
	int rc;

	*out = dflt;
	rc = lookup(obj, what, field, flags, &value, err);
	if (rc <= 0)
		return rc;
	if (!json_object_is_type(value, json_type_boolean))
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not a boolean", what,
				    field);
	*out = json_object_get_boolean(value);
	return 0;
}

int wo_json_object(struct json_object *obj, const char *what, const char *field, int flags,
		   struct json_object **out, struct wo_error *err)
{
	struct json_object *value;
	int rc;

	*out = NULL;
	rc = lookup(obj, what, field, flags, &value, err);
	if (rc <= 0)
		return rc;
	if (!json_object_is_type(value, json_type_object))
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not an object", what,
				    field);
	*out = value;
	return 0;
}

int wo_json_array(struct json_object *obj, const char *what, const char *field, int flags,
		  size_t max_items, struct json_object **out, struct wo_error *err)
{
	struct json_object *value;
	int rc;

	*out = NULL;
	rc = lookup(obj, what, field, flags, &value, err);
	if (rc <= 0)
		return rc;
	if (!json_object_is_type(value, json_type_array))
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not an array", what,
				    field);
	if (json_object_array_length(value) > max_items)
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" has more than %zu items",
				    what, field, max_items);
	*out = value;
	return 0;
}
