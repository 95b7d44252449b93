/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

#include "names.h"

static bool is_first(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_rest(char c)
{
	return is_first(c) || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '@';
}

bool wo_name_is_valid_n(const char *name, size_t len)
{
	if (name == NULL || len == 0 || len > WO_NAME_MAX)
		return false;
	if (!is_first(name[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_rest(name[i]))
			return false;
	return true;
}

bool wo_name_is_valid(const char *name)
{
	return name != NULL && wo_name_is_valid_n(name, strnlen(name, WO_NAME_MAX + 1));
}
