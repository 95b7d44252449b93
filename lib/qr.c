/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"

#define UPPER_HALF "\xe2\x96\x80" /* U+2580 */
#define LOWER_HALF "\xe2\x96\x84" /* U+2584 */
#define FULL_BLOCK "\xe2\x96\x88" /* U+2588 */

/* Longest text we encode; a verification URL is well under it. */
#define QR_TEXT_MAX 512

/* True when the module at (x, y) of the bordered square is light. */
static bool light(const QRcode *qr, int x, int y)
{
	int w = qr->width;

	x -= WO_QR_MARGIN;
	y -= WO_QR_MARGIN;
	if (x < 0 || y < 0 || x >= w || y >= w)
		return true; /* quiet zone */
	return (qr->data[y * w + x] & 1) == 0;
}

static char *append(char *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o, s, n);
	return o + n;
}

char *wo_qr_render(const char *text, enum wo_qr_style style, struct wo_error *err)
{
	QRcode *qr;
	int size;
	size_t cap;
	char *out, *o;

	if (strlen(text) > QR_TEXT_MAX) {
		wo_error_set(err, WO_ERR_SYSTEM, "text too long for a terminal QR code");
		return NULL;
	}
	/* Level M survives a smudged screen or a shaky phone; the URL is short
	 * enough that it still fits a small version. */
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL) {
		wo_error_set(err, WO_ERR_SYSTEM, "cannot encode QR code");
		return NULL;
	}
	size = qr->width + 2 * WO_QR_MARGIN;
	/* Per line: up to 3 bytes per cell (UTF8) or 2 (ASCII), plus '\n'. */
	cap = (size_t)size * ((size_t)size * 3 + 1) + 1;
	out = malloc(cap);
	if (out == NULL) {
		QRcode_free(qr);
		wo_error_set(err, WO_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	o = out;
	if (style == WO_QR_STYLE_ASCII) {
		for (int y = 0; y < size; y++) {
			if (y > 0)
				*o++ = '\n';
			for (int x = 0; x < size; x++)
				o = append(o, light(qr, x, y) ? "##" : "  ");
		}
	} else {
		for (int y = 0; y < size; y += 2) {
			if (y > 0)
				*o++ = '\n';
			for (int x = 0; x < size; x++) {
				/* An odd size leaves the last line's lower half
				 * outside the code: draw it dark (blank), which
				 * keeps the quiet zone exactly its width. */
				bool top = light(qr, x, y);
				bool bottom = y + 1 < size && light(qr, x, y + 1);

				if (top && bottom)
					o = append(o, FULL_BLOCK);
				else if (top)
					o = append(o, UPPER_HALF);
				else if (bottom)
					o = append(o, LOWER_HALF);
				else
					*o++ = ' ';
			}
		}
	}
	*o = '\0';
	QRcode_free(qr);
	return out;
}
