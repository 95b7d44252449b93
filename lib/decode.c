/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"
#include "json.h"

#define REQ    WO_JSON_REQUIRED
#define SECRET WO_JSON_SECRET
#define TOKEN  WO_JSON_TOKEN
#define IDENT  WO_JSON_IDENT

/* Room for a field path in messages: "membership list: data[127].user". */
#define WHAT_MAX 128

static int out_of_memory(struct wo_error *err)
{
	return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
}

/* Objects name themselves in "object"; when one says it is something else
 * the body is not what we asked for (a list where an item was expected). */
static int check_kind(struct json_object *o, const char *what, const char *kind,
		      struct wo_error *err)
{
	char *got;

	if (wo_json_string(o, what, "object", IDENT, 64, &got, err) != 0)
		return -1;
	if (got != NULL && strcmp(got, kind) != 0) {
		wo_error_set(err, WO_ERR_DECODE, "%s: field \"object\" is \"%s\", not \"%s\"", what,
			     got, kind);
		free(got);
		return -1;
	}
	free(got);
	return 0;
}

/* A URL we show to the user: http(s) only, so that a hostile answer cannot
 * turn the prompt into a javascript: or file: link. */
static int check_url(const char *url, const char *what, const char *field, const char *scheme,
		     struct wo_error *err)
{
	size_t n;

	if (url == NULL)
		return 0;
	if (scheme != NULL) {
		n = strlen(scheme);
		if (strncasecmp(url, scheme, n) == 0 && url[n] != '\0')
			return 0;
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not a %s URI", what,
				    field, scheme);
	}
	if ((strncasecmp(url, "https://", 8) == 0 && url[8] != '\0') ||
	    (strncasecmp(url, "http://", 7) == 0 && url[7] != '\0'))
		return 0;
	return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not an http(s) URL", what,
			    field);
}

/* --- users ----------------------------------------------------------------- */

static int metadata_from(struct json_object *o, const char *what, struct wo_user *u,
			 struct wo_error *err)
{
	struct json_object *m;
	char name[WHAT_MAX + WO_METADATA_KEY_MAX + 16];
	size_t i = 0, n;

	if (wo_json_object(o, what, "metadata", 0, &m, err) != 0)
		return -1;
	if (m == NULL)
		return 0;
	n = (size_t)json_object_object_length(m);
	if (n > WO_METADATA_MAX)
		return wo_error_set(err, WO_ERR_DECODE,
				    "%s: field \"metadata\" has more than %d keys", what,
				    WO_METADATA_MAX);
	if (n == 0)
		return 0;
	u->metadata = calloc(n, sizeof(*u->metadata));
	if (u->metadata == NULL)
		return out_of_memory(err);
	u->metadata_count = n;
	json_object_object_foreach(m, key, value)
	{
		size_t klen = strlen(key);

		/* The key is checked before it may appear in a message. */
		if (klen == 0 || klen > WO_METADATA_KEY_MAX || !wo_text_is_printable(key, klen))
			return wo_error_set(err, WO_ERR_DECODE,
					    "%s: field \"metadata\" has a bad key", what);
		snprintf(name, sizeof(name), "%s: metadata \"%s\"", what, key);
		u->metadata[i].key = strdup(key);
		if (u->metadata[i].key == NULL)
			return out_of_memory(err);
		if (wo_json_string_value(value, name, 0, WO_METADATA_VALUE_MAX,
					 &u->metadata[i].value, err) != 0)
			return -1;
		i++;
	}
	return 0;
}

/* Length of the character at s[0..len) when it is a whole, printable
 * UTF-8 character; 0 otherwise. */
static size_t printable_char(const unsigned char *s, size_t len)
{
	size_t n = 0;

	if (s[0] < 0x80)
		n = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4;
	if (n == 0 || n > len || !wo_text_is_printable((const char *)s, n))
		return 0;
	return n;
}

/*
 * A name a person typed (first_name, last_name): text, not an identifier,
 * so one odd profile must not make a whole page unreadable.  Any string up
 * to WO_PERSON_TEXT_MAX bytes is taken; each control character (C0, DEL,
 * C1, a NUL from "\u0000") or byte that is not part of a whole character
 * becomes '_', and the result is cut at a character boundary to
 * WO_PERSON_NAME_MAX bytes.  *cleaned is set when anything changed.
 */
static int person_text(struct json_object *o, const char *what, const char *field, char **out,
		       bool *cleaned, struct wo_error *err)
{
	struct json_object *v;
	const unsigned char *s;
	size_t len, w = 0;
	char *copy;

	*out = NULL;
	if (!json_object_object_get_ex(o, field, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"%s\" is not a string", what,
				    field);
	s = (const unsigned char *)json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len > WO_PERSON_TEXT_MAX)
		return wo_error_set(err, WO_ERR_DECODE,
				    "%s: field \"%s\" is too long (%zu bytes, at most %d)", what,
				    field, len, WO_PERSON_TEXT_MAX);
	copy = malloc((len < WO_PERSON_NAME_MAX ? len : WO_PERSON_NAME_MAX) + 1);
	if (copy == NULL)
		return out_of_memory(err);
	for (size_t i = 0; i < len;) {
		size_t n = printable_char(s + i, len - i);

		if (w + (n ? n : 1) > WO_PERSON_NAME_MAX) {
			*cleaned = true;
			break;
		}
		if (n == 0) {
			copy[w++] = '_';
			*cleaned = true;
			/* A C1 control is one character of two bytes: one '_'. */
			i += (s[i] & 0xe0) == 0xc0 && i + 1 < len && (s[i + 1] & 0xc0) == 0x80 ? 2
											       : 1;
			continue;
		}
		memcpy(copy + w, s + i, n);
		w += n;
		i += n;
	}
	copy[w] = '\0';
	*out = copy;
	return 0;
}

static int user_from(struct json_object *o, const char *what, struct wo_user *u,
		     struct wo_error *err)
{
	if (check_kind(o, what, "user", err) != 0 ||
	    wo_json_id(o, what, "id", "user_", REQ, &u->id, err) != 0 ||
	    wo_json_string(o, what, "email", 0, WO_EMAIL_MAX, &u->email, err) != 0 ||
	    wo_json_bool(o, what, "email_verified", 0, false, &u->email_verified, err) != 0 ||
	    person_text(o, what, "first_name", &u->first_name, &u->names_cleaned, err) != 0 ||
	    person_text(o, what, "last_name", &u->last_name, &u->names_cleaned, err) != 0 ||
	    wo_json_string(o, what, "external_id", 0, WO_PERSON_NAME_MAX, &u->external_id, err) !=
		0 ||
	    metadata_from(o, what, u, err) != 0)
		return -1;
	/* The spec requires email; older SDK types make it optional, so its
	 * absence is tolerated (mapping by email then fails for this user),
	 * but an empty one is not an address. */
	if (u->email != NULL && u->email[0] == '\0')
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"email\" is empty", what);
	return 0;
}

/* An optional embedded user, allocated only when present. */
static int user_opt_from(struct json_object *o, const char *what, struct wo_user **out,
			 struct wo_error *err)
{
	struct json_object *uo;
	char name[WHAT_MAX];

	if (wo_json_object(o, what, "user", 0, &uo, err) != 0)
		return -1;
	if (uo == NULL)
		return 0;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return out_of_memory(err);
	snprintf(name, sizeof(name), "%s.user", what);
	return user_from(uo, name, *out, err);
}

/* --- organizations, factors, challenges -------------------------------------- */

static int organization_from(struct json_object *o, const char *what, struct wo_organization *org,
			     struct wo_error *err)
{
	if (check_kind(o, what, "organization", err) != 0 ||
	    wo_json_id(o, what, "id", "org_", REQ, &org->id, err) != 0 ||
	    wo_json_string(o, what, "name", REQ, WO_PERSON_NAME_MAX, &org->name, err) != 0)
		return -1;
	return 0;
}

/* A factor as lists show it: id, type, user and the TOTP issuer and user.
 * *totp is the factor's totp object, for enrollment to read the rest. */
static int factor_fields(struct json_object *o, const char *what, struct wo_factor *f,
			 struct json_object **totp, struct wo_error *err)
{
	char name[WHAT_MAX];

	*totp = NULL;
	if (check_kind(o, what, "authentication_factor", err) != 0 ||
	    wo_json_id(o, what, "id", "auth_factor_", REQ, &f->id, err) != 0 ||
	    wo_json_string(o, what, "type", REQ | IDENT, WO_SLUG_MAX, &f->type, err) != 0 ||
	    wo_json_id(o, what, "user_id", "user_", 0, &f->user_id, err) != 0 ||
	    wo_json_object(o, what, "totp", 0, totp, err) != 0)
		return -1;
	if (*totp == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s.totp", what);
	if (wo_json_string(*totp, name, "issuer", 0, WO_PERSON_NAME_MAX, &f->totp_issuer, err) !=
		0 ||
	    wo_json_string(*totp, name, "user", 0, WO_EMAIL_MAX, &f->totp_user, err) != 0)
		return -1;
	return 0;
}

static int challenge_from(struct json_object *o, const char *what, struct wo_challenge *c,
			  struct wo_error *err)
{
	if (check_kind(o, what, "authentication_challenge", err) != 0 ||
	    wo_json_id(o, what, "id", "auth_challenge_", REQ, &c->id, err) != 0 ||
	    wo_json_id(o, what, "authentication_factor_id", "auth_factor_", 0,
		       &c->authentication_factor_id, err) != 0 ||
	    wo_json_string(o, what, "expires_at", 0, WO_TIMESTAMP_MAX, &c->expires_at, err) != 0)
		return -1;
	return 0;
}

/* --- arrays ---------------------------------------------------------------------- */

/* Reads o[field] (an array of at most max objects) into a new array of
 * `size`-byte structs through fn.  *count is set as soon as the array
 * exists, so that the owner's _clear frees partial results. */
typedef int (*item_fn)(struct json_object *item, const char *what, void *out, struct wo_error *err);

/* For lists of people (users, memberships): an item fn refuses is left out
 * and recorded instead of failing the page, so that one profile with a bad
 * email or metadata cannot stop every sync (and with it every removal).
 * The page itself (its shape, cursors, item count) is still strict, and
 * so is running out of memory. */
struct skips {
	void (*clear)(void *item);
	const char *user_id_field; /* where an item names its user: "id", "user_id" */
	struct wo_list_skip **v;
	size_t *n;
};

static int skip_item(struct skips *sk, struct json_object *item, void *out, struct wo_error *err)
{
	struct wo_error ignored = WO_ERROR_INIT;
	struct wo_list_skip *grown, *k;

	sk->clear(out);
	grown = realloc(*sk->v, (*sk->n + 1) * sizeof(**sk->v));
	if (grown == NULL)
		return out_of_memory(err);
	*sk->v = grown;
	k = &grown[(*sk->n)++];
	memset(k, 0, sizeof(*k));
	k->reason = strdup(err->message);
	if (k->reason == NULL)
		return out_of_memory(err);
	if (json_object_is_type(item, json_type_object) &&
	    wo_json_id(item, "item", sk->user_id_field, "user_", 0, &k->user_id, &ignored) != 0)
		k->user_id = NULL;
	wo_error_clear(err);
	return 0;
}

static int array_from_skipping(struct json_object *o, const char *what, const char *field,
			       int flags, size_t max, size_t size, item_fn fn, void **items,
			       size_t *count, struct skips *sk, struct wo_error *err)
{
	struct json_object *arr;
	char name[WHAT_MAX];
	size_t n, w = 0;

	if (wo_json_array(o, what, field, flags, max, &arr, err) != 0)
		return -1;
	if (arr == NULL)
		return 0;
	n = json_object_array_length(arr);
	if (n == 0)
		return 0;
	*items = calloc(n, size);
	if (*items == NULL)
		return out_of_memory(err);
	*count = n;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(arr, i);
		void *out = (char *)*items + w * size;

		snprintf(name, sizeof(name), "%s: %s[%zu]", what, field, i);
		if (!json_object_is_type(item, json_type_object))
			wo_error_set(err, WO_ERR_DECODE, "%s is not an object", name);
		else if (fn(item, name, out, err) == 0) {
			w++;
			continue;
		}
		if (sk == NULL || err->kind != WO_ERR_DECODE)
			return -1;
		if (skip_item(sk, item, out, err) != 0)
			return -1;
	}
	/* Slots past w were cleared by skip_item: zeroed, nothing to free. */
	*count = w;
	return 0;
}

static int array_from(struct json_object *o, const char *what, const char *field, int flags,
		      size_t max, size_t size, item_fn fn, void **items, size_t *count,
		      struct wo_error *err)
{
	return array_from_skipping(o, what, field, flags, max, size, fn, items, count, NULL, err);
}

static int factor_item(struct json_object *item, const char *what, void *out, struct wo_error *err)
{
	struct json_object *totp;

	return factor_fields(item, what, out, &totp, err);
}

static int organization_item(struct json_object *item, const char *what, void *out,
			     struct wo_error *err)
{
	return organization_from(item, what, out, err);
}

static int user_item(struct json_object *item, const char *what, void *out, struct wo_error *err)
{
	return user_from(item, what, out, err);
}

/* An array of identifiers with a prefix ("conn_"). */
static int id_array_from(struct json_object *o, const char *what, const char *field,
			 const char *prefix, char ***items, size_t *count, struct wo_error *err)
{
	struct json_object *arr;
	char name[WHAT_MAX];
	size_t n, plen = strlen(prefix);

	if (wo_json_array(o, what, field, 0, WO_ERROR_ITEMS_MAX, &arr, err) != 0)
		return -1;
	if (arr == NULL)
		return 0;
	n = json_object_array_length(arr);
	if (n == 0)
		return 0;
	*items = calloc(n, sizeof(**items));
	if (*items == NULL)
		return out_of_memory(err);
	*count = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s: %s[%zu]", what, field, i);
		if (wo_json_string_value(json_object_array_get_idx(arr, i), name, IDENT, 128,
					 &(*items)[i], err) != 0)
			return -1;
		if (strncmp((*items)[i], prefix, plen) != 0 || (*items)[i][plen] == '\0')
			return wo_error_set(err, WO_ERR_DECODE, "%s is not a %s... identifier",
					    name, prefix);
	}
	return 0;
}

/* {"object":"list","data":[...],"list_metadata":{"before","after"}};
 * sk NULL: every item must decode. */
static int list_from(struct json_object *o, const char *what, size_t size, item_fn fn, void **items,
		     size_t *count, struct wo_list_metadata *meta, struct skips *sk,
		     struct wo_error *err)
{
	struct json_object *m;
	char name[WHAT_MAX];

	if (check_kind(o, what, "list", err) != 0 ||
	    array_from_skipping(o, what, "data", REQ, WO_LIST_MAX_ITEMS, size, fn, items, count, sk,
				err) != 0 ||
	    wo_json_object(o, what, "list_metadata", REQ, &m, err) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s: list_metadata", what);
	if (wo_json_string(m, name, "before", TOKEN, WO_CURSOR_MAX, &meta->before, err) != 0 ||
	    wo_json_string(m, name, "after", TOKEN, WO_CURSOR_MAX, &meta->after, err) != 0)
		return -1;
	/* An empty cursor would restart the listing from the top forever. */
	if (meta->after != NULL && meta->after[0] == '\0')
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"after\" is empty", name);
	return 0;
}

/* --- memberships ---------------------------------------------------------------- */

static int slug_item(struct json_object *item, const char *what, void *out, struct wo_error *err)
{
	return wo_json_string(item, what, "slug", REQ | IDENT, WO_SLUG_MAX, out, err);
}

static int membership_from(struct json_object *o, const char *what, struct wo_membership *m,
			   struct wo_error *err)
{
	struct json_object *role;
	char name[WHAT_MAX];
	bool seen = false;

	if (check_kind(o, what, "organization_membership", err) != 0 ||
	    wo_json_id(o, what, "id", "om_", REQ, &m->id, err) != 0 ||
	    wo_json_id(o, what, "user_id", "user_", REQ, &m->user_id, err) != 0 ||
	    wo_json_id(o, what, "organization_id", "org_", REQ, &m->organization_id, err) != 0 ||
	    wo_json_string(o, what, "status", REQ | IDENT, WO_SLUG_MAX, &m->status, err) != 0 ||
	    wo_json_object(o, what, "role", 0, &role, err) != 0)
		return -1;
	if (role != NULL) {
		snprintf(name, sizeof(name), "%s.role", what);
		if (wo_json_string(role, name, "slug", REQ | IDENT, WO_SLUG_MAX, &m->role, err) !=
		    0)
			return -1;
	}
	if (array_from(o, what, "roles", 0, WO_ROLES_MAX, sizeof(char *), slug_item,
		       (void **)&m->roles, &m->role_count, err) != 0)
		return -1;
	if (m->role == NULL && m->role_count == 0)
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"role\" is missing", what);
	/* roles[] is the whole set and normally holds role; when it does not
	 * (or is absent) role joins it, so one list answers every role check. */
	for (size_t i = 0; m->role != NULL && i < m->role_count; i++)
		seen = seen || strcmp(m->roles[i], m->role) == 0;
	if (m->role != NULL && !seen) {
		char **grown = realloc(m->roles, (m->role_count + 1) * sizeof(*grown));

		if (grown == NULL)
			return out_of_memory(err);
		m->roles = grown;
		m->roles[m->role_count] = strdup(m->role);
		if (m->roles[m->role_count] == NULL)
			return out_of_memory(err);
		m->role_count++;
	}
	return user_opt_from(o, what, &m->user, err);
}

static int membership_item(struct json_object *item, const char *what, void *out,
			   struct wo_error *err)
{
	return membership_from(item, what, out, err);
}

/* --- authentication ------------------------------------------------------------- */

static int authentication_from(struct json_object *o, const char *what, struct wo_authentication *a,
			       struct wo_error *err)
{
	struct json_object *uo, *imp;
	char name[WHAT_MAX];
	char *token_type = NULL;
	int64_t expires_in;
	bool bearer;

	/* The spec requires user; the device-code docs list only the tokens,
	 * token_type and expires_in.  Absent, a->user stays zeroed and the
	 * caller takes the identity from the verified token's sub. */
	if (wo_json_object(o, what, "user", 0, &uo, err) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s.user", what);
	if (uo != NULL && user_from(uo, name, &a->user, err) != 0)
		return -1;
	/* RFC 6749 section 7.1: token_type is case-insensitive; anything but
	 * Bearer would mean a token this client does not know how to use.
	 * expires_in is advisory (the token's exp decides) but typed. */
	if (wo_json_string(o, what, "token_type", IDENT, WO_SLUG_MAX, &token_type, err) != 0)
		return -1;
	bearer = token_type == NULL || strcasecmp(token_type, "Bearer") == 0;
	free(token_type);
	if (!bearer)
		return wo_error_set(err, WO_ERR_DECODE,
				    "%s: field \"token_type\" is not \"Bearer\"", what);
	if (wo_json_int(o, what, "expires_in", 0, 0, WO_TOKEN_LIFE_MAX, 0, &expires_in, err) != 0 ||
	    wo_json_id(o, what, "organization_id", "org_", 0, &a->organization_id, err) != 0 ||
	    wo_json_string(o, what, "access_token", REQ | SECRET | TOKEN, WO_ACCESS_TOKEN_MAX,
			   &a->access_token, err) != 0 ||
	    wo_json_string(o, what, "refresh_token", REQ | SECRET | TOKEN, WO_OPAQUE_TOKEN_MAX,
			   &a->refresh_token, err) != 0 ||
	    wo_json_string(o, what, "authentication_method", IDENT, WO_SLUG_MAX,
			   &a->authentication_method, err) != 0 ||
	    wo_json_object(o, what, "impersonator", 0, &imp, err) != 0)
		return -1;
	if (imp == NULL)
		return 0;
	a->impersonator = calloc(1, sizeof(*a->impersonator));
	if (a->impersonator == NULL)
		return out_of_memory(err);
	snprintf(name, sizeof(name), "%s.impersonator", what);
	if (wo_json_string(imp, name, "email", REQ, WO_EMAIL_MAX, &a->impersonator->email, err) !=
		0 ||
	    wo_json_string(imp, name, "reason", 0, WO_MESSAGE_MAX, &a->impersonator->reason, err) !=
		0)
		return -1;
	return 0;
}

static int device_authorization_from(struct json_object *o, const char *what,
				     struct wo_device_authorization *d, struct wo_error *err)
{
	int64_t expires_in, interval;

	if (wo_json_string(o, what, "device_code", REQ | SECRET | TOKEN, WO_OPAQUE_TOKEN_MAX,
			   &d->device_code, err) != 0 ||
	    wo_json_string(o, what, "user_code", REQ | TOKEN, WO_USER_CODE_MAX, &d->user_code,
			   err) != 0 ||
	    wo_json_string(o, what, "verification_uri", REQ | TOKEN, WO_URL_MAX,
			   &d->verification_uri, err) != 0 ||
	    check_url(d->verification_uri, what, "verification_uri", NULL, err) != 0 ||
	    wo_json_string(o, what, "verification_uri_complete", TOKEN, WO_URL_MAX,
			   &d->verification_uri_complete, err) != 0 ||
	    check_url(d->verification_uri_complete, what, "verification_uri_complete", NULL, err) !=
		0 ||
	    wo_json_int(o, what, "expires_in", REQ, WO_EXPIRES_IN_MIN, WO_EXPIRES_IN_MAX, 0,
			&expires_in, err) != 0 ||
	    wo_json_int(o, what, "interval", 0, WO_INTERVAL_MIN, WO_INTERVAL_MAX,
			WO_INTERVAL_DEFAULT, &interval, err) != 0)
		return -1;
	d->expires_in = (int)expires_in;
	d->interval = (int)interval;
	return 0;
}

/* --- errors ------------------------------------------------------------------------- */

/* An error's message only decorates its code: one that is not printable
 * text within bounds is dropped rather than failing the whole body, so
 * that a stray newline in a description cannot turn "authorization_pending"
 * into a failed login.  It is never let through as it came. */
static void message_from(struct json_object *o, const char *what, const char *field, char **out)
{
	struct wo_error ignored = WO_ERROR_INIT;

	if (*out == NULL)
		wo_json_string(o, what, field, 0, WO_MESSAGE_MAX, out, &ignored);
}

static int api_error_from(struct json_object *o, const char *what, struct wo_api_error *e,
			  struct wo_error *err)
{
	/* {code,message} first, then OAuth's {error,error_description}; the
	 * code must fit a wo_error whole, or a truncated one could match a
	 * different code. */
	if (wo_json_string(o, what, "code", IDENT, WO_ERROR_CODE_MAX - 1, &e->code, err) != 0 ||
	    (e->code == NULL &&
	     wo_json_string(o, what, "error", IDENT, WO_ERROR_CODE_MAX - 1, &e->code, err) != 0))
		return -1;
	message_from(o, what, "message", &e->message);
	message_from(o, what, "error_description", &e->message);
	if ((e->code == NULL || e->code[0] == '\0') &&
	    (e->message == NULL || e->message[0] == '\0'))
		return wo_error_set(err, WO_ERR_DECODE, "%s: no code, error or message", what);
	if (e->code != NULL && e->code[0] == '\0') {
		free(e->code);
		e->code = NULL;
	}
	if (wo_json_string(o, what, "pending_authentication_token", SECRET | TOKEN,
			   WO_OPAQUE_TOKEN_MAX, &e->pending_authentication_token, err) != 0 ||
	    array_from(o, what, "authentication_factors", 0, WO_ERROR_ITEMS_MAX,
		       sizeof(struct wo_factor), factor_item, (void **)&e->authentication_factors,
		       &e->authentication_factor_count, err) != 0 ||
	    array_from(o, what, "organizations", 0, WO_ERROR_ITEMS_MAX,
		       sizeof(struct wo_organization), organization_item,
		       (void **)&e->organizations, &e->organization_count, err) != 0 ||
	    user_opt_from(o, what, &e->user, err) != 0 ||
	    wo_json_string(o, what, "email", 0, WO_EMAIL_MAX, &e->email, err) != 0 ||
	    wo_json_id(o, what, "email_verification_id", "email_verification_", 0,
		       &e->email_verification_id, err) != 0 ||
	    id_array_from(o, what, "connection_ids", "conn_", &e->connection_ids,
			  &e->connection_id_count, err) != 0)
		return -1;
	return 0;
}

/* --- MFA ---------------------------------------------------------------------------- */

static int verification_from(struct json_object *o, const char *what, struct wo_verification *v,
			     struct wo_error *err)
{
	struct json_object *c;
	char name[WHAT_MAX];

	if (wo_json_object(o, what, "challenge", REQ, &c, err) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s.challenge", what);
	if (challenge_from(c, name, &v->challenge, err) != 0 ||
	    wo_json_bool(o, what, "valid", REQ, false, &v->valid, err) != 0)
		return -1;
	return 0;
}

static int enrollment_from(struct json_object *o, const char *what, struct wo_enrollment *e,
			   struct wo_error *err)
{
	struct json_object *f, *totp, *c;
	char name[WHAT_MAX];

	if (wo_json_object(o, what, "authentication_factor", REQ, &f, err) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s.authentication_factor", what);
	if (factor_fields(f, name, &e->factor, &totp, err) != 0)
		return -1;
	if (strcmp(e->factor.type, "totp") != 0)
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"type\" is not \"totp\"", name);
	if (totp == NULL)
		return wo_error_set(err, WO_ERR_DECODE, "%s: field \"totp\" is missing", name);
	snprintf(name, sizeof(name), "%s.authentication_factor.totp", what);
	if (wo_json_string(totp, name, "secret", REQ | SECRET | TOKEN, WO_TOTP_SECRET_MAX,
			   &e->totp_secret, err) != 0 ||
	    wo_json_string(totp, name, "uri", REQ | SECRET | TOKEN, WO_URL_MAX, &e->totp_uri,
			   err) != 0 ||
	    check_url(e->totp_uri, name, "uri", "otpauth://", err) != 0 ||
	    wo_json_object(o, what, "authentication_challenge", REQ, &c, err) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s.authentication_challenge", what);
	return wo_json_id(c, name, "id", "auth_challenge_", REQ, &e->challenge_id, err);
}

/* --- entry points ------------------------------------------------------------------- */

static int parse(const char *body, size_t len, const char *what, struct json_object **root,
		 struct wo_error *err)
{
	*root = NULL;
	if (body == NULL || len == 0)
		return wo_error_set(err, WO_ERR_DECODE, "%s: response body is empty", what);
	if (wo_json_parse_object(body, len, root, err) != 0)
		return wo_error_prefix(err, "%s", what);
	return 0;
}

/* One public decoder: parse, fill through fn, clear *out on failure. */
#define DECODER(name, type, what, fn)                                                              \
	int wo_decode_##name(const char *body, size_t len, struct type *out, struct wo_error *err) \
	{                                                                                          \
		struct json_object *root;                                                          \
		int rc;                                                                            \
                                                                                                   \
		memset(out, 0, sizeof(*out));                                                      \
		if (parse(body, len, what, &root, err) != 0)                                       \
			return -1;                                                                 \
		rc = fn(root, what, out, err);                                                     \
		json_object_put(root);                                                             \
		if (rc != 0)                                                                       \
			type##_clear(out);                                                         \
		return rc == 0 ? 0 : -1;                                                           \
	}

static void user_item_clear(void *item)
{
	wo_user_clear(item);
}

static void membership_item_clear(void *item)
{
	wo_membership_clear(item);
}

static int user_list_from(struct json_object *o, const char *what, struct wo_user_list *l,
			  struct wo_error *err)
{
	struct skips sk = {user_item_clear, "id", &l->skipped, &l->skipped_count};

	return list_from(o, what, sizeof(struct wo_user), user_item, (void **)&l->items, &l->count,
			 &l->list_metadata, &sk, err);
}

static int membership_list_from(struct json_object *o, const char *what,
				struct wo_membership_list *l, struct wo_error *err)
{
	struct skips sk = {membership_item_clear, "user_id", &l->skipped, &l->skipped_count};

	return list_from(o, what, sizeof(struct wo_membership), membership_item, (void **)&l->items,
			 &l->count, &l->list_metadata, &sk, err);
}

static int factor_list_from(struct json_object *o, const char *what, struct wo_factor_list *l,
			    struct wo_error *err)
{
	return list_from(o, what, sizeof(struct wo_factor), factor_item, (void **)&l->items,
			 &l->count, &l->list_metadata, NULL, err);
}

/* --- events ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	enum wo_event_kind kind;
} event_names[] = {
    {"user.created", WO_EVENT_USER_CREATED},
    {"user.updated", WO_EVENT_USER_UPDATED},
    {"user.deleted", WO_EVENT_USER_DELETED},
    {"organization_membership.created", WO_EVENT_MEMBERSHIP_CREATED},
    {"organization_membership.updated", WO_EVENT_MEMBERSHIP_UPDATED},
    {"organization_membership.deleted", WO_EVENT_MEMBERSHIP_DELETED},
};

static int event_from(struct json_object *o, const char *what, struct wo_event *e,
		      struct wo_error *err)
{
	struct json_object *data;
	char *name = NULL, dname[WHAT_MAX];
	int rc = -1;

	if (check_kind(o, what, "event", err) != 0 ||
	    wo_json_id(o, what, "id", "event_", REQ, &e->id, err) != 0 ||
	    wo_json_string(o, what, "event", REQ | IDENT, WO_SLUG_MAX, &name, err) != 0 ||
	    wo_json_string(o, what, "created_at", REQ, WO_TIMESTAMP_MAX, &e->created_at, err) != 0)
		goto out;
	e->kind = WO_EVENT_OTHER;
	for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if (strcmp(name, event_names[i].name) == 0)
			e->kind = event_names[i].kind;
	if (e->kind == WO_EVENT_OTHER) {
		rc = 0; /* not ours: its data is not read at all */
		goto out;
	}
	if (wo_json_object(o, what, "data", REQ, &data, err) != 0)
		goto out;
	snprintf(dname, sizeof(dname), "%s.data", what);
	if (e->kind <= WO_EVENT_USER_DELETED) {
		e->user = calloc(1, sizeof(*e->user));
		if (e->user == NULL) {
			out_of_memory(err);
			goto out;
		}
		rc = user_from(data, dname, e->user, err);
	} else {
		e->membership = calloc(1, sizeof(*e->membership));
		if (e->membership == NULL) {
			out_of_memory(err);
			goto out;
		}
		rc = membership_from(data, dname, e->membership, err);
	}
out:
	free(name);
	return rc;
}

static int event_item(struct json_object *item, const char *what, void *out, struct wo_error *err)
{
	return event_from(item, what, out, err);
}

static int event_list_from(struct json_object *o, const char *what, struct wo_event_list *l,
			   struct wo_error *err)
{
	return list_from(o, what, sizeof(struct wo_event), event_item, (void **)&l->items,
			 &l->count, &l->list_metadata, NULL, err);
}

DECODER(api_error, wo_api_error, "error body", api_error_from)
DECODER(device_authorization, wo_device_authorization, "device authorization",
	device_authorization_from)
DECODER(authentication, wo_authentication, "authentication", authentication_from)
DECODER(challenge, wo_challenge, "challenge", challenge_from)
DECODER(verification, wo_verification, "verification", verification_from)
DECODER(enrollment, wo_enrollment, "enrollment", enrollment_from)
DECODER(factor_list, wo_factor_list, "factor list", factor_list_from)
DECODER(user, wo_user, "user", user_from)
DECODER(organization, wo_organization, "organization", organization_from)
DECODER(membership, wo_membership, "membership", membership_from)
DECODER(user_list, wo_user_list, "user list", user_list_from)
DECODER(membership_list, wo_membership_list, "membership list", membership_list_from)
DECODER(event_list, wo_event_list, "event list", event_list_from)
