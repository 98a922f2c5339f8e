/* SPDX-License-Identifier: MIT */
/* Names to numbers: a hash table over a list the caller keeps, so that a
 * lookup in a list of millions costs no walk of it. */
#ifndef MAILCONF_STRMAP_H
#define MAILCONF_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

/* What strmap_get and strmap_put return for a name not in the map. */
#define STRMAP_NONE ((size_t)-1)

/* The map keeps only numbers (an index into the caller's list, usually)
 * and hashes; same says whether the name of value is the n bytes at name,
 * reading the caller's list through ctx. */
typedef bool strmap_same_fn(const void *ctx, size_t value, const char *name,
                            size_t n);

struct strmap;

/* strmap_new makes an empty map; owned, strmap_free. */
struct strmap *strmap_new(strmap_same_fn *same, const void *ctx);
/* strmap_get returns the value of the n bytes at name, or STRMAP_NONE. */
size_t strmap_get(const struct strmap *m, const char *name, size_t n);
/* strmap_put maps name to value unless it is there: returns the value it
 * already had, or STRMAP_NONE when it was added. */
size_t strmap_put(struct strmap *m, const char *name, size_t n, size_t value);
void strmap_free(struct strmap *m);

#endif
