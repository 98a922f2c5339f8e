/* SPDX-License-Identifier: MIT */
/* Re-parse rendered XML with libxml2 before anything is written. */
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
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

/* declares says whether the reader's DOCTYPE node holds declarations
 * (xmlTextReaderCurrentDoc would hand the document over to be freed). */
static bool
declares(xmlTextReaderPtr r)
{
	xmlNodePtr dtd = xmlTextReaderCurrentNode(r);

	return dtd != NULL && dtd->children != NULL;
}

bool
xml_check(const char *what, const char *text, size_t len, struct diag *d)
{
	struct buf first = BUF_INIT;
	xmlTextReaderPtr r;
	int rc = -1;
	bool ok;

	if (len > INT_MAX)
		return false;
	xmlSetStructuredErrorFunc(&first, collect);
	/* Streamed, in memory that does not grow with the document: a
	 * provider's 100,000 domains make a checklist of megabytes. HUGE
	 * lifts libxml2's limits on text and names, which guard against
	 * hostile input; this is mailconf's own rendering, and entities and
	 * the network stay off. */
	r = xmlReaderForMemory(text, (int)len, "rendered.xml", "UTF-8",
	                       XML_PARSE_NONET | XML_PARSE_NOWARNING |
	                           XML_PARSE_HUGE);
	if (r != NULL) {
		/* No output of mailconf declares anything in its DOCTYPE:
		 * declarations come from a template declaring entities
		 * (billion laughs), which HUGE would let through. */
		while ((rc = xmlTextReaderRead(r)) == 1)
			if (xmlTextReaderNodeType(r) ==
			        XML_READER_TYPE_DOCUMENT_TYPE &&
			    declares(r) && first.len == 0) {
				buf_puts(&first,
				         "its DOCTYPE declares entities "
				         "or elements; a template may not");
				break;
			}
		xmlFreeTextReader(r);
	}
	xmlSetStructuredErrorFunc(NULL, NULL);
	ok = rc == 0 && first.len == 0;
	if (!ok) {
		struct loc at = {NULL, 0, NULL, NULL, 0};

		diag_error(d, &at,
		           "internal error: %s: rendered XML is not "
		           "well-formed (%s)",
		           what,
		           first.len > 0 ? buf_cstr(&first) : "no detail");
	}
	buf_free(&first);
	return ok;
}

void
xml_cleanup(void)
{
	xmlCleanupParser();
}
