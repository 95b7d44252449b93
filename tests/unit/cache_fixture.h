/* SPDX-License-Identifier: MIT */
/* The small cache the unit tests share: three users, three groups. */
#ifndef WO_CACHE_FIXTURE_H
#define WO_CACHE_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"

static const char *const fx_admins[] = {"alice", "bob"};
static const char *const fx_dev[] = {"alice", "carol", "bob"};

static const struct wo_cache_user fx_users[] = {
    {"alice", 200001, 200001, "Alice Liddell", "/home/alice", "/bin/bash", "user_01ALICE"},
    {"bob", 200002, 100000, "", "/home/bob", "/bin/sh", "user_01BOB"},
    {"carol", 200003, 100000, "Carol, Room 4", "/srv/carol", "/bin/bash", "user_01CAROL"},
};

static const struct wo_cache_group fx_groups[] = {
    {"workos-users", 100000, NULL, 0},
    {"workos-admin", 100001, fx_admins, 2},
    {"workos-dev", 100002, fx_dev, 3},
};

#define FX_NU (sizeof(fx_users) / sizeof(fx_users[0]))
#define FX_NG (sizeof(fx_groups) / sizeof(fx_groups[0]))

static inline int fx_write(const char *path)
{
	struct wo_error err = WO_ERROR_INIT;
	int r = wo_cache_write(path, fx_users, FX_NU, fx_groups, FX_NG, &err);

	if (r < 0)
		printf("# wo_cache_write: %s\n", err.message);
	return r;
}

/* Reads a whole file; *len set.  Aborts on error: fixtures must exist. */
static inline unsigned char *fx_slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		abort();
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL || read(fd, buf, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Writes bytes as a root-owned 0644 file, replacing it (new inode). */
static inline void fx_spit(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (len > 0 && write(fd, buf, len) != (ssize_t)len) || fchmod(fd, 0644) < 0)
		abort();
	close(fd);
	if (rename(tmp, path) < 0)
		abort();
}

/* A fresh private directory for the test's files. */
static inline char *fx_tmpdir(void)
{
	char tmpl[] = "/tmp/wo-cache-test.XXXXXX";
	char *d = mkdtemp(tmpl);

	if (d == NULL)
		abort();
	return strdup(d);
}

#endif
