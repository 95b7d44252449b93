/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "number.h"
#include "secret.h"
#include "snapshot_state.h"

#define STATE_MAGIC   "workos-snapshot-state 1\n"
#define PUBLISH_MAGIC "workos-publish-state 1\n"
#define STATE_MAX     4096

/* Reads a small root-owned file whole.  1 with a NUL-terminated heap *text,
 * 0 when missing, -1 with err. */
static int read_small(const char *path, const char *what, char **text, size_t *len,
		      struct wo_error *err)
{
	char name[300];
	int fd, r;

	*text = NULL;
	snprintf(name, sizeof(name), "%s %s", what, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return wo_error_set(err, WO_ERR_SYSTEM, "cannot open %s: %s", name,
				    strerror(errno));
	}
	if (wo_file_check_trusted(fd, name, 0, err) != 0) {
		close(fd);
		return -1;
	}
	*text = malloc(STATE_MAX + 1);
	if (*text == NULL) {
		close(fd);
		return wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
	}
	r = wo_read_upto(fd, *text, STATE_MAX, len, name, err);
	close(fd);
	if (r != 0) {
		free(*text);
		*text = NULL;
		if (r > 0)
			return wo_error_set(err, WO_ERR_SYSTEM, "%s is too large", name);
		return -1;
	}
	(*text)[*len] = '\0';
	return 1;
}

/* Printable ASCII only (space included): what HTTP header values and URLs
 * we keep may hold. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static bool set_text(char *field, size_t cap, const char *value)
{
	size_t n = strlen(value);

	if (n >= cap || !printable(value))
		return false;
	memcpy(field, value, n + 1);
	return true;
}

int wo_snapshot_state_load(const char *path, struct wo_snapshot_state *out, struct wo_error *err)
{
	enum { F_SERIAL = 1, F_CREATED = 2, F_INSTALLED = 4, F_ORG = 8, F_SIGNER = 16, F_URL = 32 };
	char *text = NULL, *line, *next;
	size_t len = 0;
	unsigned seen = 0;
	uint64_t v;
	int r;

	memset(out, 0, sizeof(*out));
	r = read_small(path, "snapshot state file", &text, &len, err);
	if (r <= 0)
		return r;
	r = -1;
	if (strlen(text) != len || strncmp(text, STATE_MAGIC, strlen(STATE_MAGIC)) != 0 ||
	    len == 0 || text[len - 1] != '\n')
		goto bad;
	for (line = text + strlen(STATE_MAGIC); *line; line = next) {
		char *sp, *nl = strchr(line, '\n');
		unsigned bit;
		bool ok;

		*nl = '\0';
		next = nl + 1;
		sp = strchr(line, ' ');
		if (sp == NULL)
			goto bad;
		*sp++ = '\0';
		if (strcmp(line, "serial") == 0) {
			bit = F_SERIAL;
			ok = wo_parse_u64(sp, strlen(sp), UINT64_MAX, &out->serial) &&
			     out->serial > 0;
		} else if (strcmp(line, "created") == 0) {
			bit = F_CREATED;
			ok = wo_parse_u64(sp, strlen(sp), INT64_MAX, &v);
			out->created = (int64_t)v;
		} else if (strcmp(line, "installed") == 0) {
			bit = F_INSTALLED;
			ok = wo_parse_u64(sp, strlen(sp), INT64_MAX, &v);
			out->installed = (int64_t)v;
		} else if (strcmp(line, "organization") == 0) {
			bit = F_ORG;
			ok = set_text(out->organization_id, sizeof(out->organization_id), sp);
		} else if (strcmp(line, "signer") == 0) {
			bit = F_SIGNER;
			ok = set_text(out->signer, sizeof(out->signer), sp);
		} else if (strcmp(line, "url") == 0) {
			bit = F_URL;
			ok = set_text(out->url, sizeof(out->url), sp);
		} else if (strcmp(line, "etag") == 0) {
			bit = 64;
			ok = set_text(out->etag, sizeof(out->etag), sp);
		} else if (strcmp(line, "last-modified") == 0) {
			bit = 128;
			ok = set_text(out->last_modified, sizeof(out->last_modified), sp);
		} else {
			goto bad;
		}
		if (!ok || (seen & bit))
			goto bad;
		seen |= bit;
	}
	if ((seen & 63) != 63)
		goto bad;
	r = 1;
	goto out;
bad:
	memset(out, 0, sizeof(*out));
	wo_error_set(err, WO_ERR_SYSTEM, "snapshot state file %s is malformed", path);
out:
	free(text);
	return r;
}

int wo_snapshot_state_save(const char *path, const struct wo_snapshot_state *s,
			   struct wo_error *err)
{
	char text[STATE_MAX];
	int n;

	if (!printable(s->organization_id) || !printable(s->signer) || !printable(s->url) ||
	    !printable(s->etag) || !printable(s->last_modified) || s->serial == 0 ||
	    s->created < 0 || s->installed < 0 || s->url[0] == '\0' || s->signer[0] == '\0' ||
	    s->organization_id[0] == '\0')
		return wo_error_set(err, WO_ERR_SYSTEM, "refusing to write a bad snapshot state");
	n = snprintf(text, sizeof(text),
		     STATE_MAGIC "serial %" PRIu64 "\ncreated %" PRId64 "\ninstalled %" PRId64
				 "\norganization %s\nsigner %s\nurl %s\n%s%s%s%s%s%s",
		     s->serial, s->created, s->installed, s->organization_id, s->signer, s->url,
		     s->etag[0] ? "etag " : "", s->etag, s->etag[0] ? "\n" : "",
		     s->last_modified[0] ? "last-modified " : "", s->last_modified,
		     s->last_modified[0] ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(text))
		return wo_error_set(err, WO_ERR_SYSTEM, "snapshot state too long");
	return wo_atomic_replace(path, text, (size_t)n, 0644, err);
}

int wo_snapshot_require_fresh(const char *path, int64_t now, unsigned max_age, int64_t *age_out,
			      struct wo_error *err)
{
	struct wo_snapshot_state st;
	int64_t age;
	int r;

	if (age_out != NULL)
		*age_out = -1;
	r = wo_snapshot_state_load(path, &st, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return wo_error_set(err, WO_ERR_DENIED,
				    "no WorkOS snapshot has been pulled on this host yet "
				    "(run workos-sync)");
	/* A little ahead is clock skew (the pull refused more than that). */
	age = now > st.created ? now - st.created : 0;
	if (age_out != NULL)
		*age_out = age;
	if (age > (int64_t)max_age)
		return wo_error_set(err, WO_ERR_DENIED,
				    "the installed WorkOS snapshot (serial %" PRIu64 ") is %" PRId64
				    " s old, over snapshot_max_age (%u s): WorkOS accounts are "
				    "refused until workos-sync pulls a fresh one",
				    st.serial, age, max_age);
	return 0;
}

int wo_publish_serial_load(const char *path, uint64_t *serial, struct wo_error *err)
{
	const size_t ml = strlen(PUBLISH_MAGIC);
	char *text = NULL;
	size_t len = 0;
	int r;

	*serial = 0;
	r = read_small(path, "publish state file", &text, &len, err);
	if (r <= 0)
		return r;
	if (strlen(text) == len && len > ml + 8 && memcmp(text, PUBLISH_MAGIC, ml) == 0 &&
	    memcmp(text + ml, "serial ", 7) == 0 && text[len - 1] == '\n') {
		text[len - 1] = '\0';
		if (strchr(text + ml, '\n') == NULL &&
		    wo_parse_u64(text + ml + 7, strlen(text + ml + 7), UINT64_MAX - 1, serial) &&
		    *serial > 0) {
			free(text);
			return 1;
		}
	}
	free(text);
	*serial = 0;
	return wo_error_set(err, WO_ERR_SYSTEM, "publish state file %s is malformed", path);
}

int wo_publish_serial_save(const char *path, uint64_t serial, struct wo_error *err)
{
	char text[64];
	int n = snprintf(text, sizeof(text), PUBLISH_MAGIC "serial %" PRIu64 "\n", serial);

	return wo_atomic_replace(path, text, (size_t)n, 0644, err);
}
