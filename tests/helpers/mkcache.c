/* SPDX-License-Identifier: MIT */
/*
 * mkcache: write an NSS cache with lib/cache.h, for shell tests and the
 * benchmark.
 *
 *   mkcache OUTPUT [INPUT]       INPUT (default stdin) holds lines
 *       user NAME:UID:GID:GECOS:DIR:SHELL:WORKOS_ID
 *       group NAME:GID:MEMBER,MEMBER,...
 *     blank lines and '#' comments are skipped.
 *   mkcache --synthetic N OUTPUT [PASSWD GROUP]
 *     N users u0000001.. (uid 1000000+i, gid 100), N/50+1 groups g000001..
 *     (gid 500000+j), each user in two of them; optionally also writes the
 *     same users and groups as passwd(5) and group(5) files.
 *   mkcache --verify FILE        runs wo_cache_verify and prints counts.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

static char *xstrdup(const char *s)
{
	char *r = strdup(s);

	if (r == NULL) {
		perror("mkcache");
		exit(1);
	}
	return r;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		perror("mkcache");
		exit(1);
	}
	return p;
}

/* Splits s at `sep` into at most max fields, in place. */
static size_t split(char *s, char sep, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = s;
	for (; *s && n < max; s++)
		if (*s == sep) {
			*s = '\0';
			f[n++] = s + 1;
		}
	return n;
}

static int from_text(const char *out, FILE *in)
{
	struct wo_cache_user *u = NULL;
	struct wo_cache_group *g = NULL;
	size_t nu = 0, ng = 0, cap = 0, lineno = 0;
	struct wo_error err = WO_ERROR_INIT;
	char *line = NULL;
	int ret;

	while (getline(&line, &cap, in) > 0) {
		char *f[8], *s = line;

		lineno++;
		s[strcspn(s, "\n")] = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "user ", 5) == 0 && split(xstrdup(s + 5), ':', f, 7) == 7) {
			u = xrealloc(u, (nu + 1) * sizeof(*u));
			u[nu++] = (struct wo_cache_user){f[0],
							 (uint32_t)strtoul(f[1], NULL, 10),
							 (uint32_t)strtoul(f[2], NULL, 10),
							 f[3],
							 f[4],
							 f[5],
							 f[6]};
		} else if (strncmp(s, "group ", 6) == 0 && split(xstrdup(s + 6), ':', f, 3) == 3) {
			char **m = NULL;
			size_t nm = 0;

			for (char *p = f[2]; *p;) {
				size_t l = strcspn(p, ",");

				m = xrealloc(m, (nm + 1) * sizeof(*m));
				m[nm++] = p;
				p += l;
				if (*p == ',')
					*p++ = '\0';
			}
			g = xrealloc(g, (ng + 1) * sizeof(*g));
			g[ng++] = (struct wo_cache_group){f[0], (uint32_t)strtoul(f[1], NULL, 10),
							  (const char *const *)m, nm};
		} else {
			fprintf(stderr, "mkcache: line %zu: not a user or group line\n", lineno);
			exit(1);
		}
	}
	free(line);
	ret = wo_cache_write(out, u, nu, g, ng, &err) < 0;
	if (ret)
		fprintf(stderr, "mkcache: %s\n", err.message);
	/* Each name is the start of its line's copy, split in place. */
	for (size_t i = 0; i < nu; i++)
		free((char *)u[i].name);
	for (size_t i = 0; i < ng; i++) {
		free((char *)g[i].name);
		free((void *)g[i].members);
	}
	free(u);
	free(g);
	return ret;
}

static int synthetic(size_t n, const char *out, const char *pw_path, const char *gr_path)
{
	size_t ng = n / 50 + 1;
	struct wo_cache_user *u = calloc(n + 1, sizeof(*u));
	struct wo_cache_group *g = calloc(ng, sizeof(*g));
	const char ***mem = calloc(ng, sizeof(*mem));
	size_t *nm = calloc(ng, sizeof(*nm)), *cap = calloc(ng, sizeof(*cap));
	struct wo_error err = WO_ERROR_INIT;
	char s[128];

	if (!u || !g || !mem || !nm || !cap)
		return 1;
	for (size_t i = 0; i < n; i++) {
		size_t a = i % ng, b = (i * 7 + 3) % ng;

		snprintf(s, sizeof(s), "u%07zu", i + 1);
		u[i].name = xstrdup(s);
		u[i].uid = (uint32_t)(1000000 + i);
		u[i].gid = 100;
		snprintf(s, sizeof(s), "User %zu", i + 1);
		u[i].gecos = xstrdup(s);
		snprintf(s, sizeof(s), "/home/u%07zu", i + 1);
		u[i].dir = xstrdup(s);
		u[i].shell = "/bin/bash";
		snprintf(s, sizeof(s), "user_%020zu", i + 1);
		u[i].workos_id = xstrdup(s);
		for (size_t k = 0; k < 2; k++) {
			size_t j = k ? b : a;

			if (k && b == a)
				break;
			if (nm[j] == cap[j]) {
				cap[j] = cap[j] ? 2 * cap[j] : 64;
				mem[j] = xrealloc(mem[j], cap[j] * sizeof(**mem));
			}
			mem[j][nm[j]++] = u[i].name;
		}
	}
	for (size_t j = 0; j < ng; j++) {
		snprintf(s, sizeof(s), "g%06zu", j + 1);
		g[j] = (struct wo_cache_group){xstrdup(s), (uint32_t)(500000 + j), mem[j], nm[j]};
	}
	if (wo_cache_write(out, u, n, g, ng, &err) < 0) {
		fprintf(stderr, "mkcache: %s\n", err.message);
		exit(1);
	}
	if (pw_path && gr_path) {
		FILE *pw = fopen(pw_path, "w"), *gr = fopen(gr_path, "w");

		if (!pw || !gr) {
			perror("mkcache");
			exit(1);
		}
		for (size_t i = 0; i < n; i++)
			fprintf(pw, "%s:x:%u:%u:%s:%s:%s\n", u[i].name, u[i].uid, u[i].gid,
				u[i].gecos, u[i].dir, u[i].shell);
		for (size_t j = 0; j < ng; j++) {
			fprintf(gr, "%s:x:%u:", g[j].name, g[j].gid);
			for (size_t k = 0; k < nm[j]; k++)
				fprintf(gr, "%s%s", k ? "," : "", mem[j][k]);
			fputc('\n', gr);
		}
		if (fclose(pw) != 0 || fclose(gr) != 0) {
			perror("mkcache");
			exit(1);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free((char *)u[i].name);
		free((char *)u[i].gecos);
		free((char *)u[i].dir);
		free((char *)u[i].workos_id);
	}
	for (size_t j = 0; j < ng; j++) {
		free((char *)g[j].name);
		free(mem[j]);
	}
	free(u);
	free(g);
	free(mem);
	free(nm);
	free(cap);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "--synthetic") == 0)
		return synthetic(strtoul(argv[2], NULL, 10), argv[3], argc > 5 ? argv[4] : NULL,
				 argc > 5 ? argv[5] : NULL);
	if (argc == 3 && strcmp(argv[1], "--verify") == 0) {
		struct wo_error err = WO_ERROR_INIT;
		struct wo_cache_stats st;

		if (wo_cache_verify(argv[2], &st, &err) < 0) {
			fprintf(stderr, "mkcache: %s\n", err.message);
			return 1;
		}
		printf("generation %llu users %u groups %u size %llu\n",
		       (unsigned long long)st.generation, st.n_users, st.n_groups,
		       (unsigned long long)st.file_size);
		return 0;
	}
	if (argc == 2 || argc == 3) {
		FILE *in = argc == 3 ? fopen(argv[2], "r") : stdin;

		int r;

		if (in == NULL) {
			fprintf(stderr, "mkcache: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		r = from_text(argv[1], in);
		if (in != stdin)
			fclose(in);
		return r;
	}
	fprintf(stderr, "usage: mkcache OUTPUT [INPUT] | --synthetic N OUTPUT [PASSWD GROUP] | "
			"--verify FILE\n");
	return 2;
}
