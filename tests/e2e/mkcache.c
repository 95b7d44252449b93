/* SPDX-License-Identifier: MIT */
/*
 * Test helper: writes a workos-sync cache with the given users, the way the
 * sync tool would (lib/cache.h), so end-to-end suites can exercise what the
 * PAM module reads from it.
 *
 *   mkcache --default-path            prints the path the modules read
 *   mkcache PATH NAME:UID:WORKOS_ID...
 *
 * Each user gets GID = UID, home /home/NAME, shell /bin/sh, no groups.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

#define MAX_USERS 64

int main(int argc, char **argv)
{
	struct wo_cache_user users[MAX_USERS];
	char homes[MAX_USERS][64];
	struct wo_error err = WO_ERROR_INIT;
	size_t n = 0;

	if (argc == 2 && strcmp(argv[1], "--default-path") == 0) {
		puts(WO_CACHE_DEFAULT_PATH);
		return 0;
	}
	if (argc < 2 || argc - 2 > MAX_USERS) {
		fprintf(stderr, "usage: mkcache --default-path | PATH NAME:UID:WORKOS_ID...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++, n++) {
		char *name = argv[i], *uid = strchr(name, ':'), *id;

		if (uid == NULL || (id = strchr(uid + 1, ':')) == NULL) {
			fprintf(stderr, "mkcache: bad user \"%s\"\n", argv[i]);
			return 2;
		}
		*uid++ = '\0';
		*id++ = '\0';
		snprintf(homes[n], sizeof(homes[n]), "/home/%s", name);
		users[n] = (struct wo_cache_user){
			.name = name,
			.uid = (uint32_t)strtoul(uid, NULL, 10),
			.gid = (uint32_t)strtoul(uid, NULL, 10),
			.gecos = "",
			.dir = homes[n],
			.shell = "/bin/sh",
			.workos_id = id,
		};
	}
	if (wo_cache_write(argv[1], users, n, NULL, 0, &err) != 0) {
		fprintf(stderr, "mkcache: %s\n", err.message);
		return 1;
	}
	return 0;
}
