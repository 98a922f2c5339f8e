/* SPDX-License-Identifier: MIT */
/* What the fuzz harnesses share: every target rendered over a model, with its
 * checks as oracles. */
#include <stdio.h>
#include <stdlib.h>

#include "escape.h"
#include "fuzz.h"
#include "render.h"
#include "target.h"
#include "view.h"

static struct tset *tmpls;

/* load_all loads every target's template, the English one standing for
 * every language; the harness cannot run without them. */
static void
load_all(void)
{
	struct diag d = DIAG_INIT;

	tmpls = tset_new();
	for (size_t i = 0; targets[i].name != NULL; i++) {
		tset_load(tmpls, &targets[i], DATADIR "/templates", "en", &d);
		if (!tset_loaded(tmpls, &targets[i]))
			abort();
	}
	diag_free(&d);
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

	const struct finish_opts nosign = {0};

	if (tmpls == NULL)
		load_all();
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
			/* Line-length checks may refuse long values, the
			 * Windows-1252 finisher a character it lacks; XML must
			 * always re-parse. */
			if (render_target(t, tset_get(tmpls, t, NULL), v, true,
			                  &nosign, &b, &d) == RENDER_CHECK &&
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
