/* SPDX-License-Identifier: MIT */
/* Names given twice in a list too long to hold: a first pass finds the few
 * that may repeat, a second tells the repeats exactly. */
#ifndef MAILCONF_DUPES_H
#define MAILCONF_DUPES_H

#include <stdbool.h>
#include <stddef.h>

struct dupes;

/* dupes_new prepares for about n names (more only cost time); fold:
 * names equal but for ASCII case are the same. Owned; dupes_free. */
struct dupes *dupes_new(size_t n, bool fold);
/* dupes_note is the first pass: every name of the list, in order. */
void dupes_note(struct dupes *u, const char *name);
/* dupes_again is the second pass, over the names of the first in the
 * same order (some may be left out): true when name was given before in
 * this pass. Exact: only a name the first pass met twice, or that a
 * filter of about 10 bits a name could not tell from an earlier one, is
 * kept, with its text. */
bool dupes_again(struct dupes *u, const char *name);
/* dupes_rewind starts the second pass over. */
void dupes_rewind(struct dupes *u);
void dupes_free(struct dupes *u);

#endif
