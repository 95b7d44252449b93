/* SPDX-License-Identifier: MIT */
/*
 * What a local user or group name may look like.
 *
 * Names reach sudoers, shells, paths and log lines, and come from a remote
 * directory, so the rule is strict and the same everywhere: 1 to 32 bytes,
 * first a lowercase letter or '_', then lowercase letters, digits, '_', '.',
 * '-' and '@' (the last for username_from = email).  No uppercase, so that
 * "Alice" and "alice" can never be two accounts; no leading digit, so a name
 * is never mistaken for a number; no '+' or ':' (nsswitch compat and the
 * passwd format).
 */
#ifndef WO_NAMES_H
#define WO_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define WO_NAME_MAX 32

bool wo_name_is_valid(const char *name);

/* Same rule for a string that is not NUL-terminated. */
bool wo_name_is_valid_n(const char *name, size_t len);

/* The length of the valid name that starts at p and is followed by a NUL
 * within the first `avail` bytes, or -1: for names packed back to back. */
int wo_name_span(const char *p, size_t avail);

/* Splits block[0..size), which must be exactly n valid names each followed
 * by a NUL (a cache group's members), storing where each starts in
 * names[0..n): 0, or -1 if the block is anything else.  Same rule as
 * wo_name_span() on each name; on x86-64 it checks 16 bytes at a time, as
 * the NSS module runs it on every getgrnam(). */
int wo_names_split(char *block, size_t size, char **names, size_t n);

#endif
