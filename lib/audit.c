/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_spool.h"
#include "body.h"
#include "json.h"

#define MACHINE_ID_PATH "/etc/machine-id"

/* Length of the UTF-8 sequence a lead byte starts, 0 for a byte that
 * cannot start one. */
static size_t utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 0;
}

size_t wo_audit_clean(char *dst, size_t size, const char *src, size_t max)
{
	size_t out = 0;

	if (size == 0)
		return 0;
	if (max > size - 1)
		max = size - 1;
	for (const char *p = src ? src : ""; *p;) {
		size_t n = utf8_len((unsigned char)*p);
		bool ok = n > 0 && strnlen(p, n) == n && wo_text_is_printable(p, n);

		if (!ok)
			n = 1;
		if (out + (ok ? n : 1) > max)
			break;
		if (ok)
			memcpy(dst + out, p, n);
		else
			dst[out] = '?';
		out += ok ? n : 1;
		p += n;
	}
	dst[out] = '\0';
	return out;
}

void wo_audit_iso8601(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

void wo_audit_machine_id(char *buf, size_t size)
{
	char id[64];
	ssize_t n = -1;
	int fd = open(MACHINE_ID_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = 0;

	if (fd >= 0) {
		n = read(fd, id, sizeof(id) - 1);
		close(fd);
	}
	if (n > 0) {
		id[n] = '\0';
		while (len < (size_t)n &&
		       ((id[len] >= '0' && id[len] <= '9') || (id[len] >= 'a' && id[len] <= 'f')))
			len++;
		id[len] = '\0';
	}
	/* systemd: 32 lowercase hex digits; anything else is not one. */
	if (len == 32) {
		snprintf(buf, size, "%s", id);
		return;
	}
	if (gethostname(id, sizeof(id)) == 0) {
		id[sizeof(id) - 1] = '\0';
		wo_audit_clean(buf, size, id, WO_AUDIT_FIELD_MAX);
		if (buf[0] != '\0')
			return;
	}
	snprintf(buf, size, "unknown");
}

/* A member whose value is cleaned and cut first; `fallback` stands in for
 * a NULL or empty value (NULL fallback: the member is left out). */
static void put(struct wo_body *b, const char *key, const char *value, size_t max,
		const char *fallback)
{
	char clean[WO_AUDIT_METADATA_VALUE_MAX + 1];

	if (value == NULL || value[0] == '\0')
		value = fallback;
	if (value == NULL)
		return;
	wo_audit_clean(clean, sizeof(clean), value, max);
	wo_body_string(b, key, clean);
}

int wo_audit_event_json(const struct wo_audit_event *ev, char **json, size_t *len,
			struct wo_error *err)
{
	char when[32], agent[WO_AUDIT_FIELD_MAX + 1], service[65];
	struct wo_body b;

	*json = NULL;
	*len = 0;
	wo_audit_iso8601(ev->occurred_at_ms, when, sizeof(when));
	wo_audit_clean(service, sizeof(service), ev->service, 64);
	snprintf(agent, sizeof(agent), "%s/%s (%s)", PACKAGE_NAME, PACKAGE_VERSION,
		 service[0] ? service : "-");

	wo_body_init(&b);
	put(&b, "organization_id", ev->organization_id, WO_AUDIT_FIELD_MAX, "");
	wo_body_object_begin(&b, "event");
	put(&b, "action", ev->action, WO_AUDIT_FIELD_MAX, "");
	wo_body_string(&b, "occurred_at", when);

	wo_body_object_begin(&b, "actor");
	put(&b, "id", ev->actor_id, WO_AUDIT_FIELD_MAX, "unknown");
	wo_body_string(&b, "type", "user");
	put(&b, "name", ev->actor_name, WO_AUDIT_FIELD_MAX, NULL);
	wo_body_object_end(&b);

	wo_body_array_begin(&b, "targets");
	wo_body_object_begin(&b, NULL);
	wo_body_string(&b, "type", "host");
	put(&b, "id", ev->host_id, WO_AUDIT_FIELD_MAX, "unknown");
	put(&b, "name", ev->host_name, WO_AUDIT_FIELD_MAX, NULL);
	wo_body_object_end(&b);
	wo_body_object_begin(&b, NULL);
	wo_body_string(&b, "type", "account");
	put(&b, "id", ev->account, WO_AUDIT_FIELD_MAX, "?");
	wo_body_object_end(&b);
	wo_body_array_end(&b);

	wo_body_object_begin(&b, "context");
	put(&b, "location", ev->location, WO_AUDIT_FIELD_MAX, "console");
	put(&b, "user_agent", agent, WO_AUDIT_FIELD_MAX, NULL);
	wo_body_object_end(&b);

	/* DOCS: at most 50 keys, names up to 40 characters, values up to
	 * 500: four short fixed names, values cut to the limit. */
	wo_body_object_begin(&b, "metadata");
	put(&b, "reason", ev->reason, WO_AUDIT_METADATA_VALUE_MAX, "-");
	put(&b, "service", ev->service, WO_AUDIT_METADATA_VALUE_MAX, "-");
	put(&b, "tty", ev->tty, WO_AUDIT_METADATA_VALUE_MAX, "-");
	put(&b, "mode", ev->mode, WO_AUDIT_METADATA_VALUE_MAX, "-");
	wo_body_object_end(&b);

	wo_body_object_end(&b);
	if (wo_body_finish(&b, err) != 0) {
		wo_body_clear(&b);
		return -1;
	}
	*json = strdup(b.buf);
	*len = b.len;
	wo_body_clear(&b);
	if (*json == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	return 0;
}

void wo_audit_settings_from(const struct wo_config *cfg, bool have_key,
			    struct wo_audit_settings *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = cfg->audit;
	/* Fleet members hold no key: their events go to syslog, for the log
	 * pipeline to ship (pam_workos(8)). */
	out->spool = cfg->audit == WO_AUDIT_WORKOS && have_key && cfg->snapshot_url == NULL;
	out->max_events = cfg->audit_spool_max_events;
	snprintf(out->organization_id, sizeof(out->organization_id), "%s", cfg->organization_id);
	snprintf(out->action[WO_AUDIT_AUTH_SUCCEEDED], sizeof(out->action[0]), "%s",
		 cfg->audit_action_auth_succeeded);
	snprintf(out->action[WO_AUDIT_AUTH_DENIED], sizeof(out->action[0]), "%s",
		 cfg->audit_action_auth_denied);
	snprintf(out->action[WO_AUDIT_ACCOUNT_DENIED], sizeof(out->action[0]), "%s",
		 cfg->audit_action_account_denied);
}

void wo_audit_record(const struct wo_audit_settings *set, const char *spool_dir,
		     const struct wo_audit_decision *d, wo_audit_log_fn log, void *ctx)
{
	struct wo_error err = WO_ERROR_INIT;
	char host_id[WO_AUDIT_FIELD_MAX + 1], host_name[WO_AUDIT_FIELD_MAX + 1];
	char raw_host[WO_AUDIT_FIELD_MAX + 1];
	struct timespec now;
	struct wo_audit_event ev;
	unsigned long long dropped = 0;
	char *json = NULL;
	size_t len;
	int r;

	if (set->mode == WO_AUDIT_OFF || (unsigned)d->kind > WO_AUDIT_ACCOUNT_DENIED)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	wo_audit_machine_id(host_id, sizeof(host_id));
	if (gethostname(raw_host, sizeof(raw_host)) != 0)
		raw_host[0] = '\0';
	raw_host[sizeof(raw_host) - 1] = '\0';
	wo_audit_clean(host_name, sizeof(host_name), raw_host, WO_AUDIT_FIELD_MAX);

	memset(&ev, 0, sizeof(ev));
	ev.organization_id = set->organization_id;
	ev.action = set->action[d->kind];
	ev.occurred_at_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	ev.actor_id = d->workos_user;
	ev.actor_name = d->email;
	ev.host_id = host_id;
	ev.host_name = host_name;
	ev.account = d->account;
	ev.location = d->rhost;
	ev.service = d->service;
	ev.tty = d->tty;
	ev.mode = d->mode;
	ev.reason = d->reason;
	if (wo_audit_event_json(&ev, &json, &len, &err) != 0) {
		log(ctx, LOG_ERR, "audit: event not recorded: %s", err.message);
		return;
	}
	if (set->spool) {
		r = wo_audit_spool_append(spool_dir, json, len, set->max_events, NULL, &dropped,
					  &err);
		if (r == 0)
			goto out;
		if (r > 0)
			log(ctx, LOG_WARNING,
			    "audit: spool %s full (%u events): event dropped, %llu dropped so far; "
			    "it follows as a syslog line",
			    spool_dir, set->max_events, dropped);
		else
			log(ctx, LOG_ERR,
			    "audit: event not spooled (%s); it follows as a syslog "
			    "line",
			    err.message);
	}
	log(ctx, LOG_INFO, "audit: %s", json);
out:
	free(json);
}
