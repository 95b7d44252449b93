/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cache.h"
#include "fleet.h"
#include "snapshot_state.h"
#include "sync.h"

/* Reads a whole file of at most max bytes.  1 with a heap *buf, 0 when it
 * does not exist, -1 with err. */
static int read_file(const char *path, size_t max, unsigned char **buf, size_t *len,
		     struct wo_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t got = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot open %s: %s", path,
				    strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return wo_error_set(err, WO_ERR_SYSTEM,
				    "%s is not a regular file of at most %zu bytes", path, max);
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (*buf == NULL) {
		close(fd);
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			free(*buf);
			*buf = NULL;
			return wo_error_set(err, WO_ERR_SYSTEM, "reading %s: %s", path,
					    n < 0 ? strerror(errno) : "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 1;
}

static char *snapshot_path(const char *dir)
{
	size_t n = strlen(dir) + 1 + sizeof(WO_SNAPSHOT_FILE_NAME);
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, WO_SNAPSHOT_FILE_NAME);
	return p;
}

int fleet_publish_prepare(const struct wo_config *cfg, const char *dir,
			  struct wo_snapshot_key **key, struct wo_error *err)
{
	struct stat st;

	if (dir[0] != '/' || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return wo_error_set(err, WO_ERR_CONFIG,
				    "--publish needs an existing directory given by its absolute "
				    "path (%s)",
				    dir);
	return wo_snapshot_signing_key_load(cfg->snapshot_signing_key, key, err);
}

int fleet_publish(const struct wo_config *cfg, const char *dir, const struct wo_snapshot_key *key,
		  const struct wo_idmap *map, uint32_t uid_min, uint32_t uid_max,
		  struct wo_error *err)
{
	struct wo_snapshot s = {
	    .created = (int64_t)time(NULL), .uid_min = uid_min, .uid_max = uid_max};
	unsigned char *cache = NULL, *old = NULL, *out = NULL;
	char *idmap = NULL, *path = snapshot_path(dir);
	size_t cache_len = 0, idmap_len = 0, old_len = 0, out_len = 0;
	uint64_t serial = 0;
	int ret = -1, r;

	if (path == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	wo_atomic_remove_stale(path);
	/* Exactly the bytes this host serves: the cache just installed. */
	r = read_file(WO_CACHE_DEFAULT_PATH, WO_SNAPSHOT_MAX_SIZE / 2, &cache, &cache_len, err);
	if (r <= 0) {
		if (r == 0)
			wo_error_set(err, WO_ERR_SYSTEM, "%s is missing", WO_CACHE_DEFAULT_PATH);
		goto out;
	}
	idmap = wo_idmap_format(map, &idmap_len);
	if (idmap == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		goto out;
	}
	/* The serial only grows: from the publisher's own record, and from
	 * what DIR holds when it carries our signature (state lost, DIR kept). */
	if (wo_publish_serial_load(WO_PUBLISH_STATE_PATH, &serial, err) < 0)
		goto out;
	if (read_file(path, WO_SNAPSHOT_MAX_SIZE, &old, &old_len, err) < 0)
		goto out;
	if (old != NULL) {
		struct wo_snapshot prev;
		struct wo_error ignored = WO_ERROR_INIT;

		if (wo_snapshot_verify(old, old_len, key, &prev, &ignored) == 0 &&
		    prev.serial > serial)
			serial = prev.serial;
	}
	if (serial == UINT64_MAX - 1) {
		wo_error_set(err, WO_ERR_SYSTEM, "the snapshot serial is exhausted");
		goto out;
	}
	s.serial = serial + 1;
	snprintf(s.organization_id, sizeof(s.organization_id), "%s", cfg->organization_id);
	s.cache = cache;
	s.cache_len = cache_len;
	s.idmap = (const unsigned char *)idmap;
	s.idmap_len = idmap_len;
	/* Recorded before the file is written: a run that dies in between
	 * skips a serial, and none is ever handed out twice. */
	if (wo_publish_serial_save(WO_PUBLISH_STATE_PATH, s.serial, err) != 0 ||
	    wo_snapshot_build(&s, key, &out, &out_len, err) != 0 ||
	    wo_atomic_replace(path, out, out_len, 0644, err) != 0)
		goto out;
	sync_note("published %s: serial %" PRIu64 ", %zu bytes, signed by %s", path, s.serial,
		  out_len, wo_snapshot_key_fingerprint(key));
	ret = 0;
out:
	free(path);
	free(cache);
	free(old);
	free(out);
	free(idmap);
	return ret;
}
