/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the JWT steps that read bytes nobody has vouched for.
 * The input is a token for wo_jwt_decode_unverified; whatever payload it
 * decodes to goes on to wo_jwt_claims_parse, and so does the raw input
 * itself (as claims JSON), so both parsers see arbitrary bytes.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void claims(const char *json, size_t len)
{
	struct wo_jwt_claims c;
	struct wo_error err = WO_ERROR_INIT;

	if (wo_jwt_claims_parse(json, len, &c, &err) == 0) {
		sink += strlen(c.sub) + (c.iss ? strlen(c.iss) : 0) + (c.org_id ? 1 : 0) +
			(c.role ? strlen(c.role) : 0) + c.impersonated + (size_t)c.exp;
		for (size_t i = 0; i < c.n_roles; i++)
			sink += strlen(c.roles[i]);
		for (size_t i = 0; i < c.n_permissions; i++)
			sink += strlen(c.permissions[i]);
		if (c.act_sub)
			sink += strlen(c.act_sub);
	}
	wo_jwt_claims_clear(&c);
	wo_jwt_claims_clear(&c);
	sink += strnlen(err.message, sizeof(err.message));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wo_jwt_parts parts;
	struct wo_error err = WO_ERROR_INIT;

	memset(&parts, 0, sizeof(parts));
	if (wo_jwt_decode_unverified((const char *)data, size, &parts, &err) == 0) {
		sink += strlen(parts.kid) + parts.signed_len + parts.sig_len;
		if (parts.sig_len)
			sink += parts.sig[parts.sig_len - 1];
		claims((const char *)parts.payload, parts.payload_len);
	}
	wo_jwt_parts_clear(&parts);
	wo_jwt_parts_clear(&parts);
	claims((const char *)data, size);
	return 0;
}
