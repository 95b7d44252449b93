/* SPDX-License-Identifier: MIT */
/*
 * The NSS entry points called directly, as glibc calls them: statuses and
 * errno for found, not found, too-small buffers (every size), enumeration
 * and initgroups, and an unusable cache.  nss/nss_workos.c is compiled into
 * this program with the cache path "nss.cache" (relative to a private
 * directory this test enters) and no stat interval.
 */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>

#include "tap.h"

#include "cache_fixture.h"

enum nss_status _nss_workos_getpwnam_r(const char *, struct passwd *, char *, size_t, int *);
enum nss_status _nss_workos_getpwuid_r(uid_t, struct passwd *, char *, size_t, int *);
enum nss_status _nss_workos_setpwent(int);
enum nss_status _nss_workos_getpwent_r(struct passwd *, char *, size_t, int *);
enum nss_status _nss_workos_endpwent(void);
enum nss_status _nss_workos_getgrnam_r(const char *, struct group *, char *, size_t, int *);
enum nss_status _nss_workos_getgrgid_r(gid_t, struct group *, char *, size_t, int *);
enum nss_status _nss_workos_setgrent(int);
enum nss_status _nss_workos_getgrent_r(struct group *, char *, size_t, int *);
enum nss_status _nss_workos_endgrent(void);
enum nss_status _nss_workos_initgroups_dyn(const char *, gid_t, long *, long *, gid_t **, long,
					   int *);

static char buf[4096];

/* Smallest buffer that works must be found by walking up from 0: every
 * smaller size gives TRYAGAIN/ERANGE, never a partial success. */
static void test_erange_pw(const char *name)
{
	struct passwd pw;
	size_t n;
	int e, bad = 0;
	enum nss_status st;

	for (n = 0; n < sizeof(buf); n++) {
		e = 0;
		st = _nss_workos_getpwnam_r(name, &pw, buf, n, &e);
		if (st == NSS_STATUS_SUCCESS)
			break;
		bad += !(st == NSS_STATUS_TRYAGAIN && e == ERANGE);
	}
	is_int(bad, 0, "getpwnam_r %s: TRYAGAIN/ERANGE for each of %zu short buffers", name, n);
	ok(n == strlen(pw.pw_name) + strlen(pw.pw_gecos) + strlen(pw.pw_dir) + strlen(pw.pw_shell) +
		    4 + 2,
	   "and success at exactly the size of its strings (%zu)", n);
}

static void test_erange_gr(const char *name)
{
	struct group gr;
	size_t n, off;
	int e, bad = 0, worked = 1;
	enum nss_status st;

	/* Odd start offsets check the member array is aligned inside buf. */
	for (off = 0; off < 8; off++) {
		for (n = 0; n < sizeof(buf) - 8; n++) {
			e = 0;
			st = _nss_workos_getgrnam_r(name, &gr, buf + off, n, &e);
			if (st == NSS_STATUS_SUCCESS)
				break;
			bad += !(st == NSS_STATUS_TRYAGAIN && e == ERANGE);
		}
		worked &= st == NSS_STATUS_SUCCESS &&
			  ((uintptr_t)gr.gr_mem % sizeof(char *)) == 0 && !strcmp(gr.gr_name, name);
	}
	is_int(bad, 0, "getgrnam_r %s: TRYAGAIN/ERANGE for every short buffer", name);
	ok(worked, "getgrnam_r %s: success with an aligned member list at every offset", name);
}

static void test_lookups(void)
{
	struct passwd pw;
	struct group gr;
	int e;

	e = 0;
	ok(_nss_workos_getpwnam_r("alice", &pw, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS,
	   "getpwnam_r alice: SUCCESS");
	ok(!strcmp(pw.pw_name, "alice") && pw.pw_uid == 200001 && pw.pw_gid == 200001 &&
	       !strcmp(pw.pw_gecos, "Alice Liddell") && !strcmp(pw.pw_dir, "/home/alice") &&
	       !strcmp(pw.pw_shell, "/bin/bash") && !strcmp(pw.pw_passwd, "*"),
	   "alice's passwd entry, password field '*'");
	ok(_nss_workos_getpwuid_r(200003, &pw, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS &&
	       !strcmp(pw.pw_name, "carol") && !strcmp(pw.pw_gecos, "Carol, Room 4") &&
	       !strcmp(pw.pw_dir, "/srv/carol"),
	   "getpwuid_r 200003: carol (from her record: her home is not /home/carol)");
	ok(_nss_workos_getpwuid_r(200001, &pw, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS &&
	       !strcmp(pw.pw_name, "alice") && pw.pw_gid == 200001 &&
	       !strcmp(pw.pw_gecos, "Alice Liddell") && !strcmp(pw.pw_dir, "/home/alice") &&
	       !strcmp(pw.pw_shell, "/bin/bash"),
	   "getpwuid_r 200001: alice (from her uid cell)");
	ok(_nss_workos_getpwnam_r("bob", &pw, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS &&
	       !strcmp(pw.pw_dir, "/home/bob") && !strcmp(pw.pw_shell, "/bin/sh") &&
	       !strcmp(pw.pw_gecos, ""),
	   "getpwnam_r bob (from his record: his shell is not the shared one)");
	e = 0;
	ok(_nss_workos_getpwnam_r("dave", &pw, buf, sizeof(buf), &e) == NSS_STATUS_NOTFOUND &&
	       e == ENOENT,
	   "getpwnam_r unknown: NOTFOUND/ENOENT");
	e = 0;
	ok(_nss_workos_getpwnam_r("ALICE", &pw, buf, sizeof(buf), &e) == NSS_STATUS_NOTFOUND &&
	       e == ENOENT,
	   "getpwnam_r invalid name: NOTFOUND/ENOENT");
	e = 0;
	ok(_nss_workos_getpwuid_r(0, &pw, buf, sizeof(buf), &e) == NSS_STATUS_NOTFOUND &&
	       e == ENOENT,
	   "getpwuid_r 0: NOTFOUND/ENOENT");
	ok(_nss_workos_getgrnam_r("workos-dev", &gr, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS &&
	       gr.gr_gid == 100002 && gr.gr_mem[0] && !strcmp(gr.gr_mem[0], "alice") &&
	       gr.gr_mem[1] && !strcmp(gr.gr_mem[1], "carol") && gr.gr_mem[2] &&
	       !strcmp(gr.gr_mem[2], "bob") && gr.gr_mem[3] == NULL,
	   "getgrnam_r workos-dev: gid and members");
	ok(_nss_workos_getgrgid_r(100000, &gr, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS &&
	       !strcmp(gr.gr_name, "workos-users") && gr.gr_mem[0] == NULL,
	   "getgrgid_r 100000: workos-users, no members");
	e = 0;
	ok(_nss_workos_getgrnam_r("wheel", &gr, buf, sizeof(buf), &e) == NSS_STATUS_NOTFOUND &&
	       e == ENOENT,
	   "getgrnam_r unknown: NOTFOUND/ENOENT");
	e = 0;
	ok(_nss_workos_getgrgid_r(1, &gr, buf, sizeof(buf), &e) == NSS_STATUS_NOTFOUND &&
	       e == ENOENT,
	   "getgrgid_r unknown: NOTFOUND/ENOENT");
	test_erange_pw("alice");
	test_erange_pw("bob");
	test_erange_gr("workos-dev");
	test_erange_gr("workos-users");
}

static void test_enumeration(void)
{
	struct passwd pw;
	struct group gr;
	char names[256] = "";
	int e, n = 0, eranges = 0;
	enum nss_status st;

	ok(_nss_workos_setpwent(0) == NSS_STATUS_SUCCESS, "setpwent");
	for (;;) {
		/* A tiny buffer first: the same entry must come back after. */
		e = 0;
		st = _nss_workos_getpwent_r(&pw, buf, 4, &e);
		if (st == NSS_STATUS_TRYAGAIN && e == ERANGE)
			eranges++;
		else
			break;
		st = _nss_workos_getpwent_r(&pw, buf, sizeof(buf), &e);
		if (st != NSS_STATUS_SUCCESS)
			break;
		strcat(names, pw.pw_name);
		strcat(names, " ");
		n++;
	}
	ok(st == NSS_STATUS_NOTFOUND && e == ENOENT, "getpwent_r ends with NOTFOUND/ENOENT");
	is_str(names, "alice bob carol ", "every user once, in order, despite ERANGE retries");
	is_int(eranges, 3, "each short buffer gave ERANGE");
	ok(_nss_workos_getpwent_r(&pw, buf, sizeof(buf), &e) == NSS_STATUS_NOTFOUND,
	   "still NOTFOUND after the end");
	_nss_workos_endpwent();
	ok(_nss_workos_getpwent_r(&pw, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS &&
	       !strcmp(pw.pw_name, "alice"),
	   "after endpwent, enumeration starts over");
	_nss_workos_endpwent();

	names[0] = '\0';
	ok(_nss_workos_setgrent(0) == NSS_STATUS_SUCCESS, "setgrent");
	while (_nss_workos_getgrent_r(&gr, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS) {
		strcat(names, gr.gr_name);
		strcat(names, " ");
	}
	is_str(names, "workos-users workos-admin workos-dev ", "every group once");
	_nss_workos_endgrent();
}

static void test_initgroups(void)
{
	long start = 1, size = 1;
	gid_t *groups = malloc(sizeof(gid_t));
	int e = 0;

	groups[0] = 200001;
	ok(_nss_workos_initgroups_dyn("alice", 200001, &start, &size, &groups, 0, &e) ==
	       NSS_STATUS_SUCCESS,
	   "initgroups_dyn alice: SUCCESS");
	ok(start == 3 && size >= 3 && groups[1] == 100001 && groups[2] == 100002,
	   "primary kept, admin and dev appended (start %ld)", start);
	ok(_nss_workos_initgroups_dyn("alice", 200001, &start, &size, &groups, 0, &e) ==
		   NSS_STATUS_SUCCESS &&
	       start == 3,
	   "a second call adds no duplicates");
	start = 1;
	ok(_nss_workos_initgroups_dyn("alice", 100001, &start, &size, &groups, 0, &e) ==
		   NSS_STATUS_SUCCESS &&
	       start == 2 && groups[1] == 100002,
	   "the skipped gid is not added");
	free(groups);
	groups = malloc(sizeof(gid_t));
	start = 0;
	size = 1;
	ok(_nss_workos_initgroups_dyn("alice", 5, &start, &size, &groups, 1, &e) ==
		   NSS_STATUS_SUCCESS &&
	       start == 1 && size == 1,
	   "limit 1: the array is not grown beyond it");
	e = 0;
	start = 0;
	ok(_nss_workos_initgroups_dyn("dave", 5, &start, &size, &groups, 0, &e) ==
		   NSS_STATUS_NOTFOUND &&
	       e == ENOENT && start == 0,
	   "initgroups_dyn unknown: NOTFOUND/ENOENT, nothing added");
	free(groups);
}

static void test_unavailable(void)
{
	struct passwd pw;
	struct group gr;
	long start = 0, size = 0;
	gid_t *groups = NULL;
	int e;

	unlink("nss.cache");
	e = 0;
	ok(_nss_workos_getpwnam_r("alice", &pw, buf, sizeof(buf), &e) == NSS_STATUS_UNAVAIL &&
	       e == ENOENT,
	   "no cache: UNAVAIL/ENOENT");
	fx_spit("nss.cache", "WOSNSSC\0garbage", 15);
	e = 0;
	ok(_nss_workos_getpwuid_r(200001, &pw, buf, sizeof(buf), &e) == NSS_STATUS_UNAVAIL &&
	       e == EINVAL,
	   "garbage cache: UNAVAIL/EINVAL");
	ok(_nss_workos_getgrnam_r("workos-dev", &gr, buf, sizeof(buf), &e) == NSS_STATUS_UNAVAIL,
	   "garbage cache: getgrnam_r UNAVAIL");
	ok(_nss_workos_initgroups_dyn("alice", 1, &start, &size, &groups, 0, &e) ==
	       NSS_STATUS_UNAVAIL,
	   "garbage cache: initgroups_dyn UNAVAIL");
	ok(_nss_workos_setpwent(0) == NSS_STATUS_UNAVAIL &&
	       _nss_workos_getpwent_r(&pw, buf, sizeof(buf), &e) == NSS_STATUS_UNAVAIL,
	   "garbage cache: enumeration UNAVAIL");
	_nss_workos_endpwent();
	ok(fx_write("nss.cache") == 0 && chown("nss.cache", 1, 1) == 0, "cache owned by uid 1");
	e = 0;
	ok(_nss_workos_getpwnam_r("alice", &pw, buf, sizeof(buf), &e) == NSS_STATUS_UNAVAIL &&
	       e == EACCES,
	   "cache owned by another user: UNAVAIL/EACCES");
	ok(chown("nss.cache", 0, 0) == 0 &&
	       _nss_workos_getpwnam_r("alice", &pw, buf, sizeof(buf), &e) == NSS_STATUS_SUCCESS,
	   "back to root: found again");
	free(groups);
}

int main(void)
{
	char *dir = fx_tmpdir(), cmd[600];

	if (chdir(dir) < 0)
		return 99;
	ok(fx_write("nss.cache") == 0, "write the fixture cache");
	test_lookups();
	test_enumeration();
	test_initgroups();
	test_unavailable();
	if (chdir("/") == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	free(dir);
	return done_testing();
}
