/* SPDX-License-Identifier: MIT */
/* libFuzzer: arbitrary INI -> load, validate, lint, render every target; an
 * accepted spec must give well-formed XML, and a lean load the same. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* same_lean aborts unless a lean load of path (domain lists left in the
 * file, as mailconf site loads) says what d says and walks m's domains. */
static void
same_lean(const char *path, const struct diag *d, const struct model *m)
{
	struct diag d2 = DIAG_INIT;
	struct source *src = spec_load_lean(path, NULL, DATADIR "/presets",
	                                    "provider", "domains", &d2);
	struct model *m2 = src != NULL ? model_build(src, &d2) : NULL;
	char *t1, *t2;

	if (m2 != NULL)
		model_lint(m2, NULL, &d2);
	t1 = diag_text(d);
	t2 = diag_text(&d2);
	if (strcmp(t1, t2) != 0 || (m == NULL) != (m2 == NULL))
		abort();
	if (m != NULL) {
		struct model_walk *w = model_walk_domains(m2, NULL);
		const char *dom;
		size_t n = 0;

		while ((dom = model_walk_next(w)) != NULL)
			if (n >= m->ndomains ||
			    strcmp(dom, m->domains[n++]) != 0)
				abort();
		if (!model_walk_end(w) || n != m->ndomains)
			abort();
	}
	free(t1);
	free(t2);
	model_free(m2);
	diag_free(&d2);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* iniparser 4.1 loads only from a path. */
	int fd = memfd_create("spec", 0);
	char path[64];
	struct diag d = DIAG_INIT;
	struct source *src;
	struct model *m;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	src = spec_load(path, NULL, DATADIR "/presets", &d);
	m = src != NULL ? model_build(src, &d) : NULL;
	if (m != NULL)
		model_lint(m, NULL, &d);
	same_lean(path, &d, m);
	if (m != NULL)
		fuzz_render_all(m);
	model_free(m);
	diag_free(&d);
	close(fd);
	return 0;
}
