/* SPDX-License-Identifier: MIT */
/*
 * WO_UNUSED marks a parameter a function ignores on purpose (a callback's
 * context, an entry point's flags it has no use for), so that
 * -Wunused-parameter keeps catching the ones ignored by mistake.
 */
#ifndef WO_UNUSED_H
#define WO_UNUSED_H

#define WO_UNUSED __attribute__((unused))

#endif
