/* SPDX-License-Identifier: MIT */
/* Diagnostics: FILE:LINE: severity: [section] key: message, counted for the
 * exit status. */
#ifndef MAILCONF_DIAG_H
#define MAILCONF_DIAG_H

#include <stdbool.h>
#include <stdio.h>

/* Where a message points. Any member may be NULL/0 when unknown; the
 * strings are borrowed and must outlive the call (they are copied). */
struct loc {
	const char *file;
	int line;
	const char *section;
	const char *key;
};

enum diag_level { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR };

struct diag_msg;

/* Collects messages; diag_flush prints them sorted by file and line.
 * strict turns every warning into an error. */
struct diag {
	int errors;
	int warnings;
	bool strict;
	bool no_notes; /* drop notes (generate shows only what matters) */
	const struct loc *context; /* where an error that names no file
	                              comes from (the users file's row whose
	                              files are being rendered), or NULL */
	struct diag_msg *msgs;
	size_t nmsgs;
};

#define DIAG_INIT                                                              \
	{                                                                      \
		0, 0, false, false, NULL, NULL, 0                              \
	}

#include <stdarg.h>

/* diag_vmsg is the va_list form behind the three below. A warning or
 * note that names no file is given once, however often it is reported
 * (a team's 10,000 people would repeat it). */
void diag_vmsg(struct diag *d, enum diag_level level, const struct loc *at,
               const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
void diag_error(struct diag *d, const struct loc *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, const struct loc *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_note(struct diag *d, const struct loc *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* diag_flush writes the collected messages to out, in order of file (first
 * seen first) then line, and forgets them; counts are kept. */
void diag_flush(struct diag *d, FILE *out);
/* diag_text renders the collected messages like diag_flush into a newly
 * allocated string, without forgetting them (for tests). */
char *diag_text(const struct diag *d);
/* 0 when no error was reported, 1 otherwise. */
int diag_exit_status(const struct diag *d);
void diag_free(struct diag *d);

#endif
