/* SPDX-License-Identifier: MIT */
/*
 * Secrets: API keys, tokens, device codes, one-time codes, passwords.
 *
 * They live in ordinary heap strings, are wiped with explicit_bzero before
 * the memory goes back to the allocator, and never go near a log function.
 */
#ifndef WO_SECRET_H
#define WO_SECRET_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Wipes a NUL-terminated heap string and frees it.  NULL is fine. */
void wo_secret_free(char *s);

/* Wipes n bytes and frees them.  NULL is fine. */
void wo_secret_free_n(void *p, size_t n);

/* Frees *s with wo_secret_free and sets it to NULL. */
void wo_secret_clear(char **s);

/*
 * Checks that an open file is safe to take configuration or secrets from:
 * a regular file owned by root (or by the effective user, so that a program
 * running unprivileged can only ever trust its own files), not writable by
 * group or others, and when `secret` is set not readable by them either.
 * `what` names the file in the message ("API key file /etc/workos/api_key").
 */
int wo_file_check_trusted(int fd, const char *what, int secret, struct wo_error *err);

/* Reads fd into buf until end of file or until cap bytes, whichever comes
 * first, retrying interrupted reads.  Returns 0 at end of file, 1 when buf
 * filled up (there may be more), -1 with err ("reading <what>: ...").
 * *len is what was read. */
int wo_read_upto(int fd, char *buf, size_t cap, size_t *len, const char *what,
		 struct wo_error *err);

/*
 * Reads a one-line secret file (the API key) after wo_file_check_trusted.
 * Trailing newline and surrounding blanks are dropped; an empty value, a
 * second non-empty line, a control character or a value over max_len bytes
 * is refused.  On success *out is a heap string for wo_secret_free.
 */
int wo_secret_read_file(const char *path, size_t max_len, char **out, struct wo_error *err);

#endif
