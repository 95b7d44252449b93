/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include "number.h"

bool wo_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool wo_parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (!wo_parse_u64(s, len, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}
