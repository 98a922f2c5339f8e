/* SPDX-License-Identifier: MIT */
/* The people files are for: a users file's rows over the command line's
 * options, checked, one at a time. */
#ifndef MAILCONF_USERS_H
#define MAILCONF_USERS_H

#include <stdbool.h>

#include "diag.h"
#include "view.h"

/* A person the files are for, and the directory that holds theirs. The
 * strings are borrowed from the users file's reader: valid until the next
 * users_next. */
struct person {
	struct view_opts user;
	const char *dir;
	struct loc at; /* the users file's row; at.file NULL: the command
	                  line's person */
};

struct users;

/* users_open reads the header of the users file at path: every column
 * must be one mailconf knows, and "email" must be there. Each row's
 * non-empty fields override base; its directory is OUT_DIR/EMAIL. NULL
 * on error, reported to d. */
struct users *users_open(const char *path, const struct view_opts *base,
                         const char *out_dir, struct diag *d);
/* users_next gives the next good row's person. Bad rows (syntax, an
 * empty or twice-listed address, a value no output can carry) are
 * reported to the current diag, with FILE:LINE: column N (NAME), and
 * skipped. False at the end. */
bool users_next(struct users *u, struct person *p);
/* users_rewind starts again at the first row, reporting its rows' faults
 * to d: a second pass meets the same people, and the same bad rows. When
 * trusted (the first pass found no fault), rows are not checked again.
 * False, reported to report, when the file changed since users_open. */
bool users_rewind(struct users *u, struct diag *d, bool trusted,
                  struct diag *report);
void users_close(struct users *u);

#endif
