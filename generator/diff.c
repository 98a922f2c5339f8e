/* SPDX-License-Identifier: MIT */
/* A unified diff of two texts, for --diff and --dry-run. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "xalloc.h"

#define CONTEXT 3
/* The most cells of the table of common subsequences (8 bytes each). */
#define DIFF_CELLS (4u << 20)

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
	size_t *lcs = NULL, w, nops = 0, pre = 0, suf = 0, ma, mb;
	struct op *ops;
	bool header = false;

	split(a, &la);
	split(b, &lb);
	/* The lines both share at the start and at the end are in some
	 * longest common subsequence: only the middle needs the table. */
	while (pre < la.count && pre < lb.count && same(&la, pre, &lb, pre))
		pre++;
	while (suf < la.count - pre && suf < lb.count - pre &&
	       same(&la, la.count - 1 - suf, &lb, lb.count - 1 - suf))
		suf++;
	ma = la.count - pre - suf;
	mb = lb.count - pre - suf;
	w = mb + 1;
	/* lcs[i*w+j]: length of the longest common subsequence of the
	 * middles' suffixes a[pre+i..] and b[pre+j..]. Past DIFF_CELLS (a
	 * zone of 100,000 domains, all changed) the middle is shown removed
	 * and added whole: still a diff that patch applies, only longer. */
	if (ma > 0 && mb > 0 && ma <= DIFF_CELLS / w) {
		lcs = xcalloc((ma + 1) * w, sizeof(*lcs));
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;)
				lcs[i * w + j] =
				    same(&la, pre + i, &lb, pre + j)
				        ? lcs[(i + 1) * w + j + 1] + 1
				    : lcs[(i + 1) * w + j] > lcs[i * w + j + 1]
				        ? lcs[(i + 1) * w + j]
				        : lcs[i * w + j + 1];
	}
	ops = xcalloc(la.count + lb.count + 1, sizeof(*ops));
	for (size_t k = 0; k < pre; k++)
		ops[nops++] = (struct op){' ', k, k};
	for (size_t i = 0, j = 0; i < ma || j < mb;) {
		if (lcs != NULL && i < ma && j < mb &&
		    same(&la, pre + i, &lb, pre + j))
			ops[nops++] = (struct op){' ', pre + i++, pre + j++};
		else if (j < mb &&
		         (i == ma || (lcs != NULL && lcs[i * w + j + 1] >
		                                         lcs[(i + 1) * w + j])))
			ops[nops++] = (struct op){'+', pre + i, pre + j++};
		else
			ops[nops++] = (struct op){'-', pre + i++, pre + j};
	}
	for (size_t k = 0; k < suf; k++)
		ops[nops++] = (struct op){' ', pre + ma + k, pre + mb + k};
	for (size_t k = 0; k < nops;) {
		size_t start, end, ca = 0, cb = 0;

		if (ops[k].kind == ' ') {
			k++;
			continue;
		}
		if (!header)
			buf_printf(out, "--- %s\n+++ %s\n", name_a, name_b);
		header = true;
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
