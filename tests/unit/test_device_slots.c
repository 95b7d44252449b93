/* SPDX-License-Identifier: MIT */
/*
 * lib/device_slots: the bounds on pending device logins, in a scratch
 * runtime directory.  Processes contend for real (fork, flock), a holder
 * killed with SIGKILL frees its slot, and a slot stops counting when its
 * hold time is over.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "device_slots.h"
#include "tap.h"

static char top[] = "/tmp/test_device_slots.XXXXXX";
static char dir[256];

static struct wo_device_limits limits(unsigned per_address, unsigned per_host, unsigned hold)
{
	struct wo_device_limits lim = {
	    .per_address = per_address, .per_host = per_host, .hold = hold};

	return lim;
}

/* Takes a slot; NULL with *err on failure. */
static struct wo_device_slot *take(const char *user, const char *rhost,
				   const struct wo_device_limits *lim, struct wo_error *err)
{
	struct wo_device_slot *s = NULL;

	wo_error_clear(err);
	if (wo_device_slot_take(dir, user, rhost, lim, &s, err) != 0)
		return NULL;
	return s;
}

static int refused(const struct wo_error *err)
{
	return err->kind == WO_ERR_DENIED && strcmp(err->code, WO_DEVICE_SLOT_REFUSED) == 0;
}

/* Slot files in dir (the lock file is not one). */
static int slot_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "slot.", 5) == 0)
			n++;
	closedir(d);
	return n;
}

static void release_all(struct wo_device_slot **s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		wo_device_slot_release(s[i]);
		s[i] = NULL;
	}
}

static void test_account(void)
{
	struct wo_device_limits lim = limits(3, 64, 60);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *a, *b;
	struct stat st;

	a = take("ada", "192.0.2.1", &lim, &err);
	ok(a != NULL, "a first login as ada takes a slot (%s)", err.message);
	ok(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700,
	   "the missing runtime directory was created with mode 0700");
	is_int(slot_files(), 1, "one slot file");
	b = take("ada", "198.51.100.7", &lim, &err);
	ok(b == NULL && refused(&err), "a second login as ada, from elsewhere, is refused");
	like(err.message, "another login as ada is already waiting",
	     "  with a sentence naming ada");
	wo_device_slot_release(b);
	b = take("ada", NULL, &lim, &err);
	ok(b == NULL && refused(&err), "a local login as ada is refused too");
	b = take("grace", "192.0.2.1", &lim, &err);
	ok(b != NULL, "another account from the same address is not held up");
	wo_device_slot_release(b);
	wo_device_slot_release(a);
	is_int(slot_files(), 0, "release removes the slot file");
	a = take("ada", "198.51.100.7", &lim, &err);
	ok(a != NULL, "after the first login ended, a new one as ada works");
	wo_device_slot_release(a);
	wo_device_slot_release(NULL);
	ok(1, "releasing NULL is a no-op");
}

static void test_address(void)
{
	struct wo_device_limits lim = limits(3, 64, 60);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *s[8] = {0}, *x;
	char user[16];

	for (int i = 0; i < 3; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		s[i] = take(user, "203.0.113.9", &lim, &err);
		ok(s[i] != NULL, "login %d from 203.0.113.9 takes a slot", i + 1);
	}
	x = take("u3", "203.0.113.9", &lim, &err);
	ok(x == NULL && refused(&err), "a 4th pending login from one address is refused");
	like(err.message, "3 logins from 203.0.113.9 are already waiting",
	     "  with the count and address");
	x = take("u3", "::ffff:203.0.113.9", &lim, &err);
	ok(x == NULL && refused(&err), "the same address written v4-mapped counts the same");
	x = take("u3", "198.51.100.7", &lim, &err);
	ok(x != NULL, "another address still gets a slot");
	wo_device_slot_release(x);
	release_all(s, 3);

	for (int i = 0; i < 3; i++) {
		char addr[64];

		snprintf(user, sizeof(user), "v%d", i);
		snprintf(addr, sizeof(addr), "2001:db8:0:1::%d", i + 1);
		s[i] = take(user, addr, &lim, &err);
		ok(s[i] != NULL, "IPv6 login %d from 2001:db8:0:1::/64", i + 1);
	}
	x = take("v3", "2001:db8:0:1:ffff:1:2:3", &lim, &err);
	ok(x == NULL && refused(&err), "another address of the same /64 is refused");
	like(err.message, "from 2001:db8:0:1::/64", "  the /64 is named");
	x = take("v3", "2001:db8:0:2::1", &lim, &err);
	ok(x != NULL, "the next /64 gets a slot");
	wo_device_slot_release(x);
	release_all(s, 3);

	/* sshd with UseDNS yes: names, case-insensitive. */
	s[0] = take("n0", "Host.Example", &lim, &err);
	lim.per_address = 1;
	x = take("n1", "host.example", &lim, &err);
	ok(s[0] != NULL && x == NULL && refused(&err), "host names count case-insensitively");
	release_all(s, 1);

	/* A hostile remote name cannot write lines of its own into the slot
	 * file: here it would claim the record is root's and never expires. */
	lim.per_address = 1;
	s[0] = take("bob", "evil\nuser=root\nexpires=999999999999999", &lim, &err);
	ok(s[0] != NULL, "a remote name with newlines takes a slot");
	x = take("root", NULL, &lim, &err);
	ok(x != NULL, "  and did not make its record say root");
	wo_device_slot_release(x);
	x = take("carl", "evil\nuser=root\nexpires=999999999999999", &lim, &err);
	ok(x == NULL && refused(&err), "  the same name still counts as one address");
	release_all(s, 1);
}

static void test_local_and_host(void)
{
	struct wo_device_limits lim = limits(1, 5, 60);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *s[8] = {0}, *x;
	char user[16];

	for (int i = 0; i < 5; i++) {
		snprintf(user, sizeof(user), "l%d", i);
		s[i] = take(user, i % 2 ? "" : NULL, &lim, &err);
		ok(s[i] != NULL, "local login %d: the per-address bound does not apply", i + 1);
	}
	x = take("l5", NULL, &lim, &err);
	ok(x == NULL && refused(&err), "beyond the host bound, local logins are refused");
	like(err.message, "5 logins on this machine are already waiting", "  with the count");
	x = take("l5", "192.0.2.55", &lim, &err);
	ok(x == NULL && refused(&err), "and so are remote ones");
	wo_device_slot_release(s[0]);
	s[0] = NULL;
	x = take("l5", "192.0.2.55", &lim, &err);
	ok(x != NULL, "one ended: one more fits");
	wo_device_slot_release(x);
	release_all(s, 5);
	is_int(slot_files(), 0, "no slot file left");
}

/*
 * n children start at once (a pipe closed under them) and try to take a
 * slot as user_of(i); each reports 'y' (taken), 'n' (refused) or 'e', then
 * holds on until the parent lets them all go.
 */
static void contend(int n, int distinct, const struct wo_device_limits *lim, int *got, int *no,
		    int *bad)
{
	int start[2], report[2], hold[2];
	pid_t pids[64];
	char c;

	*got = *no = *bad = 0;
	if (pipe(start) != 0 || pipe(report) != 0 || pipe(hold) != 0) {
		*bad = n;
		return;
	}
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct wo_error err = WO_ERROR_INIT;
			struct wo_device_slot *s = NULL;
			char user[16];

			close(start[1]);
			close(report[0]);
			close(hold[1]);
			snprintf(user, sizeof(user), "c%d", distinct ? i : 0);
			(void)!read(start[0], &c, 1);
			if (wo_device_slot_take(dir, user, "192.0.2.77", lim, &s, &err) == 0)
				c = 'y';
			else
				c = refused(&err) ? 'n' : 'e';
			(void)!write(report[1], &c, 1);
			(void)!read(hold[0], &c, 1);
			wo_device_slot_release(s);
			_exit(0);
		}
	}
	close(start[0]);
	close(report[1]);
	close(hold[0]);
	close(start[1]); /* go */
	for (int i = 0; i < n && read(report[0], &c, 1) == 1; i++)
		*got += c == 'y', *no += c == 'n', *bad += c == 'e';
	close(hold[1]); /* let go */
	close(report[0]);
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

static void test_contention(void)
{
	struct wo_device_limits lim = limits(64, 64, 60);
	int got, no, bad;

	contend(16, 0, &lim, &got, &no, &bad);
	is_int(got, 1, "16 processes at once for one account: exactly one slot");
	is_int(no, 15, "  the other 15 are refused");
	is_int(bad, 0, "  and none failed otherwise");
	is_int(slot_files(), 0, "  every holder removed its file");

	lim = limits(64, 5, 60);
	contend(20, 1, &lim, &got, &no, &bad);
	is_int(got, 5, "20 processes at once for 20 accounts, host bound 5: exactly 5 slots");
	is_int(no, 15, "  the other 15 are refused");
	is_int(bad, 0, "  and none failed otherwise");

	lim = limits(3, 64, 60);
	contend(20, 1, &lim, &got, &no, &bad);
	is_int(got, 3, "20 processes at once from one address, bound 3: exactly 3 slots");
	is_int(no + bad, 17, "  the other 17 are refused");
}

static void test_killed_holder(void)
{
	struct wo_device_limits lim = limits(3, 64, 600);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *x;
	int ready[2];
	pid_t pid;
	char c = 'e';

	if (pipe(ready) != 0) {
		ok(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct wo_device_slot *s = NULL;

		close(ready[0]);
		c = wo_device_slot_take(dir, "kim", "192.0.2.9", &lim, &s, &err) == 0 ? 'y' : 'e';
		(void)!write(ready[1], &c, 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	(void)!read(ready[0], &c, 1);
	close(ready[0]);
	is_int(c, 'y', "a child process takes a slot for kim");
	x = take("kim", "192.0.2.10", &lim, &err);
	ok(x == NULL && refused(&err), "while it lives, kim's slot is taken");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	x = take("kim", "192.0.2.10", &lim, &err);
	ok(x != NULL, "once it was killed (SIGKILL), a new login as kim gets a slot (%s)",
	   err.message);
	is_int(slot_files(), 1, "the dead holder's file was removed by that scan");
	wo_device_slot_release(x);
}

static void test_expiry(void)
{
	struct wo_device_limits lim = limits(3, 64, 1);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *a, *b;
	struct timespec pause_ = {.tv_sec = 1, .tv_nsec = 200000000};

	a = take("eve", NULL, &lim, &err);
	b = take("eve", NULL, &lim, &err);
	ok(a != NULL && b == NULL, "eve's slot, held for 1 s, refuses a second login at once");
	nanosleep(&pause_, NULL);
	b = take("eve", NULL, &lim, &err);
	ok(b != NULL, "after its hold time, a live but hung holder no longer counts");
	is_int(slot_files(), 1, "the expired file was removed");
	wo_device_slot_release(a);
	is_int(slot_files(), 1, "the expired holder's release leaves the new slot alone");
	a = take("eve", NULL, &lim, &err);
	ok(a == NULL && refused(&err), "  which still counts");
	wo_device_slot_release(b);
}

static void test_odd_files(void)
{
	struct wo_device_limits lim = limits(3, 1, 60);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *x;
	char path[512];
	int fd;

	/* A held file whose record cannot be read counts for the machine. */
	snprintf(path, sizeof(path), "%s/slot.garbage", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ok(fd >= 0 && write(fd, "nonsense", 8) == 8 && flock(fd, LOCK_EX) == 0,
	   "a held slot file with no valid record");
	x = take("gus", NULL, &lim, &err);
	ok(x == NULL && refused(&err), "  counts against the host bound (fail closed)");
	close(fd);
	x = take("gus", NULL, &lim, &err);
	ok(x != NULL, "once nobody holds it, it is removed and does not count");
	ok(access(path, F_OK) != 0, "  (the file is gone)");
	wo_device_slot_release(x);
}

static void test_lock_busy(void)
{
	struct wo_device_limits lim = limits(3, 64, 60);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *x;
	struct timespec t0, t1;
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ok(fd >= 0 && flock(fd, LOCK_EX) == 0, "somebody holds the directory lock");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	x = take("hal", NULL, &lim, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(x == NULL && err.kind == WO_ERR_SYSTEM, "taking a slot then fails (no slot, no login)");
	like(err.message, "still busy", "  saying the lock is busy");
	ok(t1.tv_sec - t0.tv_sec < 10, "  within its bound (%ld s)", (long)(t1.tv_sec - t0.tv_sec));
	close(fd);
	x = take("hal", NULL, &lim, &err);
	ok(x != NULL, "with the lock free again, it works");
	wo_device_slot_release(x);
}

static void expect_refused_dir(const char *what, const char *needle)
{
	struct wo_device_limits lim = limits(3, 64, 60);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *x = take("ada", NULL, &lim, &err);

	ok(x == NULL && err.kind == WO_ERR_CONFIG, "%s: refused as a configuration error", what);
	like(err.message, needle, "  %s", err.message);
	wo_device_slot_release(x);
}

static void test_untrusted_dir(void)
{
	char real[300], lock[300];
	int fd;

	chmod(dir, 0777);
	expect_refused_dir("a runtime directory writable by others", "writable by group or others");
	chmod(dir, 0770);
	expect_refused_dir("a runtime directory writable by its group",
			   "writable by group or others");
	chmod(dir, 0700);
	if (geteuid() == 0) {
		(void)!chown(dir, 65534, 65534);
		expect_refused_dir("a runtime directory owned by another user",
				   "must be owned by root");
		(void)!chown(dir, 0, 0);
	}
	snprintf(real, sizeof(real), "%s/real", top);
	mkdir(real, 0700);
	snprintf(lock, sizeof(lock), "%s/lock", dir);
	unlink(lock);
	ok(rmdir(dir) == 0 && symlink(real, dir) == 0,
	   "the runtime directory replaced by a symlink");
	expect_refused_dir("a runtime directory that is a symbolic link", "symbolic link");
	unlink(dir);
	fd = open(dir, O_WRONLY | O_CREAT, 0600);
	close(fd);
	expect_refused_dir("a runtime path that is a file", "cannot open the runtime directory");
	unlink(dir);
	snprintf(dir, sizeof(dir), "%s/missing/run", top);
	expect_refused_dir("a runtime directory whose parent is missing", "cannot create");
	snprintf(dir, sizeof(dir), "%s/run", top);
}

static void test_arguments(void)
{
	struct wo_device_limits lim = limits(3, 64, 60), zero = limits(0, 64, 60);
	struct wo_error err = WO_ERROR_INIT;
	struct wo_device_slot *x;

	x = take("../etc", NULL, &lim, &err);
	ok(x == NULL && err.kind != WO_ERR_NONE, "a user name that is no account name is refused");
	x = take("ada", NULL, &zero, &err);
	ok(x == NULL && err.kind == WO_ERR_CONFIG, "a zero limit is a configuration error");
	is_int(slot_files(), 0, "neither left a slot file");
}

int main(void)
{
	if (mkdtemp(top) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/run", top);
	test_account();
	test_address();
	test_local_and_host();
	test_contention();
	test_killed_holder();
	test_expiry();
	test_odd_files();
	test_lock_busy();
	test_arguments();
	test_untrusted_dir();

	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		(void)!system(cmd);
	}
	return done_testing();
}
