/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

#include "cache_hash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sipround(struct wo_siphash *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static inline uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static inline void compress(struct wo_siphash *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s);
	sipround(s);
	s->v0 ^= m;
}

void wo_siphash_init(struct wo_siphash *s, const uint8_t key[16])
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);

	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
	s->tail = 0;
	s->len = 0;
}

void wo_siphash_update(struct wo_siphash *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* Finish a partial word left by the previous call. */
	while (len > 0 && (s->len & 7) != 0) {
		s->tail |= (uint64_t)*p++ << (8 * (s->len & 7));
		s->len++;
		len--;
		if ((s->len & 7) == 0) {
			compress(s, s->tail);
			s->tail = 0;
		}
	}
	for (; len >= 8; p += 8, len -= 8, s->len += 8)
		compress(s, load_le64(p));
	for (; len > 0; len--, s->len++)
		s->tail |= (uint64_t)*p++ << (8 * (s->len & 7));
}

uint64_t wo_siphash_final(struct wo_siphash *s)
{
	uint64_t b = s->tail | (uint64_t)(s->len & 0xff) << 56;

	compress(s, b);
	s->v2 ^= 0xff;
	sipround(s);
	sipround(s);
	sipround(s);
	sipround(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t wo_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	struct wo_siphash s;

	wo_siphash_init(&s, key);
	wo_siphash_update(&s, data, len);
	return wo_siphash_final(&s);
}

uint64_t wo_cache_hash_id(const uint8_t key[16], uint32_t id)
{
	uint8_t b[4] = {id & 0xff, (id >> 8) & 0xff, (id >> 16) & 0xff, id >> 24};

	return wo_siphash24(key, b, sizeof(b));
}
