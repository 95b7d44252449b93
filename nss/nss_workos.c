/* SPDX-License-Identifier: MIT */
/*
 * libnss_workos.so.2: the organization's members as local users and groups,
 * from the cache workos-sync writes (lib/cache_format.h).
 *
 * Loaded into every process that resolves a name, so: libc only, no
 * network, no configuration, no environment, nothing allocated per lookup.
 * Status discipline (glibc manual, "NSS Modules Interface"):
 *   found                  NSS_STATUS_SUCCESS
 *   no such entry          NSS_STATUS_NOTFOUND, *errnop = ENOENT
 *   caller's buffer small  NSS_STATUS_TRYAGAIN, *errnop = ERANGE (glibc retries bigger)
 *   no usable cache        NSS_STATUS_UNAVAIL,  *errnop = why (ENOENT, EACCES, EINVAL...)
 */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache_read.h"
#include "names.h"
#include "unused.h"

#define NSS_EXPORT __attribute__((visibility("default")))

/* The file is stat()ed at most once a second to notice a new cache. */
#ifndef WO_NSS_CACHE_PATH /* unit tests build this file with their own */
#define WO_NSS_CACHE_PATH WO_CACHE_DEFAULT_PATH
#define WO_NSS_CHECK_MS	  1000
#endif
static struct wo_cache_source source = WO_CACHE_SOURCE_INIT(WO_NSS_CACHE_PATH, WO_NSS_CHECK_MS);

/* Enumeration state: one cursor per database for the whole process, as
 * glibc's set/get/endpwent API implies; the map is held from set to end, so
 * one enumeration sees one file even if a new one arrives meanwhile. */
static pthread_mutex_t ent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wo_cache_map *pw_map, *gr_map;
static uint32_t pw_next, gr_next;

NSS_EXPORT enum nss_status _nss_workos_getpwnam_r(const char *name, struct passwd *pw, char *buf,
						  size_t len, int *errnop);
NSS_EXPORT enum nss_status _nss_workos_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
						  size_t len, int *errnop);
NSS_EXPORT enum nss_status _nss_workos_setpwent(int stayopen);
NSS_EXPORT enum nss_status _nss_workos_getpwent_r(struct passwd *pw, char *buf, size_t len,
						  int *errnop);
NSS_EXPORT enum nss_status _nss_workos_endpwent(void);
NSS_EXPORT enum nss_status _nss_workos_getgrnam_r(const char *name, struct group *gr, char *buf,
						  size_t len, int *errnop);
NSS_EXPORT enum nss_status _nss_workos_getgrgid_r(gid_t gid, struct group *gr, char *buf,
						  size_t len, int *errnop);
NSS_EXPORT enum nss_status _nss_workos_setgrent(int stayopen);
NSS_EXPORT enum nss_status _nss_workos_getgrent_r(struct group *gr, char *buf, size_t len,
						  int *errnop);
NSS_EXPORT enum nss_status _nss_workos_endgrent(void);
NSS_EXPORT enum nss_status _nss_workos_initgroups_dyn(const char *user, gid_t skip, long *start,
						      long *size, gid_t **groupsp, long limit,
						      int *errnop);

/* Lookup result (1 found, 0 not found, -1 corrupt) and fill result (0 or
 * ERANGE) to an NSS status: the one place where statuses are decided. */
static enum nss_status status(int found, int fill, int *errnop)
{
	if (found < 0) {
		*errnop = EINVAL;
		return NSS_STATUS_UNAVAIL;
	}
	if (found == 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	if (fill == ERANGE) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	if (fill != 0) {
		*errnop = fill;
		return NSS_STATUS_UNAVAIL;
	}
	return NSS_STATUS_SUCCESS;
}

static enum nss_status unavailable(int *errnop)
{
	*errnop = errno != 0 ? errno : ENOENT;
	return NSS_STATUS_UNAVAIL;
}

struct out {
	char *p;
	size_t left;
};

/* Copies a (alen bytes), then b (blen bytes), then a NUL to the caller's
 * buffer, or returns NULL if the buffer is full. */
static char *put2(struct out *o, const char *a, size_t alen, const char *b, size_t blen)
{
	char *r = o->p;

	if (alen + blen >= o->left)
		return NULL;
	memcpy(r, a, alen);
	memcpy(r + alen, b, blen);
	r[alen + blen] = '\0';
	o->p += alen + blen + 1;
	o->left -= alen + blen + 1;
	return r;
}

static char *put(struct out *o, const char *s, size_t len)
{
	return put2(o, s, len, "", 0);
}

static int fill_passwd(const struct wo_cache_pwview *v, struct passwd *pw, char *buf, size_t len)
{
	struct out o = {buf, len};

	/* "*": no password can match; authentication is WorkOS's. */
	pw->pw_name = put(&o, v->name, v->name_len);
	pw->pw_passwd = put(&o, "*", 1);
	pw->pw_gecos = put(&o, v->gecos, v->gecos_len);
	pw->pw_dir = put2(&o, v->dir, v->dir_len, v->name, v->dir_then_name ? v->name_len : 0);
	pw->pw_shell = put(&o, v->shell, v->shell_len);
	if (!pw->pw_name || !pw->pw_passwd || !pw->pw_gecos || !pw->pw_dir || !pw->pw_shell)
		return ERANGE;
	pw->pw_uid = v->uid;
	pw->pw_gid = v->gid;
	return 0;
}

static int fill_group(const struct wo_cache_gview *v, struct group *gr, char *buf, size_t len)
{
	uintptr_t mis = (uintptr_t)buf % alignof(char *);
	size_t pad = mis ? alignof(char *) - mis : 0;
	struct out o;
	char **mem;

	/* The member pointer array goes first, aligned, then the strings. */
	if (len < pad || (len - pad) / sizeof(char *) < (size_t)v->n_members + 1)
		return ERANGE;
	mem = (char **)(void *)(buf + pad);
	o.p = (char *)(mem + v->n_members + 1);
	o.left = len - pad - ((size_t)v->n_members + 1) * sizeof(char *);
	gr->gr_name = put(&o, v->name, v->name_len);
	gr->gr_passwd = put(&o, "*", 1);
	if (!gr->gr_name || !gr->gr_passwd || v->members_size > o.left)
		return ERANGE;
	/* One copy of the whole member block, then split and checked in the
	 * caller's buffer, where the names are final. */
	memcpy(o.p, v->members, v->members_size);
	if (wo_names_split(o.p, v->members_size, mem, v->n_members) < 0)
		return EINVAL;
	mem[v->n_members] = NULL;
	gr->gr_gid = v->gid;
	gr->gr_mem = mem;
	return 0;
}

enum nss_status _nss_workos_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
				       int *errnop)
{
	struct wo_cache_map *m;
	struct wo_cache_pwview v;
	enum nss_status st;
	int r;

	if (wo_cache_acquire(&source, &m) < 0)
		return unavailable(errnop);
	r = wo_cache_passwd_by_name(m, name, &v);
	st = status(r, r == 1 ? fill_passwd(&v, pw, buf, len) : 0, errnop);
	wo_cache_map_release(m);
	return st;
}

enum nss_status _nss_workos_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
				       int *errnop)
{
	struct wo_cache_map *m;
	struct wo_cache_pwview v;
	enum nss_status st;
	int r;

	if (wo_cache_acquire(&source, &m) < 0)
		return unavailable(errnop);
	r = wo_cache_passwd_by_uid(m, uid, &v);
	st = status(r, r == 1 ? fill_passwd(&v, pw, buf, len) : 0, errnop);
	wo_cache_map_release(m);
	return st;
}

enum nss_status _nss_workos_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
				       int *errnop)
{
	struct wo_cache_map *m;
	struct wo_cache_gview v;
	enum nss_status st;
	int r;

	if (wo_cache_acquire(&source, &m) < 0)
		return unavailable(errnop);
	r = wo_cache_group_by_name(m, name, &v);
	st = status(r, r == 1 ? fill_group(&v, gr, buf, len) : 0, errnop);
	wo_cache_map_release(m);
	return st;
}

enum nss_status _nss_workos_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
				       int *errnop)
{
	struct wo_cache_map *m;
	struct wo_cache_gview v;
	enum nss_status st;
	int r;

	if (wo_cache_acquire(&source, &m) < 0)
		return unavailable(errnop);
	r = wo_cache_group_by_gid(m, gid, &v);
	st = status(r, r == 1 ? fill_group(&v, gr, buf, len) : 0, errnop);
	wo_cache_map_release(m);
	return st;
}

static enum nss_status setent(struct wo_cache_map **map, uint32_t *next)
{
	enum nss_status st = NSS_STATUS_SUCCESS;

	pthread_mutex_lock(&ent_lock);
	wo_cache_map_release(*map);
	*map = NULL;
	*next = 0;
	if (wo_cache_acquire(&source, map) < 0)
		st = NSS_STATUS_UNAVAIL;
	pthread_mutex_unlock(&ent_lock);
	return st;
}

static enum nss_status endent(struct wo_cache_map **map, uint32_t *next)
{
	pthread_mutex_lock(&ent_lock);
	wo_cache_map_release(*map);
	*map = NULL;
	*next = 0;
	pthread_mutex_unlock(&ent_lock);
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_workos_setpwent(int stayopen WO_UNUSED)
{
	return setent(&pw_map, &pw_next);
}

enum nss_status _nss_workos_endpwent(void)
{
	return endent(&pw_map, &pw_next);
}

enum nss_status _nss_workos_setgrent(int stayopen WO_UNUSED)
{
	return setent(&gr_map, &gr_next);
}

enum nss_status _nss_workos_endgrent(void)
{
	return endent(&gr_map, &gr_next);
}

enum nss_status _nss_workos_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop)
{
	struct wo_cache_uview v;
	struct wo_cache_pwview pv;
	enum nss_status st;
	int r, fill = 0;

	pthread_mutex_lock(&ent_lock);
	if (pw_map == NULL && wo_cache_acquire(&source, &pw_map) < 0) {
		st = unavailable(errnop);
		goto out;
	}
	r = wo_cache_user_at(pw_map, pw_next, &v);
	if (r == 1) {
		wo_cache_pwview_from(&v, &pv);
		fill = fill_passwd(&pv, pw, buf, len);
	}
	st = status(r, fill, errnop);
	/* On ERANGE the caller retries the same entry with a bigger buffer. */
	if (st == NSS_STATUS_SUCCESS)
		pw_next++;
out:
	pthread_mutex_unlock(&ent_lock);
	return st;
}

enum nss_status _nss_workos_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop)
{
	struct wo_cache_gview v;
	enum nss_status st;
	int r, fill = 0;

	pthread_mutex_lock(&ent_lock);
	if (gr_map == NULL && wo_cache_acquire(&source, &gr_map) < 0) {
		st = unavailable(errnop);
		goto out;
	}
	r = wo_cache_group_at(gr_map, gr_next, &v);
	if (r == 1)
		fill = fill_group(&v, gr, buf, len);
	st = status(r, fill, errnop);
	if (st == NSS_STATUS_SUCCESS)
		gr_next++;
out:
	pthread_mutex_unlock(&ent_lock);
	return st;
}

/* Appends gid to the caller's array unless it is `skip` (the primary group,
 * added by initgroups itself) or already there; grows the array as glibc's
 * own modules do, never beyond `limit` when limit > 0. */
static int add_gid(gid_t gid, gid_t skip, long *start, long *size, gid_t **groupsp, long limit)
{
	gid_t *groups = *groupsp;

	if (gid == skip)
		return 0;
	for (long i = 0; i < *start; i++)
		if (groups[i] == gid)
			return 0;
	if (*start == *size) {
		long n;

		if (limit > 0 && *size >= limit)
			return 0; /* full: glibc reports the truncation itself */
		n = *size > 0 ? 2 * *size : 16;
		if (limit > 0 && n > limit)
			n = limit;
		groups = realloc(groups, (size_t)n * sizeof(*groups));
		if (groups == NULL)
			return ENOMEM;
		*groupsp = groups;
		*size = n;
	}
	groups[(*start)++] = gid;
	return 0;
}

enum nss_status _nss_workos_initgroups_dyn(const char *user, gid_t skip, long *start, long *size,
					   gid_t **groupsp, long limit, int *errnop)
{
	struct wo_cache_map *m;
	const uint32_t *gids;
	uint32_t n_gids;
	enum nss_status st;
	int r, e = 0;

	if (wo_cache_acquire(&source, &m) < 0)
		return unavailable(errnop);
	r = wo_cache_gids_by_name(m, user, &gids, &n_gids);
	for (uint32_t i = 0; r == 1 && e == 0 && i < n_gids; i++)
		e = add_gid(gids[i], skip, start, size, groupsp, limit);
	if (e == ENOMEM) {
		*errnop = ENOMEM;
		st = NSS_STATUS_TRYAGAIN;
	} else {
		st = status(r, 0, errnop);
	}
	wo_cache_map_release(m);
	return st;
}
