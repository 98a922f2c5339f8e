/* SPDX-License-Identifier: MIT */
/* INI spec (+ the preset it names) -> source entries; the only file that uses
 * iniparser. */
/* memfd_create: iniparser reads only paths, and a lean load hands it the
 * spec a piece at a time. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iniparser/iniparser.h>

#include "buf.h"
#include "spec.h"
#include "text.h"
#include "xalloc.h"

/* iniparser 4.1 reads lines into a 1024-byte buffer and gives up on longer
 * ones; stay well inside that so its limit is never what the user meets. */
#define MAX_LINE 1000
/* A spec is a few kilobytes; a provider with thousands of domains is still
 * far below this. */
#define MAX_FILE (16 * 1024 * 1024)

/* The "[section] key" of each line, as a scan of the file sees it. */
struct scan {
	const char *file;
	struct source *src;
	struct diag *d;
	int errors;
	char *section; /* current section, owned */
	int section_line;
	bool skip; /* in a section already reported as broken */
	/* A lean load leaves the values of [defer_section] defer_key and
	 * defer_key.NAME in the file (NULL: keep every value). */
	const char *defer_section, *defer_key;
	/* The line being scanned as it is in the file, for a deferred
	 * entry: where it starts, its bytes and their hash. */
	long at;
	size_t raw_len;
	unsigned long long raw_sum;
};

static char *
read_file(const char *path, size_t *len, struct diag *d)
{
	struct buf b = BUF_INIT;
	int rc = buf_read_file(&b, path, MAX_FILE);

	if (rc < 0) {
		struct loc at = {NULL, 0, NULL, NULL, 0};

		diag_error(d, &at, "cannot open %s: %s", path, strerror(errno));
	} else if (rc > 0) {
		struct loc at = {path, 0, NULL, NULL, 0};

		diag_error(d, &at, "file is larger than %d MiB",
		           MAX_FILE / (1024 * 1024));
	}
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data != NULL ? b.data : xstrdup("");
}

static void serr(struct scan *s, int line, const char *section, const char *key,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
serr(struct scan *s, int line, const char *section, const char *key,
     const char *fmt, ...)
{
	struct loc at = {s->file, line, section, key, 0};
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(s->d, DIAG_ERROR, NULL, &at, fmt, ap);
	va_end(ap);
	s->errors++;
}

static bool
is_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

static void
lower(char *p)
{
	for (; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

static bool
name_ok(const char *p)
{
	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' &&
		    *p != '.')
			return false;
	return true;
}

static const struct entry *
find_entry(const struct source *src, const char *file, const char *section,
           const char *key)
{
	for (size_t i = 0; i < src->nentries; i++) {
		const struct entry *e = &src->entries[i];

		if ((file == NULL || strcmp(e->file, file) == 0) &&
		    strcmp(e->section, section) == 0 &&
		    strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static const struct section *
find_section(const struct source *src, const char *file, const char *name)
{
	for (size_t i = 0; i < src->nsections; i++)
		if ((file == NULL ||
		     strcmp(src->sections[i].file, file) == 0) &&
		    strcmp(src->sections[i].name, name) == 0)
			return &src->sections[i];
	return NULL;
}

static void
scan_section(struct scan *s, char *p, size_t n, int line)
{
	char *close = memchr(p, ']', n);
	char *name;

	if (close == NULL || close != p + n - 1) {
		s->skip = true;
		serr(s, line, NULL, NULL,
		     "syntax error: a section header is \"[name]\" alone on "
		     "its line");
		return;
	}
	if (first_control(p) != NULL) {
		s->skip = true;
		serr(s, line, NULL, NULL,
		     "control character U+%04X not allowed in a section name",
		     (unsigned char)*first_control(p));
		return;
	}
	name = xstrndup(p + 1, n - 2);
	lower(name);
	free(s->section);
	s->section = NULL;
	/* The keys of a section whose header is broken are skipped: they
	 * would only be reported again as strays or duplicates. */
	s->skip = true;
	if (!name_ok(name)) {
		serr(s, line, NULL, NULL,
		     "invalid section name \"[%s]\": use letters, digits, "
		     "\"-\", \"_\" and \".\"",
		     name);
		free(name);
		return;
	}
	s->section = name;
	s->section_line = line;
	{
		const struct section *dup = find_section(s->src, s->file, name);

		s->skip = dup != NULL;
		if (dup != NULL) {
			serr(s, line, name, NULL,
			     "duplicate section; it was opened on line %d (a "
			     "second server needs its own name, e.g. "
			     "[%s.backup])",
			     dup->line, name);
			return;
		}
	}
	s->src->sections = xreallocarray(
	    s->src->sections, s->src->nsections + 1, sizeof(*s->src->sections));
	s->src->sections[s->src->nsections++] =
	    (struct section){xstrdup(name), s->file, line};
}

/* value_of applies iniparser 4.1's value rules to the text after "=": a
 * value in "..." or '...' is taken literally; otherwise ";" or "#" ends it.
 * Where the user probably did not mean a comment (no space before it), it
 * is an error instead, since iniparser would cut the value silently. */
static char *
value_of(struct scan *s, int line, const char *key, char *v)
{
	size_t n = strlen(v);

	if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
		char *end = strchr(v + 1, v[0]);
		char *rest;

		if (end == NULL) {
			serr(s, line, s->section, key,
			     "missing closing %c quote", v[0]);
			return NULL;
		}
		for (rest = end + 1; is_space(*rest); rest++)
			;
		if (*rest != '\0' && *rest != ';' && *rest != '#') {
			serr(s, line, s->section, key,
			     "unexpected text after the closing quote: \"%s\"",
			     rest);
			return NULL;
		}
		return xstrndup(v + 1, (size_t)(end - v - 1));
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] != ';' && v[i] != '#')
			continue;
		if (i > 0 && !is_space(v[i - 1])) {
			serr(s, line, s->section, key,
			     "\"%c\" starts a comment, so the value would end "
			     "before it; put the whole value in double quotes",
			     v[i]);
			return NULL;
		}
		while (i > 0 && is_space(v[i - 1]))
			i--;
		return xstrndup(v, i);
	}
	return xstrdup(v);
}

/* key_of returns the lower-cased key written before eq. */
static char *
key_of(const char *p, const char *eq)
{
	size_t kn = (size_t)(eq - p);
	char *key;

	while (kn > 0 && is_space(p[kn - 1]))
		kn--;
	key = xstrndup(p, kn);
	lower(key);
	return key;
}

/* deferred says whether key's value stays in the file: the key itself or
 * a KEY.NAME continuation, as the model reads lists. */
static bool
deferred(const struct scan *s, const char *key)
{
	size_t n;

	if (s->defer_key == NULL || strcmp(s->section, s->defer_section) != 0)
		return false;
	n = strlen(s->defer_key);
	return strncmp(key, s->defer_key, n) == 0 &&
	       (key[n] == '\0' || (key[n] == '.' && key[n + 1] != '\0'));
}

static void
scan_key(struct scan *s, char *p, size_t n, int line)
{
	char *eq = memchr(p, '=', n);
	char *key, *raw, *value;
	const char *ctl;
	const struct entry *dup;

	if (eq == NULL) {
		serr(s, line, s->section, NULL,
		     "syntax error: expected \"key = value\", \"[section]\" "
		     "or a comment starting with \";\" or \"#\"");
		return;
	}
	if (s->skip)
		return;
	key = key_of(p, eq);
	if (!name_ok(key)) {
		serr(s, line, s->section, NULL,
		     "syntax error: invalid key name \"%s\": use letters, "
		     "digits, \"-\", \"_\" and \".\"",
		     key);
		goto out;
	}
	if (s->section == NULL) {
		serr(s, line, NULL, key,
		     "key outside any section; put it under a section such "
		     "as [provider]");
		goto out;
	}
	raw = eq + 1;
	while (is_space(*raw))
		raw++;
	value = value_of(s, line, key, raw);
	if (value == NULL)
		goto out;
	/* Tabs may surround a value and its comment, as blanks. */
	ctl = first_control(value);
	if (ctl != NULL) {
		serr(s, line, s->section, key,
		     "control character U+%04X not allowed in a value",
		     (unsigned char)*ctl);
		free(value);
		goto out;
	}
	dup = find_entry(s->src, s->file, s->section, key);
	if (dup != NULL) {
		serr(s, line, s->section, key,
		     "duplicate key; it was already set on line %d", dup->line);
		free(value);
		goto out;
	}
	s->src->entries = xreallocarray(s->src->entries, s->src->nentries + 1,
	                                sizeof(*s->src->entries));
	s->src->entries[s->src->nentries++] =
	    (struct entry){.section = xstrdup(s->section),
	                   .key = xstrdup(key),
	                   .value = value,
	                   .file = s->file,
	                   .line = line};
	if (deferred(s, key)) {
		struct entry *e = &s->src->entries[s->src->nentries - 1];

		free(e->value);
		e->value = NULL;
		e->offset = s->at;
		e->len = s->raw_len;
		e->sum = s->raw_sum;
	}
out:
	free(key);
}

/* scan_line checks one line (n bytes at p, its newline excluded; p[n] may
 * be overwritten) the way iniparser will read it, recording the location
 * of its section or key, and reporting what iniparser would accept
 * silently or reject without a line: duplicates, control characters,
 * invalid UTF-8, long lines. */
static void
scan_line(struct scan *s, char *p, size_t n, int line)
{
	size_t bad;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > MAX_LINE) {
		serr(s, line, NULL, NULL, "line is longer than %d bytes",
		     MAX_LINE);
		return;
	}
	if (memchr(p, '\0', n) != NULL) {
		serr(s, line, NULL, NULL, "NUL byte (U+0000) not allowed");
		return;
	}
	p[n] = '\0';
	bad = utf8_check(p, n);
	if (bad != (size_t)-1) {
		serr(s, line, NULL, NULL,
		     "invalid UTF-8 (byte 0x%02x at column %zu); save "
		     "the file as UTF-8",
		     (unsigned char)p[bad], bad + 1);
		return;
	}
	/* Only blanks frame a line: a VT or a second CR is a control
	 * character, which iniparser would drop silently. */
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		p[--n] = '\0';
	while (*p == ' ' || *p == '\t') {
		p++;
		n--;
	}
	/* iniparser joins any line ending in "\\" with the next one,
	 * comments included, which would shift every line after. */
	if (n > 0 && p[n - 1] == '\\') {
		serr(s, line, s->section, NULL,
		     "line ends with \"\\\", which would join it with the "
		     "next line; write the value on one line");
		return;
	}
	if (n == 0 || *p == ';' || *p == '#')
		return;
	if (*p == '[')
		scan_section(s, p, n, line);
	else
		scan_key(s, p, n, line);
}

static bool
has_bom(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0;
}

static void
bom_error(struct scan *s)
{
	serr(s, 1, NULL, NULL,
	     "file starts with a UTF-8 byte order mark; save it as UTF-8 "
	     "without BOM");
}

/* scan checks every line of text (len bytes, NUL-terminated). */
static void
scan(struct scan *s, char *text, size_t len)
{
	size_t pos = 0;
	int line = 0;

	if (has_bom(text, len)) {
		bom_error(s);
		return;
	}
	while (pos < len) {
		char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;

		pos += n + (nl != NULL);
		scan_line(s, p, n, ++line);
	}
}

/* A file read a line at a time through a fixed buffer: a spec may list
 * 100,000 domains, and a lean load holds none of them. A line longer than
 * the buffer is given cut (it is longer than MAX_LINE, an error anyway). */
#define LINE_BUF 65536

struct lines {
	int fd;
	char buf[LINE_BUF + 1]; /* + 1: scan_line may write p[n] */
	size_t start, end;
	long off;  /* the file offset of buf[0] */
	bool eof;  /* read gave 0 */
	bool skip; /* the rest of a cut line is still to be passed over */
	int err;   /* errno of a failed read, or 0 */
};

/* fill moves what is left to the front and reads more; false on error. */
static bool
fill(struct lines *r)
{
	ssize_t k;

	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->off += (long)r->start;
	r->end -= r->start;
	r->start = 0;
	k = read(r->fd, r->buf + r->end, LINE_BUF - r->end);
	if (k < 0) {
		r->err = errno;
		return false;
	}
	r->eof = k == 0;
	r->end += (size_t)k;
	return true;
}

/* next_line finds the next line: *p, *n (newline excluded), *at its file
 * offset. False at the end of the file or on a read error. */
static bool
next_line(struct lines *r, char **p, size_t *n, long *at)
{
	char *nl;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (r->skip) {
			r->start =
			    nl != NULL ? (size_t)(nl + 1 - r->buf) : r->end;
			r->skip = nl == NULL;
		} else if (nl != NULL || (r->eof && r->start < r->end))
			break;
		else if (r->start == 0 && r->end == LINE_BUF) {
			*p = r->buf;
			*n = LINE_BUF;
			*at = r->off;
			r->start = r->end;
			r->skip = true;
			return true;
		}
		if (r->eof && r->start == r->end)
			return false;
		if (nl == NULL && !fill(r))
			return false;
	}
	*p = r->buf + r->start;
	*at = r->off + (long)r->start;
	*n = nl != NULL ? (size_t)(nl - *p) : r->end - r->start;
	r->start += *n + (nl != NULL);
	return true;
}

/* The hash that tells a deferred line read back from the one scanned. */
static unsigned long long
line_sum(const char *p, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* scan_stream is scan over a file read a line at a time; false when it
 * cannot be read (reported). */
static bool
scan_stream(struct scan *s, int fd, const char *path)
{
	struct lines *r = xcalloc(1, sizeof(*r));
	char *p;
	size_t n;
	int line = 0;
	bool ok;

	r->fd = fd;
	while (next_line(r, &p, &n, &s->at)) {
		if (line == 0 && has_bom(p, n)) {
			bom_error(s);
			break;
		}
		s->raw_len = n;
		s->raw_sum = line_sum(p, n);
		scan_line(s, p, n, ++line);
	}
	ok = r->err == 0;
	if (!ok) {
		struct loc at = {NULL, 0, NULL, NULL, 0};

		diag_error(s->d, &at, "cannot open %s: %s", path,
		           strerror(r->err));
		s->errors++;
	}
	free(r);
	return ok;
}

static struct diag *ini_diag;
static const char *ini_file;

/* iniparser reports through a printf-like callback with no context. */
static int
ini_error(const char *fmt, ...)
{
	struct loc at = {ini_file, 0, NULL, NULL, 0};
	char msg[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	while (n > 0 && is_space(msg[n - 1]))
		msg[--n] = '\0';
	for (char *c = msg; *c != '\0'; c++)
		if (*c == '\n')
			*c = ' ';
	if (ini_diag != NULL)
		diag_error(ini_diag, &at, "iniparser: %s", msg);
	return 0;
}

/* reread reads a deferred entry's value back from its file: the bytes
 * scanned (their hash says so), scanned again the same way. */
static char *
reread(const struct entry *e, struct diag *d)
{
	struct loc at = {e->file, e->line, e->section, e->key, 0};
	int fd = open(e->file, O_RDONLY);
	char *raw = xmalloc(e->len + 1), *value = NULL;
	bool same = fd >= 0 &&
	            pread(fd, raw, e->len, e->offset) == (ssize_t)e->len &&
	            line_sum(raw, e->len) == e->sum;

	if (fd >= 0)
		close(fd);
	if (same) {
		struct source *one = xcalloc(1, sizeof(*one));
		struct diag quiet = DIAG_INIT;
		struct scan s = {.file = e->file,
		                 .src = one,
		                 .d = &quiet,
		                 .section = xstrdup(e->section)};

		scan_line(&s, raw, e->len, e->line);
		if (one->nentries == 1 &&
		    strcmp(one->entries[0].key, e->key) == 0) {
			value = one->entries[0].value;
			one->entries[0].value = NULL;
		}
		free(s.section);
		diag_free(&quiet);
		source_free(one);
	}
	free(raw);
	if (value == NULL)
		diag_error(
		    d, &at,
		    "the file changed while mailconf was reading it; run "
		    "mailconf again");
	return value;
}

/* take_values takes the values of src's entries from *i on that lie
 * before line upto (0: all) from iniparser's dict: the project reads INI
 * with iniparser, and the scan only located them. A deferred value is
 * read back and compared, then dropped again. A disagreement means the
 * scan's idea of the syntax is wrong, so it is an internal error. */
static bool
take_values(dictionary *dict, struct source *src, size_t *i, int upto,
            const char *path, struct diag *d)
{
	bool ok = true;

	for (;
	     *i < src->nentries && (upto == 0 || src->entries[*i].line < upto);
	     (*i)++) {
		struct entry *e = &src->entries[*i];
		char *k = xasprintf("%s:%s", e->section, e->key);
		const char *v = iniparser_getstring(dict, k, NULL);
		char *mine =
		    e->value != NULL ? xstrdup(e->value) : reread(e, d);

		if (mine == NULL)
			ok = false;
		else if (v == NULL || strcmp(v, mine) != 0) {
			struct loc at = {path, e->line, e->section, e->key, 0};

			diag_error(d, &at,
			           "internal error: iniparser read \"%s\", "
			           "mailconf read \"%s\"",
			           v != NULL ? v : "(nothing)", mine);
			ok = false;
		} else if (e->value != NULL) {
			free(e->value);
			e->value = xstrdup(v);
		}
		free(mine);
		free(k);
	}
	return ok;
}

static dictionary *
ini_load(const char *path, const char *file, struct diag *d)
{
	dictionary *dict;

	ini_diag = d;
	ini_file = file;
	iniparser_set_error_callback(ini_error);
	dict = iniparser_load(path);
	ini_diag = NULL;
	return dict;
}

static bool
load_values(struct source *src, size_t first, const char *path, struct diag *d)
{
	dictionary *dict = ini_load(path, path, d);
	bool ok;

	if (dict == NULL)
		return false;
	ok = take_values(dict, src, &first, 0, path, d);
	iniparser_freedict(dict);
	return ok;
}

/* A lean load hands iniparser this much of the file at a time. */
#define PIECE 65536

/* load_piece has iniparser read piece (the lines before line upto, the
 * first of them preceded by the header of the section they continue)
 * through the memory file mem, and takes the values of those lines. */
static bool
load_piece(struct source *src, size_t *i, int upto, const struct buf *piece,
           int mem, const char *path, struct diag *d)
{
	char proc[64];
	dictionary *dict;
	bool ok;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mem);
	if (ftruncate(mem, 0) != 0 ||
	    pwrite(mem, piece->data, piece->len, 0) != (ssize_t)piece->len) {
		struct loc at = {path, 0, NULL, NULL, 0};

		diag_error(d, &at, "cannot hand the file to iniparser: %s",
		           strerror(errno));
		return false;
	}
	dict = ini_load(proc, path, d);
	if (dict == NULL)
		return false;
	ok = take_values(dict, src, i, upto, path, d);
	iniparser_freedict(dict);
	return ok;
}

/* load_values_lean is load_values a piece at a time, so that iniparser's
 * dictionary never holds the whole file either. A piece ends at a line
 * end, and iniparser keeps no state across lines but the section. */
static bool
load_values_lean(struct source *src, size_t first, const char *path,
                 const char *file, struct diag *d)
{
	int fd = open(path, O_RDONLY), mem = memfd_create("spec", 0);
	struct lines *r = xcalloc(1, sizeof(*r));
	struct buf piece = BUF_INIT;
	const char *section = NULL;
	char *p;
	size_t n, sec = 0, i = first;
	long at;
	int line = 0;
	bool ok = fd >= 0 && mem >= 0;

	r->fd = fd;
	while (ok && next_line(r, &p, &n, &at)) {
		line++;
		if (piece.len >= PIECE) {
			ok = load_piece(src, &i, line, &piece, mem, path, d);
			buf_reset(&piece);
		}
		if (piece.len == 0) {
			/* The section this line continues. */
			for (; sec < src->nsections &&
			       src->sections[sec].line < line;
			     sec++)
				if (src->sections[sec].file == file)
					section = src->sections[sec].name;
			if (section != NULL)
				buf_printf(&piece, "[%s]\n", section);
		}
		buf_add(&piece, p, n);
		buf_putc(&piece, '\n');
	}
	if (fd < 0 || mem < 0 || r->err != 0) {
		struct loc loc = {path, 0, NULL, NULL, 0};

		diag_error(d, &loc, "cannot read it again: %s",
		           strerror(r->err != 0 ? r->err : errno));
		ok = false;
	}
	if (ok)
		ok = load_piece(src, &i, 0, &piece, mem, path, d);
	buf_free(&piece);
	free(r);
	if (fd >= 0)
		close(fd);
	if (mem >= 0)
		close(mem);
	return ok;
}

static const char *
add_file(struct source *src, const char *path)
{
	src->files =
	    xreallocarray(src->files, src->nfiles + 1, sizeof(*src->files));
	src->files[src->nfiles] = xstrdup(path);
	return src->files[src->nfiles++];
}

/* read_lean is read_ini for a lean load of a regular file, fd: read a
 * line at a time, deferred values left in the file. */
static bool
read_lean(struct source *src, struct scan *s, int fd, off_t size,
          const char *path, struct diag *d)
{
	size_t first = src->nentries;
	bool ok;

	if (size > MAX_FILE) {
		struct loc at = {path, 0, NULL, NULL, 0};

		diag_error(d, &at, "file is larger than %d MiB",
		           MAX_FILE / (1024 * 1024));
		return false;
	}
	s->file = add_file(src, path);
	ok = scan_stream(s, fd, path);
	free(s->section);
	if (!ok || s->errors > 0)
		return false;
	src->reread = reread;
	return load_values_lean(src, first, path, s->file, d);
}

/* read_ini appends the sections and entries of path to src; with
 * defer_key, lean (see spec_load_lean). */
static bool
read_ini(struct source *src, const char *path, const char *defer_section,
         const char *defer_key, struct diag *d)
{
	struct scan s = {.src = src,
	                 .d = d,
	                 .defer_section = defer_section,
	                 .defer_key = defer_key};
	size_t first = src->nentries, len;
	char *text;

	if (defer_key != NULL) {
		int fd = open(path, O_RDONLY);
		struct stat st;

		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			bool ok = read_lean(src, &s, fd, st.st_size, path, d);

			close(fd);
			return ok;
		}
		if (fd >= 0)
			close(fd);
		/* A pipe cannot be read twice: its values are kept. */
		s.defer_key = NULL;
	}
	text = read_file(path, &len, d);
	if (text == NULL)
		return false;
	s.file = add_file(src, path);
	scan(&s, text, len);
	free(text);
	free(s.section);
	if (s.errors > 0)
		return false;
	return load_values(src, first, path, d);
}

bool
spec_preset_name_ok(const char *name)
{
	if (*name == '\0' || strlen(name) > 64)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return false;
	return name[0] != '.';
}

char *
spec_preset_path(const char *presets_dir, const char *name)
{
	char *path;
	FILE *f;

	if (!spec_preset_name_ok(name))
		return NULL;
	path = xasprintf("%s/%s.ini", presets_dir, name);
	f = fopen(path, "r");
	if (f == NULL) {
		free(path);
		return NULL;
	}
	fclose(f);
	return path;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
spec_preset_names(const char *presets_dir)
{
	DIR *dir = opendir(presets_dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	if (dir != NULL) {
		while ((de = readdir(dir)) != NULL) {
			size_t len = strlen(de->d_name);
			char *name;

			if (len <= 4 ||
			    strcmp(de->d_name + len - 4, ".ini") != 0)
				continue;
			name = xstrndup(de->d_name, len - 4);
			if (!spec_preset_name_ok(name)) {
				free(name);
				continue;
			}
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = name;
		}
		closedir(dir);
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	names = xreallocarray(names, n + 1, sizeof(*names));
	names[n] = NULL;
	return names;
}

char **
spec_ini_files(const char *dir)
{
	DIR *dp = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	while (dp != NULL && (de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= 4 ||
		    strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (dp != NULL)
		closedir(dp);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	names = xreallocarray(names, n + 1, sizeof(*names));
	names[n] = NULL;
	return names;
}

void
spec_free_names(char **names)
{
	if (names == NULL)
		return;
	for (size_t i = 0; names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

/* merge lays the spec over its preset: a key the spec sets replaces the
 * preset's (and keeps the preset's position); new sections follow. */
static void
merge(struct source *dst, struct source *over)
{
	for (size_t i = 0; i < over->nsections; i++) {
		if (find_section(dst, NULL, over->sections[i].name) != NULL) {
			free(over->sections[i].name);
			continue;
		}
		dst->sections = xreallocarray(dst->sections, dst->nsections + 1,
		                              sizeof(*dst->sections));
		dst->sections[dst->nsections++] = over->sections[i];
	}
	for (size_t i = 0; i < over->nentries; i++) {
		struct entry *e = &over->entries[i];
		struct entry *old =
		    (struct entry *)find_entry(dst, NULL, e->section, e->key);

		if (old != NULL) {
			free(old->section);
			free(old->key);
			free(old->value);
			*old = *e;
			continue;
		}
		dst->entries = xreallocarray(dst->entries, dst->nentries + 1,
		                             sizeof(*dst->entries));
		dst->entries[dst->nentries++] = *e;
	}
	if (over->reread != NULL)
		dst->reread = over->reread;
	for (size_t i = 0; i < over->nfiles; i++) {
		dst->files = xreallocarray(dst->files, dst->nfiles + 1,
		                           sizeof(*dst->files));
		dst->files[dst->nfiles++] = over->files[i];
	}
	free(over->sections);
	free(over->entries);
	free(over->files);
	free(over);
}

void
spec_unknown_preset(const char *presets_dir, const char *name,
                    const struct loc *at, struct diag *d)
{
	char **names = spec_preset_names(presets_dir);
	const char *near = closest(name, (const char *const *)names);

	if (!spec_preset_name_ok(name))
		diag_error(d, at,
		           "\"%s\" is not a preset name: presets are named "
		           "with lower-case letters, digits, \"-\" and \"_\"",
		           name);
	else if (near != NULL)
		diag_error(d, at,
		           "no preset named \"%s\"; did you mean \"%s\"? "
		           "(mailconf list shows them)",
		           name, near);
	else
		diag_error(d, at,
		           "no preset named \"%s\" (mailconf list shows them)",
		           name);
	spec_free_names(names);
}

static struct source *
load(const char *path, const char *preset, const char *presets_dir,
     const char *defer_section, const char *defer_key, struct diag *d)
{
	struct source *spec = xcalloc(1, sizeof(*spec)), *base;
	const struct entry *pe;
	struct loc at = {NULL, 0, NULL, NULL, 0};
	char *ppath;

	if (!read_ini(spec, path, defer_section, defer_key, d)) {
		source_free(spec);
		return NULL;
	}
	pe = find_entry(spec, NULL, "provider", "preset");
	if (pe != NULL) {
		at = (struct loc){pe->file, pe->line, "provider", "preset", 0};
		if (preset != NULL && strcmp(preset, pe->value) != 0) {
			diag_error(d, &at,
			           "the spec starts from preset \"%s\", the "
			           "command line from \"%s\"; keep one",
			           pe->value, preset);
			source_free(spec);
			return NULL;
		}
		preset = pe->value;
	}
	if (preset == NULL)
		return spec;
	ppath = spec_preset_path(presets_dir, preset);
	if (ppath == NULL) {
		spec_unknown_preset(presets_dir, preset,
		                    at.file != NULL ? &at : NULL, d);
		source_free(spec);
		return NULL;
	}
	base = xcalloc(1, sizeof(*base));
	if (!read_ini(base, ppath, defer_section, defer_key, d)) {
		free(ppath);
		source_free(base);
		source_free(spec);
		return NULL;
	}
	free(ppath);
	pe = find_entry(base, NULL, "provider", "preset");
	if (pe != NULL) {
		at = (struct loc){pe->file, pe->line, "provider", "preset", 0};
		diag_error(d, &at,
		           "a preset cannot itself name a preset; copy the "
		           "values instead");
		source_free(base);
		source_free(spec);
		return NULL;
	}
	merge(base, spec);
	return base;
}

struct source *
spec_load(const char *path, const char *preset, const char *presets_dir,
          struct diag *d)
{
	return load(path, preset, presets_dir, NULL, NULL, d);
}

struct source *
spec_load_lean(const char *path, const char *preset, const char *presets_dir,
               const char *section, const char *key, struct diag *d)
{
	return load(path, preset, presets_dir, section, key, d);
}

char **
spec_known_hosts(const char *presets_dir)
{
	char **names = spec_preset_names(presets_dir);
	char **out = NULL;
	size_t n = 0;

	for (size_t i = 0; names[i] != NULL; i++) {
		char *path = xasprintf("%s/%s.ini", presets_dir, names[i]);
		struct diag quiet = DIAG_INIT;
		struct source *src = xcalloc(1, sizeof(*src));

		/* A broken preset is reported when it is used or checked,
		 * not while it merely serves as a list of known hosts. */
		if (read_ini(src, path, NULL, NULL, &quiet)) {
			for (size_t j = 0; j < src->nentries; j++) {
				if (strcmp(src->entries[j].key, "host") != 0)
					continue;
				out = xreallocarray(out, n + 2, sizeof(*out));
				out[n++] = xstrdup(src->entries[j].value);
				out[n++] = xstrdup(names[i]);
			}
		}
		diag_free(&quiet);
		source_free(src);
		free(path);
	}
	spec_free_names(names);
	out = xreallocarray(out, n + 1, sizeof(*out));
	out[n] = NULL;
	return out;
}
