/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

#if defined(__SSE2__) && !defined(WO_NAMES_PORTABLE)
/*
 * SSE2, which every x86-64 CPU has, checks 16 bytes at a time and turns the
 * NULs into a bit mask, so that what is left per name is its length: about
 * twice as fast as the walk below on a 100-member group.  Unsigned range
 * checks are "min(v - lo, span) == v - lo".
 */
static inline __m128i in_range(__m128i v, char lo, char span)
{
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8(lo));

	return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span)), d);
}

int wo_names_split(char *block, size_t size, char **names, size_t n)
{
	size_t found = 0, start = 0;
	unsigned prev_nul = 1; /* byte 0 starts a name */

	for (size_t i = 0; i < size; i += 16) {
		size_t left = size - i;
		unsigned live = left >= 16 ? 0xffff : (1u << left) - 1;
		unsigned char tail[16];
		const void *at = block + i;
		__m128i v, first, rest;
		unsigned nul, starts;

		if (left < 16) { /* never read past the block */
			memset(tail, 1, sizeof(tail));
			memcpy(tail, block + i, left);
			at = tail;
		}
		v = _mm_loadu_si128(at);
		first = _mm_or_si128(in_range(v, 'a', 'z' - 'a'),
				     _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
		rest = _mm_or_si128(_mm_or_si128(first, in_range(v, '0', '9' - '0')),
				    _mm_or_si128(in_range(v, '-', '.' - '-'),
						 _mm_cmpeq_epi8(v, _mm_set1_epi8('@'))));
		nul = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) & live;
		starts = ((nul << 1) | prev_nul) & live;
		prev_nul = nul >> 15;
		/* Every byte a name character or a NUL; every name starts well
		 * (which also refuses an empty name). */
		if ((~((unsigned)_mm_movemask_epi8(rest) | nul) & live) != 0 ||
		    (starts & ~(unsigned)_mm_movemask_epi8(first)) != 0)
			return -1;
		for (; nul != 0; nul &= nul - 1) {
			size_t end = i + (size_t)__builtin_ctz(nul);

			if (found == n || end - start > WO_NAME_MAX)
				return -1;
			names[found++] = block + start;
			start = end + 1;
		}
	}
	return found == n && start == size ? 0 : -1;
}
#else
int wo_names_split(char *block, size_t size, char **names, size_t n)
{
	size_t found = 0, at = 0;

	while (at < size) {
		int len = wo_name_span(block + at, size - at);

		if (len < 0 || found == n)
			return -1;
		names[found++] = block + at;
		at += (size_t)len + 1;
	}
	return found == n ? 0 : -1;
}
#endif
