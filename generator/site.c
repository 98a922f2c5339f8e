/* SPDX-License-Identifier: MIT */
/* The web tree for many domains: streamed domain by domain, written only where
 * changed, with a manifest. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
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

/* A map from a 64-bit key to a 64-bit value, open addressing; key 0 is
 * free. Keys are hashes of domain names: 16 bytes a slot keeps memory
 * flat enough for 100,000 domains. */
struct map {
	unsigned long long *key, *val;
	size_t cap, n;
};

static bool linked(const struct site *s, const char *path);

static unsigned long long
key_of(const char *s)
{
	unsigned long long k = content_hash(s, strlen(s));

	return k != 0 ? k : 1;
}

/* file_key keys a FILE line: apart from domains, one of which may be
 * called like a file ("dns.zone"). */
static unsigned long long
file_key(const char *rel)
{
	unsigned long long k = content_hash("FILE ", 5);

	for (const char *c = rel; *c != '\0'; c++) {
		k ^= (unsigned char)*c;
		k *= 0x100000001b3ULL;
	}
	return k != 0 ? k : 1;
}

static void map_put(struct map *m, unsigned long long k, unsigned long long v);

static void
map_grow(struct map *m)
{
	struct map big = {NULL, NULL, m->cap == 0 ? 4096 : 2 * m->cap, 0};

	big.key = xcalloc(big.cap, sizeof(*big.key));
	big.val = xcalloc(big.cap, sizeof(*big.val));
	for (size_t i = 0; i < m->cap; i++)
		if (m->key[i] != 0)
			map_put(&big, m->key[i], m->val[i]);
	free(m->key);
	free(m->val);
	*m = big;
}

static void
map_put(struct map *m, unsigned long long k, unsigned long long v)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap)
		map_grow(m);
	for (i = k & (m->cap - 1); m->key[i] != 0 && m->key[i] != k;
	     i = (i + 1) & (m->cap - 1))
		;
	m->n += m->key[i] == 0;
	m->key[i] = k;
	m->val[i] = v;
}

static bool
map_get(const struct map *m, unsigned long long k, unsigned long long *v)
{
	if (m->cap == 0)
		return false;
	for (size_t i = k & (m->cap - 1); m->key[i] != 0;
	     i = (i + 1) & (m->cap - 1))
		if (m->key[i] == k) {
			*v = m->val[i];
			return true;
		}
	return false;
}

static void
map_free(struct map *m)
{
	free(m->key);
	free(m->val);
}

struct site {
	const struct site_opts *o;
	struct diag *d;
	struct site_stats *st;
	struct map old; /* domain -> content hash, from the manifest (0:
	                   unknown, from the journal); FILE keys -> 1 */
	struct map now; /* the same, this run */
	struct site_stream *manifest;
	struct buf scratch; /* a file read back for comparison */
	int lock;
	int journal; /* -1 until this run adds a line */
	bool failed;
};

struct site_stream {
	struct site *s;
	char *path, *tmp;
	int fd;
	unsigned long long hash; /* FNV-1a, continued over every write */
	size_t len;
	struct buf pending;
};

static void
syserr(struct site *s, const char *what, const char *path)
{
	diag_error(s->d, NULL, "site: cannot %s %s: %s", what, path,
	           strerror(errno));
	s->failed = true;
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
	if (hash != NULL)
		buf_printf(&line, "%s %s\n", name, hash);
	else
		buf_printf(&line, "FILE %s\n", name);
	ok = write(s->journal, line.data, line.len) == (ssize_t)line.len;
	if (!ok)
		syserr(s, "write", JOURNAL);
	buf_free(&line);
	return ok;
}

/* journal_file notes a file the manifest does not list yet. */
static void
journal_file(struct site *s, const char *rel)
{
	unsigned long long v;

	if (!map_get(&s->old, file_key(rel), &v))
		journal(s, rel, NULL);
}

struct site_stream *
site_stream_open(struct site *s, const char *rel)
{
	struct site_stream *t = xcalloc(1, sizeof(*t));

	t->s = s;
	t->path = xasprintf("%s/%s", s->o->out, rel);
	if (s->manifest != NULL) {
		struct buf line = BUF_INIT;

		journal_file(s, rel);
		map_put(&s->now, file_key(rel), 1);
		buf_printf(&line, "FILE %s\n", rel);
		site_stream_write(s->manifest, line.data, line.len);
		buf_free(&line);
	}
	t->tmp = tmp_name(t->path);
	t->hash = content_hash("", 0);
	t->fd = create(s, t->tmp);
	return t;
}

static void
stream_flush(struct site_stream *t)
{
	if (t->fd >= 0 && t->pending.len > 0 &&
	    write(t->fd, t->pending.data, t->pending.len) !=
	        (ssize_t)t->pending.len)
		syserr(t->s, "write", t->tmp);
	buf_reset(&t->pending);
}

void
site_stream_write(struct site_stream *t, const char *data, size_t len)
{
	/* FNV-1a continues byte by byte over the concatenation. */
	for (size_t i = 0; i < len; i++) {
		t->hash ^= (unsigned char)data[i];
		t->hash *= 0x100000001b3ULL;
	}
	t->len += len;
	buf_add(&t->pending, data, len);
	if (t->pending.len >= 65536)
		stream_flush(t);
}

/* file_hash hashes path's content, reading in chunks; false when it
 * cannot be read (then it is not the same). */
static bool
file_hash(const char *path, size_t *len, unsigned long long *hash)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return false;
	*hash = content_hash("", 0);
	*len = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			*hash ^= (unsigned char)chunk[i];
			*hash *= 0x100000001b3ULL;
		}
		*len += (size_t)n;
	}
	close(fd);
	return n == 0;
}

void
site_stream_close(struct site_stream *t)
{
	size_t len;
	unsigned long long hash;

	stream_flush(t);
	if (t->fd >= 0) {
		/* Unchanged: leave the old file and its mtime alone. */
		if (file_hash(t->path, &len, &hash) && len == t->len &&
		    hash == t->hash) {
			close(t->fd);
			unlink(t->tmp);
			t->s->st->unchanged++;
		} else
			commit(t->s, t->fd, t->tmp, t->path);
	}
	buf_free(&t->pending);
	free(t->path);
	free(t->tmp);
	free(t);
}

/* load_manifest reads the manifest, or the journal a killed run left. */
static void
load_manifest(struct site *s, const char *name)
{
	char *path = xasprintf("%s/%s", s->o->out, name);
	FILE *f = fopen(path, "r");
	char line[1024];

	free(path);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp = strchr(line, ' ');
		unsigned long long h;

		if (line[0] == '#' || sp == NULL)
			continue;
		if (strncmp(line, "FILE ", 5) == 0) {
			line[strcspn(line, "\n")] = '\0';
			map_put(&s->old, file_key(line + 5), 1);
			continue;
		}
		*sp = '\0';
		if (sscanf(sp + 1, "%16llx", &h) == 1)
			map_put(&s->old, key_of(line), h);
	}
	fclose(f);
}

struct site *
site_open(const struct site_opts *o, struct site_stats *st, struct diag *d)
{
	struct site *s = xcalloc(1, sizeof(*s));
	char *lock;

	s->o = o;
	s->d = d;
	s->st = st;
	s->journal = -1;
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
	load_manifest(s, MANIFEST);
	load_manifest(s, JOURNAL);
	s->manifest = site_stream_open(s, MANIFEST);
	{
		static const char head[] =
		    "# mailconf site: what it wrote here. The files of a "
		    "domain that leaves this list are removed.\n";

		site_stream_write(s->manifest, head, sizeof(head) - 1);
	}
	return s;
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

void
site_domain(struct site *s, const char *domain, const struct site_file *files,
            size_t nfiles)
{
	unsigned long long k = key_of(domain), h = content_hash("", 0), was = 0;
	struct buf line = BUF_INIT;
	bool had;

	if (map_get(&s->now, k, &was)) {
		diag_warn(s->d, NULL,
		          "site: %s is served by more than one spec; the "
		          "first one is written",
		          domain);
		return;
	}
	for (size_t i = 0; i < nfiles; i++) {
		h ^= content_hash(files[i].name, strlen(files[i].name));
		h = h * 0x100000001b3ULL ^
		    content_hash(files[i].data, files[i].len);
	}
	map_put(&s->now, k, h);
	had = map_get(&s->old, k, &was);
	/* The manifest vouches for what the last run wrote: an unchanged
	 * domain costs no system call (--verify reads its files anyway). */
	if (!s->o->verify && had && was == h)
		s->st->unchanged += (long)nfiles;
	else if (nfiles > 0 && planted(s, domain))
		; /* reported: nothing is written through the link */
	else if (nfiles == 0 || (had && was == 0) ||
	         journal(s, domain, "0000000000000000")) {
		for (size_t i = 0; i < nfiles; i++) {
			char *rel =
			    xasprintf("domains/%s/%s", domain, files[i].name);

			put(s, rel, files[i].data, files[i].len,
			    had && was == 0);
			free(rel);
		}
		/* A domain the last run did not write has nothing to drop. */
		if (had)
			drop_others(s, domain, files, nfiles);
	}
	buf_printf(&line, "%s %016llx\n", domain, h);
	site_stream_write(s->manifest, line.data, line.len);
	buf_free(&line);
	s->st->domains++;
	if (s->o->progress && s->st->domains % 1000 == 0)
		fprintf(stderr, "\rmailconf: site: %ld domains",
		        s->st->domains);
}

void
site_file(struct site *s, const char *rel, const char *data, size_t len)
{
	struct buf line = BUF_INIT;

	journal_file(s, rel);
	put(s, rel, data, len, true);
	map_put(&s->now, file_key(rel), 1);
	buf_printf(&line, "FILE %s\n", rel);
	site_stream_write(s->manifest, line.data, line.len);
	buf_free(&line);
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

/* remove_gone deletes what the last run wrote and this one did not: the
 * files of domains that left the specs, and other files it listed; then
 * their directories, when empty. Nothing else is ever touched. */
static void
remove_gone(struct site *s, const char *name)
{
	char *path = xasprintf("%s/%s", s->o->out, name);
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned long long h;

	free(path);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp = strchr(line, ' ');
		bool any = false;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || sp == NULL || strstr(line, "..") != NULL)
			continue;
		*sp = '\0';
		if (strcmp(line, "FILE") == 0) {
			/* A file no longer written (another layout). */
			char *p;

			if (sp[1] == '/' ||
			    map_get(&s->now, file_key(sp + 1), &h))
				continue;
			p = xasprintf("%s/%s", s->o->out, sp + 1);
			unlink_ours(s, p, &any);
			/* and the directories it leaves empty, up to the root
			 */
			for (char *slash = strrchr(p, '/');
			     slash != NULL && slash > p + strlen(s->o->out);
			     slash = strrchr(p, '/')) {
				*slash = '\0';
				if (rmdir(p) != 0)
					break;
			}
			free(p);
			continue;
		}
		if (strchr(line, '/') != NULL || line[0] == '.' ||
		    map_get(&s->now, key_of(line), &h))
			continue;
		for (size_t i = 0;
		     i < sizeof(domain_files) / sizeof(*domain_files); i++) {
			char *p = xasprintf("%s/domains/%s/%s", s->o->out, line,
			                    domain_files[i]);

			unlink_ours(s, p, &any);
			free(p);
		}
		prune_dirs(s, line);
		s->st->removed += any;
	}
	fclose(f);
}

bool
site_close(struct site *s)
{
	bool ok;

	if (s->o->progress && s->st->domains >= 1000)
		fputc('\n', stderr);
	if (!s->failed) {
		char *dir = xasprintf("%s/domains", s->o->out);

		remove_gone(s, MANIFEST);
		remove_gone(s, JOURNAL);
		rmdir(dir); /* when the last domain left, or the layout */
		free(dir);
	}
	/* Written last: a run killed before this leaves the old manifest,
	 * which still lists every domain whose files may exist. */
	if (!s->failed) {
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
		buf_free(&s->manifest->pending);
		free(s->manifest->path);
		free(s->manifest->tmp);
		free(s->manifest);
	}
	ok = !s->failed;
	if (s->journal >= 0)
		close(s->journal);
	map_free(&s->old);
	map_free(&s->now);
	buf_free(&s->scratch);
	close(s->lock);
	free(s);
	return ok;
}
