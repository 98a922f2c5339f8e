/* SPDX-License-Identifier: MIT */
/* The people files are for: a users file's rows over the command line's
 * options, checked, one at a time. */
#include <sys/stat.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "dupes.h"
#include "text.h"
#include "users.h"
#include "xalloc.h"

enum column {
	C_EMAIL,
	C_NAME,
	C_LOGIN,
	C_LANG,
	C_MAILDIR,
	C_PASS_CMD,
	C_TOKEN_CMD,
	C_CA_FILE,
	C_MDA,
	C_SMTP_HOST,
	C_INCOMING,
};

/* The columns a users file may have, and the option each overrides. */
static const struct {
	const char *column;
	const char *option;
	size_t offset;
} user_columns[] = {
#define COL(k, c, opt, member)                                                 \
	[k] = {c, opt, offsetof(struct view_opts, member)}
    COL(C_EMAIL, "email", "--email", email),
    COL(C_NAME, "name", "--name", real_name),
    COL(C_LOGIN, "login", "--login", login),
    COL(C_LANG, "lang", "--lang", lang),
    COL(C_MAILDIR, "maildir", "--maildir", maildir),
    COL(C_PASS_CMD, "pass_cmd", "--pass-cmd", pass_cmd),
    COL(C_TOKEN_CMD, "token_cmd", "--token-cmd", token_cmd),
    COL(C_CA_FILE, "ca_file", "--ca-file", ca_file),
    COL(C_MDA, "mda", "--mda", mda),
    COL(C_SMTP_HOST, "smtp_host", "--smtp-host", smtp_host),
    COL(C_INCOMING, "incoming", "--incoming", incoming),
#undef COL
};

#define NCOLUMNS (sizeof(user_columns) / sizeof(user_columns[0]))

/* The unknown columns reported one by one; the rest are counted. */
#define MAX_UNKNOWN 20

struct users {
	struct csv *csv;
	const char *path;
	const struct view_opts *base;
	const char *out_dir;
	struct diag *d;
	int col[NCOLUMNS];   /* each column's index in the file, or -1 */
	struct dupes *dupes; /* every row's address, for "listed twice" */
	bool trusted; /* a pass after a clean one: the rows were checked */
	struct buf dir;
};

/* The reader whose columns csv_label names: view_opts_check's label
 * callback has no context argument. */
static const struct users *labelled;

/* csv_label names an option as the users file's column: "column 2 (name)". */
static const char *
csv_label(const char *option)
{
	static char label[96];

	for (size_t i = 0; i < NCOLUMNS; i++)
		if (strcmp(user_columns[i].option, option) == 0) {
			int col = labelled->col[i];

			/* An option the file has no column for came from
			 * the command line. */
			if (col < 0)
				return option;
			snprintf(label, sizeof(label), "column %d (%s)",
			         col + 1, user_columns[i].column);
			return label;
		}
	return option;
}

/* note_addresses reads the file once, quietly, so that a duplicate is
 * known without holding every address (dupes: a filter, then the few
 * candidates). */
static bool
note_addresses(struct users *u, const char *path, struct diag *d)
{
	struct diag quiet = DIAG_INIT;
	struct csv_row row;
	struct stat st;
	int email = csv_column(u->csv, "email");

	/* A row is at least an address and a line break. */
	u->dupes = dupes_new(
	    stat(path, &st) == 0 ? (size_t)st.st_size / 8 + 1 : 1024, true);
	/* Its rows' faults are reported by the passes that follow. */
	csv_rewind(u->csv, &quiet, &quiet);
	while (csv_next(u->csv, &row))
		if (row.fields[email][0] != '\0')
			dupes_note(u->dupes, row.fields[email]);
	diag_free(&quiet);
	return csv_rewind(u->csv, d, d);
}

struct users *
users_open(const char *path, const struct view_opts *base, const char *out_dir,
           struct diag *d)
{
	struct users *u;
	struct csv *c = csv_open(path, d);
	struct loc at = {path, 1, NULL, NULL, 0};
	int unknown = 0;

	if (c == NULL)
		return NULL;
	for (size_t k = 0; k < c->ncols; k++) {
		const char *names[NCOLUMNS + 1];
		bool known = false;

		for (size_t i = 0; i < NCOLUMNS; i++) {
			names[i] = user_columns[i].column;
			known |= strcmp(c->header[k], names[i]) == 0;
		}
		names[NCOLUMNS] = NULL;
		/* A file with more unknown columns is no users file: a
		 * header of millions would be as many messages. */
		if (!known && ++unknown > MAX_UNKNOWN)
			continue;
		if (!known) {
			const char *near = closest(c->header[k], names);

			diag_error(d, &at,
			           "column %zu: unknown column \"%s\"%s%s%s",
			           k + 1, c->header[k],
			           near != NULL ? "; did you mean \"" : "",
			           near != NULL ? near : "",
			           near != NULL ? "\"?" : "");
		}
	}
	if (unknown > MAX_UNKNOWN)
		diag_error(d, &at, "%d more unknown columns",
		           unknown - MAX_UNKNOWN);
	/* A misspelt column would silently not override anything. */
	if (unknown > 0) {
		csv_close(c);
		return NULL;
	}
	if (csv_column(c, "email") < 0) {
		diag_error(d, &at, "no \"email\" column");
		csv_close(c);
		return NULL;
	}
	u = xcalloc(1, sizeof(*u));
	u->csv = c;
	if (!note_addresses(u, path, d)) {
		users_close(u);
		return NULL;
	}
	u->path = path;
	u->base = base;
	u->out_dir = out_dir;
	u->d = d;
	for (size_t i = 0; i < NCOLUMNS; i++)
		u->col[i] = csv_column(c, user_columns[i].column);
	return u;
}

/* field returns the row's value for column i, NULL when the file has no
 * such column or the field is empty. */
static const char *
field(const struct users *u, const struct csv_row *row, size_t i)
{
	int col = u->col[i];

	return col >= 0 && row->fields[col][0] != '\0' ? row->fields[col]
	                                               : NULL;
}

bool
users_next(struct users *u, struct person *p)
{
	struct csv_row row;

	while (csv_next(u->csv, &row)) {
		struct loc at = {u->path, row.line, NULL, NULL, 0};
		struct view_opts v = *u->base;
		int email = u->col[C_EMAIL];

		for (size_t i = 0; i < NCOLUMNS; i++)
			if (field(u, &row, i) != NULL)
				*(const char **)((char *)&v +
				                 user_columns[i].offset) =
				    field(u, &row, i);
		/* A row's delivery replaces the command line's, whichever
		 * way each says it. */
		if (field(u, &row, C_MDA) != NULL &&
		    field(u, &row, C_SMTP_HOST) == NULL)
			v.smtp_host = NULL;
		if (field(u, &row, C_SMTP_HOST) != NULL &&
		    field(u, &row, C_MDA) == NULL)
			v.mda = NULL;
		if (row.fields[email][0] == '\0') {
			diag_error(u->d, &at, "column %d (email): empty",
			           email + 1);
			continue;
		}
		labelled = u;
		if (!u->trusted && !view_opts_check(&v, &at, csv_label, u->d))
			continue;
		if (!u->trusted && dupes_again(u->dupes, v.email)) {
			diag_error(u->d, &at,
			           "column %d (email): %s is listed twice",
			           email + 1, v.email);
			continue;
		}
		buf_reset(&u->dir);
		buf_printf(&u->dir, "%s/%s", u->out_dir, v.email);
		p->user = v;
		p->dir = buf_cstr(&u->dir);
		p->at = at;
		return true;
	}
	return false;
}

bool
users_rewind(struct users *u, struct diag *d, bool trusted, struct diag *report)
{
	u->d = d;
	u->trusted = trusted;
	dupes_rewind(u->dupes);
	return csv_rewind(u->csv, d, report);
}
void
users_close(struct users *u)
{
	if (u == NULL)
		return;
	csv_close(u->csv);
	dupes_free(u->dupes);
	buf_free(&u->dir);
	free(u);
}
