/* SPDX-License-Identifier: MIT */
/* The names a template can use: a schema of scopes, and the value tree the view
 * fills in. */
#ifndef MAILCONF_VALUE_H
#define MAILCONF_VALUE_H

#include <stdbool.h>
#include <stddef.h>

enum vkind {
	VALUE_TEXT,   /* a string; a section over it renders when non-empty */
	VALUE_NUMBER, /* decimal digits, written bare by escapers */
	VALUE_FLAG,   /* true/false; only usable as a section */
	VALUE_LIST, /* a list of objects (fields) or, fields == NULL, of text */
};

/* One name in a scope. A schema is an array of fields ended by {NULL}. */
struct field {
	const char *name;
	enum vkind kind;
	const struct field *fields; /* VALUE_LIST items; NULL: items are text */
	const char *help;           /* one line saying what the name holds */
};

/* A value in the tree. An object (a list item, or the root) holds one
 * value per field of its schema, in schema order. */
struct value {
	enum vkind kind;
	char *text;           /* TEXT, NUMBER; never NULL */
	bool borrowed;        /* text is not the object's to free */
	bool flag;            /* FLAG */
	struct object **objs; /* LIST of objects: owned items */
	char **texts;         /* LIST of text: owned items */
	size_t n;             /* LIST: number of items */
};

struct arena;

struct object {
	const struct field *schema;
	int refs;            /* lists that hold it (a view shares a server's
	                        object between the lists that name it) */
	struct value *vals;  /* one per schema field, owned */
	struct arena *arena; /* where the tree's objects live: a view is
	                        freed in one go, not object by object */
};

/* Lookup of a field's index in a schema; -1 when absent. */
int field_index(const struct field *schema, const char *name);

/* object_new makes an object whose values are empty text, 0, false or empty
 * lists according to the schema: the root of a tree, whose items live in
 * the root's memory. Owned; free the root with object_free. */
struct object *object_new(const struct field *schema);
void object_free(struct object *o);
/* Setters abort on a name the schema lacks or a kind mismatch: that is a
 * programming error, caught by the view's unit tests. s is copied. A name
 * must be a string literal (or other static string): setters remember
 * where each name was found by its address. */
void object_set_text(struct object *o, const char *name, const char *s);
/* object_take_text sets name to s, a string from malloc, which o then
 * owns; object_borrow_text sets it to s without a copy: s must outlive o
 * (the model's strings outlive the views made of it). */
void object_take_text(struct object *o, const char *name, char *s);
void object_borrow_text(struct object *o, const char *name, const char *s);
void object_set_number(struct object *o, const char *name, long n);
void object_set_flag(struct object *o, const char *name, bool on);
/* object_add_item appends a new object item to a list of objects and
 * returns it (owned by o). */
struct object *object_add_item(struct object *o, const char *name);
/* object_add_shared appends item, an object made for another list of
 * the same kind, to a list of objects: both hold it, and it is freed with
 * the last. */
void object_add_shared(struct object *o, const char *name, struct object *item);
/* object_add_text appends a text item to a list of text. */
void object_add_text(struct object *o, const char *name, const char *s);
/* object_clear_list empties a list of text, for a view reused with other
 * items (the site renders one view per domain). */
void object_clear_list(struct object *o, const char *name);
/* object_get returns the value of name (borrowed), NULL when absent. */
const struct value *object_get(const struct object *o, const char *name);

#endif
