/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a JWK Set body from the network.  The input goes to
 * wo_jwks_parse directly, then through a key cache whose fetch callback
 * serves it, looked up by a few kids at a few times (first use, unknown
 * kid, refetch interval, clock going back).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct body {
	const uint8_t *data;
	size_t size;
	int calls;
};

static volatile size_t sink;

static int fetch(void *ctx, char **body, size_t *len, struct wo_error *err)
{
	struct body *b = ctx;

	b->calls++;
	*body = malloc(b->size ? b->size : 1);
	if (*body == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	if (b->size)
		memcpy(*body, b->data, b->size);
	*len = b->size;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kids[] = {"k", "key-a", "fuzz-a", "", "k"};
	static const time_t when[] = {1000, 1001, 2000, 500, 2001};
	struct wo_jwks *set = NULL;
	struct wo_jwks_cache *cache = NULL;
	struct wo_error err = WO_ERROR_INIT;
	struct body b = {data, size, 0};
	EVP_PKEY *key;

	if (size > WO_JWKS_MAX_BODY)
		return 0;
	if (wo_jwks_parse((const char *)data, size, &set, &err) == 0) {
		if (wo_jwks_count(set) == 0 || wo_jwks_count(set) > WO_JWKS_MAX_KEYS)
			abort(); /* a set is refused rather than empty or oversized */
		sink += wo_jwks_find(set, "k") != NULL;
		sink += wo_jwks_find(set, "key-a") != NULL;
	}
	wo_jwks_free(set);

	if (wo_jwks_cache_new(fetch, &b, WO_JWKS_REFETCH_INTERVAL, &cache, NULL) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		key = NULL;
		if (wo_jwks_cache_key(cache, kids[i], when[i], &key, &err) == 0 && key == NULL)
			abort();
	}
	/* Never more than one fetch per lookup. */
	if (b.calls > (int)(sizeof(kids) / sizeof(kids[0])))
		abort();
	wo_jwks_cache_free(cache);
	sink += strnlen(err.message, sizeof(err.message));
	return 0;
}
