/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_load.h"

#define CORE_PATH "pam_workos/core.so"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct wo_pam_core *loaded;

/* Root's or ours, and nobody else may write it. */
static int trusted(const char *path, bool dir, struct wo_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return wo_error_set(err, WO_ERR_CONFIG, "%s: %s", path, strerror(errno));
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return wo_error_set(err, WO_ERR_CONFIG, "%s is not a %s", path,
				    dir ? "directory" : "regular file");
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return wo_error_set(err, WO_ERR_CONFIG, "%s is owned by uid %u, not root", path,
				    (unsigned)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return wo_error_set(err, WO_ERR_CONFIG,
				    "%s is writable by group or others (mode %04o)", path,
				    (unsigned)(st.st_mode & 07777));
	return 0;
}

static const struct wo_pam_core *load(struct wo_error *err)
{
	char path[PATH_MAX], *slash;
	const struct wo_pam_core *core;
	Dl_info info;
	void *h;

	if (dladdr((void *)wo_pam_core_load, &info) == 0 || info.dli_fname == NULL ||
	    info.dli_fname[0] != '/') {
		wo_error_set(err, WO_ERR_CONFIG, "cannot tell where pam_workos.so was loaded from");
		return NULL;
	}
	if (snprintf(path, sizeof(path), "%s", info.dli_fname) >= (int)sizeof(path) ||
	    (slash = strrchr(path, '/')) == NULL ||
	    (size_t)(slash + 1 - path) + sizeof(CORE_PATH) > sizeof(path)) {
		wo_error_set(err, WO_ERR_CONFIG, "the path of pam_workos.so is too long");
		return NULL;
	}
	strcpy(slash + 1, "pam_workos");
	if (trusted(path, true, err) != 0)
		return NULL;
	strcpy(slash + 1, CORE_PATH);
	if (trusted(path, false, err) != 0)
		return NULL;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		wo_error_set(err, WO_ERR_CONFIG, "cannot load %s: %s", path, dlerror());
		return NULL;
	}
	core = dlsym(h, WO_PAM_CORE_SYMBOL);
	if (core == NULL || core->version != WO_PAM_CORE_VERSION ||
	    core->session_size != sizeof(struct wo_pam_session)) {
		/* Not ours to use; unloading it is not worth the risk either. */
		wo_error_set(err, WO_ERR_CONFIG, "%s is not the core of this pam_workos.so", path);
		return NULL;
	}
	return core;
}

const struct wo_pam_core *wo_pam_core_load(struct wo_error *err)
{
	const struct wo_pam_core *core;

	pthread_mutex_lock(&lock);
	if (loaded == NULL)
		loaded = load(err);
	core = loaded;
	pthread_mutex_unlock(&lock);
	return core;
}
