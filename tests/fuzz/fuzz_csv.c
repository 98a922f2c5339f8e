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
	struct csv_row row;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	c = csv_open(path, &d);
	/* The reader's promise: a kept row holds exactly ncols fields of
	 * valid UTF-8 without control characters, at a line >= 2; a second
	 * pass meets the same rows. */
	for (int pass = 0, rows[2] = {0, 0}; c != NULL && pass < 2; pass++) {
		int last = 1;

		if (!csv_rewind(c, &d, &d))
			abort();
		while (csv_next(c, &row)) {
			if (row.line <= last)
				abort();
			last = row.line;
			for (size_t i = 0; i < c->ncols; i++) {
				const char *f = row.fields[i];

				if (f == NULL || first_control(f) != NULL ||
				    utf8_check(f, strlen(f)) != (size_t)-1)
					abort();
			}
			if (row.fields[c->ncols] != NULL)
				abort();
			rows[pass] += row.line;
		}
		if (pass == 1 && rows[1] != rows[0])
			abort();
	}
	csv_close(c);
	diag_free(&d);
	close(fd);
	return 0;
}
