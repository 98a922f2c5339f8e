/* SPDX-License-Identifier: MIT */
/* The targets table: one row per output format. */
#ifndef MAILCONF_TARGET_H
#define MAILCONF_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "template.h"

/* A check runs on the rendered bytes before anything is written; it
 * reports to d and returns false when the output is unusable. */
typedef bool check_fn(const char *what, const char *text, size_t len,
                      struct diag *d);

/* What the command line says about finishing an output. */
struct finish_opts {
	const char *sign_cert; /* PEM certificate to sign with, or NULL */
	const char *sign_key;
	const char *sign_chain;
};

/* A finisher turns the checked text into the bytes written (an encoding,
 * a signature); it reports to d and returns false when it cannot. */
typedef bool finish_fn(const char *what, struct buf *data,
                       const struct finish_opts *o, struct diag *d);

struct target {
	const char *name;      /* --target NAME */
	const char *template;  /* file under the template directory; a "%s"
	                          in it stands for --lang */
	const char *output;    /* file name under --out */
	escape_fn *escape;     /* how values are written */
	check_fn *check;       /* NULL: nothing to re-parse */
	finish_fn *finish;     /* NULL: written as rendered */
	unsigned mode;         /* file permissions */
	bool per_user;         /* only with --email: it names one person */
	const char *install;   /* install: its path under the home, or NULL */
	bool maildir;          /* install makes the Maildir it names (mbsync
	                          does not create its top directory) */
	bool apple_ids;        /* its view needs the Apple identifiers (two
	                          SHA-1 digests a person); left out when no
	                          target rendered has this */
	const char *needs;     /* a view list that must not be empty ... */
	const char *needs_why; /* ... and what to say when it is */
	const char *help;      /* one line for `mailconf list` */
};

/* Ends with a row whose name is NULL. */
extern const struct target targets[];

/* target_count is the number of rows before the NULL one. */
size_t target_count(void);
/* target_find returns the row named name, or NULL. */
const struct target *target_find(const char *name);

/* Checks and finishers the rows use. */
check_fn check_mbsync_lines;  /* mbsync reads lines of up to 1021 bytes */
check_fn check_msmtp_lines;   /* msmtp rejects lines over 499 bytes */
finish_fn finish_cp1252_crlf; /* PRF: Windows-1252 with CRLF line ends */
finish_fn finish_sign;        /* CMS-sign when a certificate was given */

#endif
