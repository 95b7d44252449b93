/* SPDX-License-Identifier: MIT */
/*
 * JWKS decoding, the key cache and RS256 token verification, against keys
 * generated here with OpenSSL and tokens signed here: nothing is canned.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "base64url.h"
#include "jwks.h"
#include "jwt.h"
#include "tap.h"

#define NOW	 ((time_t)1700000000)
#define ISS	 "https://api.workos.test/user_management/client_01TEST"
#define ISS_BARE "https://api.workos.test/"
#define SUB	 "user_01HXYZ"
#define ORG	 "org_01ACME"
#define HDR_A	 "{\"alg\":\"RS256\",\"kid\":\"key-a\",\"typ\":\"JWT\"}"
#define HDR_B	 "{\"alg\":\"RS256\",\"kid\":\"key-b\"}"

static EVP_PKEY *key_a, *key_b, *key_small;
/* Standard claims at NOW, signed by key-a and by key-b under their kids. */
static char *claims_std, *tok_std_a, *tok_std_b;
static const char *const issuers[] = {ISS, "https://api.workos.test", ISS_BARE, NULL};

/* ------------------------------------------------------------------ */
/* Building blocks: a failure here is a broken test, not a failed check. */

static void *must(void *p)
{
	if (p == NULL) {
		printf("Bail out! out of memory or OpenSSL failure\n");
		exit(1);
	}
	return p;
}

__attribute__((format(printf, 1, 2))) static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return must(s);
}

static char *b64(const void *data, size_t len)
{
	char *s = NULL;

	wo_base64url_encode(data, len, &s, NULL);
	return must(s);
}

static unsigned char *unb64(const char *text, size_t len, size_t *out_len)
{
	unsigned char *out = NULL;

	wo_base64url_decode(text, len, &out, out_len, NULL);
	return must(out);
}

/* A big-endian RSA parameter into buf (room for 8200 bits), its length. */
static size_t rsa_param(EVP_PKEY *pkey, const char *name, unsigned char *buf)
{
	BIGNUM *bn = NULL;
	int len;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || BN_num_bytes(bn) > 1100)
		must(NULL);
	len = BN_bn2bin(bn, buf);
	BN_free(bn);
	return (size_t)len;
}

static char *rsa_param_b64(EVP_PKEY *pkey, const char *name)
{
	unsigned char buf[1100];

	return b64(buf, rsa_param(pkey, name, buf));
}

/* A JWK for a generated key; `extra` is spliced in as more members. */
static char *jwk(EVP_PKEY *pkey, const char *kid, const char *extra)
{
	char *n = rsa_param_b64(pkey, OSSL_PKEY_PARAM_RSA_N);
	char *e = rsa_param_b64(pkey, OSSL_PKEY_PARAM_RSA_E);
	char *s = fmt("{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\","
		      "\"n\":\"%s\",\"e\":\"%s\"%s}",
		      kid, n, e, extra);

	free(n);
	free(e);
	return s;
}

/* An RSA JWK with kid "k" for a modulus given as bytes. */
static char *jwk_n(const unsigned char *n, size_t len, const char *e_b64)
{
	char *n_b64 = b64(n, len);
	char *s = fmt("{\"kty\":\"RSA\",\"kid\":\"k\",\"n\":\"%s\",\"e\":\"%s\"}", n_b64, e_b64);

	free(n_b64);
	return s;
}

/* The same with `bits` random bits (top bit set, odd). */
static char *jwk_random_n(unsigned bits, const char *e_b64)
{
	unsigned char n[1100];
	size_t len = (bits + 7) / 8;

	if (RAND_bytes(n, (int)len) != 1)
		must(NULL);
	n[0] &= (unsigned char)(0xff >> (len * 8 - bits));
	n[0] |= (unsigned char)(0x80 >> (len * 8 - bits));
	n[len - 1] |= 1;
	return jwk_n(n, len, e_b64);
}

/* An RSA JWK with kid "k" and the given members (n and e, or not). */
static char *jwk_with(const char *members)
{
	return fmt("{\"kty\":\"RSA\",\"kid\":\"k\",%s}", members);
}

static char *set_of(const char *k1, const char *k2)
{
	return k2 ? fmt("{\"keys\":[%s,%s]}", k1, k2) : fmt("{\"keys\":[%s]}", k1);
}

static unsigned char *rsa_sign(EVP_PKEY *key, const char *md_name, const char *input,
			       size_t *sig_len)
{
	EVP_MD_CTX *md = must(EVP_MD_CTX_new());
	unsigned char *sig;

	if (EVP_DigestSignInit_ex(md, NULL, md_name, NULL, NULL, key, NULL) != 1 ||
	    EVP_DigestSign(md, NULL, sig_len, (const unsigned char *)input, strlen(input)) != 1)
		must(NULL);
	sig = must(malloc(*sig_len));
	if (EVP_DigestSign(md, sig, sig_len, (const unsigned char *)input, strlen(input)) != 1)
		must(NULL);
	EVP_MD_CTX_free(md);
	return sig;
}

static char *signing_input(const char *header, const char *claims)
{
	char *h = b64(header, strlen(header));
	char *c = b64(claims, strlen(claims));
	char *s = fmt("%s.%s", h, c);

	free(h);
	free(c);
	return s;
}

static char *join_sig(char *input, const unsigned char *sig, size_t sig_len)
{
	char *s = b64(sig, sig_len);
	char *t = fmt("%s.%s", input, s);

	free(s);
	free(input);
	return t;
}

/* header.claims signed with `key` and digest `md_name` (RS256: SHA256). */
static char *token_md(const char *header, const char *claims, EVP_PKEY *key, const char *md_name)
{
	char *input = signing_input(header, claims);
	size_t sig_len;
	unsigned char *sig = rsa_sign(key, md_name, input, &sig_len);
	char *t = join_sig(input, sig, sig_len);

	free(sig);
	return t;
}

static char *token(const char *header, const char *claims, EVP_PKEY *key)
{
	return token_md(header, claims, key, "SHA256");
}

/* Standard WorkOS-like claims at `now`, with `extra` members appended. */
static char *claims_at(time_t now, const char *extra)
{
	return fmt("{\"iss\":\"" ISS "\",\"sub\":\"" SUB "\",\"sid\":\"session_01S\","
		   "\"org_id\":\"" ORG "\",\"role\":\"admin\",\"roles\":[\"admin\",\"devops\"],"
		   "\"permissions\":[\"widgets:read\",\"widgets:write\"],"
		   "\"jti\":\"01J\",\"iat\":%lld,\"exp\":%lld%s}",
		   (long long)now - 10, (long long)now + 290, extra);
}

/* Claims given in full (for the claim checks), signed with key_a. */
static char *token_claims(const char *claims)
{
	return token(HDR_A, claims, key_a);
}

/* ------------------------------------------------------------------ */
/* A fetch callback that serves `body` and counts its calls. */

struct fetcher {
	char *body;
	int calls;
	enum wo_err_kind fail; /* when set, fail with this kind */
};

static int fetch(void *ctx, char **body, size_t *len, struct wo_error *err)
{
	struct fetcher *f = ctx;

	f->calls++;
	if (f->fail != WO_ERR_NONE)
		return wo_error_set(err, f->fail, "connection refused by the test");
	*body = must(strdup(f->body));
	*len = strlen(f->body);
	return 0;
}

struct env {
	struct fetcher f;
	struct wo_jwks_cache *cache;
};

/* `body` is taken over. */
static void env_init(struct env *e, char *body)
{
	memset(e, 0, sizeof(*e));
	e->f.body = body;
	if (wo_jwks_cache_new(fetch, &e->f, 30, &e->cache, NULL) != 0)
		must(NULL);
}

static void env_set_body(struct env *e, char *body)
{
	free(e->f.body);
	e->f.body = body;
}

static void env_free(struct env *e)
{
	wo_jwks_cache_free(e->cache);
	free(e->f.body);
}

/* The environment most tests use: key-a published, cache empty. */
static void env_a(struct env *e)
{
	char *k = jwk(key_a, "key-a", "");

	env_init(e, set_of(k, NULL));
	free(k);
}

static struct wo_jwt_expect expect_at(time_t now)
{
	return (struct wo_jwt_expect){
	    .now = now, .skew = 60, .issuers = issuers, .org_id = ORG, .sub = SUB};
}

/* ------------------------------------------------------------------ */
/* Checks */

static int verify(struct env *e, const char *tok, const struct wo_jwt_expect *x,
		  struct wo_jwt_claims *c, struct wo_error *err)
{
	*err = (struct wo_error)WO_ERROR_INIT;
	return wo_jwt_verify(e->cache, tok, x, c, err);
}

static void verifies_x(struct env *e, const char *tok, const struct wo_jwt_expect *x,
		       const char *why)
{
	struct wo_jwt_claims c;
	struct wo_error err;
	int rc = verify(e, tok, x, &c, &err);

	ok(rc == 0 && c.sub != NULL, "verifies: %s", why);
	if (rc != 0)
		diag("error: %s", err.message);
	wo_jwt_claims_clear(&c);
}

static void verifies(struct env *e, const char *tok, time_t now, const char *why)
{
	struct wo_jwt_expect x = expect_at(now);

	verifies_x(e, tok, &x, why);
}

/* No part of the token may show up in a message: a chunk from the middle
 * of each of its parts is looked for. */
static bool leaks_token(const char *msg, const char *tok)
{
	if (tok == NULL)
		return false;
	for (const char *p = tok; *p != '\0';) {
		size_t len = strcspn(p, ".");

		if (len >= 12) {
			char chunk[9];

			memcpy(chunk, p + len / 2 - 4, 8);
			chunk[8] = '\0';
			if (strstr(msg, chunk) != NULL)
				return true;
		}
		p += len;
		if (*p == '.')
			p++;
	}
	return false;
}

static void rejected_x(struct env *e, const char *tok, const struct wo_jwt_expect *x,
		       enum wo_err_kind kind, const char *needle, const char *why)
{
	struct wo_jwt_claims c;
	struct wo_error err;
	int rc = verify(e, tok, x, &c, &err);

	ok(rc == -1 && err.kind == kind && c.sub == NULL && c.roles == NULL, "rejected as %s: %s",
	   wo_error_kind_name(kind), why);
	if (err.kind != kind)
		diag("kind %s: %s", wo_error_kind_name(err.kind), err.message);
	like(err.message, needle, "  message: %s", why);
	ok(!leaks_token(err.message, tok), "  message holds no part of the token: %s", why);
	wo_jwt_claims_clear(&c);
}

static void rejected(struct env *e, const char *tok, time_t now, const char *needle,
		     const char *why)
{
	struct wo_jwt_expect x = expect_at(now);

	rejected_x(e, tok, &x, WO_ERR_TOKEN, needle, why);
}

/* Signs `claims` with key_a and expects, at NOW, success when needle is
 * NULL and otherwise a refusal whose message holds needle. */
static void claims_case(const char *claims, const char *needle, const char *why)
{
	struct env e;
	char *tok = token_claims(claims);

	env_a(&e);
	if (needle == NULL)
		verifies(&e, tok, NOW, why);
	else
		rejected(&e, tok, NOW, needle, why);
	env_free(&e);
	free(tok);
}

/* ------------------------------------------------------------------ */

static void test_valid(void)
{
	struct env e;
	const char *claims = claims_std, *tok = tok_std_a;
	char *minimal;
	struct wo_jwt_expect x = expect_at(NOW);
	struct wo_jwt_claims c;
	struct wo_error err;

	env_a(&e);
	ok(verify(&e, tok, &x, &c, &err) == 0, "a token signed with the published key verifies");
	is_int(e.f.calls, 1, "  keys were fetched once, on first use");
	is_str(c.iss, ISS, "  iss");
	is_str(c.sub, SUB, "  sub");
	is_str(c.sid, "session_01S", "  sid");
	is_str(c.org_id, ORG, "  org_id");
	is_str(c.role, "admin", "  role");
	is_int(c.n_roles, 2, "  two roles");
	if (c.n_roles == 2) {
		is_str(c.roles[0], "admin", "  roles[0]");
		is_str(c.roles[1], "devops", "  roles[1]");
		ok(c.roles[2] == NULL, "  roles is NULL-terminated");
	}
	is_int(c.n_permissions, 2, "  two permissions");
	if (c.n_permissions == 2)
		is_str(c.permissions[1], "widgets:write", "  permissions[1]");
	is_int(c.exp, NOW + 290, "  exp");
	is_int(c.iat, NOW - 10, "  iat");
	is_int(c.nbf, -1, "  nbf absent");
	ok(!c.impersonated && c.act_sub == NULL, "  not impersonated");
	wo_jwt_claims_clear(&c);
	ok(c.sub == NULL && c.roles == NULL, "claims_clear empties the claims");

	verifies(&e, tok, NOW + 100, "the same token again");
	is_int(e.f.calls, 1, "  served from the cache, no second fetch");

	/* The parts on their own, as a fuzz target sees them. */
	struct wo_jwt_parts parts;
	const char *dot2 = strrchr(tok, '.');
	ok(wo_jwt_decode_unverified(tok, strlen(tok), &parts, &err) == 0,
	   "decode_unverified takes the token apart");
	is_str(parts.kid, "key-a", "  kid");
	is_int(parts.signed_len, dot2 - tok, "  signed input ends at the second dot");
	is_int(parts.sig_len, 256, "  a 2048-bit signature");
	ok(parts.payload_len == strlen(claims) &&
	       memcmp(parts.payload, claims, strlen(claims)) == 0,
	   "  payload is the claims text");
	wo_jwt_parts_clear(&parts);
	{
		/* The leak check used on every refusal must itself catch a leak. */
		char *msg = fmt("bad token %s", strrchr(tok, '.') + 1);

		ok(leaks_token(msg, tok), "the leak check spots a quoted signature");
		free(msg);
	}
	ok(parts.kid == NULL && parts.payload == NULL && parts.sig == NULL,
	   "parts_clear empties the parts");

	/* Nothing expected: no iss, org_id or role needed at all. */
	minimal = token_claims("{\"sub\":\"" SUB "\",\"exp\":1700000100}");
	x = (struct wo_jwt_expect){.now = NOW, .skew = 60};
	verifies_x(&e, minimal, &x, "minimal claims when nothing is expected");
	free(minimal);
	env_free(&e);
}

static void test_algorithms(void)
{
	struct env e;
	const char *claims = claims_std;
	char *tok, *input, *pem_tok;

	env_a(&e);

	input = signing_input("{\"alg\":\"none\",\"kid\":\"key-a\"}", claims);
	tok = fmt("%s.", input);
	rejected(&e, tok, NOW, "empty part", "alg none, empty signature");
	free(tok);
	tok = fmt("%s.AAAA", input);
	rejected(&e, tok, NOW, "algorithm none is not allowed", "alg none with a signature");
	free(input);
	free(tok);

	/* The classic confusion: HMAC keyed with the public key's PEM text,
	 * which is public; a verifier that lets the token pick the algorithm
	 * would accept it. */
	{
		BIO *bio = must(BIO_new(BIO_s_mem()));
		char *pem;
		long pem_len;
		unsigned char mac[64];
		size_t mac_len = 0;

		if (PEM_write_bio_PUBKEY(bio, key_a) != 1)
			must(NULL);
		pem_len = BIO_get_mem_data(bio, &pem);
		input = signing_input("{\"alg\":\"HS256\",\"kid\":\"key-a\"}", claims);
		must(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, pem, (size_t)pem_len,
			       (unsigned char *)input, strlen(input), mac, sizeof(mac), &mac_len));
		pem_tok = join_sig(input, mac, mac_len);
		rejected(&e, pem_tok, NOW, "algorithm HS256 is not allowed",
			 "HS256 keyed with the public key");
		free(pem_tok);
		BIO_free(bio);
	}

	tok = token_md("{\"alg\":\"RS384\",\"kid\":\"key-a\"}", claims, key_a, "SHA384");
	rejected(&e, tok, NOW, "algorithm RS384 is not allowed", "RS384, correctly signed");
	free(tok);
	tok = token_md(HDR_A, claims, key_a, "SHA384");
	rejected(&e, tok, NOW, "signature does not verify",
		 "RS256 header over a SHA-384 signature");
	free(tok);

	/* Headers refused before any key is looked at, though signed by key-a. */
	static const struct {
		const char *header, *needle, *why;
	} bad[] = {
	    {"{\"alg\":\"PS256\",\"kid\":\"key-a\"}", "algorithm PS256 is not allowed", "PS256"},
	    {"{\"alg\":\"rs256\",\"kid\":\"key-a\"}", "algorithm rs256 is not allowed",
	     "alg in the wrong case"},
	    {"{\"alg\":\"RS256\\u0000x\",\"kid\":\"key-a\"}", "algorithm is not allowed",
	     "alg with an embedded NUL"},
	    {"{\"alg\":\"\\u001b[2J\",\"kid\":\"key-a\"}", "token algorithm is not allowed",
	     "alg with control characters is not echoed"},
	    {"{\"kid\":\"key-a\"}", "has no alg", "missing alg"},
	    {"{\"alg\":256,\"kid\":\"key-a\"}", "alg is not a string", "alg as a number"},
	    {"{\"alg\":null,\"kid\":\"key-a\"}", "has no alg", "alg null"},
	    {"{\"alg\":\"RS256\"}", "\"kid\" is missing", "missing kid"},
	    {"{\"alg\":\"RS256\",\"kid\":7}", "\"kid\" is not a string", "kid as a number"},
	    {"{\"alg\":\"RS256\",\"kid\":\"\"}", "\"kid\" is empty", "empty kid"},
	    {"{\"alg\":\"RS256\",\"kid\":\"key a\"}", "\"kid\" holds characters",
	     "kid with a space"},
	    {"{\"alg\":\"RS256\",\"kid\":\"key-a\",\"crit\":[\"exp\"],\"exp\":1}", "crit",
	     "crit header"},
	    {"{\"alg\":\"RS256\",\"kid\":\"key-a\",\"crit\":[]}", "crit", "empty crit header"},
	    {"not json", "token header: not a valid JSON object", "header is not JSON"},
	    {"[\"RS256\"]", "token header: not a valid JSON object", "header is an array"},
	    {HDR_A " x", "token header: not a valid JSON object", "data after the header"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tok = token(bad[i].header, claims, key_a);
		rejected(&e, tok, NOW, bad[i].needle, bad[i].why);
		free(tok);
	}

	/* The token carries its own key (RFC 7515 jwk): it must be ignored. */
	{
		char *own = jwk(key_b, "key-a", "");
		char *hdr = fmt("{\"alg\":\"RS256\",\"kid\":\"key-a\",\"jwk\":%s}", own);

		tok = token(hdr, claims, key_b);
		rejected(&e, tok, NOW, "signature does not verify",
			 "key embedded in the header is ignored");
		free(tok);
		free(hdr);
		free(own);
	}
	tok = token("{\"alg\":\"RS256\",\"kid\":\"key-a\",\"typ\":\"at+jwt\"}", claims, key_a);
	verifies(&e, tok, NOW, "typ is ignored");
	free(tok);
	is_int(e.f.calls, 1, "refused algorithms never caused a second fetch");

	env_free(&e);
}

static void test_kids(void)
{
	struct env e;
	const char *tok_a = tok_std_a, *tok_b = tok_std_b;
	char *tok_x = token("{\"alg\":\"RS256\",\"kid\":\"nope\"}", claims_std, key_a);
	char *k;

	/* Empty cache: the first fetch is the only one for this token. */
	env_a(&e);
	rejected(&e, tok_x, NOW, "unknown key id \"nope\"", "unknown kid, cache empty");
	is_int(e.f.calls, 1, "  one fetch, not a second one in the same verification");
	env_free(&e);

	/* Keys held: an unknown kid triggers exactly one refetch. */
	env_a(&e);
	verifies(&e, tok_a, NOW, "prime the cache");
	rejected(&e, tok_x, NOW + 100, "unknown key id \"nope\"", "unknown kid");
	is_int(e.f.calls, 2, "  exactly one refetch");
	rejected(&e, tok_x, NOW + 110, "not again before 30 s", "unknown kid again 10 s later");
	is_int(e.f.calls, 2, "  no refetch within the interval");
	rejected(&e, tok_x, NOW + 129, "fetched 29 s ago", "unknown kid 29 s later");
	is_int(e.f.calls, 2, "  still no refetch");
	rejected(&e, tok_x, NOW + 130, "unknown key id", "unknown kid 30 s later");
	is_int(e.f.calls, 3, "  refetch once the interval is up");
	rejected(&e, tok_x, NOW + 50, "unknown key id", "clock went backwards");
	is_int(e.f.calls, 4, "  a clock that went back allows a refetch");
	verifies(&e, tok_a, NOW + 51, "known kid still verifies meanwhile");
	is_int(e.f.calls, 4, "  without fetching");
	env_free(&e);

	/* Rotation: WorkOS now signs with key-b. */
	env_a(&e);
	verifies(&e, tok_a, NOW, "old key, before rotation");
	k = jwk(key_b, "key-b", "");
	env_set_body(&e, set_of(k, NULL));
	free(k);
	rejected(&e, tok_b, NOW + 10, "not again before", "new key within the interval");
	is_int(e.f.calls, 1, "  no refetch yet");
	verifies(&e, tok_b, NOW + 40, "new key after rotation");
	is_int(e.f.calls, 2, "  found by one refetch");
	rejected(&e, tok_a, NOW + 41, "unknown key id \"key-a\"", "retired key");
	is_int(e.f.calls, 2, "  retired key: refetch rate limited");
	env_free(&e);

	free(tok_x);
}

static void test_fetch_failures(void)
{
	struct env e;
	struct wo_jwt_expect x = expect_at(NOW);
	const char *tok = tok_std_a, *tok_b = tok_std_b;

	env_a(&e);
	e.f.fail = WO_ERR_NETWORK;
	rejected_x(&e, tok, &x, WO_ERR_NETWORK, "signing keys: connection refused by the test",
		   "fetch fails: its kind and message are passed on");
	x.now = NOW + 5;
	rejected_x(&e, tok, &x, WO_ERR_NETWORK, "connection refused",
		   "the failure is remembered within the interval");
	is_int(e.f.calls, 1, "  without asking again");
	e.f.fail = WO_ERR_NONE;
	verifies(&e, tok, NOW + 30, "fetch works again after the interval");
	is_int(e.f.calls, 2, "  one more fetch");

	/* A failed refetch keeps the keys we had. */
	e.f.fail = WO_ERR_TLS;
	x.now = NOW + 100;
	rejected_x(&e, tok_b, &x, WO_ERR_TLS, "connection refused", "refetch fails");
	verifies(&e, tok, NOW + 101, "the keys from before still work");
	is_int(e.f.calls, 3, "  without another fetch");
	env_free(&e);

	env_init(&e, must(strdup("<html>502 Bad Gateway</html>")));
	x.now = NOW;
	rejected_x(&e, tok, &x, WO_ERR_DECODE, "JWKS: response body is not valid JSON",
		   "fetch returns something that is not JSON");
	env_free(&e);

	env_init(&e, must(strdup("{\"keys\":[]}")));
	rejected_x(&e, tok, &x, WO_ERR_DECODE, "no RSA key", "fetch returns an empty set");
	env_free(&e);
}

/* Flips one bit of the decoded part `which` (0 header, 1 claims, 2 sig). */
static char *flip_bit(const char *tok, int which, size_t byte, unsigned bit)
{
	const char *p[3], *end = tok + strlen(tok);
	char *enc[3], *out;

	p[0] = tok;
	p[1] = strchr(p[0], '.') + 1;
	p[2] = strchr(p[1], '.') + 1;
	for (int i = 0; i < 3; i++) {
		const char *stop = i < 2 ? p[i + 1] - 1 : end;
		size_t len;
		unsigned char *raw = unb64(p[i], (size_t)(stop - p[i]), &len);

		if (i == which)
			raw[byte % len] ^= (unsigned char)(1u << bit);
		enc[i] = b64(raw, len);
		free(raw);
	}
	out = fmt("%s.%s.%s", enc[0], enc[1], enc[2]);
	for (int i = 0; i < 3; i++)
		free(enc[i]);
	return out;
}

static void test_signatures(void)
{
	struct env e;
	const char *claims = claims_std, *tok = tok_std_a;
	char *bad, *input;
	size_t sig_len;
	unsigned char *sig;

	env_a(&e);
	bad = flip_bit(tok, 2, 100, 3);
	rejected(&e, bad, NOW, "signature does not verify", "one bit flipped in the signature");
	free(bad);
	/* "role":"admin" -> "role":"admio": one bit. */
	bad = flip_bit(tok, 1, (size_t)(strstr(claims, "admin\"") + 4 - claims), 0);
	rejected(&e, bad, NOW, "signature does not verify", "one bit flipped in the claims");
	free(bad);
	/* "typ":"JWT" -> "typ":"JWU": still a valid header, one bit off. */
	bad = flip_bit(tok, 0, strlen(HDR_A) - 3, 0);
	rejected(&e, bad, NOW, "signature does not verify", "one bit flipped in the header");
	free(bad);

	bad = token(HDR_A, claims, key_b);
	rejected(&e, bad, NOW, "signature does not verify", "signed by another key under our kid");
	free(bad);

	input = signing_input(HDR_A, claims);
	sig = rsa_sign(key_a, "SHA256", input, &sig_len);
	bad = join_sig(input, sig, sig_len - 1);
	rejected(&e, bad, NOW, "wrong length", "signature one byte short");
	free(bad);
	free(sig);

	/* Claims are not looked at before the signature checks out. */
	input = signing_input(HDR_A, "this is not JSON");
	bad = fmt("%s.%s", input, strrchr(tok, '.') + 1);
	rejected(&e, bad, NOW, "signature does not verify", "bad signature over junk claims");
	free(bad);
	free(input);
	bad = flip_bit(tok, 2, 0, 0);
	rejected(&e, bad, NOW + 86400, "signature does not verify",
		 "bad signature is reported before expiry");
	free(bad);

	verifies(&e, tok, NOW, "the untouched token still verifies");
	env_free(&e);
}

static void test_structure(void)
{
	/* Refused while splitting and decoding: no key is ever fetched. */
	static const struct {
		const char *before, *after; /* around the good token; after NULL: before alone */
		const char *needle, *why;
	} bad[] = {
	    {"", NULL, "empty part", "empty string"},
	    {"abc", NULL, "three parts", "one part"},
	    {"YQ.Yg", NULL, "three parts", "two parts"},
	    {"YQ.Yg.Yw.ZA", NULL, "more than three parts", "four parts"},
	    {".Yg.Yw", NULL, "empty part", "empty header"},
	    {"YQ..Yw", NULL, "empty part", "empty claims"},
	    {"YQ.Yg.", NULL, "empty part", "empty signature"},
	    {"..", NULL, "empty part", "only dots"},
	    {"", ".", "more than three parts", "trailing dot"},
	    {"", "\n", "token signature: invalid base64url character", "trailing newline"},
	    {"", " AAAA", "token signature: invalid base64url", "trailing garbage"},
	    {"", "==", "token signature: invalid base64url", "padding"},
	    {"+", "", "token header: invalid base64url character at offset 0", "'+' in the header"},
	};
	struct env e;
	const char *tok = tok_std_a;
	char *t, *big;

	env_a(&e);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = bad[i].after ? fmt("%s%s%s", bad[i].before, tok, bad[i].after)
				 : must(strdup(bad[i].before));
		rejected(&e, t, NOW, bad[i].needle, bad[i].why);
		free(t);
	}
	rejected_x(&e, NULL, &(struct wo_jwt_expect){.now = NOW}, WO_ERR_TOKEN, "no token",
		   "NULL token");

	t = must(strdup(tok));
	*(strchr(t, '.') + 1) = '/';
	rejected(&e, t, NOW, "token claims: invalid base64url", "'/' in the claims");
	*(strchr(t, '.') + 1) = *(strchr(tok, '.') + 1);
	*(strchr(t, '.') - 1) = 'f';
	rejected(&e, t, NOW, "token header: base64url text has non-zero trailing bits",
		 "non-canonical header encoding");
	free(t);

	/* Over 16 KiB in all: refused before anything is decoded. */
	big = must(calloc(1, WO_JWT_MAX_LEN));
	memset(big, 'x', WO_JWT_MAX_LEN - 1);
	t = fmt("%sA%s", tok, big);
	rejected(&e, t, NOW, "too long", "token over 16 KiB");
	free(t);
	free(big);
	is_int(e.f.calls, 0, "malformed tokens never fetched keys");

	/* Well-formed but for the signature's length, known only from the key. */
	t = fmt("%sAAAA", tok);
	rejected(&e, t, NOW, "wrong length", "trailing base64url characters");
	free(t);
	env_free(&e);
}

#define BASE "\"sub\":\"" SUB "\",\"org_id\":\"" ORG "\",\"iss\":\"" ISS "\""

static void test_claims(void)
{
	/* Signed with key-a and checked at NOW; accepted when needle is NULL. */
	static const struct {
		const char *claims, *needle, *why;
	} cases[] = {
	    {"not json", "token claims: not a valid JSON object", "claims not JSON"},
	    {"[1,2]", "token claims: not a valid JSON object", "claims an array"},
	    {"\"sub\"", "token claims: not a valid JSON object", "claims a string"},
	    {"{" BASE "}", "\"exp\" is missing", "exp missing"},
	    {"{" BASE ",\"exp\":\"1700000100\"}", "\"exp\" is not an integer", "exp as a string"},
	    {"{" BASE ",\"exp\":1700000100.5}", "\"exp\" is not an integer", "exp as a fraction"},
	    {"{" BASE ",\"exp\":-1}", "\"exp\" is out of range", "exp negative"},
	    {"{" BASE ",\"exp\":1e30}", "\"exp\" is not an integer", "exp as 1e30"},
	    {"{" BASE ",\"exp\":99999999999999999999}", "\"exp\" is out of range",
	     "exp beyond 64 bits"},
	    {"{" BASE ",\"exp\":253402300800}", "\"exp\" is out of range",
	     "exp after the year 9999"},
	    {"{" BASE ",\"exp\":1699996400}", "token expired 3600 s ago", "expired"},
	    {"{" BASE ",\"exp\":1699999940}", "token expired 60 s ago",
	     "expired exactly the skew ago"},
	    {"{" BASE ",\"exp\":1699999941}", NULL, "expired 59 s ago, within the skew"},
	    {"{" BASE ",\"exp\":1699999970}", NULL, "expired 30 s ago, within the skew"},
	    {"{" BASE ",\"exp\":1700000300,\"nbf\":1700000061}",
	     "token is not valid for another 61 s", "nbf in the future"},
	    {"{" BASE ",\"exp\":1700000300,\"nbf\":1700000060}", NULL,
	     "nbf in the future within the skew"},
	    {"{" BASE ",\"exp\":1700000300,\"nbf\":\"soon\"}", "\"nbf\" is not an integer",
	     "nbf as a string"},
	    {"{" BASE ",\"exp\":1700000300,\"iat\":1700000120}",
	     "token was issued 120 s in the future", "iat in the future"},
	    {"{" BASE ",\"exp\":1700000300,\"iat\":1700000060}", NULL,
	     "iat in the future within the skew"},
	    {"{\"org_id\":\"" ORG "\",\"iss\":\"" ISS "\",\"exp\":1700000300}",
	     "\"sub\" is missing", "sub missing"},
	    {"{\"sub\":\"usr_1\",\"org_id\":\"" ORG "\",\"exp\":1700000300}",
	     "\"sub\" is not a user_", "sub that is not a user id"},
	    {"{\"sub\":\"user_OTHER\",\"org_id\":\"" ORG "\",\"iss\":\"" ISS
	     "\",\"exp\":1700000300}",
	     "token is for user user_OTHER, expected " SUB, "sub mismatch"},
	    {"{\"sub\":\"" SUB "\",\"org_id\":\"org_OTHER\",\"iss\":\"" ISS
	     "\",\"exp\":1700000300}",
	     "token is for organization org_OTHER, expected " ORG, "wrong org_id"},
	    {"{\"sub\":\"" SUB "\",\"iss\":\"" ISS "\",\"exp\":1700000300}",
	     "token has no organization", "org_id missing"},
	    {"{\"sub\":\"" SUB "\",\"org_id\":\"team_1\",\"iss\":\"" ISS "\",\"exp\":1700000300}",
	     "\"org_id\" is not a org_", "org_id of the wrong kind"},
	    {"{\"sub\":\"" SUB "\",\"org_id\":\"" ORG
	     "\",\"iss\":\"https://evil.example/\",\"exp\":1700000300}",
	     "token issuer \"https://evil.example/\" is not accepted", "iss mismatch"},
	    {"{\"sub\":\"" SUB "\",\"org_id\":\"" ORG "\",\"exp\":1700000300}",
	     "token has no issuer", "iss missing"},
	    {"{\"sub\":\"" SUB "\",\"org_id\":\"" ORG "\",\"iss\":\"" ISS "/\",\"exp\":1700000300}",
	     "is not accepted", "iss with an extra slash is not in the list"},
	    {"{\"sub\":\"" SUB "\",\"org_id\":\"" ORG "\",\"iss\":\"" ISS_BARE
	     "\",\"exp\":1700000300}",
	     NULL, "iss accepted when it is later in the list"},
	    {"{\"sub\":\"" SUB "\",\"org_id\":\"" ORG
	     "\",\"iss\":\"https://api.workos.test\",\"exp\":1700000300}",
	     NULL, "bare base URL accepted"},
	    {"{" BASE ",\"exp\":1700000300,\"roles\":[\"admin\",7]}", "roles[1] is not a string",
	     "roles with a number"},
	    {"{" BASE ",\"exp\":1700000300,\"roles\":\"admin\"}", "\"roles\" is not an array",
	     "roles as a string"},
	    {"{" BASE ",\"exp\":1700000300,\"permissions\":[\"a\\u001bb\"]}",
	     "permissions[0] holds characters", "permission with an escape character"},
	    {"{" BASE ",\"exp\":1700000300,\"role\":{\"slug\":\"admin\"}}",
	     "\"role\" is not a string", "role as an object"},
	    {"{" BASE ",\"exp\":1700000300,\"act\":\"admin@example.com\"}",
	     "\"act\" is not an object", "act not an object"},
	};
	char *s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		claims_case(cases[i].claims, cases[i].needle, cases[i].why);

	{
		struct env e;
		struct wo_jwt_expect x = expect_at(NOW);
		char *tok = token_claims("{" BASE ",\"exp\":1700000000}");

		env_a(&e);
		x.skew = 0;
		rejected_x(&e, tok, &x, WO_ERR_TOKEN, "expired 0 s ago", "exp == now, no skew");
		x.skew = WO_JWT_MAX_SKEW + 1;
		rejected_x(&e, tok, &x, WO_ERR_CONFIG, "skew out of range", "absurd skew");
		x.skew = 60;
		x.now = -5;
		rejected_x(&e, tok, &x, WO_ERR_CONFIG, "time or skew", "negative now");
		env_free(&e);
		free(tok);
	}

	/* At most 128 roles. */
	for (int count = 128; count <= 129; count++) {
		char list[2000] = "";
		char why[32];

		for (int i = 0; i < count; i++)
			strcat(list, i ? ",\"r\"" : "\"r\"");
		s = fmt("{" BASE ",\"exp\":1700000300,\"roles\":[%s]}", list);
		snprintf(why, sizeof(why), "%d roles", count);
		claims_case(s, count > 128 ? "more than 128 items" : NULL, why);
		free(s);
	}
}

static void impersonation(const char *act, bool want, const char *want_sub, const char *why)
{
	struct env e;
	char *claims = claims_at(NOW, act);
	char *tok = token_claims(claims);
	struct wo_jwt_expect x = expect_at(NOW);
	struct wo_jwt_claims c;
	struct wo_error err;

	env_a(&e);
	ok(verify(&e, tok, &x, &c, &err) == 0, "verifies: %s", why);
	ok(c.impersonated == want, "  impersonated is %s", want ? "set" : "clear");
	is_str(c.act_sub, want_sub, "  act.sub");
	wo_jwt_claims_clear(&c);
	env_free(&e);
	free(tok);
	free(claims);
}

static void test_impersonation(void)
{
	impersonation(",\"act\":{\"sub\":\"admin@example.com\"}", true, "admin@example.com",
		      "impersonated session");
	impersonation(",\"act\":{}", true, NULL, "act without sub still marks impersonation");
	impersonation(",\"act\":null", false, NULL, "act null");
	impersonation("", false, NULL, "no act");
}

/* ------------------------------------------------------------------ */

static struct wo_jwks *jwks(const char *body, struct wo_error *err)
{
	struct wo_jwks *set = NULL;

	*err = (struct wo_error)WO_ERROR_INIT;
	if (wo_jwks_parse(body, strlen(body), &set, err) != 0)
		return NULL;
	return set;
}

static void jwks_count(char *body, size_t want, const char *why)
{
	struct wo_error err;
	struct wo_jwks *set = jwks(body, &err);

	ok(set != NULL && wo_jwks_count(set) == want, "JWKS accepted with %zu key(s): %s", want,
	   why);
	if (set == NULL)
		diag("error: %s", err.message);
	wo_jwks_free(set);
	free(body);
}

static void jwks_refused(char *body, const char *needle, const char *why)
{
	struct wo_error err;
	struct wo_jwks *set = jwks(body, &err);

	ok(set == NULL && err.kind == WO_ERR_DECODE, "JWKS refused: %s", why);
	like(err.message, needle, "  message: %s", why);
	wo_jwks_free(set);
	free(body);
}

/* A set of one key (taken over): accepted when needle is NULL. */
static void jwks_one(char *key, const char *needle, const char *why)
{
	char *body = set_of(key, NULL);

	free(key);
	if (needle == NULL)
		jwks_count(body, 1, why);
	else
		jwks_refused(body, needle, why);
}

#define EC_KEY                                                                                     \
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec-1\",\"use\":\"sig\",\"alg\":\"ES256\","    \
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","                                   \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"

static void test_jwks(void)
{
	struct wo_error err;
	struct wo_jwks *set;
	char *a = jwk(key_a, "key-a", "");
	char *b = jwk(key_b, "key-b", "");
	char *body, *k;

	body = set_of(a, b);
	set = jwks(body, &err);
	ok(set != NULL && wo_jwks_count(set) == 2, "JWKS with two RSA keys");
	ok(set != NULL && wo_jwks_find(set, "key-b") != NULL &&
	       EVP_PKEY_eq(wo_jwks_find(set, "key-b"), key_b) == 1,
	   "  key-b is the published key");
	ok(set != NULL && wo_jwks_find(set, "key-c") == NULL, "  unknown kid is not found");
	wo_jwks_free(set);
	free(body);

	/* Keys not for RS256 signatures are skipped, junk moduli and all. */
	static const struct {
		const char *key, *why;
	} skipped[] = {
	    {EC_KEY, "EC key"},
	    {"{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"}", "symmetric key"},
	    {"{\"kty\":\"RSA\",\"kid\":\"e\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
	     "encryption key"},
	    {"{\"kty\":\"RSA\",\"kid\":\"o\",\"alg\":\"RSA-OAEP\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
	     "RSA-OAEP key"},
	    {"{\"kty\":\"RSA\",\"kid\":\"p\",\"alg\":\"PS256\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
	     "PS256 key"},
	};
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		jwks_count(set_of(skipped[i].key, a), 1, skipped[i].why);
		jwks_refused(set_of(skipped[i].key, NULL), "no RSA key for RS256", skipped[i].why);
	}

	static const struct {
		unsigned bits; /* of a random modulus; 0: members only */
		const char *e_or_members, *needle, *why;
	} one[] = {
	    {8192, "AQAB", NULL, "8192-bit modulus"},
	    {8200, "AQAB", "8200 bits is refused", "8200-bit modulus"},
	    {2047, "AQAB", "2047 bits is refused", "2047-bit modulus"},
	    {2048, "Aw", NULL, "exponent 3"},
	    {2048, "AQ", "exponent 1 is refused", "exponent 1"},
	    {2048, "AAE", "exponent 1 is refused", "exponent 1 with a leading zero"},
	    {2048, "AQAA", "exponent 65536 is refused", "even exponent"},
	    {2048, "AQAAAAE", "larger than 32 bits", "40-bit exponent"},
	    {2048, "", "\"e\" is empty", "empty exponent"},
	    {2048, "AQ==", "field \"e\": invalid base64url character", "padded exponent"},
	    {0, "\"n\":\"!!!!\",\"e\":\"AQAB\"", "field \"n\": invalid base64url character",
	     "n not base64url"},
	    {0, "\"n\":\"AQAB=\",\"e\":\"AQAB\"", "field \"n\": invalid base64url", "n padded"},
	    {0, "\"n\":12345,\"e\":\"AQAB\"", "\"n\" is not a string", "n as a number"},
	    {0, "\"e\":\"AQAB\"", "\"n\" is missing", "n missing"},
	    {0, "\"n\":\"AQAB\",\"e\":\"AQAB\"", "modulus of 17 bits", "tiny n"},
	    {0, "\"n\":\"AQAB\"", "\"e\" is missing", "e missing"},
	};
	unsigned char n[1100];
	size_t n_len;

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		jwks_one(one[i].bits ? jwk_random_n(one[i].bits, one[i].e_or_members)
				     : jwk_with(one[i].e_or_members),
			 one[i].needle, one[i].why);

	jwks_one(jwk(key_b, "key-b", ",\"x5c\":[\"MIIC\"],\"x5t#S256\":\"abc\",\"ext\":true"), NULL,
		 "unknown members ignored");
	n[0] = 0;
	n_len = rsa_param(key_a, OSSL_PKEY_PARAM_RSA_N, n + 1);
	jwks_one(jwk_n(n, n_len + 1, "AAEAAQ"), NULL, "leading zeros in n and e, no use or alg");
	n[n_len] &= 0xfe;
	jwks_one(jwk_n(n, n_len + 1, "AQAB"), "RSA modulus is even", "even modulus");

	k = jwk(key_b, "key-a", "");
	jwks_refused(set_of(a, k), "key id \"key-a\" appears twice", "duplicate kid");
	free(k);
	k = jwk(key_small, "small", "");
	jwks_refused(set_of(k, a), "RSA modulus of 1024 bits is refused", "1024-bit key");
	free(k);
	jwks_refused(set_of("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", NULL),
		     "\"kid\" is missing", "kid missing");
	jwks_refused(set_of("{\"kid\":\"x\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", NULL),
		     "\"kty\" is missing", "kty missing");
	jwks_refused(set_of("[]", NULL), "JWKS key 0 is not an object", "key not an object");
	jwks_refused(must(strdup("{}")), "\"keys\" is missing", "keys missing");
	jwks_refused(must(strdup("{\"keys\":{}}")), "\"keys\" is not an array",
		     "keys not an array");
	jwks_refused(must(strdup("[1]")), "JWKS: response body is not a JSON object",
		     "not an object");
	{
		char list[4000] = "";

		for (int i = 0; i < WO_JWKS_MAX_KEYS + 1; i++)
			strcat(list, i ? "," EC_KEY : EC_KEY);
		jwks_refused(fmt("{\"keys\":[%s]}", list), "more than 20 items", "21 keys");
	}
	{
		char *huge = must(calloc(1, WO_JWKS_MAX_BODY + 2));

		memset(huge, ' ', WO_JWKS_MAX_BODY + 1);
		memcpy(huge, "{\"keys\":[]}", 11);
		jwks_refused(huge, "too large", "body over 256 KiB");
	}

	/* A weak key in the set stops verification with the set's error. */
	{
		struct env e;
		struct wo_jwt_expect x = expect_at(NOW);
		char *tok = token("{\"alg\":\"RS256\",\"kid\":\"small\"}", claims_std, key_small);

		k = jwk(key_small, "small", "");
		env_init(&e, set_of(k, NULL));
		rejected_x(&e, tok, &x, WO_ERR_DECODE, "1024 bits is refused",
			   "token signed with a 1024-bit key");
		env_free(&e);
		free(k);
		free(tok);
	}
	free(a);
	free(b);
}

int main(void)
{
	key_a = must(EVP_RSA_gen(2048));
	key_b = must(EVP_RSA_gen(2048));
	key_small = must(EVP_RSA_gen(1024));
	claims_std = claims_at(NOW, "");
	tok_std_a = token(HDR_A, claims_std, key_a);
	tok_std_b = token(HDR_B, claims_std, key_b);

	test_valid();
	test_algorithms();
	test_kids();
	test_fetch_failures();
	test_signatures();
	test_structure();
	test_claims();
	test_impersonation();
	test_jwks();

	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	EVP_PKEY_free(key_small);
	free(claims_std);
	free(tok_std_a);
	free(tok_std_b);
	return done_testing();
}
