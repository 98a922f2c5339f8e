/* SPDX-License-Identifier: MIT */
/* The one way mailconf touches an output tree: directory descriptors from the
 * root down, files checked before read, staged writes renamed all at once. */
#ifndef MAILCONF_OUTDIR_H
#define MAILCONF_OUTDIR_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* How long a run waits for another run that holds the same root. */
#define OUT_LOCK_WAIT 30
/* Nothing mailconf writes is larger than a rendering (template.h), so an
 * existing file beyond this is not mailconf's and is never read whole. */
#define OUT_READ_MAX (64u << 20)

/* An output root: the directory the user named (which may be a link:
 * the user named it), opened once. Nothing below it is reached by path:
 * every directory is opened from its parent's descriptor, refusing links.
 * When mailconf runs as root in a directory that belongs to someone else
 * (a home), everything it creates there belongs to that user and group. */
struct outroot;

/* outroot_open opens the directory at path if it is there. NULL, reported,
 * when path is something other than a directory or cannot be opened. */
struct outroot *outroot_open(const char *path, struct diag *d);
/* outroot_exists says whether the root was there (or has been created). */
bool outroot_exists(const struct outroot *r);
/* outroot_create creates the root and its missing parents (0755). */
bool outroot_create(struct outroot *r, struct diag *d);
/* outroot_lock holds the root against other runs for the life of r:
 * exclusive for a run that writes, shared for one that only reads. It
 * waits up to OUT_LOCK_WAIT seconds, then fails naming the other run. It
 * writes nothing (the lock is on the directory itself). */
bool outroot_lock(struct outroot *r, bool exclusive, struct diag *d);
const char *outroot_path(const struct outroot *r);
/* outroot_owner gives the owner of what is created below the root; false
 * when mailconf keeps its own (it is not root, or the root is its own). */
bool outroot_owner(const struct outroot *r, uid_t *uid, gid_t *gid);
void outroot_free(struct outroot *r);

struct txn;

/* out_dir opens the directory rel below r ("" is the root) one component
 * at a time, never through a symbolic link; with create, missing ones are
 * made with mode (and recorded in t, so that an abort removes them), and
 * *fresh (when not NULL) says whether rel itself is new. Returns a
 * descriptor borrowed until the next out_dir on r; -1 when rel is not
 * there (without create); -2 on an error, reported. */
int out_dir(struct outroot *r, const char *rel, bool create, unsigned mode,
            struct txn *t, bool *fresh, struct diag *d);

enum out_kind {
	OUT_ABSENT,
	OUT_REGULAR,
	OUT_BAD /* reported: a link, not a regular file, hard-linked */
};

/* out_stat looks at name in directory dfd without opening or following
 * it; shown is the path for messages. */
enum out_kind out_stat(int dfd, const char *name, const char *shown,
                       struct stat *st, struct diag *d);
/* out_read appends to b the file name in dfd that out_stat saw as st
 * (the same inode, still a regular file), when it is at most cap bytes;
 * false, reported, otherwise. */
bool out_read(int dfd, const char *name, const struct stat *st, size_t cap,
              struct buf *b, const char *shown, struct diag *d);

/* A transaction: a run's new files, written beside their final names
 * under unpredictable temporary names, and renamed into place together by
 * txn_commit; txn_abort removes them and the directories the run made.
 * A signal (INT, TERM, HUP) while one is open makes the next staging step
 * fail; the command then aborts and out_exit_if_signalled ends the
 * process by the signal. Memory does not grow with the number of files:
 * the list spills to a temporary file. */
struct txn *txn_new(struct outroot *r, bool durable);
/* txn_stage writes data to a new file beside name in dfd (the directory
 * rel below the root), with mode and the root's owner. With backup, the
 * file at name is kept as NAME.mailconf-backup-TIME when it is replaced.
 * False, reported (naming the path), on any failure: the caller aborts. */
bool txn_stage(struct txn *t, int dfd, const char *rel, const char *name,
               const char *data, size_t len, unsigned mode, bool backup,
               struct diag *d);
/* The streamed form of txn_stage, for a file too large to hold (several
 * may be open at once): txn_stage_open returns the file being staged,
 * NULL on an error (reported); txn_stage_close ends it: keep, it is
 * renamed at commit; otherwise it is removed now. Either way g is freed.
 */
struct staged;
struct staged *txn_stage_open(struct txn *t, int dfd, const char *rel,
                              const char *name, unsigned mode, bool backup,
                              struct diag *d);
/* txn_stage_fd is the file's descriptor, open for reading too. */
int txn_stage_fd(const struct staged *g);
bool txn_stage_write(struct txn *t, struct staged *g, const char *data,
                     size_t len, struct diag *d);
bool txn_stage_close(struct txn *t, struct staged *g, bool keep,
                     struct diag *d);
/* txn_staged is the number of files staged so far. */
long txn_staged(const struct txn *t);
/* txn_commit renames every staged file into place, in the order staged
 * (a directory's manifest is staged before its files), keeping backups
 * where asked; signals wait until it is done. False, reported, when a
 * rename failed. */
bool txn_commit(struct txn *t, struct diag *d);
/* txn_abort removes every staged file and every directory t made. */
void txn_abort(struct txn *t);
/* txn_free aborts what was not committed. */
void txn_free(struct txn *t);

/* out_sweep removes from dfd the temporary files that a killed run left
 * for the names given (and for the directory's manifest). */
void out_sweep(int dfd, const char *const *names, size_t n);
/* out_is_temp says whether name is one of mailconf's temporary names. */
bool out_is_temp(const char *name);

/* out_signals catches INT, TERM and HUP for the transactions. */
void out_signals(void);
/* out_interrupted is the signal caught, or 0. */
int out_interrupted(void);
/* out_exit_if_signalled ends the process by the signal caught, if any. */
void out_exit_if_signalled(void);

#endif
