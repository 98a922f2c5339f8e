/* SPDX-License-Identifier: MIT */
/* The users file: RFC 4180 CSV with a header row, read with line numbers. */
#ifndef MAILCONF_CSV_H
#define MAILCONF_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct csv_row {
	int line;      /* where the row starts in the file */
	char **fields; /* owned, one per header column */
};

struct csv {
	char **header; /* owned column names, lower case */
	size_t ncols;
	struct csv_row *rows;
	size_t nrows;
};

/* csv_read reads path. Syntax errors (an unterminated quote, a quote in
 * an unquoted field, a row with more or fewer fields than the header,
 * control characters, invalid UTF-8) are reported to d as FILE:LINE:
 * column N (NAME): ...; rows with errors are left out. Returns NULL when
 * the file cannot be read or has no header. Free with csv_free. */
struct csv *csv_read(const char *path, struct diag *d);
/* csv_column returns the index of the column named name, or -1. */
int csv_column(const struct csv *c, const char *name);
void csv_free(struct csv *c);

#endif
