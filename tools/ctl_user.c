/* SPDX-License-Identifier: MIT */
/*
 * workosctl user NAME: what the machine and WorkOS know about one account,
 * side by side: NSS (what sshd, id and ls see), the workos-sync cache, who
 * owns the account (lib/owner.h) and whom the allocation map gave the name
 * to, and with an API key the person's WorkOS membership and roles.
 */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admission.h"
#include "api.h"
#include "cache.h"
#include "ctl.h"
#include "idmap.h"
#include "owner.h"

#define WHY_MAX	   (WO_ERROR_MSG_MAX + 32)
#define GROUPS_MAX 1024

/* getpwnam and getgrouplist, through glibc and nsswitch.conf.  *uid is
 * the UID NSS gives the name. */
static bool show_nss(struct ctl_report *r, const char *name, uid_t *uid)
{
	gid_t groups[GROUPS_MAX];
	int n = GROUPS_MAX;
	struct passwd *pw;
	char list[2048] = "";
	size_t used = 0;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		if (errno != 0)
			ctl_fail(r, "nss", "getpwnam(%s): %s", name, strerror(errno));
		else
			ctl_fail(r, "nss", "%s is not known to NSS (nsswitch.conf passwd line)",
				 name);
		return false;
	}
	*uid = pw->pw_uid;
	ctl_ok(r, "nss", "%s:%u:%u:%s:%s:%s", pw->pw_name, (unsigned)pw->pw_uid,
	       (unsigned)pw->pw_gid, pw->pw_gecos, pw->pw_dir, pw->pw_shell);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
		ctl_warn(r, "groups", "more than %d groups; not listed", GROUPS_MAX);
		return true;
	}
	for (int i = 0; i < n && used < sizeof(list) - 1; i++) {
		struct group *g = getgrgid(groups[i]);
		int w;

		if (g != NULL)
			w = snprintf(list + used, sizeof(list) - used, "%s%s(%u)", i ? " " : "",
				     g->gr_name, (unsigned)groups[i]);
		else
			w = snprintf(list + used, sizeof(list) - used, "%s%u", i ? " " : "",
				     (unsigned)groups[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	ctl_ok(r, "groups", "%s", list);
	return true;
}

/* Returns 1 found (*workos_id set, heap), 0 not in the cache, -1 no cache. */
static int show_cache(struct ctl_report *r, const char *name, char **workos_id)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_cache_user_info *info = NULL;
	struct wo_cache *c;
	char why[WHY_MAX];
	int found;

	*workos_id = NULL;
	c = wo_cache_open(WO_CACHE_DEFAULT_PATH, &err);
	if (c == NULL) {
		ctl_fail(r, "nss cache", "%s", ctl_why(&err, why, sizeof(why)));
		return -1;
	}
	found = wo_cache_find_user(c, name, &info, &err);
	if (found < 0) {
		ctl_fail(r, "nss cache", "%s", ctl_why(&err, why, sizeof(why)));
	} else if (found == 0) {
		ctl_ok(r, "nss cache", "%s is not in %s (generation %llu): not a WorkOS account",
		       name, WO_CACHE_DEFAULT_PATH, (unsigned long long)wo_cache_generation(c));
	} else {
		char groups[2048] = "";
		size_t used = 0;

		for (size_t i = 0; i < info->n_groups && used < sizeof(groups) - 1; i++) {
			int w = snprintf(groups + used, sizeof(groups) - used, "%s%s", i ? "," : "",
					 info->groups[i]);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		ctl_ok(r, "nss cache", "uid %u, gid %u, WorkOS user %s, groups %s", info->user.uid,
		       info->user.gid, info->user.workos_id, groups[0] ? groups : "(none)");
		*workos_id = strdup(info->user.workos_id);
		if (*workos_id == NULL)
			found = -1;
	}
	wo_cache_user_info_free(info);
	wo_cache_close(c);
	return found;
}

static void show_workos(struct ctl_report *r, const struct ctl_opts *o, const char *workos_id)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_member_roles member = {0};
	struct wo_user user = {0};
	struct wo_client *c = NULL;
	struct wo_config *cfg;
	char why[WHY_MAX];
	char roles[1024] = "";
	size_t used = 0;

	cfg = ctl_load_config(r, o->config_path);
	if (cfg == NULL)
		return;
	if (!wo_config_has_api_key(cfg)) {
		ctl_info("no API key (%s): WorkOS membership not shown", cfg->api_key_file);
		goto out;
	}
	if (wo_client_new(cfg, WO_KEY_REQUIRED, &c, &err) != 0) {
		ctl_fail(r, "api key", "%s", ctl_why(&err, why, sizeof(why)));
		goto out;
	}
	if (wo_api_get_user(c, workos_id, &user, &err) != 0) {
		ctl_fail(r, "workos user", "%s", ctl_why(&err, why, sizeof(why)));
		goto out;
	}
	ctl_ok(r, "workos user", "%s <%s>%s%s%s%s", user.id, user.email ? user.email : "no email",
	       user.first_name || user.last_name ? " " : "", user.first_name ? user.first_name : "",
	       user.first_name && user.last_name ? " " : "", user.last_name ? user.last_name : "");
	if (wo_member_lookup(c, workos_id, &member, &err) != 0) {
		ctl_fail(r, "membership", "%s", ctl_why(&err, why, sizeof(why)));
		goto out;
	}
	if (!member.active) {
		ctl_fail(r, "membership",
			 "not an active member of %s: pam_workos refuses the login",
			 cfg->organization_id);
		goto out;
	}
	for (size_t i = 0; i < member.n_roles && used < sizeof(roles) - 1; i++) {
		int w = snprintf(roles + used, sizeof(roles) - used, "%s%s", i ? "," : "",
				 member.roles[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	ctl_ok(r, "membership", "active in %s, roles %s", cfg->organization_id,
	       roles[0] ? roles : "(none)");
	if (wo_roles_pick(member.roles, cfg->allowed_roles, NULL) == NULL)
		ctl_fail(r, "roles", "no role in allowed_roles: pam_workos refuses the login");
out:
	wo_member_roles_clear(&member);
	wo_user_clear(&user);
	wo_client_free(c);
	wo_config_free(cfg);
}

/* Who owns the account as pam_workos decides it, and whom the map gave the
 * name to (they differ while the owner is left out, or after a newcomer
 * proposed an owned name: workos-sync's warning points here).  Returns the
 * owner's WorkOS user id (heap) or NULL. */
static char *show_owner(struct ctl_report *r, const char *name, bool in_nss, uid_t uid)
{
	struct wo_error err = WO_ERROR_INIT;
	struct wo_owner owner = {0};
	struct wo_idmap *map = NULL;
	const char *recorded = NULL;
	char why[WHY_MAX];

	if (in_nss) {
		if (wo_owner_find(&wo_owner_files_default, name, uid, &owner, &err) != 0)
			ctl_fail(r, "owner", "%s", ctl_why(&err, why, sizeof(why)));
		else if (owner.kind == WO_OWNER_NONE)
			ctl_ok(r, "owner",
			       "none: not an account WorkOS owns; pam_workos leaves it "
			       "to other modules");
		else
			ctl_ok(r, "owner", "WorkOS user %s (%s)", owner.user_id,
			       owner.kind == WO_OWNER_SYNCED ? "made by workos-sync"
							     : "bound in " WO_OWNERS_PATH);
	}
	if (access(WO_IDMAP_PATH, R_OK) != 0 && errno == EACCES) {
		ctl_info("%s is not readable by you: who the name was given to is not shown",
			 WO_IDMAP_PATH);
	} else if (wo_idmap_load(WO_IDMAP_PATH, &map, &err) != 0) {
		ctl_fail(r, "name", "%s", ctl_why(&err, why, sizeof(why)));
	} else if ((recorded = wo_idmap_owner_of(map, name)) == NULL) {
		ctl_ok(r, "name", "%s was never given to a WorkOS user", name);
	} else if (owner.kind == WO_OWNER_SYNCED && strcmp(recorded, owner.user_id) != 0) {
		ctl_fail(r, "name",
			 "the map gave %s to WorkOS user %s, but the cache says %s: "
			 "run workos-sync",
			 name, recorded, owner.user_id);
	} else {
		ctl_ok(r, "name", "given to WorkOS user %s for good%s", recorded,
		       owner.kind == WO_OWNER_SYNCED
			   ? ""
			   : "; no account now (not a member, or the name is taken locally: "
			     "see workos-sync --verbose)");
	}
	wo_idmap_free(map);
	return owner.kind != WO_OWNER_NONE ? strdup(owner.user_id) : NULL;
}

int ctl_user(const struct ctl_opts *o)
{
	struct ctl_report r = {0};
	char *workos_id = NULL, *owner_id;
	uid_t uid = 0;
	bool in_nss;
	int in_cache;

	in_nss = show_nss(&r, o->user, &uid);
	in_cache = show_cache(&r, o->user, &workos_id);
	owner_id = show_owner(&r, o->user, in_nss, uid);
	if (owner_id != NULL || in_cache == 1)
		show_workos(&r, o, owner_id != NULL ? owner_id : workos_id);
	free(owner_id);
	free(workos_id);
	if (!in_nss && in_cache != 1)
		return CTL_EXIT_FAIL;
	return r.failed != 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
