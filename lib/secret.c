/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

void wo_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void wo_secret_free_n(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

void wo_secret_clear(char **s)
{
	wo_secret_free(*s);
	*s = NULL;
}

int wo_file_check_trusted(int fd, const char *what, int secret, struct wo_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "%s: %s", what, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return wo_error_set(err, WO_ERR_CONFIG, "%s is not a regular file", what);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return wo_error_set(err, WO_ERR_CONFIG,
				    "%s must be owned by root (owner is uid %u)", what,
				    (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return wo_error_set(err, WO_ERR_CONFIG,
				    "%s is writable by group or others (mode %04o); refusing it",
				    what, (unsigned)(st.st_mode & 07777));
	if (secret && (st.st_mode & (S_IRGRP | S_IROTH)))
		return wo_error_set(err, WO_ERR_CONFIG,
				    "%s is readable by group or others (mode %04o); "
				    "refusing it, run: chmod 600 on it",
				    what, (unsigned)(st.st_mode & 07777));
	return 0;
}

int wo_read_upto(int fd, char *buf, size_t cap, size_t *len, const char *what, struct wo_error *err)
{
	*len = 0;
	while (*len < cap) {
		ssize_t n = read(fd, buf + *len, cap - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wo_error_set(err, WO_ERR_SYSTEM, "reading %s: %s", what,
					    strerror(errno));
		if (n == 0)
			return 0;
		*len += (size_t)n;
	}
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int wo_secret_read_file(const char *path, size_t max_len, char **out, struct wo_error *err)
{
	char what[200];
	/* Room for the value, a newline and one byte to detect "too long". */
	size_t cap = max_len + 64;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1;
	int rc = -1;

	*out = NULL;
	snprintf(what, sizeof(what), "secret file %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		wo_error_set(err, errno == ENOENT ? WO_ERR_CONFIG : WO_ERR_SYSTEM,
			     "cannot open %s: %s", what, strerror(errno));
		goto out;
	}
	if (wo_file_check_trusted(fd, what, 1, err) != 0)
		goto out;
	buf = calloc(1, cap + 1);
	if (buf == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	switch (wo_read_upto(fd, buf, cap, &len, what, err)) {
	case -1:
		goto out;
	case 1:
		wo_error_set(err, WO_ERR_CONFIG, "%s is too long", what);
		goto out;
	}

	/* Trim blanks at both ends; anything left must be one printable token. */
	size_t start = 0, end = len;
	while (start < end && is_blank(buf[start]))
		start++;
	while (end > start && is_blank(buf[end - 1]))
		end--;
	if (start == end) {
		wo_error_set(err, WO_ERR_CONFIG, "%s is empty", what);
		goto out;
	}
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c <= 0x20 || c >= 0x7f) {
			wo_error_set(err, WO_ERR_CONFIG,
				     "%s must hold exactly one value on one line, "
				     "without spaces or control characters",
				     what);
			goto out;
		}
	}
	if (end - start > max_len) {
		wo_error_set(err, WO_ERR_CONFIG, "%s is too long", what);
		goto out;
	}
	memmove(buf, buf + start, end - start);
	explicit_bzero(buf + (end - start), cap + 1 - (end - start));
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	wo_secret_free_n(buf, cap + 1);
	if (fd >= 0)
		close(fd);
	return rc;
}
