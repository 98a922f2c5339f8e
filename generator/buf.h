/* SPDX-License-Identifier: MIT */
/* Growable byte buffer: outputs are rendered here, checked, then written. */
#ifndef MAILCONF_BUF_H
#define MAILCONF_BUF_H

#include <stddef.h>

/* A buffer owns data; data is always NUL-terminated when len > 0 or after
 * any append. BUF_INIT is an empty buffer that owns nothing yet. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* buf_reserve makes room for n bytes in total (data then has cap >= n). */
void buf_reserve(struct buf *b, size_t n);
/* buf_read_file appends the regular file at path to b (input_read, which
 * says why it failed). Returns 0; -1 when it cannot be opened or read, or
 * is no regular file; 1 when the file is larger than max. b is then as it
 * was. */
int buf_read_file(struct buf *b, const char *path, size_t max);
/* buf_cstr returns the contents as a C string ("" when empty); borrowed. */
const char *buf_cstr(const struct buf *b);
/* buf_reset empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
