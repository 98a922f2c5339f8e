/* SPDX-License-Identifier: MIT */
/* libFuzzer: arbitrary bytes as a users file; every row kept must have one
 * valid field per column. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csv.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	int fd = memfd_create("csv", 0);
	char path[64];
	struct diag d = DIAG_INIT;
	struct csv *c;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	c = csv_read(path, &d);
	/* The reader's promise: a kept row holds exactly ncols fields of
	 * valid UTF-8 without control characters, at a line >= 2. */
	for (size_t r = 0; c != NULL && r < c->nrows; r++) {
		if (c->rows[r].line < 2)
			abort();
		for (size_t i = 0; i < c->ncols; i++) {
			const char *f = c->rows[r].fields[i];

			if (f == NULL || first_control(f) != NULL ||
			    utf8_check(f, strlen(f)) != (size_t)-1)
				abort();
		}
		if (c->rows[r].fields[c->ncols] != NULL)
			abort();
	}
	csv_free(c);
	diag_free(&d);
	close(fd);
	return 0;
}
