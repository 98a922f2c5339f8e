/* SPDX-License-Identifier: MIT */
/* Shared by the unit tests: cmocka, diagnostics as text, sources from lines. */
#ifndef MAILCONF_UNIT_H
#define MAILCONF_UNIT_H

#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "model.h"
#include "xalloc.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* assert_diag checks everything d collected, rendered as on stderr. The
 * text is freed before the assertion so that a failure does not leak. */
#define assert_diag(d, expected)                                               \
	do {                                                                   \
		char *got_ = diag_text(d);                                     \
		const char *want_ = (expected);                                \
		bool same_ = strcmp(got_, want_) == 0;                         \
		if (!same_)                                                    \
			print_message("diagnostics:\n%s-- expected:\n%s--\n",  \
			              got_, want_);                            \
		free(got_);                                                    \
		assert_true(same_);                                            \
	} while (0)

/* assert_diag_free is assert_diag that frees d first: for the last look
 * at d, so that even a failing test leaks nothing. */
#define assert_diag_free(d, expected)                                          \
	do {                                                                   \
		char *got_ = diag_text(d);                                     \
		const char *want_ = (expected);                                \
		bool same_ = strcmp(got_, want_) == 0;                         \
		diag_free(d);                                                  \
		if (!same_)                                                    \
			print_message("diagnostics:\n%s-- expected:\n%s--\n",  \
			              got_, want_);                            \
		free(got_);                                                    \
		assert_true(same_);                                            \
	} while (0)

/* A spec written as lines: "[section]", "key = value", or "" (blank).
 * Line numbers count from 1, as in a file. */

/* src_from_lines builds the source a front end would produce from lines
 * (NULL-terminated), all read from file. */
static inline struct source *
src_from_lines(const char *file, const char *const *lines)
{
	struct source *src = xcalloc(1, sizeof(*src));
	const char *section = NULL;

	src->files = xcalloc(1, sizeof(*src->files));
	src->files[0] = xstrdup(file);
	src->nfiles = 1;
	for (size_t i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i], *eq = strstr(l, " = ");
		int line = (int)i + 1;

		if (l[0] == '\0')
			continue;
		if (l[0] == '[') {
			struct section *s;

			src->sections =
			    xreallocarray(src->sections, src->nsections + 1,
			                  sizeof(*src->sections));
			s = &src->sections[src->nsections++];
			s->name = xstrndup(l + 1, strlen(l) - 2);
			s->file = src->files[0];
			s->line = line;
			section = s->name;
			continue;
		}
		if (eq == NULL || section == NULL) {
			fprintf(stderr, "unit test bug: bad line \"%s\"\n", l);
			abort();
		}
		src->entries = xreallocarray(src->entries, src->nentries + 1,
		                             sizeof(*src->entries));
		src->entries[src->nentries++] =
		    (struct entry){.section = xstrdup(section),
		                   .key = xstrndup(l, (size_t)(eq - l)),
		                   .value = xstrdup(eq + 3),
		                   .file = src->files[0],
		                   .line = line};
	}
	return src;
}

/* An edit sets key in [section] to value: in place when the key is there,
 * else as a new line after the section's last line (a new section goes at
 * the end). value NULL blanks the key's line, keeping the numbering. */
struct edit {
	const char *section;
	const char *key;
	const char *value;
};

#define NO_EDIT                                                                \
	{                                                                      \
		.section = NULL                                                \
	}

static inline size_t
nlines(char **lines)
{
	size_t n = 0;

	while (lines[n] != NULL)
		n++;
	return n;
}

static inline bool
is_header(const char *l, const char *section)
{
	size_t n = strlen(section);

	return l[0] == '[' && strncmp(l + 1, section, n) == 0 &&
	       l[n + 1] == ']' && l[n + 2] == '\0';
}

static inline bool
is_key(const char *l, const char *key)
{
	size_t n = strlen(key);

	return strncmp(l, key, n) == 0 && strncmp(l + n, " = ", 3) == 0;
}

/* line_of returns the line of key in [section] (key NULL: the header), or
 * 0 when absent. */
static inline int
line_of(char **lines, const char *section, const char *key)
{
	bool in = false;

	for (size_t i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '[') {
			in = is_header(lines[i], section);
			if (in && key == NULL)
				return (int)i + 1;
		} else if (in && key != NULL && is_key(lines[i], key))
			return (int)i + 1;
	}
	return 0;
}

static inline char **
insert_line(char **lines, size_t at, char *l)
{
	size_t n = nlines(lines);

	lines = xreallocarray(lines, n + 2, sizeof(*lines));
	memmove(lines + at + 1, lines + at, (n + 1 - at) * sizeof(*lines));
	lines[at] = l;
	return lines;
}

/* lines_edited copies base (NULL-terminated) and applies edits (up to an
 * entry whose section is NULL); free with lines_free. */
static inline char **
lines_edited(const char *const *base, const struct edit *edits)
{
	size_t n = 0;
	char **lines;

	while (base[n] != NULL)
		n++;
	lines = xcalloc(n + 1, sizeof(*lines));
	for (size_t i = 0; i < n; i++)
		lines[i] = xstrdup(base[i]);
	for (; edits != NULL && edits->section != NULL; edits++) {
		int at = line_of(lines, edits->section, edits->key);
		int head = line_of(lines, edits->section, NULL);
		char *l = edits->value != NULL
		              ? xasprintf("%s = %s", edits->key, edits->value)
		              : xstrdup("");

		if (at > 0) {
			free(lines[at - 1]);
			lines[at - 1] = l;
		} else if (head > 0) {
			size_t end = (size_t)head;

			while (lines[end] != NULL && lines[end][0] != '[')
				end++;
			while (end > (size_t)head && lines[end - 1][0] == '\0')
				end--;
			lines = insert_line(lines, end, l);
		} else {
			n = nlines(lines);
			lines = insert_line(lines, n,
			                    xasprintf("[%s]", edits->section));
			lines = insert_line(lines, n + 1, l);
		}
	}
	return lines;
}

static inline void
lines_free(char **lines)
{
	for (size_t i = 0; lines != NULL && lines[i] != NULL; i++)
		free(lines[i]);
	free(lines);
}

/* A message expected at a key (or, key NULL, a section header) of the
 * spec, in diag's format. */
struct want {
	const char *level;
	const char *section;
	const char *key;
	const char *msg;
};

#define NO_WANT                                                                \
	{                                                                      \
		.level = NULL                                                  \
	}

/* wanted renders the expected messages (up to one whose level is NULL)
 * for a spec of lines read from file; owned. */
static inline char *
wanted(const char *file, char **lines, const struct want *w)
{
	struct buf b = BUF_INIT;
	char *s;

	for (; w != NULL && w->level != NULL; w++) {
		buf_printf(&b, "%s:%d: %s: [%s] ", file,
		           line_of(lines, w->section, w->key), w->level,
		           w->section);
		if (w->key != NULL)
			buf_printf(&b, "%s: ", w->key);
		buf_printf(&b, "%s\n", w->msg);
	}
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* remove_tree removes path and all below it (a test's scratch
 * directory), following no link. */
static inline void
remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char *sub;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(sub);
		else
			unlink(sub);
		free(sub);
	}
	closedir(d);
	rmdir(path);
}

#endif
