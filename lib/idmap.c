/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "idmap.h"
#include "names.h"
#include "number.h"
#include "secret.h"

#define HEADER	   "workos-idmap 2\n"
#define HEADER_V1  "workos-idmap 1\n" /* read, never written: a map without names */
#define NUMBER_MAX 4294967294u	      /* (uid_t)-1 means "no id" to the kernel */
#define NOBODY16   65535u	      /* (uint16_t)-1: "no id" to 16-bit interfaces */

enum state {
	S_RECORDED,  /* read from the file */
	S_NEW,	     /* allocated by this process */
	S_PENDING,   /* requested, not allocated yet */
	S_EXHAUSTED, /* requested, no number left */
};

struct entry {
	char *key;
	uint32_t number; /* 0 until allocated; always 0 for a name */
	uint32_t preferred;
	uint32_t link; /* user: its name's entry + 1; name: its owner's entry + 1 */
	char *owner;   /* name, while parsing: the owner's user id as written */
	unsigned char kind;
	unsigned char state;
	bool local_clash; /* recorded number now used by a local account */
};

/* A user's proposed name, waiting for wo_idmap_allocate. */
struct proposal {
	uint32_t user; /* entry index */
	char *name;
};

struct wo_idmap {
	struct entry *v;
	size_t n, cap;
	size_t added;
	struct proposal *props;
	size_t n_props, cap_props;

	/* Open addressing, linear probing, power-of-two sizes, load <= 1/2. */
	uint32_t *keys; /* entry index + 1; 0 = empty */
	size_t key_slots;
	uint32_t *nums; /* numbers in use; 0 = empty (0 is never a valid number) */
	size_t num_slots, n_nums;
};

static const char *const kind_names[] = {
    [WO_IDMAP_USER] = "user",
    [WO_IDMAP_ROLE] = "role",
    [WO_IDMAP_GROUP] = "group",
    [WO_IDMAP_NAME] = "name",
};

/* --- hashing ------------------------------------------------------------------ */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* splitmix64's finalizer: FNV-1a alone leaves the low bits, which the modulo
 * keeps, poorly mixed for keys that differ only at the end. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t key_hash(enum wo_idmap_kind kind, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv1a(h, kind_names[kind], strlen(kind_names[kind]));
	h = fnv1a(h, ":", 1);
	h = fnv1a(h, key, strlen(key));
	return mix64(h);
}

uint32_t wo_idmap_first_candidate(enum wo_idmap_kind kind, const char *key, uint32_t min,
				  uint32_t max)
{
	uint64_t span = (uint64_t)max - min + 1;

	return (uint32_t)(min + key_hash(kind, key) % span);
}

/* --- tables ---------------------------------------------------------------------- */

static size_t find_key(const struct wo_idmap *m, enum wo_idmap_kind kind, const char *key)
{
	size_t mask = m->key_slots - 1;

	if (m->key_slots == 0)
		return SIZE_MAX;
	for (size_t i = (size_t)key_hash(kind, key) & mask;; i = (i + 1) & mask) {
		uint32_t ref = m->keys[i];

		if (ref == 0)
			return SIZE_MAX;
		const struct entry *e = &m->v[ref - 1];
		if (e->kind == kind && strcmp(e->key, key) == 0)
			return ref - 1;
	}
}

static void put_key(uint32_t *keys, size_t slots, const struct entry *v, uint32_t index)
{
	size_t mask = slots - 1;
	size_t i = (size_t)key_hash(v[index].kind, v[index].key) & mask;

	while (keys[i] != 0)
		i = (i + 1) & mask;
	keys[i] = index + 1;
}

static bool has_number(const struct wo_idmap *m, uint32_t number)
{
	size_t mask = m->num_slots - 1;

	if (m->num_slots == 0)
		return false;
	for (size_t i = (size_t)mix64(number) & mask; m->nums[i] != 0; i = (i + 1) & mask)
		if (m->nums[i] == number)
			return true;
	return false;
}

static void put_number(uint32_t *nums, size_t slots, uint32_t number)
{
	size_t mask = slots - 1;
	size_t i = (size_t)mix64(number) & mask;

	while (nums[i] != 0)
		i = (i + 1) & mask;
	nums[i] = number;
}

static int grow_numbers(struct wo_idmap *m)
{
	size_t slots = m->num_slots ? m->num_slots * 2 : 64;
	uint32_t *nums = calloc(slots, sizeof(*nums));

	if (nums == NULL)
		return -1;
	for (size_t i = 0; i < m->num_slots; i++)
		if (m->nums[i] != 0)
			put_number(nums, slots, m->nums[i]);
	free(m->nums);
	m->nums = nums;
	m->num_slots = slots;
	return 0;
}

/* Marks a number used; the caller checked it was free. */
static int add_number(struct wo_idmap *m, uint32_t number)
{
	if ((m->n_nums + 1) * 2 > m->num_slots && grow_numbers(m) != 0)
		return -1;
	put_number(m->nums, m->num_slots, number);
	m->n_nums++;
	return 0;
}

/* Appends an entry (key copied) and indexes its key; returns its index. */
static int add_entry(struct wo_idmap *m, enum wo_idmap_kind kind, const char *key, size_t key_len,
		     uint32_t number, enum state state, size_t *index)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct entry *v;

		if (cap > UINT32_MAX / 2)
			return -1;
		v = realloc(m->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	if ((m->n + 1) * 2 > m->key_slots) {
		size_t slots = m->key_slots ? m->key_slots * 2 : 64;
		uint32_t *keys = calloc(slots, sizeof(*keys));

		if (keys == NULL)
			return -1;
		for (size_t i = 0; i < m->n; i++)
			put_key(keys, slots, m->v, (uint32_t)i);
		free(m->keys);
		m->keys = keys;
		m->key_slots = slots;
	}
	struct entry *e = &m->v[m->n];
	memset(e, 0, sizeof(*e));
	e->key = strndup(key, key_len);
	if (e->key == NULL)
		return -1;
	e->kind = (unsigned char)kind;
	e->state = (unsigned char)state;
	e->number = number;
	put_key(m->keys, m->key_slots, m->v, (uint32_t)m->n);
	*index = m->n++;
	return 0;
}

/* --- validation ------------------------------------------------------------------- */

static bool key_is_valid(enum wo_idmap_kind kind, const char *key, size_t len)
{
	if (kind == WO_IDMAP_GROUP || kind == WO_IDMAP_NAME)
		return wo_name_is_valid_n(key, len);
	if (len == 0 || len > WO_IDMAP_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* A number of the map: in [1, NUMBER_MAX] but not 65535 (lib/number.h
 * for the digits). */
static bool number_is_valid(const char *p, size_t len, uint32_t *out)
{
	return wo_parse_u32(p, len, NUMBER_MAX, out) && *out != 0 && *out != NOBODY16;
}

/* --- reading ------------------------------------------------------------------------ */

void wo_idmap_free(struct wo_idmap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].owner);
	}
	for (size_t i = 0; i < m->n_props; i++)
		free(m->props[i].name);
	free(m->props);
	free(m->v);
	free(m->keys);
	free(m->nums);
	free(m);
}

/* "name NAME OWNER": the owner is checked once every line is read
 * (resolve_names), so the file's order does not matter. */
static int parse_name(struct wo_idmap *m, const char *name, size_t line_no, const char *key,
		      size_t key_len, const char *owner, size_t owner_len, struct wo_error *err)
{
	char keybuf[WO_NAME_MAX + 1];
	size_t index;

	if (!key_is_valid(WO_IDMAP_USER, owner, owner_len))
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: invalid owner; refusing the map", name, line_no);
	memcpy(keybuf, key, key_len);
	keybuf[key_len] = '\0';
	if (find_key(m, WO_IDMAP_NAME, keybuf) != SIZE_MAX)
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: name %s appears twice; refusing the map", name,
				    line_no, keybuf);
	if (add_entry(m, WO_IDMAP_NAME, key, key_len, 0, S_RECORDED, &index) != 0 ||
	    (m->v[index].owner = strndup(owner, owner_len)) == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	return 0;
}

/* Links every name to its owner: a recorded user, who owns no other name. */
static int resolve_names(struct wo_idmap *m, const char *name, struct wo_error *err)
{
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = &m->v[i];
		size_t owner;

		if (e->kind != WO_IDMAP_NAME)
			continue;
		owner = find_key(m, WO_IDMAP_USER, e->owner);
		if (owner == SIZE_MAX)
			return wo_error_set(err, WO_ERR_SYSTEM,
					    "%s: name %s belongs to %s, who has no UID; refusing "
					    "the map",
					    name, e->key, e->owner);
		if (m->v[owner].link != 0)
			return wo_error_set(err, WO_ERR_SYSTEM,
					    "%s: %s owns two names; refusing the map", name,
					    e->owner);
		m->v[owner].link = (uint32_t)i + 1;
		e->link = (uint32_t)owner + 1;
		free(e->owner);
		e->owner = NULL;
	}
	return 0;
}

static int parse_line(struct wo_idmap *m, const char *name, size_t line_no, const char *p,
		      size_t len, bool with_names, struct wo_error *err)
{
	const char *sp1 = memchr(p, ' ', len);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - p)) : NULL;
	int kind = -1;
	uint32_t number;
	size_t index;

	if (sp1 == NULL || sp2 == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: expected \"kind key number\"; refusing the map",
				    name, line_no);
	for (int k = 0; k <= WO_IDMAP_NAME; k++)
		if ((size_t)(sp1 - p) == strlen(kind_names[k]) &&
		    memcmp(p, kind_names[k], (size_t)(sp1 - p)) == 0)
			kind = k;
	if (kind < 0 || (kind == WO_IDMAP_NAME && !with_names))
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: unknown kind; refusing the map", name, line_no);
	const char *key = sp1 + 1, *num = sp2 + 1;
	size_t key_len = (size_t)(sp2 - key), num_len = (size_t)(p + len - num);

	if (!key_is_valid(kind, key, key_len))
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: invalid %s key; refusing the map", name, line_no,
				    kind_names[kind]);
	if (kind == WO_IDMAP_NAME)
		return parse_name(m, name, line_no, key, key_len, num, num_len, err);
	if (!number_is_valid(num, num_len, &number))
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: invalid number; refusing the map", name, line_no);
	char keybuf[WO_NAME_MAX > WO_IDMAP_KEY_MAX ? WO_NAME_MAX + 1 : WO_IDMAP_KEY_MAX + 1];
	memcpy(keybuf, key, key_len);
	keybuf[key_len] = '\0';
	if (find_key(m, kind, keybuf) != SIZE_MAX)
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: %s %s appears twice; refusing the map", name,
				    line_no, kind_names[kind], keybuf);
	if (has_number(m, number))
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s line %zu: number %u is given twice; refusing the map", name,
				    line_no, number);
	if (add_entry(m, kind, key, key_len, number, S_RECORDED, &index) != 0 ||
	    add_number(m, number) != 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	return 0;
}

int wo_idmap_parse(const char *name, const char *text, size_t len, struct wo_idmap **out,
		   struct wo_error *err)
{
	struct wo_idmap *m = calloc(1, sizeof(*m));
	size_t pos, line_no = 1;
	bool with_names = false;

	*out = NULL;
	if (m == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	if (len == 0) { /* an empty file is an empty map (e.g. created by hand) */
		*out = m;
		return 0;
	}
	_Static_assert(sizeof(HEADER) == sizeof(HEADER_V1), "headers of one length");
	if (len >= strlen(HEADER) && memcmp(text, HEADER, strlen(HEADER)) == 0)
		with_names = true;
	else if (len < strlen(HEADER_V1) || memcmp(text, HEADER_V1, strlen(HEADER_V1)) != 0) {
		wo_error_set(err, WO_ERR_SYSTEM,
			     "%s does not start with \"workos-idmap 2\" (or 1); refusing the map",
			     name);
		goto fail;
	}
	if (text[len - 1] != '\n') {
		wo_error_set(err, WO_ERR_SYSTEM,
			     "%s does not end with a newline (truncated?); refusing the map", name);
		goto fail;
	}
	if (memchr(text, '\0', len) != NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "%s holds a NUL byte; refusing the map", name);
		goto fail;
	}
	for (pos = strlen(HEADER); pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t line_len = (size_t)(nl - (text + pos));

		line_no++;
		if (parse_line(m, name, line_no, text + pos, line_len, with_names, err) != 0)
			goto fail;
		pos += line_len + 1;
	}
	if (resolve_names(m, name, err) != 0)
		goto fail;
	*out = m;
	return 0;
fail:
	wo_idmap_free(m);
	return -1;
}

int wo_idmap_load(const char *path, struct wo_idmap **out, struct wo_error *err)
{
	char what[300];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int fd, rc = -1;

	*out = NULL;
	snprintf(what, sizeof(what), "UID/GID map %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return wo_idmap_parse(path, "", 0, out, err);
	if (fd < 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot open %s: %s", what,
				    strerror(errno));
	/* The map decides who owns which files: only root may have written it.
	 * 0600 because the keys are the organization's member ids. */
	if (wo_file_check_trusted(fd, what, 1, err) != 0) {
		/* A refused map is a problem of local state, like a corrupt
		 * one, not of the configuration file. */
		if (err != NULL && err->kind == WO_ERR_CONFIG)
			err->kind = WO_ERR_SYSTEM;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		wo_error_set(err, WO_ERR_SYSTEM, "%s: %s", what, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size > WO_IDMAP_MAX_SIZE) {
		wo_error_set(err, WO_ERR_SYSTEM, "%s is too large; refusing the map", what);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	/* Read to the end: the size may have changed since fstat. */
	switch (wo_read_upto(fd, buf, cap, &len, what, err)) {
	case -1:
		goto out;
	case 1:
		wo_error_set(err, WO_ERR_SYSTEM, "%s changed while being read", what);
		goto out;
	}
	rc = wo_idmap_parse(path, buf, len, out, err);
out:
	free(buf);
	close(fd);
	return rc;
}

/* --- allocation --------------------------------------------------------------------- */

int wo_idmap_request(struct wo_idmap *m, enum wo_idmap_kind kind, const char *key,
		     uint32_t preferred, struct wo_error *err)
{
	size_t index;

	/* Names are not numbers: they go through wo_idmap_propose_name. */
	if ((unsigned)kind > WO_IDMAP_GROUP || key == NULL || !key_is_valid(kind, key, strlen(key)))
		return wo_error_set(err, WO_ERR_SYSTEM, "invalid key for the UID/GID map");
	index = find_key(m, kind, key);
	if (index != SIZE_MAX) {
		/* A second request for a pending key may add a preference. */
		if (m->v[index].state == S_PENDING && m->v[index].preferred == 0)
			m->v[index].preferred = preferred;
		return 0;
	}
	if (add_entry(m, kind, key, strlen(key), 0, S_PENDING, &index) != 0)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	m->v[index].preferred = preferred;
	return 0;
}

int wo_idmap_propose_name(struct wo_idmap *m, const char *user_id, const char *name,
			  struct wo_error *err)
{
	size_t user = user_id ? find_key(m, WO_IDMAP_USER, user_id) : SIZE_MAX;

	if (user == SIZE_MAX || name == NULL || !wo_name_is_valid(name))
		return wo_error_set(err, WO_ERR_SYSTEM, "invalid name proposal for the map");
	if (m->v[user].link != 0) /* named already, for good */
		return 0;
	if (m->n_props == m->cap_props) {
		size_t cap = m->cap_props ? m->cap_props * 2 : 64;
		struct proposal *v = realloc(m->props, cap * sizeof(*v));

		if (v == NULL)
			return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		m->props = v;
		m->cap_props = cap;
	}
	m->props[m->n_props].name = strdup(name);
	if (m->props[m->n_props].name == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	m->props[m->n_props++].user = (uint32_t)user;
	return 0;
}

static const struct wo_idmap *props_map;

/* By name, then by owner id: the oldest WorkOS account (ULIDs sort by
 * creation time) comes first among those who want one name. */
static int cmp_proposals(const void *a, const void *b)
{
	const struct proposal *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(props_map->v[x->user].key, props_map->v[y->user].key);
}

/* Gives each unclaimed name to the first user who proposed it and can hold
 * it (has a number, no name yet); a recorded name is never given again. */
static int allocate_names(struct wo_idmap *m)
{
	if (m->n_props == 0) /* props may be NULL: qsort must not see it */
		return 0;
	props_map = m;
	qsort(m->props, m->n_props, sizeof(*m->props), cmp_proposals);
	props_map = NULL;
	for (size_t i = 0; i < m->n_props; i++) {
		struct proposal *p = &m->props[i];
		struct entry *u = &m->v[p->user];
		size_t index;

		if (u->link != 0 || u->number == 0 ||
		    find_key(m, WO_IDMAP_NAME, p->name) != SIZE_MAX)
			continue;
		if (add_entry(m, WO_IDMAP_NAME, p->name, strlen(p->name), 0, S_NEW, &index) != 0)
			return -1;
		u = &m->v[p->user]; /* add_entry may have moved the entries */
		u->link = (uint32_t)index + 1;
		m->v[index].link = p->user + 1;
		m->added++;
	}
	for (size_t i = 0; i < m->n_props; i++)
		free(m->props[i].name);
	m->n_props = 0;
	return 0;
}

const char *wo_idmap_name_of(const struct wo_idmap *m, const char *user_id)
{
	size_t user = user_id ? find_key(m, WO_IDMAP_USER, user_id) : SIZE_MAX;

	if (user == SIZE_MAX || m->v[user].link == 0)
		return NULL;
	return m->v[m->v[user].link - 1].key;
}

const char *wo_idmap_owner_of(const struct wo_idmap *m, const char *name)
{
	size_t index = name ? find_key(m, WO_IDMAP_NAME, name) : SIZE_MAX;

	if (index == SIZE_MAX || m->v[index].link == 0)
		return NULL;
	return m->v[m->v[index].link - 1].key;
}

/* For new numbers only: a recorded number inside a range reserved since
 * stays its owner's (wo_idmap_allocate's local_clash checks holders only). */
static bool is_free(const struct wo_idmap *m, const struct wo_localdb *local, uint32_t number)
{
	return number != 0 && number != NOBODY16 && !has_number(m, number) &&
	       (local == NULL ||
		(!wo_localdb_reserved(local, number, NULL) && !wo_localdb_has_id(local, number)));
}

static const struct entry *sort_base;

static int cmp_entries(const void *a, const void *b)
{
	const struct entry *x = &sort_base[*(const uint32_t *)a];
	const struct entry *y = &sort_base[*(const uint32_t *)b];

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Sorts entry indices by kind then key (qsort has no context argument; the
 * base pointer is only used during the call, and the library is not used
 * from threads). */
static void sort_indices(const struct wo_idmap *m, uint32_t *idx, size_t n)
{
	sort_base = m->v;
	qsort(idx, n, sizeof(*idx), cmp_entries);
	sort_base = NULL;
}

static int take(struct wo_idmap *m, struct entry *e, uint32_t number)
{
	if (add_number(m, number) != 0)
		return -1;
	e->number = number;
	e->state = S_NEW;
	m->added++;
	return 0;
}

static int probe(struct wo_idmap *m, const struct wo_localdb *local, struct entry *e, uint32_t min,
		 uint32_t max)
{
	uint64_t span = (uint64_t)max - min + 1;
	uint64_t start = key_hash(e->kind, e->key) % span;
	uint64_t i = 0, tried = 0;

	/* Among taken + 1 distinct candidates one at least is free, so the walk
	 * is bounded by the numbers in use (plus 65535, never free), not by the
	 * size of the range.  The bound grows as the NSS probe finds holders.
	 * Reserved blocks are stepped over whole, at most once each, so they
	 * cost their count, not their size. */
	while (i < span &&
	       tried < (uint64_t)m->n_nums + (local ? wo_localdb_n_ids(local) : 0) + 2) {
		uint32_t cand = (uint32_t)(min + (start + i) % span), last;

		if (local != NULL && wo_localdb_reserved(local, cand, &last)) {
			i += (uint64_t)(last < max ? last : max) - cand + 1;
			continue;
		}
		if (is_free(m, local, cand))
			return take(m, e, cand);
		tried++;
		i++;
	}
	e->state = S_EXHAUSTED;
	return 0;
}

int wo_idmap_allocate(struct wo_idmap *m, const struct wo_idmap_ranges *r,
		      const struct wo_localdb *local, struct wo_error *err)
{
	uint32_t *idx = NULL;
	size_t n = 0;
	int rc = -1;

	if (r->uid_min == 0 || r->uid_min > r->uid_max || r->uid_max > NUMBER_MAX ||
	    r->gid_min == 0 || r->gid_min > r->gid_max || r->gid_max > NUMBER_MAX)
		return wo_error_set(err, WO_ERR_CONFIG, "invalid UID or GID range");
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = &m->v[i];

		e->local_clash = e->state == S_RECORDED && e->number != 0 && local != NULL &&
				 wo_localdb_has_id(local, e->number);
		if (e->state == S_EXHAUSTED) /* a second allocate retries */
			e->state = S_PENDING;
	}
	idx = malloc((m->n ? m->n : 1) * sizeof(*idx));
	if (idx == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");

	/* Pass 1: preferred numbers, in key order. */
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].state == S_PENDING && m->v[i].preferred != 0)
			idx[n++] = (uint32_t)i;
	sort_indices(m, idx, n);
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &m->v[idx[i]];
		bool user = e->kind == WO_IDMAP_USER;
		uint32_t min = user ? r->uid_min : r->gid_min, max = user ? r->uid_max : r->gid_max;

		if (e->preferred >= min && e->preferred <= max && is_free(m, local, e->preferred) &&
		    take(m, e, e->preferred) != 0)
			goto oom;
	}

	/* Pass 2: everybody else walks their probe sequence, in key order. */
	n = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].state == S_PENDING)
			idx[n++] = (uint32_t)i;
	sort_indices(m, idx, n);
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &m->v[idx[i]];
		bool user = e->kind == WO_IDMAP_USER;

		if (probe(m, local, e, user ? r->uid_min : r->gid_min,
			  user ? r->uid_max : r->gid_max) != 0)
			goto oom;
	}

	/* Pass 3: names, to users who have a number now. */
	if (allocate_names(m) != 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
out:
	free(idx);
	return rc;
}

enum wo_idmap_status wo_idmap_get(const struct wo_idmap *m, enum wo_idmap_kind kind,
				  const char *key, uint32_t *number)
{
	size_t index = key ? find_key(m, kind, key) : SIZE_MAX;

	*number = 0;
	if (index == SIZE_MAX)
		return WO_IDMAP_UNKNOWN;
	const struct entry *e = &m->v[index];
	switch ((enum state)e->state) {
	case S_RECORDED:
		if (e->local_clash)
			return WO_IDMAP_LOCAL;
		*number = e->number;
		return WO_IDMAP_OK;
	case S_NEW:
		*number = e->number;
		return WO_IDMAP_NEW;
	case S_EXHAUSTED:
		return WO_IDMAP_EXHAUSTED;
	case S_PENDING:
		break;
	}
	return WO_IDMAP_UNKNOWN;
}

size_t wo_idmap_count(const struct wo_idmap *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->v[i].number != 0;
	return n;
}

size_t wo_idmap_added(const struct wo_idmap *m)
{
	return m->added;
}

/* --- writing ------------------------------------------------------------------------ */

char *wo_idmap_format(const struct wo_idmap *m, size_t *len)
{
	uint32_t *idx = malloc((m->n ? m->n : 1) * sizeof(*idx));
	size_t n = 0, size = strlen(HEADER) + 1, pos;
	char *buf = NULL;

	if (idx == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct entry *e = &m->v[i];

		if (e->kind == WO_IDMAP_NAME)
			size += strlen(m->v[e->link - 1].key) + 2;
		else if (e->number == 0)
			continue;
		idx[n++] = (uint32_t)i;
		size += strlen(kind_names[e->kind]) + strlen(e->key) + 13;
	}
	sort_indices(m, idx, n);
	buf = malloc(size);
	if (buf == NULL)
		goto out;
	pos = (size_t)snprintf(buf, size, "%s", HEADER);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &m->v[idx[i]];

		if (e->kind == WO_IDMAP_NAME)
			pos += (size_t)snprintf(buf + pos, size - pos, "name %s %s\n", e->key,
						m->v[e->link - 1].key);
		else
			pos += (size_t)snprintf(buf + pos, size - pos, "%s %s %u\n",
						kind_names[e->kind], e->key, e->number);
	}
	if (len != NULL)
		*len = pos;
out:
	free(idx);
	return buf;
}

int wo_idmap_save(const struct wo_idmap *m, const char *path, struct wo_error *err)
{
	size_t len = 0;
	char *text = wo_idmap_format(m, &len);
	int rc;

	if (text == NULL)
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	/* The map says who owns which number on this host: root only. */
	rc = wo_atomic_replace(path, text, len, 0600, err);
	free(text);
	return rc;
}
