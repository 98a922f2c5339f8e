/* SPDX-License-Identifier: MIT */
/* Unit tests of view.c: the value tree templates see, built from a model. */
#include "unit.h"

#include "value.h"
#include "view.h"

static const char *const base[] = {"[provider]",
                                   "id = example.com",
                                   "name = Example",
                                   "short_name = Ex",
                                   "domains = example.com, example.net",
                                   "[imap]",
                                   "host = imap.example.com",
                                   "security = ssl",
                                   "[pop3]",
                                   "host = pop.example.com",
                                   "security = starttls",
                                   "[smtp]",
                                   "host = smtp.example.com",
                                   "security = starttls",
                                   "[smtp.ssl]",
                                   "host = smtp.example.com",
                                   "security = ssl",
                                   NULL};

/* view_of builds the model of base with edits, and its view; *mp gets the
 * model (free both). */
static struct object *
view_of(const struct edit *edits, struct model **mp)
{
	char **lines = lines_edited(base, edits);
	struct diag d = DIAG_INIT;
	struct model *m = model_build(
	    src_from_lines("spec.ini", (const char *const *)lines), &d);

	lines_free(lines);
	assert_diag_free(&d, "");
	assert_non_null(m);
	*mp = m;
	return view_build(m, &(struct view_opts){0});
}

static const struct value *
get(const struct object *o, const char *name)
{
	const struct value *v = object_get(o, name);

	if (v == NULL)
		fail_msg("no name \"%s\" in the view", name);
	return v;
}

static const char *
text(const struct object *o, const char *name)
{
	return get(o, name)->text;
}

static bool
flag(const struct object *o, const char *name)
{
	return get(o, name)->flag;
}

static const struct object *
item(const struct object *o, const char *list, size_t i)
{
	const struct value *v = get(o, list);

	assert_true(i < v->n);
	return v->objs[i];
}

/* flag_name is the view's spelling of an auth name: "-" becomes "_". */
static void
flag_name(char *out, size_t size, const char *auth)
{
	size_t i;

	for (i = 0; auth[i] != '\0' && i + 1 < size; i++)
		out[i] = auth[i] == '-' ? '_' : auth[i];
	out[i] = '\0';
}

/* The flag set for each enum auth value must be the one named like it:
 * view.c indexes its auth fields by the enum. */
static void
test_view_build_auth_flag_matches_auth_name(void **state)
{
	(void)state;
	for (int a = 0; a < AUTH_COUNT; a++) {
		struct edit e[] = {{"smtp", "auth", auth_names[a]}, NO_EDIT};
		struct model *m;
		struct object *v = view_of(e, &m);
		const struct object *smtp = item(v, "outgoing", 0);
		const struct object *au;
		char want[64];
		int set = 0;

		assert_int_equal(get(smtp, "auth")->n, 1);
		au = item(smtp, "auth", 0);
		flag_name(want, sizeof(want), auth_names[a]);
		for (size_t f = 0; au->schema[f].name != NULL; f++) {
			bool on = au->vals[f].flag;

			assert_int_equal(au->vals[f].kind, VALUE_FLAG);
			if (on != (strcmp(au->schema[f].name, want) == 0))
				print_message("auth %s: flag %s is %s\n",
				              auth_names[a], au->schema[f].name,
				              on ? "set" : "clear");
			assert_int_equal(on,
			                 strcmp(au->schema[f].name, want) == 0);
			set += on;
		}
		assert_int_equal(set, 1);
		object_free(v);
		model_free(m);
	}
}

/* The auth schema has one flag per method, no more. */
static void
test_view_schema_has_a_flag_per_auth(void **state)
{
	const struct field *server =
	    view_schema[field_index(view_schema, "incoming")].fields;
	const struct field *auth = server[field_index(server, "auth")].fields;
	size_t n = 0;

	(void)state;
	while (auth[n].name != NULL) {
		char want[64];

		assert_true(n < AUTH_COUNT);
		flag_name(want, sizeof(want), auth_names[n]);
		assert_string_equal(auth[n].name, want);
		n++;
	}
	assert_int_equal(n, AUTH_COUNT);
}

static void
test_view_build_auth_keeps_preference_order(void **state)
{
	struct edit e[] = {{"imap", "auth", "oauth2, password-cleartext, ntlm"},
	                   NO_EDIT};
	static const char *const want[] = {"oauth2", "password_cleartext",
	                                   "ntlm"};
	struct model *m;
	struct object *v = view_of(e, &m);
	const struct object *imap = item(v, "incoming", 0);

	(void)state;
	assert_int_equal(get(imap, "auth")->n, NELEMS(want));
	for (size_t i = 0; i < NELEMS(want); i++)
		assert_true(flag(item(imap, "auth", i), want[i]));
	object_free(v);
	model_free(m);
}

/* Servers split by direction, each in the order of its sections, the
 * first of each direction primary. */
static void
test_view_build_splits_servers_in_preference_order(void **state)
{
	static const char *const lines[] = {"[provider]",
	                                    "id = example.com",
	                                    "name = Example",
	                                    "short_name = Ex",
	                                    "domains = example.com",
	                                    "[smtp.b]",
	                                    "host = smtp2.example.com",
	                                    "security = starttls",
	                                    "[pop3]",
	                                    "host = pop.example.com",
	                                    "security = ssl",
	                                    "[smtp]",
	                                    "host = smtp.example.com",
	                                    "security = ssl",
	                                    "[imap]",
	                                    "host = imap.example.com",
	                                    "security = starttls",
	                                    NULL};
	static const struct {
		const char *list, *section, *proto, *host, *port, *security;
		bool primary;
	} want[] = {
	    {"incoming", "pop3", "pop3", "pop.example.com", "995", "ssl", true},
	    {"incoming", "imap", "imap", "imap.example.com", "143", "starttls",
	     false},
	    {"outgoing", "smtp.b", "smtp", "smtp2.example.com", "587",
	     "starttls", true},
	    {"outgoing", "smtp", "smtp", "smtp.example.com", "465", "ssl",
	     false},
	};
	static const char *const protos[] = {"imap", "pop3", "smtp"};
	static const char *const securities[] = {"ssl", "starttls", "plain"};
	struct diag d = DIAG_INIT;
	struct model *m = model_build(src_from_lines("spec.ini", lines), &d);
	struct object *v;

	(void)state;
	assert_diag_free(&d, "");
	v = view_build(m, &(struct view_opts){0});
	assert_int_equal(get(v, "incoming")->n, 2);
	assert_int_equal(get(v, "outgoing")->n, 2);
	for (size_t i = 0; i < NELEMS(want); i++) {
		const struct object *s =
		    item(v, want[i].list, want[i].primary ? 0 : 1);

		assert_string_equal(text(s, "section"), want[i].section);
		assert_string_equal(text(s, "host"), want[i].host);
		assert_string_equal(text(s, "port"), want[i].port);
		assert_string_equal(text(s, "username"), "%EMAILADDRESS%");
		assert_int_equal(flag(s, "primary"), want[i].primary);
		for (size_t k = 0; k < NELEMS(protos); k++)
			assert_int_equal(flag(s, protos[k]),
			                 strcmp(protos[k], want[i].proto) == 0);
		for (size_t k = 0; k < NELEMS(securities); k++)
			assert_int_equal(
			    flag(s, securities[k]),
			    strcmp(securities[k], want[i].security) == 0);
	}
	object_free(v);
	model_free(m);
}

static void
test_view_build_plain_security_flag(void **state)
{
	struct edit e[] = {{"smtp.ssl", "security", "none"}, NO_EDIT};
	struct model *m;
	struct object *v = view_of(e, &m);
	const struct object *s = item(v, "outgoing", 1);

	(void)state;
	assert_true(flag(s, "plain"));
	assert_false(flag(s, "ssl"));
	assert_false(flag(s, "starttls"));
	object_free(v);
	model_free(m);
}

static void
test_view_build_pop3_options(void **state)
{
	static const struct {
		const char *leave, *days;
		bool has, set, leave_on;
		const char *days_text;
	} cases[] = {
	    {NULL, NULL, false, false, false, ""},
	    {"true", NULL, true, true, true, ""},
	    {"false", NULL, true, true, false, ""},
	    {NULL, "14", true, true, true, "14"},
	    {"true", "3650", true, true, true, "3650"},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		struct edit e[] = {{"pop3", "leave_on_server", cases[i].leave},
		                   {"pop3", "days_to_keep", cases[i].days},
		                   NO_EDIT};
		struct model *m;
		struct object *v = view_of(e, &m);
		const struct object *pop = item(v, "incoming", 1);
		const struct object *imap = item(v, "incoming", 0);

		assert_true(flag(pop, "pop3"));
		assert_int_equal(flag(pop, "has_pop3_options"), cases[i].has);
		assert_int_equal(flag(pop, "leave_on_server_set"),
		                 cases[i].set);
		assert_int_equal(flag(pop, "leave_on_server"),
		                 cases[i].leave_on);
		assert_string_equal(text(pop, "days_to_keep"),
		                    cases[i].days_text);
		/* IMAP has no POP3 options */
		assert_false(flag(imap, "has_pop3_options"));
		assert_false(flag(imap, "leave_on_server_set"));
		assert_string_equal(text(imap, "days_to_keep"), "");
		object_free(v);
		model_free(m);
	}
}

static void
test_view_build_provider_names(void **state)
{
	struct edit none[] = {NO_EDIT};
	struct model *m;
	struct object *v = view_of(none, &m);
	const struct value *domains = get(v, "domains");

	(void)state;
	assert_string_equal(text(v, "id"), "example.com");
	assert_string_equal(text(v, "name"), "Example");
	assert_string_equal(text(v, "short_name"), "Ex");
	assert_int_equal(domains->n, 2);
	assert_null(domains->objs);
	assert_string_equal(domains->texts[0], "example.com");
	assert_string_equal(domains->texts[1], "example.net");
	/* nothing optional was given */
	assert_int_equal(get(v, "documentation")->n, 0);
	assert_false(flag(v, "has_before"));
	assert_string_equal(text(v, "before_url"), "");
	assert_int_equal(get(v, "before")->n, 0);
	assert_int_equal(get(v, "caveats")->n, 0);
	assert_int_equal(get(v, "oauth2_provider")->n, 0);
	object_free(v);
	model_free(m);
}

/* A spec with every optional section. */
static const struct edit full[] = {
    {"documentation", "url", "https://example.com/help"},
    {"documentation", "en", "Set up your mail"},
    {"documentation", "ja", "\xe8\xa8\xad\xe5\xae\x9a"},
    {"before", "url", "https://example.com/settings"},
    {"before", "en.enable", "Enable IMAP"},
    {"before", "en.password", "Make an app password"},
    {"caveats", "en.quota", "Mind the quota"},
    {"caveats", "ja.quota", "\xe5\xae\xb9\xe9\x87\x8f"},
    {"oauth2", "issuer", "accounts.example.com"},
    {"oauth2", "scope", "mail offline"},
    {"oauth2", "auth_url", "https://accounts.example.com/auth"},
    {"oauth2", "token_url", "https://accounts.example.com/token"},
    {"pop3", "leave_on_server", "true"},
    {"pop3", "days_to_keep", "7"},
    {"imap", "auth", "oauth2, password-cleartext"},
    NO_EDIT};

struct ltext_want {
	const char *lang, *name, *text;
};

static void
check_ltexts(const struct object *o, const char *list,
             const struct ltext_want *want, size_t n)
{
	assert_int_equal(get(o, list)->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct object *t = item(o, list, i);

		assert_string_equal(text(t, "lang"), want[i].lang);
		assert_string_equal(text(t, "name"), want[i].name);
		assert_string_equal(text(t, "text"), want[i].text);
	}
}

static void
test_view_build_documentation_before_caveats_oauth2(void **state)
{
	static const struct ltext_want doc[] = {
	    {"en", "", "Set up your mail"},
	    {"ja", "", "\xe8\xa8\xad\xe5\xae\x9a"}};
	static const struct ltext_want before[] = {
	    {"en", "enable", "Enable IMAP"},
	    {"en", "password", "Make an app password"}};
	static const struct ltext_want caveats[] = {
	    {"en", "quota", "Mind the quota"},
	    {"ja", "quota", "\xe5\xae\xb9\xe9\x87\x8f"}};
	struct model *m;
	struct object *v = view_of(full, &m);
	const struct object *o;

	(void)state;
	assert_int_equal(get(v, "documentation")->n, 1);
	o = item(v, "documentation", 0);
	assert_string_equal(text(o, "url"), "https://example.com/help");
	check_ltexts(o, "texts", doc, NELEMS(doc));
	assert_true(flag(v, "has_before"));
	assert_string_equal(text(v, "before_url"),
	                    "https://example.com/settings");
	check_ltexts(v, "before", before, NELEMS(before));
	check_ltexts(v, "caveats", caveats, NELEMS(caveats));
	assert_int_equal(get(v, "oauth2_provider")->n, 1);
	o = item(v, "oauth2_provider", 0);
	assert_string_equal(text(o, "issuer"), "accounts.example.com");
	assert_string_equal(text(o, "scope"), "mail offline");
	assert_string_equal(text(o, "auth_url"),
	                    "https://accounts.example.com/auth");
	assert_string_equal(text(o, "token_url"),
	                    "https://accounts.example.com/token");
	object_free(v);
	model_free(m);
}

/* [before] with a url and no step writes nothing: has_before says
 * whether there are steps (docs/spec.md 4.4). */
static void
test_view_build_before_url_alone_is_not_before(void **state)
{
	struct edit e[] = {{"before", "url", "https://example.com/settings"},
	                   NO_EDIT};
	struct model *m;
	struct object *v = view_of(e, &m);

	(void)state;
	assert_false(flag(v, "has_before"));
	assert_string_equal(text(v, "before_url"),
	                    "https://example.com/settings");
	assert_int_equal(get(v, "before")->n, 0);
	object_free(v);
	model_free(m);
}

/* conforms checks that o holds one value per field of schema, of the
 * field's kind, recursively; where names the path for messages. */
static void
conforms(const struct object *o, const struct field *schema, const char *where)
{
	assert_ptr_equal(o->schema, schema);
	for (size_t i = 0; schema[i].name != NULL; i++) {
		const struct value *v = &o->vals[i];

		if (v->kind != schema[i].kind)
			print_message("%s.%s has kind %d, schema says %d\n",
			              where, schema[i].name, v->kind,
			              schema[i].kind);
		assert_int_equal(v->kind, schema[i].kind);
		assert_non_null(v->text);
		if (v->kind == VALUE_NUMBER)
			assert_int_equal(strspn(v->text, "0123456789"),
			                 strlen(v->text));
		if (v->kind == VALUE_LIST && schema[i].fields != NULL) {
			assert_null(v->texts);
			for (size_t k = 0; k < v->n; k++)
				conforms(v->objs[k], schema[i].fields,
				         schema[i].name);
		} else if (v->kind == VALUE_LIST) {
			assert_null(v->objs);
			for (size_t k = 0; k < v->n; k++)
				assert_non_null(v->texts[k]);
		} else
			assert_int_equal(v->n, 0);
	}
}

static void
test_view_build_follows_schema(void **state)
{
	struct edit none[] = {NO_EDIT};
	struct model *m;
	struct object *v;

	(void)state;
	v = view_of(full, &m);
	conforms(v, view_schema, "root");
	object_free(v);
	model_free(m);
	v = view_of(none, &m);
	conforms(v, view_schema, "root");
	object_free(v);
	model_free(m);
}

/* names_ok checks a schema: names a template can write ({{name}}),
 * unique in their scope, every field with help. */
static void
names_ok(const struct field *schema)
{
	for (size_t i = 0; schema[i].name != NULL; i++) {
		const char *n = schema[i].name;

		assert_true(n[0] != '\0');
		for (const char *c = n; *c != '\0'; c++)
			assert_true((*c >= 'a' && *c <= 'z') ||
			            (*c >= '0' && *c <= '9') || *c == '_');
		assert_int_equal(field_index(schema, n), (int)i);
		assert_non_null(schema[i].help);
		if (schema[i].kind != VALUE_LIST)
			assert_null(schema[i].fields);
		else if (schema[i].fields != NULL)
			names_ok(schema[i].fields);
	}
}

static void
test_view_schema_names_are_template_names(void **state)
{
	(void)state;
	names_ok(view_schema);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_view_build_auth_flag_matches_auth_name),
	    cmocka_unit_test(test_view_schema_has_a_flag_per_auth),
	    cmocka_unit_test(test_view_build_auth_keeps_preference_order),
	    cmocka_unit_test(
	        test_view_build_splits_servers_in_preference_order),
	    cmocka_unit_test(test_view_build_plain_security_flag),
	    cmocka_unit_test(test_view_build_pop3_options),
	    cmocka_unit_test(test_view_build_provider_names),
	    cmocka_unit_test(
	        test_view_build_documentation_before_caveats_oauth2),
	    cmocka_unit_test(test_view_build_before_url_alone_is_not_before),
	    cmocka_unit_test(test_view_build_follows_schema),
	    cmocka_unit_test(test_view_schema_names_are_template_names),
	};

	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
