/* SPDX-License-Identifier: MIT */
/*
 * pam_workos module arguments, parsed once per call into a struct:
 * config=PATH, mode=device|password|totp, require_role=a,b,
 * qr=auto|always|ascii|never, debug.
 *
 * Unknown arguments are reported through `warn` and ignored, as PAM
 * modules do.  A known argument with an invalid value is an error: the
 * module must not guess what the administrator meant (e.g. a mistyped
 * mode must not quietly fall back to another way of logging in).
 */
#ifndef WO_PAM_ARGS_H
#define WO_PAM_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"

enum wo_pam_mode {
	WO_PAM_MODE_DEVICE,
	WO_PAM_MODE_PASSWORD,
	WO_PAM_MODE_TOTP,
};

struct wo_pam_args {
	const char *config_path; /* points into argv, or the default */
	enum wo_pam_mode mode;
	char **require_role; /* NULL-terminated, or NULL when not given */
	size_t n_require_role;
	bool qr_set; /* qr= given: overrides the config file */
	enum wo_qr_mode qr;
	bool debug;
};

typedef void (*wo_pam_warn_fn)(void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int wo_pam_args_parse(int argc, const char **argv, struct wo_pam_args *out, wo_pam_warn_fn warn,
		      void *warn_ctx, struct wo_error *err);

void wo_pam_args_clear(struct wo_pam_args *args);

const char *wo_pam_mode_name(enum wo_pam_mode mode);

#endif
