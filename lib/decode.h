/* SPDX-License-Identifier: MIT */
/*
 * Typed decoders for WorkOS response bodies (lib/workos_types.h).
 *
 * Each decoder reads body[0..len) (need not be NUL-terminated), which must
 * be one JSON object as lib/json.h parses it, and fills *out.  On success
 * the caller owns *out and releases it with the type's _clear.  On failure
 * it returns -1, *out is left zeroed with nothing allocated, and err is
 * WO_ERR_DECODE with a message naming the object and field ("user: field
 * \"email\" is missing"), or WO_ERR_SYSTEM when memory ran out.
 *
 * Rules for every field: a required field that is absent, null, empty or of
 * the wrong type fails; optional fields may be absent or null; strings are
 * bounded (workos_types.h) and printable (wo_text_is_printable), ids and
 * slugs are [A-Za-z0-9_.-] and carry their documented prefix, tokens are
 * printable ASCII, integers are range-checked, arrays are bounded.  Fields
 * WorkOS adds later are ignored.  Secrets are never quoted in messages.
 * *out need not be initialised: it is zeroed first.
 *
 * Two exceptions, for data people type rather than data WorkOS makes: a
 * user's first_name and last_name are cleaned instead of refused (see
 * wo_user.names_cleaned), and in user and membership lists an item that
 * breaks a rule is left out and recorded in the list's `skipped` instead of
 * failing the page.  Everything else about a list page stays strict.
 */
#ifndef WO_DECODE_H
#define WO_DECODE_H

#include <stddef.h>

#include "error.h"
#include "workos_types.h"

/* Any error body: {code,message}, {error,error_description} or {message}.
 * At least one of code, error and message must be there; a body that is
 * not JSON (a proxy's HTML page, "Ratelimited") fails, and the caller falls
 * back on the HTTP status.  The code is held to the rules above; a message
 * that breaks them is dropped (out->message NULL) rather than failing the
 * body, since the code alone decides what happens next. */
int wo_decode_api_error(const char *body, size_t len, struct wo_api_error *out,
			struct wo_error *err);

int wo_decode_device_authorization(const char *body, size_t len,
				   struct wo_device_authorization *out, struct wo_error *err);
/* The 200 answer of /user_management/authenticate.  `user` is optional (the
 * device-code docs leave it out; out->user is then zeroed, user.id NULL);
 * token_type must be Bearer (any case) and expires_in a non-negative
 * integer when present. */
int wo_decode_authentication(const char *body, size_t len, struct wo_authentication *out,
			     struct wo_error *err);
int wo_decode_challenge(const char *body, size_t len, struct wo_challenge *out,
			struct wo_error *err);
int wo_decode_verification(const char *body, size_t len, struct wo_verification *out,
			   struct wo_error *err);
int wo_decode_enrollment(const char *body, size_t len, struct wo_enrollment *out,
			 struct wo_error *err);
int wo_decode_factor_list(const char *body, size_t len, struct wo_factor_list *out,
			  struct wo_error *err);
int wo_decode_user(const char *body, size_t len, struct wo_user *out, struct wo_error *err);
int wo_decode_organization(const char *body, size_t len, struct wo_organization *out,
			   struct wo_error *err);
int wo_decode_membership(const char *body, size_t len, struct wo_membership *out,
			 struct wo_error *err);
int wo_decode_user_list(const char *body, size_t len, struct wo_user_list *out,
			struct wo_error *err);
int wo_decode_membership_list(const char *body, size_t len, struct wo_membership_list *out,
			      struct wo_error *err);

/* A page of GET /events: strict like factor lists (no item is left out),
 * except that events of names other than the six user.* and
 * organization_membership.* ones are kept as WO_EVENT_OTHER, undecoded. */
int wo_decode_event_list(const char *body, size_t len, struct wo_event_list *out,
			 struct wo_error *err);

#endif
