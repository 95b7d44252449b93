/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: wo_jwt_verify end to end against a fixed key set (one
 * RSA key "fuzz-a", one EC key that must be skipped).  The first byte
 * chooses how the rest is used:
 *   even: the rest is a token, as a client would send it; its signature
 *         almost never verifies, but splitting, decoding, the header checks
 *         and the key lookup all run on hostile bytes;
 *   odd:  the rest is "HEADER\nCLAIMS" (raw JSON), which the target encodes
 *         and signs with the fuzz key, so the claim checks (times, issuer,
 *         subject, organization) are reached too.
 * Bits 1-2 of the first byte pick what the caller expects.  The key below
 * was generated for this file and protects nothing.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base64url.h"
#include "jwks.h"
#include "jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((time_t)1700000000)

static const char fuzz_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDTd+Q1Aix4OUzs\n"
    "TJQ6Hk7VD7ahq+Q22ejg8G6fW0Lr8ElsubYb4tl1cMWejc5BaSKZGNEMzSqO0vSK\n"
    "AOC/FerXx+H0bg6SLCHz323gWJSAgIwatmwHpupuBXab+TYpFJyqFcw1oWSOCNqz\n"
    "gVc9KIoDrFyO301N1liItuSU66Q4MdLKMhjcoqAnApvv84UTD/PaQGI5OiEAIsYE\n"
    "68YjZgeSlJgitQOfe8qds9/4nNyXJezzIdAFT4Qh6AQw8uPei0ufEvDCNOcv0qLV\n"
    "kypatXtFDMmFCcrxCo4DtPxMOcFnB7/WzqPkMOhkWi+qw7gBIayG76U0S1+d+zUA\n"
    "zKMMxbCfAgMBAAECggEASDknUM9oPrtbQU06Rss5I12Vg4wAipdMCR80uOpjZc+Q\n"
    "VDjtMIL+wDR+2hMWgZKVxXILW/LqeRMlf8ii+cBTj9TtoBzCjzvRcMg7b6bxOR4u\n"
    "O6VYKhjg8iidhNHNpKQsiY6eSybPAA+YGjyvfezNjkmc5xLvBQmS/UZxtUbxtFr4\n"
    "1wXiRe7nw82Isq6KO0jdS7FIHtCSVAxXZedzpwJN3+4xL9ppkHSRH+jB5G25AJXS\n"
    "HQwV14ENfWL/Ed9QS03E/2MOm8XQLq6qr0qX0cppr7wxCGU5uts6CPwa+/RY0RWY\n"
    "NMZybYTxvNMI0qvwkMpc/TOpFwEB6gO/RfpHWTj5QQKBgQDxjbJQxRjfYqa2PH/A\n"
    "JQdAuoj01bGtbIpk9gir9MSaEflVWb13Gu0I4zNsjCpRMYAKrDq6QPTGT1MYXSc0\n"
    "UMEcy0ADIWcX8985c1/6V0rCB8mmk6M4u74iVitCmSgbn3XhaB5gZsA2o1/RghVV\n"
    "FBt2w/tasLWkJnhHC4RTjE8GoQKBgQDgHZNzRn9WTQ23yhV1a4iqGt84OjPKkpew\n"
    "E0femaku+9G5RkFWV0901JdrTRFqGYYOtlJ1jwYVQV5q37KLdle6FetQAHuwyFVY\n"
    "OmsC8jla3m0LlNYGlM++j6x43GwYkgEjeY7RnBOL40IPfzH9/saTXnWKROKABAiM\n"
    "MhaIKuuvPwKBgD2qmfpKxxXIXp0phser7FUXCf3PTEPk8NPjh8U2gLaAnjGu7lKo\n"
    "2hipwCgXBHqj83dGDtwb1yGFgMY4idiuQQ6zyMzDy0jvJm7JSJhljp1IVa+kA0hp\n"
    "jZnAe9zNstKSfAqmhRLBSJLqVHztA7srnfNNBy9Y65ZTh+NDSm315PrhAoGBALwv\n"
    "WX60NXxL2zb2Uypzjx/2zHS0OoTgrspEhlaeBHfVL3c5TOepDKj3UeXhorvKjsyP\n"
    "v5HC9MKoTxXCnHOKfYNdoGde4H3C2hbphq3EovBwUHQnF8gS8JX8okAiJgpDnv0g\n"
    "txG+0pLl0rScg2fZpPhdmqjtyprfyCWgcVcJYzmVAoGBAI0TKlS2uyjG23eJr7PW\n"
    "Nwy5ENnJ+zYpdXv76+z/2tMg0LGJN9GcPTlpy8cvwCnY/WJheY/UGFMpcVBAmln8\n"
    "al1e5cKhbyOZG22Md8ze9t0/jYEqVDmaF80rB1AjUV3SOLcLvMF7QElZ9pqhVowp\n"
    "6skyrdATrYuYoBeTg3fya+Cm\n"
    "-----END PRIVATE KEY-----\n";

static const char fuzz_jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"fuzz-a\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":"
    "\"03fkNQIseDlM7EyUOh5O"
    "1Q-2oavkNtno4PBun1tC6_BJbLm2G-LZdXDFno3OQWkimRjRDM0qjtL0igDgvxXq18fh9G4Okiwh899t4FiUgICM"
    "GrZsB6bqbgV2m_k2KRScqhXMNaFkjgjas4FXPSiKA6xcjt9NTdZYiLbklOukODHSyjIY3KKgJwKb7_OFEw_z2kBi"
    "OTohACLGBOvGI2YHkpSYIrUDn3vKnbPf-JzclyXs8yHQBU-EIegEMPLj3otLnxLwwjTnL9Ki1ZMqWrV7RQzJhQnK"
    "8QqOA7T8TDnBZwe_1s6j5DDoZFovqsO4ASGshu-lNEtfnfs1AMyjDMWwnw\",\"e\":\"AQAB\"},{\"kty\":\"EC\","
    "\"kid"
    "\":\"fuzz-ec\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":"
    "\"x_FEzRu"
    "9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

static const char *const issuers[] = {"https://api.workos.test/user_management/client_01FUZZ",
				      "https://api.workos.test/", NULL};
static volatile size_t sink;

static int fetch(void *ctx, char **body, size_t *len, struct wo_error *err)
{
	(void)ctx;
	*body = strdup(fuzz_jwks);
	if (*body == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	*len = strlen(fuzz_jwks);
	return 0;
}

static EVP_PKEY *signing_key(void)
{
	static EVP_PKEY *key;

	if (key == NULL) {
		BIO *bio = BIO_new_mem_buf(fuzz_key_pem, -1);

		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (key == NULL)
			abort();
	}
	return key;
}

/* header.claims.signature for raw header and claims JSON; NULL on failure. */
static char *sign(const char *hdr, size_t hdr_len, const char *claims, size_t claims_len)
{
	char *h = NULL, *c = NULL, *s = NULL, *tok = NULL;
	unsigned char sig[512];
	size_t sig_len = sizeof(sig), n;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL || wo_base64url_encode(hdr, hdr_len, &h, NULL) != 0 ||
	    wo_base64url_encode(claims, claims_len, &c, NULL) != 0)
		goto out;
	n = strlen(h) + 1 + strlen(c);
	tok = malloc(n + 1 + 2 * sizeof(sig) + 1);
	if (tok == NULL)
		goto out;
	strcpy(tok, h);
	strcat(tok, ".");
	strcat(tok, c);
	if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, signing_key(), NULL) != 1 ||
	    EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)tok, n) != 1 ||
	    wo_base64url_encode(sig, sig_len, &s, NULL) != 0) {
		free(tok);
		tok = NULL;
		goto out;
	}
	strcat(tok, ".");
	strcat(tok, s);
out:
	EVP_MD_CTX_free(md);
	free(h);
	free(c);
	free(s);
	return tok;
}

static void verify(struct wo_jwks_cache *keys, const char *token, unsigned mode)
{
	struct wo_jwt_claims claims;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_jwt_expect expect = {
	    .now = NOW,
	    .skew = WO_JWT_DEFAULT_SKEW,
	    .issuers = (mode & 1) ? issuers : NULL,
	    .org_id = (mode & 2) ? "org_01FUZZ" : NULL,
	    .sub = (mode & 2) ? "user_01FUZZ" : NULL,
	};

	if (wo_jwt_verify(keys, token, &expect, &claims, &err) == 0) {
		sink += strlen(claims.sub) + (claims.role ? strlen(claims.role) : 0) +
			claims.n_roles + claims.n_permissions + claims.impersonated;
		if (claims.org_id)
			sink += strlen(claims.org_id);
	} else if (err.kind == WO_ERR_NONE) {
		abort(); /* a failure must say why */
	}
	wo_jwt_claims_clear(&claims);
	sink += strnlen(err.message, sizeof(err.message));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wo_jwks_cache *keys = NULL;
	char *token = NULL;
	const char *rest = (const char *)data + 1;
	const char *nl;
	unsigned mode;

	if (size < 1 || size > 4 * WO_JWT_MAX_LEN)
		return 0;
	mode = data[0] >> 1;
	if (data[0] & 1) {
		nl = memchr(rest, '\n', size - 1);
		if (nl == NULL)
			return 0;
		token = sign(rest, (size_t)(nl - rest), nl + 1, size - 1 - (size_t)(nl + 1 - rest));
	} else {
		token = malloc(size);
		if (token != NULL) {
			memcpy(token, rest, size - 1);
			token[size - 1] = '\0';
		}
	}
	if (token == NULL)
		return 0;
	/* A fresh cache each time: the first lookup always fetches. */
	if (wo_jwks_cache_new(fetch, NULL, WO_JWKS_REFETCH_INTERVAL, &keys, NULL) == 0) {
		verify(keys, token, mode);
		verify(keys, token, mode + 1); /* the second lookup is served cached */
		wo_jwks_cache_free(keys);
	}
	free(token);
	return 0;
}
