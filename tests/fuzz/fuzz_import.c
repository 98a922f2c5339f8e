/* SPDX-License-Identifier: MIT */
/* libFuzzer: arbitrary XML -> import; an imported spec must load and render. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "import.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static struct model *
load_ini(const struct buf *ini)
{
	int fd = memfd_create("ini", 0);
	char path[64];
	struct diag d = DIAG_INIT;
	struct source *src;
	struct model *m;

	if (fd < 0 || write(fd, ini->data, ini->len) != (ssize_t)ini->len)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	src = spec_load(path, NULL, DATADIR "/presets", &d);
	m = src != NULL ? model_build(src, &d) : NULL;
	diag_free(&d);
	close(fd);
	return m;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	int fd = memfd_create("xml", 0);
	char path[64];
	struct diag d = DIAG_INIT;
	struct buf ini = BUF_INIT;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (import_file(path, &ini, &d)) {
		struct model *m = load_ini(&ini);

		/* An import mailconf cannot load back is a bug. Files with
		 * no usable server are warned about and may not load. */
		if (m != NULL)
			fuzz_render_all(m);
		else if (d.warnings == 0)
			abort();
		model_free(m);
	}
	buf_free(&ini);
	diag_free(&d);
	close(fd);
	return 0;
}
