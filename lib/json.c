/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define ID_MAX 128

/*
 * json-c keeps the last of two members with the same name and cuts a key at
 * an escaped NUL ("a\u0000b" becomes "a"), silently either way.  Both let a
 * body say one thing to us and another to a stricter reader, so the text is
 * walked again, alongside the parsed tree: every key is decoded exactly,
 * must hold no NUL, and each object must have as many members in the text
 * as json-c kept.  Scalars must be JSON's own (json-c takes NaN and
 * Infinity).  The text is known to parse by now; the walk still checks
 * every step so that it cannot run past the end.
 */
struct key_walk {
	const char *p, *end;
	char *key; /* the decoded key, NUL-terminated */
	size_t cap;
};

static void skip_ws(struct key_walk *w)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' || *w->p == '\r' || *w->p == '\n'))
		w->p++;
}

static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Reads the string at w->p (its opening quote).  With decode, the decoded
 * UTF-8 goes to w->key and a NUL or lone surrogate is refused: -1, or -2
 * when memory runs out. */
static int walk_string(struct key_walk *w, bool decode)
{
	size_t n = 0;

	w->p++;
	if (!decode) {
		/* Values are checked by the getters (a NUL there is refused
		 * when the field is read); only their extent matters here. */
		while (w->p < w->end && *w->p != '"')
			w->p += (*w->p == '\\' && w->end - w->p >= 2) ? 2 : 1;
		if (w->p >= w->end)
			return -1;
		w->p++;
		return 0;
	}
	while (w->p < w->end && *w->p != '"') {
		uint32_t cp;
		char buf[4];
		size_t blen;

		if (*w->p != '\\') {
			buf[0] = *w->p++;
			blen = 1;
		} else {
			if (w->end - w->p < 2)
				return -1;
			switch (w->p[1]) {
			case 'u':
				if (w->end - w->p < 6 || hex4(w->p + 2, &cp) != 0)
					return -1;
				w->p += 6;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return -1;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					uint32_t lo;

					if (w->end - w->p < 6 || w->p[0] != '\\' ||
					    w->p[1] != 'u' || hex4(w->p + 2, &lo) != 0 ||
					    lo < 0xdc00 || lo > 0xdfff)
						return -1;
					w->p += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				if (cp == 0)
					return -1;
				if (cp < 0x80) {
					buf[0] = (char)cp;
					blen = 1;
				} else if (cp < 0x800) {
					buf[0] = (char)(0xc0 | (cp >> 6));
					buf[1] = (char)(0x80 | (cp & 0x3f));
					blen = 2;
				} else if (cp < 0x10000) {
					buf[0] = (char)(0xe0 | (cp >> 12));
					buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					buf[2] = (char)(0x80 | (cp & 0x3f));
					blen = 3;
				} else {
					buf[0] = (char)(0xf0 | (cp >> 18));
					buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
					buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
					buf[3] = (char)(0x80 | (cp & 0x3f));
					blen = 4;
				}
				break;
			case 'b':
				buf[0] = '\b';
				blen = 1;
				w->p += 2;
				break;
			case 'f':
				buf[0] = '\f';
				blen = 1;
				w->p += 2;
				break;
			case 'n':
				buf[0] = '\n';
				blen = 1;
				w->p += 2;
				break;
			case 'r':
				buf[0] = '\r';
				blen = 1;
				w->p += 2;
				break;
			case 't':
				buf[0] = '\t';
				blen = 1;
				w->p += 2;
				break;
			default: /* '"', '\\', '/' */
				buf[0] = w->p[1];
				blen = 1;
				w->p += 2;
				break;
			}
		}
		if (n + blen + 1 > w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 64;
			char *grown;

			while (cap < n + blen + 1)
				cap *= 2;
			grown = realloc(w->key, cap);
			if (grown == NULL)
				return -2;
			w->key = grown;
			w->cap = cap;
		}
		memcpy(w->key + n, buf, blen);
		n += blen;
	}
	if (w->p >= w->end)
		return -1;
	w->p++;
	if (w->key == NULL) {
		w->key = malloc(64);
		if (w->key == NULL)
			return -2;
		w->cap = 64;
	}
	w->key[n] = '\0';
	return 0;
}

/* true, false, null or an RFC 8259 number.  json-c also takes NaN and
 * Infinity (and spellings of them) even in strict mode; JSON has neither. */
static bool scalar_is_json(const char *s, size_t n)
{
	size_t i = 0;

	if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0) ||
	    (n == 4 && memcmp(s, "null", 4) == 0))
		return true;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		size_t digits = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == digits)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t digits;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		digits = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == digits)
			return false;
	}
	return i == n;
}

static int walk_value(struct key_walk *w, struct json_object *v, struct wo_error *err)
{
	size_t count = 0;
	int rc;

	skip_ws(w);
	if (w->p >= w->end)
		return wo_error_set(err, WO_ERR_DECODE, "response body is truncated JSON");
	if (*w->p == '"') {
		if (walk_string(w, false) != 0)
			return wo_error_set(err, WO_ERR_DECODE, "response body has a bad string");
		return 0;
	}
	if (*w->p == '[') {
		w->p++;
		for (;;) {
			skip_ws(w);
			if (w->p < w->end && *w->p == ']')
				break;
			/* A tree that no longer matches the text means a
			 * member above was a duplicate: v is then unusable. */
			if (!json_object_is_type(v, json_type_array))
				return wo_error_set(err, WO_ERR_DECODE,
						    "response body has a duplicate key");
			if (walk_value(w, json_object_array_get_idx(v, count++), err) != 0)
				return -1;
			skip_ws(w);
			if (w->p < w->end && *w->p == ',')
				w->p++;
			else if (w->p >= w->end || *w->p != ']')
				return wo_error_set(err, WO_ERR_DECODE,
						    "response body is not valid JSON");
		}
		w->p++;
		return 0;
	}
	if (*w->p == '{') {
		if (!json_object_is_type(v, json_type_object))
			return wo_error_set(err, WO_ERR_DECODE,
					    "response body has a duplicate key");
		w->p++;
		for (;;) {
			struct json_object *child = NULL;

			skip_ws(w);
			if (w->p < w->end && *w->p == '}')
				break;
			if (w->p >= w->end || *w->p != '"')
				return wo_error_set(err, WO_ERR_DECODE,
						    "response body is not valid JSON");
			rc = walk_string(w, true);
			if (rc == -2)
				return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			if (rc != 0)
				return wo_error_set(err, WO_ERR_DECODE,
						    "response body has a key with a NUL character "
						    "or a lone surrogate");
			skip_ws(w);
			if (w->p >= w->end || *w->p != ':')
				return wo_error_set(err, WO_ERR_DECODE,
						    "response body is not valid JSON");
			w->p++;
			json_object_object_get_ex(v, w->key, &child);
			if (walk_value(w, child, err) != 0)
				return -1;
			count++;
			skip_ws(w);
			if (w->p < w->end && *w->p == ',')
				w->p++;
			else if (w->p >= w->end || *w->p != '}')
				return wo_error_set(err, WO_ERR_DECODE,
						    "response body is not valid JSON");
		}
		w->p++;
		if (count != (size_t)json_object_object_length(v))
			return wo_error_set(err, WO_ERR_DECODE,
					    "response body has a duplicate key");
		return 0;
	}
	/* A number, true, false or null: up to the next delimiter. */
	const char *start = w->p;
	while (w->p < w->end && *w->p != ',' && *w->p != ']' && *w->p != '}' && *w->p != ' ' &&
	       *w->p != '\t' && *w->p != '\r' && *w->p != '\n')
		w->p++;
	if (!scalar_is_json(start, (size_t)(w->p - start)))
		return wo_error_set(err, WO_ERR_DECODE,
				    "response body is not valid JSON (a value that is not a "
				    "JSON number: NaN, Infinity...)");
	return 0;
}

static int check_keys(const char *text, size_t len, struct json_object *obj, struct wo_error *err)
{
	struct key_walk w = {.p = text, .end = text + len};
	int rc = walk_value(&w, obj, err);

	free(w.key);
	return rc;
}

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
	if (check_keys(text, len, obj, err) != 0) {
		json_object_put(obj);
		return -1;
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
		return wo_error_set(err, WO_ERR_DECODE,
				    "%s: field \"%s\" is not a %s... identifier", what, field,
				    prefix);
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

int wo_json_bool(struct json_object *obj, const char *what, const char *field, int flags, bool dflt,
		 bool *out, struct wo_error *err)
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
