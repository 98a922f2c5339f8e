/* SPDX-License-Identifier: MIT */
/* The one render path: template + escaper -> buffer -> check -> finisher. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "render.h"
#include "view.h"
#include "xalloc.h"

/* A template set: for row i of targets[], language k of view_langs, the
 * template is t[i * nlangs + k]; one with no "%s" is in k = 0. */
struct tset {
	size_t nlangs;
	struct tmpl **t;
};

static size_t
lang_index(const char *lang)
{
	for (size_t i = 0; lang != NULL && view_langs[i] != NULL; i++)
		if (strcmp(view_langs[i], lang) == 0)
			return i;
	return 0;
}

/* slot is where v keeps t's template in language k. */
static struct tmpl **
slot(const struct tset *v, const struct target *t, size_t k)
{
	return &v->t[(size_t)(t - targets) * v->nlangs + k];
}

struct tmpl *
render_load(const struct target *t, const char *dir, const char *lang,
            struct diag *d)
{
	const char *pct = strstr(t->template, "%s");
	/* "%s" in a template name stands for the language. */
	char *path = pct != NULL ? xasprintf("%s/%.*s%s%s", dir,
	                                     (int)(pct - t->template),
	                                     t->template, lang, pct + 2)
	                         : xasprintf("%s/%s", dir, t->template);
	struct buf text = BUF_INIT;
	struct tmpl *tp = NULL;
	const char *why;
	/* Templates are a few kilobytes; this bounds a hostile one. A link
	 * in a template directory could lead anywhere. */
	int rc =
	    input_read(&text, path, 16 * 1024 * 1024, INPUT_NOFOLLOW, &why);

	if (rc == INPUT_FAILED)
		diag_error(d, NULL, "cannot open template %s: %s", path, why);
	else if (rc == INPUT_TOO_LARGE)
		diag_error(d, NULL, "template %s is larger than 16 MiB", path);
	else
		tp =
		    tmpl_parse(buf_cstr(&text), text.len, path, view_schema, d);
	buf_free(&text);
	free(path);
	return tp;
}

struct tset *
tset_new(void)
{
	struct tset *v = xcalloc(1, sizeof(*v));

	while (view_langs[v->nlangs] != NULL)
		v->nlangs++;
	v->t = xcalloc(target_count() * v->nlangs, sizeof(*v->t));
	return v;
}

void
tset_load(struct tset *v, const struct target *t, const char *dir,
          const char *lang, struct diag *d)
{
	if (strstr(t->template, "%s") == NULL)
		*slot(v, t, 0) = render_load(t, dir, view_langs[0], d);
	else if (lang != NULL)
		*slot(v, t, lang_index(lang)) =
		    render_load(t, dir, view_langs[lang_index(lang)], d);
	else
		for (size_t k = 0; k < v->nlangs; k++)
			*slot(v, t, k) = render_load(t, dir, view_langs[k], d);
}

const struct tmpl *
tset_get(const struct tset *v, const struct target *t, const char *lang)
{
	return *slot(v, t,
	             strstr(t->template, "%s") != NULL ? lang_index(lang) : 0);
}

bool
tset_loaded(const struct tset *v, const struct target *t)
{
	for (size_t k = 0; k < v->nlangs; k++)
		if (*slot(v, t, k) != NULL)
			return true;
	return false;
}

void
tset_free(struct tset *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < target_count() * v->nlangs; i++)
		tmpl_free(v->t[i]);
	free(v->t);
	free(v);
}

/* rendered renders t over view into out, as tmpl_render does; an output
 * it refuses (too large: a template's sections nest lists too deep) is
 * reported to d, naming what. */
static bool
rendered(const struct tmpl *t, const char *what, const struct object *view,
         escape_fn *esc, struct buf *out, struct diag *d)
{
	if (tmpl_render(t, view, esc, out))
		return true;
	if (tmpl_run_spent()) {
		diag_error(
		    d, NULL,
		    "%s: the run has rendered %zu GiB in all, mailconf's "
		    "bound for one run; split the users file",
		    what, (size_t)(TMPL_MAX_RUN >> 30));
		return false;
	}
	diag_error(d, NULL,
	           "%s: the template renders more than %u MiB, or takes too "
	           "long; are its sections nested over lists too deeply?",
	           what, TMPL_MAX_OUTPUT >> 20);
	return false;
}

enum render_fault
render_target(const struct target *t, const struct tmpl *tp,
              const struct object *view, bool check,
              const struct finish_opts *fo, struct buf *out, struct diag *d)
{
	if (!rendered(tp, t->name, view, t->escape, out, d))
		return RENDER_BOUND;
	if (check && t->check != NULL &&
	    !t->check(t->name, out->data, out->len, d))
		return RENDER_CHECK;
	if (fo != NULL && t->finish != NULL && !t->finish(t->name, out, fo, d))
		return RENDER_FINISH;
	return RENDER_OK;
}
