/* SPDX-License-Identifier: MIT */
/* Allocation wrappers that abort on out-of-memory, so call sites carry no NULL
 * checks. */
#ifndef MAILCONF_XALLOC_H
#define MAILCONF_XALLOC_H

#include <stddef.h>

/* Each returns owned memory, never NULL; on failure prints and aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray grows an array of nmemb * size bytes, checking overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xasprintf returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
