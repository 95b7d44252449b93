/* SPDX-License-Identifier: MIT */
/*
 * Renders QR codes the way the PAM module shows them, turns the characters
 * back into pixels as a light-on-dark terminal would draw them, and asks a
 * real decoder (zbarimg, from zbar-tools) to read them.
 */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qr.h"
#include "tap.h"

#define MAX_MODULES 200
#define SCALE	    6
#define BORDER	    4 /* modules of "terminal background" around the text */

static bool grid[MAX_MODULES][MAX_MODULES]; /* true = light */

/* Turns rendered text back into a module grid; returns its size or -1. */
static int parse(const char *text, enum wo_qr_style style)
{
	int row = 0, col = 0, width = -1;

	memset(grid, 0, sizeof(grid));
	for (const char *p = text;;) {
		if (*p == '\n' || *p == '\0') {
			if (width < 0)
				width = col;
			else if (col != width)
				return -1; /* ragged lines */
			row += style == WO_QR_STYLE_UTF8 ? 2 : 1;
			col = 0;
			if (*p == '\0')
				break;
			p++;
			continue;
		}
		if (row + 1 >= MAX_MODULES || col >= MAX_MODULES)
			return -1;
		if (style == WO_QR_STYLE_ASCII) {
			if (strncmp(p, "##", 2) == 0)
				grid[row][col] = true;
			else if (strncmp(p, "  ", 2) != 0)
				return -1;
			p += 2;
		} else if (*p == ' ') {
			p++;
		} else if (strncmp(p, "\xe2\x96\x88", 3) == 0) {
			grid[row][col] = grid[row + 1][col] = true;
			p += 3;
		} else if (strncmp(p, "\xe2\x96\x80", 3) == 0) {
			grid[row][col] = true;
			p += 3;
		} else if (strncmp(p, "\xe2\x96\x84", 3) == 0) {
			grid[row + 1][col] = true;
			p += 3;
		} else {
			return -1;
		}
		col++;
	}
	return width;
}

/* Writes the grid as a PBM picture and returns what zbarimg reads in it. */
static char *decode(int width, int height)
{
	char path[] = "/tmp/wo-qr-XXXXXX";
	int fd = mkstemp(path);
	int side_w = (width + 2 * BORDER) * SCALE, side_h = (height + 2 * BORDER) * SCALE;
	char cmd[128], line[1024];
	FILE *f;
	char *result = NULL;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	fprintf(f, "P1\n%d %d\n", side_w, side_h);
	for (int y = 0; y < side_h; y++) {
		for (int x = 0; x < side_w; x++) {
			int mx = x / SCALE - BORDER, my = y / SCALE - BORDER;
			bool is_light =
			    mx >= 0 && my >= 0 && mx < width && my < height && grid[my][mx];
			fputs(is_light ? "0 " : "1 ", f); /* PBM: 1 is black */
		}
		fputc('\n', f);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "zbarimg --nodbus --quiet --raw %s 2>/dev/null", path);
	f = popen(cmd, "r");
	if (f != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			result = strdup(line);
		}
		pclose(f);
	}
	unlink(path);
	return result;
}

static void check(const char *text, enum wo_qr_style style, const char *name)
{
	struct wo_error err = WO_ERROR_INIT;
	char *out = wo_qr_render(text, style, &err);
	int width, height = 0;
	char *decoded;

	ok(out != NULL, "%s: rendered", name);
	if (out == NULL)
		return;
	width = parse(out, style);
	ok(width > 0, "%s: every line has the same width, only block characters", name);
	for (const char *p = out; *p; p++)
		height += *p == '\n';
	height = (height + 1) * (style == WO_QR_STYLE_UTF8 ? 2 : 1);
	/* The quiet zone: the first and last module rows are all light. */
	bool quiet = width > 0;
	for (int x = 0; quiet && x < width; x++)
		quiet = grid[0][x] && grid[1][x];
	ok(quiet, "%s: quiet zone at the top", name);
	decoded = width > 0 ? decode(width, height) : NULL;
	is_str(decoded, text, "%s: zbarimg decodes the original text", name);
	free(decoded);
	free(out);
}

int main(void)
{
	static const char url[] = "https://auth.example.com/device?user_code=BCDF-GHJK";
	struct wo_error err = WO_ERROR_INIT;
	char longtext[600];

	ok(access("/usr/bin/zbarimg", X_OK) == 0, "zbarimg is installed (zbar-tools)");
	check(url, WO_QR_STYLE_UTF8, "utf8 half blocks");
	check(url, WO_QR_STYLE_ASCII, "ascii");
	check("https://127.0.0.1:8443/device?user_code=WXYZ-BCDF", WO_QR_STYLE_UTF8,
	      "emulator URL");

	char *out = wo_qr_render(url, WO_QR_STYLE_UTF8, &err);
	int lines = 1;
	for (const char *p = out; p && *p; p++)
		lines += *p == '\n';
	ok(lines <= 20, "utf8 rendering of a device URL fits in 20 lines (%d)", lines);
	free(out);

	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	ok(wo_qr_render(longtext, WO_QR_STYLE_UTF8, &err) == NULL, "overlong text refused");
	return done_testing();
}
