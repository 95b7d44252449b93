/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "names.h"

/* One table lookup per byte: the NSS module checks every name it returns,
 * a hundred of them for a big group, so this loop is on the hot path. */
enum { FIRST = 1, REST = 2, END = 4 };
/* clang-format off */
#define R(c) [c] = REST
#define F(c) [c] = FIRST | REST
static const unsigned char name_class[256] = {
	['\0'] = END, F('_'), R('.'), R('-'), R('@'),
	R('0'), R('1'), R('2'), R('3'), R('4'), R('5'), R('6'), R('7'), R('8'), R('9'),
	F('a'), F('b'), F('c'), F('d'), F('e'), F('f'), F('g'), F('h'), F('i'), F('j'),
	F('k'), F('l'), F('m'), F('n'), F('o'), F('p'), F('q'), F('r'), F('s'), F('t'),
	F('u'), F('v'), F('w'), F('x'), F('y'), F('z'),
};
#undef R
#undef F
/* clang-format on */

bool wo_name_is_valid_n(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;

	if (name == NULL || len == 0 || len > WO_NAME_MAX || !(name_class[p[0]] & FIRST))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(name_class[p[i]] & REST))
			return false;
	return true;
}

bool wo_name_is_valid(const char *name)
{
	return name != NULL && wo_name_is_valid_n(name, strnlen(name, WO_NAME_MAX + 1));
}

int wo_name_span(const char *p, size_t avail)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t max = avail < WO_NAME_MAX + 1 ? avail : WO_NAME_MAX + 1;

	if (max == 0 || !(name_class[u[0]] & FIRST))
		return -1;
	for (size_t i = 1; i < max; i++) {
		unsigned char c = name_class[u[i]];

		if (!(c & REST))
			return (c & END) ? (int)i : -1;
	}
	return -1;
}

/*
 * wo_names_split() works on the whole block instead of name by name:
 * a vector pass checks every byte and every first character, then a pass
 * over 8-byte words finds the NULs with a bit trick, so that what is left
 * per name is its length.
 */
typedef unsigned char wo_u8x16 __attribute__((vector_size(16)));

/* Every byte of p[0..size) is a name character or a NUL, and p[0] and
 * every byte after a NUL may start a name. */
static bool block_chars_ok(const unsigned char *p, size_t size)
{
	wo_u8x16 bad = {0};
	size_t i = 1;

	if (size == 0 || !(name_class[p[0]] & FIRST))
		return false;
	/* Bytes i..i+15, and the 16 before each of them. */
	for (; size - i >= sizeof(bad); i += sizeof(bad)) {
		wo_u8x16 v, prev, lower, first, rest;

		memcpy(&v, p + i, sizeof(v));
		memcpy(&prev, p + i - 1, sizeof(prev));
		/* Lanes are 0 or 0xff; unsigned wrap-around makes each range
		 * one compare. */
		lower = (wo_u8x16)((wo_u8x16)(v - 'a') < 26);
		first = lower | (wo_u8x16)(v == '_');
		rest = first | (wo_u8x16)((wo_u8x16)(v - '0') < 10) |
		       (wo_u8x16)((wo_u8x16)(v - '-') < 2) | (wo_u8x16)(v == '@');
		bad |= ~(rest | (wo_u8x16)(v == 0)) | ((wo_u8x16)(prev == 0) & ~first);
	}
	for (; i < size; i++)
		if (!(name_class[p[i]] & (p[i - 1] == '\0' ? FIRST : REST | END)))
			return false;
	for (size_t j = 0; j < sizeof(bad); j++)
		if (bad[j])
			return false;
	return true;
}

/* 0x80 in each byte of w that is zero, 0 elsewhere.  Exact (unlike the
 * usual "has a zero byte" test): no carry crosses a byte. */
static inline uint64_t zero_bytes(uint64_t w)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;

	return ~(((w & low7) + low7) | w | low7);
}

/* The 8 bytes at p as a word whose least significant byte is p[0]. */
static inline uint64_t load_word(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

int wo_names_split(char *block, size_t size, char **names, size_t n)
{
	unsigned char *p = (unsigned char *)block;
	size_t found = 0, start = 0;

	if (size == 0)
		return n == 0 ? 0 : -1;
	if (!block_chars_ok(p, size))
		return -1;
	for (size_t i = 0; i < size; i += 8) {
		uint64_t z;

		if (size - i >= 8) {
			z = zero_bytes(load_word(p + i));
		} else {
			/* The last few bytes, padded with 0x01, which is no NUL. */
			unsigned char tail[8];

			memset(tail, 1, sizeof(tail));
			memcpy(tail, p + i, size - i);
			z = zero_bytes(load_word(tail));
		}
		for (; z != 0; z &= z - 1) {
			size_t end = i + (size_t)__builtin_ctzll(z) / 8;

			/* An empty name failed the first-character test. */
			if (found == n || end - start > WO_NAME_MAX)
				return -1;
			names[found++] = block + start;
			start = end + 1;
		}
	}
	return found == n && start == size ? 0 : -1;
}
