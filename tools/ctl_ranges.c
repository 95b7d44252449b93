/* SPDX-License-Identifier: MIT */
/*
 * workosctl check, "id ranges": whether uid_min..uid_max and gid_min..gid_max
 * overlap anything else on the machine that hands out or holds IDs:
 * subordinate IDs (/etc/subuid, /etc/subgid), the ranges login.defs gives
 * useradd, systemd's reserved ranges, and accounts from any NSS source.
 * workos-sync never allocates such numbers (lib/localdb.h), so an overlap
 * is a warning: the usable range is smaller than configured, or numbers
 * recorded before are now shared.
 */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "ctl.h"
#include "localdb.h"
#include "number.h"
#include "nssprobe.h"

#define LOGIN_DEFS_PATH "/etc/login.defs"
#define STEP		"id ranges"
#define SHOW_MAX	5 /* accounts named one by one; the rest counted */

struct cfg_range {
	const char *what;
	uint32_t min, max;
};

static bool overlaps(const struct cfg_range *c, uint32_t first, uint32_t last)
{
	return first <= c->max && c->min <= last;
}

/* Warns about each configured range [first, last] meets; true if any. */
static bool warn_overlap(struct ctl_report *r, const struct cfg_range *c, size_t n, uint32_t first,
			 uint32_t last, const char *what)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (!overlaps(&c[i], first, last))
			continue;
		ctl_warn(r, STEP, "%s %u-%u overlaps %s (%u-%u)", c[i].what, c[i].min, c[i].max,
			 what, first, last);
		any = true;
	}
	return any;
}

/* Every "name:start:count" line of a subuid(5)/subgid(5) file. */
static bool check_subids(struct ctl_report *r, const struct cfg_range *c, size_t n,
			 const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512];
	bool any = false;

	if (f == NULL)
		return false; /* no file: no subordinate IDs */
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strcspn(line, "\r\n");
		char *c1, *c2;
		uint32_t start, count;
		char what[300];

		line[len] = '\0';
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c1 == NULL || c2 == NULL || c1 == line || strchr(c2 + 1, ':') != NULL ||
		    !wo_parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), UINT32_MAX, &start) ||
		    !wo_parse_u32(c2 + 1, strlen(c2 + 1), UINT32_MAX, &count) || count == 0)
			continue;
		*c1 = '\0';
		snprintf(what, sizeof(what), "%.64s's block in %.200s", line, path);
		any |= warn_overlap(r, c, n, start,
				    (uint64_t)start + count - 1 > UINT32_MAX ? UINT32_MAX
									     : start + count - 1,
				    what);
	}
	fclose(f);
	return any;
}

/* The value of KEY in login.defs ("KEY value" lines); false if absent. */
static bool login_defs(const char *key, uint32_t *out)
{
	FILE *f = fopen(LOGIN_DEFS_PATH, "re");
	char line[512];
	bool found = false;
	size_t kl = strlen(key);

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *p = line + strspn(line, " \t");

		if (strncmp(p, key, kl) != 0 || (p[kl] != ' ' && p[kl] != '\t'))
			continue;
		p += kl + strspn(p + kl, " \t");
		found = wo_parse_u32(p, strcspn(p, " \t\r\n#"), UINT32_MAX, out);
	}
	fclose(f);
	return found;
}

static bool check_login_defs(struct ctl_report *r, const struct cfg_range *c, size_t n)
{
	/* What useradd and newusers hand out (login.defs(5)). */
	static const char *const pairs[][3] = {
	    {"SUB_UID_MIN", "SUB_UID_MAX", "login.defs' subordinate UIDs (SUB_UID_MIN..MAX)"},
	    {"SUB_GID_MIN", "SUB_GID_MAX", "login.defs' subordinate GIDs (SUB_GID_MIN..MAX)"},
	    {"UID_MIN", "UID_MAX", "login.defs' user UIDs (UID_MIN..MAX)"},
	    {"GID_MIN", "GID_MAX", "login.defs' group GIDs (GID_MIN..MAX)"},
	    {"SYS_UID_MIN", "SYS_UID_MAX", "login.defs' system UIDs (SYS_UID_MIN..MAX)"},
	    {"SYS_GID_MIN", "SYS_GID_MAX", "login.defs' system GIDs (SYS_GID_MIN..MAX)"},
	};
	bool any = false;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint32_t lo, hi;

		if (login_defs(pairs[i][0], &lo) && login_defs(pairs[i][1], &hi) && lo <= hi)
			any |= warn_overlap(r, c, n, lo, hi, pairs[i][2]);
	}
	return any;
}

static bool in_ranges(const struct cfg_range *c, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= c[i].min && id <= c[i].max)
			return true;
	return false;
}

/* Accounts of every NSS source (files, sss, ldap, systemd... and ours)
 * whose number lies in a configured range and that are not ours.  Sources
 * that do not enumerate (SSSD's default) show nothing here; workos-sync
 * still asks them about each new number. */
static bool check_accounts(struct ctl_report *r, const struct cfg_range *c, size_t n,
			   const struct wo_nssprobe *p)
{
	unsigned found = 0;
	struct passwd *pw;
	struct group *gr;

	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (!in_ranges(c, n, pw->pw_uid) ||
		    wo_nssprobe_ours_user(p, pw->pw_name, pw->pw_uid))
			continue;
		if (found++ < SHOW_MAX)
			ctl_warn(r, STEP,
				 "user %.64s (uid %u) is not a WorkOS member's but its uid "
				 "lies in a configured range",
				 pw->pw_name, (unsigned)pw->pw_uid);
	}
	endpwent();
	setgrent();
	while ((gr = getgrent()) != NULL) {
		if (!in_ranges(c, n, gr->gr_gid) ||
		    wo_nssprobe_ours_group(p, gr->gr_name, gr->gr_gid))
			continue;
		if (found++ < SHOW_MAX)
			ctl_warn(r, STEP,
				 "group %.64s (gid %u) is not WorkOS's but its gid lies in "
				 "a configured range",
				 gr->gr_name, (unsigned)gr->gr_gid);
	}
	endgrent();
	if (found > SHOW_MAX)
		ctl_warn(r, STEP, "%u more accounts from NSS sources in the configured ranges",
			 found - SHOW_MAX);
	return found > 0;
}

void ctl_check_ranges(struct ctl_report *r, const struct wo_config *cfg)
{
	const struct cfg_range c[] = {{"uid range (uid_min..uid_max)", cfg->uid_min, cfg->uid_max},
				      {"gid range (gid_min..gid_max)", cfg->gid_min, cfg->gid_max}};
	const size_t n = sizeof(c) / sizeof(c[0]);
	const struct wo_id_range *sd;
	struct wo_nssprobe *p = NULL;
	struct wo_error err = WO_ERROR_INIT;
	size_t n_sd;
	bool any = false;

	sd = wo_localdb_systemd_ranges(&n_sd);
	for (size_t i = 0; i < n_sd; i++)
		any |= warn_overlap(r, c, n, sd[i].first, sd[i].last, sd[i].what);
	any |= check_subids(r, c, n, WO_SUBUID_PATH);
	any |= check_subids(r, c, n, WO_SUBGID_PATH);
	any |= check_login_defs(r, c, n);
	if (wo_nssprobe_new(WO_CACHE_DEFAULT_PATH, &p, &err) != 0) {
		ctl_fail(r, STEP, "%s", err.message);
		return;
	}
	any |= check_accounts(r, c, n, p);
	wo_nssprobe_free(p);
	if (any)
		ctl_info("new numbers skip subordinate-ID blocks, systemd's ranges and every "
			 "account; login.defs ranges are where useradd hands out next; "
			 "recorded numbers stay (workos.conf(5))");
	else
		ctl_ok(r, STEP,
		       "uid %u-%u and gid %u-%u overlap no subordinate IDs, login.defs "
		       "range, systemd range or other account",
		       cfg->uid_min, cfg->uid_max, cfg->gid_min, cfg->gid_max);
}
