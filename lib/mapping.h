/* SPDX-License-Identifier: MIT */
/*
 * How a WorkOS user becomes a local account name (username_from).
 *
 * The PAM module and workos-sync must agree on this exactly: the sync tool
 * creates the account, the PAM module admits a WorkOS user only into the
 * account their own identity maps to.  The rules:
 *   - email_localpart: the part of the email before its last '@';
 *     email: the whole address; external_id; metadata:KEY: that value.
 *   - ASCII letters are folded to lowercase, nothing else is changed; the
 *     result must then be a valid name (lib/names.h), or the user has no
 *     local account.  "Ada.Lovelace@x" maps to "ada.lovelace";
 *     "ada+ops@x" maps to nothing ('+' is not allowed).
 *   - Email-derived names need email_verified: anybody can sign up with an
 *     address they do not own, and must not get that address's account.
 *   - PAM_USER is compared byte for byte with the mapped name, so a login
 *     as "Ada" is never admitted for the account "ada".
 */
#ifndef WO_MAPPING_H
#define WO_MAPPING_H

#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "names.h"

/* The identity fields the mapping may read; NULL when absent. */
struct wo_map_input {
	const char *email;
	bool email_verified;
	const char *external_id;
	const char *metadata_value; /* metadata[cfg->username_metadata_key] */
};

/* Writes the local name into out (WO_NAME_MAX + 1 bytes).  Fails with
 * WO_ERR_DENIED and a message that says why the user has no local name. */
int wo_map_username(const struct wo_config *cfg, const struct wo_map_input *in,
		    char out[WO_NAME_MAX + 1], struct wo_error *err);

/* The name of the group for a role slug: group_prefix + slug, lowercased and
 * validated the same way. */
int wo_map_role_group(const struct wo_config *cfg, const char *role_slug, char out[WO_NAME_MAX + 1],
		      struct wo_error *err);

#endif
