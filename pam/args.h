/* SPDX-License-Identifier: MIT */
/*
 * pam_workos module arguments and the application's flags, parsed once per
 * call into a struct (as pam_unix's _set_ctrl does): config=PATH,
 * mode=device|password|totp, require_role=a,b, qr=auto|always|ascii|never,
 * debug; PAM_SILENT (no remarks to the person: informational messages
 * and the text around a prompt; prompts, what is needed to answer them and
 * why a login was refused still go out; syslog is never silenced) and PAM_DISALLOW_NULL_AUTHTOK (an
 * empty password or one-time code is refused without a word to WorkOS).
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
	bool silent;	    /* PAM_SILENT */
	bool disallow_null; /* PAM_DISALLOW_NULL_AUTHTOK */
};

typedef void (*wo_pam_warn_fn)(void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int wo_pam_args_parse(int flags, int argc, const char **argv, struct wo_pam_args *out,
		      wo_pam_warn_fn warn, void *warn_ctx, struct wo_error *err);

void wo_pam_args_clear(struct wo_pam_args *args);

const char *wo_pam_mode_name(enum wo_pam_mode mode);

#endif
