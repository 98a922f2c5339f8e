/* SPDX-License-Identifier: MIT */
/* The value tree the view builds and templates read. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"
#include "xalloc.h"

int
field_index(const struct field *schema, const char *name)
{
	for (int i = 0; schema[i].name != NULL; i++)
		if (strcmp(schema[i].name, name) == 0)
			return i;
	return -1;
}

/* Every value starts as this empty text, shared: most stay empty, and a
 * view for each of 10,000 people should not allocate them one by one. */
static char empty[1];

static void
set_owned(struct value *v, char *s)
{
	if (v->text != empty && !v->borrowed)
		free(v->text);
	v->text = s;
	v->borrowed = false;
}

/* lookup is field_index for the setters, which name fields with string
 * literals: it remembers where each (schema, name) pair of addresses was
 * found. A view sets some 350 values per person, so a linear search each
 * time was most of the cost of a view. */
static int
lookup(const struct field *schema, const char *name)
{
	/* Two ways, so that two names that share a slot do not evict each
	 * other for every view. */
	static struct {
		const struct field *schema;
		const char *name;
		int i;
	} memo[512][2]; /* small enough to stay in the cache */
	size_t h = (size_t)((((uintptr_t)name ^ (uintptr_t)schema << 7) *
	                     0x9e3779b97f4a7c15u) >>
	                    55);
	int i;

	for (int w = 0; w < 2; w++)
		if (memo[h][w].schema == schema && memo[h][w].name == name)
			return memo[h][w].i;
	i = field_index(schema, name);
	if (i >= 0) {
		memo[h][1] = memo[h][0];
		memo[h][0].schema = schema;
		memo[h][0].name = name;
		memo[h][0].i = i;
	}
	return i;
}

/* A view's objects and lists, allocated in chunks and freed with the
 * root: a person's view was a hundred mallocs and frees. Texts are not
 * here: a view reused across domains replaces its texts. */
struct arena {
	struct chunk *chunks;
};

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

static void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->chunks;
	size_t align = sizeof(max_align_t);
	void *p;

	n = (n + align - 1) / align * align;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > 8192 ? n : 8192;

		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		/* A big block goes behind the current chunk, which stays
		 * the one that small blocks fill. */
		if (a->chunks != NULL && n > 4096) {
			c->next = a->chunks->next;
			a->chunks->next = c;
		} else {
			c->next = a->chunks;
			a->chunks = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return memset(p, 0, n);
}

/* room makes space for item n of a list of n: its capacity is 4, then
 * each power of two, so a list grows by doubling without a field for it.
 * Lists of objects live in the arena (a, non-NULL); of texts, in malloc's
 * heap, where object_clear_list can empty them. */
static void *
room(struct arena *a, void *items, size_t n, size_t size)
{
	size_t cap = n == 0 ? 4 : n >= 4 && (n & (n - 1)) == 0 ? 2 * n : 0;
	void *grown;

	if (cap == 0)
		return items;
	if (a == NULL)
		return xreallocarray(items, cap, size);
	grown = arena_alloc(a, cap * size);
	if (n > 0)
		memcpy(grown, items, n * size);
	return grown;
}

static struct object *
new_object(struct arena *a, const struct field *schema)
{
	size_t n = 0;
	struct object *o;

	while (schema[n].name != NULL)
		n++;
	/* One block for the object and its values. */
	o = arena_alloc(a, sizeof(*o) + n * sizeof(*o->vals));
	o->schema = schema;
	o->refs = 1;
	o->arena = a;
	o->vals = (struct value *)(o + 1);
	for (size_t i = 0; i < n; i++) {
		o->vals[i].kind = schema[i].kind;
		o->vals[i].text = empty;
	}
	return o;
}

struct object *
object_new(const struct field *schema)
{
	return new_object(xcalloc(1, sizeof(struct arena)), schema);
}

/* release frees what o owns outside the arena, once the last list that
 * holds it lets go. */
static void
release(struct object *o)
{
	if (--o->refs > 0)
		return;
	/* Most of a view's values own nothing: a root has some 150. */
	for (size_t i = 0; o->schema[i].name != NULL; i++) {
		struct value *v = &o->vals[i];

		if (v->text != empty && !v->borrowed)
			free(v->text);
		for (size_t j = 0; v->objs != NULL && j < v->n; j++)
			release(v->objs[j]);
		if (v->texts != NULL) {
			for (size_t j = 0; j < v->n; j++)
				free(v->texts[j]);
			free(v->texts);
		}
	}
}

void
object_free(struct object *o)
{
	struct arena *a;

	if (o == NULL)
		return;
	a = o->arena;
	release(o);
	while (a->chunks != NULL) {
		struct chunk *c = a->chunks;

		a->chunks = c->next;
		free(c);
	}
	free(a);
}

static struct value *
slot(struct object *o, const char *name, enum vkind kind)
{
	int i = lookup(o->schema, name);

	if (i < 0 || o->schema[i].kind != kind) {
		fprintf(stderr, "mailconf: internal error: view sets %s\n",
		        name);
		abort();
	}
	return &o->vals[i];
}

void
object_set_text(struct object *o, const char *name, const char *s)
{
	struct value *v = slot(o, name, VALUE_TEXT);

	set_owned(v, s != NULL && s[0] != '\0' ? xstrdup(s) : empty);
}

void
object_take_text(struct object *o, const char *name, char *s)
{
	set_owned(slot(o, name, VALUE_TEXT), s);
}

void
object_borrow_text(struct object *o, const char *name, const char *s)
{
	struct value *v = slot(o, name, VALUE_TEXT);

	set_owned(v, s != NULL && s[0] != '\0' ? (char *)s : empty);
	v->borrowed = true;
}

void
object_set_number(struct object *o, const char *name, long n)
{
	struct value *v = slot(o, name, VALUE_NUMBER);
	char digits[24], *p = digits + sizeof(digits);
	unsigned long u = n < 0 ? 0UL - (unsigned long)n : (unsigned long)n;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (n < 0)
		*--p = '-';
	set_owned(v, xstrdup(p));
}

void
object_set_flag(struct object *o, const char *name, bool on)
{
	slot(o, name, VALUE_FLAG)->flag = on;
}

struct object *
object_add_item(struct object *o, const char *name)
{
	struct value *v = slot(o, name, VALUE_LIST);
	int i = lookup(o->schema, name);
	struct object *item;

	if (o->schema[i].fields == NULL)
		abort();
	item = new_object(o->arena, o->schema[i].fields);
	v->objs = room(o->arena, v->objs, v->n, sizeof(*v->objs));
	v->objs[v->n++] = item;
	return item;
}

void
object_add_shared(struct object *o, const char *name, struct object *item)
{
	struct value *v = slot(o, name, VALUE_LIST);
	int i = lookup(o->schema, name);

	if (o->schema[i].fields != item->schema || item->arena != o->arena)
		abort();
	item->refs++;
	v->objs = room(o->arena, v->objs, v->n, sizeof(*v->objs));
	v->objs[v->n++] = item;
}

void
object_add_text(struct object *o, const char *name, const char *s)
{
	struct value *v = slot(o, name, VALUE_LIST);
	int i = lookup(o->schema, name);

	if (o->schema[i].fields != NULL)
		abort();
	v->texts = room(NULL, v->texts, v->n, sizeof(*v->texts));
	v->texts[v->n++] = xstrdup(s);
}

const struct value *
object_get(const struct object *o, const char *name)
{
	int i = lookup(o->schema, name);

	return i < 0 ? NULL : &o->vals[i];
}

void
object_clear_list(struct object *o, const char *name)
{
	struct value *v = slot(o, name, VALUE_LIST);

	for (size_t i = 0; i < v->n; i++)
		free(v->texts[i]);
	v->n = 0;
}
