/* SPDX-License-Identifier: MIT */
/* The provider model: what a spec says, typed and validated; knows no INI,
 * template or target. */
#ifndef MAILCONF_MODEL_H
#define MAILCONF_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct dupes;

/* A key = value read from a source file, with where it was written.
 * Front ends (spec.c for INI) produce these; model_build types them. */
struct entry {
	char *section;    /* lower case, e.g. "smtp.ssl" */
	char *key;        /* lower case */
	char *value;      /* NULL: deferred, left in the file (source.reread) */
	const char *file; /* borrowed from struct source */
	int line;
	int col; /* the value's column, from 1 (0: unknown) */
	/* A deferred value's line, for the front end that reads it back:
	 * where it starts in file, its length and a hash of its bytes. */
	long offset;
	size_t len;
	unsigned long long sum;
};

/* A section header, in the order sections appear (preset first). */
struct section {
	char *name;
	const char *file;
	int line;
};

/* Everything a front end read: owned arrays; files holds the names that
 * entries and sections point to. */
struct source {
	struct entry *entries;
	size_t nentries;
	struct section *sections;
	size_t nsections;
	char **files;
	size_t nfiles;
	/* reread returns a deferred entry's value (owned), read again from
	 * its file; NULL, reported to d, when the file no longer holds what
	 * it held. Set by the front end that deferred values. */
	char *(*reread)(const struct entry *e, struct diag *d);
	/* model.c's index of the entries by section, or NULL; owned. */
	struct source_index *index;
};

enum proto { PROTO_IMAP, PROTO_POP3, PROTO_SMTP };
enum security { SECURITY_SSL, SECURITY_STARTTLS, SECURITY_NONE };
enum auth {
	AUTH_PASSWORD_CLEARTEXT,
	AUTH_PASSWORD_ENCRYPTED,
	AUTH_OAUTH2,
	AUTH_NTLM,
	AUTH_GSSAPI,
	AUTH_CLIENT_CERT,
	AUTH_NONE,
	AUTH_COUNT
};

/* The spec's word for each value, indexed by the enum; NULL-terminated. */
extern const char *const proto_names[];
extern const char *const security_names[];
extern const char *const auth_names[];

struct server {
	enum proto proto;
	char *section; /* its section name, for diagnostics */
	char *host;
	int port;
	enum security security;
	enum auth auth[AUTH_COUNT]; /* preference order, no repeats */
	size_t nauth;
	char *username;
	int leave_on_server; /* POP3: -1 unset, 0 or 1 */
	int days_to_keep;    /* POP3: 0 unset */
	long rank;           /* its place among the servers of its direction
	                        (incoming, outgoing), from 0 */
	bool broken;         /* its section has an error: not linted */
};

/* A [waivers] key: the warning or note name, silenced in the whole spec
 * or only where (a section, or "section.key"), for a reason that check
 * shows. */
struct waiver {
	char *name;
	char *where; /* NULL: the whole spec */
	char *reason;
	const char *file;
	int line;
	bool used; /* it silenced something */
};

/* A text in one language; name is the key that identifies a step. */
struct ltext {
	char *lang;
	char *name;
	char *text;
};

struct model {
	char *id;
	char *name;
	char *short_name;
	char **domains; /* none when deferred: see model_walk_domains */
	size_t ndomains;
	char **host_domains; /* extra domains servers may live in */
	size_t nhost_domains;
	struct server *servers; /* preference order; IMAP/POP3 and SMTP mixed */
	size_t nservers;
	char *doc_url; /* NULL when there is no [documentation] */
	struct ltext *doc;
	size_t ndoc;
	char *before_url; /* NULL when unset */
	struct ltext *before;
	size_t nbefore;
	struct ltext *caveats;
	size_t ncaveats;
	char *oauth_issuer; /* NULL when there is no [oauth2] */
	char *oauth_scope;
	char *oauth_auth_url;
	char *oauth_token_url;
	struct waiver *waivers;
	size_t nwaivers;
	struct source *src; /* owned: where each value came from */
	/* Not NULL when the domain list stayed in the spec's files (a
	 * source from spec_load_lean): the names it may repeat. Owned. */
	struct dupes *deferred;
	size_t ndeferred; /* the domains the deferred list holds */
};

/* model_vwarn reports a warning or note of the spec's checks at at: as a
 * note saying why, when one of m's waivers covers it. */
void model_vwarn(const struct model *m, struct diag *d, enum diag_level lvl,
                 const char *name, const struct loc *at, const char *fmt,
                 va_list ap) __attribute__((format(printf, 6, 0)));

/* model_build types and checks every entry of src, reporting each problem
 * to d. It takes ownership of src. Returns NULL when there was an error. */
struct model *model_build(struct source *src, struct diag *d);
/* model_lint reports warnings and notes on a built model: plaintext
 * passwords, port/security mismatches, hosts that look mistyped.
 * known_hosts (NULL-terminated pairs host, preset name; may be NULL) are
 * the hosts of the preset library, for typo detection. */
void model_lint(const struct model *m, const char *const *known_hosts,
                struct diag *d);
/* model_check is model_build, then model_lint; a spec whose errors are
 * in some servers' values is linted too, but for those servers, so that
 * its warnings come with its errors. NULL on errors. */
struct model *model_check(struct source *src, const char *const *known_hosts,
                          struct diag *d);
/* model_loc fills at with where section/key was written (key NULL or
 * absent: the section header; section absent: the spec, the last file
 * read, which is the one its author edits). */
void model_loc(const struct model *m, const char *section, const char *key,
               struct loc *at);
bool server_is_incoming(const struct server *s);
/* model_host_error says why host cannot be a server's host (a host name,
 * an IPv4 address, %EMAILDOMAIN% allowed), or NULL when it can. */
const char *model_host_error(const char *host);
/* model_username_ok says whether username is non-empty with only the
 * known %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% placeholders. */
bool model_username_ok(const char *username);
/* model_domain_error says why domain is not a literal domain name. */
const char *model_domain_error(const char *domain);
/* model_url_error says, as the words that follow the quoted URL, why url
 * is not an http(s) URL a spec accepts, or NULL when it is. */
const char *model_url_error(const char *url);
void model_free(struct model *m);
/* A walk over m's domains in order: from memory, or read back from the
 * spec's files a line at a time for a deferred list (the same names the
 * list would hold). One walk of a model at a time. */
struct model_walk;
struct model_walk *model_walk_domains(const struct model *m, struct diag *d);
/* model_walk_next returns the next domain (borrowed until the next call),
 * NULL at the end, or when a file changed (reported to d). */
const char *model_walk_next(struct model_walk *w);
/* model_walk_end frees w: false when a file changed under it. */
bool model_walk_end(struct model_walk *w);
void source_free(struct source *src);

#endif
