/* SPDX-License-Identifier: MIT */
/* libFuzzer: every value an escaper accepts reads back exactly, by each
 * format's own grammar. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "escape.h"
#include "text.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Each unquoter follows the consumer's documented grammar and returns the
 * value it would read, or NULL when the text is not one quoted token. */

static char *
unquote_mbsync(const char *s)
{
	struct buf b = BUF_INIT;
	char *r;

	if (*s++ != '"')
		return NULL;
	for (; *s != '\0' && *s != '"'; s++) {
		if (*s == '\\' && *++s == '\0')
			return NULL;
		buf_putc(&b, *s);
	}
	if (*s != '"' || s[1] != '\0') {
		buf_free(&b);
		return NULL;
	}
	r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

static int
hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* fetchmail's lexer: "[^"]*" then escapes(): \\ \" (as text) \xHH \n... */
static char *
unquote_fetchmail(const char *s)
{
	const char *end;
	struct buf b = BUF_INIT;
	char *r;

	if (*s++ != '"' || (end = strchr(s, '"')) == NULL || end[1] != '\0')
		return NULL;
	for (; s < end; s++) {
		if (*s != '\\') {
			buf_putc(&b, *s);
			continue;
		}
		s++;
		if (*s == 'x' && s + 2 < end + 1) {
			buf_putc(&b, (char)(hex(s[1]) * 16 + hex(s[2])));
			s += 2;
		} else if (*s == 'n')
			buf_putc(&b, '\n');
		else if (*s == 't')
			buf_putc(&b, '\t');
		else
			buf_putc(&b, *s);
	}
	r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

/* msmtp: the rest of the line, blanks trimmed; then one pair of quotes
 * around it, if there is one, is removed. No escapes. */
static char *
unquote_msmtp(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return xstrndup(s + 1, n - 2);
	return xstrndup(s, n);
}

static char *
unquote_json(const char *s)
{
	return unquote_mbsync(s); /* the same two escapes */
}

static char *
unquote_xml(const char *s)
{
	char *doc = xasprintf("<a>%s</a>", s);
	xmlDocPtr d = xmlReadMemory(doc, (int)strlen(doc), "v.xml", "UTF-8",
	                            XML_PARSE_NONET | XML_PARSE_NOERROR |
	                                XML_PARSE_NOWARNING);
	char *r = NULL;

	if (d != NULL) {
		xmlChar *c = xmlNodeGetContent(xmlDocGetRootElement(d));

		r = xstrdup((const char *)c);
		xmlFree(c);
		xmlFreeDoc(d);
	}
	free(doc);
	return r;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const struct {
		escape_fn *esc;
		char *(*unquote)(const char *);
	} formats[] = {
	    {escape_mbsync, unquote_mbsync},
	    {escape_fetchmail, unquote_fetchmail},
	    {escape_msmtp, unquote_msmtp},
	    {escape_json, unquote_json},
	    {escape_xml, unquote_xml},
	};
	char *v = xstrndup((const char *)data, size);

	/* The escapers' precondition, which validation enforces. */
	if (strlen(v) != size || utf8_check(v, size) != (size_t)-1 ||
	    first_control(v) != NULL) {
		free(v);
		return 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct buf b = BUF_INIT;
		char *back;

		formats[i].esc(&b, v, size, VALUE_TEXT);
		back = formats[i].unquote(buf_cstr(&b));
		if (back == NULL || strcmp(back, v) != 0)
			abort();
		free(back);
		buf_free(&b);
	}
	free(v);
	return 0;
}
