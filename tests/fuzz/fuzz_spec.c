/* SPDX-License-Identifier: MIT */
/* libFuzzer: arbitrary INI -> load, validate, lint, render every target; an
 * accepted spec must give well-formed XML. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

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
	if (m != NULL) {
		model_lint(m, NULL, &d);
		fuzz_render_all(m);
	}
	model_free(m);
	diag_free(&d);
	close(fd);
	return 0;
}
