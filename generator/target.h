/* SPDX-License-Identifier: MIT */
/* The targets table: one row per output format. */
#ifndef MAILCONF_TARGET_H
#define MAILCONF_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "template.h"

/* A check runs on the rendered bytes before anything is written; it
 * reports to d and returns false when the output is unusable. */
typedef bool check_fn(const char *what, const char *text, size_t len,
                      struct diag *d);

struct target {
	const char *name;     /* --target NAME */
	const char *template; /* file under the template directory */
	const char *output;   /* file name under --out */
	escape_fn *escape;    /* how values are written */
	check_fn *check;      /* NULL: nothing to re-parse */
	unsigned mode;        /* file permissions */
	const char *help;     /* one line for `mailconf list` */
};

/* Ends with a row whose name is NULL. */
extern const struct target targets[];

/* target_count is the number of rows before the NULL one. */
size_t target_count(void);
/* target_find returns the row named name, or NULL. */
const struct target *target_find(const char *name);

#endif
