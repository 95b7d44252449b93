/* SPDX-License-Identifier: MIT */
/*
 * Asks the machine's NSS chain, through glibc (getpwuid_r, getgrgid_r,
 * getpwnam_r, getgrnam_r), whether an account holds a number or a name:
 * whatever nsswitch.conf lists (files, sss, ldap, winbind, systemd...), so
 * that workos-sync never hands out what LDAP or SSSD already serve.  For the
 * tools only: it loads NSS modules into the process.
 *
 * The chain includes our own module when nsswitch.conf lists `workos`.  An
 * answer that our current cache gives too (the same name for that number,
 * the same number for that name) is ours and does not count; any other
 * answer is someone else's.  What the cache serves now is not asked at all:
 * a lookup through the chain costs 20-200 us (files rereads /etc/passwd,
 * nss-systemd tries its sockets), too much to repeat for a million members
 * on every run, so only new names and numbers (and recorded ones the cache
 * no longer serves) are probed; `workosctl check` enumerates the chain for
 * the rest.  glibc stops at the first source that answers, so a source
 * listed after `workos` is not asked about what we serve: workos belongs
 * last on the passwd and group lines.
 *
 * A lookup that fails (a source unreachable, a buffer past 1 MiB) counts as
 * held, so that no number is handed out blind, and is remembered: the tool
 * then refuses to write anything (wo_nssprobe_failed).
 */
#ifndef WO_NSSPROBE_H
#define WO_NSSPROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "localdb.h"

struct wo_nssprobe;

/* `cache_path` is our NSS cache (WO_CACHE_DEFAULT_PATH): a missing or
 * unreadable cache means nothing is ours.  Fails only without memory.
 * *out is for wo_nssprobe_free. */
int wo_nssprobe_new(const char *cache_path, struct wo_nssprobe **out, struct wo_error *err);
void wo_nssprobe_free(struct wo_nssprobe *p);

/* Makes db ask p (p must outlive db's use). */
int wo_nssprobe_attach(struct wo_nssprobe *p, struct wo_localdb *db, struct wo_error *err);

/* The lookups, as wo_localdb_probe callbacks: 1 held by someone else, 0 not
 * held (or only by us), -1 the lookup failed. */
int wo_nssprobe_user(void *p, const char *name);
int wo_nssprobe_group(void *p, const char *name);
int wo_nssprobe_id(void *p, uint32_t id);

/* Whether our cache gives this user name this UID / this group name this
 * GID (for diagnostics that enumerate NSS). */
bool wo_nssprobe_ours_user(const struct wo_nssprobe *p, const char *name, uint32_t uid);
bool wo_nssprobe_ours_group(const struct wo_nssprobe *p, const char *name, uint32_t gid);

/* True, with err filled, when a lookup failed since wo_nssprobe_new. */
bool wo_nssprobe_failed(const struct wo_nssprobe *p, struct wo_error *err);

#endif
