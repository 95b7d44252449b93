/* SPDX-License-Identifier: MIT */
/*
 * HTTP to the WorkOS API over libcurl.
 *
 * One `struct wo_http` per operation (a login, a sync run): it keeps its
 * connection alive between requests.  TLS is always verified (ca_file or the
 * system bundle, never the environment); plain HTTP is only possible to a
 * loopback host.  libcurl is told to ignore the proxy variables and never
 * to follow redirects.
 *
 * Every request is bounded: a per-request timeout (http_timeout) and an
 * optional absolute deadline for the whole operation that retries and
 * back-off sleeps never cross.  Idempotent requests are retried on network
 * errors and 5xx with exponential back-off and jitter; any request is
 * retried after a 429 when its Retry-After fits before the deadline (a 429
 * means the request was not processed).  Response bodies are capped in size
 * and wiped when freed, since they carry tokens.
 */
#ifndef WO_HTTP_H
#define WO_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"

struct wo_http;

enum wo_http_method {
	WO_HTTP_GET,
	WO_HTTP_POST,
	WO_HTTP_PUT,
	WO_HTTP_DELETE,
};

struct wo_http_request {
	enum wo_http_method method;
	const char *path;	  /* absolute path with an encoded query: "/users?limit=100" */
	const char *content_type; /* NULL when there is no body */
	const char *body;	  /* may hold secrets: the caller wipes it */
	size_t body_len;
	const char *bearer;	     /* API key for Authorization, or NULL */
	const char *idempotency_key; /* Idempotency-Key header, or NULL */
	bool idempotent;	     /* safe to send again after a failure */
};

struct wo_http_response {
	long status;
	char *body; /* NUL-terminated; free with wo_http_response_clear */
	size_t len;
};

/* Operation-wide counters, for benchmarks and tests. */
struct wo_http_stats {
	unsigned long requests; /* attempts actually sent, retries included */
	unsigned long connects; /* new connections opened */
};

/* Initialises OpenSSL (with the system's openssl.cnf named explicitly, so
 * OPENSSL_CONF is never read) and libcurl, once per process, without
 * touching the environment; refuses while SSLKEYLOGFILE is set (libcurl
 * would create that file and log TLS secrets to it).  For other libcurl
 * users in lib/ (wo_http_new does it). */
int wo_http_global_init(struct wo_error *err);

/* Prepares a client for cfg's API endpoint.  *out is for wo_http_free. */
int wo_http_new(const struct wo_config *cfg, struct wo_http **out, struct wo_error *err);
void wo_http_free(struct wo_http *h);

/* Bounds the whole operation: no request or retry wait goes beyond `seconds`
 * from now.  0 removes the bound (each request still has http_timeout). */
void wo_http_set_deadline(struct wo_http *h, unsigned seconds);

/* Seconds left before the deadline (UINT_MAX without one). */
unsigned wo_http_remaining(const struct wo_http *h);

/* An optional line-per-request trace ("GET /path -> 200 (12 ms)") for the
 * PAM `debug` option and verbose tools.  Lines never hold secrets, queries
 * or bodies. */
void wo_http_set_trace(struct wo_http *h, void (*fn)(void *ctx, const char *line), void *ctx);

/* Caps a response body (default 8 MiB). */
void wo_http_set_max_body(struct wo_http *h, size_t bytes);

/* Sends a request, retrying as described above.  Returns 0 when an HTTP
 * answer was read, whatever its status (the caller decodes error bodies,
 * including a 5xx that persisted through the retries); -1 with err when
 * none could be had: network, TLS, timeout, size cap, or rate limiting that
 * outlasted the retries or the deadline (err->http_status is then 429). */
int wo_http_send(struct wo_http *h, const struct wo_http_request *req,
		 struct wo_http_response *resp, struct wo_error *err);

void wo_http_response_clear(struct wo_http_response *resp);

/* "https://host[:port]": the API base URL, for token issuer checks. */
const char *wo_http_base_url(const struct wo_http *h);

void wo_http_get_stats(const struct wo_http *h, struct wo_http_stats *out);

/* Percent-encodes a query value (RFC 3986 unreserved characters kept).
 * Returns a heap string, or NULL when out of memory. */
char *wo_http_escape(const char *value);

#endif
