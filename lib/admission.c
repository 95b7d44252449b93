/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "secret.h"

/* WorkOS pages memberships; one user has a handful at most, so a few pages
 * are plenty and more means something is wrong. */
#define MAX_MEMBERSHIP_PAGES 10
#define MAX_ROLES	     64

static bool in_list(char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

const char *wo_roles_pick(char *const *roles, char *const *allowed, char *const *required)
{
	static char *const none[] = {NULL};

	if (roles == NULL)
		roles = none;
	if (allowed == NULL && required == NULL)
		return roles[0] != NULL ? roles[0] : "";
	for (; *roles != NULL; roles++)
		if ((allowed == NULL || in_list(allowed, *roles)) &&
		    (required == NULL || in_list(required, *roles)))
			return *roles;
	return NULL;
}

void wo_member_roles_clear(struct wo_member_roles *r)
{
	if (r->roles != NULL)
		for (size_t i = 0; i < r->n_roles; i++)
			free(r->roles[i]);
	free(r->roles);
	memset(r, 0, sizeof(*r));
}

static int add_role(struct wo_member_roles *r, const char *slug, struct wo_error *err)
{
	char **grown;

	if (slug == NULL || slug[0] == '\0')
		return 0;
	if (r->roles != NULL && in_list(r->roles, slug))
		return 0;
	if (r->n_roles >= MAX_ROLES)
		return wo_error_set(err, WO_ERR_DECODE, "a member has more than %d roles",
				    MAX_ROLES);
	grown = realloc(r->roles, (r->n_roles + 2) * sizeof(*grown));
	if (grown == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	r->roles = grown;
	r->roles[r->n_roles] = strdup(slug);
	if (r->roles[r->n_roles] == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	r->roles[++r->n_roles] = NULL;
	return 0;
}

int wo_account_live_api(void *client, const char *id, char *const *required, bool *active,
			char role[64], struct wo_error *err)
{
	struct wo_client *c = client;
	const struct wo_config *cfg = wo_client_config(c);
	struct wo_member_roles member = {0};
	const char *picked = NULL;

	role[0] = '\0';
	*active = false;
	/* The live answer: a member removed or demoted a minute ago is
	 * refused now, not after the next sync. */
	wo_http_set_deadline(wo_client_http(c), cfg->http_timeout);
	if (wo_member_lookup(c, id, &member, err) != 0)
		return -1;
	*active = member.active;
	if (member.active)
		picked = wo_roles_pick(member.roles, cfg->allowed_roles, required);
	if (picked != NULL)
		snprintf(role, 64, "%s", picked);
	wo_member_roles_clear(&member);
	return 0;
}

int wo_member_lookup(struct wo_client *c, const char *user_id, struct wo_member_roles *out,
		     struct wo_error *err)
{
	const struct wo_config *cfg = wo_client_config(c);
	char *after = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	for (int page = 0; page < MAX_MEMBERSHIP_PAGES; page++) {
		struct wo_membership_list list;

		if (wo_api_list_memberships(c, cfg->organization_id, user_id, "active", after,
					    &list, err) != 0)
			goto out;
		free(after);
		after = NULL;
		for (size_t i = 0; i < list.count; i++) {
			const struct wo_membership *m = &list.items[i];

			/* The filters were sent, but the answer is checked,
			 * not trusted to have applied them. */
			if (strcmp(m->organization_id, cfg->organization_id) != 0 ||
			    strcmp(m->user_id, user_id) != 0 || !wo_membership_is_active(m))
				continue;
			out->active = true;
			for (size_t j = 0; j < m->role_count; j++)
				if (add_role(out, m->roles[j], err) != 0) {
					wo_membership_list_clear(&list);
					goto out;
				}
		}
		if (list.list_metadata.after != NULL &&
		    (after = strdup(list.list_metadata.after)) == NULL) {
			wo_membership_list_clear(&list);
			wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
			goto out;
		}
		wo_membership_list_clear(&list);
		if (after == NULL) {
			rc = 0;
			goto out;
		}
	}
	wo_error_set(err, WO_ERR_DECODE, "WorkOS listed more than %d pages of memberships for %s",
		     MAX_MEMBERSHIP_PAGES, user_id);
out:
	free(after);
	if (rc != 0)
		wo_member_roles_clear(out);
	return rc;
}

/* `why` completes "WorkOS login denied: ..." for the person at the prompt. */
static int deny(struct wo_error *err, const char *code, const char *why)
{
	wo_error_set(err, WO_ERR_DENIED, "%s", why);
	snprintf(err->code, sizeof(err->code), "%s", code);
	return -1;
}

static int roles_from_claims(const struct wo_jwt_claims *claims, struct wo_member_roles *out,
			     struct wo_error *err)
{
	memset(out, 0, sizeof(*out));
	out->active = true;
	if (add_role(out, claims->role, err) != 0)
		return -1;
	for (size_t i = 0; i < claims->n_roles; i++)
		if (add_role(out, claims->roles[i], err) != 0)
			return -1;
	return 0;
}

int wo_admit(struct wo_client *c, const struct wo_authentication *auth, const char *owner_id,
	     char *const *require_roles, struct wo_admission *out, struct wo_error *err)
{
	const struct wo_config *cfg = wo_client_config(c);
	struct wo_jwt_claims claims;
	struct wo_member_roles member = {0};
	const char *role;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	/* The token says who approved; its signature is what we believe. */
	if (wo_api_verify_access_token(c, auth->access_token, NULL, &claims, err) != 0)
		return -1;
	snprintf(out->user_id, sizeof(out->user_id), "%s", claims.sub);
	/* A sid that does not fit is left out: ending a truncated id would
	 * only earn a 400. */
	if (claims.sid != NULL && strlen(claims.sid) < sizeof(out->session_id))
		snprintf(out->session_id, sizeof(out->session_id), "%s", claims.sid);

	if (auth->user.id != NULL && strcmp(auth->user.id, claims.sub) != 0) {
		wo_error_set(err, WO_ERR_TOKEN, "the answer names user %s but the token is for %s",
			     auth->user.id, claims.sub);
		goto out;
	}
	if ((auth->impersonator != NULL || claims.impersonated) && !cfg->allow_impersonation) {
		deny(err, "impersonation", "impersonated sessions are not allowed here");
		goto out;
	}
	if (auth->organization_id != NULL &&
	    strcmp(auth->organization_id, cfg->organization_id) != 0) {
		deny(err, "wrong_organization", "the login was approved for another organization");
		goto out;
	}
	if (owner_id == NULL || strcmp(claims.sub, owner_id) != 0) {
		deny(err, "wrong_user",
		     "the code was approved by a WorkOS account that is not this user's");
		goto out;
	}

	if (wo_client_has_api_key(c)) {
		if (wo_member_lookup(c, claims.sub, &member, err) != 0)
			goto out;
		out->roles_from_api = true;
	} else if (roles_from_claims(&claims, &member, err) != 0) {
		goto out;
	}
	if (!member.active) {
		deny(err, "not_a_member", "not an active member of the organization");
		goto out;
	}
	role = wo_roles_pick(member.roles, cfg->allowed_roles, require_roles);
	if (role == NULL) {
		deny(err, "role", "no WorkOS role that may log in here");
		goto out;
	}
	snprintf(out->role, sizeof(out->role), "%s", role);
	rc = 0;
out:
	wo_member_roles_clear(&member);
	wo_jwt_claims_clear(&claims);
	return rc;
}

int wo_admission_end_session(struct wo_client *c, const struct wo_admission *adm,
			     struct wo_error *err)
{
	if (!wo_client_has_api_key(c) || adm->session_id[0] == '\0')
		return 0;
	/* Its own bound, whatever the login's steps left on the clock: one
	 * request, never more than http_timeout. */
	wo_http_set_deadline(wo_client_http(c), wo_client_config(c)->http_timeout);
	if (wo_api_revoke_session(c, adm->session_id, err) != 0)
		return -1;
	return 1;
}
