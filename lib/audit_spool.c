/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_spool.h"

#define PREFIX	      "ev-"
#define SUFFIX	      ".json"
#define TMP_PREFIX    ".tmp-"
#define DROPPED_FILE  "dropped"
#define REJECTED_DIR  "rejected"
#define TIME_DIGITS   20
#define RAND_HEX      32
#define LOCK_TRIES    5
#define LOCK_WAIT_NS  2000000L /* 2 ms: five tries bound a login's wait at 10 ms */
#define STALE_TMP_AGE 3600

static void pause_briefly(void)
{
	struct timespec ts = {0, LOCK_WAIT_NS};

	nanosleep(&ts, NULL);
}

/* flock with LOCK_NB and a bounded retry: never an unbounded wait. */
static int lock_bounded(int fd, int how)
{
	for (int i = 0; i < LOCK_TRIES; i++) {
		if (flock(fd, how | LOCK_NB) == 0)
			return 1;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (i + 1 < LOCK_TRIES)
			pause_briefly();
	}
	return 0;
}

static int sys_fail(struct wo_error *err, const char *what, const char *path)
{
	int e = errno;

	return wo_error_set(err, WO_ERR_SYSTEM, "%s %s: %s", what, path, strerror(e));
}

/* mkdir -p for the parents (0755), the spool itself 0700. */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path) || dir[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int wo_audit_spool_open(const char *dir, bool create, struct wo_error *err)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 && errno == ENOENT && create) {
		if (make_dirs(dir) != 0)
			return sys_fail(err, "cannot create the audit spool", dir);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return sys_fail(err, "cannot open the audit spool", dir);
	if (fstat(fd, &st) != 0) {
		sys_fail(err, "cannot stat the audit spool", dir);
		close(fd);
		return -1;
	}
	/* Events name people and hosts, and a file slipped in by somebody
	 * else would be sent to WorkOS in our name. */
	if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
		close(fd);
		return wo_error_set(err, WO_ERR_CONFIG,
				    "refusing the audit spool %s: it must be owned by root and "
				    "not writable by others (mode 0700)",
				    dir);
	}
	return fd;
}

bool wo_audit_spool_name_ok(const char *name)
{
	const char *p = name;

	if (strncmp(p, PREFIX, strlen(PREFIX)) != 0)
		return false;
	p += strlen(PREFIX);
	for (int i = 0; i < TIME_DIGITS; i++, p++)
		if (*p < '0' || *p > '9')
			return false;
	if (*p++ != '-')
		return false;
	for (int i = 0; i < RAND_HEX; i++, p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return strcmp(p, SUFFIX) == 0;
}

void wo_audit_spool_key(const char *name, char key[WO_AUDIT_KEY_LEN])
{
	/* The random part alone: unique, and the same on every retry. */
	snprintf(key, WO_AUDIT_KEY_LEN, "pam-workos-%.32s",
		 name + strlen(PREFIX) + TIME_DIGITS + 1);
}

/* Counts the events in dirfd, stopping at `stop`. */
static unsigned long count_events(int dirfd, unsigned long stop)
{
	int fd = dup(dirfd);
	DIR *d;
	struct dirent *de;
	unsigned long n = 0;

	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return 0;
	}
	rewinddir(d);
	while (n < stop && (de = readdir(d)) != NULL)
		if (wo_audit_spool_name_ok(de->d_name))
			n++;
	closedir(d);
	return n;
}

static int random_hex(char out[RAND_HEX + 1])
{
	unsigned char raw[RAND_HEX / 2];
	ssize_t n = getrandom(raw, sizeof(raw), GRND_NONBLOCK);

	/* Early in boot the pool may not be ready: /dev/urandom never
	 * blocks, and uniqueness is all a name needs. */
	if (n != (ssize_t)sizeof(raw)) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;
		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)sizeof(raw))
			return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Adds one to the drop counter; 0 when it could not be had in time. */
static unsigned long long bump_dropped(int dirfd)
{
	char buf[32];
	unsigned long long n = 0;
	ssize_t got;
	int fd = openat(dirfd, DROPPED_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int len;

	if (fd < 0)
		return 0;
	if (lock_bounded(fd, LOCK_EX) != 1) {
		close(fd);
		return 0;
	}
	got = pread(fd, buf, sizeof(buf) - 1, 0);
	if (got > 0) {
		buf[got] = '\0';
		n = strtoull(buf, NULL, 10);
	}
	n++;
	len = snprintf(buf, sizeof(buf), "%llu\n", n);
	/* The number only grows, so the new text covers the old. */
	if (pwrite(fd, buf, (size_t)len, 0) != len || fsync(fd) != 0)
		n = 0;
	close(fd); /* releases the lock */
	return n;
}

int wo_audit_spool_append(const char *dir, const char *json, size_t len, unsigned max_events,
			  char name_out[WO_AUDIT_NAME_LEN], unsigned long long *dropped,
			  struct wo_error *err)
{
	char hex[RAND_HEX + 1], name[WO_AUDIT_NAME_LEN], tmp[sizeof(TMP_PREFIX) + RAND_HEX];
	struct timespec now;
	int dirfd, fd = -1, rc = -1;

	if (len == 0 || len > WO_AUDIT_EVENT_MAX)
		return wo_error_set(err, WO_ERR_SYSTEM, "audit event of %zu bytes refused", len);
	dirfd = wo_audit_spool_open(dir, true, err);
	if (dirfd < 0)
		return -1;
	if (count_events(dirfd, max_events) >= max_events) {
		unsigned long long n = bump_dropped(dirfd);

		if (dropped != NULL)
			*dropped = n;
		close(dirfd);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (random_hex(hex) != 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "no random bytes for an audit event name");
		goto out;
	}
	snprintf(name, sizeof(name), PREFIX "%020llu-%s" SUFFIX,
		 (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec,
		 hex);
	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%s", hex);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		sys_fail(err, "cannot create an audit event in", dir);
		goto out;
	}
	if (write_all(fd, json, len) != 0 || fsync(fd) != 0) {
		sys_fail(err, "cannot write an audit event in", dir);
		unlinkat(dirfd, tmp, 0);
		goto out;
	}
	close(fd);
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		sys_fail(err, "cannot store an audit event in", dir);
		unlinkat(dirfd, tmp, 0);
		goto out;
	}
	/* The rename is durable only once the directory is. */
	if (fsync(dirfd) != 0) {
		sys_fail(err, "cannot sync the audit spool", dir);
		goto out;
	}
	if (name_out != NULL)
		snprintf(name_out, WO_AUDIT_NAME_LEN, "%s", name);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void wo_audit_spool_names_free(char **names, size_t n)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int wo_audit_spool_list(int dirfd, char ***names, size_t *n, struct wo_error *err)
{
	char **v = NULL;
	size_t cap = 0, len = 0;
	struct dirent *de;
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	*names = NULL;
	*n = 0;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return sys_fail(err, "cannot list", "the audit spool");
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!wo_audit_spool_name_ok(de->d_name))
			continue;
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **grown = realloc(v, ncap * sizeof(*v));

			if (grown == NULL)
				goto oom;
			v = grown;
			cap = ncap;
		}
		v[len] = strdup(de->d_name);
		if (v[len] == NULL)
			goto oom;
		len++;
	}
	closedir(d);
	if (len > 0)
		qsort(v, len, sizeof(*v), cmp_names);
	*names = v;
	*n = len;
	return 0;
oom:
	closedir(d);
	wo_audit_spool_names_free(v, len);
	return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
}

int wo_audit_spool_read(int dirfd, const char *name, char **buf, size_t *len, struct wo_error *err)
{
	char *b = malloc(WO_AUDIT_EVENT_MAX + 2);
	size_t got = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	if (b == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		free(b);
		return sys_fail(err, "cannot open audit event", name);
	}
	while (got < WO_AUDIT_EVENT_MAX + 1) {
		ssize_t r = read(fd, b + got, WO_AUDIT_EVENT_MAX + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sys_fail(err, "cannot read audit event", name);
			close(fd);
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got == 0 || got > WO_AUDIT_EVENT_MAX || memchr(b, '\0', got) != NULL) {
		free(b);
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "audit event %s is empty, too large or "
				    "not text",
				    name);
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}

int wo_audit_spool_remove(int dirfd, const char *name, struct wo_error *err)
{
	if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		return sys_fail(err, "cannot remove audit event", name);
	if (fsync(dirfd) != 0)
		return sys_fail(err, "cannot sync the audit spool after removing", name);
	return 0;
}

int wo_audit_spool_reject(int dirfd, const char *name, const char *reason, struct wo_error *err)
{
	char why[WO_AUDIT_NAME_LEN + 16], text[1024];
	int rfd, fd, rc = -1;
	size_t n;

	if (mkdirat(dirfd, REJECTED_DIR, 0700) != 0 && errno != EEXIST)
		return sys_fail(err, "cannot create", REJECTED_DIR);
	rfd = openat(dirfd, REJECTED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return sys_fail(err, "cannot open", REJECTED_DIR);
	snprintf(why, sizeof(why), "%s.reason", name);
	n = wo_audit_clean(text, sizeof(text) - 1, reason, sizeof(text) - 2);
	text[n++] = '\n';
	fd = openat(rfd, why, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, text, n) != 0 || fsync(fd) != 0) {
		sys_fail(err, "cannot write", why);
		goto out;
	}
	/* The reason first: a crash in between leaves the event to be
	 * tried (and rejected) again, never a rejection without one. */
	if (renameat(dirfd, name, rfd, name) != 0) {
		sys_fail(err, "cannot move to rejected/", name);
		goto out;
	}
	if (fsync(rfd) != 0 || fsync(dirfd) != 0) {
		sys_fail(err, "cannot sync after rejecting", name);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(rfd);
	return rc;
}

int wo_audit_spool_lock(int dirfd, struct wo_error *err)
{
	int r = lock_bounded(dirfd, LOCK_EX);

	if (r < 0)
		return sys_fail(err, "cannot lock", "the audit spool");
	return r;
}

void wo_audit_spool_sweep(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime > STALE_TMP_AGE)
			unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}

int wo_audit_spool_stats(const char *dir, struct wo_audit_spool_stats *st, struct wo_error *err)
{
	char buf[32];
	int dirfd, fd;
	ssize_t got;

	memset(st, 0, sizeof(*st));
	if (access(dir, F_OK) != 0 && errno == ENOENT)
		return 0;
	dirfd = wo_audit_spool_open(dir, false, err);
	if (dirfd < 0)
		return -1;
	st->pending = count_events(dirfd, (unsigned long)-1);
	fd = openat(dirfd, REJECTED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		st->rejected = count_events(fd, (unsigned long)-1);
		close(fd);
	}
	fd = openat(dirfd, DROPPED_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (lock_bounded(fd, LOCK_SH) >= 0 &&
		    (got = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[got] = '\0';
			st->dropped = strtoull(buf, NULL, 10);
		}
		close(fd);
	}
	close(dirfd);
	return 0;
}
