/* SPDX-License-Identifier: MIT */
/*
 * Runs a fuzz target over every file of its corpus directory (given as
 * CORPUS_DIR at build time or as arguments), one TAP line per file, so
 * `make check` keeps every input the fuzzer ever found interesting passing.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		ok(0, "%s: cannot open", path);
		return;
	}
	do {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (nb == NULL) {
				ok(0, "%s: out of memory", path);
				free(buf);
				fclose(f);
				return;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	ok(1, "replayed %s (%zu bytes)", path, len);
	free(buf);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_dir(const char *dir)
{
	struct dirent **list;
	char path[4096];
	int n = scandir(dir, &list, NULL, by_name);

	if (n < 0) {
		ok(0, "%s: cannot read the corpus", dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			run_file(path);
		}
		free(list[i]);
	}
	free(list);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		for (int i = 1; i < argc; i++)
			run_file(argv[i]);
	else
		run_dir(CORPUS_DIR);
	ok(tap_count > 4, "the corpus is not empty (%d files)", tap_count);
	return done_testing();
}
