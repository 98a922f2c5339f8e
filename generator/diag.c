/* SPDX-License-Identifier: MIT */
/* Diagnostics in gcc's format, so editors can jump to the place; and in the
 * formats CI reads: JSON lines, SARIF, GitHub workflow commands. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"

#ifndef VERSION
#define VERSION "0.1.0"
#endif
#include "xalloc.h"

const struct diag_name diag_names[] = {
    {"port", "a port that belongs to another protocol",
     "use the protocol's port (IMAP 993/143, POP3 995/110, SMTP 465/587)"},
    {"tls-port", "a port whose TLS mode differs from security",
     "set security = ssl for 993, 995 and 465; starttls for 143, 110 and 587"},
    {"host-typo", "a host one letter away from a preset's host",
     "correct the host name"},
    {"host-domain", "a host outside the provider's domains",
     "correct the host, or add its domain to [provider] host_domains"},
    {"plaintext", "password authentication over an unencrypted connection",
     "use security = ssl or starttls if the server offers it; waive it "
     "(section 5) when the provider offers nothing else"},
    {"plaintext-only", "no incoming (or outgoing) server offers TLS",
     "add a server with security = ssl or starttls; waive it when the "
     "provider has none"},
    {"smtp-no-auth", "an SMTP server without authentication",
     "add auth = password (or oauth2)"},
    {"client-cert", "a server whose only method is client-cert",
     "add a password or oauth2 method after client-cert"},
    {"numeric-username", "an all-digit username Thunderbird reads as a number",
     "use %EMAILADDRESS% or %EMAILLOCALPART% if the provider allows it"},
    {"implicit-tls-first",
     "a STARTTLS server listed before an implicit TLS "
     "one (RFC 8314 prefers implicit TLS)",
     "list the ssl server first"},
    {"long-name", "a provider name longer than clients show",
     "shorten name (30) or short_name (12)"},
    {"http-url", "a plain http URL", "use https"},
    {"duplicate-value", "a value listed twice", "remove the second one"},
    {"not-written", "a target this provider cannot have, left out",
     "name the targets to write with --target"},
    {"site-duplicate-domain", "a domain served by more than one spec",
     "remove it from all but one spec"},
    {"site-link", "a file to remove that lies behind a symbolic link",
     "remove the link, then run again"},
    {"import",
     "something an imported file says that mailconf changes or "
     "drops",
     "read the message, and check the spec the import wrote"},
    {"unused-waiver", "a [waivers] key that silenced nothing",
     "remove it, or correct the name or the place"},
    {"backup", "an existing file kept before it was replaced",
     "nothing to fix: the old file is kept"},
    {NULL, NULL, NULL},
};

const struct diag_name *
diag_name_find(const char *name)
{
	for (const struct diag_name *n = diag_names; n->name != NULL; n++)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

struct diag_msg {
	char *file;
	int line, col;
	enum diag_level level;
	const char *name; /* a diag_names row's, or NULL */
	char *section, *key;
	char *message; /* one line: controls shown as escapes */
	size_t seq;
	size_t file_rank;
};

/* What diag_vmsg has seen: the files in order, and a set of the
 * location-less warnings' texts, so that each check is linear. */
struct diag_seen {
	char **files;
	size_t *first; /* the index of each file's first message */
	size_t nfiles;
	uint64_t *set; /* hashes + 1 of messages; 0: free */
	size_t *at;    /* the message each slot stands for */
	size_t cap, n;
};

static const char *const level_names[] = {
    [DIAG_NOTE] = "note", [DIAG_WARNING] = "warning", [DIAG_ERROR] = "error"};

static uint64_t
hash_str(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

static struct diag_seen *
seen_of(struct diag *d)
{
	if (d->seen == NULL)
		d->seen = xcalloc(1, sizeof(*d->seen));
	return d->seen;
}

static size_t
file_rank(struct diag *d, const char *file)
{
	struct diag_seen *s = seen_of(d);

	/* Files in the order first seen, each where its first message
	 * was; a message without a file where it was given. */
	if (file == NULL)
		return d->nmsgs;
	for (size_t i = s->nfiles; i > 0; i--)
		if (strcmp(s->files[i - 1], file) == 0)
			return s->first[i - 1];
	s->files = xreallocarray(s->files, s->nfiles + 1, sizeof(*s->files));
	s->first = xreallocarray(s->first, s->nfiles + 1, sizeof(*s->first));
	s->files[s->nfiles] = xstrdup(file);
	s->first[s->nfiles] = d->nmsgs;
	s->nfiles++;
	return d->nmsgs;
}

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_msg(const struct diag_msg *m, enum diag_level level, const char *name,
         const struct loc *at, const char *message)
{
	return m->level == level && m->file == NULL &&
	       same_str(m->section, at != NULL ? at->section : NULL) &&
	       same_str(m->key, at != NULL ? at->key : NULL) &&
	       same_str(m->name, name) && strcmp(m->message, message) == 0;
}

/* given_before says whether the same location-less message was given;
 * else records it as message index idx. */
static bool
given_before(struct diag *d, enum diag_level level, const char *name,
             const struct loc *loc, const char *message, size_t idx)
{
	struct diag_seen *s = seen_of(d);
	uint64_t h = hash_str(message, 0xcbf29ce484222325u ^ (uint64_t)level);
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap == 0 ? 64 : 2 * s->cap;
		uint64_t *set = xcalloc(cap, sizeof(*set));
		size_t *at = xcalloc(cap, sizeof(*at));

		for (size_t k = 0; k < s->cap; k++)
			if (s->set[k] != 0) {
				size_t j = (size_t)s->set[k] & (cap - 1);

				while (set[j] != 0)
					j = (j + 1) & (cap - 1);
				set[j] = s->set[k];
				at[j] = s->at[k];
			}
		free(s->set);
		free(s->at);
		s->set = set;
		s->at = at;
		s->cap = cap;
	}
	for (i = (size_t)(h + 1) & (s->cap - 1); s->set[i] != 0;
	     i = (i + 1) & (s->cap - 1))
		if (s->set[i] == h + 1 && s->at[i] < d->nmsgs &&
		    same_msg(&d->msgs[s->at[i]], level, name, loc, message))
			return true;
	s->set[i] = h + 1;
	s->at[i] = idx;
	s->n++;
	return false;
}

static bool
silenced(const struct diag *d, const char *name)
{
	for (size_t i = 0; name != NULL && d->off != NULL && d->off[i] != NULL;
	     i++)
		if (strcmp(d->off[i], name) == 0)
			return true;
	return false;
}

void
diag_vmsg(struct diag *d, enum diag_level level, const char *name,
          const struct loc *at, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	struct diag_msg *m;
	char *body;
	va_list cp;
	int n;

	if (level != DIAG_ERROR && silenced(d, name))
		return;
	if (level == DIAG_WARNING && d->strict)
		level = DIAG_ERROR;
	if (level == DIAG_NOTE && d->no_notes)
		return;
	if ((at == NULL || at->file == NULL) && level == DIAG_ERROR &&
	    d->context != NULL)
		at = d->context;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	body = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	vsnprintf(body, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
	/* A message is one line, whatever the input quoted in it holds. */
	for (const char *c = body; *c != '\0'; c++)
		if (*c == '\n')
			buf_puts(&b, "\\n");
		else if (*c == '\r')
			buf_puts(&b, "\\r");
		else if (*c == '\t')
			buf_puts(&b, "\\t");
		else if ((unsigned char)*c < 0x20 || *c == 0x7f)
			buf_printf(&b, "\\x%02x", (unsigned char)*c);
		else
			buf_putc(&b, *c);
	free(body);
	if ((at == NULL || at->file == NULL) && level != DIAG_ERROR &&
	    given_before(d, level, name, at, buf_cstr(&b), d->nmsgs)) {
		buf_free(&b);
		return;
	}
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
	/* powers of two: thousands of messages stay linear */
	if ((d->nmsgs & (d->nmsgs - 1)) == 0)
		d->msgs =
		    xreallocarray(d->msgs, d->nmsgs == 0 ? 1 : 2 * d->nmsgs,
		                  sizeof(*d->msgs));
	m = &d->msgs[d->nmsgs];
	m->file = at != NULL && at->file != NULL ? xstrdup(at->file) : NULL;
	m->line = at != NULL ? at->line : 0;
	m->col = at != NULL ? at->col : 0;
	m->level = level;
	m->name = name; /* a literal at every call site */
	m->section =
	    at != NULL && at->section != NULL ? xstrdup(at->section) : NULL;
	m->key = at != NULL && at->key != NULL ? xstrdup(at->key) : NULL;
	m->message = xstrdup(buf_cstr(&b));
	m->seq = d->nmsgs;
	m->file_rank = file_rank(d, m->file);
	d->nmsgs++;
	buf_free(&b);
}

void
diag_error(struct diag *d, const struct loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(d, DIAG_ERROR, NULL, at, fmt, ap);
	va_end(ap);
}

void
diag_warn(struct diag *d, const char *name, const struct loc *at,
          const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(d, DIAG_WARNING, name, at, fmt, ap);
	va_end(ap);
}

void
diag_note(struct diag *d, const char *name, const struct loc *at,
          const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(d, DIAG_NOTE, name, at, fmt, ap);
	va_end(ap);
}

static int
cmp_msg(const void *a, const void *b)
{
	const struct diag_msg *x = a, *y = b;

	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct diag_msg *
sorted(const struct diag *d)
{
	struct diag_msg *v = xcalloc(d->nmsgs + 1, sizeof(*v));

	if (d->nmsgs > 0)
		memcpy(v, d->msgs, d->nmsgs * sizeof(*v));
	qsort(v, d->nmsgs, sizeof(*v), cmp_msg);
	return v;
}

static void
put_text(struct buf *b, const struct diag_msg *m)
{
	if (m->file != NULL) {
		buf_puts(b, m->file);
		if (m->line > 0)
			buf_printf(b, ":%d", m->line);
		if (m->line > 0 && m->col > 0)
			buf_printf(b, ":%d", m->col);
		buf_puts(b, ": ");
	} else
		buf_puts(b, "mailconf: ");
	buf_printf(b, "%s: ", level_names[m->level]);
	if (m->section != NULL)
		buf_printf(b, "[%s] ", m->section);
	if (m->key != NULL)
		buf_printf(b, "%s: ", m->key);
	buf_puts(b, m->message);
	if (m->name != NULL)
		buf_printf(b, " [-W%s]", m->name);
	buf_putc(b, '\n');
}

/* json_str appends s as a JSON string. */
static void
json_str(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void
put_json(struct buf *b, const struct diag_msg *m)
{
	const struct diag_name *n =
	    m->name != NULL ? diag_name_find(m->name) : NULL;

	buf_puts(b, "{\"file\":");
	json_str(b, m->file);
	buf_printf(b, ",\"line\":%d,\"column\":%d,\"severity\":", m->line,
	           m->col);
	json_str(b, level_names[m->level]);
	buf_puts(b, ",\"name\":");
	json_str(b, m->name);
	buf_puts(b, ",\"section\":");
	json_str(b, m->section);
	buf_puts(b, ",\"key\":");
	json_str(b, m->key);
	buf_puts(b, ",\"message\":");
	json_str(b, m->message);
	buf_puts(b, ",\"fix\":");
	json_str(b, n != NULL ? n->fix : NULL);
	buf_puts(b, "}\n");
}

/* gh_data appends s escaped for a workflow command's message; prop: for
 * a property value, where ":" and "," end it too. */
static void
gh_data(struct buf *b, const char *s, bool prop)
{
	for (; *s != '\0'; s++)
		if (*s == '%')
			buf_puts(b, "%25");
		else if (*s == '\r')
			buf_puts(b, "%0D");
		else if (*s == '\n')
			buf_puts(b, "%0A");
		else if (prop && *s == ':')
			buf_puts(b, "%3A");
		else if (prop && *s == ',')
			buf_puts(b, "%2C");
		else
			buf_putc(b, *s);
}

static void
put_github(struct buf *b, const struct diag_msg *m)
{
	static const char *const cmd[] = {[DIAG_NOTE] = "notice",
	                                  [DIAG_WARNING] = "warning",
	                                  [DIAG_ERROR] = "error"};
	bool props = false;

	buf_printf(b, "::%s", cmd[m->level]);
	if (m->file != NULL) {
		buf_puts(b, " file=");
		gh_data(b, m->file, true);
		if (m->line > 0)
			buf_printf(b, ",line=%d", m->line);
		if (m->line > 0 && m->col > 0)
			buf_printf(b, ",col=%d", m->col);
		props = true;
	}
	if (m->name != NULL) {
		buf_puts(b, props ? ",title=" : " title=");
		gh_data(b, m->name, true);
	}
	buf_puts(b, "::");
	if (m->section != NULL) {
		buf_puts(b, "[");
		gh_data(b, m->section, false);
		buf_puts(b, "] ");
	}
	if (m->key != NULL) {
		gh_data(b, m->key, false);
		buf_puts(b, ": ");
	}
	gh_data(b, m->message, false);
	buf_putc(b, '\n');
}

/* put_uri appends path as a URI reference (RFC 3986): absolute paths as
 * file: URIs, relative ones relative, every other byte percent-encoded. */
static void
put_uri(struct buf *b, const char *path)
{
	buf_putc(b, '"');
	if (path[0] == '/')
		buf_puts(b, "file://");
	for (const unsigned char *c = (const unsigned char *)path; *c != '\0';
	     c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~/", *c) != NULL)
			buf_putc(b, (char)*c);
		else
			buf_printf(b, "%%%02X", *c);
	buf_putc(b, '"');
}

static void
put_sarif(struct buf *b, const struct diag_msg *v, size_t n)
{
	static const char *const level[] = {[DIAG_NOTE] = "note",
	                                    [DIAG_WARNING] = "warning",
	                                    [DIAG_ERROR] = "error"};

	buf_puts(b, "{\"$schema\":\"https://json.schemastore.org/"
	            "sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
	            "\"tool\":{\"driver\":{\"name\":\"mailconf\","
	            "\"version\":\"" VERSION "\","
	            "\"informationUri\":\"https://github.com/mailconf/"
	            "mailconf\",\"rules\":[{\"id\":\"error\","
	            "\"shortDescription\":{\"text\":\"an error in the "
	            "input\"}}");
	for (const struct diag_name *r = diag_names; r->name != NULL; r++) {
		buf_puts(b, ",{\"id\":");
		json_str(b, r->name);
		buf_puts(b, ",\"shortDescription\":{\"text\":");
		json_str(b, r->summary);
		buf_puts(b, "},\"help\":{\"text\":");
		json_str(b, r->fix);
		buf_puts(b, "}}");
	}
	buf_puts(b, "]}},\"results\":[");
	for (size_t i = 0; i < n; i++) {
		const struct diag_msg *m = &v[i];
		struct buf text = BUF_INIT;

		if (m->section != NULL)
			buf_printf(&text, "[%s] ", m->section);
		if (m->key != NULL)
			buf_printf(&text, "%s: ", m->key);
		buf_puts(&text, m->message);
		buf_puts(b, i > 0 ? ",{\"ruleId\":" : "{\"ruleId\":");
		json_str(b, m->name != NULL ? m->name : "error");
		buf_printf(b, ",\"level\":\"%s\",\"message\":{\"text\":",
		           level[m->level]);
		json_str(b, buf_cstr(&text));
		buf_puts(b, "}");
		if (m->file != NULL) {
			buf_puts(b, ",\"locations\":[{\"physicalLocation\":{"
			            "\"artifactLocation\":{\"uri\":");
			put_uri(b, m->file);
			buf_puts(b, "}");
			if (m->line > 0) {
				buf_printf(b, ",\"region\":{\"startLine\":%d",
				           m->line);
				if (m->col > 0)
					buf_printf(b, ",\"startColumn\":%d",
					           m->col);
				buf_puts(b, "}");
			}
			buf_puts(b, "}}]");
		}
		buf_puts(b, "}");
		buf_free(&text);
	}
	buf_puts(b, "]}]}\n");
}

static char *
render(const struct diag *d, enum diag_format f)
{
	struct diag_msg *v = sorted(d);
	struct buf b = BUF_INIT;
	char *s;

	if (f == DIAG_SARIF)
		put_sarif(&b, v, d->nmsgs);
	for (size_t i = 0; f != DIAG_SARIF && i < d->nmsgs; i++)
		switch (f) {
		case DIAG_JSON:
			put_json(&b, &v[i]);
			break;
		case DIAG_GITHUB:
			put_github(&b, &v[i]);
			break;
		default:
			put_text(&b, &v[i]);
		}
	free(v);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

char *
diag_text(const struct diag *d)
{
	return render(d, DIAG_TEXT);
}

static void
forget(struct diag *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		free(d->msgs[i].file);
		free(d->msgs[i].section);
		free(d->msgs[i].key);
		free(d->msgs[i].message);
	}
	free(d->msgs);
	d->msgs = NULL;
	d->nmsgs = 0;
	if (d->seen != NULL) {
		for (size_t i = 0; i < d->seen->nfiles; i++)
			free(d->seen->files[i]);
		free(d->seen->files);
		free(d->seen->first);
		free(d->seen->set);
		free(d->seen->at);
		free(d->seen);
		d->seen = NULL;
	}
}

void
diag_flush(struct diag *d, FILE *out)
{
	char *s;

	/* An empty SARIF log is still the answer a reader waits for. */
	if (d->nmsgs == 0 && d->format != DIAG_SARIF)
		return;
	s = render(d, d->format);
	if (fputs(s, out) == EOF || fflush(out) == EOF) {
		/* nowhere left to report a failure to report */
	}
	free(s);
	forget(d);
}

int
diag_exit_status(const struct diag *d)
{
	return d->errors > 0 ? 1 : 0;
}

void
diag_free(struct diag *d)
{
	forget(d);
}
