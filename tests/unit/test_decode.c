/* SPDX-License-Identifier: MIT */
/*
 * The typed decoders against bodies written from the WorkOS docs
 * (tests/unit/data/, found through $top_srcdir or argv[1]) and against
 * hostile ones, mostly derived from those: every field removed, nulled or
 * retyped, every truncation, oversized strings and lists, control
 * characters, NUL bytes, deep nesting, and failing allocations.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>

#include <json-c/json.h>

#include "decode.h"
#include "json.h"
#include "tap.h"

static const char *data_dir;

/* Whether a decoded membership holds role `slug` (roles always includes
 * role). */
static bool has_role(const struct wo_membership *m, const char *slug)
{
	for (size_t i = 0; i < m->role_count; i++)
		if (strcmp(m->roles[i], slug) == 0)
			return true;
	return false;
}

/* --- helpers --------------------------------------------------------------- */

static char *load(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		printf("Bail out! cannot open %s: %s\n", path, strerror(errno));
		exit(99);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		printf("Bail out! cannot read %s\n", path);
		exit(99);
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Every decoder behind one signature, for the table-driven cases. */
struct decoder {
	const char *name;
	size_t size;
	int (*decode)(const char *body, size_t len, void *out, struct wo_error *err);
	void (*clear)(void *out);
	const char *fixture; /* a valid body */
};

#define WRAP(t)                                                                                    \
	static int dec_##t(const char *b, size_t l, void *o, struct wo_error *e)                   \
	{                                                                                          \
		return wo_decode_##t(b, l, o, e);                                                  \
	}                                                                                          \
	static void clr_##t(void *o)                                                               \
	{                                                                                          \
		wo_##t##_clear(o);                                                                 \
	}
WRAP(api_error)
WRAP(device_authorization)
WRAP(authentication)
WRAP(challenge)
WRAP(verification)
WRAP(enrollment)
WRAP(factor_list)
WRAP(user)
WRAP(organization)
WRAP(membership)
WRAP(user_list)
WRAP(membership_list)

#define D(t, fx)                                                                                   \
	{                                                                                          \
#t, sizeof(struct wo_##t), dec_##t, clr_##t, fx                                    \
	}
static const struct decoder decoders[] = {
    D(api_error, "error_mfa_challenge.json"),
    D(device_authorization, "device_authorization.json"),
    D(authentication, "authentication_impersonator.json"),
    D(challenge, "challenge.json"),
    D(verification, "verification.json"),
    D(enrollment, "enrollment.json"),
    D(factor_list, "factor_list.json"),
    D(user, "user.json"),
    D(organization, "organization.json"),
    D(membership, "membership.json"),
    D(user_list, "user_list.json"),
    D(membership_list, "membership_list.json"),
};
#define N_DECODERS (sizeof(decoders) / sizeof(decoders[0]))

static const struct decoder *decoder_named(const char *name)
{
	for (size_t i = 0; i < N_DECODERS; i++)
		if (strcmp(decoders[i].name, name) == 0)
			return &decoders[i];
	printf("Bail out! no decoder %s\n", name);
	exit(99);
}

/* Runs d on body; on failure checks that *out is all zero.  Returns rc and
 * leaves err for the caller's message checks. */
static int run(const struct decoder *d, const char *body, size_t len, struct wo_error *err)
{
	void *out = malloc(d->size);
	int rc;

	memset(out, 0xa5, d->size); /* garbage: decoders must not trust *out */
	*err = (struct wo_error)WO_ERROR_INIT;
	rc = d->decode(body, len, out, err);
	if (rc != 0 && !all_zero(out, d->size))
		ok(0, "%s: *out is cleared after a failure", d->name);
	if (rc == 0)
		d->clear(out);
	if (rc != 0 && err->kind == WO_ERR_NONE)
		ok(0, "%s: a failure sets err", d->name);
	free(out);
	return rc;
}

static void refused(const char *decoder, const char *body, size_t len, const char *needle,
		    const char *why)
{
	const struct decoder *d = decoder_named(decoder);
	struct wo_error err;
	int rc = run(d, body, len, &err);

	ok(rc == -1 && err.kind == WO_ERR_DECODE, "%s refuses %s", decoder, why);
	if (needle != NULL)
		like(err.message, needle, "  message names it: %s", why);
}

#define REFUSED(dec, body, needle, why) refused(dec, body, strlen(body), needle, why)

/* --- mutations of a fixture through json-c ------------------------------------ */

enum op { DEL, SET_NULL, SET_INT, SET_STR, SET_BOOL, SET_ARR, SET_OBJ };

/* Applies op at path ("user.email", "data.2.role.slug") of fixture and
 * returns the new text (free it). */
static char *mutate(const char *fixture, const char *path, enum op op, const char *str)
{
	size_t len;
	char *text = load(fixture, &len), *copy, *seg, *save, *out;
	struct json_object *root = json_tokener_parse(text), *cur = root, *next;
	char last[128] = "";

	copy = strdup(path);
	for (seg = strtok_r(copy, ".", &save); seg != NULL; seg = strtok_r(NULL, ".", &save)) {
		char *rest = save;

		if (rest == NULL || *rest == '\0') {
			snprintf(last, sizeof(last), "%s", seg);
			break;
		}
		if (json_object_is_type(cur, json_type_array))
			next = json_object_array_get_idx(cur, (size_t)atoi(seg));
		else if (!json_object_object_get_ex(cur, seg, &next))
			next = NULL;
		if (next == NULL) {
			printf("Bail out! no %s in %s\n", path, fixture);
			exit(99);
		}
		cur = next;
	}
	if (json_object_is_type(cur, json_type_array)) {
		size_t idx = (size_t)atoi(last);
		struct json_object *v = NULL;

		switch (op) {
		case DEL:
			json_object_array_del_idx(cur, idx, 1);
			break;
		case SET_NULL:
			break;
		case SET_INT:
			v = json_object_new_int(42);
			break;
		case SET_STR:
			v = json_object_new_string(str);
			break;
		case SET_BOOL:
			v = json_object_new_boolean(1);
			break;
		case SET_ARR:
			v = json_object_new_array();
			break;
		case SET_OBJ:
			v = json_object_new_object();
			break;
		}
		if (op != DEL)
			json_object_array_put_idx(cur, idx, v);
	} else {
		switch (op) {
		case DEL:
			json_object_object_del(cur, last);
			break;
		case SET_NULL:
			json_object_object_add(cur, last, NULL);
			break;
		case SET_INT:
			json_object_object_add(cur, last, json_object_new_int(42));
			break;
		case SET_STR:
			json_object_object_add(cur, last, json_object_new_string(str));
			break;
		case SET_BOOL:
			json_object_object_add(cur, last, json_object_new_boolean(1));
			break;
		case SET_ARR:
			json_object_object_add(cur, last, json_object_new_array());
			break;
		case SET_OBJ:
			json_object_object_add(cur, last, json_object_new_object());
			break;
		}
	}
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	free(copy);
	free(text);
	return out;
}

static void refused_mutation(const char *decoder, const char *fixture, const char *path, enum op op,
			     const char *str, const char *needle)
{
	static const char *const names[] = {"removed",	 "null",     "an integer", "a string",
					    "a boolean", "an array", "an object"};
	char *body = mutate(fixture, path, op, str);
	char why[256];

	snprintf(why, sizeof(why), "%s with %s %s", fixture, path, names[op]);
	refused(decoder, body, strlen(body), needle, why);
	free(body);
}

static void accepted_mutation(const char *decoder, const char *fixture, const char *path,
			      enum op op, const char *str)
{
	static const char *const names[] = {"removed",	 "null",     "an integer", "a string",
					    "a boolean", "an array", "an object"};
	const struct decoder *d = decoder_named(decoder);
	char *body = mutate(fixture, path, op, str);
	struct wo_error err;

	ok(run(d, body, strlen(body), &err) == 0, "%s accepts %s with optional %s %s", decoder,
	   fixture, path, names[op]);
	if (err.kind != WO_ERR_NONE)
		diag("%s", err.message);
	free(body);
}

/* A list whose item `path` breaks a rule: the page decodes without that
 * item, which is recorded in `skipped` with a message holding `needle` and
 * the item's user id when it still has a valid one (`user_id`, or NULL). */
static void skipped_mutation(const char *decoder, const char *fixture, const char *path, enum op op,
			     const char *str, const char *needle, const char *user_id)
{
	static const char *const names[] = {"removed",	 "null",     "an integer", "a string",
					    "a boolean", "an array", "an object"};
	char *body = mutate(fixture, path, op, str), *whole;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_list_skip *sk = NULL;
	size_t n = 0, n_whole = 0, n_skipped = 0, len;
	struct wo_user_list ul;
	struct wo_membership_list ml;
	bool users = strcmp(decoder, "user_list") == 0;
	int rc;

	whole = load(fixture, &len);
	if (users) {
		if (wo_decode_user_list(whole, len, &ul, &err) == 0)
			n_whole = ul.count;
		wo_user_list_clear(&ul);
		rc = wo_decode_user_list(body, strlen(body), &ul, &err);
		n = ul.count, sk = ul.skipped, n_skipped = ul.skipped_count;
	} else {
		if (wo_decode_membership_list(whole, len, &ml, &err) == 0)
			n_whole = ml.count;
		wo_membership_list_clear(&ml);
		rc = wo_decode_membership_list(body, strlen(body), &ml, &err);
		n = ml.count, sk = ml.skipped, n_skipped = ml.skipped_count;
	}
	ok(rc == 0 && n + 1 == n_whole && n_skipped == 1,
	   "%s: %s with %s %s: the page decodes without that item", decoder, fixture, path,
	   names[op]);
	if (rc != 0)
		diag("%s", err.message);
	if (n_skipped == 1) {
		like(sk[0].reason, needle, "  the skip says why: %s", needle);
		if (user_id == NULL)
			ok(sk[0].user_id == NULL, "  no usable user id to name it by");
		else
			is_str(sk[0].user_id, user_id, "  it is named by its user id");
	}
	if (users)
		wo_user_list_clear(&ul);
	else
		wo_membership_list_clear(&ml);
	free(body);
	free(whole);
}

/* --- realistic bodies ------------------------------------------------------------ */

static void test_device_authorization(void)
{
	struct wo_device_authorization d;
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *body = load("device_authorization.json", &len);

	ok(wo_decode_device_authorization(body, len, &d, &err) == 0,
	   "device authorization decodes");
	is_str(d.device_code, "Ew0dXtPuQw8z1JrpNz1xk4bS9tE7aGvX2cLqM3nR5yU", "  device_code");
	is_str(d.user_code, "BCDF-GHJK", "  user_code");
	is_str(d.verification_uri, "https://auth.example.com/device", "  verification_uri");
	is_str(d.verification_uri_complete, "https://auth.example.com/device?user_code=BCDF-GHJK",
	       "  verification_uri_complete");
	is_int(d.expires_in, 300, "  expires_in");
	is_int(d.interval, 5, "  interval");
	wo_device_authorization_clear(&d);
	ok(all_zero(&d, sizeof(d)), "  cleared");
	wo_device_authorization_clear(&d);
	free(body);

	body = load("device_authorization_minimal.json", &len);
	ok(wo_decode_device_authorization(body, len, &d, &err) == 0,
	   "device authorization without the optional fields decodes");
	ok(d.verification_uri_complete == NULL, "  no verification_uri_complete");
	is_int(d.interval, WO_INTERVAL_DEFAULT, "  interval defaults to 5 s");
	is_int(d.expires_in, 600, "  expires_in");
	wo_device_authorization_clear(&d);
	free(body);

	const char *f = "device_authorization.json";
	refused_mutation("device_authorization", f, "device_code", DEL, NULL,
			 "\"device_code\" is missing");
	refused_mutation("device_authorization", f, "device_code", SET_STR, "",
			 "\"device_code\" is empty");
	refused_mutation("device_authorization", f, "device_code", SET_STR, "has space",
			 "device_code");
	refused_mutation("device_authorization", f, "user_code", SET_NULL, NULL,
			 "\"user_code\" is missing");
	refused_mutation("device_authorization", f, "user_code", SET_INT, NULL, "not a string");
	refused_mutation("device_authorization", f, "verification_uri", DEL, NULL,
			 "verification_uri");
	refused_mutation("device_authorization", f, "verification_uri", SET_STR,
			 "javascript:alert(1)", "not an http(s) URL");
	refused_mutation("device_authorization", f, "verification_uri", SET_STR, "https://",
			 "http(s)");
	refused_mutation("device_authorization", f, "verification_uri_complete", SET_STR,
			 "file:///etc/shadow", "verification_uri_complete");
	refused_mutation("device_authorization", f, "verification_uri_complete", SET_STR,
			 "https://auth.example.com/device?\x1b[2J", "verification_uri_complete");
	refused_mutation("device_authorization", f, "expires_in", DEL, NULL,
			 "\"expires_in\" is missing");
	refused_mutation("device_authorization", f, "expires_in", SET_STR, "300", "not an integer");
	refused_mutation("device_authorization", f, "interval", SET_STR, "5", "not an integer");
	refused_mutation("device_authorization", f, "interval", SET_BOOL, NULL, "not an integer");
	accepted_mutation("device_authorization", f, "interval", SET_NULL, NULL);
	accepted_mutation("device_authorization", f, "verification_uri_complete", SET_NULL, NULL);

	/* Integer ranges. */
	static const struct {
		const char *field;
		long long v;
		bool good;
	} ranges[] = {
	    {"interval", 0, false},	 {"interval", 1, true},
	    {"interval", 300, true},	 {"interval", 301, false},
	    {"interval", -5, false},	 {"expires_in", 0, false},
	    {"expires_in", 1, true},	 {"expires_in", 3600, true},
	    {"expires_in", 3601, false}, {"expires_in", INT64_MAX, false},
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		char text[512];
		struct wo_error e;

		snprintf(text, sizeof(text),
			 "{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":"
			 "\"https://x/device\",\"expires_in\":%lld,\"interval\":%lld}",
			 strcmp(ranges[i].field, "expires_in") == 0 ? ranges[i].v : 300,
			 strcmp(ranges[i].field, "interval") == 0 ? ranges[i].v : 5);
		int rc = run(decoder_named("device_authorization"), text, strlen(text), &e);
		ok((rc == 0) == ranges[i].good, "%s = %lld is %s", ranges[i].field, ranges[i].v,
		   ranges[i].good ? "accepted" : "refused");
		if (!ranges[i].good)
			like(e.message, "out of range", "  message says out of range");
	}
	REFUSED("device_authorization",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://x/d\","
		"\"expires_in\":300.0}",
		"not an integer", "expires_in as a double");
	REFUSED("device_authorization",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://x/d\","
		"\"expires_in\":99999999999999999999999}",
		"out of range", "expires_in beyond 64 bits");
}

static void check_ada(const struct wo_user *u, const char *what)
{
	is_str(u->id, "user_01HZ3E4X5Y6Z7A8B9C0D1E2F3G", "  %s id", what);
	is_str(u->email, "ada@example.com", "  %s email", what);
	ok(u->email_verified, "  %s email_verified", what);
}

static void test_user(void)
{
	struct wo_user u;
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *body = load("user.json", &len);
	const char *f = "user.json";

	ok(wo_decode_user(body, len, &u, &err) == 0, "user decodes");
	check_ada(&u, "user");
	is_str(u.first_name, "Ada", "  first_name");
	is_str(u.last_name, "Lovelace", "  last_name");
	is_str(u.external_id, "emp-1815", "  external_id");
	is_int(u.metadata_count, 3, "  three metadata pairs");
	is_str(wo_user_metadata(&u, "unix_name"), "ada", "  metadata unix_name");
	is_str(wo_user_metadata(&u, "badge"), "\xc3\xa9t\xc3\xa9", "  metadata value in UTF-8");
	ok(wo_user_metadata(&u, "missing") == NULL, "  absent metadata key is NULL");
	wo_user_clear(&u);
	ok(all_zero(&u, sizeof(u)), "  cleared");
	free(body);

	refused_mutation("user", f, "id", DEL, NULL, "user: field \"id\" is missing");
	refused_mutation("user", f, "id", SET_STR, "usr_01", "not a user_... identifier");
	refused_mutation("user", f, "id", SET_STR, "user_", "identifier");
	refused_mutation("user", f, "id", SET_STR, "user_01/../x", "user: field \"id\"");
	refused_mutation("user", f, "id", SET_INT, NULL, "not a string");
	/* Required by the spec, optional in older SDK types: tolerated when
	 * absent (mapping then has no email to use), never empty. */
	accepted_mutation("user", f, "email", DEL, NULL);
	accepted_mutation("user", f, "email", SET_NULL, NULL);
	refused_mutation("user", f, "email", SET_STR, "", "\"email\" is empty");
	refused_mutation("user", f, "email", SET_ARR, NULL, "not a string");
	refused_mutation("user", f, "email", SET_STR, "ada@example.com\n", "characters it may not");
	refused_mutation("user", f, "email_verified", SET_STR, "true", "not a boolean");
	refused_mutation("user", f, "email_verified", SET_INT, NULL, "not a boolean");
	refused_mutation("user", f, "last_name", SET_OBJ, NULL, "not a string");
	refused_mutation("user", f, "first_name", SET_INT, NULL, "not a string");
	{
		/* Names are free text: cleaned, never refused, never kept raw. */
		static const struct {
			const char *field, *in, *out;
		} names[] = {
		    {"last_name", "Love\tlace", "Love_lace"},
		    {"first_name", "Ada\x1b]0;pwned\x07", "Ada_]0;pwned_"},
		    {"last_name", "Love\xc2\x9blace", "Love_lace"}, /* C1 CSI: one '_' */
		    {"first_name", "J\xc3\xa9r\xc3\xb4me", "J\xc3\xa9r\xc3\xb4me"},
		    {"first_name", "", ""},
		};
		char long_in[WO_PERSON_NAME_MAX + 50], long_out[WO_PERSON_NAME_MAX + 1];
		char long_utf8[WO_PERSON_TEXT_MAX + 1], too_long[WO_PERSON_TEXT_MAX + 2];
		char *b;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			b = mutate(f, names[i].field, SET_STR, names[i].in);
			ok(wo_decode_user(b, strlen(b), &u, &err) == 0, "user with %s #%zu decodes",
			   names[i].field, i);
			is_str(strcmp(names[i].field, "first_name") == 0 ? u.first_name
									 : u.last_name,
			       names[i].out, "  %s cleaned", names[i].field);
			ok(u.names_cleaned == (strcmp(names[i].in, names[i].out) != 0),
			   "  names_cleaned says whether it changed");
			is_str(u.id, "user_01HZ3E4X5Y6Z7A8B9C0D1E2F3G", "  the rest as sent");
			wo_user_clear(&u);
			free(b);
		}
		/* 300 bytes: cut to WO_PERSON_NAME_MAX. */
		memset(long_in, 'x', sizeof(long_in) - 1);
		long_in[sizeof(long_in) - 1] = '\0';
		memset(long_out, 'x', sizeof(long_out) - 1);
		long_out[sizeof(long_out) - 1] = '\0';
		b = mutate(f, "first_name", SET_STR, long_in);
		ok(wo_decode_user(b, strlen(b), &u, &err) == 0 && u.names_cleaned,
		   "a %zu-byte first_name decodes, marked cleaned", strlen(long_in));
		is_str(u.first_name, long_out, "  cut to %d bytes", WO_PERSON_NAME_MAX);
		wo_user_clear(&u);
		free(b);
		/* 2-byte characters across the cut: never half a character. */
		long_utf8[0] = 'x'; /* "x" then 2-byte characters: the cut falls inside one */
		for (size_t i = 1; i + 2 <= WO_PERSON_TEXT_MAX; i += 2)
			memcpy(long_utf8 + i, "\xc3\xa9", 2);
		long_utf8[WO_PERSON_TEXT_MAX - 1] = '\0';
		b = mutate(f, "last_name", SET_STR, long_utf8);
		ok(wo_decode_user(b, strlen(b), &u, &err) == 0 && u.last_name != NULL &&
		       strlen(u.last_name) <= WO_PERSON_NAME_MAX &&
		       strlen(u.last_name) >= WO_PERSON_NAME_MAX - 1 &&
		       wo_text_is_printable(u.last_name, strlen(u.last_name)),
		   "a %d-byte UTF-8 last_name is cut at a character boundary", WO_PERSON_TEXT_MAX);
		wo_user_clear(&u);
		free(b);
		memset(too_long, 'x', sizeof(too_long) - 1);
		too_long[sizeof(too_long) - 1] = '\0';
		refused_mutation("user", f, "first_name", SET_STR, too_long, "too long");
		const char *nul =
		    "{\"object\":\"user\",\"id\":\"user_1\",\"last_name\":\"a\\u0000b\"}";
		ok(wo_decode_user(nul, strlen(nul), &u, &err) == 0 && u.last_name != NULL &&
		       strcmp(u.last_name, "a_b") == 0 && u.names_cleaned,
		   "a NUL escape in a name becomes '_' (the C string is not cut)");
		wo_user_clear(&u);
	}
	refused_mutation("user", f, "external_id", SET_INT, NULL, "external_id");
	refused_mutation("user", f, "metadata", SET_ARR, NULL, "\"metadata\" is not an object");
	refused_mutation("user", f, "metadata", SET_STR, "x", "\"metadata\" is not an object");
	refused_mutation("user", f, "metadata.unix_name", SET_INT, NULL,
			 "metadata \"unix_name\" is not a string");
	refused_mutation("user", f, "metadata.unix_name", SET_NULL, NULL, "metadata \"unix_name\"");
	refused_mutation("user", f, "metadata.unix_name", SET_STR, "a\tb",
			 "metadata \"unix_name\"");
	refused_mutation("user", f, "metadata.bad\x1bkey", SET_STR, "v", "bad key");
	REFUSED("user", "{\"id\":\"user_1\",\"email\":\"a@b\",\"metadata\":{\"\":\"v\"}}",
		"bad key", "an empty metadata key");
	refused_mutation("user", f, "object", SET_STR, "organization",
			 "\"object\" is \"organization\"");
	accepted_mutation("user", f, "email_verified", DEL, NULL);
	accepted_mutation("user", f, "first_name", SET_NULL, NULL);
	accepted_mutation("user", f, "last_name", DEL, NULL);
	accepted_mutation("user", f, "external_id", SET_NULL, NULL);
	accepted_mutation("user", f, "metadata", SET_NULL, NULL);
	accepted_mutation("user", f, "metadata", SET_OBJ, NULL);
	accepted_mutation("user", f, "object", DEL, NULL);
	accepted_mutation("user", f, "profile_picture_url", SET_INT, NULL);
	accepted_mutation("user", f, "some_new_field", SET_ARR, NULL);

	body = mutate(f, "email", DEL, NULL);
	ok(wo_decode_user(body, strlen(body), &u, &err) == 0 && u.email == NULL,
	   "absent email is NULL");
	wo_user_clear(&u);
	free(body);
	body = mutate(f, "email_verified", DEL, NULL);
	ok(wo_decode_user(body, strlen(body), &u, &err) == 0 && !u.email_verified,
	   "absent email_verified means unverified");
	wo_user_clear(&u);
	free(body);
}

static void test_authentication(void)
{
	struct wo_authentication a;
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *body = load("authentication.json", &len);
	const char *f = "authentication.json";

	ok(wo_decode_authentication(body, len, &a, &err) == 0, "authentication decodes");
	check_ada(&a.user, "authentication user");
	ok(a.user.external_id == NULL, "  null external_id is NULL");
	is_int(a.user.metadata_count, 0, "  empty metadata");
	is_str(a.organization_id, "org_01HZ3E4X5Y6Z7A8B9C0D1E2F3H", "  organization_id");
	ok(a.access_token != NULL && strncmp(a.access_token, "eyJhbGciOiJSUzI1NiIs", 20) == 0,
	   "  access_token");
	is_str(a.refresh_token, "yAjhKk2RpQHzS1mJ8VX4uQtk3", "  refresh_token");
	is_str(a.authentication_method, "GoogleOAuth", "  authentication_method");
	ok(a.impersonator == NULL, "  no impersonator");
	wo_authentication_clear(&a);
	ok(all_zero(&a, sizeof(a)), "  cleared");
	free(body);

	body = load("authentication_impersonator.json", &len);
	ok(wo_decode_authentication(body, len, &a, &err) == 0,
	   "impersonated authentication decodes");
	ok(a.impersonator != NULL, "  impersonator present");
	if (a.impersonator != NULL) {
		is_str(a.impersonator->email, "admin@example.com", "  impersonator email");
		ok(a.impersonator->reason == NULL, "  null reason is NULL");
	}
	is_str(a.authentication_method, "Impersonation", "  method Impersonation");
	ok(a.user.first_name == NULL && a.user.last_name == NULL, "  null names are NULL");
	wo_authentication_clear(&a);
	free(body);

	body = load("authentication_minimal.json", &len);
	ok(wo_decode_authentication(body, len, &a, &err) == 0,
	   "authentication without organization, method and names decodes");
	ok(a.organization_id == NULL && a.authentication_method == NULL && a.impersonator == NULL,
	   "  optional fields NULL");
	ok(!a.user.email_verified, "  unverified email");
	wo_authentication_clear(&a);
	free(body);

	/* The device-code docs' success body: no user, no organization_id,
	 * token_type and expires_in instead.  The identity then comes from the
	 * verified token's sub; user stays zeroed. */
	static const char docs[] = "{\"access_token\":\"eyJhbGciOiJSUzI1NiJ9.e30.c2ln\","
				   "\"refresh_token\":\"yAjhKk2RpQHzS1mJ8VX4uQtk3\","
				   "\"token_type\":\"Bearer\",\"expires_in\":300}";
	ok(wo_decode_authentication(docs, strlen(docs), &a, &err) == 0,
	   "the docs' device-code success body (no user) decodes");
	ok(a.user.id == NULL && all_zero(&a.user, sizeof(a.user)), "  user is zeroed");
	is_str(a.access_token, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "  access_token");
	is_str(a.refresh_token, "yAjhKk2RpQHzS1mJ8VX4uQtk3", "  refresh_token");
	ok(a.organization_id == NULL && a.impersonator == NULL, "  nothing else");
	wo_authentication_clear(&a);
	accepted_mutation("authentication", f, "user", DEL, NULL);
	accepted_mutation("authentication", f, "user", SET_NULL, NULL);
	accepted_mutation("authentication", f, "token_type", SET_STR, "Bearer");
	accepted_mutation("authentication", f, "token_type", SET_STR, "bearer");
	accepted_mutation("authentication", f, "token_type", SET_NULL, NULL);
	accepted_mutation("authentication", f, "expires_in", SET_INT, NULL);
	accepted_mutation("authentication", f, "expires_in", SET_NULL, NULL);
	refused_mutation("authentication", f, "token_type", SET_STR, "MAC",
			 "\"token_type\" is not \"Bearer\"");
	refused_mutation("authentication", f, "token_type", SET_STR, "Bearer\n", "\"token_type\"");
	refused_mutation("authentication", f, "token_type", SET_INT, NULL, "\"token_type\"");
	refused_mutation("authentication", f, "expires_in", SET_STR, "300",
			 "\"expires_in\" is not an integer");
	REFUSED("authentication",
		"{\"access_token\":\"a.b.c\",\"refresh_token\":\"r\",\"expires_in\":-1}",
		"\"expires_in\"", "a negative expires_in");
	REFUSED("authentication",
		"{\"access_token\":\"a.b.c\",\"refresh_token\":\"r\",\"expires_in\":1.5}",
		"\"expires_in\"", "a fractional expires_in");
	REFUSED("authentication", "{\"refresh_token\":\"r\",\"token_type\":\"Bearer\"}",
		"\"access_token\" is missing", "a docs-shaped body without access_token");
	refused_mutation("authentication", f, "user", SET_ARR, NULL, "\"user\" is not an object");
	refused_mutation("authentication", f, "user.id", DEL, NULL,
			 "authentication.user: field \"id\" is missing");
	refused_mutation("authentication", f, "user.email", SET_STR, "",
			 "authentication.user: field \"email\" is empty");
	refused_mutation("authentication", f, "user.id", SET_STR, "org_01", "authentication.user");
	refused_mutation("authentication", f, "access_token", DEL, NULL,
			 "\"access_token\" is missing");
	refused_mutation("authentication", f, "access_token", SET_STR, "",
			 "\"access_token\" is empty");
	refused_mutation("authentication", f, "access_token", SET_STR, "a b", "\"access_token\"");
	refused_mutation("authentication", f, "access_token", SET_STR, "a.b.\xc3\xa9",
			 "\"access_token\"");
	refused_mutation("authentication", f, "refresh_token", SET_NULL, NULL,
			 "\"refresh_token\" is missing");
	refused_mutation("authentication", f, "refresh_token", SET_INT, NULL, "not a string");
	refused_mutation("authentication", f, "organization_id", SET_STR, "user_01", "not a org_");
	refused_mutation("authentication", f, "organization_id", SET_STR, "", "organization_id");
	refused_mutation("authentication", f, "authentication_method", SET_STR, "Pass word",
			 "authentication_method");
	refused_mutation("authentication", "authentication_impersonator.json", "impersonator",
			 SET_STR, "admin@example.com", "\"impersonator\" is not an object");
	refused_mutation("authentication", "authentication_impersonator.json", "impersonator.email",
			 DEL, NULL, "authentication.impersonator: field \"email\" is missing");
	refused_mutation("authentication", "authentication_impersonator.json",
			 "impersonator.reason", SET_STR, "because\r\nX-Injected: 1", "\"reason\"");
	accepted_mutation("authentication", f, "organization_id", SET_NULL, NULL);
	accepted_mutation("authentication", f, "impersonator", SET_NULL, NULL);
	accepted_mutation("authentication", f, "oauth_tokens", SET_OBJ, NULL);
	accepted_mutation("authentication", f, "authentication_method", SET_STR, "NewMethod2030");

	/* An impersonator object with only an email still marks the session. */
	body = mutate("authentication_impersonator.json", "impersonator.reason", DEL, NULL);
	ok(wo_decode_authentication(body, strlen(body), &a, &err) == 0 && a.impersonator != NULL,
	   "impersonator without reason is still an impersonator");
	wo_authentication_clear(&a);
	free(body);
	body = mutate(f, "impersonator", SET_OBJ, NULL);
	refused("authentication", body, strlen(body), "\"email\" is missing",
		"an empty impersonator object");
	free(body);

	/* The largest tokens we accept, and one byte more. */
	char *big = malloc(WO_ACCESS_TOKEN_MAX + 2);
	memset(big, 'x', WO_ACCESS_TOKEN_MAX + 1);
	big[WO_ACCESS_TOKEN_MAX] = '\0';
	accepted_mutation("authentication", f, "access_token", SET_STR, big);
	big[WO_ACCESS_TOKEN_MAX] = 'x';
	big[WO_ACCESS_TOKEN_MAX + 1] = '\0';
	refused_mutation("authentication", f, "access_token", SET_STR, big, "too long");
	free(big);
}

static void test_api_errors(void)
{
	struct wo_api_error e;
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *body, *text;

	body = load("error_mfa_challenge.json", &len);
	ok(wo_decode_api_error(body, len, &e, &err) == 0, "mfa_challenge decodes");
	is_str(e.code, "mfa_challenge", "  code");
	like(e.message, "MFA challenge", "  message");
	is_str(e.pending_authentication_token, "YQyCkYfPDExIvkHyXYVDtBVLq", "  pending token");
	is_int(e.authentication_factor_count, 1, "  one factor");
	if (e.authentication_factor_count == 1) {
		is_str(e.authentication_factors[0].id, "auth_factor_01HZ3TOTP000000000000000001",
		       "  factor id");
		is_str(e.authentication_factors[0].type, "totp", "  factor type");
	}
	ok(e.user != NULL, "  user present");
	if (e.user != NULL)
		check_ada(e.user, "mfa_challenge user");
	wo_api_error_clear(&e);
	ok(all_zero(&e, sizeof(e)), "  cleared");
	free(body);

	body = load("error_mfa_enrollment.json", &len);
	ok(wo_decode_api_error(body, len, &e, &err) == 0, "mfa_enrollment decodes");
	is_str(e.code, "mfa_enrollment", "  code");
	is_str(e.pending_authentication_token, "kQ2Vb8Lp0z", "  pending token");
	ok(e.user != NULL && e.authentication_factor_count == 0, "  user, no factors");
	wo_api_error_clear(&e);
	free(body);

	body = load("error_organization_selection_required.json", &len);
	ok(wo_decode_api_error(body, len, &e, &err) == 0,
	   "organization_selection_required decodes");
	is_str(e.code, "organization_selection_required", "  code");
	is_int(e.organization_count, 2, "  two organizations");
	if (e.organization_count == 2) {
		is_str(e.organizations[0].id, "org_01HZ3E4X5Y6Z7A8B9C0D1E2F3H", "  first id");
		is_str(e.organizations[0].name, "Analytical Engines Ltd", "  first name");
		is_str(e.organizations[1].name, "Difference Engines \xc3\x89t\xc3\xa9",
		       "  second name in UTF-8");
	}
	ok(e.pending_authentication_token != NULL && e.user != NULL, "  pending token and user");
	wo_api_error_clear(&e);
	free(body);

	body = load("error_email_verification_required.json", &len);
	ok(wo_decode_api_error(body, len, &e, &err) == 0, "email_verification_required decodes");
	is_str(e.email, "grace@example.org", "  email");
	is_str(e.email_verification_id, "email_verification_01HZ3E4X5Y6Z7A8B9C0D1E2F3K",
	       "  email_verification_id");
	ok(e.user == NULL, "  no user");
	wo_api_error_clear(&e);
	free(body);

	body = load("error_sso_required.json", &len);
	ok(wo_decode_api_error(body, len, &e, &err) == 0, "sso_required (OAuth style) decodes");
	is_str(e.code, "sso_required", "  code from error");
	like(e.message, "matching connections", "  message from error_description");
	is_int(e.connection_id_count, 2, "  two connection ids");
	if (e.connection_id_count == 2)
		is_str(e.connection_ids[1], "conn_01HZ3E4X5Y6Z7A8B9C0D1E2F3M",
		       "  second connection");
	is_str(e.email, "ada@example.com", "  email");
	wo_api_error_clear(&e);
	free(body);

	body = load("error_invalid_credentials.json", &len);
	ok(wo_decode_api_error(body, len, &e, &err) == 0, "invalid_credentials decodes");
	is_str(e.code, "invalid_credentials", "  code");
	ok(e.pending_authentication_token == NULL && e.user == NULL, "  nothing else");
	wo_api_error_clear(&e);
	free(body);

	body = load("error_authorization_pending.json", &len);
	ok(wo_decode_api_error(body, len, &e, &err) == 0, "authorization_pending decodes");
	is_str(e.code, "authorization_pending", "  code");
	wo_api_error_clear(&e);
	free(body);

	static const struct {
		const char *body, *code, *message;
	} small[] = {
	    {"{\"error\":\"slow_down\"}", "slow_down", NULL},
	    {"{\"error\":\"access_denied\",\"error_description\":\"Device authorization grant "
	     "is not enabled for this team\"}",
	     "access_denied", "Device authorization grant is not enabled for this team"},
	    {"{\"error\":\"expired_token\",\"error_description\":null}", "expired_token", NULL},
	    {"{\"error\":\"invalid_client\",\"error_description\":\"Unknown client\"}",
	     "invalid_client", "Unknown client"},
	    {"{\"code\":\"invalid_one_time_code\",\"message\":\"Invalid one-time code.\"}",
	     "invalid_one_time_code", "Invalid one-time code."},
	    {"{\"message\":\"Unauthorized\"}", NULL, "Unauthorized"},
	    {"{\"message\":\"User not found: 'user_01'.\",\"code\":\"entity_not_found\"}",
	     "entity_not_found", "User not found: 'user_01'."},
	    {"{\"code\":\"invalid_request_parameters\",\"message\":\"Validation failed.\","
	     "\"errors\":[{\"code\":\"required\",\"field\":\"events\"}]}",
	     "invalid_request_parameters", "Validation failed."},
	    {"{\"code\":\"daily_quota_exceeded\",\"message\":\"Quota\",\"error\":\"other\"}",
	     "daily_quota_exceeded", "Quota"},
	    {"{\"code\":\"\",\"message\":\"Only a message\"}", NULL, "Only a message"},
	};
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		ok(wo_decode_api_error(small[i].body, strlen(small[i].body), &e, &err) == 0,
		   "error body decodes: %s", small[i].body);
		is_str(e.code, small[i].code, "  code");
		is_str(e.message, small[i].message, "  message");
		wo_api_error_clear(&e);
	}

	REFUSED("api_error", "{}", "no code, error or message", "an empty object");
	REFUSED("api_error", "{\"code\":null,\"message\":null}", "no code", "all null");
	REFUSED("api_error", "{\"detail\":\"x\"}", "no code", "an unknown shape");
	REFUSED("api_error", "\"Ratelimited\"", "not a JSON object", "a JSON string");
	REFUSED("api_error", "<html><body>502 Bad Gateway</body></html>", "not valid JSON",
		"a proxy's HTML page");
	REFUSED("api_error", "{\"code\":\"mfa challenge\"}", "\"code\"", "a code with a space");
	REFUSED("api_error", "{\"code\":42}", "not a string", "a numeric code");
	REFUSED("api_error", "{\"error\":\"x\\u001b[0m\"}", "\"error\"", "an escape in error");
	/* A message only decorates the code: an unusable one is dropped. */
	static const char *const dropped[] = {
	    "{\"code\":\"x\",\"message\":\"\\u001b[2J\\u001b[H\"}",
	    "{\"code\":\"x\",\"message\":\"a\\u0000b\"}",
	    "{\"error\":\"x\",\"error_description\":\"line one\\nline two\"}",
	    "{\"error\":\"x\",\"error_description\":[\"a\"]}",
	    "{\"code\":\"x\",\"message\":42,\"error_description\":\"\\u009b31m\"}",
	};
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		ok(wo_decode_api_error(dropped[i], strlen(dropped[i]), &e, &err) == 0,
		   "error body with an unusable message decodes: %s", dropped[i]);
		is_str(e.code, "x", "  code kept");
		ok(e.message == NULL, "  message dropped");
		wo_api_error_clear(&e);
	}
	text = "{\"code\":\"x\",\"message\":\"\\u001b[31m\",\"error_description\":\"Plain.\"}";
	ok(wo_decode_api_error(text, strlen(text), &e, &err) == 0,
	   "a bad message falls back on error_description");
	is_str(e.message, "Plain.", "  error_description");
	wo_api_error_clear(&e);
	REFUSED("api_error", "{\"message\":\"\\u001b[2J\"}", "no code, error or message",
		"only an unusable message");
	REFUSED("api_error", "{\"error_description\":\"a\\u0000b\"}", "no code, error or message",
		"only a NUL-cut description");

	/* A code must fit struct wo_error whole. */
	char code[WO_ERROR_CODE_MAX + 32];
	memset(code, 'c', WO_ERROR_CODE_MAX - 1);
	code[WO_ERROR_CODE_MAX - 1] = '\0';
	text = mutate("error_invalid_credentials.json", "code", SET_STR, code);
	ok(wo_decode_api_error(text, strlen(text), &e, &err) == 0 && strlen(e.code) == 63,
	   "a 63-byte code is accepted");
	wo_api_error_clear(&e);
	free(text);
	strcat(code, "c");
	refused_mutation("api_error", "error_invalid_credentials.json", "code", SET_STR, code,
			 "too long");

	const char *f = "error_mfa_challenge.json";
	refused_mutation("api_error", f, "pending_authentication_token", SET_INT, NULL,
			 "pending_authentication_token");
	refused_mutation("api_error", f, "pending_authentication_token", SET_STR, "tok en",
			 "pending_authentication_token");
	refused_mutation("api_error", f, "authentication_factors", SET_OBJ, NULL, "not an array");
	refused_mutation("api_error", f, "authentication_factors.0", SET_STR, "auth_factor_01",
			 "authentication_factors[0] is not an object");
	refused_mutation("api_error", f, "authentication_factors.0.id", DEL, NULL,
			 "authentication_factors[0]: field \"id\" is missing");
	refused_mutation("api_error", f, "authentication_factors.0.id", SET_STR, "factor_01",
			 "auth_factor_");
	refused_mutation("api_error", f, "authentication_factors.0.type", SET_NULL, NULL,
			 "\"type\" is missing");
	refused_mutation("api_error", f, "user", SET_STR, "user_01", "\"user\" is not an object");
	refused_mutation("api_error", f, "user.id", DEL, NULL,
			 "error body.user: field \"id\" is missing");
	accepted_mutation("api_error", f, "user", SET_NULL, NULL);
	accepted_mutation("api_error", f, "authentication_factors", SET_ARR, NULL);
	f = "error_organization_selection_required.json";
	refused_mutation("api_error", f, "organizations.1.name", DEL, NULL,
			 "organizations[1]: field \"name\" is missing");
	refused_mutation("api_error", f, "organizations.0.id", SET_STR, "om_01", "org_");
	refused_mutation("api_error", f, "organizations", SET_STR, "org_01", "not an array");
	f = "error_sso_required.json";
	refused_mutation("api_error", f, "connection_ids.0", SET_INT, NULL, "connection_ids[0]");
	refused_mutation("api_error", f, "connection_ids.1", SET_STR, "org_01", "conn_");
	refused_mutation("api_error", f, "connection_ids.1", SET_STR, "conn_", "conn_");
	refused_mutation("api_error", f, "connection_ids", SET_STR, "conn_01", "not an array");
	refused_mutation("api_error", f, "email", SET_ARR, NULL, "\"email\"");

	/* Bounded arrays in error bodies. */
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	json_object_object_add(root, "code",
			       json_object_new_string("organization_selection_required"));
	for (int i = 0; i <= WO_ERROR_ITEMS_MAX; i++) {
		struct json_object *o = json_object_new_object();
		char id[32];
		snprintf(id, sizeof(id), "org_%d", i);
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "name", json_object_new_string("Org"));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "organizations", arr);
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	refused("api_error", text, strlen(text), "more than 64 items", "65 organizations");
	free(text);
	json_object_array_del_idx(arr, 0, 1);
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	ok(wo_decode_api_error(text, strlen(text), &e, &err) == 0 && e.organization_count == 64,
	   "64 organizations are accepted");
	wo_api_error_clear(&e);
	free(text);
	json_object_put(root);
}

static void test_mfa(void)
{
	struct wo_challenge c;
	struct wo_verification v;
	struct wo_enrollment en;
	struct wo_factor_list fl;
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *body;

	body = load("challenge.json", &len);
	ok(wo_decode_challenge(body, len, &c, &err) == 0, "challenge decodes");
	is_str(c.id, "auth_challenge_01HZ3E4X5Y6Z7A8B9C0D1E2F3N", "  id");
	is_str(c.authentication_factor_id, "auth_factor_01HZ3TOTP000000000000000001",
	       "  factor id");
	ok(c.expires_at == NULL, "  TOTP challenges have no expires_at");
	wo_challenge_clear(&c);
	ok(all_zero(&c, sizeof(c)), "  cleared");
	free(body);
	refused_mutation("challenge", "challenge.json", "id", DEL, NULL,
			 "challenge: field \"id\" is missing");
	refused_mutation("challenge", "challenge.json", "id", SET_STR, "auth_factor_01",
			 "auth_challenge_");
	refused_mutation("challenge", "challenge.json", "object", SET_STR, "list", "\"object\"");
	refused_mutation("challenge", "challenge.json", "expires_at", SET_INT, NULL, "expires_at");
	accepted_mutation("challenge", "challenge.json", "expires_at", SET_STR,
			  "2026-12-02T03:10:00.000Z");
	accepted_mutation("challenge", "challenge.json", "authentication_factor_id", DEL, NULL);

	body = load("verification.json", &len);
	ok(wo_decode_verification(body, len, &v, &err) == 0, "verification decodes");
	ok(v.valid, "  valid");
	is_str(v.challenge.id, "auth_challenge_01HZ3E4X5Y6Z7A8B9C0D1E2F3N", "  challenge id");
	is_str(v.challenge.expires_at, "2026-12-02T03:10:00.000Z", "  expires_at");
	wo_verification_clear(&v);
	free(body);
	const char *bad = "{\"challenge\":{\"object\":\"authentication_challenge\",\"id\":"
			  "\"auth_challenge_01\"},\"valid\":false}";
	ok(wo_decode_verification(bad, strlen(bad), &v, &err) == 0 && !v.valid,
	   "a wrong code decodes as valid = false");
	wo_verification_clear(&v);
	refused_mutation("verification", "verification.json", "valid", DEL, NULL,
			 "verification: field \"valid\" is missing");
	refused_mutation("verification", "verification.json", "valid", SET_STR, "true",
			 "not a boolean");
	refused_mutation("verification", "verification.json", "valid", SET_INT, NULL,
			 "not a boolean");
	refused_mutation("verification", "verification.json", "valid", SET_NULL, NULL, "\"valid\"");
	refused_mutation("verification", "verification.json", "challenge", DEL, NULL,
			 "\"challenge\" is missing");
	refused_mutation("verification", "verification.json", "challenge.id", SET_NULL, NULL,
			 "verification.challenge: field \"id\" is missing");

	body = load("enrollment.json", &len);
	ok(wo_decode_enrollment(body, len, &en, &err) == 0, "enrollment decodes");
	is_str(en.factor.id, "auth_factor_01HZ3TOTP000000000000000002", "  factor id");
	is_str(en.factor.type, "totp", "  factor type");
	is_str(en.factor.user_id, "user_01HZ3E4X5Y6Z7A8B9C0D1E2F3G", "  factor user");
	is_str(en.factor.totp_issuer, "Example Servers", "  issuer");
	is_str(en.factor.totp_user, "ada@example.com", "  totp user");
	is_str(en.totp_secret, "JBSWY3DPEHPK3PXP", "  secret");
	like(en.totp_uri, "otpauth://totp/Example%20Servers:", "  uri");
	is_str(en.challenge_id, "auth_challenge_01HZ3E4X5Y6Z7A8B9C0D1E2F3P", "  challenge id");
	wo_enrollment_clear(&en);
	ok(all_zero(&en, sizeof(en)), "  cleared");
	free(body);
	const char *f = "enrollment.json";
	refused_mutation("enrollment", f, "authentication_factor.totp.secret", DEL, NULL,
			 "enrollment.authentication_factor.totp: field \"secret\" is missing");
	refused_mutation("enrollment", f, "authentication_factor.totp.uri", SET_NULL, NULL,
			 "\"uri\" is missing");
	refused_mutation("enrollment", f, "authentication_factor.totp.uri", SET_STR,
			 "https://evil.example/", "not a otpauth:// URI");
	refused_mutation("enrollment", f, "authentication_factor.totp.secret", SET_STR, "JBSW Y3DP",
			 "\"secret\"");
	refused_mutation("enrollment", f, "authentication_factor.totp", DEL, NULL,
			 "\"totp\" is missing");
	refused_mutation("enrollment", f, "authentication_factor.type", SET_STR, "sms",
			 "\"type\" is not \"totp\"");
	refused_mutation("enrollment", f, "authentication_factor.id", SET_STR, "auth_challenge_1",
			 "auth_factor_");
	refused_mutation("enrollment", f, "authentication_challenge", DEL, NULL,
			 "\"authentication_challenge\" is missing");
	refused_mutation("enrollment", f, "authentication_challenge.id", SET_INT, NULL,
			 "enrollment.authentication_challenge: field \"id\"");
	refused_mutation("enrollment", f, "authentication_factor", SET_ARR, NULL, "not an object");
	accepted_mutation("enrollment", f, "authentication_factor.totp.qr_code", DEL, NULL);
	accepted_mutation("enrollment", f, "authentication_factor.totp.issuer", SET_NULL, NULL);

	body = load("factor_list.json", &len);
	ok(wo_decode_factor_list(body, len, &fl, &err) == 0, "factor list decodes");
	is_int(fl.count, 2, "  two factors");
	if (fl.count == 2) {
		is_str(fl.items[0].type, "totp", "  first is TOTP");
		is_str(fl.items[0].totp_issuer, "Example Servers", "  with its issuer");
		is_str(fl.items[1].type, "sms", "  second is SMS, kept as sent");
		ok(fl.items[1].totp_issuer == NULL, "  without TOTP fields");
	}
	ok(fl.list_metadata.after == NULL && fl.list_metadata.before == NULL, "  no cursors");
	wo_factor_list_clear(&fl);
	free(body);
	refused_mutation("factor_list", "factor_list.json", "data.1.id", SET_STR, "auth_factor_x y",
			 "factor list: data[1]");
	refused_mutation("factor_list", "factor_list.json", "data.0.totp", SET_STR, "x",
			 "\"totp\" is not an object");
}

static void test_organization(void)
{
	struct wo_organization o;
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *body = load("organization.json", &len);

	ok(wo_decode_organization(body, len, &o, &err) == 0, "organization decodes");
	is_str(o.id, "org_01HZ3E4X5Y6Z7A8B9C0D1E2F3H", "  id");
	is_str(o.name, "Analytical Engines Ltd", "  name");
	wo_organization_clear(&o);
	free(body);
	refused_mutation("organization", "organization.json", "name", DEL, NULL,
			 "organization: field \"name\" is missing");
	refused_mutation("organization", "organization.json", "name", SET_STR, "", "empty");
	refused_mutation("organization", "organization.json", "id", SET_STR, "organization_01",
			 "org_");
	refused_mutation("organization", "organization.json", "object", SET_STR, "user",
			 "\"object\"");
}

static void test_lists(void)
{
	struct wo_user_list ul;
	struct wo_membership_list ml;
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *body;

	body = load("user_list.json", &len);
	ok(wo_decode_user_list(body, len, &ul, &err) == 0, "user list decodes");
	is_int(ul.count, 3, "  three users");
	if (ul.count == 3) {
		is_str(ul.items[0].email, "ada@example.com", "  first email");
		is_str(wo_user_metadata(&ul.items[0], "unix_name"), "ada", "  first metadata");
		ok(!ul.items[1].email_verified, "  second unverified");
		is_str(ul.items[2].first_name, "J\xc3\xa9r\xc3\xb4me",
		       "  third first_name in UTF-8");
	}
	is_str(ul.list_metadata.after, "user_01C", "  after cursor");
	ok(ul.list_metadata.before == NULL, "  no before cursor");
	wo_user_list_clear(&ul);
	ok(all_zero(&ul, sizeof(ul)), "  cleared");
	free(body);

	body = load("user_list_last.json", &len);
	ok(wo_decode_user_list(body, len, &ul, &err) == 0, "last, empty page decodes");
	ok(ul.count == 0 && ul.items == NULL, "  no items");
	ok(ul.list_metadata.after == NULL, "  after is null: the listing is done");
	is_str(ul.list_metadata.before, "user_01D", "  before cursor");
	wo_user_list_clear(&ul);
	free(body);

	const char *f = "user_list.json";
	refused_mutation("user_list", f, "data", DEL, NULL, "user list: field \"data\" is missing");
	refused_mutation("user_list", f, "data", SET_OBJ, NULL, "\"data\" is not an array");
	skipped_mutation("user_list", f, "data.1", SET_INT, NULL,
			 "user list: data[1] is not an object", NULL);
	skipped_mutation("user_list", f, "data.2.id", DEL, NULL,
			 "user list: data[2]: field \"id\" is missing", NULL);
	refused_mutation("user_list", f, "list_metadata", DEL, NULL,
			 "\"list_metadata\" is missing");
	refused_mutation("user_list", f, "list_metadata", SET_ARR, NULL, "not an object");
	refused_mutation("user_list", f, "list_metadata.after", SET_INT, NULL, "\"after\"");
	refused_mutation("user_list", f, "list_metadata.after", SET_STR, "", "\"after\" is empty");
	refused_mutation("user_list", f, "list_metadata.after", SET_STR, "user 01", "\"after\"");
	refused_mutation("user_list", f, "object", SET_STR, "user", "\"object\" is \"user\"");
	accepted_mutation("user_list", f, "list_metadata.after", DEL, NULL);

	body = load("membership_list.json", &len);
	ok(wo_decode_membership_list(body, len, &ml, &err) == 0, "membership list decodes");
	is_int(ml.count, 5, "  five memberships");
	if (ml.count == 5) {
		struct wo_membership *m = ml.items;

		is_str(m[0].id, "om_01A", "  role only: id");
		is_str(m[0].role, "admin", "  role only: role");
		is_int(m[0].role_count, 1, "  role only: roles = [role]");
		ok(has_role(&m[0], "admin") && !has_role(&m[0], "member"),
		   "  role only: has admin, not member");
		ok(wo_membership_is_active(&m[0]), "  active");
		ok(m[0].user == NULL, "  no embedded user");

		is_str(m[1].role, "member", "  both: role");
		is_int(m[1].role_count, 2, "  both: roles[] (which holds role)");
		ok(has_role(&m[1], "devops") && has_role(&m[1], "member"),
		   "  both: member and devops");
		ok(m[1].user != NULL, "  embedded user");
		if (m[1].user != NULL) {
			is_str(m[1].user->email, "grace@example.org", "  embedded user email");
			is_str(wo_user_metadata(m[1].user, "unix_name"), "grace",
			       "  embedded user metadata");
		}

		ok(m[2].role == NULL, "  roles[] only: no role");
		is_int(m[2].role_count, 1, "  roles[] only: one slug");
		ok(has_role(&m[2], "member"), "  roles[] only: member");
		ok(!wo_membership_is_active(&m[2]), "  inactive is not active");
		is_str(m[2].status, "inactive", "  status inactive");

		is_int(m[3].role_count, 2, "  role outside roles[] joins it");
		ok(has_role(&m[3], "admin") && has_role(&m[3], "auditor"), "  admin and auditor");
		ok(!wo_membership_is_active(&m[3]), "  pending is not active");

		is_str(m[4].status, "suspended_someday", "  an unknown status is kept");
		ok(!wo_membership_is_active(&m[4]), "  and is not active");
		is_int(m[4].role_count, 1, "  empty roles[] falls back on role");
		ok(m[4].user == NULL, "  null user is NULL");
	}
	is_str(ml.list_metadata.after, "om_01E", "  after cursor");
	wo_membership_list_clear(&ml);
	ok(all_zero(&ml, sizeof(ml)), "  cleared");
	free(body);

	f = "membership_list.json";
	skipped_mutation("membership_list", f, "data.0.role", DEL, NULL,
			 "membership list: data[0]: field \"role\" is missing", "user_01A");
	skipped_mutation("membership_list", f, "data.2.roles", SET_ARR, NULL, "\"role\" is missing",
			 "user_01C");
	skipped_mutation("membership_list", f, "data.0.role", SET_STR, "admin",
			 "\"role\" is not an object", "user_01A");
	skipped_mutation("membership_list", f, "data.0.role.slug", DEL, NULL,
			 "data[0].role: field \"slug\" is missing", "user_01A");
	skipped_mutation("membership_list", f, "data.0.role.slug", SET_STR, "ad min", "\"slug\"",
			 "user_01A");
	skipped_mutation("membership_list", f, "data.1.roles.1", SET_STR, "devops",
			 "roles[1] is not an object", "user_01B");
	skipped_mutation("membership_list", f, "data.1.roles.1.slug", SET_INT, NULL, "\"slug\"",
			 "user_01B");
	skipped_mutation("membership_list", f, "data.1.roles", SET_OBJ, NULL, "not an array",
			 "user_01B");
	skipped_mutation("membership_list", f, "data.1.user.id", SET_STR, "om_1",
			 "data[1].user: field \"id\"", "user_01B");
	skipped_mutation("membership_list", f, "data.1.user", SET_STR, "user_01B", "not an object",
			 "user_01B");
	skipped_mutation("membership_list", f, "data.3.id", SET_STR, "membership_01", "om_",
			 "user_01D");
	skipped_mutation("membership_list", f, "data.3.user_id", DEL, NULL,
			 "\"user_id\" is missing", NULL);
	skipped_mutation("membership_list", f, "data.3.organization_id", SET_STR, "user_01", "org_",
			 "user_01D");
	skipped_mutation("membership_list", f, "data.4.status", DEL, NULL, "\"status\" is missing",
			 "user_01E");
	skipped_mutation("membership_list", f, "data.4.status", SET_STR, "active\n", "\"status\"",
			 "user_01E");
	skipped_mutation("membership_list", f, "data.4.object", SET_STR, "user", "\"object\"",
			 "user_01E");

	/* A single membership decodes with the same rules. */
	const char *one = "{\"object\":\"organization_membership\",\"id\":\"om_1\",\"user_id\":"
			  "\"user_1\",\"organization_id\":\"org_1\",\"status\":\"active\","
			  "\"role\":{\"slug\":\"member\"}}";
	struct wo_membership m;
	ok(wo_decode_membership(one, strlen(one), &m, &err) == 0 && m.role_count == 1,
	   "a single membership decodes");
	wo_membership_clear(&m);

	/* Roles bounded. */
	struct json_object *root = json_tokener_parse(one), *arr = json_object_new_array();
	for (int i = 0; i <= WO_ROLES_MAX; i++) {
		struct json_object *r = json_object_new_object();
		char slug[16];
		snprintf(slug, sizeof(slug), "r%d", i);
		json_object_object_add(r, "slug", json_object_new_string(slug));
		json_object_array_add(arr, r);
	}
	json_object_object_add(root, "roles", arr);
	char *text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	refused("membership", text, strlen(text), "more than 64 items", "65 roles");
	free(text);
	json_object_array_del_idx(arr, 0, 1);
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	ok(wo_decode_membership(text, strlen(text), &m, &err) == 0 && m.role_count == 65,
	   "64 roles plus role outside them: 65 slugs");
	ok(has_role(&m, "member") && has_role(&m, "r64"), "  all of them");
	wo_membership_clear(&m);
	free(text);
	json_object_put(root);
}

/* --- hostile bodies for every decoder ---------------------------------------------- */

static char *list_of(size_t n, const char *item)
{
	size_t il = strlen(item), cap = 128 + n * (il + 1);
	char *s = malloc(cap), *p = s;

	p += sprintf(p, "{\"object\":\"list\",\"data\":[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, item, il);
		p += il;
	}
	sprintf(p, "],\"list_metadata\":{\"before\":null,\"after\":null}}");
	return s;
}

static void test_list_bounds(void)
{
	const char *user = "{\"object\":\"user\",\"id\":\"user_1\",\"email\":\"a@b\"}";
	const char *om = "{\"id\":\"om_1\",\"user_id\":\"user_1\",\"organization_id\":\"org_1\","
			 "\"status\":\"active\",\"role\":{\"slug\":\"m\"}}";
	struct wo_user_list ul;
	struct wo_membership_list ml;
	struct wo_error err;
	char *s;

	s = list_of(WO_LIST_MAX_ITEMS, user);
	ok(wo_decode_user_list(s, strlen(s), &ul, &err) == 0 && ul.count == WO_LIST_MAX_ITEMS,
	   "a page of %d users is accepted", WO_LIST_MAX_ITEMS);
	wo_user_list_clear(&ul);
	free(s);
	s = list_of(WO_LIST_MAX_ITEMS + 1, user);
	refused("user_list", s, strlen(s), "more than 128 items", "129 users");
	free(s);
	s = list_of(10000, user);
	refused("user_list", s, strlen(s), "more than 128 items", "10k users");
	free(s);
	s = list_of(10000, om);
	refused("membership_list", s, strlen(s), "more than 128 items", "10k memberships");
	free(s);
	s = list_of(WO_LIST_MAX_ITEMS, om);
	ok(wo_decode_membership_list(s, strlen(s), &ml, &err) == 0 && ml.count == WO_LIST_MAX_ITEMS,
	   "a page of %d memberships is accepted", WO_LIST_MAX_ITEMS);
	wo_membership_list_clear(&ml);
	free(s);
	s = list_of(10000, "{}");
	refused("factor_list", s, strlen(s), "more than 128 items", "10k factors");
	free(s);

	/* A failure in the last item frees the 127 before it (run under
	 * valgrind and ASan to see it). */
	s = list_of(WO_LIST_MAX_ITEMS, om);
	char *last = strrchr(s, 'm');
	while (last > s && strncmp(last, "\"m\"", 3) != 0)
		last--;
	last[1] = ' ';
	ok(wo_decode_membership_list(s, strlen(s), &ml, &err) == 0 &&
	       ml.count == WO_LIST_MAX_ITEMS - 1 && ml.skipped_count == 1,
	   "a bad slug in the last of 128 items: 127 read, that one skipped");
	if (ml.skipped_count == 1)
		like(ml.skipped[0].reason, "data[127].role: field \"slug\"",
		     "  the reason names it");
	wo_membership_list_clear(&ml);
	free(s);

	/* Metadata bounds. */
	struct json_object *root = json_tokener_parse(user), *md = json_object_new_object();
	char key[WO_METADATA_KEY_MAX + 2], *text;
	for (int i = 0; i < WO_METADATA_MAX; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		json_object_object_add(md, key, json_object_new_string("v"));
	}
	json_object_object_add(root, "metadata", md);
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	struct wo_user u;
	ok(wo_decode_user(text, strlen(text), &u, &err) == 0 && u.metadata_count == 64,
	   "64 metadata pairs are accepted");
	wo_user_clear(&u);
	free(text);
	json_object_object_add(md, "one_more", json_object_new_string("v"));
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	refused("user", text, strlen(text), "more than 64 keys", "65 metadata pairs");
	free(text);
	json_object_put(root);

	root = json_tokener_parse(user);
	md = json_object_new_object();
	memset(key, 'k', WO_METADATA_KEY_MAX + 1);
	key[WO_METADATA_KEY_MAX + 1] = '\0';
	json_object_object_add(md, key, json_object_new_string("v"));
	json_object_object_add(root, "metadata", md);
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	refused("user", text, strlen(text), "bad key", "a 129-byte metadata key");
	free(text);
	json_object_put(root);

	char *val = malloc(WO_METADATA_VALUE_MAX + 2);
	memset(val, 'v', WO_METADATA_VALUE_MAX + 1);
	val[WO_METADATA_VALUE_MAX + 1] = '\0';
	refused_mutation("user", "user.json", "metadata.unix_name", SET_STR, val, "too long");
	val[WO_METADATA_VALUE_MAX] = '\0';
	accepted_mutation("user", "user.json", "metadata.unix_name", SET_STR, val);
	free(val);
}

static void test_hostile_all(void)
{
	/* Bodies no decoder may accept. */
	static const struct {
		const char *body;
		size_t len; /* 0: strlen */
		const char *needle, *why;
	} hostile[] = {
	    {"", 0, "empty", "an empty body"},
	    {"   ", 0, "truncated", "white space only"},
	    {"null", 0, "JSON", "null"},
	    {"[]", 0, "not a JSON object", "an empty array"},
	    {"[{\"code\":\"x\"}]", 0, "not a JSON object", "an array where an object belongs"},
	    {"42", 0, "JSON", "a number"},
	    {"true", 0, "JSON", "a boolean"},
	    {"{", 0, "truncated", "an opening brace"},
	    {"{\"code\":\"x\"", 0, "truncated", "no closing brace"},
	    {"{\"code\":\"x\"}}", 0, "JSON", "an extra brace"},
	    {"{\"code\":\"x\"}\n{}", 0, "JSON", "two objects"},
	    {"{\"code\":\"x\"}\0garbage", 20, "data after", "a NUL byte then garbage"},
	    {"{\"code\":\0\"x\"}", 13, "not valid JSON", "a NUL byte inside"},
	    {"\0{\"code\":\"x\"}", 13, "JSON", "a leading NUL byte"},
	    {"{'code':'x'}", 0, "not valid JSON", "single quotes"},
	    {"{code:\"x\"}", 0, "not valid JSON", "a bare key"},
	    {"{\"code\":\"x\",}", 0, "not valid JSON", "a trailing comma"},
	    {"{\"code\":\"\xc3\x28\"}", 0, "not valid JSON", "invalid UTF-8"},
	    {"{\"code\":\"\xed\xa0\x80\"}", 0, NULL, "an encoded surrogate"},
	    {"{\"code\":NaN}", 0, "not valid JSON", "NaN"},
	    {"{\"code\":\"x\",\"n\":-Infinity}", 0, "not valid JSON", "-Infinity"},
	    {"{\"code\":\"x\",\"n\":[1,nan]}", 0, "not valid JSON", "nan in an array"},
	    {"{\"code\":\"x\",\"n\":01}", 0, "not valid JSON", "a leading zero"},
	    {"{\"code\":\"x\",\"n\":1.}", 0, "not valid JSON", "a bare decimal point"},
	    {"{\"code\":\"x\",\"n\":.5}", 0, "not valid JSON", "no integer part"},
	    {"{\"code\":\"x\",\"n\":+1}", 0, "not valid JSON", "a plus sign"},
	    {"{\"code\":\"x\",\"n\":TRUE}", 0, "not valid JSON", "TRUE"},
	    {"{\"code\":\"x\"/*c*/}", 0, "not valid JSON", "a comment"},
	    {"\xef\xbb\xbf{\"code\":\"x\"}", 0, "not valid JSON", "a byte order mark"},
	    {"{\"code\":\"x\",\"code\":\"y\"}", 0, "duplicate key", "a duplicate key"},
	    {"{\"co\\u0000de\":\"x\"}", 0, "NUL", "a NUL in a key"},
	    {"<!DOCTYPE html><title>503</title>", 0, "not valid JSON", "an HTML page"},
	    {"Ratelimited", 0, "not valid JSON", "plain text"},
	};
	struct wo_error err;

	for (size_t d = 0; d < N_DECODERS; d++) {
		int bad = 0;

		for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
			size_t len = hostile[i].len ? hostile[i].len : strlen(hostile[i].body);

			if (run(&decoders[d], hostile[i].body, len, &err) != 0 &&
			    err.kind == WO_ERR_DECODE &&
			    (hostile[i].needle == NULL || strstr(err.message, hostile[i].needle)))
				continue;
			bad++;
			diag("%s accepted or misreported %s: %s", decoders[d].name, hostile[i].why,
			     err.message);
		}
		ok(bad == 0, "%s refuses %zu malformed bodies, naming the problem",
		   decoders[d].name, sizeof(hostile) / sizeof(hostile[0]));
		ok(run(&decoders[d], NULL, 0, &err) != 0, "%s refuses a NULL body",
		   decoders[d].name);
	}

	/* Every decoder accepts its fixture, and refuses each truncation of it. */
	for (size_t d = 0; d < N_DECODERS; d++) {
		size_t len, end;
		char *body = load(decoders[d].fixture, &len);
		int bad = 0;

		ok(run(&decoders[d], body, len, &err) == 0, "%s accepts %s", decoders[d].name,
		   decoders[d].fixture);
		end = len;
		while (end > 0 && body[end - 1] != '}')
			end--;
		for (size_t cut = 0; cut + 1 < end; cut++) {
			char *prefix = malloc(cut + 1);

			memcpy(prefix, body, cut);
			if (run(&decoders[d], prefix, cut, &err) == 0 || err.kind != WO_ERR_DECODE)
				bad++;
			free(prefix);
		}
		ok(bad == 0, "%s refuses all %zu truncations of %s", decoders[d].name, end - 1,
		   decoders[d].fixture);
		free(body);
	}

	/* Arrays, strings and numbers where each object belongs. */
	static const char *const wrong[] = {"[]", "\"x\"", "1", "true", "{}"};
	for (size_t d = 0; d < N_DECODERS; d++) {
		int bad = 0;
		char text[64];

		for (size_t i = 0; i < 4; i++)
			if (run(&decoders[d], wrong[i], strlen(wrong[i]), &err) == 0)
				bad++;
		/* An empty object lacks every required field. */
		snprintf(text, sizeof(text), "%s", wrong[4]);
		if (run(&decoders[d], text, strlen(text), &err) == 0)
			bad++;
		else if (strstr(err.message, "missing") == NULL &&
			 strstr(err.message, "no code") == NULL)
			bad++;
		ok(bad == 0, "%s refuses non-objects and an empty object", decoders[d].name);
	}

	/* Deep nesting: within the bound in an ignored field, and beyond it. */
	char deep[1024];
	int n = snprintf(deep, sizeof(deep), "{\"code\":\"x\",\"extra\":");
	for (int i = 0; i < 20; i++)
		deep[n++] = '[';
	for (int i = 0; i < 20; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	ok(run(decoder_named("api_error"), deep, (size_t)n, &err) == 0,
	   "nesting of 21 in an unknown field is ignored");
	n = snprintf(deep, sizeof(deep), "{\"code\":\"x\",\"extra\":");
	for (int i = 0; i < 100; i++)
		deep[n++] = '{', deep[n++] = '"', deep[n++] = 'a', deep[n++] = '"', deep[n++] = ':';
	deep[n] = '\0';
	for (size_t d = 0; d < N_DECODERS; d++)
		if (run(&decoders[d], deep, (size_t)n, &err) == 0 || err.kind != WO_ERR_DECODE)
			ok(0, "%s refuses nesting of 100", decoders[d].name);
	ok(1, "every decoder refuses nesting of 100");
	static char big_deep[2 * 100000 + 64];
	n = snprintf(big_deep, sizeof(big_deep), "{\"a\":");
	for (int i = 0; i < 100000; i++)
		big_deep[n++] = '[';
	refused("user", big_deep, (size_t)n, "JSON", "nesting of 100000");

	/* Huge strings: a 4 MiB name. */
	size_t hl = 4u << 20;
	char *huge = malloc(hl + 1);
	memset(huge, 'A', hl);
	huge[hl] = '\0';
	refused_mutation("user", "user.json", "first_name", SET_STR, huge, "too long");
	refused_mutation("user", "user.json", "email", SET_STR, huge, "too long");
	accepted_mutation("api_error", "error_invalid_credentials.json", "message", SET_STR, huge);
	refused_mutation("device_authorization", "device_authorization.json", "device_code",
			 SET_STR, huge, "too long");
	/* A huge unknown field is ignored. */
	accepted_mutation("user", "user.json", "bio", SET_STR, huge);
	free(huge);

	/* Control characters, one by one, in a name: cleaned to '_', never
	 * kept, never a reason to refuse the user. */
	int bad = 0;
	for (int c = 1; c <= 0x20; c++) {
		char s[8] = {'A', (char)(c == 0x20 ? 0x7f : c), 'B', 0};
		char *body = mutate("user.json", "first_name", SET_STR, s);
		struct wo_user u;

		if (wo_decode_user(body, strlen(body), &u, &err) != 0 || u.first_name == NULL ||
		    strcmp(u.first_name, "A_B") != 0 || !u.names_cleaned)
			bad++;
		wo_user_clear(&u);
		free(body);
	}
	ok(bad == 0, "every C0 control character and DEL in a name becomes '_'");
	const char *nul = "{\"object\":\"user\",\"id\":\"user_1\",\"email\":\"a@b\\u0000evil\"}";
	REFUSED("user", nul, "\"email\" holds characters", "a NUL escape inside the email");
	const char *nul_id = "{\"object\":\"user\",\"id\":\"user_1\\u0000\",\"email\":\"a@b\"}";
	REFUSED("user", nul_id, "\"id\"", "a NUL escape inside the id");
}

/* --- allocation failure ------------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_FAIL_TESTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_FAIL_TESTS 0
#endif
#endif
#ifndef ALLOC_FAIL_TESTS
#define ALLOC_FAIL_TESTS 1
#endif

#if ALLOC_FAIL_TESTS
/* malloc, calloc, realloc and strdup replaced for this program's own code
 * (lib/ is linked in statically; -fvisibility=hidden keeps json-c and libc
 * on the real ones): the n-th call after arming fails.  json-c itself is
 * left alone because 0.16 crashes on a failed strdup of a key. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
static long alloc_countdown = -1;

static bool alloc_fails(void)
{
	if (alloc_countdown < 0)
		return false;
	return alloc_countdown-- == 0;
}

void *malloc(size_t n)
{
	return alloc_fails() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : __libc_realloc(p, n);
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);

	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}

static void test_alloc_failure(void)
{
	static const char *const which[] = {"api_error",  "authentication",
					    "enrollment", "membership_list",
					    "user_list",  "device_authorization"};

	for (size_t w = 0; w < sizeof(which) / sizeof(which[0]); w++) {
		const struct decoder *d = decoder_named(which[w]);
		size_t len;
		char *body = load(d->fixture, &len);
		void *out = malloc(d->size);
		long n, failed = 0;
		int bad = 0, rc = -1;
		bool fired = true;

		/* Until a run in which no allocation was made to fail. */
		for (n = 0; n < 100000 && fired; n++) {
			struct wo_error err = WO_ERROR_INIT;

			memset(out, 0xa5, d->size);
			alloc_countdown = n;
			rc = d->decode(body, len, out, &err);
			fired = alloc_countdown == -1;
			alloc_countdown = -1;
			if (rc == 0 && fired) {
				/* Only if a failure can be shrugged off (none
				 * can today); the result must be whole. */
				d->clear(out);
			} else if (rc != 0) {
				failed++;
				if (!all_zero(out, d->size) ||
				    (err.kind != WO_ERR_SYSTEM && err.kind != WO_ERR_DECODE))
					bad++;
			}
		}
		ok(rc == 0 && !fired && bad == 0,
		   "%s: %ld allocations failing in turn: %ld failures reported, *out cleared",
		   d->name, n - 1, failed);
		if (rc == 0)
			d->clear(out);
		free(out);
		free(body);
	}
}
#endif

/* GET /events pages: the six directory events decode their data with the
 * user and membership rules, other names are kept undecoded, a bad event
 * fails the page (it must not be stepped over). */
static void test_events(void)
{
	static const char page[] =
	    "{\"object\":\"list\",\"data\":["
	    "{\"object\":\"event\",\"id\":\"event_01A\",\"event\":\"user.updated\","
	    "\"created_at\":\"2026-01-02T03:04:05.000Z\",\"data\":{\"object\":\"user\","
	    "\"id\":\"user_01A\",\"email\":\"a@example.com\",\"first_name\":\"A\"}},"
	    "{\"id\":\"event_01B\",\"event\":\"organization_membership.deleted\","
	    "\"created_at\":\"2026-01-02T03:04:06.000Z\",\"data\":{\"object\":"
	    "\"organization_membership\",\"id\":\"om_01B\",\"user_id\":\"user_01B\","
	    "\"organization_id\":\"org_01\",\"status\":\"active\",\"role\":{\"slug\":\"admin\"}},"
	    "\"context\":{}},"
	    "{\"id\":\"event_01C\",\"event\":\"dsync.user.created\","
	    "\"created_at\":\"2026-01-02T03:04:07.000Z\",\"data\":{\"whatever\":[1,2]}}],"
	    "\"list_metadata\":{\"after\":\"event_01C\"}}";
	struct wo_event_list l;
	struct wo_error err = WO_ERROR_INIT;

	ok(wo_decode_event_list(page, strlen(page), &l, &err) == 0, "event list decodes");
	ok(l.count == 3, "three events");
	ok(l.count == 3 && l.items[0].kind == WO_EVENT_USER_UPDATED && l.items[0].user != NULL &&
	       strcmp(l.items[0].user->email, "a@example.com") == 0 &&
	       l.items[0].membership == NULL,
	   "user.updated carries the user");
	ok(l.count == 3 && l.items[1].kind == WO_EVENT_MEMBERSHIP_DELETED &&
	       l.items[1].membership != NULL && strcmp(l.items[1].membership->id, "om_01B") == 0 &&
	       l.items[1].membership->role_count == 1,
	   "organization_membership.deleted carries the membership");
	ok(l.count == 3 && l.items[2].kind == WO_EVENT_OTHER && l.items[2].user == NULL &&
	       l.items[2].membership == NULL && strcmp(l.items[2].id, "event_01C") == 0,
	   "another event name: kept as other, data not read");
	ok(l.list_metadata.after != NULL && strcmp(l.list_metadata.after, "event_01C") == 0,
	   "after cursor");
	wo_event_list_clear(&l);

	static const char *const bad[] = {
	    /* an id without the event_ prefix */
	    "{\"object\":\"list\",\"data\":[{\"id\":\"ev_1\",\"event\":\"user.deleted\","
	    "\"created_at\":\"2026-01-02T03:04:05Z\",\"data\":{\"id\":\"user_01A\"}}],"
	    "\"list_metadata\":{}}",
	    /* a user event whose data is a membership */
	    "{\"object\":\"list\",\"data\":[{\"id\":\"event_1\",\"event\":\"user.deleted\","
	    "\"created_at\":\"2026-01-02T03:04:05Z\",\"data\":{\"object\":\"organization_"
	    "membership\","
	    "\"id\":\"om_1\"}}],\"list_metadata\":{}}",
	    /* no data */
	    "{\"object\":\"list\",\"data\":[{\"id\":\"event_1\",\"event\":\"user.updated\","
	    "\"created_at\":\"2026-01-02T03:04:05Z\"}],\"list_metadata\":{}}",
	    /* no created_at */
	    "{\"object\":\"list\",\"data\":[{\"id\":\"event_1\",\"event\":\"user.updated\","
	    "\"data\":{\"id\":\"user_01A\"}}],\"list_metadata\":{}}",
	    /* a membership with a bad status */
	    "{\"object\":\"list\",\"data\":[{\"id\":\"event_1\",\"event\":"
	    "\"organization_membership.updated\",\"created_at\":\"2026-01-02T03:04:05Z\","
	    "\"data\":{\"id\":\"om_1\",\"user_id\":\"user_1\",\"organization_id\":\"org_1\","
	    "\"status\":\"act ive\",\"role\":{\"slug\":\"a\"}}}],\"list_metadata\":{}}",
	    /* an event name with a control character */
	    "{\"object\":\"list\",\"data\":[{\"id\":\"event_1\",\"event\":\"user.\\u0001\","
	    "\"created_at\":\"2026-01-02T03:04:05Z\",\"data\":{}}],\"list_metadata\":{}}",
	    /* an empty after cursor */
	    "{\"object\":\"list\",\"data\":[],\"list_metadata\":{\"after\":\"\"}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0xa5, sizeof(l));
		wo_error_clear(&err);
		ok(wo_decode_event_list(bad[i], strlen(bad[i]), &l, &err) == -1 &&
		       err.kind == WO_ERR_DECODE && all_zero(&l, sizeof(l)),
		   "bad event page %zu refused whole, output zeroed (%s)", i, err.message);
	}
}

int main(int argc, char **argv)
{
	static char dir[4096];
	const char *top = getenv("top_srcdir");

	if (argc > 1) {
		data_dir = argv[1];
	} else if (top != NULL) {
		snprintf(dir, sizeof(dir), "%s/tests/unit/data", top);
		data_dir = dir;
	} else {
		printf("Bail out! set top_srcdir or pass the data directory\n");
		return 99;
	}

	test_device_authorization();
	test_user();
	test_authentication();
	test_api_errors();
	test_mfa();
	test_organization();
	test_lists();
	test_events();
	test_list_bounds();
	test_hostile_all();
#if ALLOC_FAIL_TESTS
	test_alloc_failure();
#else
	diag("allocation failure tests not built under AddressSanitizer");
#endif
	return done_testing();
}
