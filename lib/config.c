/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "device_slots.h"
#include "names.h"
#include "secret.h"

#define CONFIG_FILE_MAX	 (64 * 1024)
#define CONFIG_LINE_MAX	 1024
#define API_KEY_MAX	 512
#define ROLE_SLUG_MAX	 64
#define METADATA_KEY_MAX 64
#define ISSUER_MAX	 400 /* room in the issuer list wo_api_verify_access_token builds */

/* Where the parser is, for "file:line: message" errors. */
struct parse_ctx {
	const char *name;
	unsigned line;
	struct wo_error *err;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse_ctx *ctx, const char *fmt, ...)
{
	char msg[WO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->line > 0)
		return wo_error_set(ctx->err, WO_ERR_CONFIG, "%s:%u: %s", ctx->name, ctx->line,
				    msg);
	return wo_error_set(ctx->err, WO_ERR_CONFIG, "%s: %s", ctx->name, msg);
}

static bool all_chars_in(const char *s, const char *extra)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (strchr(extra, c) == NULL)
			return false;
	}
	return true;
}

static int set_string(struct parse_ctx *ctx, char **field, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return wo_error_set(ctx->err, WO_ERR_SYSTEM, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static int parse_uint(struct parse_ctx *ctx, const char *key, const char *value, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	if (value[0] < '0' || value[0] > '9')
		return fail(ctx, "%s must be a whole number from %lu to %lu", key, min, max);
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return fail(ctx, "%s must be a whole number from %lu to %lu", key, min, max);
	*out = v;
	return 0;
}

static int parse_bool(struct parse_ctx *ctx, const char *key, const char *value, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return fail(ctx, "%s must be true or false", key);
}

static int parse_absolute_path(struct parse_ctx *ctx, const char *key, const char *value,
			       char **field)
{
	if (value[0] != '/')
		return fail(ctx, "%s must be an absolute path", key);
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(ctx, "%s contains a control character", key);
	return set_string(ctx, field, value);
}

bool wo_host_is_loopback(const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char buf[64];
	size_t len;

	if (host == NULL)
		return false;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127;
	len = strlen(host);
	/* Accept the bracketed form a URL needs as well as the bare one. */
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET6, host, addr) == 1)
		return memcmp(addr, &in6addr_loopback, sizeof(in6addr_loopback)) == 0;
	return false;
}

static bool is_valid_hostname(const char *host)
{
	size_t len = strlen(host);

	if (len == 0 || len > 253)
		return false;
	if (host[0] == '[')
		return len > 2 && host[len - 1] == ']' && all_chars_in(host + 1, ":.]") &&
		       strchr(host + 1, ']') == host + len - 1;
	if (host[0] == '-' || host[0] == '.')
		return false;
	return all_chars_in(host, ".-");
}

/* https://HOST[:PORT][/PATH] (http:// only for a loopback HOST): the
 * issuer a token names, compared byte for byte.  No user info, query or
 * fragment (an OpenID issuer has none), printable ASCII only. */
static int parse_issuer(struct parse_ctx *ctx, struct wo_config *cfg, const char *value)
{
	char host[256];
	const char *p, *end;
	bool https = strncmp(value, "https://", 8) == 0;
	size_t n;

	if (strlen(value) > ISSUER_MAX)
		return fail(ctx, "token_issuer is longer than %d bytes", ISSUER_MAX);
	if (!https && strncmp(value, "http://", 7) != 0)
		return fail(ctx, "token_issuer must be an https:// URL");
	for (p = value; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?' ||
		    *p == '#' || *p == '@' || *p == '\\')
			return fail(ctx, "token_issuer must be a URL without spaces, user info, "
					 "query or fragment");
	p = value + (https ? 8 : 7);
	if (*p == '[')
		end = strchr(p, ']') ? strchr(p, ']') + 1 : p + strlen(p);
	else
		end = p + strcspn(p, ":/");
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(host))
		return fail(ctx, "token_issuer needs a host name");
	memcpy(host, p, n);
	host[n] = '\0';
	if (!is_valid_hostname(host))
		return fail(ctx, "token_issuer: \"%s\" is not a host name or IP address", host);
	if (*end == ':') {
		unsigned long port;

		p = end + 1;
		n = strspn(p, "0123456789");
		if (n == 0 || n > 5 || (p[n] != '\0' && p[n] != '/') ||
		    (port = strtoul(p, NULL, 10)) == 0 || port > 65535)
			return fail(ctx, "token_issuer has a bad port");
		end = p + n;
	}
	if (*end != '\0' && *end != '/')
		return fail(ctx, "token_issuer must be an https:// URL");
	if (!https && !wo_host_is_loopback(host))
		return fail(ctx, "token_issuer may use http:// only for a loopback host "
				 "(as api_https = false)");
	return set_string(ctx, &cfg->token_issuer, value);
}

/* https://HOST[:PORT]/PATH[?QUERY] (http:// only for a loopback HOST): where
 * a fleet member pulls the snapshot.  Printable ASCII, no user info or
 * fragment; lib/url_fetch.c checks it again with libcurl's parser. */
static int parse_snapshot_url(struct parse_ctx *ctx, struct wo_config *cfg, const char *value)
{
	char host[256];
	const char *p, *end;
	bool https = strncmp(value, "https://", 8) == 0;
	size_t n;

	if (strlen(value) > 1024)
		return fail(ctx, "snapshot_url is longer than 1024 bytes");
	if (!https && strncmp(value, "http://", 7) != 0)
		return fail(ctx, "snapshot_url must be an https:// URL");
	for (p = value; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#' ||
		    *p == '@' || *p == '\\')
			return fail(ctx, "snapshot_url must be a URL without spaces, user info "
					 "or fragment");
	p = value + (https ? 8 : 7);
	if (*p == '[')
		end = strchr(p, ']') ? strchr(p, ']') + 1 : p + strlen(p);
	else
		end = p + strcspn(p, ":/?");
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(host))
		return fail(ctx, "snapshot_url needs a host name");
	memcpy(host, p, n);
	host[n] = '\0';
	if (!is_valid_hostname(host))
		return fail(ctx, "snapshot_url: \"%s\" is not a host name or IP address", host);
	if (*end == ':') {
		p = end + 1;
		n = strspn(p, "0123456789");
		if (n == 0 || n > 5 || (p[n] != '\0' && p[n] != '/') || strtoul(p, NULL, 10) == 0 ||
		    strtoul(p, NULL, 10) > 65535)
			return fail(ctx, "snapshot_url has a bad port");
		end = p + n;
	}
	if (*end != '/')
		return fail(ctx, "snapshot_url needs a path (the file, e.g. /nss.snapshot)");
	if (!https && !wo_host_is_loopback(host))
		return fail(ctx, "snapshot_url may use http:// only for a loopback host");
	return set_string(ctx, &cfg->snapshot_url, value);
}

static bool is_valid_role_slug(const char *s)
{
	size_t len = strlen(s);
	return len > 0 && len <= ROLE_SLUG_MAX && all_chars_in(s, "-_");
}

void wo_config_free_roles(char **roles)
{
	if (roles == NULL)
		return;
	for (char **r = roles; *r; r++)
		free(*r);
	free(roles);
}

int wo_config_parse_roles(const char *list, char ***out, size_t *n_out, struct wo_error *err)
{
	char **roles = NULL;
	size_t n = 0;
	const char *p = list;

	*out = NULL;
	*n_out = 0;
	while (*p) {
		const char *start, *end;
		char **grown;

		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		/* A comma must be followed by another role: "a," is a typo. */
		if (*p == ',' && *++p == '\0')
			end = start;
		if (end == start) {
			wo_error_set(err, WO_ERR_CONFIG, "empty role in list \"%.100s\"", list);
			goto fail;
		}
		grown = realloc(roles, (n + 2) * sizeof(*roles));
		if (grown == NULL) {
			wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			goto fail;
		}
		roles = grown;
		roles[n] = strndup(start, (size_t)(end - start));
		roles[n + 1] = NULL;
		if (roles[n] == NULL) {
			wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			goto fail;
		}
		n++;
		if (!is_valid_role_slug(roles[n - 1])) {
			wo_error_set(
			    err, WO_ERR_CONFIG,
			    "invalid role slug \"%.64s\" (letters, digits, '-' and '_' only)",
			    roles[n - 1]);
			goto fail;
		}
	}
	if (n == 0) {
		wo_error_set(err, WO_ERR_CONFIG, "empty role list");
		goto fail;
	}
	*out = roles;
	*n_out = n;
	return 0;
fail:
	wo_config_free_roles(roles);
	return -1;
}

int wo_config_parse_qr(const char *value, enum wo_qr_mode *out)
{
	static const struct {
		const char *name;
		enum wo_qr_mode mode;
	} modes[] = {
	    {"auto", WO_QR_AUTO},
	    {"always", WO_QR_ALWAYS},
	    {"ascii", WO_QR_ASCII},
	    {"never", WO_QR_NEVER},
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(value, modes[i].name) == 0) {
			*out = modes[i].mode;
			return 0;
		}
	}
	return -1;
}

static int parse_username_from(struct parse_ctx *ctx, struct wo_config *cfg, const char *value)
{
	static const char metadata[] = "metadata:";

	if (strcmp(value, "email_localpart") == 0) {
		cfg->username_from = WO_USERNAME_EMAIL_LOCALPART;
	} else if (strcmp(value, "email") == 0) {
		cfg->username_from = WO_USERNAME_EMAIL;
	} else if (strcmp(value, "external_id") == 0) {
		cfg->username_from = WO_USERNAME_EXTERNAL_ID;
	} else if (strncmp(value, metadata, sizeof(metadata) - 1) == 0) {
		const char *key = value + sizeof(metadata) - 1;
		if (key[0] == '\0' || strlen(key) > METADATA_KEY_MAX || !all_chars_in(key, "-_."))
			return fail(ctx, "username_from = metadata:KEY needs a KEY of letters, "
					 "digits, '-', '_' and '.'");
		cfg->username_from = WO_USERNAME_METADATA;
		return set_string(ctx, &cfg->username_metadata_key, key);
	} else {
		return fail(ctx, "username_from must be email_localpart, email, external_id "
				 "or metadata:KEY");
	}
	free(cfg->username_metadata_key);
	cfg->username_metadata_key = NULL;
	return 0;
}

static int parse_home_dir(struct parse_ctx *ctx, struct wo_config *cfg, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] != 'u' && p[1] != '%')
			return fail(ctx, "home_dir: only %%u and %%%% may follow %%");
		p++;
	}
	return parse_absolute_path(ctx, "home_dir", value, &cfg->home_dir);
}

/* The table of keys: one handler each, so a key cannot be half-supported. */
enum key_id {
	K_CLIENT_ID,
	K_ORGANIZATION_ID,
	K_API_KEY_FILE,
	K_API_HOSTNAME,
	K_API_PORT,
	K_API_HTTPS,
	K_CA_FILE,
	K_HTTP_TIMEOUT,
	K_USERNAME_FROM,
	K_ALLOWED_ROLES,
	K_GROUP_PREFIX,
	K_MEMBER_GROUP,
	K_UID_MIN,
	K_UID_MAX,
	K_GID_MIN,
	K_GID_MAX,
	K_HOME_DIR,
	K_SHELL,
	K_DEVICE_TIMEOUT,
	K_DEVICE_MAX_PER_ADDRESS,
	K_DEVICE_MAX_PER_HOST,
	K_QR,
	K_ALLOW_IMPERSONATION,
	K_TOKEN_ISSUER,
	K_ALLOW_TOTP_ENROLLMENT,
	K_SNAPSHOT_SIGNING_KEY,
	K_SNAPSHOT_URL,
	K_SNAPSHOT_PUBLIC_KEY,
	K_SNAPSHOT_MAX_AGE,
	K_FULL_SYNC_INTERVAL,
	K_AUDIT,
	K_AUDIT_ACTION_AUTH_SUCCEEDED,
	K_AUDIT_ACTION_AUTH_DENIED,
	K_AUDIT_ACTION_ACCOUNT_DENIED,
	K_AUDIT_SPOOL_MAX_EVENTS,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
    [K_CLIENT_ID] = "client_id",
    [K_ORGANIZATION_ID] = "organization_id",
    [K_API_KEY_FILE] = "api_key_file",
    [K_API_HOSTNAME] = "api_hostname",
    [K_API_PORT] = "api_port",
    [K_API_HTTPS] = "api_https",
    [K_CA_FILE] = "ca_file",
    [K_HTTP_TIMEOUT] = "http_timeout",
    [K_USERNAME_FROM] = "username_from",
    [K_ALLOWED_ROLES] = "allowed_roles",
    [K_GROUP_PREFIX] = "group_prefix",
    [K_MEMBER_GROUP] = "member_group",
    [K_UID_MIN] = "uid_min",
    [K_UID_MAX] = "uid_max",
    [K_GID_MIN] = "gid_min",
    [K_GID_MAX] = "gid_max",
    [K_HOME_DIR] = "home_dir",
    [K_SHELL] = "shell",
    [K_DEVICE_TIMEOUT] = "device_timeout",
    [K_DEVICE_MAX_PER_ADDRESS] = "device_max_pending_per_address",
    [K_DEVICE_MAX_PER_HOST] = "device_max_pending_per_host",
    [K_QR] = "qr",
    [K_ALLOW_IMPERSONATION] = "allow_impersonation",
    [K_TOKEN_ISSUER] = "token_issuer",
    [K_ALLOW_TOTP_ENROLLMENT] = "allow_totp_enrollment",
    [K_SNAPSHOT_SIGNING_KEY] = "snapshot_signing_key",
    [K_SNAPSHOT_URL] = "snapshot_url",
    [K_SNAPSHOT_PUBLIC_KEY] = "snapshot_public_key",
    [K_SNAPSHOT_MAX_AGE] = "snapshot_max_age",
    [K_FULL_SYNC_INTERVAL] = "full_sync_interval",
    [K_AUDIT] = "audit",
    [K_AUDIT_ACTION_AUTH_SUCCEEDED] = "audit_action_auth_succeeded",
    [K_AUDIT_ACTION_AUTH_DENIED] = "audit_action_auth_denied",
    [K_AUDIT_ACTION_ACCOUNT_DENIED] = "audit_action_account_denied",
    [K_AUDIT_SPOOL_MAX_EVENTS] = "audit_spool_max_events",
};

/* Keys whose value may be empty; every other key needs a value. */
static bool may_be_empty(enum key_id k)
{
	return k == K_GROUP_PREFIX || k == K_MEMBER_GROUP;
}

static uint32_t *id_field(struct wo_config *cfg, enum key_id k)
{
	switch (k) {
	case K_UID_MIN:
		return &cfg->uid_min;
	case K_UID_MAX:
		return &cfg->uid_max;
	case K_GID_MIN:
		return &cfg->gid_min;
	default:
		return &cfg->gid_max;
	}
}

/* An Audit Logs action name as the dashboard's event schemas take them
 * ("pam.auth.succeeded"): letters, digits, '.', '_', '-', at most 64. */
static int parse_audit_action(struct parse_ctx *ctx, enum key_id k, const char *value, char **field)
{
	if (strlen(value) > 64 || !all_chars_in(value, "._-"))
		return fail(ctx,
			    "%s must be an action name like pam.auth.denied "
			    "(letters, digits, '.', '_', '-'; at most 64)",
			    key_names[k]);
	return set_string(ctx, field, value);
}

static int apply_key(struct parse_ctx *ctx, struct wo_config *cfg, enum key_id k, const char *value)
{
	unsigned long n;

	switch (k) {
	case K_CLIENT_ID:
		if (strncmp(value, "client_", 7) != 0 || value[7] == '\0' || strlen(value) > 128 ||
		    !all_chars_in(value, "_"))
			return fail(ctx, "client_id must look like client_01H...");
		return set_string(ctx, &cfg->client_id, value);
	case K_ORGANIZATION_ID:
		if (strncmp(value, "org_", 4) != 0 || value[4] == '\0' || strlen(value) > 128 ||
		    !all_chars_in(value, "_"))
			return fail(ctx, "organization_id must look like org_01H...");
		return set_string(ctx, &cfg->organization_id, value);
	case K_API_KEY_FILE:
		return parse_absolute_path(ctx, "api_key_file", value, &cfg->api_key_file);
	case K_API_HOSTNAME:
		if (!is_valid_hostname(value))
			return fail(ctx, "api_hostname must be a host name or IP address");
		return set_string(ctx, &cfg->api_hostname, value);
	case K_API_PORT:
		if (parse_uint(ctx, "api_port", value, 1, 65535, &n) != 0)
			return -1;
		cfg->api_port = (unsigned)n;
		return 0;
	case K_API_HTTPS:
		return parse_bool(ctx, "api_https", value, &cfg->api_https);
	case K_CA_FILE:
		return parse_absolute_path(ctx, "ca_file", value, &cfg->ca_file);
	case K_HTTP_TIMEOUT:
		if (parse_uint(ctx, "http_timeout", value, 1, 300, &n) != 0)
			return -1;
		cfg->http_timeout = (unsigned)n;
		return 0;
	case K_FULL_SYNC_INTERVAL:
		/* 0: every run lists everyone.  At most 28 days, so that the
		 * events since the last full listing are still kept by WorkOS
		 * (the events list reaches 30 days back). */
		if (parse_uint(ctx, "full_sync_interval", value, 0, 28 * 86400, &n) != 0)
			return -1;
		cfg->full_sync_interval = (unsigned)n;
		return 0;
	case K_USERNAME_FROM:
		return parse_username_from(ctx, cfg, value);
	case K_ALLOWED_ROLES:
		wo_config_free_roles(cfg->allowed_roles);
		cfg->allowed_roles = NULL;
		if (wo_config_parse_roles(value, &cfg->allowed_roles, &cfg->n_allowed_roles,
					  ctx->err) != 0)
			return wo_error_prefix(ctx->err, "%s:%u: allowed_roles", ctx->name,
					       ctx->line);
		return 0;
	case K_GROUP_PREFIX:
		/* The prefix plus a slug must make a valid group name; checked
		 * here for the prefix alone, per group when names are built. */
		if (value[0] != '\0' && !wo_name_is_valid(value))
			return fail(ctx, "group_prefix must be a valid group name prefix "
					 "(lowercase letters, digits, '_', '.', '-')");
		return set_string(ctx, &cfg->group_prefix, value);
	case K_MEMBER_GROUP:
		if (value[0] == '\0') {
			free(cfg->member_group);
			cfg->member_group = NULL;
			return 0;
		}
		if (!wo_name_is_valid(value))
			return fail(ctx, "member_group must be a valid group name");
		return set_string(ctx, &cfg->member_group, value);
	case K_UID_MIN:
	case K_UID_MAX:
	case K_GID_MIN:
	case K_GID_MAX:
		/* Below 1000 are system accounts; 2^31-1 and above confuse
		 * tools that keep IDs in signed ints, and (uid_t)-1 is "none". */
		if (parse_uint(ctx, key_names[k], value, 1000, 2147483646UL, &n) != 0)
			return -1;
		*id_field(cfg, k) = (uint32_t)n;
		return 0;
	case K_HOME_DIR:
		return parse_home_dir(ctx, cfg, value);
	case K_SHELL:
		return parse_absolute_path(ctx, "shell", value, &cfg->shell);
	case K_DEVICE_TIMEOUT:
		if (parse_uint(ctx, "device_timeout", value, 10, 3600, &n) != 0)
			return -1;
		cfg->device_timeout = (unsigned)n;
		return 0;
	case K_DEVICE_MAX_PER_ADDRESS:
		if (parse_uint(ctx, key_names[k], value, 1, 1000, &n) != 0)
			return -1;
		cfg->device_max_per_address = (unsigned)n;
		return 0;
	case K_DEVICE_MAX_PER_HOST:
		if (parse_uint(ctx, key_names[k], value, 1, 100000, &n) != 0)
			return -1;
		cfg->device_max_per_host = (unsigned)n;
		return 0;
	case K_QR:
		if (wo_config_parse_qr(value, &cfg->qr) != 0)
			return fail(ctx, "qr must be auto, always, ascii or never");
		return 0;
	case K_ALLOW_IMPERSONATION:
		return parse_bool(ctx, "allow_impersonation", value, &cfg->allow_impersonation);
	case K_TOKEN_ISSUER:
		return parse_issuer(ctx, cfg, value);
	case K_ALLOW_TOTP_ENROLLMENT:
		return parse_bool(ctx, "allow_totp_enrollment", value, &cfg->allow_totp_enrollment);
	case K_SNAPSHOT_SIGNING_KEY:
		return parse_absolute_path(ctx, "snapshot_signing_key", value,
					   &cfg->snapshot_signing_key);
	case K_SNAPSHOT_URL:
		return parse_snapshot_url(ctx, cfg, value);
	case K_SNAPSHOT_PUBLIC_KEY:
		return parse_absolute_path(ctx, "snapshot_public_key", value,
					   &cfg->snapshot_public_key);
	case K_SNAPSHOT_MAX_AGE:
		/* At least 10 minutes (a publish and a pull interval), at most a
		 * week: a removed member's access must stay bounded. */
		if (parse_uint(ctx, "snapshot_max_age", value, 600, 7 * 86400, &n) != 0)
			return -1;
		cfg->snapshot_max_age = (unsigned)n;
		return 0;
	case K_AUDIT:
		if (strcmp(value, "workos") == 0)
			cfg->audit = WO_AUDIT_WORKOS;
		else if (strcmp(value, "syslog") == 0)
			cfg->audit = WO_AUDIT_SYSLOG;
		else if (strcmp(value, "off") == 0)
			cfg->audit = WO_AUDIT_OFF;
		else
			return fail(ctx, "audit must be workos, syslog or off");
		return 0;
	case K_AUDIT_ACTION_AUTH_SUCCEEDED:
		return parse_audit_action(ctx, k, value, &cfg->audit_action_auth_succeeded);
	case K_AUDIT_ACTION_AUTH_DENIED:
		return parse_audit_action(ctx, k, value, &cfg->audit_action_auth_denied);
	case K_AUDIT_ACTION_ACCOUNT_DENIED:
		return parse_audit_action(ctx, k, value, &cfg->audit_action_account_denied);
	case K_AUDIT_SPOOL_MAX_EVENTS:
		if (parse_uint(ctx, key_names[k], value, 1, 1000000, &n) != 0)
			return -1;
		cfg->audit_spool_max_events = (unsigned)n;
		return 0;
	case K_COUNT:
		break;
	}
	return fail(ctx, "internal error: unhandled key");
}

static int set_defaults(struct parse_ctx *ctx, struct wo_config *cfg)
{
	cfg->api_https = true;
	cfg->http_timeout = 10;
	cfg->full_sync_interval = 86400;
	cfg->username_from = WO_USERNAME_EMAIL_LOCALPART;
	/* Above SSSD's AD ID mapping (200000-2000200000), Debian's subordinate
	 * IDs (100000-600100000) and systemd's container ranges, below its
	 * foreign range and 2^31; workos.conf(5) says why in full. */
	cfg->uid_min = 2001000000;
	cfg->uid_max = 2099999999;
	cfg->gid_min = 2100000000;
	cfg->gid_max = 2146999999;
	/* The wait, then one more bounded request (the admission), ends
	 * before sshd's default LoginGraceTime of 120 s: 100 + 10. */
	cfg->device_timeout = 100;
	cfg->device_max_per_address = WO_DEVICE_MAX_PER_ADDRESS;
	cfg->device_max_per_host = WO_DEVICE_MAX_PER_HOST;
	cfg->qr = WO_QR_AUTO;
	cfg->allow_impersonation = false;
	cfg->allow_totp_enrollment = false;
	/* Longer than a publisher's bad afternoon (an API outage, a reboot, a
	 * broken deploy fixed within hours), shorter than a removed member
	 * should keep access when the pipeline is broken; workos.conf(5). */
	cfg->snapshot_max_age = 4 * 3600;
	cfg->audit = WO_AUDIT_SYSLOG;
	/* 10000 events of at most 16 KiB: 160 MiB at worst, days of logins
	 * on a busy host while WorkOS is away (workos.conf(5)). */
	cfg->audit_spool_max_events = 10000;
	if (set_string(ctx, &cfg->audit_action_auth_succeeded, "pam.auth.succeeded") != 0 ||
	    set_string(ctx, &cfg->audit_action_auth_denied, "pam.auth.denied") != 0 ||
	    set_string(ctx, &cfg->audit_action_account_denied, "pam.account.denied") != 0)
		return -1;
	if (set_string(ctx, &cfg->api_key_file, WO_CONFDIR "/api_key") != 0 ||
	    set_string(ctx, &cfg->snapshot_signing_key, WO_CONFDIR "/snapshot.key") != 0 ||
	    set_string(ctx, &cfg->snapshot_public_key, WO_CONFDIR "/snapshot.pub") != 0 ||
	    set_string(ctx, &cfg->api_hostname, "api.workos.com") != 0 ||
	    set_string(ctx, &cfg->group_prefix, "workos-") != 0 ||
	    set_string(ctx, &cfg->member_group, "workos-users") != 0 ||
	    set_string(ctx, &cfg->home_dir, "/home/%u") != 0 ||
	    set_string(ctx, &cfg->shell, "/bin/bash") != 0)
		return -1;
	return 0;
}

/* Checks that need every key: required keys, ranges, combinations. */
static int validate(struct parse_ctx *ctx, struct wo_config *cfg)
{
	ctx->line = 0;
	if (cfg->client_id == NULL)
		return fail(ctx, "client_id is required");
	if (cfg->organization_id == NULL)
		return fail(ctx, "organization_id is required");
	if (!cfg->api_https && !wo_host_is_loopback(cfg->api_hostname))
		return fail(ctx, "api_https = false is only allowed for a loopback api_hostname "
				 "(TLS is never turned off for a real server)");
	if (cfg->uid_min > cfg->uid_max)
		return fail(ctx, "uid_min (%u) is above uid_max (%u)", cfg->uid_min, cfg->uid_max);
	if (cfg->gid_min > cfg->gid_max)
		return fail(ctx, "gid_min (%u) is above gid_max (%u)", cfg->gid_min, cfg->gid_max);
	/* User private groups take GID = UID, so the role group range must
	 * stay clear of the UID range or a role group could collide with one. */
	if (cfg->gid_min <= cfg->uid_max && cfg->uid_min <= cfg->gid_max)
		return fail(ctx, "the gid_min..gid_max range overlaps uid_min..uid_max");
	if (cfg->group_prefix[0] != '\0' && strlen(cfg->group_prefix) >= WO_NAME_MAX)
		return fail(ctx, "group_prefix leaves no room for a role name");
	return 0;
}

void wo_config_free(struct wo_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->client_id);
	free(cfg->organization_id);
	free(cfg->api_key_file);
	free(cfg->api_hostname);
	free(cfg->ca_file);
	free(cfg->token_issuer);
	free(cfg->snapshot_signing_key);
	free(cfg->snapshot_url);
	free(cfg->snapshot_public_key);
	free(cfg->audit_action_auth_succeeded);
	free(cfg->audit_action_auth_denied);
	free(cfg->audit_action_account_denied);
	free(cfg->username_metadata_key);
	wo_config_free_roles(cfg->allowed_roles);
	free(cfg->group_prefix);
	free(cfg->member_group);
	free(cfg->home_dir);
	free(cfg->shell);
	free(cfg);
}

static int parse_line(struct parse_ctx *ctx, struct wo_config *cfg, char *line, bool *seen)
{
	char *key, *value, *eq, *end;
	enum key_id k;

	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return fail(ctx, "control character in line");
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL)
		return fail(ctx, "expected \"key = value\"");
	key = line;
	end = eq;
	while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	value = eq + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';

	for (k = 0; k < K_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == K_COUNT)
		return fail(ctx, "unknown key \"%.64s\"", key);
	if (seen[k])
		return fail(ctx, "duplicate key \"%s\"", key_names[k]);
	seen[k] = true;
	if (value[0] == '\0' && !may_be_empty(k))
		return fail(ctx, "%s needs a value", key_names[k]);
	return apply_key(ctx, cfg, k, value);
}

int wo_config_parse(const char *name, const char *text, size_t len, struct wo_config **out,
		    struct wo_error *err)
{
	struct parse_ctx ctx = {.name = name, .line = 0, .err = err};
	bool seen[K_COUNT] = {false};
	struct wo_config *cfg;
	char line[CONFIG_LINE_MAX + 1];
	size_t pos = 0;

	*out = NULL;
	if (len > CONFIG_FILE_MAX)
		return fail(&ctx, "file is larger than %d bytes", CONFIG_FILE_MAX);
	if (memchr(text, '\0', len) != NULL)
		return fail(&ctx, "file contains a NUL byte");
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	if (set_defaults(&ctx, cfg) != 0 || set_string(&ctx, &cfg->path, name) != 0)
		goto fail;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		ctx.line++;
		if (n > CONFIG_LINE_MAX) {
			fail(&ctx, "line is longer than %d bytes", CONFIG_LINE_MAX);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		pos += n + (nl ? 1 : 0);
		if (parse_line(&ctx, cfg, line, seen) != 0)
			goto fail;
	}
	if (validate(&ctx, cfg) != 0)
		goto fail;
	*out = cfg;
	return 0;
fail:
	wo_config_free(cfg);
	return -1;
}

int wo_config_load(const char *path, struct wo_config **out, struct wo_error *err)
{
	char what[PATH_MAX + 32];
	char *text = NULL;
	size_t len = 0;
	int fd, rc = -1;

	*out = NULL;
	snprintf(what, sizeof(what), "configuration file %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return wo_error_set(err, errno == ENOENT ? WO_ERR_CONFIG : WO_ERR_SYSTEM,
				    "cannot open %s: %s", what, strerror(errno));
	if (wo_file_check_trusted(fd, what, 0, err) != 0)
		goto out;
	text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	/* One byte more than allowed: the parser then says it is too long. */
	if (wo_read_upto(fd, text, CONFIG_FILE_MAX + 1, &len, what, err) < 0)
		goto out;
	rc = wo_config_parse(path, text, len, out, err);
out:
	free(text);
	close(fd);
	return rc;
}

char *wo_config_home_for(const struct wo_config *cfg, const char *user)
{
	size_t ulen = strlen(user), cap = strlen(cfg->home_dir) + 1;
	char *out, *o;

	for (const char *p = cfg->home_dir; *p; p++)
		if (p[0] == '%' && p[1] == 'u')
			cap += ulen;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	o = out;
	for (const char *p = cfg->home_dir; *p; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			memcpy(o, user, ulen);
			o += ulen;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			*o++ = '%';
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

int wo_config_read_api_key(const struct wo_config *cfg, char **key, struct wo_error *err)
{
	return wo_secret_read_file(cfg->api_key_file, API_KEY_MAX, key, err);
}

bool wo_config_has_api_key(const struct wo_config *cfg)
{
	struct stat st;

	/* Not access(2): it answers for the real uid, which under sudo or su
	 * is the invoking user, who cannot see root's files.  Anything but
	 * "not there" counts as present, so that reading it reports the
	 * problem instead of quietly running without the key. */
	if (stat(cfg->api_key_file, &st) == 0)
		return true;
	return errno != ENOENT && errno != ENOTDIR;
}
