/* SPDX-License-Identifier: MIT */
/* Unit tests of text.c: edit distance, typo suggestions, UTF-8, controls. */
#include "unit.h"

#include <sys/types.h>

#include "text.h"

#define VALID ((size_t)-1)

static void
test_edit_distance_counts_edits(void **state)
{
	static const struct {
		const char *a, *b;
		size_t max, want;
	} cases[] = {
	    {"", "", 3, 0},
	    {"smtp", "smtp", 3, 0},
	    {"imap", "imaps", 3, 1}, /* insertion */
	    {"imaps", "imap", 3, 1}, /* deletion */
	    {"host", "hist", 3, 1},  /* substitution */
	    {"smtp", "smpt", 3, 1},  /* transposition is one edit */
	    {"ab", "ba", 3, 1},      /* transposition of everything */
	    {"gmail.com", "gmial.com", 3, 1},
	    {"kitten", "sitting", 5, 3}, /* the classic */
	    {"abc", "", 5, 3},
	    {"", "abc", 5, 3},
	    {"starttls", "startssl", 3, 2},
	    {"password-cleartext", "pasword-cleartxet", 5, 2},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		size_t got =
		    edit_distance(cases[i].a, cases[i].b, cases[i].max);

		if (got != cases[i].want)
			print_message("edit_distance(\"%s\", \"%s\", %zu)\n",
			              cases[i].a, cases[i].b, cases[i].max);
		assert_int_equal(got, cases[i].want);
	}
}

/* Past max the distance is max + 1, whatever the real distance is. */
static void
test_edit_distance_caps_at_max_plus_one(void **state)
{
	static const struct {
		const char *a, *b;
		size_t max, want;
	} cases[] = {
	    {"kitten", "sitting", 1, 2}, /* real distance 3 */
	    {"kitten", "sitting", 2, 3}, /* real distance 3 = max + 1 */
	    {"kitten", "sitting", 3, 3}, /* exactly max: not capped */
	    {"a", "abcdef", 2, 3},       /* length alone exceeds max */
	    {"abcdef", "", 0, 1},        {"abcdef", "uvwxyz", 2, 3},
	    {"abc", "abd", 0, 1},        {"abc", "abc", 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		size_t got =
		    edit_distance(cases[i].a, cases[i].b, cases[i].max);

		if (got != cases[i].want)
			print_message("edit_distance(\"%s\", \"%s\", %zu)\n",
			              cases[i].a, cases[i].b, cases[i].max);
		assert_int_equal(got, cases[i].want);
	}
}

static const char *const server_keys[] = {
    "host",         "port", "security", "auth", "username", "leave_on_server",
    "days_to_keep", NULL};

/* A NULL want: nothing is near enough to suggest. */
static void
test_closest_suggests_likely_typos(void **state)
{
	static const struct {
		const char *word, *want;
	} cases[] = {
	    {"host", "host"}, /* an exact match is the nearest */
	    {"hots", "host"}, /* transposition */
	    {"prot", "port"},
	    {"hist", "host"},
	    {"securty", "security"},
	    {"secruity", "security"},
	    {"usrname", "username"},
	    {"user_name", "username"},
	    {"days_to_kep", "days_to_keep"},
	    {"leave_on_srvr", "leave_on_server"}, /* 13 letters: 3 edits */
	    /* short words tolerate one edit only */
	    {"pots", NULL},
	    {"hxxt", NULL},
	    {"ssl", NULL},
	    {"", NULL},
	    {"timeout", NULL},
	    {"password", NULL},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		const char *got = closest(cases[i].word, server_keys);

		if (cases[i].want == NULL) {
			if (got != NULL)
				print_message("closest(\"%s\") = \"%s\"\n",
				              cases[i].word, got);
			assert_null(got);
		} else {
			assert_non_null(got);
			assert_string_equal(got, cases[i].want);
		}
	}
}

static void
test_closest_returns_borrowed_first_best(void **state)
{
	static const char *const cands[] = {"imap", "imbp", NULL};
	static const char *const none[] = {NULL};

	(void)state;
	/* Both are one edit away: the first wins, and it is the same
	 * pointer, not a copy. */
	assert_ptr_equal(closest("imcp", cands), cands[0]);
	assert_null(closest("imap", none));
}

static void
test_utf8_check_finds_first_invalid_sequence(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		size_t want;
	} cases[] = {
	    {"", 0, VALID},
	    {"plain ascii", 11, VALID},
	    {"\xc3\xa9", 2, VALID},                 /* é */
	    {"\xe6\x97\xa5\xe6\x9c\xac", 6, VALID}, /* 日本 */
	    {"\xf0\x9f\x98\x80", 4, VALID},         /* U+1F600 */
	    {"\xc2\x80", 2, VALID},                 /* U+0080, lowest 2 */
	    {"\xe0\xa0\x80", 3, VALID},             /* U+0800, lowest 3 */
	    {"\xf0\x90\x80\x80", 4, VALID},         /* U+10000, lowest 4 */
	    {"\xed\x9f\xbf", 3, VALID},             /* U+D7FF */
	    {"\xee\x80\x80", 3, VALID},             /* U+E000 */
	    {"\xf4\x8f\xbf\xbf", 4, VALID},         /* U+10FFFF */
	    {"a\0b", 3, VALID},                     /* n, not NUL, ends */
	    /* overlong forms */
	    {"\xc0\xaf", 2, 0},
	    {"\xc1\xbf", 2, 0},
	    {"\xe0\x80\xaf", 3, 0},
	    {"\xe0\x9f\xbf", 3, 0},
	    {"\xf0\x80\x80\xaf", 4, 0},
	    {"\xf0\x8f\xbf\xbf", 4, 0},
	    /* UTF-16 surrogates */
	    {"\xed\xa0\x80", 3, 0},
	    {"\xed\xbf\xbf", 3, 0},
	    /* beyond U+10FFFF */
	    {"\xf4\x90\x80\x80", 4, 0},
	    {"\xf5\x80\x80\x80", 4, 0},
	    {"\xff", 1, 0},
	    /* stray continuation bytes, bad continuations */
	    {"\x80", 1, 0},
	    {"ab\xbf", 3, 2},
	    {"\xc3\x28", 2, 0},
	    {"\xe6\x97\x41", 3, 0},
	    /* truncated sequences */
	    {"a\xc3", 2, 1},
	    {"ab\xe6\x97", 4, 2},
	    {"\xf0\x9f\x98", 3, 0},
	    {"\xc3\xa9", 1, 0}, /* n cuts the sequence */
	    /* the offset counts bytes, after valid multi-byte text */
	    {"\xc3\xa9\xff", 3, 2},
	    {"\xe6\x97\xa5x\xc0\xaf", 6, 4},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		size_t got = utf8_check(cases[i].s, cases[i].n);

		if (got != cases[i].want)
			print_message("case %zu: utf8_check = %zd, want %zd\n",
			              i, (ssize_t)got, (ssize_t)cases[i].want);
		assert_true(got == cases[i].want);
	}
}

static void
test_utf8_length_counts_code_points(void **state)
{
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
	    {"", 0},
	    {"Gmail", 5},
	    {"\xc3\xa9t\xc3\xa9", 3},                    /* été */
	    {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 3}, /* 日本語 */
	    {"\xf0\x9f\x98\x80x", 2},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++)
		assert_int_equal(utf8_length(cases[i].s), cases[i].want);
}

/* want is the offset of the control character, or -1 for none. */
static void
test_first_control_finds_c0_and_del(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
	    {"", -1},
	    {"plain text, with spaces", -1},
	    {"\xc3\xa9\xe6\x97\xa5", -1}, /* bytes >= 0x80 are not controls */
	    {"~", -1},
	    {"\x01", 0},
	    {"a\tb", 1},
	    {"line\n", 4},
	    {"cr\r", 2},
	    {"esc\x1b[0m", 3},
	    {"\x1f", 0},
	    {"del\x7f", 3},
	    {"a\tb\x01", 1}, /* the first one */
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		const char *got = first_control(cases[i].s);

		if (cases[i].want < 0)
			assert_null(got);
		else
			assert_ptr_equal(got, cases[i].s + cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edit_distance_counts_edits),
	    cmocka_unit_test(test_edit_distance_caps_at_max_plus_one),
	    cmocka_unit_test(test_closest_suggests_likely_typos),
	    cmocka_unit_test(test_closest_returns_borrowed_first_best),
	    cmocka_unit_test(test_utf8_check_finds_first_invalid_sequence),
	    cmocka_unit_test(test_utf8_length_counts_code_points),
	    cmocka_unit_test(test_first_control_finds_c0_and_del),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
