/* SPDX-License-Identifier: MIT */
/* The web tree for many domains: streamed domain by domain, written only where
 * changed, with a manifest. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dupes.h"
#include "outdir.h"
#include "output.h"
#include "site.h"
#include "xalloc.h"

/* The tree's manifest, in the manifest format (output.h): "mix64:HASH
 * NAME" for each file mailconf wrote, HASH its content's; and for each
 * domain "mix64:HASH domains/DOMAIN/", HASH covering its files. */
#define MANIFEST ".mailconf-site"
/* What a run is about to change, in the same format, written before the
 * renames: a domain with hash 0 (its files may be anything), a file with
 * its new hash. A run killed before its manifest is renamed leaves this,
 * and the next run reads it as part of the old manifest. */
#define JOURNAL ".mailconf-site.journal"

/* mix folds n bytes into h with the manifest's hash. */
static unsigned long long
mix(unsigned long long h, const void *data, size_t n)
{
	return (h ^ manifest_hash(data, n)) * 0x9e3779b97f4a7c15u + 1;
}

/* --- patterns ------------------------------------------------------------ */

struct site_pattern {
	char *text; /* the pieces, back to back */
	size_t len;
	size_t *cut; /* where in text the domain goes, ascending */
	size_t ncut;
	unsigned long long hash;   /* of the pieces and the cuts */
	unsigned long long serial; /* no two patterns of a run share it */
};

/* find is memmem, which POSIX 2008 lacks. */
static const char *
find(const char *s, size_t n, const char *w, size_t wn)
{
	for (const char *p = s; wn > 0 && (size_t)(s + n - p) >= wn; p++) {
		p = memchr(p, w[0], (size_t)(s + n - p) - wn + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, w, wn) == 0)
			return p;
	}
	return NULL;
}

struct site_pattern *
site_pattern_new(const char *text, size_t len, const char *hole)
{
	static unsigned long long made;
	struct site_pattern *p = xcalloc(1, sizeof(*p));
	size_t hn = hole != NULL ? strlen(hole) : 0, i = 0;

	p->serial = ++made;
	p->text = xmalloc(len + 1);
	while (len > 0) {
		const char *at = find(text + i, len - i, hole, hn);
		size_t n = at != NULL ? (size_t)(at - text) - i : len - i;

		memcpy(p->text + p->len, text + i, n);
		p->len += n;
		if (at == NULL)
			break;
		p->cut = xreallocarray(p->cut, p->ncut + 1, sizeof(*p->cut));
		p->cut[p->ncut++] = p->len;
		i += n + hn;
	}
	p->text[p->len] = '\0';
	/* Lengths first, so that no text and cuts read as other ones. */
	{
		unsigned long long n[2] = {p->len, p->ncut};

		p->hash = mix(0, n, sizeof(n));
	}
	p->hash = mix(p->hash, p->text, p->len);
	p->hash = mix(p->hash, p->cut, p->ncut * sizeof(*p->cut));
	return p;
}

void
site_pattern_fill(const struct site_pattern *p, const char *domain,
                  struct buf *out)
{
	size_t dn = strlen(domain), from = 0;

	buf_reserve(out, out->len + p->len + p->ncut * dn);
	for (size_t k = 0; k < p->ncut; k++) {
		buf_add(out, p->text + from, p->cut[k] - from);
		buf_add(out, domain, dn);
		from = p->cut[k];
	}
	buf_add(out, p->text + from, p->len - from);
}

void
site_pattern_free(struct site_pattern *p)
{
	if (p == NULL)
		return;
	free(p->text);
	free(p->cut);
	free(p);
}

/* --- the last run's manifest ----------------------------------------------
 * Its entries (and a killed run's journal's) are kept by name: a file's
 * path, or "domains/DOMAIN/". A lookup compares names, so it is exact,
 * and it marks the entry; what is left unmarked at the end is removed.
 * Nothing is kept per domain of this run. */

enum {
	E_H1 = 1,      /* h1 holds a hash */
	E_H2 = 2,      /* h2 too (a file replaced by a killed run) */
	E_ANY = 4,     /* an older manifest's "FILE NAME": any content */
	E_DIRTY = 8,   /* named by the journal: a killed run's */
	E_MARK = 16,   /* written or kept by this run */
	E_REMOVED = 32 /* removed by this run */
};

struct old {
	struct buf keys; /* NUL-terminated names */
	size_t *off;     /* per entry: its name's offset in keys */
	unsigned long long *h1, *h2;
	unsigned char *flags;
	size_t n, cap_e;
	size_t *slot; /* entry + 1; 0: free */
	size_t cap;
};

static size_t
old_find(const struct old *o, const char *key, size_t n)
{
	size_t i = (size_t)manifest_hash(key, n) & (o->cap - 1);

	for (; o->slot[i] != 0; i = (i + 1) & (o->cap - 1)) {
		const char *k = o->keys.data + o->off[o->slot[i] - 1];

		if (strlen(k) == n && memcmp(k, key, n) == 0)
			break;
	}
	return i;
}

static void
old_grow(struct old *o)
{
	size_t cap = o->cap;

	o->cap = cap == 0 ? 1024 : 2 * cap;
	free(o->slot);
	o->slot = xcalloc(o->cap, sizeof(*o->slot));
	for (size_t e = 0; e < o->n; e++) {
		const char *k = o->keys.data + o->off[e];

		o->slot[old_find(o, k, strlen(k))] = e + 1;
	}
}

/* old_add records hash (or any content) for key. */
static void
old_add(struct old *o, const char *key, size_t n, bool has,
        unsigned long long h, bool dirty)
{
	size_t i, e;

	if (2 * (o->n + 1) > o->cap)
		old_grow(o);
	i = old_find(o, key, n);
	if (o->slot[i] == 0) {
		if (o->n == o->cap_e) {
			o->cap_e = o->cap_e == 0 ? 1024 : 2 * o->cap_e;
			o->off =
			    xreallocarray(o->off, o->cap_e, sizeof(*o->off));
			o->h1 = xreallocarray(o->h1, o->cap_e, sizeof(*o->h1));
			o->h2 = xreallocarray(o->h2, o->cap_e, sizeof(*o->h2));
			o->flags = xreallocarray(o->flags, o->cap_e, 1);
		}
		e = o->n++;
		o->off[e] = o->keys.len;
		buf_add(&o->keys, key, n);
		buf_putc(&o->keys, '\0');
		o->flags[e] = 0;
		o->slot[i] = e + 1;
	}
	e = o->slot[i] - 1;
	if (dirty)
		o->flags[e] |= E_DIRTY;
	if (!has)
		o->flags[e] |= E_ANY;
	else if (!(o->flags[e] & E_H1)) {
		o->h1[e] = h;
		o->flags[e] |= E_H1;
	} else if (o->h1[e] != h) {
		o->h2[e] = h;
		o->flags[e] |= E_H2;
	}
}

static bool
hex16(const char *s, unsigned long long *h)
{
	*h = 0;
	for (int i = 0; i < 16; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		*h = *h << 4 | (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return true;
}

/* old_line reads one line of a manifest or journal: this format, or an
 * older one's ("FILE NAME", "DOMAIN HASH"). */
static void
old_line(struct old *o, const char *line, size_t n, bool journal)
{
	size_t tag = strlen(MANIFEST_TAG);
	unsigned long long h;

	if (n > tag + 17 && memcmp(line, MANIFEST_TAG, tag) == 0 &&
	    line[tag + 16] == ' ' && hex16(line + tag, &h)) {
		old_add(o, line + tag + 17, n - tag - 17, true, h, journal);
	} else if (n > 5 && memcmp(line, "FILE ", 5) == 0) {
		old_add(o, line + 5, n - 5, false, 0, journal);
	} else if (n > 17 && line[0] != '#' && line[n - 17] == ' ' &&
	           hex16(line + n - 16, &h)) {
		char *key = xasprintf("domains/%.*s/", (int)(n - 17), line);

		old_add(o, key, strlen(key), true, h, journal || h == 0);
		free(key);
	}
}

static void
old_load(struct old *o, struct outroot *r, const char *name, bool journal,
         struct diag *d)
{
	struct buf text = BUF_INIT;
	struct stat st;
	char *shown = xasprintf("%s/%s", outroot_path(r), name);
	int dfd = out_dir(r, "", false, 0, NULL, NULL, d);

	if (dfd >= 0 && out_stat(dfd, name, shown, &st, d) == OUT_REGULAR &&
	    out_read(dfd, name, &st, (size_t)1 << 32, &text, shown, d)) {
		for (size_t pos = 0; pos < text.len;) {
			const char *line = text.data + pos,
			           *nl = memchr(line, '\n', text.len - pos);
			size_t n =
			    nl != NULL ? (size_t)(nl - line) : text.len - pos;

			old_line(o, line, n, journal);
			pos += n + 1;
		}
	}
	buf_free(&text);
	free(shown);
}

/* old_get looks key up and marks it: its entry, or -1. */
static long
old_get(struct old *o, const char *key, size_t n)
{
	size_t i;

	if (o->n == 0)
		return -1;
	i = old_find(o, key, n);
	if (o->slot[i] == 0)
		return -1;
	o->flags[o->slot[i] - 1] |= E_MARK;
	return (long)(o->slot[i] - 1);
}

/* old_vouches says whether entry e vouches for content hash h. */
static bool
old_vouches(const struct old *o, long e, unsigned long long h)
{
	return e >= 0 && ((o->flags[e] & E_ANY) ||
	                  ((o->flags[e] & E_H1) && o->h1[e] == h) ||
	                  ((o->flags[e] & E_H2) && o->h2[e] == h));
}

static void
old_free(struct old *o)
{
	buf_free(&o->keys);
	free(o->off);
	free(o->h1);
	free(o->h2);
	free(o->flags);
	free(o->slot);
}

/* --- the tree ------------------------------------------------------------ */

struct site {
	const struct site_opts *o;
	struct diag *d;
	struct site_stats *st;
	struct outroot *r;
	struct txn *t;  /* the files */
	struct txn *mt; /* the manifest, renamed after them */
	struct old old;
	struct dupes *many; /* with more than one spec: their repeats */
	struct site_stream *manifest;
	struct buf data;     /* a domain's file, filled in */
	struct buf key;      /* "domains/DOMAIN/" */
	struct buf removals; /* files to remove once the run is committed */
	struct buf dir, shown, rel, line; /* scratch, reused */
	/* The hash of the files of the last domain (their names and
	 * patterns), the same for every domain of a spec. */
	struct {
		char *name;
		unsigned long long serial;
	} last[8];
	size_t nlast;
	unsigned long long last_hash;
	int journal;         /* -1 until this run adds a line */
	bool had_journal;    /* a killed run left one */
	bool failed;         /* a write failed */
	bool stopped;        /* the run did not give every domain, or refused */
	struct changes *dry; /* a dry run's list (site_opts), or NULL */
	/* A dry run: the manifest would change (to manifest_text, with
	 * diffs); it was there (manifest_was), as manifest_old (when read:
	 * manifest_have). */
	bool manifest_diverged, manifest_was, manifest_have;
	struct buf manifest_text, manifest_old;
	/* domains/ was not there when the run began: a domain directory
	 * that this run makes holds nothing else. */
	bool fresh;
};

struct site_stream {
	struct site *s;
	char *rel;
	bool protect; /* refuse to replace an edited file */
	int old;      /* the file being replaced, -1: none */
	struct stat ost;
	off_t same;        /* its first bytes equal what was written */
	struct mhash oldh; /* over those bytes */
	struct txn *t;     /* where it is staged */
	struct staged *g;  /* the new file, once it differs; NULL before */
	bool diverged;     /* a dry run: it differs (nothing is staged) */
	struct buf text;   /* a dry run with diffs: all that was written */
	bool backup;
	off_t total;
	struct buf pending, was;
};

static void
syserr(struct site *s)
{
	s->failed = true;
}

void
site_stop(struct site *s)
{
	s->stopped = true;
}

/* journal adds a line before NAME's files change; false when it cannot
 * (reported). */
static bool
journal(struct site *s, const char *name, unsigned long long hash)
{
	struct buf line = BUF_INIT;
	bool ok;

	if (s->dry != NULL)
		return true;
	if (s->journal < 0) {
		int dfd = out_dir(s->r, "", false, 0, NULL, NULL, s->d);

		s->journal =
		    dfd < 0 ? -1
		            : openat(dfd, JOURNAL,
		                     O_WRONLY | O_APPEND | O_CREAT |
		                         O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		                     0600);
		if (s->journal < 0) {
			diag_error(s->d, NULL,
			           "site: cannot write %s/%s: %s; nothing was "
			           "changed",
			           outroot_path(s->r), JOURNAL,
			           strerror(errno));
			syserr(s);
			return false;
		}
	}
	manifest_line(&line, hash, name);
	ok = write(s->journal, line.data, line.len) == (ssize_t)line.len;
	if (!ok) {
		diag_error(s->d, NULL,
		           "site: cannot write %s/%s: %s; nothing was changed",
		           outroot_path(s->r), JOURNAL, strerror(errno));
		syserr(s);
	}
	buf_free(&line);
	return ok;
}

/* split_rel gives rel's directory (owned) and base name. */
static char *
split_rel(const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');

	*base = slash != NULL ? slash + 1 : rel;
	return slash != NULL ? xstrndup(rel, (size_t)(slash - rel))
	                     : xstrdup("");
}

static void
edited(struct site *s, const char *rel)
{
	diag_error(s->d, NULL,
	           "site: %s/%s was not written by mailconf, or was edited "
	           "since; not replacing it (use --force to replace it; the "
	           "old file is kept)",
	           outroot_path(s->r), rel);
	s->stopped = true;
}

/* put stages rel when its content differs. protect: an existing file
 * the manifest does not vouch for is the user's; e: its entry. dirty: a
 * killed run may have left temporary files beside it. */
static void
put(struct site *s, const char *rel, const char *data, size_t len, bool protect,
    long e, bool dirty)
{
	const char *base = strrchr(rel, '/'), *shown;
	char *dir;
	bool fresh = false, backup = false;
	int dfd;
	struct stat st;
	enum out_kind k = OUT_ABSENT;
	struct buf had = BUF_INIT; /* what is there, when read */

	/* No allocation per file: a site writes 400,000 of them. */
	buf_reset(&s->dir);
	buf_reserve(&s->dir, strlen(rel) + 1);
	buf_add(&s->dir, rel, base != NULL ? (size_t)(base - rel) : 0);
	s->dir.data[s->dir.len] = '\0';
	base = base != NULL ? base + 1 : rel;
	dir = s->dir.data;
	/* A dry run makes no directory: one that is not there would be
	 * made, with nothing in it yet. */
	dfd = out_dir(s->r, dir, s->dry == NULL, 0755, s->t, &fresh, s->d);
	if (dfd == -1 && s->dry != NULL)
		fresh = true;
	else if (dfd < 0) {
		s->stopped = true;
		return;
	}
	buf_reset(&s->shown);
	if (!fresh || s->dry != NULL) {
		buf_puts(&s->shown, outroot_path(s->r));
		buf_putc(&s->shown, '/');
		buf_puts(&s->shown, rel);
	}
	shown = buf_cstr(&s->shown);
	if (dirty && !fresh && s->dry == NULL)
		out_sweep(dfd, &base, 1);
	if (!fresh)
		k = out_stat(dfd, base, shown, &st, s->d);
	if (k == OUT_BAD) {
		s->stopped = true;
		goto out;
	}
	if (k == OUT_REGULAR && (size_t)st.st_size <= OUT_READ_MAX) {
		struct buf old = BUF_INIT;

		if (!out_read(dfd, base, &st, OUT_READ_MAX, &old, shown,
		              s->d)) {
			s->stopped = true;
			buf_free(&old);
			goto out;
		}
		if (old.len == len && memcmp(old.data, data, len) == 0) {
			s->st->unchanged++;
			buf_free(&old);
			goto out;
		}
		if (protect &&
		    !old_vouches(&s->old, e, manifest_hash(old.data, old.len)))
			backup = true;
		had = old;
	} else if (k == OUT_REGULAR && protect)
		backup = true;
	if (backup && !s->o->force) {
		edited(s, rel);
		if (s->dry != NULL)
			changes_add(s->dry, CHANGE_REFUSED, shown,
			            had.data != NULL ? &had : NULL, 0, data,
			            len, 0644);
		goto out;
	}
	/* Content only: a site run does not mend modes. */
	if (s->dry != NULL) {
		changes_add(s->dry,
		            k == OUT_ABSENT ? CHANGE_NEW
		            : backup        ? CHANGE_FORCE
		                            : CHANGE_REPLACE,
		            shown, had.data != NULL ? &had : NULL, 0, data, len,
		            0644);
		s->st->written++;
		goto out;
	}
	dfd = out_dir(s->r, dir, false, 0, NULL, NULL, s->d);
	if (dfd < 0 ||
	    !txn_stage(s->t, dfd, dir, base, data, len, 0644, backup, s->d))
		syserr(s);
	else
		s->st->written++;
out:
	buf_free(&had);
}

static bool
stream_diverge(struct site_stream *t)
{
	struct site *s = t->s;
	int dfd = out_dir(s->r, "", false, 0, NULL, NULL, s->d);
	char chunk[65536];
	off_t at = 0;

	if (t->old >= 0 && t->protect) {
		/* The rest of the old file, for its hash. */
		off_t pos = t->same;
		ssize_t k;

		while (pos < t->ost.st_size &&
		       (k = pread(t->old, chunk, sizeof(chunk), pos)) > 0) {
			mhash_add(&t->oldh, chunk, (size_t)k);
			pos += k;
		}
		if (!old_vouches(&s->old,
		                 old_get(&s->old, t->rel, strlen(t->rel)),
		                 mhash_end(&t->oldh))) {
			if (!s->o->force) {
				edited(s, t->rel);
				return false;
			}
			t->backup = true;
		}
	}
	if (s->dry != NULL) {
		t->diverged = true;
		return true;
	}
	if (dfd < 0)
		return false;
	t->g = txn_stage_open(t->t, dfd, "", t->rel, 0644, t->backup, s->d);
	if (t->g == NULL) {
		syserr(s);
		return false;
	}
	/* What was the same so far is only in the old file. */
	while (at < t->same) {
		size_t want = t->same - at < (off_t)sizeof(chunk)
		                  ? (size_t)(t->same - at)
		                  : sizeof(chunk);
		ssize_t k = pread(t->old, chunk, want, at);

		if (k <= 0 ||
		    !txn_stage_write(t->t, t->g, chunk, (size_t)k, s->d)) {
			syserr(s);
			return false;
		}
		at += k;
	}
	return true;
}

static bool
same_next(struct site_stream *t, const char *data, size_t n)
{
	size_t got = 0;
	ssize_t k = 1;

	if (t->old < 0 || t->same + (off_t)n > t->ost.st_size)
		return false;
	buf_reserve(&t->was, n + 1);
	while (got < n && (k = pread(t->old, t->was.data + got, n - got,
	                             t->same + (off_t)got)) > 0)
		got += (size_t)k;
	if (got != n || memcmp(t->was.data, data, n) != 0)
		return false;
	mhash_add(&t->oldh, data, n);
	t->same += (off_t)n;
	return true;
}

static void
stream_flush(struct site_stream *t)
{
	struct site *s = t->s;

	if (t->pending.len == 0 || s->failed || s->stopped)
		return;
	t->total += (off_t)t->pending.len;
	if (s->dry != NULL && s->dry->diffs)
		buf_add(&t->text, t->pending.data, t->pending.len);
	if (t->g == NULL && !t->diverged &&
	    !same_next(t, t->pending.data, t->pending.len) &&
	    !stream_diverge(t)) {
		buf_reset(&t->pending);
		return;
	}
	if (t->g != NULL &&
	    !txn_stage_write(t->t, t->g, t->pending.data, t->pending.len, s->d))
		syserr(s);
	buf_reset(&t->pending);
}

static struct site_stream *
stream_open(struct site *s, struct txn *x, const char *rel, bool protect)
{
	struct site_stream *t = xcalloc(1, sizeof(*t));
	int dfd = out_dir(s->r, "", false, 0, NULL, NULL, s->d);
	char *shown = xasprintf("%s/%s", outroot_path(s->r), rel);

	t->s = s;
	t->rel = xstrdup(rel);
	t->protect = protect;
	t->old = -1;
	t->t = x;
	if (dfd >= 0) {
		enum out_kind k = out_stat(dfd, rel, shown, &t->ost, s->d);

		if (k == OUT_BAD)
			s->stopped = true;
		else if (k == OUT_REGULAR) {
			struct stat now;

			t->old = openat(dfd, rel,
			                O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			                    O_CLOEXEC);
			if (t->old >= 0 && (fstat(t->old, &now) != 0 ||
			                    now.st_ino != t->ost.st_ino)) {
				close(t->old);
				t->old = -1;
				s->stopped = true;
			}
			mhash_init(&t->oldh, (size_t)t->ost.st_size);
		}
	}
	free(shown);
	return t;
}

struct site_stream *
site_stream_open(struct site *s, const char *rel)
{
	/* The zone and the maps are for people to include: an edit there
	 * is theirs. */
	struct site_stream *t = stream_open(s, s->t, rel, true);

	old_get(&s->old, rel, strlen(rel));
	return t;
}

void
site_stream_write(struct site_stream *t, const char *data, size_t len)
{
	buf_add(&t->pending, data, len);
	if (t->pending.len >= 65536)
		stream_flush(t);
}

/* read_old appends the old file t replaces to b: false when it is larger
 * than any rendering (not read). */
static bool
read_old(const struct site_stream *t, struct buf *b)
{
	off_t pos = 0;
	ssize_t k = 1;

	if (t->old < 0 || (size_t)t->ost.st_size > OUT_READ_MAX)
		return false;
	buf_reserve(b, (size_t)t->ost.st_size + 1);
	while (pos < t->ost.st_size &&
	       (k = pread(t->old, b->data + pos, (size_t)(t->ost.st_size - pos),
	                  pos)) > 0)
		pos += k;
	b->len = (size_t)pos;
	b->data[b->len] = '\0';
	return true;
}

/* dry_stream lists a stream of a dry run that differs from its file;
 * the manifest (not record) is kept for site_close to list when it alone
 * would change. */
static void
dry_stream(struct site_stream *t, bool record)
{
	struct site *s = t->s;
	struct buf old = BUF_INIT;
	bool have = s->dry->diffs && read_old(t, &old);
	char *shown = xasprintf("%s/%s", outroot_path(s->r), t->rel);

	if (record)
		changes_add(s->dry,
		            t->old < 0  ? CHANGE_NEW
		            : t->backup ? CHANGE_FORCE
		                        : CHANGE_REPLACE,
		            shown, have ? &old : NULL, 0, t->text.data,
		            t->text.len, 0644);
	else {
		s->manifest_diverged = true;
		s->manifest_was = t->old >= 0;
		s->manifest_have = have;
		s->manifest_text = t->text;
		t->text = (struct buf)BUF_INIT;
		s->manifest_old = old;
		old = (struct buf)BUF_INIT;
	}
	buf_free(&old);
	free(shown);
}

/* stream_end finishes t: staged when it differs, its hash in *h.
 * record: note it in the manifest. */
static void
stream_end(struct site_stream *t, bool record)
{
	struct site *s = t->s;
	unsigned long long h = 0;

	stream_flush(t);
	if (!s->failed && !s->stopped && t->g == NULL && !t->diverged &&
	    (t->old < 0 || t->same != t->ost.st_size))
		stream_diverge(t);
	if (t->diverged && !s->failed && !s->stopped)
		dry_stream(t, record);
	if (t->g != NULL && (s->failed || s->stopped)) {
		txn_stage_close(t->t, t->g, false, s->d);
		t->g = NULL;
	}
	if (t->g != NULL) {
		struct mhash m;
		char chunk[65536];
		off_t pos = 0;
		ssize_t k;

		mhash_init(&m, (size_t)t->total);
		while (pos < t->total && (k = pread(txn_stage_fd(t->g), chunk,
		                                    sizeof(chunk), pos)) > 0) {
			mhash_add(&m, chunk, (size_t)k);
			pos += k;
		}
		h = mhash_end(&m);
		if (record && t->protect)
			journal(s, t->rel, h);
		if (!txn_stage_close(t->t, t->g, !s->failed, s->d))
			syserr(s);
		else if (record)
			s->st->written++;
	} else if (t->diverged) {
		/* A dry run does not hash what it does not keep: the manifest
		 * that would change with this file is not listed anyway. */
		h = 0;
		if (record)
			s->st->written++;
	} else if (!s->failed && !s->stopped) {
		h = mhash_end(&t->oldh);
		if (record)
			s->st->unchanged++;
	}
	if (record && s->manifest != NULL && !s->failed && !s->stopped) {
		struct buf line = BUF_INIT;

		manifest_line(&line, h, t->rel);
		site_stream_write(s->manifest, line.data, line.len);
		buf_free(&line);
	}
	if (t->old >= 0)
		close(t->old);
	buf_free(&t->pending);
	buf_free(&t->was);
	buf_free(&t->text);
	free(t->rel);
	free(t);
}

void
site_stream_close(struct site_stream *t)
{
	stream_end(t, true);
}

/* The names a run writes at the root, swept after a killed run. */
static const char *const root_files[] = {
    MANIFEST,   "nginx.conf",     "apache.conf",
    "dns.zone", "nginx-map.conf", "apache-map.txt",
};

struct site *
site_open(const struct site_opts *o, struct site_stats *st, struct diag *d)
{
	struct site *s = xcalloc(1, sizeof(*s));
	struct stat sb;
	int dfd;

	s->o = o;
	s->d = d;
	s->st = st;
	s->journal = -1;
	s->last_hash = 0;
	memset(st, 0, sizeof(*st));
	s->dry = o->dry;
	s->r = outroot_open(o->out, d);
	/* Two runs on one tree would undo each other's removals. A dry run
	 * takes a shared lock on a tree that is there, so that it sees a
	 * writer's run whole, before its renames or after them (the lock is
	 * on the directory: it creates nothing); a tree that is not there is
	 * not locked, as it holds nothing to see. */
	if (s->r == NULL || (s->dry == NULL && !outroot_create(s->r, d)) ||
	    !outroot_lock(s->r, s->dry == NULL, d)) {
		outroot_free(s->r);
		free(s);
		return NULL;
	}
	if (s->dry == NULL)
		s->t = txn_new(s->r, false);
	old_load(&s->old, s->r, MANIFEST, false, d);
	old_load(&s->old, s->r, JOURNAL, true, d);
	dfd = out_dir(s->r, "", false, 0, NULL, NULL, d);
	s->fresh = fstatat(dfd, "domains", &sb, AT_SYMLINK_NOFOLLOW) != 0 &&
	           errno == ENOENT;
	s->had_journal =
	    dfd >= 0 && fstatat(dfd, JOURNAL, &sb, AT_SYMLINK_NOFOLLOW) == 0;
	if (s->had_journal && s->dry == NULL)
		out_sweep(dfd, root_files,
		          sizeof(root_files) / sizeof(*root_files));
	if (s->dry == NULL)
		s->mt = txn_new(s->r, false);
	s->manifest = stream_open(s, s->mt, MANIFEST, false);
	{
		static const char head[] =
		    "# mailconf site: what it wrote here. The files of a "
		    "domain that leaves this list are removed.\n";

		site_stream_write(s->manifest, head, sizeof(head) - 1);
	}
	return s;
}

void
site_expect(struct site *s, size_t n)
{
	dupes_free(s->many);
	s->many = dupes_new(n, false);
}

void
site_note(struct site *s, const char *domain)
{
	dupes_note(s->many, domain);
}

/* The files a domain has in the tree layout, and their directories,
 * deepest first: all that removal may touch. */
static const char *const domain_files[] = {
    "mail/config-v1.1.xml",
    ".well-known/autoconfig/mail/config-v1.1.xml",
    "autodiscover/autodiscover.xml",
    "autodiscover/autodiscover.json",
    "mail.mobileconfig",
};
static const char *const domain_dirs[] = {
    ".well-known/autoconfig/mail",
    ".well-known/autoconfig",
    ".well-known",
    "mail",
    "autodiscover",
    "",
};
#define NDOMAIN_FILES (sizeof(domain_files) / sizeof(*domain_files))

/* later notes rel for removal once the run is committed. */
static void
later(struct site *s, const char *rel)
{
	buf_puts(&s->removals, rel);
	buf_putc(&s->removals, '\0');
}

/* write_domain stages a domain's files that the manifest does not vouch
 * for: e its entry (-1: the last run did not list it), dirty when a
 * killed run may have left temporary files. */
static void
write_domain(struct site *s, const char *domain, const struct site_file *files,
             size_t nfiles, long e, bool dirty)
{
	/* The journal first: a run killed after it has made the directory
	 * leaves a line that lets the next run remove what it wrote. */
	if (!dirty && !journal(s, buf_cstr(&s->key), 0))
		return;
	for (size_t i = 0; i < nfiles && !s->failed && !s->stopped; i++) {
		buf_reset(&s->rel);
		buf_puts(&s->rel, "domains/");
		buf_puts(&s->rel, domain);
		buf_putc(&s->rel, '/');
		buf_puts(&s->rel, files[i].name);
		buf_reset(&s->data);
		site_pattern_fill(files[i].pattern, domain, &s->data);
		put(s, s->rel.data, s->data.data, s->data.len, false, -1,
		    dirty);
	}
	/* A domain the last run did not write has nothing to drop. */
	for (size_t k = 0; e >= 0 && k < NDOMAIN_FILES; k++) {
		bool keep = false;
		char *rel;

		for (size_t i = 0; i < nfiles; i++)
			keep |= strcmp(files[i].name, domain_files[k]) == 0;
		if (keep)
			continue;
		rel = xasprintf("domains/%s/%s", domain, domain_files[k]);
		later(s, rel);
		free(rel);
	}
}

/* domain_hash is what the manifest records for a domain: its files'
 * names and patterns, and its name; the same hash means the same bytes.
 * The files' part is kept from the last domain (the same spec's). */
static unsigned long long
domain_hash(struct site *s, const char *domain, const struct site_file *files,
            size_t nfiles)
{
	bool same = nfiles == s->nlast && s->nlast > 0;

	for (size_t i = 0; i < nfiles && same; i++)
		same = files[i].pattern->serial == s->last[i].serial &&
		       strcmp(files[i].name, s->last[i].name) == 0;
	if (!same) {
		unsigned long long h = 0;

		for (size_t i = 0; i < s->nlast; i++)
			free(s->last[i].name);
		s->nlast = 0;
		for (size_t i = 0; i < nfiles; i++) {
			h = mix(h, files[i].name, strlen(files[i].name) + 1);
			h = mix(h, &files[i].pattern->hash,
			        sizeof(files[i].pattern->hash));
		}
		s->last_hash = h;
		for (size_t i = 0;
		     i < nfiles && nfiles <= sizeof(s->last) / sizeof(*s->last);
		     i++) {
			s->last[i].name = xstrdup(files[i].name);
			s->last[i].serial = files[i].pattern->serial;
			s->nlast++;
		}
	}
	return mix(s->last_hash, domain, strlen(domain)) | 1;
}

void
site_domain(struct site *s, const char *domain, const struct site_file *files,
            size_t nfiles)
{
	unsigned long long h;
	long e;
	bool dirty;

	if (s->failed || s->stopped)
		return;
	if (s->many != NULL && dupes_again(s->many, domain)) {
		diag_warn(s->d, "site-duplicate-domain", NULL,
		          "site: %s is served by more than one spec; the "
		          "first one is written",
		          domain);
		return;
	}
	if (out_interrupted() != 0) {
		diag_error(s->d, NULL,
		           "site: interrupted by signal %d; "
		           "nothing was changed",
		           out_interrupted());
		s->stopped = true;
		return;
	}
	h = domain_hash(s, domain, files, nfiles);
	buf_reset(&s->key);
	buf_puts(&s->key, "domains/");
	buf_puts(&s->key, domain);
	buf_putc(&s->key, '/');
	e = old_get(&s->old, s->key.data, s->key.len);
	dirty = e >= 0 && (s->old.flags[e] & E_DIRTY);
	/* The manifest vouches for what the last run wrote: an unchanged
	 * domain costs no system call (--verify reads its files anyway). */
	if (!s->o->verify && !dirty && old_vouches(&s->old, e, h))
		s->st->unchanged += (long)nfiles;
	else
		write_domain(s, domain, files, nfiles, e, dirty);
	buf_reset(&s->line);
	manifest_line(&s->line, h, s->key.data);
	site_stream_write(s->manifest, s->line.data, s->line.len);
	s->st->domains++;
	if (s->o->progress && s->st->domains % 1000 == 0)
		fprintf(stderr, "\rmailconf: site: %ld domains",
		        s->st->domains);
}

void
site_file(struct site *s, const char *rel, const char *data, size_t len)
{
	long e = old_get(&s->old, rel, strlen(rel));
	bool dirty = e >= 0 && (s->old.flags[e] & E_DIRTY);
	long before = s->st->written;
	struct buf line = BUF_INIT;
	unsigned long long h = manifest_hash(data, len);

	if (s->failed || s->stopped)
		return;
	put(s, rel, data, len, true, e, dirty);
	/* The journal vouches for the new content should the run be
	 * killed between the renames and the manifest's. */
	if (s->st->written > before)
		journal(s, rel, h);
	manifest_line(&line, h, rel);
	site_stream_write(s->manifest, line.data, line.len);
	buf_free(&line);
}

/* dry_remove lists rel (base in dfd, as st), which a real run would
 * remove, with its content when diffs are wanted. */
static void
dry_remove(struct site *s, int dfd, const char *rel, const char *base,
           const struct stat *st)
{
	char *shown = xasprintf("%s/%s", outroot_path(s->r), rel);
	struct buf old = BUF_INIT;
	struct diag quiet = DIAG_INIT;
	bool have = s->dry->diffs && S_ISREG(st->st_mode) &&
	            out_read(dfd, base, st, OUT_READ_MAX, &old, shown, &quiet);

	changes_add(s->dry, CHANGE_REMOVE, shown, have ? &old : NULL, 0, NULL,
	            0, 0);
	buf_free(&old);
	diag_free(&quiet);
	free(shown);
}

/* remove_file removes rel, a file this run does not write, when it is a
 * regular file reached without a link; and what a killed run left
 * beside it. A dry run lists it. */
static bool
remove_file(struct site *s, const char *rel)
{
	const char *base;
	char *dir = split_rel(rel, &base);
	struct diag quiet = DIAG_INIT;
	int dfd = out_dir(s->r, dir, false, 0, NULL, NULL, &quiet);
	bool any = false;
	struct stat st;

	if (dfd == -2)
		diag_warn(
		    s->d, "site-link", NULL,
		    "site: %s/%s lies behind a symbolic link; not removed",
		    outroot_path(s->r), rel);
	if (dfd >= 0 && s->dry != NULL) {
		if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
			dry_remove(s, dfd, rel, base, &st);
			any = true;
		}
	} else if (dfd >= 0) {
		out_sweep(dfd, &base, 1);
		if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
			if (unlinkat(dfd, base, 0) == 0)
				any = true;
			else {
				diag_error(
				    s->d, NULL, "site: cannot remove %s/%s: %s",
				    outroot_path(s->r), rel, strerror(errno));
				syserr(s);
			}
		}
	}
	diag_free(&quiet);
	free(dir);
	return any;
}

/* prune removes rel and its parents up to (not including) stop, while
 * they are empty; a directory holding a stranger's file stays. */
static void
prune(struct site *s, const char *rel, size_t stop)
{
	char *p;

	/* A directory left empty goes with the files listed. */
	if (s->dry != NULL)
		return;
	p = xstrdup(rel);

	for (size_t n = strlen(p); n > stop;) {
		const char *base;
		char *dir = split_rel(p, &base);
		struct diag quiet = DIAG_INIT;
		int dfd = out_dir(s->r, dir, false, 0, NULL, NULL, &quiet);
		bool gone = dfd >= 0 && unlinkat(dfd, base, AT_REMOVEDIR) == 0;

		diag_free(&quiet);
		free(dir);
		if (!gone)
			break;
		while (n > 0 && p[n - 1] != '/')
			n--;
		while (n > 0 && p[n - 1] == '/')
			n--;
		p[n] = '\0';
	}
	free(p);
}

/* prune_domain removes the directories of domain dom left empty; a
 * directory holding a stranger's file stays. */
static void
prune_domain(struct site *s, const char *dom)
{
	for (size_t i = 0; i < sizeof(domain_dirs) / sizeof(*domain_dirs);
	     i++) {
		char *rel =
		    xasprintf("domains/%s%s%s", dom, *domain_dirs[i] ? "/" : "",
		              domain_dirs[i]);

		prune(s, rel, strlen(rel) - 1);
		free(rel);
	}
}

/* safe_name says whether a manifest's name may be followed at all: no
 * "..", no absolute path, no empty component. */
static bool
safe_name(const char *name)
{
	if (name[0] == '/' || name[0] == '\0' || strstr(name, "..") != NULL ||
	    strstr(name, "//") != NULL)
		return false;
	return true;
}

/* remove_entry removes what one entry of the last run's manifest names,
 * when this run did not write it: the files of a domain that left the
 * specs, or a file no longer written (another layout); then their
 * directories, when empty. Nothing else is ever touched. */
static void
remove_entry(struct site *s, const char *key)
{
	size_t n = strlen(key);

	if (!safe_name(key))
		return;
	if (n > 9 && strncmp(key, "domains/", 8) == 0 && key[n - 1] == '/') {
		char *dom = xstrndup(key + 8, n - 9);
		bool any = false;

		if (strchr(dom, '/') == NULL && dom[0] != '.') {
			for (size_t i = 0; i < NDOMAIN_FILES; i++) {
				char *rel = xasprintf("domains/%s/%s", dom,
				                      domain_files[i]);

				any |= remove_file(s, rel);
				free(rel);
			}
			prune_domain(s, dom);
		}
		free(dom);
		s->st->removed += any;
		return;
	}
	if (key[n - 1] == '/')
		return;
	remove_file(s, key);
	prune(s, key, 0);
	/* the file itself is gone: prune its directories */
	{
		const char *base;
		char *dir = split_rel(key, &base);

		if (*dir != '\0')
			prune(s, dir, 0);
		free(dir);
	}
}

/* remove_gone removes (a dry run: lists) the files of the domains that
 * left and the files no longer written, and the directories they leave
 * empty. */
static void
remove_gone(struct site *s)
{
	for (size_t pos = 0; pos < s->removals.len;) {
		const char *rel = s->removals.data + pos;
		const char *dom = rel + 8;
		size_t n = strcspn(dom, "/");
		char *name = xstrndup(dom, n);

		remove_file(s, rel);
		prune_domain(s, name);
		free(name);
		pos += strlen(rel) + 1;
	}
	for (size_t e = 0; e < s->old.n; e++)
		if (!(s->old.flags[e] & E_MARK)) {
			s->old.flags[e] |= E_REMOVED;
			remove_entry(s, s->old.keys.data + s->old.off[e]);
		}
	prune(s, "domains", 0);
}

/* dry_close ends a dry run: what a real run's close would do, listed. */
static void
dry_close(struct site *s)
{
	struct changes *c = s->dry;

	if (s->failed || s->stopped) {
		if (s->manifest != NULL) {
			s->stopped = true;
			stream_end(s->manifest, false);
		}
		return;
	}
	stream_end(s->manifest, false);
	s->manifest = NULL;
	remove_gone(s);
	/* The manifest changes with the files it lists; alone, it is what
	 * the real run would write, so it is listed; so is the journal a
	 * killed run left, which the real run removes. */
	if (c->n + c->refused == 0 && s->manifest_diverged) {
		char *shown = xasprintf("%s/%s", outroot_path(s->r), MANIFEST);

		changes_add(c, s->manifest_was ? CHANGE_REPLACE : CHANGE_NEW,
		            shown, s->manifest_have ? &s->manifest_old : NULL,
		            0, s->manifest_text.data, s->manifest_text.len,
		            0644);
		free(shown);
	}
	if (c->n + c->refused == 0 && s->had_journal) {
		char *shown = xasprintf("%s/%s", outroot_path(s->r), JOURNAL);

		changes_add(c, CHANGE_REMOVE, shown, NULL, 0, NULL, 0, 0);
		free(shown);
	}
}

bool
site_close(struct site *s)
{
	bool ok;
	struct diag quiet = DIAG_INIT;

	if (s->o->progress && s->st->domains >= 1000)
		fputc('\n', stderr);
	if (s->dry != NULL)
		dry_close(s);
	else if (!s->failed && !s->stopped) {
		/* The manifest is bookkeeping, not one of the site's files:
		 * it is renamed last, after the removals, so that a run
		 * killed before it still finds every domain listed. */
		long w = s->st->written, u = s->st->unchanged;
		struct txn *mt = s->mt;

		stream_end(s->manifest, false);
		s->manifest = NULL;
		s->st->written = w;
		s->st->unchanged = u;
		if (!s->failed && txn_commit(s->t, s->d)) {
			remove_gone(s);
			if (txn_commit(mt, s->d)) {
				int dfd = out_dir(s->r, "", false, 0, NULL,
				                  NULL, &quiet);

				if ((s->journal >= 0 || s->had_journal) &&
				    dfd >= 0)
					unlinkat(dfd, JOURNAL, 0);
			} else
				syserr(s);
		} else
			syserr(s);
	} else {
		if (s->manifest != NULL) {
			s->stopped = true;
			stream_end(s->manifest, false);
		}
		txn_abort(s->t);
		/* This run's own journal, when it made one, says nothing. */
		if (s->journal >= 0 && !s->had_journal) {
			int dfd =
			    out_dir(s->r, "", false, 0, NULL, NULL, &quiet);

			if (dfd >= 0)
				unlinkat(dfd, JOURNAL, 0);
		}
	}
	ok = !s->failed;
	if (s->journal >= 0)
		close(s->journal);
	txn_free(s->t);
	txn_free(s->mt);
	old_free(&s->old);
	dupes_free(s->many);
	buf_free(&s->data);
	buf_free(&s->key);
	buf_free(&s->removals);
	buf_free(&s->dir);
	buf_free(&s->shown);
	buf_free(&s->rel);
	buf_free(&s->line);
	buf_free(&s->manifest_text);
	buf_free(&s->manifest_old);
	for (size_t i = 0; i < s->nlast; i++)
		free(s->last[i].name);
	outroot_free(s->r);
	diag_free(&quiet);
	free(s);
	return ok;
}
