/* SPDX-License-Identifier: MIT */
/* Small string helpers: edit distance, UTF-8 validation, control characters. */
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xalloc.h"

size_t
edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *prev2, *prev, *row, result;

	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	/* Three rows: a transposition ("smpt" for "smtp") counts as one
	 * edit, as people make it. */
	prev2 = xcalloc(lb + 1, sizeof(*prev2));
	prev = xcalloc(lb + 1, sizeof(*prev));
	row = xcalloc(lb + 1, sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *t;

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			row[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = row;
		row = t;
	}
	result = prev[lb];
	free(prev2);
	free(prev);
	free(row);
	return result > max ? max + 1 : result;
}

const char *
closest(const char *word, const char *const *cands)
{
	/* Short words tolerate fewer edits, or everything "looks like" a
	 * typo of everything. */
	size_t max = strlen(word) <= 4 ? 1 : strlen(word) <= 8 ? 2 : 3;
	const char *best = NULL;
	size_t bestd = max + 1;

	for (size_t i = 0; cands[i] != NULL; i++) {
		size_t d = edit_distance(word, cands[i], max);

		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}

size_t
utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else
			return i;
		if (i + len > n)
			return i;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* U+FFFE and U+FFFF are no characters: XML 1.0 refuses them. */
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    cp == 0xfffe || cp == 0xffff)
			return i;
		i += len;
	}
	return (size_t)-1;
}

size_t
utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

const char *
first_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return s;
	return NULL;
}
