/* SPDX-License-Identifier: MIT */
/*
 * What the audit trail adds to a login (issue #15): the time of
 * wo_audit_record, as pam_workos calls it once per decision, with audit =
 * off (the baseline), syslog (the event built, the line handed to a no-op
 * logger) and workos (built, then spooled: count, write, fsync, rename,
 * directory fsync), the last on an empty spool and on one already holding
 * 5,000 events.  Prints the median and 99th percentile in microseconds.
 *
 *   audit-spool-bench [DIR [N]]   (root; DIR default /var/tmp, N 1000)
 *
 * DIR should be on the file system that holds /var/spool: fsync costs what
 * the disk costs.  Not part of make check.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_spool.h"

static void quiet(void *ctx, int priority, const char *fmt, ...)
{
	(void)ctx;
	(void)priority;
	(void)fmt;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void run(const char *label, const struct wo_audit_settings *set, const char *dir, int n)
{
	struct wo_audit_decision d = {
	    .kind = WO_AUDIT_AUTH_SUCCEEDED,
	    .account = "ada",
	    .workos_user = "user_01HQWM4YK0ZQQ463A0QNBXXTP1",
	    .service = "sshd",
	    .tty = "ssh",
	    .rhost = "192.0.2.7",
	    .mode = "device",
	    .reason = "device+api",
	};
	double *t = calloc((size_t)n, sizeof(*t));

	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		wo_audit_record(set, dir, &d, quiet, NULL);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%-36s %10.1f %10.1f\n", label, t[n / 2], t[(n * 99) / 100]);
	free(t);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/var/tmp";
	int n = argc > 2 ? atoi(argv[2]) : 1000;
	struct wo_audit_settings set = {.max_events = 1000000};
	char tmpl[4096], dir[4200], cmd[4300];
	struct wo_error err = WO_ERROR_INIT;

	if (n < 100 || geteuid() != 0) {
		fprintf(stderr, "usage: audit-spool-bench [DIR [N >= 100]] (as root)\n");
		return 2;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/audit-bench.XXXXXX", base);
	if (mkdtemp(tmpl) == NULL) {
		perror(tmpl);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/spool", tmpl);
	snprintf(set.organization_id, sizeof(set.organization_id), "org_01BENCH");
	for (int k = 0; k < 3; k++)
		snprintf(set.action[k], sizeof(set.action[k]), "pam.auth.succeeded");

	printf("%d decisions each, in %s; microseconds a login spends recording one\n", n, base);
	printf("%-36s %10s %10s\n", "audit =", "median", "p99");
	set.mode = WO_AUDIT_OFF;
	run("off (baseline)", &set, dir, n);
	set.mode = WO_AUDIT_SYSLOG;
	run("syslog (event built, no-op logger)", &set, dir, n);
	set.mode = WO_AUDIT_WORKOS;
	set.spool = true;
	run("workos, spool empty at start", &set, dir, n);
	while (1) {
		struct wo_audit_spool_stats st;

		if (wo_audit_spool_stats(dir, &st, &err) != 0 || st.pending >= 5000)
			break;
		wo_audit_spool_append(dir, "{}", 2, 1000000, NULL, NULL, &err);
	}
	run("workos, 5000 events already spooled", &set, dir, n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	return system(cmd) == 0 ? 0 : 1;
}
