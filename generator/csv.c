/* SPDX-License-Identifier: MIT */
/* The users file: RFC 4180 CSV with a header row, read with line numbers. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "text.h"
#include "xalloc.h"

/* A users file for a whole company is still far below this. */
#define MAX_CSV (64 * 1024 * 1024)

struct reader {
	const char *path;
	const char *p, *end;
	int line;
	struct diag *d;
};

static char *
slurp(const char *path, size_t *len, struct diag *d)
{
	struct buf b = BUF_INIT;
	int rc = buf_read_file(&b, path, MAX_CSV);

	if (rc < 0)
		diag_error(d, NULL, "cannot open %s: %s", path,
		           strerror(errno));
	else if (rc > 0) {
		struct loc at = {path, 0, NULL, NULL};

		diag_error(d, &at, "larger than %d MiB", MAX_CSV >> 20);
	}
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data != NULL ? b.data : xstrdup("");
}

/* field reads one field; returns false at a syntax error (reported). */
static bool
field(struct reader *r, struct buf *out, bool *more, bool *eol)
{
	buf_reset(out);
	*more = *eol = false;
	if (r->p < r->end && *r->p == '"') {
		int start = r->line;

		for (r->p++;; r->p++) {
			if (r->p >= r->end) {
				struct loc at = {r->path, start, NULL, NULL};

				diag_error(r->d, &at,
				           "a quoted field is never closed");
				return false;
			}
			if (*r->p == '"' && r->p + 1 < r->end && r->p[1] == '"')
				buf_putc(out, *r->p++);
			else if (*r->p == '"')
				break;
			else {
				r->line += *r->p == '\n';
				buf_putc(out, *r->p);
			}
		}
		r->p++;
		if (r->p < r->end && *r->p != ',' && *r->p != '\n' &&
		    *r->p != '\r') {
			struct loc at = {r->path, r->line, NULL, NULL};

			diag_error(r->d, &at,
			           "text after a closing quote; double a quote "
			           "inside a quoted field (\"\")");
			while (r->p < r->end && *r->p != '\n')
				r->p++;
			return false;
		}
	} else {
		while (
		    r->p < r->end && *r->p != ',' && *r->p != '\n' &&
		    !(*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')) {
			if (*r->p == '"') {
				struct loc at = {r->path, r->line, NULL, NULL};

				diag_error(r->d, &at,
				           "a quote inside an unquoted field; "
				           "quote the whole field and double "
				           "the quote (\"\")");
				while (r->p < r->end && *r->p != '\n')
					r->p++;
				return false;
			}
			buf_putc(out, *r->p++);
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
	if (r->p < r->end && *r->p == ',') {
		r->p++;
		*more = true;
	} else {
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		*eol = true;
	}
	return true;
}

/* record reads one row into a NULL-terminated owned array; *bad when it
 * had a syntax error. NULL at the end of the file. */
static char **
record(struct reader *r, size_t *n, bool *bad)
{
	struct buf f = BUF_INIT;
	char **v = NULL;
	bool more = true, eol = false;

	*n = 0;
	*bad = false;
	if (r->p >= r->end)
		return NULL;
	while (more) {
		if (!field(r, &f, &more, &eol)) {
			*bad = true;
			if (r->p < r->end && *r->p == '\n')
				r->p++;
			break;
		}
		v = xreallocarray(v, *n + 2, sizeof(*v));
		v[(*n)++] = xstrdup(buf_cstr(&f));
		v[*n] = NULL;
	}
	r->line++;
	buf_free(&f);
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	return v;
}

static void
free_record(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
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
values_ok(struct reader *r, const struct csv *c, char **v, int line)
{
	bool ok = true;

	for (size_t i = 0; v[i] != NULL; i++) {
		const char *ctl = first_control(v[i]);
		struct loc at = {r->path, line, NULL, NULL};

		if (utf8_check(v[i], strlen(v[i])) != (size_t)-1) {
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

struct csv *
csv_read(const char *path, struct diag *d)
{
	size_t len, n;
	char *text = slurp(path, &len, d);
	struct reader r = {.path = path, .line = 1, .d = d};
	struct csv *c;
	bool bad;
	char **v;

	if (text == NULL)
		return NULL;
	r.p = text;
	r.end = text + len;
	/* A NUL would end a field's C string early, silently. */
	if (memchr(text, '\0', len) != NULL) {
		const char *z = memchr(text, '\0', len);
		struct loc at = {path, 1, NULL, NULL};

		for (const char *q = text; q < z; q++)
			at.line += *q == '\n';
		diag_error(d, &at, "NUL byte (U+0000) not allowed");
		free(text);
		return NULL;
	}
	/* Spreadsheets write a byte order mark; it is not part of "email". */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	c = xcalloc(1, sizeof(*c));
	v = record(&r, &n, &bad);
	if (v == NULL || bad || n == 0 || (n == 1 && v[0][0] == '\0')) {
		struct loc at = {path, 1, NULL, NULL};

		if (!bad)
			diag_error(d, &at,
			           "no header row; the first line names the "
			           "columns, e.g. email,name,login");
		free_record(v);
		free(text);
		csv_free(c);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		for (char *p = v[i]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	c->header = v;
	c->ncols = n;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(v[i], v[k]) == 0) {
				struct loc at = {path, 1, NULL, NULL};

				diag_error(
				    d, &at,
				    "column %zu: duplicate column \"%s\"; "
				    "it is also column %zu",
				    i + 1, v[i], k + 1);
				free(text);
				csv_free(c);
				return NULL;
			}
	for (;;) {
		int line = r.line;

		v = record(&r, &n, &bad);
		if (v == NULL)
			break;
		if (bad || (n == 1 && v[0][0] == '\0')) {
			free_record(
			    v); /* a syntax error (reported), or blank */
			continue;
		}
		if (n != c->ncols) {
			struct loc at = {path, line, NULL, NULL};

			diag_error(d, &at,
			           "%zu fields, but the header names %zu "
			           "columns",
			           n, c->ncols);
			free_record(v);
			continue;
		}
		if (!values_ok(&r, c, v, line)) {
			free_record(v);
			continue;
		}
		c->rows =
		    xreallocarray(c->rows, c->nrows + 1, sizeof(*c->rows));
		c->rows[c->nrows].line = line;
		c->rows[c->nrows++].fields = v;
	}
	free(text);
	return c;
}

void
csv_free(struct csv *c)
{
	if (c == NULL)
		return;
	free_record(c->header);
	for (size_t i = 0; i < c->nrows; i++)
		free_record(c->rows[i].fields);
	free(c->rows);
	free(c);
}
