/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

#include "config.h"
#include "mapping.h"
#include "tap.h"

static struct wo_config *config(const char *extra)
{
	char text[512];
	struct wo_config *cfg = NULL;
	struct wo_error err = WO_ERROR_INIT;

	snprintf(text, sizeof(text), "client_id = client_1\norganization_id = org_1\n%s\n", extra);
	if (wo_config_parse("test.conf", text, strlen(text), &cfg, &err) != 0) {
		printf("# config: %s\n", err.message);
		exit(1);
	}
	return cfg;
}

static void check_map(const struct wo_config *cfg, struct wo_map_input in, const char *want,
		      const char *what)
{
	char out[WO_NAME_MAX + 1];
	struct wo_error err = WO_ERROR_INIT;
	int rc = wo_map_username(cfg, &in, out, &err);

	if (want != NULL) {
		is_int(rc, 0, "%s: maps", what);
		is_str(out, want, "%s: name", what);
	} else {
		is_int(rc, -1, "%s: refused", what);
		is_int(err.kind, WO_ERR_DENIED, "%s: refusal is a denial", what);
		is_str(out, "", "%s: no half-written name", what);
	}
}

int main(void)
{
	struct wo_config *local = config("");
	struct wo_config *email = config("username_from = email");
	struct wo_config *ext = config("username_from = external_id");
	struct wo_config *meta = config("username_from = metadata:unix_name");
	struct wo_config *groups = config("group_prefix = wo-");
	char out[WO_NAME_MAX + 1];
	struct wo_error err = WO_ERROR_INIT;

	check_map(local, (struct wo_map_input){.email = "ada@example.com", .email_verified = true},
		  "ada", "local part");
	check_map(
	    local,
	    (struct wo_map_input){.email = "Ada.Lovelace@Example.com", .email_verified = true},
	    "ada.lovelace", "uppercase folded");
	check_map(local,
		  (struct wo_map_input){.email = "\"a@b\"@example.com", .email_verified = true},
		  NULL, "quoted local part with '@' is not a name");
	check_map(local, (struct wo_map_input){.email = "ada@example.com"}, NULL,
		  "unverified email");
	check_map(local,
		  (struct wo_map_input){.email = "ada+ops@example.com", .email_verified = true},
		  NULL, "'+' tag");
	check_map(local,
		  (struct wo_map_input){.email = "9lives@example.com", .email_verified = true},
		  NULL, "leading digit");
	check_map(local, (struct wo_map_input){.email = "@example.com", .email_verified = true},
		  NULL, "empty local part");
	check_map(local, (struct wo_map_input){.email = "ada", .email_verified = true}, NULL,
		  "no '@'");
	check_map(local, (struct wo_map_input){.email = "ada@", .email_verified = true}, NULL,
		  "no domain");
	check_map(local, (struct wo_map_input){.email_verified = true}, NULL, "no email");
	check_map(local,
		  (struct wo_map_input){.email = "j\xc3\xa9r\xc3\xb4me@example.com",
					.email_verified = true},
		  NULL, "non-ASCII letters are not folded into ASCII");
	check_map(local,
		  (struct wo_map_input){.email = "abcdefghijklmnopqrstuvwxyz0123456@example.com",
					.email_verified = true},
		  NULL, "33-byte local part");
	check_map(local,
		  (struct wo_map_input){.email = "abcdefghijklmnopqrstuvwxyz012345@example.com",
					.email_verified = true},
		  "abcdefghijklmnopqrstuvwxyz012345", "32-byte local part");
	check_map(email, (struct wo_map_input){.email = "Ada@Ex.io", .email_verified = true},
		  "ada@ex.io", "whole email");
	check_map(email,
		  (struct wo_map_input){.email = "ada.lovelace@example.com.example.org",
					.email_verified = true},
		  NULL, "whole email longer than a name");
	check_map(ext, (struct wo_map_input){.external_id = "adal", .email = "x@y"}, "adal",
		  "external id, email need not be verified");
	check_map(ext, (struct wo_map_input){.email = "ada@x", .email_verified = true}, NULL,
		  "no external id");
	check_map(ext, (struct wo_map_input){.external_id = "ad:al"}, NULL, "':' in external id");
	check_map(meta, (struct wo_map_input){.metadata_value = "AdaL"}, "adal", "metadata value");
	check_map(meta, (struct wo_map_input){.metadata_value = ""}, NULL, "empty metadata value");
	check_map(meta, (struct wo_map_input){.external_id = "adal"}, NULL, "metadata key absent");

	is_int(wo_map_role_group(local, "admin", out, &err), 0, "role group");
	is_str(out, "workos-admin", "default prefix");
	is_int(wo_map_role_group(groups, "Dev-Ops", out, &err), 0, "role group, custom prefix");
	is_str(out, "wo-dev-ops", "folded");
	is_int(wo_map_role_group(local, "a b", out, &err), -1, "space in slug");
	is_int(wo_map_role_group(local, "", out, &err), -1, "empty slug");
	is_int(wo_map_role_group(local, "abcdefghijklmnopqrstuvwxyz", out, &err), -1,
	       "prefix + slug longer than a name");

	wo_config_free(local);
	wo_config_free(email);
	wo_config_free(ext);
	wo_config_free(meta);
	wo_config_free(groups);
	return done_testing();
}
