/* SPDX-License-Identifier: MIT */
/*
 * The fleet snapshot (nss.snapshot): one file that carries the NSS cache and
 * the allocation map from the publisher, the one host that talks to WorkOS,
 * to every member host, signed with Ed25519 (RFC 8032) so that whoever
 * serves the file (a CDN, a bucket, a web server) cannot change it.
 *
 * Layout: a text header, the two embedded parts, the signature.
 *
 *     workos-snapshot 1
 *     organization org_01H...
 *     serial 42
 *     created 1767225600
 *     uid-range 2001000000 2099999999
 *     cache 123456 <sha-256 of the cache bytes, 64 lowercase hex digits>
 *     idmap 789 <sha-256 of the idmap bytes>
 *     end
 *     <cache bytes: the NSS cache file, lib/cache_format.h>
 *     <idmap bytes: the allocation map file, lib/idmap.h>
 *     <64 bytes: Ed25519 signature over every byte before it>
 *
 * Header lines come in exactly this order, single spaces, '\n' after each;
 * numbers are decimal without sign or leading zeros.  serial is >= 1 and
 * only grows from one publication to the next; created is the publisher's
 * clock (seconds since the epoch).  The file's size must be exactly the
 * header plus both parts plus the signature.
 *
 * Reading (wo_snapshot_verify) checks the signature FIRST, over bytes whose
 * meaning it has not looked at yet, and only then parses the header, with
 * every number and length bounded; the parts' digests are checked too.  The
 * policy checks a member applies before installing (organization, no
 * rollback, age) are wo_snapshot_check.  The embedded cache and map still
 * go through their own readers (wo_cache_verify, wo_idmap_parse) before
 * they are installed.
 *
 * Keys are the files `openssl genpkey -algorithm ed25519` (private, PEM
 * PKCS#8, root 0600) and `openssl pkey -pubout` (public, PEM, root-owned,
 * not writable by others) write; anything else is refused.
 */
#ifndef WO_SNAPSHOT_H
#define WO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WO_SNAPSHOT_FILE_NAME  "nss.snapshot"
#define WO_SNAPSHOT_MAX_SIZE   (512u << 20) /* refuse larger snapshots */
#define WO_SNAPSHOT_HEADER_MAX 1024
#define WO_SNAPSHOT_SIG_LEN    64
#define WO_SNAPSHOT_ORG_MAX    128
/* "SHA256:" and the hex SHA-256 of the raw 32-byte public key. */
#define WO_SNAPSHOT_FPR_LEN (7 + 64)

struct wo_snapshot {
	char organization_id[WO_SNAPSHOT_ORG_MAX + 1];
	uint64_t serial;
	int64_t created;
	uint32_t uid_min, uid_max;
	const unsigned char *cache; /* borrowed (from the verified buffer) */
	size_t cache_len;
	const unsigned char *idmap;
	size_t idmap_len;
};

/* A loaded Ed25519 key, private or public. */
struct wo_snapshot_key;

/* Loads the signing key (PEM PKCS#8 Ed25519, checked with
 * wo_file_check_trusted as a secret).  The file's bytes are wiped. */
int wo_snapshot_signing_key_load(const char *path, struct wo_snapshot_key **out,
				 struct wo_error *err);

/* Loads a public key (PEM SubjectPublicKeyInfo, Ed25519), root-owned and not
 * writable by group or others. */
int wo_snapshot_public_key_load(const char *path, struct wo_snapshot_key **out,
				struct wo_error *err);

/* The same from PEM text in memory, without the file checks: for tests and
 * the fuzz target. */
int wo_snapshot_key_from_pem(const char *pem, size_t len, bool private_key,
			     struct wo_snapshot_key **out, struct wo_error *err);

void wo_snapshot_key_free(struct wo_snapshot_key *k);

/* "SHA256:<hex>" of the raw public key, the same for a private key and its
 * public half: the signer named in state files and `workosctl check`. */
const char *wo_snapshot_key_fingerprint(const struct wo_snapshot_key *k);

/* Builds and signs a snapshot from s (cache and idmap included).  *out is a
 * heap buffer of *len bytes for free().  The fields are validated as the
 * reader would. */
int wo_snapshot_build(const struct wo_snapshot *s, const struct wo_snapshot_key *signer,
		      unsigned char **out, size_t *len, struct wo_error *err);

/* Verifies the signature of buf with `key`, then parses it into *out, whose
 * cache and idmap point into buf.  Returns 0, or -1 with err (WO_ERR_DECODE)
 * for a bad signature or a malformed file. */
int wo_snapshot_verify(const unsigned char *buf, size_t len, const struct wo_snapshot_key *key,
		       struct wo_snapshot *out, struct wo_error *err);

/* What a member requires before installing a verified snapshot:
 *   - its organization is `organization_id`;
 *   - its serial is not below `installed_serial` (0 when none is installed):
 *     an older one is a rollback (a replayed file, a stale mirror);
 *   - it is not older than max_age seconds at `now`, nor made more than
 *     WO_SNAPSHOT_CLOCK_SKEW seconds in the future.
 * Returns 0, or -1 with err (WO_ERR_DENIED) saying which and why. */
#define WO_SNAPSHOT_CLOCK_SKEW 300
int wo_snapshot_check(const struct wo_snapshot *s, const char *organization_id,
		      uint64_t installed_serial, int64_t now, unsigned max_age,
		      struct wo_error *err);

#endif
