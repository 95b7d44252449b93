/* SPDX-License-Identifier: MIT */
/*
 * WorkOS access tokens: JWS compact serialization (RFC 7515), RS256 only.
 *
 * wo_jwt_verify believes nothing in a token until its signature checks out
 * against a WorkOS key from the JWKS cache: the header is read only for alg
 * and kid, the claims are not even parsed before the signature verifies.
 * The header must say alg "RS256" (no "none", no HMAC: a public key is not
 * a secret) and name a kid; a "crit" header is refused since we implement no
 * extension (RFC 7515 section 4.1.11); keys embedded in or linked from the
 * header (jwk, jku, x5u, x5c) are ignored.  Then exp, nbf and iat are
 * checked against `now` with a bounded skew, and iss, sub and org_id
 * against what the caller expects.
 *
 * Every failure is WO_ERR_TOKEN with a message naming the check, except a
 * failed key fetch (its own kind, e.g. WO_ERR_NETWORK) and lack of memory.
 * Messages never hold the token or any part of it.
 */
#ifndef WO_JWT_H
#define WO_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "jwks.h"

#define WO_JWT_MAX_LEN	    16384 /* bytes of a whole token */
#define WO_JWT_DEFAULT_SKEW 60	  /* seconds of clock difference tolerated */
#define WO_JWT_MAX_SKEW	    3600

struct wo_jwt_expect {
	time_t now;		    /* the current time (injectable for tests) */
	unsigned skew;		    /* seconds, at most WO_JWT_MAX_SKEW */
	const char *const *issuers; /* NULL-terminated list; NULL: iss not checked */
	const char *org_id;	    /* required org_id claim; NULL: not checked */
	const char *sub;	    /* required sub value; NULL: not compared (the claim
				       must still be there and a user_... id) */
};

/* What a token says, once verified.  Strings are heap copies, checked to be
 * printable; absent optional claims are NULL. */
struct wo_jwt_claims {
	char *iss;
	char *sub;    /* the WorkOS user id, user_... (always set) */
	char *sid;    /* the session id (for revocation) */
	char *org_id; /* org_... */
	char *role;   /* role slug */
	char **roles; /* NULL-terminated role slugs; NULL when absent */
	size_t n_roles;
	char **permissions; /* NULL-terminated; NULL when absent */
	size_t n_permissions;
	bool impersonated; /* an "act" claim is present: someone acts as sub */
	char *act_sub;	   /* act.sub, who impersonates (an email); may be NULL */
	int64_t exp;
	int64_t iat; /* -1 when absent */
	int64_t nbf; /* -1 when absent */
};

/*
 * Verifies `token` (a NUL-terminated string) with keys from `keys`, and on
 * success fills *out (for wo_jwt_claims_clear).  On failure *out is left
 * empty.  The key cache is asked with expect->now as its clock.
 */
int wo_jwt_verify(struct wo_jwks_cache *keys, const char *token, const struct wo_jwt_expect *expect,
		  struct wo_jwt_claims *out, struct wo_error *err);

void wo_jwt_claims_clear(struct wo_jwt_claims *claims);

/*
 * The steps of wo_jwt_verify that read untrusted bytes, usable on their
 * own (a fuzz target feeds them arbitrary input).  Nothing returned by
 * these is trustworthy until the signature over token[0..signed_len) has
 * been checked with the key named by kid.
 */
struct wo_jwt_parts {
	char *kid;		/* header kid, printable ASCII */
	size_t signed_len;	/* the signing input is token[0..signed_len) */
	unsigned char *payload; /* decoded claims text, NUL-terminated */
	size_t payload_len;
	unsigned char *sig; /* decoded signature */
	size_t sig_len;
};

/* Splits token[0..len) into its three parts, decodes them and checks the
 * header.  *out is for wo_jwt_parts_clear (also after a failure). */
int wo_jwt_decode_unverified(const char *token, size_t len, struct wo_jwt_parts *out,
			     struct wo_error *err);

/* Wipes and frees what the parts hold. */
void wo_jwt_parts_clear(struct wo_jwt_parts *parts);

/* Decodes claims text into *out (for wo_jwt_claims_clear) with the type
 * and format checks only; the time, issuer, subject and organization
 * checks are wo_jwt_verify's. */
int wo_jwt_claims_parse(const char *json, size_t len, struct wo_jwt_claims *out,
			struct wo_error *err);

#endif
