/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "cache_format.h"
#include "keep.h"
#include "names.h"
#include "unused.h"

struct kept {
	char user[WO_NAME_MAX + 1];
	char workos_user[WO_CACHE_ID_MAX + 1];
};

static void free_data(pam_handle_t *pamh WO_UNUSED, void *data, int error_status WO_UNUSED)
{
	free(data);
}

int wo_pam_keep_workos_user(pam_handle_t *pamh, const char *user, const char *id)
{
	struct kept *k = calloc(1, sizeof(*k));

	if (k == NULL || pam_set_data(pamh, WO_PAM_DATA_WORKOS_USER, k, free_data) != PAM_SUCCESS) {
		free(k);
		pam_syslog(pamh, LOG_ERR, "out of memory");
		return PAM_BUF_ERR;
	}
	snprintf(k->user, sizeof(k->user), "%s", user);
	snprintf(k->workos_user, sizeof(k->workos_user), "%s", id);
	return PAM_SUCCESS;
}

const char *wo_pam_kept_workos_user(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL;
	const struct kept *k;

	if (pam_get_data(pamh, WO_PAM_DATA_WORKOS_USER, &data) != PAM_SUCCESS || data == NULL)
		return NULL;
	k = data;
	return strcmp(k->user, user) == 0 ? k->workos_user : NULL;
}
