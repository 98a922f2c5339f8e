/* SPDX-License-Identifier: MIT */
/* How a folder was made: the lines of its manifest that name the spec, its
 * hash, the options that change the output and mailconf's version, and the
 * replay of them (generate --out DIR with no spec). */
/* realpath(3) is XSI. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "input.h"
#include "output.h"
#include "recipe.h"
#include "xalloc.h"

#ifndef DATADIR
#define DATADIR "."
#endif
#ifndef VERSION
#define VERSION "0.1.0"
#endif

/* A spec, a users file or a template is far below this. */
#define RECIPE_INPUT_MAX (64u * 1024 * 1024)

/* What an option's value is: written into the output as given, or a file
 * mailconf reads (kept relative to the folder, which may move with its
 * repository), or a flag. */
enum kind { K_VALUE, K_PATH, K_FLAG };

/* The options that change what generate writes; the others (--force,
 * --quiet, --check, ...) say how a run goes, not what it makes. */
static const struct recorded {
	const char *name;
	size_t off;
	enum kind kind;
} recorded[] = {
#define O(member) offsetof(struct opts, member)
    {"--preset", O(preset), K_VALUE},
    {"--target", O(targets), K_VALUE},
    {"--users", O(users), K_PATH},
    {"--keep-going", O(keep_going), K_FLAG},
    {"--templates", O(templates_dir), K_PATH},
    {"--presets", O(presets_dir), K_PATH},
    {"--password-env", O(password_env), K_VALUE},
    {"--email", O(user.email), K_VALUE},
    {"--name", O(user.real_name), K_VALUE},
    {"--login", O(user.login), K_VALUE},
    {"--pass-cmd", O(user.pass_cmd), K_VALUE},
    {"--token-cmd", O(user.token_cmd), K_VALUE},
    {"--ca-file", O(user.ca_file), K_VALUE},
    {"--maildir", O(user.maildir), K_VALUE},
    {"--mda", O(user.mda), K_VALUE},
    {"--smtp-host", O(user.smtp_host), K_VALUE},
    {"--incoming", O(user.incoming), K_VALUE},
    {"--lang", O(user.lang), K_VALUE},
    {"--sign-cert", O(finish.sign_cert), K_PATH},
    {"--sign-key", O(finish.sign_key), K_PATH},
    {"--sign-chain", O(finish.sign_chain), K_PATH},
#undef O
};
#define NRECORDED (sizeof(recorded) / sizeof(recorded[0]))

/* put_value appends s with '%', blanks at its ends and control
 * characters percent-encoded: a manifest line holds one value. */
static void
put_value(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%' || c < 0x20 || c == 0x7f ||
		    (c == ' ' && (i == 0 || i + 1 == n)))
			buf_printf(b, "%%%02X", c);
		else
			buf_putc(b, (char)c);
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* get_value decodes n bytes of put_value's form (owned); NULL when they
 * are not that form. */
static char *
get_value(const char *p, size_t n)
{
	struct buf b = BUF_INIT;
	char *s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '%') {
			buf_putc(&b, p[i]);
			continue;
		}
		if (i + 2 >= n || hexval(p[i + 1]) < 0 ||
		    hexval(p[i + 2]) < 0) {
			buf_free(&b);
			return NULL;
		}
		buf_putc(&b, (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2])));
		i += 2;
	}
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* absolute is path made absolute, its links resolved (owned); a path
 * that does not exist yet (generate --out dist/corp, dist new too) is
 * resolved through its deepest ancestor that does. NULL when none can
 * be, or when a missing part is "..", which only the file system could
 * resolve. */
static char *
absolute(const char *path)
{
	struct buf tail = BUF_INIT;
	char *copy, *slash, *base = realpath(path, NULL), *r = NULL;

	if (base != NULL || errno != ENOENT)
		return base;
	copy = xstrdup(path);
	for (;;) {
		const char *part;

		while ((slash = strrchr(copy, '/')) != NULL && slash != copy &&
		       slash[1] == '\0')
			*slash = '\0';
		slash = strrchr(copy, '/');
		part = slash == NULL ? copy : slash + 1;
		if (strcmp(part, "..") == 0)
			goto out;
		if (*part != '\0' && strcmp(part, ".") != 0) {
			char *t = xasprintf("/%s%s", part, buf_cstr(&tail));

			buf_free(&tail);
			buf_puts(&tail, t);
			free(t);
		}
		if (slash == NULL)
			base = realpath(".", NULL);
		else if (slash == copy)
			base = realpath("/", NULL);
		else {
			*slash = '\0';
			base = realpath(copy, NULL);
			if (base == NULL && errno == ENOENT)
				continue;
		}
		break;
	}
	if (base != NULL)
		r = xasprintf("%s%s", strcmp(base, "/") == 0 ? "" : base,
		              buf_cstr(&tail));
out:
	free(base);
	free(copy);
	buf_free(&tail);
	return r;
}

/* relative is file's path from the folder dir (both absolute, as
 * realpath gives them; owned). */
static char *
relative(const char *dir, const char *file)
{
	struct buf b = BUF_INIT;
	size_t common = 0, i = 0;
	char *s;

	/* The longest shared prefix that ends at a component. */
	for (; dir[i] != '\0' && dir[i] == file[i]; i++)
		if (dir[i] == '/')
			common = i;
	if (dir[i] == '\0' && (file[i] == '/' || file[i] == '\0'))
		common = i;
	for (const char *p = dir + common; *p != '\0'; p++)
		if (*p == '/' && p[1] != '\0')
			buf_puts(&b, "../");
	buf_puts(&b, file + common + (file[common] == '/'));
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* put_path appends path as seen from the folder dir, and a hash of its
 * content when hash (a spec, a users file). False when it cannot be
 * read. */
static bool
put_path(struct buf *b, const char *dir, const char *path, bool hash,
         struct diag *d)
{
	char *abs = absolute(path), *rel;

	if (abs == NULL) {
		diag_error(d, NULL, "cannot resolve %s: %s", path,
		           strerror(errno));
		return false;
	}
	if (hash) {
		struct buf text = BUF_INIT;
		const char *why;

		if (input_read(&text, path, RECIPE_INPUT_MAX, 0, &why) != 0) {
			diag_error(d, NULL, "cannot open %s: %s", path,
			           why != NULL ? why : "too large");
			free(abs);
			buf_free(&text);
			return false;
		}
		buf_printf(b, "%s%016llx ", MANIFEST_TAG,
		           manifest_hash(text.data != NULL ? text.data : "",
		                         text.len));
		buf_free(&text);
	}
	rel = relative(dir, abs);
	put_value(b, rel);
	free(rel);
	free(abs);
	return true;
}

char *
recipe_make(const struct opts *o, struct diag *d)
{
	struct buf b = BUF_INIT;
	char *dir, *s;
	bool ok = true;

	if (o->out_dir == NULL)
		return NULL;
	dir = absolute(o->out_dir);
	if (dir == NULL)
		return NULL;
	buf_puts(&b, "@mailconf " VERSION "\n");
	for (size_t i = 0; i < o->nspecs && ok; i++) {
		buf_puts(&b, "@spec ");
		ok = put_path(&b, dir, o->specs[i], true, d);
		buf_putc(&b, '\n');
	}
	for (size_t i = 0; i < NRECORDED && ok; i++) {
		const struct recorded *r = &recorded[i];
		const char *v =
		    *(const char *const *)((const char *)o + r->off);

		if (r->kind == K_FLAG) {
			if (*(const bool *)((const char *)o + r->off))
				buf_printf(&b, "@arg %s\n", r->name);
			continue;
		}
		/* The installed templates and presets are not a choice. */
		if (v == NULL ||
		    (r->off == offsetof(struct opts, templates_dir) &&
		     strcmp(v, DATADIR "/templates") == 0) ||
		    (r->off == offsetof(struct opts, presets_dir) &&
		     strcmp(v, DATADIR "/presets") == 0))
			continue;
		buf_printf(&b, "@arg %s ", r->name);
		if (r->kind == K_PATH)
			ok =
			    put_path(&b, dir, v,
			             r->off == offsetof(struct opts, users), d);
		else
			put_value(&b, v);
		buf_putc(&b, '\n');
	}
	free(dir);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* word is the length of the blank-free word at p (n bytes left). */
static size_t
word(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && p[k] != ' ')
		k++;
	return k;
}

/* replay_line applies one "@..." line to o: false when it is not one
 * mailconf writes. */
static bool
replay_line(struct opts *o, const char *dir, const char *p, size_t n,
            struct recipe_store *st)
{
	size_t k = word(p, n);
	char *v;

	if (k == 9 && strncmp(p, "@mailconf", 9) == 0)
		return true;
	if (k == 5 && strncmp(p, "@spec", 5) == 0) {
		const char *rest = p + 6, *sp;
		size_t rn = n > 6 ? n - 6 : 0;

		/* generate takes one spec */
		if (o->nspecs > 0)
			return false;
		sp = memchr(rest, ' ', rn);
		if (n <= 6 || sp == NULL ||
		    strncmp(rest, MANIFEST_TAG, strlen(MANIFEST_TAG)) != 0)
			return false;
		v = get_value(sp + 1, rn - (size_t)(sp + 1 - rest));
		if (v == NULL)
			return false;
		st->owned = xreallocarray(st->owned, st->nowned + 2,
		                          sizeof(*st->owned));
		st->owned[st->nowned++] =
		    v[0] == '/' ? v : xasprintf("%s/%s", dir, v);
		if (v[0] != '/')
			free(v);
		o->specs[o->nspecs++] = st->owned[st->nowned - 1];
		return true;
	}
	if (k == 4 && strncmp(p, "@arg", 4) == 0 && n > 5) {
		const char *name = p + 5, *val;
		size_t nn = n - 5, nk = word(name, nn);

		for (size_t i = 0; i < NRECORDED; i++) {
			const struct recorded *r = &recorded[i];
			char *full;

			if (strlen(r->name) != nk ||
			    strncmp(r->name, name, nk) != 0)
				continue;
			if (r->kind == K_FLAG) {
				*(bool *)((char *)o + r->off) = true;
				return nk == nn;
			}
			if (nk + 1 >= nn)
				return false;
			val = name + nk + 1;
			nn -= nk + 1;
			/* A users file's hash comes before its path. */
			if (r->kind == K_PATH &&
			    strncmp(val, MANIFEST_TAG, strlen(MANIFEST_TAG)) ==
			        0) {
				const char *sp = memchr(val, ' ', nn);

				if (sp == NULL)
					return false;
				nn -= (size_t)(sp + 1 - val);
				val = sp + 1;
			}
			v = get_value(val, nn);
			if (v == NULL)
				return false;
			full = r->kind == K_PATH && v[0] != '/'
			           ? xasprintf("%s/%s", dir, v)
			           : xstrdup(v);
			free(v);
			st->owned = xreallocarray(st->owned, st->nowned + 2,
			                          sizeof(*st->owned));
			st->owned[st->nowned++] = full;
			*(const char **)((char *)o + r->off) = full;
			return true;
		}
	}
	return false;
}

int
recipe_replay(struct opts *o, struct recipe_store *st, struct diag *d)
{
	char *path = xasprintf("%s/%s", o->out_dir, MANIFEST_NAME);
	struct buf text = BUF_INIT;
	const char *why = NULL;
	char *dir = NULL;
	int rc = 0, found = 0, line = 0;
	size_t pos = 0;

	if (input_read(&text, path, RECIPE_INPUT_MAX, INPUT_NOFOLLOW, &why) !=
	    0) {
		diag_error(d, NULL,
		           "generate needs a SPEC, --preset NAME or --email; "
		           "without one it remakes a folder mailconf made, "
		           "from its manifest, but %s: %s",
		           path, why != NULL ? why : "too large");
		rc = EXIT_USAGE;
		goto out;
	}
	dir = xstrdup(o->out_dir);
	while (pos < text.len) {
		const char *p = text.data + pos;
		const char *nl = memchr(p, '\n', text.len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : text.len - pos;

		pos += n + 1;
		line++;
		if (n == 0 || p[0] != '@')
			continue;
		found++;
		if (!replay_line(o, dir, p, n, st)) {
			struct loc at = {path, line, NULL, NULL, 0};

			diag_error(
			    d, &at,
			    "not a line mailconf writes; make the folder "
			    "again with a SPEC");
			rc = 1;
		}
	}
	if (rc == 0 && (found == 0 || (o->nspecs == 0 && o->preset == NULL))) {
		diag_error(d, NULL,
		           "generate needs a SPEC, --preset NAME or --email; "
		           "%s does not record how %s was made (mailconf wrote "
		           "it before 0.1.0, or with -o)",
		           path, o->out_dir);
		rc = EXIT_USAGE;
	}
out:
	free(dir);
	free(path);
	buf_free(&text);
	return rc;
}

void
recipe_store_free(struct recipe_store *st)
{
	for (size_t i = 0; i < st->nowned; i++)
		free(st->owned[i]);
	free(st->owned);
	st->owned = NULL;
	st->nowned = 0;
}
