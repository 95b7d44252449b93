/* SPDX-License-Identifier: MIT */
/*
 * One cell row of the NSS benchmark (run by nss-bench): per-lookup latency
 * of getpwnam, getpwuid, getgrnam and initgroups over the synthetic users
 * of `mkcache --synthetic N`, and the resident memory a process gains.
 *
 *   nss-bench-run workos-direct N SO     dlopen SO, call _nss_workos_*
 *   nss-bench-run cache-direct N DIR     dlopen libnss_cache.so.2 with its
 *                                        files in DIR (passwd.cache...)
 *   nss-bench-run glibc N                getpwnam() etc. through nsswitch
 *   nss-bench-run floor BYTES            ns per dependent read of a random
 *                                        cache line over BYTES of 4 KiB pages:
 *                                        what one memory access costs here
 *
 * Prints: getpwnam getpwuid getgrnam initgroups (ns per warm call, median
 * of ~1 ms batches, net of key formatting; "-" when the backend has no such call), first (wall
 * ns of the process's first getpwnam, open and mmap included),
 * rss_first_kb and rss_all_kb (VmRSS gained after the first lookup and
 * after all).  Keys are random existing entries (fixed seed); each
 * operation runs for a fixed time budget, so a linear-scan backend
 * still finishes.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

typedef enum nss_status (*pwnam_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*pwuid_fn)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*grnam_fn)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*initgr_fn)(const char *, gid_t, long *, long *, gid_t **, long, int *);

static pwnam_fn pwnam;
static pwuid_fn pwuid;
static grnam_fn grnam;
static initgr_fn initgr;
static int use_glibc;
static size_t n_users, n_groups;
static char buf[1 << 20]; /* libnss-cache wants 1 MiB for groups */
static unsigned long long failures;

static double now(void)
{
	struct timespec ts;

	/* Wall time from the vDSO (tens of ns); the thread CPU clock is a
	 * system call costing over a microsecond on a VM, more than a lookup. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

/* Keys come from a pool of up to 64Ki random entries, touched once before
 * timing: the figures are warm lookups (cache misses, no page faults).  A
 * process's first lookup, with open, mmap and faults, is timed apart. */
#define POOL 65536
static size_t pool[POOL], pool_n, pool_i;

static size_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (size_t)rng;
}

static size_t pick(size_t n)
{
	size_t k = pool[pool_i++ % pool_n];

	return k % n;
}

static void do_pwnam(void)
{
	char name[32];
	struct passwd pw, *r;
	int e, err;

	snprintf(name, sizeof(name), "u%07zu", pick(n_users) + 1);
	if (use_glibc)
		e = getpwnam_r(name, &pw, buf, sizeof(buf), &r) != 0 || r == NULL;
	else
		e = pwnam(name, &pw, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS;
	failures += e != 0;
}

static void do_pwuid(void)
{
	uid_t uid = (uid_t)(1000000 + pick(n_users));
	struct passwd pw, *r;
	int e, err;

	if (use_glibc)
		e = getpwuid_r(uid, &pw, buf, sizeof(buf), &r) != 0 || r == NULL;
	else
		e = pwuid(uid, &pw, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS;
	failures += e != 0;
}

static void do_grnam(void)
{
	char name[32];
	struct group gr, *r;
	int e, err;

	snprintf(name, sizeof(name), "g%06zu", pick(n_groups) + 1);
	if (use_glibc)
		e = getgrnam_r(name, &gr, buf, sizeof(buf), &r) != 0 || r == NULL;
	else
		e = grnam(name, &gr, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS;
	failures += e != 0;
}

static void do_initgroups(void)
{
	char name[32];
	gid_t groups[64];
	int n = 64, e, err;

	snprintf(name, sizeof(name), "u%07zu", pick(n_users) + 1);
	if (use_glibc) {
		e = getgrouplist(name, 100, groups, &n) < 2;
	} else {
		long start = 1, size = 16;
		gid_t *g = malloc(16 * sizeof(gid_t));

		g[0] = 100;
		e = initgr(name, 100, &start, &size, &g, 0, &err) != NSS_STATUS_SUCCESS ||
		    start < 2;
		free(g);
	}
	failures += e != 0;
}

/* What every operation spends choosing and formatting its key. */
static void do_key_only(void)
{
	char name[32];

	snprintf(name, sizeof(name), "u%07zu", pick(n_users) + 1);
	__asm__ volatile("" : : "r"(name) : "memory");
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ns per call of op.  Calls run in batches sized to last about 1 ms, for
 * about `budget` seconds (at least 3 batches); the figure is the median
 * batch, so a batch that lost the CPU or took an interrupt does not count
 * and a loaded machine still gives the cost of the lookup itself. */
#define MAX_BATCHES 4096
static double measure(void (*op)(void), double budget)
{
	static double per_call[MAX_BATCHES];
	double t0, t, start;
	long batch = 1;
	int n = 0;

	/* Warm-up pass over the pool, bounded like the timed run. */
	t0 = now();
	for (pool_i = 0; pool_i < pool_n && (pool_i & 15 || now() - t0 < budget);)
		op();
	pool_i = 0;
	/* Grow the batch until it lasts 1 ms (a slow backend stays at 1). */
	for (;;) {
		t0 = now();
		for (long i = 0; i < batch; i++)
			op();
		t = now() - t0;
		if (t >= 1e-3 || batch >= (1L << 20))
			break;
		batch *= 2;
	}
	start = now();
	do {
		t0 = now();
		for (long i = 0; i < batch; i++)
			op();
		t = now();
		per_call[n++] = (t - t0) * 1e9 / batch;
	} while (n < MAX_BATCHES && (n < 3 || t - start < budget));
	qsort(per_call, n, sizeof(per_call[0]), by_value);
	return per_call[n / 2];
}

/* A random cycle through every cache line of a buffer the size of a cache
 * file, followed pointer by pointer: each read waits for the previous one,
 * as a lookup's record read waits for its index slot. */
static size_t chase_at;
static size_t *chase;

static void do_chase(void)
{
	chase_at = chase[chase_at];
}

static double memory_floor(size_t bytes, double budget)
{
	size_t lines = bytes / 64, stride = 64 / sizeof(size_t), *order;
	double t;

	chase = mmap(NULL, lines * 64, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	order = malloc(lines * sizeof(*order));
	if (lines < 2 || chase == MAP_FAILED || order == NULL) {
		fprintf(stderr, "nss-bench-run: floor: cannot map %zu bytes\n", bytes);
		exit(1);
	}
	/* 4 KiB pages, as a file mapping gets. */
	madvise(chase, lines * 64, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < lines; i++)
		order[i] = i;
	for (size_t i = lines - 1; i > 0; i--) {
		size_t j = xorshift() % (i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	for (size_t i = 0; i < lines; i++)
		chase[order[i] * stride] = order[(i + 1) % lines] * stride;
	free(order);
	/* One walk around the whole cycle first, as the lookups' pool is
	 * touched first: the figure is then a warm read, not a first touch
	 * (which on a VM can cost microseconds). */
	for (size_t i = 0; i < lines; i++)
		do_chase();
	pool_n = 1;
	t = measure(do_chase, budget);
	munmap(chase, lines * 64);
	return t;
}

static void *must_dlsym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (p == NULL) {
		fprintf(stderr, "nss-bench-run: %s: %s\n", name, dlerror());
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	double budget = getenv("BENCH_BUDGET") ? atof(getenv("BENCH_BUDGET")) : 0.3;
	long rss0, rss1, rss2;
	void *h;

	if (argc < 3) {
		fprintf(stderr, "usage: nss-bench-run workos-direct|cache-direct|glibc N [SO|DIR]\n"
				"       nss-bench-run floor BYTES\n");
		return 2;
	}
	if (strcmp(argv[1], "floor") == 0) {
		printf("%.0f\n", memory_floor(strtoul(argv[2], NULL, 10), budget));
		return 0;
	}
	n_users = strtoul(argv[2], NULL, 10);
	n_groups = n_users / 50 + 1;
	if (strcmp(argv[1], "glibc") == 0) {
		use_glibc = 1;
	} else if (strcmp(argv[1], "workos-direct") == 0 && argc == 4) {
		h = dlopen(argv[3], RTLD_NOW | RTLD_LOCAL);
		if (h == NULL) {
			fprintf(stderr, "nss-bench-run: %s\n", dlerror());
			return 1;
		}
		pwnam = (pwnam_fn)must_dlsym(h, "_nss_workos_getpwnam_r");
		pwuid = (pwuid_fn)must_dlsym(h, "_nss_workos_getpwuid_r");
		grnam = (grnam_fn)must_dlsym(h, "_nss_workos_getgrnam_r");
		initgr = (initgr_fn)must_dlsym(h, "_nss_workos_initgroups_dyn");
	} else if (strcmp(argv[1], "cache-direct") == 0 && argc == 4) {
		char p[4096];

		h = dlopen("libnss_cache.so.2", RTLD_NOW | RTLD_LOCAL);
		if (h == NULL) {
			fprintf(stderr, "nss-bench-run: %s\n", dlerror());
			return 1;
		}
		pwnam = (pwnam_fn)must_dlsym(h, "_nss_cache_getpwnam_r");
		pwuid = (pwuid_fn)must_dlsym(h, "_nss_cache_getpwuid_r");
		grnam = (grnam_fn)must_dlsym(h, "_nss_cache_getgrnam_r");
		snprintf(p, sizeof(p), "%s/passwd.cache", argv[3]);
		((char *(*)(const char *))must_dlsym(h, "_nss_cache_setpwent_path"))(p);
		snprintf(p, sizeof(p), "%s/group.cache", argv[3]);
		((char *(*)(const char *))must_dlsym(h, "_nss_cache_setgrent_path"))(p);
	} else {
		fprintf(stderr, "nss-bench-run: unknown mode %s\n", argv[1]);
		return 2;
	}

	pool_n = n_users < POOL ? n_users : POOL;
	for (size_t i = 0; i < pool_n; i++)
		pool[i] = xorshift();
	double t_key = measure(do_key_only, budget / 3);

	rss0 = rss_kb();
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do_pwnam();
	clock_gettime(CLOCK_MONOTONIC, &b);
	rss1 = rss_kb();
	double t_pwnam = measure(do_pwnam, budget);
	double t_pwuid = measure(do_pwuid, budget);
	double t_grnam = measure(do_grnam, budget);
	double t_init = (use_glibc || initgr) ? measure(do_initgroups, budget) : -1;
	rss2 = rss_kb();
	if (failures) {
		fprintf(stderr, "nss-bench-run %s: %llu lookups failed\n", argv[1], failures);
		return 1;
	}
	/* Net of formatting the name keys, which is not part of the lookup
	 * (a uid key costs a few instructions: nothing to take away). */
	printf("%.0f %.0f %.0f ", t_pwnam - t_key, t_pwuid, t_grnam - t_key);
	if (t_init < 0)
		printf("- ");
	else
		printf("%.0f ", t_init - t_key);
	printf("%.0f %ld %ld\n", (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec), rss1 - rss0,
	       rss2 - rss0);
	return 0;
}
