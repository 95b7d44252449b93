/* SPDX-License-Identifier: MIT */
/* Who owns a local account (lib/owner.c): the NSS cache, the bindings file,
 * the UID range file. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_fixture.h"
#include "owner.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test_owner.XXXXXX";
static char cache_path[300], bindings_path[300], range_path[300];
static const struct wo_owner_files files = {cache_path, bindings_path, range_path};

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

/* find(name, uid): 0 / -1 as wo_owner_find returns, *o filled. */
static int find(const char *name, uid_t uid, struct wo_owner *o, struct wo_error *err)
{
	wo_error_clear(err);
	return wo_owner_find(&files, name, uid, o, err);
}

static void test_cache(void)
{
	struct wo_owner o;
	struct wo_error err = WO_ERROR_INIT;

	is_int(find("alice", 200001, &o, &err), 0, "no cache, no bindings: an answer");
	is_int(o.kind, WO_OWNER_NONE, "  nobody owns alice");

	if (fx_write(cache_path) != 0)
		return;
	is_int(find("alice", 200001, &o, &err), 0, "alice with the cache's UID");
	is_int(o.kind, WO_OWNER_SYNCED, "  is made by workos-sync");
	is_str(o.user_id, "user_01ALICE", "  and owned by the recorded WorkOS user");
	is_int(find("alice", 1000, &o, &err), 0, "alice with another UID (a local alice first)");
	is_int(o.kind, WO_OWNER_NONE, "  is not WorkOS's");
	is_int(find("root", 0, &o, &err), 0, "root");
	is_int(o.kind, WO_OWNER_NONE, "  is never WorkOS's");
	is_int(find("dave", 200009, &o, &err), 0, "a name the cache does not hold");
	is_int(o.kind, WO_OWNER_NONE, "  is not WorkOS's");
	is_int(find("Not Valid", 200001, &o, &err), 0, "an invalid name");
	is_int(o.kind, WO_OWNER_NONE, "  is nobody's");

	/* A cache that is not root's, or is garbage: no answer, fail closed. */
	chmod(cache_path, 0666);
	is_int(find("alice", 200001, &o, &err), -1, "a cache others may write is refused");
	is_int(o.kind, WO_OWNER_NONE, "  and owns nothing");
	write_file(cache_path, "garbage that is no cache\n", 0644);
	is_int(find("alice", 200001, &o, &err), -1, "a corrupt cache: an error");
	ok(err.message[0] != '\0', "  with a message (%s)", err.message);
	unlink(cache_path);
}

static void test_bindings(void)
{
	struct wo_owner o;
	struct wo_error err = WO_ERROR_INIT;

	write_file(bindings_path,
		   "# accounts made by hand\n\n  ops  user_01OPS  \nbuild\tuser_01BUILD\n"
		   "root user_01ROOT\n",
		   0644);
	is_int(find("ops", 1001, &o, &err), 0, "a bound account");
	is_int(o.kind, WO_OWNER_BOUND, "  is bound by hand");
	is_str(o.user_id, "user_01OPS", "  to its WorkOS user (blanks around fields are fine)");
	is_int(find("build", 1002, &o, &err), 0, "a binding separated by a tab");
	is_str(o.user_id, "user_01BUILD", "  is read");
	is_int(find("root", 0, &o, &err), 0, "root bound in the file");
	is_int(o.kind, WO_OWNER_NONE, "  is still nobody's: UID 0 never is WorkOS's");
	is_int(find("carol", 1003, &o, &err), 0, "an unbound local account");
	is_int(o.kind, WO_OWNER_NONE, "  is nobody's");

	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
	    {"ops\n", "a name without an id"},
	    {"ops user_01OPS extra\n", "a third field"},
	    {"ops 01OPS\n", "an id without user_"},
	    {"ops user_\n", "an empty id"},
	    {"ops user_01/OPS\n", "a bad character in the id"},
	    {"Ops user_01OPS\n", "an invalid name"},
	    {"ops user_01OPS\nops user_01OTHER\n", "a name bound twice"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bindings_path, bad[i].text, 0644);
		is_int(find("carol", 1003, &o, &err), -1, "bindings refused: %s", bad[i].why);
		ok(o.kind == WO_OWNER_NONE && strstr(err.message, "bindings file") != NULL,
		   "  owning nothing, with a message (%s)", err.message);
	}
	write_file(bindings_path, "ops user_01OPS\n", 0664);
	is_int(find("ops", 1001, &o, &err), -1, "a bindings file the group may write is refused");
	is_int(o.kind, WO_OWNER_NONE, "  and binds nothing");
	ok(o.unsure, "  but ops, which it names, may be WorkOS's");
	is_int(find("carol", 1003, &o, &err), -1, "carol, with the same file");
	ok(!o.unsure, "  is not named in it: an ordinary local account");
	write_file(bindings_path, "  ops\tuser_01OPS\nops user_01OTHER\nopsx user_01X\n", 0644);
	is_int(find("ops", 1001, &o, &err), -1, "a malformed file (ops bound twice)");
	ok(o.unsure, "  leaves ops unsure");
	is_int(find("op", 1004, &o, &err), -1, "op, a prefix of names in it");
	ok(!o.unsure, "  is not named");
	write_file(cache_path, "garbage that is no cache\n", 0644);
	write_file(bindings_path, "ops user_01OPS\n", 0644);
	is_int(find("ops", 1001, &o, &err), -1, "a corrupt cache, a good bindings file");
	ok(o.unsure, "  leaves a bound account unsure");
	is_int(find("carol", 1003, &o, &err), -1, "  and an unbound one");
	ok(!o.unsure, "  to the UID range");
	unlink(cache_path);

	/* The cache decides first: a cached name is the cache's owner's. */
	write_file(bindings_path, "alice user_01MALLORY\n", 0644);
	if (fx_write(cache_path) == 0) {
		is_int(find("alice", 200001, &o, &err), 0, "a name both cached and bound");
		is_str(o.user_id, "user_01ALICE", "  belongs to the cache's owner");
	}
	unlink(cache_path);
	unlink(bindings_path);
}

static void test_uid_range(void)
{
	struct wo_error err = WO_ERROR_INIT;
	uint32_t min = 0, max = 0;

	is_int(wo_uid_range_load(range_path, &min, &max, &err), 0, "no range file: 0");
	is_int(wo_uid_range_save(range_path, 2001000000, 2099999999, &err), 0, "saved");
	is_int(wo_uid_range_load(range_path, &min, &max, &err), 1, "read back");
	ok(min == 2001000000 && max == 2099999999, "  the same range");

	static const char *const bad[] = {
	    "workos-uid-range 1\n5 4\n",      "workos-uid-range 1\n0 4\n",
	    "workos-uid-range 2\n1 4\n",      "workos-uid-range 1\n1 4",
	    "workos-uid-range 1\n1  4\n",     "workos-uid-range 1\n1 99999999999\n",
	    "workos-uid-range 1\n1 4\n5 6\n", "workos-uid-range 1\n01 4\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(range_path, bad[i], 0644);
		is_int(wo_uid_range_load(range_path, &min, &max, &err), -1,
		       "malformed range file %zu refused", i);
	}
	write_file(range_path, "workos-uid-range 1\n1 4\n", 0646);
	is_int(wo_uid_range_load(range_path, &min, &max, &err), -1,
	       "a range file others may write is refused");
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	snprintf(cache_path, sizeof(cache_path), "%s/nss.cache", tmpdir);
	snprintf(bindings_path, sizeof(bindings_path), "%s/owners", tmpdir);
	snprintf(range_path, sizeof(range_path), "%s/uid-range", tmpdir);
	test_cache();
	test_bindings();
	test_uid_range();
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
