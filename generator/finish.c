/* SPDX-License-Identifier: MIT */
/* Checks on rendered rc files and finishers (encodings, signatures) that
 * targets name. */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "target.h"
#include "text.h"
#include "xalloc.h"

/* check_lines reports each line longer than max (bytes, or characters
 * when chars): the consumer would cut it or read its rest as a directive. */
static bool
check_lines(const char *what, const char *text, size_t len, size_t max,
            bool chars, const char *why, struct diag *d)
{
	size_t line = 1, start = 0;
	bool ok = true;

	while (start <= len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t i = nl != NULL ? (size_t)(nl - text) : len;

		/* A character is at least a byte: most lines are short. */
		if (i - start > max) {
			char *s = xstrndup(text + start, i - start);
			size_t n = chars ? utf8_length(s) : i - start;

			if (n > max) {
				diag_error(d, NULL,
				           "%s: line %zu would be %zu %s long; "
				           "%s (a value is too long: "
				           "\"%.40s...\")",
				           what, line, n,
				           chars ? "characters" : "bytes", why,
				           s);
				ok = false;
			}
			free(s);
		}
		start = i + 1;
		line++;
	}
	return ok;
}

bool
check_mbsync_lines(const char *what, const char *text, size_t len,
                   struct diag *d)
{
	return check_lines(what, text, len, 1021, false,
	                   "mbsync reads at most 1021 and takes the rest as "
	                   "a new line",
	                   d);
}

bool
check_msmtp_lines(const char *what, const char *text, size_t len,
                  struct diag *d)
{
	/* msmtp counts bytes (its buffer), not characters: 250 "é" are
	 * too many. */
	return check_lines(what, text, len, 499, false,
	                   "msmtp rejects lines over 499 bytes", d);
}

/* Windows-1252's bytes 0x80-0x9f; the rest of 0xa0-0xff is Latin-1. */
static const unsigned short cp1252_high[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
    0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178};

static int
to_cp1252(unsigned long cp)
{
	if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff))
		return (int)cp;
	for (int i = 0; i < 32; i++)
		if (cp1252_high[i] == cp)
			return 0x80 + i;
	return -1;
}

bool
finish_cp1252_crlf(const char *what, struct buf *data,
                   const struct finish_opts *o, struct diag *d)
{
	const unsigned char *s = (const unsigned char *)buf_cstr(data);
	struct buf out = BUF_INIT;
	size_t line = 0; /* where the current line starts */
	bool ok = true, line_ok = true;

	(void)o;
	for (size_t i = 0; i < data->len;) {
		unsigned long cp = s[i];
		size_t n = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
		int b;

		for (size_t k = 1; k < n && i + k < data->len; k++)
			cp = (k == 1 ? cp & (0xff >> (n + 1)) : cp) << 6 |
			     (s[i + k] & 0x3f);
		b = to_cp1252(cp);
		if (b < 0 && line_ok) {
			/* Once per line, naming the line: the key says which
			 * value (--name, the login, ...) to change. */
			size_t end = line;

			while (end < data->len && s[end] != '\n')
				end++;
			diag_error(
			    d, NULL,
			    "%s: \"%.*s\" (U+%04lX) in \"%.*s\" cannot "
			    "be written in Windows-1252, the encoding of "
			    "PRF files; use Latin letters there, or leave "
			    "%s out of --target",
			    what, (int)n, (const char *)s + i, cp,
			    (int)(end - line), (const char *)s + line, what);
			ok = line_ok = false;
		} else if (b == '\n') {
			buf_puts(&out, "\r\n");
			line = i + 1;
			line_ok = true;
		} else if (b >= 0)
			buf_putc(&out, (char)b);
		i += n;
	}
	if (ok) {
		buf_free(data);
		*data = out;
	} else
		buf_free(&out);
	return ok;
}

bool
finish_sign(const char *what, struct buf *data, const struct finish_opts *o,
            struct diag *d)
{
	(void)what;
	if (o->sign_cert == NULL)
		return true;
	return crypto_sign(data, o->sign_cert, o->sign_key, o->sign_chain, d);
}
