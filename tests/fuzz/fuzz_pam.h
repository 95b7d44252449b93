/* SPDX-License-Identifier: MIT */
/*
 * What the pieces of the `pam` fuzz target share (fuzz_pam.c, fake_pam.c,
 * fake_http.c, wrap.c): one input, cut into frames, answers the module's
 * HTTP requests and conversation prompts in the order it asks for them;
 * a virtual clock; failure injection; and a record of what was served, for
 * the invariants fuzz_pam.c checks after each entry point.
 *
 * A frame is a 2-byte big-endian kind, a 2-byte big-endian length, then
 * that many bytes (fewer when the input ends).  Kinds:
 *   0-999           an HTTP answer with that status; 0-99 mean no answer
 *                   (0 network error, 1 TLS error, 2 the request times out);
 *                   "@TOKEN@" in the body becomes the last token signed, and
 *                   "@JWKS@" the key set that verifies it;
 *   0xC000 | a      a conversation answer to the next prompt: a=0 the bytes,
 *                   1 no response string, 2 PAM_CONV_ERR, 3 PAM_CONV_AGAIN,
 *                   4 PAM_BUF_ERR, anything else the bytes too;
 *   0xD000 | h      the bytes are token claims (JSON) that the harness signs
 *                   with its key: h=0 the key's kid, 1 an unknown kid;
 * anything else is skipped.
 */
#ifndef WO_FUZZ_PAM_H
#define WO_FUZZ_PAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FZ_MAX_FRAMES 256
#define FZ_MAX_TOKENS 8

#define FZ_KIND_CONV   0xC000u
#define FZ_KIND_CLAIMS 0xD000u
#define FZ_KIND_MASK   0xF000u

/* The organization, client and API key every configuration names. */
#define FZ_ORG_ID    "org_01FUZZ"
#define FZ_CLIENT_ID "client_01FUZZ"
#define FZ_API_KEY   "sk_test_fuzz_0123456789abcdefSECRET"

struct fz_frame {
	unsigned kind;
	char *body; /* NUL-terminated, owned (substitutions applied) */
	size_t len;
};

struct fz_token {
	char *token;   /* what the harness signed, owned */
	char sub[128]; /* the claims' sub and org_id as json-c reads them */
	char org_id[128];
	bool exposed; /* the input put it somewhere else than access_token */
};

struct fz_state {
	/* The input, as queues consumed in order. */
	struct fz_frame http[FZ_MAX_FRAMES];
	size_t n_http, next_http;
	struct fz_frame conv[FZ_MAX_FRAMES];
	size_t n_conv, next_conv;
	struct fz_token tokens[FZ_MAX_TOKENS];
	size_t n_tokens;
	bool key_in_input; /* the input itself holds FZ_API_KEY */

	/* Failure injection: on while an entry point runs, one call in
	 * fail_one_in fails (0: never). */
	bool prng_up;
	uint32_t prng;
	unsigned fail_one_in;

	/* Virtual clock, milliseconds since the input started. */
	bool clock_up;
	long long now_ms;

	/* What the current entry point was served (reset before each). */
	bool verified_token;	/* wo_api_verify_access_token succeeded... */
	char verified_sub[128]; /* ...for this sub */
	unsigned served_memberships_2xx;
	unsigned served_verify_2xx;
	unsigned served_polls_2xx;
	unsigned served_authenticate_2xx;

	/* FUZZ_PAM_VERBOSE set: log lines, prompts and results on stderr. */
	bool verbose;

	/* Where wrap.c points the module's compiled-in paths. */
	const char *cache_path;
	const char *bindings_path;
	const char *uid_range_path;
	const char *run_dir;
	const char *spool_dir;
};

extern struct fz_state fz;

/* True when the next wrapped call should fail (advances the PRNG). */
bool fz_should_fail(void);

/* Aborts when text holds a secret the module must never show or log. */
void fz_check_no_secret(const char *what, const char *text);

#endif
