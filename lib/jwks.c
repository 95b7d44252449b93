/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "base64url.h"
#include "jwks.h"
#include "json.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
/* Base64url of an 8192-bit modulus is 1366 characters; leave room for the
 * leading zero bytes some encoders add, refuse anything far beyond. */
#define N_B64_MAX 2048
#define E_B64_MAX 16
#define PARAM_MAX 32 /* kty, use, alg */

struct jwk {
	char *kid;
	EVP_PKEY *pkey;
};

struct wo_jwks {
	struct jwk *keys;
	size_t n;
};

struct wo_jwks_cache {
	wo_jwks_fetch_fn fetch;
	void *ctx;
	unsigned min_interval;
	struct wo_jwks *set; /* NULL until a fetch succeeded */
	bool fetched;	     /* a fetch was attempted, at last_fetch */
	time_t last_fetch;
	struct wo_error last_err; /* why the last fetch failed, if it did */
};

static unsigned bit_length(const unsigned char *be, size_t len)
{
	unsigned bits = (unsigned)len * 8;

	for (unsigned char top = be[0]; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

/* Builds an RSA public key from the big-endian n and e of a JWK
 * (RFC 7518 section 6.3.1), after the sanity bounds the header promises. */
static EVP_PKEY *rsa_public_key(const unsigned char *n, size_t n_len, const unsigned char *e,
				size_t e_len, const char *what, struct wo_error *err)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	uint32_t ev = 0;
	unsigned bits;

	/* Base64urlUInt should be minimal; tolerate leading zeros rather than
	 * lock everyone out over an encoder's quirk, they change nothing. */
	while (n_len > 0 && n[0] == 0)
		n++, n_len--;
	while (e_len > 0 && e[0] == 0)
		e++, e_len--;
	bits = n_len > 0 ? bit_length(n, n_len) : 0;
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
		wo_error_set(err, WO_ERR_DECODE,
			     "%s: RSA modulus of %u bits is refused (%d to %d bits allowed)", what,
			     bits, RSA_MIN_BITS, RSA_MAX_BITS);
		return NULL;
	}
	if (!(n[n_len - 1] & 1)) {
		wo_error_set(err, WO_ERR_DECODE, "%s: RSA modulus is even", what);
		return NULL;
	}
	/* e = 1 makes every signature trivially forgeable, a huge e makes
	 * verification slow; real keys use 65537. */
	if (e_len > 4) {
		wo_error_set(err, WO_ERR_DECODE, "%s: RSA exponent is larger than 32 bits", what);
		return NULL;
	}
	for (size_t i = 0; i < e_len; i++)
		ev = ev << 8 | e[i];
	if (ev < 3 || !(ev & 1)) {
		wo_error_set(err, WO_ERR_DECODE, "%s: RSA exponent %u is refused", what,
			     (unsigned)ev);
		return NULL;
	}

	bn_n = BN_bin2bn(n, (int)n_len, NULL);
	bn_e = BN_bin2bn(e, (int)e_len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn_n == NULL || bn_e == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		const char *why = ERR_reason_error_string(ERR_peek_last_error());

		wo_error_set(err, WO_ERR_SYSTEM, "%s: OpenSSL cannot build the RSA key (%s)", what,
			     why != NULL ? why : "out of memory");
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	/* Leave no stale entries for whoever calls OpenSSL next. */
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return pkey;
}

/* A required base64url member of a JWK, decoded. */
static int key_bytes(struct json_object *jwk, const char *what, const char *field, size_t max_len,
		     unsigned char **out, size_t *out_len, struct wo_error *err)
{
	char *text = NULL;
	int rc;

	if (wo_json_string(jwk, what, field, WO_JSON_REQUIRED | WO_JSON_TOKEN, max_len, &text,
			   err) != 0)
		return -1;
	rc = wo_base64url_decode(text, strlen(text), out, out_len, err);
	if (rc != 0)
		wo_error_prefix(err, "%s: field \"%s\"", what, field);
	free(text);
	return rc;
}

/* Returns 1 and fills *key for a usable RS256 key, 0 for a key to skip,
 * -1 for a key that claims to be usable but is not. */
static int parse_key(struct json_object *jwk, const char *what, struct jwk *key,
		     struct wo_error *err)
{
	char *kty = NULL, *use = NULL, *alg = NULL, *kid = NULL;
	unsigned char *n = NULL, *e = NULL;
	size_t n_len, e_len;
	int rc = -1;

	if (wo_json_string(jwk, what, "kty", WO_JSON_REQUIRED | WO_JSON_TOKEN, PARAM_MAX, &kty,
			   err) != 0 ||
	    wo_json_string(jwk, what, "use", WO_JSON_TOKEN, PARAM_MAX, &use, err) != 0 ||
	    wo_json_string(jwk, what, "alg", WO_JSON_TOKEN, PARAM_MAX, &alg, err) != 0)
		goto out;
	if (strcmp(kty, "RSA") != 0 || (use != NULL && strcmp(use, "sig") != 0) ||
	    (alg != NULL && strcmp(alg, "RS256") != 0)) {
		rc = 0;
		goto out;
	}
	if (wo_json_string(jwk, what, "kid", WO_JSON_REQUIRED | WO_JSON_TOKEN, WO_JWKS_KID_MAX,
			   &kid, err) != 0 ||
	    key_bytes(jwk, what, "n", N_B64_MAX, &n, &n_len, err) != 0 ||
	    key_bytes(jwk, what, "e", E_B64_MAX, &e, &e_len, err) != 0)
		goto out;
	key->pkey = rsa_public_key(n, n_len, e, e_len, what, err);
	if (key->pkey == NULL)
		goto out;
	key->kid = kid;
	kid = NULL;
	rc = 1;
out:
	free(kty);
	free(use);
	free(alg);
	free(kid);
	free(n);
	free(e);
	return rc;
}

int wo_jwks_parse(const char *body, size_t len, struct wo_jwks **out, struct wo_error *err)
{
	struct json_object *root = NULL, *keys;
	struct wo_jwks *set = NULL;
	size_t count;
	int rc = -1;

	*out = NULL;
	if (len > WO_JWKS_MAX_BODY) {
		wo_error_set(err, WO_ERR_DECODE, "JWKS is too large (%zu bytes)", len);
		goto out;
	}
	if (wo_json_parse_object(body, len, &root, err) != 0) {
		wo_error_prefix(err, "JWKS");
		goto out;
	}
	if (wo_json_array(root, "JWKS", "keys", WO_JSON_REQUIRED, WO_JWKS_MAX_KEYS, &keys, err) !=
	    0)
		goto out;
	count = json_object_array_length(keys);
	set = calloc(1, sizeof(*set));
	if (set == NULL || (set->keys = calloc(count + 1, sizeof(*set->keys))) == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		struct json_object *jwk = json_object_array_get_idx(keys, i);
		struct jwk *key = &set->keys[set->n];
		char what[32];
		int kept;

		snprintf(what, sizeof(what), "JWKS key %zu", i);
		if (!json_object_is_type(jwk, json_type_object)) {
			wo_error_set(err, WO_ERR_DECODE, "%s is not an object", what);
			goto out;
		}
		kept = parse_key(jwk, what, key, err);
		if (kept < 0)
			goto out;
		if (kept == 0)
			continue;
		set->n++;
		/* Two keys under one kid: which one signed the token would be
		 * up to whoever got their key listed first. */
		for (size_t j = 0; j + 1 < set->n; j++) {
			if (strcmp(set->keys[j].kid, key->kid) == 0) {
				wo_error_set(err, WO_ERR_DECODE,
					     "JWKS: key id \"%s\" appears twice", key->kid);
				goto out;
			}
		}
	}
	if (set->n == 0) {
		wo_error_set(err, WO_ERR_DECODE, "JWKS holds no RSA key for RS256 signatures");
		goto out;
	}
	*out = set;
	set = NULL;
	rc = 0;
out:
	wo_jwks_free(set);
	json_object_put(root);
	return rc;
}

void wo_jwks_free(struct wo_jwks *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++) {
		free(set->keys[i].kid);
		EVP_PKEY_free(set->keys[i].pkey);
	}
	free(set->keys);
	free(set);
}

size_t wo_jwks_count(const struct wo_jwks *set)
{
	return set->n;
}

EVP_PKEY *wo_jwks_find(const struct wo_jwks *set, const char *kid)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->keys[i].kid, kid) == 0)
			return set->keys[i].pkey;
	return NULL;
}

int wo_jwks_cache_new(wo_jwks_fetch_fn fetch, void *ctx, unsigned min_interval,
		      struct wo_jwks_cache **out, struct wo_error *err)
{
	struct wo_jwks_cache *cache;

	*out = NULL;
	if (fetch == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "JWKS cache needs a fetch function");
	cache = calloc(1, sizeof(*cache));
	if (cache == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	cache->fetch = fetch;
	cache->ctx = ctx;
	cache->min_interval = min_interval;
	cache->last_err = (struct wo_error)WO_ERROR_INIT;
	*out = cache;
	return 0;
}

void wo_jwks_cache_free(struct wo_jwks_cache *cache)
{
	if (cache == NULL)
		return;
	wo_jwks_free(cache->set);
	free(cache);
}

static bool may_fetch(const struct wo_jwks_cache *cache, time_t now)
{
	return !cache->fetched || now < cache->last_fetch ||
	       now - cache->last_fetch >= (time_t)cache->min_interval;
}

/* Fetches and decodes the set.  A failure leaves the previous set in place
 * and is remembered, to be returned until the next fetch is allowed. */
static int refresh(struct wo_jwks_cache *cache, time_t now, struct wo_error *err)
{
	struct wo_error e = WO_ERROR_INIT;
	struct wo_jwks *set = NULL;
	char *body = NULL;
	size_t len = 0;
	int rc;

	cache->fetched = true;
	cache->last_fetch = now;
	rc = cache->fetch(cache->ctx, &body, &len, &e);
	if (rc == 0 && body == NULL)
		rc = wo_error_set(&e, WO_ERR_SYSTEM, "the fetch returned no body");
	else if (rc != 0 && e.kind == WO_ERR_NONE)
		wo_error_set(&e, WO_ERR_SYSTEM, "the fetch failed without saying why");
	if (rc == 0)
		rc = wo_jwks_parse(body, len, &set, &e);
	free(body);
	if (rc != 0) {
		wo_error_prefix(&e, "fetching the token signing keys");
		cache->last_err = e;
		if (err != NULL)
			*err = e;
		return -1;
	}
	wo_jwks_free(cache->set);
	cache->set = set;
	cache->last_err = (struct wo_error)WO_ERROR_INIT;
	return 0;
}

int wo_jwks_cache_key(struct wo_jwks_cache *cache, const char *kid, time_t now, EVP_PKEY **key,
		      struct wo_error *err)
{
	bool fetched_now = false;

	*key = NULL;
	if (cache->set == NULL) {
		if (!may_fetch(cache, now)) {
			if (err != NULL)
				*err = cache->last_err;
			return -1;
		}
		if (refresh(cache, now, err) != 0)
			return -1;
		fetched_now = true;
	}
	*key = wo_jwks_find(cache->set, kid);
	if (*key != NULL)
		return 0;
	/* WorkOS may have rotated its keys since we fetched them. */
	if (!fetched_now && may_fetch(cache, now)) {
		if (refresh(cache, now, err) != 0)
			return -1;
		*key = wo_jwks_find(cache->set, kid);
		if (*key != NULL)
			return 0;
		fetched_now = true;
	}
	if (fetched_now)
		return wo_error_set(err, WO_ERR_TOKEN, "token signed with unknown key id \"%s\"",
				    kid);
	return wo_error_set(
	    err, WO_ERR_TOKEN,
	    "token signed with unknown key id \"%s\" (keys were fetched %lld s ago, "
	    "not again before %u s)",
	    kid, (long long)(now - cache->last_fetch), cache->min_interval);
}
