/* SPDX-License-Identifier: MIT */
/*
 * workosctl account: the decision pam_workos's account phase would take
 * for an account now (lib/account_decision.h, the module's own code),
 * without a PAM stack: ignored (not WorkOS's), refused (a stale UID, a
 * removed member, a missing role, a stale fleet snapshot) or admitted, and
 * from what (the live API, the NSS cache, the auth of the same
 * transaction).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "account_decision.h"
#include "admission.h"
#include "cache.h"
#include "ctl.h"
#include "names.h"
#include "owner.h"
#include "snapshot_state.h"

#define WHY_MAX (WO_ERROR_MSG_MAX + 32)

int ctl_account(const struct ctl_opts *o)
{
	struct ctl_report r = {0};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_owner owner = {0};
	struct wo_account_decision d;
	struct wo_client *c = NULL;
	struct wo_config *cfg = NULL;
	char **required = NULL;
	size_t n_required = 0;
	char why[WHY_MAX];
	char name[WO_NAME_MAX + 1];
	unsigned uid;
	int rc = CTL_EXIT_FAIL;

	if (o->require_role != NULL &&
	    wo_config_parse_roles(o->require_role, &required, &n_required, &err) != 0) {
		fprintf(stderr, "workosctl: --require-role: %s\n", err.message);
		return CTL_EXIT_USAGE;
	}
	if (ctl_login_account(&r, o, name, &uid, &owner, false) != 0)
		goto out;
	if (owner.kind == WO_OWNER_NONE) {
		/* As the module: before workos.conf is even read. */
		if (wo_account_unowned(name, uid, WO_UID_RANGE_PATH, &err) != 0) {
			ctl_fail(&r, "account", "refused (PAM_PERM_DENIED): %s",
				 ctl_why(&err, why, sizeof(why)));
			goto out;
		}
		if (err.kind != WO_ERR_NONE)
			ctl_warn(&r, "uid range", "%s", ctl_why(&err, why, sizeof(why)));
		ctl_ok(&r, "account",
		       "%s is not an account WorkOS owns: ignored (PAM_IGNORE), other modules "
		       "decide",
		       name);
		rc = CTL_EXIT_OK;
		goto out;
	}
	cfg = ctl_load_config(&r, o->config_path);
	if (cfg == NULL)
		goto out;
	if (wo_client_new(cfg, ctl_key_mode(cfg), &c, &err) != 0) {
		ctl_fail(&r, "api", "%s", ctl_why(&err, why, sizeof(why)));
		goto out;
	}

	const struct wo_account_query q = {
	    .cfg = cfg,
	    .user = name,
	    .owner = &owner,
	    .kept = NULL,
	    .require_role = required,
	    .live = wo_client_has_api_key(c) ? wo_account_live_api : NULL,
	    .live_ctx = c,
	    .cache_path = WO_CACHE_DEFAULT_PATH,
	    .snapshot_state_path = WO_SNAPSHOT_STATE_PATH,
	};

	if (wo_account_decide(&q, &d, &err) != 0) {
		ctl_fail(&r, "account", "refused (PAM_PERM_DENIED): %s",
			 ctl_why(&err, why, sizeof(why)));
		if (strcmp(err.code, "not_a_member") == 0 && q.live == NULL &&
		    owner.kind == WO_OWNER_BOUND)
			ctl_info("an account bound by hand is admitted without the API key only "
				 "after a pam_workos auth in the same PAM transaction");
		goto out;
	}
	ctl_ok(&r, "account", "%s admitted (PAM_SUCCESS): WorkOS user %s, role %s, decided from %s",
	       name, d.workos_user, d.role[0] != '\0' ? d.role : "-",
	       strcmp(d.how, "api") == 0     ? "the memberships API"
	       : strcmp(d.how, "cache") == 0 ? "the NSS cache"
					     : "the auth phase");
	rc = CTL_EXIT_OK;
out:
	wo_config_free_roles(required);
	wo_client_free(c);
	wo_config_free(cfg);
	return rc;
}
