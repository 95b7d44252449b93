/* SPDX-License-Identifier: MIT */
/*
 * workosctl: diagnostics for administrators (see workosctl(8)).
 *
 * One file per subcommand (ctl_check.c, ctl_login.c, ctl_user.c), the
 * report lines they print in ctl_out.c.  Each subcommand returns the exit
 * status: 0 when everything it looked at is in order, 1 when something is
 * not (the output says what and why), 2 for a usage error.
 */
#ifndef WO_CTL_H
#define WO_CTL_H

#include <stdbool.h>

#include "api.h"
#include "config.h"
#include "conversation.h"
#include "error.h"
#include "owner.h"
#include "qr.h"

#define CTL_EXIT_OK    0
#define CTL_EXIT_FAIL  1
#define CTL_EXIT_USAGE 2

struct ctl_opts {
	const char *config_path;  /* --config, default WO_DEFAULT_CONFIG_PATH */
	const char *user;	  /* --user (login) or the NAME argument (user) */
	bool offline;		  /* check --offline: no network */
	const char *qr;		  /* login --qr MODE, NULL: the config's */
	const char *require_role; /* login, account --require-role LIST */
	const char *mode;	  /* login --mode device|password|totp */
};

/* A report: one line per step, "OK", "FAIL" or "WARN" (a finding that does
 * not make the setup unusable), or an indented detail line. */
struct ctl_report {
	unsigned failed;
	unsigned warned;
};

void ctl_ok(struct ctl_report *r, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ctl_fail(struct ctl_report *r, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ctl_warn(struct ctl_report *r, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ctl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A wo_error as "<message> [kind]" into buf, for FAIL lines. */
const char *ctl_why(const struct wo_error *err, char *buf, unsigned size);

/* Loads the configuration, reporting the step; NULL on failure. */
struct wo_config *ctl_load_config(struct ctl_report *r, const char *path);

int ctl_check(const struct ctl_opts *o);
/* The "id ranges" step of check (ctl_ranges.c). */
void ctl_check_ranges(struct ctl_report *r, const struct wo_config *cfg);
/* The "snapshot" step of check (ctl_snapshot.c): fleet mode. */
void ctl_check_snapshot(struct ctl_report *r, const struct wo_config *cfg);
int ctl_login(const struct ctl_opts *o);
/* workosctl audit flush, and the "audit" step of check (ctl_audit.c). */
int ctl_audit_flush(const struct ctl_opts *o);
void ctl_check_audit(struct ctl_report *r, const struct wo_config *cfg);
int ctl_user(const struct ctl_opts *o);
/* workosctl account: the account phase's decision (ctl_account.c). */
int ctl_account(const struct ctl_opts *o);

/* The login subcommands' common steps (ctl_login.c): the account named by
 * --user (or the caller), checked as pam_workos checks PAM_USER, and its
 * owner.  0 with name (WO_NAME_MAX + 1 bytes), *uid and *owner filled
 * (owner->kind may be WO_OWNER_NONE: reported as such when `need_owner`),
 * or -1 after a FAIL line. */
int ctl_login_account(struct ctl_report *r, const struct ctl_opts *o, char *name, unsigned *uid,
		      struct wo_owner *owner, bool need_owner);
/* The API key mode for a client of cfg: optional, or none when the caller
 * cannot read the key file (said so). */
enum wo_client_key ctl_key_mode(const struct wo_config *cfg);
/* qr=MODE as the terminal can show it: false for none. */
bool ctl_qr_style(enum wo_qr_mode mode, enum wo_qr_style *style);

/* A conversation on the terminal (ctl_term.c). */
struct ctl_term {
	enum wo_qr_mode qr;
	bool abandoned; /* EOF or no terminal: the person could not be asked */
};
void ctl_term_init(struct ctl_term *t, enum wo_qr_mode qr, struct wo_conversation *out);

#endif
