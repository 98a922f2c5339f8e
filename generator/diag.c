/* SPDX-License-Identifier: MIT */
/* Diagnostics in gcc's format, so editors can jump to the place. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "xalloc.h"

struct diag_msg {
	char *file;
	int line;
	size_t seq;
	size_t file_rank;
	char *text;
};

static const char *const level_names[] = {
    [DIAG_NOTE] = "note", [DIAG_WARNING] = "warning", [DIAG_ERROR] = "error"};

static size_t
file_rank(const struct diag *d, const char *file)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (file != NULL && d->msgs[i].file != NULL &&
		    strcmp(d->msgs[i].file, file) == 0)
			return d->msgs[i].file_rank;
	return d->nmsgs;
}

void
diag_vmsg(struct diag *d, enum diag_level level, const struct loc *at,
          const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	struct diag_msg *m;
	char *body;
	va_list cp;
	int n;

	if (level == DIAG_WARNING && d->strict)
		level = DIAG_ERROR;
	if (level == DIAG_NOTE && d->no_notes)
		return;
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;

	if ((at == NULL || at->file == NULL) && level == DIAG_ERROR &&
	    d->context != NULL)
		at = d->context;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	body = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	vsnprintf(body, n > 0 ? (size_t)n + 1 : 1, fmt, ap);

	if (at != NULL && at->file != NULL) {
		buf_puts(&b, at->file);
		if (at->line > 0)
			buf_printf(&b, ":%d", at->line);
		buf_puts(&b, ": ");
	} else
		buf_puts(&b, "mailconf: ");
	buf_printf(&b, "%s: ", level_names[level]);
	if (at != NULL && at->section != NULL)
		buf_printf(&b, "[%s] ", at->section);
	if (at != NULL && at->key != NULL)
		buf_printf(&b, "%s: ", at->key);
	/* A message is one line, whatever the input quoted in it holds. */
	for (const char *c = body; *c != '\0'; c++)
		if (*c == '\n')
			buf_puts(&b, "\\n");
		else if (*c == '\r')
			buf_puts(&b, "\\r");
		else if (*c == '\t')
			buf_puts(&b, "\\t");
		else if ((unsigned char)*c < 0x20 || *c == 0x7f)
			buf_printf(&b, "\\x%02x", (unsigned char)*c);
		else
			buf_putc(&b, *c);
	free(body);
	if ((at == NULL || at->file == NULL) && level != DIAG_ERROR)
		for (size_t i = 0; i < d->nmsgs; i++)
			if (d->msgs[i].file == NULL &&
			    strcmp(d->msgs[i].text, buf_cstr(&b)) == 0) {
				d->warnings -= level == DIAG_WARNING;
				buf_free(&b);
				return;
			}

	/* powers of two: thousands of messages stay linear */
	if ((d->nmsgs & (d->nmsgs - 1)) == 0)
		d->msgs =
		    xreallocarray(d->msgs, d->nmsgs == 0 ? 1 : 2 * d->nmsgs,
		                  sizeof(*d->msgs));
	m = &d->msgs[d->nmsgs];
	m->file = at != NULL && at->file != NULL ? xstrdup(at->file) : NULL;
	m->line = at != NULL ? at->line : 0;
	m->seq = d->nmsgs;
	m->file_rank = file_rank(d, m->file);
	m->text = xstrdup(buf_cstr(&b));
	d->nmsgs++;
	buf_free(&b);
}

void
diag_error(struct diag *d, const struct loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(d, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

void
diag_warn(struct diag *d, const struct loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(d, DIAG_WARNING, at, fmt, ap);
	va_end(ap);
}

void
diag_note(struct diag *d, const struct loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(d, DIAG_NOTE, at, fmt, ap);
	va_end(ap);
}

static int
cmp_msg(const void *a, const void *b)
{
	const struct diag_msg *x = a, *y = b;

	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct diag_msg *
sorted(const struct diag *d)
{
	struct diag_msg *v = xcalloc(d->nmsgs, sizeof(*v));

	if (d->nmsgs > 0)
		memcpy(v, d->msgs, d->nmsgs * sizeof(*v));
	qsort(v, d->nmsgs, sizeof(*v), cmp_msg);
	return v;
}

char *
diag_text(const struct diag *d)
{
	struct diag_msg *v = sorted(d);
	struct buf b = BUF_INIT;
	char *s;

	for (size_t i = 0; i < d->nmsgs; i++)
		buf_printf(&b, "%s\n", v[i].text);
	free(v);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void
forget(struct diag *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		free(d->msgs[i].file);
		free(d->msgs[i].text);
	}
	free(d->msgs);
	d->msgs = NULL;
	d->nmsgs = 0;
}

void
diag_flush(struct diag *d, FILE *out)
{
	char *s = diag_text(d);

	if (fputs(s, out) == EOF || fflush(out) == EOF) {
		/* nowhere left to report a failure to report */
	}
	free(s);
	forget(d);
}

int
diag_exit_status(const struct diag *d)
{
	return d->errors > 0 ? 1 : 0;
}

void
diag_free(struct diag *d)
{
	forget(d);
}
