/* SPDX-License-Identifier: MIT */
/* mailconf import: Thunderbird autoconfig XML -> specs, each loaded back
 * before it is written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"
#include "output.h"
#include "spec.h"
#include "xalloc.h"

/* import_verify loads the imported spec the way every spec is loaded: an
 * import that mailconf itself would refuse is a bug, not output. */
static bool
import_verify(const struct opts *o, const struct buf *ini, const char *from,
              struct diag *d)
{
	const char *dir = getenv("TMPDIR");
	char *tmp =
	    xasprintf("%s/mailconf-import-XXXXXX", dir != NULL ? dir : "/tmp");
	int fd = mkstemp(tmp);
	struct diag scratch = DIAG_INIT;
	bool ok = false;

	if (fd < 0 || write(fd, ini->data, ini->len) != (ssize_t)ini->len) {
		diag_error(d, NULL, "cannot write a temporary file: %s",
		           strerror(errno));
	} else {
		struct source *src =
		    spec_load(tmp, NULL, o->presets_dir, &scratch);
		struct model *m =
		    src != NULL ? model_build(src, &scratch) : NULL;

		ok = m != NULL;
		if (!ok) {
			char *msgs = diag_text(&scratch);

			diag_error(d, NULL,
			           "internal error: the spec imported from %s "
			           "does not load:\n%s",
			           from, msgs);
			free(msgs);
		}
		model_free(m);
	}
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	diag_free(&scratch);
	free(tmp);
	return ok;
}

int
cmd_import(const struct opts *o)
{
	struct diag d = DIAG_INIT;
	struct plan plan = PLAN_INIT;
	int rc = 0;

	diag_setup(o, &d);
	if (o->nspecs == 0)
		return usage(o, "import needs one or more FILE.xml");
	if ((o->out_dir == NULL) == (o->out_file == NULL))
		return usage(o,
		             "import needs --out DIR, or -o FILE for one file");
	if (o->out_file != NULL && o->nspecs != 1)
		return usage(o, "-o writes one file: import one FILE.xml");
	plan.root = o->out_dir;
	for (size_t i = 0; i < o->nspecs; i++) {
		struct buf ini = BUF_INIT;
		const char *base = strrchr(o->specs[i], '/');
		size_t n;
		char *path;

		base = base != NULL ? base + 1 : o->specs[i];
		n = strlen(base);
		if (n > 4 && strcmp(base + n - 4, ".xml") == 0)
			n -= 4;
		if (!import_file(o->specs[i], &ini, &d) ||
		    !import_verify(o, &ini, o->specs[i], &d)) {
			buf_free(&ini);
			continue;
		}
		path = o->out_file != NULL
		           ? xstrdup(o->out_file)
		           : xasprintf("%s/%.*s.ini", o->out_dir, (int)n, base);
		plan_add(&plan, path, &ini, 0644);
		free(path);
	}
	if (d.errors == 0 && o->out_file != NULL &&
	    strcmp(o->out_file, "-") == 0) {
		const struct buf *b = &plan.files[0].data;

		if (fwrite(buf_cstr(b), 1, b->len, stdout) != b->len ||
		    fflush(stdout) != 0)
			rc = EXIT_USAGE;
	} else if (d.errors == 0 && plan_check(&plan, o->force, &d)) {
		int written = 0, unchanged = 0;

		plan.force = o->force;
		if (!plan_write(&plan, &d, &written, &unchanged))
			rc = plan.io_error ? EXIT_USAGE : 0;
		else if (!o->quiet)
			say("mailconf: %d written, %d unchanged\n", written,
			    unchanged);
	}
	plan_free(&plan);
	return finish(&d, rc);
}
