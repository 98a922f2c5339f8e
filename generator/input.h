/* SPDX-License-Identifier: MIT */
/* Opening an input (spec, preset, users file, template, XML): a regular
 * file of a bounded size, or the reason it cannot be one. */
#ifndef MAILCONF_INPUT_H
#define MAILCONF_INPUT_H

#include <stddef.h>

#include "buf.h"

/* INPUT_NOFOLLOW refuses a path whose last component is a symbolic link
 * (a template from --templates); without it a link is followed (a spec
 * named on the command line may be a link its user named). */
#define INPUT_NOFOLLOW 1u

/* What input_open and input_read return when they fail. */
#define INPUT_FAILED (-1)    /* *why says why */
#define INPUT_TOO_LARGE (-2) /* larger than max */

/* input_open opens path to read: a FIFO cannot block it, and what is not a
 * regular file (a FIFO, a device, a socket, a directory, with
 * INPUT_NOFOLLOW a symbolic link) is refused before it is opened and
 * again on the descriptor, as is a file whose size (its apparent size:
 * a sparse file counts in full) is over max, before a byte is read.
 * Returns a descriptor (O_CLOEXEC, reads blocking again), owned by the
 * caller; INPUT_FAILED with *why set to a reason to print after "cannot
 * open PATH: " (static, or strerror's, valid until the next call); or
 * INPUT_TOO_LARGE. */
int input_open(const char *path, size_t max, unsigned flags, const char **why);
/* input_slurp appends what is left of fd to b, reading at most max + 1
 * bytes: 0, INPUT_FAILED (*why set), or INPUT_TOO_LARGE when fd held more
 * than max (a file that grew after it was opened). b then holds what was
 * read. */
int input_slurp(int fd, struct buf *b, size_t max, const char **why);
/* input_read is input_open then input_slurp: 0 with the file appended to
 * b, or what they return (b then as it was). */
int input_read(struct buf *b, const char *path, size_t max, unsigned flags,
               const char **why);

#endif
