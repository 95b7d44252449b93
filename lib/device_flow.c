/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "device_flow.h"

/* RFC 8628 section 3.5: each slow_down adds 5 seconds for the rest of the
 * flow. */
#define SLOW_DOWN_STEP 5
/* Our own ceiling on the interval, so that a hostile or broken answer
 * cannot make us sleep past any sensible login time. */
#define MAX_INTERVAL 60

static double now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps until `until` (monotonic seconds); signals do not cut it short. */
static void sleep_until(double until)
{
	for (;;) {
		double left = until - now_monotonic();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (nanosleep(&ts, NULL) == 0)
			return;
		if (errno != EINTR)
			return;
	}
}

static int expired(struct wo_error *err, const char *why)
{
	wo_error_set(err, WO_ERR_DENIED, "%s", why);
	snprintf(err->code, sizeof(err->code), "expired_token");
	return -1;
}

int wo_device_login(struct wo_client *c, unsigned timeout, const struct wo_device_ui *ui,
		    struct wo_authentication *out, struct wo_device_stats *stats,
		    struct wo_error *err)
{
	struct wo_device_authorization da;
	struct wo_device_stats local = {0};
	struct wo_http *http = wo_client_http(c);
	double started = now_monotonic(), deadline, next_poll;
	unsigned interval, pending = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));

	wo_http_set_deadline(http, timeout);
	if (wo_api_authorize_device(c, &da, err) != 0)
		return -1;
	if (da.expires_in > 0 && (unsigned)da.expires_in < timeout)
		timeout = (unsigned)da.expires_in;
	deadline = started + timeout;
	interval = da.interval <= 0		? WO_INTERVAL_DEFAULT
		   : da.interval > MAX_INTERVAL ? MAX_INTERVAL
						: (unsigned)da.interval;

	if (ui->show(ui->ctx, &da, err) != 0)
		goto out;

	/* The first poll waits a full interval too: nobody approves faster,
	 * and WorkOS may answer slow_down to an early poll. */
	next_poll = now_monotonic() + interval;
	for (;;) {
		enum wo_poll_result result;
		double left;

		if (ui->before_poll != NULL && ui->before_poll(ui->ctx, pending, err) != 0)
			goto out;
		if (next_poll > deadline) {
			expired(err, "the code was not approved in time");
			goto out;
		}
		sleep_until(next_poll);
		left = deadline - now_monotonic();
		if (left < 1) {
			expired(err, "the code was not approved in time");
			goto out;
		}
		/* A poll never outlives the flow's own deadline. */
		wo_http_set_deadline(http, (unsigned)left);
		stats->polls++;
		result = wo_api_poll_device(c, da.device_code, out, err);
		next_poll = now_monotonic() + interval;
		switch (result) {
		case WO_POLL_APPROVED:
			rc = 0;
			goto out;
		case WO_POLL_PENDING:
			pending++;
			continue;
		case WO_POLL_SLOW_DOWN:
			pending++;
			stats->slow_downs++;
			if (interval < MAX_INTERVAL)
				interval += SLOW_DOWN_STEP;
			next_poll += SLOW_DOWN_STEP;
			continue;
		case WO_POLL_DENIED:
			wo_error_set(err, WO_ERR_DENIED, "the login was refused in the browser");
			snprintf(err->code, sizeof(err->code), "access_denied");
			goto out;
		case WO_POLL_EXPIRED:
			expired(err, "the code expired before it was approved");
			goto out;
		case WO_POLL_FAILED:
			goto out;
		}
	}
out:
	/* The polls ran under the flow's deadline, which may now be a
	 * second away: a person who approved at the last moment would then
	 * be refused because admission (key set, memberships) had no time
	 * left.  Leave the next steps one request's time, still bounded. */
	wo_http_set_deadline(http, wo_client_config(c)->http_timeout);
	stats->interval = interval;
	wo_device_authorization_clear(&da);
	return rc;
}
