/* SPDX-License-Identifier: MIT */
/*
 * The keys WorkOS signs access tokens with: a JWK Set (RFC 7517) from
 * GET /sso/jwks/{client_id}, and a small cache in front of it.
 *
 * Only keys fit for RS256 signatures are kept: kty "RSA", use absent or
 * "sig", alg absent or "RS256".  Other keys (EC, symmetric, encryption) are
 * skipped.  A key we would keep must be sound or the whole set is refused:
 * a unique kid, a modulus of 2048 to 8192 bits, an odd exponent from 3 to
 * 2^32-1.  A set with no usable key is refused too.
 *
 * The cache fetches the set on first use and once more when a token names a
 * kid it does not hold (key rotation), but never twice in one lookup and
 * never sooner than a minimum interval after the previous fetch, so that a
 * stream of tokens with made-up kids cannot make us hammer WorkOS.  It is
 * not thread-safe: use one per PAM handle or per tool run.
 */
#ifndef WO_JWKS_H
#define WO_JWKS_H

#include <stddef.h>
#include <time.h>

#include <openssl/types.h>

#include "error.h"

#define WO_JWKS_MAX_KEYS	 20
#define WO_JWKS_MAX_BODY	 (256 * 1024)
#define WO_JWKS_KID_MAX		 128
#define WO_JWKS_REFETCH_INTERVAL 30 /* seconds: a sensible min_interval */

struct wo_jwks;

/* Decodes a JWK Set from body[0..len).  *out is for wo_jwks_free.  Errors
 * are WO_ERR_DECODE (WO_ERR_SYSTEM when memory or OpenSSL fails). */
int wo_jwks_parse(const char *body, size_t len, struct wo_jwks **out, struct wo_error *err);

void wo_jwks_free(struct wo_jwks *set);

/* How many usable keys the set holds. */
size_t wo_jwks_count(const struct wo_jwks *set);

/* The key with this kid, borrowed from the set; NULL when there is none. */
EVP_PKEY *wo_jwks_find(const struct wo_jwks *set, const char *kid);

/* Gets the current JWKS body.  On success *body is heap memory of *len
 * bytes that the cache frees; on failure err says why (its kind is passed
 * on to the caller of wo_jwks_cache_key unchanged). */
typedef int (*wo_jwks_fetch_fn)(void *ctx, char **body, size_t *len, struct wo_error *err);

struct wo_jwks_cache;

/* A cache that calls fetch(ctx, ...) when it needs keys, at most once per
 * min_interval seconds.  *out is for wo_jwks_cache_free. */
int wo_jwks_cache_new(wo_jwks_fetch_fn fetch, void *ctx, unsigned min_interval,
		      struct wo_jwks_cache **out, struct wo_error *err);

void wo_jwks_cache_free(struct wo_jwks_cache *cache);

/*
 * Finds the key for `kid`, fetching as described above.  `now` is the clock
 * the minimum interval is measured on (wall time, injectable for tests; a
 * clock that went backwards allows a fetch).  *key is borrowed and valid
 * until the next call on the cache.  An unknown kid is WO_ERR_TOKEN; a fetch
 * that failed keeps its kind, and is not retried before the interval is up
 * (the same error is returned meanwhile).
 */
int wo_jwks_cache_key(struct wo_jwks_cache *cache, const char *kid, time_t now, EVP_PKEY **key,
		      struct wo_error *err);

#endif
