/* SPDX-License-Identifier: MIT */
/* Unit tests of template.c and value.c: parsing, standalone lines, errors. */
#include "unit.h"

#include "template.h"
#include "value.h"

/* A schema of our own, shaped like the view's. */
static const struct field auth_fields[] = {{"oauth2", VALUE_FLAG, NULL, NULL},
                                           {"password", VALUE_FLAG, NULL, NULL},
                                           {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field server_fields[] = {
    {"host", VALUE_TEXT, NULL, NULL},        {"port", VALUE_NUMBER, NULL, NULL},
    {"ssl", VALUE_FLAG, NULL, NULL},         {"tags", VALUE_LIST, NULL, NULL},
    {"auth", VALUE_LIST, auth_fields, NULL}, {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field root_fields[] = {
    {"name", VALUE_TEXT, NULL, NULL},
    {"empty", VALUE_TEXT, NULL, NULL},
    {"count", VALUE_NUMBER, NULL, NULL},
    {"unset", VALUE_NUMBER, NULL, NULL},
    {"on", VALUE_FLAG, NULL, NULL},
    {"off", VALUE_FLAG, NULL, NULL},
    {"domains", VALUE_LIST, NULL, NULL},
    {"nothing", VALUE_LIST, NULL, NULL},
    {"incoming", VALUE_LIST, server_fields, NULL},
    {"outgoing", VALUE_LIST, server_fields, NULL},
    {NULL, VALUE_TEXT, NULL, NULL}};

/* name = "Example & Co", empty = "", count = 42, unset = "", on, !off,
 * domains = [a.example, b.example], nothing = [], outgoing = [],
 * incoming = [{imap.a, 993, ssl, tags [x, y], auth [oauth2, password]},
 *             {pop.a, 995, !ssl, tags [], auth []}] */
static struct object *
make_root(void)
{
	struct object *root = object_new(root_fields);
	struct object *s;

	object_set_text(root, "name", "Example & Co");
	object_set_number(root, "count", 42);
	object_set_flag(root, "on", true);
	object_set_flag(root, "off", false);
	object_add_text(root, "domains", "a.example");
	object_add_text(root, "domains", "b.example");
	s = object_add_item(root, "incoming");
	object_set_text(s, "host", "imap.a");
	object_set_number(s, "port", 993);
	object_set_flag(s, "ssl", true);
	object_add_text(s, "tags", "x");
	object_add_text(s, "tags", "y");
	object_set_flag(object_add_item(s, "auth"), "oauth2", true);
	object_set_flag(object_add_item(s, "auth"), "password", true);
	s = object_add_item(root, "incoming");
	object_set_text(s, "host", "pop.a");
	object_set_number(s, "port", 995);
	return root;
}

/* Escapers that show where values went: text in [ ], numbers in ( ). */
static void
esc_brackets(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	buf_putc(out, kind == VALUE_NUMBER ? '(' : '[');
	buf_add(out, s, n);
	buf_putc(out, kind == VALUE_NUMBER ? ')' : ']');
}

static void
esc_plain(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	(void)kind;
	buf_add(out, s, n);
}

/* render parses text against root_fields and renders it over root; NULL
 * (and the diagnostics in d) when it does not parse. */
static char *
render(const char *text, escape_fn *esc, struct diag *d)
{
	struct tmpl *t =
	    tmpl_parse(text, strlen(text), "t.mustache", root_fields, d);
	struct object *root;
	struct buf out = BUF_INIT;
	char *s;

	if (t == NULL)
		return NULL;
	root = make_root();
	tmpl_render(t, root, esc, &out);
	s = xstrdup(buf_cstr(&out));
	buf_free(&out);
	object_free(root);
	tmpl_free(t);
	return s;
}

struct render_case {
	const char *text, *want;
};

static void
check_renders(const struct render_case *cases, size_t n, escape_fn *esc)
{
	for (size_t i = 0; i < n; i++) {
		struct diag d = DIAG_INIT;
		char *got = render(cases[i].text, esc, &d);
		char *msgs = diag_text(&d);
		bool same = got != NULL && strcmp(got, cases[i].want) == 0;

		if (!same)
			print_message("template \"%s\"\n  rendered \"%s\"\n  "
			              "expected \"%s\"\n%s",
			              cases[i].text, got ? got : "(NULL)",
			              cases[i].want, msgs);
		free(got);
		free(msgs);
		diag_free(&d);
		assert_true(same);
	}
}

static void
test_tmpl_render_names_sections_and_lists(void **state)
{
	static const struct render_case cases[] = {
	    /* variables, through the escaper */
	    {"", ""},
	    {"no tags at all", "no tags at all"},
	    {"Hello {{name}}!", "Hello [Example & Co]!"},
	    {"{{ name }}", "[Example & Co]"},
	    {"{{count}}", "(42)"},
	    {"<{{empty}}>", "<[]>"},
	    {"{{name}}{{name}}", "[Example & Co][Example & Co]"},
	    /* literal text is copied as is: braces, markup, entities */
	    {"{ } }} {x} & < > \" '", "{ } }} {x} & < > \" '"},
	    /* sections over flags */
	    {"{{#on}}yes{{/on}}{{#off}}no{{/off}}", "yes"},
	    {"{{#on}}{{#on}}deep{{/on}}{{/on}}", "deep"},
	    /* inverted sections */
	    {"{{^off}}not off{{/off}}{{^on}}not on{{/on}}", "not off"},
	    {"{{^empty}}empty{{/empty}}{{^name}}unnamed{{/name}}", "empty"},
	    {"{{^nothing}}no items{{/nothing}}{{^domains}}none{{/domains}}",
	     "no items"},
	    {"{{^incoming}}no servers{{/incoming}}", ""},
	    {"{{^unset}}no number{{/unset}}{{^count}}zero{{/count}}",
	     "no number"},
	    /* sections over text and numbers: render when non-empty */
	    {"{{#name}}named{{/name}}{{#empty}}empty{{/empty}}", "named"},
	    {"{{#name}}({{.}}){{/name}}", "([Example & Co])"},
	    {"{{#count}}counted{{/count}}{{#unset}}unset{{/unset}}", "counted"},
	    /* lists of text */
	    {"{{#domains}}<{{.}}>{{/domains}}", "<[a.example]><[b.example]>"},
	    {"{{#nothing}}<{{.}}>{{/nothing}}", ""},
	    {"{{#domains}}{{#on}}{{.}}{{/on}}{{/domains}}",
	     "[a.example][b.example]"},
	    /* lists of objects */
	    {"{{#incoming}}{{host}}:{{port}};{{/incoming}}",
	     "[imap.a]:(993);[pop.a]:(995);"},
	    {"{{#incoming}}{{#ssl}}S{{/ssl}}{{^ssl}}P{{/ssl}}{{/incoming}}",
	     "SP"},
	    {"{{#outgoing}}never{{/outgoing}}", ""},
	    {"{{#incoming}}{{#tags}}{{.}}{{/tags}}|{{/incoming}}", "[x][y]||"},
	    {"{{#incoming}}{{#auth}}{{#oauth2}}O{{/oauth2}}{{#password}}P"
	     "{{/password}}{{/auth}}|{{/incoming}}",
	     "OP||"},
	    /* names missing in a scope are looked up outwards */
	    {"{{#incoming}}{{name}}/{{host}} {{/incoming}}",
	     "[Example & Co]/[imap.a] [Example & Co]/[pop.a] "},
	    {"{{#incoming}}{{#on}}+{{/on}}{{#off}}-{{/off}}{{/incoming}}",
	     "++"},
	    {"{{#incoming}}{{#auth}}{{host}}{{/auth}}{{/incoming}}",
	     "[imap.a][imap.a]"},
	    {"{{#incoming}}{{#domains}}{{host}}={{.}} {{/domains}}"
	     "{{/incoming}}",
	     "[imap.a]=[a.example] [imap.a]=[b.example] [pop.a]=[a.example] "
	     "[pop.a]=[b.example] "},
	    /* comments */
	    {"a{{! a comment }}b", "ab"},
	    {"a{{!}}b", "ab"},
	    {"a{{! spans\nlines }}b", "ab"},
	    {"a{{! {{name is not rendered: the first }} ends it }}b",
	     "a ends it }}b"},
	};

	(void)state;
	check_renders(cases, NELEMS(cases), esc_brackets);
}

/* Each row after mustache/spec's sections.yml, inverted.yml and
 * comments.yml ("standalone" cases), in our words: a line holding only
 * blanks and one section, inverted, close or comment tag vanishes with its
 * newline; any other text on the line keeps the line whole; a variable is
 * never standalone. */
static void
test_tmpl_render_standalone_lines(void **state)
{
	static const struct render_case cases[] = {
	    /* a section's open and close tags on lines of their own */
	    {"| This Is\n{{#on}}\n|\n{{/on}}\n| A Line\n",
	     "| This Is\n|\n| A Line\n"},
	    /* indented by spaces and tabs */
	    {"| This Is\n  {{#on}}\n|\n\t\t{{/on}}\n| A Line\n",
	     "| This Is\n|\n| A Line\n"},
	    /* blanks after the tag too */
	    {"a\n{{#on}}  \t\nb\n{{/on}} \nc\n", "a\nb\nc\n"},
	    /* CRLF line endings: the CR goes with the line */
	    {"|\r\n{{#on}}\r\n{{/on}}\r\n|", "|\r\n|"},
	    {"|\r\n  {{#on}}  \r\nx\r\n{{/on}}\r\n|\r\n", "|\r\nx\r\n|\r\n"},
	    /* at the start of the file, without a previous line */
	    {"  {{#on}}\n#{{/on}}\n/", "#\n/"},
	    /* at the end of the file, without a newline */
	    {"#{{#on}}\n/\n  {{/on}}", "#\n/\n"},
	    /* a false section's lines all vanish */
	    {"a\n{{#off}}\nhidden\n{{/off}}\nb\n", "a\nb\n"},
	    /* inverted sections */
	    {"| This Is\n{{^off}}\n|\n{{/off}}\n| A Line\n",
	     "| This Is\n|\n| A Line\n"},
	    {"|\r\n{{^off}}\r\n{{/off}}\r\n|", "|\r\n|"},
	    {"  {{^off}}\n^{{/off}}\n/", "^\n/"},
	    {"^{{^off}}\n/\n  {{/off}}", "^\n/\n"},
	    /* comments */
	    {"Begin.\n{{! Comment Block! }}\nEnd.\n", "Begin.\nEnd.\n"},
	    {"Begin.\n  {{! Indented Comment Block! }}\nEnd.\n",
	     "Begin.\nEnd.\n"},
	    {"|\r\n{{! Standalone Comment }}\r\n|", "|\r\n|"},
	    {"  {{! I'm Still Standalone }}\n!", "!"},
	    {"!\n  {{! I'm Still Standalone }}", "!\n"},
	    {"Begin.\n{{!\nSomething's going on here...\n}}\nEnd.\n",
	     "Begin.\nEnd.\n"},
	    {"Begin.\n  {{!\n    Something's going on here...\n  }}\nEnd.\n",
	     "Begin.\nEnd.\n"},
	    /* lists, the mbsyncrc way: one block per item */
	    {"{{#domains}}\nDomain {{.}}\n{{/domains}}\n",
	     "Domain a.example\nDomain b.example\n"},
	    {"{{#incoming}}\n  {{#ssl}}\nTLS {{host}}\n  {{/ssl}}\n"
	     "{{/incoming}}\nend\n",
	     "TLS imap.a\nend\n"},
	    /* other text on the line keeps the line whole */
	    {" | {{#on}}\t|\t{{/on}} | \n", " | \t|\t | \n"},
	    {" | {{#on}} {{! Important Whitespace }}\n {{/on}} | \n",
	     " |  \n  | \n"},
	    {" {{#on}}YES{{/on}}\n {{#on}}GOOD{{/on}}\n", " YES\n GOOD\n"},
	    {"a {{#on}}\nb\n{{/on}} c\n", "a \nb\n c\n"},
	    {"12345{{! Comment Block! }}67890\n", "1234567890\n"},
	    {"  12 {{! 34 }}\n", "  12 \n"},
	    /* two tags on one line: neither stands alone */
	    {"{{#on}}{{/on}}\nx", "\nx"},
	    {"{{#on}}{{! c }}\nx{{/on}}", "\nx"},
	    /* a variable is never standalone, even when empty */
	    {"a\n  {{empty}}\nb\n", "a\n  \nb\n"},
	    {"a\n{{empty}}\nb\n", "a\n\nb\n"},
	    {"{{#domains}}\n{{.}}\n{{/domains}}\n", "a.example\nb.example\n"},
	};

	(void)state;
	check_renders(cases, NELEMS(cases), esc_plain);
}

/* What the escaper saw, call by call. */
static struct buf calls = BUF_INIT;

static void
esc_record(struct buf *out, const char *s, size_t n, enum vkind kind)
{
	buf_printf(&calls, "%s:%.*s\n",
	           kind == VALUE_NUMBER ? "number" : "text", (int)n, s);
	buf_add(out, s, n);
}

static void
test_tmpl_render_sends_every_value_through_escaper(void **state)
{
	static const struct {
		const char *text, *calls;
	} cases[] = {
	    {"literal & <text> \"only\"\n", ""},
	    {"{{! a comment }}{{#on}}{{/on}}", ""},
	    {"{{name}} {{count}} {{empty}}",
	     "text:Example & Co\nnumber:42\ntext:\n"},
	    {"{{#domains}}{{.}}{{/domains}}",
	     "text:a.example\ntext:b.example\n"},
	    {"{{#incoming}}{{host}}{{port}}{{#tags}}{{.}}{{/tags}}"
	     "{{/incoming}}",
	     "text:imap.a\nnumber:993\ntext:x\ntext:y\ntext:pop.a\n"
	     "number:995\n"},
	    {"{{#name}}{{.}}{{/name}}", "text:Example & Co\n"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		struct diag d = DIAG_INIT;
		char *got = render(cases[i].text, esc_record, &d);
		bool same = strcmp(buf_cstr(&calls), cases[i].calls) == 0;

		if (!same)
			print_message("template \"%s\" called:\n%s",
			              cases[i].text, buf_cstr(&calls));
		assert_non_null(got);
		free(got);
		buf_free(&calls);
		diag_free(&d);
		assert_true(same);
	}
}

/* Only the len bytes given are the template. */
static void
test_tmpl_parse_reads_len_bytes(void **state)
{
	static const char text[] = "<{{name}}>{{nope}}";
	struct diag d = DIAG_INIT;
	struct tmpl *t = tmpl_parse(text, 10, "t.mustache", root_fields, &d);
	struct object *root = make_root();
	struct buf out = BUF_INIT;

	(void)state;
	assert_non_null(t);
	tmpl_render(t, root, esc_brackets, &out);
	assert_string_equal(buf_cstr(&out), "<[Example & Co]>");
	buf_free(&out);
	object_free(root);
	tmpl_free(t);
	assert_diag(&d, "");
	diag_free(&d);
}

/* Rendering twice gives the same bytes: the template is not consumed. */
static void
test_tmpl_render_is_repeatable(void **state)
{
	static const char text[] = "{{#incoming}}{{host}},{{/incoming}}";
	struct diag d = DIAG_INIT;
	struct tmpl *t =
	    tmpl_parse(text, strlen(text), "t.mustache", root_fields, &d);
	struct object *root = make_root();
	struct buf out = BUF_INIT;

	(void)state;
	assert_non_null(t);
	tmpl_render(t, root, esc_plain, &out);
	tmpl_render(t, root, esc_plain, &out);
	assert_string_equal(buf_cstr(&out), "imap.a,pop.a,imap.a,pop.a,");
	buf_free(&out);
	object_free(root);
	tmpl_free(t);
	diag_free(&d);
}

#define UNNAMED_HELP                                                           \
	" is not a name: names are letters, digits and \"_\" (dotted names "   \
	"are not supported)\n"
#define UNESCAPED_HELP                                                         \
	" (unescaped output) is not supported: every value goes through the "  \
	"format's escaper\n"

static void
test_tmpl_parse_rejects_with_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    /* names are checked against the schema, scope by scope */
	    {"{{hostnme}}",
	     "t.mustache:1: error: unknown name \"hostnme\" at top level\n"},
	    {"a\nb\n{{#incoming}}{{hostnme}}{{/incoming}}",
	     "t.mustache:3: error: unknown name \"hostnme\" in section "
	     "\"incoming\"\n"},
	    {"{{#incoming}}\n{{#ssl}}\n{{#tags}}\n{{hostnme}}\n{{/tags}}\n"
	     "{{/ssl}}\n{{/incoming}}\n",
	     "t.mustache:4: error: unknown name \"hostnme\" in section "
	     "\"incoming\"\n"},
	    {"{{#incoming}}{{#auth}}{{nope}}{{/auth}}{{/incoming}}",
	     "t.mustache:1: error: unknown name \"nope\" in section "
	     "\"auth\"\n"},
	    {"{{#nope}}\nx\n{{/nope}}\n",
	     "t.mustache:1: error: unknown name \"nope\" at top level\n"},
	    {"{{^nope}}x{{/nope}}",
	     "t.mustache:1: error: unknown name \"nope\" at top level\n"},
	    /* a name from an inner scope is unknown outside it */
	    {"{{#incoming}}{{/incoming}}\n{{host}}",
	     "t.mustache:2: error: unknown name \"host\" at top level\n"},
	    /* sections must nest */
	    {"x\n{{#on}}\ny",
	     "t.mustache:2: error: \"{{#on}}\" is never closed\n"},
	    {"{{^off}}\n",
	     "t.mustache:1: error: \"{{^off}}\" is never closed\n"},
	    {"{{#on}}\n{{#incoming}}\n{{/incoming}}\n",
	     "t.mustache:1: error: \"{{#on}}\" is never closed\n"},
	    {"{{#on}}\nx\n{{/off}}",
	     "t.mustache:3: error: \"{{/off}}\" closes \"{{#on}}\" opened on "
	     "line 1\n"},
	    {"{{#on}}\n{{#off}}\n{{/on}}\n{{/off}}",
	     "t.mustache:3: error: \"{{/on}}\" closes \"{{#off}}\" opened on "
	     "line 2\n"
	     "t.mustache:4: error: \"{{/off}}\" closes \"{{#on}}\" opened on "
	     "line 1\n"},
	    {"x\n{{/on}}", "t.mustache:2: error: \"{{/on}}\" closes no open "
	                   "section\n"},
	    {"{{#on}}{{/on}}{{/on}}",
	     "t.mustache:1: error: \"{{/on}}\" closes no open section\n"},
	    /* no unescaped output */
	    {"{{{name}}}", "t.mustache:1: error: \"{{{\"" UNESCAPED_HELP},
	    {"\n{{&name}}", "t.mustache:2: error: \"{{&\"" UNESCAPED_HELP},
	    {"{{{name}}", "t.mustache:1: error: \"{{{\"" UNESCAPED_HELP},
	    /* no partials, no delimiter changes */
	    {"{{>partial}}", "t.mustache:1: error: partials \"{{>...}}\" are "
	                     "not supported\n"},
	    {"{{=<% %>=}}", "t.mustache:1: error: delimiter changes "
	                    "\"{{=...=}}\" are not supported\n"},
	    /* names are plain */
	    {"{{incoming.host}}",
	     "t.mustache:1: error: \"incoming.host\"" UNNAMED_HELP},
	    {"{{#incoming.auth}}{{/incoming.auth}}",
	     "t.mustache:1: error: \"incoming.auth\"" UNNAMED_HELP
	     "t.mustache:1: error: \"incoming.auth\"" UNNAMED_HELP},
	    {"{{}}", "t.mustache:1: error: \"\"" UNNAMED_HELP},
	    {"{{ }}", "t.mustache:1: error: \"\"" UNNAMED_HELP},
	    {"{{na me}}", "t.mustache:1: error: \"na me\"" UNNAMED_HELP},
	    {"{{#.}}{{/.}}", "t.mustache:1: error: \".\"" UNNAMED_HELP
	                     "t.mustache:1: error: \".\"" UNNAMED_HELP},
	    /* {{.}} only where the current item is text */
	    {"{{.}}", "t.mustache:1: error: \"{{.}}\" is only meaningful "
	              "inside a section over a list of text\n"},
	    {"{{#on}}{{.}}{{/on}}",
	     "t.mustache:1: error: \"{{.}}\" is only meaningful inside a "
	     "section over a list of text\n"},
	    {"{{#incoming}}\n{{.}}{{/incoming}}",
	     "t.mustache:2: error: \"{{.}}\" is only meaningful inside a "
	     "section over a list of text\n"},
	    {"{{#domains}}{{#incoming}}{{.}}{{/incoming}}{{/domains}}",
	     "t.mustache:1: error: \"{{.}}\" is only meaningful inside a "
	     "section over a list of text\n"},
	    {"{{^domains}}{{.}}{{/domains}}",
	     "t.mustache:1: error: \"{{.}}\" is only meaningful inside a "
	     "section over a list of text\n"},
	    /* flags and lists are sections, not variables */
	    {"{{on}}", "t.mustache:1: error: \"on\" is a flag: use it as a "
	               "section \"{{#on}}\"\n"},
	    {"{{domains}}", "t.mustache:1: error: \"domains\" is a list: use "
	                    "it as a section \"{{#domains}}\"\n"},
	    {"{{#incoming}}\n{{auth}}{{/incoming}}",
	     "t.mustache:2: error: \"auth\" is a list: use it as a section "
	     "\"{{#auth}}\"\n"},
	    /* tags must end */
	    {"a {{name", "t.mustache:1: error: unterminated tag \"{{\"\n"},
	    {"x\n{{na\nme}}",
	     "t.mustache:2: error: unterminated tag \"{{\": \"}}\" must be on "
	     "the same line\n"},
	    /* line numbers count every newline before the tag */
	    {"{{! a\nlong\ncomment }}\n{{nope}}",
	     "t.mustache:4: error: unknown name \"nope\" at top level\n"},
	    {"a\r\nb\r\n{{nope}}",
	     "t.mustache:3: error: unknown name \"nope\" at top level\n"},
	    {"{{#on}}\n\n{{/on}}\n{{nope}}\n",
	     "t.mustache:4: error: unknown name \"nope\" at top level\n"},
	    /* every error is reported, in line order */
	    {"{{a}}\n{{on}}\n{{#b}}",
	     "t.mustache:1: error: unknown name \"a\" at top level\n"
	     "t.mustache:2: error: \"on\" is a flag: use it as a section "
	     "\"{{#on}}\"\n"
	     "t.mustache:3: error: unknown name \"b\" at top level\n"
	     "t.mustache:3: error: \"{{#b}}\" is never closed\n"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		struct diag d = DIAG_INIT;
		struct tmpl *t =
		    tmpl_parse(cases[i].text, strlen(cases[i].text),
		               "t.mustache", root_fields, &d);
		char *got = diag_text(&d);
		bool same = strcmp(got, cases[i].want) == 0;

		if (!same || t != NULL)
			print_message("template \"%s\"\n  gave: %s  want: %s",
			              cases[i].text, got, cases[i].want);
		free(got);
		tmpl_free(t);
		assert_null(t);
		assert_true(same);
		assert_true(d.errors > 0);
		diag_free(&d);
	}
}

/* The mismatch message names the open tag as written: "{{^off}}" for an
 * inverted section. */
static void
test_tmpl_parse_mismatch_names_inverted_open_tag(void **state)
{
	static const char text[] = "{{^off}}\nx\n{{/on}}";
	struct diag d = DIAG_INIT;
	struct tmpl *t =
	    tmpl_parse(text, strlen(text), "t.mustache", root_fields, &d);

	(void)state;
	tmpl_free(t);
	assert_diag_free(&d, "t.mustache:3: error: \"{{/on}}\" closes "
	                     "\"{{^off}}\" opened on line 1\n");
	assert_null(t);
}

/* An inverted section over a list of objects renders in the scope around
 * it (there is no item), so names after it still resolve. */
static void
test_tmpl_parse_inverted_object_list_keeps_scope(void **state)
{
	static const struct render_case cases[] = {
	    {"{{^outgoing}}none{{/outgoing}} {{name}}", "none [Example & Co]"},
	    {"{{#incoming}}{{^auth}}-{{/auth}}{{host}} {{/incoming}}",
	     "[imap.a] -[pop.a] "},
	    {"{{^outgoing}}{{/outgoing}}{{^outgoing}}{{/outgoing}}"
	     "{{#incoming}}{{host}}{{/incoming}}",
	     "[imap.a][pop.a]"},
	};

	(void)state;
	check_renders(cases, NELEMS(cases), esc_brackets);
}

/* {{.}} in a section over a number is that number: the escaper must be
 * told so, as for {{count}} (a JSON escaper writes numbers bare). */
static void
test_tmpl_render_dot_keeps_number_kind(void **state)
{
	static const struct render_case cases[] = {
	    {"{{#count}}{{count}}{{/count}}", "(42)"},
	    {"{{#count}}{{.}}{{/count}}", "(42)"},
	    {"{{#count}}{{#on}}{{.}}{{/on}}{{/count}}", "(42)"},
	};

	(void)state;
	check_renders(cases, NELEMS(cases), esc_brackets);
}

static void
test_tmpl_parse_limits_nesting(void **state)
{
	struct buf text = BUF_INIT;
	struct diag d = DIAG_INIT;
	struct tmpl *t;
	char *got;

	(void)state;
	/* 32 levels are fine */
	for (int i = 0; i < 32; i++)
		buf_puts(&text, "{{#on}}");
	for (int i = 0; i < 32; i++)
		buf_puts(&text, "{{/on}}");
	t = tmpl_parse(text.data, text.len, "t.mustache", root_fields, &d);
	assert_non_null(t);
	tmpl_free(t);
	assert_diag(&d, "");
	/* 33 are not */
	buf_reset(&text);
	for (int i = 0; i < 33; i++)
		buf_puts(&text, "{{#on}}");
	for (int i = 0; i < 33; i++)
		buf_puts(&text, "{{/on}}");
	t = tmpl_parse(text.data, text.len, "t.mustache", root_fields, &d);
	got = diag_text(&d);
	tmpl_free(t);
	buf_free(&text);
	assert_null(t);
	assert_non_null(strstr(got, "t.mustache:1: error: sections nested "
	                            "deeper than 32\n"));
	free(got);
	diag_free(&d);
}

/* --- value.c ---------------------------------------------------------- */

static void
test_object_new_starts_empty(void **state)
{
	struct object *o = object_new(root_fields);
	const struct value *v;

	(void)state;
	assert_ptr_equal(o->schema, root_fields);
	for (size_t i = 0; root_fields[i].name != NULL; i++) {
		v = object_get(o, root_fields[i].name);
		assert_non_null(v);
		assert_int_equal(v->kind, root_fields[i].kind);
		assert_string_equal(v->text, "");
		assert_false(v->flag);
		assert_int_equal(v->n, 0);
	}
	assert_null(object_get(o, "absent"));
	object_free(o);
}

static void
test_object_setters_store_values(void **state)
{
	struct object *o = object_new(root_fields);
	struct object *item;
	char name[] = "copied";

	(void)state;
	object_set_text(o, "name", name);
	name[0] = 'X'; /* the object holds its own copy */
	assert_string_equal(object_get(o, "name")->text, "copied");
	object_set_text(o, "name", NULL);
	assert_string_equal(object_get(o, "name")->text, "");
	object_set_number(o, "count", -7);
	assert_string_equal(object_get(o, "count")->text, "-7");
	object_set_flag(o, "on", true);
	assert_true(object_get(o, "on")->flag);
	object_add_text(o, "domains", "a");
	object_add_text(o, "domains", "b");
	assert_int_equal(object_get(o, "domains")->n, 2);
	assert_string_equal(object_get(o, "domains")->texts[1], "b");
	item = object_add_item(o, "incoming");
	assert_ptr_equal(object_get(o, "incoming")->objs[0], item);
	assert_ptr_equal(item->schema, server_fields);
	assert_int_equal(field_index(root_fields, "count"), 2);
	assert_int_equal(field_index(root_fields, "absent"), -1);
	object_free(o);
}

static void
test_object_shared_item_and_borrowed_text(void **state)
{
	struct object *o = object_new(root_fields);
	struct object *item = object_add_item(o, "incoming");
	char *taken = xstrdup("taken");
	static const char kept[] = "kept";

	(void)state;
	/* One item in two lists, freed once with the last (ASan would see a
	 * double free); a borrowed string is not freed, a taken one is. */
	object_add_text(item, "tags", "t");
	object_add_shared(o, "outgoing", item);
	assert_int_equal(item->refs, 2);
	assert_ptr_equal(object_get(o, "outgoing")->objs[0], item);
	object_borrow_text(item, "host", kept);
	assert_ptr_equal(object_get(item, "host")->text, kept);
	object_take_text(item, "host", taken);
	assert_ptr_equal(object_get(item, "host")->text, taken);
	object_borrow_text(o, "name", kept);
	object_set_text(o, "name", "copied");
	assert_string_equal(object_get(o, "name")->text, "copied");
	for (int i = 0; i < 100; i++)
		object_add_text(o, "domains", "d");
	assert_int_equal(object_get(o, "domains")->n, 100);
	object_free(o);
}

/* A run's renderings are bounded together, not only each one. */
static void
test_tmpl_render_run_bound(void **state)
{
	struct diag d = DIAG_INIT;
	const char *text = "{{name}} and some more text\n";
	struct tmpl *t =
	    tmpl_parse(text, strlen(text), "t.mustache", root_fields, &d);
	struct object *root = make_root();
	struct buf out = BUF_INIT;
	int n = 0;

	(void)state;
	assert_non_null(t);
	tmpl_render(t, root, esc_plain, &out);
	tmpl_run_limit(out.len * 3 + 1);
	for (n = 0; n < 10 && tmpl_render(t, root, esc_plain, &out); n++)
		;
	assert_int_equal(n, 3);
	assert_true(tmpl_run_spent());
	tmpl_run_limit(0);
	assert_false(tmpl_run_spent());
	assert_true(tmpl_render(t, root, esc_plain, &out));
	buf_free(&out);
	object_free(root);
	tmpl_free(t);
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tmpl_render_names_sections_and_lists),
	    cmocka_unit_test(test_tmpl_render_standalone_lines),
	    cmocka_unit_test(
	        test_tmpl_render_sends_every_value_through_escaper),
	    cmocka_unit_test(test_tmpl_parse_reads_len_bytes),
	    cmocka_unit_test(test_tmpl_render_is_repeatable),
	    cmocka_unit_test(test_tmpl_parse_rejects_with_line),
	    cmocka_unit_test(test_tmpl_parse_mismatch_names_inverted_open_tag),
	    cmocka_unit_test(test_tmpl_parse_inverted_object_list_keeps_scope),
	    cmocka_unit_test(test_tmpl_render_dot_keeps_number_kind),
	    cmocka_unit_test(test_tmpl_parse_limits_nesting),
	    cmocka_unit_test(test_tmpl_render_run_bound),
	    cmocka_unit_test(test_object_new_starts_empty),
	    cmocka_unit_test(test_object_setters_store_values),
	    cmocka_unit_test(test_object_shared_item_and_borrowed_text),
	};

	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
