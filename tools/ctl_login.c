/* SPDX-License-Identifier: MIT */
/*
 * workosctl login: the login pam_workos runs, on a terminal and without
 * PAM: --mode device (lib/device_flow.h, then lib/admission.h), password
 * (lib/password_flow.h) or totp (lib/totp_flow.h), the very code of the
 * module.  It lets an admin see what a person would see and why they would
 * or would not get in, without touching a PAM stack.
 */
#include "autoconfig.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admission.h"
#include "api.h"
#include "ctl.h"
#include "device_flow.h"
#include "device_slots.h"
#include "names.h"
#include "owner.h"
#include "password_flow.h"
#include "qr.h"
#include "totp_flow.h"
#include "unused.h"

#define WHY_MAX (WO_ERROR_MSG_MAX + 32)

struct term_ui {
	const char *user;
	enum wo_qr_mode qr;
	unsigned timeout;
};

/* qr=auto: half blocks on a UTF-8 terminal, '#' on any other terminal,
 * nothing when the output is not a terminal at all. */
bool ctl_qr_style(enum wo_qr_mode mode, enum wo_qr_style *style)
{
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	switch (mode) {
	case WO_QR_AUTO:
		if (isatty(STDOUT_FILENO) != 1)
			return false;
		*style = utf8 ? WO_QR_STYLE_UTF8 : WO_QR_STYLE_ASCII;
		return true;
	case WO_QR_ALWAYS:
		*style = WO_QR_STYLE_UTF8;
		return true;
	case WO_QR_ASCII:
		*style = WO_QR_STYLE_ASCII;
		return true;
	default:
		return false;
	}
}

static int show(void *ctx, const struct wo_device_authorization *da, struct wo_error *err WO_UNUSED)
{
	struct term_ui *ui = ctx;
	enum wo_qr_style style;
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this machine");
	printf("WorkOS login as %s on %s.\n", ui->user, host);
	printf("Open %s and enter the code: %s\n", da->verification_uri, da->user_code);
	if (da->verification_uri_complete != NULL && ctl_qr_style(ui->qr, &style)) {
		struct wo_error qerr = WO_ERROR_INIT;
		char *qr = wo_qr_render(da->verification_uri_complete, style, &qerr);

		if (qr != NULL)
			printf("or scan this QR code:\n%s\n", qr);
		else
			fprintf(stderr, "workosctl: no QR code: %s\n", qerr.message);
		free(qr);
	}
	printf("Approve only if you started this login yourself.\n");
	fflush(stdout);
	return 0;
}

static int before_poll(void *ctx, unsigned pending, struct wo_error *err WO_UNUSED)
{
	struct term_ui *ui = ctx;

	if (pending == 0) {
		printf("Waiting for approval (at most %u s; Ctrl-C to give up)...\n", ui->timeout);
		fflush(stdout);
	}
	return 0;
}

/* The API key is read when it can be: an unprivileged admin cannot read a
 * 0600 root file, and then membership comes from the token, as it does for
 * the PAM module on a machine without a key. */
enum wo_client_key ctl_key_mode(const struct wo_config *cfg)
{
	if (!wo_config_has_api_key(cfg))
		return WO_KEY_NONE;
	if (access(cfg->api_key_file, R_OK) != 0 && errno == EACCES) {
		ctl_info("%s is not readable by you: membership and roles come from the token",
			 cfg->api_key_file);
		return WO_KEY_NONE;
	}
	return WO_KEY_OPTIONAL;
}

/* What pam_workos does once it has decided (lib/admission.h): end the
 * WorkOS session the login opened, with the API key.  Never changes the
 * outcome. */
static void end_session(struct ctl_report *r, struct wo_client *c, const struct wo_admission *adm)
{
	struct wo_error err = WO_ERROR_INIT;
	char why[WHY_MAX];
	int rc;

	if (adm->session_id[0] == '\0')
		return;
	rc = wo_admission_end_session(c, adm, &err);
	if (rc > 0)
		ctl_ok(r, "session", "WorkOS session %s ended: nothing uses it after the decision",
		       adm->session_id);
	else if (rc < 0)
		ctl_warn(r, "session",
			 "WorkOS session %s could not be ended (the decision stands): %s",
			 adm->session_id, ctl_why(&err, why, sizeof(why)));
	else
		ctl_info("without the API key, WorkOS session %s stays open until it expires",
			 adm->session_id);
}

int ctl_login_account(struct ctl_report *r, const struct ctl_opts *o, char *name, unsigned *uid,
		      struct wo_owner *owner, bool need_owner)
{
	struct wo_error err = WO_ERROR_INIT;
	char why[WHY_MAX];
	struct passwd *pw;

	if (o->user != NULL) {
		snprintf(name, WO_NAME_MAX + 1, "%s", o->user);
		if (strlen(o->user) > WO_NAME_MAX)
			name[0] = '\0';
	} else {
		pw = getpwuid(getuid());
		if (pw == NULL) {
			ctl_fail(r, "user", "who are you? (uid %u has no name)",
				 (unsigned)getuid());
			return -1;
		}
		snprintf(name, WO_NAME_MAX + 1, "%s", pw->pw_name);
	}
	/* PAM refuses before asking WorkOS anything: so does this. */
	if (!wo_name_is_valid(name) || (pw = getpwnam(name)) == NULL) {
		ctl_fail(r, "user",
			 "%s is not a local account (through NSS): pam_workos would "
			 "answer \"user unknown\" without starting a login",
			 o->user != NULL ? o->user : name);
		return -1;
	}
	*uid = pw->pw_uid;
	if (wo_owner_find(&wo_owner_files_default, name, pw->pw_uid, owner, &err) != 0) {
		ctl_fail(r, "owner", "%s", ctl_why(&err, why, sizeof(why)));
		if (owner->unsure)
			return -1;
	}
	if (owner->kind == WO_OWNER_NONE) {
		if (need_owner)
			ctl_fail(r, "owner",
				 "%s is not an account WorkOS owns (not made by workos-sync, "
				 "not bound in %s): pam_workos leaves it to other modules",
				 name, WO_OWNERS_PATH);
		return need_owner ? -1 : 0;
	}
	ctl_ok(r, "owner", "%s belongs to WorkOS user %s (%s)", name, owner->user_id,
	       owner->kind == WO_OWNER_SYNCED ? "made by workos-sync" : "bound by hand");
	return 0;
}

/* --mode device: the code on this terminal, then wo_admit. */
static int login_device(struct ctl_report *r, struct wo_client *c, const char *name,
			const struct wo_owner *owner, char *const *required)
{
	const struct wo_config *cfg = wo_client_config(c);
	struct term_ui ui = {.user = name, .qr = cfg->qr, .timeout = cfg->device_timeout};
	struct wo_device_ui callbacks = {.ctx = &ui, .show = show, .before_poll = before_poll};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_authentication auth = {0};
	struct wo_admission adm = {0};
	struct wo_device_stats stats = {0};
	struct wo_device_slot *slot = NULL;
	char why[WHY_MAX];
	int rc = CTL_EXIT_FAIL;

	/* The bound pam_workos keeps on pending codes (lib/device_slots.h),
	 * counted as a local login. */
	if (wo_device_slot_take_config(cfg, name, NULL, &slot, &err) != 0 ||
	    wo_device_login(c, cfg->device_timeout, &callbacks, &auth, &stats, &err) != 0) {
		ctl_fail(r, "device flow", "%s", ctl_why(&err, why, sizeof(why)));
		goto out;
	}
	wo_device_slot_release(slot);
	slot = NULL;
	ctl_ok(r, "device flow", "approved after %u poll(s)", stats.polls);

	if (wo_admit(c, &auth, owner->user_id, required, &adm, &err) != 0) {
		ctl_fail(r, "admission", "%s is not admitted: %s", name,
			 ctl_why(&err, why, sizeof(why)));
		if (adm.user_id[0] != '\0' && strcmp(adm.user_id, owner->user_id) != 0)
			ctl_info("approved by WorkOS user %s; %s belongs to %s", adm.user_id, name,
				 owner->user_id);
	} else {
		ctl_ok(r, "admission", "%s admitted: WorkOS user %s, role %s (%s)", name,
		       adm.user_id, adm.role,
		       adm.roles_from_api ? "membership confirmed by the API"
					  : "membership from the token");
		rc = CTL_EXIT_OK;
	}
	end_session(r, c, &adm);
out:
	wo_device_slot_release(slot);
	wo_authentication_clear(&auth);
	return rc;
}

/* --mode password and --mode totp: lib/'s flow on this terminal. */
static int login_interactive(struct ctl_report *r, struct wo_client *c, const char *mode,
			     const char *name, const struct wo_owner *owner, char *const *required)
{
	const struct wo_login_params p = {
	    .user = name,
	    .owner_id = owner->user_id,
	    .require_role = required,
	    .disallow_empty = true,
	};
	struct ctl_term term;
	struct wo_conversation conv;
	struct wo_login_result res;
	struct wo_error err = WO_ERROR_INIT;
	char why[WHY_MAX];
	int rc;

	ctl_term_init(&term, wo_client_config(c)->qr, &conv);
	if (strcmp(mode, "password") == 0)
		rc = wo_password_login(c, &conv, &p, &res, &err);
	else
		rc = wo_totp_login(c, &conv, &p, &res, &err);
	if (rc != 0) {
		ctl_fail(r, "admission", "%s is not admitted: %s", name,
			 term.abandoned ? "no answer at the prompt (end of input)"
					: ctl_why(&err, why, sizeof(why)));
		if (res.workos_user[0] != '\0' && strcmp(res.workos_user, owner->user_id) != 0)
			ctl_info("WorkOS user %s answered; %s belongs to %s", res.workos_user, name,
				 owner->user_id);
	} else {
		ctl_ok(r, "admission", "%s admitted: WorkOS user %s, role %s (via %s)", name,
		       res.workos_user, res.role, res.how);
	}
	if (res.admission_ran)
		end_session(r, c, &res.adm);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

int ctl_login(const struct ctl_opts *o)
{
	struct ctl_report r = {0};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_owner owner = {0};
	struct wo_client *c = NULL;
	struct wo_config *cfg = NULL;
	const char *mode = o->mode != NULL ? o->mode : "device";
	char **required = NULL;
	size_t n_required = 0;
	char why[WHY_MAX];
	char name[WO_NAME_MAX + 1];
	unsigned uid;
	int rc = CTL_EXIT_FAIL;

	setlocale(LC_CTYPE, "");
	if (strcmp(mode, "device") != 0 && strcmp(mode, "password") != 0 &&
	    strcmp(mode, "totp") != 0) {
		fprintf(stderr, "workosctl: --mode takes device, password or totp\n");
		return CTL_EXIT_USAGE;
	}
	cfg = ctl_load_config(&r, o->config_path);
	if (cfg == NULL)
		goto out;
	if (o->qr != NULL && wo_config_parse_qr(o->qr, &cfg->qr) != 0) {
		fprintf(stderr, "workosctl: --qr takes auto, always, ascii or never\n");
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (o->require_role != NULL &&
	    wo_config_parse_roles(o->require_role, &required, &n_required, &err) != 0) {
		fprintf(stderr, "workosctl: --require-role: %s\n", err.message);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (ctl_login_account(&r, o, name, &uid, &owner, true) != 0)
		goto out;
	if (wo_client_new(cfg, ctl_key_mode(cfg), &c, &err) != 0) {
		ctl_fail(&r, "api", "%s", ctl_why(&err, why, sizeof(why)));
		goto out;
	}
	if (strcmp(mode, "device") == 0)
		rc = login_device(&r, c, name, &owner, required);
	else
		rc = login_interactive(&r, c, mode, name, &owner, required);
out:
	wo_config_free_roles(required);
	wo_client_free(c);
	wo_config_free(cfg);
	return rc;
}
