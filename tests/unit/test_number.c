/* SPDX-License-Identifier: MIT */
/* Strict decimal numbers (lib/number.c). */
#include "autoconfig.h"

#include <string.h>

#include "number.h"
#include "tap.h"

static int u64(const char *s, uint64_t max, uint64_t *out)
{
	return wo_parse_u64(s, strlen(s), max, out);
}

int main(void)
{
	static const char *const bad[] = {
	    "", "01", "00", "+1", "-1", " 1", "1 ", "1x", "0x10", "1.0", "１",
	};
	uint64_t v = 0;
	uint32_t w = 0;

	ok(u64("0", 10, &v) && v == 0, "0 is a number");
	ok(u64("42", 42, &v) && v == 42, "42 at its bound");
	ok(!u64("43", 42, &v), "43 over a bound of 42");
	ok(u64("18446744073709551615", UINT64_MAX, &v) && v == UINT64_MAX,
	   "the largest 64-bit number");
	ok(!u64("18446744073709551616", UINT64_MAX, &v), "one more overflows");
	ok(!u64("99999999999999999999", UINT64_MAX, &v), "twenty nines overflow");
	ok(!u64("123456789012345678901", UINT64_MAX, &v), "21 digits are refused");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!u64(bad[i], UINT64_MAX, &v), "refused: \"%s\"", bad[i]);
	ok(wo_parse_u64("12345", 3, 1000, &v) && v == 123, "only the given length is read");
	ok(wo_parse_u32("4294967295", 10, UINT32_MAX, &w) && w == UINT32_MAX,
	   "32 bits: the largest");
	ok(!wo_parse_u32("4294967296", 10, UINT32_MAX, &w), "32 bits: one more");
	ok(!wo_parse_u32("65536", 5, 65535, &w), "32 bits: over a smaller bound");
	return done_testing();
}
