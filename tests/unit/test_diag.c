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
	    {{NULL, 0, NULL, NULL}, true, DIAG_ERROR, "mailconf: error: x\n"},
	    {{NULL, 0, NULL, NULL},
	     false,
	     DIAG_WARNING,
	     "mailconf: warning: x\n"},
	    {{"f.ini", 0, NULL, NULL}, false, DIAG_ERROR, "f.ini: error: x\n"},
	    {{"f.ini", 3, NULL, NULL}, false, DIAG_NOTE, "f.ini:3: note: x\n"},
	    {{"f.ini", 3, "imap", "port"},
	     false,
	     DIAG_ERROR,
	     "f.ini:3: error: [imap] port: x\n"},
	    {{"f.ini", 3, "imap", NULL},
	     false,
	     DIAG_WARNING,
	     "f.ini:3: warning: [imap] x\n"},
	    {{"f.ini", 3, NULL, "id"},
	     false,
	     DIAG_ERROR,
	     "f.ini:3: error: id: x\n"},
	    {{NULL, 5, "imap", "port"},
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
			diag_warn(&d, at, "%s", "x");
		else
			diag_note(&d, at, "%s", "x");
		assert_diag_free(&d, cases[i].want);
	}
}

/* Messages come out by file, first seen first, then by line, then in the
 * order they were reported. */
static void
test_diag_sorts_by_file_then_line(void **state)
{
	static const struct loc at[] = {
	    {"b.ini", 5, NULL, NULL}, {"a.ini", 9, NULL, NULL},
	    {"b.ini", 2, NULL, NULL}, {NULL, 0, NULL, NULL},
	    {"a.ini", 1, NULL, NULL}, {"b.ini", 2, NULL, NULL},
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
	struct loc at = {"f.ini", 1, NULL, NULL};

	(void)state;
	diag_warn(&d, &at, "w");
	diag_note(&d, &at, "n");
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(diag_exit_status(&d), 0);
	/* strict: warnings are errors */
	d.strict = true;
	diag_warn(&d, &at, "w2");
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(diag_exit_status(&d), 1);
	/* no_notes: notes are dropped */
	d.no_notes = true;
	diag_note(&d, &at, "n2");
	assert_diag_free(&d, "f.ini:1: warning: w\n"
	                     "f.ini:1: note: n\n"
	                     "f.ini:1: error: w2\n");
}

static void
test_diag_flush_writes_and_forgets(void **state)
{
	struct diag d = DIAG_INIT;
	struct loc at = {"f.ini", 2, "imap", "host"};
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diag_formats_location),
	    cmocka_unit_test(test_diag_sorts_by_file_then_line),
	    cmocka_unit_test(test_diag_counts_strict_and_notes),
	    cmocka_unit_test(test_diag_flush_writes_and_forgets),
	};

	return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
