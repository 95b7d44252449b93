/* SPDX-License-Identifier: MIT */
/*
 * The WorkOS API calls pam_workos makes, one function each.
 *
 * A client bundles the configuration, one HTTP connection (lib/http.h), the
 * API key when the operation needs one, and the JWKS cache.  Every call
 * sends JSON as the official API documents it, decodes the answer with
 * lib/decode.h and turns an error answer into a wo_error:
 *   - WO_ERR_API with .code and .http_status when WorkOS said why
 *     (the decoded body is also handed back where the caller needs its
 *     extra fields: pending tokens, factors, organizations);
 *   - WO_ERR_HTTP when it answered an unexpected status without a usable
 *     body; WO_ERR_CONFIG when it refused the API key or client id;
 *   - the transport's kinds (network, TLS) as lib/http.h reports them.
 * Messages from WorkOS are quoted only as the decoder let them through
 * (printable, bounded).
 */
#ifndef WO_API_H
#define WO_API_H

#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "http.h"
#include "jwt.h"
#include "workos_types.h"

struct wo_client;

enum wo_client_key {
	WO_KEY_NONE,	 /* public-client calls only (device flow, JWKS) */
	WO_KEY_OPTIONAL, /* load api_key_file when it exists; a present but
			    unsafe or unreadable file is still an error */
	WO_KEY_REQUIRED,
};

int wo_client_new(const struct wo_config *cfg, enum wo_client_key key, struct wo_client **out,
		  struct wo_error *err);
void wo_client_free(struct wo_client *c);

bool wo_client_has_api_key(const struct wo_client *c);
const struct wo_config *wo_client_config(const struct wo_client *c);
struct wo_http *wo_client_http(struct wo_client *c);

/* --- device authorization (RFC 8628), public client ---------------------- */

int wo_api_authorize_device(struct wo_client *c, struct wo_device_authorization *out,
			    struct wo_error *err);

enum wo_poll_result {
	WO_POLL_FAILED = -1, /* err says why */
	WO_POLL_PENDING,
	WO_POLL_SLOW_DOWN, /* pending, and poll 5 s slower from now on */
	WO_POLL_APPROVED,  /* *out holds the authentication response */
	WO_POLL_DENIED,	   /* the user refused */
	WO_POLL_EXPIRED,   /* the code expired */
};

enum wo_poll_result wo_api_poll_device(struct wo_client *c, const char *device_code,
				       struct wo_authentication *out, struct wo_error *err);

/* --- access tokens --------------------------------------------------------- */

/* Verifies an access token against the client's JWKS: RS256 signature,
 * times, an issuer of this WorkOS endpoint (or the configured token_issuer,
 * a custom auth domain), org_id equal to the configured organization, and a
 * sub that is a user_... id, equal to `user_id` unless user_id is NULL: then
 * the caller compares out->sub itself (with the account's recorded owner,
 * when the authentication answer carried no user). */
int wo_api_verify_access_token(struct wo_client *c, const char *token, const char *user_id,
			       struct wo_jwt_claims *out, struct wo_error *err);

/* --- confidential-client authentication (API key) --------------------------- */

/* On an authentication error (mfa_challenge, invalid_credentials...), these
 * return -1 with err->kind WO_ERR_API and fill *api_err with the decoded
 * body, whose pending_authentication_token and friends the next step needs.
 * api_err is for wo_api_error_clear in every case. */
int wo_api_authenticate_password(struct wo_client *c, const char *email, const char *password,
				 struct wo_authentication *out, struct wo_api_error *api_err,
				 struct wo_error *err);
int wo_api_authenticate_totp(struct wo_client *c, const char *pending_token,
			     const char *challenge_id, const char *code,
			     struct wo_authentication *out, struct wo_api_error *api_err,
			     struct wo_error *err);
int wo_api_authenticate_organization(struct wo_client *c, const char *pending_token,
				     const char *organization_id, struct wo_authentication *out,
				     struct wo_api_error *api_err, struct wo_error *err);

/* --- sessions ------------------------------------------------------------------- */

/* Ends the WorkOS session `session_id` (an access token's sid claim):
 * POST /user_management/sessions/revoke {"session_id"} with the API key,
 * 200 with no body (OpenAPI spec UserlandSessionsController_revokeSession;
 * the Node SDK's userManagement.revokeSession).  An unknown id is a 400
 * {"message"}: WO_ERR_HTTP with http_status 400.  Sent once, never
 * retried after a failure (a POST). */
int wo_api_revoke_session(struct wo_client *c, const char *session_id, struct wo_error *err);

/* --- MFA ---------------------------------------------------------------------- */

int wo_api_challenge_factor(struct wo_client *c, const char *factor_id, struct wo_challenge *out,
			    struct wo_error *err);
int wo_api_verify_challenge(struct wo_client *c, const char *challenge_id, const char *code,
			    struct wo_verification *out, struct wo_error *err);
int wo_api_enroll_totp(struct wo_client *c, const char *user_id, const char *issuer,
		       const char *totp_user, struct wo_enrollment *out, struct wo_error *err);
int wo_api_list_factors(struct wo_client *c, const char *user_id, struct wo_factor_list *out,
			struct wo_error *err);

/* --- directory ------------------------------------------------------------------ */

int wo_api_get_user(struct wo_client *c, const char *user_id, struct wo_user *out,
		    struct wo_error *err);
int wo_api_get_organization(struct wo_client *c, const char *org_id, struct wo_organization *out,
			    struct wo_error *err);

/* One page (limit=100, ascending) of the organization's users, after the
 * cursor `after` (NULL for the first page). */
int wo_api_list_users(struct wo_client *c, const char *org_id, const char *after,
		      struct wo_user_list *out, struct wo_error *err);

/* One page of memberships of an organization, of a user, or of a user in an
 * organization (either id may be NULL, not both).  `statuses` is NULL for
 * the API's default (active only) or a comma list ("active,inactive"). */
int wo_api_list_memberships(struct wo_client *c, const char *org_id, const char *user_id,
			    const char *statuses, const char *after, struct wo_membership_list *out,
			    struct wo_error *err);

/* One page of GET /events (DOCS events/list.mdx, SDK listEvents): the
 * comma list `events`, `order` sent always ("asc" or "desc": the spec's
 * default is desc, the docs' guide reads forward, so we never rely on
 * it), `limit` 1..100, and either `after` (an event id) or `range_start`
 * (ISO 8601; the docs make them mutually exclusive), both optional.  No
 * organization_id: the docs say user events are not organization
 * specific, so a filter could hide them; the caller filters memberships. */
int wo_api_list_events(struct wo_client *c, const char *events, const char *order, unsigned limit,
		       const char *after, const char *range_start, struct wo_event_list *out,
		       struct wo_error *err);

/* POST /audit_logs/events (workos-api-sources.md h; SDK auditLogs.createEvent)
 * with the API key: `json` is the whole request body, {organization_id,
 * event} (lib/audit.h), sent as is.  The Idempotency-Key makes a repeat
 * harmless (WorkOS answers it as the first for 24 h), so the request is
 * retried on network errors and 5xx like a GET.  200 {success}: 0.  Else
 * -1 with err, err->http_status set when WorkOS answered (400 and 422 for
 * an invalid event, 429 when rate limiting outlasted the retries). */
int wo_api_create_audit_event(struct wo_client *c, const char *json, size_t len,
			      const char *idempotency_key, struct wo_error *err);

#endif
