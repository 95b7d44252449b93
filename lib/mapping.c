/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

#include "mapping.h"

/* Copies src[0..len) folded to lowercase and checks the result is a name. */
static bool fold_name(const char *src, size_t len, char out[WO_NAME_MAX + 1])
{
	if (len == 0 || len > WO_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = src[i];

		out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	out[len] = '\0';
	return wo_name_is_valid(out);
}

static const char *source_name(const struct wo_config *cfg)
{
	switch (cfg->username_from) {
	case WO_USERNAME_EMAIL_LOCALPART:
		return "email_localpart";
	case WO_USERNAME_EMAIL:
		return "email";
	case WO_USERNAME_EXTERNAL_ID:
		return "external_id";
	case WO_USERNAME_METADATA:
		return "metadata";
	}
	return "?";
}

int wo_map_username(const struct wo_config *cfg, const struct wo_map_input *in,
		    char out[WO_NAME_MAX + 1], struct wo_error *err)
{
	const char *src = NULL;
	size_t len = 0;

	out[0] = '\0';
	switch (cfg->username_from) {
	case WO_USERNAME_EMAIL_LOCALPART:
	case WO_USERNAME_EMAIL: {
		const char *at;

		if (in->email == NULL || in->email[0] == '\0')
			return wo_error_set(err, WO_ERR_DENIED, "the WorkOS user has no email");
		if (!in->email_verified)
			return wo_error_set(err, WO_ERR_DENIED,
					    "the WorkOS user's email is not verified");
		at = strrchr(in->email, '@');
		if (at == NULL || at == in->email || at[1] == '\0')
			return wo_error_set(err, WO_ERR_DENIED,
					    "the WorkOS user's email is not an address");
		src = in->email;
		len = cfg->username_from == WO_USERNAME_EMAIL ? strlen(src) : (size_t)(at - src);
		break;
	}
	case WO_USERNAME_EXTERNAL_ID:
		src = in->external_id;
		break;
	case WO_USERNAME_METADATA:
		src = in->metadata_value;
		break;
	}
	if (src == NULL || src[0] == '\0')
		return wo_error_set(err, WO_ERR_DENIED, "the WorkOS user has no %s to map from",
				    source_name(cfg));
	if (len == 0)
		len = strlen(src);
	if (!fold_name(src, len, out)) {
		out[0] = '\0';
		return wo_error_set(err, WO_ERR_DENIED,
				    "the WorkOS user's %s is not a valid local user name",
				    source_name(cfg));
	}
	return 0;
}

int wo_map_role_group(const struct wo_config *cfg, const char *role_slug, char out[WO_NAME_MAX + 1],
		      struct wo_error *err)
{
	size_t plen = strlen(cfg->group_prefix);
	size_t slen = role_slug ? strlen(role_slug) : 0;
	char joined[WO_NAME_MAX + 1];

	out[0] = '\0';
	if (slen == 0 || plen + slen > WO_NAME_MAX)
		return wo_error_set(err, WO_ERR_DENIED, "role slug does not make a group name");
	memcpy(joined, cfg->group_prefix, plen);
	memcpy(joined + plen, role_slug, slen);
	if (!fold_name(joined, plen + slen, out)) {
		out[0] = '\0';
		return wo_error_set(err, WO_ERR_DENIED, "role slug does not make a group name");
	}
	return 0;
}
