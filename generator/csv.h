/* SPDX-License-Identifier: MIT */
/* The users file: RFC 4180 CSV with a header row, streamed row by row with
 * line numbers. */
#ifndef MAILCONF_CSV_H
#define MAILCONF_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct csv_row {
	int line;      /* where the row starts in the file */
	char **fields; /* one per header column, then NULL; owned by the
	                  reader and valid until its next call */
};

struct csv {
	char **header; /* owned column names, lower case */
	size_t ncols;
	struct csv_private *p;
};

/* csv_open reads path's header row. The whole file is checked for NUL
 * bytes and size first, so that a binary or UTF-16 file is refused before
 * any row is read. Returns NULL, reported to d, when the file cannot be
 * read, is too large, holds a NUL byte, or has no usable header. */
struct csv *csv_open(const char *path, struct diag *d);
/* csv_next reads the next good row into *row. Rows with errors (an
 * unterminated quote, a quote in an unquoted field, more or fewer fields
 * than the header, control characters, invalid UTF-8) are reported to the
 * reader's diag as FILE:LINE: column N (NAME): ... and skipped. False at
 * the end of the file. */
bool csv_next(struct csv *c, struct csv_row *row);
/* csv_rewind starts again at the first row; from now on row errors go to
 * d (a second pass may report into a scratch diag). False, reported to
 * report, when the file changed since csv_open: a later pass would not
 * meet the rows the first one checked. */
bool csv_rewind(struct csv *c, struct diag *d, struct diag *report);
/* csv_column returns the index of the column named name, or -1. */
int csv_column(const struct csv *c, const char *name);
void csv_close(struct csv *c);

#endif
