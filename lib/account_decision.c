/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account_decision.h"
#include "cache.h"
#include "mapping.h"
#include "snapshot_state.h"

/* True when the cached user is in the group of one of `roles` (a NULL list
 * asks for nothing). */
static bool cache_has_role(const struct wo_config *cfg, const struct wo_cache_user_info *info,
			   char *const *roles)
{
	if (roles == NULL)
		return true;
	for (; *roles != NULL; roles++) {
		char group[WO_NAME_MAX + 1];
		struct wo_error ignored = WO_ERROR_INIT;

		if (wo_map_role_group(cfg, *roles, group, &ignored) != 0)
			continue;
		for (size_t i = 0; i < info->n_groups; i++)
			if (strcmp(info->groups[i], group) == 0)
				return true;
	}
	return false;
}

/* From the NSS cache: the account workos-sync made, with its groups. */
static int from_cache(const struct wo_account_query *q, bool *active, bool *has_role,
		      struct wo_error *err)
{
	struct wo_cache_user_info *info = NULL;
	struct wo_cache *cache = wo_cache_open(q->cache_path, err);

	if (cache == NULL || wo_cache_find_user(cache, q->user, &info, err) <= 0 ||
	    strcmp(info->user.workos_id, q->owner->user_id) != 0) {
		/* The owner was read a moment ago: a cache that says
		 * otherwise now was replaced or is corrupt. */
		if (err->kind == WO_ERR_NONE)
			wo_error_set(err, WO_ERR_SYSTEM, "the NSS cache changed");
		wo_cache_user_info_free(info);
		wo_cache_close(cache);
		return -1;
	}
	wo_cache_close(cache);
	*active = true;
	*has_role = cache_has_role(q->cfg, info, q->cfg->allowed_roles) &&
		    cache_has_role(q->cfg, info, q->require_role);
	wo_cache_user_info_free(info);
	return 0;
}

int wo_account_decide(const struct wo_account_query *q, struct wo_account_decision *out,
		      struct wo_error *err)
{
	const char *id = q->owner->user_id;
	bool active = false, has_role = false;

	memset(out, 0, sizeof(*out));
	out->workos_user = id;
	if (q->kept != NULL && strcmp(q->kept, id) != 0) {
		out->workos_user = q->kept;
		wo_error_set(err, WO_ERR_DENIED, "%s was admitted as another WorkOS user", q->user);
		snprintf(err->code, sizeof(err->code), "wrong_user");
		return -1;
	}
	if (q->cfg->snapshot_url != NULL &&
	    wo_snapshot_require_fresh(q->snapshot_state_path, (int64_t)time(NULL),
				      q->cfg->snapshot_max_age, NULL, err) != 0) {
		snprintf(err->code, sizeof(err->code), "stale_snapshot");
		return -1;
	}

	if (q->live != NULL) {
		out->how = "api";
		if (q->live(q->live_ctx, id, q->require_role, &active, out->role, err) != 0)
			return -1;
		has_role = active && out->role[0] != '\0';
	} else if (q->owner->kind == WO_OWNER_SYNCED) {
		out->how = "cache";
		if (from_cache(q, &active, &has_role, err) != 0)
			return -1;
	} else {
		/* Bound by hand, no API key: only this handle's auth checked
		 * the membership, and it cannot check a role. */
		out->how = "auth";
		active = q->kept != NULL;
		has_role = active && q->require_role == NULL;
	}

	if (!active) {
		if (q->live != NULL || q->owner->kind == WO_OWNER_SYNCED)
			wo_error_set(err, WO_ERR_DENIED,
				     "%s is no longer a member of the organization", q->user);
		else
			wo_error_set(err, WO_ERR_DENIED,
				     "the membership of %s cannot be checked here without the "
				     "API key",
				     q->user);
		snprintf(err->code, sizeof(err->code), "not_a_member");
		return -1;
	}
	if (!has_role) {
		wo_error_set(err, WO_ERR_DENIED, "%s has no WorkOS role allowed here", q->user);
		snprintf(err->code, sizeof(err->code), "role");
		return -1;
	}
	return 0;
}

int wo_account_unowned(const char *user, uid_t uid, const char *uid_range_path,
		       struct wo_error *err)
{
	uint32_t min, max;
	int r = wo_uid_range_load(uid_range_path, &min, &max, err);

	if (r <= 0 || uid < min || uid > max)
		return 0;
	wo_error_set(err, WO_ERR_DENIED, "%s is no longer a WorkOS account on this machine", user);
	snprintf(err->code, sizeof(err->code), "stale_account");
	return -1;
}
