/* SPDX-License-Identifier: MIT */
/*
 * The NSS cache file: one indexed binary file, mapped read-only by every
 * process that looks a user up, written only by workos-sync (cache_write.c).
 *
 * Layout (host byte order; the header carries a byte-order mark, so a file
 * from another architecture is refused, not misread):
 *
 *   header        struct wo_cache_header, at offset 0
 *   users         n_users  x struct wo_cache_urec  (enumeration order)
 *   groups        n_groups x struct wo_cache_grec
 *   ix_uname      user_slots  x struct wo_cache_slot   (key: user name)
 *   ix_uid        user_slots  x struct wo_cache_slot   (key: uid)
 *   ix_gname      group_slots x struct wo_cache_slot   (key: group name)
 *   ix_gid        group_slots x struct wo_cache_slot   (key: gid)
 *   lists         n_list_words x uint32_t
 *   strings       strings_size bytes of NUL-terminated strings
 *
 * Indexes are open-addressing tables with linear probing.  The hash is
 * SipHash-2-4 keyed with header.hash_key (random per file, so a name chosen
 * upstream cannot be crafted to collide); the start slot is hash & (slots-1)
 * and a slot holds the upper 32 bits of the hash as a tag, so a probe touches
 * a record only when the tag matches.  Names hash their bytes (no NUL); ids
 * hash their 4 bytes in little-endian order.  A table has more slots than
 * entries (power of two, load <= 1/2), so every probe meets an empty slot.
 *
 * A list is lists[i] = count followed by count words: for a user, the gids of
 * its supplementary groups; for a group, string offsets of its members' names.
 * String offsets are relative to the string area; offset 0 is always "".
 *
 * Trust: the reader accepts the file only if root owns it and group and
 * others cannot write it.  It then checks the header in O(1) (sizes, counts,
 * every section inside the file, strings area ending in NUL) and bounds-
 * checks every index, offset and list on use, so a corrupt or hostile file
 * yields "unavailable", never a crash.  The checksum (SipHash-2-4 of the
 * whole file with the checksum field zeroed, keyed with hash_key) is checked
 * by wo_cache_open() and wo_cache_verify(), not on the NSS hot path: reading
 * a 100 MB file in every process that calls getpwnam() would defeat the
 * index.  Files are replaced by rename(), never rewritten in place.
 */
#ifndef WO_CACHE_FORMAT_H
#define WO_CACHE_FORMAT_H

#include <stdint.h>

#define WO_CACHE_MAGIC	 "WOSNSSC\0" /* 8 bytes */
#define WO_CACHE_VERSION 1
#define WO_CACHE_BOM	 0x01020304u

#define WO_CACHE_FILE_NAME    "nss.cache"
#define WO_CACHE_DEFAULT_PATH WO_CACHEDIR "/" WO_CACHE_FILE_NAME

/* Limits the writer enforces; the reader relies only on bounds checks. */
#define WO_CACHE_MAX_ENTRIES (1u << 24) /* users, groups */
#define WO_CACHE_MAX_SLOTS   (1u << 26)
#define WO_CACHE_MAX_MEMBERS (1u << 20) /* per group */
#define WO_CACHE_GECOS_MAX   255
#define WO_CACHE_PATH_MAX    1024 /* home dir, shell */
#define WO_CACHE_ID_MAX	     64	  /* WorkOS user id */

struct wo_cache_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size; /* sizeof(struct wo_cache_header) */
	uint32_t bom;	      /* WO_CACHE_BOM as written by the writer */
	uint32_t flags;	      /* 0 */
	uint64_t file_size;   /* must equal the file's size */
	uint64_t generation;  /* previous file's generation + 1 */
	uint64_t checksum;
	uint8_t hash_key[16];

	uint32_t n_users;
	uint32_t n_groups;
	uint32_t user_slots;  /* power of two, > n_users */
	uint32_t group_slots; /* power of two, > n_groups */
	uint32_t n_list_words;
	uint32_t strings_size; /* >= 1; strings[strings_size - 1] == '\0' */

	uint64_t users_off;
	uint64_t groups_off;
	uint64_t ix_uname_off;
	uint64_t ix_uid_off;
	uint64_t ix_gname_off;
	uint64_t ix_gid_off;
	uint64_t lists_off;
	uint64_t strings_off;
};

struct wo_cache_urec {
	uint32_t name;	/* string offsets */
	uint32_t uid;
	uint32_t gid;
	uint32_t gecos;
	uint32_t dir;
	uint32_t shell;
	uint32_t workos_id;
	uint32_t gids; /* list index: supplementary gids */
};

struct wo_cache_grec {
	uint32_t name;
	uint32_t gid;
	uint32_t members; /* list index: member name string offsets */
	uint32_t reserved;
};

struct wo_cache_slot {
	uint32_t tag; /* hash >> 32 */
	uint32_t ref; /* record index + 1; 0 = empty */
};

_Static_assert(sizeof(struct wo_cache_header) == 152, "header layout");
_Static_assert(sizeof(struct wo_cache_urec) == 32, "user record layout");
_Static_assert(sizeof(struct wo_cache_grec) == 16, "group record layout");
_Static_assert(sizeof(struct wo_cache_slot) == 8, "slot layout");

#endif
