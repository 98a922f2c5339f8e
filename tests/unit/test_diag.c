/* SPDX-License-Identifier: MIT */
/* Unit tests of diag.c: message format, order, strict mode, notes. */
#include "unit.h"

static void
test_diag_formats_location(void **state)
{
	static const struct {
		struct loc at;
		bool null_at;
		enum diag_level level;
		const char *want;
	} cases[] = {
	    {{NULL, 0, NULL, NULL, 0},
	     true,
	     DIAG_ERROR,
	     "mailconf: error: x\n"},
	    {{NULL, 0, NULL, NULL, 0},
	     false,
	     DIAG_WARNING,
	     "mailconf: warning: x\n"},
	    {{"f.ini", 0, NULL, NULL, 0},
	     false,
	     DIAG_ERROR,
	     "f.ini: error: x\n"},
	    {{"f.ini", 3, NULL, NULL, 0},
	     false,
	     DIAG_NOTE,
	     "f.ini:3: note: x\n"},
	    {{"f.ini", 3, "imap", "port", 0},
	     false,
	     DIAG_ERROR,
	     "f.ini:3: error: [imap] port: x\n"},
	    {{"f.ini", 3, "imap", NULL, 0},
	     false,
	     DIAG_WARNING,
	     "f.ini:3: warning: [imap] x\n"},
	    {{"f.ini", 3, NULL, "id", 0},
	     false,
	     DIAG_ERROR,
	     "f.ini:3: error: id: x\n"},
	    {{NULL, 5, "imap", "port", 0},
	     false,
	     DIAG_ERROR,
	     "mailconf: error: [imap] port: x\n"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		struct diag d = DIAG_INIT;
		const struct loc *at = cases[i].null_at ? NULL : &cases[i].at;

		if (cases[i].level == DIAG_ERROR)
			diag_error(&d, at, "%s", "x");
		else if (cases[i].level == DIAG_WARNING)
			diag_warn(&d, NULL, at, "%s", "x");
		else
			diag_note(&d, NULL, at, "%s", "x");
		assert_diag_free(&d, cases[i].want);
	}
}

/* Messages come out by file, first seen first, then by line, then in the
 * order they were reported. */
static void
test_diag_sorts_by_file_then_line(void **state)
{
	static const struct loc at[] = {
	    {"b.ini", 5, NULL, NULL, 0}, {"a.ini", 9, NULL, NULL, 0},
	    {"b.ini", 2, NULL, NULL, 0}, {NULL, 0, NULL, NULL, 0},
	    {"a.ini", 1, NULL, NULL, 0}, {"b.ini", 2, NULL, NULL, 0},
	};
	struct diag d = DIAG_INIT;

	(void)state;
	for (size_t i = 0; i < NELEMS(at); i++)
		diag_error(&d, &at[i], "message %zu", i);
	assert_int_equal(d.errors, NELEMS(at));
	assert_diag_free(&d, "b.ini:2: error: message 2\n"
	                     "b.ini:2: error: message 5\n"
	                     "b.ini:5: error: message 0\n"
	                     "a.ini:1: error: message 4\n"
	                     "a.ini:9: error: message 1\n"
	                     "mailconf: error: message 3\n");
}

static void
test_diag_counts_strict_and_notes(void **state)
{
	struct diag d = DIAG_INIT;
	struct loc at = {"f.ini", 1, NULL, NULL, 0};

	(void)state;
	diag_warn(&d, "port", &at, "w");
	diag_note(&d, "backup", &at, "n");
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(diag_exit_status(&d), 0);
	/* strict: warnings are errors */
	d.strict = true;
	diag_warn(&d, "port", &at, "w2");
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(diag_exit_status(&d), 1);
	/* no_notes: notes are dropped */
	d.no_notes = true;
	diag_note(&d, "backup", &at, "n2");
	assert_diag_free(&d, "f.ini:1: warning: w [-Wport]\n"
	                     "f.ini:1: note: n [-Wbackup]\n"
	                     "f.ini:1: error: w2 [-Wport]\n");
}

static void
test_diag_flush_writes_and_forgets(void **state)
{
	struct diag d = DIAG_INIT;
	struct loc at = {"f.ini", 2, "imap", "host", 0};
	FILE *f = tmpfile();
	char text[256];
	size_t n;

	(void)state;
	assert_non_null(f);
	diag_error(&d, &at, "bad %s", "host");
	diag_flush(&d, f);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_string_equal(text, "f.ini:2: error: [imap] host: bad host\n");
	assert_int_equal(d.errors, 1); /* counts stay */
	assert_int_equal(diag_exit_status(&d), 1);
	assert_diag_free(&d, "");
}

/* flushed renders d's messages in format f (owned). */
static char *
flushed(struct diag *d, enum diag_format f)
{
	FILE *out = tmpfile();
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	char *s;

	assert_non_null(out);
	d->format = f;
	diag_flush(d, out);
	rewind(out);
	while ((n = fread(chunk, 1, sizeof(chunk), out)) > 0)
		buf_add(&b, chunk, n);
	fclose(out);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void
report(struct diag *d)
{
	struct loc at = {"dir/s,p:ec.ini", 9, "imap", "security", 11};

	diag_warn(d, "plaintext", &at, "100%% \"plain\"\nnext");
	diag_error(d, NULL, "no %s", "file");
}

/* Each format carries file, line, column, severity, name and message,
 * escaped for its reader. */
static void
test_diag_formats(void **state)
{
	struct diag d = DIAG_INIT;
	char *s;

	(void)state;
	report(&d);
	s = flushed(&d, DIAG_TEXT);
	assert_string_equal(
	    s, "dir/s,p:ec.ini:9:11: warning: [imap] security: 100% "
	       "\"plain\"\\nnext [-Wplaintext]\nmailconf: error: no file\n");
	free(s);
	report(&d);
	s = flushed(&d, DIAG_JSON);
	assert_string_equal(
	    s, "{\"file\":\"dir/s,p:ec.ini\",\"line\":9,\"column\":11,"
	       "\"severity\":\"warning\",\"name\":\"plaintext\",\"section\":"
	       "\"imap\",\"key\":\"security\",\"message\":\"100% "
	       "\\\"plain\\\"\\\\nnext\",\"fix\":\"use security = ssl or "
	       "starttls if the server offers it; waive it (section 5) when "
	       "the provider offers nothing else\"}\n"
	       "{\"file\":null,\"line\":0,\"column\":0,\"severity\":"
	       "\"error\",\"name\":null,\"section\":null,\"key\":null,"
	       "\"message\":\"no file\",\"fix\":null}\n");
	free(s);
	report(&d);
	s = flushed(&d, DIAG_GITHUB);
	assert_string_equal(s,
	                    "::warning file=dir/s%2Cp%3Aec.ini,line=9,col=11,"
	                    "title=plaintext::[imap] security: 100%25 "
	                    "\"plain\"\\nnext\n::error::no file\n");
	free(s);
	report(&d);
	s = flushed(&d, DIAG_SARIF);
	assert_non_null(strstr(s, "\"version\":\"2.1.0\""));
	assert_non_null(strstr(s, "{\"ruleId\":\"plaintext\",\"level\":"
	                          "\"warning\""));
	assert_non_null(strstr(s, "\"region\":{\"startLine\":9,"
	                          "\"startColumn\":11}"));
	free(s);
	diag_free(&d);
}

/* -Wno-NAME drops one name; --strict counts only what is left. */
static void
test_diag_silenced_names(void **state)
{
	static const char *const off[] = {"plaintext", NULL};
	struct diag d = DIAG_INIT;
	struct loc at = {"s.ini", 1, "imap", "security", 0};

	(void)state;
	d.off = off;
	d.strict = true;
	diag_warn(&d, "plaintext", &at, "w");
	diag_warn(&d, "plaintext-only", &at, "w");
	assert_int_equal(d.errors, 1);
	assert_diag_free(
	    &d, "s.ini:1: error: [imap] security: w [-Wplaintext-only]\n");
}

static void
test_diag_names_unique_and_documented(void **state)
{
	(void)state;
	for (const struct diag_name *a = diag_names; a->name != NULL; a++) {
		assert_non_null(a->summary);
		assert_non_null(a->fix);
		for (const struct diag_name *b = a + 1; b->name != NULL; b++)
			assert_string_not_equal(a->name, b->name);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diag_formats),
	    cmocka_unit_test(test_diag_silenced_names),
	    cmocka_unit_test(test_diag_names_unique_and_documented),
	    cmocka_unit_test(test_diag_formats_location),
	    cmocka_unit_test(test_diag_sorts_by_file_then_line),
	    cmocka_unit_test(test_diag_counts_strict_and_notes),
	    cmocka_unit_test(test_diag_flush_writes_and_forgets),
	};

	return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
