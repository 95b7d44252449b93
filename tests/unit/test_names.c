/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "tap.h"

/* The rule wo_names_split() must agree with, put another way than either
 * of its versions: each NUL-terminated piece is a valid name. */
static int split_by_rule(char *block, size_t size, char **names, size_t n)
{
	size_t at = 0, found = 0;

	while (at < size) {
		const char *nul = memchr(block + at, '\0', size - at);

		if (nul == NULL || found == n ||
		    !wo_name_is_valid_n(block + at, (size_t)(nul - block) - at))
			return -1;
		names[found++] = block + at;
		at = (size_t)(nul - block) + 1;
	}
	return found == n ? 0 : -1;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned pick(unsigned bound)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % bound);
}

/* A block of names as a group record holds them, mostly well formed, with
 * one of the ways it can be wrong now and then: a bad byte anywhere, a bad
 * first character, an empty or too long name, a missing last NUL. */
static size_t random_block(char *b, size_t cap, size_t *n)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyz_";
	static const char rest[] = "abcdefghijklmnopqrstuvwxyz_0123456789.-@";
	/* Each allowed range's neighbours, and a NUL inside a name. */
	static const char wrong[] = "A:+ /\n\x7f\x80\xff"
				    "9.-`{,?^@Z[\0";
	size_t size = 0, names = pick(40);

	*n = 0;
	for (size_t i = 0; i < names; i++) {
		size_t len = pick(20) == 0 ? pick(WO_NAME_MAX + 4) : 1 + pick(12);

		if (size + len + 1 > cap)
			break;
		for (size_t j = 0; j < len; j++)
			b[size + j] =
			    j == 0 ? first[pick(sizeof(first) - 1)] : rest[pick(sizeof(rest) - 1)];
		size += len;
		b[size++] = '\0';
		(*n)++;
	}
	if (size > 0 && pick(4) == 0)
		b[pick((unsigned)size)] = wrong[pick(sizeof(wrong) - 1)];
	if (size > 0 && pick(10) == 0)
		size--;
	switch (pick(20)) {
	case 0:
		*n -= *n > 0;
		break;
	case 1:
		(*n)++;
		break;
	}
	return size;
}

static void split_agrees_with_rule(void)
{
	enum { ROUNDS = 20000 };
	size_t agree = 0, accepted = 0;

	for (int r = 0; r < ROUNDS; r++) {
		char tmp[1024], *a[64], *b[64], *block, sentinel;
		size_t n, size = random_block(tmp, sizeof(tmp), &n);
		int ra, rb;

		if (n > 60)
			n = 60;
		/* Exactly `size` bytes on the heap, so that ASan sees any read past
		 * the block (the vector loads stop short of its end). */
		block = malloc(size ? size : 1);
		if (block == NULL)
			abort();
		memcpy(block, tmp, size);
		a[n] = &sentinel; /* names[n] is not the splitter's to write */
		ra = wo_names_split(block, size, a, n);
		rb = split_by_rule(block, size, b, n);
		if (ra == rb && (ra < 0 || memcmp(a, b, n * sizeof(*a)) == 0) && a[n] == &sentinel)
			agree++;
		else
			diag("round %d: split %d, rule %d, size %zu, n %zu", r, ra, rb, size, n);
		accepted += ra == 0;
		free(block);
	}
	is_int((int)agree, ROUNDS, "wo_names_split agrees with the rule on random blocks");
	/* Both outcomes were exercised, not just one. */
	ok(accepted > ROUNDS / 4 && accepted < ROUNDS * 3 / 4, "%zu of %d blocks were valid",
	   accepted, ROUNDS);
}

int main(void)
{
	static const char *const good[] = {"alice",
					   "_svc",
					   "a",
					   "ada.lovelace",
					   "bob-smith",
					   "x9",
					   "ada@example.com",
					   "abcdefghijklmnopqrstuvwxyz012345"};
	static const char *const bad[] = {"",
					  "Alice",
					  "9lives",
					  "-dash",
					  ".dot",
					  "a b",
					  "a:b",
					  "a+b",
					  "a/b",
					  "a$",
					  "é",
					  "a\n",
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

	/* Whole member blocks. */
	{
		char block[] = "alice\0bob\0abcdefghijklmnopqrstuvwxyz012345\0c\0";
		char *names[5];

		is_int(wo_names_split(block, sizeof(block) - 1, names, 4), 0, "split: 4 names");
		ok(names[0] == block && names[1] == block + 6 && names[2] == block + 10 &&
		       names[3] == block + 43,
		   "split: where each name starts");
		is_int(wo_names_split(block, sizeof(block) - 1, names, 3), -1,
		       "split: more names than announced");
		is_int(wo_names_split(block, sizeof(block) - 1, names, 5), -1,
		       "split: fewer names than announced");
		is_int(wo_names_split(block, sizeof(block) - 2, names, 4), -1,
		       "split: last NUL missing");
		is_int(wo_names_split(block, 8, names, 1), -1,
		       "split: a name without its NUL after the announced ones");
		names[1] = NULL;
		is_int(wo_names_split(block, 10, names, 1), -1, "split: one name too many");
		ok(names[1] == NULL, "split: nothing stored past names[n - 1]");
		is_int(wo_names_split(block, 0, names, 0), 0, "split: no members");
		is_int(wo_names_split(block, 0, names, 1), -1, "split: empty block, one member");
		memset(block, 'a', WO_NAME_MAX + 1);
		block[WO_NAME_MAX] = '\0';
		is_int(wo_names_split(block, WO_NAME_MAX + 1, names, 1), 0, "split: %d bytes",
		       WO_NAME_MAX);
		block[WO_NAME_MAX] = 'a';
		block[WO_NAME_MAX + 1] = '\0';
		is_int(wo_names_split(block, WO_NAME_MAX + 2, names, 1), -1,
		       "split: %d bytes is too long", WO_NAME_MAX + 1);
		memcpy(block, "a\0\0b\0", 5);
		is_int(wo_names_split(block, 5, names, 3), -1, "split: empty name");
		memcpy(block, "abcdefghijklmnopq\0", 19);
		block[16] = 'Q';
		is_int(wo_names_split(block, 18, names, 1), -1, "split: bad byte in a vector lane");
		block[16] = 'q';
		is_int(wo_names_split(block, 18, names, 1), 0, "split: the same byte fixed");
		memcpy(block, "abcdefghijklmno\0.bc\0", 21);
		is_int(wo_names_split(block, 20, names, 2), -1,
		       "split: bad first character in a vector lane");
		block[16] = 'x';
		is_int(wo_names_split(block, 20, names, 2), 0, "split: the same byte fixed");
	}
	split_agrees_with_rule();
	return done_testing();
}
