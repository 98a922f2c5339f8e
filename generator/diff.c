/* SPDX-License-Identifier: MIT */
/* A unified diff of two texts, for install --dry-run. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "xalloc.h"

#define CONTEXT 3

struct lines {
	const char **s; /* each line's start */
	size_t *n;      /* its length, newline included */
	size_t count;
};

static void
split(const char *text, struct lines *l)
{
	l->s = NULL;
	l->n = NULL;
	l->count = 0;
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t n = nl != NULL ? (size_t)(nl - text) + 1 : strlen(text);

		l->s = xreallocarray(l->s, l->count + 1, sizeof(*l->s));
		l->n = xreallocarray(l->n, l->count + 1, sizeof(*l->n));
		l->s[l->count] = text;
		l->n[l->count++] = n;
		text += n;
	}
}

static bool
same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->n[i] == b->n[j] && memcmp(a->s[i], b->s[j], a->n[i]) == 0;
}

static void
line(struct buf *out, char mark, const char *s, size_t n)
{
	buf_putc(out, mark);
	buf_add(out, s, n);
	if (n == 0 || s[n - 1] != '\n')
		buf_puts(out, "\n\\ No newline at end of file\n");
}

/* An edit script as one op per output line: ' ', '-' or '+'. */
struct op {
	char kind;
	size_t i, j; /* positions in a and b */
};

void
diff_unified(struct buf *out, const char *name_a, const char *a,
             const char *name_b, const char *b)
{
	struct lines la, lb;
	size_t *lcs, w, nops = 0;
	struct op *ops;

	split(a, &la);
	split(b, &lb);
	w = lb.count + 1;
	/* lcs[i*w+j]: length of the longest common subsequence of the
	 * suffixes a[i..] and b[j..]. */
	lcs = xcalloc((la.count + 1) * w, sizeof(*lcs));
	for (size_t i = la.count; i-- > 0;)
		for (size_t j = lb.count; j-- > 0;)
			lcs[i * w + j] =
			    same(&la, i, &lb, j) ? lcs[(i + 1) * w + j + 1] + 1
			    : lcs[(i + 1) * w + j] > lcs[i * w + j + 1]
			        ? lcs[(i + 1) * w + j]
			        : lcs[i * w + j + 1];
	ops = xcalloc(la.count + lb.count + 1, sizeof(*ops));
	for (size_t i = 0, j = 0; i < la.count || j < lb.count;) {
		if (i < la.count && j < lb.count && same(&la, i, &lb, j))
			ops[nops++] = (struct op){' ', i++, j++};
		else if (j < lb.count &&
		         (i == la.count ||
		          lcs[i * w + j + 1] > lcs[(i + 1) * w + j]))
			ops[nops++] = (struct op){'+', i, j++};
		else
			ops[nops++] = (struct op){'-', i++, j};
	}
	for (size_t k = 0; k < nops;) {
		size_t start, end, ca = 0, cb = 0;

		if (ops[k].kind == ' ') {
			k++;
			continue;
		}
		if (out->len == 0 || strstr(buf_cstr(out), name_b) == NULL)
			buf_printf(out, "--- %s\n+++ %s\n", name_a, name_b);
		start = k > CONTEXT ? k - CONTEXT : 0;
		/* A hunk runs until more than twice the context is equal. */
		for (end = k; end < nops; end++) {
			size_t eq = 0;

			while (end + eq < nops && ops[end + eq].kind == ' ')
				eq++;
			if (end + eq == nops || eq > 2 * CONTEXT) {
				end += eq < CONTEXT ? eq : CONTEXT;
				break;
			}
			end += eq;
		}
		for (size_t x = start; x < end; x++) {
			ca += ops[x].kind != '+';
			cb += ops[x].kind != '-';
		}
		buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n",
		           ops[start].i + (ca > 0), ca, ops[start].j + (cb > 0),
		           cb);
		for (size_t x = start; x < end; x++) {
			if (ops[x].kind == '+')
				line(out, '+', lb.s[ops[x].j], lb.n[ops[x].j]);
			else
				line(out, ops[x].kind, la.s[ops[x].i],
				     la.n[ops[x].i]);
		}
		k = end;
	}
	free(ops);
	free(lcs);
	free(la.s);
	free(la.n);
	free(lb.s);
	free(lb.n);
}
