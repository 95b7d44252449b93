/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_read.h"
#include "nssprobe.h"

#define BUF_START 1024
#define BUF_MAX	  (1u << 20) /* a group with more members than this is an error */

struct wo_nssprobe {
	struct wo_cache_map *ours; /* NULL: no cache, nothing is ours */
	char *buf;
	size_t cap;
	int failed_errno; /* 0: no lookup failed */
	char failed_what[64];
};

int wo_nssprobe_new(const char *cache_path, struct wo_nssprobe **out, struct wo_error *err)
{
	struct wo_nssprobe *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL || (p->buf = malloc(BUF_START)) == NULL) {
		free(p);
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	p->cap = BUF_START;
	/* A cache we cannot read is one our module cannot serve either
	 * (same owner and header checks): nothing it says can be ours. */
	p->ours = wo_cache_map_open(cache_path, 0, false, NULL);
	*out = p;
	return 0;
}

void wo_nssprobe_free(struct wo_nssprobe *p)
{
	if (p == NULL)
		return;
	if (p->ours != NULL)
		wo_cache_map_release(p->ours);
	free(p->buf);
	free(p);
}

int wo_nssprobe_attach(struct wo_nssprobe *p, struct wo_localdb *db, struct wo_error *err)
{
	const struct wo_localdb_probe probe = {
	    .user = wo_nssprobe_user, .group = wo_nssprobe_group, .id = wo_nssprobe_id, .ctx = p};

	return wo_localdb_set_probe(db, &probe, err);
}

static int failed(struct wo_nssprobe *p, int e, const char *what)
{
	if (p->failed_errno == 0) {
		p->failed_errno = e ? e : EIO;
		snprintf(p->failed_what, sizeof(p->failed_what), "%s", what);
	}
	return -1;
}

/* Grows the buffer after ERANGE; false at the limit or without memory. */
static bool grow(struct wo_nssprobe *p)
{
	char *b;

	if (p->cap >= BUF_MAX || (b = realloc(p->buf, p->cap * 2)) == NULL)
		return false;
	p->buf = b;
	p->cap *= 2;
	return true;
}

/* Each lookup: 1 found (*out filled), 0 not found, -1 failed.  glibc
 * returns 0 with a NULL result for "not found", an errno otherwise. */
static int lookup_pw(struct wo_nssprobe *p, const char *name, uint32_t uid, struct passwd *out)
{
	struct passwd *res = NULL;
	int rc;

	if (p->failed_errno != 0)
		return -1; /* the run is lost already: do not wait on a dead source */
	for (;;) {
		rc = name ? getpwnam_r(name, out, p->buf, p->cap, &res)
			  : getpwuid_r((uid_t)uid, out, p->buf, p->cap, &res);
		if (rc != ERANGE || !grow(p))
			break;
	}
	if (rc == 0)
		return res != NULL;
	/* Some modules report "not found" as an errno (getpwnam(3)). */
	if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return 0;
	return failed(p, rc, name ? "getpwnam_r" : "getpwuid_r");
}

static int lookup_gr(struct wo_nssprobe *p, const char *name, uint32_t gid, struct group *out)
{
	struct group *res = NULL;
	int rc;

	if (p->failed_errno != 0)
		return -1;
	for (;;) {
		rc = name ? getgrnam_r(name, out, p->buf, p->cap, &res)
			  : getgrgid_r((gid_t)gid, out, p->buf, p->cap, &res);
		if (rc != ERANGE || !grow(p))
			break;
	}
	if (rc == 0)
		return res != NULL;
	if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return 0;
	return failed(p, rc, name ? "getgrnam_r" : "getgrgid_r");
}

bool wo_nssprobe_ours_user(const struct wo_nssprobe *p, const char *name, uint32_t uid)
{
	struct wo_cache_pwview v;

	return p->ours != NULL && wo_cache_passwd_by_uid(p->ours, uid, &v) == 1 &&
	       v.name_len == strlen(name) && memcmp(v.name, name, v.name_len) == 0;
}

bool wo_nssprobe_ours_group(const struct wo_nssprobe *p, const char *name, uint32_t gid)
{
	struct wo_cache_gview v;

	return p->ours != NULL && wo_cache_group_by_gid(p->ours, gid, &v) == 1 &&
	       v.name_len == strlen(name) && memcmp(v.name, name, v.name_len) == 0;
}

/* What our cache serves now is ours: not asked again (see the header). */
static bool cache_has_id(const struct wo_nssprobe *p, uint32_t id)
{
	struct wo_cache_pwview u;
	struct wo_cache_gview g;

	return p->ours != NULL && (wo_cache_passwd_by_uid(p->ours, id, &u) == 1 ||
				   wo_cache_group_by_gid(p->ours, id, &g) == 1);
}

int wo_nssprobe_id(void *ctx, uint32_t id)
{
	struct wo_nssprobe *p = ctx;
	struct passwd pw;
	struct group gr;
	int rc;

	if (cache_has_id(p, id))
		return 0;
	/* A number is one pool (a user private group has GID = UID): held
	 * when anyone else has it as a UID or as a GID. */
	rc = lookup_pw(p, NULL, id, &pw);
	if (rc != 0 && (rc < 0 || !wo_nssprobe_ours_user(p, pw.pw_name, id)))
		return rc;
	rc = lookup_gr(p, NULL, id, &gr);
	if (rc != 0 && (rc < 0 || !wo_nssprobe_ours_group(p, gr.gr_name, id)))
		return rc;
	return 0;
}

int wo_nssprobe_user(void *ctx, const char *name)
{
	struct wo_nssprobe *p = ctx;
	struct wo_cache_pwview v;
	struct passwd pw;
	int rc;

	if (p->ours != NULL && wo_cache_passwd_by_name(p->ours, name, &v) == 1)
		return 0;
	rc = lookup_pw(p, name, 0, &pw);
	if (rc != 1)
		return rc;
	return !wo_nssprobe_ours_user(p, name, (uint32_t)pw.pw_uid);
}

int wo_nssprobe_group(void *ctx, const char *name)
{
	struct wo_nssprobe *p = ctx;
	struct wo_cache_gview v;
	struct group gr;
	int rc;

	if (p->ours != NULL && wo_cache_group_by_name(p->ours, name, &v) == 1)
		return 0;
	rc = lookup_gr(p, name, 0, &gr);
	if (rc != 1)
		return rc;
	return !wo_nssprobe_ours_group(p, name, (uint32_t)gr.gr_gid);
}

bool wo_nssprobe_failed(const struct wo_nssprobe *p, struct wo_error *err)
{
	if (p->failed_errno == 0)
		return false;
	wo_error_set(err, WO_ERR_SYSTEM,
		     "could not ask the NSS sources whether an ID or name is taken (%s: %s); "
		     "nothing was allocated blind",
		     p->failed_what, strerror(p->failed_errno));
	return true;
}
