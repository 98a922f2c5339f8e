/* SPDX-License-Identifier: MIT */
/* A mustache subset: parse with line numbers, check names against a schema,
 * render through an escaper. */
#ifndef MAILCONF_TEMPLATE_H
#define MAILCONF_TEMPLATE_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "value.h"

/* An escaper writes the value s[0..n) for one output format. kind is
 * VALUE_TEXT or VALUE_NUMBER. It is never given raw template text. */
typedef void escape_fn(struct buf *out, const char *s, size_t n,
                       enum vkind kind);

struct tmpl;

/* tmpl_parse parses text (len bytes, need not be NUL-terminated) read from
 * file, checking every name against the root schema. Each problem is
 * reported to d with file:line; NULL is returned when there was any. The
 * result is owned by the caller; file is copied. */
struct tmpl *tmpl_parse(const char *text, size_t len, const char *file,
                        const struct field *root, struct diag *d);
/* tmpl_render appends the template rendered over root to out. root must
 * follow the schema the template was parsed against. False, with out as
 * it was, when the output would pass TMPL_MAX_OUTPUT: sections over lists,
 * nested, multiply (a hostile --templates). */
#define TMPL_MAX_OUTPUT (64u << 20)
/* A run renders at most this much in all: a hostile template's 64 MiB for
 * each of a team's 10,000 people would be 640 GB. tmpl_run_limit sets
 * another bound (0: the default) and starts the count again. */
#define TMPL_MAX_RUN ((size_t)16 << 30)
void tmpl_run_limit(size_t max);
bool tmpl_render(const struct tmpl *t, const struct object *root,
                 escape_fn *esc, struct buf *out);
/* tmpl_run_spent says whether a refused rendering was refused because
 * the run's bound was reached, not because of its own size. */
bool tmpl_run_spent(void);
void tmpl_free(struct tmpl *t);

#endif
