/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

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

	/* Names packed back to back, as in a cache group record. */
	{
		static const char packed[] = "alice\0bob\0";
		char max[WO_NAME_MAX + 2];

		is_int(wo_name_span(packed, sizeof(packed) - 1), 5, "span: first name");
		is_int(wo_name_span(packed + 6, 4), 3, "span: second name, NUL at the edge");
		is_int(wo_name_span(packed + 6, 3), -1, "span: NUL beyond avail is refused");
		is_int(wo_name_span(packed, 0), -1, "span: nothing available");
		is_int(wo_name_span("\0", 1), -1, "span: empty name");
		is_int(wo_name_span("9lives", 7), -1, "span: bad first character");
		is_int(wo_name_span("a:b", 4), -1, "span: bad later character");
		is_int(wo_name_span("a\xff", 3), -1, "span: 0xff");
		memset(max, 'a', sizeof(max));
		max[WO_NAME_MAX] = '\0';
		is_int(wo_name_span(max, sizeof(max)), WO_NAME_MAX, "span: %d bytes", WO_NAME_MAX);
		max[WO_NAME_MAX] = 'a';
		max[WO_NAME_MAX + 1] = '\0';
		is_int(wo_name_span(max, sizeof(max)), -1, "span: %d bytes is too long",
		       WO_NAME_MAX + 1);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(wo_name_span(good[i], strlen(good[i]) + 1) == (int)strlen(good[i]),
		   "span agrees with is_valid: \"%s\"", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(wo_name_span(bad[i], strlen(bad[i]) + 1) == -1,
		   "span agrees with is_valid: \"%s\"", bad[i]);
	return done_testing();
}
