/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the PAM entry points themselves.  The sources of pam/
 * and lib/ are built in, with libpam replaced by fake_pam.c (a handle and a
 * conversation answering from the input), lib/http.c by fake_http.c
 * (WorkOS's answers taken from the input) and allocation, clocks and
 * compiled-in paths wrapped by wrap.c (failures injected, time virtual,
 * files in a temporary directory).  Each input runs pam_sm_authenticate and/or pam_sm_acct_mgmt
 * on one handle, in milliseconds, never touching the network or sleeping.
 *
 * Input: 7 header bytes, then frames (fuzz_pam.h).
 *   byte 0  bits 0-1 phases: 0 auth, 1 account, 2 auth then account,
 *                    3 account then auth;
 *           bits 2-3 mode=device, password, totp, or device with qr=always;
 *           bits 4-6 which workos.conf (setup()): bit 4 the API key file
 *                    exists, bit 5 allowed_roles and allow_totp_enrollment,
 *                    bit 6 token_issuer, allow_impersonation, qr=ascii and
 *                    audit=workos (events spooled, at most 3);
 *           bit 7    the `debug` argument;
 *   byte 1  bits 0-2 PAM_USER: fz_accounts[0-5] (fake_pam.c), 6 an account
 *                    that does not exist, 7 unset (pam_get_user prompts);
 *           bit 3    workos-sync's UID range file exists (200000-299999);
 *           bit 4    require_role=admin;
 *           bit 5    PAM_TTY "ssh" (sshd's prompt style), else a tty;
 *           bit 6    PAM_RHOST set;
 *           bit 7    an unknown module argument;
 *   byte 2  injected failures: 0 none, else one wrapped call in 4*byte fails
 *           (100: pam-u2f's 1 in 400);
 *   bytes 3-6 the failure PRNG's seed.
 *
 * Invariants (abort, so that the fuzzer reports them):
 *   - auth succeeds only for an account WorkOS owns; in device and password
 *     mode only after an access token the harness signed verified with the
 *     owner as sub (wrap.c also aborts on any verified token it did not
 *     sign); in totp mode only after WorkOS confirmed the code and the
 *     membership; with an API key only after the membership was read;
 *   - the account phase ignores (PAM_IGNORE) an account WorkOS does not own
 *     outside workos-sync's UID range, and never admits one;
 *   - return codes are PAM codes; no secret (the API key, a token the
 *     harness signed) reaches a log line, the conversation or a request path;
 *   - ASan, UBSan and LSan: no crash, no undefined behaviour, no leak.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <security/pam_modules.h>

#include "base64url.h"
#include "cache.h"
#include "fake_pam.h"
#include "fuzz_pam.h"
#include "owner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER_LEN 7
#define KID	   "fuzz-pam"
#define UID_MIN	   200000
#define UID_MAX	   299999

struct fz_state fz;

static struct {
	bool ready;
	char dir[64];
	char cache[128], bindings[128], uid_range[128], no_uid_range[128], key[128], run[128],
	    spool[128];
	char conf[8][128];
	EVP_PKEY *key_pair;
	char *jwks;
} env;

/* --- set-up, once per process ------------------------------------------------------ */

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) != 0)
		abort();
	close(fd);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void cleanup_env(void)
{
	nftw(env.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *b64(const void *in, size_t len)
{
	char *out = NULL;

	if (wo_base64url_encode(in, len, &out, NULL) != 0)
		abort();
	return out;
}

/* A fresh RSA key for this process and the JWKS that publishes it: no
 * key is kept in the tree, and no input can carry a valid signature. */
static void make_key(void)
{
	BIGNUM *n = NULL, *e = NULL;
	unsigned char nb[512], eb[8];
	char *n64, *e64;
	int nl, el;

	env.key_pair = EVP_RSA_gen(2048);
	if (env.key_pair == NULL ||
	    EVP_PKEY_get_bn_param(env.key_pair, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(env.key_pair, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    BN_num_bytes(n) > (int)sizeof(nb) || BN_num_bytes(e) > (int)sizeof(eb))
		abort();
	nl = BN_bn2bin(n, nb);
	el = BN_bn2bin(e, eb);
	n64 = b64(nb, (size_t)nl);
	e64 = b64(eb, (size_t)el);
	if (asprintf(&env.jwks,
		     "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"" KID "\",\"use\":\"sig\",\"alg\":"
		     "\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}]}",
		     n64, e64) < 0)
		abort();
	free(n64);
	free(e64);
	BN_free(n);
	BN_free(e);
}

static void setup(void)
{
	static const char *const admins[] = {"alice"};
	static const char *const members[] = {"alice", "erin"};
	static const struct wo_cache_user users[] = {
	    {"alice", 200001, 100000, "Alice", "/home/alice", "/bin/sh", "user_01ALICE"},
	    {"carol", 200003, 100000, "Carol", "/home/carol", "/bin/sh", "user_01CAROL"},
	    {"erin", 200004, 100000, "Erin", "/home/erin", "/bin/sh", "user_01ERIN"},
	};
	static const struct wo_cache_group groups[] = {
	    {"workos-users", 100000, NULL, 0},
	    {"workos-admin", 100001, admins, 1},
	    {"workos-member", 100002, members, 2},
	};
	struct wo_error err = WO_ERROR_INIT;
	char tmpl[] = "/tmp/wo-fuzz-pam.XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		abort();
	snprintf(env.dir, sizeof(env.dir), "%s", tmpl);
	snprintf(env.cache, sizeof(env.cache), "%s/nss.cache", env.dir);
	snprintf(env.bindings, sizeof(env.bindings), "%s/owners", env.dir);
	snprintf(env.uid_range, sizeof(env.uid_range), "%s/uid-range", env.dir);
	snprintf(env.no_uid_range, sizeof(env.no_uid_range), "%s/no-uid-range", env.dir);
	snprintf(env.key, sizeof(env.key), "%s/api_key", env.dir);
	snprintf(env.run, sizeof(env.run), "%s/run", env.dir);
	snprintf(env.spool, sizeof(env.spool), "%s/spool", env.dir);
	atexit(cleanup_env);

	if (wo_cache_write(env.cache, users, 3, groups, 3, &err) != 0 ||
	    wo_uid_range_save(env.uid_range, UID_MIN, UID_MAX, &err) != 0) {
		fprintf(stderr, "fuzz_pam: %s\n", err.message);
		abort();
	}
	write_file(env.bindings, "# made by hand\nbob user_01BOB\n", 0644);
	write_file(env.key, FZ_API_KEY "\n", 0600);
	for (int i = 0; i < 8; i++) {
		char text[2048];

		snprintf(env.conf[i], sizeof(env.conf[i]), "%s/workos-%d.conf", env.dir, i);
		snprintf(text, sizeof(text),
			 "client_id = " FZ_CLIENT_ID "\n"
			 "organization_id = " FZ_ORG_ID "\n"
			 "api_hostname = 127.0.0.1\n"
			 "api_port = 8443\n"
			 "api_https = false\n"
			 "api_key_file = %s/%s\n"
			 "http_timeout = 5\n"
			 "device_timeout = 30\n"
			 "%s%s",
			 env.dir, (i & 1) ? "api_key" : "no-api-key",
			 (i & 2) ? "allowed_roles = admin, member\nallow_totp_enrollment = true\n"
				 : "",
			 (i & 4) ? "token_issuer = https://auth.fuzz.test\n"
				   "allow_impersonation = true\nqr = ascii\n"
				   "audit = workos\naudit_spool_max_events = 3\n"
				 : "qr = never\n");
		write_file(env.conf[i], text, 0644);
	}
	make_key();
	/* The harness's own switch; the module never reads the environment. */
	fz.verbose = getenv("FUZZ_PAM_VERBOSE") != NULL;
	fz.cache_path = env.cache;
	fz.bindings_path = env.bindings;
	fz.run_dir = env.run;
	fz.spool_dir = env.spool;
	env.ready = true;
}

/* --- the input ----------------------------------------------------------------------- */

static char *sign(unsigned variant, const char *claims, size_t len)
{
	char hdr[96], *h, *c, *s, *tok = NULL;
	unsigned char sig[512];
	size_t sig_len = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
		 variant == 1 ? "not-" KID : KID);
	h = b64(hdr, strlen(hdr));
	c = b64(claims, len);
	if (md == NULL || asprintf(&tok, "%s.%s", h, c) < 0 ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, env.key_pair, NULL) != 1 ||
	    EVP_DigestSign(md, sig, &sig_len, (unsigned char *)tok, strlen(tok)) != 1)
		abort();
	s = b64(sig, sig_len);
	free(tok);
	if (asprintf(&tok, "%s.%s.%s", h, c, s) < 0)
		abort();
	EVP_MD_CTX_free(md);
	free(h);
	free(c);
	free(s);
	return tok;
}

static void claim(struct json_object *obj, const char *key, char *out, size_t cap)
{
	struct json_object *v;

	out[0] = '\0';
	if (obj != NULL && json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(out, cap, "%s", json_object_get_string(v));
}

static void add_token(unsigned variant, const char *claims, size_t len)
{
	struct fz_token *t;
	struct json_tokener *tok;
	struct json_object *obj;

	if (fz.n_tokens == FZ_MAX_TOKENS)
		return;
	t = &fz.tokens[fz.n_tokens++];
	t->token = sign(variant, claims, len);
	t->exposed = false;
	tok = json_tokener_new();
	if (tok == NULL)
		abort();
	obj = json_tokener_parse_ex(tok, claims, (int)len);
	claim(obj, "sub", t->sub, sizeof(t->sub));
	claim(obj, "org_id", t->org_id, sizeof(t->org_id));
	json_object_put(obj);
	json_tokener_free(tok);
}

#define AT     "\"access_token\":\""
#define AT_LEN (sizeof(AT) - 1)

/* Copies an HTTP body, replacing @TOKEN@ and @JWKS@. */
static char *substitute(const uint8_t *in, size_t len, size_t *out_len)
{
	const char *token = fz.n_tokens > 0 ? fz.tokens[fz.n_tokens - 1].token : "";
	size_t cap = len + 1, n = 0;
	char *out;

	for (size_t i = 0; i + 6 <= len; i++) {
		if (memcmp(in + i, "@JWKS@", 6) == 0)
			cap += strlen(env.jwks);
		else if (i + 7 <= len && memcmp(in + i, "@TOKEN@", 7) == 0)
			cap += strlen(token);
	}
	out = malloc(cap);
	if (out == NULL)
		abort();
	for (size_t i = 0; i < len;) {
		if (i + 6 <= len && memcmp(in + i, "@JWKS@", 6) == 0) {
			memcpy(out + n, env.jwks, strlen(env.jwks));
			n += strlen(env.jwks);
			i += 6;
		} else if (i + 7 <= len && memcmp(in + i, "@TOKEN@", 7) == 0) {
			/* Anywhere but an access_token value, WorkOS itself
			 * handed the token around: it is no secret of ours. */
			if (fz.n_tokens > 0 &&
			    (n < AT_LEN || memcmp(out + n - AT_LEN, AT, AT_LEN) != 0))
				fz.tokens[fz.n_tokens - 1].exposed = true;
			memcpy(out + n, token, strlen(token));
			n += strlen(token);
			i += 7;
		} else {
			out[n++] = (char)in[i++];
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

static void add_frame(struct fz_frame *q, size_t *count, unsigned kind, const uint8_t *body,
		      size_t len, bool subst)
{
	struct fz_frame *f;

	if (*count == FZ_MAX_FRAMES)
		return;
	f = &q[(*count)++];
	f->kind = kind;
	if (subst) {
		f->body = substitute(body, len, &f->len);
	} else {
		f->body = malloc(len + 1);
		if (f->body == NULL)
			abort();
		memcpy(f->body, body, len);
		f->body[len] = '\0';
		f->len = len;
	}
}

static void parse_frames(const uint8_t *p, size_t left)
{
	while (left >= 4) {
		unsigned kind = (unsigned)p[0] << 8 | p[1];
		size_t len = (size_t)p[2] << 8 | p[3];

		p += 4;
		left -= 4;
		if (len > left)
			len = left;
		if (kind < 1000)
			add_frame(fz.http, &fz.n_http, kind, p, len, true);
		else if ((kind & FZ_KIND_MASK) == FZ_KIND_CONV)
			add_frame(fz.conv, &fz.n_conv, kind, p, len, false);
		else if ((kind & FZ_KIND_MASK) == FZ_KIND_CLAIMS)
			add_token(kind & 1, (const char *)p, len);
		p += len;
		left -= len;
	}
}

static void free_input(void)
{
	for (size_t i = 0; i < fz.n_http; i++)
		free(fz.http[i].body);
	for (size_t i = 0; i < fz.n_conv; i++)
		free(fz.conv[i].body);
	for (size_t i = 0; i < fz.n_tokens; i++)
		free(fz.tokens[i].token);
	fz.n_http = fz.next_http = fz.n_conv = fz.next_conv = fz.n_tokens = 0;
}

/* --- invariants ---------------------------------------------------------------------- */

static bool contains(const char *text, const char *secret)
{
	return secret[0] != '\0' && strstr(text, secret) != NULL;
}

void fz_check_no_secret(const char *what, const char *text)
{
	(void)what;
	if (!fz.key_in_input && contains(text, FZ_API_KEY))
		abort();
	/* A token's signature: nobody but the harness and the module has
	 * seen it (the input cannot hold it: the key is new each run). */
	for (size_t i = 0; i < fz.n_tokens; i++) {
		const char *sig = strrchr(fz.tokens[i].token, '.');

		if (!fz.tokens[i].exposed && sig != NULL && contains(text, sig + 1))
			abort();
	}
}

/* The WorkOS user that owns `name` (fz_accounts' UIDs, setup()'s files). */
static const char *owner_of(const char *name, bool *synced)
{
	*synced = false;
	if (name == NULL)
		return NULL;
	if (strcmp(name, "alice") == 0 || strcmp(name, "erin") == 0) {
		*synced = true;
		return name[0] == 'a' ? "user_01ALICE" : "user_01ERIN";
	}
	if (strcmp(name, "bob") == 0)
		return "user_01BOB";
	return NULL;
}

enum phase { AUTH, ACCOUNT };

struct run {
	enum phase phase;
	unsigned mode; /* header bits 2-3 */
	bool api_key, range_file;
	bool auth_admitted; /* an earlier auth on this handle succeeded */
};

static void check(const struct run *r, pam_handle_t *pamh, int rc)
{
	const char *user = fz_pam_user(pamh);
	const struct fz_account *acct = user != NULL ? fz_account_find(user) : NULL;
	bool synced, in_range;
	const char *owner = owner_of(user, &synced);

	if (rc < 0 || rc >= _PAM_RETURN_VALUES)
		abort();
	if (owner == NULL && rc == PAM_SUCCESS)
		abort();
	if (r->phase == AUTH) {
		if (rc != PAM_SUCCESS)
			return;
		if (r->mode == 2) {
			if (fz.served_verify_2xx == 0 || fz.served_memberships_2xx == 0)
				abort();
			return;
		}
		if (!fz.verified_token || strcmp(fz.verified_sub, owner) != 0)
			abort();
		if (r->mode != 1 && fz.served_authenticate_2xx == 0)
			abort();
		if (r->api_key && fz.served_memberships_2xx == 0)
			abort();
		return;
	}
	/* Account phase. */
	in_range = acct != NULL && acct->uid >= UID_MIN && acct->uid <= UID_MAX;
	if (owner == NULL && acct != NULL) {
		if (!r->range_file || !in_range) {
			/* Not ours: never refused by this module.  Without
			 * injected failures exactly PAM_IGNORE. */
			if (rc == PAM_PERM_DENIED || (fz.fail_one_in == 0 && rc != PAM_IGNORE))
				abort();
		}
	}
	if (rc == PAM_SUCCESS) {
		if (r->api_key && fz.served_memberships_2xx == 0)
			abort();
		if (!r->api_key && !synced && !r->auth_admitted)
			abort();
	}
}

static void reset_served(void)
{
	fz.verified_token = false;
	fz.verified_sub[0] = '\0';
	fz.served_memberships_2xx = fz.served_verify_2xx = fz.served_polls_2xx = 0;
	fz.served_authenticate_2xx = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const modes[] = {"mode=device", "mode=password", "mode=totp",
					    "mode=device"};
	const char *argv[8];
	char config_arg[160];
	int argc = 0, rc = PAM_SUCCESS;
	struct run r = {0};
	const char *user;
	pam_handle_t *pamh;
	unsigned phases, u;

	if (size < HEADER_LEN || size > 65536)
		return 0;
	if (!env.ready)
		setup();

	phases = data[0] & 3;
	r.mode = (data[0] >> 2) & 3;
	r.api_key = (data[0] >> 4) & 1;
	u = data[1] & 7;
	user = u < 6 ? fz_accounts[u].name : u == 6 ? "nobody-here" : NULL;
	r.range_file = (data[1] >> 3) & 1;
	fz.uid_range_path = r.range_file ? env.uid_range : env.no_uid_range;

	snprintf(config_arg, sizeof(config_arg), "config=%s", env.conf[(data[0] >> 4) & 7]);
	argv[argc++] = config_arg;
	argv[argc++] = modes[r.mode];
	if (r.mode == 3)
		argv[argc++] = "qr=always";
	if (data[0] & 0x80)
		argv[argc++] = "debug";
	if (data[1] & 0x10)
		argv[argc++] = "require_role=admin";
	if (data[1] & 0x80)
		argv[argc++] = "frobnicate";

	fz.fail_one_in = 4u * data[2];
	fz.prng =
	    (uint32_t)data[3] << 24 | (uint32_t)data[4] << 16 | (uint32_t)data[5] << 8 | data[6];
	if (fz.prng == 0)
		fz.prng = 1;
	parse_frames(data + HEADER_LEN, size - HEADER_LEN);
	fz.key_in_input = memmem(data, size, FZ_API_KEY, strlen(FZ_API_KEY)) != NULL;

	/* Each input starts with an empty audit spool: inputs stay
	 * independent, and the spool's bound is reached within one. */
	nftw(env.spool, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	fz.now_ms = 0;
	fz.clock_up = true;
	pamh = fz_pam_start(user, (data[1] & 0x40) ? "192.0.2.7" : NULL,
			    (data[1] & 0x20) ? "ssh" : "/dev/pts/3");
	for (int step = 0; step < (phases >= 2 ? 2 : 1); step++) {
		r.phase = phases == 1 || (phases == 2 && step == 1) || (phases == 3 && step == 0)
			      ? ACCOUNT
			      : AUTH;
		reset_served();
		fz.prng_up = true;
		if (r.phase == AUTH)
			rc = pam_sm_authenticate(pamh, 0, argc, argv);
		else
			rc = pam_sm_acct_mgmt(pamh, 0, argc, argv);
		fz.prng_up = false;
		if (fz.verbose)
			fprintf(stderr, "%s: %d (%s)\n",
				r.phase == AUTH ? "authenticate" : "acct_mgmt", rc,
				rc == PAM_SUCCESS  ? "success"
				: rc == PAM_IGNORE ? "ignore"
						   : "refused");
		check(&r, pamh, rc);
		if (r.phase == AUTH && rc == PAM_SUCCESS)
			r.auth_admitted = true;
	}
	fz_pam_end(pamh, rc);
	fz.clock_up = false;
	free_input();
	return 0;
}
