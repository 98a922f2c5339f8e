/* SPDX-License-Identifier: MIT */
/* Model -> the names templates use: flags for enums, lists in preference order,
 * derived fields. */
#ifndef MAILCONF_VIEW_H
#define MAILCONF_VIEW_H

#include <stdbool.h>

#include "diag.h"
#include "model.h"
#include "value.h"

/* What the command line adds to a spec: the person the files are for and
 * where their programs find things. Every member may be NULL. Strings are
 * borrowed. */
struct view_opts {
	const char *email;     /* the address; NULL: no per-user files */
	const char *real_name; /* the person's name */
	const char *login;     /* overrides every server's username */
	const char *pass_cmd;  /* shell command printing the password */
	const char *token_cmd; /* shell command printing an OAuth2 token */
	const char *password;  /* a literal password, only when asked */
	const char *ca_file;   /* CA bundle instead of the system's */
	const char *maildir;   /* mbsync's local Maildir, absolute */
	const char *mda;       /* fetchmail delivers through this command */
	const char *smtp_host; /* or to this SMTP host */
	const char *incoming;  /* "imap" or "pop3": fetchmail's choice */
	const char *lang;      /* "en" (default) or "ja" */
	bool no_apple;         /* no Apple profile is rendered: leave out its
	                          identifiers (two SHA-1 digests a person) */
};

/* The languages --lang names (and a "%s" template comes in), the default
 * first; ends with NULL. */
extern const char *const view_langs[];

/* The schema of the root scope; every template is checked against it. */
extern const struct field view_schema[];

/* view_opts_check reports every option value that no output can carry
 * (at is where the values came from, may be NULL; label names an option
 * for the messages, NULL: as on the command line):
 * control characters, an address that is not one, a relative path. */
bool view_opts_check(const struct view_opts *o, const struct loc *at,
                     const char *(*label)(const char *option), struct diag *d);

/* view_build returns the value tree of m for the person in o (owned;
 * object_free, before m: the view borrows the model's strings). */
struct object *view_build(const struct model *m, const struct view_opts *o);

/* view_fill replaces %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% in
 * pattern with the parts of email; with shell, each value is quoted for
 * sh(1) first. Returns an owned string. */
char *view_fill(const char *pattern, const char *email, bool shell);

#endif
