/* SPDX-License-Identifier: MIT */
/* Unit tests of escape.c: XML escaping, checked by parsing it back. */
#include "unit.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "escape.h"

static char *
escaped(const char *s, enum vkind kind)
{
	struct buf b = BUF_INIT;
	char *out;

	escape_xml(&b, s, strlen(s), kind);
	out = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void
test_escape_xml_escapes_markup(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"", ""},
	    {"plain text", "plain text"},
	    {"&", "&amp;"},
	    {"<", "&lt;"},
	    {">", "&gt;"},
	    {"\"", "&quot;"},
	    {"'", "&apos;"},
	    {"AT&T", "AT&amp;T"},
	    {"<a href=\"x\">it's</a>",
	     "&lt;a href=&quot;x&quot;&gt;it&apos;s&lt;/a&gt;"},
	    {"&amp;", "&amp;amp;"}, /* an entity is text, escaped again */
	    {"&#60;", "&amp;#60;"},
	    {"]]>", "]]&gt;"},
	    {"<!-- x -->", "&lt;!-- x --&gt;"},
	    {"%EMAILADDRESS%", "%EMAILADDRESS%"},
	    /* non-ASCII UTF-8 passes unchanged, byte for byte */
	    {"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"},
	    {"\xe6\x97\xa5\xe6\x9c\xac <\xe8\xaa\x9e>",
	     "\xe6\x97\xa5\xe6\x9c\xac &lt;\xe8\xaa\x9e&gt;"},
	    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		char *got = escaped(cases[i].in, VALUE_TEXT);
		bool same = strcmp(got, cases[i].want) == 0;

		if (!same)
			print_message("escape_xml(\"%s\") = \"%s\"\n",
			              cases[i].in, got);
		free(got);
		assert_true(same);
	}
}

static void
test_escape_xml_writes_numbers_bare(void **state)
{
	char *got = escaped("993", VALUE_NUMBER);

	(void)state;
	assert_string_equal(got, "993");
	free(got);
}

/* It escapes s[0..n), not up to a NUL, and appends to what is there. */
static void
test_escape_xml_appends_n_bytes(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_puts(&b, "<x>");
	escape_xml(&b, "a&b<c", 2, VALUE_TEXT);
	assert_string_equal(buf_cstr(&b), "<x>a&amp;");
	assert_int_equal(b.len, strlen("<x>a&amp;"));
	buf_free(&b);
}

/* parse_back wraps v, escaped, as an element's text and an attribute, and
 * returns what libxml2 reads there; *attr gets the attribute. */
static char *
parse_back(const char *v, char **attr)
{
	struct buf doc = BUF_INIT;
	xmlDocPtr x;
	xmlNodePtr root;
	xmlChar *text, *a;
	char *out;

	buf_puts(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<e a=\"");
	escape_xml(&doc, v, strlen(v), VALUE_TEXT);
	buf_puts(&doc, "\">");
	escape_xml(&doc, v, strlen(v), VALUE_TEXT);
	buf_puts(&doc, "</e>\n");
	x = xmlReadMemory(doc.data, (int)doc.len, "roundtrip.xml", "UTF-8",
	                  XML_PARSE_NONET | XML_PARSE_NOERROR |
	                      XML_PARSE_NOWARNING);
	buf_free(&doc);
	if (x == NULL)
		return NULL;
	root = xmlDocGetRootElement(x);
	text = xmlNodeGetContent(root);
	a = xmlGetProp(root, (const xmlChar *)"a");
	out = xstrdup((const char *)text);
	*attr = xstrdup(a != NULL ? (const char *)a : "(no attribute)");
	xmlFree(text);
	xmlFree(a);
	xmlFreeDoc(x);
	return out;
}

static void
test_escape_xml_round_trips_through_libxml2(void **state)
{
	static const char *const hostile[] = {
	    "",
	    "plain",
	    "a & b",
	    "<script>alert('x')</script>",
	    "\"double\" and 'single'",
	    "]]>",
	    "<![CDATA[x]]>",
	    "&lt; stays &lt;",
	    "&#38;&#x26;",
	    "x &unknown; y",
	    "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>&e;",
	    "<?xml version=\"1.0\"?>",
	    "https://example.com/?a=1&b=<2>",
	    "%EMAILLOCALPART%@%EMAILDOMAIN%",
	    "  leading and trailing spaces  ",
	    ("\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
	     "\xf0\x9f\x98\x80"),
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(hostile); i++) {
		char *attr = NULL;
		char *text = parse_back(hostile[i], &attr);

		if (text == NULL)
			print_message("not well-formed: \"%s\"\n", hostile[i]);
		assert_non_null(text);
		assert_string_equal(text, hostile[i]);
		assert_string_equal(attr, hostile[i]);
		free(text);
		free(attr);
	}
}

static int
teardown_libxml2(void **state)
{
	(void)state;
	xmlCleanupParser();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_xml_escapes_markup),
	    cmocka_unit_test(test_escape_xml_writes_numbers_bare),
	    cmocka_unit_test(test_escape_xml_appends_n_bytes),
	    cmocka_unit_test(test_escape_xml_round_trips_through_libxml2),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL,
	                                   teardown_libxml2);
}
