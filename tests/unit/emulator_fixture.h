/* SPDX-License-Identifier: MIT */
/*
 * Starts the WorkOS emulator (tests/emulator) for a C test program, talks to
 * its control port, and stops it.  Header-only like tap.h: each test is one
 * program.
 *
 * The emulator runs as `$PYTHON3 $top_srcdir/tests/emulator/workos-emulator
 * --daemon` with a fresh state directory; it is ready when the launcher
 * exits 0, and emulator.json then says where everything is.  A test that
 * cannot start it bails out (a failure, never a skip): "the emulator is
 * missing" must not pass as "the client works".
 *
 * Control calls speak plain HTTP to 127.0.0.1 with libcurl (not through
 * lib/http.c, which is what is under test).
 */
#ifndef WO_EMULATOR_FIXTURE_H
#define WO_EMULATOR_FIXTURE_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "config.h"

struct emu {
	char dir[256]; /* state dir, ours to remove */
	pid_t pid;     /* the daemon's pid from emulator.json */
	int port;
	bool plain_http;
	char base_url[128];
	char control_url[128];
	char ca_file[320];
	char wrong_ca_file[320];
	char api_key[128];
	char api_key_file[320];
	char client_id[64];
	char disabled_client_id[64];
	char org_id[64];
	char other_org_id[64];
	char requests_log[320];
};

static __attribute__((unused)) void emu_bail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static __attribute__((unused)) void emu_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static __attribute__((unused)) const char *emu_env(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : fallback;
}

static __attribute__((unused)) void emu_copy_field(json_object *o, const char *key, char *buf,
						   size_t size)
{
	json_object *v;

	buf[0] = '\0';
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(buf, size, "%s", json_object_get_string(v));
}

/* Reads a file whole into a NUL-terminated heap buffer, or NULL. */
static __attribute__((unused)) char *emu_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *grown = realloc(buf, cap);
			if (grown == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/*
 * Starts an emulator with extra arguments (NULL-terminated, may be NULL).
 * Bails out of the whole test program when it does not come up.
 */
static __attribute__((unused)) void emu_start(struct emu *e, const char *const *extra)
{
	const char *srcdir = emu_env("top_srcdir", ".");
	const char *python = emu_env("PYTHON3", "/usr/bin/python3");
	char emulator[512], fixture[512], info_path[320], log_path[320];
	const char *argv[32];
	int argc = 0, status;
	pid_t child;
	json_object *info, *v;
	char *text;

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s/wo-emu-XXXXXX", emu_env("TMPDIR", "/tmp"));
	if (mkdtemp(e->dir) == NULL)
		emu_bail("mkdtemp %s: %s", e->dir, strerror(errno));
	snprintf(emulator, sizeof(emulator), "%s/tests/emulator/workos-emulator", srcdir);
	snprintf(fixture, sizeof(fixture), "%s/tests/emulator/fixtures/basic.json", srcdir);
	snprintf(log_path, sizeof(log_path), "%s/launcher.log", e->dir);
	argv[argc++] = python;
	argv[argc++] = emulator;
	argv[argc++] = "--fixture";
	argv[argc++] = fixture;
	argv[argc++] = "--state-dir";
	argv[argc++] = e->dir;
	argv[argc++] = "--daemon";
	for (; extra != NULL && *extra != NULL && argc < 30; extra++)
		argv[argc++] = *extra;
	argv[argc] = NULL;

	fflush(stdout);
	child = fork();
	if (child < 0)
		emu_bail("fork: %s", strerror(errno));
	if (child == 0) {
		FILE *log = freopen(log_path, "w", stdout);
		if (log != NULL)
			dup2(fileno(log), 2);
		execv(python, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", python, strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			emu_bail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		text = emu_slurp(log_path);
		emu_bail("the WorkOS emulator did not start (%s %s): %s", python, emulator,
			 text ? text : "no output");
	}

	snprintf(info_path, sizeof(info_path), "%s/emulator.json", e->dir);
	text = emu_slurp(info_path);
	info = text ? json_tokener_parse(text) : NULL;
	free(text);
	if (info == NULL)
		emu_bail("cannot read %s", info_path);
	if (json_object_object_get_ex(info, "pid", &v))
		e->pid = (pid_t)json_object_get_int(v);
	if (json_object_object_get_ex(info, "port", &v))
		e->port = json_object_get_int(v);
	if (json_object_object_get_ex(info, "plain_http", &v))
		e->plain_http = json_object_get_boolean(v);
	emu_copy_field(info, "base_url", e->base_url, sizeof(e->base_url));
	emu_copy_field(info, "control_url", e->control_url, sizeof(e->control_url));
	emu_copy_field(info, "ca_file", e->ca_file, sizeof(e->ca_file));
	emu_copy_field(info, "wrong_ca_file", e->wrong_ca_file, sizeof(e->wrong_ca_file));
	emu_copy_field(info, "api_key", e->api_key, sizeof(e->api_key));
	emu_copy_field(info, "api_key_file", e->api_key_file, sizeof(e->api_key_file));
	emu_copy_field(info, "client_id", e->client_id, sizeof(e->client_id));
	emu_copy_field(info, "disabled_client_id", e->disabled_client_id,
		       sizeof(e->disabled_client_id));
	emu_copy_field(info, "organization_id", e->org_id, sizeof(e->org_id));
	emu_copy_field(info, "other_organization_id", e->other_org_id, sizeof(e->other_org_id));
	emu_copy_field(info, "requests_log", e->requests_log, sizeof(e->requests_log));
	json_object_put(info);
	if (e->pid <= 0 || e->port <= 0 || e->control_url[0] == '\0' || e->client_id[0] == '\0')
		emu_bail("emulator.json in %s is incomplete", e->dir);
}

struct emu_buf {
	char *data;
	size_t len;
};

static __attribute__((unused)) size_t emu_write_cb(char *p, size_t size, size_t n, void *ud)
{
	struct emu_buf *b = ud;
	char *grown = realloc(b->data, b->len + size * n + 1);

	if (grown == NULL)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, p, size * n);
	b->len += size * n;
	b->data[b->len] = '\0';
	return size * n;
}

/*
 * Calls /control/<name>: POST with json_body, or GET when json_body is NULL
 * (name may carry a query).  Returns the HTTP status (0 when unreachable)
 * and, when out is not NULL, the parsed answer (json_object_put it).
 */
static __attribute__((unused)) long emu_control(const struct emu *e, const char *name,
						const char *json_body, json_object **out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	struct emu_buf b = {NULL, 0};
	char url[512];
	long status = 0;

	if (out != NULL)
		*out = NULL;
	if (c == NULL)
		return 0;
	snprintf(url, sizeof(url), "%s/control/%s", e->control_url, name);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, emu_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (json_body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (out != NULL && b.data != NULL)
		*out = json_tokener_parse(b.data);
	if (status != 200)
		printf("# control %s -> %ld %s\n", name, status, b.data ? b.data : "");
	free(b.data);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return status;
}

/* POSTs a control command built from a format; true on 200. */
static __attribute__((unused)) bool emu_ctl(const struct emu *e, const char *name, const char *fmt,
					    ...) __attribute__((format(printf, 3, 4)));
static __attribute__((unused)) bool emu_ctl(const struct emu *e, const char *name, const char *fmt,
					    ...)
{
	char body[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	return emu_control(e, name, body, NULL) == 200;
}

static __attribute__((unused)) bool emu_reset(const struct emu *e)
{
	return emu_ctl(e, "reset", "{}");
}

/* Arms a fault on `path` ("kind" is status, close, delay, malformed...). */
static __attribute__((unused)) bool emu_fault(const struct emu *e, const char *path,
					      const char *kind, int status, int retry_after,
					      int delay_ms, int count)
{
	char extra[128] = "";
	int n = 0;

	if (status > 0)
		n += snprintf(extra + n, sizeof(extra) - n, ",\"status\":%d", status);
	if (retry_after >= 0)
		n += snprintf(extra + n, sizeof(extra) - n, ",\"retry_after\":%d", retry_after);
	if (delay_ms > 0)
		n += snprintf(extra + n, sizeof(extra) - n, ",\"delay_ms\":%d", delay_ms);
	if (count > 0)
		snprintf(extra + n, sizeof(extra) - n, ",\"count\":%d", count);
	else
		snprintf(extra + n, sizeof(extra) - n, ",\"forever\":true");
	return emu_ctl(e, "fault", "{\"path\":\"%s\",\"kind\":\"%s\"%s}", path, kind, extra);
}

/* The request log entries for a path (json array, owned by *holder). */
static __attribute__((unused)) json_object *emu_requests(const struct emu *e, const char *path,
							 json_object **holder)
{
	char name[512];
	json_object *arr;
	CURL *c = curl_easy_init();
	char *esc = c ? curl_easy_escape(c, path, 0) : NULL;

	*holder = NULL;
	snprintf(name, sizeof(name), "requests?path=%s", esc ? esc : "");
	curl_free(esc);
	curl_easy_cleanup(c);
	if (emu_control(e, name, NULL, holder) != 200 || *holder == NULL ||
	    !json_object_object_get_ex(*holder, "requests", &arr))
		return NULL;
	return arr;
}

/* Number of requests the emulator logged for a path, -1 on error. */
static __attribute__((unused)) int emu_count_requests(const struct emu *e, const char *path)
{
	json_object *holder, *arr = emu_requests(e, path, &holder);
	int n = arr ? (int)json_object_array_length(arr) : -1;

	json_object_put(holder);
	return n;
}

/* Prints the logged requests for a path as TAP comments, to explain a
 * failed count. */
static __attribute__((unused)) void emu_dump_requests(const struct emu *e, const char *path)
{
	json_object *holder, *arr = emu_requests(e, path, &holder);

	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		json_object *r = json_object_array_get_idx(arr, i), *m, *s, *c;

		json_object_object_get_ex(r, "method", &m);
		json_object_object_get_ex(r, "status", &s);
		json_object_object_get_ex(r, "connection", &c);
		printf("#   %s %s -> %d on connection %d\n", json_object_get_string(m), path,
		       json_object_get_int(s), json_object_get_int(c));
	}
	json_object_put(holder);
}

/* An integer field of /control/stats ("connections", "requests"...). */
static __attribute__((unused)) long emu_stat(const struct emu *e, const char *key)
{
	json_object *o, *v;
	long n = -1;

	if (emu_control(e, "stats", NULL, &o) == 200 && o != NULL &&
	    json_object_object_get_ex(o, key, &v))
		n = (long)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

/* The user code of the latest device code, waiting up to `wait` seconds for
 * one that is pending.  false when there is none. */
static __attribute__((unused)) bool emu_latest_code(const struct emu *e, double wait,
						    char *user_code, size_t size)
{
	char name[64];
	json_object *o;
	bool found = false;

	snprintf(name, sizeof(name), "latest-code?wait=%g", wait);
	if (emu_control(e, name, NULL, &o) == 200 && o != NULL) {
		emu_copy_field(o, "user_code", user_code, size);
		found = user_code[0] != '\0';
	}
	json_object_put(o);
	return found;
}

/*
 * A configuration for this emulator, parsed with wo_config_parse (no file
 * ownership rules: the text never touches the disk).  `extra_lines` are
 * "key = value\n" lines added at the end; when they set ca_file, api_port or
 * api_https, the defaults for those keys are left out (duplicate keys are
 * errors).  Bails when the text is refused; wo_config_free the result.
 */
static __attribute__((unused)) struct wo_config *emu_config(const struct emu *e,
							    const char *extra_lines)
{
	char text[4096], line[512];
	struct wo_config *cfg = NULL;
	struct wo_error err = WO_ERROR_INIT;
	const char *x = extra_lines ? extra_lines : "";
	size_t n = 0;

	n += snprintf(text + n, sizeof(text) - n,
		      "client_id = %s\norganization_id = %s\napi_hostname = 127.0.0.1\n"
		      "api_key_file = %s\n",
		      e->client_id, e->org_id, e->api_key_file);
	if (strstr(x, "api_port") == NULL) {
		snprintf(line, sizeof(line), "api_port = %d\n", e->port);
		n += snprintf(text + n, sizeof(text) - n, "%s", line);
	}
	if (e->plain_http && strstr(x, "api_https") == NULL)
		n += snprintf(text + n, sizeof(text) - n, "api_https = false\n");
	if (!e->plain_http && strstr(x, "ca_file") == NULL)
		n += snprintf(text + n, sizeof(text) - n, "ca_file = %s\n", e->ca_file);
	snprintf(text + n, sizeof(text) - n, "%s", x);
	if (wo_config_parse("emulator.conf", text, strlen(text), &cfg, &err) != 0)
		emu_bail("config for the emulator refused: %s", err.message);
	return cfg;
}

/* Stops the emulator and removes its state directory. */
static __attribute__((unused)) void emu_stop(struct emu *e)
{
	char cmd[300];

	if (e->pid > 0) {
		emu_ctl(e, "stop", "{}");
		for (int i = 0; i < 100 && kill(e->pid, 0) == 0; i++)
			usleep(50 * 1000);
		if (kill(e->pid, 0) == 0)
			kill(e->pid, SIGKILL);
		e->pid = 0;
	}
	if (e->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", e->dir);
	}
	e->dir[0] = '\0';
}

#endif
