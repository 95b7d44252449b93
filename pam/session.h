/* SPDX-License-Identifier: MIT */
/*
 * One PAM call's state, and the interface between pam_workos.so's two
 * parts (pam/Makefile.am):
 *  - the front, pam_workos.so, linked with libpam and lib/'s libc-only
 *    core: arguments, PAM_USER, its owner, and every decision that needs no
 *    network: accounts WorkOS does not own (auth refuses them, the account
 *    phase ignores them or refuses a stale UID), and the account phase
 *    decided from the NSS cache when there is no API key;
 *  - the network core, pam_workos/core.so next to it, with libcurl, OpenSSL
 *    and json-c: the device, password and TOTP logins and the account
 *    phase through the API.  The front loads it on first use
 *    (pam/core_load.h), as systemd loads optional libraries, so that a
 *    cron job or a sudo by root never maps any of them.
 * Both are built from this tree together: the interface is versioned, and
 * a core of another version is refused rather than guessed at.
 */
#ifndef WO_PAM_SESSION_H
#define WO_PAM_SESSION_H

#include <sys/types.h>

#include <security/pam_modules.h>

#include "args.h"
#include "config.h"
#include "owner.h"

struct wo_client;

struct wo_pam_session {
	pam_handle_t *pamh;
	struct wo_pam_args args; /* with the flags */
	const char *user;	 /* PAM_USER, borrowed from the handle */
	uid_t uid;
	struct wo_owner owner; /* kind != WO_OWNER_NONE when the core runs */
	/* workos.conf, when loaded (the front may have); freed by the front */
	struct wo_config *cfg;
	struct wo_client *client; /* the core's; freed by the core */
};

#define WO_PAM_CORE_VERSION 1
#define WO_PAM_CORE_SYMBOL  "wo_pam_core_v1"

/* What the core exports, under WO_PAM_CORE_SYMBOL.  Each entry returns the
 * PAM code of the phase for an account WorkOS owns. */
struct wo_pam_core {
	unsigned version;    /* WO_PAM_CORE_VERSION */
	size_t session_size; /* sizeof(struct wo_pam_session) */
	int (*authenticate)(struct wo_pam_session *s);
	int (*acct_mgmt)(struct wo_pam_session *s);
};

#endif
