/* SPDX-License-Identifier: MIT */
/* A unified diff of two texts, for --diff and --dry-run. */
#ifndef MAILCONF_DIFF_H
#define MAILCONF_DIFF_H

#include "buf.h"

/* diff_unified appends to out the unified diff (3 lines of context) that
 * turns a into b, with the header lines naming them. Nothing is appended
 * when the texts are equal. Lines shared at the start and the end cost
 * little; time and memory grow with the product of the line counts of the
 * rest, up to a bound past which the rest is shown removed, then added. */
void diff_unified(struct buf *out, const char *name_a, const char *a,
                  const char *name_b, const char *b);

#endif
