/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

#include <security/pam_modules.h>

#include "args.h"

/* Returns what follows `prefix` in `arg`, or NULL when arg does not start
 * with it. */
static const char *skip_prefix(const char *arg, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(arg, prefix, n) == 0 ? arg + n : NULL;
}

const char *wo_pam_mode_name(enum wo_pam_mode mode)
{
	switch (mode) {
	case WO_PAM_MODE_DEVICE:
		return "device";
	case WO_PAM_MODE_PASSWORD:
		return "password";
	case WO_PAM_MODE_TOTP:
		return "totp";
	}
	return "?";
}

int wo_pam_args_parse(int flags, int argc, const char **argv, struct wo_pam_args *out,
		      wo_pam_warn_fn warn, void *warn_ctx, struct wo_error *err)
{
	memset(out, 0, sizeof(*out));
	out->config_path = WO_DEFAULT_CONFIG_PATH;
	out->mode = WO_PAM_MODE_DEVICE;
	out->silent = (flags & PAM_SILENT) != 0;
	out->disallow_null = (flags & PAM_DISALLOW_NULL_AUTHTOK) != 0;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *v;

		if (arg == NULL)
			continue;
		if (strcmp(arg, "debug") == 0) {
			out->debug = true;
		} else if ((v = skip_prefix(arg, "config=")) != NULL) {
			if (v[0] != '/') {
				wo_error_set(err, WO_ERR_CONFIG,
					     "config= needs an absolute path, got \"%.200s\"", v);
				goto fail;
			}
			out->config_path = v;
		} else if ((v = skip_prefix(arg, "mode=")) != NULL) {
			if (strcmp(v, "device") == 0) {
				out->mode = WO_PAM_MODE_DEVICE;
			} else if (strcmp(v, "password") == 0) {
				out->mode = WO_PAM_MODE_PASSWORD;
			} else if (strcmp(v, "totp") == 0) {
				out->mode = WO_PAM_MODE_TOTP;
			} else {
				wo_error_set(
				    err, WO_ERR_CONFIG,
				    "mode= must be device, password or totp, got \"%.64s\"", v);
				goto fail;
			}
		} else if ((v = skip_prefix(arg, "require_role=")) != NULL) {
			wo_config_free_roles(out->require_role);
			if (wo_config_parse_roles(v, &out->require_role, &out->n_require_role,
						  err) != 0) {
				wo_error_prefix(err, "require_role=");
				goto fail;
			}
		} else if ((v = skip_prefix(arg, "qr=")) != NULL) {
			if (wo_config_parse_qr(v, &out->qr) != 0) {
				wo_error_set(
				    err, WO_ERR_CONFIG,
				    "qr= must be auto, always, ascii or never, got \"%.64s\"", v);
				goto fail;
			}
			out->qr_set = true;
		} else if (warn != NULL) {
			warn(warn_ctx, "unknown option \"%.200s\" ignored", arg);
		}
	}
	return 0;
fail:
	wo_pam_args_clear(out);
	return -1;
}

void wo_pam_args_clear(struct wo_pam_args *args)
{
	wo_config_free_roles(args->require_role);
	args->require_role = NULL;
	args->n_require_role = 0;
}
