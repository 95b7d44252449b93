/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fleet snapshot reader (lib/snapshot.h).
 * First byte even: the rest is a whole file, verified as a member would
 * (almost always refused at the signature).  Odd: the rest is the signed
 * part, which the target signs with its own fixed key, so that the header
 * parser behind the signature check runs on hostile bytes; whatever it
 * accepts must hold together (lengths inside the buffer, digests right).
 * The key below is a test key made for this file and nothing else.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key_pem[] = "-----BEGIN PRIVATE KEY-----\n"
			      "MC4CAQAwBQYDK2VwBCIEIEsHjgS78SCL/+dAVqZt4DufhBnguSHWE6Ax9kpiaJgw\n"
			      "-----END PRIVATE KEY-----\n";

static struct wo_snapshot_key *key;
static EVP_PKEY *raw;

static void setup(void)
{
	struct wo_error err = WO_ERROR_INIT;
	BIO *bio;

	if (key != NULL)
		return;
	if (wo_snapshot_key_from_pem(key_pem, sizeof(key_pem) - 1, true, &key, &err) != 0)
		abort();
	bio = BIO_new_mem_buf(key_pem, (int)sizeof(key_pem) - 1);
	raw = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (raw == NULL)
		abort();
}

static void check(const uint8_t *buf, size_t len)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_snapshot s;

	if (wo_snapshot_verify(buf, len, key, &s, &err) != 0)
		return;
	/* Accepted: the parts must lie inside the signed bytes, end to end. */
	if (s.cache < buf || s.idmap != s.cache + s.cache_len ||
	    s.idmap + s.idmap_len != buf + len - WO_SNAPSHOT_SIG_LEN || s.serial == 0 ||
	    s.uid_min == 0 || s.uid_min > s.uid_max || strncmp(s.organization_id, "org_", 4) != 0)
		abort();
	(void)wo_snapshot_check(&s, "org_01FUZZ", 5, 1700000000, 3600, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_MD_CTX *ctx;
	uint8_t *buf;
	size_t sl = WO_SNAPSHOT_SIG_LEN;

	setup();
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		check(data + 1, size - 1);
		return 0;
	}
	buf = malloc(size - 1 + WO_SNAPSHOT_SIG_LEN);
	ctx = EVP_MD_CTX_new();
	if (buf == NULL || ctx == NULL)
		abort();
	memcpy(buf, data + 1, size - 1);
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, raw) != 1 ||
	    EVP_DigestSign(ctx, buf + size - 1, &sl, buf, size - 1) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	check(buf, size - 1 + WO_SNAPSHOT_SIG_LEN);
	free(buf);
	return 0;
}
