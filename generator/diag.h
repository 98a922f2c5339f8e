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
	int col; /* 0: unknown */
};

enum diag_level { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR };

/* How diag_flush writes: gcc's text; one JSON object per line; a SARIF
 * 2.1.0 log; GitHub Actions workflow commands. */
enum diag_format { DIAG_TEXT, DIAG_JSON, DIAG_SARIF, DIAG_GITHUB };

/* Every warning and note has a name (-Wno-NAME silences it): the table,
 * ending with a NULL name, says what each means and how to fix it. */
struct diag_name {
	const char *name;
	const char *summary;
	const char *fix;
};
extern const struct diag_name diag_names[];
/* diag_name_find returns the row named name, or NULL. */
const struct diag_name *diag_name_find(const char *name);

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
	enum diag_format format;
	const char *const *off; /* names silenced (-Wno-NAME), NULL-ended */
	struct diag_msg *msgs;
	size_t nmsgs;
	struct diag_seen *seen; /* location-less warnings given, once each */
};

#define DIAG_INIT                                                              \
	{                                                                      \
		0, 0, false, false, NULL, DIAG_TEXT, NULL, NULL, 0, NULL       \
	}

#include <stdarg.h>

/* diag_vmsg is the va_list form behind the ones below; name is the
 * warning's or note's (NULL for an error). A warning or note that names
 * no file is given once, however often it is reported (a team's 10,000
 * people would repeat it); one whose name is silenced is dropped. */
void diag_vmsg(struct diag *d, enum diag_level level, const char *name,
               const struct loc *at, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
void diag_error(struct diag *d, const struct loc *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, const char *name, const struct loc *at,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_note(struct diag *d, const char *name, const struct loc *at,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* diag_flush writes the collected messages to out in d->format, in order
 * of file (first seen first) then line, and forgets them; counts are
 * kept. A SARIF log is one document: give it everything in one flush. */
void diag_flush(struct diag *d, FILE *out);
/* diag_text renders the collected messages as text like diag_flush into a
 * newly allocated string, without forgetting them (for tests). */
char *diag_text(const struct diag *d);
/* 0 when no error was reported, 1 otherwise. */
int diag_exit_status(const struct diag *d);
void diag_free(struct diag *d);

#endif
