/* SPDX-License-Identifier: MIT */
/*
 * Link-time wrappers (-Wl,--wrap=NAME) for the `pam` fuzz target only.
 *
 * Allocation: while an entry point runs (fz.prng_up), one call in
 * fz.fail_one_in fails, chosen by a PRNG seeded from the input, so every
 * out-of-memory path of pam/ and lib/ runs (libraries we link, json-c and
 * OpenSSL, allocate through their own references and are not affected).
 * Outside an entry point, libFuzzer's and the harness's own calls pass
 * through untouched.
 *
 * Time: the device flow sleeps between polls and every HTTP request has a
 * deadline; with the virtual clock up, clocks read it and sleeping only
 * moves it forward, so an input never waits and always replays the same.
 *
 * Paths: the module's compiled-in cache, bindings, UID range, runtime
 * directory and audit spool become the harness's temporary ones; the code behind them runs
 * for real.  The access token check is wrapped only to record what it
 * accepted, and to abort when it accepted a token the harness never signed.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "audit.h"
#include "cache.h"
#include "device_slots.h"
#include "fuzz_pam.h"
#include "owner.h"
#include "session.h"
#include "unused.h"

/* --- failure injection ------------------------------------------------------------ */

bool fz_should_fail(void)
{
	if (!fz.prng_up || fz.fail_one_in == 0)
		return false;
	/* xorshift32: small, and the same on every machine. */
	fz.prng ^= fz.prng << 13;
	fz.prng ^= fz.prng >> 17;
	fz.prng ^= fz.prng << 5;
	return fz.prng % fz.fail_one_in == 0;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_asprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *__wrap_malloc(size_t size)
{
	if (fz_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (fz_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	if (fz_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	if (fz_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	if (fz_should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strndup(s, n);
}

/* asprintf leaves *out undefined on failure; so does this one. */
int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fz_should_fail()) {
		errno = ENOMEM;
		return -1;
	}
	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

/* --- virtual clock ---------------------------------------------------------------- */

/* Monotonic time starts at 1000 s, wall time at the harness's NOW. */
#define FZ_MONO_START 1000LL
#define FZ_WALL_START 1700000000LL

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);
int __real_nanosleep(const struct timespec *req, struct timespec *rem);
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem);
time_t __real_time(time_t *t);
time_t __wrap_time(time_t *t);

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	long long base;

	if (!fz.clock_up)
		return __real_clock_gettime(id, ts);
	base = id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE ? FZ_WALL_START : FZ_MONO_START;
	ts->tv_sec = (time_t)(base + fz.now_ms / 1000);
	ts->tv_nsec = (long)(fz.now_ms % 1000) * 1000000L;
	return 0;
}

int __wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!fz.clock_up)
		return __real_nanosleep(req, rem);
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L) {
		errno = EINVAL;
		return -1;
	}
	/* Nobody in the auth path may ask for a day. */
	if (req->tv_sec > 3600)
		abort();
	fz.now_ms += (long long)req->tv_sec * 1000 + req->tv_nsec / 1000000 + 1;
	if (rem != NULL)
		*rem = (struct timespec){0};
	return 0;
}

time_t __wrap_time(time_t *t)
{
	time_t now;

	if (!fz.clock_up)
		return __real_time(t);
	now = (time_t)(FZ_WALL_START + fz.now_ms / 1000);
	if (t != NULL)
		*t = now;
	return now;
}

/* --- compiled-in paths ------------------------------------------------------------- */

int __real_wo_owner_find(const struct wo_owner_files *files, const char *name, uid_t uid,
			 struct wo_owner *out, struct wo_error *err);
int __wrap_wo_owner_find(const struct wo_owner_files *files, const char *name, uid_t uid,
			 struct wo_owner *out, struct wo_error *err);
struct wo_cache *__real_wo_cache_open(const char *path, struct wo_error *err);
struct wo_cache *__wrap_wo_cache_open(const char *path, struct wo_error *err);
int __real_wo_uid_range_load(const char *path, uint32_t *min, uint32_t *max, struct wo_error *err);
int __wrap_wo_uid_range_load(const char *path, uint32_t *min, uint32_t *max, struct wo_error *err);
int __wrap_wo_device_slot_take_config(const struct wo_config *cfg, const char *user,
				      const char *rhost, struct wo_device_slot **out,
				      struct wo_error *err);

int __wrap_wo_owner_find(const struct wo_owner_files *files, const char *name, uid_t uid,
			 struct wo_owner *out, struct wo_error *err)
{
	const struct wo_owner_files mine = {
	    .cache = fz.cache_path,
	    .bindings = fz.bindings_path,
	    .uid_range = fz.uid_range_path,
	};

	(void)files;
	return __real_wo_owner_find(&mine, name, uid, out, err);
}

struct wo_cache *__wrap_wo_cache_open(const char *path, struct wo_error *err)
{
	(void)path;
	return __real_wo_cache_open(fz.cache_path, err);
}

int __wrap_wo_uid_range_load(const char *path, uint32_t *min, uint32_t *max, struct wo_error *err)
{
	(void)path;
	return __real_wo_uid_range_load(fz.uid_range_path, min, max, err);
}

/* As wo_device_slot_take_config does, in the harness's runtime directory. */
int __wrap_wo_device_slot_take_config(const struct wo_config *cfg, const char *user,
				      const char *rhost, struct wo_device_slot **out,
				      struct wo_error *err)
{
	const struct wo_device_limits lim = {
	    .per_address = cfg->device_max_per_address,
	    .per_host = cfg->device_max_per_host,
	    .hold = cfg->device_timeout + cfg->http_timeout + WO_DEVICE_HOLD_MARGIN,
	};

	return wo_device_slot_take(fz.run_dir, user, rhost, &lim, out, err);
}

/* Audit events for WorkOS go to the harness's spool, never the system's. */
void __real_wo_audit_record(const struct wo_audit_settings *set, const char *spool_dir,
			    const struct wo_audit_decision *d, wo_audit_log_fn log, void *ctx);
void __wrap_wo_audit_record(const struct wo_audit_settings *set, const char *spool_dir,
			    const struct wo_audit_decision *d, wo_audit_log_fn log, void *ctx);

void __wrap_wo_audit_record(const struct wo_audit_settings *set, const char *spool_dir,
			    const struct wo_audit_decision *d, wo_audit_log_fn log, void *ctx)
{
	(void)spool_dir;
	__real_wo_audit_record(set, fz.spool_dir, d, log, ctx);
}

/* --- the token check ---------------------------------------------------------------- */

int __real_wo_api_verify_access_token(struct wo_client *c, const char *token, const char *user_id,
				      struct wo_jwt_claims *out, struct wo_error *err);
int __wrap_wo_api_verify_access_token(struct wo_client *c, const char *token, const char *user_id,
				      struct wo_jwt_claims *out, struct wo_error *err);

int __wrap_wo_api_verify_access_token(struct wo_client *c, const char *token, const char *user_id,
				      struct wo_jwt_claims *out, struct wo_error *err)
{
	int rc = __real_wo_api_verify_access_token(c, token, user_id, out, err);
	const struct fz_token *signed_by_us = NULL;

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < fz.n_tokens; i++)
		if (strcmp(fz.tokens[i].token, token) == 0)
			signed_by_us = &fz.tokens[i];
	/* A signature verified that the harness never made: a forgery got
	 * through, or the key set came from somewhere else. */
	if (signed_by_us == NULL)
		abort();
	/* The claims the module acts on are the ones that were signed, for
	 * this organization. */
	if (out->sub == NULL || strcmp(out->sub, signed_by_us->sub) != 0 || out->org_id == NULL ||
	    strcmp(out->org_id, FZ_ORG_ID) != 0 || strcmp(signed_by_us->org_id, FZ_ORG_ID) != 0)
		abort();
	fz.verified_token = true;
	snprintf(fz.verified_sub, sizeof(fz.verified_sub), "%s", out->sub);
	return rc;
}

/* The front and the network core are one program here: the core's entry
 * struct without dladdr, a trust check or dlopen (pam/core_load.h). */
extern const struct wo_pam_core wo_pam_core_v1;
const struct wo_pam_core *__wrap_wo_pam_core_load(struct wo_error *err);
const struct wo_pam_core *__wrap_wo_pam_core_load(struct wo_error *err WO_UNUSED)
{
	return &wo_pam_core_v1;
}
