/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "http.h"
#include "secret.h"

#define DEFAULT_MAX_BODY   (8u * 1024 * 1024)
#define MAX_ATTEMPTS	   3
#define BACKOFF_BASE_MS	   250
#define RETRY_AFTER_MAX_S  60 /* longer waits fail instead: a login cannot sit that long */
#define CONNECT_TIMEOUT_MS 5000

struct wo_http {
	CURL *curl;
	char *base_url; /* scheme://host[:port], no trailing slash */
	char *ca_file;
	unsigned timeout_s;
	size_t max_body;
	bool has_deadline;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	void (*trace)(void *ctx, const char *line);
	void *trace_ctx;
	struct wo_http_stats stats;
	char curl_error[CURL_ERROR_SIZE];
	/* Per-attempt state filled by the curl callbacks. */
	struct wo_http_response *resp;
	size_t cap;
	bool too_big;
	long retry_after; /* seconds, -1 when absent */
};

/* --- global initialisation ------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

/*
 * Two variables would let whoever controls our environment steer the TLS
 * stack.  Under sudo or su the environment belongs to the invoking user,
 * and changing it here is not ours to do (the host program, or another of
 * its threads, may be reading it), so neither is touched:
 *  - OPENSSL_CONF: libcrypto reads that file (once per process, at its
 *    first initialisation) instead of the system one, and it can restrict
 *    or weaken every handshake, or load providers and engines.  We
 *    initialise libcrypto first, naming the system file (OPENSSLDIR's
 *    openssl.cnf) ourselves, so the variable is never consulted;
 *  - SSLKEYLOGFILE: libcurl's global initialisation creates that file and
 *    appends every TLS session key to it, and no libcurl option turns that
 *    off: root would create a file of the user's choosing (/etc/nologin,
 *    say) and write TLS secrets to it.  So while it is set we refuse to
 *    initialise libcurl at all: the login fails closed and says why.
 */
static void curl_init_once(void)
{
	OPENSSL_INIT_SETTINGS *settings = OPENSSL_INIT_new();
	char conf[PATH_MAX];

	snprintf(conf, sizeof(conf), "%s/openssl.cnf", X509_get_default_cert_area());
	if (settings == NULL || OPENSSL_INIT_set_config_filename(settings, conf) != 1 ||
	    OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, settings) != 1) {
		OPENSSL_INIT_free(settings);
		return; /* curl_init_result stays CURLE_FAILED_INIT */
	}
	OPENSSL_INIT_free(settings);
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int wo_http_global_init(struct wo_error *err)
{
	const char *keylog = getenv("SSLKEYLOGFILE");

	/* Checked on every call, before the once: a process that unsets it
	 * may go on. */
	if (keylog != NULL && keylog[0] != '\0')
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "SSLKEYLOGFILE is set in the environment: libcurl would "
				    "create that file and write TLS secrets to it; refusing to "
				    "start TLS (unset it)");
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot initialise libcurl and OpenSSL: %s",
				    curl_easy_strerror(curl_init_result));
	return 0;
}

/* --- time ------------------------------------------------------------------ */

static struct timespec now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

static long long ms_between(struct timespec a, struct timespec b)
{
	return (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

/* Milliseconds before the deadline; LLONG_MAX without one. */
static long long remaining_ms(const struct wo_http *h)
{
	if (!h->has_deadline)
		return LLONG_MAX;
	return ms_between(now_monotonic(), h->deadline);
}

void wo_http_set_deadline(struct wo_http *h, unsigned seconds)
{
	h->has_deadline = seconds > 0;
	h->deadline = now_monotonic();
	h->deadline.tv_sec += seconds;
}

unsigned wo_http_remaining(const struct wo_http *h)
{
	long long ms = remaining_ms(h);

	if (ms == LLONG_MAX)
		return UINT_MAX;
	return ms <= 0 ? 0 : (unsigned)(ms / 1000);
}

static void sleep_ms(long long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* --- setup ------------------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct wo_http *h = userdata;
	struct wo_http_response *r = h->resp;
	size_t n = size * nmemb;

	if (n > h->max_body - r->len) {
		h->too_big = true;
		return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > h->cap) {
		/* Grow by hand rather than realloc so the old copy, which may
		 * hold part of a token, is wiped before it is freed. */
		size_t cap = h->cap ? h->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *grown = malloc(cap);
		if (grown == NULL)
			return 0;
		if (r->body != NULL)
			memcpy(grown, r->body, r->len);
		wo_secret_free_n(r->body, h->cap);
		r->body = grown;
		h->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Reads Retry-After given in seconds (the form WorkOS uses; an HTTP date
 * is treated as absent and the normal back-off applies). */
static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
	static const char name[] = "retry-after:";
	struct wo_http *h = userdata;
	size_t n = size * nitems;

	if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		const char *p = data + sizeof(name) - 1, *end = data + n;
		long v = 0;
		bool digits = false;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (p < end && *p >= '0' && *p <= '9' && v < 1000000) {
			v = v * 10 + (*p - '0');
			digits = true;
			p++;
		}
		if (digits)
			h->retry_after = v;
	}
	return n;
}

static int setopt_failed(struct wo_error *err)
{
	return wo_error_set(err, WO_ERR_SYSTEM, "cannot configure libcurl");
}

int wo_http_new(const struct wo_config *cfg, struct wo_http **out, struct wo_error *err)
{
	struct wo_http *h;
	char port[16] = "";
	const char *proto;
	bool v6 = strchr(cfg->api_hostname, ':') != NULL && cfg->api_hostname[0] != '[';
	size_t len;

	*out = NULL;
	/* Re-checked here so that no caller can build a plain-HTTP client to
	 * a real server, whatever the configuration layer let through. */
	if (!cfg->api_https && !wo_host_is_loopback(cfg->api_hostname))
		return wo_error_set(err, WO_ERR_CONFIG,
				    "plain HTTP is only allowed to a loopback address");
	if (wo_http_global_init(err) != 0)
		return -1;

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	h->timeout_s = cfg->http_timeout;
	h->max_body = DEFAULT_MAX_BODY;
	h->retry_after = -1;

	if (cfg->api_port != 0)
		snprintf(port, sizeof(port), ":%u", cfg->api_port);
	proto = cfg->api_https ? "https" : "http";
	len = strlen(proto) + 3 + strlen(cfg->api_hostname) + 2 + strlen(port) + 1;
	h->base_url = malloc(len);
	h->ca_file = strdup(cfg->ca_file ? cfg->ca_file : WO_CA_BUNDLE);
	h->curl = curl_easy_init();
	if (h->base_url == NULL || h->ca_file == NULL || h->curl == NULL) {
		wo_http_free(h);
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	snprintf(h->base_url, len, "%s://%s%s%s%s", proto, v6 ? "[" : "", cfg->api_hostname,
		 v6 ? "]" : "", port);

	CURL *c = h->curl;
	if (curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, proto) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, proto) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    /* The proxy variables are the invoking user's under sudo: an
	     * empty proxy and "*" for no_proxy make libcurl ignore them. */
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file) != CURLE_OK ||
	    /* No CA directory: ca_file replaces the system store, it does not
	     * add to it. */
	    curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_error) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L) != CURLE_OK) {
		wo_http_free(h);
		return setopt_failed(err);
	}
	*out = h;
	return 0;
}

void wo_http_free(struct wo_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->base_url);
	free(h->ca_file);
	free(h);
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
	size_t len = strlen(value);
	char *out = malloc(len * 3 + 1), *o = out;

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

/* --- one attempt ----------------------------------------------------------- */

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
	return "GET";
}

/* Wipes header lines before freeing them: one of them is the API key. */
static void free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static struct curl_slist *build_headers(const struct wo_http_request *req)
{
	struct curl_slist *list = NULL, *next;
	char line[1024];

	next = curl_slist_append(list, "Accept: application/json");
	if (next == NULL)
		goto fail;
	list = next;
	/* libcurl adds "Expect: 100-continue" for larger bodies, costing a
	 * round trip the API does not need. */
	next = curl_slist_append(list, "Expect:");
	if (next == NULL)
		goto fail;
	list = next;
	if (req->content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
		next = curl_slist_append(list, line);
		if (next == NULL)
			goto fail;
		list = next;
	}
	if (req->idempotency_key != NULL) {
		snprintf(line, sizeof(line), "Idempotency-Key: %s", req->idempotency_key);
		next = curl_slist_append(list, line);
		if (next == NULL)
			goto fail;
		list = next;
	}
	if (req->bearer != NULL) {
		if (snprintf(line, sizeof(line), "Authorization: Bearer %s", req->bearer) >=
		    (int)sizeof(line)) {
			explicit_bzero(line, sizeof(line));
			goto fail;
		}
		next = curl_slist_append(list, line);
		explicit_bzero(line, sizeof(line));
		if (next == NULL)
			goto fail;
		list = next;
	}
	return list;
fail:
	free_headers(list);
	return NULL;
}

/* Maps a libcurl failure to a category and a message without secrets. */
static int transport_error(struct wo_http *h, CURLcode rc, struct wo_error *err)
{
	const char *detail = h->curl_error[0] ? h->curl_error : curl_easy_strerror(rc);

	if (h->too_big)
		return wo_error_set(err, WO_ERR_HTTP,
				    "response from WorkOS is larger than %zu bytes", h->max_body);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return wo_error_set(err, WO_ERR_TLS, "TLS with %s failed: %s", h->base_url, detail);
	case CURLE_OPERATION_TIMEDOUT:
		return wo_error_set(err, WO_ERR_NETWORK, "WorkOS at %s did not answer in time",
				    h->base_url);
	case CURLE_OUT_OF_MEMORY:
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	default:
		return wo_error_set(err, WO_ERR_NETWORK, "cannot reach WorkOS at %s: %s",
				    h->base_url, detail);
	}
}

static bool retryable_transport(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static void trace(struct wo_http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(struct wo_http *h, const char *fmt, ...)
{
	char line[300];
	va_list ap;

	if (h->trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	h->trace(h->trace_ctx, line);
}

/* Length of the path without its query, for trace lines. */
static int path_len(const char *path)
{
	size_t n = strcspn(path, "?");
	return n > 200 ? 200 : (int)n;
}

static int attempt(struct wo_http *h, const struct wo_http_request *req,
		   struct wo_http_response *resp, long long budget_ms, CURLcode *rc_out,
		   struct wo_error *err)
{
	CURL *c = h->curl;
	struct curl_slist *headers;
	char *url;
	size_t url_len = strlen(h->base_url) + strlen(req->path) + 1;
	long long timeout_ms = (long long)h->timeout_s * 1000;
	struct timespec start = now_monotonic();
	long connects = 0;
	CURLcode rc;

	if (budget_ms < timeout_ms)
		timeout_ms = budget_ms;
	url = malloc(url_len);
	headers = build_headers(req);
	if (url == NULL || headers == NULL) {
		free(url);
		free_headers(headers);
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	snprintf(url, url_len, "%s%s", h->base_url, req->path);

	h->resp = resp;
	h->cap = 0;
	h->too_big = false;
	h->retry_after = -1;
	h->curl_error[0] = '\0';

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms : CONNECT_TIMEOUT_MS));
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	/* libcurl silently sends a request again on a new connection when a
	 * reused one dies before any answer byte arrives.  The server may
	 * have acted on the first copy (a one-time code consumed, a factor
	 * enrolled), and RFC 9112 section 9.3.1 forbids retrying a
	 * non-idempotent request on that guess.  Such requests go on a
	 * connection of their own, which libcurl never replays. */
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, req->idempotent ? 0L : 1L);
	if (req->method == WO_HTTP_GET) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		/* POSTFIELDS points at the caller's buffer: no copy of a
		 * body that may hold a password. */
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
		if (req->method != WO_HTTP_POST)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_name(req->method));
	}

	h->stats.requests++;
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
	h->stats.connects += (unsigned long)(connects > 0 ? connects : 0);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	free_headers(headers);
	free(url);
	*rc_out = rc;

	if (rc != CURLE_OK) {
		trace(h, "%s %.*s -> %s (%lld ms)", method_name(req->method), path_len(req->path),
		      req->path, curl_easy_strerror(rc), ms_between(start, now_monotonic()));
		wo_http_response_clear(resp);
		return transport_error(h, rc, err);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body == NULL) {
		resp->body = calloc(1, 1);
		if (resp->body == NULL)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	trace(h, "%s %.*s -> %ld (%lld ms)", method_name(req->method), path_len(req->path),
	      req->path, resp->status, ms_between(start, now_monotonic()));
	return 0;
}

/* Exponential back-off with ±50% jitter, so that many hosts retrying after
 * one outage do not come back in lockstep. */
static long long backoff_ms(unsigned attempt_no)
{
	long long base = (long long)BACKOFF_BASE_MS << attempt_no;
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)now_monotonic().tv_nsec;
	return base / 2 + (long long)(r % (uint32_t)(base + 1));
}

static bool is_retryable_status(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504;
}

int wo_http_send(struct wo_http *h, const struct wo_http_request *req,
		 struct wo_http_response *resp, struct wo_error *err)
{
	memset(resp, 0, sizeof(*resp));
	if (req->path == NULL || req->path[0] != '/')
		return wo_error_set(err, WO_ERR_SYSTEM, "internal error: bad request path");

	for (unsigned n = 0;; n++) {
		long long budget = remaining_ms(h), wait;
		CURLcode rc = CURLE_OK;

		if (budget <= 0)
			return wo_error_set(err, WO_ERR_NETWORK,
					    "gave up waiting for WorkOS: time limit reached");
		if (attempt(h, req, resp, budget, &rc, err) != 0) {
			if (!req->idempotent || !retryable_transport(rc) || n + 1 >= MAX_ATTEMPTS)
				return -1;
			wait = backoff_ms(n);
		} else if (resp->status == 429) {
			/* Not processed, so safe to repeat even for a POST. */
			wait = h->retry_after >= 0 ? h->retry_after * 1000 : backoff_ms(n);
			if (n + 1 >= MAX_ATTEMPTS || h->retry_after > RETRY_AFTER_MAX_S) {
				wo_error_set(err, WO_ERR_HTTP,
					     "WorkOS is rate limiting requests (HTTP 429%s)",
					     h->retry_after >= 0 ? ", asked to wait" : "");
				err->http_status = 429;
				wo_http_response_clear(resp);
				return -1;
			}
		} else if (req->idempotent && is_retryable_status(resp->status) &&
			   n + 1 < MAX_ATTEMPTS) {
			wait = h->retry_after >= 0 ? h->retry_after * 1000 : backoff_ms(n);
			if (h->retry_after > RETRY_AFTER_MAX_S)
				return 0;
		} else {
			return 0;
		}
		/* Waiting past the deadline would only fail later: fail now,
		 * with the status that made us wait. */
		if (wait >= remaining_ms(h)) {
			long status = resp->status;
			wo_http_response_clear(resp);
			if (status == 0)
				return -1; /* err holds the transport error */
			wo_error_set(err, WO_ERR_HTTP,
				     "WorkOS answered HTTP %ld and the time limit does not allow "
				     "another try",
				     status);
			err->http_status = status;
			return -1;
		}
		wo_http_response_clear(resp);
		wo_error_clear(err);
		sleep_ms(wait);
	}
}
