/* SPDX-License-Identifier: MIT */
/*
 * The OAuth 2.0 device authorization flow (RFC 8628) from the requesting
 * side, independent of how the code is shown: the PAM module shows it
 * through the PAM conversation, the diagnostics tool on its terminal.
 *
 * The flow asks WorkOS for a code, hands it to ui->show, then polls the
 * token endpoint no faster than the advertised interval (5 s more after
 * each slow_down, RFC 8628 section 3.5) until the person approves, refuses,
 * the code expires or `timeout` seconds pass, whichever comes first.  Every
 * wait is bounded by that deadline.  On return, whatever the outcome, the
 * client's HTTP deadline is http_timeout from then: what the caller does
 * next (wo_admit) is bounded but not starved by a late approval.
 */
#ifndef WO_DEVICE_FLOW_H
#define WO_DEVICE_FLOW_H

#include "api.h"
#include "error.h"
#include "workos_types.h"

struct wo_device_ui {
	void *ctx;
	/* Shows the verification URI and user code.  -1 (with err) aborts. */
	int (*show)(void *ctx, const struct wo_device_authorization *da, struct wo_error *err);
	/* Optional: called before each poll, `pending` being the number of
	 * polls so far that found no approval.  A UI that cannot show text
	 * before it asks something (OpenSSH keyboard-interactive) blocks here
	 * on a prompt.  -1 (with err) aborts. */
	int (*before_poll)(void *ctx, unsigned pending, struct wo_error *err);
};

/* Statistics of one flow, for logs and the benchmark. */
struct wo_device_stats {
	unsigned polls;
	unsigned slow_downs;
	unsigned interval; /* the interval in force at the end */
};

/*
 * Runs the flow.  On success returns 0 with *out filled (an authentication
 * response whose token is NOT yet verified: see lib/admission.h).  Fails
 * with WO_ERR_DENIED and err->code "access_denied" or "expired_token" when
 * the person refused or did not approve in time; with the transport's and
 * API's error kinds otherwise.  stats may be NULL.
 */
int wo_device_login(struct wo_client *c, unsigned timeout, const struct wo_device_ui *ui,
		    struct wo_authentication *out, struct wo_device_stats *stats,
		    struct wo_error *err);

#endif
