/* SPDX-License-Identifier: MIT */
/* Escapers: how a value is written in each output format. */
#include <assert.h>

#include "escape.h"

void
escape_xml(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	(void)kind;
	for (size_t i = 0; i < n; i++) {
		/* XML 1.0 cannot carry C0 controls even as &#1;. */
		assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
		switch (s[i]) {
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		case '"':
			buf_puts(out, "&quot;");
			break;
		case '\'':
			buf_puts(out, "&apos;");
			break;
		default:
			buf_putc(out, s[i]);
		}
	}
}
