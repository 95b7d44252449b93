/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "device_slots.h"
#include "names.h"

#define LOCK_NAME   "lock"
#define SLOT_PREFIX "slot."
/* The directory lock is held for one scan of at most a few dozen small
 * files: two seconds busy means something is wrong, and we fail closed. */
#define LOCK_WAIT_MS 2000
#define LOCK_STEP_MS 5
/* Entries one scan looks at.  Live slots are at most per_host plus the
 * hung ones, and each scan removes the dead: more is not ours to count. */
#define SCAN_MAX   4096
#define KEY_MAX	   272 /* "host:" + a 253-byte DNS name, or an address */
#define RECORD_MAX 512

struct wo_device_slot {
	int dirfd;
	int fd;
	char name[64];
};

struct counts {
	unsigned user, address, host;
};

static long long boottime_ms(void)
{
	struct timespec ts;

	/* Boot time: the same clock in every process, never set back, and
	 * the runtime directory does not outlive a reboot. */
	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/*
 * What a remote address counts under.  IPv4 as itself (also when written
 * v4-mapped); IPv6 by its /64, the least one site gets, so an attacker does
 * not get 2^64 budgets; a host name (sshd with UseDNS yes) lowercased, or
 * hashed when it holds anything but [a-z0-9.-]: it is only a key, and it
 * goes into a line of the slot file.
 */
static void address_key(const char *rhost, char *key, size_t cap)
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	unsigned char a6[16];
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN];
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	size_t n;
	bool plain = true;

	if (rhost == NULL || rhost[0] == '\0') {
		snprintf(key, cap, "local");
		return;
	}
	if (inet_pton(AF_INET, rhost, &a4) == 1 && inet_ntop(AF_INET, &a4, buf, sizeof(buf))) {
		snprintf(key, cap, "%s", buf);
		return;
	}
	if (inet_pton(AF_INET6, rhost, a6) == 1) {
		if (memcmp(a6, v4mapped, sizeof(v4mapped)) == 0 &&
		    inet_ntop(AF_INET, a6 + 12, buf, sizeof(buf))) {
			snprintf(key, cap, "%s", buf);
			return;
		}
		memset(a6 + 8, 0, 8);
		if (inet_ntop(AF_INET6, a6, buf, sizeof(buf))) {
			snprintf(key, cap, "%s/64", buf);
			return;
		}
	}
	n = strlen(rhost);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)rhost[i];

		h = (h ^ c) * 1099511628211ULL;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			plain = false;
	}
	if (!plain || n > 253) {
		snprintf(key, cap, "hash:%016llx", (unsigned long long)h);
		return;
	}
	snprintf(key, cap, "host:%s", rhost);
	for (char *p = key + 5; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/* Opens the runtime directory, creating it when missing, and checks that
 * only root (or the effective user) can change what is in it. */
static int open_rundir(const char *dir, struct wo_error *err)
{
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return wo_error_set(err, WO_ERR_CONFIG,
					    "cannot create the runtime directory %s: %s", dir,
					    strerror(errno));
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		/* O_NOFOLLOW with O_DIRECTORY says ENOTDIR for a symlink. */
		int e = errno;

		if ((e == ELOOP || e == ENOTDIR) && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
			return wo_error_set(err, WO_ERR_CONFIG,
					    "runtime directory %s is a symbolic link; refusing it",
					    dir);
		return wo_error_set(err, WO_ERR_CONFIG, "cannot open the runtime directory %s: %s",
				    dir, strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "runtime directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		wo_error_set(err, WO_ERR_CONFIG,
			     "runtime directory %s must be owned by root (owner is uid %u); "
			     "refusing it",
			     dir, (unsigned)st.st_uid);
		goto fail;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		wo_error_set(err, WO_ERR_CONFIG,
			     "runtime directory %s is writable by group or others (mode %04o); "
			     "refusing it, run: chmod 700 on it",
			     dir, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Takes the directory's lock, waiting at most LOCK_WAIT_MS.  Returns the
 * lock's fd (closing it unlocks) or -1. */
static int lock_rundir(int dirfd, const char *dir, struct wo_error *err)
{
	int fd;
	long waited = 0;

	fd = openat(dirfd, LOCK_NAME,
		    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot open %s/%s: %s", dir, LOCK_NAME,
				    strerror(errno));
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS)
			break;
		sleep_ms(LOCK_STEP_MS);
		waited += LOCK_STEP_MS;
	}
	wo_error_set(err, WO_ERR_SYSTEM, "cannot lock %s/%s: %s", dir, LOCK_NAME,
		     errno == EWOULDBLOCK ? "still busy after 2 s" : strerror(errno));
	close(fd);
	return -1;
}

/* Parses "user=...\naddress=...\nexpires=MS\n".  Returns 0 or -1. */
static int parse_record(char *text, const char **user, const char **address, long long *expires)
{
	char *save = NULL, *end;
	bool have_expires = false;

	*user = *address = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "user=", 5) == 0) {
			*user = line + 5;
		} else if (strncmp(line, "address=", 8) == 0) {
			*address = line + 8;
		} else if (strncmp(line, "expires=", 8) == 0) {
			errno = 0;
			*expires = strtoll(line + 8, &end, 10);
			have_expires = errno == 0 && end != line + 8 && *end == '\0';
		}
	}
	return *user != NULL && *address != NULL && have_expires ? 0 : -1;
}

/* Reads one slot file: -1 when it is gone, 0 when counted, 1 when removed
 * (dead holder, or expired). */
static int look_at(int dirfd, const char *name, const char *user, const char *key, long long now,
		   struct counts *c)
{
	char text[RECORD_MAX + 1];
	const char *r_user, *r_address;
	long long expires = 0;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		/* Released since readdir, or something that is no slot. */
		if (errno != ENOENT)
			(void)unlinkat(dirfd, name, 0);
		return -1;
	}
	/* A lock we can share is a lock nobody holds: its holder is gone. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		(void)unlinkat(dirfd, name, 0);
		close(fd);
		return 1;
	}
	while (len < RECORD_MAX && (n = read(fd, text + len, RECORD_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	c->host++;
	/* A live holder whose record cannot be read still counts for the
	 * machine: fail closed. */
	if (parse_record(text, &r_user, &r_address, &expires) != 0)
		return 0;
	if (expires <= now) {
		/* Its code has expired at WorkOS too; the holder keeps its
		 * open file and removes nothing else when it ends. */
		c->host--;
		(void)unlinkat(dirfd, name, 0);
		return 1;
	}
	if (strcmp(r_user, user) == 0)
		c->user++;
	if (strcmp(r_address, key) == 0)
		c->address++;
	return 0;
}

static int scan(int dirfd, const char *dir, const char *user, const char *key, long long now,
		struct counts *c, struct wo_error *err)
{
	struct dirent *de;
	unsigned seen = 0;
	int dup_fd;
	DIR *d;

	memset(c, 0, sizeof(*c));
	dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot read %s: %s", dir, strerror(errno));
		if (dup_fd >= 0)
			close(dup_fd);
		return -1;
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, SLOT_PREFIX, strlen(SLOT_PREFIX)) != 0)
			continue;
		if (++seen > SCAN_MAX) {
			closedir(d);
			return wo_error_set(err, WO_ERR_SYSTEM, "%s holds more than %d slot files",
					    dir, SCAN_MAX);
		}
		(void)look_at(dirfd, de->d_name, user, key, now, c);
	}
	if (errno != 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot read %s: %s", dir, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

static int refuse(struct wo_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct wo_error *err, const char *fmt, ...)
{
	va_list ap;
	char msg[WO_ERROR_MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wo_error_set(err, WO_ERR_DENIED, "%s", msg);
	if (err != NULL)
		snprintf(err->code, sizeof(err->code), "%s", WO_DEVICE_SLOT_REFUSED);
	return -1;
}

/* Creates and locks this login's slot file; the directory lock is held. */
static int create_slot(struct wo_device_slot *s, const char *dir, const char *user, const char *key,
		       long long expires, struct wo_error *err)
{
	char record[RECORD_MAX];
	int len;

	for (int tries = 0;; tries++) {
		struct timespec ts;

		clock_gettime(CLOCK_BOOTTIME, &ts);
		/* Unique without randomness: pid and nanoseconds, under the
		 * directory lock; O_EXCL catches the impossible. */
		snprintf(s->name, sizeof(s->name), SLOT_PREFIX "%ld.%lld.%09ld", (long)getpid(),
			 (long long)ts.tv_sec, ts.tv_nsec);
		s->fd = openat(s->dirfd, s->name,
			       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (s->fd >= 0 || errno != EEXIST || tries >= 3)
			break;
	}
	if (s->fd < 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot create a slot in %s: %s", dir,
				    strerror(errno));
	len = snprintf(record, sizeof(record), "user=%s\naddress=%s\nexpires=%lld\n", user, key,
		       expires);
	if (flock(s->fd, LOCK_EX | LOCK_NB) != 0 || len < 0 || (size_t)len >= sizeof(record) ||
	    write(s->fd, record, (size_t)len) != len) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot write a slot in %s: %s", dir,
			     strerror(errno));
		(void)unlinkat(s->dirfd, s->name, 0);
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

int wo_device_slot_take(const char *dir, const char *user, const char *rhost,
			const struct wo_device_limits *lim, struct wo_device_slot **out,
			struct wo_error *err)
{
	char key[KEY_MAX];
	struct wo_device_slot *s = NULL;
	struct counts c;
	long long now;
	bool local;
	int lockfd = -1;
	int rc = -1;

	*out = NULL;
	if (user == NULL || !wo_name_is_valid(user))
		return wo_error_set(err, WO_ERR_SYSTEM, "device slot: not a valid account name");
	if (lim->per_address == 0 || lim->per_host == 0 || lim->hold == 0)
		return wo_error_set(err, WO_ERR_CONFIG, "device slot: limits must be at least 1");
	address_key(rhost, key, sizeof(key));
	local = strcmp(key, "local") == 0;
	now = boottime_ms();
	if (now < 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot read the clock: %s",
				    strerror(errno));

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	s->fd = -1;
	s->dirfd = open_rundir(dir, err);
	if (s->dirfd < 0)
		goto out;
	lockfd = lock_rundir(s->dirfd, dir, err);
	if (lockfd < 0)
		goto out;
	if (scan(s->dirfd, dir, user, key, now, &c, err) != 0)
		goto out;
	if (c.user >= 1) {
		refuse(err,
		       "another login as %s is already waiting for its WorkOS code to be "
		       "approved; try again when it has ended",
		       user);
		goto out;
	}
	if (!local && c.address >= lim->per_address) {
		refuse(err,
		       "%u logins from %s are already waiting for WorkOS codes to be "
		       "approved; try again when one has ended",
		       c.address, key);
		goto out;
	}
	if (c.host >= lim->per_host) {
		refuse(err,
		       "%u logins on this machine are already waiting for WorkOS codes to "
		       "be approved; try again in a few minutes",
		       c.host);
		goto out;
	}
	if (create_slot(s, dir, user, key, now + (long long)lim->hold * 1000, err) != 0)
		goto out;
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (lockfd >= 0)
		close(lockfd);
	if (s != NULL) {
		if (s->dirfd >= 0)
			close(s->dirfd);
		free(s);
	}
	return rc;
}

int wo_device_slot_take_config(const struct wo_config *cfg, const char *user, const char *rhost,
			       struct wo_device_slot **out, struct wo_error *err)
{
	struct wo_device_limits lim = {
	    .per_address = cfg->device_max_per_address,
	    .per_host = cfg->device_max_per_host,
	    .hold = cfg->device_timeout + cfg->http_timeout + WO_DEVICE_HOLD_MARGIN,
	};

	return wo_device_slot_take(WO_RUNDIR, user, rhost, &lim, out, err);
}

void wo_device_slot_release(struct wo_device_slot *s)
{
	if (s == NULL)
		return;
	/* Unlinked first: a scan never finds the file unlocked while it
	 * still holds this login's record. */
	(void)unlinkat(s->dirfd, s->name, 0);
	close(s->fd);
	close(s->dirfd);
	free(s);
}
