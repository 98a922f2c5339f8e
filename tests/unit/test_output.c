/* SPDX-License-Identifier: MIT */
/* Unit tests of output.c: planning, no clobbering, atomic writes, manifest. */
#include "unit.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

/* Each test gets a fresh directory, removed afterwards. */
static char dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mailconf-unit-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

/* in_dir returns dir/name; owned. */
static char *
in_dir(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
put_file(const char *name, const char *content)
{
	char *path = in_dir(name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* file_text returns name's content (owned), or NULL when absent. */
static char *
file_text(const char *name)
{
	char *path = in_dir(name);
	FILE *f = fopen(path, "r");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	char *s;

	free(path);
	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void
assert_file(const char *name, const char *want)
{
	char *got = file_text(name);
	bool same = got != NULL && strcmp(got, want) == 0;

	if (!same)
		print_message("%s holds \"%s\", want \"%s\"\n", name,
		              got != NULL ? got : "(absent)", want);
	free(got);
	assert_true(same);
}

static struct stat
stat_of(const char *name)
{
	char *path = in_dir(name);
	struct stat st;
	int rc = stat(path, &st);

	free(path);
	assert_int_equal(rc, 0);
	return st;
}

/* A file as a plan entry: name under dir, content, mode. */
struct out {
	const char *name, *content;
	unsigned mode;
};

static void
plan_of(struct plan *p, const struct out *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct buf b = BUF_INIT;
		char *path = in_dir(files[i].name);

		buf_puts(&b, files[i].content);
		plan_add(p, path, &b, files[i].mode);
		assert_null(b.data); /* the plan took it */
		assert_int_equal(b.len, 0);
		free(path);
	}
}

/* run checks and writes files; false when the check refuses. The
 * diagnostics must be want. */
static bool
run(const struct out *files, size_t n, bool force, int *written, int *unchanged,
    const char *want)
{
	struct plan p = PLAN_INIT;
	struct diag d = DIAG_INIT;
	bool ok, wrote;

	plan_of(&p, files, n);
	p.force = force;
	*written = *unchanged = 0;
	ok = plan_check(&p, force, &d);
	wrote = ok && plan_write(&p, &d, written, unchanged);
	plan_free(&p);
	assert_diag_free(&d, want);
	assert_int_equal(wrote, ok);
	return ok;
}

/* manifest_line is the line the manifest holds for name and content. */
static char *
manifest_text_line(const char *name, const char *content)
{
	return xasprintf(MANIFEST_TAG "%016llx %s\n",
	                 manifest_hash(content, strlen(content)), name);
}

static bool
manifest_has(const char *name, const char *content)
{
	char *m = file_text(MANIFEST_NAME);
	char *line = manifest_text_line(name, content);
	bool has = m != NULL && strstr(m, line) != NULL;

	free(m);
	free(line);
	return has;
}

/* The streamed hash is the one-shot hash, however the bytes are cut. */
static void
test_mhash_pieces_equal_whole(void **state)
{
	char s[100];

	(void)state;
	for (size_t i = 0; i < sizeof(s); i++)
		s[i] = (char)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof(s); n++)
		for (size_t cut = 1; cut <= 17; cut++) {
			struct mhash h;

			mhash_init(&h, n);
			for (size_t at = 0; at < n; at += cut)
				mhash_add(&h, s + at,
				          n - at < cut ? n - at : cut);
			assert_true(mhash_end(&h) == manifest_hash(s, n));
		}
}

static void
test_manifest_hash_sees_every_byte(void **state)
{
	char s[40], t[40];

	(void)state;
	/* Every byte of every length, the tail of a word included, and the
	 * length itself (trailing NULs), changes the hash. */
	for (size_t n = 0; n <= sizeof(s); n++) {
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + i % 26);
		memcpy(t, s, n);
		for (size_t i = 0; i < n; i++) {
			t[i] ^= 1;
			assert_true(manifest_hash(s, n) != manifest_hash(t, n));
			t[i] ^= 1;
		}
		if (n > 0)
			assert_true(manifest_hash(s, n - 1) !=
			            manifest_hash(s, n));
		assert_true(manifest_hash(s, n) == manifest_hash(t, n));
	}
	memset(s, 0, sizeof(s));
	assert_true(manifest_hash(s, 7) != manifest_hash(s, 8));
}

static void
test_plan_write_creates_files_with_mode_and_manifest(void **state)
{
	static const struct out files[] = {
	    {"config.xml", "<config/>\n", 0644},
	    {"secret.conf", "password = x\n", 0600},
	    {"script.sh", "#!/bin/sh\n", 0750},
	};
	int written, unchanged;
	mode_t old = umask(022);

	(void)state;
	assert_true(run(files, NELEMS(files), false, &written, &unchanged, ""));
	umask(old);
	assert_int_equal(written, 3);
	assert_int_equal(unchanged, 0);
	for (size_t i = 0; i < NELEMS(files); i++) {
		struct stat st = stat_of(files[i].name);

		assert_file(files[i].name, files[i].content);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, files[i].mode);
		assert_true(manifest_has(files[i].name, files[i].content));
	}
	assert_true(S_ISREG(stat_of(MANIFEST_NAME).st_mode));
}

static void
test_plan_write_identical_rerun_keeps_mtime(void **state)
{
	static const struct out files[] = {{"config.xml", "<config/>\n", 0644}};
	const struct timespec old[2] = {{978307200, 0}, {978307200, 0}};
	char *path = in_dir("config.xml");
	struct stat st;
	int written, unchanged;

	(void)state;
	assert_true(run(files, 1, false, &written, &unchanged, ""));
	assert_int_equal(written, 1);
	/* an old mtime, and a mode to mend */
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_true(run(files, 1, false, &written, &unchanged, ""));
	assert_int_equal(written, 0);
	assert_int_equal(unchanged, 1);
	st = stat_of("config.xml");
	assert_int_equal(st.st_mtim.tv_sec, old[1].tv_sec);
	assert_int_equal(st.st_mtim.tv_nsec, old[1].tv_nsec);
	/* A mode to mend is mended by a new file, never by a chmod of a
	 * path (which a planted link would redirect). */
	assert_int_equal(chmod(path, 0600), 0);
	free(path);
	assert_true(run(files, 1, false, &written, &unchanged, ""));
	assert_int_equal(written, 1);
	st = stat_of("config.xml");
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_file("config.xml", "<config/>\n");
	assert_true(manifest_has("config.xml", "<config/>\n"));
}

static void
test_plan_check_refuses_foreign_file(void **state)
{
	static const struct out files[] = {{"config.xml", "<new/>\n", 0644}};
	char *path = in_dir("config.xml");
	char *want = xasprintf("mailconf: error: %s exists and was not written "
	                       "by mailconf, or was edited since; not "
	                       "replacing it (use --force to replace it)\n",
	                       path);
	int written, unchanged;

	(void)state;
	put_file("config.xml", "<user's own/>\n");
	assert_false(run(files, 1, false, &written, &unchanged, want));
	assert_file("config.xml", "<user's own/>\n");
	assert_int_equal(written, 0);
	/* --force replaces it */
	assert_true(run(files, 1, true, &written, &unchanged, ""));
	assert_int_equal(written, 1);
	assert_file("config.xml", "<new/>\n");
	assert_true(manifest_has("config.xml", "<new/>\n"));
	free(want);
	free(path);
}

/* A foreign file that already holds exactly the output is no loss. */
static void
test_plan_check_accepts_foreign_file_with_same_content(void **state)
{
	static const struct out files[] = {{"config.xml", "<same/>\n", 0644}};
	int written, unchanged;

	(void)state;
	put_file("config.xml", "<same/>\n");
	assert_true(run(files, 1, false, &written, &unchanged, ""));
	assert_int_equal(written, 0);
	assert_int_equal(unchanged, 1);
	assert_true(manifest_has("config.xml", "<same/>\n"));
}

static void
test_plan_check_refuses_file_edited_since(void **state)
{
	static const struct out v1[] = {{"config.xml", "<v1/>\n", 0644}};
	static const struct out v2[] = {{"config.xml", "<v2/>\n", 0644}};
	char *path = in_dir("config.xml");
	char *want = xasprintf("mailconf: error: %s exists and was not written "
	                       "by mailconf, or was edited since; not "
	                       "replacing it (use --force to replace it)\n",
	                       path);
	int written, unchanged;

	(void)state;
	assert_true(run(v1, 1, false, &written, &unchanged, ""));
	put_file("config.xml", "<v1 edited/>\n");
	assert_false(run(v2, 1, false, &written, &unchanged, want));
	assert_file("config.xml", "<v1 edited/>\n");
	free(want);
	free(path);
}

static void
test_plan_write_replaces_own_file(void **state)
{
	static const struct out v1[] = {{"config.xml", "<v1/>\n", 0644}};
	static const struct out v2[] = {{"config.xml", "<v2/>\n", 0644}};
	static const struct out v3[] = {{"config.xml", "<v3/>\n", 0644}};
	int written, unchanged;

	(void)state;
	assert_true(run(v1, 1, false, &written, &unchanged, ""));
	assert_true(run(v2, 1, false, &written, &unchanged, ""));
	assert_int_equal(written, 1);
	assert_int_equal(unchanged, 0);
	assert_file("config.xml", "<v2/>\n");
	assert_true(manifest_has("config.xml", "<v2/>\n"));
	/* While a file is replaced the manifest vouches for the old content
	 * too, so that a run killed between the renames leaves it
	 * mailconf's; the next change drops it. */
	assert_true(manifest_has("config.xml", "<v1/>\n"));
	assert_true(run(v3, 1, false, &written, &unchanged, ""));
	assert_file("config.xml", "<v3/>\n");
	assert_false(manifest_has("config.xml", "<v1/>\n"));
	assert_true(manifest_has("config.xml", "<v2/>\n"));
}

/* The manifest vouches for a name, not for a content anywhere. */
static void
test_plan_check_matches_manifest_by_name(void **state)
{
	static const struct out a[] = {{"a.xml", "<x/>\n", 0644}};
	static const struct out b[] = {{"b.xml", "<new/>\n", 0644}};
	char *path = in_dir("b.xml");
	char *want = xasprintf("mailconf: error: %s exists and was not written "
	                       "by mailconf, or was edited since; not "
	                       "replacing it (use --force to replace it)\n",
	                       path);
	int written, unchanged;

	(void)state;
	assert_true(run(a, 1, false, &written, &unchanged, ""));
	put_file("b.xml", "<x/>\n"); /* same bytes as a.xml */
	assert_false(run(b, 1, false, &written, &unchanged, want));
	free(want);
	free(path);
}

/* A run that writes other files keeps what the manifest says of earlier
 * ones. */
static void
test_plan_write_keeps_other_manifest_lines(void **state)
{
	static const struct out a[] = {{"a.xml", "<a/>\n", 0644}};
	static const struct out b[] = {{"b.xml", "<b/>\n", 0644}};
	static const struct out a2[] = {{"a.xml", "<a2/>\n", 0644}};
	int written, unchanged;

	(void)state;
	assert_true(run(a, 1, false, &written, &unchanged, ""));
	assert_true(run(b, 1, false, &written, &unchanged, ""));
	assert_true(manifest_has("a.xml", "<a/>\n"));
	assert_true(manifest_has("b.xml", "<b/>\n"));
	assert_true(run(a2, 1, false, &written, &unchanged, ""));
	assert_int_equal(written, 1);
	assert_file("a.xml", "<a2/>\n");
}

static void
test_plan_write_leaves_no_temporary_files(void **state)
{
	static const struct out v1[] = {{"a.xml", "<a/>\n", 0644},
	                                {"b.conf", "b\n", 0600}};
	static const struct out v2[] = {{"a.xml", "<a2/>\n", 0644},
	                                {"b.conf", "b\n", 0600}};
	static const char *const want[] = {".mailconf-manifest", "a.xml",
	                                   "b.conf"};
	int written, unchanged;
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	(void)state;
	assert_true(run(v1, NELEMS(v1), false, &written, &unchanged, ""));
	assert_true(run(v2, NELEMS(v2), false, &written, &unchanged, ""));
	assert_int_equal(written, 1);
	assert_int_equal(unchanged, 1);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		bool known = strcmp(de->d_name, ".") == 0 ||
		             strcmp(de->d_name, "..") == 0;

		for (size_t i = 0; i < NELEMS(want); i++)
			if (strcmp(de->d_name, want[i]) == 0) {
				known = true;
				n++;
			}
		if (!known)
			print_message("left behind: %s\n", de->d_name);
		if (!known)
			closedir(d);
		assert_true(known);
	}
	closedir(d);
	assert_int_equal(n, NELEMS(want));
}

static void
test_plan_write_creates_missing_directories(void **state)
{
	static const struct out files[] = {
	    {"a/b/c/config.xml", "<deep/>\n", 0644},
	    {"a/other.xml", "<other/>\n", 0644},
	};
	int written, unchanged;

	(void)state;
	assert_true(run(files, NELEMS(files), false, &written, &unchanged, ""));
	assert_int_equal(written, 2);
	assert_file("a/b/c/config.xml", "<deep/>\n");
	assert_file("a/other.xml", "<other/>\n");
	assert_true(S_ISDIR(stat_of("a/b/c").st_mode));
	/* each directory has its own manifest, naming its own files */
	{
		char *m = file_text("a/b/c/" MANIFEST_NAME);
		char *line = manifest_text_line("config.xml", "<deep/>\n");

		assert_non_null(m);
		assert_non_null(strstr(m, line));
		assert_null(strstr(m, "other.xml"));
		free(m);
		free(line);
		m = file_text("a/" MANIFEST_NAME);
		assert_non_null(m);
		assert_non_null(strstr(m, "other.xml"));
		assert_null(strstr(m, "config.xml"));
		free(m);
	}
}

/* dry runs plan files through plan_write's dry run (force as given):
 * the list it makes, and its counts. */
static void
dry_run(const struct out *files, size_t n, bool check, bool force,
        struct changes *c, int *written, int *unchanged, struct diag *d)
{
	struct plan p = PLAN_INIT;

	plan_of(&p, files, n);
	c->check = check;
	p.force = force;
	p.dry = c;
	*written = *unchanged = 0;
	plan_write(&p, d, written, unchanged);
	plan_free(&p);
}

/* A dry run lists what the real run would do, in its order, and leaves
 * the directory as it was: not a file, not a directory, not a manifest
 * more, no modification time touched. */
static void
test_plan_write_dry_run_lists_and_writes_nothing(void **state)
{
	static const struct out first[] = {
	    {"same.xml", "<same/>\n", 0644},
	    {"ours.xml", "<old/>\n", 0644},
	};
	static const struct out files[] = {
	    {"same.xml", "<same/>\n", 0644},
	    {"ours.xml", "<new/>\n", 0644},
	    {"foreign.xml", "<mine/>\n", 0644},
	    {"sub/new.xml", "<new/>\n", 0600},
	};
	struct changes c = CHANGES_INIT;
	struct diag d = DIAG_INIT;
	int written, unchanged;
	char *manifest;
	struct stat before, after;
	char *shown = in_dir("foreign.xml"), *want;

	(void)state;
	assert_true(run(first, NELEMS(first), false, &written, &unchanged, ""));
	put_file("foreign.xml", "<theirs/>\n");
	manifest = file_text(MANIFEST_NAME);
	before = stat_of(".");
	/* The dry run of the real run: the foreign file refused, the
	 * others listed. */
	dry_run(files, NELEMS(files), false, false, &c, &written, &unchanged,
	        &d);
	want = xasprintf("would replace %s/ours.xml\nwould write "
	                 "%s/sub/new.xml\n",
	                 dir, dir);
	assert_string_equal(buf_cstr(&c.list), want);
	free(want);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.refused, 1);
	assert_int_equal(written, 2);
	assert_int_equal(unchanged, 1);
	want = xasprintf("mailconf: error: %s exists and was not written by "
	                 "mailconf, or was edited since; not replacing it (use "
	                 "--force to replace it)\n",
	                 shown);
	assert_diag_free(&d, want);
	free(want);
	changes_free(&c);
	/* A check assumes --force: the foreign file is a change. */
	c = (struct changes)CHANGES_INIT;
	d = (struct diag)DIAG_INIT;
	dry_run(files, NELEMS(files), true, true, &c, &written, &unchanged, &d);
	want = xasprintf("%s/ours.xml: would change\n%s/foreign.xml: would "
	                 "change\n%s/sub/new.xml: missing\n",
	                 dir, dir, dir);
	assert_string_equal(buf_cstr(&c.list), want);
	free(want);
	assert_diag_free(&d, "");
	changes_free(&c);
	after = stat_of(".");
	assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
	            before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	assert_file("ours.xml", "<old/>\n");
	assert_file("foreign.xml", "<theirs/>\n");
	assert_file(MANIFEST_NAME, manifest);
	assert_null(file_text("sub/new.xml"));
	assert_int_equal(access(dir, F_OK), 0);
	{
		char *sub = in_dir("sub");

		assert_int_equal(access(sub, F_OK), -1);
		free(sub);
	}
	free(manifest);
	free(shown);
}

/* Alone, a manifest that would change is listed: the real run would
 * write it. */
static void
test_plan_write_dry_run_lists_a_lone_manifest(void **state)
{
	static const struct out files[] = {
	    {"a.xml", "<a/>\n", 0644},
	};
	struct changes c = CHANGES_INIT;
	struct diag d = DIAG_INIT;
	int written, unchanged;
	char *path = in_dir(MANIFEST_NAME), *want;

	(void)state;
	assert_true(run(files, NELEMS(files), false, &written, &unchanged, ""));
	dry_run(files, NELEMS(files), true, true, &c, &written, &unchanged, &d);
	assert_string_equal(buf_cstr(&c.list), "");
	assert_int_equal(unlink(path), 0);
	dry_run(files, NELEMS(files), true, true, &c, &written, &unchanged, &d);
	want = xasprintf("%s: missing\n", path);
	assert_string_equal(buf_cstr(&c.list), want);
	assert_int_equal(written, 0);
	assert_int_equal(unchanged, 1);
	assert_int_equal(access(path, F_OK), -1);
	free(want);
	free(path);
	changes_free(&c);
	assert_diag_free(&d, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mhash_pieces_equal_whole),
	    cmocka_unit_test(test_manifest_hash_sees_every_byte),
	    cmocka_unit_test_setup_teardown(
	        test_plan_write_creates_files_with_mode_and_manifest, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_write_identical_rerun_keeps_mtime, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_check_refuses_foreign_file, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_check_accepts_foreign_file_with_same_content,
	        setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_check_refuses_file_edited_since, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(test_plan_write_replaces_own_file,
	                                    setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_check_matches_manifest_by_name, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_write_keeps_other_manifest_lines, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_write_leaves_no_temporary_files, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_write_creates_missing_directories, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_write_dry_run_lists_and_writes_nothing, setup_dir,
	        teardown_dir),
	    cmocka_unit_test_setup_teardown(
	        test_plan_write_dry_run_lists_a_lone_manifest, setup_dir,
	        teardown_dir),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
