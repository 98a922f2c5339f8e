/* SPDX-License-Identifier: MIT */
/* The users file: RFC 4180 CSV with a header row, streamed row by row with
 * line numbers. */
#define _DEFAULT_SOURCE /* getc_unlocked */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "csv.h"
#include "input.h"
#include "strmap.h"
#include "text.h"
#include "xalloc.h"

/* A users file for a whole company is still far below this. */
#define MAX_CSV (64 * 1024 * 1024)

struct csv_private {
	FILE *f;
	const char *path;
	struct diag *d;
	int c;    /* the character under the cursor, not yet taken; EOF */
	long pos; /* its offset in the file */
	int line;
	long first;          /* where the first row starts */
	struct stat at_open; /* the file as it was when opened */
	struct buf field, row;
	char **fields; /* the last row's, pointing into row */
	size_t nfields, cap;
};

static void
advance(struct csv_private *r)
{
	r->c = getc_unlocked(r->f);
	r->pos++;
}

/* next_is says whether the character after the cursor is ch. */
static bool
next_is(struct csv_private *r, int ch)
{
	int n = getc_unlocked(r->f);

	if (n != EOF)
		ungetc(n, r->f);
	return n == ch;
}

static void
skip_line(struct csv_private *r)
{
	while (r->c != EOF && r->c != '\n')
		advance(r);
}

/* field reads one field into r->field; returns false at a syntax error
 * (reported). */
static bool
field(struct csv_private *r, bool *more)
{
	struct buf *out = &r->field;

	buf_reset(out);
	*more = false;
	if (r->c == '"') {
		int start = r->line;

		for (advance(r);; advance(r)) {
			if (r->c == EOF) {
				struct loc at = {r->path, start, NULL, NULL, 0};

				diag_error(r->d, &at,
				           "a quoted field is never closed");
				return false;
			}
			if (r->c == '"' && next_is(r, '"'))
				advance(r);
			else if (r->c == '"')
				break;
			else
				r->line += r->c == '\n';
			buf_putc(out, (char)r->c);
		}
		advance(r);
		if (r->c != EOF && r->c != ',' && r->c != '\n' &&
		    r->c != '\r') {
			struct loc at = {r->path, r->line, NULL, NULL, 0};

			diag_error(r->d, &at,
			           "text after a closing quote; double a quote "
			           "inside a quoted field (\"\")");
			skip_line(r);
			return false;
		}
	} else {
		while (r->c != EOF && r->c != ',' && r->c != '\n' &&
		       !(r->c == '\r' && next_is(r, '\n'))) {
			if (r->c == '"') {
				struct loc at = {r->path, r->line, NULL, NULL,
				                 0};

				diag_error(r->d, &at,
				           "a quote inside an unquoted field; "
				           "quote the whole field and double "
				           "the quote (\"\")");
				skip_line(r);
				return false;
			}
			buf_putc(out, (char)r->c);
			advance(r);
		}
		/* Blanks around an unquoted field are layout. */
		while (out->len > 0 && (out->data[out->len - 1] == ' ' ||
		                        out->data[out->len - 1] == '\t'))
			out->data[--out->len] = '\0';
		{
			size_t lead = strspn(buf_cstr(out), " \t");

			if (lead > 0) {
				memmove(out->data, out->data + lead,
				        out->len - lead + 1);
				out->len -= lead;
			}
		}
	}
	if (r->c == ',') {
		advance(r);
		*more = true;
	} else {
		if (r->c == '\r')
			advance(r);
		if (r->c == '\n')
			advance(r);
	}
	return true;
}

/* record reads one row into r->fields; *bad when it had a syntax error.
 * False at the end of the file. The fields live in r->row, NUL after
 * each, so a row costs no allocation once the buffers have grown. */
static bool
record(struct csv_private *r, bool *bad)
{
	bool more = true;
	size_t at = 0;

	r->nfields = 0;
	*bad = false;
	buf_reset(&r->row);
	if (r->c == EOF)
		return false;
	while (more) {
		if (!field(r, &more)) {
			*bad = true;
			if (r->c == '\n')
				advance(r);
			break;
		}
		buf_add(&r->row, buf_cstr(&r->field), r->field.len);
		buf_putc(&r->row, '\0');
		r->nfields++;
	}
	r->line++;
	if (r->nfields + 1 > r->cap) {
		r->cap = 2 * (r->nfields + 1);
		r->fields = xreallocarray(r->fields, r->cap, sizeof(char *));
	}
	for (size_t i = 0; i < r->nfields; i++) {
		r->fields[i] = r->row.data + at;
		at += strlen(r->fields[i]) + 1;
	}
	r->fields[r->nfields] = NULL;
	return true;
}

int
csv_column(const struct csv *c, const char *name)
{
	for (size_t i = 0; i < c->ncols; i++)
		if (strcmp(c->header[i], name) == 0)
			return (int)i;
	return -1;
}

static bool
values_ok(struct csv_private *r, const struct csv *c, int line)
{
	bool ok = true;

	for (size_t i = 0; i < r->nfields; i++) {
		const char *v = r->fields[i];
		const char *ctl = first_control(v);
		struct loc at = {r->path, line, NULL, NULL, 0};

		if (utf8_check(v, strlen(v)) != (size_t)-1) {
			diag_error(r->d, &at, "column %zu (%s): invalid UTF-8",
			           i + 1, i < c->ncols ? c->header[i] : "?");
			ok = false;
		} else if (ctl != NULL) {
			diag_error(r->d, &at,
			           "column %zu (%s): control character U+%04X "
			           "not allowed (a field is one line of text)",
			           i + 1, i < c->ncols ? c->header[i] : "?",
			           (unsigned char)*ctl);
			ok = false;
		}
	}
	return ok;
}

/* prescan refuses, before any row is read, a file a users file cannot be:
 * too large, or holding a NUL (a NUL would end a field's C string early,
 * silently; a UTF-16 file is full of them). */
static bool
prescan(FILE *f, const char *path, struct diag *d)
{
	char chunk[65536];
	size_t n;
	long total = 0;
	int line = 1;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		const char *z = memchr(chunk, '\0', n);

		for (const char *q = chunk; q < (z != NULL ? z : chunk + n);
		     q++)
			line += *q == '\n';
		if (z != NULL) {
			struct loc at = {path, line, NULL, NULL, 0};

			diag_error(d, &at, "NUL byte (U+0000) not allowed");
			return false;
		}
		total += (long)n;
		if (total > MAX_CSV) {
			struct loc at = {path, 0, NULL, NULL, 0};

			diag_error(d, &at, "larger than %d MiB", MAX_CSV >> 20);
			return false;
		}
	}
	if (ferror(f)) {
		diag_error(d, NULL, "cannot read %s: %s", path,
		           strerror(errno));
		return false;
	}
	rewind(f);
	return true;
}

static bool
same_column(const void *ctx, size_t i, const char *name, size_t n)
{
	const char *have = ((const struct csv *)ctx)->header[i];

	return strncmp(have, name, n) == 0 && have[n] == '\0';
}

static void
seek_to(struct csv_private *r, long offset, int line)
{
	if (fseek(r->f, offset, SEEK_SET) != 0)
		r->c = EOF;
	else {
		r->pos = offset - 1;
		advance(r);
	}
	r->line = line;
}

struct csv *
csv_open(const char *path, struct diag *d)
{
	const char *why;
	int fd = input_open(path, MAX_CSV, 0, &why);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	struct strmap *names;
	struct csv_private *r;
	struct csv *c;
	bool bad;

	if (fd == INPUT_TOO_LARGE) {
		struct loc at = {path, 0, NULL, NULL, 0};

		diag_error(d, &at, "larger than %d MiB", MAX_CSV >> 20);
		return NULL;
	}
	if (f == NULL) {
		diag_error(d, NULL, "cannot open %s: %s", path,
		           fd == INPUT_FAILED ? why : strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!prescan(f, path, d)) {
		fclose(f);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	r = c->p = xcalloc(1, sizeof(*r));
	r->f = f;
	r->path = path;
	r->d = d;
	if (fstat(fileno(f), &r->at_open) != 0)
		memset(&r->at_open, 0, sizeof(r->at_open));
	seek_to(r, 0, 1);
	/* Spreadsheets write a byte order mark; it is not part of "email". */
	if (r->c == 0xef && next_is(r, 0xbb)) {
		advance(r);
		if (next_is(r, 0xbf)) {
			advance(r);
			advance(r);
		} else
			seek_to(r, 0, 1);
	}
	if (!record(r, &bad) || bad || r->nfields == 0 ||
	    (r->nfields == 1 && r->fields[0][0] == '\0')) {
		struct loc at = {path, 1, NULL, NULL, 0};

		if (!bad)
			diag_error(d, &at,
			           "no header row; the first line names the "
			           "columns, e.g. email,name,login");
		csv_close(c);
		return NULL;
	}
	c->ncols = r->nfields;
	c->header = xcalloc(c->ncols + 1, sizeof(*c->header));
	for (size_t i = 0; i < c->ncols; i++) {
		c->header[i] = xstrdup(r->fields[i]);
		for (char *p = c->header[i]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	names = strmap_new(same_column, c);
	for (size_t i = 0; i < c->ncols; i++) {
		size_t k =
		    strmap_put(names, c->header[i], strlen(c->header[i]), i);

		if (k != STRMAP_NONE) {
			struct loc at = {path, 1, NULL, NULL, 0};

			diag_error(d, &at,
			           "column %zu: duplicate column \"%s\"; it is "
			           "also column %zu",
			           i + 1, c->header[i], k + 1);
			strmap_free(names);
			csv_close(c);
			return NULL;
		}
	}
	strmap_free(names);
	r->first = r->pos;
	return c;
}

bool
csv_next(struct csv *c, struct csv_row *row)
{
	struct csv_private *r = c->p;

	for (;;) {
		int line = r->line;
		bool bad;

		if (!record(r, &bad))
			return false;
		if (bad || (r->nfields == 1 && r->fields[0][0] == '\0'))
			continue; /* a syntax error (reported), or blank */
		if (r->nfields != c->ncols) {
			struct loc at = {r->path, line, NULL, NULL, 0};

			diag_error(r->d, &at,
			           "%zu fields, but the header names %zu "
			           "columns",
			           r->nfields, c->ncols);
			continue;
		}
		if (!values_ok(r, c, line))
			continue;
		row->line = line;
		row->fields = r->fields;
		return true;
	}
}

bool
csv_rewind(struct csv *c, struct diag *d, struct diag *report)
{
	struct csv_private *r = c->p;
	struct stat now;

	r->d = d;
	seek_to(r, r->first, 2);
	if (stat(r->path, &now) != 0 || now.st_ino != r->at_open.st_ino ||
	    now.st_dev != r->at_open.st_dev ||
	    now.st_size != r->at_open.st_size ||
	    now.st_mtim.tv_sec != r->at_open.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != r->at_open.st_mtim.tv_nsec) {
		struct loc at = {r->path, 0, NULL, NULL, 0};

		diag_error(report, &at,
		           "changed while mailconf was reading it; nothing "
		           "more is written: run again");
		return false;
	}
	return true;
}

void
csv_close(struct csv *c)
{
	struct csv_private *r;

	if (c == NULL)
		return;
	r = c->p;
	for (size_t i = 0; c->header != NULL && i < c->ncols; i++)
		free(c->header[i]);
	free(c->header);
	free(r->fields);
	buf_free(&r->field);
	buf_free(&r->row);
	fclose(r->f);
	free(r);
	free(c);
}
