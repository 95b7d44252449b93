/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idmap.h"
#include "localdb.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test_idmap.XXXXXX";

static const struct wo_idmap_ranges big = {
    .uid_min = 200000, .uid_max = 2000000000, .gid_min = 100000, .gid_max = 199999};

static void die(const char *what, const struct wo_error *err)
{
	printf("Bail out! %s: %s\n", what, err ? err->message : strerror(errno));
	exit(1);
}

static struct wo_idmap *empty_map(void)
{
	struct wo_idmap *m;
	struct wo_error err = WO_ERROR_INIT;

	if (wo_idmap_parse("test", "", 0, &m, &err) != 0)
		die("empty map", &err);
	return m;
}

static void request(struct wo_idmap *m, enum wo_idmap_kind kind, const char *key,
		    uint32_t preferred)
{
	struct wo_error err = WO_ERROR_INIT;

	if (wo_idmap_request(m, kind, key, preferred, &err) != 0)
		die("request", &err);
}

static void allocate(struct wo_idmap *m, const struct wo_idmap_ranges *r,
		     const struct wo_localdb *local)
{
	struct wo_error err = WO_ERROR_INIT;

	if (wo_idmap_allocate(m, r, local, &err) != 0)
		die("allocate", &err);
}

static uint32_t number_of(const struct wo_idmap *m, enum wo_idmap_kind kind, const char *key)
{
	uint32_t n;
	enum wo_idmap_status st = wo_idmap_get(m, kind, key, &n);

	return (st == WO_IDMAP_OK || st == WO_IDMAP_NEW) ? n : 0;
}

static char *path_in_tmp(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) != 0)
		die(path, NULL);
}

static struct wo_localdb *localdb(const char *passwd, const char *group)
{
	struct wo_localdb *db;
	struct wo_error err = WO_ERROR_INIT;

	write_file(path_in_tmp("passwd"), passwd, 0644);
	write_file(path_in_tmp("group"), group, 0644);
	if (wo_localdb_load(path_in_tmp("passwd"), path_in_tmp("group"), &db, &err) != 0)
		die("localdb", &err);
	return db;
}

static const char *users[] = {
    "user_01HZZZ0000000000000000000A", "user_01HAAA0000000000000000000B",
    "user_01HMMM0000000000000000000C", "user_01J0000000000000000000000D",
    "user_01H0000000000000000000000E",
};
#define N_USERS (sizeof(users) / sizeof(users[0]))

/* Computed independently (a few lines of Python implementing the rule in
 * idmap.h), not read back from this implementation. */
#define GOLDEN_USER_B	   1695893918
#define GOLDEN_ROLE_ADMIN  166364
#define GOLDEN_GROUP_USERS 181511

static void test_golden(void)
{
	/* These pin the derivation: every host, and every future version, must
	 * derive the same first candidate, or hosts disagree on UIDs.  If this
	 * fails, the change breaks deployed machines; do not update the values. */
	is_int(wo_idmap_first_candidate(WO_IDMAP_USER, "user_01HAAA0000000000000000000B", 200000,
					2000000000),
	       GOLDEN_USER_B, "golden: first UID candidate of a user id");
	is_int(wo_idmap_first_candidate(WO_IDMAP_ROLE, "admin", 100000, 199999), GOLDEN_ROLE_ADMIN,
	       "golden: first GID candidate of role admin");
	is_int(wo_idmap_first_candidate(WO_IDMAP_GROUP, "workos-users", 100000, 199999),
	       GOLDEN_GROUP_USERS, "golden: first GID candidate of the member group");
	ok(wo_idmap_first_candidate(WO_IDMAP_ROLE, "admin", 100000, 199999) !=
	       wo_idmap_first_candidate(WO_IDMAP_GROUP, "admin", 100000, 199999),
	   "the kind is part of the hashed key");
	is_int(wo_idmap_first_candidate(WO_IDMAP_USER, "x", 5, 5), 5, "a one-number range");

	/* 65535 is "no id" to 16-bit interfaces: never handed out. */
	struct wo_idmap *m = empty_map();
	const struct wo_idmap_ranges r = {
	    .uid_min = 65535, .uid_max = 65536, .gid_min = 100, .gid_max = 200};
	request(m, WO_IDMAP_USER, "user_a", 65535);
	request(m, WO_IDMAP_USER, "user_b", 0);
	allocate(m, &r, NULL);
	uint32_t a = 0, b = 0;
	int sa = wo_idmap_get(m, WO_IDMAP_USER, "user_a", &a);
	int sb = wo_idmap_get(m, WO_IDMAP_USER, "user_b", &b);
	ok((sa == WO_IDMAP_NEW && a == 65536 && sb == WO_IDMAP_EXHAUSTED) ||
	       (sb == WO_IDMAP_NEW && b == 65536 && sa == WO_IDMAP_EXHAUSTED),
	   "65535 is never allocated, even when asked for");
	wo_idmap_free(m);
}

static void test_stability(void)
{
	struct wo_idmap *a = empty_map(), *b = empty_map(), *c;
	struct wo_error err = WO_ERROR_INIT;
	char *fa, *fb;
	size_t la, lb;
	int all_in_range = 1, all_first = 1;

	for (size_t i = 0; i < N_USERS; i++)
		request(a, WO_IDMAP_USER, users[i], 0);
	for (size_t i = N_USERS; i-- > 0;)
		request(b, WO_IDMAP_USER, users[i], 0);
	request(a, WO_IDMAP_ROLE, "admin", 0);
	request(b, WO_IDMAP_ROLE, "admin", 0);
	allocate(a, &big, NULL);
	allocate(b, &big, NULL);
	fa = wo_idmap_format(a, &la);
	fb = wo_idmap_format(b, &lb);
	ok(fa && fb && la == lb && memcmp(fa, fb, la) == 0,
	   "two hosts, requests in different orders: the same map");
	is_int(wo_idmap_added(a), N_USERS + 1, "every request was allocated");
	for (size_t i = 0; i < N_USERS; i++) {
		uint32_t n = number_of(a, WO_IDMAP_USER, users[i]);

		all_in_range &= n >= big.uid_min && n <= big.uid_max;
		all_first &= n == wo_idmap_first_candidate(WO_IDMAP_USER, users[i], big.uid_min,
							   big.uid_max);
	}
	ok(all_in_range, "UIDs in [uid_min, uid_max]");
	ok(all_first, "without collisions each user gets its first candidate");
	uint32_t g = number_of(a, WO_IDMAP_ROLE, "admin");
	ok(g >= big.gid_min && g <= big.gid_max, "role GID in [gid_min, gid_max]");

	/* Save, reload, a later run asks again: nothing moves. */
	if (wo_idmap_save(a, path_in_tmp("idmap"), &err) != 0)
		die("save", &err);
	if (wo_idmap_load(path_in_tmp("idmap"), &c, &err) != 0)
		die("load", &err);
	is_int(wo_idmap_count(c), N_USERS + 1, "reloaded map has every entry");
	request(c, WO_IDMAP_USER, users[2], 0);
	request(c, WO_IDMAP_USER, "user_01K0000000000000000000000F", 0);
	allocate(c, &big, NULL);
	is_int(wo_idmap_added(c), 1, "a later run allocates only the new user");
	int same = 1;
	for (size_t i = 0; i < N_USERS; i++)
		same &=
		    number_of(c, WO_IDMAP_USER, users[i]) == number_of(a, WO_IDMAP_USER, users[i]);
	ok(same, "UIDs unchanged across runs, including users not requested (who left)");
	uint32_t n;
	is_int(wo_idmap_get(c, WO_IDMAP_USER, users[0], &n), WO_IDMAP_OK, "old entry is OK");
	is_int(wo_idmap_get(c, WO_IDMAP_USER, "user_01K0000000000000000000000F", &n), WO_IDMAP_NEW,
	       "new entry is NEW");
	is_int(wo_idmap_get(c, WO_IDMAP_USER, "user_nobody", &n), WO_IDMAP_UNKNOWN, "unknown key");

	/* The ranges bound new numbers only: a recorded UID outside a later,
	 * narrower range is still the user's. */
	const struct wo_idmap_ranges moved = {
	    .uid_min = 3000000000u, .uid_max = 3000000100u, .gid_min = 500, .gid_max = 600};
	request(c, WO_IDMAP_USER, users[1], 0);
	allocate(c, &moved, NULL);
	is_int(number_of(c, WO_IDMAP_USER, users[1]), number_of(a, WO_IDMAP_USER, users[1]),
	       "a recorded UID outside the current range is kept");
	free(fa);
	free(fb);
	wo_idmap_free(a);
	wo_idmap_free(b);
	wo_idmap_free(c);
}

static void test_collisions(void)
{
	const struct wo_idmap_ranges small = {
	    .uid_min = 1000, .uid_max = 1009, .gid_min = 500, .gid_max = 509};
	char k1[32] = "", k2[32] = "";
	struct wo_idmap *m;

	/* Find two ids whose first candidates collide in a range of 10. */
	uint32_t seen[10] = {0};
	for (int i = 0; i < 100 && k2[0] == '\0'; i++) {
		char key[32];
		uint32_t c;

		snprintf(key, sizeof(key), "user_%02d", i);
		c = wo_idmap_first_candidate(WO_IDMAP_USER, key, 1000, 1009);
		if (seen[c - 1000] != 0) {
			snprintf(k1, sizeof(k1), "user_%02u", seen[c - 1000] - 1);
			snprintf(k2, sizeof(k2), "%s", key);
		}
		seen[c - 1000] = (uint32_t)i + 1;
	}
	ok(k2[0] != '\0', "found two ids with the same first candidate (%s, %s)", k1, k2);
	uint32_t first = wo_idmap_first_candidate(WO_IDMAP_USER, k1, 1000, 1009);

	for (int order = 0; order < 2; order++) {
		m = empty_map();
		request(m, WO_IDMAP_USER, order ? k2 : k1, 0);
		request(m, WO_IDMAP_USER, order ? k1 : k2, 0);
		allocate(m, &small, NULL);
		is_int(number_of(m, WO_IDMAP_USER, k1), first,
		       "collision (order %d): the smaller id keeps its first candidate", order);
		is_int(number_of(m, WO_IDMAP_USER, k2), first == 1009 ? 1000 : first + 1,
		       "collision (order %d): the other takes the next one, wrapping", order);
		wo_idmap_free(m);
	}

	/* Fill the range: ten users get ten distinct numbers, the 11th none. */
	m = empty_map();
	for (int i = 0; i < 11; i++) {
		char key[32];

		snprintf(key, sizeof(key), "user_%02d", i);
		request(m, WO_IDMAP_USER, key, 0);
	}
	allocate(m, &small, NULL);
	unsigned mask = 0;
	for (int i = 0; i < 10; i++) {
		char key[32];
		uint32_t n = 0;

		snprintf(key, sizeof(key), "user_%02d", i);
		if (wo_idmap_get(m, WO_IDMAP_USER, key, &n) == WO_IDMAP_NEW && n >= 1000 &&
		    n <= 1009)
			mask |= 1u << (n - 1000);
	}
	is_int(mask, 0x3ff, "ten users fill the ten numbers of the range");
	uint32_t n;
	is_int(wo_idmap_get(m, WO_IDMAP_USER, "user_10", &n), WO_IDMAP_EXHAUSTED,
	       "range exhausted: the 11th user gets no number");
	is_int(n, 0, "no number for an exhausted request");
	is_int(wo_idmap_count(m), 10, "exhausted requests are not recorded");
	/* Groups draw from their own range. */
	request(m, WO_IDMAP_ROLE, "admin", 0);
	allocate(m, &small, NULL);
	n = number_of(m, WO_IDMAP_ROLE, "admin");
	ok(n >= 500 && n <= 509, "role still gets a GID when the UID range is full");
	wo_idmap_free(m);
}

static void test_preferred(void)
{
	struct wo_idmap *m = empty_map(), *r;
	struct wo_localdb *local = localdb("svc:x:300000:300000::/:/bin/false\n", "");
	struct wo_error err = WO_ERROR_INIT;
	const char *a = "user_A", *b = "user_B", *c = "user_C", *d = "user_D";

	request(m, WO_IDMAP_USER, b, 250000);
	request(m, WO_IDMAP_USER, a, 250000); /* contends with b: a sorts first */
	request(m, WO_IDMAP_USER, c, 100);    /* out of range */
	request(m, WO_IDMAP_USER, d, 300000); /* a local account has it */
	allocate(m, &big, local);
	is_int(number_of(m, WO_IDMAP_USER, a), 250000, "metadata uid wins when valid and free");
	ok(number_of(m, WO_IDMAP_USER, b) ==
	       wo_idmap_first_candidate(WO_IDMAP_USER, b, big.uid_min, big.uid_max),
	   "the loser of a contended metadata uid falls back to its derived UID");
	ok(number_of(m, WO_IDMAP_USER, c) ==
	       wo_idmap_first_candidate(WO_IDMAP_USER, c, big.uid_min, big.uid_max),
	   "a metadata uid outside [uid_min, uid_max] is ignored");
	ok(number_of(m, WO_IDMAP_USER, d) != 300000 && number_of(m, WO_IDMAP_USER, d) != 0,
	   "a metadata uid a local account uses is ignored");

	/* Recorded for ever: a later preference does not move a recorded UID. */
	if (wo_idmap_save(m, path_in_tmp("idmap"), &err) != 0 ||
	    wo_idmap_load(path_in_tmp("idmap"), &r, &err) != 0)
		die("save/load", &err);
	request(r, WO_IDMAP_USER, b, 777777);
	allocate(r, &big, local);
	is_int(number_of(r, WO_IDMAP_USER, b), number_of(m, WO_IDMAP_USER, b),
	       "a recorded UID outranks a new metadata uid");
	is_int(wo_idmap_added(r), 0, "nothing new allocated");
	wo_idmap_free(r);
	wo_idmap_free(m);
	wo_localdb_free(local);
}

static void test_local(void)
{
	const struct wo_idmap_ranges small = {
	    .uid_min = 1000, .uid_max = 1004, .gid_min = 1000, .gid_max = 1004};
	const char *key = "user_local";
	uint32_t first = wo_idmap_first_candidate(WO_IDMAP_USER, key, 1000, 1004);
	uint32_t g = first == 1004 ? 1000 : first + 1;
	char passwd[256], group[256];
	struct wo_localdb *local;
	struct wo_idmap *m = empty_map(), *r;
	struct wo_error err = WO_ERROR_INIT;

	/* The first candidate is a local UID, the second a local GID only. */
	snprintf(passwd, sizeof(passwd),
		 "root:x:0:0:root:/root:/bin/bash\n"
		 "# a comment\n"
		 "broken line without colons\n"
		 "ada:x:%u:%u::/home/ada:/bin/sh\n",
		 first, first);
	snprintf(group, sizeof(group), "root:x:0:\nstaff:x:%u:ada\nnonum:x:abc:\n", g);
	local = localdb(passwd, group);
	ok(wo_localdb_has_user(local, "ada") && wo_localdb_has_user(local, "root"),
	   "localdb: passwd names");
	ok(wo_localdb_has_user(local, "broken line without colons"),
	   "localdb: a malformed line still reserves its name");
	ok(!wo_localdb_has_user(local, "staff") && wo_localdb_has_group(local, "staff") &&
	       wo_localdb_has_group(local, "nonum"),
	   "localdb: group names");
	ok(wo_localdb_has_id(local, first) && wo_localdb_has_id(local, g) &&
	       wo_localdb_has_id(local, 0) && !wo_localdb_has_id(local, 4242),
	   "localdb: ids from both files");

	request(m, WO_IDMAP_USER, key, 0);
	allocate(m, &small, local);
	uint32_t n = number_of(m, WO_IDMAP_USER, key);
	ok(n != first && n != g && n >= 1000 && n <= 1004,
	   "local UIDs and GIDs are skipped (got %u, local %u and %u)", n, first, g);

	/* Later a local account takes the recorded number: kept, not served. */
	if (wo_idmap_save(m, path_in_tmp("idmap"), &err) != 0 ||
	    wo_idmap_load(path_in_tmp("idmap"), &r, &err) != 0)
		die("save/load", &err);
	wo_localdb_free(local);
	snprintf(passwd, sizeof(passwd), "bob:x:%u:%u::/:/bin/sh\n", n, n);
	local = localdb(passwd, "");
	request(r, WO_IDMAP_USER, key, 0);
	allocate(r, &small, local);
	uint32_t got;
	is_int(wo_idmap_get(r, WO_IDMAP_USER, key, &got), WO_IDMAP_LOCAL,
	       "recorded UID now used locally is reported, not served");
	is_int(wo_idmap_count(r), 1, "and it stays recorded");
	wo_idmap_free(r);
	wo_idmap_free(m);
	wo_localdb_free(local);

	struct wo_localdb *none;
	ok(wo_localdb_load(path_in_tmp("no-such-passwd"), path_in_tmp("group"), &none, &err) != 0,
	   "localdb: a missing /etc/passwd is an error");
}

static void test_corrupt(void)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
	    {"user user_a 200000\n", "no header"},
	    {"workos-idmap 3\nuser user_a 200000\n", "unknown version"},
	    {"workos-idmap 1\nuser user_a 1\nname ada user_a\n", "a name in a version 1 map"},
	    {"workos-idmap 2\nname ada user_a\n", "a name whose owner has no UID"},
	    {"workos-idmap 2\nuser user_a 1\nname ada user_a\nname bob user_a\n",
	     "two names for one owner"},
	    {"workos-idmap 2\nuser user_a 1\nuser user_b 2\nname ada user_a\nname ada user_b\n",
	     "one name, two owners"},
	    {"workos-idmap 2\nuser user_a 1\nname Ada user_a\n", "a name that is not a valid name"},
	    {"workos-idmap 2\nuser user_a 1\nname ada user/a\n", "an owner that is not an id"},
	    {"workos-idmap 2\nuser user_a 1\nname ada 1\n", "an owner that is a number"},
	    {"workos-idmap 2\nuser user_a 1\nname ada\n", "a name without an owner"},
	    {"workos-idmap 1\nuser user_a 200000", "no final newline (truncated)"},
	    {"workos-idmap 1\nuser user_a 2000", "truncated in a number"},
	    {"workos-idmap 1\nperson user_a 200000\n", "unknown kind"},
	    {"workos-idmap 1\nuser user/a 200000\n", "bad character in key"},
	    {"workos-idmap 1\nuser  user_a 200000\n", "two spaces"},
	    {"workos-idmap 1\nuser\tuser_a\t200000\n", "tabs"},
	    {"workos-idmap 1\nuser user_a 200000 \n", "trailing space"},
	    {"workos-idmap 1\nuser user_a 200000\r\n", "CR"},
	    {"workos-idmap 1\n\nuser user_a 200000\n", "empty line"},
	    {"workos-idmap 1\n# comment\n", "comment"},
	    {"workos-idmap 1\nuser user_a 0200000\n", "leading zero"},
	    {"workos-idmap 1\nuser user_a 0\n", "zero (root)"},
	    {"workos-idmap 1\nuser user_a -5\n", "negative"},
	    {"workos-idmap 1\nuser user_a 4294967295\n", "(uid_t)-1"},
	    {"workos-idmap 1\nuser user_a 65535\n", "(uint16_t)-1"},
	    {"workos-idmap 1\nuser user_a 99999999999\n", "over 32 bits"},
	    {"workos-idmap 1\nuser user_a 12x\n", "trailing junk"},
	    {"workos-idmap 1\nuser user_a\n", "no number"},
	    {"workos-idmap 1\nuser user_a 1\nuser user_a 2\n", "duplicate key"},
	    {"workos-idmap 1\nuser user_a 1\nuser user_b 1\n", "duplicate number"},
	    {"workos-idmap 1\nuser user_a 1\nrole admin 1\n", "user and role share a number"},
	    {"workos-idmap 1\ngroup Workos-Users 5\n", "group key not a valid name"},
	    {"workos-idmap 1\nuser "
	     "u12345678901234567890123456789012345678901234567890123456789012345 5\n",
	     "key over 64 bytes"},
	};
	struct wo_idmap *m;
	struct wo_error err = WO_ERROR_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = NULL;
		is_int(wo_idmap_parse("map", bad[i].text, strlen(bad[i].text), &m, &err), -1,
		       "corrupt map refused: %s", bad[i].why);
		ok(m == NULL && strstr(err.message, "map") != NULL, "  with a message (%s)",
		   err.message);
	}
	static const char nul[] = "workos-idmap 1\nuser user_a 1\0\n";
	is_int(wo_idmap_parse("map", nul, sizeof(nul) - 1, &m, &err), -1,
	       "corrupt map refused: NUL byte");

	static const char good[] = "workos-idmap 2\nuser user_a 200001\nuser user_b 200002\n"
				   "role admin 100001\ngroup workos-users 100002\n"
				   "name ada user_a\nname bob user_b\n";
	is_int(wo_idmap_parse("map", good, strlen(good), &m, &err), 0, "a good map parses");
	size_t len;
	char *text = wo_idmap_format(m, &len);
	ok(text && len == strlen(good) && memcmp(text, good, len) == 0,
	   "format gives the file back byte for byte");
	is_str(wo_idmap_owner_of(m, "bob"), "user_b", "a recorded name's owner");
	is_str(wo_idmap_name_of(m, "user_a"), "ada", "a recorded owner's name");
	ok(wo_idmap_owner_of(m, "carol") == NULL && wo_idmap_name_of(m, "user_c") == NULL,
	   "unknown names and users have no owner, no name");
	free(text);
	wo_idmap_free(m);

	/* Names may come in any order in a hand-edited file. */
	static const char unsorted[] = "workos-idmap 2\nname ada user_a\nuser user_a 5\n";
	is_int(wo_idmap_parse("map", unsorted, strlen(unsorted), &m, &err), 0,
	       "a name before its owner's line is fine");
	wo_idmap_free(m);

	/* Version 1 (no names) is read and written back as version 2. */
	static const char v1[] = "workos-idmap 1\nuser user_a 200001\nrole admin 100001\n";
	static const char v2[] = "workos-idmap 2\nuser user_a 200001\nrole admin 100001\n";
	is_int(wo_idmap_parse("map", v1, strlen(v1), &m, &err), 0, "a version 1 map parses");
	text = wo_idmap_format(m, &len);
	ok(text && len == strlen(v2) && memcmp(text, v2, len) == 0,
	   "  and is written back as version 2");
	free(text);
	wo_idmap_free(m);
}

static void propose(struct wo_idmap *m, const char *user_id, const char *name)
{
	struct wo_error err = WO_ERROR_INIT;

	if (wo_idmap_propose_name(m, user_id, name, &err) != 0)
		diag("propose %s for %s: %s", name, user_id, err.message);
}

static void test_names(void)
{
	static const struct wo_idmap_ranges three = {
	    .uid_min = 500, .uid_max = 502, .gid_min = 600, .gid_max = 700};
	struct wo_idmap *m = empty_map();
	struct wo_error err = WO_ERROR_INIT;

	is_int(wo_idmap_propose_name(m, "user_x", "x", &err), -1,
	       "a proposal for a user who asked for no number is refused");
	request(m, WO_IDMAP_USER, "user_b", 0);
	is_int(wo_idmap_propose_name(m, "user_b", "Not Valid", &err), -1,
	       "an invalid name is refused");
	request(m, WO_IDMAP_USER, "user_c", 0);
	request(m, WO_IDMAP_USER, "user_a", 0);
	request(m, WO_IDMAP_USER, "user_d", 0);
	/* c and a want ada, b wants bob, d wants dora but there are only three
	 * UIDs: a, b and c get them (key order), so d gets no name. */
	propose(m, "user_c", "ada");
	propose(m, "user_b", "bob");
	propose(m, "user_a", "ada");
	propose(m, "user_d", "dora");
	allocate(m, &three, NULL);
	is_str(wo_idmap_owner_of(m, "ada"), "user_a", "the smallest id gets a contested name");
	is_str(wo_idmap_name_of(m, "user_b"), "bob", "an uncontested name is given");
	ok(wo_idmap_name_of(m, "user_c") == NULL, "the loser gets no name (though it has a UID)");
	ok(wo_idmap_owner_of(m, "dora") == NULL, "a user without a UID gets no name");
	is_int(wo_idmap_added(m), 5, "three numbers and two names added");

	/* A second run: the owner proposes another name, c proposes ada again. */
	propose(m, "user_a", "alice");
	propose(m, "user_c", "ada");
	allocate(m, &three, NULL);
	is_str(wo_idmap_name_of(m, "user_a"), "ada",
	       "an owner keeps their name whatever they propose");
	ok(wo_idmap_owner_of(m, "alice") == NULL, "  and the new proposal is not recorded");
	is_str(wo_idmap_owner_of(m, "ada"), "user_a", "an owned name is never given again");
	wo_idmap_free(m);
}

static void test_files(void)
{
	struct wo_idmap *m;
	struct wo_error err = WO_ERROR_INIT;
	struct stat st;
	const char *path = path_in_tmp("idmap2");

	is_int(wo_idmap_load(path, &m, &err), 0, "missing map file is an empty map");
	is_int(wo_idmap_count(m), 0, "  with no entries");
	request(m, WO_IDMAP_USER, "user_x", 0);
	allocate(m, &big, NULL);
	is_int(wo_idmap_save(m, path, &err), 0, "save");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == geteuid(),
	   "saved map is 0600, owned by us");
	wo_idmap_free(m);

	/* No temporary file left behind. */
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int stray = 0;
	while (d && (de = readdir(d)) != NULL)
		stray += strstr(de->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	is_int(stray, 0, "no temporary file left behind");

	chmod(path, 0644);
	is_int(wo_idmap_load(path, &m, &err), -1, "a map readable by others is refused");
	like(err.message, "readable", "  saying why");
	is_int(err.kind, WO_ERR_SYSTEM, "  as a local (system) failure");
	chmod(path, 0620);
	is_int(wo_idmap_load(path, &m, &err), -1, "a map writable by group is refused");
	chmod(path, 0600);

	const char *link = path_in_tmp("idmap-link");
	if (symlink(path, link) != 0)
		die("symlink", NULL);
	is_int(wo_idmap_load(link, &m, &err), -1, "a symlinked map is refused");

	write_file(path, "workos-idmap 1\nuser user_x 200000", 0600);
	is_int(wo_idmap_load(path, &m, &err), -1, "a truncated map file is refused");

	/* Saving into a directory that does not exist fails and says so. */
	struct wo_idmap *e = empty_map();
	is_int(wo_idmap_save(e, "/nonexistent-dir/idmap", &err), -1,
	       "save into a missing dir fails");
	wo_idmap_free(e);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp", NULL);
	test_golden();
	test_stability();
	test_collisions();
	test_preferred();
	test_local();
	test_corrupt();
	test_names();
	test_files();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
