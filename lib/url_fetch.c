/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config.h"
#include "http.h"
#include "url_fetch.h"

#define CONNECT_TIMEOUT_MS 5000

struct transfer {
	struct wo_fetch_result *res;
	size_t cap, max;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	struct wo_fetch_result *r = t->res;
	size_t n = size * nmemb;

	if (n > t->max - r->len) {
		t->too_big = true;
		return 0;
	}
	if (r->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 65536;
		unsigned char *grown;

		while (cap < r->len + n)
			cap = cap > t->max / 2 ? t->max : cap * 2;
		grown = realloc(r->body, cap);
		if (grown == NULL)
			return 0;
		r->body = grown;
		t->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return n;
}

/* Keeps a validator when it is printable ASCII and fits; drops it
 * otherwise (the next request is then simply unconditional). */
static void keep_header(const char *v, size_t n, char *field, size_t cap)
{
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 &&
	       (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	field[0] = '\0';
	if (n == 0 || n >= cap)
		return;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
			return;
	memcpy(field, v, n);
	field[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nitems;

	/* A new status line starts a new answer (after a 100 Continue). */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		t->res->etag[0] = '\0';
		t->res->last_modified[0] = '\0';
	} else if (n > 5 && strncasecmp(data, "etag:", 5) == 0) {
		keep_header(data + 5, n - 5, t->res->etag, sizeof(t->res->etag));
	} else if (n > 14 && strncasecmp(data, "last-modified:", 14) == 0) {
		keep_header(data + 14, n - 14, t->res->last_modified,
			    sizeof(t->res->last_modified));
	}
	return n;
}

int wo_fetch_url_check(const char *url, struct wo_error *err)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *user = NULL;
	int ret = -1;

	if (wo_http_global_init(err) != 0)
		return -1;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return wo_error_set(err, WO_ERR_CONFIG,
					    "the snapshot URL has a space or control character");
	if (strlen(url) > WO_SNAPSHOT_URL_MAX)
		return wo_error_set(err, WO_ERR_CONFIG, "the snapshot URL is longer than %d bytes",
				    WO_SNAPSHOT_URL_MAX);
	u = curl_url();
	if (u == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		wo_error_set(err, WO_ERR_CONFIG, "the snapshot URL %s is not a valid URL", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		wo_error_set(err, WO_ERR_CONFIG, "the snapshot URL must not carry user info");
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 &&
	    !(strcasecmp(scheme, "http") == 0 && wo_host_is_loopback(host))) {
		wo_error_set(err, WO_ERR_CONFIG,
			     "the snapshot URL must be https:// (http:// only to a loopback host)");
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return ret;
}

static int transport_error(CURLcode rc, const char *detail, const struct transfer *t,
			   const char *url, struct wo_error *err)
{
	if (t->too_big)
		return wo_error_set(err, WO_ERR_HTTP, "%s is larger than %zu bytes", url, t->max);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return wo_error_set(err, WO_ERR_TLS, "TLS with %s failed: %s", url, detail);
	case CURLE_OPERATION_TIMEDOUT:
		return wo_error_set(err, WO_ERR_NETWORK, "%s did not answer in time", url);
	case CURLE_OUT_OF_MEMORY:
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	default:
		return wo_error_set(err, WO_ERR_NETWORK, "cannot fetch %s: %s", url, detail);
	}
}

int wo_fetch(const struct wo_fetch_request *req, struct wo_fetch_result *res, struct wo_error *err)
{
	struct transfer t = {.res = res, .max = req->max_size};
	char errbuf[CURL_ERROR_SIZE] = "", line[WO_SNAPSHOT_ETAG_MAX + 40];
	struct curl_slist *headers = NULL, *grown;
	CURL *c = NULL;
	CURLcode rc;
	long status = 0;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	/* Re-checked here: no caller reaches a real server without TLS. */
	if (wo_fetch_url_check(req->url, err) != 0)
		return -1;
	if (req->etag != NULL && req->etag[0] != '\0') {
		snprintf(line, sizeof(line), "If-None-Match: %s", req->etag);
		if ((grown = curl_slist_append(headers, line)) == NULL)
			goto oom;
		headers = grown;
	}
	if (req->last_modified != NULL && req->last_modified[0] != '\0') {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", req->last_modified);
		if ((grown = curl_slist_append(headers, line)) == NULL)
			goto oom;
		headers = grown;
	}
	c = curl_easy_init();
	if (c == NULL)
		goto oom;
	if (curl_easy_setopt(c, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L) != CURLE_OK ||
	    /* The proxy variables are not ours to follow (lib/http.c). */
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_file ? req->ca_file : WO_CA_BUNDLE) !=
		CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_size) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)req->timeout * 1000L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS) != CURLE_OK) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot configure libcurl");
		goto out;
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_FILESIZE_EXCEEDED)
		t.too_big = true;
	if (rc != CURLE_OK) {
		transport_error(rc, errbuf[0] ? errbuf : curl_easy_strerror(rc), &t, req->url, err);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	res->status = status;
	if (status == 304) {
		free(res->body);
		res->body = NULL;
		res->len = 0;
	} else if (status != 200) {
		wo_error_set(err, WO_ERR_HTTP, "%s answered HTTP %ld", req->url, status);
		goto out;
	}
	ret = 0;
	goto out;
oom:
	wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	if (ret != 0)
		wo_fetch_result_clear(res);
	return ret;
}

void wo_fetch_result_clear(struct wo_fetch_result *res)
{
	free(res->body);
	memset(res, 0, sizeof(*res));
}
