/* SPDX-License-Identifier: MIT */
/*
 * workos.conf: `key = value` lines, `#` comment lines, blank lines.
 *
 * The file is trusted only when root owns it and nobody else can write it.
 * Unknown keys, duplicate keys and invalid values are errors that name the
 * file and line; nothing is guessed.  The keys and defaults are the contract
 * in workos.conf(5).  No environment variable is ever consulted.
 */
#ifndef WO_CONFIG_H
#define WO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WO_DEFAULT_CONFIG_PATH WO_CONFDIR "/workos.conf"

enum wo_username_from {
	WO_USERNAME_EMAIL_LOCALPART,
	WO_USERNAME_EMAIL,
	WO_USERNAME_EXTERNAL_ID,
	WO_USERNAME_METADATA, /* value of metadata[username_metadata_key] */
};

/* Where login decisions go (lib/audit.h): syslog is the default. */
enum wo_audit_mode {
	WO_AUDIT_SYSLOG, /* one JSON line per decision, for a log pipeline */
	WO_AUDIT_WORKOS, /* spooled, delivered to Audit Logs by workos-sync */
	WO_AUDIT_OFF,
};

enum wo_qr_mode {
	WO_QR_AUTO,   /* UTF-8 half blocks when the conversation can show them */
	WO_QR_ALWAYS, /* UTF-8 half blocks */
	WO_QR_ASCII,  /* '#' and ' ', two columns a module: survives any client */
	WO_QR_NEVER,
};

struct wo_config {
	char *path; /* the file this was read from */

	char *client_id;
	char *organization_id;
	char *api_key_file;
	char *api_hostname;
	unsigned api_port; /* 0: the scheme's default */
	bool api_https;
	char *ca_file; /* NULL: the system bundle */
	/* The iss of tokens when a custom auth domain is set in WorkOS, accepted
	 * besides the API endpoint's own issuers; NULL when unset.  An https
	 * URL (http only to a loopback host), no query or fragment. */
	char *token_issuer;
	unsigned http_timeout;
	/* workos-sync: seconds between full listings; runs in between apply
	 * the Events API from a cursor (0: always a full listing). */
	unsigned full_sync_interval;

	enum wo_username_from username_from;
	char *username_metadata_key; /* set for WO_USERNAME_METADATA */

	char **allowed_roles; /* NULL-terminated; NULL means any role */
	size_t n_allowed_roles;

	char *group_prefix; /* may be "" */
	char *member_group; /* NULL when disabled (member_group =) */
	uint32_t uid_min, uid_max;
	uint32_t gid_min, gid_max;
	char *home_dir; /* template with %u */
	char *shell;

	unsigned device_timeout;
	/* Pending device logins from one remote address / on this machine
	 * (lib/device_slots.h); one per account is not configurable. */
	unsigned device_max_per_address;
	unsigned device_max_per_host;
	enum wo_qr_mode qr;
	bool allow_impersonation;
	bool allow_totp_enrollment; /* mode=password may enrol a new TOTP factor */

	/* Fleet mode (lib/snapshot.h).  The publisher signs with
	 * snapshot_signing_key; a member with snapshot_url set pulls instead
	 * of asking WorkOS, verifies with snapshot_public_key, and its account
	 * phase refuses WorkOS accounts once the installed snapshot is older
	 * than snapshot_max_age seconds. */
	char *snapshot_signing_key;
	char *snapshot_url; /* NULL: not a fleet member */
	char *snapshot_public_key;
	unsigned snapshot_max_age;

	/* Audit trail of login decisions (lib/audit.h, lib/audit_spool.h). */
	enum wo_audit_mode audit;
	char *audit_action_auth_succeeded;
	char *audit_action_auth_denied;
	char *audit_action_account_denied;
	unsigned audit_spool_max_events; /* the spool's bound; more are dropped */
};

/* Reads and validates a configuration file.  *out is for wo_config_free. */
int wo_config_load(const char *path, struct wo_config **out, struct wo_error *err);

/* The same from memory; `name` stands for the file in messages.  No
 * ownership check: for tests, fuzzing and `--check` style tools. */
int wo_config_parse(const char *name, const char *text, size_t len, struct wo_config **out,
		    struct wo_error *err);

void wo_config_free(struct wo_config *cfg);

/* Parses a comma list of role slugs ("admin, devops") into a NULL-terminated
 * array; shared with the require_role= module argument. */
int wo_config_parse_roles(const char *list, char ***out, size_t *n_out, struct wo_error *err);
void wo_config_free_roles(char **roles);

/* Parses auto|always|ascii|never; shared with the qr= module argument. */
int wo_config_parse_qr(const char *value, enum wo_qr_mode *out);

/* Expands home_dir for a user name (only %u and %% are defined). */
char *wo_config_home_for(const struct wo_config *cfg, const char *user);

/* Reads api_key_file with the secret-file rules; for wo_secret_free. */
int wo_config_read_api_key(const struct wo_config *cfg, char **key, struct wo_error *err);

/* True when api_key_file exists (whether or not it is usable), as seen with
 * the effective ids; an error other than "no such file" counts as present. */
bool wo_config_has_api_key(const struct wo_config *cfg);

/* True for 127.0.0.0/8, ::1 and "localhost": the only hosts plain HTTP may
 * reach (the test emulator). */
bool wo_host_is_loopback(const char *host);

#endif
