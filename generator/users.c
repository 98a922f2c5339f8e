/* SPDX-License-Identifier: MIT */
/* The people files are for: a users file's rows over the command line's
 * options, checked, one at a time. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "csv.h"
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

/* Addresses seen so far, for "listed twice", in memory that grows by
 * eight bytes a person rather than by the addresses: a 32-bit hash of the
 * lower-cased address and where its row starts. A hash that matches is
 * confirmed by reading that row again. */
struct seen {
	uint64_t *slot; /* hash << 32 | (offset + 1); 0: empty */
	size_t cap, n;
};

struct users {
	struct csv *csv, *lookback; /* lookback re-reads earlier rows */
	const char *path;
	const struct view_opts *base;
	const char *out_dir;
	struct diag *d;
	int col[NCOLUMNS]; /* each column's index in the file, or -1 */
	struct seen seen;
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

static uint32_t
address_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
		h *= 16777619u;
	}
	return h;
}

/* seen_before says whether an earlier good row has email (any letter
 * case), and remembers this row's when not. */
static bool
seen_before(struct users *u, const char *email, long offset, int line)
{
	struct seen *s = &u->seen;
	uint64_t h = address_hash(email);
	size_t k;

	if (2 * (s->n + 1) > s->cap) {
		struct seen grown = {
		    xcalloc(s->cap < 64 ? 128 : 2 * s->cap, sizeof(uint64_t)),
		    s->cap < 64 ? 128 : 2 * s->cap, s->n};

		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i] != 0) {
				for (k = (s->slot[i] >> 32) & (grown.cap - 1);
				     grown.slot[k] != 0;
				     k = (k + 1) & (grown.cap - 1))
					;
				grown.slot[k] = s->slot[i];
			}
		free(s->slot);
		*s = grown;
	}
	for (k = h & (s->cap - 1); s->slot[k] != 0; k = (k + 1) & (s->cap - 1))
		if (s->slot[k] >> 32 == h) {
			struct csv_row old;
			long at = (long)(s->slot[k] & 0xffffffffu) - 1;
			int ecol = u->col[C_EMAIL];

			/* The line only labels the lookback's messages, which
			 * it does not report. */
			if (csv_seek(u->lookback, at, line, &old) &&
			    strcasecmp(old.fields[ecol], email) == 0)
				return true;
		}
	s->slot[k] = h << 32 | (uint64_t)(offset + 1);
	s->n++;
	return false;
}

struct users *
users_open(const char *path, const struct view_opts *base, const char *out_dir,
           struct diag *d)
{
	struct users *u;
	struct csv *c = csv_open(path, d);
	struct loc at = {path, 1, NULL, NULL};
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
		if (!known) {
			const char *near = closest(c->header[k], names);

			unknown++;
			diag_error(d, &at,
			           "column %zu: unknown column \"%s\"%s%s%s",
			           k + 1, c->header[k],
			           near != NULL ? "; did you mean \"" : "",
			           near != NULL ? near : "",
			           near != NULL ? "\"?" : "");
		}
	}
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
	u->lookback = csv_open(path, d);
	if (u->lookback == NULL) {
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
		struct loc at = {u->path, row.line, NULL, NULL};
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
		if (!u->trusted &&
		    seen_before(u, v.email, row.offset, row.line)) {
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
	free(u->seen.slot);
	memset(&u->seen, 0, sizeof(u->seen));
	return csv_rewind(u->csv, d, report);
}
void
users_close(struct users *u)
{
	if (u == NULL)
		return;
	csv_close(u->csv);
	csv_close(u->lookback);
	free(u->seen.slot);
	buf_free(&u->dir);
	free(u);
}
