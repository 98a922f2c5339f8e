/* SPDX-License-Identifier: MIT */
/* The web tree for many domains: streamed domain by domain, written only where
 * changed, with a manifest. */
#ifndef MAILCONF_SITE_H
#define MAILCONF_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

struct changes;

struct site_opts {
	const char *out;     /* the tree's root */
	bool verify;         /* compare files even where the manifest vouches */
	bool force;          /* replace the snippets and zone though edited */
	bool progress;       /* a counter on standard error */
	struct changes *dry; /* a dry run (--check, --dry-run): the same
	                        decisions, nothing created, written, removed or
	                        locked exclusively; what a real run would do
	                        is listed here. NULL: a real run */
};

struct site_stats {
	long domains, written, unchanged, removed;
};

/* A pattern is a file's content for any domain: the bytes rendered for a
 * stand-in name, cut where that name was, so that a domain's file costs a
 * copy instead of a rendering. */
struct site_pattern;

/* site_pattern_new cuts text (len bytes) at each occurrence of hole;
 * hole NULL: no cut, the content for one domain only. Owned. */
struct site_pattern *site_pattern_new(const char *text, size_t len,
                                      const char *hole);
/* site_pattern_fill appends p's content for domain to out. */
void site_pattern_fill(const struct site_pattern *p, const char *domain,
                       struct buf *out);
void site_pattern_free(struct site_pattern *p);

/* One file of a domain, relative to the domain's directory. */
struct site_file {
	const char *name;
	const struct site_pattern *pattern; /* borrowed */
};

struct site;
struct site_stream;

/* site_open takes the tree at o->out (created if missing; locked against
 * a second run) and reads its manifest. NULL on error, reported. A dry
 * run creates nothing and takes a shared lock, on a tree that is there. */
struct site *site_open(const struct site_opts *o, struct site_stats *st,
                       struct diag *d);
/* site_expect prepares, before the first site_domain, for n domains from
 * more than one spec: site_note is then given each of them, in the order
 * site_domain will be, so that site_domain can tell a domain two specs
 * serve without holding every name. Not needed for one spec (a spec's
 * list holds no name twice). */
void site_expect(struct site *s, size_t n);
void site_note(struct site *s, const char *domain);
/* site_domain writes the files of domain under domains/DOMAIN/, each only
 * when its content changed; a domain already given is warned about and
 * skipped (with site_expect). The patterns are borrowed. */
void site_domain(struct site *s, const char *domain,
                 const struct site_file *files, size_t nfiles);
/* site_file writes one file at rel (relative to the root) when changed. */
void site_file(struct site *s, const char *rel, const char *data, size_t len);
/* A stream writes a file too big to hold (a zone for 100,000 domains)
 * through a temporary file, replacing the old one only when different. */
struct site_stream *site_stream_open(struct site *s, const char *rel);
void site_stream_write(struct site_stream *t, const char *data, size_t len);
void site_stream_close(struct site_stream *t);
/* site_stop says the run did not give every domain (it stopped at an
 * error): site_close then removes nothing and keeps the old manifest. */
void site_stop(struct site *s);
/* site_close removes what the last run wrote for domains and files that
 * are gone, writes the manifest, and frees s. False when any write
 * failed (reported); the old manifest then stays. A dry run lists the
 * removals instead, and the manifest (or a killed run's journal, which a
 * real run removes) when that alone would change. */
bool site_close(struct site *s);

#endif
