/* SPDX-License-Identifier: MIT */
/* The provider model: the key tables that type each spec entry, and the checks
 * on values. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dupes.h"
#include "model.h"
#include "strmap.h"
#include "text.h"
#include "xalloc.h"

const char *const proto_names[] = {[PROTO_IMAP] = "imap",
                                   [PROTO_POP3] = "pop3",
                                   [PROTO_SMTP] = "smtp",
                                   [PROTO_SMTP + 1] = NULL};
const char *const security_names[] = {[SECURITY_SSL] = "ssl",
                                      [SECURITY_STARTTLS] = "starttls",
                                      [SECURITY_NONE] = "none",
                                      [SECURITY_NONE + 1] = NULL};
const char *const auth_names[] = {
    [AUTH_PASSWORD_CLEARTEXT] = "password-cleartext",
    [AUTH_PASSWORD_ENCRYPTED] = "password-encrypted",
    [AUTH_OAUTH2] = "oauth2",
    [AUTH_NTLM] = "ntlm",
    [AUTH_GSSAPI] = "gssapi",
    [AUTH_CLIENT_CERT] = "client-cert",
    [AUTH_NONE] = "none",
    [AUTH_COUNT] = NULL};

/* Section kinds, by the name before any ".label". */
enum skind {
	S_PROVIDER,
	S_SERVER,
	S_DOCUMENTATION,
	S_BEFORE,
	S_CAVEATS,
	S_WAIVERS,
	S_OAUTH2
};

/* How a key's value is read. */
enum kkind {
	K_TEXT,     /* any non-empty text */
	K_DOMAIN,   /* a literal domain name */
	K_DOMAINS,  /* comma-separated domain names */
	K_HOST,     /* host name, IPv4 address, or with %EMAILDOMAIN% */
	K_PORT,     /* 1-65535 */
	K_SECURITY, /* ssl, starttls, none */
	K_AUTH,     /* comma-separated methods */
	K_USERNAME, /* literal or %PLACEHOLDERS% */
	K_BOOL,     /* true, false */
	K_DAYS,     /* 1-3650 */
	K_URL,      /* http(s) URL */
	K_PRESET,   /* handled by spec.c; only checked here */
};

struct key {
	const char *name;
	enum kkind kind;
	bool required;
	bool pop3_only;
};

static const struct key provider_keys[] = {
    {"id", K_DOMAIN, true, false},
    {"name", K_TEXT, true, false},
    {"short_name", K_TEXT, true, false},
    {"domains", K_DOMAINS, true, false},
    {"host_domains", K_DOMAINS, false, false},
    {"preset", K_PRESET, false, false},
    {NULL, K_TEXT, false, false}};

static const struct key server_keys[] = {
    {"host", K_HOST, true, false},
    {"port", K_PORT, false, false},
    {"security", K_SECURITY, true, false},
    {"auth", K_AUTH, false, false},
    {"username", K_USERNAME, false, false},
    {"leave_on_server", K_BOOL, false, true},
    {"days_to_keep", K_DAYS, false, true},
    {NULL, K_TEXT, false, false}};

static const struct key url_keys[] = {{"url", K_URL, false, false},
                                      {NULL, K_TEXT, false, false}};

static const struct key oauth2_keys[] = {{"issuer", K_DOMAIN, true, false},
                                         {"scope", K_TEXT, true, false},
                                         {"auth_url", K_URL, true, false},
                                         {"token_url", K_URL, true, false},
                                         {NULL, K_TEXT, false, false}};

static const struct {
	const char *name;
	enum skind kind;
	const struct key *keys;
	bool labelled; /* may repeat as NAME.LABEL */
	bool langs;    /* also takes LANG (documentation) or LANG.NAME keys */
} section_kinds[] = {
    {"provider", S_PROVIDER, provider_keys, false, false},
    {"imap", S_SERVER, server_keys, true, false},
    {"pop3", S_SERVER, server_keys, true, false},
    {"smtp", S_SERVER, server_keys, true, false},
    {"documentation", S_DOCUMENTATION, url_keys, false, true},
    {"before", S_BEFORE, url_keys, false, true},
    {"caveats", S_CAVEATS, NULL, false, true},
    {"oauth2", S_OAUTH2, oauth2_keys, false, false},
    {"waivers", S_WAIVERS, NULL, false, false},
};

#define NKINDS (sizeof(section_kinds) / sizeof(section_kinds[0]))

/* The names a domain list holds so far, as hashes of their lower-case
 * form: a spec may list 100,000 domains, and comparing each new one with
 * all before it would take minutes. Only a hash seen before is checked by
 * comparing names. */
struct seen {
	unsigned long long *h; /* open addressing; 0 is free */
	size_t cap, n;
};

struct builder {
	struct model *m;
	struct diag *d;
	int errors;
	struct seen seen[2]; /* domains, host_domains */
	long ranks[2];       /* servers so far: outgoing, incoming */
};

/* seen_add adds name; true when its hash was there already. */
static bool
seen_add(struct seen *s, const char *name)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	size_t i;

	for (const char *c = name; *c != '\0'; c++) {
		h ^= (unsigned char)tolower((unsigned char)*c);
		h *= 0x100000001b3ULL;
	}
	h += h == 0;
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap != 0 ? 2 * s->cap : 64;
		struct seen big = {xcalloc(cap, sizeof(*s->h)), cap, 0};

		for (size_t k = 0; k < s->cap; k++)
			if (s->h[k] != 0) {
				for (i = s->h[k] & (big.cap - 1); big.h[i] != 0;
				     i = (i + 1) & (big.cap - 1))
					;
				big.h[i] = s->h[k];
				big.n++;
			}
		free(s->h);
		*s = big;
	}
	for (i = h & (s->cap - 1); s->h[i] != 0; i = (i + 1) & (s->cap - 1))
		if (s->h[i] == h)
			return true;
	s->h[i] = h;
	s->n++;
	return false;
}

static void berr(struct builder *b, const struct entry *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
berr(struct builder *b, const struct entry *e, const char *fmt, ...)
{
	struct loc at = {e->file, e->line, e->section, e->key, e->col};
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(b->d, DIAG_ERROR, NULL, &at, fmt, ap);
	va_end(ap);
	b->errors++;
}

static void bwarn(struct builder *b, const char *name, const struct entry *e,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
bwarn(struct builder *b, const char *name, const struct entry *e,
      const char *fmt, ...)
{
	struct loc at = {e->file, e->line, e->section, e->key, e->col};
	va_list ap;

	va_start(ap, fmt);
	model_vwarn(b->m, b->d, DIAG_WARNING, name, &at, fmt, ap);
	va_end(ap);
}

/* waiver_covers says whether w silences name at at. */
static bool
waiver_covers(const struct waiver *w, const char *name, const struct loc *at)
{
	size_t n;

	if (strcmp(w->name, name) != 0)
		return false;
	if (w->where == NULL)
		return true;
	if (at == NULL || at->section == NULL)
		return false;
	n = strlen(at->section);
	return strncmp(w->where, at->section, n) == 0 &&
	       (w->where[n] == '\0' ||
	        (w->where[n] == '.' && at->key != NULL &&
	         strcmp(w->where + n + 1, at->key) == 0));
}

void
model_vwarn(const struct model *m, struct diag *d, enum diag_level lvl,
            const char *name, const struct loc *at, const char *fmt, va_list ap)
{
	for (size_t i = 0; i < m->nwaivers; i++) {
		struct waiver *w = &m->waivers[i];
		char *msg;
		va_list cp;
		int n;

		if (!waiver_covers(w, name, at))
			continue;
		w->used = true;
		va_copy(cp, ap);
		n = vsnprintf(NULL, 0, fmt, cp);
		va_end(cp);
		msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
		vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
		diag_note(d, name, at, "%s; waived in %s:%d: %s", msg, w->file,
		          w->line, w->reason);
		free(msg);
		return;
	}
	diag_vmsg(d, lvl, name, at, fmt, ap);
}

/* The names of the spec's own checks: the ones a waiver can silence. */
static const char *const waivable[] = {"long-name",          "duplicate-value",
                                       "http-url",           "plaintext",
                                       "plaintext-only",     "smtp-no-auth",
                                       "client-cert",        "port",
                                       "tls-port",           "host-typo",
                                       "host-domain",        "numeric-username",
                                       "implicit-tls-first", NULL};

/* waiver_place says whether where is a section of src, or a key of one
 * (NAME.SECTION.KEY: a section's name may itself hold a dot). */
static bool
waiver_place(const struct source *src, const char *where)
{
	for (size_t i = 0; i < src->nsections; i++) {
		const char *name = src->sections[i].name;
		size_t n = strlen(name);

		if (strncmp(where, name, n) == 0 &&
		    (where[n] == '\0' ||
		     (where[n] == '.' && where[n + 1] != '\0')))
			return true;
	}
	return false;
}

/* read_waivers reads [waivers] before anything else is checked: a
 * warning of the first section may be waived by the last. */
static void
read_waivers(struct builder *b)
{
	struct source *src = b->m->src;

	for (size_t i = 0; i < src->nentries; i++) {
		const struct entry *e = &src->entries[i];
		const char *dot;
		char *name;
		bool name_ok;
		struct waiver *w;

		if (strcmp(e->section, "waivers") != 0)
			continue;
		dot = strchr(e->key, '.');
		name = dot != NULL ? xstrndup(e->key, (size_t)(dot - e->key))
		                   : xstrdup(e->key);
		name_ok = false;
		for (size_t k = 0; waivable[k] != NULL; k++)
			name_ok |= strcmp(waivable[k], name) == 0;
		if (!name_ok) {
			const char *near = closest(name, waivable);

			if (diag_name_find(name) != NULL)
				berr(b, e,
				     "\"%s\" is not a warning of the spec's "
				     "checks; silence it with -Wno-%s",
				     name, name);
			else if (near != NULL)
				berr(b, e,
				     "no warning is named \"%s\"; did you mean "
				     "\"%s\"?",
				     name, near);
			else
				berr(b, e,
				     "no warning is named \"%s\" (docs/spec.md "
				     "section 5 lists them)",
				     name);
			free(name);
			continue;
		}
		if (dot != NULL && !waiver_place(src, dot + 1)) {
			berr(b, e,
			     "no section of the spec is [%s]: a waiver names "
			     "NAME, NAME.SECTION or NAME.SECTION.KEY",
			     dot + 1);
			free(name);
			continue;
		}
		if (e->value == NULL || e->value[0] == '\0') {
			berr(b, e,
			     "a waiver needs its reason: why the warning does "
			     "not apply here");
			free(name);
			continue;
		}
		b->m->waivers = xreallocarray(b->m->waivers, b->m->nwaivers + 1,
		                              sizeof(*b->m->waivers));
		w = &b->m->waivers[b->m->nwaivers++];
		w->name = name;
		w->where = dot != NULL ? xstrdup(dot + 1) : NULL;
		w->reason = xstrdup(e->value);
		w->file = e->file;
		w->line = e->line;
		w->used = false;
	}
}

bool
server_is_incoming(const struct server *s)
{
	return s->proto != PROTO_SMTP;
}

/* --- value syntax ----------------------------------------------------- */

/* check_label checks one DNS label; returns a reason or NULL. */
static const char *
check_label(const char *p, size_t n)
{
	if (n == 0)
		return "empty label between dots";
	if (n > 63)
		return "a label is longer than 63 characters";
	if (p[0] == '-' || p[n - 1] == '-')
		return "a label starts or ends with \"-\"";
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '-')
			return "only letters, digits, \"-\" and \".\" are "
			       "allowed";
	return NULL;
}

static bool
is_ipv4(const char *s)
{
	int parts = 0;

	while (*s != '\0') {
		int v = 0, digits = 0;

		while (isdigit((unsigned char)*s) && digits < 4) {
			v = v * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return false;
		parts++;
		if (*s == '.' && s[1] == '\0')
			return false;
		if (*s == '.')
			s++;
		else if (*s != '\0')
			return false;
	}
	return parts == 4;
}

/* lower folds s to lower case in place (domains are ASCII: checked). */
static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static char *
lower_dup(const char *s)
{
	char *t = xstrdup(s);

	lower(t);
	return t;
}

/* The entries of a section, in file order, without a walk of all of them
 * per section: a spec may have 40,000 server sections. */
#define SEC_END ((size_t)-1)

struct source_index {
	struct strmap *map; /* section name -> its first entry */
	size_t *next;       /* per entry: the next of its section, or SEC_END */
	size_t *last;       /* per first entry: the last one so far */
};

static bool
same_section(const void *ctx, size_t v, const char *name, size_t n)
{
	const struct source *src = ctx;
	const char *s = src->entries[v].section;

	return strlen(s) == n && memcmp(s, name, n) == 0;
}

static void
index_build(struct source *src)
{
	struct source_index *x = xcalloc(1, sizeof(*x));

	x->map = strmap_new(same_section, src);
	x->next = xcalloc(src->nentries + 1, sizeof(*x->next));
	x->last = xcalloc(src->nentries + 1, sizeof(*x->last));
	for (size_t i = 0; i < src->nentries; i++) {
		const char *sec = src->entries[i].section;
		size_t first = strmap_put(x->map, sec, strlen(sec), i);

		x->next[i] = SEC_END;
		if (first == STRMAP_NONE)
			x->last[i] = i;
		else {
			x->next[x->last[first]] = i;
			x->last[first] = i;
		}
	}
	src->index = x;
}

static size_t
sec_first(const struct source *src, const char *section)
{
	size_t i;

	if (src->index == NULL)
		index_build((struct source *)src);
	i = strmap_get(src->index->map, section, strlen(section));
	return i == STRMAP_NONE ? SEC_END : i;
}

static void
index_free(struct source_index *x)
{
	if (x == NULL)
		return;
	strmap_free(x->map);
	free(x->next);
	free(x->last);
	free(x);
}

/* check_domain returns why s is not a host name, or NULL. A host name
 * needs two labels unless single is allowed; placeholder allows
 * %EMAILDOMAIN% in place of labels. */
static const char *
check_domain(const char *s, bool placeholder)
{
	const char *p = s;
	size_t labels = 0;
	bool numeric_tld = true;

	if (*s == '\0')
		return "it is empty";
	if (strlen(s) > 253)
		return "it is longer than 253 characters";
	if (strchr(s, '%') != NULL && !placeholder)
		return "placeholders are not allowed here; write the literal "
		       "domain";
	while (true) {
		const char *dot = strchr(p, '.');
		size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		const char *why;

		if (placeholder && n == 13 &&
		    strncmp(p, "%EMAILDOMAIN%", 13) == 0)
			why = NULL, numeric_tld = false, labels++;
		else {
			if (memchr(p, '%', n) != NULL)
				return "the only placeholder allowed in a "
				       "host name is %EMAILDOMAIN%";
			why = check_label(p, n);
			numeric_tld = true;
			for (size_t i = 0; i < n; i++)
				if (!isdigit((unsigned char)p[i]))
					numeric_tld = false;
			labels++;
		}
		if (why != NULL)
			return why;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	if (numeric_tld)
		return "the last label is all digits";
	if (labels < 2 && strstr(s, "%EMAILDOMAIN%") == NULL)
		return "it needs at least two labels, like example.com";
	return NULL;
}

/* parse_uint reads a decimal number in [lo, hi] with nothing around it:
 * iniparser_getint("993x") would give 993. */
static bool
parse_uint(const char *s, long lo, long hi, long *out)
{
	long v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return false;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (*s - '0');
		if (v > hi)
			return false;
	}
	if (v < lo)
		return false;
	*out = v;
	return true;
}

/* split_list splits a comma-separated list, trimming spaces; empty items
 * are kept (as "") so that the caller can report them. */
static char **
split_list(const char *s, size_t *n)
{
	char **v = NULL;
	size_t k = 0;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		const char *b = s, *e = s + len;

		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		v = xreallocarray(v, k + 1, sizeof(*v));
		v[k++] = xstrndup(b, (size_t)(e - b));
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	*n = k;
	return v;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
find_word(const char *const *words, const char *w)
{
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], w) == 0)
			return i;
	return -1;
}

static bool
check_url(struct builder *b, const struct entry *e)
{
	const char *why = model_url_error(e->value);

	if (why != NULL) {
		berr(b, e, "\"%s\"%s", e->value, why);
		return false;
	}
	if (strncmp(e->value, "http://", 7) == 0)
		bwarn(b, "http-url", e,
		      "\"%s\" is plain http; clients and users should be sent "
		      "to https",
		      e->value);
	return true;
}

/* placeholders that Thunderbird and the other generators substitute in a
 * username; anything else between % signs is a typo. */
static const char *const placeholders[] = {"%EMAILADDRESS%", "%EMAILLOCALPART%",
                                           "%EMAILDOMAIN%", NULL};

/* bad_placeholder returns where the first unknown %...% placeholder of
 * s starts (its length in *n), or NULL. */
static const char *
bad_placeholder(const char *s, int *n)
{
	const char *p = s;

	while ((p = strchr(p, '%')) != NULL) {
		bool known = false;

		for (size_t i = 0; placeholders[i] != NULL; i++)
			if (strncmp(p, placeholders[i],
			            strlen(placeholders[i])) == 0) {
				p += strlen(placeholders[i]);
				known = true;
				break;
			}
		if (!known) {
			const char *end = strchr(p + 1, '%');

			*n = end != NULL ? (int)(end - p + 1) : (int)strlen(p);
			return p;
		}
	}
	return NULL;
}

bool
model_username_ok(const char *username)
{
	int n;

	return username[0] != '\0' && bad_placeholder(username, &n) == NULL;
}

static bool
check_username(struct builder *b, const struct entry *e)
{
	int n;
	const char *p = bad_placeholder(e->value, &n);

	if (p != NULL) {
		berr(b, e,
		     "unknown placeholder \"%.*s\"; expected "
		     "%%EMAILADDRESS%%, %%EMAILLOCALPART%% or %%EMAILDOMAIN%% "
		     "(each between two %% signs)",
		     n, p);
		return false;
	}
	return true;
}

/* --- building --------------------------------------------------------- */

static int
kind_of(const char *section, const char **label)
{
	const char *dot = strchr(section, '.');
	size_t n = dot != NULL ? (size_t)(dot - section) : strlen(section);

	*label = dot != NULL ? dot + 1 : NULL;
	for (size_t i = 0; i < NKINDS; i++)
		if (strlen(section_kinds[i].name) == n &&
		    strncmp(section_kinds[i].name, section, n) == 0)
			return (int)i;
	return -1;
}

static const struct key *
find_key(const struct key *keys, const char *name)
{
	for (size_t i = 0; keys != NULL && keys[i].name != NULL; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static bool
is_lang(const char *s, size_t n)
{
	return n == 2 && islower((unsigned char)s[0]) &&
	       islower((unsigned char)s[1]);
}

static const struct entry *
entry_at(const struct source *src, const char *section, const char *key)
{
	for (size_t i = sec_first(src, section); i != SEC_END;
	     i = src->index->next[i])
		if (strcmp(src->entries[i].key, key) == 0)
			return &src->entries[i];
	return NULL;
}

void
model_loc(const struct model *m, const char *section, const char *key,
          struct loc *at)
{
	const struct entry *e =
	    key != NULL ? entry_at(m->src, section, key) : NULL;

	at->section = section;
	at->key = key;
	at->col = 0;
	at->file =
	    m->src->nfiles > 0 ? m->src->files[m->src->nfiles - 1] : NULL;
	at->line = 0;
	if (e != NULL) {
		at->file = e->file;
		at->line = e->line;
		at->col = e->col;
		return;
	}
	for (size_t i = 0; i < m->src->nsections; i++)
		if (strcmp(m->src->sections[i].name, section) == 0) {
			at->file = m->src->sections[i].file;
			at->line = m->src->sections[i].line;
			at->key = NULL;
			return;
		}
}

static void
report_unknown_section(struct builder *b, const struct section *s)
{
	static const char *const names[] = {
	    "provider", "imap",    "pop3",   "smtp",    "documentation",
	    "before",   "caveats", "oauth2", "waivers", NULL};
	struct loc at = {s->file, s->line, NULL, NULL, 0};
	char *base = xstrdup(s->name);
	char *dot = strchr(base, '.');
	const char *label, *near;

	if (dot != NULL)
		*dot = '\0';
	near = closest(base, names);
	if (kind_of(base, &label) >= 0)
		diag_error(b->d, &at,
		           "[%s] cannot have a \".label\"; only [imap.NAME], "
		           "[pop3.NAME] and [smtp.NAME] can repeat",
		           s->name);
	else if (near != NULL)
		diag_error(b->d, &at,
		           "unknown section [%s]; did you mean [%s%s]?",
		           s->name, near, s->name + strlen(base));
	else
		diag_error(b->d, &at,
		           "unknown section [%s]; sections are [provider], "
		           "[imap], [pop3], [smtp] (or [imap.NAME] etc.), "
		           "[documentation], [before], [caveats], [oauth2], "
		           "[waivers]",
		           s->name);
	b->errors++;
	free(base);
}

static void
report_unknown_key(struct builder *b, const struct entry *e, int kind)
{
	const struct key *keys = section_kinds[kind].keys;
	const char *cands[16];
	size_t n = 0;
	const char *near;

	for (size_t i = 0; keys != NULL && keys[i].name != NULL && n < 15; i++)
		cands[n++] = keys[i].name;
	cands[n] = NULL;
	near = closest(e->key, cands);
	if (strcmp(section_kinds[kind].name, "pop3") != 0 &&
	    find_key(server_keys, e->key) != NULL &&
	    find_key(server_keys, e->key)->pop3_only)
		berr(b, e, "unknown key; \"%s\" is only valid in [pop3]",
		     e->key);
	else if (near != NULL)
		berr(b, e, "unknown key; did you mean \"%s\"?", near);
	else if (section_kinds[kind].langs)
		berr(b, e,
		     "unknown key; expected %sa two-letter language code%s",
		     keys != NULL ? "\"url\" or " : "",
		     section_kinds[kind].kind == S_DOCUMENTATION
		         ? " (en, ja, ...)"
		         : " and a name (en.NAME, ja.NAME, ...)");
	else {
		struct buf all = BUF_INIT;

		for (size_t i = 0; i < n; i++)
			buf_printf(&all, "%s%s", i > 0 ? ", " : "", cands[i]);
		berr(b, e, "unknown key; expected one of: %s", buf_cstr(&all));
		buf_free(&all);
	}
}

static void
add_ltext(struct ltext **v, size_t *n, const char *lang, size_t langlen,
          const char *name, const char *text)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].lang = xstrndup(lang, langlen);
	(*v)[*n].name = xstrdup(name);
	(*v)[*n].text = xstrdup(text);
	(*n)++;
}

/* lang_entry takes a LANG (documentation) or LANG.NAME (before, caveats)
 * key; false when the key is not of that form. */
static bool
lang_entry(struct builder *b, const struct entry *e, enum skind kind)
{
	struct model *m = b->m;
	const char *dot = strchr(e->key, '.');
	size_t ll = dot != NULL ? (size_t)(dot - e->key) : strlen(e->key);

	if (!is_lang(e->key, ll))
		return false;
	if (kind == S_DOCUMENTATION ? dot != NULL
	                            : dot == NULL || dot[1] == '\0')
		return false;
	if (e->value[0] == '\0') {
		berr(b, e, "empty text; remove the key or write the text");
		return true;
	}
	if (kind == S_DOCUMENTATION)
		add_ltext(&m->doc, &m->ndoc, e->key, ll, "", e->value);
	else if (kind == S_BEFORE)
		add_ltext(&m->before, &m->nbefore, e->key, ll, dot + 1,
		          e->value);
	else
		add_ltext(&m->caveats, &m->ncaveats, e->key, ll, dot + 1,
		          e->value);
	return true;
}

/* is_domains says whether e holds (part of) the provider's domain list:
 * domains, or a domains.NAME continuation. */
static bool
is_domains(const struct entry *e)
{
	return strcmp(e->section, "provider") == 0 &&
	       (strcmp(e->key, "domains") == 0 ||
	        (strncmp(e->key, "domains.", 8) == 0 && e->key[8] != '\0'));
}

/* items splits e's value, read back from its file when deferred; NULL
 * when that file changed (reported). */
static char **
items(const struct entry *e, const struct source *src, size_t *n,
      struct diag *d)
{
	char *v;
	char **list;

	if (e->value != NULL)
		return split_list(e->value, n);
	v = src->reread(e, d);
	if (v == NULL)
		return NULL;
	list = split_list(v, n);
	free(v);
	return list;
}

/* defer_domains prepares a model whose domain list stayed in the spec
 * (spec_load_lean): one pass counts the names, one finds the few that
 * may repeat, so that domain_list can tell repeats without holding the
 * names. False when a file changed (reported). */
static bool
defer_domains(struct builder *b)
{
	const struct source *src = b->m->src;
	size_t total = 0;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			b->m->deferred = dupes_new(total, true);
		for (size_t i = 0; i < src->nentries; i++) {
			const struct entry *e = &src->entries[i];
			size_t k;
			char **v;

			if (!is_domains(e))
				continue;
			v = items(e, src, &k, b->d);
			if (v == NULL) {
				b->errors++;
				return false;
			}
			total += k;
			for (size_t j = 0; pass == 1 && j < k; j++)
				dupes_note(b->m->deferred, v[j]);
			free_list(v, k);
		}
	}
	return true;
}

/* domain_list appends the domains of e to the list *out of *n; for a
 * deferred list (m->deferred) it only counts them, in m->ndeferred. */
static void
domain_list(struct builder *b, const struct entry *e, char ***list, size_t *n)
{
	size_t k;
	char **v, **out = *list;
	bool deferred = list == &b->m->domains && b->m->deferred != NULL;

	if (deferred) {
		v = items(e, b->m->src, &k, b->d);
		if (v == NULL) {
			b->errors++;
			return;
		}
	} else
		v = split_list(e->value, &k);
	for (size_t i = 0; i < k; i++) {
		const char *why = check_domain(v[i], false);
		bool dup = false;

		if (v[i][0] == '\0') {
			berr(b, e,
			     "empty item in the list; separate domains "
			     "with single commas");
			continue;
		}
		if (why != NULL) {
			berr(b, e, "\"%s\" is not a valid domain name: %s",
			     v[i], why);
			continue;
		}
		if (deferred)
			dup = dupes_again(b->m->deferred, v[i]);
		else if (seen_add(&b->seen[list == &b->m->domains ? 0 : 1],
		                  v[i]))
			for (size_t j = 0; j < *n && !dup; j++)
				dup = strcasecmp(out[j], v[i]) == 0;
		if (dup) {
			bwarn(b, "duplicate-value", e, "\"%s\" is listed twice",
			      v[i]);
			continue;
		}
		if (deferred) {
			b->m->ndeferred++;
			continue;
		}
		out = xreallocarray(out, *n + 1, sizeof(*out));
		/* Domains are case-insensitive: every output (a site's
		 * directories, nginx's names, the zone) uses one form. */
		out[(*n)++] = lower_dup(v[i]);
	}
	free_list(v, k);
	*list = out;
}

static void
set_auth(struct builder *b, const struct entry *e, struct server *s)
{
	size_t k;
	char **v = split_list(e->value, &k);

	s->nauth = 0;
	for (size_t i = 0; i < k; i++) {
		int a = find_word(auth_names, v[i]);
		bool dup = false;

		if (a < 0) {
			const char *near = closest(v[i], auth_names);

			if (v[i][0] == '\0')
				berr(b, e, "empty item in the list");
			else if (near != NULL)
				berr(b, e,
				     "unknown method \"%s\"; did you mean "
				     "\"%s\"?",
				     v[i], near);
			else
				berr(
				    b, e,
				    "unknown method \"%s\"; expected "
				    "password-cleartext, password-encrypted, "
				    "oauth2, ntlm, gssapi, client-cert or none",
				    v[i]);
			continue;
		}
		for (size_t j = 0; j < s->nauth; j++)
			dup = dup || s->auth[j] == (enum auth)a;
		if (dup) {
			berr(b, e, "\"%s\" is listed twice", v[i]);
			continue;
		}
		s->auth[s->nauth++] = (enum auth)a;
	}
	free_list(v, k);
}

static void
set_security(struct builder *b, const struct entry *e, struct server *s)
{
	int v = find_word(security_names, e->value);

	if (v >= 0) {
		s->security = (enum security)v;
		return;
	}
	if (strcasecmp(e->value, "ssl") == 0 ||
	    strcasecmp(e->value, "starttls") == 0 ||
	    strcasecmp(e->value, "none") == 0)
		berr(b, e, "unknown value \"%s\"; write it in lower case",
		     e->value);
	else if (strcasecmp(e->value, "startssl") == 0)
		berr(b, e, "unknown value \"%s\"; did you mean \"starttls\"?",
		     e->value);
	else
		berr(b, e,
		     "unknown value \"%s\"; expected ssl (implicit TLS: 993, "
		     "995, 465), starttls (143, 110, 587) or none",
		     e->value);
}

static void
server_entry(struct builder *b, const struct entry *e, struct server *s,
             const struct key *k, bool have[])
{
	long v;

	switch (k->kind) {
	case K_HOST: {
		const char *why =
		    is_ipv4(e->value) ? NULL : check_domain(e->value, true);

		if (why != NULL)
			berr(b, e, "\"%s\" is not a valid host name: %s",
			     e->value, why);
		else
			s->host = xstrdup(e->value);
		break;
	}
	case K_PORT:
		if (parse_uint(e->value, 1, 65535, &v))
			s->port = (int)v;
		else
			berr(b, e, "\"%s\" is not a port number (1-65535)",
			     e->value);
		break;
	case K_SECURITY:
		set_security(b, e, s);
		break;
	case K_AUTH:
		set_auth(b, e, s);
		break;
	case K_USERNAME:
		if (e->value[0] == '\0')
			berr(b, e,
			     "empty username; leave the key out for "
			     "%%EMAILADDRESS%%");
		else if (check_username(b, e)) {
			free(s->username);
			s->username = xstrdup(e->value);
		}
		break;
	case K_BOOL:
		if (strcmp(e->value, "true") == 0)
			s->leave_on_server = 1;
		else if (strcmp(e->value, "false") == 0)
			s->leave_on_server = 0;
		else
			berr(b, e,
			     "\"%s\" is not a boolean; write true or "
			     "false",
			     e->value);
		break;
	case K_DAYS:
		if (parse_uint(e->value, 1, 3650, &v))
			s->days_to_keep = (int)v;
		else
			berr(b, e, "\"%s\" is not a number of days (1-3650)",
			     e->value);
		break;
	default:
		break;
	}
	have[k - server_keys] = true;
}

static int
default_port(enum proto p, enum security sec)
{
	static const int ports[3][3] = {
	    [PROTO_IMAP] = {993, 143, 143},
	    [PROTO_POP3] = {995, 110, 110},
	    [PROTO_SMTP] = {465, 587, 587},
	};

	return ports[p][sec];
}

static void
build_server(struct builder *b, const struct section *sec, int kind)
{
	struct model *m = b->m;
	struct server s = {0};
	bool have[8] = {false};
	const char *label;
	const struct source *src = m->src;

	(void)kind_of(sec->name, &label);
	s.proto = (enum proto)find_word(proto_names, section_kinds[kind].name);
	s.section = xstrdup(sec->name);
	s.leave_on_server = -1;
	s.security = SECURITY_SSL;
	s.username = xstrdup("%EMAILADDRESS%");
	for (size_t i = sec_first(src, sec->name); i != SEC_END;
	     i = src->index->next[i]) {
		const struct entry *e = &src->entries[i];
		const struct key *k;

		k = find_key(server_keys, e->key);
		if (k == NULL || (k->pop3_only && s.proto != PROTO_POP3)) {
			report_unknown_key(b, e, kind);
			continue;
		}
		server_entry(b, e, &s, k, have);
	}
	for (size_t i = 0; server_keys[i].name != NULL; i++)
		if (server_keys[i].required && !have[i]) {
			struct loc at = {sec->file, sec->line, sec->name, NULL,
			                 0};

			diag_error(b->d, &at, "missing required key \"%s\"",
			           server_keys[i].name);
			b->errors++;
		}
	if (s.nauth == 0 && !have[3]) {
		s.auth[0] = AUTH_PASSWORD_CLEARTEXT;
		s.nauth = 1;
	}
	if (s.port == 0)
		s.port = default_port(s.proto, s.security);
	for (size_t i = 0; i < s.nauth; i++) {
		const struct entry *e = entry_at(src, sec->name, "auth");

		if (s.auth[i] != AUTH_NONE || e == NULL)
			continue;
		if (server_is_incoming(&s))
			berr(b, e,
			     "\"none\" is for SMTP only: IMAP and POP3 servers "
			     "always log in");
		else if (s.nauth > 1)
			berr(b, e,
			     "\"none\" cannot be combined with other methods");
	}
	if (s.days_to_keep > 0 && s.leave_on_server == 0) {
		const struct entry *e =
		    entry_at(src, sec->name, "days_to_keep");

		berr(b, e, "needs leave_on_server = true, not false");
	}
	if (s.days_to_keep > 0 && s.leave_on_server < 0)
		s.leave_on_server = 1;
	s.rank = b->ranks[server_is_incoming(&s)]++;
	m->servers =
	    xreallocarray(m->servers, m->nservers + 1, sizeof(*m->servers));
	m->servers[m->nservers++] = s;
}

static void
build_simple(struct builder *b, const struct section *sec, int kind)
{
	struct model *m = b->m;
	const struct key *keys = section_kinds[kind].keys;
	bool have[8] = {false};

	for (size_t i = sec_first(m->src, sec->name); i != SEC_END;
	     i = m->src->index->next[i]) {
		const struct entry *e = &m->src->entries[i];
		const struct key *k;
		char **field = NULL;

		k = find_key(keys, e->key);
		/* domains.NAME continues the list: a provider with many
		 * domains groups them over several lines. */
		if (k == NULL && section_kinds[kind].kind == S_PROVIDER &&
		    strncmp(e->key, "domains.", 8) == 0 && e->key[8] != '\0') {
			domain_list(b, e, &m->domains, &m->ndomains);
			continue;
		}
		if (k == NULL) {
			if (!section_kinds[kind].langs ||
			    !lang_entry(b, e, section_kinds[kind].kind))
				report_unknown_key(b, e, kind);
			continue;
		}
		have[k - keys] = true;
		if (strcmp(sec->name, "provider") == 0) {
			if (strcmp(k->name, "id") == 0)
				field = &m->id;
			else if (strcmp(k->name, "name") == 0)
				field = &m->name;
			else if (strcmp(k->name, "short_name") == 0)
				field = &m->short_name;
		} else if (strcmp(sec->name, "documentation") == 0)
			field = &m->doc_url;
		else if (strcmp(sec->name, "before") == 0)
			field = &m->before_url;
		else if (strcmp(k->name, "issuer") == 0)
			field = &m->oauth_issuer;
		else if (strcmp(k->name, "scope") == 0)
			field = &m->oauth_scope;
		else if (strcmp(k->name, "auth_url") == 0)
			field = &m->oauth_auth_url;
		else if (strcmp(k->name, "token_url") == 0)
			field = &m->oauth_token_url;

		switch (k->kind) {
		case K_DOMAIN: {
			const char *why = check_domain(e->value, false);

			if (why != NULL) {
				berr(b, e,
				     "\"%s\" is not a valid domain name: %s",
				     e->value, why);
				field = NULL;
			}
			break;
		}
		case K_DOMAINS:
			if (strcmp(k->name, "domains") == 0)
				domain_list(b, e, &m->domains, &m->ndomains);
			else
				domain_list(b, e, &m->host_domains,
				            &m->nhost_domains);
			break;
		case K_URL:
			if (!check_url(b, e))
				field = NULL;
			break;
		case K_TEXT:
			if (e->value[0] == '\0') {
				berr(b, e, "empty value");
				field = NULL;
			}
			break;
		default:
			break;
		}
		/* A domain (the id) in one form, as the domains lists. */
		if (field != NULL)
			*field = k->kind == K_DOMAIN ? lower_dup(e->value)
			                             : xstrdup(e->value);
	}
	for (size_t i = 0; keys != NULL && keys[i].name != NULL; i++)
		if (keys[i].required && !have[i]) {
			struct loc at = {sec->file, sec->line, sec->name, NULL,
			                 0};

			diag_error(b->d, &at, "missing required key \"%s\"",
			           keys[i].name);
			b->errors++;
		}
	if (section_kinds[kind].kind == S_DOCUMENTATION && m->doc_url == NULL &&
	    have[0] == false) {
		struct loc at = {sec->file, sec->line, sec->name, NULL, 0};

		diag_error(b->d, &at, "missing required key \"url\"");
		b->errors++;
	}
}

/* is_name says whether s may name a section or key: the names reach
 * diagnostics and templates, so they get the INI reader's rule whatever
 * front end made them. */
static bool
is_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return false;
	return true;
}

/* check_values rejects what no output format can carry: control
 * characters (the INI scan already refused them; an importer may not) and
 * invalid UTF-8. */
static void
check_values(struct builder *b)
{
	const struct source *src = b->m->src;

	for (size_t i = 0; i < src->nsections; i++) {
		const struct section *sec = &src->sections[i];
		struct loc at = {sec->file, sec->line, NULL, NULL, 0};

		if (!is_name(sec->name)) {
			diag_error(b->d, &at,
			           "invalid section name; use letters, digits, "
			           "\"-\", \"_\" and \".\"");
			b->errors++;
		}
	}
	for (size_t i = 0; i < src->nentries; i++) {
		const struct entry *e = &src->entries[i];
		const char *c;

		/* A deferred value is the INI scan's, which checked it. */
		if (e->value == NULL && is_name(e->section) && is_name(e->key))
			continue;
		c = e->value != NULL ? first_control(e->value) : NULL;
		if (!is_name(e->section) || !is_name(e->key)) {
			struct loc at = {e->file, e->line, NULL, NULL, 0};

			diag_error(b->d, &at,
			           "invalid section or key name; use letters, "
			           "digits, \"-\", \"_\" and \".\"");
			b->errors++;
		} else if (utf8_check(e->value, strlen(e->value)) != (size_t)-1)
			berr(b, e, "invalid UTF-8");
		else if (c != NULL)
			berr(b, e, "control character U+%04X not allowed",
			     (unsigned char)*c);
	}
}

/* build is model_build; with lint, it also lints the model, and when the
 * spec has errors only in some sections' values, the parts that have none
 * (every problem at once: the warnings come with the errors). */
static struct model *
build(struct source *src, const char *const *known, bool lint, struct diag *d)
{
	struct builder b = {.m = xcalloc(1, sizeof(struct model)), .d = d};
	bool partial = true; /* lintable despite errors */
	struct model *m = b.m;
	bool have_provider = false, have_in = false, have_out = false;
	bool unknown = false;
	int before;
	/* What is missing is the spec's to add, not its preset's. */
	const char *spec_file =
	    src->nfiles > 0 ? src->files[src->nfiles - 1] : NULL;

	m->src = src;
	check_values(&b);
	read_waivers(&b);
	for (size_t i = 0; i < src->nentries && b.errors == 0; i++)
		if (src->entries[i].value == NULL) {
			if (!is_domains(&src->entries[i]) ||
			    src->reread == NULL) {
				struct loc at = {src->entries[i].file,
				                 src->entries[i].line, NULL,
				                 NULL, 0};

				diag_error(
				    d, &at,
				    "internal error: a value other than "
				    "a domain list was left in the file");
				b.errors++;
			} else if (m->deferred == NULL)
				defer_domains(&b);
		}
	if (b.errors > 0) {
		model_free(m);
		return NULL;
	}
	for (size_t i = 0; i < src->nsections; i++) {
		const struct section *sec = &src->sections[i];
		const char *label;
		int kind = kind_of(sec->name, &label);

		if (kind < 0 ||
		    (label != NULL && !section_kinds[kind].labelled)) {
			report_unknown_section(&b, sec);
			unknown = true;
			continue;
		}
		if (label != NULL && label[0] == '\0') {
			struct loc at = {sec->file, sec->line, NULL, NULL, 0};

			diag_error(d, &at, "[%s] has an empty name after \".\"",
			           sec->name);
			b.errors++;
			continue;
		}
		if (section_kinds[kind].kind == S_WAIVERS)
			continue;
		before = b.errors;
		if (section_kinds[kind].kind == S_SERVER)
			build_server(&b, sec, kind);
		else
			build_simple(&b, sec, kind);
		if (section_kinds[kind].kind == S_SERVER)
			m->servers[m->nservers - 1].broken = b.errors > before;
		/* Every check of a server asks its provider. */
		else if (section_kinds[kind].kind == S_PROVIDER)
			partial &= b.errors == before;
		have_provider |= section_kinds[kind].kind == S_PROVIDER;
	}
	for (size_t i = 0; i < m->nservers; i++) {
		have_in |= server_is_incoming(&m->servers[i]);
		have_out |= !server_is_incoming(&m->servers[i]);
	}
	/* A misspelt section was reported with a suggestion; that it is
	 * then missing would only repeat the news. */
	if (!unknown) {
		struct loc at = {spec_file, 0, NULL, NULL, 0};

		if (!have_provider) {
			diag_error(d, &at, "missing section [provider]");
			b.errors++;
		}
		if (!have_in) {
			diag_error(d, &at,
			           "no incoming server: add an [imap] or "
			           "[pop3] section");
			b.errors++;
		}
		if (!have_out) {
			diag_error(d, &at,
			           "no outgoing server: add an [smtp] section");
			b.errors++;
		}
	}
	free(b.seen[0].h);
	free(b.seen[1].h);
	if (lint && (b.errors == 0 || (partial && !unknown && have_provider &&
	                               have_in && have_out)))
		model_lint(m, known, d);
	if (b.errors > 0) {
		model_free(m);
		return NULL;
	}
	return m;
}

struct model *
model_build(struct source *src, struct diag *d)
{
	return build(src, NULL, false, d);
}

struct model *
model_check(struct source *src, const char *const *known_hosts, struct diag *d)
{
	return build(src, known_hosts, true, d);
}

static void
free_ltexts(struct ltext *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].lang);
		free(v[i].name);
		free(v[i].text);
	}
	free(v);
}

void
source_free(struct source *src)
{
	if (src == NULL)
		return;
	for (size_t i = 0; i < src->nentries; i++) {
		free(src->entries[i].section);
		free(src->entries[i].key);
		free(src->entries[i].value);
	}
	for (size_t i = 0; i < src->nsections; i++)
		free(src->sections[i].name);
	for (size_t i = 0; i < src->nfiles; i++)
		free(src->files[i]);
	free(src->entries);
	free(src->sections);
	free(src->files);
	index_free(src->index);
	free(src);
}

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	free(m->id);
	free(m->name);
	free(m->short_name);
	free_list(m->domains, m->ndomains);
	dupes_free(m->deferred);
	free_list(m->host_domains, m->nhost_domains);
	for (size_t i = 0; i < m->nservers; i++) {
		free(m->servers[i].section);
		free(m->servers[i].host);
		free(m->servers[i].username);
	}
	free(m->servers);
	free(m->doc_url);
	free_ltexts(m->doc, m->ndoc);
	free(m->before_url);
	free_ltexts(m->before, m->nbefore);
	free_ltexts(m->caveats, m->ncaveats);
	free(m->oauth_issuer);
	free(m->oauth_scope);
	free(m->oauth_auth_url);
	free(m->oauth_token_url);
	for (size_t i = 0; i < m->nwaivers; i++) {
		free(m->waivers[i].name);
		free(m->waivers[i].where);
		free(m->waivers[i].reason);
	}
	free(m->waivers);
	source_free(m->src);
	free(m);
}

const char *
model_host_error(const char *host)
{
	return is_ipv4(host) ? NULL : check_domain(host, true);
}

const char *
model_domain_error(const char *domain)
{
	return check_domain(domain, false);
}

const char *
model_url_error(const char *url)
{
	const char *host;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return " is not a URL: it must start with https:// (or "
		       "http://)";
	if (strpbrk(url, " \"<>\\^`{|}") != NULL)
		return ": spaces and the characters \" < > \\ ^ ` { | } must "
		       "be "
		       "percent-encoded in a URL";
	if (*host == '\0' || *host == '/')
		return " has no host name";
	return NULL;
}

struct model_walk {
	const struct model *m;
	struct diag *d;
	size_t entry, item, nitems, next;
	char **items;
	bool failed;
};

struct model_walk *
model_walk_domains(const struct model *m, struct diag *d)
{
	struct model_walk *w = xcalloc(1, sizeof(*w));

	w->m = m;
	w->d = d;
	if (m->deferred != NULL)
		dupes_rewind(m->deferred);
	return w;
}

const char *
model_walk_next(struct model_walk *w)
{
	const struct model *m = w->m;

	if (m->deferred == NULL)
		return w->next < m->ndomains ? m->domains[w->next++] : NULL;
	/* domain_list's reading again: the same items, the same checks. */
	while (!w->failed) {
		while (w->item < w->nitems) {
			char *v = w->items[w->item++];

			if (v[0] != '\0' && check_domain(v, false) == NULL &&
			    !dupes_again(m->deferred, v)) {
				lower(v);
				return v;
			}
		}
		free_list(w->items, w->nitems);
		w->items = NULL;
		w->item = w->nitems = 0;
		while (w->entry < m->src->nentries &&
		       !is_domains(&m->src->entries[w->entry]))
			w->entry++;
		if (w->entry == m->src->nentries)
			return NULL;
		w->items = items(&m->src->entries[w->entry++], m->src,
		                 &w->nitems, w->d);
		w->failed = w->items == NULL;
	}
	return NULL;
}

bool
model_walk_end(struct model_walk *w)
{
	bool ok = !w->failed;

	free_list(w->items, w->nitems);
	free(w);
	return ok;
}
