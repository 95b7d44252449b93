/* SPDX-License-Identifier: MIT */
/*
 * lib/localdb: reserved ranges (subuid/subgid files, hostile lines included,
 * and systemd's ranges), the NSS probe hook (stubbed here: e2e/idranges.sh
 * runs the real one through glibc), and how the allocator (lib/idmap) uses
 * both: new numbers avoid them, recorded numbers are never moved.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idmap.h"
#include "localdb.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test_localdb.XXXXXX";

static void die(const char *what, const struct wo_error *err)
{
	printf("Bail out! %s: %s\n", what, err ? err->message : strerror(errno));
	exit(1);
}

static const char *write_tmp(const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "we");
	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		die("write", NULL);
	return path;
}

static struct wo_localdb *empty_db(void)
{
	struct wo_localdb *db;
	struct wo_error err = WO_ERROR_INIT;

	if (wo_localdb_new_empty(&db, &err) != 0)
		die("empty db", &err);
	return db;
}

static struct wo_idmap *map_of(const char *text)
{
	struct wo_idmap *m;
	struct wo_error err = WO_ERROR_INIT;

	if (wo_idmap_parse("test", text, strlen(text), &m, &err) != 0)
		die("map", &err);
	return m;
}

static void test_subids(void)
{
	struct wo_localdb *db = empty_db();
	struct wo_error err = WO_ERROR_INIT;
	uint32_t last = 0;
	/* One good line among hostile ones; a NUL in the middle of a line, a
	 * line without a newline at the end. */
	static const char text[] = "alice:100000:65536\n"
				   "# a comment:1:1\n"
				   "\n"
				   ":250000:10\n"	      /* no name */
				   "bob:300000\n"	      /* two fields */
				   "bob:300000:10:5\n"	      /* four fields */
				   "bob:-5:10\n"	      /* sign */
				   "bob:400000:0\n"	      /* empty range */
				   "bob:500000:99999999999\n" /* count too large */
				   "bob:0x10:10\n"	      /* hex */
				   "bob: 600000:10\n"	      /* blank */
				   "bob:700000:10\0junk\n"    /* NUL */
				   "carol:4294967290:100\r\n" /* runs past 2^32 - 1 */
				   "1000:800000:65536\n"      /* a UID as the name */
				   "alice:165536:65536\n"     /* adjacent: merged */
				   "dave:900000:1";	      /* no final newline */

	is_int(wo_localdb_reserve_subids(db, write_tmp("subuid", text, sizeof(text) - 1), &err), 0,
	       "a subuid file with hostile lines is read");
	ok(wo_localdb_reserved(db, 100000, &last) && last == 231071,
	   "alice's two adjacent blocks merge into 100000-231071");
	ok(!wo_localdb_reserved(db, 99999, NULL) && !wo_localdb_reserved(db, 231072, NULL),
	   "the numbers around a range are not reserved");
	ok(!wo_localdb_reserved(db, 250000, NULL), "a line without a name is skipped");
	ok(!wo_localdb_reserved(db, 300000, NULL), "lines with two or four fields are skipped");
	ok(!wo_localdb_reserved(db, 400000, NULL), "a zero count reserves nothing");
	ok(!wo_localdb_reserved(db, 500000, NULL), "a count past 32 bits is skipped");
	ok(!wo_localdb_reserved(db, 16, NULL) && !wo_localdb_reserved(db, 600000, NULL),
	   "hex and blanks are not numbers");
	ok(!wo_localdb_reserved(db, 700000, NULL), "a line holding a NUL is skipped");
	ok(wo_localdb_reserved(db, 4294967295u, &last) && last == 4294967295u &&
	       wo_localdb_reserved(db, 4294967290u, NULL) &&
	       !wo_localdb_reserved(db, 4294967289u, NULL),
	   "a range past 4294967295 is cut there");
	ok(wo_localdb_reserved(db, 865535, NULL), "a UID instead of a name still reserves");
	ok(wo_localdb_reserved(db, 900000, &last) && last == 900000,
	   "the last line without a newline counts");
	ok(!wo_localdb_has_id(db, 100000), "a reserved number is not a held one");
	is_int(wo_localdb_reserve_subids(db, "/nonexistent/subgid", &err), 0,
	       "a missing file reserves nothing");
	is_int(wo_localdb_reserve_subids(db, tmpdir, &err), -1, "a directory is an error");
	wo_localdb_free(db);
}

static void test_systemd(void)
{
	struct wo_localdb *db = empty_db();
	struct wo_error err = WO_ERROR_INIT;
	static const uint32_t reserved[] = {60001,	 60513,	      61184,	   65519,
					    65534,	 65535,	      524288,	   1879048191,
					    2147352576u, 2147418111u, 2147483648u, 4294967295u};
	static const uint32_t free_[] = {1000,	      60000,	   65520,	65536,
					 524287,      1879048192,  2000000000,	2001000000,
					 2146999999u, 2147352575u, 2147418112u, 2147483647u};
	int all = 1;
	size_t n = 0;

	if (wo_localdb_reserve_systemd(db, &err) != 0)
		die("systemd", &err);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		all &= wo_localdb_reserved(db, reserved[i], NULL);
	ok(all, "systemd's ranges and 2^31 up are reserved, ends included");
	all = 1;
	for (size_t i = 0; i < sizeof(free_) / sizeof(free_[0]); i++)
		all &= !wo_localdb_reserved(db, free_[i], NULL);
	ok(all, "the numbers between them are not");
	ok(wo_localdb_systemd_ranges(&n) != NULL && n >= 5, "the table is exposed");
	wo_localdb_free(db);
}

/* A stub for the NSS chain: holds the numbers and names listed here. */
struct stub {
	uint32_t held[4];
	const char *user;
	bool broken; /* every lookup fails */
	unsigned calls;
};

static int stub_id(void *ctx, uint32_t id)
{
	struct stub *s = ctx;

	s->calls++;
	if (s->broken)
		return -1;
	for (size_t i = 0; i < 4; i++)
		if (s->held[i] == id)
			return 1;
	return 0;
}

static int stub_user(void *ctx, const char *name)
{
	struct stub *s = ctx;

	s->calls++;
	return s->broken ? -1 : s->user != NULL && strcmp(s->user, name) == 0;
}

static void attach(struct wo_localdb *db, struct stub *s)
{
	const struct wo_localdb_probe p = {
	    .user = stub_user, .group = stub_user, .id = stub_id, .ctx = s};
	struct wo_error err = WO_ERROR_INIT;

	if (wo_localdb_set_probe(db, &p, &err) != 0)
		die("probe", &err);
}

static uint32_t allocate_one(struct wo_localdb *db, const char *key, uint32_t min, uint32_t max,
			     int *status)
{
	struct wo_idmap *m = map_of("");
	struct wo_error err = WO_ERROR_INIT;
	const struct wo_idmap_ranges r = {
	    .uid_min = min, .uid_max = max, .gid_min = 1, .gid_max = 2};
	uint32_t n = 0;

	if (wo_idmap_request(m, WO_IDMAP_USER, key, 0, &err) != 0 ||
	    wo_idmap_allocate(m, &r, db, &err) != 0)
		die("allocate", &err);
	*status = (int)wo_idmap_get(m, WO_IDMAP_USER, key, &n);
	wo_idmap_free(m);
	return n;
}

static void test_allocation(void)
{
	struct wo_localdb *db = empty_db();
	struct wo_error err = WO_ERROR_INIT;
	struct stub s = {{0}, NULL, false, 0};
	const char *key = "user_01HAAA0000000000000000000B";
	uint32_t first = wo_idmap_first_candidate(WO_IDMAP_USER, key, 1000, 1999), n, n2;
	int st;

	/* The NSS chain holds the first candidate: the next one is taken. */
	attach(db, &s);
	s.held[0] = first;
	n = allocate_one(db, key, 1000, 1999, &st);
	ok(st == WO_IDMAP_NEW && n != first && n >= 1000 && n <= 1999,
	   "a number another NSS source holds is skipped (%u, not %u)", n, first);
	is_int(wo_localdb_n_ids(db), 1, "the probe's hit counts as a taken number");

	/* A reserved block over the first candidates is stepped over. */
	if (wo_localdb_reserve(db, first, first + 50 > 1999 ? 1999 : first + 50, &err) != 0)
		die("reserve", &err);
	s.calls = 0;
	n2 = allocate_one(db, key, 1000, 1999, &st);
	ok(st == WO_IDMAP_NEW && !wo_localdb_reserved(db, n2, NULL),
	   "a new number is never inside a reserved range (%u)", n2);
	ok(s.calls <= 4, "a reserved block costs no lookups (%u)", s.calls);

	/* A range reserved in full: exhausted, and quickly. */
	n = allocate_one(db, key, first, first + 10 > 1999 ? 1999 : first + 10, &st);
	is_int(st, WO_IDMAP_EXHAUSTED, "a range inside a reserved block is exhausted");
	if (wo_localdb_reserve(db, 5000000, 4000000000u, &err) != 0)
		die("reserve", &err);
	n = allocate_one(db, key, 4999999, 4000000001u, &st);
	ok(st == WO_IDMAP_NEW && (n == 4999999 || n == 4000000001u),
	   "a huge reserved block is stepped over at once (%u)", n);

	/* A preferred number in a reserved range is not given either. */
	struct wo_idmap *m = map_of("");
	const struct wo_idmap_ranges r = {
	    .uid_min = 1000, .uid_max = 1999, .gid_min = 1, .gid_max = 2};
	if (wo_idmap_request(m, WO_IDMAP_USER, key, first, &err) != 0 ||
	    wo_idmap_allocate(m, &r, db, &err) != 0)
		die("allocate", &err);
	ok(wo_idmap_get(m, WO_IDMAP_USER, key, &n) == WO_IDMAP_NEW && n != first,
	   "a preferred number inside a reserved range is not given");
	wo_idmap_free(m);

	/* Lookups that fail count as held, but do not stretch the walk. */
	s.broken = true;
	s.calls = 0;
	n = allocate_one(db, key, 1000, 1999, &st);
	ok(st == WO_IDMAP_EXHAUSTED && s.calls < 20,
	   "when NSS cannot answer nothing is handed out, after few lookups (%u)", s.calls);
	ok(wo_localdb_has_user(db, "anyone"), "a failed name lookup counts as taken");
	s.broken = false;
	ok(!wo_localdb_has_user(db, "anyone"), "a name nobody holds is free");
	s.user = "ldapuser";
	ok(wo_localdb_has_user(db, "ldapuser") && wo_localdb_has_group(db, "ldapuser"),
	   "a name another NSS source holds counts like a local one");
	wo_localdb_free(db);
}

static void test_recorded(void)
{
	struct wo_localdb *db = empty_db();
	struct wo_error err = WO_ERROR_INIT;
	struct stub s = {{2500}, NULL, false, 0};
	struct wo_idmap *m = map_of("workos-idmap 1\nuser user_a 1500\nuser user_b 2500\n");
	const struct wo_idmap_ranges r = {
	    .uid_min = 1000, .uid_max = 2999, .gid_min = 1, .gid_max = 2};
	uint32_t n = 0;

	attach(db, &s);
	if (wo_localdb_reserve(db, 1000, 1999, &err) != 0 ||
	    wo_idmap_request(m, WO_IDMAP_USER, "user_a", 0, &err) != 0 ||
	    wo_idmap_request(m, WO_IDMAP_USER, "user_b", 0, &err) != 0 ||
	    wo_idmap_allocate(m, &r, db, &err) != 0)
		die("allocate", &err);
	ok(wo_idmap_get(m, WO_IDMAP_USER, "user_a", &n) == WO_IDMAP_OK && n == 1500,
	   "a recorded number inside a range reserved later stays its owner's");
	is_int(wo_idmap_get(m, WO_IDMAP_USER, "user_b", &n), WO_IDMAP_LOCAL,
	       "a recorded number another NSS source now holds is reported, not served");
	wo_idmap_free(m);
	wo_localdb_free(db);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp", NULL);
	test_subids();
	test_systemd();
	test_allocation();
	test_recorded();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
