/* SPDX-License-Identifier: MIT */
/*
 * lib/http.h for the `pam` fuzz target, in place of lib/http.c: every
 * answer is the next HTTP frame of the fuzz input (fuzz_pam.h), and nothing
 * ever touches the network.  What callers can rely on is kept: the loopback
 * rule for plain HTTP, the deadline (on the virtual clock), the body cap,
 * NUL-terminated bodies wiped when cleared, a trace line per request.
 * Retries are not replayed: one frame answers one request.
 *
 * Every function of lib/http.h is defined here: the replay build links
 * lib/ from its archive, and one missing would pull the real http.o in
 * (a duplicate-symbol link error says so).
 */
#include "autoconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_pam.h"
#include "http.h"
#include "secret.h"

#define DEFAULT_MAX_BODY (8u * 1024 * 1024)
/* What one request costs on the virtual clock. */
#define REQUEST_MS 20

struct wo_http {
	char *base_url;
	unsigned timeout_s;
	size_t max_body;
	bool has_deadline;
	long long deadline_ms;
	void (*trace)(void *ctx, const char *line);
	void *trace_ctx;
	struct wo_http_stats stats;
};

int wo_http_global_init(struct wo_error *err)
{
	(void)err;
	return 0;
}

int wo_http_new(const struct wo_config *cfg, struct wo_http **out, struct wo_error *err)
{
	struct wo_http *h;
	const char *proto = cfg->api_https ? "https" : "http";
	bool v6 = strchr(cfg->api_hostname, ':') != NULL && cfg->api_hostname[0] != '[';
	int n;

	*out = NULL;
	if (!cfg->api_https && !wo_host_is_loopback(cfg->api_hostname))
		return wo_error_set(err, WO_ERR_CONFIG,
				    "plain HTTP is only allowed to a loopback address");
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	h->timeout_s = cfg->http_timeout;
	h->max_body = DEFAULT_MAX_BODY;
	if (cfg->api_port != 0)
		n = asprintf(&h->base_url, "%s://%s%s%s:%u", proto, v6 ? "[" : "",
			     cfg->api_hostname, v6 ? "]" : "", cfg->api_port);
	else
		n = asprintf(&h->base_url, "%s://%s%s%s", proto, v6 ? "[" : "", cfg->api_hostname,
			     v6 ? "]" : "");
	if (n < 0) {
		free(h);
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	*out = h;
	return 0;
}

void wo_http_free(struct wo_http *h)
{
	if (h == NULL)
		return;
	free(h->base_url);
	free(h);
}

void wo_http_set_deadline(struct wo_http *h, unsigned seconds)
{
	h->has_deadline = seconds > 0;
	h->deadline_ms = fz.now_ms + (long long)seconds * 1000;
}

unsigned wo_http_remaining(const struct wo_http *h)
{
	long long ms;

	if (!h->has_deadline)
		return UINT_MAX;
	ms = h->deadline_ms - fz.now_ms;
	return ms <= 0 ? 0 : (unsigned)(ms / 1000);
}

void wo_http_set_trace(struct wo_http *h, void (*fn)(void *ctx, const char *line), void *ctx)
{
	h->trace = fn;
	h->trace_ctx = ctx;
}

void wo_http_set_max_body(struct wo_http *h, size_t bytes)
{
	h->max_body = bytes;
}

const char *wo_http_base_url(const struct wo_http *h)
{
	return h->base_url;
}

void wo_http_get_stats(const struct wo_http *h, struct wo_http_stats *out)
{
	*out = h->stats;
}

void wo_http_response_clear(struct wo_http_response *resp)
{
	if (resp == NULL)
		return;
	if (resp->body != NULL)
		wo_secret_free_n(resp->body, resp->len + 1);
	resp->body = NULL;
	resp->len = 0;
	resp->status = 0;
}

char *wo_http_escape(const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(value) * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static const char *method_name(enum wo_http_method m)
{
	switch (m) {
	case WO_HTTP_GET:
		return "GET";
	case WO_HTTP_POST:
		return "POST";
	case WO_HTTP_PUT:
		return "PUT";
	case WO_HTTP_DELETE:
		return "DELETE";
	}
	return "?";
}

static bool path_has(const char *path, const char *prefix, const char *suffix)
{
	size_t n = strcspn(path, "?"), sl = suffix ? strlen(suffix) : 0;

	return strncmp(path, prefix, strlen(prefix)) == 0 &&
	       (suffix == NULL || (n >= sl && strncmp(path + n - sl, suffix, sl) == 0));
}

/* What the invariants need to know about the answers served. */
static void record(const struct wo_http_request *req, long status)
{
	if (status < 200 || status > 299)
		return;
	if (path_has(req->path, "/user_management/organization_memberships", NULL))
		fz.served_memberships_2xx++;
	else if (path_has(req->path, "/auth/challenges/", "/verify"))
		fz.served_verify_2xx++;
	else if (strcmp(req->path, "/user_management/authenticate") == 0)
		fz.served_authenticate_2xx++;
}

static void trace(struct wo_http *h, const struct wo_http_request *req, long status)
{
	char line[256];

	if (h->trace == NULL)
		return;
	/* Like lib/http.c: the path without its query, never a body. */
	snprintf(line, sizeof(line), "%s %.*s -> %ld", method_name(req->method),
		 (int)strcspn(req->path, "?"), req->path, status);
	h->trace(h->trace_ctx, line);
}

int wo_http_send(struct wo_http *h, const struct wo_http_request *req,
		 struct wo_http_response *resp, struct wo_error *err)
{
	const struct fz_frame *f;

	memset(resp, 0, sizeof(*resp));
	if (req->path == NULL || req->path[0] != '/')
		return wo_error_set(err, WO_ERR_SYSTEM, "internal error: bad request path");
	/* Requests carry secrets in bodies and headers, never in paths. */
	fz_check_no_secret("request path", req->path);
	if (req->body != NULL && req->content_type == NULL)
		abort();
	if (h->has_deadline && fz.now_ms >= h->deadline_ms)
		return wo_error_set(err, WO_ERR_NETWORK,
				    "gave up waiting for WorkOS: time limit reached");
	h->stats.requests++;
	fz.now_ms += REQUEST_MS;
	if (fz.next_http >= fz.n_http)
		return wo_error_set(err, WO_ERR_NETWORK, "connection refused (no more answers)");
	f = &fz.http[fz.next_http++];
	switch (f->kind) {
	case 0:
		return wo_error_set(err, WO_ERR_NETWORK, "connection reset");
	case 1:
		return wo_error_set(err, WO_ERR_TLS, "certificate verify failed");
	case 2:
		if (h->has_deadline && h->deadline_ms > fz.now_ms)
			fz.now_ms = h->deadline_ms;
		else
			fz.now_ms += (long long)h->timeout_s * 1000;
		return wo_error_set(err, WO_ERR_NETWORK, "timed out");
	default:
		if (f->kind < 100)
			return wo_error_set(err, WO_ERR_NETWORK, "connection failed");
		break;
	}
	if (f->kind == 429) {
		wo_error_set(err, WO_ERR_HTTP, "WorkOS is rate limiting requests (HTTP 429)");
		err->http_status = 429;
		return -1;
	}
	if (f->len > h->max_body)
		return wo_error_set(err, WO_ERR_HTTP, "WorkOS sent more than %zu bytes",
				    h->max_body);
	resp->body = malloc(f->len + 1);
	if (resp->body == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	memcpy(resp->body, f->body, f->len + 1);
	resp->len = f->len;
	resp->status = (long)f->kind;
	record(req, resp->status);
	trace(h, req, resp->status);
	return 0;
}
