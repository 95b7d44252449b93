/* SPDX-License-Identifier: MIT */
/*
 * The NSS cache file: one indexed binary file, mapped read-only by every
 * process that looks a user up, written only by workos-sync (cache_write.c).
 *
 * Layout (host byte order; the header carries a byte-order mark, so a file
 * from another architecture is refused, not misread):
 *
 *   header     struct wo_cache_header, at offset 0
 *   ix_uname   user_slots  x struct wo_cache_ucell  (key: user name)
 *   ix_uid     user_slots  x struct wo_cache_ucell  (key: uid)
 *              both at offsets that are multiples of 64
 *   ix_gname   group_slots x struct wo_cache_slot   (key: group name)
 *   ix_gid     group_slots x struct wo_cache_slot   (key: gid)
 *   users      n_users  x uint32_t record refs, in enumeration order
 *   groups     n_groups x uint32_t record refs
 *   records    records_size bytes: every user record, then every group
 *              record, in enumeration order, each starting on an 8-byte
 *              boundary and none sharing bytes with another (the NSS
 *              reader does not rely on the order; wo_cache_verify checks
 *              it, which is how it knows no two records overlap)
 *
 * A getpwnam(), getpwuid() or initgroups reads one cache line: a user
 * index entry is a 64-byte cell that holds, besides the record's ref,
 * everything a passwd entry needs (uid, gid, name, gecos inline; the home
 * directory is the header's `home` followed by the name, the shell the
 * header's `shell`) whenever that fits, which it does for accounts made
 * from one home_dir template and shell with names and gecos of up to 42
 * bytes together, and the supplementary gids when they fit after those.  A
 * cell that does not hold them (name_len 0, or n_gids
 * WO_CACHE_CELL_NO_GIDS) sends the reader to the record.
 * Any other lookup costs two random memory accesses however big the file:
 * the index slot or cell, then one self-contained record (fixed fields,
 * supplementary gids or member names, strings, all inline), so a process
 * touches two or three cache lines and the pages holding them, never a
 * separate string or list area.  A ref is the record's offset in the
 * records area / 8, plus 1 (0 marks an empty slot), so 32 bits address
 * 32 GiB.  Cells cost file size for speed: 64 bytes per user per index
 * instead of 8 (at 1M users a lookup from a cell takes about 60% of the
 * time of one through a slot, for a file about twice as big).
 *
 * Indexes are open-addressing tables with linear probing.  The hash is
 * SipHash-2-4 keyed with header.hash_key (random per file, so a name chosen
 * upstream cannot be crafted to collide); a probe starts at slot
 * ((hash & 0xffffffff) * slots) >> 32 and wraps from the last slot to the
 * first.  A slot or cell holds the upper 32 bits of the hash as a tag, so a
 * probe touches a record only when the tag matches and a name that is not
 * there costs one access.  Names hash their bytes (no NUL); ids hash their
 * 4 bytes in little-endian order.  A table has at least half as many slots
 * again as entries (load <= 2/3), so every probe meets an empty slot.
 *
 * Every string in a record is stored with its length in the fixed part and
 * followed by a NUL, so the reader copies it without scanning for the end.
 *
 * Trust: the reader accepts the file only if root owns it and group and
 * others cannot write it.  It then checks the header in O(1) (sizes, counts,
 * every section inside the file) and bounds-checks every ref, length and
 * terminator on use, and the characters of every name it hands out, so a
 * corrupt or hostile file yields "unavailable", never a crash or a bad name.
 * A cell's fields are checked like a record's; that they agree with the
 * record is for wo_cache_verify() (`workosctl check`).  The checksum
 * (SipHash-2-4 of the whole file with the checksum field zeroed, keyed with
 * hash_key) is checked by wo_cache_open() and
 * wo_cache_verify(), not on the NSS hot path: reading a 100 MB file in every
 * process that calls getpwnam() would defeat the index.  Files are replaced
 * by rename(), never rewritten in place.
 */
#ifndef WO_CACHE_FORMAT_H
#define WO_CACHE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define WO_CACHE_MAGIC	 "WOSNSSC\0" /* 8 bytes */
#define WO_CACHE_VERSION 3
#define WO_CACHE_BOM	 0x01020304u

#define WO_CACHE_FILE_NAME    "nss.cache"
#define WO_CACHE_DEFAULT_PATH WO_CACHEDIR "/" WO_CACHE_FILE_NAME

/* Limits the writer enforces; the reader relies only on bounds checks. */
#define WO_CACHE_MAX_ENTRIES  (1u << 24) /* users, groups */
#define WO_CACHE_MAX_SLOTS    (1u << 26)
#define WO_CACHE_MAX_MEMBERS  (1u << 20) /* per group */
#define WO_CACHE_MAX_GIDS     65535	 /* supplementary groups per user */
#define WO_CACHE_GECOS_MAX    255
#define WO_CACHE_PATH_MAX     1024			 /* home dir, shell */
#define WO_CACHE_ID_MAX	      64			 /* WorkOS user id */
#define WO_CACHE_RECORDS_MAX  ((uint64_t)UINT32_MAX * 8) /* what a ref addresses */
#define WO_CACHE_SHARED_MAX   64 /* header.home, header.shell, NUL included */
#define WO_CACHE_CELL_TEXT    44
#define WO_CACHE_CELL_NO_GIDS 0xff

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
	uint32_t user_slots;  /* >= n_users * 3 / 2, > n_users */
	uint32_t group_slots; /* >= n_groups * 3 / 2, > n_groups */

	uint64_t ix_uname_off;
	uint64_t ix_uid_off;
	uint64_t ix_gname_off;
	uint64_t ix_gid_off;
	uint64_t users_off;
	uint64_t groups_off;
	uint64_t records_off;  /* multiple of 8 */
	uint64_t records_size; /* <= WO_CACHE_RECORDS_MAX */

	/* What user cells share, each NUL-terminated; "" when no cell holds
	 * passwd fields.  Absolute paths, same characters as in records. */
	char home[WO_CACHE_SHARED_MAX]; /* a cell's home dir: home + name */
	char shell[WO_CACHE_SHARED_MAX];
};

/* A user record; then, inline: uint32_t gids[n_gids] (supplementary
 * groups), and name, gecos, dir, shell, workos_id, each followed by a NUL. */
struct wo_cache_urec {
	uint32_t uid;
	uint32_t gid;
	uint16_t n_gids;
	uint16_t dir_len;
	uint16_t shell_len;
	uint8_t name_len;
	uint8_t gecos_len;
	uint8_t id_len;
	uint8_t reserved[3]; /* 0 */
};

/* A group record; then, inline: name and a NUL, then n_members member
 * names, each followed by a NUL, members_size bytes in all. */
struct wo_cache_grec {
	uint32_t gid;
	uint32_t n_members;
	uint32_t members_size;
	uint8_t name_len;
	uint8_t reserved[3]; /* 0 */
};

struct wo_cache_slot {
	uint32_t tag; /* hash >> 32 */
	uint32_t ref; /* record ref; 0 = empty */
};

/* A user index entry: one cache line. */
struct wo_cache_ucell {
	uint32_t tag; /* hash >> 32 */
	uint32_t ref; /* record ref; 0 = empty */
	uint32_t uid;
	uint32_t gid;
	uint8_t name_len; /* 0: only tag and ref are set; read the record */
	uint8_t gecos_len;
	uint8_t n_gids;		       /* WO_CACHE_CELL_NO_GIDS: in the record only */
	uint8_t reserved;	       /* 0 */
	char text[WO_CACHE_CELL_TEXT]; /* name, NUL, gecos, NUL, then from the next
					* multiple of 4 n_gids uint32_t
					* supplementary gids; zero after */
};

/* Where a cell's gids start in its text: after name, gecos and their NULs,
 * at the next multiple of 4. */
static inline size_t wo_cache_cell_gids_at(size_t name_len, size_t gecos_len)
{
	return (name_len + gecos_len + 2 + 3) & ~(size_t)3;
}

_Static_assert(sizeof(struct wo_cache_header) == 272, "header layout");
_Static_assert(sizeof(struct wo_cache_urec) == 20, "user record layout");
_Static_assert(sizeof(struct wo_cache_grec) == 16, "group record layout");
_Static_assert(sizeof(struct wo_cache_slot) == 8, "slot layout");
_Static_assert(sizeof(struct wo_cache_ucell) == 64, "cell layout");

#endif
