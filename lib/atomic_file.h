/* SPDX-License-Identifier: MIT */
/*
 * Replacing a file so that readers see the old one or the new one, whole,
 * whatever happens to the writer (crash, kill -9, full disk, power loss):
 * the new content goes to "<path>.tmp.XXXXXX" in the same directory, is
 * fsync'ed, renamed over path, and the directory is fsync'ed.  libc only
 * (the NSS cache writer lives in libwocore).
 */
#ifndef WO_ATOMIC_FILE_H
#define WO_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Replaces path with len bytes of buf, the new file having `mode`. */
int wo_atomic_replace(const char *path, const void *buf, size_t len, mode_t mode,
		      struct wo_error *err);

/* Removes the temp files a writer killed mid-write left next to path.
 * Only with the writers' lock held: a live writer's temp file would go too.
 * Returns how many were removed. */
int wo_atomic_remove_stale(const char *path);

#endif
