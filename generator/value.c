/* SPDX-License-Identifier: MIT */
/* The value tree the view builds and templates read. */
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

struct object *
object_new(const struct field *schema)
{
	struct object *o = xcalloc(1, sizeof(*o));
	size_t n = 0;

	while (schema[n].name != NULL)
		n++;
	o->schema = schema;
	o->vals = xcalloc(n, sizeof(*o->vals));
	for (size_t i = 0; i < n; i++) {
		o->vals[i].kind = schema[i].kind;
		o->vals[i].text = xstrdup("");
	}
	return o;
}

void
object_free(struct object *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; o->schema[i].name != NULL; i++) {
		struct value *v = &o->vals[i];

		free(v->text);
		for (size_t j = 0; j < v->n; j++) {
			if (v->objs != NULL)
				object_free(v->objs[j]);
			if (v->texts != NULL)
				free(v->texts[j]);
		}
		free(v->objs);
		free(v->texts);
	}
	free(o->vals);
	free(o);
}

static struct value *
slot(struct object *o, const char *name, enum vkind kind)
{
	int i = field_index(o->schema, name);

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

	free(v->text);
	v->text = xstrdup(s != NULL ? s : "");
}

void
object_set_number(struct object *o, const char *name, long n)
{
	struct value *v = slot(o, name, VALUE_NUMBER);

	free(v->text);
	v->text = xasprintf("%ld", n);
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
	int i = field_index(o->schema, name);
	struct object *item;

	if (o->schema[i].fields == NULL)
		abort();
	item = object_new(o->schema[i].fields);
	v->objs = xreallocarray(v->objs, v->n + 1, sizeof(*v->objs));
	v->objs[v->n++] = item;
	return item;
}

void
object_add_text(struct object *o, const char *name, const char *s)
{
	struct value *v = slot(o, name, VALUE_LIST);
	int i = field_index(o->schema, name);

	if (o->schema[i].fields != NULL)
		abort();
	v->texts = xreallocarray(v->texts, v->n + 1, sizeof(*v->texts));
	v->texts[v->n++] = xstrdup(s);
}

const struct value *
object_get(const struct object *o, const char *name)
{
	int i = field_index(o->schema, name);

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
