/* SPDX-License-Identifier: MIT */
/*
 * lib/audit.c and lib/audit_spool.c: the event body as the Audit Logs API
 * takes it (workos-api-sources.md h), its limits against hostile input, and
 * the spool: whole files only, unique ordered names, the bound and the drop
 * counter, the root-only directory rule, rejection.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "audit_spool.h"
#include "tap.h"

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(k));
		else if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	}
	return o;
}

static const char *str(struct json_object *o, const char *path)
{
	struct json_object *v = get(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static struct json_object *build(const struct wo_audit_event *ev)
{
	struct wo_error err = WO_ERROR_INIT;
	char *json = NULL;
	size_t len = 0;
	struct json_object *o;

	if (wo_audit_event_json(ev, &json, &len, &err) != 0) {
		ok(0, "event built: %s", err.message);
		return NULL;
	}
	ok(len == strlen(json) && len <= WO_AUDIT_EVENT_MAX, "event body is %zu bytes", len);
	o = json_tokener_parse(json);
	ok(o != NULL, "event body is JSON");
	free(json);
	return o;
}

static void test_shape(void)
{
	struct wo_audit_event ev = {
	    .organization_id = "org_01TEST",
	    .action = "pam.auth.succeeded",
	    .occurred_at_ms = 1767225600123LL, /* 2026-01-01T00:00:00.123Z */
	    .actor_id = "user_01ADA",
	    .actor_name = "ada@example.com",
	    .host_id = "0123456789abcdef0123456789abcdef",
	    .host_name = "web1",
	    .account = "ada",
	    .location = "192.0.2.7",
	    .service = "sshd",
	    .tty = "ssh",
	    .mode = "device",
	    .reason = "device+token",
	};
	struct json_object *o = build(&ev), *v;

	if (o == NULL)
		return;
	is_str(str(o, "organization_id"), "org_01TEST", "organization_id");
	is_str(str(o, "event.action"), "pam.auth.succeeded", "event.action");
	is_str(str(o, "event.occurred_at"), "2026-01-01T00:00:00.123Z", "occurred_at ISO 8601 UTC");
	is_str(str(o, "event.actor.id"), "user_01ADA", "actor.id");
	is_str(str(o, "event.actor.type"), "user", "actor.type");
	is_str(str(o, "event.actor.name"), "ada@example.com", "actor.name");
	is_str(str(o, "event.targets.0.type"), "host", "targets[0].type host");
	is_str(str(o, "event.targets.0.id"), "0123456789abcdef0123456789abcdef",
	       "targets[0].id the machine id");
	is_str(str(o, "event.targets.0.name"), "web1", "targets[0].name the host name");
	is_str(str(o, "event.targets.1.type"), "account", "targets[1].type account");
	is_str(str(o, "event.targets.1.id"), "ada", "targets[1].id the local name");
	v = get(o, "event.targets");
	ok(v && json_object_array_length(v) == 2, "two targets");
	is_str(str(o, "event.context.location"), "192.0.2.7", "context.location");
	is_str(str(o, "event.context.user_agent"), PACKAGE_NAME "/" PACKAGE_VERSION " (sshd)",
	       "context.user_agent");
	is_str(str(o, "event.metadata.reason"), "device+token", "metadata.reason");
	is_str(str(o, "event.metadata.service"), "sshd", "metadata.service");
	is_str(str(o, "event.metadata.tty"), "ssh", "metadata.tty");
	is_str(str(o, "event.metadata.mode"), "device", "metadata.mode");
	v = get(o, "event.metadata");
	ok(v && json_object_object_length(v) == 4, "four metadata keys");
	json_object_put(o);

	/* Unknown actor, console login: the required fields still there. */
	ev.actor_id = NULL;
	ev.actor_name = NULL;
	ev.location = NULL;
	ev.tty = NULL;
	o = build(&ev);
	if (o == NULL)
		return;
	is_str(str(o, "event.actor.id"), "unknown", "unknown actor: id \"unknown\"");
	ok(get(o, "event.actor.name") == NULL, "unknown actor: no name");
	is_str(str(o, "event.context.location"), "console", "no PAM_RHOST: console");
	is_str(str(o, "event.metadata.tty"), "-", "no tty: \"-\"");
	json_object_put(o);
}

static void test_hostile(void)
{
	char tty[2001], big[3000], cut[600];
	struct wo_audit_event ev = {
	    .organization_id = "org_01TEST",
	    .action = "pam.auth.denied",
	    .account = "ada",
	    .service = "ss\"hd\n\\x",
	};
	struct json_object *o;
	const char *s;

	memset(tty, 'T', sizeof(tty) - 1);
	tty[sizeof(tty) - 1] = '\0';
	ev.tty = tty;
	ev.reason = "bad\x01\x7f\xff\xfe\xc3(zz\xe2\x82\xac";
	ev.location = "10.0.0.1\r\nInjected: yes";
	o = build(&ev);
	if (o == NULL)
		return;
	s = str(o, "event.metadata.tty");
	ok(s && strlen(s) == WO_AUDIT_METADATA_VALUE_MAX, "2000-char tty cut to 500 (%zu)",
	   s ? strlen(s) : 0);
	is_str(str(o, "event.metadata.reason"),
	       "bad????"
	       "?(zz\xe2\x82\xac",
	       "control bytes and invalid UTF-8 become '?', valid UTF-8 kept");
	is_str(str(o, "event.context.location"), "10.0.0.1??Injected: yes", "CR LF cleaned");
	is_str(str(o, "event.metadata.service"), "ss\"hd?\\x", "quotes and backslashes survive");
	json_object_put(o);

	/* Cutting never splits a character: 499 'a' then a 2-byte one. */
	memset(big, 'a', 499);
	strcpy(big + 499, "\xc3\xa9tail");
	ok(wo_audit_clean(cut, sizeof(cut), big, 500) == 499,
	   "a character over the limit is left out");
	ok(wo_audit_clean(cut, sizeof(cut), NULL, 500) == 0 && cut[0] == '\0', "NULL is \"\"");
	ok(wo_audit_clean(cut, 8, big, 500) == 7, "cut to the buffer too");
}

static char *make_spool(char *tmpl)
{
	char *d = mkdtemp(tmpl);

	if (d != NULL)
		chmod(d, 0700);
	return d;
}

static unsigned long pending(const char *dir)
{
	struct wo_audit_spool_stats st;
	struct wo_error err = WO_ERROR_INIT;

	if (wo_audit_spool_stats(dir, &st, &err) != 0)
		return (unsigned long)-1;
	return st.pending;
}

static void test_spool(void)
{
	char tmpl[] = "/tmp/test_audit.XXXXXX", sub[128], n1[WO_AUDIT_NAME_LEN];
	char n2[WO_AUDIT_NAME_LEN], key[WO_AUDIT_KEY_LEN];
	const char *json = "{\"organization_id\":\"org_1\",\"event\":{}}";
	struct wo_error err = WO_ERROR_INIT;
	struct wo_audit_spool_stats st;
	unsigned long long dropped = 0;
	char **names = NULL, *buf = NULL;
	size_t n = 0, len = 0;
	char *dir = make_spool(tmpl);
	int fd, r;

	if (!ok(dir != NULL, "temp dir"))
		return;
	/* Created when missing, 0700, parents too. */
	snprintf(sub, sizeof(sub), "%s/a/audit", dir);
	r = wo_audit_spool_append(sub, json, strlen(json), 10, n1, NULL, &err);
	ok(r == 0, "append creates the spool: %s", err.message);
	{
		struct stat sb;

		ok(stat(sub, &sb) == 0 && (sb.st_mode & 0777) == 0700 && sb.st_uid == 0,
		   "spool created root 0700");
	}
	ok(wo_audit_spool_name_ok(n1), "name %s has the spool's pattern", n1);

	r = wo_audit_spool_append(sub, json, strlen(json), 10, n2, NULL, &err);
	ok(r == 0 && strcmp(n1, n2) < 0, "a later event sorts later");
	wo_audit_spool_key(n1, key);
	ok(strncmp(key, "pam-workos-", 11) == 0 && strlen(key) == 11 + 32 &&
	       strstr(n1, key + 11) != NULL,
	   "Idempotency-Key from the name: %s", key);

	fd = wo_audit_spool_open(sub, false, &err);
	ok(fd >= 0, "open");
	ok(wo_audit_spool_list(fd, &names, &n, &err) == 0 && n == 2 && strcmp(names[0], n1) == 0 &&
	       strcmp(names[1], n2) == 0,
	   "list: both, oldest first");
	ok(wo_audit_spool_read(fd, n1, &buf, &len, &err) == 0 && len == strlen(json) &&
	       strcmp(buf, json) == 0,
	   "read back what was written");
	free(buf);
	ok(wo_audit_spool_lock(fd, &err) == 1, "delivery lock taken");
	{
		int fd2 = wo_audit_spool_open(sub, false, &err);

		ok(wo_audit_spool_lock(fd2, &err) == 0, "a second deliverer is told it is busy");
		close(fd2);
	}
	ok(wo_audit_spool_reject(fd, n1, "HTTP 400\nbad", &err) == 0, "reject");
	ok(wo_audit_spool_remove(fd, n2, &err) == 0, "remove");
	ok(wo_audit_spool_stats(sub, &st, &err) == 0 && st.pending == 0 && st.rejected == 1,
	   "stats: 0 pending, 1 rejected");
	{
		char path[256];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/rejected/%s.reason", sub, n1);
		ok(stat(path, &sb) == 0 && sb.st_size > 0, "rejected/NAME.reason written");
	}
	wo_audit_spool_names_free(names, n);
	close(fd);

	/* The bound: 3 events, then drops, counted. */
	for (int i = 0; i < 3; i++)
		wo_audit_spool_append(sub, json, strlen(json), 3, NULL, NULL, &err);
	is_int(pending(sub), 3, "three spooled");
	r = wo_audit_spool_append(sub, json, strlen(json), 3, NULL, &dropped, &err);
	ok(r == 1 && dropped == 1, "the fourth is dropped, counter 1");
	r = wo_audit_spool_append(sub, json, strlen(json), 3, NULL, &dropped, &err);
	ok(r == 1 && dropped == 2, "the fifth too, counter 2");
	ok(wo_audit_spool_stats(sub, &st, &err) == 0 && st.pending == 3 && st.dropped == 2,
	   "stats: 3 pending, 2 dropped");
	/* The drop counter busy: the drop still happens, at once. */
	{
		char path[256];
		int lfd;

		snprintf(path, sizeof(path), "%s/dropped", sub);
		lfd = open(path, O_RDONLY);
		flock(lfd, LOCK_EX);
		r = wo_audit_spool_append(sub, json, strlen(json), 3, NULL, &dropped, &err);
		ok(r == 1 && dropped == 0,
		   "counter locked by another: dropped, not counted, no wait");
		close(lfd);
	}

	/* Sizes and hostile directories. */
	{
		char *huge = malloc(WO_AUDIT_EVENT_MAX + 2);

		memset(huge, 'x', WO_AUDIT_EVENT_MAX + 1);
		huge[WO_AUDIT_EVENT_MAX + 1] = '\0';
		ok(wo_audit_spool_append(sub, huge, WO_AUDIT_EVENT_MAX + 1, 100, NULL, NULL, &err) <
		       0,
		   "an event over %d bytes is refused", WO_AUDIT_EVENT_MAX);
		free(huge);
	}
	chmod(sub, 0777);
	ok(wo_audit_spool_append(sub, json, strlen(json), 100, NULL, NULL, &err) < 0 &&
	       strstr(err.message, "refusing") != NULL,
	   "a spool writable by others is refused");
	chmod(sub, 0700);
	if (chown(sub, 1, 0) == 0) {
		ok(wo_audit_spool_open(sub, false, &err) < 0,
		   "a spool not owned by root is refused");
		(void)!chown(sub, 0, 0);
	}
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		ok(system(cmd) == 0, "cleanup");
	}
}

static void test_unique(void)
{
	char tmpl[] = "/tmp/test_audit.XXXXXX";
	struct wo_error err = WO_ERROR_INIT;
	char *dir = make_spool(tmpl), **names = NULL, key[WO_AUDIT_KEY_LEN], prev[WO_AUDIT_KEY_LEN];
	size_t n = 0;
	int fd, dup = 0;

	if (!ok(dir != NULL, "temp dir"))
		return;
	for (int i = 0; i < 500; i++)
		wo_audit_spool_append(dir, "{}", 2, 1000, NULL, NULL, &err);
	fd = wo_audit_spool_open(dir, false, &err);
	ok(wo_audit_spool_list(fd, &names, &n, &err) == 0 && n == 500, "500 events, 500 files");
	prev[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		wo_audit_spool_key(names[i], key);
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i] + 24, names[j] + 24) == 0)
				dup++;
		snprintf(prev, sizeof(prev), "%s", key);
	}
	is_int(dup, 0, "500 keys, all different");
	wo_audit_spool_names_free(names, n);
	close(fd);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		ok(system(cmd) == 0, "cleanup");
	}
}

int main(void)
{
	test_shape();
	test_hostile();
	if (geteuid() == 0) {
		test_spool();
		test_unique();
	} else {
		/* The spool insists on root: the module and tools run as root. */
		ok(0, "the spool tests need root");
	}
	return done_testing();
}
