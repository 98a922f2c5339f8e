/* SPDX-License-Identifier: MIT */
/* Unit tests for the streamed users file reader: rows and passes. */
#include "unit.h"

#include <unistd.h>

#include "csv.h"

static char path[] = "/tmp/mailconf-unit-csv-XXXXXX";

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void
test_csv_streams_rows_with_lines(void **state)
{
	struct diag d = DIAG_INIT;
	struct csv *c;
	struct csv_row row;
	char *want;

	(void)state;
	write_file("Email,Name\n"
	           "a@x.example,\"A, the first\"\n"
	           "\n"
	           "b@x.example,\"B \"\"two\"\"\"\n"
	           "c@x.example\n"
	           "d@x.example,\"D\nof two lines\"\n"
	           "e@x.example,E\n");
	c = csv_open(path, &d);
	assert_non_null(c);
	assert_int_equal(c->ncols, 2);
	assert_string_equal(c->header[0], "email");
	assert_true(csv_next(c, &row));
	assert_int_equal(row.line, 2);
	assert_string_equal(row.fields[1], "A, the first");
	assert_true(csv_next(c, &row));
	assert_int_equal(row.line, 4);
	assert_string_equal(row.fields[1], "B \"two\"");
	/* The short row and the one with a line break are reported and
	 * skipped; line numbers count the break. */
	assert_true(csv_next(c, &row));
	assert_int_equal(row.line, 8);
	assert_string_equal(row.fields[0], "e@x.example");
	assert_false(csv_next(c, &row));
	/* A second pass meets the same rows. */
	assert_true(csv_rewind(c, &d, &d));
	assert_true(csv_next(c, &row));
	assert_int_equal(row.line, 2);
	csv_close(c);
	want = xasprintf("%s:5: error: 1 fields, but the header names 2 "
	                 "columns\n"
	                 "%s:6: error: column 2 (name): control character "
	                 "U+000A not allowed (a field is one line of text)\n",
	                 path, path);
	assert_diag_free(&d, want);
	free(want);
}

static void
test_csv_rewind_refuses_a_changed_file(void **state)
{
	struct diag d = DIAG_INIT;
	struct csv *c;
	struct csv_row row;
	char *want;

	(void)state;
	write_file("email\na@x.example\n");
	c = csv_open(path, &d);
	assert_non_null(c);
	assert_true(csv_next(c, &row));
	write_file("email\na@x.example\nb@x.example\n");
	assert_false(csv_rewind(c, &d, &d));
	csv_close(c);
	want = xasprintf("%s: error: changed while mailconf was reading it; "
	                 "nothing more is written: run again\n",
	                 path);
	assert_diag_free(&d, want);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_streams_rows_with_lines),
	    cmocka_unit_test(test_csv_rewind_refuses_a_changed_file),
	};

	return cmocka_run_group_tests_name("csv", tests, setup, teardown);
}
