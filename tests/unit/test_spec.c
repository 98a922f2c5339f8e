/* SPDX-License-Identifier: MIT */
/* Unit tests of spec.c: INI files to located entries, presets merged. */
#include "unit.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <unistd.h>

#include "model.h"
#include "spec.h"

/* Each test gets a fresh directory with a presets/ directory in it. */
static char dir[64];
static char presets[80];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mailconf-unit-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(presets, sizeof(presets), "%s/presets", dir);
	return mkdir(presets, 0755);
}

static int
teardown_dir(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

/* put writes text (len bytes) to dir/name and returns the path (owned). */
static char *
put_n(const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static char *
put(const char *name, const char *text)
{
	return put_n(name, text, strlen(text));
}

static const struct entry *
entry(const struct source *src, const char *section, const char *key)
{
	for (size_t i = 0; i < src->nentries; i++)
		if (strcmp(src->entries[i].section, section) == 0 &&
		    strcmp(src->entries[i].key, key) == 0)
			return &src->entries[i];
	return NULL;
}

/* Where and what each entry of a source must be, in order. */
struct entry_want {
	const char *section, *key, *value;
	const char *file; /* path */
	int line;
};

static void
check_entries(const struct source *src, const struct entry_want *want, size_t n)
{
	assert_int_equal(src->nentries, n);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &src->entries[i];

		assert_string_equal(e->section, want[i].section);
		assert_string_equal(e->key, want[i].key);
		assert_string_equal(e->value, want[i].value);
		assert_string_equal(e->file, want[i].file);
		assert_int_equal(e->line, want[i].line);
	}
}

static void
test_spec_load_records_locations(void **state)
{
	char *path = put("spec.ini", "; a comment\n"                 /* 1 */
	                             "[provider]\n"                  /* 2 */
	                             "id = example.com\n"            /* 3 */
	                             "\n"                            /* 4 */
	                             "  Name   =   Example  \n"      /* 5 */
	                             "# another comment\n"           /* 6 */
	                             "[IMAP.Backup]\n"               /* 7 */
	                             "\tHOST\t=\timap.example.com\n" /* 8 */
	                             "security=ssl"); /* 9, no \n */
	const struct entry_want want[] = {
	    {"provider", "id", "example.com", path, 3},
	    {"provider", "name", "Example", path, 5},
	    {"imap.backup", "host", "imap.example.com", path, 8},
	    {"imap.backup", "security", "ssl", path, 9},
	};
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(path, NULL, presets, &d);

	(void)state;
	assert_diag_free(&d, "");
	assert_non_null(src);
	check_entries(src, want, NELEMS(want));
	assert_int_equal(src->nsections, 2);
	assert_string_equal(src->sections[0].name, "provider");
	assert_int_equal(src->sections[0].line, 2);
	assert_string_equal(src->sections[1].name, "imap.backup");
	assert_int_equal(src->sections[1].line, 7);
	assert_string_equal(src->sections[1].file, path);
	assert_int_equal(src->nfiles, 1);
	assert_string_equal(src->files[0], path);
	source_free(src);
	free(path);
}

static void
test_spec_load_counts_crlf_lines(void **state)
{
	char *path = put("spec.ini", "[provider]\r\n"
	                             "\r\n"
	                             "id = example.com\r\n"
	                             "name = \"Example\"\r\n");
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(path, NULL, presets, &d);

	(void)state;
	assert_diag_free(&d, "");
	assert_non_null(src);
	assert_string_equal(entry(src, "provider", "id")->value, "example.com");
	assert_int_equal(entry(src, "provider", "id")->line, 3);
	assert_string_equal(entry(src, "provider", "name")->value, "Example");
	assert_int_equal(entry(src, "provider", "name")->line, 4);
	source_free(src);
	free(path);
}

/* Values as iniparser 4.1 reads them; a NULL value: refused, with error
 * at [provider] name. */
static void
test_spec_load_reads_values_like_iniparser(void **state)
{
	static const struct {
		const char *raw, *value, *error;
	} cases[] = {
	    {"plain", "plain", NULL},
	    {"  spaced out  ", "spaced out", NULL},
	    {"a = b", "a = b", NULL},
	    {"https://example.com/?a=1&b=2", "https://example.com/?a=1&b=2",
	     NULL},
	    {"", "", NULL},
	    {"\"\"", "", NULL},
	    {"''", "", NULL},
	    /* quotes keep ; and # and blanks */
	    {"\"a ; b # c\"", "a ; b # c", NULL},
	    {"'a;b#c'", "a;b#c", NULL},
	    {"\"  padded  \"", "  padded  ", NULL},
	    {"'say \"hi\"'", "say \"hi\"", NULL},
	    {"\"it's\"", "it's", NULL},
	    {"\"quoted\" ; then a comment", "quoted", NULL},
	    {"\"quoted\"\t# then a comment", "quoted", NULL},
	    /* unquoted: a blank then ; or # starts a comment */
	    {"a ; comment", "a", NULL},
	    {"a # comment", "a", NULL},
	    {"a\t; comment", "a", NULL},
	    {"; all comment", "", NULL},
	    {"say \"hi\" ; there", "say \"hi\"", NULL},
	    {"it's", "it's", NULL},
	    {"\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac", NULL},
	    /* where iniparser would cut the value silently */
	    {"a#b", NULL,
	     "\"#\" starts a comment, so the value would end before it; put "
	     "the whole value in double quotes"},
	    {"a;b", NULL,
	     "\";\" starts a comment, so the value would end before it; put "
	     "the whole value in double quotes"},
	    {"https://mail.google.com/mail/#settings", NULL,
	     "\"#\" starts a comment, so the value would end before it; put "
	     "the whole value in double quotes"},
	    /* broken quoting */
	    {"\"unterminated", NULL, "missing closing \" quote"},
	    {"'unterminated", NULL, "missing closing ' quote"},
	    {"\"a\" b", NULL, "unexpected text after the closing quote: \"b\""},
	    {"\"a\"\"b\"", NULL,
	     "unexpected text after the closing quote: \"\"b\"\""},
	    /* one line of text */
	    {"a\x01z", NULL, "control character U+0001 not allowed in a value"},
	    {"\"a\tb\"", NULL,
	     "control character U+0009 not allowed in a value"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		char *text = xasprintf("[provider]\nname = %s\n", cases[i].raw);
		char *path = put("spec.ini", text);
		char *want =
		    cases[i].error == NULL
		        ? xstrdup("")
		        : xasprintf("%s:2: error: [provider] name: %s\n", path,
		                    cases[i].error);
		struct diag d = DIAG_INIT;
		struct source *src = spec_load(path, NULL, presets, &d);
		const struct entry *e =
		    src != NULL ? entry(src, "provider", "name") : NULL;
		char *got = diag_text(&d);
		/* Each error points at a column of line 2 (which one, the
		 * errors goldens say); the text is compared without it. */
		char *col = strstr(got, ":2:");
		bool has_col = cases[i].error == NULL ||
		               (col != NULL && col[3] >= '1' && col[3] <= '9');
		bool ok;

		if (has_col && cases[i].error != NULL)
			memmove(col + 2, col + 2 + strcspn(col + 3, ":") + 1,
			        strlen(col + 2 + strcspn(col + 3, ":") + 1) +
			            1);
		ok = has_col && strcmp(got, want) == 0 &&
		     (cases[i].value == NULL
		          ? src == NULL
		          : e != NULL && strcmp(e->value, cases[i].value) == 0);

		if (!ok)
			print_message(
			    "name = %s\n  read: %s\n  gave: %s  want: "
			    "\"%s\" %s",
			    cases[i].raw, e != NULL ? e->value : "(none)", got,
			    cases[i].value ? cases[i].value : "", want);
		free(got);
		free(want);
		free(text);
		free(path);
		source_free(src);
		diag_free(&d);
		assert_true(ok);
	}
}

static void
test_spec_load_rejects_with_location(void **state)
{
	static const struct {
		const char *text, *want; /* want: after "PATH:" */
	} cases[] = {
	    {"[provider]\nid = a.com\nid = b.com\n",
	     "3:1: error: [provider] id: duplicate key; it was already set on "
	     "line 2\n"},
	    {"[provider]\nName = a\nNAME = b\n",
	     "3:1: error: [provider] name: duplicate key; it was already set "
	     "on "
	     "line 2\n"},
	    {"[imap]\nhost = x\n\n[imap]\nhost = y\n",
	     "4:1: error: [imap] duplicate section; it was opened on line 1 (a "
	     "second server needs its own name, e.g. [imap.backup])\n"},
	    {"[smtp]\n[SMTP]\n",
	     "2:1: error: [smtp] duplicate section; it was opened on line 1 (a "
	     "second server needs its own name, e.g. [smtp.backup])\n"},
	    {"\xef\xbb\xbf[provider]\nid = a.com\n",
	     "1: error: file starts with a UTF-8 byte order mark; save it as "
	     "UTF-8 without BOM\n"},
	    {"[provider]\nname = a#b\n",
	     "2:9: error: [provider] name: \"#\" starts a comment, so the "
	     "value "
	     "would end before it; put the whole value in double quotes\n"},
	    {"id = a.com\n[provider]\n",
	     "1:1: error: id: key outside any section; put it under a section "
	     "such as [provider]\n"},
	    {"[provider]\njust words\n",
	     "2:1: error: [provider] syntax error: expected \"key = value\", "
	     "\"[section]\" or a comment starting with \";\" or \"#\"\n"},
	    {"[provider]\nname = a \\\n",
	     "2: error: [provider] line ends with \"\\\", which would join it "
	     "with the next line; write the value on one line\n"},
	    {"[provider] ; comment\n", "1:1: error: syntax error: a section "
	                               "header is \"[name]\" alone on "
	                               "its line\n"},
	    {"[pro vider]\n",
	     "1:1: error: invalid section name \"[pro vider]\": use letters, "
	     "digits, \"-\", \"_\" and \".\"\n"},
	    {"[provider]\nna me = x\n",
	     "2:1: error: [provider] syntax error: invalid key name \"na me\": "
	     "use letters, digits, \"-\", \"_\" and \".\"\n"},
	    {"[provider]\nname = caf\xc3\n",
	     "2:11: error: invalid UTF-8 (byte 0xc3 at column 11); save the "
	     "file "
	     "as UTF-8\n"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		char *path = put("spec.ini", cases[i].text);
		char *want = xasprintf("%s:%s", path, cases[i].want);
		struct diag d = DIAG_INIT;
		struct source *src = spec_load(path, NULL, presets, &d);
		bool rejected = src == NULL;

		source_free(src);
		free(path);
		if (!rejected)
			print_message("accepted: %s", cases[i].text);
		assert_diag_free(&d, want);
		free(want);
		assert_true(rejected);
	}
}

static void
test_spec_load_rejects_nul_byte(void **state)
{
	static const char text[] = "[provider]\nname = a\0b\n";
	char *path = put_n("spec.ini", text, sizeof(text) - 1);
	char *want =
	    xasprintf("%s:2: error: NUL byte (U+0000) not allowed\n", path);
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(path, NULL, presets, &d);

	(void)state;
	assert_diag_free(&d, want);
	assert_null(src);
	free(want);
	free(path);
}

static void
test_spec_load_reports_missing_file(void **state)
{
	char *path = xasprintf("%s/no-such.ini", dir);
	char *want = xasprintf(
	    "mailconf: error: cannot open %s: No such file or directory\n",
	    path);
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(path, NULL, presets, &d);

	(void)state;
	assert_null(src);
	assert_diag_free(&d, want);
	free(want);
	free(path);
}

static const char base_preset[] = "; the base preset\n"       /* 1 */
                                  "[provider]\n"              /* 2 */
                                  "id = example.com\n"        /* 3 */
                                  "name = Base\n"             /* 4 */
                                  "short_name = Base\n"       /* 5 */
                                  "domains = example.com\n"   /* 6 */
                                  "\n"                        /* 7 */
                                  "[imap]\n"                  /* 8 */
                                  "host = imap.example.com\n" /* 9 */
                                  "security = ssl\n";         /* 10 */

/* check_merged checks the merge of base_preset (at preset) and the spec
 * (at spec, from merged_spec or the same without its preset line). */
static void
check_merged(struct source *src, const char *preset, const char *spec,
             int spec_line)
{
	const struct entry_want want[] = {
	    {"provider", "id", "example.com", preset, 3},
	    /* replaced by the spec, in the preset's place */
	    {"provider", "name", "Override", spec, spec_line},
	    {"provider", "short_name", "Base", preset, 5},
	    {"provider", "domains", "example.com", preset, 6},
	    {"imap", "host", "imap.example.com", preset, 9},
	    {"imap", "security", "ssl", preset, 10},
	};
	struct diag d = DIAG_INIT;
	struct model *m;
	struct loc at;

	for (size_t i = 0; i < NELEMS(want); i++) {
		const struct entry *e =
		    entry(src, want[i].section, want[i].key);

		assert_non_null(e);
		assert_ptr_equal(e, &src->entries[i]);
		assert_string_equal(e->value, want[i].value);
		assert_string_equal(e->file, want[i].file);
		assert_int_equal(e->line, want[i].line);
	}
	/* the spec's new section follows the preset's */
	assert_int_equal(src->nsections, 3);
	assert_string_equal(src->sections[0].name, "provider");
	assert_string_equal(src->sections[0].file, preset);
	assert_int_equal(src->sections[0].line, 2);
	assert_string_equal(src->sections[1].name, "imap");
	assert_string_equal(src->sections[1].file, preset);
	assert_string_equal(src->sections[2].name, "smtp");
	assert_string_equal(src->sections[2].file, spec);
	assert_string_equal(entry(src, "smtp", "host")->file, spec);
	assert_int_equal(src->nfiles, 2);
	assert_string_equal(src->files[0], preset);
	assert_string_equal(src->files[1], spec);
	/* and it is a model */
	m = model_build(src, &d);
	assert_diag_free(&d, "");
	assert_non_null(m);
	assert_string_equal(m->name, "Override");
	assert_int_equal(m->nservers, 2);
	model_loc(m, "provider", "name", &at);
	assert_string_equal(at.file, spec);
	assert_int_equal(at.line, spec_line);
	model_free(m);
}

static void
test_spec_load_merges_named_preset(void **state)
{
	char *preset = put("presets/base.ini", base_preset);
	char *spec = put("spec.ini", "[provider]\n"              /* 1 */
	                             "preset = base\n"           /* 2 */
	                             "name = Override\n"         /* 3 */
	                             "\n"                        /* 4 */
	                             "[smtp]\n"                  /* 5 */
	                             "host = smtp.example.com\n" /* 6 */
	                             "security = ssl\n");        /* 7 */
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(spec, NULL, presets, &d);

	(void)state;
	assert_diag_free(&d, "");
	assert_non_null(src);
	assert_string_equal(entry(src, "provider", "preset")->file, spec);
	assert_int_equal(entry(src, "provider", "preset")->line, 2);
	check_merged(src, preset, spec, 3);
	free(preset);
	free(spec);
}

static void
test_spec_load_merges_command_line_preset(void **state)
{
	char *preset = put("presets/base.ini", base_preset);
	char *spec = put("spec.ini", "[smtp]\n"
	                             "host = smtp.example.com\n"
	                             "security = ssl\n"
	                             "[provider]\n"
	                             "name = Override\n");
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(spec, "base", presets, &d);

	(void)state;
	assert_diag_free(&d, "");
	assert_non_null(src);
	check_merged(src, preset, spec, 5);
	free(preset);
	free(spec);
}

static void
test_spec_load_refuses_preset_naming_preset(void **state)
{
	char *base = put("presets/base.ini", base_preset);
	char *chain = put("presets/chain.ini", "[provider]\n"
	                                       "preset = base\n"
	                                       "name = Chained\n");
	char *spec = put("spec.ini", "[provider]\npreset = chain\n");
	char *want = xasprintf("%s:2: error: [provider] preset: a preset "
	                       "cannot itself name a preset; copy the values "
	                       "instead\n",
	                       chain);
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(spec, NULL, presets, &d);

	(void)state;
	assert_null(src);
	assert_diag_free(&d, want);
	free(want);
	free(base);
	free(chain);
	free(spec);
}

static void
test_spec_load_reports_unknown_preset(void **state)
{
	static const struct {
		const char *name, *msg;
	} cases[] = {
	    {"bsae", "no preset named \"bsae\"; did you mean \"base\"? "
	             "(mailconf list shows them)"},
	    {"unrelated", "no preset named \"unrelated\" (mailconf list "
	                  "shows them)"},
	    /* a path is no preset name, even where a file is */
	    {"../outside", "\"../outside\" is not a preset name: presets are "
	                   "named with lower-case letters, digits, \"-\" and "
	                   "\"_\""},
	    {"Base", "\"Base\" is not a preset name: presets are named with "
	             "lower-case letters, digits, \"-\" and \"_\""},
	};
	char *base = put("presets/base.ini", base_preset);
	char *outside = put("outside.ini", base_preset);

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		char *text =
		    xasprintf("[provider]\npreset = %s\n", cases[i].name);
		char *spec = put("spec.ini", text);
		char *want = xasprintf("%s:2: error: [provider] preset: %s\n",
		                       spec, cases[i].msg);
		struct diag d = DIAG_INIT;
		struct source *src = spec_load(spec, NULL, presets, &d);
		bool rejected = src == NULL;

		source_free(src);
		free(text);
		free(spec);
		assert_diag_free(&d, want);
		free(want);
		assert_true(rejected);
	}
	free(base);
	free(outside);
}

/* The spec's preset and the command line's must agree. */
static void
test_spec_load_refuses_two_presets(void **state)
{
	char *base = put("presets/base.ini", base_preset);
	char *other = put("presets/other.ini", base_preset);
	char *spec = put("spec.ini", "[provider]\npreset = base\n");
	char *want = xasprintf("%s:2: error: [provider] preset: the spec "
	                       "starts from preset \"base\", the command line "
	                       "from \"other\"; keep one\n",
	                       spec);
	struct diag d = DIAG_INIT;
	struct source *src = spec_load(spec, "other", presets, &d);

	(void)state;
	assert_null(src);
	assert_diag_free(&d, want);
	/* the same preset twice is no conflict */
	src = spec_load(spec, "base", presets, &d);
	assert_diag_free(&d, "");
	assert_non_null(src);
	source_free(src);
	free(want);
	free(base);
	free(other);
	free(spec);
}

static void
test_spec_preset_name_ok_table(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
	    {"gmail", true},
	    {"my-isp_2", true},
	    {"isp.de", true},
	    {"0", true},
	    {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
	     true}, /* 64 */
	    {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"
	     "m",
	     false}, /* 65 */
	    {"", false},
	    {"../x", false},
	    {"/etc/passwd", false},
	    {"a/b", false},
	    {".hidden", false},
	    {"..", false},
	    {"A", false},
	    {"Gmail", false},
	    {"a b", false},
	    {"a\\b", false},
	    {"gm\xc3\xa4il", false},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		if (spec_preset_name_ok(cases[i].name) != cases[i].ok)
			print_message("spec_preset_name_ok(\"%s\")\n",
			              cases[i].name);
		assert_int_equal(spec_preset_name_ok(cases[i].name),
		                 cases[i].ok);
	}
}

static void
test_spec_preset_names_lists_valid_presets_sorted(void **state)
{
	static const char *const files[] = {
	    "presets/zeta.ini",    "presets/alpha.ini", "presets/isp.de.ini",
	    "presets/.hidden.ini", "presets/Upper.ini", "presets/notes.txt",
	    "presets/old.ini.bak"};
	static const char *const want[] = {"alpha", "isp.de", "zeta"};
	char **names;
	char *path;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < NELEMS(files); i++)
		free(put(files[i], "[provider]\n"));
	names = spec_preset_names(presets);
	while (names[n] != NULL)
		n++;
	assert_int_equal(n, NELEMS(want));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(names[i], want[i]);
	spec_free_names(names);
	path = spec_preset_path(presets, "alpha");
	assert_non_null(path);
	assert_non_null(strstr(path, "/presets/alpha.ini"));
	free(path);
	assert_null(spec_preset_path(presets, "missing"));
	assert_null(spec_preset_path(presets, "Upper"));
	/* an absent directory has no presets */
	names = spec_preset_names("/nonexistent/presets");
	assert_null(names[0]);
	spec_free_names(names);
}

static void
test_spec_known_hosts_pairs_host_and_preset(void **state)
{
	static const char *const want[] = {"imap.example.com",
	                                   "base",
	                                   "smtp.other.net",
	                                   "other",
	                                   "smtp2.other.net",
	                                   "other",
	                                   NULL};
	char **hosts;
	size_t n = 0;

	(void)state;
	free(put("presets/base.ini", base_preset));
	free(put("presets/other.ini", "[smtp]\nhost = smtp.other.net\n"
	                              "[smtp.b]\nhost = smtp2.other.net\n"));
	free(put("presets/broken.ini", "[imap]\nhost = a#b\n"));
	hosts = spec_known_hosts(presets);
	while (hosts[n] != NULL) {
		assert_non_null(want[n]);
		assert_string_equal(hosts[n], want[n]);
		n++;
	}
	assert_null(want[n]);
	spec_free_names(hosts);
}

/* load_both loads path twice, as spec_load and as spec_load_lean (domain
 * lists left in the file), each built and linted; the diagnostics and the
 * domains (the list, and what a walk gives) must be the same. */
static void
load_both(const char *path, const char *what)
{
	struct diag d1 = DIAG_INIT, d2 = DIAG_INIT;
	struct source *s1 = spec_load(path, NULL, presets, &d1);
	struct source *s2 =
	    spec_load_lean(path, NULL, presets, "provider", "domains", &d2);
	struct model *m1 = s1 != NULL ? model_build(s1, &d1) : NULL;
	struct model *m2 = s2 != NULL ? model_build(s2, &d2) : NULL;
	char *t1, *t2;
	bool same;

	if (m1 != NULL)
		model_lint(m1, NULL, &d1);
	if (m2 != NULL)
		model_lint(m2, NULL, &d2);
	t1 = diag_text(&d1);
	t2 = diag_text(&d2);
	same = strcmp(t1, t2) == 0 && (m1 == NULL) == (m2 == NULL);
	if (!same)
		print_message("%s:\nspec_load:\n%s--\nlean:\n%s--\n", what, t1,
		              t2);
	free(t1);
	free(t2);
	diag_free(&d1);
	diag_free(&d2);
	if (same && m1 != NULL) {
		struct model_walk *w1 = model_walk_domains(m1, NULL);
		struct model_walk *w2 = model_walk_domains(m2, NULL);
		const char *a, *b;
		size_t n = 0;

		/* The lean model holds no domain, yet walks them all. */
		same = m2->domains == NULL && m2->ndomains == 0 &&
		       m2->ndeferred == m1->ndomains;
		do {
			a = model_walk_next(w1);
			b = model_walk_next(w2);
			same =
			    same && (a == NULL) == (b == NULL) &&
			    (a == NULL || (strcmp(a, b) == 0 &&
			                   strcmp(a, m1->domains[n++]) == 0));
		} while (same && a != NULL);
		same = same && n == m1->ndomains;
		same = model_walk_end(w1) && same;
		same = model_walk_end(w2) && same;
		if (!same)
			print_message("%s: the lean walk differs\n", what);
	}
	model_free(m1);
	model_free(m2);
	assert_true(same);
}

static const char lean_servers[] = "[imap]\n"
                                   "host = imap.example.com\n"
                                   "security = ssl\n"
                                   "[smtp]\n"
                                   "host = smtp.example.com\n"
                                   "security = ssl\n";

/* A lean load gives what spec_load gives, diagnostics and all. */
static void
test_spec_load_lean_matches_spec_load(void **state)
{
	static const char *const providers[] = {
	    "domains = example.com, example.net\n",
	    "domains = example.com\ndomains.2 = EXAMPLE.com, b.example\n",
	    "domains = a.example, , b.example,c.example\n",
	    "domains = a.example, -bad-.example, %EMAILDOMAIN%, x\n",
	    "domains = \"a.example, b.example\" ; quoted\n",
	    "domains = a.example ; comment\r\ndomains.x = b.example\r\n",
	    "domains = a.example\ndomains. = b.example\n",
	    "domains = a.example\ndomains.2 = a.example, A.EXAMPLE\n",
	    "domains =\n",
	    "domains = a.example\ndomains = b.example\n",
	    "domains = a.example;b.example\n",
	    "domains = a.example\t \ndomains.2 =   \"\"\n",
	    "domains = a.example\x01\n",
	    "domains = a.example\xff\n",
	    "domains = a.example\\\n",
	    "host_domains = example.com\ndomains = a.example, a.example\n",
	    /* a host near a domain: lint walks the list */
	    "domains = exampel.com, other.test\n",
	};
	static const char *const after[] = {
	    "",
	    "[caveats]\nen.x = domains = a.example\n",
	    "[imap.more]\nhost = imap.exampel.com\nsecurity = ssl\n",
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(providers); i++)
		for (size_t k = 0; k < NELEMS(after); k++) {
			char *text =
			    xasprintf("[provider]\n"
			              "id = example.com\n"
			              "name = Example\n"
			              "short_name = Ex\n"
			              "%s%s%s",
			              providers[i], lean_servers, after[k]);
			char *path = put("spec.ini", text);

			load_both(path, text);
			free(path);
			free(text);
		}
}

/* Lines that the reader meets cut (longer than its buffer), a BOM, NUL
 * bytes; a preset's list continued by the spec; thousands of domains with
 * repeats (more than the filter tells apart) over several pieces. */
static void
test_spec_load_lean_edges(void **state)
{
	struct buf b = BUF_INIT;
	char *path;

	(void)state;
	buf_puts(&b, "[provider]\nid = example.com\nname = E\nshort_name = "
	             "E\ndomains = a.example\n; ");
	for (int i = 0; i < 70000; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\ndomains.2 = b.example\n");
	buf_puts(&b, lean_servers);
	path = put_n("spec.ini", b.data, b.len);
	load_both(path, "a line longer than the reader's buffer");
	free(path);

	path = put("spec.ini", "\xef\xbb\xbf[provider]\nid = example.com\n");
	load_both(path, "BOM");
	free(path);
	path = put_n("spec.ini", "[provider]\nid = a\0b\ndomains = x\0y\n", 31);
	load_both(path, "NUL");
	free(path);

	free(put("presets/base.ini", base_preset));
	path = put("spec.ini", "[provider]\npreset = base\ndomains.2 = "
	                       "b.example, EXAMPLE.com\n"
	                       "[smtp]\nhost = smtp.example.com\nsecurity = "
	                       "ssl\n");
	load_both(path, "preset");
	free(path);

	buf_reset(&b);
	buf_puts(&b, "[provider]\nid = example.com\nname = E\nshort_name = "
	             "E\n");
	for (int k = 0; k < 300; k++) {
		buf_printf(&b, k == 0 ? "domains =" : "domains.%d =", k);
		for (int i = 0; i < 40; i++)
			buf_printf(&b, "%s d%d.example", i > 0 ? "," : "",
			           (k * 40 + i) % 7001);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, lean_servers);
	path = put_n("spec.ini", b.data, b.len);
	load_both(path, "12,000 domains, repeats");
	free(path);
	buf_free(&b);
}

/* A spec that changes after a lean load: walking its domains says so. */
static void
test_spec_load_lean_notices_changes(void **state)
{
	char *text = xasprintf("[provider]\nid = example.com\nname = E\n"
	                       "short_name = E\ndomains = a.example, "
	                       "b.example\n%s",
	                       lean_servers);
	char *path = put("spec.ini", text), *want;
	struct diag d = DIAG_INIT;
	struct source *src =
	    spec_load_lean(path, NULL, presets, "provider", "domains", &d);
	struct model *m = model_build(src, &d);
	struct model_walk *w;

	(void)state;
	assert_non_null(m);
	assert_null(entry(m->src, "provider", "domains")->value);
	text[strlen("[provider]\nid = example.com\nname = E\nshort_name = "
	            "E\ndomains = a")] = 'z';
	free(put("spec.ini", text));
	w = model_walk_domains(m, &d);
	assert_null(model_walk_next(w));
	assert_false(model_walk_end(w));
	want = xasprintf("%s:5:11: error: [provider] domains: the file changed "
	                 "while mailconf was reading it; run mailconf again\n",
	                 path);
	assert_diag_free(&d, want);
	free(want);
	model_free(m);
	free(path);
	free(text);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
	const struct CMUnitTest tests[] = {
	    T(test_spec_load_records_locations),
	    T(test_spec_load_counts_crlf_lines),
	    T(test_spec_load_reads_values_like_iniparser),
	    T(test_spec_load_rejects_with_location),
	    T(test_spec_load_rejects_nul_byte),
	    T(test_spec_load_reports_missing_file),
	    T(test_spec_load_merges_named_preset),
	    T(test_spec_load_merges_command_line_preset),
	    T(test_spec_load_refuses_preset_naming_preset),
	    T(test_spec_load_reports_unknown_preset),
	    T(test_spec_load_refuses_two_presets),
	    T(test_spec_preset_name_ok_table),
	    T(test_spec_preset_names_lists_valid_presets_sorted),
	    T(test_spec_known_hosts_pairs_host_and_preset),
	    T(test_spec_load_lean_matches_spec_load),
	    T(test_spec_load_lean_edges),
	    T(test_spec_load_lean_notices_changes),
	};
#undef T

	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
