/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include "names.h"
#include "tap.h"

int main(void)
{
	static const char *const good[] = {"alice", "_svc", "a", "ada.lovelace", "bob-smith",
					   "x9", "ada@example.com", "abcdefghijklmnopqrstuvwxyz012345"};
	static const char *const bad[] = {"",	  "Alice", "9lives", "-dash", ".dot", "a b",
					  "a:b",  "a+b",   "a/b",	 "a$",	  "é",	  "a\n",
					  "abcdefghijklmnopqrstuvwxyz0123456"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(wo_name_is_valid(good[i]), "valid: \"%s\"", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!wo_name_is_valid(bad[i]), "invalid: \"%s\"", bad[i]);
	ok(!wo_name_is_valid(NULL), "NULL is invalid");
	ok(wo_name_is_valid_n("alice:x", 5), "length-bounded check stops at len");
	ok(!wo_name_is_valid_n("alice", 0), "zero length is invalid");
	return done_testing();
}
