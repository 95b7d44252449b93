/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "body.h"
#include "decode.h"
#include "jwks.h"
#include "secret.h"

#define DEVICE_CODE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define TOTP_GRANT	  "urn:workos:oauth:grant-type:mfa-totp"
#define ORG_GRANT	  "urn:workos:oauth:grant-type:organization-selection"
#define JSON_TYPE	  "application/json"
#define PATH_MAX_LEN	  1024

struct wo_client {
	const struct wo_config *cfg;
	struct wo_http *http;
	char *api_key; /* SECRET; NULL when not loaded */
	struct wo_jwks_cache *jwks;
};

/* --- client ---------------------------------------------------------------- */

static int fetch_jwks(void *ctx, char **body, size_t *len, struct wo_error *err);

int wo_client_new(const struct wo_config *cfg, enum wo_client_key key, struct wo_client **out,
		  struct wo_error *err)
{
	struct wo_client *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	c->cfg = cfg;
	if (wo_http_new(cfg, &c->http, err) != 0)
		goto fail;
	if (key == WO_KEY_REQUIRED || (key == WO_KEY_OPTIONAL && wo_config_has_api_key(cfg))) {
		if (wo_config_read_api_key(cfg, &c->api_key, err) != 0)
			goto fail;
	}
	if (wo_jwks_cache_new(fetch_jwks, c, WO_JWKS_REFETCH_INTERVAL, &c->jwks, err) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	wo_client_free(c);
	return -1;
}

void wo_client_free(struct wo_client *c)
{
	if (c == NULL)
		return;
	wo_jwks_cache_free(c->jwks);
	wo_http_free(c->http);
	wo_secret_free(c->api_key);
	free(c);
}

bool wo_client_has_api_key(const struct wo_client *c)
{
	return c->api_key != NULL;
}

const struct wo_config *wo_client_config(const struct wo_client *c)
{
	return c->cfg;
}

struct wo_http *wo_client_http(struct wo_client *c)
{
	return c->http;
}

/* --- requests ---------------------------------------------------------------- */

/* Turns a non-2xx answer into err (and *api_err when asked for). */
static int answer_error(struct wo_client *c, const char *what, bool sent_key,
			const struct wo_http_response *resp, struct wo_api_error *api_err,
			struct wo_error *err)
{
	struct wo_api_error local = {0};
	struct wo_api_error *e = api_err ? api_err : &local;
	struct wo_error ignored = WO_ERROR_INIT;

	wo_api_error_clear(e);
	/* A body that is not the documented error object still leaves us the
	 * HTTP status, which is what the messages below fall back on. */
	wo_decode_api_error(resp->body, resp->len, e, &ignored);

	if (resp->status == 401 && !sent_key) {
		wo_error_set(err, WO_ERR_CONFIG, "WorkOS refused client_id %s (HTTP 401) while %s",
			     c->cfg->client_id, what);
	} else if (resp->status == 401) {
		wo_error_set(err, WO_ERR_CONFIG,
			     "WorkOS refused the API key from %s (HTTP 401) while %s",
			     c->cfg->api_key_file, what);
	} else if (e->code != NULL && strcmp(e->code, "invalid_client") == 0) {
		/* The token endpoints answer a bad client_id, or a client_secret
		 * that is not the API key, with 400 invalid_client (RFC 6749
		 * section 5.2), not 401: that too is the admin's to fix. */
		if (c->api_key != NULL)
			wo_error_set(err, WO_ERR_CONFIG,
				     "WorkOS refused client_id %s or the API key from %s while %s",
				     c->cfg->client_id, c->cfg->api_key_file, what);
		else
			wo_error_set(err, WO_ERR_CONFIG,
				     "WorkOS does not know client_id %s (while %s)",
				     c->cfg->client_id, what);
		snprintf(err->code, sizeof(err->code), "%s", e->code);
	} else if (e->code != NULL) {
		if (e->message != NULL)
			wo_error_set(err, WO_ERR_API, "WorkOS %s: %s (%s)", what, e->message,
				     e->code);
		else
			wo_error_set(err, WO_ERR_API, "WorkOS %s: %s", what, e->code);
		snprintf(err->code, sizeof(err->code), "%s", e->code);
	} else if (e->message != NULL) {
		/* {"message": "..."} alone: 404s and some 4xx say only this. */
		wo_error_set(err, WO_ERR_HTTP, "WorkOS answered HTTP %ld while %s: %s",
			     resp->status, what, e->message);
	} else {
		wo_error_set(err, WO_ERR_HTTP, "WorkOS answered HTTP %ld while %s", resp->status,
			     what);
	}
	err->http_status = resp->status;
	wo_api_error_clear(&local);
	return -1;
}

/*
 * Sends a request and checks for a 2xx answer.  On success *resp holds the
 * body (wo_http_response_clear it); on failure it is already cleared and
 * err says why.  `what` completes "while ..." in messages.
 */
static int call(struct wo_client *c, const struct wo_http_request *req, const char *what,
		struct wo_http_response *resp, struct wo_api_error *api_err, struct wo_error *err)
{
	if (wo_http_send(c->http, req, resp, err) != 0)
		return wo_error_prefix(err, "%s", what);
	if (resp->status >= 200 && resp->status < 300)
		return 0;
	answer_error(c, what, req->bearer != NULL, resp, api_err, err);
	wo_http_response_clear(resp);
	return -1;
}

static int need_key(struct wo_client *c, struct wo_error *err)
{
	if (c->api_key != NULL)
		return 0;
	return wo_error_set(err, WO_ERR_CONFIG, "an API key is needed (api_key_file %s)",
			    c->cfg->api_key_file);
}

static int get(struct wo_client *c, const char *path, const char *what,
	       struct wo_http_response *resp, struct wo_error *err)
{
	struct wo_http_request req = {
	    .method = WO_HTTP_GET,
	    .path = path,
	    .bearer = c->api_key,
	    .idempotent = true,
	};

	return call(c, &req, what, resp, NULL, err);
}

/* POSTs a finished JSON body, then wipes it. */
static int post(struct wo_client *c, const char *path, struct wo_body *body, bool with_key,
		const char *what, struct wo_http_response *resp, struct wo_api_error *api_err,
		struct wo_error *err)
{
	struct wo_http_request req = {
	    .method = WO_HTTP_POST,
	    .path = path,
	    .content_type = JSON_TYPE,
	    .bearer = with_key ? c->api_key : NULL,
	    .idempotent = false,
	};
	int rc;

	if (wo_body_finish(body, err) != 0) {
		wo_body_clear(body);
		return -1;
	}
	req.body = body->buf;
	req.body_len = body->len;
	rc = call(c, &req, what, resp, api_err, err);
	wo_body_clear(body);
	return rc;
}

/* Builds a path from a format whose %s arguments are escaped segments or
 * query values.  Returns -1 when it does not fit or memory runs out. */
static int build_path(char *buf, size_t size, struct wo_error *err, const char *fmt, int n, ...)
    __attribute__((format(printf, 4, 0)));
static int build_path(char *buf, size_t size, struct wo_error *err, const char *fmt, int n, ...)
{
	char *esc[4] = {NULL, NULL, NULL, NULL};
	va_list ap;
	int rc = -1, len;

	if (n > 4)
		return wo_error_set(err, WO_ERR_SYSTEM, "internal error: too many path parts");
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *v = va_arg(ap, const char *);
		esc[i] = wo_http_escape(v ? v : "");
		if (esc[i] == NULL) {
			wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			goto out;
		}
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	len = snprintf(buf, size, fmt, esc[0], esc[1], esc[2], esc[3]);
#pragma GCC diagnostic pop
	if (len < 0 || (size_t)len >= size) {
		wo_error_set(err, WO_ERR_SYSTEM, "request path too long");
		goto out;
	}
	rc = 0;
out:
	va_end(ap);
	for (int i = 0; i < 4; i++)
		free(esc[i]);
	return rc;
}

/* --- device flow -------------------------------------------------------------- */

int wo_api_authorize_device(struct wo_client *c, struct wo_device_authorization *out,
			    struct wo_error *err)
{
	struct wo_http_response resp;
	struct wo_body body;
	int rc;

	memset(out, 0, sizeof(*out));
	wo_body_init(&body);
	wo_body_string(&body, "client_id", c->cfg->client_id);
	if (post(c, "/user_management/authorize/device", &body, false,
		 "starting the device sign-in", &resp, NULL, err) != 0)
		return -1;
	rc = wo_decode_device_authorization(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

enum wo_poll_result wo_api_poll_device(struct wo_client *c, const char *device_code,
				       struct wo_authentication *out, struct wo_error *err)
{
	static const struct {
		const char *code;
		enum wo_poll_result result;
	} outcomes[] = {
	    {"authorization_pending", WO_POLL_PENDING},
	    {"slow_down", WO_POLL_SLOW_DOWN},
	    {"access_denied", WO_POLL_DENIED},
	    {"expired_token", WO_POLL_EXPIRED},
	};
	struct wo_http_response resp;
	struct wo_body body;

	memset(out, 0, sizeof(*out));
	wo_body_init(&body);
	wo_body_string(&body, "grant_type", DEVICE_CODE_GRANT);
	wo_body_string(&body, "device_code", device_code);
	wo_body_string(&body, "client_id", c->cfg->client_id);
	if (post(c, "/user_management/authenticate", &body, false, "waiting for approval", &resp,
		 NULL, err) != 0) {
		if (err->kind == WO_ERR_API)
			for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
				if (strcmp(err->code, outcomes[i].code) == 0)
					return outcomes[i].result;
		return WO_POLL_FAILED;
	}
	if (wo_decode_authentication(resp.body, resp.len, out, err) != 0) {
		wo_http_response_clear(&resp);
		return WO_POLL_FAILED;
	}
	wo_http_response_clear(&resp);
	return WO_POLL_APPROVED;
}

/* --- tokens ------------------------------------------------------------------------ */

static int fetch_jwks(void *ctx, char **body, size_t *len, struct wo_error *err)
{
	struct wo_client *c = ctx;
	struct wo_http_request req = {.method = WO_HTTP_GET, .idempotent = true};
	struct wo_http_response resp;
	char path[PATH_MAX_LEN];

	*body = NULL;
	*len = 0;
	if (build_path(path, sizeof(path), err, "/sso/jwks/%s", 1, c->cfg->client_id) != 0)
		return -1;
	req.path = path;
	/* The key set is public: no API key is sent for it. */
	if (call(c, &req, "fetching the signing keys", &resp, NULL, err) != 0) {
		if (err->http_status == 404)
			wo_error_set(err, WO_ERR_CONFIG,
				     "WorkOS does not know client_id %s (no signing keys)",
				     c->cfg->client_id);
		return -1;
	}
	*body = resp.body;
	*len = resp.len;
	return 0;
}

int wo_api_verify_access_token(struct wo_client *c, const char *token, const char *user_id,
			       struct wo_jwt_claims *out, struct wo_error *err)
{
	/* WorkOS's issuer has been seen as the API origin, with or without a
	 * slash, and as <origin>/user_management/<client_id>; accept those for
	 * the configured endpoint and for api.workos.com, and the configured
	 * token_issuer (a custom auth domain), nothing else.  The signature
	 * check against this client's own key set is what binds the token to
	 * us. */
	const char *origins[2] = {wo_http_base_url(c->http), "https://api.workos.com"};
	const char *custom = c->cfg->token_issuer;
	char issuers_buf[8][512];
	const char *issuers[9];
	struct wo_jwt_expect expect = {
	    .now = time(NULL),
	    .skew = WO_JWT_DEFAULT_SKEW,
	    .issuers = issuers,
	    .org_id = c->cfg->organization_id,
	    .sub = user_id,
	};
	int n = 0;

	for (int i = 0; i < 2; i++) {
		snprintf(issuers_buf[n], sizeof(issuers_buf[n]), "%s", origins[i]);
		issuers[n] = issuers_buf[n];
		n++;
		snprintf(issuers_buf[n], sizeof(issuers_buf[n]), "%s/", origins[i]);
		issuers[n] = issuers_buf[n];
		n++;
		snprintf(issuers_buf[n], sizeof(issuers_buf[n]), "%s/user_management/%s",
			 origins[i], c->cfg->client_id);
		issuers[n] = issuers_buf[n];
		n++;
	}
	/* As configured, and with or without its trailing slash like the
	 * others (config.c bounds it well inside the buffers). */
	if (custom != NULL && custom[0] != '\0') {
		size_t len = strlen(custom);

		snprintf(issuers_buf[n], sizeof(issuers_buf[n]), "%s", custom);
		issuers[n] = issuers_buf[n];
		n++;
		if (custom[len - 1] == '/')
			snprintf(issuers_buf[n], sizeof(issuers_buf[n]), "%.*s", (int)(len - 1),
				 custom);
		else
			snprintf(issuers_buf[n], sizeof(issuers_buf[n]), "%s/", custom);
		issuers[n] = issuers_buf[n];
		n++;
	}
	issuers[n] = NULL;
	return wo_jwt_verify(c->jwks, token, &expect, out, err);
}

/* --- confidential-client grants ------------------------------------------------------ */

static int authenticate(struct wo_client *c, struct wo_body *body, const char *what,
			struct wo_authentication *out, struct wo_api_error *api_err,
			struct wo_error *err)
{
	struct wo_http_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0) {
		wo_body_clear(body);
		return -1;
	}
	wo_body_string(body, "client_id", c->cfg->client_id);
	wo_body_string(body, "client_secret", c->api_key);
	if (post(c, "/user_management/authenticate", body, false, what, &resp, api_err, err) != 0)
		return -1;
	rc = wo_decode_authentication(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_authenticate_password(struct wo_client *c, const char *email, const char *password,
				 struct wo_authentication *out, struct wo_api_error *api_err,
				 struct wo_error *err)
{
	struct wo_body body;

	wo_body_init(&body);
	wo_body_string(&body, "grant_type", "password");
	wo_body_string(&body, "email", email);
	wo_body_string(&body, "password", password);
	return authenticate(c, &body, "checking the password", out, api_err, err);
}

int wo_api_authenticate_totp(struct wo_client *c, const char *pending_token,
			     const char *challenge_id, const char *code,
			     struct wo_authentication *out, struct wo_api_error *api_err,
			     struct wo_error *err)
{
	struct wo_body body;

	wo_body_init(&body);
	wo_body_string(&body, "grant_type", TOTP_GRANT);
	wo_body_string(&body, "pending_authentication_token", pending_token);
	wo_body_string(&body, "authentication_challenge_id", challenge_id);
	wo_body_string(&body, "code", code);
	return authenticate(c, &body, "checking the one-time code", out, api_err, err);
}

int wo_api_authenticate_organization(struct wo_client *c, const char *pending_token,
				     const char *organization_id, struct wo_authentication *out,
				     struct wo_api_error *api_err, struct wo_error *err)
{
	struct wo_body body;

	wo_body_init(&body);
	wo_body_string(&body, "grant_type", ORG_GRANT);
	wo_body_string(&body, "pending_authentication_token", pending_token);
	wo_body_string(&body, "organization_id", organization_id);
	return authenticate(c, &body, "selecting the organization", out, api_err, err);
}

/* --- sessions ----------------------------------------------------------------------------- */

int wo_api_revoke_session(struct wo_client *c, const char *session_id, struct wo_error *err)
{
	struct wo_http_response resp;
	struct wo_body body;

	if (need_key(c, err) != 0)
		return -1;
	if (session_id == NULL || session_id[0] == '\0')
		return wo_error_set(err, WO_ERR_SYSTEM, "internal error: no session to end");
	/* SPEC POST /user_management/sessions/revoke (UserlandRevokeSessionDto:
	 * session_id required, return_to optional and only for browsers);
	 * SDK revokeSession posts {session_id} and returns nothing.  The 200
	 * has no body: there is nothing to decode. */
	wo_body_init(&body);
	wo_body_string(&body, "session_id", session_id);
	if (post(c, "/user_management/sessions/revoke", &body, true, "ending the WorkOS session",
		 &resp, NULL, err) != 0)
		return -1;
	wo_http_response_clear(&resp);
	return 0;
}

/* --- MFA ------------------------------------------------------------------------------- */

int wo_api_challenge_factor(struct wo_client *c, const char *factor_id, struct wo_challenge *out,
			    struct wo_error *err)
{
	struct wo_http_response resp;
	struct wo_body body;
	char path[PATH_MAX_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0 ||
	    build_path(path, sizeof(path), err, "/auth/factors/%s/challenge", 1, factor_id) != 0)
		return -1;
	/* The endpoint wants a JSON body even when, as for TOTP, it is empty. */
	wo_body_init(&body);
	if (post(c, path, &body, true, "starting the one-time code challenge", &resp, NULL, err) !=
	    0)
		return -1;
	rc = wo_decode_challenge(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_verify_challenge(struct wo_client *c, const char *challenge_id, const char *code,
			    struct wo_verification *out, struct wo_error *err)
{
	struct wo_http_response resp;
	struct wo_body body;
	char path[PATH_MAX_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0 ||
	    build_path(path, sizeof(path), err, "/auth/challenges/%s/verify", 1, challenge_id) != 0)
		return -1;
	wo_body_init(&body);
	wo_body_string(&body, "code", code);
	if (post(c, path, &body, true, "checking the one-time code", &resp, NULL, err) != 0)
		return -1;
	rc = wo_decode_verification(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_enroll_totp(struct wo_client *c, const char *user_id, const char *issuer,
		       const char *totp_user, struct wo_enrollment *out, struct wo_error *err)
{
	struct wo_http_response resp;
	struct wo_body body;
	char path[PATH_MAX_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0 ||
	    build_path(path, sizeof(path), err, "/user_management/users/%s/auth_factors", 1,
		       user_id) != 0)
		return -1;
	wo_body_init(&body);
	wo_body_string(&body, "type", "totp");
	wo_body_string_opt(&body, "totp_issuer", issuer);
	wo_body_string_opt(&body, "totp_user", totp_user);
	if (post(c, path, &body, true, "enrolling an authenticator", &resp, NULL, err) != 0)
		return -1;
	rc = wo_decode_enrollment(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_list_factors(struct wo_client *c, const char *user_id, struct wo_factor_list *out,
			struct wo_error *err)
{
	struct wo_http_response resp;
	char path[PATH_MAX_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0 ||
	    build_path(path, sizeof(path), err,
		       "/user_management/users/%s/auth_factors?limit=100&order=asc", 1,
		       user_id) != 0 ||
	    get(c, path, "listing authenticators", &resp, err) != 0)
		return -1;
	rc = wo_decode_factor_list(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

/* --- directory ------------------------------------------------------------------------ */

int wo_api_get_user(struct wo_client *c, const char *user_id, struct wo_user *out,
		    struct wo_error *err)
{
	struct wo_http_response resp;
	char path[PATH_MAX_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0 ||
	    build_path(path, sizeof(path), err, "/user_management/users/%s", 1, user_id) != 0 ||
	    get(c, path, "reading a user", &resp, err) != 0)
		return -1;
	rc = wo_decode_user(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_get_organization(struct wo_client *c, const char *org_id, struct wo_organization *out,
			    struct wo_error *err)
{
	struct wo_http_response resp;
	char path[PATH_MAX_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0 ||
	    build_path(path, sizeof(path), err, "/organizations/%s", 1, org_id) != 0 ||
	    get(c, path, "reading the organization", &resp, err) != 0)
		return -1;
	rc = wo_decode_organization(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_list_users(struct wo_client *c, const char *org_id, const char *after,
		      struct wo_user_list *out, struct wo_error *err)
{
	struct wo_http_response resp;
	char path[PATH_MAX_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0)
		return -1;
	if (after != NULL)
		rc = build_path(path, sizeof(path), err,
				"/user_management/users?organization_id=%s&limit=100&order=asc"
				"&after=%s",
				2, org_id, after);
	else
		rc = build_path(path, sizeof(path), err,
				"/user_management/users?organization_id=%s&limit=100&order=asc", 1,
				org_id);
	if (rc != 0 || get(c, path, "listing users", &resp, err) != 0)
		return -1;
	rc = wo_decode_user_list(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_list_memberships(struct wo_client *c, const char *org_id, const char *user_id,
			    const char *statuses, const char *after, struct wo_membership_list *out,
			    struct wo_error *err)
{
	struct wo_http_response resp;
	char path[PATH_MAX_LEN], extra[PATH_MAX_LEN] = "";
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0)
		return -1;
	if (org_id == NULL && user_id == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "internal error: memberships need a user or an organization");
	/* Optional parameters go into `extra` one by one, escaped. */
	if (statuses != NULL && build_path(extra + strlen(extra), sizeof(extra) - strlen(extra),
					   err, "&statuses=%s", 1, statuses) != 0)
		return -1;
	if (after != NULL && build_path(extra + strlen(extra), sizeof(extra) - strlen(extra), err,
					"&after=%s", 1, after) != 0)
		return -1;
	if (org_id != NULL && user_id != NULL)
		rc = build_path(path, sizeof(path), err,
				"/user_management/organization_memberships?organization_id=%s"
				"&user_id=%s&limit=100&order=asc",
				2, org_id, user_id);
	else
		rc = build_path(path, sizeof(path), err,
				org_id ? "/user_management/organization_memberships?"
					 "organization_id=%s&limit=100&order=asc"
				       : "/user_management/organization_memberships?"
					 "user_id=%s&limit=100&order=asc",
				1, org_id ? org_id : user_id);
	if (rc != 0)
		return -1;
	if (strlen(path) + strlen(extra) >= sizeof(path))
		return wo_error_set(err, WO_ERR_SYSTEM, "request path too long");
	strcat(path, extra);
	if (get(c, path, "listing organization memberships", &resp, err) != 0)
		return -1;
	rc = wo_decode_membership_list(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

int wo_api_list_events(struct wo_client *c, const char *events, const char *order, unsigned limit,
		       const char *after, const char *range_start, struct wo_event_list *out,
		       struct wo_error *err)
{
	struct wo_http_response resp;
	char path[PATH_MAX_LEN], lim[16];
	int rc;

	memset(out, 0, sizeof(*out));
	if (need_key(c, err) != 0)
		return -1;
	if (events == NULL || events[0] == '\0' || order == NULL || limit < 1 || limit > 100 ||
	    (after != NULL && range_start != NULL))
		return wo_error_set(err, WO_ERR_SYSTEM, "internal error: bad events request");
	snprintf(lim, sizeof(lim), "%u", limit);
	if (after != NULL)
		rc = build_path(path, sizeof(path), err,
				"/events?events=%s&order=%s&limit=%s&after=%s", 4, events, order,
				lim, after);
	else if (range_start != NULL)
		rc = build_path(path, sizeof(path), err,
				"/events?events=%s&order=%s&limit=%s&range_start=%s", 4, events,
				order, lim, range_start);
	else
		rc = build_path(path, sizeof(path), err, "/events?events=%s&order=%s&limit=%s", 3,
				events, order, lim);
	if (rc != 0 || get(c, path, "listing events", &resp, err) != 0)
		return -1;
	rc = wo_decode_event_list(resp.body, resp.len, out, err);
	wo_http_response_clear(&resp);
	return rc;
}

/* --- Audit Logs -------------------------------------------------------------------------- */

int wo_api_create_audit_event(struct wo_client *c, const char *json, size_t len,
			      const char *idempotency_key, struct wo_error *err)
{
	struct wo_http_request req = {
	    .method = WO_HTTP_POST,
	    .path = "/audit_logs/events",
	    .content_type = JSON_TYPE,
	    .body = json,
	    .body_len = len,
	    .idempotency_key = idempotency_key,
	    /* DOCS: a repeated key returns the first answer and stores
	     * nothing new, so a retry never makes a second event. */
	    .idempotent = idempotency_key != NULL,
	};
	struct wo_http_response resp;

	if (need_key(c, err) != 0)
		return -1;
	req.bearer = c->api_key;
	if (call(c, &req, "sending an audit event", &resp, NULL, err) != 0)
		return -1;
	wo_http_response_clear(&resp);
	return 0;
}
