/* SPDX-License-Identifier: MIT */
/* Plans of files: the no-clobber rule, manifests, backups and diffs, written
 * through the output layer (outdir.h). */
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

struct outroot;
struct txn;

/* What a dry run (--check, --dry-run) found a real run would do to one
 * path. */
enum change {
	CHANGE_NEW,     /* nothing there: written */
	CHANGE_REPLACE, /* mailconf's, or the same bytes with another mode or
	                   owner: replaced */
	CHANGE_FORCE,   /* not mailconf's, or edited since: replaced, as
	                   --force was given (a check assumes it) */
	CHANGE_REFUSED, /* the same without --force: the run would stop; the
	                   error is reported, and only the diff shown */
	CHANGE_REMOVE,  /* site: removed */
	CHANGE_DIR,     /* a directory made (install's Maildir) */
};

/* A dry run's findings, in the order a real run meets the paths: a line
 * for each (--check's "PATH: would change", or --dry-run's "would
 * replace PATH") and, with diffs, their unified diffs. */
struct changes {
	bool check;   /* --check's lines, else --dry-run's */
	bool diffs;   /* collect the diffs */
	bool backup;  /* CHANGE_FORCE keeps the old file as a backup */
	long n;       /* the paths listed (CHANGE_REFUSED is not) */
	long refused; /* the CHANGE_REFUSED ones */
	struct buf list;
	struct buf diff;
};

#define CHANGES_INIT                                                           \
	{                                                                      \
		false, false, false, 0, 0, BUF_INIT, BUF_INIT                  \
	}

/* changes_add lists path as kind; with c->diffs, appends the diff from
 * old (NULL: nothing there, or not readable) to the len bytes of data (a
 * removal: data NULL), and a note when the mode changes from old_mode
 * (0: not known) to mode. */
void changes_add(struct changes *c, enum change kind, const char *path,
                 const struct buf *old, unsigned old_mode, const char *data,
                 size_t len, unsigned mode);
/* changes_print prints c: --check's lines on standard error, --dry-run's
 * on standard output, then the diffs on standard output; a dry run that
 * found nothing to do, and did not fail, says "nothing would change".
 * False when printing failed. */
bool changes_print(const struct changes *c, bool failed);
void changes_free(struct changes *c);

struct outfile {
	char *path;
	struct buf data;
	unsigned mode;
	bool unrendered; /* only checked for, not to be written: no data */
	bool dir;        /* a directory to make (mode), not a file */
};

struct plan {
	struct outfile *files;
	size_t n;
	const char *root;    /* the directory the user named, which every
	                        path starts with; NULL: each file's own */
	struct outroot *out; /* root opened (and locked) by the caller, or
	                        NULL: plan_write opens it */
	struct txn *txn;     /* the run's transaction, or NULL: plan_write
	                        commits its own at once */
	bool backup;         /* keep a file replaced with --force as NAME.
	                        mailconf-backup-TIME (a note says so) */
	bool durable;        /* fsync each file before its rename: a power cut
	                        then cannot leave an empty file in a home
	                        directory; a killed process never can */
	bool force;          /* plan_write: replace what is not mailconf's */
	bool io_error;       /* plan_write failed writing, not on a rule */
	struct changes *dry; /* plan_write: a dry run, which writes nothing
	                        and lists here what it would do; NULL: a
	                        real one */
	const char *recipe;  /* lines for root's manifest: how the folder is
	                        made (recipe.h), or NULL */
	bool content_only;   /* a check of generate's folder: only bytes
	                        count, as a git checkout keeps no mode or
	                        owner for a run to compare */
};

#define PLAN_INIT                                                              \
	{                                                                      \
		NULL, 0, NULL, NULL, NULL, false, false, false, false, NULL,   \
		    NULL, false                                                \
	}

/* plan_add queues path with data (the plan takes over data's memory and
 * leaves *data empty) and permission bits mode. */
void plan_add(struct plan *p, const char *path, struct buf *data,
              unsigned mode);
/* plan_add_unrendered queues a file whose content is not known: a plan
 * for plan_check alone, where nothing is at path yet. Should a file be
 * there after all, plan_check treats it as different. */
void plan_add_unrendered(struct plan *p, const char *path, unsigned mode);
/* plan_add_dir queues a directory to make, with its missing parents. */
void plan_add_dir(struct plan *p, const char *path, unsigned mode);
/* plan_check reports, for every queued file, an existing file at its path
 * that mailconf did not write or that was edited since, unless force; and
 * always one that is not a regular file, or is reached through a link
 * below the root. Returns false when any was found. */
bool plan_check(const struct plan *p, bool force, struct diag *d);
/* plan_write stages every file that changed (the directory's manifest
 * first) in p->txn, or in its own transaction which it then commits;
 * unchanged files (content, mode and owner) are not touched, and a run
 * that changes nothing writes nothing. It checks each file again as
 * plan_check does. False on any error, reported; the caller then aborts
 * the transaction it gave.
 * With p->dry it is a dry run of the same decisions: it creates, removes
 * and locks nothing (but a shared lock on a root it opens itself), and
 * lists in p->dry each file it would stage, and a directory's manifest
 * when that would be the only change there; a file it would refuse is
 * reported as the real run reports it, and the run goes on to the
 * others. Its counts are what the real run's would be. */
bool plan_write(struct plan *p, struct diag *d, int *written, int *unchanged);
void plan_free(struct plan *p);

/* manifest_hash is the 64-bit hash a manifest records (mix64), the one
 * hash of every file mailconf writes. */
unsigned long long manifest_hash(const char *s, size_t n);
/* manifest_line appends a manifest line for name with hash h to out. */
void manifest_line(struct buf *out, unsigned long long h, const char *name);
/* The same hash over bytes that come in pieces, n of them in all. */
struct mhash {
	unsigned long long a, b;
	unsigned char part[16];
	size_t plen;
};
void mhash_init(struct mhash *h, size_t n);
void mhash_add(struct mhash *h, const char *s, size_t n);
unsigned long long mhash_end(struct mhash *h);

#endif
