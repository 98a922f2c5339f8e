/* SPDX-License-Identifier: MIT */
/* Escapers: how a value is written in each output format. */
#include <assert.h>
#include <string.h>

#include "escape.h"

static void
check(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	(void)s;
}

/* run returns how many characters from s[i] on are none of special:
 * escapers copy such runs whole. */
static size_t
run(const char *s, size_t i, size_t n, const char *special)
{
	size_t k = i;

	while (k < n && strchr(special, s[k]) == NULL)
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
		size_t k = run(s, i, n, "&<>\"'");

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
backslashed(struct buf *out, const char *s, size_t n, const char *special)
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
quoted(struct buf *out, const char *s, size_t n, const char *special)
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
		quoted(out, s, n, "\"\\");
}

void
escape_mbsync(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	if (kind == VALUE_NUMBER)
		buf_add(out, s, n);
	else
		quoted(out, s, n, "\"\\");
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
		size_t k = run(s, i, n, "\"\\");

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
	if (n > 0 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz"
	              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-") >= n) {
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
	backslashed(out, s, n, "\\`*_[]<>#|!~&()");
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
