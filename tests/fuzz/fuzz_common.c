/* SPDX-License-Identifier: MIT */
/* What the fuzz harnesses share: every target rendered over a model, with its
 * checks as oracles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz.h"
#include "target.h"
#include "template.h"
#include "view.h"
#include "xalloc.h"

static struct tmpl **tmpls;

static struct tmpl *
load(const struct target *t)
{
	char *path, *name = xstrdup(t->template), *pct = strstr(name, "%s");
	struct buf text = BUF_INIT;
	struct diag d = DIAG_INIT;
	struct tmpl *tp;
	char chunk[4096];
	size_t n;
	FILE *f;

	if (pct != NULL) {
		/* the English template stands for every language */
		pct[0] = 'e';
		pct[1] = 'n';
	}
	path = xasprintf("%s/templates/%s", DATADIR, name);
	f = fopen(path, "rb");
	if (f == NULL)
		abort();
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	fclose(f);
	tp = tmpl_parse(text.data, text.len, path, view_schema, &d);
	if (tp == NULL)
		abort();
	diag_free(&d);
	buf_free(&text);
	free(path);
	free(name);
	return tp;
}

void
fuzz_render_all(const struct model *m)
{
	const struct view_opts people[] = {
	    {0},
	    {.email = "o'brien+x@example.org",
	     .real_name = "Zoë \"Q\" O'Brien #1",
	     .pass_cmd = "pass show mail/%EMAILADDRESS%",
	     .ca_file = "/etc/ssl/ca.pem",
	     .mda = "/usr/bin/procmail -d %T"},
	};

	if (tmpls == NULL) {
		tmpls = xcalloc(target_count(), sizeof(*tmpls));
		for (size_t i = 0; targets[i].name != NULL; i++)
			tmpls[i] = load(&targets[i]);
	}
	for (size_t p = 0; p < sizeof(people) / sizeof(people[0]); p++) {
		struct object *v = view_build(m, &people[p]);

		for (size_t i = 0; targets[i].name != NULL; i++) {
			const struct target *t = &targets[i];
			struct buf b = BUF_INIT;
			struct diag d = DIAG_INIT;
			const struct value *need =
			    t->needs != NULL ? object_get(v, t->needs) : NULL;

			if ((t->per_user && people[p].email == NULL) ||
			    (need != NULL && need->n == 0))
				continue;
			tmpl_render(tmpls[i], v, t->escape, &b);
			/* Line-length checks may refuse long values; XML
			 * must always re-parse. */
			if (t->check != NULL &&
			    !t->check(t->name, b.data, b.len, &d) &&
			    t->escape == escape_xml) {
				fprintf(stderr, "%s: rendered XML rejected\n",
				        t->name);
				abort();
			}
			diag_free(&d);
			buf_free(&b);
		}
		object_free(v);
	}
}
