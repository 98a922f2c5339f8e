/* SPDX-License-Identifier: MIT */
/* INI spec (+ the preset it names) -> source entries; the only file that uses
 * iniparser. */
/* memfd_create: iniparser reads only paths, and is handed the spec a
 * piece at a time. */
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
#include "input.h"
#include "spec.h"
#include "strmap.h"
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
	/* This file's sections and entries by name, for the duplicate
	 * checks (src's indices; owned, made when first needed). */
	struct strmap *sections, *entries;
	bool skip; /* in a section already reported as broken */
	/* A lean load leaves the values of [defer_section] defer_key and
	 * defer_key.NAME in the file (NULL: keep every value). */
	const char *defer_section, *defer_key;
	/* The line being scanned as it is in the file, for a deferred
	 * entry: where it starts, its bytes and their hash. */
	long at;
	size_t raw_len;
	unsigned long long raw_sum;
	/* The line as read, and the column (from 1; 0: none) the next
	 * message points at. */
	const char *line_start;
	int col;
};

static void serr(struct scan *s, int line, const char *section, const char *key,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
serr(struct scan *s, int line, const char *section, const char *key,
     const char *fmt, ...)
{
	struct loc at = {s->file, line, section, key, s->col};
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

static bool
same_section(const void *ctx, size_t i, const char *name, size_t n)
{
	const char *have = ((const struct source *)ctx)->sections[i].name;

	return strncmp(have, name, n) == 0 && have[n] == '\0';
}

/* An entry's name in a map is "SECTION\0KEY". */
static bool
same_entry(const void *ctx, size_t i, const char *name, size_t n)
{
	const struct entry *e = &((const struct source *)ctx)->entries[i];
	size_t ls = strlen(e->section);

	return ls < n && memcmp(e->section, name, ls) == 0 &&
	       name[ls] == '\0' &&
	       strncmp(e->key, name + ls + 1, n - ls - 1) == 0 &&
	       e->key[n - ls - 1] == '\0';
}

/* entry_put maps section/key to entry i of src in m: the index of the
 * entry that had the name already, or STRMAP_NONE. */
static size_t
entry_put(struct strmap *m, const char *section, const char *key, size_t i)
{
	size_t ls = strlen(section), lk = strlen(key), had;
	char *name = xmalloc(ls + lk + 2);

	memcpy(name, section, ls + 1);
	memcpy(name + ls + 1, key, lk + 1);
	had = strmap_put(m, name, ls + lk + 1, i);
	free(name);
	return had;
}

/* scan_done frees what a scan holds. */
static void
scan_done(struct scan *s)
{
	free(s->section);
	s->section = NULL;
	strmap_free(s->sections);
	strmap_free(s->entries);
	s->sections = s->entries = NULL;
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
	if (s->sections == NULL)
		s->sections = strmap_new(same_section, s->src);
	{
		size_t dup = strmap_put(s->sections, name, strlen(name),
		                        s->src->nsections);

		s->skip = dup != STRMAP_NONE;
		if (dup != STRMAP_NONE) {
			serr(s, line, name, NULL,
			     "duplicate section; it was opened on line %d (a "
			     "second server needs its own name, e.g. "
			     "[%s.backup])",
			     s->src->sections[dup].line, name);
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
/* col_of is the column of p in the line being scanned. */
static int
col_of(const struct scan *s, const char *p)
{
	return s->line_start != NULL ? (int)(p - s->line_start) + 1 : 0;
}

static char *
value_of(struct scan *s, int line, const char *key, char *v)
{
	size_t n = strlen(v);

	if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
		char *end = strchr(v + 1, v[0]);
		char *rest;

		if (end == NULL) {
			s->col = col_of(s, v);
			serr(s, line, s->section, key,
			     "missing closing %c quote", v[0]);
			return NULL;
		}
		for (rest = end + 1; is_space(*rest); rest++)
			;
		if (*rest != '\0' && *rest != ';' && *rest != '#') {
			s->col = col_of(s, rest);
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
			s->col = col_of(s, v + i);
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
	size_t dup;

	if (eq == NULL) {
		serr(s, line, s->section, NULL,
		     "syntax error: expected \"key = value\", \"[section]\" "
		     "or a comment starting with \";\" or \"#\"");
		return;
	}
	if (s->skip)
		return;
	s->col = col_of(s, p);
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
	s->col = col_of(s, raw);
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
	if (s->entries == NULL)
		s->entries = strmap_new(same_entry, s->src);
	dup = entry_put(s->entries, s->section, key, s->src->nentries);
	if (dup != STRMAP_NONE) {
		s->col = col_of(s, p);
		serr(s, line, s->section, key,
		     "duplicate key; it was already set on line %d",
		     s->src->entries[dup].line);
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
	                   .line = line,
	                   .col = col_of(s, raw)};
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

	s->line_start = p;
	s->col = 0;
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
		s->col = (int)bad + 1;
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
	s->col = col_of(s, p);
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
	long left; /* what it may still read: MAX_FILE + 1 in all */
	bool eof;  /* read gave 0 */
	bool skip; /* the rest of a cut line is still to be passed over */
	int err;   /* errno of a failed read, or 0 */
};

static struct lines *
lines_new(int fd)
{
	struct lines *r = xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->left = MAX_FILE + 1;
	return r;
}

/* too_large says whether r read more than MAX_FILE bytes: the file grew
 * after it was opened. */
static bool
too_large(const struct lines *r)
{
	return r->left == 0;
}

/* fill moves what is left to the front and reads more; false on error. */
static bool
fill(struct lines *r)
{
	size_t want;
	ssize_t k;

	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->off += (long)r->start;
	r->end -= r->start;
	r->start = 0;
	want = LINE_BUF - r->end;
	if ((long)want > r->left)
		want = (size_t)r->left;
	do
		k = read(r->fd, r->buf + r->end, want);
	while (k < 0 && errno == EINTR);
	if (k < 0) {
		r->err = errno;
		return false;
	}
	r->left -= (long)k;
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

static void
report_too_large(struct diag *d, const char *path)
{
	struct loc at = {path, 0, NULL, NULL, 0};

	diag_error(d, &at, "file is larger than %d MiB",
	           MAX_FILE / (1024 * 1024));
}

/* scan_stream is scan over a file read a line at a time; false when it
 * cannot be read (reported). */
static bool
scan_stream(struct scan *s, int fd, const char *path)
{
	struct lines *r = lines_new(fd);
	char *p;
	size_t n;
	int line = 0;
	bool ok;

	while (next_line(r, &p, &n, &s->at)) {
		if (line == 0 && has_bom(p, n)) {
			bom_error(s);
			break;
		}
		s->raw_len = n;
		s->raw_sum = line_sum(p, n);
		scan_line(s, p, n, ++line);
	}
	ok = r->err == 0 && !too_large(r);
	if (r->err != 0) {
		struct loc at = {NULL, 0, NULL, NULL, 0};

		diag_error(s->d, &at, "cannot open %s: %s", path,
		           strerror(r->err));
	} else if (too_large(r))
		report_too_large(s->d, path);
	s->errors += !ok;
	free(r);
	return ok;
}

static struct diag *ini_diag;
static const char *ini_file;

/* iniparser reports through a printf-like callback with no context. */
static int ini_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

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
	struct loc at = {e->file, e->line, e->section, e->key, e->col};
	const char *why;
	int fd = input_open(e->file, MAX_FILE, 0, &why);
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
		scan_done(&s);
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

/* iniparser reads the file a piece at a time, from a memory file that
 * holds the lines mailconf scanned: it never opens the user's path (which
 * may have become a FIFO since), and its dictionary, which finds a name
 * by walking every entry, stays small: a dictionary of 100,000 keys would
 * take minutes. A piece ends at a line end, and iniparser keeps no state
 * across lines but the section, which each piece restates. */
#define PIECE 65536
#define PIECE_LINES 128

struct pieces {
	struct source *src;
	const char *path, *file; /* file: as src->files holds it */
	struct diag *d;
	int mem;             /* the memory file iniparser reads */
	size_t i;            /* the next entry whose value to take */
	size_t sec;          /* the sections that start before the piece */
	const char *section; /* the section the piece continues, or NULL */
	struct buf text;
	int lines;
	bool ok;
};

static void
pieces_start(struct pieces *pc, struct source *src, size_t first,
             const char *path, const char *file, struct diag *d)
{
	*pc = (struct pieces){.src = src,
	                      .path = path,
	                      .file = file,
	                      .d = d,
	                      .mem = memfd_create("spec", MFD_CLOEXEC),
	                      .i = first,
	                      .ok = true};
	if (pc->mem < 0) {
		struct loc at = {path, 0, NULL, NULL, 0};

		diag_error(d, &at, "cannot hand the file to iniparser: %s",
		           strerror(errno));
		pc->ok = false;
	}
}

/* piece_load has iniparser read the piece (the lines before line upto;
 * 0: all) and takes the values of those lines. */
static void
piece_load(struct pieces *pc, int upto)
{
	char proc[64];
	dictionary *dict;

	if (!pc->ok)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pc->mem);
	if (ftruncate(pc->mem, 0) != 0 ||
	    pwrite(pc->mem, pc->text.data, pc->text.len, 0) !=
	        (ssize_t)pc->text.len) {
		struct loc at = {pc->path, 0, NULL, NULL, 0};

		diag_error(pc->d, &at, "cannot hand the file to iniparser: %s",
		           strerror(errno));
		pc->ok = false;
		return;
	}
	dict = ini_load(proc, pc->path, pc->d);
	pc->ok = dict != NULL &&
	         take_values(dict, pc->src, &pc->i, upto, pc->path, pc->d);
	iniparser_freedict(dict);
}

/* piece_line adds line (n bytes at p, its newline excluded); false once
 * a piece failed (reported). */
static bool
piece_line(struct pieces *pc, int line, const char *p, size_t n)
{
	const struct source *src = pc->src;

	if (pc->text.len >= PIECE || pc->lines >= PIECE_LINES) {
		piece_load(pc, line);
		buf_reset(&pc->text);
		pc->lines = 0;
	}
	if (pc->lines == 0) {
		for (; pc->sec < src->nsections &&
		       src->sections[pc->sec].line < line;
		     pc->sec++)
			if (src->sections[pc->sec].file == pc->file)
				pc->section = src->sections[pc->sec].name;
		if (pc->section != NULL)
			buf_printf(&pc->text, "[%s]\n", pc->section);
	}
	buf_add(&pc->text, p, n);
	buf_putc(&pc->text, '\n');
	pc->lines++;
	return pc->ok;
}

/* pieces_end loads the last piece; false when a piece failed. */
static bool
pieces_end(struct pieces *pc)
{
	piece_load(pc, 0);
	buf_free(&pc->text);
	if (pc->mem >= 0)
		close(pc->mem);
	return pc->ok;
}

static const char *
add_file(struct source *src, const char *path)
{
	src->files =
	    xreallocarray(src->files, src->nfiles + 1, sizeof(*src->files));
	src->files[src->nfiles] = xstrdup(path);
	return src->files[src->nfiles++];
}

/* read_lean is read_ini for a lean load of fd: read a line at a time,
 * deferred values left in the file, then again, for iniparser. */
static bool
read_lean(struct source *src, struct scan *s, int fd, const char *path,
          struct diag *d)
{
	size_t first = src->nentries;
	struct pieces pc;
	struct lines *r;
	char *p;
	size_t n;
	long at;
	int line = 0;
	bool ok;

	s->file = add_file(src, path);
	ok = scan_stream(s, fd, path);
	scan_done(s);
	if (!ok || s->errors > 0)
		return false;
	src->reread = reread;
	if (lseek(fd, 0, SEEK_SET) != 0) {
		struct loc loc = {path, 0, NULL, NULL, 0};

		diag_error(d, &loc, "cannot read it again: %s",
		           strerror(errno));
		return false;
	}
	r = lines_new(fd);
	pieces_start(&pc, src, first, path, s->file, d);
	while (pc.ok && next_line(r, &p, &n, &at))
		piece_line(&pc, ++line, p, n);
	if (r->err != 0 || too_large(r)) {
		struct loc loc = {path, 0, NULL, NULL, 0};

		diag_error(d, &loc, "cannot read it again: %s",
		           r->err != 0 ? strerror(r->err)
		                       : "it grew while mailconf read it");
		pc.ok = false;
	}
	free(r);
	return pieces_end(&pc);
}

/* read_whole is read_ini for fd held in memory: iniparser reads the
 * bytes that were scanned. */
static bool
read_whole(struct source *src, struct scan *s, int fd, const char *path,
           struct diag *d)
{
	size_t first = src->nentries, pos = 0;
	struct buf text = BUF_INIT;
	struct pieces pc;
	const char *why;
	int rc = input_slurp(fd, &text, MAX_FILE, &why), line = 0;
	char *copy;

	if (rc != 0) {
		struct loc at = {NULL, 0, NULL, NULL, 0};

		if (rc == INPUT_TOO_LARGE)
			report_too_large(d, path);
		else
			diag_error(d, &at, "cannot open %s: %s", path, why);
		buf_free(&text);
		return false;
	}
	s->file = add_file(src, path);
	/* The scan writes into the lines it reads. */
	copy = xmalloc(text.len + 1);
	memcpy(copy, buf_cstr(&text), text.len + 1);
	scan(s, copy, text.len);
	free(copy);
	scan_done(s);
	if (s->errors > 0) {
		buf_free(&text);
		return false;
	}
	pieces_start(&pc, src, first, path, s->file, d);
	while (pc.ok && pos < text.len) {
		const char *p = text.data + pos,
		           *nl = memchr(p, '\n', text.len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : text.len - pos;

		pos += n + (nl != NULL);
		piece_line(&pc, ++line, p, n);
	}
	buf_free(&text);
	return pieces_end(&pc);
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
	const char *why;
	int fd = input_open(path, MAX_FILE, 0, &why);
	bool ok;

	if (fd == INPUT_TOO_LARGE) {
		report_too_large(d, path);
		return false;
	}
	if (fd < 0) {
		struct loc at = {NULL, 0, NULL, NULL, 0};

		diag_error(d, &at, "cannot open %s: %s", path, why);
		return false;
	}
	ok = defer_key != NULL ? read_lean(src, &s, fd, path, d)
	                       : read_whole(src, &s, fd, path, d);
	close(fd);
	return ok;
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

	if (!spec_preset_name_ok(name))
		return NULL;
	path = xasprintf("%s/%s.ini", presets_dir, name);
	/* Whether it is there; what it is, reading it tells (opening a
	 * FIFO here would wait for a writer). */
	if (access(path, F_OK) != 0) {
		free(path);
		return NULL;
	}
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

	if (dir != NULL) {
		struct dirent *de;

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
	struct strmap *sections = strmap_new(same_section, dst);
	struct strmap *entries = strmap_new(same_entry, dst);

	for (size_t i = 0; i < dst->nsections; i++)
		strmap_put(sections, dst->sections[i].name,
		           strlen(dst->sections[i].name), i);
	for (size_t i = 0; i < dst->nentries; i++)
		entry_put(entries, dst->entries[i].section, dst->entries[i].key,
		          i);
	for (size_t i = 0; i < over->nsections; i++) {
		const char *name = over->sections[i].name;

		if (strmap_put(sections, name, strlen(name), dst->nsections) !=
		    STRMAP_NONE) {
			free(over->sections[i].name);
			continue;
		}
		dst->sections = xreallocarray(dst->sections, dst->nsections + 1,
		                              sizeof(*dst->sections));
		dst->sections[dst->nsections++] = over->sections[i];
	}
	for (size_t i = 0; i < over->nentries; i++) {
		struct entry *e = &over->entries[i];
		size_t old =
		    entry_put(entries, e->section, e->key, dst->nentries);

		if (old != STRMAP_NONE) {
			free(dst->entries[old].section);
			free(dst->entries[old].key);
			free(dst->entries[old].value);
			dst->entries[old] = *e;
			continue;
		}
		dst->entries = xreallocarray(dst->entries, dst->nentries + 1,
		                             sizeof(*dst->entries));
		dst->entries[dst->nentries++] = *e;
	}
	strmap_free(sections);
	strmap_free(entries);
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
