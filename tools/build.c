/* SPDX-License-Identifier: MIT */
/*
 * Members → local users and groups.
 *
 * A member's local name is the one the allocation map records as theirs
 * (lib/idmap.h): given once, from the name their profile proposes
 * (lib/mapping.h), and theirs for good, whatever their email becomes.  The
 * PAM module admits to an account only its recorded owner, so a name is
 * never given away or shared: a newcomer who proposes a name someone owns
 * gets no account, and when two newcomers propose one name the older
 * account gets it.
 *
 * Who is left out (with a warning that names them), and why:
 *   - no name recorded and none usable proposed (lib/mapping.h), or a
 *     WorkOS id the cache cannot hold;
 *   - a proposed name that another WorkOS user owns;
 *   - a name that a local user or group already has (/etc/passwd,
 *     /etc/group), or that is one of our role groups or the member group
 *     (the user private group would clash): such a name is not given, and
 *     an owner whose name has been taken locally since is left out;
 *   - a UID the allocation map cannot give (range exhausted, or the recorded
 *     UID now belongs to a local account).
 * A role group is left out when its name is invalid, is a local group, or
 * is the member group; its members keep their other groups.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "cache_read.h"
#include "idmap.h"
#include "localdb.h"
#include "mapping.h"
#include "number.h"
#include "sync.h"

struct role {
	const char *slug; /* borrowed from the directory */
	char name[WO_NAME_MAX + 1];
	uint32_t gid;
	bool kept;
	size_t n_members;
	const char **members;
};

struct cand {
	size_t member; /* index in the directory */
	char name[WO_NAME_MAX + 1];
	uint32_t uid;
	bool kept;
	const char *stored; /* the name as the result owns it */
};

/* --- owned storage ---------------------------------------------------------------- */

static int own(struct sync_result *r, void *p)
{
	if (p == NULL)
		return -1;
	if (r->n_owned == r->cap_owned) {
		size_t cap = r->cap_owned ? r->cap_owned * 2 : 256;
		char **v = realloc(r->owned, cap * sizeof(*v));

		if (v == NULL) {
			free(p);
			return -1;
		}
		r->owned = v;
		r->cap_owned = cap;
	}
	r->owned[r->n_owned++] = p;
	return 0;
}

void sync_result_clear(struct sync_result *r)
{
	for (size_t i = 0; i < r->n_owned; i++)
		free(r->owned[i]);
	free(r->owned);
	free(r->users);
	free(r->groups);
	memset(r, 0, sizeof(*r));
}

/* --- fields ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (at most `left` bytes), or 0.
 * Overlong forms, surrogates, code points past U+10FFFF and C1 controls are
 * refused: they confuse terminals and parsers of `getent passwd`. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	uint32_t cp;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/*
 * "First Last" for the GECOS field: ':' would break the passwd line, ','
 * starts the GECOS sub-fields, control characters and broken UTF-8 reach
 * terminals; each such byte becomes '_'.  Cut to the cache's limit at a
 * character boundary.  Returns a heap string.
 */
static char *make_gecos(const char *first, const char *last)
{
	size_t lf = first ? strlen(first) : 0, ll = last ? strlen(last) : 0;
	size_t cap = lf + ll + 2, o = 0;
	char *joined = malloc(cap), *out = malloc(cap);

	if (joined == NULL || out == NULL) {
		free(joined);
		free(out);
		return NULL;
	}
	snprintf(joined, cap, "%s%s%s", first ? first : "", lf && ll ? " " : "", last ? last : "");
	const unsigned char *p = (const unsigned char *)joined;
	size_t len = strlen(joined);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);

		if (o + (n ? n : 1) > WO_CACHE_GECOS_MAX)
			break;
		if (n == 0 ||
		    (n == 1 && (p[i] < 0x20 || p[i] == 0x7f || p[i] == ':' || p[i] == ','))) {
			out[o++] = '_';
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	free(joined);
	return out;
}

/* The `uid` metadata value: plain decimal (lib/number.h), else ignored (0). */
static uint32_t parse_uid(const char *s)
{
	uint32_t v;

	return s != NULL && wo_parse_u32(s, strlen(s), UINT32_MAX, &v) ? v : 0;
}

/* --- roles ------------------------------------------------------------------------- */

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_role_slug(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct role *)elem)->slug);
}

static struct role *find_role(struct role *roles, size_t n, const char *slug)
{
	return n ? bsearch(slug, roles, n, sizeof(*roles), cmp_role_slug) : NULL;
}

/* The distinct role slugs of the directory, sorted, with their group names
 * checked.  *out is an array of *n roles for free(). */
static int collect_roles(const struct wo_config *cfg, const struct sync_directory *dir,
			 const struct wo_localdb *local, struct role **out, size_t *n_out,
			 struct sync_result *r)
{
	size_t total = 0, n = 0;
	const char **slugs;
	struct role *roles;

	for (size_t i = 0; i < dir->n; i++)
		total += dir->v[i].n_roles;
	slugs = malloc((total ? total : 1) * sizeof(*slugs));
	roles = calloc(total ? total : 1, sizeof(*roles));
	if (slugs == NULL || roles == NULL) {
		free(slugs);
		free(roles);
		return -1;
	}
	total = 0;
	for (size_t i = 0; i < dir->n; i++)
		for (size_t j = 0; j < dir->v[i].n_roles; j++)
			slugs[total++] = dir->v[i].roles[j];
	qsort(slugs, total, sizeof(*slugs), cmp_str_ptr);
	for (size_t i = 0; i < total; i++)
		if (n == 0 || strcmp(roles[n - 1].slug, slugs[i]) != 0)
			roles[n++].slug = slugs[i];
	free(slugs);

	for (size_t i = 0; i < n; i++) {
		struct role *ro = &roles[i];
		struct wo_error err = WO_ERROR_INIT;

		if (wo_map_role_group(cfg, ro->slug, ro->name, &err) != 0) {
			sync_warn("role %s: %s; no group for it", ro->slug, err.message);
		} else if (wo_localdb_has_group(local, ro->name)) {
			sync_warn("role %s: group %s is already a local group; left out", ro->slug,
				  ro->name);
		} else if (cfg->member_group && strcmp(cfg->member_group, ro->name) == 0) {
			sync_warn("role %s: group %s is the member_group; left out", ro->slug,
				  ro->name);
		} else {
			ro->kept = true;
			continue;
		}
		r->skipped_groups++;
	}
	*out = roles;
	*n_out = n;
	return 0;
}

/* --- members ----------------------------------------------------------------------- */

static bool is_our_group_name(const struct wo_config *cfg, struct role *roles, size_t n_roles,
			      const char *name)
{
	if (cfg->member_group && strcmp(cfg->member_group, name) == 0)
		return true;
	for (size_t i = 0; i < n_roles; i++)
		if (roles[i].kept && strcmp(roles[i].name, name) == 0)
			return true;
	return false;
}

/* Why `name` cannot be a member's account on this host, or NULL. */
static const char *name_taken(const struct wo_config *cfg, const struct wo_localdb *local,
			      struct role *roles, size_t n_roles, const char *name)
{
	if (wo_localdb_has_user(local, name) || wo_localdb_has_group(local, name))
		return "is already a local user or group";
	if (is_our_group_name(cfg, roles, n_roles, name))
		return "is the name of a WorkOS group";
	return NULL;
}

/* Proposes a name for every member who owns none yet; the map gives them
 * out (wo_idmap_allocate).  cands[i].name holds the proposal, "" if none. */
static int propose_names(const struct wo_config *cfg, const struct sync_directory *dir,
			 struct wo_idmap *map, const struct wo_localdb *local, struct role *roles,
			 size_t n_roles, struct cand *cands, struct wo_error *err)
{
	for (size_t i = 0; i < dir->n; i++) {
		const struct sync_member *m = &dir->v[i];
		struct wo_map_input in = {
		    .email = m->email,
		    .email_verified = m->email_verified,
		    .external_id = m->external_id,
		    .metadata_value = m->meta_username,
		};
		struct wo_error why = WO_ERROR_INIT;
		struct cand *c = &cands[i];
		const char *taken;

		c->member = i;
		c->name[0] = '\0';
		if (!wo_cache_id_is_valid(m->user_id, strlen(m->user_id)) ||
		    wo_idmap_name_of(map, m->user_id) != NULL)
			continue;
		if (wo_map_username(cfg, &in, c->name, &why) != 0) {
			sync_warn("member %s: %s; left out", m->user_id, why.message);
			c->name[0] = '\0';
		} else if ((taken = name_taken(cfg, local, roles, n_roles, c->name)) != NULL) {
			sync_warn("member %s: name %s %s; left out", m->user_id, c->name, taken);
			c->name[0] = '\0';
		} else if (wo_idmap_propose_name(map, m->user_id, c->name, err) != 0) {
			return -1;
		}
	}
	return 0;
}

static uint32_t number_for(const struct wo_config *cfg, const struct wo_idmap *map,
			   enum wo_idmap_kind kind, const char *key, const char *what);

/* After allocation: who keeps their account, with the name the map gives
 * them; cands[i].kept says who is in. */
static void name_members(const struct wo_config *cfg, const struct sync_directory *dir,
			 const struct wo_idmap *map, const struct wo_localdb *local,
			 struct role *roles, size_t n_roles, struct cand *cands,
			 struct sync_result *r)
{
	for (size_t i = 0; i < dir->n; i++) {
		const struct sync_member *m = &dir->v[i];
		struct cand *c = &cands[i];
		const char *owned, *owner, *taken;

		if (!wo_cache_id_is_valid(m->user_id, strlen(m->user_id))) {
			sync_warn("member with an unusable WorkOS user id left out");
		} else if ((owned = wo_idmap_name_of(map, m->user_id)) != NULL) {
			if ((taken = name_taken(cfg, local, roles, n_roles, owned)) != NULL) {
				sync_warn("member %s: their name %s %s; left out", m->user_id,
					  owned, taken);
			} else {
				snprintf(c->name, sizeof(c->name), "%s", owned);
				c->kept = true;
			}
		} else if (c->name[0] != '\0' &&
			   (owner = wo_idmap_owner_of(map, c->name)) != NULL) {
			/* The proposal lost to an owner: theirs for good. */
			sync_warn("member %s: name %s belongs to WorkOS user %s; no account for "
				  "%s until one of them is renamed (workosctl user %s)",
				  m->user_id, c->name, owner, m->user_id, c->name);
		} else if (c->name[0] != '\0') {
			char what[160];

			/* Proposed, unowned, not given: the map had no UID for
			 * them; number_for says why. */
			snprintf(what, sizeof(what), "member %s (%s)", m->user_id, c->name);
			number_for(cfg, map, WO_IDMAP_USER, m->user_id, what);
		}
		/* else: no usable proposal, warned by propose_names */
		r->skipped_members += !c->kept;
	}
}

/* --- numbers ----------------------------------------------------------------------- */

static int request_numbers(const struct wo_config *cfg, const struct sync_directory *dir,
			   struct wo_idmap *map, struct role *roles, size_t n_roles,
			   struct wo_error *err)
{
	/* Every member with a usable id asks, kept or not: allocation must not
	 * depend on host-local facts like /etc/passwd names, or hosts would
	 * drift apart; a number given now is simply kept for later. */
	for (size_t i = 0; i < dir->n; i++)
		if (wo_cache_id_is_valid(dir->v[i].user_id, strlen(dir->v[i].user_id)) &&
		    wo_idmap_request(map, WO_IDMAP_USER, dir->v[i].user_id,
				     parse_uid(dir->v[i].meta_uid), err) != 0)
			return -1;
	for (size_t i = 0; i < n_roles; i++)
		if (roles[i].kept &&
		    wo_idmap_request(map, WO_IDMAP_ROLE, roles[i].slug, 0, err) != 0)
			return -1;
	if (cfg->member_group &&
	    wo_idmap_request(map, WO_IDMAP_GROUP, cfg->member_group, 0, err) != 0)
		return -1;
	return 0;
}

static int allocate(const struct wo_config *cfg, struct wo_idmap *map,
		    const struct wo_localdb *local, struct wo_error *err)
{
	const struct wo_idmap_ranges ranges = {
	    .uid_min = cfg->uid_min,
	    .uid_max = cfg->uid_max,
	    .gid_min = cfg->gid_min,
	    .gid_max = cfg->gid_max,
	};

	return wo_idmap_allocate(map, &ranges, local, err);
}

/* The number of (kind, key), or 0 with a warning that says why not. */
static uint32_t number_for(const struct wo_config *cfg, const struct wo_idmap *map,
			   enum wo_idmap_kind kind, const char *key, const char *what)
{
	uint32_t n = 0;
	bool user = kind == WO_IDMAP_USER;

	switch (wo_idmap_get(map, kind, key, &n)) {
	case WO_IDMAP_OK:
	case WO_IDMAP_NEW:
		return n;
	case WO_IDMAP_EXHAUSTED:
		sync_warn("%s: no free %s left in [%u, %u]; left out", what, user ? "UID" : "GID",
			  user ? cfg->uid_min : cfg->gid_min, user ? cfg->uid_max : cfg->gid_max);
		break;
	case WO_IDMAP_LOCAL:
		sync_warn("%s: its recorded %s is now used by a local account; left out", what,
			  user ? "UID" : "GID");
		break;
	case WO_IDMAP_UNKNOWN:
		sync_warn("%s: no number was allocated; left out", what);
		break;
	}
	return 0;
}

/* --- result ------------------------------------------------------------------------ */

static int cmp_user_name(const void *a, const void *b)
{
	return strcmp(((const struct wo_cache_user *)a)->name,
		      ((const struct wo_cache_user *)b)->name);
}

static int cmp_group_name(const void *a, const void *b)
{
	return strcmp(((const struct wo_cache_group *)a)->name,
		      ((const struct wo_cache_group *)b)->name);
}

int sync_build(const struct wo_config *cfg, const struct sync_directory *dir, struct wo_idmap *map,
	       const struct wo_localdb *local, struct sync_result *r, struct wo_error *err)
{
	struct role *roles = NULL;
	size_t n_roles = 0, n_before = wo_idmap_added(map);
	struct cand *cands = NULL;
	const char **all = NULL;
	uint32_t member_gid = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	cands = calloc(dir->n ? dir->n : 1, sizeof(*cands));
	if (cands == NULL || collect_roles(cfg, dir, local, &roles, &n_roles, r) != 0)
		goto oom;
	if (cfg->member_group && wo_localdb_has_group(local, cfg->member_group)) {
		sync_warn("member_group %s is already a local group; left out", cfg->member_group);
		r->skipped_groups++;
	}
	if (request_numbers(cfg, dir, map, roles, n_roles, err) != 0 ||
	    propose_names(cfg, dir, map, local, roles, n_roles, cands, err) != 0 ||
	    allocate(cfg, map, local, err) != 0)
		goto fail;
	r->new_ids = wo_idmap_added(map) - n_before;
	name_members(cfg, dir, map, local, roles, n_roles, cands, r);

	for (size_t i = 0; i < dir->n; i++) {
		char what[160];

		if (!cands[i].kept)
			continue;
		snprintf(what, sizeof(what), "member %s (%s)", dir->v[i].user_id, cands[i].name);
		cands[i].uid = number_for(cfg, map, WO_IDMAP_USER, dir->v[i].user_id, what);
		if (cands[i].uid == 0) {
			cands[i].kept = false;
			r->skipped_members++;
		}
	}
	for (size_t i = 0; i < n_roles; i++) {
		char what[160];

		if (!roles[i].kept)
			continue;
		snprintf(what, sizeof(what), "group %s", roles[i].name);
		roles[i].gid = number_for(cfg, map, WO_IDMAP_ROLE, roles[i].slug, what);
		if (roles[i].gid == 0) {
			roles[i].kept = false;
			r->skipped_groups++;
		}
	}
	if (cfg->member_group && !wo_localdb_has_group(local, cfg->member_group)) {
		char what[160];

		snprintf(what, sizeof(what), "group %s", cfg->member_group);
		member_gid = number_for(cfg, map, WO_IDMAP_GROUP, cfg->member_group, what);
		r->skipped_groups += member_gid == 0;
	}

	/* Users, and a user private group each (GID = UID, no listed members:
	 * it is their primary group). */
	size_t n_kept = 0;
	for (size_t i = 0; i < dir->n; i++)
		n_kept += cands[i].kept;
	r->users = calloc(n_kept ? n_kept : 1, sizeof(*r->users));
	r->groups = calloc(n_kept + n_roles + 1, sizeof(*r->groups));
	all = malloc((n_kept ? n_kept : 1) * sizeof(*all));
	if (r->users == NULL || r->groups == NULL || own(r, all) != 0)
		goto oom;
	for (size_t i = 0; i < dir->n; i++) {
		const struct sync_member *m = &dir->v[i];
		struct wo_cache_user *u = &r->users[r->n_users];
		char *name, *gecos, *home;

		if (!cands[i].kept)
			continue;
		name = strdup(cands[i].name);
		if (own(r, name) != 0 ||
		    own(r, gecos = make_gecos(m->first_name, m->last_name)) != 0 ||
		    own(r, home = wo_config_home_for(cfg, name)) != 0)
			goto oom;
		cands[i].stored = name;
		*u = (struct wo_cache_user){
		    .name = name,
		    .uid = cands[i].uid,
		    .gid = cands[i].uid,
		    .gecos = gecos,
		    .dir = home,
		    .shell = cfg->shell,
		    .workos_id = m->user_id,
		};
		r->groups[r->n_groups++] = (struct wo_cache_group){.name = name, .gid = u->gid};
		all[r->n_users++] = name;
		for (size_t j = 0; j < m->n_roles; j++) {
			struct role *ro = find_role(roles, n_roles, m->roles[j]);

			if (ro != NULL && ro->kept)
				ro->n_members++;
		}
	}
	qsort(all, r->n_users, sizeof(*all), cmp_str_ptr);

	/* Role groups: members in name order, each once even if WorkOS lists a
	 * role twice on one membership. */
	for (size_t i = 0; i < n_roles; i++) {
		struct role *ro = &roles[i];

		if (!ro->kept)
			continue;
		ro->members = malloc((ro->n_members ? ro->n_members : 1) * sizeof(*ro->members));
		if (own(r, (void *)ro->members) != 0)
			goto oom;
		ro->n_members = 0;
	}
	for (size_t i = 0; i < dir->n; i++) {
		const struct sync_member *m = &dir->v[i];

		if (!cands[i].kept)
			continue;
		for (size_t j = 0; j < m->n_roles; j++) {
			struct role *ro = find_role(roles, n_roles, m->roles[j]);

			if (ro != NULL && ro->kept)
				ro->members[ro->n_members++] = cands[i].stored;
		}
	}
	for (size_t i = 0; i < n_roles; i++) {
		struct role *ro = &roles[i];
		char *name;

		if (!ro->kept)
			continue;
		qsort(ro->members, ro->n_members, sizeof(*ro->members), cmp_str_ptr);
		size_t w = 0;
		for (size_t k = 0; k < ro->n_members; k++)
			if (w == 0 || strcmp(ro->members[w - 1], ro->members[k]) != 0)
				ro->members[w++] = ro->members[k];
		ro->n_members = w;
		name = strdup(ro->name);
		if (own(r, name) != 0)
			goto oom;
		r->groups[r->n_groups++] = (struct wo_cache_group){
		    .name = name, .gid = ro->gid, .members = ro->members, .n_members = w};
	}
	if (member_gid != 0)
		r->groups[r->n_groups++] = (struct wo_cache_group){
		    .name = cfg->member_group,
		    .gid = member_gid,
		    .members = all,
		    .n_members = r->n_users,
		};

	qsort(r->users, r->n_users, sizeof(*r->users), cmp_user_name);
	qsort(r->groups, r->n_groups, sizeof(*r->groups), cmp_group_name);
	rc = 0;
	goto out;
oom:
	wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
fail:
	sync_result_clear(r);
out:
	free(roles);
	free(cands);
	return rc;
}
