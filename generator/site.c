/* SPDX-License-Identifier: MIT */
/* The web tree for many domains: streamed domain by domain, written only where
 * changed, with a manifest. */
#include <sys/file.h>
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
#include "output.h"
#include "site.h"
#include "xalloc.h"

/* The manifest: "DOMAIN HASH" per domain written, HASH covering its
 * files; and "FILE NAME" for the other files mailconf wrote. */
#define MANIFEST ".mailconf-site"
#define LOCK ".mailconf-site.lock"
/* What a run is about to write that the manifest does not vouch for, in
 * the manifest's format (a domain with hash 0): a run killed before it
 * writes its manifest leaves this, and the next run reads it as part of
 * the old manifest. Removed once the manifest is written. */
#define JOURNAL ".mailconf-site.journal"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static unsigned long long
fnv(unsigned long long h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
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

		p->hash = fnv(FNV_OFFSET, n, sizeof(n));
	}
	p->hash = fnv(p->hash, p->text, p->len);
	for (size_t k = 0; k < p->ncut; k++) {
		unsigned long long c = p->cut[k];

		p->hash = fnv(p->hash, &c, sizeof(c));
	}
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
 * Its lines (and a killed run's journal's) are kept as text, indexed by
 * name: a domain or "FILE NAME". A lookup compares names, so it is exact,
 * and it marks the line; what is left unmarked at the end is removed.
 * Nothing is kept per domain of this run. */

struct old {
	struct buf text;     /* the lines, each NUL-terminated */
	size_t *slot;        /* a line's offset in text + 1; 0: free */
	unsigned char *mark; /* per slot: 1 written or kept; 2 removed */
	size_t cap, n;
};

static size_t
key_len(const char *line)
{
	return strncmp(line, "FILE ", 5) == 0 ? strlen(line)
	                                      : strcspn(line, " ");
}

/* old_find returns the slot of key[0..n), or the free slot it would take
 * (there is one: the table is at most half full). */
static size_t
old_find(const struct old *o, const char *key, size_t n)
{
	size_t i = (size_t)fnv(FNV_OFFSET, key, n) & (o->cap - 1);

	for (; o->slot[i] != 0; i = (i + 1) & (o->cap - 1)) {
		const char *line = o->text.data + o->slot[i] - 1;

		if (key_len(line) == n && memcmp(line, key, n) == 0)
			break;
	}
	return i;
}

static void
old_grow(struct old *o)
{
	size_t *slot = o->slot, cap = o->cap;

	o->cap = cap == 0 ? 1024 : 2 * cap;
	o->slot = xcalloc(o->cap, sizeof(*o->slot));
	for (size_t i = 0; i < cap; i++)
		if (slot[i] != 0) {
			const char *line = o->text.data + slot[i] - 1;

			o->slot[old_find(o, line, key_len(line))] = slot[i];
		}
	free(slot);
}

/* listed says whether a manifest line names something: a domain with
 * its hash, or "FILE NAME"; not the comment. */
static bool
listed(const char *line)
{
	return line[0] != '#' && strchr(line, ' ') != NULL;
}

/* old_load adds the lines of the file name in the tree; a later line
 * for a name replaces an earlier one (the journal's the manifest's). */
static void
old_load(struct old *o, const char *root, const char *name)
{
	char *path = xasprintf("%s/%s", root, name);
	size_t pos = o->text.len;

	if (buf_read_file(&o->text, path, (size_t)1 << 40) != 0) {
		o->text.len = pos;
		if (o->text.data != NULL)
			o->text.data[pos] = '\0';
		free(path);
		return;
	}
	free(path);
	if (o->text.len > pos && o->text.data[o->text.len - 1] != '\n')
		buf_putc(&o->text, '\n');
	while (pos < o->text.len) {
		char *line = o->text.data + pos,
		     *nl = memchr(line, '\n', o->text.len - pos);
		size_t i;

		*nl = '\0';
		pos = (size_t)(nl + 1 - o->text.data);
		if (!listed(line))
			continue;
		if (2 * (o->n + 1) > o->cap)
			old_grow(o);
		i = old_find(o, line, key_len(line));
		o->n += o->slot[i] == 0;
		o->slot[i] = (size_t)(line - o->text.data) + 1;
	}
}

/* old_get looks key[0..n) up and marks it written or kept: true when the
 * last run vouched for it, with its hash in *hash (0: a killed run's). */
static bool
old_get(struct old *o, const char *key, size_t n, unsigned long long *hash)
{
	size_t i;
	const char *line;

	if (o->n == 0)
		return false;
	i = old_find(o, key, n);
	if (o->slot[i] == 0)
		return false;
	o->mark[i] = 1;
	line = o->text.data + o->slot[i] - 1;
	if (strncmp(line, "FILE ", 5) == 0)
		return true;
	return sscanf(line + n + 1, "%16llx", hash) == 1;
}

static void
old_free(struct old *o)
{
	buf_free(&o->text);
	free(o->slot);
	free(o->mark);
}

/* --- the tree ------------------------------------------------------------ */

struct site {
	const struct site_opts *o;
	struct diag *d;
	struct site_stats *st;
	struct old old;
	struct dupes *many; /* with more than one spec: their repeats */
	struct site_stream *manifest;
	struct buf scratch; /* a file read back for comparison */
	struct buf data;    /* a domain's file, filled in */
	struct buf path;    /* the path being written */
	struct buf tmp;     /* and its temporary file's */
	/* The hash of the files of the last domain (their names and
	 * patterns), the same for every domain of a spec. */
	struct {
		char *name;
		unsigned long long serial;
	} last[8];
	size_t nlast;
	unsigned long long last_hash;
	int lock;
	int journal;  /* -1 until this run adds a line */
	bool failed;  /* a write failed */
	bool stopped; /* the run did not give every domain */
	/* domains/ was not there when the run began: a domain directory
	 * that mkdir finds was made by this run. */
	bool fresh;
	bool chmod; /* the umask takes bits from 0644: set them */
};

struct site_stream {
	struct site *s;
	char *path, *tmp;
	int fd;
	/* The file being replaced, read alongside while it holds what was
	 * written so far; -1 once it differs (or there is none). */
	int old;
	struct buf pending, was;
};

static bool linked(const struct site *s, const char *path);

static void
syserr(struct site *s, const char *what, const char *path)
{
	diag_error(s->d, NULL, "site: cannot %s %s: %s", what, path,
	           strerror(errno));
	s->failed = true;
}

void
site_stop(struct site *s)
{
	s->stopped = true;
}

/* tmp_name is where path's new content is written first: in the same
 * directory, one fixed name per file, so that what a killed run leaves is
 * reused (and so removed) by the next run. */
static char *
tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xasprintf("%.*s/.%s.mailconf-tmp", (int)(slash - path), path,
	                 slash + 1);
}

/* same_file says whether path holds exactly data[0..len). */
static bool
same_file(struct site *s, const char *path, const char *data, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != len) {
		close(fd);
		return false;
	}
	buf_reserve(&s->scratch, len + 1);
	n = read(fd, s->scratch.data, len + 1);
	close(fd);
	return n == (ssize_t)len && memcmp(s->scratch.data, data, len) == 0;
}

/* mkdirs_up makes dir and its missing parents, the deepest first: a new
 * domain's directory costs one mkdir, not one per level of its path. */
static bool
mkdirs_up(char *dir)
{
	char *slash = strrchr(dir, '/');
	bool ok;

	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return true;
	if (errno != ENOENT || slash == NULL || slash == dir)
		return false;
	*slash = '\0';
	ok = mkdirs_up(dir);
	*slash = '/';
	return ok && (mkdir(dir, 0755) == 0 || errno == EEXIST);
}

/* create opens path's temporary file, making missing directories. */
static int
create(struct site *s, const char *tmp)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);

	if (fd < 0 && errno == ENOENT) {
		char *dir = xstrndup(tmp, (size_t)(strrchr(tmp, '/') - tmp));

		if (mkdirs_up(dir) || output_mkdirs(dir, 0755, s->d))
			fd =
			    open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
			         0644);
		free(dir);
	}
	if (fd < 0)
		syserr(s, "create", tmp);
	else if (fchmod(fd, 0644) != 0) {
		syserr(s, "chmod", tmp);
		close(fd);
		unlink(tmp);
		fd = -1;
	}
	return fd;
}

/* commit renames a written temporary file over path: a web server sees
 * the old file or the new one. No fsync: a killed process cannot tear a
 * rename, and thousands of domains cannot wait for the disk per file. */
static bool
commit(struct site *s, int fd, const char *tmp, const char *path)
{
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		syserr(s, "replace", path);
		unlink(tmp);
		return false;
	}
	s->st->written++;
	return true;
}

/* put writes rel when its content differs; dirty: a killed run may have
 * left its temporary file, to be removed when the file is unchanged. */
static void
put(struct site *s, const char *rel, const char *data, size_t len, bool dirty)
{
	char *path = xasprintf("%s/%s", s->o->out, rel), *tmp;
	int fd;

	if (same_file(s, path, data, len)) {
		s->st->unchanged++;
		if (dirty) {
			tmp = tmp_name(path);
			unlink(tmp);
			free(tmp);
		}
		free(path);
		return;
	}
	tmp = tmp_name(path);
	fd = create(s, tmp);
	if (fd >= 0) {
		if (write(fd, data, len) != (ssize_t)len) {
			syserr(s, "write", tmp);
			close(fd);
			unlink(tmp);
		} else
			commit(s, fd, tmp, path);
	}
	free(tmp);
	free(path);
}

/* journal adds "NAME HASH" or "FILE NAME" (hash NULL) to the journal
 * before NAME's files are written; false when it cannot (reported). */
static bool
journal(struct site *s, const char *name, const char *hash)
{
	struct buf line = BUF_INIT;
	bool ok;

	if (s->journal < 0) {
		char *p = xasprintf("%s/%s", s->o->out, JOURNAL);

		s->journal =
		    open(p, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0644);
		if (s->journal < 0)
			syserr(s, "create", p);
		free(p);
		if (s->journal < 0)
			return false;
	}
	if (hash == NULL)
		buf_puts(&line, "FILE ");
	buf_puts(&line, name);
	if (hash != NULL) {
		buf_putc(&line, ' ');
		buf_puts(&line, hash);
	}
	buf_putc(&line, '\n');
	ok = write(s->journal, line.data, line.len) == (ssize_t)line.len;
	if (!ok)
		syserr(s, "write", JOURNAL);
	buf_free(&line);
	return ok;
}

/* file_seen looks a FILE line up (marking it): whether the last run
 * listed rel. */
static bool
file_seen(struct site *s, const char *rel)
{
	char *key = xasprintf("FILE %s", rel);
	unsigned long long h;
	bool had = old_get(&s->old, key, strlen(key), &h);

	free(key);
	return had;
}

/* manifest_file notes rel in the manifest (and first in the journal when
 * the last run did not list it). */
static void
manifest_file(struct site *s, const char *rel)
{
	struct buf line = BUF_INIT;

	if (!file_seen(s, rel))
		journal(s, rel, NULL);
	buf_printf(&line, "FILE %s\n", rel);
	site_stream_write(s->manifest, line.data, line.len);
	buf_free(&line);
}

struct site_stream *
site_stream_open(struct site *s, const char *rel)
{
	struct site_stream *t = xcalloc(1, sizeof(*t));
	struct stat st;

	t->s = s;
	t->path = xasprintf("%s/%s", s->o->out, rel);
	if (s->manifest != NULL)
		manifest_file(s, rel);
	t->tmp = tmp_name(t->path);
	t->fd = create(s, t->tmp);
	t->old = open(t->path, O_RDONLY | O_NOFOLLOW);
	if (t->old >= 0 && (fstat(t->old, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(t->old);
		t->old = -1;
	}
	return t;
}

/* differs stops comparing with the old file. */
static void
differs(struct site_stream *t)
{
	if (t->old >= 0)
		close(t->old);
	t->old = -1;
}

/* same_next says whether the old file's next n bytes are data[0..n). */
static bool
same_next(struct site_stream *t, const char *data, size_t n)
{
	size_t got = 0;
	ssize_t k = 1;

	buf_reserve(&t->was, n + 1);
	while (got < n && (k = read(t->old, t->was.data + got, n - got)) > 0)
		got += (size_t)k;
	return got == n && memcmp(t->was.data, data, n) == 0;
}

static void
stream_flush(struct site_stream *t)
{
	if (t->pending.len == 0)
		return;
	if (t->old >= 0 && !same_next(t, t->pending.data, t->pending.len))
		differs(t);
	if (t->fd >= 0 && write(t->fd, t->pending.data, t->pending.len) !=
	                      (ssize_t)t->pending.len)
		syserr(t->s, "write", t->tmp);
	buf_reset(&t->pending);
}

void
site_stream_write(struct site_stream *t, const char *data, size_t len)
{
	buf_add(&t->pending, data, len);
	if (t->pending.len >= 65536)
		stream_flush(t);
}

void
site_stream_close(struct site_stream *t)
{
	char c;

	stream_flush(t);
	if (t->fd >= 0) {
		/* Unchanged: leave the old file and its mtime alone; a run
		 * that stopped early has written only part of the file. */
		if (t->s->stopped ||
		    (t->old >= 0 && read(t->old, &c, 1) == 0)) {
			close(t->fd);
			unlink(t->tmp);
			t->s->st->unchanged += !t->s->stopped;
		} else
			commit(t->s, t->fd, t->tmp, t->path);
	}
	differs(t);
	buf_free(&t->pending);
	buf_free(&t->was);
	free(t->path);
	free(t->tmp);
	free(t);
}

struct site *
site_open(const struct site_opts *o, struct site_stats *st, struct diag *d)
{
	struct site *s = xcalloc(1, sizeof(*s));
	char *lock, *dir;
	struct stat sb;
	mode_t mask;

	s->o = o;
	s->d = d;
	s->st = st;
	s->journal = -1;
	s->last_hash = FNV_OFFSET;
	memset(st, 0, sizeof(*st));
	if (!output_mkdirs(o->out, 0755, d)) {
		free(s);
		return NULL;
	}
	/* Two runs on one tree would undo each other's removals. */
	lock = xasprintf("%s/%s", o->out, LOCK);
	s->lock = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW, 0644);
	if (s->lock < 0 || flock(s->lock, LOCK_EX | LOCK_NB) != 0) {
		diag_error(d, NULL, "site: %s: %s", lock,
		           s->lock < 0
		               ? strerror(errno)
		               : "another mailconf is writing this tree");
		if (s->lock >= 0)
			close(s->lock);
		free(lock);
		free(s);
		return NULL;
	}
	free(lock);
	old_load(&s->old, o->out, MANIFEST);
	old_load(&s->old, o->out, JOURNAL);
	s->old.mark = xcalloc(s->old.cap + 1, 1);
	dir = xasprintf("%s/domains", o->out);
	s->fresh = lstat(dir, &sb) != 0 && errno == ENOENT;
	free(dir);
	mask = umask(022);
	umask(mask);
	s->chmod = (mask & 0644) != 0;
	s->manifest = site_stream_open(s, MANIFEST);
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

static void unlink_ours(struct site *s, const char *path, bool *any);
static void prune_dirs(struct site *s, const char *domain);
static const char *const domain_files[5];

/* drop_others removes the files a domain had and no longer has (the
 * Apple profile, when it is not asked for any more). */
static void
drop_others(struct site *s, const char *domain, const struct site_file *files,
            size_t nfiles)
{
	for (size_t k = 0; k < sizeof(domain_files) / sizeof(*domain_files);
	     k++) {
		bool keep = false;
		char *p;

		for (size_t i = 0; i < nfiles; i++)
			keep |= strcmp(files[i].name, domain_files[k]) == 0;
		if (keep)
			continue;
		p = xasprintf("%s/domains/%s/%s", s->o->out, domain,
		              domain_files[k]);
		unlink_ours(s, p, &keep);
		free(p);
	}
	prune_dirs(s, domain);
}

/* planted reports a domain directory that is a symbolic link: written
 * through, it would put files outside the tree. */
static bool
planted(struct site *s, const char *domain)
{
	char *dir = xasprintf("%s/domains/%s", s->o->out, domain);
	struct stat st;
	bool link = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode);

	if (link) {
		diag_error(
		    s->d, NULL,
		    "site: %s is a symbolic link; mailconf does not write "
		    "through it",
		    dir);
		s->failed = true;
	}
	free(dir);
	return link;
}

/* make_new makes domain's directory, when it is not there: then nothing
 * of the domain is, and its files need no comparing. */
static bool
make_new(struct site *s, const char *domain)
{
	buf_reset(&s->path);
	buf_puts(&s->path, s->o->out);
	buf_puts(&s->path, "/domains/");
	buf_puts(&s->path, domain);
	if (mkdir(s->path.data, 0755) == 0)
		return true;
	if (errno == ENOENT) {
		char *dir = xasprintf("%s/domains", s->o->out);
		bool made = mkdirs_up(dir);

		free(dir);
		return made && mkdir(s->path.data, 0755) == 0;
	}
	return false;
}

/* write_new writes the files of a domain whose directory make_new just
 * made (its path in s->path): each directory made once, nothing compared,
 * no chmod unless the umask asks for one. */
static void
write_new(struct site *s, const char *domain, const struct site_file *files,
          size_t nfiles)
{
	struct buf *tmp = &s->tmp;
	size_t root = s->path.len;
	struct {
		const char *name;
		size_t n;
	} made[16];
	size_t nmade = 0;

	for (size_t i = 0; i < nfiles; i++) {
		const char *name = files[i].name, *base = strrchr(name, '/');
		size_t dir = base != NULL ? (size_t)(base + 1 - name) : 0;
		bool dirs = true;
		int fd;

		for (const char *sl = strchr(name, '/'); sl != NULL && dirs;
		     sl = strchr(sl + 1, '/')) {
			size_t n = (size_t)(sl - name), k = 0;

			while (k < nmade &&
			       (made[k].n != n ||
			        strncmp(made[k].name, name, n) != 0))
				k++;
			if (k < nmade)
				continue;
			s->path.len = root;
			buf_putc(&s->path, '/');
			buf_add(&s->path, name, n);
			dirs =
			    mkdir(s->path.data, 0755) == 0 || errno == EEXIST;
			if (!dirs)
				syserr(s, "create directory", s->path.data);
			else if (nmade < sizeof(made) / sizeof(*made)) {
				made[nmade].name = name;
				made[nmade++].n = n;
			}
		}
		s->path.len = root;
		if (!dirs)
			continue;
		buf_reset(tmp);
		buf_add(tmp, s->path.data, root);
		buf_putc(tmp, '/');
		buf_add(tmp, name, dir);
		buf_putc(tmp, '.');
		buf_puts(tmp, name + dir);
		buf_puts(tmp, ".mailconf-tmp");
		buf_putc(&s->path, '/');
		buf_puts(&s->path, name);
		buf_reset(&s->data);
		site_pattern_fill(files[i].pattern, domain, &s->data);
		fd = open(tmp->data, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
		          0644);
		if (fd < 0 || (s->chmod && fchmod(fd, 0644) != 0) ||
		    write(fd, s->data.data, s->data.len) !=
		        (ssize_t)s->data.len) {
			syserr(s, fd < 0 ? "create" : "write", tmp->data);
			if (fd >= 0)
				close(fd);
			unlink(tmp->data);
		} else
			commit(s, fd, tmp->data, s->path.data);
		s->path.len = root;
		s->path.data[root] = '\0';
	}
}

/* write_domain writes a domain's files that the manifest does not vouch
 * for: had, the last run listed it, with hash was (0: a killed run). */
static void
write_domain(struct site *s, const char *domain, const struct site_file *files,
             size_t nfiles, bool had, unsigned long long was)
{
	/* A domain directory this run has not made may be anything. */
	bool known_new = s->fresh && !had;

	if (!known_new && planted(s, domain))
		return; /* reported: nothing is written through the link */
	/* The journal first: a run killed after it has made the directory
	 * leaves a line that lets the next run remove what it wrote. */
	if (!(had && was == 0) && !journal(s, domain, "0000000000000000"))
		return;
	if (!had && make_new(s, domain)) {
		write_new(s, domain, files, nfiles);
		return;
	}
	if (known_new && planted(s, domain))
		return;
	for (size_t i = 0; i < nfiles; i++) {
		char *rel = xasprintf("domains/%s/%s", domain, files[i].name);

		buf_reset(&s->data);
		site_pattern_fill(files[i].pattern, domain, &s->data);
		put(s, rel, s->data.data, s->data.len, had && was == 0);
		free(rel);
	}
	/* A domain the last run did not write has nothing to drop. */
	if (had)
		drop_others(s, domain, files, nfiles);
}

/* domain_hash is what the manifest records for a domain: its files'
 * names and patterns, and its name; the same hash means the same bytes.
 * The files' part is kept from the last domain (the same spec's). */
static unsigned long long
domain_hash(struct site *s, const char *domain, const struct site_file *files,
            size_t nfiles)
{
	bool same = nfiles == s->nlast;

	for (size_t i = 0; i < nfiles && same; i++)
		same = files[i].pattern->serial == s->last[i].serial &&
		       strcmp(files[i].name, s->last[i].name) == 0;
	if (!same) {
		unsigned long long h = FNV_OFFSET;

		for (size_t i = 0; i < s->nlast; i++)
			free(s->last[i].name);
		s->nlast = 0;
		for (size_t i = 0; i < nfiles; i++) {
			h = fnv(h, files[i].name, strlen(files[i].name) + 1);
			h = fnv(h, &files[i].pattern->hash,
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
	return fnv(s->last_hash, domain, strlen(domain));
}

void
site_domain(struct site *s, const char *domain, const struct site_file *files,
            size_t nfiles)
{
	static const char hex[] = "0123456789abcdef";
	unsigned long long h, was = 0;
	size_t n = strlen(domain);
	char line[16 + 2];
	bool had;

	if (s->many != NULL && dupes_again(s->many, domain)) {
		diag_warn(s->d, NULL,
		          "site: %s is served by more than one spec; the "
		          "first one is written",
		          domain);
		return;
	}
	h = domain_hash(s, domain, files, nfiles);
	had = old_get(&s->old, domain, n, &was);
	/* The manifest vouches for what the last run wrote: an unchanged
	 * domain costs no system call (--verify reads its files anyway). */
	if (!s->o->verify && had && was == h)
		s->st->unchanged += (long)nfiles;
	else if (nfiles > 0)
		write_domain(s, domain, files, nfiles, had, was);
	else if (had)
		drop_others(s, domain, files, nfiles);
	site_stream_write(s->manifest, domain, n);
	line[0] = ' ';
	for (int i = 0; i < 16; i++)
		line[1 + i] = hex[(h >> (60 - 4 * i)) & 15];
	line[17] = '\n';
	site_stream_write(s->manifest, line, sizeof(line));
	s->st->domains++;
	if (s->o->progress && s->st->domains % 1000 == 0)
		fprintf(stderr, "\rmailconf: site: %ld domains",
		        s->st->domains);
}

void
site_file(struct site *s, const char *rel, const char *data, size_t len)
{
	bool had = file_seen(s, rel);

	if (!had)
		journal(s, rel, NULL);
	put(s, rel, data, len, true);
	site_stream_write(s->manifest, "FILE ", 5);
	site_stream_write(s->manifest, rel, strlen(rel));
	site_stream_write(s->manifest, "\n", 1);
}

/* The files a domain has in the tree layout, and their directories,
 * deepest first: all that removal may touch. */
static const char *const domain_files[5] = {
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

/* prune_dirs removes a domain's directories that are left empty; a
 * directory holding a stranger's file stays. */
static void
prune_dirs(struct site *s, const char *domain)
{
	for (size_t i = 0; i < sizeof(domain_dirs) / sizeof(*domain_dirs);
	     i++) {
		char *p = xasprintf("%s/domains/%s/%s", s->o->out, domain,
		                    domain_dirs[i]);

		if (!linked(s, p))
			rmdir(p);
		free(p);
	}
}

/* linked says whether a component of path below the tree's root is a
 * symbolic link: one planted in the tree (or named by a planted manifest
 * line) must not lead a removal, or a write, outside it. */
static bool
linked(const struct site *s, const char *path)
{
	size_t root = strlen(s->o->out);
	char *p = xstrdup(path);
	bool link = false;
	struct stat st;

	for (char *c = p + root + 1; !link && *c != '\0'; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		link = lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
		*c = '/';
	}
	free(p);
	return link;
}

static void
unlink_ours(struct site *s, const char *path, bool *any)
{
	char *tmp;

	if (linked(s, path)) {
		diag_warn(s->d, NULL,
		          "site: %s lies behind a symbolic link; not removed",
		          path);
		return;
	}
	tmp = tmp_name(path);

	if (unlink(path) == 0)
		*any = true;
	else if (errno != ENOENT)
		syserr(s, "remove", path);
	unlink(tmp);
	free(tmp);
}

/* remove_line removes what one line of the last run's manifest names,
 * when this run did not write it: the files of a domain that left the
 * specs, or a file no longer written (another layout); then their
 * directories, when empty. Nothing else is ever touched. */
static void
remove_line(struct site *s, char *line)
{
	char *sp = strchr(line, ' ');
	bool any = false;

	if (strstr(line, "..") != NULL)
		return;
	*sp = '\0';
	if (strcmp(line, "FILE") == 0) {
		char *p;

		if (sp[1] == '/')
			return;
		p = xasprintf("%s/%s", s->o->out, sp + 1);
		unlink_ours(s, p, &any);
		/* and the directories it leaves empty, up to the root */
		for (char *slash = strrchr(p, '/');
		     slash != NULL && slash > p + strlen(s->o->out);
		     slash = strrchr(p, '/')) {
			*slash = '\0';
			if (rmdir(p) != 0)
				break;
		}
		free(p);
		return;
	}
	if (strchr(line, '/') != NULL || line[0] == '.')
		return;
	for (size_t i = 0; i < sizeof(domain_files) / sizeof(*domain_files);
	     i++) {
		char *p = xasprintf("%s/domains/%s/%s", s->o->out, line,
		                    domain_files[i]);

		unlink_ours(s, p, &any);
		free(p);
	}
	prune_dirs(s, line);
	s->st->removed += any;
}

/* remove_gone walks the last run's lines in their order, each name once,
 * and removes what this run left unmarked. */
static void
remove_gone(struct site *s)
{
	struct old *o = &s->old;

	for (size_t pos = 0; pos < o->text.len;) {
		char *line = o->text.data + pos;
		size_t i;

		pos += strlen(line) + 1;
		if (!listed(line))
			continue;
		i = old_find(o, line, key_len(line));
		if (o->mark[i] != 0)
			continue;
		o->mark[i] = 2;
		line = xstrdup(line);
		remove_line(s, line);
		free(line);
	}
}

bool
site_close(struct site *s)
{
	bool ok;

	if (s->o->progress && s->st->domains >= 1000)
		fputc('\n', stderr);
	if (!s->failed && !s->stopped) {
		char *dir = xasprintf("%s/domains", s->o->out);

		remove_gone(s);
		rmdir(dir); /* when the last domain left, or the layout */
		free(dir);
	}
	/* Written last: a run killed before this leaves the old manifest,
	 * which still lists every domain whose files may exist. */
	if (!s->failed && !s->stopped) {
		/* The manifest is bookkeeping, not one of the site's files. */
		long w = s->st->written, u = s->st->unchanged;

		site_stream_close(s->manifest);
		s->st->written = w;
		s->st->unchanged = u;
		/* The manifest now lists all the journal did (this run's,
		 * and a killed one's). */
		if (!s->failed) {
			char *j = xasprintf("%s/%s", s->o->out, JOURNAL);

			unlink(j);
			free(j);
		}
	} else {
		close(s->manifest->fd);
		unlink(s->manifest->tmp);
		differs(s->manifest);
		buf_free(&s->manifest->pending);
		buf_free(&s->manifest->was);
		free(s->manifest->path);
		free(s->manifest->tmp);
		free(s->manifest);
	}
	ok = !s->failed;
	if (s->journal >= 0)
		close(s->journal);
	old_free(&s->old);
	dupes_free(s->many);
	buf_free(&s->scratch);
	buf_free(&s->data);
	buf_free(&s->path);
	buf_free(&s->tmp);
	for (size_t i = 0; i < s->nlast; i++)
		free(s->last[i].name);
	close(s->lock);
	free(s);
	return ok;
}
