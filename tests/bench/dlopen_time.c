/* SPDX-License-Identifier: MIT */
/*
 * Prints how long dlopen(RTLD_NOW) of each shared object given takes in
 * this (fresh) process, in microseconds: what a PAM application pays to
 * load a module, dependencies and relocations included.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct timespec a, b;
		void *h;

		clock_gettime(CLOCK_MONOTONIC, &a);
		h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (h == NULL) {
			fprintf(stderr, "%s\n", dlerror());
			return 1;
		}
		printf("%s %.0f\n", argv[i],
		       (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3);
	}
	return 0;
}
