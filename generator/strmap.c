/* SPDX-License-Identifier: MIT */
/* Names to numbers: open addressing over hashes, names kept by the caller. */
#include <stdint.h>
#include <stdlib.h>

#include "strmap.h"
#include "xalloc.h"

struct slot {
	uint64_t hash;
	size_t value; /* STRMAP_NONE: free */
};

struct strmap {
	strmap_same_fn *same;
	const void *ctx;
	struct slot *slots;
	size_t cap, n; /* cap: a power of two */
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV's low bits mix poorly; the table uses them. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static struct slot *
alloc_slots(size_t cap)
{
	struct slot *v = xreallocarray(NULL, cap, sizeof(*v));

	for (size_t i = 0; i < cap; i++)
		v[i].value = STRMAP_NONE;
	return v;
}

struct strmap *
strmap_new(strmap_same_fn *same, const void *ctx)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	m->same = same;
	m->ctx = ctx;
	m->cap = 64;
	m->slots = alloc_slots(m->cap);
	return m;
}

/* find returns the slot of name (hash h), or the free slot it would take. */
static struct slot *
find(const struct strmap *m, const char *name, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->slots[i].value != STRMAP_NONE &&
	       (m->slots[i].hash != h ||
	        !m->same(m->ctx, m->slots[i].value, name, n)))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

size_t
strmap_get(const struct strmap *m, const char *name, size_t n)
{
	return find(m, name, n, hash(name, n))->value;
}

size_t
strmap_put(struct strmap *m, const char *name, size_t n, size_t value)
{
	uint64_t h = hash(name, n);
	struct slot *s = find(m, name, n, h);

	if (s->value != STRMAP_NONE)
		return s->value;
	s->hash = h;
	s->value = value;
	if (2 * ++m->n > m->cap) {
		struct slot *old = m->slots;
		size_t cap = m->cap;

		/* Moved by hash alone: the names in the map are distinct. */
		m->cap *= 2;
		m->slots = alloc_slots(m->cap);
		for (size_t i = 0; i < cap; i++) {
			size_t k = (size_t)old[i].hash & (m->cap - 1);

			if (old[i].value == STRMAP_NONE)
				continue;
			while (m->slots[k].value != STRMAP_NONE)
				k = (k + 1) & (m->cap - 1);
			m->slots[k] = old[i];
		}
		free(old);
	}
	return STRMAP_NONE;
}

void
strmap_free(struct strmap *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}
