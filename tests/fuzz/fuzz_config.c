/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: workos.conf text through wo_config_parse.  A config
 * that parses is then used the way the modules use it: home directory
 * expansion, role checks, the loopback test on the API host.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wo_config *cfg = NULL;
	struct wo_error err = WO_ERROR_INIT;
	char *home;

	if (wo_config_parse("fuzz.conf", (const char *)data, size, &cfg, &err) == 0) {
		if (cfg->client_id == NULL || cfg->organization_id == NULL)
			abort(); /* both are required */
		if (cfg->username_from == WO_USERNAME_METADATA &&
		    cfg->username_metadata_key == NULL)
			abort();
		home = wo_config_home_for(cfg, "alice");
		if (home != NULL)
			sink += strlen(home);
		free(home);
		sink += cfg->allowed_roles != NULL && cfg->allowed_roles[0] != NULL;
		sink += wo_host_is_loopback(cfg->api_hostname);
		for (size_t i = 0; i < cfg->n_allowed_roles; i++)
			sink += strlen(cfg->allowed_roles[i]);
		sink += cfg->uid_min + cfg->gid_max + cfg->api_port;
		sink += cfg->ca_file ? strlen(cfg->ca_file) : 0;
		wo_config_free(cfg);
	} else if (cfg != NULL) {
		abort(); /* nothing is handed out on failure */
	}
	sink += strnlen(err.message, sizeof(err.message));
	return 0;
}
