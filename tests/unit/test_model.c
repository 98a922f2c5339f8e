/* SPDX-License-Identifier: MIT */
/* Unit tests of model.c and lint.c: typed values, defaults, lint warnings. */
#include "unit.h"

/* A valid, lint-clean spec; the tests edit it. */
static const char *const base[] = {"[provider]",                         /* 1 */
                                   "id = example.com",                   /* 2 */
                                   "name = Example",                     /* 3 */
                                   "short_name = Example",               /* 4 */
                                   "domains = example.com, example.net", /* 5 */
                                   "",                                   /* 6 */
                                   "[imap]",                             /* 7 */
                                   "host = imap.example.com",            /* 8 */
                                   "port = 993",                         /* 9 */
                                   "security = ssl",          /* 10 */
                                   "",                        /* 11 */
                                   "[pop3]",                  /* 12 */
                                   "host = pop.example.com",  /* 13 */
                                   "port = 995",              /* 14 */
                                   "security = ssl",          /* 15 */
                                   "",                        /* 16 */
                                   "[smtp]",                  /* 17 */
                                   "host = smtp.example.com", /* 18 */
                                   "port = 465",              /* 19 */
                                   "security = ssl",          /* 20 */
                                   NULL};

/* Hosts of a preset library, for typo detection. */
static const char *const known_hosts[] = {"imap.gmail.com", "gmail",
                                          "smtp.gmail.com", "gmail", NULL};

/* build_lines builds a model from lines; NULL on errors (in d). */
static struct model *
build_lines(char **lines, struct diag *d)
{
	return model_build(
	    src_from_lines("spec.ini", (const char *const *)lines), d);
}

static const struct server *
server_named(const struct model *m, const char *section)
{
	for (size_t i = 0; i < m->nservers; i++)
		if (strcmp(m->servers[i].section, section) == 0)
			return &m->servers[i];
	fail_msg("no server [%s]", section);
	return NULL;
}

/* A value set in [section] key; error NULL: it must be accepted, else the
 * one message model_build must give, at that key. */
struct value_case {
	const char *section, *key, *value, *error;
};

static void
check_values(const struct value_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct value_case *c = &cases[i];
		struct edit edits[] = {{c->section, c->key, c->value}, NO_EDIT};
		struct want want[] = {{"error", c->section, c->key, c->error},
		                      NO_WANT};
		char **lines = lines_edited(base, edits);
		char *expected =
		    wanted("spec.ini", lines, c->error != NULL ? want : NULL);
		struct diag d = DIAG_INIT;
		struct model *m = build_lines(lines, &d);
		char *got = diag_text(&d);
		bool ok = strcmp(got, expected) == 0 &&
		          (m != NULL) == (c->error == NULL);

		if (!ok)
			print_message("[%s] %s = \"%s\": %s\n  gave: %s"
			              "  want: %s",
			              c->section, c->key, c->value,
			              m != NULL ? "built" : "rejected", got,
			              expected);
		free(got);
		free(expected);
		lines_free(lines);
		model_free(m);
		diag_free(&d);
		assert_true(ok);
	}
}

/* value_of builds base with one edit and returns the model, which must
 * build. */
static struct model *
model_with(const struct edit *edits)
{
	char **lines = lines_edited(base, edits);
	struct diag d = DIAG_INIT;
	struct model *m = build_lines(lines, &d);

	lines_free(lines);
	assert_diag(&d, "");
	diag_free(&d);
	assert_non_null(m);
	return m;
}

static void
test_model_build_accepts_base(void **state)
{
	struct edit none[] = {NO_EDIT};
	struct model *m = model_with(none);

	(void)state;
	assert_string_equal(m->id, "example.com");
	assert_string_equal(m->name, "Example");
	assert_string_equal(m->short_name, "Example");
	assert_int_equal(m->ndomains, 2);
	assert_string_equal(m->domains[0], "example.com");
	assert_string_equal(m->domains[1], "example.net");
	assert_int_equal(m->nservers, 3);
	assert_null(m->doc_url);
	assert_null(m->oauth_issuer);
	model_free(m);
}

static void
test_model_build_port_range(void **state)
{
	static const struct value_case cases[] = {
	    {"imap", "port", "993", NULL},
	    {"imap", "port", "1", NULL},
	    {"imap", "port", "65535", NULL},
	    {"imap", "port", "993x", "\"993x\" is not a port number (1-65535)"},
	    {"imap", "port", "0993", "\"0993\" is not a port number (1-65535)"},
	    {"imap", "port", "0", "\"0\" is not a port number (1-65535)"},
	    {"imap", "port", "65536",
	     "\"65536\" is not a port number (1-65535)"},
	    {"imap", "port", "99999999999999999999999",
	     "\"99999999999999999999999\" is not a port number (1-65535)"},
	    {"imap", "port", "-1", "\"-1\" is not a port number (1-65535)"},
	    {"imap", "port", "+993", "\"+993\" is not a port number (1-65535)"},
	    {"imap", "port", " 993", "\" 993\" is not a port number (1-65535)"},
	    {"imap", "port", "", "\"\" is not a port number (1-65535)"},
	};
	static const struct {
		const char *value;
		int port;
	} typed[] = {{"993", 993}, {"1", 1}, {"65535", 65535}, {"25", 25}};

	(void)state;
	check_values(cases, NELEMS(cases));
	for (size_t i = 0; i < NELEMS(typed); i++) {
		struct edit e[] = {{"smtp", "port", typed[i].value}, NO_EDIT};
		struct model *m = model_with(e);

		assert_int_equal(server_named(m, "smtp")->port, typed[i].port);
		model_free(m);
	}
}

static void
test_model_build_security_enum(void **state)
{
	static const struct value_case cases[] = {
	    {"imap", "security", "SSL",
	     "unknown value \"SSL\"; write it in lower case"},
	    {"imap", "security", "StartTLS",
	     "unknown value \"StartTLS\"; write it in lower case"},
	    {"smtp", "security", "STARTSSL",
	     "unknown value \"STARTSSL\"; did you mean \"starttls\"?"},
	    {"smtp", "security", "startssl",
	     "unknown value \"startssl\"; did you mean \"starttls\"?"},
	    {"imap", "security", "tls",
	     "unknown value \"tls\"; expected ssl (implicit TLS: 993, 995, "
	     "465), starttls (143, 110, 587) or none"},
	    {"imap", "security", "yes",
	     "unknown value \"yes\"; expected ssl (implicit TLS: 993, 995, "
	     "465), starttls (143, 110, 587) or none"},
	    {"imap", "security", "",
	     "unknown value \"\"; expected ssl (implicit TLS: 993, 995, 465), "
	     "starttls (143, 110, 587) or none"},
	};

	(void)state;
	check_values(cases, NELEMS(cases));
	for (int s = SECURITY_SSL; s <= SECURITY_NONE; s++) {
		struct edit e[] = {{"imap", "security", security_names[s]},
		                   NO_EDIT};
		struct model *m = model_with(e);

		assert_int_equal(server_named(m, "imap")->security, s);
		model_free(m);
	}
}

static void
test_model_build_auth_list(void **state)
{
	static const struct value_case cases[] = {
	    {"imap", "auth", "pasword-cleartext",
	     "unknown method \"pasword-cleartext\"; did you mean "
	     "\"password-cleartext\"?"},
	    {"imap", "auth", "OAuth2",
	     "unknown method \"OAuth2\"; did you mean \"oauth2\"?"},
	    {"imap", "auth", "kerberos",
	     "unknown method \"kerberos\"; expected password-cleartext, "
	     "password-encrypted, oauth2, ntlm, gssapi, client-cert or none"},
	    {"imap", "auth", "oauth2, oauth2", "\"oauth2\" is listed twice"},
	    {"smtp", "auth", "ntlm,gssapi, ntlm", "\"ntlm\" is listed twice"},
	    {"imap", "auth", "oauth2,,ntlm", "empty item in the list"},
	    {"imap", "auth", "", "empty item in the list"},
	    {"imap", "auth", "none",
	     "\"none\" is for SMTP only: IMAP and POP3 servers always log in"},
	    {"pop3", "auth", "oauth2, none",
	     "\"none\" is for SMTP only: IMAP and POP3 servers always log in"},
	    {"smtp", "auth", "none, password-cleartext",
	     "\"none\" cannot be combined with other methods"},
	    {"smtp", "auth", "oauth2, none",
	     "\"none\" cannot be combined with other methods"},
	};
	static const struct {
		const char *section, *value;
		enum auth want[AUTH_COUNT];
		size_t n;
	} typed[] = {
	    {"imap", "password-cleartext", {AUTH_PASSWORD_CLEARTEXT}, 1},
	    {"imap",
	     "oauth2, password-cleartext",
	     {AUTH_OAUTH2, AUTH_PASSWORD_CLEARTEXT},
	     2},
	    {"imap",
	     "password-cleartext,oauth2",
	     {AUTH_PASSWORD_CLEARTEXT, AUTH_OAUTH2},
	     2},
	    {"pop3",
	     " gssapi ,ntlm, client-cert,password-encrypted ",
	     {AUTH_GSSAPI, AUTH_NTLM, AUTH_CLIENT_CERT,
	      AUTH_PASSWORD_ENCRYPTED},
	     4},
	    {"smtp", "none", {AUTH_NONE}, 1},
	};

	(void)state;
	check_values(cases, NELEMS(cases));
	for (size_t i = 0; i < NELEMS(typed); i++) {
		struct edit e[] = {{typed[i].section, "auth", typed[i].value},
		                   NO_EDIT};
		struct model *m = model_with(e);
		const struct server *s = server_named(m, typed[i].section);

		assert_int_equal(s->nauth, typed[i].n);
		for (size_t k = 0; k < typed[i].n; k++)
			assert_int_equal(s->auth[k], typed[i].want[k]);
		model_free(m);
	}
}

static void
test_model_build_booleans_and_days(void **state)
{
	static const struct value_case cases[] = {
	    {"pop3", "leave_on_server", "true", NULL},
	    {"pop3", "leave_on_server", "false", NULL},
	    {"pop3", "leave_on_server", "yes",
	     "\"yes\" is not a boolean; write true or false"},
	    {"pop3", "leave_on_server", "1",
	     "\"1\" is not a boolean; write true or false"},
	    {"pop3", "leave_on_server", "TRUE",
	     "\"TRUE\" is not a boolean; write true or false"},
	    {"pop3", "leave_on_server", "",
	     "\"\" is not a boolean; write true or false"},
	    {"pop3", "days_to_keep", "1", NULL},
	    {"pop3", "days_to_keep", "3650", NULL},
	    {"pop3", "days_to_keep", "0",
	     "\"0\" is not a number of days (1-3650)"},
	    {"pop3", "days_to_keep", "3651",
	     "\"3651\" is not a number of days (1-3650)"},
	    {"pop3", "days_to_keep", "07",
	     "\"07\" is not a number of days (1-3650)"},
	    {"pop3", "days_to_keep", "7d",
	     "\"7d\" is not a number of days (1-3650)"},
	    /* POP3 options belong to [pop3] only */
	    {"imap", "leave_on_server", "true",
	     "unknown key; \"leave_on_server\" is only valid in [pop3]"},
	    {"smtp", "days_to_keep", "7",
	     "unknown key; \"days_to_keep\" is only valid in [pop3]"},
	};
	static const struct {
		const char *leave, *days;
		int want_leave, want_days;
	} typed[] = {
	    {NULL, NULL, -1, 0},      /* unset */
	    {"true", NULL, 1, 0},     /* */
	    {"false", NULL, 0, 0},    /* */
	    {NULL, "14", 1, 14},      /* days imply leaving mail */
	    {"true", "3650", 1, 3650} /* */
	};

	(void)state;
	check_values(cases, NELEMS(cases));
	for (size_t i = 0; i < NELEMS(typed); i++) {
		struct edit e[] = {{"pop3", "leave_on_server", typed[i].leave},
		                   {"pop3", "days_to_keep", typed[i].days},
		                   NO_EDIT};
		struct model *m = model_with(e);
		const struct server *s = server_named(m, "pop3");

		assert_int_equal(s->leave_on_server, typed[i].want_leave);
		assert_int_equal(s->days_to_keep, typed[i].want_days);
		model_free(m);
	}
}

static void
test_model_build_days_need_leave_on_server(void **state)
{
	struct edit e[] = {{"pop3", "leave_on_server", "false"},
	                   {"pop3", "days_to_keep", "7"},
	                   NO_EDIT};
	struct want w[] = {{"error", "pop3", "days_to_keep",
	                    "needs leave_on_server = true, not false"},
	                   NO_WANT};
	char **lines = lines_edited(base, e);
	char *expected = wanted("spec.ini", lines, w);
	struct diag d = DIAG_INIT;
	struct model *m = build_lines(lines, &d);

	(void)state;
	assert_null(m);
	assert_diag(&d, expected);
	free(expected);
	lines_free(lines);
	diag_free(&d);
}

#define LABEL_63                                                               \
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"

static void
test_model_build_host_names(void **state)
{
	static const struct value_case cases[] = {
	    {"imap", "host", "imap.example.com", NULL},
	    {"imap", "host", "IMAP.Example.COM", NULL},
	    {"imap", "host", "mx-1.mail.example.com", NULL},
	    {"imap", "host", "192.0.2.1", NULL},
	    {"imap", "host", "imap.%EMAILDOMAIN%", NULL},
	    {"imap", "host", "%EMAILDOMAIN%", NULL},
	    {"imap", "host", LABEL_63 ".example.com", NULL},
	    {"imap", "host", "imap..example.com",
	     "\"imap..example.com\" is not a valid host name: empty label "
	     "between dots"},
	    {"imap", "host", ".example.com",
	     "\".example.com\" is not a valid host name: empty label between "
	     "dots"},
	    {"imap", "host", "imap.example.com.",
	     "\"imap.example.com.\" is not a valid host name: empty label "
	     "between dots"},
	    {"imap", "host", "-imap.example.com",
	     "\"-imap.example.com\" is not a valid host name: a label starts "
	     "or ends with \"-\""},
	    {"imap", "host", "imap-.example.com",
	     "\"imap-.example.com\" is not a valid host name: a label starts "
	     "or ends with \"-\""},
	    {"imap", "host", LABEL_63 "x.example.com",
	     "\"" LABEL_63 "x.example.com\" is not a valid host name: a label "
	     "is longer than 63 characters"},
	    {"imap", "host", "imap.example.123",
	     "\"imap.example.123\" is not a valid host name: the last label "
	     "is all digits"},
	    {"imap", "host", "256.1.1.1",
	     "\"256.1.1.1\" is not a valid host name: the last label is all "
	     "digits"},
	    {"imap", "host", "1.2.3",
	     "\"1.2.3\" is not a valid host name: the last label is all "
	     "digits"},
	    {"imap", "host", "localhost",
	     "\"localhost\" is not a valid host name: it needs at least two "
	     "labels, like example.com"},
	    {"imap", "host", "imap_1.example.com",
	     "\"imap_1.example.com\" is not a valid host name: only letters, "
	     "digits, \"-\" and \".\" are allowed"},
	    {"imap", "host", "imap example.com",
	     "\"imap example.com\" is not a valid host name: only letters, "
	     "digits, \"-\" and \".\" are allowed"},
	    {"imap", "host", "imap.%EMAILLOCALPART%",
	     "\"imap.%EMAILLOCALPART%\" is not a valid host name: the only "
	     "placeholder allowed in a host name is %EMAILDOMAIN%"},
	    {"imap", "host", "%EMAILADDRESS%",
	     "\"%EMAILADDRESS%\" is not a valid host name: the only "
	     "placeholder allowed in a host name is %EMAILDOMAIN%"},
	    {"imap", "host", "imap.%emaildomain%",
	     "\"imap.%emaildomain%\" is not a valid host name: the only "
	     "placeholder allowed in a host name is %EMAILDOMAIN%"},
	    {"imap", "host", "", "\"\" is not a valid host name: it is empty"},
	    /* the provider's domains take no placeholder */
	    {"provider", "id", "%EMAILDOMAIN%",
	     "\"%EMAILDOMAIN%\" is not a valid domain name: placeholders are "
	     "not allowed here; write the literal domain"},
	    {"provider", "domains", "example.com, %EMAILDOMAIN%",
	     "\"%EMAILDOMAIN%\" is not a valid domain name: placeholders are "
	     "not allowed here; write the literal domain"},
	    {"provider", "domains", "example.com,,example.net",
	     "empty item in the list; separate domains with single commas"},
	    {"provider", "domains", "example..com",
	     "\"example..com\" is not a valid domain name: empty label "
	     "between dots"},
	};

	(void)state;
	check_values(cases, NELEMS(cases));
}

/* An IPv4 address has four numbers and nothing after the last: with a
 * trailing dot it is a (numeric) host name, and host names take no empty
 * label. */
static void
test_model_build_rejects_ipv4_with_trailing_dot(void **state)
{
	static const struct value_case cases[] = {
	    {"imap", "host", "192.0.2.1.",
	     "\"192.0.2.1.\" is not a valid host name: empty label between "
	     "dots"},
	};

	(void)state;
	check_values(cases, NELEMS(cases));
}

static void
test_model_build_usernames(void **state)
{
	static const struct value_case cases[] = {
	    {"imap", "username", "%EMAILADDRESS%", NULL},
	    {"imap", "username", "%EMAILLOCALPART%", NULL},
	    {"imap", "username", "%EMAILLOCALPART%@%EMAILDOMAIN%", NULL},
	    {"imap", "username", "%EMAILLOCALPART%%EMAILDOMAIN%", NULL},
	    {"imap", "username", "shared@example.com", NULL},
	    {"imap", "username", "%EMAILADRESS%",
	     "unknown placeholder \"%EMAILADRESS%\"; expected %EMAILADDRESS%, "
	     "%EMAILLOCALPART% or %EMAILDOMAIN% (each between two % signs)"},
	    {"imap", "username", "%emailaddress%",
	     "unknown placeholder \"%emailaddress%\"; expected "
	     "%EMAILADDRESS%, %EMAILLOCALPART% or %EMAILDOMAIN% (each "
	     "between two % signs)"},
	    {"imap", "username", "%EMAILLOCALPART%@%USERDOMAIN%",
	     "unknown placeholder \"%USERDOMAIN%\"; expected %EMAILADDRESS%, "
	     "%EMAILLOCALPART% or %EMAILDOMAIN% (each between two % signs)"},
	    {"imap", "username", "%USER",
	     "unknown placeholder \"%USER\"; expected %EMAILADDRESS%, "
	     "%EMAILLOCALPART% or %EMAILDOMAIN% (each between two % signs)"},
	    {"imap", "username", "100%",
	     "unknown placeholder \"%\"; expected %EMAILADDRESS%, "
	     "%EMAILLOCALPART% or %EMAILDOMAIN% (each between two % signs)"},
	    {"imap", "username", "",
	     "empty username; leave the key out for %EMAILADDRESS%"},
	};
	struct edit e[] = {
	    {"imap", "username", "%EMAILLOCALPART%@%EMAILDOMAIN%"}, NO_EDIT};
	struct model *m;

	(void)state;
	check_values(cases, NELEMS(cases));
	m = model_with(e);
	assert_string_equal(server_named(m, "imap")->username,
	                    "%EMAILLOCALPART%@%EMAILDOMAIN%");
	model_free(m);
}

/* check_values: what no output format can carry is refused, whichever
 * front end produced it; nothing else is checked then. */
static void
test_model_build_rejects_control_characters(void **state)
{
	static const struct value_case cases[] = {
	    {"provider", "name", "Exa\tmple",
	     "control character U+0009 not allowed"},
	    {"provider", "name", "bell\a",
	     "control character U+0007 not "
	     "allowed"},
	    {"provider", "short_name", "del\x7f",
	     "control character U+007F not allowed"},
	    {"imap", "host", "imap.example.com\r",
	     "control character U+000D not allowed"},
	    {"imap", "username", "\x1b[31mred",
	     "control character U+001B not allowed"},
	    {"smtp", "auth", "oauth2\n",
	     "control character U+000A not "
	     "allowed"},
	    {"provider", "name", "caf\xc3", "invalid UTF-8"},
	    {"provider", "name", "\xc0\xaf", "invalid UTF-8"},
	    {"provider", "name", "\xed\xa0\x80", "invalid UTF-8"},
	    {"provider", "name", "Caf\xc3\xa9 \xe6\x97\xa5", NULL},
	};

	(void)state;
	check_values(cases, NELEMS(cases));
}

/* A section label reaches the outputs (the view's "section"), so it must
 * be as clean as a value. */
static void
test_model_build_rejects_control_characters_in_section_names(void **state)
{
	static const char *const labels[] = {"imap.a\x01", "smtp.tab\there",
	                                     "imap.caf\xc3"};

	(void)state;
	for (size_t i = 0; i < NELEMS(labels); i++) {
		struct edit e[] = {{labels[i], "host", "imap.example.com"},
		                   {labels[i], "security", "ssl"},
		                   NO_EDIT};
		char **lines = lines_edited(base, e);
		struct diag d = DIAG_INIT;
		struct model *m = build_lines(lines, &d);

		if (m != NULL)
			print_message("section [%s] was accepted\n", labels[i]);
		lines_free(lines);
		model_free(m);
		diag_free(&d);
		assert_null(m);
	}
}

static void
test_model_build_unknown_keys_and_sections(void **state)
{
	static const struct value_case cases[] = {
	    {"imap", "hots", "imap.example.com",
	     "unknown key; did you mean \"host\"?"},
	    {"smtp", "user_name", "x",
	     "unknown key; did you mean "
	     "\"username\"?"},
	    {"provider", "colour", "red",
	     "unknown key; expected one of: id, name, short_name, domains, "
	     "host_domains, preset"},
	};
	struct edit e[] = {{"imapp", "host", "imap.example.com"}, NO_EDIT};
	char **lines = lines_edited(base, e);
	char *want = xasprintf("spec.ini:%d: error: unknown section [imapp]; "
	                       "did you mean [imap]?\n",
	                       line_of(lines, "imapp", NULL));
	struct diag d = DIAG_INIT;
	struct model *m = build_lines(lines, &d);

	(void)state;
	check_values(cases, NELEMS(cases));
	assert_null(m);
	assert_diag(&d, want);
	free(want);
	lines_free(lines);
	diag_free(&d);
}

static void
test_model_build_missing_keys_and_sections(void **state)
{
	static const char *const provider_only[] = {
	    "[provider]",           "id = example.com",      "name = Example",
	    "short_name = Example", "domains = example.com", NULL};
	struct edit e[] = {
	    {"imap", "host", NULL}, {"smtp", "security", NULL}, NO_EDIT};
	struct want w[] = {
	    {"error", "imap", NULL, "missing required key \"host\""},
	    {"error", "smtp", NULL, "missing required key \"security\""},
	    NO_WANT};
	char **lines = lines_edited(base, e);
	char *expected = wanted("spec.ini", lines, w);
	struct diag d = DIAG_INIT;
	struct model *m = build_lines(lines, &d);

	(void)state;
	assert_null(m);
	assert_diag(&d, expected);
	diag_free(&d);
	free(expected);
	lines_free(lines);

	m = model_build(src_from_lines("spec.ini", provider_only), &d);
	assert_null(m);
	assert_diag(&d, "spec.ini: error: no incoming server: add an [imap] "
	                "or [pop3] section\n"
	                "spec.ini: error: no outgoing server: add an [smtp] "
	                "section\n");
	diag_free(&d);
}

/* Unset keys: the port follows security, the login is a cleartext
 * password (TLS protects it), the username is the address. */
static void
test_model_build_defaults(void **state)
{
	static const struct {
		const char *section, *security;
		int port;
	} cases[] = {
	    {"imap", "ssl", 993},      {"imap", "starttls", 143},
	    {"imap", "none", 143},     {"pop3", "ssl", 995},
	    {"pop3", "starttls", 110}, {"pop3", "none", 110},
	    {"smtp", "ssl", 465},      {"smtp", "starttls", 587},
	    {"smtp", "none", 587},
	};

	(void)state;
	for (size_t i = 0; i < NELEMS(cases); i++) {
		struct edit e[] = {
		    {cases[i].section, "port", NULL},
		    {cases[i].section, "security", cases[i].security},
		    NO_EDIT};
		struct model *m = model_with(e);
		const struct server *s = server_named(m, cases[i].section);

		assert_int_equal(s->port, cases[i].port);
		assert_int_equal(s->nauth, 1);
		assert_int_equal(s->auth[0], AUTH_PASSWORD_CLEARTEXT);
		assert_string_equal(s->username, "%EMAILADDRESS%");
		assert_int_equal(s->leave_on_server, -1);
		assert_int_equal(s->days_to_keep, 0);
		model_free(m);
	}
}

/* Servers keep the order of their sections: that is the preference. */
static void
test_model_build_keeps_section_order(void **state)
{
	static const char *const lines[] = {"[provider]",
	                                    "id = example.com",
	                                    "name = Example",
	                                    "short_name = Example",
	                                    "domains = example.com",
	                                    "[smtp.backup]",
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
	                                    "security = ssl",
	                                    NULL};
	static const struct {
		const char *section;
		enum proto proto;
		bool incoming;
	} want[] = {{"smtp.backup", PROTO_SMTP, false},
	            {"pop3", PROTO_POP3, true},
	            {"smtp", PROTO_SMTP, false},
	            {"imap", PROTO_IMAP, true}};
	struct diag d = DIAG_INIT;
	struct model *m = model_build(src_from_lines("spec.ini", lines), &d);

	(void)state;
	assert_diag(&d, "");
	assert_non_null(m);
	assert_int_equal(m->nservers, NELEMS(want));
	for (size_t i = 0; i < NELEMS(want); i++) {
		assert_string_equal(m->servers[i].section, want[i].section);
		assert_int_equal(m->servers[i].proto, want[i].proto);
		assert_int_equal(server_is_incoming(&m->servers[i]),
		                 want[i].incoming);
	}
	model_free(m);
	diag_free(&d);
}

/* --- lint -------------------------------------------------------------- */

#define NAME_31 "Example Mail Provider of Europe"
#define E_ACUTE_30                                                             \
	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3" \
	"\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3" \
	"\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define NICHI_12                                                               \
	"\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97" \
	"\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6" \
	"\x97\xa5"

static const struct lint_case {
	const char *what;
	struct edit edits[5];
	struct want want[4];
} lint_cases[] = {
    {"a clean spec", {NO_EDIT}, {NO_WANT}},
    {"plaintext password",
     {{"imap", "security", "none"}, {"imap", "port", "143"}},
     {{"warning", "imap", "security",
       "password authentication over an unencrypted connection; use ssl "
       "or starttls if the server offers it [-Wplaintext]"}}},
    {"implicit TLS port without ssl",
     {{"imap", "security", "starttls"}},
     {{"warning", "imap", "security",
       "port 993 is for implicit TLS, but security is starttls; did you "
       "mean security = ssl? [-Wtls-port]"}}},
    {"STARTTLS port with ssl",
     {{"smtp", "port", "587"}},
     {{"warning", "smtp", "security",
       "port 587 starts in plain text (STARTTLS), but security is ssl; "
       "did you mean security = starttls, or port 465? [-Wtls-port]"}}},
    {"port 25 with ssl",
     {{"smtp", "port", "25"}},
     {{"warning", "smtp", "security",
       "port 25 starts in plain text (STARTTLS), but security is ssl; did "
       "you mean security = starttls, or port 465? [-Wtls-port]"}}},
    {"another protocol's port",
     {{"imap", "port", "995"}},
     {{"warning", "imap", "port",
       "port 995 is the POP3 port, not IMAP's [-Wport]"}}},
    {"an unusual port is fine", {{"imap", "port", "10993"}}, {NO_WANT}},
    {"typo of a known host",
     {{"imap", "host", "imap.gmial.com"}},
     {{"warning", "imap", "host",
       "\"imap.gmial.com\" looks like a typo of \"imap.gmail.com\" "
       "(preset gmail) [-Whost-typo]"}}},
    {"a known host outside the domains is fine",
     {{"smtp", "host", "smtp.gmail.com"}},
     {NO_WANT}},
    {"outside the domains, near one",
     {{"imap", "host", "imap.exmaple.com"}},
     {{"warning", "imap", "host",
       "\"imap.exmaple.com\" lies outside the provider's domains; did you "
       "mean \"imap.example.com\"? [-Whost-domain]"}}},
    {"outside the domains, near the second one",
     {{"pop3", "host", "pop.example.nte"}},
     {{"warning", "pop3", "host",
       "\"pop.example.nte\" lies outside the provider's domains; did you "
       "mean \"pop.example.net\"? [-Whost-domain]"}}},
    {"outside the domains",
     {{"imap", "host", "mail.provider-hosting.org"}},
     {{"warning", "imap", "host",
       "\"mail.provider-hosting.org\" lies outside the provider's "
       "domains; if that is right, add its domain to [provider] "
       "host_domains [-Whost-domain]"}}},
    {"host_domains vouch for a host",
     {{"provider", "host_domains", "provider-hosting.org"},
      {"imap", "host", "mail.provider-hosting.org"}},
     {NO_WANT}},
    {"addresses and placeholders are not checked",
     {{"imap", "host", "192.0.2.1"}, {"smtp", "host", "smtp.%EMAILDOMAIN%"}},
     {NO_WANT}},
    {"SMTP without authentication",
     {{"smtp", "auth", "none"}},
     {{"warning", "smtp", "auth",
       "SMTP without authentication works only from inside the "
       "provider's network; most clients need a login [-Wsmtp-no-auth]"}}},
    {"no incoming TLS at all",
     {{"imap", "security", "none"},
      {"imap", "port", "143"},
      {"pop3", "security", "none"},
      {"pop3", "port", "110"}},
     {{"warning", "imap", "security",
       "password authentication over an unencrypted connection; use ssl "
       "or starttls if the server offers it [-Wplaintext]"},
      {"warning", "imap", "security",
       "no incoming server offers TLS: passwords and mail travel in plain "
       "text [-Wplaintext-only]"},
      {"warning", "pop3", "security",
       "password authentication over an unencrypted connection; use ssl "
       "or starttls if the server offers it [-Wplaintext]"}}},
    {"no outgoing TLS at all",
     {{"smtp", "security", "none"},
      {"smtp", "port", "587"},
      {"smtp", "auth", "none"}},
     {{"warning", "smtp", "security",
       "no outgoing server offers TLS: passwords and mail travel in plain "
       "text [-Wplaintext-only]"},
      {"warning", "smtp", "auth",
       "SMTP without authentication works only from inside the "
       "provider's network; most clients need a login [-Wsmtp-no-auth]"}}},
    {"client-cert as the only method",
     {{"imap", "auth", "client-cert"}},
     {{"warning", "imap", "auth",
       "Thunderbird (153) does not accept client-cert and skips this "
       "server; add a password or oauth2 method after it [-Wclient-cert]"}}},
    {"client-cert with a fallback is fine",
     {{"imap", "auth", "client-cert, password-cleartext"}},
     {NO_WANT}},
    {"implicit TLS listed after STARTTLS",
     {{"imap", "security", "starttls"},
      {"imap", "port", "143"},
      {"imap.tls", "host", "imap.example.com"},
      {"imap.tls", "security", "ssl"}},
     {{"note", "imap.tls", NULL,
       "RFC 8314 prefers implicit TLS: consider listing [imap.tls] before "
       "[imap] [-Wimplicit-tls-first]"}}},
    {"STARTTLS after implicit TLS is fine",
     {{"imap.plain", "host", "imap.example.com"},
      {"imap.plain", "security", "starttls"}},
     {NO_WANT}},
    {"numeric username",
     {{"imap", "username", "012345"}},
     {{"warning", "imap", "username",
       "Thunderbird reads the all-digit username \"012345\" as a number "
       "(leading zeros are lost) [-Wnumeric-username]"}}},
    {"long names",
     {{"provider", "name", NAME_31},
      {"provider", "short_name", "Example Mail!"}},
     {{"warning", "provider", "name",
       "longer than 30 characters; clients may cut it [-Wlong-name]"},
      {"warning", "provider", "short_name",
       "longer than 12 characters; clients may cut it [-Wlong-name]"}}},
    {"names are measured in characters",
     {{"provider", "name", E_ACUTE_30}, {"provider", "short_name", NICHI_12}},
     {NO_WANT}},
};

static void
test_model_lint_warnings(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEMS(lint_cases); i++) {
		const struct lint_case *c = &lint_cases[i];
		char **lines = lines_edited(base, c->edits);
		char *expected = wanted("spec.ini", lines, c->want);
		struct diag d = DIAG_INIT;
		struct model *m = build_lines(lines, &d);
		char *got;
		bool same;

		if (m == NULL)
			print_message("%s: does not build\n", c->what);
		assert_non_null(m);
		model_lint(m, known_hosts, &d);
		got = diag_text(&d);
		same = strcmp(got, expected) == 0;
		if (!same)
			print_message("%s:\n  gave: %s  want: %s", c->what, got,
			              expected);
		free(got);
		free(expected);
		lines_free(lines);
		model_free(m);
		diag_free(&d);
		assert_true(same);
	}
}

/* Without known hosts, a near miss of the own domains is still caught. */
static void
test_model_lint_without_known_hosts(void **state)
{
	struct edit e[] = {{"imap", "host", "imap.gmial.com"}, NO_EDIT};
	struct want w[] = {{"warning", "imap", "host",
	                    "\"imap.gmial.com\" lies outside the provider's "
	                    "domains; if that is right, add its domain to "
	                    "[provider] host_domains [-Whost-domain]"},
	                   NO_WANT};
	char **lines = lines_edited(base, e);
	char *expected = wanted("spec.ini", lines, w);
	struct diag d = DIAG_INIT;
	struct model *m = build_lines(lines, &d);

	(void)state;
	assert_non_null(m);
	model_lint(m, NULL, &d);
	assert_diag(&d, expected);
	free(expected);
	lines_free(lines);
	model_free(m);
	diag_free(&d);
}

static void
test_model_lint_strict_makes_warnings_errors(void **state)
{
	struct edit e[] = {{"smtp", "auth", "none"}, NO_EDIT};
	struct want w[] = {{"error", "smtp", "auth",
	                    "SMTP without authentication works only from "
	                    "inside the provider's network; most clients need "
	                    "a login [-Wsmtp-no-auth]"},
	                   NO_WANT};
	char **lines = lines_edited(base, e);
	char *expected = wanted("spec.ini", lines, w);
	struct diag d = DIAG_INIT;
	struct model *m = build_lines(lines, &d);

	(void)state;
	d.strict = true;
	model_lint(m, known_hosts, &d);
	assert_diag(&d, expected);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 0);
	assert_int_equal(diag_exit_status(&d), 1);
	free(expected);
	lines_free(lines);
	model_free(m);
	diag_free(&d);
}

/* --- model_loc ---------------------------------------------------------- */

static void
test_model_loc_points_at_key_or_section(void **state)
{
	struct edit none[] = {NO_EDIT};
	struct model *m = model_with(none);
	struct loc at;

	(void)state;
	model_loc(m, "imap", "port", &at);
	assert_string_equal(at.file, "spec.ini");
	assert_int_equal(at.line, 9);
	assert_string_equal(at.section, "imap");
	assert_string_equal(at.key, "port");
	/* a key that is not written: the section header */
	model_loc(m, "imap", "username", &at);
	assert_int_equal(at.line, 7);
	assert_string_equal(at.section, "imap");
	assert_null(at.key);
	model_loc(m, "smtp", NULL, &at);
	assert_string_equal(at.file, "spec.ini");
	assert_int_equal(at.line, 17);
	assert_null(at.key);
	model_free(m);
}

/* Entries and sections from two files (a preset and a spec) point at
 * their own file; an absent section points at the first file. */
static void
test_model_loc_with_two_files(void **state)
{
	static const struct {
		const char *section, *key, *file;
		int line;
	} cases[] = {
	    {"imap", "port", "spec.ini", 3},   /* set by the spec */
	    {"imap", "host", "preset.ini", 8}, /* kept from the preset */
	    {"imap", NULL, "preset.ini", 7},
	    {"imap", "username", "preset.ini", 7},
	    {"caveats", NULL, "spec.ini", 0}, /* no such section */
	};
	struct source *src = src_from_lines("preset.ini", base);
	struct diag d = DIAG_INIT;
	struct model *m;

	(void)state;
	src->files = xreallocarray(src->files, 2, sizeof(*src->files));
	src->files[1] = xstrdup("spec.ini");
	src->nfiles = 2;
	for (size_t i = 0; i < src->nentries; i++)
		if (strcmp(src->entries[i].section, "imap") == 0 &&
		    strcmp(src->entries[i].key, "port") == 0) {
			src->entries[i].file = src->files[1];
			src->entries[i].line = 3;
		}
	m = model_build(src, &d);
	assert_diag_free(&d, "");
	assert_non_null(m);
	for (size_t i = 0; i < NELEMS(cases); i++) {
		struct loc at;
		bool ok;

		model_loc(m, cases[i].section, cases[i].key, &at);
		ok = at.file != NULL && strcmp(at.file, cases[i].file) == 0 &&
		     at.line == cases[i].line;
		if (!ok)
			print_message("model_loc(%s, %s) = %s:%d, want %s:%d\n",
			              cases[i].section,
			              cases[i].key ? cases[i].key : "NULL",
			              at.file ? at.file : "NULL", at.line,
			              cases[i].file, cases[i].line);
		if (!ok)
			model_free(m);
		assert_true(ok);
	}
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_model_build_accepts_base),
	    cmocka_unit_test(test_model_build_port_range),
	    cmocka_unit_test(test_model_build_security_enum),
	    cmocka_unit_test(test_model_build_auth_list),
	    cmocka_unit_test(test_model_build_booleans_and_days),
	    cmocka_unit_test(test_model_build_days_need_leave_on_server),
	    cmocka_unit_test(test_model_build_host_names),
	    cmocka_unit_test(test_model_build_rejects_ipv4_with_trailing_dot),
	    cmocka_unit_test(test_model_build_usernames),
	    cmocka_unit_test(test_model_build_rejects_control_characters),
	    cmocka_unit_test(
	        test_model_build_rejects_control_characters_in_section_names),
	    cmocka_unit_test(test_model_build_unknown_keys_and_sections),
	    cmocka_unit_test(test_model_build_missing_keys_and_sections),
	    cmocka_unit_test(test_model_build_defaults),
	    cmocka_unit_test(test_model_build_keeps_section_order),
	    cmocka_unit_test(test_model_lint_warnings),
	    cmocka_unit_test(test_model_lint_without_known_hosts),
	    cmocka_unit_test(test_model_lint_strict_makes_warnings_errors),
	    cmocka_unit_test(test_model_loc_points_at_key_or_section),
	    cmocka_unit_test(test_model_loc_with_two_files),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
