/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "workos_types.h"

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void wo_device_authorization_clear(struct wo_device_authorization *d)
{
	wo_secret_free(d->device_code);
	wo_secret_free(d->user_code);
	free(d->verification_uri);
	free(d->verification_uri_complete);
	memset(d, 0, sizeof(*d));
}

void wo_user_clear(struct wo_user *u)
{
	free(u->id);
	free(u->email);
	free(u->first_name);
	free(u->last_name);
	free(u->external_id);
	for (size_t i = 0; u->metadata != NULL && i < u->metadata_count; i++) {
		free(u->metadata[i].key);
		free(u->metadata[i].value);
	}
	free(u->metadata);
	memset(u, 0, sizeof(*u));
}

void wo_impersonator_clear(struct wo_impersonator *i)
{
	free(i->email);
	free(i->reason);
	memset(i, 0, sizeof(*i));
}

void wo_authentication_clear(struct wo_authentication *a)
{
	wo_user_clear(&a->user);
	free(a->organization_id);
	wo_secret_free(a->access_token);
	wo_secret_free(a->refresh_token);
	free(a->authentication_method);
	if (a->impersonator != NULL)
		wo_impersonator_clear(a->impersonator);
	free(a->impersonator);
	memset(a, 0, sizeof(*a));
}

void wo_factor_clear(struct wo_factor *f)
{
	free(f->id);
	free(f->type);
	free(f->user_id);
	free(f->totp_issuer);
	free(f->totp_user);
	memset(f, 0, sizeof(*f));
}

void wo_organization_clear(struct wo_organization *o)
{
	free(o->id);
	free(o->name);
	memset(o, 0, sizeof(*o));
}

void wo_api_error_clear(struct wo_api_error *e)
{
	free(e->code);
	free(e->message);
	wo_secret_free(e->pending_authentication_token);
	for (size_t i = 0; e->authentication_factors != NULL && i < e->authentication_factor_count;
	     i++)
		wo_factor_clear(&e->authentication_factors[i]);
	free(e->authentication_factors);
	for (size_t i = 0; e->organizations != NULL && i < e->organization_count; i++)
		wo_organization_clear(&e->organizations[i]);
	free(e->organizations);
	if (e->user != NULL)
		wo_user_clear(e->user);
	free(e->user);
	free(e->email);
	free(e->email_verification_id);
	free_strings(e->connection_ids, e->connection_id_count);
	memset(e, 0, sizeof(*e));
}

void wo_challenge_clear(struct wo_challenge *c)
{
	free(c->id);
	free(c->authentication_factor_id);
	free(c->expires_at);
	memset(c, 0, sizeof(*c));
}

void wo_verification_clear(struct wo_verification *v)
{
	wo_challenge_clear(&v->challenge);
	memset(v, 0, sizeof(*v));
}

void wo_enrollment_clear(struct wo_enrollment *e)
{
	wo_factor_clear(&e->factor);
	wo_secret_free(e->totp_secret);
	wo_secret_free(e->totp_uri);
	free(e->challenge_id);
	memset(e, 0, sizeof(*e));
}

void wo_list_metadata_clear(struct wo_list_metadata *m)
{
	free(m->before);
	free(m->after);
	memset(m, 0, sizeof(*m));
}

void wo_factor_list_clear(struct wo_factor_list *l)
{
	for (size_t i = 0; l->items != NULL && i < l->count; i++)
		wo_factor_clear(&l->items[i]);
	free(l->items);
	wo_list_metadata_clear(&l->list_metadata);
	memset(l, 0, sizeof(*l));
}

static void free_skipped(struct wo_list_skip *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].user_id);
		free(v[i].reason);
	}
	free(v);
}

void wo_user_list_clear(struct wo_user_list *l)
{
	for (size_t i = 0; l->items != NULL && i < l->count; i++)
		wo_user_clear(&l->items[i]);
	free(l->items);
	free_skipped(l->skipped, l->skipped_count);
	wo_list_metadata_clear(&l->list_metadata);
	memset(l, 0, sizeof(*l));
}

void wo_membership_clear(struct wo_membership *m)
{
	free(m->id);
	free(m->user_id);
	free(m->organization_id);
	free(m->status);
	free(m->role);
	free_strings(m->roles, m->role_count);
	if (m->user != NULL)
		wo_user_clear(m->user);
	free(m->user);
	memset(m, 0, sizeof(*m));
}

void wo_membership_list_clear(struct wo_membership_list *l)
{
	for (size_t i = 0; l->items != NULL && i < l->count; i++)
		wo_membership_clear(&l->items[i]);
	free(l->items);
	free_skipped(l->skipped, l->skipped_count);
	wo_list_metadata_clear(&l->list_metadata);
	memset(l, 0, sizeof(*l));
}

void wo_event_clear(struct wo_event *e)
{
	free(e->id);
	free(e->created_at);
	if (e->user != NULL)
		wo_user_clear(e->user);
	free(e->user);
	if (e->membership != NULL)
		wo_membership_clear(e->membership);
	free(e->membership);
	memset(e, 0, sizeof(*e));
}

void wo_event_list_clear(struct wo_event_list *l)
{
	for (size_t i = 0; l->items != NULL && i < l->count; i++)
		wo_event_clear(&l->items[i]);
	free(l->items);
	wo_list_metadata_clear(&l->list_metadata);
	memset(l, 0, sizeof(*l));
}

const char *wo_user_metadata(const struct wo_user *u, const char *key)
{
	for (size_t i = 0; i < u->metadata_count; i++)
		if (strcmp(u->metadata[i].key, key) == 0)
			return u->metadata[i].value;
	return NULL;
}

bool wo_membership_is_active(const struct wo_membership *m)
{
	return m->status != NULL && strcmp(m->status, "active") == 0;
}
