/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

#define TEMP_SUFFIX ".tmp."
#define TEMP_RANDOM 6 /* the XXXXXX of mkostemp */

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Splits path into a heap copy of its directory and a pointer to its base
 * name (inside path). */
static char *split_path(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*base = path;
		return strdup(".");
	}
	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int wo_atomic_replace(const char *path, const void *buf, size_t len, mode_t mode,
		      struct wo_error *err)
{
	const char *base;
	char *tmp = NULL, *dir = split_path(path, &base);
	int fd = -1, dfd = -1, ret = -1;

	if (dir == NULL || asprintf(&tmp, "%s" TEMP_SUFFIX "XXXXXX", path) < 0) {
		tmp = NULL;
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		wo_error_set(err, WO_ERR_SYSTEM, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot rename %s to %s: %s", tmp, path,
			     strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* The rename is durable only once the directory is on disk. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot sync directory %s: %s", dir,
			     strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return ret;
}

int wo_atomic_remove_stale(const char *path)
{
	const char *base;
	char *dir = split_path(path, &base);
	size_t blen = strlen(base), slen = strlen(TEMP_SUFFIX);
	struct dirent *e;
	DIR *d;
	int removed = 0;

	if (dir == NULL || (d = opendir(dir)) == NULL) {
		free(dir);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		const char *name = e->d_name;

		if (strlen(name) != blen + slen + TEMP_RANDOM || strncmp(name, base, blen) != 0 ||
		    strncmp(name + blen, TEMP_SUFFIX, slen) != 0)
			continue;
		if (unlinkat(dirfd(d), name, 0) == 0)
			removed++;
	}
	closedir(d);
	free(dir);
	return removed;
}
