/* SPDX-License-Identifier: MIT */
/* Unit tests of diff.c: hunks, headers, the shared start and end, the bound. */
#include "unit.h"

#include "diff.h"

/* diffed is the diff of a into b, named "a" and "b"; owned. */
static char *
diffed(const char *a, const char *b)
{
	struct buf out = BUF_INIT;
	char *s;

	diff_unified(&out, "a", a, "b", b);
	s = xstrdup(buf_cstr(&out));
	buf_free(&out);
	return s;
}

static void
test_diff_hunks(void **state)
{
	static const struct {
		const char *a, *b, *want;
	} cases[] = {
	    {"x\ny\n", "x\ny\n", ""},
	    {"", "", ""},
	    {"", "new\n", "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+new\n"},
	    {"old\n", "", "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-old\n"},
	    {"1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
	     "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n "
	     "8\n"},
	    /* Two changes far apart: two hunks under one header. */
	    {"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n",
	     "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nK\n",
	     "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n@@ -8,4 "
	     "+8,4 @@\n h\n i\n j\n-k\n+K\n"},
	    {"x", "y",
	     "--- a\n+++ b\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at "
	     "end of file\n+y\n\\ No newline at end of file\n"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		char *got = diffed(cases[i].a, cases[i].b);
		bool same = strcmp(got, cases[i].want) == 0;

		if (!same)
			print_message("case %zu:\n%s-- expected:\n%s--\n", i,
			              got, cases[i].want);
		free(got);
		assert_true(same);
	}
}

/* Each diff has its header, even when an earlier one in the same buffer
 * names a path that holds this one's (the header was once left out when
 * the name appeared anywhere before). */
static void
test_diff_header_per_file(void **state)
{
	struct buf out = BUF_INIT;
	bool ok;

	(void)state;
	diff_unified(&out, "dir/x.y", "1\n", "dir/x.y", "2\n");
	diff_unified(&out, "dir/x", "1\n", "dir/x", "2\n");
	ok = strcmp(buf_cstr(&out),
	            "--- dir/x.y\n+++ dir/x.y\n@@ -1,1 +1,1 @@\n-1\n+2\n"
	            "--- dir/x\n+++ dir/x\n@@ -1,1 +1,1 @@\n-1\n+2\n") == 0;
	if (!ok)
		print_message("%s", buf_cstr(&out));
	buf_free(&out);
	assert_true(ok);
}

/* texts of n lines "L<i>", with line at changed to "X": a large file, one
 * line changed, as in a zone of many domains. */
static char *
numbered(size_t n, size_t changed, size_t skip)
{
	struct buf b = BUF_INIT;
	char *s;

	for (size_t i = 0; i < n; i++) {
		if (i == skip)
			continue;
		if (i == changed)
			buf_puts(&b, "X\n");
		else
			buf_printf(&b, "L%zu\n", i);
	}
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* 200,000 lines with one changed: 4e10 table cells without the shared
 * start and end, a handful with them. */
static void
test_diff_large_file_one_change(void **state)
{
	char *a = numbered(200000, (size_t)-1, (size_t)-1);
	char *b = numbered(200000, 100000, (size_t)-1);
	char *got = diffed(a, b);
	bool ok =
	    strcmp(got, "--- a\n+++ b\n@@ -99998,7 +99998,7 @@\n L99997\n "
	                "L99998\n L99999\n-L100000\n+X\n L100001\n "
	                "L100002\n L100003\n") == 0;

	(void)state;
	if (!ok)
		print_message("%s", got);
	free(got);
	free(a);
	free(b);
	assert_true(ok);
}

/* Past the bound the middle is removed and added whole: every old line
 * once with "-", every new one once with "+", even the lines both share
 * (a minimal diff would keep those as context). */
static void
test_diff_past_the_bound(void **state)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t minus = 0, plus = 0, shared = 0;
	char *got, *p;

	(void)state;
	for (int i = 0; i < 5000; i++) {
		buf_printf(&a, i % 10 == 0 ? "s\n" : "a%d\n", i);
		buf_printf(&b, i % 10 == 0 ? "s\n" : "b%d\n", i);
	}
	got = diffed(buf_cstr(&a), buf_cstr(&b));
	for (p = got; (p = strchr(p, '\n')) != NULL; p++) {
		minus += p[1] == '-' && p[2] == 'a';
		plus += p[1] == '+' && p[2] == 'b';
		shared += p[1] == '-' && p[2] == 's';
	}
	free(got);
	buf_free(&a);
	buf_free(&b);
	assert_int_equal(minus, 4500);
	assert_int_equal(plus, 4500);
	assert_int_equal(shared, 499); /* the first is the shared start */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diff_hunks),
	    cmocka_unit_test(test_diff_header_per_file),
	    cmocka_unit_test(test_diff_large_file_one_change),
	    cmocka_unit_test(test_diff_past_the_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
