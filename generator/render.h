/* SPDX-License-Identifier: MIT */
/* The one render path: a target's template, its escaper, its check, its
 * finisher; used by every command and the fuzz harnesses. */
#ifndef MAILCONF_RENDER_H
#define MAILCONF_RENDER_H

#include <stdbool.h>

#include "buf.h"
#include "diag.h"
#include "target.h"
#include "template.h"
#include "value.h"

/* render_load reads the template of t in lang (a "%s" in t->template
 * stands for it) from the directory dir and parses it against the view's
 * schema. Owned (tmpl_free); NULL on error, reported to d. */
struct tmpl *render_load(const struct target *t, const char *dir,
                         const char *lang, struct diag *d);

/* A template set: for each row of targets[], its loaded templates, one a
 * language when its name has a "%s". */
struct tset;

/* tset_new returns an empty set (owned; tset_free). */
struct tset *tset_new(void);
/* tset_load loads t's template from dir into v: in lang, or in every
 * language when lang is NULL; a template with no "%s" is loaded once.
 * A failure is reported to d and leaves the slot empty. */
void tset_load(struct tset *v, const struct target *t, const char *dir,
               const char *lang, struct diag *d);
/* tset_get returns t's template in lang (NULL: the default language), or
 * NULL when it was not loaded. Borrowed. */
const struct tmpl *tset_get(const struct tset *v, const struct target *t,
                            const char *lang);
/* tset_loaded says whether t has a template in v, in any language. */
bool tset_loaded(const struct tset *v, const struct target *t);
/* tset_free frees v and its templates; NULL is a no-op. */
void tset_free(struct tset *v);

/* Which step of render_target refused the output. */
enum render_fault {
	RENDER_OK,
	RENDER_BOUND,  /* the template renders too much (tmpl_render) */
	RENDER_CHECK,  /* t->check refused the rendered text */
	RENDER_FINISH, /* t->finish could not finish it */
};

/* render_target renders tp (t's template) over view through t's escaper
 * into out, which is empty (the check reads it whole); then, with check,
 * runs t's check, and with fo (NULL: none) t's finisher. A refusal is
 * reported to d, naming t->name; out then holds what was made so far. */
enum render_fault render_target(const struct target *t, const struct tmpl *tp,
                                const struct object *view, bool check,
                                const struct finish_opts *fo, struct buf *out,
                                struct diag *d);

#endif
