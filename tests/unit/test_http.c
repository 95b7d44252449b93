/* SPDX-License-Identifier: MIT */
/*
 * lib/http.c against the WorkOS emulator: keep-alive, retries and their
 * bounds, timeouts, the body cap, TLS verification, plain HTTP only to
 * loopback, and what libcurl must not take from the environment.  Counts
 * come from both sides: wo_http_get_stats and the emulator's request log.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "emulator_fixture.h"
#include "http.h"
#include "tap.h"

static struct emu emu;
static char jwks_path[128];

struct conn {
	struct wo_config *cfg;
	struct wo_http *h;
};

/* A client for the emulator; extra config lines as emu_config takes them. */
static bool open_conn(struct conn *c, const struct emu *e, const char *extra)
{
	struct wo_error err = WO_ERROR_INIT;

	c->cfg = emu_config(e, extra);
	if (wo_http_new(c->cfg, &c->h, &err) != 0) {
		diag("wo_http_new: %s", err.message);
		wo_config_free(c->cfg);
		c->cfg = NULL;
		return false;
	}
	return true;
}

static void close_conn(struct conn *c)
{
	wo_http_free(c->h);
	wo_config_free(c->cfg);
	memset(c, 0, sizeof(*c));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_get(struct conn *c, const char *path, const char *bearer,
		  struct wo_http_response *resp, struct wo_error *err)
{
	struct wo_http_request req = {
	    .method = WO_HTTP_GET, .path = path, .bearer = bearer, .idempotent = true};

	wo_error_clear(err);
	return wo_http_send(c->h, &req, resp, err);
}

static int do_post_device(struct conn *c, bool idempotent, struct wo_http_response *resp,
			  struct wo_error *err)
{
	char body[128];
	struct wo_http_request req = {
	    .method = WO_HTTP_POST,
	    .path = "/user_management/authorize/device",
	    .content_type = "application/json",
	    .body = body,
	    .idempotent = idempotent,
	};

	snprintf(body, sizeof(body), "{\"client_id\":\"%s\"}", emu.client_id);
	req.body_len = strlen(body);
	wo_error_clear(err);
	return wo_http_send(c->h, &req, resp, err);
}

static void trace_cb(void *ctx, const char *line);

static void test_keepalive(void)
{
	static char trace_buf[8192];
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_http_stats st;
	json_object *holder, *log;
	int good = 0;
	bool same = true;
	long first = -1;

	emu_reset(&emu);
	if (!ok(open_conn(&c, &emu, NULL), "client for the emulator"))
		return;
	wo_http_set_trace(c.h, trace_cb, trace_buf);
	for (int i = 0; i < 25; i++) {
		if (do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 200)
			good++;
		wo_http_response_clear(&resp);
	}
	is_int(good, 25, "25 GETs answered 200");
	wo_http_get_stats(c.h, &st);
	is_int(st.requests, 25, "client counted 25 requests");
	if (!tap_ok(st.connects == 1, __FILE__, __LINE__,
		    "client opened one connection for all of them"))
		printf("#   %lu connections; trace:\n%s", st.connects, trace_buf);
	is_int(emu_stat(&emu, "connections"), 1, "emulator accepted one connection");
	log = emu_requests(&emu, jwks_path, &holder);
	is_int(log ? json_object_array_length(log) : 0, 25, "emulator logged 25 requests");
	for (size_t i = 0; log != NULL && i < json_object_array_length(log); i++) {
		json_object *conn;
		if (!json_object_object_get_ex(json_object_array_get_idx(log, i), "connection",
					       &conn))
			same = false;
		else if (first < 0)
			first = json_object_get_int(conn);
		else if (json_object_get_int(conn) != first)
			same = false;
	}
	ok(same && first > 0, "every logged request came on the same connection");
	json_object_put(holder);
	close_conn(&c);
}

static void test_get_retries(void)
{
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_http_stats st;

	emu_reset(&emu);
	if (!open_conn(&c, &emu, NULL))
		return;
	ok(emu_fault(&emu, jwks_path, "status", 500, -1, 0, 2), "fault: two 500s on the JWKS");
	ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0, "GET through two 500s (%s)", err.message);
	is_int(resp.status, 200, "  third attempt answered 200");
	ok(resp.body != NULL && strstr(resp.body, "\"keys\"") != NULL, "  with the key set");
	wo_http_response_clear(&resp);
	is_int(emu_count_requests(&emu, jwks_path), 3, "  emulator saw three attempts");
	wo_http_get_stats(c.h, &st);
	is_int(st.requests, 3, "  client counted three attempts");

	emu_reset(&emu);
	ok(emu_fault(&emu, jwks_path, "close", 0, -1, 0, 2), "fault: two closed connections");
	ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0,
	   "GET through two dropped connections (%s)", err.message);
	is_int(resp.status, 200, "  third attempt answered 200");
	wo_http_response_clear(&resp);
	is_int(emu_count_requests(&emu, jwks_path), 3, "  emulator saw three attempts");

	emu_reset(&emu);
	ok(emu_fault(&emu, jwks_path, "status", 503, -1, 0, 0), "fault: 503 forever");
	ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0, "a 5xx that persists is returned");
	is_int(resp.status, 503, "  as the last status");
	ok(resp.body != NULL && strstr(resp.body, "Internal Server Error") != NULL,
	   "  with its body for the caller to decode");
	wo_http_response_clear(&resp);
	is_int(emu_count_requests(&emu, jwks_path), 3, "  after three attempts, no more");

	emu_reset(&emu);
	ok(emu_fault(&emu, jwks_path, "status", 404, -1, 0, 1), "fault: a 404");
	ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 404,
	   "a 4xx is returned at once");
	wo_http_response_clear(&resp);
	is_int(emu_count_requests(&emu, jwks_path), 1, "  and not retried");
	close_conn(&c);
}

static void test_post_retries(void)
{
	const char *path = "/user_management/authorize/device";
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;

	emu_reset(&emu);
	if (!open_conn(&c, &emu, NULL))
		return;
	emu_fault(&emu, path, "status", 500, -1, 0, 1);
	ok(do_post_device(&c, false, &resp, &err) == 0, "POST answered (%s)", err.message);
	is_int(resp.status, 500, "  a non-idempotent POST returns the 500");
	wo_http_response_clear(&resp);
	is_int(emu_count_requests(&emu, path), 1, "  and is not sent again");

	emu_reset(&emu);
	emu_fault(&emu, path, "close", 0, -1, 0, 1);
	ok(do_post_device(&c, false, &resp, &err) != 0, "POST on a dropped connection fails");
	is_int(err.kind, WO_ERR_NETWORK, "  as a network error");
	/* The emulator may log the request just after it dropped the
	 * connection: wait (a bounded moment) for the one request, then make
	 * sure there is no second. */
	for (int i = 0; i < 40 && emu_count_requests(&emu, path) < 1; i++)
		usleep(50 * 1000);
	usleep(200 * 1000);
	is_int(emu_count_requests(&emu, path), 1, "  and is not sent again");

	emu_reset(&emu);
	emu_fault(&emu, path, "status", 502, -1, 0, 1);
	ok(do_post_device(&c, true, &resp, &err) == 0, "idempotent POST answered");
	is_int(resp.status, 200, "  an idempotent POST is retried after a 502");
	wo_http_response_clear(&resp);
	is_int(emu_count_requests(&emu, path), 2, "  two attempts");
	close_conn(&c);
}

static void test_rate_limit(void)
{
	const char *path = "/user_management/authorize/device";
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	double t0, dt;

	emu_reset(&emu);
	if (!open_conn(&c, &emu, NULL))
		return;
	emu_fault(&emu, path, "status", 429, 1, 0, 1);
	t0 = now_s();
	ok(do_post_device(&c, false, &resp, &err) == 0, "POST through a 429 (%s)", err.message);
	dt = now_s() - t0;
	is_int(resp.status, 200, "  a 429 is retried, even for a POST");
	wo_http_response_clear(&resp);
	ok(dt >= 1.0, "  after waiting Retry-After: 1 (%.2f s)", dt);
	ok(dt < 3.0, "  and not much longer (%.2f s)", dt);
	is_int(emu_count_requests(&emu, path), 2, "  two attempts");

	emu_reset(&emu);
	emu_fault(&emu, path, "status", 429, 30, 0, 1);
	wo_http_set_deadline(c.h, 5);
	t0 = now_s();
	ok(do_post_device(&c, false, &resp, &err) != 0,
	   "Retry-After: 30 beyond a 5 s deadline fails");
	dt = now_s() - t0;
	ok(dt < 1.0, "  at once, without waiting (%.2f s)", dt);
	is_int(err.http_status, 429, "  with http_status 429");
	is_int(err.kind, WO_ERR_HTTP, "  as an HTTP error");
	ok(resp.body == NULL, "  and no body left to free");
	is_int(emu_count_requests(&emu, path), 1, "  one attempt");
	wo_http_set_deadline(c.h, 0);

	emu_reset(&emu);
	emu_fault(&emu, path, "status", 429, 3600, 0, 1);
	t0 = now_s();
	ok(do_post_device(&c, false, &resp, &err) != 0,
	   "Retry-After: 3600 without a deadline fails");
	dt = now_s() - t0;
	ok(dt < 1.0, "  at once (%.2f s)", dt);
	is_int(err.http_status, 429, "  with http_status 429");

	emu_reset(&emu);
	emu_fault(&emu, jwks_path, "status", 429, -1, 0, 0);
	ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0,
	   "429 without Retry-After, forever: fails");
	is_int(err.http_status, 429, "  with http_status 429");
	is_int(emu_count_requests(&emu, jwks_path), 3, "  after three attempts with back-off");

	/* The emulator's own rate limiter, not an injected fault. */
	emu_reset(&emu);
	emu_ctl(&emu, "ratelimit", "{\"per_minute\":2}");
	int good = 0;
	for (int i = 0; i < 2; i++) {
		if (do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 200)
			good++;
		wo_http_response_clear(&resp);
	}
	is_int(good, 2, "rate limiter: two requests pass");
	wo_http_set_deadline(c.h, 3);
	t0 = now_s();
	ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0, "  the third is refused");
	dt = now_s() - t0;
	is_int(err.http_status, 429, "  with 429");
	ok(dt < 1.0, "  without waiting ~60 s past the deadline (%.2f s)", dt);
	wo_http_set_deadline(c.h, 0);
	emu_ctl(&emu, "ratelimit", "{\"per_minute\":0}");
	close_conn(&c);
}

static void test_backoff_and_deadline(void)
{
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	double t0, dt;
	int rc;

	emu_reset(&emu);
	if (!open_conn(&c, &emu, NULL))
		return;
	emu_fault(&emu, jwks_path, "status", 500, -1, 0, 0);
	t0 = now_s();
	do_get(&c, jwks_path, NULL, &resp, &err);
	dt = now_s() - t0;
	wo_http_response_clear(&resp);
	/* Back-off after attempt n is 250 ms << n, jittered to 50..150%. */
	ok(dt >= 0.375, "back-off between three attempts adds up (%.2f s >= 0.375)", dt);
	ok(dt < 2.0, "  and stays short (%.2f s)", dt);

	/* A 500 forever under a deadline shorter than the back-off sum. */
	emu_reset(&emu);
	emu_fault(&emu, jwks_path, "status", 500, -1, 0, 0);
	wo_http_set_deadline(c.h, 1);
	ok(wo_http_remaining(c.h) <= 1, "deadline of 1 s set (remaining %u)",
	   wo_http_remaining(c.h));
	t0 = now_s();
	rc = do_get(&c, jwks_path, NULL, &resp, &err);
	dt = now_s() - t0;
	ok(rc != 0 || resp.status == 500, "500 forever under a 1 s deadline: no success");
	wo_http_response_clear(&resp);
	ok(dt <= 1.2, "  returns within the deadline (%.2f s)", dt);
	wo_http_set_deadline(c.h, 0);
	is_int(wo_http_remaining(c.h), UINT_MAX, "deadline removed");

	/* A deadline already passed sends nothing. */
	emu_reset(&emu);
	wo_http_set_deadline(c.h, 1);
	usleep(1100 * 1000);
	ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0, "past the deadline: fails");
	is_int(err.kind, WO_ERR_NETWORK, "  as a network error (time limit)");
	is_int(emu_count_requests(&emu, jwks_path), 0, "  without sending anything");
	wo_http_set_deadline(c.h, 0);
	close_conn(&c);
}

static void test_timeout(void)
{
	const char *path = "/user_management/authorize/device";
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	double t0, dt;

	emu_reset(&emu);
	if (!open_conn(&c, &emu, "http_timeout = 1\n"))
		return;
	emu_fault(&emu, path, "delay", 0, -1, 3000, 1);
	t0 = now_s();
	ok(do_post_device(&c, false, &resp, &err) != 0, "answer slower than http_timeout fails");
	dt = now_s() - t0;
	is_int(err.kind, WO_ERR_NETWORK, "  as a network error (%s)", err.message);
	like(err.message, "did not answer in time", "  saying it timed out");
	ok(dt >= 0.9 && dt < 2.0, "  after about 1 s (%.2f s)", dt);

	emu_reset(&emu);
	emu_fault(&emu, jwks_path, "delay", 0, -1, 3000, 0);
	wo_http_set_deadline(c.h, 2);
	t0 = now_s();
	ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0, "slow GET retried until the deadline");
	dt = now_s() - t0;
	is_int(err.kind, WO_ERR_NETWORK, "  network error");
	ok(dt < 2.5, "  within the 2 s deadline (%.2f s)", dt);

	emu_reset(&emu);
	emu_fault(&emu, jwks_path, "delay", 0, -1, 1500, 1);
	wo_http_set_deadline(c.h, 10);
	ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 200,
	   "one slow answer, then a retry that succeeds (%s)", err.message);
	wo_http_response_clear(&resp);
	wo_http_set_deadline(c.h, 0);
	close_conn(&c);
}

static void test_body_cap(void)
{
	struct wo_http_stats before, st;
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;

	emu_reset(&emu);
	if (!open_conn(&c, &emu, NULL))
		return;
	wo_http_set_max_body(c.h, 200);
	ok(do_get(&c, "/user_management/users?limit=100", emu.api_key, &resp, &err) != 0,
	   "a body over the 200-byte cap fails");
	is_int(err.kind, WO_ERR_HTTP, "  as an HTTP error");
	like(err.message, "larger than 200 bytes", "  naming the cap");
	ok(resp.body == NULL && resp.len == 0, "  with nothing left in the response");
	is_int(emu_count_requests(&emu, "/user_management/users"), 1, "  and no retry");

	wo_http_set_max_body(c.h, 64 * 1024);
	ok(do_get(&c, "/user_management/users?limit=100", emu.api_key, &resp, &err) == 0 &&
	       resp.status == 200,
	   "the same body under a 64 KiB cap passes");
	ok(resp.len > 200 && resp.len == strlen(resp.body), "  whole (%zu bytes)", resp.len);
	wo_http_response_clear(&resp);
	ok(resp.body == NULL && resp.len == 0 && resp.status == 0, "response_clear resets it");

	emu_reset(&emu);
	emu_fault(&emu, jwks_path, "truncate", 0, -1, 0, 1);
	wo_http_get_stats(c.h, &before);
	ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 200,
	   "a truncated body is retried for a GET (%s)", err.message);
	ok(resp.body != NULL && strstr(resp.body, "\"keys\"") != NULL, "  whole the second time");
	wo_http_response_clear(&resp);
	wo_http_get_stats(c.h, &st);
	is_int(st.requests - before.requests, 2, "  two attempts");
	close_conn(&c);
}

static void test_tls(void)
{
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	char extra[512];

	emu_reset(&emu);
	if (open_conn(&c, &emu, NULL)) {
		ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 200,
		   "the emulator's certificate verifies under its ca_file");
		wo_http_response_clear(&resp);
		close_conn(&c);
	}

	emu_reset(&emu);
	snprintf(extra, sizeof(extra), "ca_file = %s\n", emu.wrong_ca_file);
	if (open_conn(&c, &emu, extra)) {
		ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0, "another CA's ca_file: refused");
		is_int(err.kind, WO_ERR_TLS, "  as a TLS error (%s)", err.message);
		is_int(emu_count_requests(&emu, jwks_path), 0, "  no request reached the API");
		close_conn(&c);
	}

	emu_reset(&emu);
	ok(emu_ctl(&emu, "fault-tls", "{\"mode\":\"untrusted-ca\"}"), "fault-tls untrusted-ca");
	if (open_conn(&c, &emu, NULL)) {
		ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0,
		   "a server certificate from an untrusted CA: refused");
		is_int(err.kind, WO_ERR_TLS, "  as a TLS error (%s)", err.message);
		close_conn(&c);
	}

	ok(emu_ctl(&emu, "fault-tls", "{\"mode\":\"wrong-host\"}"), "fault-tls wrong-host");
	if (open_conn(&c, &emu, NULL)) {
		ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0,
		   "a certificate for another host name: refused");
		is_int(err.kind, WO_ERR_TLS, "  as a TLS error (%s)", err.message);
		close_conn(&c);
	}
	is_int(emu_count_requests(&emu, jwks_path), 0, "  no request reached the API");

	emu_ctl(&emu, "fault-tls", "{\"mode\":\"off\"}");
	if (open_conn(&c, &emu, "ca_file = /nonexistent/ca.pem\n")) {
		ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0, "a missing ca_file: refused");
		ok(err.kind == WO_ERR_TLS || err.kind == WO_ERR_NETWORK,
		   "  as a TLS error, never success (%s)", err.message);
		close_conn(&c);
	}
}

static void test_plain_http(void)
{
	struct wo_config *cfg = NULL;
	struct wo_error err = WO_ERROR_INIT;
	struct wo_http *h = NULL;
	struct emu plain;
	struct conn c;
	struct wo_http_response resp;
	static const char *const plain_args[] = {"--plain-http", NULL};
	const char *conf = "client_id = client_01ABC\norganization_id = org_01XYZ\n"
			   "api_hostname = api.workos.com\napi_https = false\n";

	ok(wo_config_parse("t.conf", conf, strlen(conf), &cfg, &err) != 0,
	   "config refuses api_https = false to a non-loopback host");
	like(err.message, "loopback", "  and says why");

	conf = "client_id = client_01ABC\norganization_id = org_01XYZ\n"
	       "api_hostname = api.workos.com\n";
	if (wo_config_parse("t.conf", conf, strlen(conf), &cfg, &err) == 0) {
		cfg->api_https = false; /* as if a caller bypassed the config checks */
		ok(wo_http_new(cfg, &h, &err) != 0 && h == NULL,
		   "wo_http_new refuses plain HTTP to a non-loopback host itself");
		is_int(err.kind, WO_ERR_CONFIG, "  as a configuration error");
		wo_config_free(cfg);
	}

	emu_start(&plain, plain_args);
	ok(plain.plain_http && strncmp(plain.base_url, "http://", 7) == 0,
	   "emulator with --plain-http (%s)", plain.base_url);
	if (open_conn(&c, &plain, NULL)) {
		is_str(wo_http_base_url(c.h), plain.base_url,
		       "base URL is plain http to 127.0.0.1");
		ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 200,
		   "plain HTTP to 127.0.0.1 works (%s)", err.message);
		wo_http_response_clear(&resp);
		close_conn(&c);
	}
	/* An https client must not fall back to plain text. */
	if (open_conn(&c, &plain, "api_https = true\nca_file = /etc/hostname\n")) {
		ok(do_get(&c, jwks_path, NULL, &resp, &err) != 0,
		   "an HTTPS client to the plain listener fails");
		wo_http_response_clear(&resp);
		close_conn(&c);
	}
	emu_stop(&plain);
}

/* A TCP port on 127.0.0.1 where nothing listens. */
static int dead_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 9;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void test_proxy_env(void)
{
	static const char *const vars[] = {"http_proxy", "https_proxy", "HTTPS_PROXY",
					   "ALL_PROXY",	 "all_proxy",	NULL};
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	char proxy[64];

	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", dead_port());
	for (int i = 0; vars[i]; i++)
		setenv(vars[i], proxy, 1);
	setenv("no_proxy", "", 1);
	emu_reset(&emu);
	if (open_conn(&c, &emu, NULL)) {
		ok(do_get(&c, jwks_path, NULL, &resp, &err) == 0 && resp.status == 200,
		   "proxy variables pointing at a dead port are ignored (%s)", err.message);
		wo_http_response_clear(&resp);
		is_int(emu_count_requests(&emu, jwks_path), 1,
		       "  the request went straight through");
		close_conn(&c);
	}
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	unsetenv("no_proxy");
}

/* SSLKEYLOGFILE would make libcurl's start create that file and log TLS
 * secrets to it: while it is set no client is made and nothing is
 * created; the environment is left as the host program set it. */
static bool test_keylog(const char *keylog)
{
	struct wo_config *cfg = emu_config(&emu, NULL);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_http *h = NULL;
	struct stat st;
	bool started;

	setenv("SSLKEYLOGFILE", keylog, 1);
	ok(wo_http_new(cfg, &h, &err) != 0 && h == NULL, "SSLKEYLOGFILE set: no HTTP client");
	like(err.message, "SSLKEYLOGFILE is set", "  and the message says why (%s)", err.message);
	ok(stat(keylog, &st) != 0, "  the key log file was not created");
	is_str(getenv("SSLKEYLOGFILE"), keylog, "  the variable is left as it was");
	unsetenv("SSLKEYLOGFILE");
	wo_error_clear(&err);
	started = wo_http_new(cfg, &h, &err) == 0;
	ok(started, "SSLKEYLOGFILE unset again: a client is made (%s)", err.message);
	wo_http_free(h);
	wo_config_free(cfg);
	ok(stat(keylog, &st) != 0, "  and still no key log file");
	return started;
}

static void test_headers(void)
{
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	json_object *holder, *log, *hdr, *v, *auth;
	const char *path = "/user_management/users";

	emu_reset(&emu);
	if (!open_conn(&c, &emu, NULL))
		return;
	do_get(&c, "/user_management/users?limit=1", emu.api_key, &resp, &err);
	is_int(resp.status, 200, "GET with the API key answered 200");
	wo_http_response_clear(&resp);
	do_get(&c, "/user_management/users?limit=1", NULL, &resp, &err);
	is_int(resp.status, 401, "GET without it answered 401");
	wo_http_response_clear(&resp);

	log = emu_requests(&emu, path, &holder);
	ok(log != NULL && json_object_array_length(log) == 2, "both logged");
	if (log != NULL && json_object_array_length(log) == 2) {
		json_object *e0 = json_object_array_get_idx(log, 0);
		json_object *e1 = json_object_array_get_idx(log, 1);
		char ua[64];

		snprintf(ua, sizeof(ua), "%s/%s", PACKAGE_NAME, PACKAGE_VERSION);
		json_object_object_get_ex(e0, "headers", &hdr);
		json_object_object_get_ex(hdr, "user_agent", &v);
		is_str(json_object_get_string(v), ua, "User-Agent is pam_workos/<version>");
		is_str(ua, "pam_workos/" PACKAGE_VERSION, "  (package name is pam_workos)");
		json_object_object_get_ex(hdr, "authorization", &auth);
		ok(auth != NULL && json_object_object_get_ex(auth, "scheme", &v) &&
		       strcmp(json_object_get_string(v), "Bearer") == 0,
		   "Authorization: Bearer when asked");
		ok(auth != NULL && json_object_object_get_ex(auth, "matched", &v) &&
		       json_object_get_boolean(v),
		   "  carrying the API key");
		json_object_object_get_ex(e1, "headers", &hdr);
		ok(!json_object_object_get_ex(hdr, "authorization", &auth) || auth == NULL,
		   "no Authorization header when not asked");
	}
	json_object_put(holder);
	close_conn(&c);
}

/* Appends trace lines to a buffer of 2048 bytes or more (truncating). */
static void trace_cb(void *ctx, const char *line)
{
	char *buf = ctx;
	size_t n = strlen(buf);

	if (n < 2000)
		snprintf(buf + n, 2048 - n, "%s\n", line);
}

static void test_trace(void)
{
	struct conn c;
	struct wo_http_response resp;
	struct wo_error err = WO_ERROR_INIT;
	char buf[2048] = "";

	emu_reset(&emu);
	if (!open_conn(&c, &emu, NULL))
		return;
	wo_http_set_trace(c.h, trace_cb, buf);
	do_get(&c, "/user_management/users?limit=1&email=ada%40example.com", emu.api_key, &resp,
	       &err);
	wo_http_response_clear(&resp);
	like(buf, "GET /user_management/users -> 200", "trace line names method, path, status");
	ok(strstr(buf, "ada") == NULL && strchr(buf, '?') == NULL, "  without the query");
	ok(strstr(buf, emu.api_key) == NULL, "  without the API key");
	close_conn(&c);
}

static void test_escape(void)
{
	char *s = wo_http_escape("a b/c?d=e&f+g~h.i_j-k\xc3\xa9");

	is_str(s, "a%20b%2Fc%3Fd%3De%26f%2Bg~h.i_j-k%C3%A9",
	       "wo_http_escape keeps unreserved only");
	free(s);
}

int main(void)
{
	char keylog[320];

	emu_start(&emu, NULL);
	snprintf(jwks_path, sizeof(jwks_path), "/sso/jwks/%s", emu.client_id);
	/* Before the first wo_http_new, which is when libcurl starts: the
	 * client must start it, not the fixture's control calls, or this
	 * would test the fixture. */
	snprintf(keylog, sizeof(keylog), "%s/keylog.txt", emu.dir);
	if (!test_keylog(keylog))
		emu_bail("cannot create an HTTP client");

	test_keepalive();
	test_get_retries();
	test_post_retries();
	test_rate_limit();
	test_backoff_and_deadline();
	test_timeout();
	test_body_cap();
	test_tls();
	test_plain_http();
	test_proxy_env();
	test_headers();
	test_trace();
	test_escape();

	emu_stop(&emu);
	curl_global_cleanup();
	return done_testing();
}
