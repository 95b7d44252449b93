/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_hash.h"
#include "cache_read.h"
#include "names.h"

struct wo_cache_map {
	unsigned long refs; /* atomic */
	bool borrowed;	    /* base belongs to the caller: do not unmap */
	const uint8_t *base;
	size_t size;
	const struct wo_cache_header *h;
	const struct wo_cache_ucell *ix_uname, *ix_uid;
	const struct wo_cache_slot *ix_gname, *ix_gid;
	uint32_t home_len, shell_len;	/* of h->home, h->shell */
	const uint32_t *users, *groups; /* record refs */
	const uint8_t *records;
	struct stat st;
};

/* A section of `count` items of `item` bytes at `off` lies inside the file.
 * Counts are 32-bit when items are bigger than a byte, so the product
 * cannot overflow. */
static bool section_ok(size_t file_size, uint64_t off, uint64_t count, uint64_t item)
{
	return off >= sizeof(struct wo_cache_header) && off <= file_size && (off & 3) == 0 &&
	       count * item <= file_size - off;
}

static bool slots_ok(uint32_t slots, uint32_t count)
{
	return slots <= WO_CACHE_MAX_SLOTS && slots > count;
}

/* header.home or header.shell: NUL-terminated, and "" or an absolute path
 * of the characters records allow. */
static bool shared_ok(const char s[WO_CACHE_SHARED_MAX], uint32_t *len)
{
	const char *nul = memchr(s, '\0', WO_CACHE_SHARED_MAX);

	if (nul == NULL)
		return false;
	*len = (uint32_t)(nul - s);
	return *len == 0 || (s[0] == '/' && wo_cache_field_is_valid(s, *len));
}

static int check_header(struct wo_cache_map *m, struct wo_error *err)
{
	const struct wo_cache_header *h = (const void *)m->base;

	if (m->size < sizeof(*h))
		return wo_error_set(err, WO_ERR_DECODE, "cache file is too short");
	if (memcmp(h->magic, WO_CACHE_MAGIC, sizeof(h->magic)) != 0)
		return wo_error_set(err, WO_ERR_DECODE, "not a cache file (bad magic)");
	if (h->bom != WO_CACHE_BOM)
		return wo_error_set(err, WO_ERR_DECODE, "cache file has the wrong byte order");
	if (h->version != WO_CACHE_VERSION || h->header_size != sizeof(*h) || h->flags != 0)
		return wo_error_set(err, WO_ERR_DECODE, "unsupported cache version %u",
				    (unsigned)h->version);
	if (h->file_size != m->size)
		return wo_error_set(err, WO_ERR_DECODE, "cache file is truncated or padded");
	if (!slots_ok(h->user_slots, h->n_users) || !slots_ok(h->group_slots, h->n_groups))
		return wo_error_set(err, WO_ERR_DECODE, "cache index sizes are invalid");
	if (!section_ok(m->size, h->ix_uname_off, h->user_slots, sizeof(struct wo_cache_ucell)) ||
	    !section_ok(m->size, h->ix_uid_off, h->user_slots, sizeof(struct wo_cache_ucell)) ||
	    (h->ix_uname_off & 63) != 0 || (h->ix_uid_off & 63) != 0 ||
	    !section_ok(m->size, h->ix_gname_off, h->group_slots, sizeof(struct wo_cache_slot)) ||
	    !section_ok(m->size, h->ix_gid_off, h->group_slots, sizeof(struct wo_cache_slot)) ||
	    !section_ok(m->size, h->users_off, h->n_users, sizeof(uint32_t)) ||
	    !section_ok(m->size, h->groups_off, h->n_groups, sizeof(uint32_t)) ||
	    !section_ok(m->size, h->records_off, h->records_size, 1) || (h->records_off & 7) != 0 ||
	    h->records_size > WO_CACHE_RECORDS_MAX)
		return wo_error_set(err, WO_ERR_DECODE, "cache section out of bounds");

	if (!shared_ok(h->home, &m->home_len) || !shared_ok(h->shell, &m->shell_len) ||
	    (m->home_len == 0) != (m->shell_len == 0))
		return wo_error_set(err, WO_ERR_DECODE, "cache header has a bad home or shell");

	m->h = h;
	m->ix_uname = (const void *)(m->base + h->ix_uname_off);
	m->ix_uid = (const void *)(m->base + h->ix_uid_off);
	m->ix_gname = (const void *)(m->base + h->ix_gname_off);
	m->ix_gid = (const void *)(m->base + h->ix_gid_off);
	m->users = (const void *)(m->base + h->users_off);
	m->groups = (const void *)(m->base + h->groups_off);
	m->records = m->base + h->records_off;
	return 0;
}

static int check_sum(const struct wo_cache_map *m, struct wo_error *err)
{
	static const uint64_t zero;
	size_t at = offsetof(struct wo_cache_header, checksum);
	struct wo_siphash s;

	wo_siphash_init(&s, m->h->hash_key);
	wo_siphash_update(&s, m->base, at);
	wo_siphash_update(&s, &zero, sizeof(zero));
	wo_siphash_update(&s, m->base + at + sizeof(zero), m->size - at - sizeof(zero));
	if (wo_siphash_final(&s) != m->h->checksum)
		return wo_error_set(err, WO_ERR_DECODE, "cache checksum mismatch");
	return 0;
}

struct wo_cache_map *wo_cache_map_open(const char *path, uid_t owner, bool verify_checksum,
				       struct wo_error *err)
{
	struct wo_cache_map *m = NULL;
	void *base = MAP_FAILED;
	struct stat st;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		wo_error_set(err, WO_ERR_SYSTEM, "cannot open cache %s: %s", path, strerror(e));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		wo_error_set(err, WO_ERR_SYSTEM, "cannot stat cache %s: %s", path, strerror(e));
		goto fail;
	}
	/* Anyone who can write the file could make every lookup lie. */
	if (!S_ISREG(st.st_mode) || st.st_uid != owner || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		e = EACCES;
		wo_error_set(err, WO_ERR_CONFIG,
			     "cache %s is not a regular file owned by uid %u and writable only "
			     "by it",
			     path, (unsigned)owner);
		goto fail;
	}
	if (st.st_size < (off_t)sizeof(struct wo_cache_header) || (uint64_t)st.st_size > SIZE_MAX) {
		e = EINVAL;
		wo_error_set(err, WO_ERR_DECODE, "cache %s is too short", path);
		goto fail;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		e = errno;
		wo_error_set(err, WO_ERR_SYSTEM, "cannot map cache %s: %s", path, strerror(e));
		goto fail;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		e = ENOMEM;
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto fail;
	}
	m->refs = 1;
	m->base = base;
	m->size = (size_t)st.st_size;
	m->st = st;
	if (check_header(m, err) < 0 || (verify_checksum && check_sum(m, err) < 0)) {
		e = EINVAL;
		wo_error_prefix(err, "%s", path);
		goto fail;
	}
	close(fd);
	return m;
fail:
	free(m);
	if (base != MAP_FAILED)
		munmap(base, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	errno = e;
	return NULL;
}

struct wo_cache_map *wo_cache_map_borrow(const void *buf, size_t len, struct wo_error *err)
{
	struct wo_cache_map *m;

	if (((uintptr_t)buf & 7) != 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "cache buffer is not aligned");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	m->refs = 1;
	m->borrowed = true;
	m->base = buf;
	m->size = len;
	if (check_header(m, err) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

void wo_cache_map_ref(struct wo_cache_map *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
}

void wo_cache_map_release(struct wo_cache_map *m)
{
	if (m == NULL || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (!m->borrowed)
		munmap((void *)m->base, m->size);
	free(m);
}

static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000L + (b->tv_nsec - a->tv_nsec) / 1000000L;
}

static bool same_ts(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static void replace(struct wo_cache_source *src, struct wo_cache_map *m)
{
	if (src->cur != NULL)
		wo_cache_map_release(src->cur);
	src->cur = m;
}

int wo_cache_acquire(struct wo_cache_source *src, struct wo_cache_map **out)
{
	struct wo_cache_map *m;
	struct timespec now;
	struct stat st;
	int e = 0;

	pthread_mutex_lock(&src->lock);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (src->checked && src->interval_ms != 0 &&
	    elapsed_ms(&src->last_check, &now) < (long)src->interval_ms)
		goto done;
	src->checked = true;
	src->last_check = now;
	if (stat(src->path, &st) < 0) {
		e = errno;
		replace(src, NULL);
		src->ino = 0;
		goto done;
	}
	if (src->ino != 0 && st.st_dev == src->dev && st.st_ino == src->ino &&
	    st.st_size == src->size && same_ts(&st.st_mtim, &src->mtim) &&
	    same_ts(&st.st_ctim, &src->ctim))
		goto done; /* unchanged: keep the map, or keep having none */
	src->dev = st.st_dev;
	src->ino = st.st_ino;
	src->size = st.st_size;
	src->mtim = st.st_mtim;
	src->ctim = st.st_ctim;
	m = wo_cache_map_open(src->path, src->owner, false, NULL);
	if (m == NULL)
		e = errno;
	replace(src, m);
done:
	m = src->cur;
	if (m != NULL)
		wo_cache_map_ref(m);
	else if (e == 0)
		e = ENOENT; /* a remembered failure within the interval */
	pthread_mutex_unlock(&src->lock);
	*out = m;
	if (m == NULL) {
		errno = e;
		return -1;
	}
	return 0;
}

void wo_cache_source_reset(struct wo_cache_source *src)
{
	pthread_mutex_lock(&src->lock);
	replace(src, NULL);
	src->checked = false;
	src->ino = 0;
	pthread_mutex_unlock(&src->lock);
}

const struct wo_cache_header *wo_cache_map_header(const struct wo_cache_map *m)
{
	return m->h;
}

uint32_t wo_cache_map_n_users(const struct wo_cache_map *m)
{
	return m->h->n_users;
}

uint32_t wo_cache_map_n_groups(const struct wo_cache_map *m)
{
	return m->h->n_groups;
}

/* The record of `ref`, if its fixed part of `fixed` bytes lies inside the
 * records area; *avail is then what the area holds after the fixed part. */
static const uint8_t *record(const struct wo_cache_map *m, uint32_t ref, size_t fixed,
			     uint64_t *avail)
{
	uint64_t off = ((uint64_t)ref - 1) * 8, size = m->h->records_size;

	if (ref == 0 || off > size || size - off < fixed)
		return NULL;
	*avail = size - off - fixed;
	/* A record is about 100 bytes, so it spans two or three cache lines:
	 * ask for all of them now, while the first one is still on its way,
	 * rather than wait for each in turn.  (A prefetch never faults, even
	 * past the end of the mapping.) */
	__builtin_prefetch(m->records + off + 64);
	__builtin_prefetch(m->records + off + 128);
	return m->records + off;
}

/* Takes the string of `len` bytes at *p, which must be followed by a NUL
 * (the caller has checked that len + 1 bytes are there). */
static bool take(const char **p, uint32_t len, const char **s)
{
	*s = *p;
	*p += len + 1;
	return (*s)[len] == '\0';
}

bool wo_cache_field_is_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* ':' and newlines would split a passwd line built from this. */
		if (c < 0x20 || c == 0x7f || c == ':')
			return false;
	}
	return true;
}

/* Fills v from the user record `ref`: 1, or -1 if it is corrupt.  The name's
 * characters are left to the caller: a lookup by name has compared it with
 * a valid key already, the others check it (name_ok) before returning it. */
static int user_view(const struct wo_cache_map *m, uint32_t ref, struct wo_cache_uview *v)
{
	const struct wo_cache_urec *r;
	const uint8_t *p;
	const char *s;
	uint64_t avail, need;

	p = record(m, ref, sizeof(*r), &avail);
	if (p == NULL)
		return -1;
	r = (const void *)p;
	need = 4 * (uint64_t)r->n_gids + r->name_len + r->gecos_len + r->dir_len + r->shell_len +
	       r->id_len + 5;
	if (need > avail)
		return -1;
	v->gids = (const uint32_t *)(const void *)(p + sizeof(*r));
	s = (const char *)(v->gids + r->n_gids);
	if (!take(&s, r->name_len, &v->name) || !take(&s, r->gecos_len, &v->gecos) ||
	    !take(&s, r->dir_len, &v->dir) || !take(&s, r->shell_len, &v->shell) ||
	    !take(&s, r->id_len, &v->workos_id))
		return -1;
	if (v->dir[0] != '/' || v->shell[0] != '/' ||
	    !wo_cache_field_is_valid(v->gecos, r->gecos_len) ||
	    !wo_cache_field_is_valid(v->dir, r->dir_len) ||
	    !wo_cache_field_is_valid(v->shell, r->shell_len))
		return -1;
	v->name_len = r->name_len;
	v->gecos_len = r->gecos_len;
	v->dir_len = r->dir_len;
	v->shell_len = r->shell_len;
	v->workos_id_len = r->id_len;
	v->n_gids = r->n_gids;
	v->uid = r->uid;
	v->gid = r->gid;
	v->ref = ref;
	return 1;
}

static int group_view(const struct wo_cache_map *m, uint32_t ref, struct wo_cache_gview *v)
{
	const struct wo_cache_grec *r;
	const uint8_t *p;
	const char *s;
	uint64_t avail;

	p = record(m, ref, sizeof(*r), &avail);
	if (p == NULL)
		return -1;
	r = (const void *)p;
	/* Each member takes at least two bytes: a letter and its NUL. */
	if ((uint64_t)r->name_len + 1 + r->members_size > avail ||
	    r->n_members > r->members_size / 2)
		return -1;
	/* The caller copies every member name: ask for the lines of the
	 * whole record at once instead of letting the copy wait for each in
	 * turn (record() asked for the first three already). */
	for (uint64_t at = 192, end = sizeof(*r) + r->name_len + 1 + (uint64_t)r->members_size;
	     at < end && at < 8192; at += 64)
		__builtin_prefetch(p + at);
	s = (const char *)(p + sizeof(*r));
	if (!take(&s, r->name_len, &v->name))
		return -1;
	v->name_len = r->name_len;
	v->gid = r->gid;
	v->members = s;
	v->members_size = r->members_size;
	v->n_members = r->n_members;
	v->ref = ref;
	return 1;
}

bool wo_cache_id_is_valid(const char *s, size_t len)
{
	if (len == 0 || len > WO_CACHE_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

const char *wo_cache_member_next(const struct wo_cache_gview *v, uint32_t *pos)
{
	const char *s;
	int n;

	if (*pos >= v->members_size)
		return NULL;
	s = v->members + *pos;
	n = wo_name_span(s, v->members_size - *pos);
	if (n < 0)
		return NULL;
	*pos += (uint32_t)n + 1;
	return s;
}

/* A view found other than by comparing its name with a valid key: 1 if its
 * name is valid, -1 (corrupt) if not. */
static int name_ok(const char *name, uint32_t len)
{
	return wo_name_is_valid_n(name, len) ? 1 : -1;
}

int wo_cache_user_at(const struct wo_cache_map *m, uint32_t i, struct wo_cache_uview *v)
{
	if (i >= m->h->n_users)
		return 0;
	if (user_view(m, m->users[i], v) < 0)
		return -1;
	return name_ok(v->name, v->name_len);
}

int wo_cache_group_at(const struct wo_cache_map *m, uint32_t i, struct wo_cache_gview *v)
{
	if (i >= m->h->n_groups)
		return 0;
	if (group_view(m, m->groups[i], v) < 0)
		return -1;
	return name_ok(v->name, v->name_len);
}

/* A name key's length and hash, if it is a valid name: no entry can have
 * any other. */
static bool name_key(const struct wo_cache_map *m, const char *name, size_t *len, uint64_t *h)
{
	*len = strnlen(name, WO_NAME_MAX + 1);
	if (!wo_name_is_valid_n(name, *len))
		return false;
	*h = wo_siphash24(m->h->hash_key, name, *len);
	return true;
}

/* Walks the probe chain of `hash` in an index of `slots` entries and runs
 * MATCH, with `entry` and `ref` set, on each entry whose tag matches.  The
 * walk is bounded by the table size, so a hostile file with no empty slot
 * cannot loop forever. */
#define PROBE(ix, slots, hash, MATCH)                                                              \
	do {                                                                                       \
		uint32_t tag_ = (uint32_t)((hash) >> 32);                                          \
		uint32_t pos_ = wo_cache_probe_start((hash), (slots));                             \
		/* A hit probes two entries on average, the second often on the                    \
		 * next cache line: ask for it now. */                                             \
		__builtin_prefetch(&(ix)[wo_cache_probe_next(pos_, (slots))]);                     \
		for (uint32_t n_ = 0; n_ < (slots);                                                \
		     n_++, pos_ = wo_cache_probe_next(pos_, (slots))) {                            \
			const __typeof__(*(ix)) *entry = &(ix)[pos_];                              \
			uint32_t ref = entry->ref;                                                 \
			if (ref == 0)                                                              \
				return 0;                                                          \
			if (entry->tag != tag_)                                                    \
				continue;                                                          \
			MATCH                                                                      \
		}                                                                                  \
		return 0;                                                                          \
	} while (0)

int wo_cache_user_by_name(const struct wo_cache_map *m, const char *name, struct wo_cache_uview *v)
{
	size_t len;
	uint64_t h;

	if (!name_key(m, name, &len, &h))
		return 0;
	PROBE(m->ix_uname, m->h->user_slots, h, {
		if (user_view(m, ref, v) < 0)
			return -1;
		if (v->name_len == len && memcmp(v->name, name, len) == 0)
			return 1;
	});
}

int wo_cache_user_by_uid(const struct wo_cache_map *m, uint32_t uid, struct wo_cache_uview *v)
{
	uint64_t h = wo_cache_hash_id(m->h->hash_key, uid);

	PROBE(m->ix_uid, m->h->user_slots, h, {
		if (user_view(m, ref, v) < 0)
			return -1;
		if (v->uid == uid)
			return name_ok(v->name, v->name_len);
	});
}

int wo_cache_group_by_name(const struct wo_cache_map *m, const char *name, struct wo_cache_gview *v)
{
	size_t len;
	uint64_t h;

	if (!name_key(m, name, &len, &h))
		return 0;
	PROBE(m->ix_gname, m->h->group_slots, h, {
		if (group_view(m, ref, v) < 0)
			return -1;
		if (v->name_len == len && memcmp(v->name, name, len) == 0)
			return 1;
	});
}

int wo_cache_group_by_gid(const struct wo_cache_map *m, uint32_t gid, struct wo_cache_gview *v)
{
	uint64_t h = wo_cache_hash_id(m->h->hash_key, gid);

	PROBE(m->ix_gid, m->h->group_slots, h, {
		if (group_view(m, ref, v) < 0)
			return -1;
		if (v->gid == gid)
			return name_ok(v->name, v->name_len);
	});
}

void wo_cache_pwview_from(const struct wo_cache_uview *u, struct wo_cache_pwview *v)
{
	*v = (struct wo_cache_pwview){
	    .name = u->name,
	    .gecos = u->gecos,
	    .dir = u->dir,
	    .shell = u->shell,
	    .name_len = u->name_len,
	    .gecos_len = u->gecos_len,
	    .dir_len = u->dir_len,
	    .shell_len = u->shell_len,
	    .uid = u->uid,
	    .gid = u->gid,
	};
}

/* The passwd fields of a cell that holds them: 1, or -1 if they are
 * corrupt.  The name's characters are left to the caller, as in
 * user_view(). */
static int cell_view(const struct wo_cache_map *m, const struct wo_cache_ucell *c,
		     struct wo_cache_pwview *v)
{
	uint32_t ln = c->name_len, lg = c->gecos_len;

	if (m->home_len == 0 || ln + lg + 2 > sizeof(c->text) || c->text[ln] != '\0' ||
	    c->text[ln + 1 + lg] != '\0' || !wo_cache_field_is_valid(c->text + ln + 1, lg))
		return -1;
	*v = (struct wo_cache_pwview){
	    .name = c->text,
	    .gecos = c->text + ln + 1,
	    .dir = m->h->home,
	    .shell = m->h->shell,
	    .name_len = ln,
	    .gecos_len = lg,
	    .dir_len = m->home_len,
	    .shell_len = m->shell_len,
	    .uid = c->uid,
	    .gid = c->gid,
	    .dir_then_name = true,
	};
	return 1;
}

/* A cell without passwd fields: the record's. */
static int record_pwview(const struct wo_cache_map *m, uint32_t ref, struct wo_cache_pwview *v,
			 struct wo_cache_uview *u)
{
	if (user_view(m, ref, u) < 0)
		return -1;
	wo_cache_pwview_from(u, v);
	return 1;
}

/* The user `name` through the name index: 1 with *cell set if the name's
 * cell holds the passwd fields (and, with need_gids, the gids), else 1
 * with *cell NULL and u filled from the record; 0 or -1 as for a lookup.
 * The cell's fields are still to be checked (cell_view). */
static int find_by_name(const struct wo_cache_map *m, const char *name, bool need_gids,
			const struct wo_cache_ucell **cell, struct wo_cache_uview *u)
{
	size_t len;
	uint64_t h;

	if (!name_key(m, name, &len, &h))
		return 0;
	PROBE(m->ix_uname, m->h->user_slots, h, {
		if (entry->name_len != 0) {
			if (entry->name_len != len || memcmp(entry->text, name, len) != 0)
				continue;
			if (!need_gids || entry->n_gids != WO_CACHE_CELL_NO_GIDS) {
				*cell = entry;
				return 1;
			}
		}
		if (user_view(m, ref, u) < 0)
			return -1;
		if (u->name_len == len && memcmp(u->name, name, len) == 0) {
			*cell = NULL;
			return 1;
		}
	});
}

int wo_cache_passwd_by_name(const struct wo_cache_map *m, const char *name,
			    struct wo_cache_pwview *v)
{
	const struct wo_cache_ucell *cell;
	struct wo_cache_uview u;
	int r = find_by_name(m, name, false, &cell, &u);

	if (r != 1)
		return r;
	if (cell != NULL)
		return cell_view(m, cell, v);
	wo_cache_pwview_from(&u, v);
	return 1;
}

int wo_cache_passwd_by_uid(const struct wo_cache_map *m, uint32_t uid, struct wo_cache_pwview *v)
{
	uint64_t h = wo_cache_hash_id(m->h->hash_key, uid);
	struct wo_cache_uview u;

	PROBE(m->ix_uid, m->h->user_slots, h, {
		if (entry->name_len != 0) {
			if (entry->uid == uid)
				return cell_view(m, entry, v) < 0 ? -1
								  : name_ok(v->name, v->name_len);
		} else if (record_pwview(m, ref, v, &u) < 0) {
			return -1;
		} else if (v->uid == uid) {
			return name_ok(v->name, v->name_len);
		}
	});
}

int wo_cache_gids_by_name(const struct wo_cache_map *m, const char *name, const uint32_t **gids,
			  uint32_t *n_gids)
{
	const struct wo_cache_ucell *cell;
	struct wo_cache_pwview p;
	struct wo_cache_uview u;
	int r = find_by_name(m, name, true, &cell, &u);
	size_t at;

	if (r != 1)
		return r;
	if (cell == NULL) {
		*gids = u.gids;
		*n_gids = u.n_gids;
		return 1;
	}
	at = wo_cache_cell_gids_at(cell->name_len, cell->gecos_len);
	if (cell_view(m, cell, &p) < 0 || at + 4 * (size_t)cell->n_gids > sizeof(cell->text))
		return -1;
	*gids = (const uint32_t *)(const void *)(cell->text + at);
	*n_gids = cell->n_gids;
	return 1;
}
