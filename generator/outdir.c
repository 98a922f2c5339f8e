/* SPDX-License-Identifier: MIT */
/* The one way mailconf touches an output tree: directory descriptors from the
 * root down, files checked before read, staged writes renamed all at once. */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "outdir.h"
#include "xalloc.h"

/* Deeper than any tree mailconf writes (a site's .well-known path is 6). */
#define MAX_DEPTH 32
/* A staged file's name: ".NAME" TEMP_MARK and TEMP_RAND random letters. */
#define TEMP_MARK ".mailconf-"
#define TEMP_RAND 12
/* The list of staged files spills to disk past this. */
#define LOG_SPILL (64u << 10)

struct outroot {
	char *path;
	int fd; /* -1: not there */
	bool owned;
	uid_t uid;
	gid_t gid;
	/* The walker: descriptors of the components of cur, so that files
	 * in one directory, or in neighbours, cost no walk each. */
	struct buf cur;
	int chain[MAX_DEPTH];
	size_t ends[MAX_DEPTH]; /* component i is cur[ends[i-1]+1..ends[i]) */
	bool fresh[MAX_DEPTH];  /* component i was made by this process */
	size_t depth;
	struct buf made; /* the directories outroot_create made, in order */
};

/* A file being staged: its record waits for stage_end. */
struct staged {
	struct buf rec;
	int fd;
};

struct txn {
	struct outroot *r;
	bool durable;
	bool done;
	uint64_t seed, count;
	long staged;
	struct buf log; /* records: see log_add */
	FILE *spill;
	struct staged one; /* txn_stage's, reused */
};

/* --- signals ------------------------------------------------------------ */

static volatile sig_atomic_t caught;
static volatile sig_atomic_t open_txns;

static void
on_signal(int sig)
{
	caught = sig;
	/* With nothing staged there is nothing to clean up: go at once. */
	if (open_txns == 0) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

void
out_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

int
out_interrupted(void)
{
	return caught;
}

void
out_exit_if_signalled(void)
{
	int sig = caught;

	if (sig != 0) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

static void
block_signals(bool block, sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	if (block)
		sigprocmask(SIG_BLOCK, &s, old);
	else
		sigprocmask(SIG_SETMASK, old, NULL);
}

/* --- the root ------------------------------------------------------------- */

static void
set_owner(struct outroot *r)
{
	struct stat st;

	r->owned = false;
	if (r->fd >= 0 && geteuid() == 0 && fstat(r->fd, &st) == 0 &&
	    st.st_uid != 0) {
		r->owned = true;
		r->uid = st.st_uid;
		r->gid = st.st_gid;
	}
}

static int
open_root(const char *path)
{
	/* The root is the user's word: a link there is followed. */
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

struct outroot *
outroot_open(const char *path, struct diag *d)
{
	struct outroot *r = xcalloc(1, sizeof(*r));

	r->path = xstrdup(path);
	r->fd = open_root(path);
	if (r->fd < 0 && errno != ENOENT) {
		diag_error(d, NULL, "cannot open the directory %s: %s", path,
		           errno == ENOTDIR ? "not a directory"
		                            : strerror(errno));
		outroot_free(r);
		return NULL;
	}
	set_owner(r);
	return r;
}

bool
outroot_exists(const struct outroot *r)
{
	return r->fd >= 0;
}

const char *
outroot_path(const struct outroot *r)
{
	return r->path;
}

bool
outroot_owner(const struct outroot *r, uid_t *uid, gid_t *gid)
{
	if (!r->owned)
		return false;
	*uid = r->uid;
	*gid = r->gid;
	return true;
}

bool
outroot_create(struct outroot *r, struct diag *d)
{
	char *p;
	bool ok = true;

	if (r->fd >= 0)
		return true;
	/* The path the user named is theirs, links and all; below the
	 * root nothing is reached by path. */
	p = xstrdup(r->path);
	for (char *s = p + 1; ok; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == 0)
			buf_add(&r->made, p, strlen(p) + 1);
		else if (errno != EEXIST) {
			diag_error(d, NULL,
			           "cannot create the directory %s: %s", p,
			           strerror(errno));
			ok = false;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	if (!ok)
		return false;
	r->fd = open_root(r->path);
	if (r->fd < 0) {
		diag_error(d, NULL, "cannot open the directory %s: %s", r->path,
		           strerror(errno));
		return false;
	}
	set_owner(r);
	return true;
}

/* holder finds in /proc/locks the process holding a flock on the root. */
static long
holder(const struct outroot *r)
{
	struct stat st;
	FILE *f;
	char line[256];
	long pid = 0;

	if (fstat(r->fd, &st) != 0 || (f = fopen("/proc/locks", "r")) == NULL)
		return 0;
	while (pid == 0 && fgets(line, sizeof(line), f) != NULL) {
		unsigned maj, min;
		unsigned long ino;
		long p;

		if (sscanf(line, "%*d: FLOCK %*s %*s %ld %x:%x:%lu", &p, &maj,
		           &min, &ino) == 4 &&
		    ino == (unsigned long)st.st_ino && p != (long)getpid())
			pid = p;
	}
	fclose(f);
	return pid;
}

static long
lock_wait(void)
{
	const char *s = getenv("MAILCONF_LOCK_WAIT");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return OUT_LOCK_WAIT;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 0 && v <= 3600 ? v : OUT_LOCK_WAIT;
}

bool
outroot_lock(struct outroot *r, bool exclusive, struct diag *d)
{
	long tenths = lock_wait() * 10, pid;
	int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;

	if (r->fd < 0)
		return true; /* nothing there to guard yet */
	for (long i = 0;; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		if (flock(r->fd, op) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			diag_error(d, NULL, "cannot lock %s: %s", r->path,
			           strerror(errno));
			return false;
		}
		if (i >= tenths || caught != 0)
			break;
		nanosleep(&ts, NULL);
	}
	pid = holder(r);
	if (pid > 0)
		diag_error(d, NULL,
		           "another mailconf run (pid %ld) is writing %s; "
		           "waited %ld s",
		           pid, r->path, tenths / 10);
	else
		diag_error(d, NULL,
		           "another mailconf run is writing %s; waited %ld s",
		           r->path, tenths / 10);
	return false;
}

static void
chain_cut(struct outroot *r, size_t keep)
{
	while (r->depth > keep)
		close(r->chain[--r->depth]);
	r->cur.len = keep > 0 ? r->ends[keep - 1] : 0;
	if (r->cur.data != NULL)
		r->cur.data[r->cur.len] = '\0';
}

/* unmake removes the directories outroot_create made, when empty. */
static void
unmake(struct outroot *r)
{
	for (size_t end = r->made.len; end > 0;) {
		size_t start = end - 1;

		while (start > 0 && r->made.data[start - 1] != '\0')
			start--;
		if (rmdir(r->made.data + start) != 0)
			break;
		end = start;
	}
	buf_reset(&r->made);
}

void
outroot_free(struct outroot *r)
{
	if (r == NULL)
		return;
	chain_cut(r, 0);
	buf_free(&r->made);
	if (r->fd >= 0)
		close(r->fd);
	buf_free(&r->cur);
	free(r->path);
	free(r);
}

/* --- walking ------------------------------------------------------------- */

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

static void log_add(struct txn *t, char type, char flag, const char *rel,
                    size_t reln, const char *name, const char *rand);

/* shown_path is "ROOT/REL/NAME" for messages (owned). */
static char *
shown_path(const struct outroot *r, const char *rel, size_t reln,
           const char *name)
{
	return xasprintf("%s%s%.*s%s%s", r->path, reln > 0 ? "/" : "",
	                 (int)reln, rel, *name != '\0' ? "/" : "", name);
}

/* not_dir reports why component name of dfd could not be opened. */
static void
not_dir(const struct outroot *r, int dfd, const char *rel, size_t reln,
        const char *name, int err, struct diag *d)
{
	struct stat st;
	char *p = shown_path(r, rel, reln, name);

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		diag_error(d, NULL,
		           "%s is a symbolic link; mailconf does not write "
		           "through links below %s",
		           p, r->path);
	else if (err == ENOTDIR || err == ELOOP)
		diag_error(d, NULL, "%s is not a directory", p);
	else
		diag_error(d, NULL, "cannot open the directory %s: %s", p,
		           strerror(err));
	free(p);
}

int
out_dir(struct outroot *r, const char *rel, bool create, unsigned mode,
        struct txn *t, bool *fresh, struct diag *d)
{
	const char *comp[MAX_DEPTH];
	size_t len[MAX_DEPTH], n = 0, keep = 0;
	bool made = false;

	if (fresh != NULL)
		*fresh = false;
	if (r->fd < 0 && (!create || !outroot_create(r, d)))
		return create ? -2 : -1;
	/* The directory of the last call again: most are. */
	if (*rel == '\0' && r->depth == 0)
		return r->fd;
	if (r->depth > 0 && strcmp(rel, r->cur.data) == 0)
		return r->chain[r->depth - 1];
	for (const char *s = rel; *s != '\0';) {
		size_t k = strcspn(s, "/");

		if (k > 0) {
			if (n == MAX_DEPTH || (k == 1 && s[0] == '.') ||
			    (k == 2 && s[0] == '.' && s[1] == '.')) {
				diag_error(
				    d, NULL,
				    "internal error: %s/%s is not a path "
				    "mailconf writes",
				    r->path, rel);
				return -2;
			}
			comp[n] = s;
			len[n++] = k;
		}
		s += k + (s[k] == '/');
	}
	/* Keep the directories this path shares with the last one. */
	while (keep < n && keep < r->depth) {
		size_t from = keep > 0 ? r->ends[keep - 1] + 1 : 0;

		if (r->ends[keep] - from != len[keep] ||
		    memcmp(r->cur.data + from, comp[keep], len[keep]) != 0)
			break;
		keep++;
	}
	chain_cut(r, keep);
	for (size_t i = keep; i < n; i++) {
		int parent = i > 0 ? r->chain[i - 1] : r->fd, fd;
		bool mk;
		char name[NAME_MAX + 1];
		const char *base = rel;
		size_t reln = (size_t)(comp[i] - rel);

		while (reln > 0 && base[reln - 1] == '/')
			reln--;
		if (len[i] > NAME_MAX) {
			char *p = shown_path(r, rel, reln, "");

			diag_error(
			    d, NULL, "cannot open the directory %s/%.*s: %s", p,
			    (int)len[i], comp[i], strerror(ENAMETOOLONG));
			free(p);
			return -2;
		}
		memcpy(name, comp[i], len[i]);
		name[len[i]] = '\0';
		/* In a directory this process made, nothing is there yet:
		 * it is made without looking first (a team's thousands). */
		if (create && (i > 0 ? r->fresh[i - 1] : r->made.len > 0)) {
			fd = -1;
			errno = ENOENT;
		} else
			fd = openat(parent, name,
			            O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			                O_CLOEXEC);
		mk = false;
		if (fd < 0 && errno == ENOENT && !create) {
			return -1;
		}
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(parent, name, (mode_t)mode) == 0) {
				made = mk = true;
				if (t != NULL)
					log_add(t, 'D', '-', rel, reln, name,
					        "");
			} else if (errno != EEXIST) {
				char *p = shown_path(r, rel, reln, name);

				diag_error(d, NULL,
				           "cannot create the directory %s: %s",
				           p, strerror(errno));
				free(p);
				return -2;
			}
			fd = openat(parent, name,
			            O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			                O_CLOEXEC);
			if (fd >= 0 && mk &&
			    ((r->owned && fchown(fd, r->uid, r->gid) != 0) ||
			     ((mode & umask_now()) != 0 &&
			      fchmod(fd, (mode_t)mode) != 0))) {
				char *p = shown_path(r, rel, reln, name);

				diag_error(d, NULL,
				           "cannot set the owner of %s: %s", p,
				           strerror(errno));
				free(p);
				close(fd);
				return -2;
			}
		}
		if (fd < 0) {
			not_dir(r, parent, rel, reln, name, errno, d);
			return -2;
		}
		if (r->depth > 0 || i > 0)
			buf_putc(&r->cur, '/');
		buf_add(&r->cur, comp[i], len[i]);
		r->ends[r->depth] = r->cur.len;
		r->fresh[r->depth] = mk;
		r->chain[r->depth++] = fd;
		if (fresh != NULL && i == n - 1)
			*fresh = made;
	}
	return n > 0 ? r->chain[n - 1] : r->fd;
}

/* --- looking and reading -------------------------------------------------- */

static const char *
kind(mode_t m)
{
	return S_ISFIFO(m)   ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISDIR(m)  ? "a directory"
	                     : "not a regular file";
}

enum out_kind
out_stat(int dfd, const char *name, const char *shown, struct stat *st,
         struct diag *d)
{
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return OUT_ABSENT;
		diag_error(d, NULL, "cannot look at %s: %s", shown,
		           strerror(errno));
		return OUT_BAD;
	}
	if (S_ISLNK(st->st_mode)) {
		diag_error(d, NULL,
		           "%s is a symbolic link; mailconf replaces only "
		           "regular files (not even with --force)",
		           shown);
		return OUT_BAD;
	}
	if (!S_ISREG(st->st_mode)) {
		diag_error(d, NULL,
		           "%s is %s, not a regular file; mailconf replaces "
		           "only regular files (not even with --force)",
		           shown, kind(st->st_mode));
		return OUT_BAD;
	}
	if (st->st_nlink > 1) {
		diag_error(d, NULL,
		           "%s has %lu hard links; mailconf does not replace a "
		           "file that is also elsewhere",
		           shown, (unsigned long)st->st_nlink);
		return OUT_BAD;
	}
	return OUT_REGULAR;
}

bool
out_read(int dfd, const char *name, const struct stat *st, size_t cap,
         struct buf *b, const char *shown, struct diag *d)
{
	struct stat now;
	size_t want = (size_t)st->st_size, got = 0;
	int fd;

	if ((size_t)st->st_size > cap) {
		diag_error(d, NULL, "%s is larger than %zu MiB", shown,
		           cap >> 20);
		return false;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &now) != 0 || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev || !S_ISREG(now.st_mode)) {
		diag_error(d, NULL, "cannot read %s: %s", shown,
		           fd < 0 ? strerror(errno) : "it changed meanwhile");
		if (fd >= 0)
			close(fd);
		return false;
	}
	buf_reserve(b, b->len + want + 1);
	while (got < want) {
		ssize_t k = read(fd, b->data + b->len + got, want - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			diag_error(d, NULL, "cannot read %s: %s", shown,
			           k < 0 ? strerror(errno) : "it shrank");
			close(fd);
			return false;
		}
		got += (size_t)k;
	}
	close(fd);
	b->len += got;
	b->data[b->len] = '\0';
	return true;
}

/* --- temporary names ------------------------------------------------------ */

bool
out_is_temp(const char *name)
{
	const char *m;
	size_t n;

	if (name[0] != '.' || (m = strstr(name + 1, TEMP_MARK)) == NULL)
		return false;
	/* and on to the last mark: a name may hold one itself */
	for (const char *k = m; (k = strstr(k + 1, TEMP_MARK)) != NULL;)
		m = k;
	m += strlen(TEMP_MARK);
	n = strlen(m);
	/* This scheme's, and the fixed and six-letter ones of earlier
	 * versions. */
	if (strcmp(m, "tmp") == 0)
		return true;
	if (n != TEMP_RAND && n != 6)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((m[i] >= 'a' && m[i] <= 'z') ||
		      (m[i] >= 'A' && m[i] <= 'Z') ||
		      (m[i] >= '0' && m[i] <= '9')))
			return false;
	return true;
}

/* temp_of says whether entry is a temporary name for base. */
static bool
temp_of(const char *entry, const char *base)
{
	size_t n = strlen(base);

	return entry[0] == '.' && strncmp(entry + 1, base, n) == 0 &&
	       strncmp(entry + 1 + n, TEMP_MARK, strlen(TEMP_MARK)) == 0 &&
	       out_is_temp(entry);
}

void
out_sweep(int dfd, const char *const *names, size_t n)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (dp == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		bool ours = temp_of(de->d_name, ".mailconf-manifest");

		for (size_t i = 0; i < n && !ours; i++)
			ours = temp_of(de->d_name, names[i]);
		if (ours)
			unlinkat(dfd, de->d_name, 0);
	}
	closedir(dp);
}

/* --- transactions --------------------------------------------------------- */

struct txn *
txn_new(struct outroot *r, bool durable)
{
	struct txn *t = xcalloc(1, sizeof(*t));

	t->r = r;
	t->durable = durable;
	/* Room up to the spill, so that the list never doubles past it. */
	buf_reserve(&t->log, LOG_SPILL + 2 * (NAME_MAX + 8) + 4096);
	if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed))
		t->seed = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL) ^
		          (uint64_t)(uintptr_t)t;
	open_txns++;
	return t;
}

/* next_rand fills TEMP_RAND letters and digits: splitmix64 over a secret
 * seed, so that no one can guess a name before it is created. */
static void
next_rand(struct txn *t, char out[TEMP_RAND + 1])
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz"
	                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t z = t->seed + 0x9e3779b97f4a7c15u * ++t->count;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	/* Overlapping six-bit windows, five bits apart: the twelve letters
	 * carry all 64 bits of a value no one can guess without the seed. */
	for (int i = 0; i < TEMP_RAND; i++, z >>= 5)
		out[i] = digits[(z & 63) % 62];
	out[TEMP_RAND] = '\0';
}

/* A record: type ('F' a staged file, 'D' a directory made), flag ('b':
 * back up the file it replaces), then rel, name and the random part of
 * the temporary name, each NUL-terminated. */
static void
log_add(struct txn *t, char type, char flag, const char *rel, size_t reln,
        const char *name, const char *rand)
{
	buf_putc(&t->log, type);
	buf_putc(&t->log, flag);
	buf_add(&t->log, rel, reln);
	buf_putc(&t->log, '\0');
	buf_add(&t->log, name, strlen(name) + 1);
	buf_add(&t->log, rand, strlen(rand) + 1);
	if (t->log.len >= LOG_SPILL) {
		if (t->spill == NULL)
			t->spill = tmpfile();
		if (t->spill == NULL || fwrite(t->log.data, 1, t->log.len,
		                               t->spill) != t->log.len) {
			/* Kept in memory then: correct, only larger. */
			return;
		}
		buf_reset(&t->log);
	}
}

struct rec {
	char type, flag;
	const char *rel, *name, *rand;
};

/* parse_rec reads one record at p (n bytes left); its length, or 0 when
 * the record is not whole. */
static size_t
parse_rec(const char *p, size_t n, struct rec *r)
{
	const char *e = p + n, *s = p + 2, *z;

	if (n < 2)
		return 0;
	r->type = p[0];
	r->flag = p[1];
	if ((z = memchr(s, '\0', (size_t)(e - s))) == NULL)
		return 0;
	r->rel = s;
	s = z + 1;
	if (s >= e || (z = memchr(s, '\0', (size_t)(e - s))) == NULL)
		return 0;
	r->name = s;
	s = z + 1;
	if (s >= e || (z = memchr(s, '\0', (size_t)(e - s))) == NULL)
		return 0;
	r->rand = s;
	return (size_t)(z + 1 - p);
}

typedef bool rec_fn(struct txn *t, const struct rec *r, void *ctx);

/* each_rec calls fn on every record in order: the spilled ones, then
 * those in memory; it stops when fn returns false. */
static bool
each_rec(struct txn *t, rec_fn *fn, void *ctx)
{
	struct buf chunk = BUF_INIT;
	struct rec r;
	bool ok = true;

	if (t->spill != NULL && fflush(t->spill) == 0 &&
	    fseek(t->spill, 0, SEEK_SET) == 0) {
		char in[65536];
		size_t k;

		while (ok && (k = fread(in, 1, sizeof(in), t->spill)) > 0) {
			size_t used, pos = 0;

			buf_add(&chunk, in, k);
			while (ok &&
			       (used = parse_rec(chunk.data + pos,
			                         chunk.len - pos, &r)) > 0) {
				ok = fn(t, &r, ctx);
				pos += used;
			}
			memmove(chunk.data, chunk.data + pos, chunk.len - pos);
			chunk.len -= pos;
		}
	}
	buf_free(&chunk);
	for (size_t pos = 0, used; ok && pos < t->log.len; pos += used) {
		used = parse_rec(t->log.data + pos, t->log.len - pos, &r);
		if (used == 0)
			break;
		ok = fn(t, &r, ctx);
	}
	return ok;
}

/* temp_name writes the temporary name of name into tmp (NAME_MAX + 1
 * bytes); false when it would be too long. */
static bool
temp_name(char *tmp, const char *name, const char *rand)
{
	size_t n = strlen(name), m = strlen(TEMP_MARK), r = strlen(rand);

	if (1 + n + m + r > NAME_MAX)
		return false;
	tmp[0] = '.';
	memcpy(tmp + 1, name, n);
	memcpy(tmp + 1 + n, TEMP_MARK, m);
	memcpy(tmp + 1 + n + m, rand, r + 1);
	return true;
}

static bool
write_all(int fd, const char *data, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		done += (size_t)n;
	}
	return true;
}

/* stage_create makes the temporary file for name in dfd, described in g:
 * false on an error, reported. */
static bool
stage_create(struct txn *t, struct staged *g, int dfd, const char *rel,
             const char *name, unsigned mode, bool backup, struct diag *d)
{
	char rand[TEMP_RAND + 1], tmp[NAME_MAX + 1];
	size_t reln = strlen(rel), namen = strlen(name);
	int fd = -1;

	if (caught != 0) {
		diag_error(d, NULL,
		           "interrupted by signal %d; nothing was "
		           "changed",
		           (int)caught);
		return false;
	}
	next_rand(t, rand);
	/* Read and write: a streamed file is hashed back once written. */
	if (!temp_name(tmp, name, rand))
		errno = ENAMETOOLONG;
	else
		fd = openat(dfd, tmp,
		            O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		            (mode_t)(mode & 07777));
	if (fd >= 0 &&
	    (((mode & umask_now()) != 0 &&
	      fchmod(fd, (mode_t)(mode & 07777)) != 0) ||
	     (t->r->owned && fchown(fd, t->r->uid, t->r->gid) != 0))) {
		int e = errno;

		close(fd);
		unlinkat(dfd, tmp, 0);
		errno = e;
		fd = -1;
	}
	if (fd < 0) {
		char *shown = shown_path(t->r, rel, strlen(rel), name);

		diag_error(d, NULL, "cannot write %s: %s; nothing was changed",
		           shown, strerror(errno));
		free(shown);
	} else {
		buf_reset(&g->rec);
		buf_reserve(&g->rec, reln + namen + sizeof(rand) + 5);
		buf_putc(&g->rec, 'F');
		buf_putc(&g->rec, backup ? 'b' : '-');
		buf_add(&g->rec, rel, reln + 1);
		buf_add(&g->rec, name, namen + 1);
		buf_add(&g->rec, rand, sizeof(rand));
		g->fd = fd;
	}
	return fd >= 0;
}

/* stage_end closes g; keep: record it for the commit, else remove it.
 * False, reported, when it could not be written. */
static bool
stage_end(struct txn *t, struct staged *g, bool keep, bool failed,
          struct diag *d)
{
	struct rec r;
	bool ok = !failed;
	int e = errno;

	parse_rec(g->rec.data, g->rec.len, &r);
	if (ok && keep && t->durable && fsync(g->fd) != 0)
		ok = false;
	if (ok)
		e = errno;
	if (close(g->fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok || !keep) {
		char tmp[NAME_MAX + 1];
		struct diag quiet = DIAG_INIT;
		int at = out_dir(t->r, r.rel, false, 0, NULL, NULL, &quiet);

		if (at >= 0 && temp_name(tmp, r.name, r.rand))
			unlinkat(at, tmp, 0);
		diag_free(&quiet);
		if (!ok) {
			char *shown =
			    shown_path(t->r, r.rel, strlen(r.rel), r.name);

			diag_error(d, NULL,
			           "cannot write %s: %s; nothing was changed",
			           shown, strerror(e));
			free(shown);
		}
	} else {
		log_add(t, 'F', r.flag, r.rel, strlen(r.rel), r.name, r.rand);
		t->staged++;
	}
	return ok;
}

bool
txn_stage(struct txn *t, int dfd, const char *rel, const char *name,
          const char *data, size_t len, unsigned mode, bool backup,
          struct diag *d)
{
	bool failed;

	if (!stage_create(t, &t->one, dfd, rel, name, mode, backup, d))
		return false;
	failed = !write_all(t->one.fd, data, len);
	return stage_end(t, &t->one, true, failed, d);
}

struct staged *
txn_stage_open(struct txn *t, int dfd, const char *rel, const char *name,
               unsigned mode, bool backup, struct diag *d)
{
	struct staged *g = xcalloc(1, sizeof(*g));

	if (stage_create(t, g, dfd, rel, name, mode, backup, d))
		return g;
	buf_free(&g->rec);
	free(g);
	return NULL;
}

int
txn_stage_fd(const struct staged *g)
{
	return g->fd;
}

bool
txn_stage_write(struct txn *t, struct staged *g, const char *data, size_t len,
                struct diag *d)
{
	struct rec r;
	char *shown;

	if (write_all(g->fd, data, len))
		return true;
	parse_rec(g->rec.data, g->rec.len, &r);
	shown = shown_path(t->r, r.rel, strlen(r.rel), r.name);
	diag_error(d, NULL, "cannot write %s: %s; nothing was changed", shown,
	           strerror(errno));
	free(shown);
	return false;
}

bool
txn_stage_close(struct txn *t, struct staged *g, bool keep, struct diag *d)
{
	bool ok = stage_end(t, g, keep, false, d);

	buf_free(&g->rec);
	free(g);
	return ok;
}

long
txn_staged(const struct txn *t)
{
	return t->staged;
}

/* backup keeps the file name in dfd under a new name by a hard link, so
 * that the rename replacing it loses nothing even if mailconf dies. */
static bool
backup(struct txn *t, int dfd, const struct rec *r, struct diag *d)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 0; n < 100; n++) {
		char *name =
		    n == 0 ? xasprintf("%s.mailconf-backup-%s", r->name, stamp)
		           : xasprintf("%s.mailconf-backup-%s-%d", r->name,
		                       stamp, n);

		if (linkat(dfd, r->name, dfd, name, 0) == 0) {
			char *was =
			    shown_path(t->r, r->rel, strlen(r->rel), r->name);
			char *as =
			    shown_path(t->r, r->rel, strlen(r->rel), name);

			diag_note(d, "backup", NULL,
			          "kept the replaced %s as %s", was, as);
			free(was);
			free(as);
			free(name);
			return true;
		}
		free(name);
		if (errno == ENOENT)
			return true; /* gone meanwhile: nothing to keep */
		if (errno != EEXIST)
			break;
	}
	{
		char *was = shown_path(t->r, r->rel, strlen(r->rel), r->name);

		diag_error(d, NULL, "cannot keep a backup of %s: %s", was,
		           strerror(errno));
		free(was);
	}
	return false;
}

struct commit_ctx {
	struct diag *d;
	long done;
};

static bool
commit_rec(struct txn *t, const struct rec *r, void *ctx)
{
	struct commit_ctx *c = ctx;
	int dfd;
	char tmp[NAME_MAX + 1];
	bool ok;

	if (r->type != 'F')
		return true;
	dfd = out_dir(t->r, r->rel, false, 0, NULL, NULL, c->d);
	if (dfd < 0)
		return false;
	if (r->flag == 'b' && !backup(t, dfd, r, c->d))
		return false;
	ok = temp_name(tmp, r->name, r->rand) &&
	     renameat(dfd, tmp, dfd, r->name) == 0;
	if (!ok) {
		char *shown = shown_path(t->r, r->rel, strlen(r->rel), r->name);

		diag_error(c->d, NULL,
		           "cannot replace %s: %s; %ld file(s) were replaced "
		           "before it",
		           shown, strerror(errno), c->done);
		free(shown);
	} else {
		c->done++;
		if (t->durable)
			fsync(dfd);
	}
	return ok;
}

bool
txn_commit(struct txn *t, struct diag *d)
{
	struct commit_ctx c = {.d = d};
	sigset_t old;
	bool ok;

	block_signals(true, &old);
	ok = each_rec(t, commit_rec, &c);
	t->done = true;
	block_signals(false, &old);
	if (!ok)
		txn_abort(t);
	return ok;
}

struct abort_ctx {
	struct buf dirs; /* the 'D' records, to remove deepest first */
};

static bool
abort_rec(struct txn *t, const struct rec *r, void *ctx)
{
	struct abort_ctx *a = ctx;
	struct diag quiet = DIAG_INIT;
	int dfd;

	if (r->type == 'D') {
		buf_add(&a->dirs, r->rel, strlen(r->rel));
		buf_putc(&a->dirs, '/');
		buf_add(&a->dirs, r->name, strlen(r->name) + 1);
		return true;
	}
	dfd = out_dir(t->r, r->rel, false, 0, NULL, NULL, &quiet);
	if (dfd >= 0) {
		char tmp[NAME_MAX + 1];

		if (temp_name(tmp, r->name, r->rand))
			unlinkat(dfd, tmp, 0);
	}
	diag_free(&quiet);
	return true;
}

void
txn_abort(struct txn *t)
{
	struct abort_ctx a = {.dirs = BUF_INIT};
	struct diag quiet = DIAG_INIT;

	each_rec(t, abort_rec, &a);
	/* Made parents first, so removed children first. */
	for (size_t end = a.dirs.len; end > 0;) {
		size_t start = end - 1;
		const char *path, *slash;
		char *parent;
		int dfd;

		while (start > 0 && a.dirs.data[start - 1] != '\0')
			start--;
		path = a.dirs.data + start;
		slash = strrchr(path, '/');
		parent = xstrndup(path, (size_t)(slash - path));
		dfd = out_dir(t->r, parent, false, 0, NULL, NULL, &quiet);
		if (dfd >= 0)
			unlinkat(dfd, slash + 1, AT_REMOVEDIR);
		free(parent);
		end = start;
	}
	buf_free(&a.dirs);
	diag_free(&quiet);
	/* A root this run made holds nothing now. */
	if (t->r->made.len > 0) {
		chain_cut(t->r, 0);
		if (t->r->fd >= 0)
			close(t->r->fd);
		t->r->fd = -1;
		unmake(t->r);
	}
	buf_reset(&t->log);
	if (t->spill != NULL)
		fclose(t->spill);
	t->spill = NULL;
	t->done = true;
}

void
txn_free(struct txn *t)
{
	if (t == NULL)
		return;
	if (!t->done)
		txn_abort(t);
	if (t->spill != NULL)
		fclose(t->spill);
	buf_free(&t->log);
	buf_free(&t->one.rec);
	open_txns--;
	free(t);
}
