/* SPDX-License-Identifier: MIT */
/*
 * Finding and loading the network core (pam/session.h) on first use:
 * pam_workos/core.so in the directory the front itself was loaded from
 * (dladdr), so that a copy of the module (tests, a private prefix) loads
 * its own core.  Before dlopen the file must be a regular file owned by
 * root or by the effective user, not writable by group or others, in a
 * directory that is not either: whoever could replace it would run code in
 * every login.  RTLD_NOW | RTLD_LOCAL, and never unloaded: PAM handles keep
 * data whose cleanup functions live in it.
 */
#ifndef WO_PAM_CORE_LOAD_H
#define WO_PAM_CORE_LOAD_H

#include "error.h"
#include "session.h"

/* The core, loaded once per process; NULL with err (WO_ERR_CONFIG: not
 * installed, untrusted, or of another version). */
const struct wo_pam_core *wo_pam_core_load(struct wo_error *err);

#endif
