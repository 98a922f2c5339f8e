/* SPDX-License-Identifier: MIT */
/* libFuzzer: arbitrary template text, parsed against the real schema and
 * rendered over a fixed model. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "spec.h"
#include "template.h"
#include "view.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Built once; the view borrows the model's strings, so both stay. */
static struct model *model;
static struct object *view;

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct diag d = DIAG_INIT;
	struct tmpl *t;

	if (view == NULL) {
		struct diag quiet = DIAG_INIT;
		struct source *src =
		    spec_load(DATADIR "/presets/gmail.ini", NULL,
		              DATADIR "/presets", &quiet);
		struct view_opts o = {.email = "a@gmail.com"};

		model = model_build(src, &quiet);
		if (model == NULL)
			abort();
		view = view_build(model, &o);
		diag_free(&quiet);
	}
	t = tmpl_parse((const char *)data, size, "fuzz.mustache", view_schema,
	               &d);
	if (t == NULL) {
		/* Every refusal says where: "fuzz.mustache:LINE: error:". */
		char *text = diag_text(&d);

		if (strncmp(text, "fuzz.mustache:", 14) != 0 ||
		    atoi(text + 14) < 1)
			abort();
		free(text);
	} else {
		struct buf out = BUF_INIT;

		tmpl_render(t, view, escape_xml, &out);
		buf_free(&out);
		tmpl_free(t);
	}
	diag_free(&d);
	return 0;
}
