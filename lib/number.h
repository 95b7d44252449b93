/* SPDX-License-Identifier: MIT */
/*
 * Numbers in the files and fields we read (the allocation map, the UID
 * range, the snapshot and its state, subuid, login.defs, a `uid` metadata
 * value): strict unsigned decimal, so that "012", "+5", " 5" or "5x" is a
 * malformed line, not a guess.  libc only.
 */
#ifndef WO_NUMBER_H
#define WO_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* s[0..len) as 1 to 20 ASCII digits, without a leading zero (but "0"
 * itself), no greater than max.  Returns true with *out, false when not. */
bool wo_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* The same, into 32 bits. */
bool wo_parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out);

#endif
