/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: every typed decoder of lib/decode.h.  The first byte
 * picks the decoder, the rest is the response body as it came off the
 * network.  On success the fields a caller reads are touched, then the
 * struct is cleared twice (clearing must be idempotent).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "workos_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static void touch_user(const struct wo_user *u)
{
	sink += touch(u->id) + touch(u->email) + touch(u->first_name) + touch(u->last_name) +
		touch(u->external_id) + touch(wo_user_metadata(u, "unix_name"));
	for (size_t i = 0; i < u->metadata_count; i++)
		sink += touch(u->metadata[i].key) + touch(u->metadata[i].value);
}

static void touch_factor(const struct wo_factor *f)
{
	sink += touch(f->id) + touch(f->type) + touch(f->user_id) + touch(f->totp_issuer) +
		touch(f->totp_user);
}

static void touch_membership(const struct wo_membership *m)
{
	sink += touch(m->id) + touch(m->user_id) + touch(m->organization_id) + touch(m->status) +
		touch(m->role) + wo_membership_is_active(m);
	for (size_t i = 0; i < m->role_count; i++)
		sink += touch(m->roles[i]);
	if (m->user)
		touch_user(m->user);
}

/* One decoder run: D decodes into a local of type T, U touches it, C clears. */
#define RUN(T, D, U, C)                                                                            \
	do {                                                                                       \
		T v;                                                                               \
		if (D(body, len, &v, &err) == 0) {                                                 \
			U;                                                                         \
			C(&v);                                                                     \
		}                                                                                  \
		C(&v);                                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wo_error err = WO_ERROR_INIT;
	const char *body;
	size_t len;

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 12) {
	case 0:
		RUN(
		    struct wo_api_error, wo_decode_api_error,
		    {
			    sink += touch(v.code) + touch(v.message) +
				    touch(v.pending_authentication_token) + touch(v.email) +
				    touch(v.email_verification_id);
			    for (size_t i = 0; i < v.authentication_factor_count; i++)
				    touch_factor(&v.authentication_factors[i]);
			    for (size_t i = 0; i < v.organization_count; i++)
				    sink += touch(v.organizations[i].id) +
					    touch(v.organizations[i].name);
			    for (size_t i = 0; i < v.connection_id_count; i++)
				    sink += touch(v.connection_ids[i]);
			    if (v.user)
				    touch_user(v.user);
		    },
		    wo_api_error_clear);
		break;
	case 1:
		RUN(struct wo_device_authorization, wo_decode_device_authorization,
		    sink += touch(v.device_code) + touch(v.user_code) + touch(v.verification_uri) +
			    touch(v.verification_uri_complete) + (size_t)v.expires_in +
			    (size_t)v.interval,
		    wo_device_authorization_clear);
		break;
	case 2:
		RUN(
		    struct wo_authentication, wo_decode_authentication,
		    {
			    touch_user(&v.user);
			    sink += touch(v.organization_id) + touch(v.access_token) +
				    touch(v.refresh_token) + touch(v.authentication_method);
			    if (v.impersonator)
				    sink += touch(v.impersonator->email) +
					    touch(v.impersonator->reason);
		    },
		    wo_authentication_clear);
		break;
	case 3:
		RUN(struct wo_challenge, wo_decode_challenge,
		    sink += touch(v.id) + touch(v.authentication_factor_id) + touch(v.expires_at),
		    wo_challenge_clear);
		break;
	case 4:
		RUN(struct wo_verification, wo_decode_verification,
		    sink += touch(v.challenge.id) + touch(v.challenge.expires_at) + v.valid,
		    wo_verification_clear);
		break;
	case 5:
		RUN(
		    struct wo_enrollment, wo_decode_enrollment,
		    {
			    touch_factor(&v.factor);
			    sink +=
				touch(v.totp_secret) + touch(v.totp_uri) + touch(v.challenge_id);
		    },
		    wo_enrollment_clear);
		break;
	case 6:
		RUN(
		    struct wo_factor_list, wo_decode_factor_list,
		    {
			    for (size_t i = 0; i < v.count; i++)
				    touch_factor(&v.items[i]);
			    sink += touch(v.list_metadata.before) + touch(v.list_metadata.after);
		    },
		    wo_factor_list_clear);
		break;
	case 7:
		RUN(struct wo_user, wo_decode_user, touch_user(&v), wo_user_clear);
		break;
	case 8:
		RUN(struct wo_organization, wo_decode_organization,
		    sink += touch(v.id) + touch(v.name), wo_organization_clear);
		break;
	case 9:
		RUN(struct wo_membership, wo_decode_membership, touch_membership(&v),
		    wo_membership_clear);
		break;
	case 10:
		RUN(
		    struct wo_user_list, wo_decode_user_list,
		    {
			    for (size_t i = 0; i < v.count; i++)
				    touch_user(&v.items[i]);
			    sink += touch(v.list_metadata.before) + touch(v.list_metadata.after);
		    },
		    wo_user_list_clear);
		break;
	case 11:
		RUN(
		    struct wo_membership_list, wo_decode_membership_list,
		    {
			    for (size_t i = 0; i < v.count; i++)
				    touch_membership(&v.items[i]);
			    sink += touch(v.list_metadata.after);
		    },
		    wo_membership_list_clear);
		break;
	}
	/* A message always fits and is terminated. */
	sink += strnlen(err.message, sizeof(err.message));
	return 0;
}
