/* SPDX-License-Identifier: MIT */
/* How a folder was made, kept in its manifest, and made again from it. */
#ifndef MAILCONF_RECIPE_H
#define MAILCONF_RECIPE_H

#include <stddef.h>

#include "diag.h"

struct opts;

/* The strings a replay put into the options. */
struct recipe_store {
	char **owned;
	size_t nowned;
};

/* recipe_make gives the manifest lines ("@mailconf VERSION", "@spec HASH
 * PATH", "@arg OPTION [VALUE]") saying how generate --out makes o's
 * folder: the specs and files it reads relative to the folder, the
 * options that change what it writes (owned); NULL without --out, or on
 * an error (reported). */
char *recipe_make(const struct opts *o, struct diag *d);
/* recipe_replay fills o from the manifest of o->out_dir, for generate
 * given no spec: 0, 1 when the manifest holds lines mailconf does not
 * write, EXIT_USAGE when it records nothing (reported). */
int recipe_replay(struct opts *o, struct recipe_store *st, struct diag *d);
void recipe_store_free(struct recipe_store *st);

#endif
