/* SPDX-License-Identifier: MIT */
/* Writing outputs safely: all-or-nothing planning, no clobbering, atomic
 * replace, a manifest. */
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
#include "output.h"
#include "xalloc.h"

unsigned long long
content_hash(const char *s, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

unsigned long long
manifest_hash(const char *s, size_t n)
{
	uint64_t a = 0x9e3779b97f4a7c15u ^ n, b = 0x6a09e667f3bcc909u;
	size_t i = 0;

	/* Sixteen bytes a step, in two independent lanes: a team's files are
	 * hashed as they are written, and a byte a step (FNV-1a) was a fifth
	 * of the run. */
	for (; i + 16 <= n; i += 16) {
		uint64_t w, x;

		memcpy(&w, s + i, 8);
		memcpy(&x, s + i + 8, 8);
		a = (a ^ w) * 0xbf58476d1ce4e5b9u;
		b = (b ^ x) * 0x94d049bb133111ebu;
		a ^= a >> 31;
		b ^= b >> 29;
	}
	if (i < n) {
		uint64_t w = 0, x = 0;

		memcpy(&w, s + i, n - i < 8 ? n - i : 8);
		if (n - i > 8)
			memcpy(&x, s + i + 8, n - i - 8);
		a = (a ^ w) * 0xbf58476d1ce4e5b9u;
		b = (b ^ x) * 0x94d049bb133111ebu;
	}
	/* splitmix64's finaliser over both, so that every input bit reaches
	 * every output bit. */
	a ^= b * 0xff51afd7ed558ccdu;
	a ^= a >> 30;
	a *= 0xbf58476d1ce4e5b9u;
	a ^= a >> 27;
	a *= 0x94d049bb133111ebu;
	a ^= a >> 31;
	return a;
}

void
plan_add(struct plan *p, const char *path, struct buf *data, unsigned mode)
{
	p->files = xreallocarray(p->files, p->n + 1, sizeof(*p->files));
	p->files[p->n].path = xstrdup(path);
	p->files[p->n].data = *data;
	p->files[p->n].mode = mode;
	p->files[p->n].theirs = false;
	p->files[p->n].unrendered = false;
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

static void
split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*dir = xstrdup(".");
		*base = path;
	} else {
		*dir = slash == path ? xstrdup("/")
		                     : xstrndup(path, (size_t)(slash - path));
		*base = slash + 1;
	}
}

/* read_all reads a regular file; false when it does not exist. A file
 * that exists but cannot be read is reported. */
static bool
read_all(const char *path, struct buf *b, bool *exists, struct diag *d)
{
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW);

	*exists = fd >= 0 || errno != ENOENT;
	if (fd < 0) {
		if (errno == ENOENT)
			return true;
		diag_error(d, NULL, "cannot read %s: %s", path,
		           strerror(errno));
		return false;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, (size_t)n);
	if (n < 0) {
		diag_error(d, NULL, "cannot read %s: %s", path,
		           strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* manifest_has says whether dir's manifest records hash for name. */
static bool
manifest_has(const char *dir, const char *name, unsigned long long hash)
{
	char *path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	FILE *f = fopen(path, "r");
	char line[4096];
	bool found = false;

	free(path);
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		unsigned long long h;
		int off = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, MANIFEST_TAG "%16llx %n", &h, &off) == 1 &&
		    off > 0 && strcmp(line + off, name) == 0 && h == hash)
			found = true;
	}
	fclose(f);
	return found;
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

/* through_link says whether dir, a directory mailconf writes into, is a
 * symbolic link it did not name: a link planted in the output would lead
 * the write elsewhere. The directory the user named may be a link. */
static bool
through_link(const struct plan *p, const char *dir)
{
	struct stat st;

	if (p->root != NULL && strcmp(dir, p->root) == 0)
		return false;
	return lstat(dir, &st) == 0 && S_ISLNK(st.st_mode);
}

bool
plan_check(const struct plan *p, bool force, struct diag *d)
{
	bool ok = no_twins(p, d);
	char *last = NULL;
	bool absent = false, link = false;

	for (size_t i = 0; i < p->n; i++) {
		const struct outfile *f = &p->files[i];
		struct buf old = BUF_INIT;
		const char *base;
		char *dir;
		bool exists;

		split_path(f->path, &dir, &base);
		/* A plan's files come directory by directory; a directory
		 * that is not there holds nothing to clobber. */
		if (last == NULL || strcmp(last, dir) != 0) {
			struct stat st;

			free(last);
			last = xstrdup(dir);
			absent = lstat(dir, &st) != 0 && errno == ENOENT;
			link = !absent && through_link(p, dir);
		}
		if (absent) {
			free(dir);
			continue;
		}
		if (!read_all(f->path, &old, &exists, d)) {
			free(dir);
			ok = false;
			continue;
		}
		if (link) {
			diag_error(d, NULL,
			           "%s is a symbolic link; mailconf does not "
			           "write through links it did not name",
			           dir);
			ok = false;
		}
		if (exists && !force &&
		    !(!f->unrendered && old.len == f->data.len &&
		      memcmp(buf_cstr(&old), buf_cstr(&f->data), old.len) ==
		          0) &&
		    !manifest_has(dir, base,
		                  manifest_hash(buf_cstr(&old), old.len))) {
			diag_error(d, NULL,
			           "%s exists and was not written by mailconf, "
			           "or was edited since; not replacing it "
			           "(use --force to replace it)",
			           f->path);
			ok = false;
		}
		free(dir);
		buf_free(&old);
	}
	free(last);
	return ok;
}

static bool mkdirs_mode(const char *dir, unsigned mode, struct diag *d);

static bool
mkdirs(const char *dir, struct diag *d)
{
	return mkdirs_mode(dir, 0755, d);
}

bool
output_mkdirs(const char *dir, unsigned mode, struct diag *d)
{
	return mkdirs_mode(dir, mode, d);
}

static bool
mkdirs_mode(const char *dir, unsigned mode, struct diag *d)
{
	char *p = xstrdup(dir);
	bool ok = true;

	for (char *s = p + 1; ok; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			diag_error(d, NULL, "cannot create directory %s: %s", p,
			           strerror(errno));
			ok = false;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return ok;
}

/* umask_now is the process's umask, read once: a file is created with
 * its mode, and needs a chmod only when the umask takes bits from it. */
static unsigned
umask_now(void)
{
	static int mask = -1;

	if (mask < 0) {
		mask = (int)umask(0);
		umask((mode_t)mask);
	}
	return (unsigned)mask;
}

/* open_temp creates tmp, whose name ends in six X, replaced with letters
 * and digits until the name is new, like mkstemp, but with mode (before
 * the umask) rather than 0600 and a chmod after. */
static int
open_temp(char *tmp, unsigned mode)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz"
	                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned long long next;
	char *x = tmp + strlen(tmp) - 6;

	if (next == 0)
		next = (unsigned long long)getpid() * 0x9e3779b97f4a7c15u ^
		       (unsigned long long)time(NULL);
	for (int tries = 0; tries < 1000; tries++) {
		unsigned long long v = next++ * 0xbf58476d1ce4e5b9u;
		int fd;

		for (int i = 0; i < 6; i++, v /= 62)
			x[i] = digits[v % 62];
		fd = open(tmp,
		          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		          (mode_t)(mode & 07777));
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* fill writes data to fd, a new file at tmp, with its mode, flushed to
 * disk when durable, and closes it; false (reported) on a failure, with
 * tmp removed. */
static bool
fill(int fd, const char *tmp, const char *data, size_t len, unsigned mode,
     bool durable, struct diag *d)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if (((mode & umask_now()) != 0 && fchmod(fd, mode) != 0) ||
	    (durable && fsync(fd) != 0))
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return true;
fail:
	diag_error(d, NULL, "cannot write %s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return false;
}

/* write_atomic replaces path with data so that a reader sees the old
 * file or the new one, never a part: a temporary file in the same
 * directory, then renamed over it. */
static bool
write_atomic(const char *path, const char *data, size_t len, unsigned mode,
             bool durable, struct diag *d)
{
	const char *base;
	char *dir, *tmp;
	int fd;
	bool ok = false;

	split_path(path, &dir, &base);
	tmp = xasprintf("%s/.%s.mailconf-XXXXXX", dir, base);
	fd = open_temp(tmp, mode);
	if (fd < 0)
		diag_error(d, NULL, "cannot create a file in %s: %s", dir,
		           strerror(errno));
	else if (fill(fd, tmp, data, len, mode, durable, d)) {
		ok = rename(tmp, path) == 0;
		if (!ok) {
			diag_error(d, NULL, "cannot replace %s: %s", path,
			           strerror(errno));
			unlink(tmp);
		}
	}
	free(tmp);
	free(dir);
	return ok;
}

/* The plan's files by directory, found in one pass (a plan for 10,000
 * people has 40,000 files): dir[i] and base[i] split once, next[i] the
 * next file in the same directory (p->n: none), first[i] whether i is
 * the first file of its directory. */
struct bydir {
	char **dir;
	const char **base;
	size_t *next;
	bool *first;
};

static void
bydir_build(const struct plan *p, struct bydir *g)
{
	size_t cap = 16, *last;
	unsigned long long *key;

	while (cap < 2 * p->n)
		cap *= 2;
	key = xcalloc(cap, sizeof(*key));
	last = xcalloc(cap, sizeof(*last));
	g->dir = xcalloc(p->n + 1, sizeof(*g->dir));
	g->base = xcalloc(p->n + 1, sizeof(*g->base));
	g->next = xcalloc(p->n + 1, sizeof(*g->next));
	g->first = xcalloc(p->n + 1, sizeof(*g->first));
	for (size_t i = 0; i < p->n; i++) {
		unsigned long long h;
		size_t k;

		split_path(p->files[i].path, &g->dir[i], &g->base[i]);
		h = content_hash(g->dir[i], strlen(g->dir[i]));
		h += h == 0;
		for (k = h & (cap - 1); key[k] != 0; k = (k + 1) & (cap - 1))
			if (key[k] == h &&
			    strcmp(g->dir[last[k]], g->dir[i]) == 0)
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
		free(g->dir[i]);
	free(g->dir);
	free(g->base);
	free(g->next);
	free(g->first);
}

/* update_manifest records the files of the plan that live in the
 * directory of file i0 (the first there). With
 * keep, the hashes recorded before stay too: written before the files
 * are replaced, the manifest then vouches for the old content and the new,
 * so an interrupted run leaves every file recognisably mailconf's. */
/* compose_manifest writes to out the manifest of the directory of file
 * i0 (the first there): what old (the one there, or empty) recorded for
 * other files, and with keep for these too, then these files' hashes. */
static void
compose_manifest(const struct plan *p, const struct bydir *g, size_t i0,
                 const struct buf *old, bool keep, struct buf *out)
{
	size_t pos = 0;

	buf_puts(out, "# mailconf: files written here and a hash of their "
	              "content; mailconf only replaces these\n");
	/* Keep what earlier runs recorded for files this run did not touch. */
	while (pos < old->len) {
		const char *line = old->data + pos;
		const char *nl = memchr(line, '\n', old->len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : old->len - pos;
		const char *sp = memchr(line, ' ', n);
		bool mine = false;

		pos += n + 1;
		if (line[0] == '#' || sp == NULL)
			continue;
		for (size_t i = i0; i < p->n; i = g->next[i]) {
			const char *base = g->base[i];

			mine |= strlen(base) == (size_t)(line + n - sp - 1) &&
			        memcmp(base, sp + 1, strlen(base)) == 0;
		}
		if (!mine || keep) {
			buf_add(out, line, n);
			buf_putc(out, '\n');
		}
	}
	for (size_t i = i0; i < p->n; i = g->next[i]) {
		const struct outfile *f = &p->files[i];
		unsigned long long h =
		    manifest_hash(buf_cstr(&f->data), f->data.len);
		char hex[17];

		for (int k = 0; k < 16; k++)
			hex[k] = "0123456789abcdef"[(h >> (60 - 4 * k)) & 15];
		hex[16] = '\0';
		buf_puts(out, MANIFEST_TAG);
		buf_puts(out, hex);
		buf_putc(out, ' ');
		buf_puts(out, g->base[i]);
		buf_putc(out, '\n');
	}
}

static bool
update_manifest(const struct plan *p, const struct bydir *g, size_t i0,
                bool keep, bool fresh, struct diag *d)
{
	const char *dir = g->dir[i0];
	char *path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	struct buf old = BUF_INIT, out = BUF_INIT;
	bool exists = false, ok = true;

	if (!fresh)
		ok = read_all(path, &old, &exists, d);
	if (ok)
		compose_manifest(p, g, i0, &old, keep, &out);
	/* 0600: the hashes of rc files that hold a password would let
	 * anyone who can read the directory test guesses. */
	if (ok && !(exists && old.len == out.len &&
	            memcmp(old.data, out.data, out.len) == 0))
		ok = write_atomic(path, out.data, out.len, 0600, p->durable, d);
	else if (ok && exists && chmod(path, 0600) != 0) {
		diag_error(d, NULL, "cannot chmod %s: %s", path,
		           strerror(errno));
		ok = false;
	}
	buf_free(&old);
	buf_free(&out);
	free(path);
	return ok;
}

/* foreign says whether an existing file at f's path is the user's: not
 * what mailconf would write now, nor what it recorded writing. */
static bool
foreign(const struct outfile *f, struct diag *d)
{
	struct buf old = BUF_INIT;
	const char *base;
	char *dir;
	bool exists, mine;

	if (!read_all(f->path, &old, &exists, d) || !exists) {
		buf_free(&old);
		return false;
	}
	split_path(f->path, &dir, &base);
	mine = (old.len == f->data.len &&
	        memcmp(buf_cstr(&old), buf_cstr(&f->data), old.len) == 0) ||
	       manifest_has(dir, base, manifest_hash(buf_cstr(&old), old.len));
	free(dir);
	buf_free(&old);
	return !mine;
}

/* backup keeps the user's file under a new name, by a hard link, so that
 * the rename that replaces it loses nothing even if mailconf dies. */
static bool
backup(const char *path, struct diag *d)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 0; n < 100; n++) {
		char *name =
		    n == 0
		        ? xasprintf("%s.mailconf-backup-%s", path, stamp)
		        : xasprintf("%s.mailconf-backup-%s-%d", path, stamp, n);

		if (link(path, name) == 0) {
			diag_note(d, NULL, "kept the replaced %s as %s", path,
			          name);
			free(name);
			return true;
		}
		free(name);
		if (errno != EEXIST)
			break;
	}
	diag_error(d, NULL, "cannot keep a backup of %s: %s", path,
	           strerror(errno));
	return false;
}

/* stale says whether name is a temporary file an interrupted run left
 * for base: ".BASE.mailconf-XXXXXX", as write_atomic names them. */
static bool
stale(const char *name, const char *base)
{
	size_t n = strlen(base);

	return name[0] == '.' && strncmp(name + 1, base, n) == 0 &&
	       strncmp(name + 1 + n, ".mailconf-", 10) == 0 &&
	       strlen(name + 1 + n + 10) == 6;
}

/* sweep removes what killed runs left in the directory of file i0 (the
 * first there): their temporary files for the plan's files there, and
 * nothing else. */
static void
sweep(const struct plan *p, const struct bydir *g, size_t i0)
{
	DIR *dp = opendir(g->dir[i0]);
	struct dirent *de;

	while (dp != NULL && (de = readdir(dp)) != NULL) {
		bool ours = stale(de->d_name, MANIFEST_NAME);

		for (size_t i = i0; i < p->n && !ours; i = g->next[i])
			ours = stale(de->d_name, g->base[i]);
		if (ours) {
			char *path = xasprintf("%s/%s", g->dir[i0], de->d_name);

			unlink(path);
			free(path);
		}
	}
	if (dp != NULL)
		closedir(dp);
}

/* make_dir creates dir and its missing parents; *fresh says whether dir
 * itself is new, hence empty: nothing there to compare, sweep or keep. */
static bool
make_dir(const char *dir, bool *fresh, struct diag *d)
{
	*fresh = mkdir(dir, 0755) == 0;
	if (*fresh || errno == EEXIST)
		return true;
	if (errno != ENOENT) {
		diag_error(d, NULL, "cannot create directory %s: %s", dir,
		           strerror(errno));
		return false;
	}
	{
		char *parent = xstrdup(dir);
		char *slash = strrchr(parent, '/');
		bool ok = true;

		if (slash != NULL && slash != parent) {
			*slash = '\0';
			ok = mkdirs(parent, d);
		}
		free(parent);
		if (!ok)
			return false;
	}
	*fresh = mkdir(dir, 0755) == 0;
	if (!*fresh && errno != EEXIST) {
		diag_error(d, NULL, "cannot create directory %s: %s", dir,
		           strerror(errno));
		return false;
	}
	return true;
}

/* write_dir writes the plan's files in the directory of file i0. The
 * manifest is written first, vouching for the old content and the new,
 * so that a run killed half-way leaves every file recognisably
 * mailconf's; then the files; then the manifest without the old. */
static bool
write_dir(const struct plan *p, const struct bydir *g, size_t i0, int *written,
          int *unchanged, struct diag *d)
{
	bool fresh, ok;

	if (!make_dir(g->dir[i0], &fresh, d))
		return false;
	if (fresh) {
		ok = update_manifest(p, g, i0, false, true, d);
		for (size_t i = i0; ok && i < p->n; i = g->next[i]) {
			const struct outfile *f = &p->files[i];

			ok = write_atomic(f->path, buf_cstr(&f->data),
			                  f->data.len, f->mode, p->durable, d);
			*written += ok;
		}
		return ok;
	}
	sweep(p, g, i0);
	ok = update_manifest(p, g, i0, true, false, d);
	for (size_t i = i0; ok && i < p->n; i = g->next[i]) {
		const struct outfile *f = &p->files[i];
		struct buf old = BUF_INIT;
		bool exists;

		ok = read_all(f->path, &old, &exists, d);
		if (ok && exists && old.len == f->data.len &&
		    memcmp(buf_cstr(&old), buf_cstr(&f->data), old.len) == 0) {
			/* Same bytes: keep the file and its mtime, so caches
			 * and ETags stay valid; only mend the mode. */
			if (chmod(f->path, f->mode) != 0) {
				diag_error(d, NULL, "cannot chmod %s: %s",
				           f->path, strerror(errno));
				ok = false;
			}
			(*unchanged)++;
		} else if (ok) {
			/* Whose the file is was decided before the manifest
			 * learnt the new content. */
			ok = (!p->files[i].theirs || backup(f->path, d)) &&
			     write_atomic(f->path, buf_cstr(&f->data),
			                  f->data.len, f->mode, p->durable, d);
			*written += ok;
		}
		buf_free(&old);
	}
	return ok && update_manifest(p, g, i0, false, false, d);
}

bool
plan_write(struct plan *p, struct diag *d, int *written, int *unchanged)
{
	struct bydir g;
	bool ok = true;

	for (size_t i = 0; i < p->n; i++)
		if (p->files[i].unrendered)
			abort(); /* a plan only for plan_check */
	for (size_t i = 0; p->backup && i < p->n; i++)
		p->files[i].theirs = foreign(&p->files[i], d);
	bydir_build(p, &g);
	for (size_t i = 0; ok && i < p->n; i++)
		if (g.first[i])
			ok = write_dir(p, &g, i, written, unchanged, d);
	bydir_free(p, &g);
	return ok;
}

/* staged_name puts in b where plan_stage puts dir/name: the temporary
 * name write_atomic would use, with tag for the six random characters, so
 * that a run killed while staging leaves only what sweep removes. */
static const char *
staged_name(struct buf *b, const char *dir, const char *name, const char *tag)
{
	buf_reset(b);
	buf_puts(b, dir);
	buf_puts(b, "/.");
	buf_puts(b, name);
	buf_puts(b, ".mailconf-");
	buf_puts(b, tag);
	return buf_cstr(b);
}

static const char *
final_name(struct buf *b, const char *dir, const char *name)
{
	buf_reset(b);
	buf_puts(b, dir);
	buf_putc(b, '/');
	buf_puts(b, name);
	return buf_cstr(b);
}

static bool
stage_one(const char *dir, const char *name, const char *tag,
          const struct buf *data, unsigned mode, bool durable, struct diag *d)
{
	struct buf b = BUF_INIT;
	const char *tmp = staged_name(&b, dir, name, tag);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	              (mode_t)(mode & 07777));
	bool ok = fd >= 0;

	if (!ok)
		diag_error(d, NULL, "cannot create %s: %s", tmp,
		           strerror(errno));
	else
		ok = fill(fd, tmp, buf_cstr(data), data->len, mode, durable, d);
	buf_free(&b);
	return ok;
}

bool
plan_stage(const struct plan *p, const char *tag, struct diag *d)
{
	struct bydir g;
	struct buf none = BUF_INIT, manifest = BUF_INIT;
	bool ok = true;

	if (p->n == 0)
		return true;
	bydir_build(p, &g);
	for (size_t i = 1; i < p->n; i++)
		if (g.first[i])
			abort(); /* a plan for one directory only */
	compose_manifest(p, &g, 0, &none, false, &manifest);
	ok = stage_one(g.dir[0], MANIFEST_NAME, tag, &manifest, 0600,
	               p->durable, d);
	for (size_t i = 0; ok && i < p->n; i = g.next[i])
		ok = stage_one(g.dir[0], g.base[i], tag, &p->files[i].data,
		               p->files[i].mode, p->durable, d);
	buf_free(&manifest);
	bydir_free(p, &g);
	return ok;
}

int
stage_commit(const char *dir, const char *const *names, const char *tag,
             int *written, struct diag *d)
{
	struct buf tmp = BUF_INIT, path = BUF_INIT;
	int rc = rename(staged_name(&tmp, dir, MANIFEST_NAME, tag),
	                final_name(&path, dir, MANIFEST_NAME)) == 0
	             ? 1
	         : errno == ENOENT ? 0
	                           : -1;

	if (rc < 0)
		diag_error(d, NULL, "cannot replace %s: %s", buf_cstr(&path),
		           strerror(errno));
	/* The manifest, renamed first, vouches for the files that follow. */
	for (size_t i = 0; rc > 0 && names[i] != NULL; i++) {
		if (rename(staged_name(&tmp, dir, names[i], tag),
		           final_name(&path, dir, names[i])) == 0)
			(*written)++;
		else if (errno != ENOENT) {
			diag_error(d, NULL, "cannot replace %s: %s",
			           buf_cstr(&path), strerror(errno));
			rc = -1;
		}
	}
	buf_free(&tmp);
	buf_free(&path);
	return rc;
}

void
stage_drop(const char *dir, const char *const *names, const char *tag)
{
	struct buf tmp = BUF_INIT;

	/* Nothing staged here: the directory was there before the run. */
	if (unlink(staged_name(&tmp, dir, MANIFEST_NAME, tag)) == 0) {
		for (size_t i = 0; names[i] != NULL; i++)
			unlink(staged_name(&tmp, dir, names[i], tag));
		rmdir(dir);
	}
	buf_free(&tmp);
}

void
plan_diff(const struct plan *p, struct buf *out, struct diag *d)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct outfile *f = &p->files[i];
		struct buf old = BUF_INIT;
		struct stat st;
		bool exists;

		if (!read_all(f->path, &old, &exists, d))
			continue;
		diff_unified(out, exists ? f->path : "/dev/null",
		             buf_cstr(&old), f->path, buf_cstr(&f->data));
		if (exists && stat(f->path, &st) == 0 &&
		    (st.st_mode & 07777) != f->mode)
			buf_printf(out, "# %s: mode %04o -> %04o\n", f->path,
			           (unsigned)(st.st_mode & 07777), f->mode);
		buf_free(&old);
	}
}
