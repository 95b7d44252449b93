/* SPDX-License-Identifier: MIT */
/*
 * workosctl check: walks the path a login takes and says, step by step,
 * what works and what does not.  Every step runs even after an earlier one
 * failed, as far as it can, so that one run shows every problem.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api.h"
#include "cache.h"
#include "ctl.h"
#include "http.h"
#include "jwks.h"
#include "mapping.h"
#include "secret.h"

#define NSSWITCH_PATH	 "/etc/nsswitch.conf"
#define NSS_MODULE	 "libnss_workos.so.2"
#define MAX_MEMBER_PAGES 100000 /* 10 million members at 100 a page */
#define WHY_MAX		 (WO_ERROR_MSG_MAX + 32)

/* The API key file: present, root-owned, 0600, one usable line. */
static bool check_api_key(struct ctl_report *r, const struct wo_config *cfg)
{
	struct wo_error err = WO_ERROR_INIT;
	char why[WHY_MAX];
	struct stat st;
	char *key = NULL;

	if (!wo_config_has_api_key(cfg)) {
		ctl_warn(r, "api key",
			 "%s does not exist: the device flow works, but member "
			 "counts, live role checks and workos-sync need it",
			 cfg->api_key_file);
		return false;
	}
	if (wo_config_read_api_key(cfg, &key, &err) != 0) {
		ctl_fail(r, "api key", "%s", ctl_why(&err, why, sizeof(why)));
		return false;
	}
	wo_secret_free(key);
	if (stat(cfg->api_key_file, &st) == 0)
		ctl_ok(r, "api key", "%s: owner uid %u, mode %04o", cfg->api_key_file,
		       (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	else
		ctl_ok(r, "api key", "%s", cfg->api_key_file);
	return true;
}

/* GET /sso/jwks/{client_id}: the public key set.  It proves that the host
 * resolves, that TLS verifies with the configured trust, and that WorkOS
 * knows the client id, all without an API key.  False means the API could
 * not be reached at all. */
static bool check_jwks(struct ctl_report *r, struct wo_client *c)
{
	const struct wo_config *cfg = wo_client_config(c);
	struct wo_http_request req = {.method = WO_HTTP_GET, .idempotent = true};
	struct wo_http_response resp = {0};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_jwks *set = NULL;
	char why[WHY_MAX];
	char path[512];
	char *id;
	bool reached = false;

	id = wo_http_escape(cfg->client_id);
	if (id == NULL) {
		ctl_fail(r, "api", "out of memory");
		return false;
	}
	snprintf(path, sizeof(path), "/sso/jwks/%s", id);
	free(id);
	req.path = path;
	if (wo_http_send(wo_client_http(c), &req, &resp, &err) != 0) {
		ctl_fail(r, "api", "%s", ctl_why(&err, why, sizeof(why)));
		if (err.kind == WO_ERR_TLS)
			ctl_info("the server certificate is checked against %s",
				 cfg->ca_file != NULL ? cfg->ca_file
						      : WO_CA_BUNDLE " (ca_file not set)");
		return false;
	}
	reached = true;
	ctl_ok(r, "api", "%s answered", wo_http_base_url(wo_client_http(c)));
	if (resp.status == 404) {
		ctl_fail(r, "client_id",
			 "WorkOS does not know client_id %s (HTTP 404 for its "
			 "signing keys): check client_id in %s",
			 cfg->client_id, cfg->path);
	} else if (resp.status != 200) {
		ctl_fail(r, "client_id", "signing keys of %s: WorkOS answered HTTP %ld",
			 cfg->client_id, resp.status);
	} else if (wo_jwks_parse(resp.body, resp.len, &set, &err) != 0) {
		ctl_fail(r, "client_id", "signing keys of %s are unusable: %s", cfg->client_id,
			 ctl_why(&err, why, sizeof(why)));
	} else {
		ctl_ok(r, "client_id", "%s: %zu RS256 signing key(s)", cfg->client_id,
		       wo_jwks_count(set));
	}
	wo_jwks_free(set);
	wo_http_response_clear(&resp);
	return reached;
}

static bool check_organization(struct ctl_report *r, struct wo_client *c)
{
	const struct wo_config *cfg = wo_client_config(c);
	struct wo_organization org = {0};
	struct wo_error err = WO_ERROR_INIT;
	char why[WHY_MAX];

	if (wo_api_get_organization(c, cfg->organization_id, &org, &err) != 0) {
		ctl_fail(r, "organization", "%s", ctl_why(&err, why, sizeof(why)));
		return false;
	}
	ctl_ok(r, "organization", "%s \"%s\"", org.id, org.name != NULL ? org.name : "");
	wo_organization_clear(&org);
	return true;
}

/* Counts the active members, page by page, and how many of them have a
 * local name under username_from (the others cannot log in). */
static void check_members(struct ctl_report *r, struct wo_client *c)
{
	const struct wo_config *cfg = wo_client_config(c);
	struct wo_error err = WO_ERROR_INIT;
	unsigned long members = 0, named = 0, unknown = 0;
	char why[WHY_MAX];
	char *after = NULL;
	int page;

	for (page = 0; page < MAX_MEMBER_PAGES; page++) {
		struct wo_membership_list list;

		if (wo_api_list_memberships(c, cfg->organization_id, NULL, "active", after, &list,
					    &err) != 0) {
			ctl_fail(r, "members", "%s", ctl_why(&err, why, sizeof(why)));
			goto out;
		}
		free(after);
		after = NULL;
		for (size_t i = 0; i < list.count; i++) {
			const struct wo_membership *m = &list.items[i];
			const struct wo_user *u = m->user;
			char name[WO_NAME_MAX + 1];
			struct wo_error ignored = WO_ERROR_INIT;

			if (!wo_membership_is_active(m) ||
			    strcmp(m->organization_id, cfg->organization_id) != 0)
				continue;
			members++;
			if (u == NULL) {
				unknown++;
				continue;
			}
			struct wo_map_input in = {
			    .email = u->email,
			    .email_verified = u->email_verified,
			    .external_id = u->external_id,
			    .metadata_value = cfg->username_metadata_key != NULL
						  ? wo_user_metadata(u, cfg->username_metadata_key)
						  : NULL,
			};
			if (wo_map_username(cfg, &in, name, &ignored) == 0)
				named++;
		}
		if (list.list_metadata.after != NULL)
			after = strdup(list.list_metadata.after);
		wo_membership_list_clear(&list);
		if (after == NULL)
			break;
	}
	if (page == MAX_MEMBER_PAGES) {
		ctl_fail(r, "members", "more than %d pages of members: giving up",
			 MAX_MEMBER_PAGES);
		goto out;
	}
	ctl_ok(r, "members", "%lu active member(s) in %d page(s)", members, page + 1);
	if (members > unknown)
		ctl_info("%lu of them map to a local name (username_from)", named);
out:
	free(after);
}

static void check_cache(struct ctl_report *r)
{
	const char *path = WO_CACHE_DEFAULT_PATH;
	struct wo_cache_stats stats;
	struct wo_error err = WO_ERROR_INIT;
	char why[WHY_MAX];
	char when[64] = "?";
	struct stat st;

	if (stat(path, &st) != 0) {
		ctl_fail(r, "nss cache", "%s: %s: run workos-sync (or enable workos-sync.timer)",
			 path, strerror(errno));
		return;
	}
	if (wo_cache_verify(path, &stats, &err) != 0) {
		ctl_fail(r, "nss cache", "%s", ctl_why(&err, why, sizeof(why)));
		return;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&st.st_mtime));
	ctl_ok(r, "nss cache",
	       "%s: generation %llu, %u users, %u groups, owner uid %u, mode %04o, "
	       "written %s",
	       path, (unsigned long long)stats.generation, stats.n_users, stats.n_groups,
	       (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), when);
}

/* Whether the `db:` line of nsswitch.conf names the workos service. */
static int nsswitch_has(FILE *f, const char *db, char *line_out, size_t size)
{
	char line[1024];
	size_t dl = strlen(db);

	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line + strspn(line, " \t");
		char *tok, *save = NULL;

		if (strncmp(p, db, dl) != 0 || p[dl] != ':')
			continue;
		p[strcspn(p, "#\n")] = '\0';
		snprintf(line_out, size, "%s", p);
		for (tok = strtok_r(p + dl + 1, " \t", &save); tok != NULL;
		     tok = strtok_r(NULL, " \t", &save))
			if (strcmp(tok, "workos") == 0)
				return 1;
		return 0;
	}
	return -1;
}

static void check_nsswitch(struct ctl_report *r)
{
	static const char *const dbs[] = {"passwd", "group"};
	FILE *f = fopen(NSSWITCH_PATH, "re");
	void *h;

	if (f == NULL) {
		ctl_fail(r, "nsswitch", "%s: %s", NSSWITCH_PATH, strerror(errno));
	} else {
		for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
			char line[1024] = "";

			switch (nsswitch_has(f, dbs[i], line, sizeof(line))) {
			case 1:
				ctl_ok(r, "nsswitch", "%s", line);
				break;
			case 0:
				ctl_fail(r, "nsswitch",
					 "\"%s\" does not name workos: make it "
					 "\"%s: files workos\"",
					 line, dbs[i]);
				break;
			default:
				ctl_fail(r, "nsswitch",
					 "%s has no %s line: add \"%s: files workos\"",
					 NSSWITCH_PATH, dbs[i], dbs[i]);
			}
		}
		fclose(f);
	}
	/* glibc finds the module the same way: by its soname. */
	h = dlopen(NSS_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		ctl_fail(r, "nss module", "%s cannot be loaded: %s", NSS_MODULE, dlerror());
	} else {
		if (dlsym(h, "_nss_workos_getpwnam_r") == NULL)
			ctl_fail(r, "nss module", "%s has no _nss_workos_getpwnam_r", NSS_MODULE);
		else
			ctl_ok(r, "nss module", "%s loads", NSS_MODULE);
		dlclose(h);
	}
}

int ctl_check(const struct ctl_opts *o)
{
	struct ctl_report r = {0};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_client *c = NULL;
	struct wo_config *cfg;
	char why[WHY_MAX];
	bool key;

	cfg = ctl_load_config(&r, o->config_path);
	if (cfg != NULL) {
		key = check_api_key(&r, cfg);
		if (o->offline) {
			ctl_info("offline: the WorkOS API is not asked");
		} else if (wo_client_new(cfg, key ? WO_KEY_REQUIRED : WO_KEY_NONE, &c, &err) != 0) {
			ctl_fail(&r, "api", "%s", ctl_why(&err, why, sizeof(why)));
		} else if (!check_jwks(&r, c)) {
			ctl_info("organization and members not checked: the API cannot be reached");
		} else if (!key) {
			ctl_info("organization and members not checked: no API key");
		} else if (check_organization(&r, c)) {
			check_members(&r, c);
		}
	}
	check_cache(&r);
	check_nsswitch(&r);
	if (cfg != NULL) {
		ctl_check_ranges(&r, cfg);
		ctl_check_snapshot(&r, cfg);
		ctl_check_audit(&r, cfg);
	}

	if (r.failed != 0)
		printf("%u check(s) failed\n", r.failed);
	else
		printf("all checks passed%s\n", r.warned ? " (with warnings)" : "");
	wo_client_free(c);
	wo_config_free(cfg);
	return r.failed != 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
