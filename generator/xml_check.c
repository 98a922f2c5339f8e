/* SPDX-License-Identifier: MIT */
/* Re-parse rendered XML with libxml2 before anything is written. */
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "buf.h"
#include "xml_check.h"

/* libxml2 2.9 hands the handler a non-const pointer; 2.12 a const one. */
static void
collect(void *ctx, xmlErrorPtr err)
{
	struct buf *first = ctx;

	if (first->len == 0 && err != NULL && err->message != NULL) {
		size_t n;

		buf_printf(first, "line %d: %s", err->line, err->message);
		n = first->len;
		while (n > 0 && (first->data[n - 1] == '\n'))
			first->data[--n] = '\0';
		first->len = n;
		for (size_t i = 0; i < n; i++)
			if (first->data[i] == '\n')
				first->data[i] = ' ';
	}
}

bool
xml_check(const char *what, const char *text, size_t len, struct diag *d)
{
	struct buf first = BUF_INIT;
	xmlDocPtr doc;
	bool ok;

	if (len > INT_MAX)
		return false;
	xmlSetStructuredErrorFunc(&first, collect);
	doc = xmlReadMemory(text, (int)len, "rendered.xml", "UTF-8",
	                    XML_PARSE_NONET | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	ok = doc != NULL && first.len == 0;
	if (!ok) {
		struct loc at = {NULL, 0, NULL, NULL};

		diag_error(d, &at,
		           "internal error: %s: rendered XML is not "
		           "well-formed (%s)",
		           what,
		           first.len > 0 ? buf_cstr(&first) : "no detail");
	}
	xmlFreeDoc(doc);
	buf_free(&first);
	return ok;
}

void
xml_cleanup(void)
{
	xmlCleanupParser();
}
