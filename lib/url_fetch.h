/* SPDX-License-Identifier: MIT */
/*
 * One bounded, conditional GET of a URL that is not the WorkOS API: the
 * fleet snapshot from the origin the admin chose (a web server, a bucket,
 * a CDN).  The same rules as lib/http.h: TLS always verified against
 * ca_file (or the system bundle), http:// only to a loopback host, no proxy
 * from the environment, no redirects, a time limit on the whole request and
 * a cap on the body.
 *
 * If-None-Match / If-Modified-Since are sent when the caller has an ETag /
 * Last-Modified from an earlier answer; a 304 has no body.  The validators
 * of a 200 are kept when they are printable ASCII of bounded length
 * (otherwise they are dropped, and the next request is unconditional).
 */
#ifndef WO_URL_FETCH_H
#define WO_URL_FETCH_H

#include <stddef.h>

#include "error.h"
#include "snapshot_state.h"

struct wo_fetch_request {
	const char *url;	   /* https://..., or http:// to a loopback host */
	const char *ca_file;	   /* NULL: the system bundle */
	unsigned timeout;	   /* seconds for the whole request */
	size_t max_size;	   /* body cap */
	const char *etag;	   /* NULL or "" for none */
	const char *last_modified; /* NULL or "" for none */
};

struct wo_fetch_result {
	long status; /* 200 or 304 (anything else is an error) */
	unsigned char *body;
	size_t len;
	char etag[WO_SNAPSHOT_ETAG_MAX + 1];
	char last_modified[WO_SNAPSHOT_LASTMOD_MAX + 1];
};

/* Checks a URL against the rules above (scheme, loopback for http, no user
 * info, printable).  0 or -1 with err (WO_ERR_CONFIG). */
int wo_fetch_url_check(const char *url, struct wo_error *err);

/* Returns 0 with a 200 or 304 in *res (free with wo_fetch_result_clear),
 * or -1 with err: network, TLS, timeout, size cap, another status. */
int wo_fetch(const struct wo_fetch_request *req, struct wo_fetch_result *res, struct wo_error *err);

void wo_fetch_result_clear(struct wo_fetch_result *res);

#endif
