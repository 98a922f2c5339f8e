/* SPDX-License-Identifier: MIT */
/* Allocation wrappers that abort on out-of-memory. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void
oom(void)
{
	fputs("mailconf: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		oom();
	return xrealloc(p, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* joins says whether fmt has no directive but %s. */
static bool
joins(const char *fmt)
{
	for (const char *p = strchr(fmt, '%'); p != NULL;
	     p = strchr(p + 2, '%'))
		if (p[1] != 's')
			return false;
	return true;
}

/* join formats a %s-only fmt: a view formats a few strings for every
 * person, and printf's machinery cost more than the rest of a view. */
static char *
join(const char *fmt, va_list ap)
{
	va_list again;
	size_t n = 0;
	char *out, *o;

	va_copy(again, ap);
	for (const char *p = fmt; *p != '\0'; p++)
		if (*p == '%') {
			n += strlen(va_arg(ap, const char *));
			p++;
		} else
			n++;
	out = o = xmalloc(n + 1);
	for (const char *p = fmt; *p != '\0'; p++)
		if (*p == '%') {
			const char *s = va_arg(again, const char *);
			size_t k = strlen(s);

			memcpy(o, s, k);
			o += k;
			p++;
		} else
			*o++ = *p;
	*o = '\0';
	va_end(again);
	return out;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	if (joins(fmt)) {
		va_start(ap, fmt);
		p = join(fmt, ap);
		va_end(ap);
		return p;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
