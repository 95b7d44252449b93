/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <security/pam_modules.h>

#include "args.h"
#include "tap.h"

static int warnings;
static char last_warning[256];

static void warn(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	warnings++;
	va_start(ap, fmt);
	vsnprintf(last_warning, sizeof(last_warning), fmt, ap);
	va_end(ap);
}

static int parse(struct wo_pam_args *a, struct wo_error *err, int argc, const char **argv)
{
	warnings = 0;
	last_warning[0] = '\0';
	return wo_pam_args_parse(0, argc, argv, a, warn, NULL, err);
}

int main(void)
{
	struct wo_pam_args a;
	struct wo_error err = WO_ERROR_INIT;

	ok(parse(&a, &err, 0, NULL) == 0, "no arguments");
	is_str(a.config_path, WO_CONFDIR "/workos.conf", "default config path");
	is_int(a.mode, WO_PAM_MODE_DEVICE, "default mode is device");
	ok(a.require_role == NULL && !a.qr_set && !a.debug, "nothing else set");
	wo_pam_args_clear(&a);

	const char *all[] = {"config=/etc/other.conf", "mode=totp", "require_role=admin, ops",
			     "qr=ascii", "debug"};
	ok(parse(&a, &err, 5, all) == 0, "every argument");
	is_str(a.config_path, "/etc/other.conf", "config=");
	is_int(a.mode, WO_PAM_MODE_TOTP, "mode=totp");
	is_int(a.n_require_role, 2, "two roles");
	is_str(a.require_role[1], "ops", "second role trimmed");
	ok(a.qr_set && a.qr == WO_QR_ASCII, "qr=ascii");
	ok(a.debug, "debug");
	is_int(warnings, 0, "no warnings");
	wo_pam_args_clear(&a);

	const char *unknown[] = {"use_first_pass", "mode=password"};
	ok(parse(&a, &err, 2, unknown) == 0, "unknown argument is not fatal");
	is_int(warnings, 1, "one warning");
	like(last_warning, "use_first_pass", "warning names the argument");
	is_int(a.mode, WO_PAM_MODE_PASSWORD, "later arguments still parsed");
	wo_pam_args_clear(&a);

	const char *bad_mode[] = {"mode=magic"};
	ok(parse(&a, &err, 1, bad_mode) != 0, "unknown mode is an error");
	like(err.message, "mode= must be", "message names mode=");
	const char *rel[] = {"config=workos.conf"};
	ok(parse(&a, &err, 1, rel) != 0, "relative config path is an error");
	const char *bad_role[] = {"require_role=admin,"};
	ok(parse(&a, &err, 1, bad_role) != 0, "empty role is an error");
	like(err.message, "require_role=", "message names require_role=");
	const char *bad_qr[] = {"qr=colour"};
	ok(parse(&a, &err, 1, bad_qr) != 0, "bad qr value is an error");
	const char *prefix_only[] = {"modex=device", "config"};
	ok(parse(&a, &err, 2, prefix_only) == 0 && warnings == 2,
	   "look-alike arguments are unknown, not misparsed");
	wo_pam_args_clear(&a);
	ok(!a.silent && !a.disallow_null, "no flags: neither silent nor strict");
	ok(wo_pam_args_parse(PAM_SILENT, 0, NULL, &a, warn, NULL, &err) == 0 && a.silent &&
	       !a.disallow_null,
	   "PAM_SILENT is kept");
	ok(wo_pam_args_parse(PAM_DISALLOW_NULL_AUTHTOK, 0, NULL, &a, warn, NULL, &err) == 0 &&
	       !a.silent && a.disallow_null,
	   "PAM_DISALLOW_NULL_AUTHTOK is kept");
	wo_pam_args_clear(&a);
	is_str(wo_pam_mode_name(WO_PAM_MODE_PASSWORD), "password", "mode names");
	return done_testing();
}
