/* SPDX-License-Identifier: MIT */
/* A mustache subset: parse with line numbers, check names against a schema,
 * render through an escaper. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

/* Far more nodes than any real template visits, even for 100,000
 * domains. */
#define TMPL_MAX_STEPS ((size_t)1 << 26)
#include "text.h"
#include "xalloc.h"

/* Deeper nesting than this is a sign of a broken template, and bounding it
 * keeps the render-time scope stack a fixed array. */
#define MAX_DEPTH 32

enum ntype { N_TEXT, N_VAR, N_DOT, N_SECTION, N_INVERTED };

struct node {
	enum ntype type;
	int line;
	char *text; /* N_TEXT: owned bytes; others: the name */
	size_t len;
	int up;            /* scopes to walk outwards to find the name */
	int idx;           /* field index in that scope's schema */
	enum vkind kind;   /* kind of the named value */
	bool push;         /* section over a list of objects: new scope */
	struct node *kids; /* sections: body */
	size_t nkids, capkids;
};

struct tmpl {
	char *file;
	size_t size; /* the template's length: about what it renders to */
	struct node root;
};

/* A raw tag found by the scanner. */
struct tag {
	char type; /* '#', '^', '/', '!', or 'v' for a variable */
	char *name;
	size_t start, end; /* the bytes removed from the text */
	int line;
};

struct parser {
	const char *text;
	size_t len;
	const char *file;
	struct diag *d;
	bool failed;
	/* scope schemas, innermost last; dot_ok says whether {{.}} means
	 * something at each depth */
	const struct field *scopes[MAX_DEPTH + 1];
	int nscopes;
};

static void perr(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, int line, const char *fmt, ...)
{
	struct loc at = {p->file, line, NULL, NULL, 0};
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(p->d, DIAG_ERROR, NULL, &at, fmt, ap);
	va_end(ap);
	p->failed = true;
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A line holding only whitespace and one section, inverted, close or
 * comment tag vanishes whole, newline included (the mustache spec's
 * "standalone" rule); otherwise mbsyncrc sections would end early. */
static void
standalone(const struct parser *p, struct tag *t)
{
	size_t b = t->start, e = t->end;

	if (t->type == 'v')
		return;
	while (b > 0 && is_blank(p->text[b - 1]))
		b--;
	if (b > 0 && p->text[b - 1] != '\n')
		return;
	while (e < p->len && is_blank(p->text[e]))
		e++;
	if (e < p->len && p->text[e] == '\r' && e + 1 < p->len &&
	    p->text[e + 1] == '\n')
		e++;
	if (e < p->len && p->text[e] != '\n')
		return;
	if (e < p->len)
		e++;
	t->start = b;
	t->end = e;
}

/* find2 is memmem for a two-byte needle; memmem is not in POSIX 2008. */
static const char *
find2(const char *s, size_t n, const char *pair)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == pair[0] && s[i + 1] == pair[1])
			return s + i;
	return NULL;
}

static int
line_at(const char *text, size_t from, size_t to, int line)
{
	for (size_t i = from; i < to; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/* scan splits the text into tags; every malformed tag is reported. */
static struct tag *
scan(struct parser *p, size_t *ntags)
{
	struct tag *tags = NULL;
	size_t n = 0, i = 0, counted = 0;
	int line = 1;

	while (i + 1 < p->len) {
		const char *open, *close;
		size_t s, e, nb, ne;
		struct tag t;
		char c;

		open = find2(p->text + i, p->len - i, "{{");
		if (open == NULL)
			break;
		s = (size_t)(open - p->text);
		line = line_at(p->text, counted, s, line);
		counted = s;
		close = find2(open + 2, p->len - s - 2, "}}");
		if (close == NULL) {
			perr(p, line, "unterminated tag \"{{\"");
			break;
		}
		e = (size_t)(close - p->text) + 2;
		c = p->text[s + 2];
		if (c != '!' && memchr(open, '\n', e - s) != NULL) {
			perr(p, line,
			     "unterminated tag \"{{\": \"}}\" must be on the "
			     "same line");
			i = s + 2;
			continue;
		}
		i = e;
		if (c == '{' || c == '&') {
			if (c == '{' && e < p->len && p->text[e] == '}')
				i = e + 1;
			perr(p, line,
			     "\"{{%c\" (unescaped output) is not supported: "
			     "every value goes through the format's escaper",
			     c);
			continue;
		}
		if (c == '>' || c == '=') {
			perr(p, line, "%s are not supported",
			     c == '>' ? "partials \"{{>...}}\""
			              : "delimiter changes \"{{=...=}}\"");
			continue;
		}
		t.type =
		    (c == '#' || c == '^' || c == '/' || c == '!') ? c : 'v';
		nb = s + 2 + (t.type != 'v');
		ne = e - 2;
		while (nb < ne && is_blank(p->text[nb]))
			nb++;
		while (ne > nb && is_blank(p->text[ne - 1]))
			ne--;
		t.name = xstrndup(p->text + nb, ne - nb);
		t.start = s;
		t.end = e;
		t.line = line;
		if (t.type != '!') {
			bool ok = ne > nb;

			for (size_t k = nb; k < ne; k++)
				ok = ok && is_name_char(p->text[k]);
			if (t.type == 'v' && strcmp(t.name, ".") == 0)
				ok = true;
			if (!ok) {
				perr(p, line,
				     "\"%s\" is not a name: names are letters, "
				     "digits and \"_\" (dotted names are not "
				     "supported)",
				     t.name);
				free(t.name);
				continue;
			}
		}
		standalone(p, &t);
		if ((n & (n - 1)) == 0)
			tags = xreallocarray(tags, n == 0 ? 1 : 2 * n,
			                     sizeof(*tags));
		tags[n++] = t;
	}
	*ntags = n;
	return tags;
}

static struct node *
add_node(struct node *parent, enum ntype type, int line)
{
	struct node *k;

	if (parent->nkids == parent->capkids) {
		parent->capkids =
		    parent->capkids == 0 ? 8 : 2 * parent->capkids;
		parent->kids = xreallocarray(parent->kids, parent->capkids,
		                             sizeof(*parent->kids));
	}
	k = &parent->kids[parent->nkids++];
	memset(k, 0, sizeof(*k));
	k->type = type;
	k->line = line;
	return k;
}

static const char *
scope_name(const struct parser *p, const char *const *names)
{
	return p->nscopes <= 1 ? NULL : names[p->nscopes - 1];
}

/* resolve finds name in the innermost scope that has it. */
static bool
resolve(struct parser *p, struct node *k, const char *const *names, bool dot_ok)
{
	if (strcmp(k->text, ".") == 0) {
		if (!dot_ok) {
			perr(p, k->line,
			     "\"{{.}}\" is only meaningful inside a section "
			     "over a list of text");
			return false;
		}
		k->type = N_DOT;
		return true;
	}
	for (int s = p->nscopes - 1; s >= 0; s--) {
		int i = field_index(p->scopes[s], k->text);

		if (i >= 0) {
			k->up = p->nscopes - 1 - s;
			k->idx = i;
			k->kind = p->scopes[s][i].kind;
			k->push = k->kind == VALUE_LIST &&
			          p->scopes[s][i].fields != NULL;
			return true;
		}
	}
	if (scope_name(p, names) != NULL)
		perr(p, k->line, "unknown name \"%s\" in section \"%s\"",
		     k->text, scope_name(p, names));
	else
		perr(p, k->line, "unknown name \"%s\" at top level", k->text);
	return false;
}

struct frame {
	struct node *node;
	bool dot_ok;
};

static void
build(struct parser *p, const struct tag *tags, size_t ntags, struct node *root)
{
	struct frame stack[MAX_DEPTH + 1];
	const char *names[MAX_DEPTH + 1] = {NULL};
	int depth = 0, line = 1;
	size_t pos = 0, counted = 0;

	stack[0].node = root;
	stack[0].dot_ok = false;
	for (size_t i = 0; i <= ntags; i++) {
		size_t start = i < ntags ? tags[i].start : p->len;
		struct node *cur = stack[depth].node, *k;

		if (start > pos) {
			/* Lines are counted on from the last text node: a
			 * big template stays linear. */
			line = line_at(p->text, counted, pos, line);
			counted = pos;
			k = add_node(cur, N_TEXT, line);
			k->text = xstrndup(p->text + pos, start - pos);
			k->len = start - pos;
		}
		if (i == ntags)
			break;
		pos = tags[i].end;
		if (tags[i].type == '!')
			continue;
		if (tags[i].type == '/') {
			if (depth == 0) {
				perr(p, tags[i].line,
				     "\"{{/%s}}\" closes no open section",
				     tags[i].name);
				continue;
			}
			if (strcmp(cur->text, tags[i].name) != 0)
				perr(
				    p, tags[i].line,
				    "\"{{/%s}}\" closes \"{{%c%s}}\" opened on "
				    "line %d",
				    tags[i].name,
				    cur->type == N_INVERTED ? '^' : '#',
				    cur->text, cur->line);
			/* Only a section over a list opened a scope: an
			 * inverted one renders when the list is empty. */
			if (cur->type == N_SECTION && cur->push)
				p->nscopes--;
			depth--;
			continue;
		}
		k = add_node(cur,
		             tags[i].type == 'v'   ? N_VAR
		             : tags[i].type == '^' ? N_INVERTED
		                                   : N_SECTION,
		             tags[i].line);
		k->text = xstrdup(tags[i].name);
		if (tags[i].type == 'v') {
			if (resolve(p, k, names, stack[depth].dot_ok) &&
			    k->type == N_VAR &&
			    (k->kind == VALUE_FLAG || k->kind == VALUE_LIST))
				perr(p, k->line,
				     "\"%s\" is a %s: use it as a section "
				     "\"{{#%s}}\"",
				     k->text,
				     k->kind == VALUE_FLAG ? "flag" : "list",
				     k->text);
			continue;
		}
		if (strcmp(k->text, ".") == 0) {
			perr(p, k->line,
			     "\"{{#.}}\" is not supported: name the value");
			resolve(p, k, names, true);
		} else if (!resolve(p, k, names, stack[depth].dot_ok))
			k->kind = VALUE_FLAG;
		if (depth == MAX_DEPTH) {
			perr(p, k->line, "sections nested deeper than %d",
			     MAX_DEPTH);
			break;
		}
		/* cast: this node lives as long as the tree */
		stack[++depth].node = k;
		stack[depth].dot_ok =
		    k->type == N_SECTION && !k->push
		        ? (k->kind != VALUE_FLAG || stack[depth - 1].dot_ok)
		        : stack[depth - 1].dot_ok && !k->push;
		if (k->type == N_SECTION && k->push) {
			int s = p->nscopes - 1 - k->up;

			p->scopes[p->nscopes] = p->scopes[s][k->idx].fields;
			names[p->nscopes] = k->text;
			p->nscopes++;
		}
	}
	while (depth > 0) {
		struct node *open = stack[depth--].node;

		perr(p, open->line, "\"{{%s%s}}\" is never closed",
		     open->type == N_INVERTED ? "^" : "#", open->text);
	}
}

struct tmpl *
tmpl_parse(const char *text, size_t len, const char *file,
           const struct field *root, struct diag *d)
{
	struct parser p = {.text = text, .len = len, .file = file, .d = d};
	struct tmpl *t = xcalloc(1, sizeof(*t));
	struct tag *tags;
	size_t ntags;

	t->file = xstrdup(file);
	t->size = len;
	p.scopes[0] = root;
	p.nscopes = 1;
	tags = scan(&p, &ntags);
	build(&p, tags, ntags, &t->root);
	for (size_t i = 0; i < ntags; i++)
		free(tags[i].name);
	free(tags);
	if (p.failed) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

struct render {
	const struct object *scopes[MAX_DEPTH + 1];
	int nscopes;
	escape_fn *esc;
	struct buf *out;
	size_t limit; /* out->len past which rendering stops */
	size_t steps; /* nodes visited, bounded too: empty sections nested
	                 over lists multiply time without output */
	bool stop;    /* a bound was passed: the output is refused */
};

static const struct value *
lookup(const struct render *r, const struct node *k)
{
	return &r->scopes[r->nscopes - 1 - k->up]->vals[k->idx];
}

static bool
truthy(const struct value *v)
{
	switch (v->kind) {
	case VALUE_FLAG:
		return v->flag;
	case VALUE_LIST:
		return v->n > 0;
	case VALUE_TEXT:
	case VALUE_NUMBER:
		break;
	}
	return v->text[0] != '\0';
}

/* The current "{{.}}": a text item of a list, or the text or number a
 * section is over. */
struct dot {
	const char *text;
	enum vkind kind;
};

static void render_nodes(struct render *r, const struct node *kids, size_t n,
                         struct dot dot);

static void
render_section(struct render *r, const struct node *k, struct dot dot)
{
	const struct value *v = lookup(r, k);

	if (k->type == N_INVERTED) {
		if (!truthy(v))
			render_nodes(r, k->kids, k->nkids, dot);
		return;
	}
	if (v->kind == VALUE_LIST && k->push) {
		for (size_t i = 0; i < v->n; i++) {
			r->scopes[r->nscopes++] = v->objs[i];
			render_nodes(r, k->kids, k->nkids,
			             (struct dot){NULL, VALUE_TEXT});
			r->nscopes--;
		}
	} else if (v->kind == VALUE_LIST) {
		for (size_t i = 0; i < v->n; i++)
			render_nodes(r, k->kids, k->nkids,
			             (struct dot){v->texts[i], VALUE_TEXT});
	} else if (truthy(v))
		render_nodes(r, k->kids, k->nkids,
		             v->kind == VALUE_FLAG
		                 ? dot
		                 : (struct dot){v->text, v->kind});
}

static void
render_nodes(struct render *r, const struct node *kids, size_t n,
             struct dot dot)
{
	for (size_t i = 0; i < n && !r->stop; i++) {
		const struct node *k = &kids[i];
		const struct value *v;

		r->stop = ++r->steps > TMPL_MAX_STEPS || r->out->len > r->limit;
		if (r->stop)
			break;

		switch (k->type) {
		case N_TEXT:
			buf_add(r->out, k->text, k->len);
			break;
		case N_DOT:
			r->esc(r->out, dot.text, strlen(dot.text), dot.kind);
			break;
		case N_VAR:
			v = lookup(r, k);
			r->esc(r->out, v->text, strlen(v->text), v->kind);
			break;
		case N_SECTION:
		case N_INVERTED:
			render_section(r, k, dot);
			break;
		}
	}
}

/* What this run has rendered, and may. */
static size_t run_total, run_max = TMPL_MAX_RUN;
static bool run_spent;

void
tmpl_run_limit(size_t max)
{
	run_max = max != 0 ? max : TMPL_MAX_RUN;
	run_total = 0;
	run_spent = false;
}

bool
tmpl_run_spent(void)
{
	return run_spent;
}

bool
tmpl_render(const struct tmpl *t, const struct object *root, escape_fn *esc,
            struct buf *out)
{
	size_t start = out->len, left = run_max - run_total;
	struct render r = {
	    .nscopes = 1,
	    .esc = esc,
	    .out = out,
	    .limit = start + (left < TMPL_MAX_OUTPUT ? left : TMPL_MAX_OUTPUT)};

	r.scopes[0] = root;
	/* Room for the whole output at once, rather than doubling up to
	 * it, for each of thousands of people. */
	buf_reserve(out, out->len + t->size + t->size / 4);
	render_nodes(&r, t->root.kids, t->root.nkids,
	             (struct dot){NULL, VALUE_TEXT});
	if (!r.stop && out->len <= r.limit) {
		run_total += out->len - start;
		return true;
	}
	/* Past its own bound the rendering is the template's fault; past
	 * what the run had left, the run's. */
	run_spent = left < TMPL_MAX_OUTPUT && r.steps <= TMPL_MAX_STEPS &&
	            out->len - start <= TMPL_MAX_OUTPUT;
	out->len = start;
	out->data[start] = '\0';
	return false;
}

static void
free_nodes(struct node *kids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kids[i].text);
		free_nodes(kids[i].kids, kids[i].nkids);
	}
	free(kids);
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free_nodes(t->root.kids, t->root.nkids);
	free(t->file);
	free(t);
}
