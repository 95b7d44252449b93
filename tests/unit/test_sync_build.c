/* SPDX-License-Identifier: MIT */
/* workos-sync's mapping step (tools/build.c): members → users and groups. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "idmap.h"
#include "localdb.h"
#include "sync.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test_sync_build.XXXXXX";

static struct wo_config *config(const char *extra)
{
	char text[1024];
	struct wo_config *cfg = NULL;
	struct wo_error err = WO_ERROR_INIT;

	snprintf(text, sizeof(text), "client_id = client_1\norganization_id = org_1\n%s\n", extra);
	if (wo_config_parse("test.conf", text, strlen(text), &cfg, &err) != 0) {
		printf("Bail out! config: %s\n", err.message);
		exit(1);
	}
	return cfg;
}

static struct wo_localdb *localdb(const char *passwd, const char *group)
{
	char p[300], g[300];
	struct wo_localdb *db;
	struct wo_error err = WO_ERROR_INIT;
	FILE *f;

	snprintf(p, sizeof(p), "%s/passwd", tmpdir);
	snprintf(g, sizeof(g), "%s/group", tmpdir);
	if ((f = fopen(p, "w")) == NULL || fputs(passwd, f) < 0 || fclose(f) != 0 ||
	    (f = fopen(g, "w")) == NULL || fputs(group, f) < 0 || fclose(f) != 0 ||
	    wo_localdb_load(p, g, &db, &err) != 0) {
		printf("Bail out! localdb\n");
		exit(1);
	}
	return db;
}

/* add(dir, id, email, first, last, uid-metadata, roles...) */
static void add(struct sync_directory *d, const char *id, const char *email, const char *first,
		const char *last, const char *meta_uid, const char *roles)
{
	struct sync_member *m;
	char *list = strdup(roles), *save = NULL;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
	}
	m = &d->v[d->n++];
	memset(m, 0, sizeof(*m));
	m->user_id = strdup(id);
	m->membership_id = strdup("om_1");
	m->email = strdup(email);
	m->email_verified = true;
	m->first_name = first ? strdup(first) : NULL;
	m->last_name = last ? strdup(last) : NULL;
	m->meta_uid = meta_uid ? strdup(meta_uid) : NULL;
	for (char *r = strtok_r(list, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		m->roles = realloc(m->roles, (m->n_roles + 1) * sizeof(*m->roles));
		m->roles[m->n_roles++] = strdup(r);
	}
	free(list);
}

static const struct wo_cache_user *user(const struct sync_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_users; i++)
		if (strcmp(r->users[i].name, name) == 0)
			return &r->users[i];
	return NULL;
}

static const struct wo_cache_group *group(const struct sync_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_groups; i++)
		if (strcmp(r->groups[i].name, name) == 0)
			return &r->groups[i];
	return NULL;
}

/* Members of a group joined with ',' (static buffer). */
static const char *members(const struct sync_result *r, const char *name)
{
	static char buf[512];
	const struct wo_cache_group *g = group(r, name);

	buf[0] = '\0';
	if (g == NULL)
		return "(no group)";
	for (size_t i = 0; i < g->n_members; i++) {
		if (i)
			strcat(buf, ",");
		strncat(buf, g->members[i], sizeof(buf) - strlen(buf) - 2);
	}
	return buf;
}

static int build(const struct wo_config *cfg, struct sync_directory *d,
		 const struct wo_localdb *local, struct sync_result *r)
{
	struct wo_idmap *map;
	struct wo_error err = WO_ERROR_INIT;
	int rc;

	if (wo_idmap_parse("map", "", 0, &map, &err) != 0)
		return -1;
	rc = sync_build(cfg, d, map, local, r, &err);
	if (rc != 0)
		diag("sync_build: %s", err.message);
	wo_idmap_free(map);
	return rc;
}

static void test_basic(void)
{
	struct wo_config *cfg = config("home_dir = /srv/%u/home\nshell = /bin/zsh");
	struct wo_localdb *local = localdb("root:x:0:0::/root:/bin/sh\nsam:x:5:5::/:/bin/sh\n",
					   "root:x:0:\nstaff:x:50:\n");
	struct sync_directory d = {0};
	struct sync_result r = {0};

	add(&d, "user_01", "Ada@example.com", "Ada", "Lovelace", NULL, "admin,admin");
	add(&d, "user_02", "grace@example.com", "Grace", NULL, "2001300000", "developer,admin");
	add(&d, "user_03", "sam@example.com", "Sam", "Local", NULL, "member");
	add(&d, "user_04", "alex@example.com", NULL, NULL, NULL, "member");
	add(&d, "user_05", "alex@example.org", NULL, NULL, NULL, "member");
	add(&d, "user_06", "Alex@example.net", NULL, NULL, NULL, "member");
	add(&d, "user_07", "dr+who@example.com", NULL, NULL, NULL, "member");
	add(&d, "user_08", "workos-admin@example.com", NULL, NULL, NULL, "member");
	add(&d, "user_09", "workos-users@example.com", NULL, NULL, NULL, "member");
	add(&d, "user/10", "slash@example.com", NULL, NULL, NULL, "member");
	add(&d, "user_11", "staff@example.com", NULL, NULL, NULL, "member");
	add(&d, "user_12", "mo@example.com", "Mo", "Bad Role", NULL, "Bad Slug,member");
	add(&d, "user_13", "zed@example.com", NULL, NULL, NULL, "staff-role");

	is_int(build(cfg, &d, local, &r), 0, "build succeeds");
	is_int(r.n_users, 5, "five members make it (ada, alex, grace, mo, zed)");
	const struct wo_cache_user *u = user(&r, "ada");
	ok(u != NULL, "ada is a user (email folded to lowercase)");
	if (u) {
		is_int(u->gid, u->uid, "ada: primary gid = uid");
		is_str(u->gecos, "Ada Lovelace", "ada: gecos");
		is_str(u->dir, "/srv/ada/home", "ada: home from home_dir");
		is_str(u->shell, "/bin/zsh", "ada: shell");
		is_str(u->workos_id, "user_01", "ada: WorkOS id");
		ok(u->uid >= 2001000000 && u->uid <= 2099999999, "ada: uid in range");
	}
	u = user(&r, "grace");
	is_int(u ? u->uid : 0, 2001300000, "grace: metadata uid");
	is_str(u ? u->gecos : NULL, "Grace", "grace: gecos with only a first name");
	ok(user(&r, "sam") == NULL, "a name in /etc/passwd is left out");
	is_str(user(&r, "alex") ? user(&r, "alex")->workos_id : NULL, "user_04",
	       "three newcomers propose alex: the oldest account (smallest id) gets it");
	ok(user(&r, "staff") == NULL, "a name in /etc/group is left out");
	ok(user(&r, "workos-admin") == NULL, "a member named like a role group is left out");
	ok(user(&r, "workos-users") == NULL, "a member named like member_group is left out");
	is_int(r.skipped_members, 8, "eight members left out");

	is_str(members(&r, "workos-admin"), "ada,grace", "role group: members sorted, once each");
	is_str(members(&r, "workos-developer"), "grace", "second role group");
	is_str(members(&r, "workos-member"), "alex,mo", "third role group");
	is_str(members(&r, "workos-users"), "ada,alex,grace,mo,zed", "member_group: every user");
	is_str(members(&r, "ada"), "", "user private group without listed members");
	ok(group(&r, "workos-staff-role") != NULL, "role slug with '-' makes a group");
	ok(group(&r, "workos-bad slug") == NULL, "an invalid role slug makes no group");
	is_int(r.skipped_groups, 1, "one group left out");
	const struct wo_cache_group *g = group(&r, "workos-admin");
	ok(g && g->gid >= 2100000000 && g->gid <= 2146999999, "role gid in range");
	ok(group(&r, "ada") && group(&r, "ada")->gid == user(&r, "ada")->uid,
	   "user private group gid = uid");
	int sorted = 1;
	for (size_t i = 1; i < r.n_users; i++)
		sorted &= strcmp(r.users[i - 1].name, r.users[i].name) < 0;
	for (size_t i = 1; i < r.n_groups; i++)
		sorted &= strcmp(r.groups[i - 1].name, r.groups[i].name) < 0;
	ok(sorted, "users and groups sorted by name, no duplicates");
	is_int(r.new_ids, 13 - 1 + 4 + 1 + 5,
	       "map entries: 12 usable user ids, 4 roles, member_group, 5 names");

	sync_result_clear(&r);
	sync_directory_clear(&d);
	wo_localdb_free(local);
	wo_config_free(cfg);
}

static void test_gecos(void)
{
	struct wo_config *cfg = config("");
	struct wo_localdb *local = localdb("", "");
	struct sync_directory d = {0};
	struct sync_result r = {0};
	char longname[400];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memcpy(longname + 254, "\xc3\xa9", 2); /* é across the 255-byte limit */
	add(&d, "user_a", "a@x.com", "Ada:x", "Love,lace\x01", NULL, "m");
	add(&d, "user_b", "b@x.com", "Jos\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", NULL, "m");
	add(&d, "user_c", "c@x.com", "bad\xff", "over\xc0\xaflong", NULL, "m");
	add(&d, "user_d", "d@x.com", "c1\xc2\x85", "sur\xed\xa0\x80rogate", NULL, "m");
	add(&d, "user_e", "e@x.com", longname, NULL, NULL, "m");
	add(&d, "user_f", "f@x.com", NULL, NULL, NULL, "m");
	add(&d, "user_g", "g@x.com", "cut\xe6\x97", NULL, NULL, "m");
	is_int(build(cfg, &d, local, &r), 0, "build succeeds");
	is_str(user(&r, "a")->gecos, "Ada_x Love_lace_", "':' ',' and controls become '_'");
	is_str(user(&r, "b")->gecos, "Jos\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", "UTF-8 kept");
	is_str(user(&r, "c")->gecos, "bad_ over__long", "invalid and overlong UTF-8 replaced");
	is_str(user(&r, "d")->gecos, "c1__ sur___rogate", "C1 controls and surrogates replaced");
	is_int(strlen(user(&r, "e")->gecos), 254, "cut to 255 bytes at a character boundary");
	is_str(user(&r, "f")->gecos, "", "no name: empty gecos");
	is_str(user(&r, "g")->gecos, "cut__", "truncated UTF-8 sequence replaced");
	sync_result_clear(&r);
	sync_directory_clear(&d);
	wo_localdb_free(local);
	wo_config_free(cfg);
}

static void test_exhaustion(void)
{
	struct wo_config *cfg = config("uid_min = 300000\nuid_max = 300001\nmember_group =");
	struct wo_localdb *local = localdb("", "");
	struct sync_directory d = {0};
	struct sync_result r = {0};

	add(&d, "user_1", "one@x.com", NULL, NULL, NULL, "m");
	add(&d, "user_2", "two@x.com", NULL, NULL, NULL, "m");
	add(&d, "user_3", "three@x.com", NULL, NULL, NULL, "m");
	is_int(build(cfg, &d, local, &r), 0, "build succeeds with too few UIDs");
	is_int(r.n_users, 2, "two UIDs, two users");
	ok(user(&r, "one") && user(&r, "two") && !user(&r, "three"),
	   "the first two ids in order get them");
	is_int(r.skipped_members, 1, "the third is left out");
	ok(group(&r, "workos-users") == NULL, "member_group = (empty) disables it");
	sync_result_clear(&r);
	sync_directory_clear(&d);
	wo_localdb_free(local);
	wo_config_free(cfg);
}

static void clear_dir(struct sync_directory *d)
{
	sync_directory_clear(d);
	memset(d, 0, sizeof(*d));
}

/* One sync run against a map that lives on between runs, as the file does. */
static int run(const struct wo_config *cfg, struct sync_directory *d, struct wo_idmap **map,
	       const struct wo_localdb *local, struct sync_result *r)
{
	struct wo_error err = WO_ERROR_INIT;
	size_t len;
	char *text;
	int rc;

	sync_result_clear(r);
	rc = sync_build(cfg, d, *map, local, r, &err);
	if (rc != 0)
		diag("sync_build: %s", err.message);
	/* Through the file format, so that what is recorded is what counts. */
	text = wo_idmap_format(*map, &len);
	wo_idmap_free(*map);
	*map = NULL;
	if (text == NULL || wo_idmap_parse("map", text, len, map, &err) != 0) {
		printf("Bail out! map does not read back: %s\n", err.message);
		exit(1);
	}
	free(text);
	return rc;
}

static const char *owner_of(const struct sync_result *r, const char *name)
{
	const struct wo_cache_user *u = user(r, name);

	return u ? u->workos_id : NULL;
}

static uint32_t uid_of(const struct sync_result *r, const char *name)
{
	const struct wo_cache_user *u = user(r, name);

	return u ? u->uid : 0;
}

/* A name belongs to the WorkOS user it was first given to, whatever the
 * emails say later (issue: an email change must not hand over an account). */
static void test_ownership(void)
{
	struct wo_config *cfg = config("");
	struct wo_localdb *local = localdb("root:x:0:0::/root:/bin/sh\n", "root:x:0:\n");
	struct wo_idmap *map = NULL;
	struct wo_error err = WO_ERROR_INIT;
	struct sync_directory d = {0};
	struct sync_result r = {0};
	uint32_t ada_uid;

	wo_idmap_parse("map", "", 0, &map, &err);
	add(&d, "user_01A", "ada@example.com", NULL, NULL, NULL, "admin");
	add(&d, "user_01B", "bob@example.com", NULL, NULL, NULL, "developer");
	is_int(run(cfg, &d, &map, local, &r), 0, "ownership: first run");
	is_str(owner_of(&r, "ada"), "user_01A", "ada is given to user_01A");
	is_str(owner_of(&r, "bob"), "user_01B", "bob is given to user_01B");
	ada_uid = uid_of(&r, "ada");
	is_str(wo_idmap_owner_of(map, "ada"), "user_01A", "the map records ada's owner");
	is_str(wo_idmap_name_of(map, "user_01B"), "bob", "the map records user_01B's name");

	/* Emails swapped and a newcomer who wants ada: nobody moves. */
	clear_dir(&d);
	add(&d, "user_01B", "ada@elsewhere.example", NULL, NULL, NULL, "developer");
	add(&d, "user_01A", "bob@elsewhere.example", NULL, NULL, NULL, "admin");
	add(&d, "user_01C", "ada@newcomer.example", NULL, NULL, NULL, "admin");
	add(&d, "user_01D", "root@elsewhere.example", NULL, NULL, NULL, "admin");
	is_int(run(cfg, &d, &map, local, &r), 0, "ownership: second run");
	is_str(owner_of(&r, "ada"), "user_01A", "an email change does not move ada");
	is_str(owner_of(&r, "bob"), "user_01B", "nor bob");
	is_int(uid_of(&r, "ada"), ada_uid, "ada keeps the UID");
	is_int(r.n_users, 2, "the newcomer who wants ada gets no account");
	ok(wo_idmap_name_of(map, "user_01C") == NULL, "  and no name is recorded for them");
	ok(user(&r, "root") == NULL && wo_idmap_owner_of(map, "root") == NULL,
	   "root@ proposes a local name: not given, not recorded");
	is_int(r.skipped_members, 2, "two members left out");

	/* The owner leaves; the name waits for them. */
	clear_dir(&d);
	add(&d, "user_01B", "bob@example.com", NULL, NULL, NULL, "developer");
	add(&d, "user_01C", "ada@newcomer.example", NULL, NULL, NULL, "admin");
	is_int(run(cfg, &d, &map, local, &r), 0, "ownership: the owner left");
	ok(user(&r, "ada") == NULL, "a departed owner's name is not handed to the newcomer");

	/* Back, without an email at all: the recorded name is theirs. */
	clear_dir(&d);
	add(&d, "user_01A", "x", NULL, NULL, NULL, "admin");
	free(d.v[0].email);
	d.v[0].email = NULL;
	add(&d, "user_01B", "bob@example.com", NULL, NULL, NULL, "developer");
	is_int(run(cfg, &d, &map, local, &r), 0, "ownership: the owner returns");
	is_str(owner_of(&r, "ada"), "user_01A", "the returning owner gets ada back");
	is_int(uid_of(&r, "ada"), ada_uid, "  with the same UID");
	is_int(r.new_ids, 0, "  and nothing new is recorded");

	/* A local account named ada appears: the owner is left out, the name
	 * stays recorded as theirs. */
	wo_localdb_free(local);
	local = localdb("ada:x:1000:1000::/home/ada:/bin/sh\n", "");
	is_int(run(cfg, &d, &map, local, &r), 0, "ownership: a local ada appears");
	ok(user(&r, "ada") == NULL, "the WorkOS ada steps aside for the local one");
	is_str(wo_idmap_owner_of(map, "ada"), "user_01A", "  and still owns the name");

	sync_result_clear(&r);
	sync_directory_clear(&d);
	wo_idmap_free(map);
	wo_localdb_free(local);
	wo_config_free(cfg);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	sync_ui_init(false, false);
	test_basic();
	test_gecos();
	test_exhaustion();
	test_ownership();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
