/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "secret.h"
#include "snapshot.h"
#include "number.h"

#define KEY_FILE_MAX 16384 /* a PEM Ed25519 key is about 120 bytes */
#define MAGIC	     "workos-snapshot 1\n"

struct wo_snapshot_key {
	EVP_PKEY *pkey;
	bool private_key;
	char fingerprint[WO_SNAPSHOT_FPR_LEN + 1];
};

/* --- keys ------------------------------------------------------------------ */

/* Never ask for a passphrase: an encrypted key would otherwise make
 * OpenSSL prompt on the terminal of a timer job. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int set_fingerprint(struct wo_snapshot_key *k, struct wo_error *err)
{
	unsigned char raw[32], digest[SHA256_DIGEST_LENGTH];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) != 1 || len != sizeof(raw))
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot read the Ed25519 public key");
	SHA256(raw, len, digest);
	memcpy(k->fingerprint, "SHA256:", 7);
	hex(digest, sizeof(digest), k->fingerprint + 7);
	return 0;
}

static int parse_key(const char *what, const char *pem, size_t len, bool private_key,
		     struct wo_snapshot_key **out, struct wo_error *err)
{
	struct wo_snapshot_key *k = NULL;
	BIO *bio = NULL;
	int ret = -1;

	*out = NULL;
	if (len > KEY_FILE_MAX)
		return wo_error_set(err, WO_ERR_CONFIG, "%s is larger than %d bytes", what,
				    KEY_FILE_MAX);
	k = calloc(1, sizeof(*k));
	bio = BIO_new_mem_buf(pem, (int)len);
	if (k == NULL || bio == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	k->private_key = private_key;
	k->pkey = private_key ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
			      : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (k->pkey == NULL) {
		wo_error_set(err, WO_ERR_CONFIG, "%s is not a PEM %s key (make it with openssl %s)",
			     what, private_key ? "private" : "public",
			     private_key ? "genpkey -algorithm ed25519" : "pkey -pubout");
		goto out;
	}
	if (EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_ED25519) {
		wo_error_set(err, WO_ERR_CONFIG, "%s is not an Ed25519 key", what);
		goto out;
	}
	if (set_fingerprint(k, err) != 0)
		goto out;
	*out = k;
	k = NULL;
	ret = 0;
out:
	BIO_free(bio);
	wo_snapshot_key_free(k);
	return ret;
}

int wo_snapshot_key_from_pem(const char *pem, size_t len, bool private_key,
			     struct wo_snapshot_key **out, struct wo_error *err)
{
	return parse_key(private_key ? "the snapshot signing key" : "the snapshot public key", pem,
			 len, private_key, out, err);
}

static int load_key(const char *path, bool private_key, struct wo_snapshot_key **out,
		    struct wo_error *err)
{
	char what[300], *buf = NULL;
	size_t len = 0;
	int fd, r, ret = -1;

	*out = NULL;
	snprintf(what, sizeof(what), "snapshot %s key %s", private_key ? "signing" : "public",
		 path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return wo_error_set(err, WO_ERR_CONFIG, "cannot open %s: %s", what,
				    strerror(errno));
	if (wo_file_check_trusted(fd, what, private_key, err) != 0)
		goto out;
	buf = malloc(KEY_FILE_MAX);
	if (buf == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	r = wo_read_upto(fd, buf, KEY_FILE_MAX, &len, what, err);
	if (r < 0)
		goto out;
	if (r > 0) {
		wo_error_set(err, WO_ERR_CONFIG, "%s is larger than %d bytes", what, KEY_FILE_MAX);
		goto out;
	}
	ret = parse_key(what, buf, len, private_key, out, err);
out:
	if (buf != NULL)
		wo_secret_free_n(buf, KEY_FILE_MAX);
	close(fd);
	return ret;
}

int wo_snapshot_signing_key_load(const char *path, struct wo_snapshot_key **out,
				 struct wo_error *err)
{
	return load_key(path, true, out, err);
}

int wo_snapshot_public_key_load(const char *path, struct wo_snapshot_key **out,
				struct wo_error *err)
{
	return load_key(path, false, out, err);
}

void wo_snapshot_key_free(struct wo_snapshot_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *wo_snapshot_key_fingerprint(const struct wo_snapshot_key *k)
{
	return k->fingerprint;
}

/* --- the header -------------------------------------------------------------- */

static bool valid_org(const char *s)
{
	size_t n = strlen(s);

	if (n <= 4 || n > WO_SNAPSHOT_ORG_MAX || strncmp(s, "org_", 4) != 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static bool valid_fields(const struct wo_snapshot *s)
{
	return valid_org(s->organization_id) && s->serial >= 1 && s->created >= 0 &&
	       s->uid_min >= 1 && s->uid_min <= s->uid_max && s->uid_max < UINT32_MAX &&
	       s->cache_len > 0 && s->idmap_len > 0 && s->cache_len <= WO_SNAPSHOT_MAX_SIZE &&
	       s->idmap_len <= WO_SNAPSHOT_MAX_SIZE &&
	       s->cache_len + s->idmap_len <=
		   WO_SNAPSHOT_MAX_SIZE - WO_SNAPSHOT_HEADER_MAX - WO_SNAPSHOT_SIG_LEN;
}

static void digest_hex(const unsigned char *p, size_t n, char out[65])
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	SHA256(p, n, d);
	hex(d, sizeof(d), out);
}

/* A cursor over the header: each call takes one "KEYWORD rest\n" line. */
struct cursor {
	const char *p, *end;
};

/* Takes the line that must start with "keyword " (or be exactly "keyword"
 * when rest is NULL); rest and rest_len get what follows the space. */
static bool take_line(struct cursor *c, const char *keyword, const char **rest, size_t *rest_len)
{
	size_t kl = strlen(keyword);
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));

	if (nl == NULL || (size_t)(nl - c->p) < kl || memcmp(c->p, keyword, kl) != 0)
		return false;
	/* Printable ASCII only: no NUL to cut a value short, no CR. */
	for (const char *q = c->p; q < nl; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			return false;
	if (rest == NULL) {
		if (c->p + kl != nl)
			return false;
	} else {
		if (c->p + kl >= nl || c->p[kl] != ' ')
			return false;
		*rest = c->p + kl + 1;
		*rest_len = (size_t)(nl - *rest);
	}
	c->p = nl + 1;
	return true;
}

/* "LEN HEX64" */
static bool parse_part(const char *s, size_t n, uint64_t *len, char digest[65])
{
	const char *sp = memchr(s, ' ', n);

	if (sp == NULL || !wo_parse_u64(s, (size_t)(sp - s), WO_SNAPSHOT_MAX_SIZE, len) ||
	    (size_t)(s + n - sp - 1) != 64)
		return false;
	for (size_t i = 0; i < 64; i++) {
		char ch = sp[1 + i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
		digest[i] = ch;
	}
	digest[64] = '\0';
	return true;
}

static int bad(struct wo_error *err, const char *what)
{
	return wo_error_set(err, WO_ERR_DECODE, "the snapshot is malformed: %s", what);
}

static int parse_header(const unsigned char *buf, size_t signed_len, struct wo_snapshot *s,
			struct wo_error *err)
{
	struct cursor c = {(const char *)buf, (const char *)buf + signed_len};
	char cache_digest[65], idmap_digest[65], got[65];
	const char *v, *sp;
	size_t n, header_len;
	uint64_t x, y;

	memset(s, 0, sizeof(*s));
	if (c.end - c.p > WO_SNAPSHOT_HEADER_MAX)
		c.end = c.p + WO_SNAPSHOT_HEADER_MAX;
	if ((size_t)(c.end - c.p) < strlen(MAGIC) || memcmp(c.p, MAGIC, strlen(MAGIC)) != 0)
		return bad(err, "not a workos-snapshot version 1 file");
	c.p += strlen(MAGIC);

	if (!take_line(&c, "organization", &v, &n) || n > WO_SNAPSHOT_ORG_MAX)
		return bad(err, "bad organization line");
	memcpy(s->organization_id, v, n);
	s->organization_id[n] = '\0';
	if (!valid_org(s->organization_id))
		return bad(err, "bad organization id");

	if (!take_line(&c, "serial", &v, &n) || !wo_parse_u64(v, n, UINT64_MAX, &s->serial) ||
	    s->serial == 0)
		return bad(err, "bad serial line");
	if (!take_line(&c, "created", &v, &n) || !wo_parse_u64(v, n, INT64_MAX, &x))
		return bad(err, "bad created line");
	s->created = (int64_t)x;

	if (!take_line(&c, "uid-range", &v, &n) || (sp = memchr(v, ' ', n)) == NULL ||
	    !wo_parse_u64(v, (size_t)(sp - v), UINT32_MAX - 1, &x) ||
	    !wo_parse_u64(sp + 1, (size_t)(v + n - sp - 1), UINT32_MAX - 1, &y) || x == 0 || x > y)
		return bad(err, "bad uid-range line");
	s->uid_min = (uint32_t)x;
	s->uid_max = (uint32_t)y;

	if (!take_line(&c, "cache", &v, &n) || !parse_part(v, n, &x, cache_digest) || x == 0)
		return bad(err, "bad cache line");
	if (!take_line(&c, "idmap", &v, &n) || !parse_part(v, n, &y, idmap_digest) || y == 0)
		return bad(err, "bad idmap line");
	if (!take_line(&c, "end", NULL, NULL))
		return bad(err, "no end line");

	/* Every length against what is there, each sum bounded first (x and y
	 * are at most WO_SNAPSHOT_MAX_SIZE, so none overflows). */
	header_len = (size_t)(c.p - (const char *)buf);
	if (x + y != signed_len - header_len)
		return bad(err, "the sizes in the header do not match the file");
	s->cache = buf + header_len;
	s->cache_len = (size_t)x;
	s->idmap = s->cache + x;
	s->idmap_len = (size_t)y;

	digest_hex(s->cache, s->cache_len, got);
	if (strcmp(got, cache_digest) != 0)
		return bad(err, "the cache part does not match its digest");
	digest_hex(s->idmap, s->idmap_len, got);
	if (strcmp(got, idmap_digest) != 0)
		return bad(err, "the idmap part does not match its digest");
	return 0;
}

/* --- signing and verifying ------------------------------------------------------ */

int wo_snapshot_build(const struct wo_snapshot *s, const struct wo_snapshot_key *signer,
		      unsigned char **out, size_t *len, struct wo_error *err)
{
	char header[WO_SNAPSHOT_HEADER_MAX], cd[65], id[65];
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	size_t siglen = WO_SNAPSHOT_SIG_LEN, total;
	int hl, ret = -1;

	*out = NULL;
	*len = 0;
	if (!signer->private_key)
		return wo_error_set(err, WO_ERR_CONFIG, "a public key cannot sign a snapshot");
	if (!valid_fields(s) || s->cache == NULL || s->idmap == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "cannot build a snapshot from these values");
	digest_hex(s->cache, s->cache_len, cd);
	digest_hex(s->idmap, s->idmap_len, id);
	hl =
	    snprintf(header, sizeof(header),
		     MAGIC "organization %s\nserial %" PRIu64 "\ncreated %" PRId64
			   "\nuid-range %" PRIu32 " %" PRIu32 "\ncache %zu %s\nidmap %zu %s\nend\n",
		     s->organization_id, s->serial, s->created, s->uid_min, s->uid_max,
		     s->cache_len, cd, s->idmap_len, id);
	if (hl < 0 || (size_t)hl >= sizeof(header))
		return wo_error_set(err, WO_ERR_SYSTEM, "snapshot header too long");
	total = (size_t)hl + s->cache_len + s->idmap_len + WO_SNAPSHOT_SIG_LEN;
	buf = malloc(total);
	ctx = EVP_MD_CTX_new();
	if (buf == NULL || ctx == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	memcpy(buf, header, (size_t)hl);
	memcpy(buf + hl, s->cache, s->cache_len);
	memcpy(buf + hl + s->cache_len, s->idmap, s->idmap_len);
	/* Ed25519 is one-shot (PureEdDSA): no digest, the whole message. */
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, signer->pkey) != 1 ||
	    EVP_DigestSign(ctx, buf + total - WO_SNAPSHOT_SIG_LEN, &siglen, buf,
			   total - WO_SNAPSHOT_SIG_LEN) != 1 ||
	    siglen != WO_SNAPSHOT_SIG_LEN) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot sign the snapshot");
		goto out;
	}
	*out = buf;
	*len = total;
	buf = NULL;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return ret;
}

int wo_snapshot_verify(const unsigned char *buf, size_t len, const struct wo_snapshot_key *key,
		       struct wo_snapshot *out, struct wo_error *err)
{
	EVP_MD_CTX *ctx;
	size_t signed_len;
	int ok;

	memset(out, 0, sizeof(*out));
	if (len > WO_SNAPSHOT_MAX_SIZE)
		return wo_error_set(err, WO_ERR_DECODE, "the snapshot is larger than %u bytes",
				    WO_SNAPSHOT_MAX_SIZE);
	if (len < strlen(MAGIC) + WO_SNAPSHOT_SIG_LEN)
		return wo_error_set(err, WO_ERR_DECODE, "the snapshot is truncated (%zu bytes)",
				    len);
	signed_len = len - WO_SNAPSHOT_SIG_LEN;
	/* Nothing of the content is looked at before the signature holds. */
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	     EVP_DigestVerify(ctx, buf + signed_len, WO_SNAPSHOT_SIG_LEN, buf, signed_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return wo_error_set(err, WO_ERR_DECODE,
				    "the snapshot's signature does not verify with the key %s "
				    "(tampered, truncated, or signed by another key)",
				    key->fingerprint);
	if (parse_header(buf, signed_len, out, err) != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int wo_snapshot_check(const struct wo_snapshot *s, const char *organization_id,
		      uint64_t installed_serial, int64_t now, unsigned max_age,
		      struct wo_error *err)
{
	if (strcmp(s->organization_id, organization_id) != 0)
		return wo_error_set(err, WO_ERR_DENIED,
				    "the snapshot is for organization %s, not %s",
				    s->organization_id, organization_id);
	if (s->serial < installed_serial)
		return wo_error_set(err, WO_ERR_DENIED,
				    "the snapshot's serial %" PRIu64 " is older than the installed "
				    "%" PRIu64 " (a rollback: a replayed or stale file)",
				    s->serial, installed_serial);
	if (s->created > now + WO_SNAPSHOT_CLOCK_SKEW)
		return wo_error_set(err, WO_ERR_DENIED,
				    "the snapshot was made %" PRId64 " s in the future; "
				    "check the clocks of the publisher and this host",
				    s->created - now);
	if (now - s->created > (int64_t)max_age)
		return wo_error_set(err, WO_ERR_DENIED,
				    "the snapshot is %" PRId64
				    " s old, older than snapshot_max_age "
				    "(%u s): the publisher has not published since",
				    now - s->created, max_age);
	return 0;
}
