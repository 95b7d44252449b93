/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

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
