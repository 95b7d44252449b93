/* SPDX-License-Identifier: MIT */
/*
 * workos-sync: one refresh of the NSS cache from the WorkOS API.
 *
 *   1. read workos.conf and the API key (refused unless root-owned, 0600);
 *   2. take the cache lock (not with --dry-run), read the allocation map
 *      and the local /etc/passwd and /etc/group;
 *   3. list every active member (sync_fetch), over one kept-alive
 *      connection;
 *   4. map them to users and groups (sync_build);
 *   5. record new numbers in the allocation map, then write the cache.
 * The map is saved before the cache so the cache never holds a number the
 * map does not.  Any failure before step 5 leaves both files as they were;
 * a failure writing the cache leaves the old cache (the map may then hold
 * numbers nobody uses yet, which is harmless: they are reserved).
 *
 * Exit statuses come from the error's category, in exit_status() only.
 */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "atomic_file.h"
#include "cache.h"
#include "config.h"
#include "fleet.h"
#include "idmap.h"
#include "localdb.h"
#include "owner.h"
#include "nssprobe.h"
#include "sync.h"
#include "sync_audit.h"

enum {
	EXIT_OK = 0,
	EXIT_CONFIG = 1, /* usage, workos.conf, API key file, key refused */
	EXIT_API = 2,	 /* network, TLS, HTTP, API errors, bad answers */
	EXIT_LOCAL = 3,	 /* allocation map, cache, lock, disk, memory */
};

static int exit_status(const struct wo_error *err)
{
	switch (err->kind) {
	case WO_ERR_NONE:
		return EXIT_OK;
	case WO_ERR_CONFIG:
		return EXIT_CONFIG;
	case WO_ERR_NETWORK:
	case WO_ERR_TLS:
	case WO_ERR_HTTP:
	case WO_ERR_API:
	case WO_ERR_DECODE:
	case WO_ERR_TOKEN:
	case WO_ERR_DENIED:
		return EXIT_API;
	case WO_ERR_SYSTEM:
	case WO_ERR_INVALID: /* our own data refused by the cache writer: a bug */
		break;
	}
	return EXIT_LOCAL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: workos-sync [--config PATH] [--dry-run] [--full] [--verbose]\n"
		"Refresh the cache of WorkOS users and groups the workos NSS module serves.\n"
		"\n"
		"  --config PATH  read PATH instead of %s\n"
		"  --dry-run      print what would change, write nothing\n"
		"  --full         list every member instead of applying the events\n"
		"  --verbose      print requests, skipped members and a summary\n"
		"  --help         print this help\n"
		"  --version      print the version\n"
		"  --publish DIR  then sign the cache into DIR/nss.snapshot (fleet publisher)\n"
		"\n"
		"Exit status: 0 done, 1 configuration, 2 WorkOS API or network,\n"
		"3 local files (cache, allocation map).  See workos-sync(8).\n",
		WO_DEFAULT_CONFIG_PATH);
}

struct options {
	const char *config;
	const char *publish; /* --publish DIR, or NULL */
	bool dry_run;
	bool verbose;
	bool full;
};

/* Returns -1 to go on, or an exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"publish", required_argument, NULL, 'p'}, {"config", required_argument, NULL, 'c'},
	    {"dry-run", no_argument, NULL, 'n'},       {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},	       {"full", no_argument, NULL, 'f'},
	    {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
	};
	int ch;

	o->config = WO_DEFAULT_CONFIG_PATH;
	/* Long options only: the contract is exactly these flags. */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->publish = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'f':
			o->full = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("workos-sync (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "workos-sync: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return EXIT_CONFIG;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct options opt = {0};
	struct wo_error err = WO_ERROR_INIT;
	struct wo_config *cfg = NULL;
	struct wo_client *client = NULL;
	struct wo_idmap *map = NULL;
	struct wo_localdb *local = NULL;
	struct wo_nssprobe *probe = NULL;
	struct sync_state st = {0};
	struct sync_result res = {0};
	struct wo_http_stats stats = {0};
	int lock_fd = -1, status;
	struct wo_snapshot_key *signing_key = NULL;

	status = parse_options(argc, argv, &opt);
	if (status >= 0)
		return status;
	sync_ui_init(opt.verbose, isatty(STDERR_FILENO) == 1);

	if (wo_config_load(opt.config, &cfg, &err) != 0)
		goto out;
	/* A fleet member pulls the publisher's signed snapshot instead of
	 * asking WorkOS, and needs no API key (tools/fleet.h). */
	if (cfg->snapshot_url != NULL && opt.publish == NULL) {
		fleet_pull(cfg, opt.dry_run, &err);
		goto out;
	}
	if ((opt.publish != NULL &&
	     fleet_publish_prepare(cfg, opt.publish, &signing_key, &err) != 0) ||
	    wo_client_new(cfg, WO_KEY_REQUIRED, &client, &err) != 0)
		goto out;
	wo_http_set_trace(wo_client_http(client), sync_trace, NULL);

	/* Held until the cache is written: two runs must not both allocate. */
	if (!opt.dry_run && (lock_fd = wo_cache_lock(WO_CACHE_DEFAULT_PATH, &err)) < 0)
		goto out;
	/* A run killed mid-write (kill -9, power loss) leaves its temp file;
	 * with the lock held none of them can be a live writer's. */
	if (!opt.dry_run) {
		int stale = wo_atomic_remove_stale(WO_CACHE_DEFAULT_PATH) +
			    wo_atomic_remove_stale(WO_IDMAP_PATH) +
			    wo_atomic_remove_stale(WO_UID_RANGE_PATH) +
			    wo_atomic_remove_stale(WO_SYNC_STATE_PATH);

		if (stale > 0)
			sync_note("removed %d temp files of interrupted runs", stale);
	}
	/* Numbers and names nobody else holds: the files, every other NSS
	 * source (asked per candidate), subordinate IDs and systemd's ranges. */
	if (wo_idmap_load(WO_IDMAP_PATH, &map, &err) != 0 ||
	    wo_localdb_load(WO_PASSWD_PATH, WO_GROUP_PATH, &local, &err) != 0 ||
	    wo_localdb_reserve_subids(local, WO_SUBUID_PATH, &err) != 0 ||
	    wo_localdb_reserve_subids(local, WO_SUBGID_PATH, &err) != 0 ||
	    wo_localdb_reserve_systemd(local, &err) != 0 ||
	    wo_nssprobe_new(WO_CACHE_DEFAULT_PATH, &probe, &err) != 0 ||
	    wo_nssprobe_attach(probe, local, &err) != 0)
		goto out;

	if (sync_read_directory(client, cfg, opt.full, &st, &err) != 0)
		goto out;
	wo_http_get_stats(wo_client_http(client), &stats);
	sync_note("%zu active members in %u membership pages, %u user pages, %u single users; "
		  "%lu HTTP requests over %lu connections",
		  st.dir.n, st.dir.membership_pages, st.dir.user_pages, st.dir.user_gets,
		  stats.requests, stats.connects);

	/* Said with or without --verbose: the admin should fix these profiles in WorkOS. */
	if (st.dir.unreadable > 0 || st.dir.cleaned > 0)
		sync_warn("%u members left out for data WorkOS sent that cannot be used, "
			  "%u kept with their names cleaned",
			  st.dir.unreadable, st.dir.cleaned);

	sync_progress("mapping %zu members", st.dir.n);
	if (sync_build(cfg, &st.dir, map, local, &res, &err) != 0 ||
	    wo_nssprobe_failed(probe, &err))
		goto out;
	sync_progress_done();

	if (opt.dry_run) {
		sync_diff(WO_CACHE_DEFAULT_PATH, &res, stdout);
		printf("allocation map: %zu new entries would be recorded\n", res.new_ids);
		goto out;
	}
	if (res.new_ids > 0 && wo_idmap_save(map, WO_IDMAP_PATH, &err) != 0)
		goto out;
	if (wo_cache_write(WO_CACHE_DEFAULT_PATH, res.users, res.n_users, res.groups, res.n_groups,
			   &err) != 0)
		goto out;
	/* The range the accounts come from, so that the account phase knows a
	 * member the cache no longer holds (lib/owner.h): the configured one,
	 * widened to UIDs given under an earlier configuration. */
	uint32_t lo = cfg->uid_min, hi = cfg->uid_max;
	for (size_t i = 0; i < res.n_users; i++) {
		lo = res.users[i].uid < lo ? res.users[i].uid : lo;
		hi = res.users[i].uid > hi ? res.users[i].uid : hi;
	}
	if (wo_uid_range_save(WO_UID_RANGE_PATH, lo, hi, &err) != 0)
		goto out;
	/* After the cache: the saved cursor is never ahead of what is installed
	 * (a failure here replays the same events next time). */
	if (sync_state_save(WO_SYNC_STATE_PATH, &st, &err) != 0)
		goto out;
	/* The login decisions pam_workos spooled (issue #15), once the cache
	 * is safe: reported, never a reason for the run to fail. */
	sync_audit_flush(client);
	sync_note("wrote %s: %zu users, %zu groups; %zu members and %zu groups left out; "
		  "%zu new numbers and names recorded",
		  WO_CACHE_DEFAULT_PATH, res.n_users, res.n_groups, res.skipped_members,
		  res.skipped_groups, res.new_ids);
	/* Exactly what this host now serves, for the fleet to pull. */
	if (opt.publish != NULL &&
	    fleet_publish(cfg, opt.publish, signing_key, map, lo, hi, &err) != 0) {
		fprintf(stderr,
			"workos-sync: the local cache was updated, but publishing failed\n");
		goto out;
	}
out:
	sync_progress_done();
	status = exit_status(&err);
	if (status != EXIT_OK)
		fprintf(stderr, "workos-sync: %s; the cache was left as it was\n", err.message);
	if (lock_fd >= 0)
		close(lock_fd);
	sync_result_clear(&res);
	sync_state_clear(&st);
	wo_localdb_free(local);
	wo_nssprobe_free(probe);
	wo_idmap_free(map);
	wo_client_free(client);
	wo_config_free(cfg);
	wo_snapshot_key_free(signing_key);
	return status;
}
