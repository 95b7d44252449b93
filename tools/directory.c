/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "sync.h"

void sync_member_clear(struct sync_member *m)
{
	free(m->user_id);
	free(m->membership_id);
	free(m->email);
	free(m->first_name);
	free(m->last_name);
	free(m->external_id);
	free(m->meta_username);
	free(m->meta_uid);
	for (size_t i = 0; i < m->n_roles; i++)
		free(m->roles[i]);
	free(m->roles);
	memset(m, 0, sizeof(*m));
}

void sync_directory_clear(struct sync_directory *d)
{
	for (size_t i = 0; i < d->n; i++)
		sync_member_clear(&d->v[i]);
	free(d->v);
	memset(d, 0, sizeof(*d));
}
