/* SPDX-License-Identifier: MIT */
/* Names given twice in a list too long to hold: a Bloom filter, then the
 * candidates it let through, kept exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dupes.h"
#include "xalloc.h"

/* Seven probes over ten bits a name let about 1% of new names through as
 * candidates: 100,000 domains cost 125 KiB and a thousand short strings,
 * where a table of every name would cost megabytes. */
#define BITS_PER_NAME 10
#define PROBES 7

struct cand {
	char *name; /* NULL: a free slot */
	uint64_t hash;
	bool again; /* given in the current second pass */
};

struct dupes {
	bool fold;
	uint64_t *bits;
	size_t nbits; /* a power of two */
	struct cand *cands;
	size_t cap, n; /* cap: a power of two, or 0 */
};

static uint64_t
hash(const struct dupes *u, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (u->fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h ^= c;
		h *= 0x100000001b3ULL;
	}
	/* FNV's low bits mix poorly; the probes use all of them. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static bool
same(const struct dupes *u, const char *a, const char *b)
{
	return u->fold ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

struct dupes *
dupes_new(size_t n, bool fold)
{
	struct dupes *u = xcalloc(1, sizeof(*u));

	u->fold = fold;
	u->nbits = 512;
	while (u->nbits < n * BITS_PER_NAME && u->nbits < ((size_t)1 << 40))
		u->nbits *= 2;
	u->bits = xcalloc(u->nbits / 64, sizeof(*u->bits));
	return u;
}

/* find returns the slot of name (hash h), or the free slot it would go
 * to; the table must have one. */
static struct cand *
find(const struct dupes *u, const char *name, uint64_t h)
{
	size_t i = (size_t)h & (u->cap - 1);

	while (u->cands[i].name != NULL &&
	       (u->cands[i].hash != h || !same(u, u->cands[i].name, name)))
		i = (i + 1) & (u->cap - 1);
	return &u->cands[i];
}

static void
add(struct dupes *u, const char *name, uint64_t h)
{
	struct cand *c;

	if (2 * (u->n + 1) > u->cap) {
		struct cand *old = u->cands;
		size_t cap = u->cap;

		u->cap = cap == 0 ? 64 : 2 * cap;
		u->cands = xcalloc(u->cap, sizeof(*u->cands));
		for (size_t i = 0; i < cap; i++)
			if (old[i].name != NULL)
				*find(u, old[i].name, old[i].hash) = old[i];
		free(old);
	}
	c = find(u, name, h);
	if (c->name == NULL) {
		c->name = xstrdup(name);
		c->hash = h;
		u->n++;
	}
}

void
dupes_note(struct dupes *u, const char *name)
{
	uint64_t h = hash(u, name), step = (h >> 32) | 1;
	bool all = true;

	for (uint64_t k = 0, b = h; k < PROBES; k++, b += step) {
		size_t i = (size_t)b & (u->nbits - 1);
		uint64_t bit = (uint64_t)1 << (i & 63);

		all &= (u->bits[i / 64] & bit) != 0;
		u->bits[i / 64] |= bit;
	}
	if (all)
		add(u, name, h);
}

bool
dupes_again(struct dupes *u, const char *name)
{
	struct cand *c;
	bool again;

	if (u->n == 0)
		return false;
	c = find(u, name, hash(u, name));
	if (c->name == NULL)
		return false;
	again = c->again;
	c->again = true;
	return again;
}

void
dupes_rewind(struct dupes *u)
{
	for (size_t i = 0; i < u->cap; i++)
		u->cands[i].again = false;
}

void
dupes_free(struct dupes *u)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < u->cap; i++)
		free(u->cands[i].name);
	free(u->cands);
	free(u->bits);
	free(u);
}
