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
bool tmpl_render(const struct tmpl *t, const struct object *root,
                 escape_fn *esc, struct buf *out);
void tmpl_free(struct tmpl *t);

#endif
