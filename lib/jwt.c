/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "base64url.h"
#include "json.h"
#include "jwt.h"
#include "secret.h"

/* Claims are NumericDates; a bound keeps the arithmetic on them far from
 * overflow (this is 9999-12-31T23:59:59Z). */
#define TIME_MAX     INT64_C(253402300799)
#define ALG_SHOW_MAX 16 /* longest alg name quoted back in a message */
#define ISS_MAX	     512
#define SLUG_MAX     128 /* a role or permission */
#define LIST_MAX     128 /* roles or permissions in one token */
#define EMAIL_MAX    320

static const char CLAIMS[] = "token claims";

/* The JSON getters report malformed network data as WO_ERR_DECODE; a token
 * that fails them is a token that fails verification. */
static int token_error(struct wo_error *err)
{
	if (err != NULL && err->kind == WO_ERR_DECODE)
		err->kind = WO_ERR_TOKEN;
	return -1;
}

static int decode_part(const char *text, size_t len, const char *what, unsigned char **out,
		       size_t *out_len, struct wo_error *err)
{
	if (wo_base64url_decode(text, len, out, out_len, err) == 0)
		return 0;
	wo_error_prefix(err, "token %s", what);
	return token_error(err);
}

/* Parses a decoded header or claims part, which must be one JSON object. */
static int parse_part(const char *text, size_t len, const char *what, struct json_object **out,
		      struct wo_error *err)
{
	struct wo_error e = WO_ERROR_INIT;

	if (wo_json_parse_object(text, len, out, &e) == 0)
		return 0;
	/* json.c speaks of a "response body"; say which part failed instead. */
	if (e.kind == WO_ERR_SYSTEM)
		return wo_error_set(err, WO_ERR_SYSTEM, "%s", e.message);
	return wo_error_set(err, WO_ERR_TOKEN, "token %s: not a valid JSON object", what);
}

static bool printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* RFC 7515 section 4.1 and RFC 8725 section 3.1: the algorithm is ours to
 * choose, not the token's.  Only alg and kid are read; crit is refused. */
static int check_header(struct json_object *hdr, char **kid, struct wo_error *err)
{
	struct json_object *alg;
	const char *name;
	size_t len;

	if (!json_object_object_get_ex(hdr, "alg", &alg) || alg == NULL)
		return wo_error_set(err, WO_ERR_TOKEN, "token header has no alg");
	if (!json_object_is_type(alg, json_type_string))
		return wo_error_set(err, WO_ERR_TOKEN, "token header alg is not a string");
	name = json_object_get_string(alg);
	len = (size_t)json_object_get_string_len(alg);
	/* The length too: "RS256\u0000x" must not pass for RS256. */
	if (len != strlen("RS256") || strcmp(name, "RS256") != 0) {
		if (len <= ALG_SHOW_MAX && len == strlen(name) && len > 0 && printable_ascii(name))
			return wo_error_set(err, WO_ERR_TOKEN,
					    "token algorithm %s is not allowed (only RS256)", name);
		return wo_error_set(err, WO_ERR_TOKEN,
				    "token algorithm is not allowed (only RS256)");
	}
	if (json_object_object_get_ex(hdr, "crit", NULL))
		return wo_error_set(err, WO_ERR_TOKEN,
				    "token header has a crit parameter, no extension is supported");
	if (wo_json_string(hdr, "token header", "kid", WO_JSON_REQUIRED | WO_JSON_TOKEN,
			   WO_JWKS_KID_MAX, kid, err) != 0)
		return token_error(err);
	return 0;
}

int wo_jwt_decode_unverified(const char *token, size_t len, struct wo_jwt_parts *out,
			     struct wo_error *err)
{
	const char *part[3];
	size_t part_len[3];
	struct json_object *hdr = NULL;
	unsigned char *header = NULL;
	size_t header_len = 0, start = 0, k = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > WO_JWT_MAX_LEN) {
		wo_error_set(err, WO_ERR_TOKEN, "token is too long (more than %d bytes)",
			     WO_JWT_MAX_LEN);
		goto out;
	}
	/* header.payload.signature: exactly two dots, no part empty. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && token[i] != '.')
			continue;
		if (k == 3) {
			wo_error_set(err, WO_ERR_TOKEN, "token has more than three parts");
			goto out;
		}
		if (i == start) {
			wo_error_set(err, WO_ERR_TOKEN, "token has an empty part");
			goto out;
		}
		part[k] = token + start;
		part_len[k++] = i - start;
		start = i + 1;
	}
	if (k != 3) {
		wo_error_set(err, WO_ERR_TOKEN, "token does not have three parts");
		goto out;
	}

	if (decode_part(part[0], part_len[0], "header", &header, &header_len, err) != 0 ||
	    parse_part((const char *)header, header_len, "header", &hdr, err) != 0 ||
	    check_header(hdr, &out->kid, err) != 0)
		goto out;
	if (decode_part(part[1], part_len[1], "claims", &out->payload, &out->payload_len, err) ||
	    decode_part(part[2], part_len[2], "signature", &out->sig, &out->sig_len, err))
		goto out;
	out->signed_len = part_len[0] + 1 + part_len[1];
	rc = 0;
out:
	json_object_put(hdr);
	wo_secret_free_n(header, header_len);
	return rc;
}

void wo_jwt_parts_clear(struct wo_jwt_parts *parts)
{
	free(parts->kid);
	wo_secret_free_n(parts->payload, parts->payload_len);
	wo_secret_free_n(parts->sig, parts->sig_len);
	memset(parts, 0, sizeof(*parts));
}

/* RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3). */
static int verify_rs256(EVP_PKEY *pkey, const char *input, size_t input_len,
			const unsigned char *sig, size_t sig_len, struct wo_error *err)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -1;

	/* An RSA signature is exactly as long as the modulus. */
	if (sig_len != (size_t)EVP_PKEY_get_size(pkey)) {
		wo_error_set(err, WO_ERR_TOKEN, "token signature has the wrong length");
		goto out;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL ||
	    EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, pkey, NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		wo_error_set(err, WO_ERR_SYSTEM, "OpenSSL cannot set up RS256 verification");
		goto out;
	}
	if (EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)input, input_len) != 1) {
		wo_error_set(err, WO_ERR_TOKEN, "token signature does not verify");
		goto out;
	}
	rc = 0;
out:
	/* A failed verification leaves entries in OpenSSL's error queue. */
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return rc;
}

/* An optional array of strings, copied into a NULL-terminated list. */
static int string_list(struct json_object *obj, const char *field, char ***out, size_t *n_out,
		       struct wo_error *err)
{
	struct json_object *arr;
	char **list;
	size_t n;

	*out = NULL;
	*n_out = 0;
	if (wo_json_array(obj, CLAIMS, field, 0, LIST_MAX, &arr, err) != 0)
		return -1;
	if (arr == NULL)
		return 0;
	n = json_object_array_length(arr);
	list = calloc(n + 1, sizeof(*list));
	if (list == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	*out = list;
	for (size_t i = 0; i < n; i++) {
		char what[64];

		snprintf(what, sizeof(what), "%s: %s[%zu]", CLAIMS, field, i);
		if (wo_json_string_value(json_object_array_get_idx(arr, i), what, WO_JSON_TEXT,
					 SLUG_MAX, &list[i], err) != 0)
			return -1;
		*n_out = i + 1;
	}
	return 0;
}

static void free_list(char **list)
{
	if (list == NULL)
		return;
	for (char **p = list; *p != NULL; p++)
		free(*p);
	free(list);
}

/* An optional NumericDate is -1 when absent. */
static int numeric_date(struct json_object *obj, const char *field, int flags, int64_t *out,
			struct wo_error *err)
{
	return wo_json_int(obj, CLAIMS, field, flags, 0, TIME_MAX, -1, out, err);
}

int wo_jwt_claims_parse(const char *json, size_t len, struct wo_jwt_claims *out,
			struct wo_error *err)
{
	struct json_object *obj = NULL, *act = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->iat = out->nbf = -1;
	if (parse_part(json, len, "claims", &obj, err) != 0)
		goto out;
	if (wo_json_string(obj, CLAIMS, "iss", WO_JSON_TOKEN, ISS_MAX, &out->iss, err) != 0 ||
	    wo_json_id(obj, CLAIMS, "sub", "user_", WO_JSON_REQUIRED, &out->sub, err) != 0 ||
	    wo_json_id(obj, CLAIMS, "sid", "", 0, &out->sid, err) != 0 ||
	    wo_json_id(obj, CLAIMS, "org_id", "org_", 0, &out->org_id, err) != 0 ||
	    wo_json_string(obj, CLAIMS, "role", WO_JSON_TEXT, SLUG_MAX, &out->role, err) != 0 ||
	    string_list(obj, "roles", &out->roles, &out->n_roles, err) != 0 ||
	    string_list(obj, "permissions", &out->permissions, &out->n_permissions, err) != 0 ||
	    numeric_date(obj, "exp", WO_JSON_REQUIRED, &out->exp, err) != 0 ||
	    numeric_date(obj, "iat", 0, &out->iat, err) != 0 ||
	    numeric_date(obj, "nbf", 0, &out->nbf, err) != 0 ||
	    wo_json_object(obj, CLAIMS, "act", 0, &act, err) != 0)
		goto fail;
	/* Impersonation (RFC 8693 section 4.1): the caller decides whether to
	 * admit it, so its mere presence is what matters. */
	if (act != NULL) {
		out->impersonated = true;
		if (wo_json_string(act, "token claims: act", "sub", WO_JSON_TEXT, EMAIL_MAX,
				   &out->act_sub, err) != 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	token_error(err);
	wo_jwt_claims_clear(out);
out:
	json_object_put(obj);
	return rc;
}

void wo_jwt_claims_clear(struct wo_jwt_claims *claims)
{
	free(claims->iss);
	free(claims->sub);
	free(claims->sid);
	free(claims->org_id);
	free(claims->role);
	free_list(claims->roles);
	free_list(claims->permissions);
	free(claims->act_sub);
	memset(claims, 0, sizeof(*claims));
	claims->iat = claims->nbf = -1;
}

/* RFC 7519 sections 4.1.4-4.1.6, each with `skew` seconds of tolerance. */
static int check_times(const struct wo_jwt_claims *c, int64_t now, int64_t skew,
		       struct wo_error *err)
{
	if (now - c->exp >= skew)
		return wo_error_set(err, WO_ERR_TOKEN, "token expired %lld s ago",
				    (long long)(now - c->exp));
	if (c->nbf >= 0 && c->nbf - now > skew)
		return wo_error_set(err, WO_ERR_TOKEN, "token is not valid for another %lld s",
				    (long long)(c->nbf - now));
	if (c->iat >= 0 && c->iat - now > skew)
		return wo_error_set(err, WO_ERR_TOKEN, "token was issued %lld s in the future",
				    (long long)(c->iat - now));
	return 0;
}

static int check_claims(const struct wo_jwt_claims *c, const struct wo_jwt_expect *expect,
			struct wo_error *err)
{
	if (check_times(c, (int64_t)expect->now, (int64_t)expect->skew, err) != 0)
		return -1;
	if (expect->issuers != NULL) {
		const char *const *iss = expect->issuers;

		if (c->iss == NULL)
			return wo_error_set(err, WO_ERR_TOKEN, "token has no issuer");
		while (*iss != NULL && strcmp(*iss, c->iss) != 0)
			iss++;
		if (*iss == NULL)
			return wo_error_set(err, WO_ERR_TOKEN,
					    "token issuer \"%s\" is not accepted", c->iss);
	}
	if (expect->sub != NULL && strcmp(expect->sub, c->sub) != 0)
		return wo_error_set(err, WO_ERR_TOKEN, "token is for user %s, expected %s", c->sub,
				    expect->sub);
	if (expect->org_id != NULL && c->org_id == NULL)
		return wo_error_set(err, WO_ERR_TOKEN, "token has no organization, expected %s",
				    expect->org_id);
	if (expect->org_id != NULL && strcmp(expect->org_id, c->org_id) != 0)
		return wo_error_set(err, WO_ERR_TOKEN, "token is for organization %s, expected %s",
				    c->org_id, expect->org_id);
	return 0;
}

int wo_jwt_verify(struct wo_jwks_cache *keys, const char *token, const struct wo_jwt_expect *expect,
		  struct wo_jwt_claims *out, struct wo_error *err)
{
	struct wo_jwt_parts parts = {0};
	struct wo_jwt_claims claims;
	EVP_PKEY *pkey;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->iat = out->nbf = -1;
	memset(&claims, 0, sizeof(claims));
	if (expect->now < 0 || (int64_t)expect->now > TIME_MAX || expect->skew > WO_JWT_MAX_SKEW) {
		wo_error_set(err, WO_ERR_CONFIG, "token check: current time or skew out of range");
		goto out;
	}
	if (token == NULL) {
		wo_error_set(err, WO_ERR_TOKEN, "no token");
		goto out;
	}
	if (wo_jwt_decode_unverified(token, strnlen(token, WO_JWT_MAX_LEN + 1), &parts, err) != 0 ||
	    wo_jwks_cache_key(keys, parts.kid, expect->now, &pkey, err) != 0 ||
	    verify_rs256(pkey, token, parts.signed_len, parts.sig, parts.sig_len, err) != 0)
		goto out;
	/* Only now is anything in the payload worth reading. */
	if (wo_jwt_claims_parse((const char *)parts.payload, parts.payload_len, &claims, err) != 0)
		goto out;
	if (check_claims(&claims, expect, err) != 0)
		goto out;
	*out = claims;
	memset(&claims, 0, sizeof(claims));
	rc = 0;
out:
	wo_jwt_claims_clear(&claims);
	wo_jwt_parts_clear(&parts);
	return rc;
}
