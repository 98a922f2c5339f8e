/* SPDX-License-Identifier: MIT */
/* Unit tests of dupes.c: repeats told exactly, whatever the filter lets by. */
#include "unit.h"

#include <strings.h>

#include "dupes.h"

/* again_slowly is dupes_again by comparing with every name before. */
static bool
again_slowly(char **names, size_t i, bool fold)
{
	for (size_t j = 0; j < i; j++)
		if (fold ? strcasecmp(names[j], names[i]) == 0
		         : strcmp(names[j], names[i]) == 0)
			return true;
	return false;
}

/* check runs both passes over n names of which about one in every
 * `every` repeats an earlier one (in another letter case: fold tells),
 * the filter sized for `room` names: fewer than n make it let through
 * most names, which must change nothing. */
static void
check(size_t n, size_t every, size_t room, bool fold)
{
	char **names = xcalloc(n, sizeof(*names));
	struct dupes *u = dupes_new(room, fold);
	unsigned long long r = 12345;
	size_t repeats = 0;

	for (size_t i = 0; i < n; i++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		if (i > 0 && (r >> 33) % every == 0) {
			const char *was = names[(r >> 20) % i];

			names[i] = xstrdup(was);
			if ((r >> 40) & 1)
				names[i][0] = (char)(names[i][0] - 'a' + 'A');
		} else
			names[i] = xasprintf("d%zu.example", i);
	}
	for (size_t i = 0; i < n; i++)
		dupes_note(u, names[i]);
	for (int pass = 0; pass < 2; pass++) {
		dupes_rewind(u);
		for (size_t i = 0; i < n; i++) {
			bool want = again_slowly(names, i, fold);

			if (dupes_again(u, names[i]) != want)
				fail_msg("n %zu room %zu fold %d: %s (%zu)", n,
				         room, fold, names[i], i);
			repeats += want;
		}
	}
	assert_true(repeats > 0);
	dupes_free(u);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void
test_dupes_tells_repeats_exactly(void **state)
{
	(void)state;
	check(3000, 10, 3000, true);
	check(3000, 10, 3000, false);
	check(3000, 50, 1, true);
	check(3000, 3, 100, false);
}

/* A second pass may leave names out: those it gives are still told. */
static void
test_dupes_second_pass_may_skip(void **state)
{
	static const char *const list[] = {"a.example", "b.example",
	                                   "A.example", "c.example",
	                                   "b.example", "a.example"};
	struct dupes *u = dupes_new(NELEMS(list), true);

	(void)state;
	for (size_t i = 0; i < NELEMS(list); i++)
		dupes_note(u, list[i]);
	assert_false(dupes_again(u, "b.example"));
	assert_false(dupes_again(u, "A.example"));
	assert_true(dupes_again(u, "b.example"));
	assert_true(dupes_again(u, "a.example"));
	dupes_rewind(u);
	assert_false(dupes_again(u, "a.example"));
	dupes_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dupes_tells_repeats_exactly),
	    cmocka_unit_test(test_dupes_second_pass_may_skip),
	};

	return cmocka_run_group_tests_name("dupes", tests, NULL, NULL);
}
