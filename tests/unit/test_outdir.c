/* SPDX-License-Identifier: MIT */
/* Unit tests of outdir.c: walks that refuse links, looks that refuse what is
 * not a regular file, staged writes committed together or not at all. */
#include "unit.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "outdir.h"

static char dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mailconf-outdir-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

/* entries counts what dir/sub holds (. and .. aside). */
static int
entries(const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);
	DIR *d = opendir(p);
	struct dirent *de;
	int n = 0;

	free(p);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 &&
		     strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void
test_out_dir_refuses_a_link_below_the_root(void **state)
{
	struct diag d = DIAG_INIT;
	struct outroot *r;
	char *outside = xasprintf("%s/outside", dir), *root, *link;

	(void)state;
	root = xasprintf("%s/root", dir);
	link = xasprintf("%s/root/a", dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(symlink(outside, link), 0);
	r = outroot_open(root, &d);
	assert_non_null(r);
	assert_int_equal(out_dir(r, "a/b", true, 0755, NULL, NULL, &d), -2);
	assert_int_equal(d.errors, 1);
	{
		char *text = diag_text(&d);

		assert_non_null(strstr(text, "is a symbolic link"));
		free(text);
	}
	/* nothing was made through the link */
	assert_int_equal(entries("outside"), 0);
	outroot_free(r);
	diag_free(&d);
	free(outside);
	free(root);
	free(link);
}

static void
test_out_stat_refuses_fifo_and_hard_link(void **state)
{
	struct diag d = DIAG_INIT;
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	char *fifo = xasprintf("%s/fifo", dir), *a = xasprintf("%s/a", dir),
	     *b = xasprintf("%s/b", dir);
	int fd;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(out_stat(dfd, "fifo", fifo, &st, &d), OUT_BAD);
	fd = open(a, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(out_stat(dfd, "a", a, &st, &d), OUT_REGULAR);
	assert_int_equal(link(a, b), 0);
	assert_int_equal(out_stat(dfd, "a", a, &st, &d), OUT_BAD);
	assert_int_equal(out_stat(dfd, "none", a, &st, &d), OUT_ABSENT);
	assert_int_equal(d.errors, 2);
	close(dfd);
	diag_free(&d);
	free(fifo);
	free(a);
	free(b);
}

/* Staged files are invisible until the commit; an abort leaves nothing,
 * not even the directories it made. */
static void
test_txn_commit_and_abort(void **state)
{
	struct diag d = DIAG_INIT;
	struct outroot *r = outroot_open(dir, &d);
	struct txn *t;
	bool fresh;
	int dfd;

	(void)state;
	assert_non_null(r);
	t = txn_new(r, false);
	dfd = out_dir(r, "x/y", true, 0755, t, &fresh, &d);
	assert_true(dfd >= 0);
	assert_true(fresh);
	assert_true(txn_stage(t, dfd, "x/y", "f", "new\n", 4, 0600, false, &d));
	assert_int_equal(entries("x/y"), 1); /* the temporary file only */
	txn_abort(t);
	txn_free(t);
	assert_int_equal(entries(""), 0);

	t = txn_new(r, false);
	dfd = out_dir(r, "x/y", true, 0755, t, &fresh, &d);
	assert_true(txn_stage(t, dfd, "x/y", "f", "new\n", 4, 0600, false, &d));
	assert_true(txn_commit(t, &d));
	txn_free(t);
	assert_int_equal(entries("x/y"), 1);
	{
		char *p = xasprintf("%s/x/y/f", dir);
		struct stat st;

		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(st.st_size, 4);
		free(p);
	}
	assert_int_equal(d.errors, 0);
	outroot_free(r);
	diag_free(&d);
}

static void
test_out_is_temp(void **state)
{
	(void)state;
	assert_true(out_is_temp(".msmtprc.mailconf-abcdefABCD12"));
	assert_true(out_is_temp(".msmtprc.mailconf-abc123"));
	assert_true(out_is_temp(".x.mailconf-tmp"));
	assert_false(out_is_temp("msmtprc.mailconf-abcdefABCD12"));
	assert_false(out_is_temp(".msmtprc.mailconf-backup-20260101T000000Z"));
	assert_false(out_is_temp(".msmtprc"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_out_dir_refuses_a_link_below_the_root, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_out_stat_refuses_fifo_and_hard_link, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(test_txn_commit_and_abort,
	                                    setup_dir, teardown_dir),
	    cmocka_unit_test(test_out_is_temp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
