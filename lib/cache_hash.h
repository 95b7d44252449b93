/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): the keyed hash of the cache
 * indexes and the file checksum.  Keyed so that names chosen upstream cannot
 * be crafted into one long probe chain.
 */
#ifndef WO_CACHE_HASH_H
#define WO_CACHE_HASH_H

#include <stddef.h>
#include <stdint.h>

struct wo_siphash {
	uint64_t v0, v1, v2, v3;
	uint64_t tail; /* pending bytes, little-endian */
	size_t len;    /* total bytes fed */
};

uint64_t wo_siphash24(const uint8_t key[16], const void *data, size_t len);

/* Incremental form, for checksumming a file in pieces. */
void wo_siphash_init(struct wo_siphash *s, const uint8_t key[16]);
void wo_siphash_update(struct wo_siphash *s, const void *data, size_t len);
uint64_t wo_siphash_final(struct wo_siphash *s);

/* The hash of an id key in the indexes: its 4 bytes, little-endian. */
uint64_t wo_cache_hash_id(const uint8_t key[16], uint32_t id);

/* Where the probe for `hash` starts in an index of `slots` entries, and the
 * slot after `pos` (lib/cache_format.h). */
static inline uint32_t wo_cache_probe_start(uint64_t hash, uint32_t slots)
{
	return (uint32_t)(((hash & 0xffffffffu) * slots) >> 32);
}

static inline uint32_t wo_cache_probe_next(uint32_t pos, uint32_t slots)
{
	return pos + 1 == slots ? 0 : pos + 1;
}

#endif
