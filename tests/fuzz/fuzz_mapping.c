/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the user-name mapper under every username_from mode.
 * The first byte picks the mode (bits 0-1), email_verified (bit 2) and
 * which fields are present (bits 3-5); the rest holds email, external_id
 * and the metadata value separated by NUL bytes.  The same strings go to
 * wo_map_role_group as role slugs.  Whatever maps must be a valid name.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mapping.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const modes[] = {
    "",
    "username_from = email\n",
    "username_from = external_id\n",
    "username_from = metadata:unix_name\ngroup_prefix =\n",
};

static struct wo_config *configs[4];

static struct wo_config *config(unsigned mode)
{
	char text[256];
	struct wo_error err = WO_ERROR_INIT;

	if (configs[mode] == NULL) {
		snprintf(text, sizeof(text),
			 "client_id = client_01FUZZ\norganization_id = org_01FUZZ\n%s",
			 modes[mode]);
		if (wo_config_parse("fuzz.conf", text, strlen(text), &configs[mode], &err) != 0)
			abort();
	}
	return configs[mode];
}

/* The next NUL-terminated field of buf[*pos..len), or NULL past the end. */
static const char *field(char *buf, size_t len, size_t *pos)
{
	char *s, *nul;

	if (*pos > len)
		return NULL;
	s = buf + *pos;
	nul = memchr(s, '\0', len - *pos);
	*pos = nul ? (size_t)(nul - buf) + 1 : len + 1;
	return s;
}

static void check(int rc, const char *out, const struct wo_error *err)
{
	if (rc == 0 ? !wo_name_is_valid(out) || strlen(out) > WO_NAME_MAX
		    : out[0] != '\0' || err->kind == WO_ERR_NONE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wo_map_input in = {0};
	struct wo_error err = WO_ERROR_INIT;
	char out[WO_NAME_MAX + 1];
	const struct wo_config *cfg;
	const char *f[3];
	size_t pos = 0;
	char *buf;
	int rc;

	if (size < 1)
		return 0;
	cfg = config(data[0] & 3);
	/* Copy with a terminating NUL so the last field ends. */
	buf = malloc(size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (int i = 0; i < 3; i++)
		f[i] = field(buf, size - 1, &pos);
	in.email_verified = data[0] & 4;
	in.email = (data[0] & 8) ? NULL : f[0];
	in.external_id = (data[0] & 16) ? NULL : f[1];
	in.metadata_value = (data[0] & 32) ? NULL : f[2];

	memset(out, 'x', sizeof(out));
	rc = wo_map_username(cfg, &in, out, &err);
	check(rc, out, &err);
	for (int i = 0; i < 3; i++) {
		if (f[i] == NULL)
			continue;
		memset(out, 'x', sizeof(out));
		err = (struct wo_error)WO_ERROR_INIT;
		rc = wo_map_role_group(cfg, f[i], out, &err);
		check(rc, out, &err);
	}
	free(buf);
	return 0;
}
