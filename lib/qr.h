/* SPDX-License-Identifier: MIT */
/*
 * QR codes for the terminal (libqrencode).
 *
 * Rendered the way `qrencode -t UTF8` does: the light modules and the quiet
 * zone are drawn in the terminal's foreground colour and the dark modules
 * are left blank.  On the common light-on-dark terminal that is a true QR
 * code; on a dark-on-light one it is an inverted code with its own quiet
 * zone, which phone scanners read as well.  No colour escapes are used: they
 * would not survive an SSH keyboard-interactive prompt.
 *
 * UTF8 packs two module rows into one line with half blocks; ASCII uses
 * "##" per light module and one line per row, taller but printable by any
 * client whatever its locale.
 */
#ifndef WO_QR_H
#define WO_QR_H

#include "error.h"

enum wo_qr_style {
	WO_QR_STYLE_UTF8,
	WO_QR_STYLE_ASCII,
};

/* Modules of quiet zone drawn around the code. */
#define WO_QR_MARGIN 2

/* Renders text as lines separated by '\n' (no trailing newline).  Returns
 * a heap string for free(), or NULL with err. */
char *wo_qr_render(const char *text, enum wo_qr_style style, struct wo_error *err);

#endif
