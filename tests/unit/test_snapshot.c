/* SPDX-License-Identifier: MIT */
/* The fleet snapshot: format, signature, policy checks and state files. */
#include "autoconfig.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "cache_fixture.h"
#include "idmap.h"
#include "snapshot.h"
#include "snapshot_state.h"
#include "tap.h"

static char dir[] = "/tmp/test_snapshot.XXXXXX";
static char path_key[128], path_pub[128], path_key2[128], path_pub2[128];
static EVP_PKEY *raw_key; /* to sign hand-made files */

static void write_key(EVP_PKEY *k, const char *priv, const char *pub)
{
	FILE *f;

	umask(077);
	f = fopen(priv, "w");
	if (f == NULL || PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
		abort();
	fclose(f);
	f = fopen(pub, "w");
	if (f == NULL || PEM_write_PUBKEY(f, k) != 1)
		abort();
	fclose(f);
	chmod(pub, 0644);
}

static const char idmap_text[] = "workos-idmap 2\n"
				 "user user_01ALICE 200001\n"
				 "name alice user_01ALICE\n";

static unsigned char *cache_bytes;
static size_t cache_len;

static struct wo_snapshot sample(uint64_t serial, int64_t created)
{
	struct wo_snapshot s = {.serial = serial,
				.created = created,
				.uid_min = 200000,
				.uid_max = 299999,
				.cache = cache_bytes,
				.cache_len = cache_len,
				.idmap = (const unsigned char *)idmap_text,
				.idmap_len = sizeof(idmap_text) - 1};

	snprintf(s.organization_id, sizeof(s.organization_id), "org_01TEST");
	return s;
}

/* Signs arbitrary bytes as a snapshot would be: body + signature. */
static unsigned char *sign_raw(const char *body, size_t len, size_t *out_len)
{
	unsigned char *buf = malloc(len + 64);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sl = 64;

	memcpy(buf, body, len);
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, raw_key) != 1 ||
	    EVP_DigestSign(ctx, buf + len, &sl, buf, len) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	*out_len = len + 64;
	return buf;
}

static void sha_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[32];

	SHA256(p, n, d);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* A hand-made file with a given header (which must end in "end\n" to be
 * valid) followed by parts "C" and "I" and a good signature. */
static int verify_header_n(const struct wo_snapshot_key *pub, const char *header, size_t n,
			   struct wo_error *err)
{
	char body[4096];
	struct wo_snapshot s;
	unsigned char *buf;
	size_t len;
	int r;

	memcpy(body, header, n);
	memcpy(body + n, "CI", 2);
	buf = sign_raw(body, n + 2, &len);
	r = wo_snapshot_verify(buf, len, pub, &s, err);
	free(buf);
	return r;
}

static int verify_header(const struct wo_snapshot_key *pub, const char *header,
			 struct wo_error *err)
{
	return verify_header_n(pub, header, strlen(header), err);
}

static void test_hostile_headers(const struct wo_snapshot_key *pub)
{
	struct wo_error err = WO_ERROR_INIT;
	char c[65], i[65], good[1024], h[4096];

	sha_hex("C", 1, c);
	sha_hex("I", 1, i);
	snprintf(good, sizeof(good),
		 "workos-snapshot 1\norganization org_01TEST\nserial 7\ncreated 1000\n"
		 "uid-range 200000 299999\ncache 1 %s\nidmap 1 %s\nend\n",
		 c, i);
	ok(verify_header(pub, good, &err) == 0, "a hand-made well-formed header verifies (%s)",
	   err.message);

	struct {
		const char *what, *from, *to;
	} cases[] = {
	    {"wrong magic", "workos-snapshot 1", "workos-snapshot 2"},
	    {"serial 0", "serial 7", "serial 0"},
	    {"leading zero", "serial 7", "serial 07"},
	    {"negative serial", "serial 7", "serial -7"},
	    {"serial overflow", "serial 7", "serial 18446744073709551616"},
	    {"two spaces", "serial 7", "serial  7"},
	    {"CRLF", "serial 7\n", "serial 7\r\n"},
	    {"created overflow", "created 1000", "created 9223372036854775808"},
	    {"organization with a space", "org_01TEST", "org_01 TEST"},
	    {"organization without prefix", "org_01TEST", "01TEST"},
	    {"organization with a slash", "org_01TEST", "org_../x"},
	    {"uid range reversed", "uid-range 200000 299999", "uid-range 299999 200000"},
	    {"uid range 0", "uid-range 200000 299999", "uid-range 0 299999"},
	    {"uid range too high", "uid-range 200000 299999", "uid-range 200000 4294967295"},
	    {"cache size larger", "cache 1 ", "cache 2 "},
	    {"cache size 0", "cache 1 ", "cache 0 "},
	    {"cache size overflow", "cache 1 ", "cache 99999999999999999999999 "},
	    {"idmap size smaller", "idmap 1 ", "idmap 0 "},
	    {"idmap size huge", "idmap 1 ", "idmap 18446744073709551615 "},
	    {"uppercase digest", "cache 1 ", "cache 1 A"},
	    {"lines out of order", "serial 7\ncreated 1000\n", "created 1000\nserial 7\n"},
	    {"unknown line", "end\n", "extra 1\nend\n"},
	    {"no end line", "end\n", ""},
	    {"end with a value", "end\n", "end 1\n"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const char *at = strstr(good, cases[k].from);
		size_t pre = (size_t)(at - good), fl = strlen(cases[k].from);

		memcpy(h, good, pre);
		snprintf(h + pre, sizeof(h) - pre, "%s%s", cases[k].to, at + fl);
		wo_error_clear(&err);
		ok(verify_header(pub, h, &err) != 0 && err.kind == WO_ERR_DECODE,
		   "hostile header refused: %s (%s)", cases[k].what, err.message);
	}
	/* A NUL in place of a digit, and one in the organization. */
	memcpy(h, good, strlen(good) + 1);
	strstr(h, "serial 7")[7] = '\0';
	ok(verify_header_n(pub, h, strlen(good), &err) != 0, "a NUL in the serial refused");
	memcpy(h, good, strlen(good) + 1);
	strstr(h, "org_01TEST")[5] = '\0';
	ok(verify_header_n(pub, h, strlen(good), &err) != 0, "a NUL in the organization refused");
	/* Digest of the wrong part. */
	snprintf(h, sizeof(h),
		 "workos-snapshot 1\norganization org_01TEST\nserial 7\ncreated 1000\n"
		 "uid-range 200000 299999\ncache 1 %s\nidmap 1 %s\nend\n",
		 i, c);
	ok(verify_header(pub, h, &err) != 0, "swapped digests refused (%s)", err.message);
	/* A header longer than the bound. */
	memset(h, 'x', 2000);
	h[2000] = '\0';
	memcpy(h, good, strlen(good) - 4);
	snprintf(h + 1990, 10, "\nend\n");
	ok(verify_header(pub, h, &err) != 0, "an oversize header refused (%s)", err.message);
}

static void test_round_trip(const struct wo_snapshot_key *key, const struct wo_snapshot_key *pub,
			    const struct wo_snapshot_key *pub2)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_snapshot s = sample(42, 1700000000), got;
	unsigned char *buf = NULL;
	size_t len = 0, flips = 0, truncs = 0;

	ok(wo_snapshot_build(&s, key, &buf, &len, &err) == 0, "build (%s)", err.message);
	ok(wo_snapshot_verify(buf, len, pub, &got, &err) == 0, "verify (%s)", err.message);
	is_str(got.organization_id, "org_01TEST", "organization");
	is_int(got.serial, 42, "serial");
	is_int(got.created, 1700000000, "created");
	is_int(got.uid_min, 200000, "uid_min");
	is_int(got.uid_max, 299999, "uid_max");
	ok(got.cache_len == cache_len && memcmp(got.cache, cache_bytes, cache_len) == 0,
	   "cache bytes identical");
	ok(got.idmap_len == strlen(idmap_text) && memcmp(got.idmap, idmap_text, got.idmap_len) == 0,
	   "idmap bytes identical");
	is_str(wo_snapshot_key_fingerprint(key), wo_snapshot_key_fingerprint(pub),
	       "the private key and its public half have one fingerprint");
	ok(strncmp(wo_snapshot_key_fingerprint(pub), "SHA256:", 7) == 0 &&
	       strlen(wo_snapshot_key_fingerprint(pub)) == WO_SNAPSHOT_FPR_LEN,
	   "fingerprint is SHA256:<64 hex>");

	/* Every single bit flip anywhere (one bit per byte, rotating). */
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= (unsigned char)(1u << (i % 8));
		if (wo_snapshot_verify(buf, len, pub, &got, &err) == 0)
			flips++;
		buf[i] ^= (unsigned char)(1u << (i % 8));
	}
	is_int(flips, 0, "every one of %zu byte flips refused", len);
	for (size_t i = 0; i < len; i++)
		if (wo_snapshot_verify(buf, i, pub, &got, &err) == 0)
			truncs++;
	is_int(truncs, 0, "every truncation refused");
	wo_snapshot_verify(buf, len - 1, pub, &got, &err);
	like(err.message, "signature", "truncation is reported as a bad signature");
	{
		unsigned char *longer = malloc(len + 1);

		memcpy(longer, buf, len);
		longer[len] = '\n';
		ok(wo_snapshot_verify(longer, len + 1, pub, &got, &err) != 0,
		   "a byte appended is refused");
		free(longer);
	}
	ok(wo_snapshot_verify(buf, len, pub2, &got, &err) != 0, "another key refuses it");
	like(err.message, "does not verify", "wrong key message (%s)", err.message);
	ok(wo_snapshot_verify(buf, len, pub, &got, &err) == 0, "still verifies after all that");

	/* Policy. */
	ok(wo_snapshot_check(&got, "org_01TEST", 0, 1700000100, 3600, &err) == 0,
	   "first install accepted (%s)", err.message);
	ok(wo_snapshot_check(&got, "org_01TEST", 42, 1700000100, 3600, &err) == 0,
	   "equal serial accepted");
	ok(wo_snapshot_check(&got, "org_01OTHER", 0, 1700000100, 3600, &err) != 0 &&
	       err.kind == WO_ERR_DENIED,
	   "other organization refused");
	like(err.message, "organization", "message names the organization");
	ok(wo_snapshot_check(&got, "org_01TEST", 43, 1700000100, 3600, &err) != 0,
	   "older serial refused");
	like(err.message, "rollback", "message says rollback");
	ok(wo_snapshot_check(&got, "org_01TEST", 0, 1700003601, 3600, &err) != 0,
	   "over-age refused");
	like(err.message, "snapshot_max_age", "message names snapshot_max_age");
	ok(wo_snapshot_check(&got, "org_01TEST", 0, 1700003600, 3600, &err) == 0,
	   "exactly max_age accepted");
	ok(wo_snapshot_check(&got, "org_01TEST", 0, 1700000000 - 301, 3600, &err) != 0,
	   "a snapshot from the future refused");
	ok(wo_snapshot_check(&got, "org_01TEST", 0, 1700000000 - 299, 3600, &err) == 0,
	   "small clock skew tolerated");

	free(buf);
	ok(wo_snapshot_build(&s, pub, &buf, &len, &err) != 0 && buf == NULL,
	   "a public key cannot sign");
	s.serial = 0;
	ok(wo_snapshot_build(&s, key, &buf, &len, &err) != 0, "serial 0 cannot be built");
	free(buf);
}

static void test_keys(void)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_snapshot_key *k = NULL;
	char p[200];
	FILE *f;

	chmod(path_key, 0640);
	ok(wo_snapshot_signing_key_load(path_key, &k, &err) != 0, "group-readable key refused");
	like(err.message, "readable", "message (%s)", err.message);
	chmod(path_key, 0600);
	chmod(path_pub, 0666);
	ok(wo_snapshot_public_key_load(path_pub, &k, &err) != 0, "world-writable pub refused");
	chmod(path_pub, 0644);
	ok(wo_snapshot_signing_key_load(path_pub, &k, &err) != 0, "a public key is no signing key");
	ok(wo_snapshot_public_key_load("/nonexistent/x.pub", &k, &err) != 0 &&
	       err.kind == WO_ERR_CONFIG,
	   "a missing key is a configuration error");

	snprintf(p, sizeof(p), "%s/rsa.pub", dir);
	{
		EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

		f = fopen(p, "w");
		PEM_write_PUBKEY(f, rsa);
		fclose(f);
		chmod(p, 0644);
		EVP_PKEY_free(rsa);
	}
	ok(wo_snapshot_public_key_load(p, &k, &err) != 0, "an RSA key refused");
	like(err.message, "Ed25519", "message (%s)", err.message);
	snprintf(p, sizeof(p), "%s/junk.pub", dir);
	f = fopen(p, "w");
	fputs("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", f);
	fclose(f);
	chmod(p, 0644);
	ok(wo_snapshot_public_key_load(p, &k, &err) != 0, "a garbage PEM refused");
}

static void test_state(void)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_snapshot_state st = {.serial = 9, .created = 1000, .installed = 1010}, got;
	char p[200];
	int64_t age;
	uint64_t serial;
	FILE *f;

	snprintf(p, sizeof(p), "%s/snapshot-state", dir);
	ok(wo_snapshot_state_load(p, &got, &err) == 0, "missing state: nothing pulled");
	ok(wo_snapshot_require_fresh(p, 1000, 3600, &age, &err) != 0 && err.kind == WO_ERR_DENIED,
	   "missing state is not fresh");
	snprintf(st.organization_id, sizeof(st.organization_id), "org_01TEST");
	snprintf(st.signer, sizeof(st.signer), "SHA256:abcd");
	snprintf(st.url, sizeof(st.url), "https://example.com/nss.snapshot");
	snprintf(st.etag, sizeof(st.etag), "\"abc\"");
	ok(wo_snapshot_state_save(p, &st, &err) == 0, "state saved (%s)", err.message);
	ok(wo_snapshot_state_load(p, &got, &err) == 1, "state loaded (%s)", err.message);
	is_int(got.serial, 9, "serial");
	is_int(got.created, 1000, "created");
	is_int(got.installed, 1010, "installed");
	is_str(got.etag, "\"abc\"", "etag");
	is_str(got.last_modified, "", "no last-modified");
	is_str(got.url, st.url, "url");
	ok(wo_snapshot_require_fresh(p, 1000 + 3600, 3600, &age, &err) == 0, "fresh at max_age");
	is_int(age, 3600, "age");
	ok(wo_snapshot_require_fresh(p, 1000 + 3601, 3600, &age, &err) != 0, "over-age refused");
	like(err.message, "snapshot_max_age", "message (%s)", err.message);
	ok(wo_snapshot_require_fresh(p, 900, 3600, &age, &err) == 0 && age == 0,
	   "a little in the future counts as age 0");

	snprintf(st.etag, sizeof(st.etag), "bad\nline");
	ok(wo_snapshot_state_save(p, &st, &err) != 0, "a value with a newline is not written");

	static const char *const bad[] = {
	    "workos-snapshot-state 1\nserial 9\n",
	    "workos-snapshot-state 1\nserial 9\ncreated 1\ninstalled 1\norganization o\n"
	    "signer s\nurl u\nserial 10\n",
	    "workos-snapshot-state 1\nserial 9\ncreated 1\ninstalled 1\norganization o\n"
	    "signer s\nurl u\nfoo bar\n",
	    "workos-snapshot-state 1\nserial 09\ncreated 1\ninstalled 1\norganization o\n"
	    "signer s\nurl u\n",
	    "workos-snapshot-state 1\nserial 9\ncreated 1\ninstalled 1\norganization o\n"
	    "signer s\nurl u",
	    "workos-snapshot-state 2\nserial 9\ncreated 1\ninstalled 1\norganization o\n"
	    "signer s\nurl u\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(p, "w");
		fputs(bad[i], f);
		fclose(f);
		ok(wo_snapshot_state_load(p, &got, &err) < 0, "malformed state %zu refused", i);
		ok(wo_snapshot_require_fresh(p, 1, 3600, NULL, &err) != 0,
		   "and is not fresh either");
	}
	chmod(p, 0666);
	f = fopen(p, "w");
	fputs("workos-snapshot-state 1\nserial 9\ncreated 1\ninstalled 1\norganization o\n"
	      "signer s\nurl u\n",
	      f);
	fclose(f);
	ok(wo_snapshot_state_load(p, &got, &err) < 0, "a world-writable state refused");
	chmod(p, 0644);
	ok(wo_snapshot_state_load(p, &got, &err) == 1, "the same at 0644 is read");

	snprintf(p, sizeof(p), "%s/publish-state", dir);
	ok(wo_publish_serial_load(p, &serial, &err) == 0 && serial == 0, "no publish state yet");
	ok(wo_publish_serial_save(p, 41, &err) == 0, "publish serial saved");
	ok(wo_publish_serial_load(p, &serial, &err) == 1 && serial == 41, "publish serial read");
	f = fopen(p, "w");
	fputs("workos-publish-state 1\nserial 4x\n", f);
	fclose(f);
	ok(wo_publish_serial_load(p, &serial, &err) < 0, "malformed publish state refused");
}

int main(void)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_snapshot_key *key = NULL, *pub = NULL, *pub2 = NULL;
	EVP_PKEY *k2;
	char cache_path[160], cmd[200];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path_key, sizeof(path_key), "%s/snapshot.key", dir);
	snprintf(path_pub, sizeof(path_pub), "%s/snapshot.pub", dir);
	snprintf(path_key2, sizeof(path_key2), "%s/other.key", dir);
	snprintf(path_pub2, sizeof(path_pub2), "%s/other.pub", dir);
	raw_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	write_key(raw_key, path_key, path_pub);
	write_key(k2, path_key2, path_pub2);
	EVP_PKEY_free(k2);

	snprintf(cache_path, sizeof(cache_path), "%s/nss.cache", dir);
	if (fx_write(cache_path) != 0)
		abort();
	cache_bytes = fx_slurp(cache_path, &cache_len);

	ok(wo_snapshot_signing_key_load(path_key, &key, &err) == 0, "signing key loads (%s)",
	   err.message);
	ok(wo_snapshot_public_key_load(path_pub, &pub, &err) == 0, "public key loads (%s)",
	   err.message);
	ok(wo_snapshot_public_key_load(path_pub2, &pub2, &err) == 0, "other public key loads");
	if (key == NULL || pub == NULL || pub2 == NULL)
		return done_testing();

	test_round_trip(key, pub, pub2);
	test_hostile_headers(pub);
	test_keys();
	test_state();

	wo_snapshot_key_free(key);
	wo_snapshot_key_free(pub);
	wo_snapshot_key_free(pub2);
	EVP_PKEY_free(raw_key);
	free(cache_bytes);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
