/* SPDX-License-Identifier: MIT */
/* Writing outputs safely: all-or-nothing planning, no clobbering, atomic
 * replace, a manifest. */
#ifndef MAILCONF_OUTPUT_H
#define MAILCONF_OUTPUT_H

#include <stdbool.h>

#include "buf.h"
#include "diag.h"

/* Each directory mailconf writes to holds this file: one line per file it
 * wrote, with a hash of the content it wrote. A file that is absent from
 * it, or whose content no longer matches, is the user's. */
#define MANIFEST_NAME ".mailconf-manifest"
/* A manifest line: MANIFEST_TAG, 16 hex digits of manifest_hash, a space,
 * the file's name. */
#define MANIFEST_TAG "mix64:"

struct outfile {
	char *path;
	struct buf data;
	unsigned mode;
	bool theirs; /* plan_write: the file there is the user's (backed up) */
	bool unrendered; /* only checked for, not to be written: no data */
};

struct plan {
	struct outfile *files;
	size_t n;
	const char *root; /* the directory the user named (may be a link) */
	bool backup;      /* keep a file replaced with --force as NAME.mailconf-
	                     backup-TIME (a note says so) */
	bool durable;     /* fsync each file before its rename: a power cut
	                     then cannot leave an empty file in a home
	                     directory; a killed process never can */
};

#define PLAN_INIT                                                              \
	{                                                                      \
		NULL, 0, NULL, false, false                                    \
	}

/* plan_add queues path with data (the plan takes over data's memory and
 * leaves *data empty) and permission bits mode. */
void plan_add(struct plan *p, const char *path, struct buf *data,
              unsigned mode);
/* plan_add_unrendered queues a file whose content is not known: a plan
 * for plan_check alone, where nothing is at path yet. Should a file be
 * there after all, plan_check treats it as different. */
void plan_add_unrendered(struct plan *p, const char *path, unsigned mode);
/* plan_check reports, for every queued file, an existing file at its path
 * that mailconf did not write or that was edited since, unless force.
 * Returns false when any was found. */
bool plan_check(const struct plan *p, bool force, struct diag *d);
/* plan_write writes every file atomically (temporary file in the same
 * directory, then rename), skipping files whose content is unchanged, and
 * records them in each directory's manifest. Creates missing directories.
 * Returns false on a system error, reported to d. */
bool plan_write(struct plan *p, struct diag *d, int *written, int *unchanged);
void plan_free(struct plan *p);
/* plan_diff appends to out a unified diff of what plan_write would change
 * (a missing file diffs against /dev/null; a mode change is noted). */
void plan_diff(const struct plan *p, struct buf *out, struct diag *d);
/* Staging: a team's new directories are written under temporary names
 * while the rest of the team is still being checked, then renamed into
 * place, or removed when the run fails, so that each person's files are
 * rendered once. tag is six letters or digits, the same for a whole run.
 *
 * plan_stage writes p's files, all in one directory this run created, and
 * their manifest, each to the temporary name write_atomic would use with
 * tag. False on a system error, reported. */
bool plan_stage(const struct plan *p, const char *tag, struct diag *d);
/* stage_commit renames what plan_stage wrote in dir into place: the
 * manifest, then each of names (NULL-terminated) that was staged. 1 when
 * it did, 0 when nothing was staged there, -1 on a system error
 * (reported); *written counts the files. */
int stage_commit(const char *dir, const char *const *names, const char *tag,
                 int *written, struct diag *d);
/* stage_drop removes what plan_stage wrote in dir, then dir if empty;
 * where nothing was staged, it touches nothing. */
void stage_drop(const char *dir, const char *const *names, const char *tag);
/* output_mkdirs creates dir and its missing parents with mode. */
bool output_mkdirs(const char *dir, unsigned mode, struct diag *d);

/* content_hash is the 64-bit FNV-1a hash, which can be continued over
 * more bytes (the site's streamed files). */
unsigned long long content_hash(const char *s, size_t n);
/* manifest_hash is the 64-bit hash a directory's manifest records. */
unsigned long long manifest_hash(const char *s, size_t n);

#endif
