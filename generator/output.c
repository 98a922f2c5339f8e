/* SPDX-License-Identifier: MIT */
/* Plans of files: the no-clobber rule, manifests, backups and diffs, written
 * through the output layer (outdir.h). */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"
#include "outdir.h"
#include "output.h"
#include "xalloc.h"

void
mhash_init(struct mhash *h, size_t n)
{
	h->a = 0x9e3779b97f4a7c15u ^ n;
	h->b = 0x6a09e667f3bcc909u;
	h->plen = 0;
}

static void
mhash_block(struct mhash *h, const unsigned char *p, size_t n)
{
	uint64_t w = 0, x = 0;

	memcpy(&w, p, n < 8 ? n : 8);
	if (n > 8)
		memcpy(&x, p + 8, n - 8);
	h->a = (h->a ^ w) * 0xbf58476d1ce4e5b9u;
	h->b = (h->b ^ x) * 0x94d049bb133111ebu;
	/* Sixteen bytes a step, in two independent lanes: a team's files are
	 * hashed as they are written, and a byte a step was a fifth of the
	 * run. A last, partial block is not folded. */
	if (n == 16) {
		h->a ^= h->a >> 31;
		h->b ^= h->b >> 29;
	}
}

void
mhash_add(struct mhash *h, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (n == 0)
		return; /* s may be NULL then (an empty buffer) */
	if (h->plen > 0) {
		size_t k = 16 - h->plen < n ? 16 - h->plen : n;

		memcpy(h->part + h->plen, p, k);
		h->plen += k;
		p += k;
		n -= k;
		if (h->plen < 16)
			return;
		mhash_block(h, h->part, 16);
		h->plen = 0;
	}
	for (; n >= 16; p += 16, n -= 16)
		mhash_block(h, p, 16);
	memcpy(h->part, p, n);
	h->plen = n;
}

unsigned long long
mhash_end(struct mhash *h)
{
	uint64_t a;

	if (h->plen > 0)
		mhash_block(h, h->part, h->plen);
	/* splitmix64's finaliser over both, so that every input bit reaches
	 * every output bit. */
	a = h->a ^ h->b * 0xff51afd7ed558ccdu;
	a ^= a >> 30;
	a *= 0xbf58476d1ce4e5b9u;
	a ^= a >> 27;
	a *= 0x94d049bb133111ebu;
	a ^= a >> 31;
	return a;
}

unsigned long long
manifest_hash(const char *s, size_t n)
{
	struct mhash h;

	mhash_init(&h, n);
	mhash_add(&h, s, n);
	return mhash_end(&h);
}

void
plan_add(struct plan *p, const char *path, struct buf *data, unsigned mode)
{
	p->files = xreallocarray(p->files, p->n + 1, sizeof(*p->files));
	p->files[p->n].path = xstrdup(path);
	p->files[p->n].data = *data;
	p->files[p->n].mode = mode;
	p->files[p->n].unrendered = false;
	p->files[p->n].dir = false;
	p->n++;
	*data = (struct buf)BUF_INIT;
}

void
plan_add_unrendered(struct plan *p, const char *path, unsigned mode)
{
	struct buf none = BUF_INIT;

	plan_add(p, path, &none, mode);
	p->files[p->n - 1].unrendered = true;
}

void
plan_add_dir(struct plan *p, const char *path, unsigned mode)
{
	struct buf none = BUF_INIT;

	plan_add(p, path, &none, mode);
	p->files[p->n - 1].dir = true;
}

void
plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->files[i].path);
		buf_free(&p->files[i].data);
	}
	free(p->files);
	p->files = NULL;
	p->n = 0;
}

/* A plan's files by directory, found in one pass: rel[i] the directory
 * below the root, base[i] the name, next[i] the next file in the same
 * directory (p->n: none), first[i] whether i is the first there. */
struct bydir {
	char **rel;
	const char **base;
	size_t *next;
	bool *first;
	char *root; /* the root's path */
};

/* under says whether path lies in directory dir. */
static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strcmp(dir, ".") == 0 ||
	       (strncmp(path, dir, n) == 0 &&
	        (path[n] == '/' || path[n] == '\0' || strcmp(dir, "/") == 0));
}

/* root_of is the plan's root: the directory the user named, or, without
 * one, the deepest directory holding every file (-o FILE: its own). */
static char *
root_of(const struct plan *p)
{
	char *root;

	if (p->root != NULL)
		return xstrdup(p->root);
	if (p->n == 0)
		return xstrdup(".");
	root = xstrdup(p->files[0].path);
	for (size_t i = 0; i < p->n; i++)
		while (
		    !under(p->files[i].path, root) ||
		    (!p->files[i].dir && strcmp(p->files[i].path, root) == 0)) {
			char *slash = strrchr(root, '/');

			if (slash == NULL) {
				free(root);
				root = xstrdup(".");
			} else if (slash == root)
				root[1] = '\0';
			else
				*slash = '\0';
		}
	return root;
}

static void
bydir_build(const struct plan *p, struct bydir *g)
{
	size_t cap = 16, *last, rn;
	unsigned long long *key;

	g->root = root_of(p);
	rn = strlen(g->root);
	while (rn > 1 && g->root[rn - 1] == '/')
		g->root[--rn] = '\0';
	while (cap < 2 * p->n)
		cap *= 2;
	key = xcalloc(cap, sizeof(*key));
	last = xcalloc(cap, sizeof(*last));
	g->rel = xcalloc(p->n + 1, sizeof(*g->rel));
	g->base = xcalloc(p->n + 1, sizeof(*g->base));
	g->next = xcalloc(p->n + 1, sizeof(*g->next));
	g->first = xcalloc(p->n + 1, sizeof(*g->first));
	for (size_t i = 0; i < p->n; i++) {
		const char *path = p->files[i].path, *rest, *slash;
		unsigned long long h;
		size_t k;

		/* Below the root: what follows its path. */
		if (strcmp(g->root, ".") == 0 && strncmp(path, "./", 2) != 0)
			rest = path;
		else if (under(path, g->root))
			rest = path + rn;
		else
			abort(); /* every path starts with the root */
		while (*rest == '/')
			rest++;
		if (p->files[i].dir) {
			g->rel[i] = xstrdup(rest);
			g->base[i] = "";
		} else {
			slash = strrchr(rest, '/');
			g->rel[i] = slash != NULL
			                ? xstrndup(rest, (size_t)(slash - rest))
			                : xstrdup("");
			g->base[i] = slash != NULL ? slash + 1 : rest;
		}
		h = manifest_hash(g->rel[i], strlen(g->rel[i]));
		h += h == 0;
		for (k = h & (cap - 1); key[k] != 0; k = (k + 1) & (cap - 1))
			if (key[k] == h &&
			    strcmp(g->rel[last[k]], g->rel[i]) == 0)
				break;
		g->next[i] = p->n;
		g->first[i] = key[k] == 0;
		if (!g->first[i])
			g->next[last[k]] = i;
		key[k] = h;
		last[k] = i;
	}
	free(key);
	free(last);
}

static void
bydir_free(const struct plan *p, struct bydir *g)
{
	for (size_t i = 0; i < p->n; i++)
		free(g->rel[i]);
	free(g->rel);
	free(g->base);
	free(g->next);
	free(g->first);
	free(g->root);
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* no_twins refuses a plan that writes one path twice (two inputs with
 * the same name): the second would silently replace the first. */
static bool
no_twins(const struct plan *p, struct diag *d)
{
	char **v = xcalloc(p->n + 1, sizeof(*v));
	bool ok = true;

	for (size_t i = 0; i < p->n; i++)
		v[i] = p->files[i].path;
	qsort(v, p->n, sizeof(*v), cmp_path);
	for (size_t i = 1; i < p->n; i++)
		if (strcmp(v[i - 1], v[i]) == 0) {
			diag_error(d, NULL,
			           "%s would be written twice in one run "
			           "(two inputs with the same name?); nothing "
			           "is written",
			           v[i]);
			ok = false;
		}
	free(v);
	return ok;
}

/* A directory's manifest, as read. */
struct manifest {
	struct buf text;
	bool exists;
	bool kept;     /* its mode and owner are what a run would give it */
	unsigned mode; /* its permission bits, when it exists */
};

#define MANIFEST_NONE                                                          \
	{                                                                      \
		BUF_INIT, false, false, 0                                      \
	}

/* manifest_shown is the path of the manifest of directory rel below the
 * root, as messages give it (owned). */
static char *
manifest_shown(const char *root, const char *rel)
{
	if (strcmp(root, ".") == 0 && *rel == '\0')
		return xstrdup(MANIFEST_NAME);
	return xasprintf("%s/%s%s%s", root, rel, *rel != '\0' ? "/" : "",
	                 MANIFEST_NAME);
}

static bool
manifest_read(int dfd, const char *root, const char *rel,
              const struct outroot *r, struct manifest *m, struct diag *d)
{
	char *shown = manifest_shown(root, rel);
	struct stat st;
	enum out_kind k = out_stat(dfd, MANIFEST_NAME, shown, &st, d);
	bool ok = k != OUT_BAD;

	m->text = (struct buf)BUF_INIT;
	m->exists = k == OUT_REGULAR;
	if (m->exists) {
		uid_t uid;
		gid_t gid;

		m->mode = (unsigned)(st.st_mode & 07777);
		/* A manifest an older run left root's in a user's home is
		 * given back, as any other file there. */
		m->kept = (st.st_mode & 07777) == 0600 &&
		          (!outroot_owner(r, &uid, &gid) ||
		           (st.st_uid == uid && st.st_gid == gid));
		ok = out_read(dfd, MANIFEST_NAME, &st, OUT_READ_MAX, &m->text,
		              shown, d);
	}
	free(shown);
	return ok;
}

/* line_at reads the manifest line at *pos: its name and hash; false at
 * the end. A comment or malformed line has *name NULL. */
static bool
line_at(const struct buf *t, size_t *pos, const char **line, size_t *len,
        const char **name, size_t *nlen, unsigned long long *hash)
{
	const char *s, *nl;
	size_t n, tag = strlen(MANIFEST_TAG);

	if (*pos >= t->len)
		return false;
	s = t->data + *pos;
	nl = memchr(s, '\n', t->len - *pos);
	n = nl != NULL ? (size_t)(nl - s) : t->len - *pos;
	*pos += n + 1;
	*line = s;
	*len = n;
	*name = NULL;
	if (n > tag + 17 && memcmp(s, MANIFEST_TAG, tag) == 0 &&
	    s[tag + 16] == ' ') {
		unsigned long long h = 0;
		bool hex = true;

		for (size_t i = 0; i < 16 && hex; i++) {
			char c = s[tag + i];

			hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
			h = h << 4 |
			    (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		if (hex) {
			*name = s + tag + 17;
			*nlen = n - tag - 17;
			*hash = h;
		}
	}
	return true;
}

/* vouches says whether the manifest records hash for name. */
static bool
vouches(const struct manifest *m, const char *name, unsigned long long hash)
{
	size_t pos = 0, len, nlen = 0, want = strlen(name);
	const char *line, *n;
	unsigned long long h = 0;

	while (line_at(&m->text, &pos, &line, &len, &n, &nlen, &h))
		if (n != NULL && nlen == want && memcmp(n, name, want) == 0 &&
		    h == hash)
			return true;
	return false;
}

void
manifest_line(struct buf *out, unsigned long long h, const char *name)
{
	char hex[17];

	for (int k = 0; k < 16; k++)
		hex[k] = "0123456789abcdef"[(h >> (60 - 4 * k)) & 15];
	hex[16] = '\0';
	buf_puts(out, MANIFEST_TAG);
	buf_puts(out, hex);
	buf_putc(out, ' ');
	buf_puts(out, name);
	buf_putc(out, '\n');
}

/* What plan_write found for a file. */
enum state {
	S_NEW,     /* nothing there */
	S_SAME,    /* the same bytes, mode and owner: left alone */
	S_MEND,    /* the same bytes, another mode or owner: rewritten */
	S_OURS,    /* mailconf's earlier content: replaced */
	S_FOREIGN, /* the user's: replaced only with force */
};

struct seen {
	enum state state;
	unsigned long long old; /* S_OURS: the hash of what is there */
	unsigned mode;          /* the permission bits of what is there */
	struct buf *text;       /* NULL, or where look keeps what is there */
};

/* look classifies an existing regular file (st) against f's new
 * content; false on an error, reported. */
static bool
look(int dfd, const char *name, const char *shown, const struct stat *st,
     const struct outfile *f, const struct outroot *r, const struct manifest *m,
     struct seen *s, struct diag *d)
{
	struct buf old = BUF_INIT;
	bool same = false, readable = (size_t)st->st_size <= OUT_READ_MAX;
	uid_t uid;
	gid_t gid;

	/* A file larger than any rendering is not mailconf's: it is never
	 * read (a sparse 8 GB file costs nothing). */
	if (readable && !out_read(dfd, name, st, OUT_READ_MAX, &old, shown, d))
		return false;
	if (readable && !f->unrendered && old.len == f->data.len &&
	    memcmp(buf_cstr(&old), buf_cstr(&f->data), old.len) == 0)
		same = true;
	if (same) {
		bool mode_ok = (st->st_mode & 07777) == f->mode;
		bool owner_ok = !outroot_owner(r, &uid, &gid) ||
		                (st->st_uid == uid && st->st_gid == gid);

		s->state = mode_ok && owner_ok ? S_SAME : S_MEND;
	} else if (readable &&
	           vouches(m, name,
	                   s->old = manifest_hash(buf_cstr(&old), old.len)))
		s->state = S_OURS;
	else
		s->state = S_FOREIGN;
	s->mode = (unsigned)(st->st_mode & 07777);
	if (s->text != NULL && readable) {
		*s->text = old;
		return true;
	}
	buf_free(&old);
	return true;
}

static void
foreign_error(const char *shown, struct diag *d)
{
	diag_error(d, NULL,
	           "%s exists and was not written by mailconf, or was edited "
	           "since; not replacing it (use --force to replace it)",
	           shown);
}

/* compose writes the manifest of the directory of file i0 after this
 * run: the lines of other files as they were; for each of these files
 * its new hash, and, while it is being replaced, the old one that the
 * manifest vouched for, so that a run killed between the renames leaves
 * every file recognisably mailconf's. */
static void
compose(const struct plan *p, const struct bydir *g, size_t i0,
        const struct seen *seen, const struct manifest *m, struct buf *out)
{
	size_t pos = 0, len, nlen = 0;
	const char *line, *name;
	unsigned long long h = 0;

	buf_puts(out, "# mailconf: files written here and a hash of their "
	              "content; mailconf only replaces these\n");
	/* The root's says how the folder is made, for a replay. */
	if (p->recipe != NULL && g->rel[i0][0] == '\0')
		buf_puts(out, p->recipe);
	while (line_at(&m->text, &pos, &line, &len, &name, &nlen, &h)) {
		bool mine = false, keep = false;

		if (name == NULL)
			continue;
		for (size_t i = i0; i < p->n && !mine; i = g->next[i]) {
			if (p->files[i].dir || strlen(g->base[i]) != nlen ||
			    memcmp(g->base[i], name, nlen) != 0)
				continue;
			mine = true;
			/* An unchanged file keeps its lines; a replaced one
			 * only the hash of what it held. */
			keep = seen[i].state == S_SAME ||
			       seen[i].state == S_MEND ||
			       (seen[i].state == S_OURS && h == seen[i].old);
		}
		if (!mine || keep) {
			buf_add(out, line, len);
			buf_putc(out, '\n');
		}
	}
	for (size_t i = i0; i < p->n; i = g->next[i]) {
		const struct outfile *f = &p->files[i];
		unsigned long long nh;

		if (f->dir)
			continue;
		nh = manifest_hash(buf_cstr(&f->data), f->data.len);
		if ((seen[i].state == S_SAME || seen[i].state == S_MEND) &&
		    vouches(m, g->base[i], nh))
			continue;
		manifest_line(out, nh, g->base[i]);
	}
}

bool
plan_check(const struct plan *p, bool force, struct diag *d)
{
	struct bydir g;
	struct outroot *r = p->out;
	bool ok = no_twins(p, d);

	if (p->n == 0)
		return ok;
	bydir_build(p, &g);
	if (r == NULL)
		r = outroot_open(g.root, d);
	if (r == NULL) {
		bydir_free(p, &g);
		return false;
	}
	for (size_t i0 = 0; i0 < p->n; i0++) {
		struct manifest m = MANIFEST_NONE;
		int dfd;

		if (!g.first[i0])
			continue;
		dfd = outroot_exists(r)
		          ? out_dir(r, g.rel[i0], false, 0, NULL, NULL, d)
		          : -1;
		if (dfd == -2)
			ok = false;
		/* A directory that is not there holds nothing to clobber. */
		if (dfd < 0)
			continue;
		if (!manifest_read(dfd, g.root, g.rel[i0], r, &m, d)) {
			ok = false;
			continue;
		}
		for (size_t i = i0; i < p->n; i = g.next[i]) {
			const struct outfile *f = &p->files[i];
			char *shown;
			struct stat st;
			struct seen s = {S_NEW, 0, 0, NULL};
			enum out_kind k;

			if (f->dir)
				continue;
			shown = xstrdup(f->path);
			k = out_stat(dfd, g.base[i], shown, &st, d);
			if (k == OUT_BAD)
				ok = false;
			else if (k == OUT_REGULAR && !force) {
				if (!look(dfd, g.base[i], shown, &st, f, r, &m,
				          &s, d))
					ok = false;
				else if (s.state == S_FOREIGN) {
					foreign_error(shown, d);
					ok = false;
				}
			}
			free(shown);
		}
		buf_free(&m.text);
	}
	if (r != p->out)
		outroot_free(r);
	bydir_free(p, &g);
	return ok;
}

/* dry_file lists file i of a dry run as what write_group would do with
 * it, given what it found there (seen). */
static void
dry_file(const struct plan *p, size_t i, const struct seen *s)
{
	const struct outfile *f = &p->files[i];
	enum change kind = s->state == S_NEW       ? CHANGE_NEW
	                   : s->state != S_FOREIGN ? CHANGE_REPLACE
	                   : p->force              ? CHANGE_FORCE
	                                           : CHANGE_REFUSED;

	changes_add(p->dry, kind, f->path,
	            s->state != S_NEW && s->text != NULL ? s->text : NULL,
	            s->state != S_NEW ? s->mode : 0, buf_cstr(&f->data),
	            f->data.len, f->mode);
}

/* write_group stages the changed files of the directory of file i0; in
 * a dry run (p->dry) it lists them instead, and goes on past a file it
 * would refuse (false then, the refusal reported). */
static bool
write_group(const struct plan *p, const struct bydir *g, size_t i0,
            struct outroot *r, struct txn *t, struct seen *seen, int *written,
            int *unchanged, bool *io, struct diag *d)
{
	struct changes *dry = p->dry;
	struct manifest m = MANIFEST_NONE;
	struct buf out = BUF_INIT;
	bool fresh = false, ok = true, any = false, refused = false;
	bool manifest_changes = false;
	long listed = dry != NULL ? dry->n + dry->refused : 0;
	unsigned dmode = p->files[i0].dir ? p->files[i0].mode : 0755;
	/* A dry run makes no directory: one that is not there is one the
	 * real run would make, with nothing in it yet. */
	int dfd = out_dir(r, g->rel[i0], dry == NULL, dmode, t, &fresh, d);

	if (dfd == -1 && dry != NULL)
		fresh = true;
	else if (dfd < 0) {
		*io = dry == NULL;
		return false;
	}
	if (!fresh) {
		const char *names[64];
		size_t nnames = 0;

		/* What a killed run left here for these names (a dry run
		 * leaves it: it removes nothing). */
		for (size_t i = i0; i < p->n && nnames < 64; i = g->next[i])
			if (!p->files[i].dir)
				names[nnames++] = g->base[i];
		if (dry == NULL)
			out_sweep(dfd, names, nnames);
		ok = manifest_read(dfd, g->root, g->rel[i0], r, &m, d);
	}
	for (size_t i = i0; ok && i < p->n; i = g->next[i]) {
		const struct outfile *f = &p->files[i];
		struct stat st;
		enum out_kind k;

		seen[i].state = S_NEW;
		if (f->dir && dry != NULL && fresh)
			changes_add(dry, CHANGE_DIR, f->path, NULL, 0, NULL, 0,
			            f->mode);
		if (f->dir || fresh)
			continue;
		k = out_stat(dfd, g->base[i], f->path, &st, d);
		if (k == OUT_BAD)
			ok = false;
		else if (k == OUT_REGULAR) {
			ok = look(dfd, g->base[i], f->path, &st, f, r, &m,
			          &seen[i], d);
			if (p->content_only && seen[i].state == S_MEND)
				seen[i].state = S_SAME;
			if (ok && seen[i].state == S_FOREIGN && !p->force) {
				foreign_error(f->path, d);
				/* A dry run shows the others too. */
				if (dry != NULL)
					refused = true;
				else
					ok = false;
			}
		}
	}
	if (ok) {
		compose(p, g, i0, seen, &m, &out);
		for (size_t i = i0; i < p->n; i = g->next[i])
			any |= !p->files[i].dir ||
			       (p->recipe != NULL && g->rel[i0][0] == '\0');
	}
	/* 0600: the hashes of rc files that hold a password would let
	 * anyone who can read the directory test guesses. */
	if (ok && any &&
	    !(m.exists && (m.kept || p->content_only) &&
	      m.text.len == out.len &&
	      memcmp(m.text.data, out.data, out.len) == 0)) {
		if (dry != NULL)
			manifest_changes = true;
		else
			*io = !(ok = txn_stage(t, dfd, g->rel[i0],
			                       MANIFEST_NAME, out.data, out.len,
			                       0600, false, d));
	}
	for (size_t i = i0; ok && i < p->n; i = g->next[i]) {
		const struct outfile *f = &p->files[i];

		if (f->dir)
			continue;
		if (seen[i].state == S_SAME) {
			(*unchanged)++;
			continue;
		}
		if (dry != NULL) {
			dry_file(p, i, &seen[i]);
			*written += seen[i].state != S_FOREIGN || p->force;
			continue;
		}
		/* The staging may have moved the walker: reopen. */
		dfd = out_dir(r, g->rel[i0], false, 0, NULL, NULL, d);
		ok = dfd >= 0 &&
		     txn_stage(t, dfd, g->rel[i0], g->base[i],
		               buf_cstr(&f->data), f->data.len, f->mode,
		               p->backup && seen[i].state == S_FOREIGN, d);
		*written += ok;
		*io = !ok;
	}
	/* The manifest changes with the files it lists; alone, it is what
	 * the real run would write here, so it is listed. */
	if (manifest_changes && dry->n + dry->refused == listed) {
		char *shown = manifest_shown(g->root, g->rel[i0]);

		changes_add(dry, m.exists ? CHANGE_REPLACE : CHANGE_NEW, shown,
		            m.exists ? &m.text : NULL, m.exists ? m.mode : 0,
		            out.data, out.len, 0600);
		free(shown);
	}
	buf_free(&m.text);
	buf_free(&out);
	return ok && !refused;
}

bool
plan_write(struct plan *p, struct diag *d, int *written, int *unchanged)
{
	struct bydir g;
	struct outroot *r = p->out;
	struct txn *t = p->txn;
	struct seen *seen;
	bool ok = true, go;

	for (size_t i = 0; i < p->n; i++)
		if (p->files[i].unrendered)
			abort(); /* a plan only for plan_check */
	if (p->n == 0)
		return true;
	if (!no_twins(p, d))
		return false;
	bydir_build(p, &g);
	if (r == NULL && p->dry != NULL) {
		/* A dry run takes a shared lock when the root is there, so
		 * that it sees a writer's run whole, before its renames or
		 * after them; the lock is on the directory itself, so it
		 * creates nothing. A root that is not there holds nothing to
		 * see: nothing is locked. */
		r = outroot_open(g.root, d);
		ok = r != NULL && outroot_lock(r, false, d);
		p->io_error = !ok;
	} else if (r == NULL) {
		/* Made first, then locked: two runs that both find it missing
		 * must still meet at the lock. */
		r = outroot_open(g.root, d);
		ok = r != NULL && outroot_create(r, d) &&
		     outroot_lock(r, true, d);
		p->io_error = !ok;
	}
	if (ok && t == NULL && p->dry == NULL)
		t = txn_new(r, p->durable);
	seen = xcalloc(p->n + 1, sizeof(*seen));
	if (p->dry != NULL && p->dry->diffs)
		for (size_t i = 0; i < p->n; i++)
			seen[i].text = xcalloc(1, sizeof(*seen[i].text));
	/* A dry run goes through every directory, to list them all. */
	go = ok;
	for (size_t i = 0; go && i < p->n; i++)
		if (g.first[i] && !write_group(p, &g, i, r, t, seen, written,
		                               unchanged, &p->io_error, d)) {
			ok = false;
			go = p->dry != NULL;
		}
	for (size_t i = 0; i < p->n; i++)
		if (seen[i].text != NULL) {
			buf_free(seen[i].text);
			free(seen[i].text);
		}
	free(seen);
	if (t != p->txn) {
		if (ok && !(ok = txn_commit(t, d)))
			p->io_error = true;
		txn_free(t);
	}
	if (r != p->out)
		outroot_free(r);
	bydir_free(p, &g);
	return ok;
}

void
changes_add(struct changes *c, enum change kind, const char *path,
            const struct buf *old, unsigned old_mode, const char *data,
            size_t len, unsigned mode)
{
	const char *was = old != NULL ? buf_cstr(old) : "";
	size_t wasn = old != NULL ? old->len : 0;

	if (kind == CHANGE_REFUSED)
		c->refused++;
	else
		c->n++;
	if (c->check && kind != CHANGE_REFUSED)
		buf_printf(&c->list, "%s: %s\n", path,
		           kind == CHANGE_NEW || kind == CHANGE_DIR ? "missing"
		           : kind == CHANGE_REMOVE ? "would be removed"
		                                   : "would change");
	else if (kind == CHANGE_NEW)
		buf_printf(&c->list, "would write %s\n", path);
	else if (kind == CHANGE_REPLACE)
		buf_printf(&c->list, "would replace %s\n", path);
	else if (kind == CHANGE_FORCE && c->backup)
		buf_printf(
		    &c->list,
		    "would replace %s (with --force; the old one kept as "
		    "%s.mailconf-backup-TIME)\n",
		    path, path);
	else if (kind == CHANGE_FORCE)
		buf_printf(&c->list,
		           "would replace %s (with --force; the old one is not "
		           "kept)\n",
		           path);
	else if (kind == CHANGE_REMOVE)
		buf_printf(&c->list, "would remove %s\n", path);
	else if (kind == CHANGE_DIR)
		buf_printf(&c->list, "would create the directory %s\n", path);
	if (!c->diffs || kind == CHANGE_DIR)
		return;
	if (data == NULL) {
		data = "";
		len = 0;
	}
	/* A link removed has no text; a file larger than any rendering was
	 * not read. */
	if (old == NULL && kind == CHANGE_REMOVE)
		return;
	if (old == NULL && kind != CHANGE_NEW)
		buf_printf(&c->diff, "# %s: not shown (larger than %u MiB)\n",
		           path, OUT_READ_MAX >> 20);
	/* diff_unified reads C strings: a signed profile is DER. */
	else if (memchr(data, '\0', len) != NULL ||
	         memchr(was, '\0', wasn) != NULL) {
		if (wasn != len || memcmp(was, data, len) != 0)
			buf_printf(&c->diff, "Binary files %s and %s differ\n",
			           old != NULL ? path : "/dev/null",
			           kind == CHANGE_REMOVE ? "/dev/null" : path);
	} else
		diff_unified(&c->diff, old != NULL ? path : "/dev/null", was,
		             kind == CHANGE_REMOVE ? "/dev/null" : path, data);
	if (old_mode != 0 && kind != CHANGE_REMOVE && old_mode != mode)
		buf_printf(&c->diff, "# %s: mode %04o -> %04o\n", path,
		           old_mode, mode);
}

bool
changes_print(const struct changes *c, bool failed)
{
	FILE *lines = c->check ? stderr : stdout;
	bool ok =
	    fwrite(buf_cstr(&c->list), 1, c->list.len, lines) == c->list.len;

	if (!c->check && c->n == 0 && c->refused == 0 && !failed)
		ok &= fputs("nothing would change\n", stdout) != EOF;
	ok &= fwrite(buf_cstr(&c->diff), 1, c->diff.len, stdout) == c->diff.len;
	ok &= fflush(stdout) == 0;
	return ok;
}

void
changes_free(struct changes *c)
{
	buf_free(&c->list);
	buf_free(&c->diff);
}
