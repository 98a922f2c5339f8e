/* SPDX-License-Identifier: MIT */
/* Escapers: how a value is written in each output format. */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "escape.h"

static void
check(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	(void)s;
}

/* Characters each escaper must treat, as tables: escapers copy the runs
 * between them whole. */
static const bool xml_special[256] = {
    ['&'] = true, ['<'] = true, ['>'] = true, ['"'] = true, ['\''] = true};
static const bool quote_special[256] = {['"'] = true, ['\\'] = true};
static const bool markdown_special[256] = {
    ['\\'] = true, ['`'] = true, ['*'] = true, ['_'] = true, ['['] = true,
    [']'] = true,  ['<'] = true, ['>'] = true, ['#'] = true, ['|'] = true,
    ['!'] = true,  ['~'] = true, ['&'] = true, ['('] = true, [')'] = true};

/* msmtp: all but the characters of a bare word, filled on first use. */
static bool msmtp_special[256];

/* run returns how many characters from s[i] on are not special. */
static size_t
run(const char *s, size_t i, size_t n, const bool *special)
{
	size_t k = i;

	while (k < n && !special[(unsigned char)s[k]])
		k++;
	return k - i;
}

void
escape_xml(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	(void)kind;
	/* XML 1.0 cannot carry C0 controls even as &#1;. */
	check(s, n);
	for (size_t i = 0; i < n; i++) {
		size_t k = run(s, i, n, xml_special);

		buf_add(out, s + i, k);
		i += k;
		if (i == n)
			break;
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
		default:
			buf_puts(out, "&apos;");
		}
	}
}

/* backslashed writes s with a backslash before each character of
 * special. */
static void
backslashed(struct buf *out, const char *s, size_t n, const bool *special)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = run(s, i, n, special);

		buf_add(out, s + i, k);
		i += k;
		if (i == n)
			break;
		buf_putc(out, '\\');
		buf_putc(out, s[i]);
	}
}

/* quoted writes "s" with each character of special preceded by a
 * backslash. */
static void
quoted(struct buf *out, const char *s, size_t n, const bool *special)
{
	check(s, n);
	buf_putc(out, '"');
	backslashed(out, s, n, special);
	buf_putc(out, '"');
}

void
escape_json(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	if (kind == VALUE_NUMBER)
		buf_add(out, s, n);
	else
		quoted(out, s, n, quote_special);
}

void
escape_mbsync(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	if (kind == VALUE_NUMBER)
		buf_add(out, s, n);
	else
		quoted(out, s, n, quote_special);
}

void
escape_fetchmail(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	if (kind == VALUE_NUMBER) {
		/* port takes a NUMBER token: "993" is a syntax error */
		buf_add(out, s, n);
		return;
	}
	check(s, n);
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		size_t k = run(s, i, n, quote_special);

		buf_add(out, s + i, k);
		i += k;
		if (i == n)
			break;
		buf_puts(out, s[i] == '"' ? "\\x22" : "\\\\");
	}
	buf_putc(out, '"');
}

void
escape_msmtp(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	check(s, n);
	if (kind == VALUE_NUMBER) {
		buf_add(out, s, n);
		return;
	}
	/* A word of these characters needs no quotes, and an account name
	 * must have none: "account default : NAME" does not remove them. */
	if (!msmtp_special[0])
		for (size_t c = 0; c < 256; c++)
			msmtp_special[c] =
			    c == 0 ||
			    strchr("abcdefghijklmnopqrstuvwxyz"
			           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-",
			           (int)c) == NULL;
	if (n > 0 && run(s, 0, n, msmtp_special) == n) {
		buf_add(out, s, n);
		return;
	}
	buf_putc(out, '"');
	buf_add(out, s, n);
	buf_putc(out, '"');
}

void
escape_markdown(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	(void)kind;
	check(s, n);
	backslashed(out, s, n, markdown_special);
}

void
escape_prf(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	(void)kind;
	check(s, n);
	buf_add(out, s, n);
}

void
escape_conf(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	(void)kind;
	for (size_t i = 0; i < n; i++)
		assert(strchr(" \t\"'\\;$#{}", s[i]) == NULL);
	check(s, n);
	buf_add(out, s, n);
}
