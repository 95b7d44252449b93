/* SPDX-License-Identifier: MIT */
/*
 * Eight threads look users up while the cache is replaced 100 times: every
 * answer must be one complete generation (gecos, home, shell, gid and the
 * group list all from the same write), never a mix or a crash.  Half the
 * lookups go through the NSS entry points (nss_workos.c compiled in with
 * no stat interval), half through the map API.
 */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>

#include "cache_read.h"
#include "tap.h"

#include "cache_fixture.h"

enum nss_status _nss_workos_getpwnam_r(const char *, struct passwd *, char *, size_t, int *);
enum nss_status _nss_workos_getgrgid_r(gid_t, struct group *, char *, size_t, int *);

#define THREADS 8
#define ROUNDS	100

static volatile int stop;
static char path[512];

struct result {
	long lookups, torn, failed;
};

/* Generation k: gecos "gen k", home /home/gen-k, shell /bin/sh-k, gid
 * 300000+k, and group "g" (gid 5000) has k%3+1 members. */
static int write_gen(int k)
{
	static const char *const members[] = {"alice", "bob", "carol"};
	char gecos[32], dir[32], shell[32];
	struct wo_cache_user u[3];
	struct wo_cache_group g = {"g", 5000, members, (size_t)(k % 3 + 1)};
	struct wo_error err = WO_ERROR_INIT;

	snprintf(gecos, sizeof(gecos), "gen %d", k);
	snprintf(dir, sizeof(dir), "/home/gen-%d", k);
	snprintf(shell, sizeof(shell), "/bin/sh-%d", k);
	for (int i = 0; i < 3; i++)
		u[i] = (struct wo_cache_user){
		    members[i], 200001 + (uint32_t)i, 300000 + (uint32_t)k, gecos, dir, shell,
		    "user_x"};
	return wo_cache_write(path, u, 3, &g, 1, &err);
}

static bool consistent(const char *gecos, const char *dir, const char *shell, uint32_t gid)
{
	int a, b, c;

	return sscanf(gecos, "gen %d", &a) == 1 && sscanf(dir, "/home/gen-%d", &b) == 1 &&
	       sscanf(shell, "/bin/sh-%d", &c) == 1 && a == b && b == c &&
	       gid == 300000 + (uint32_t)a;
}

static void *reader(void *arg)
{
	static struct wo_cache_source src = WO_CACHE_SOURCE_INIT(path, 0);
	struct result *r = arg;
	char buf[1024];

	while (!stop) {
		struct wo_cache_map *m;
		struct wo_cache_uview v;
		struct passwd pw;
		struct group gr;
		int e;

		if (_nss_workos_getpwnam_r("bob", &pw, buf, sizeof(buf), &e) != NSS_STATUS_SUCCESS)
			r->failed++;
		else if (!consistent(pw.pw_gecos, pw.pw_dir, pw.pw_shell, pw.pw_gid))
			r->torn++;
		if (_nss_workos_getgrgid_r(5000, &gr, buf, sizeof(buf), &e) != NSS_STATUS_SUCCESS)
			r->failed++;
		else if (strcmp(gr.gr_mem[0], "alice") != 0)
			r->torn++;
		if (wo_cache_acquire(&src, &m) < 0) {
			r->failed++;
			continue;
		}
		if (wo_cache_user_by_uid(m, 200003, &v) != 1)
			r->failed++;
		else if (!consistent(v.gecos, v.dir, v.shell, v.gid) || strcmp(v.name, "carol"))
			r->torn++;
		wo_cache_map_release(m);
		r->lookups += 3;
	}
	return NULL;
}

int main(void)
{
	char *dir = fx_tmpdir(), cmd[600];
	pthread_t t[THREADS];
	struct result res[THREADS] = {0};
	struct result sum = {0};
	int written = 0;

	if (chdir(dir) < 0)
		return 99;
	snprintf(path, sizeof(path), "%s/nss.cache", dir);
	/* The NSS code compiled in here reads "nss.cache" in the cwd. */
	ok(write_gen(0) == 0, "generation 0 written");
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, reader, &res[i]);
	for (int k = 1; k <= ROUNDS; k++) {
		written += write_gen(k) == 0;
		usleep(2000);
	}
	stop = 1;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		sum.lookups += res[i].lookups;
		sum.torn += res[i].torn;
		sum.failed += res[i].failed;
	}
	is_int(written, ROUNDS, "the cache was replaced %d times", ROUNDS);
	ok(sum.lookups > THREADS * 10, "%d threads made %ld lookups meanwhile", THREADS,
	   sum.lookups);
	is_int(sum.torn, 0, "no answer mixed two generations");
	is_int(sum.failed, 0, "no lookup failed during replacement");
	if (chdir("/") == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	free(dir);
	return done_testing();
}
