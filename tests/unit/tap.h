/* SPDX-License-Identifier: MIT */
/*
 * A minimal TAP producer for the unit tests (run by Automake's tap-driver).
 * Header-only on purpose: each test is one program, one file.
 */
#ifndef WO_TAP_H
#define WO_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failures;

__attribute__((format(printf, 4, 5))) static int tap_ok(int pass, const char *file, int line,
							const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failures++;
		printf("#   Failed at %s line %d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long got_ = (long long)(got), want_ = (long long)(want);                      \
		if (!tap_ok(got_ == want_, __FILE__, __LINE__, __VA_ARGS__))                       \
			printf("#   got %lld, want %lld\n", got_, want_);                          \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		int same_ = (got_ == NULL && want_ == NULL) ||                                     \
			    (got_ != NULL && want_ != NULL && strcmp(got_, want_) == 0);           \
		if (!tap_ok(same_, __FILE__, __LINE__, __VA_ARGS__))                               \
			printf("#   got \"%s\", want \"%s\"\n", got_ ? got_ : "(null)",            \
			       want_ ? want_ : "(null)");                                          \
	} while (0)

/* Passes when `haystack` contains `needle`; for checking error messages. */
#define like(haystack, needle, ...)                                                                \
	do {                                                                                       \
		const char *h_ = (haystack), *n_ = (needle);                                       \
		if (!tap_ok(h_ != NULL && strstr(h_, n_) != NULL, __FILE__, __LINE__,              \
			    __VA_ARGS__))                                                          \
			printf("#   \"%s\" does not contain \"%s\"\n", h_ ? h_ : "(null)", n_);    \
	} while (0)

static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Prints the plan and gives the exit status: call as `return done_testing();`. */
static inline int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures == 0 ? 0 : 1;
}

#endif
