/* SPDX-License-Identifier: MIT */
/* Model -> the names templates use: flags for enums, lists in preference order,
 * derived fields. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "text.h"
#include "model.h"
#include "view.h"
#include "xalloc.h"

static const struct field auth_fields[] = {
    {"password_cleartext", VALUE_FLAG, NULL, "password sent as is"},
    {"password_encrypted", VALUE_FLAG, NULL, "CRAM-MD5 style challenge"},
    {"oauth2", VALUE_FLAG, NULL, "OAuth2 bearer token"},
    {"ntlm", VALUE_FLAG, NULL, "NTLM"},
    {"gssapi", VALUE_FLAG, NULL, "Kerberos / GSSAPI"},
    {"client_cert", VALUE_FLAG, NULL, "TLS client certificate"},
    {"none", VALUE_FLAG, NULL, "no authentication (SMTP only)"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field server_fields[] = {
    {"section", VALUE_TEXT, NULL, "the spec section, e.g. smtp.ssl"},
    {"account", VALUE_TEXT, NULL, "a name for rc files: id, or id-section"},
    {"imap", VALUE_FLAG, NULL, "an IMAP server"},
    {"pop3", VALUE_FLAG, NULL, "a POP3 server"},
    {"smtp", VALUE_FLAG, NULL, "an SMTP server"},
    {"primary", VALUE_FLAG, NULL, "first of its direction (preferred)"},
    {"host", VALUE_TEXT, NULL, "host name"},
    {"port", VALUE_NUMBER, NULL, "port number"},
    {"ssl", VALUE_FLAG, NULL, "implicit TLS"},
    {"starttls", VALUE_FLAG, NULL, "STARTTLS"},
    {"plain", VALUE_FLAG, NULL, "no TLS"},
    {"has_tls", VALUE_FLAG, NULL, "implicit TLS or STARTTLS"},
    {"username", VALUE_TEXT, NULL, "username pattern (placeholders kept)"},
    {"login", VALUE_TEXT, NULL, "the username for --email; empty without"},
    {"has_login", VALUE_FLAG, NULL, "login is known"},
    {"shares_login", VALUE_FLAG, NULL,
     "every incoming server has this server's username"},
    {"auth", VALUE_LIST, auth_fields, "methods, preferred first"},
    {"auth_first", VALUE_LIST, auth_fields,
     "the preferred method (0 or 1): with auth_more, a list with commas"},
    {"auth_more", VALUE_LIST, auth_fields, "the methods after the first"},
    {"use_oauth2", VALUE_FLAG, NULL, "chosen method: OAuth2 (--token-cmd)"},
    {"use_password", VALUE_FLAG, NULL, "chosen method: plain password"},
    {"use_cram", VALUE_FLAG, NULL, "chosen method: CRAM-MD5"},
    {"use_ntlm", VALUE_FLAG, NULL, "chosen method: NTLM"},
    {"use_gssapi", VALUE_FLAG, NULL, "chosen method: GSSAPI"},
    {"use_cert", VALUE_FLAG, NULL, "chosen method: TLS client certificate"},
    {"use_none", VALUE_FLAG, NULL, "chosen method: none"},
    {"needs_secret", VALUE_FLAG, NULL, "the chosen method needs a password"},
    {"spa", VALUE_FLAG, NULL, "Windows integrated auth (NTLM/GSSAPI) first"},
    {"has_pop3_options", VALUE_FLAG, NULL, "POP3 with options set"},
    {"leave_on_server_set", VALUE_FLAG, NULL, "leave_on_server was set"},
    {"leave_on_server", VALUE_FLAG, NULL, "leave mail on the server"},
    {"days_to_keep", VALUE_NUMBER, NULL, "days to keep; empty when unset"},
    {"srv_priority", VALUE_NUMBER, NULL,
     "preference within its direction, 0 first (DNS SRV priority)"},
    {"pop3_leave_flags", VALUE_NUMBER, NULL,
     "Outlook's LeaveOnServer: 1 leave, +2 remove after days (<<16)"},
    {"host_pattern", VALUE_FLAG, NULL, "host still holds %EMAILDOMAIN%"},
    {"username_address", VALUE_FLAG, NULL, "username is %EMAILADDRESS%"},
    {"username_localpart", VALUE_FLAG, NULL, "username is %EMAILLOCALPART%"},
    {"username_pattern", VALUE_FLAG, NULL,
     "username holds a placeholder, and is not one alone"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field ltext_fields[] = {
    {"lang", VALUE_TEXT, NULL, "two-letter language code"},
    {"name", VALUE_TEXT, NULL, "the key naming the item"},
    {"text", VALUE_TEXT, NULL, "the text"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field doc_fields[] = {
    {"url", VALUE_TEXT, NULL, "documentation URL"},
    {"texts", VALUE_LIST, ltext_fields, "its description per language"},
    {"text", VALUE_TEXT, NULL, "its description in --lang (or English)"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field oauth2_fields[] = {
    {"issuer", VALUE_TEXT, NULL, "OAuth2 issuer"},
    {"scope", VALUE_TEXT, NULL, "scopes, space-separated"},
    {"auth_url", VALUE_TEXT, NULL, "authorization endpoint"},
    {"token_url", VALUE_TEXT, NULL, "token endpoint"},
    {NULL, VALUE_TEXT, NULL, NULL}};

const struct field view_schema[] = {
    {"id", VALUE_TEXT, NULL, "provider id (a domain)"},
    {"name", VALUE_TEXT, NULL, "display name"},
    {"short_name", VALUE_TEXT, NULL, "short display name"},
    {"domains", VALUE_LIST, NULL, "mail domains (text items: {{.}})"},
    {"incoming", VALUE_LIST, server_fields,
     "IMAP/POP3 servers, preferred first"},
    {"outgoing", VALUE_LIST, server_fields, "SMTP servers, preferred first"},
    {"imap_primary", VALUE_LIST, server_fields,
     "the first IMAP server (0 or 1)"},
    {"fetch", VALUE_LIST, server_fields,
     "fetchmail's server: the first (of --incoming) with a method other "
     "than OAuth2, which it uses (0 or 1)"},
    {"preferred_incoming", VALUE_LIST, server_fields,
     "first incoming server with TLS, else the first (1)"},
    {"preferred_outgoing", VALUE_LIST, server_fields,
     "first outgoing server with TLS, else the first (1)"},
    {"known_incoming", VALUE_LIST, server_fields,
     "preferred_incoming among servers without host_pattern (0 or 1)"},
    {"known_outgoing", VALUE_LIST, server_fields,
     "preferred_outgoing among servers without host_pattern (0 or 1)"},
    {"ssl_incoming", VALUE_LIST, server_fields,
     "first incoming server with implicit TLS, else preferred_incoming (1)"},
    {"documentation", VALUE_LIST, doc_fields, "zero or one documentation link"},
    {"has_before", VALUE_FLAG, NULL, "there are steps before you start"},
    {"before_url", VALUE_TEXT, NULL, "where the steps are done"},
    {"before", VALUE_LIST, ltext_fields,
     "steps before you start, all languages"},
    {"caveats", VALUE_LIST, ltext_fields, "caveats, all languages"},
    {"before_lang", VALUE_LIST, ltext_fields, "steps in --lang (or English)"},
    {"caveats_lang", VALUE_LIST, ltext_fields,
     "caveats in --lang (or English)"},
    {"oauth2_provider", VALUE_LIST, oauth2_fields,
     "zero or one OAuth2 endpoint set"},
    {"uses_oauth2", VALUE_FLAG, NULL, "some server offers OAuth2"},
    {"has_email", VALUE_FLAG, NULL, "--email was given"},
    {"email", VALUE_TEXT, NULL, "the address (--email)"},
    {"email_localpart", VALUE_TEXT, NULL, "the part before @"},
    {"email_domain", VALUE_TEXT, NULL, "the part after @"},
    {"has_real_name", VALUE_FLAG, NULL, "--name was given"},
    {"real_name", VALUE_TEXT, NULL, "the person's name (--name)"},
    {"has_pass_cmd", VALUE_FLAG, NULL, "--pass-cmd was given"},
    {"pass_cmd", VALUE_TEXT, NULL, "command printing the password, filled in"},
    {"has_token_cmd", VALUE_FLAG, NULL, "--token-cmd was given"},
    {"token_cmd", VALUE_TEXT, NULL, "command printing an OAuth2 token"},
    {"has_password", VALUE_FLAG, NULL, "a literal password was asked for"},
    {"password", VALUE_TEXT, NULL, "the password (--password-env)"},
    {"has_ca_file", VALUE_FLAG, NULL, "--ca-file was given"},
    {"ca_file", VALUE_TEXT, NULL, "CA bundle path"},
    {"maildir", VALUE_TEXT, NULL, "local Maildir, ends with /"},
    {"maildir_inbox", VALUE_TEXT, NULL, "the Maildir's INBOX"},
    {"has_mda", VALUE_FLAG, NULL, "--mda was given"},
    {"mda", VALUE_TEXT, NULL, "fetchmail's delivery command"},
    {"has_smtp_host", VALUE_FLAG, NULL, "--smtp-host was given"},
    {"smtp_host", VALUE_TEXT, NULL, "fetchmail forwards to this host"},
    {"lang_en", VALUE_FLAG, NULL, "--lang en"},
    {"lang_ja", VALUE_FLAG, NULL, "--lang ja"},
    {"autodiscover_url", VALUE_TEXT, NULL, "where autodiscover.xml is served"},
    {"site_domain", VALUE_TEXT, NULL, "site: the domain being written"},
    {"web_host", VALUE_TEXT, NULL, "site: the host serving the files"},
    {"site_root", VALUE_TEXT, NULL, "site: the tree's absolute path"},
    {"listen", VALUE_TEXT, NULL, "site: nginx's listen address (--listen)"},
    {"apache_vhost", VALUE_TEXT, NULL,
     "site: the same as Apache's <VirtualHost> address (*:80)"},
    {"layout_shared", VALUE_FLAG, NULL, "site: one file per content"},
    {"tb_file", VALUE_TEXT, NULL,
     "site, shared: the directory (files/KEY) serving this domain"},
    {"offers_imaps", VALUE_FLAG, NULL, "some IMAP server has implicit TLS"},
    {"offers_imap", VALUE_FLAG, NULL, "some IMAP server starts in plain text"},
    {"offers_pop3s", VALUE_FLAG, NULL, "some POP3 server has implicit TLS"},
    {"offers_pop3", VALUE_FLAG, NULL, "some POP3 server starts in plain text"},
    {"offers_submissions", VALUE_FLAG, NULL,
     "some SMTP server has implicit TLS"},
    {"offers_submission", VALUE_FLAG, NULL,
     "some SMTP server starts in plain text"},
    {"apple_identifier", VALUE_TEXT, NULL, "profile PayloadIdentifier"},
    {"apple_uuid", VALUE_TEXT, NULL,
     "profile PayloadUUID (from the identifier)"},
    {"apple_mail_identifier", VALUE_TEXT, NULL, "mail payload identifier"},
    {"apple_mail_uuid", VALUE_TEXT, NULL, "mail payload UUID"},
    {"shows_placeholders", VALUE_FLAG, NULL,
     "a server's host or username, as shown to people, holds a placeholder"},
    {NULL, VALUE_TEXT, NULL, NULL}};

/* shell_quote appends s to b so that sh(1) reads it as one word. */
static void
shell_quote(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s != '\0'; s++)
		if (*s == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *s);
	buf_putc(b, '\'');
}

char *
view_fill(const char *pattern, const char *email, bool shell)
{
	static const char *const names[] = {
	    "%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"};
	const char *at = strrchr(email, '@');
	char *parts[3];
	struct buf b = BUF_INIT;
	char *out;

	parts[0] = xstrdup(email);
	parts[1] =
	    at != NULL ? xstrndup(email, (size_t)(at - email)) : xstrdup(email);
	parts[2] = xstrdup(at != NULL ? at + 1 : "");
	while (*pattern != '\0') {
		bool done = false;

		for (size_t i = 0; i < 3 && !done; i++)
			if (strncmp(pattern, names[i], strlen(names[i])) == 0) {
				if (shell)
					shell_quote(&b, parts[i]);
				else
					buf_puts(&b, parts[i]);
				pattern += strlen(names[i]);
				done = true;
			}
		if (!done)
			buf_putc(&b, *pattern++);
	}
	for (size_t i = 0; i < 3; i++)
		free(parts[i]);
	out = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* The context of option checks: where the values came from. */
struct optctx {
	const struct loc *at;
	const char *(*label)(const char *option);
	struct diag *d;
};

static const char *
lbl(const struct optctx *c, const char *option)
{
	return c->label != NULL ? c->label(option) : option;
}

static bool
opt_text_ok(const struct optctx *c, const char *name, const char *v)
{
	const char *ctl;

	if (v == NULL)
		return true;
	if (utf8_check(v, strlen(v)) != (size_t)-1) {
		diag_error(c->d, c->at, "%s: invalid UTF-8", lbl(c, name));
		return false;
	}
	ctl = first_control(v);
	if (ctl != NULL) {
		diag_error(c->d, c->at,
		           "%s: control character U+%04X not allowed; a value "
		           "is one line of text",
		           lbl(c, name), (unsigned char)*ctl);
		return false;
	}
	return true;
}

static bool
email_ok(const char *email)
{
	const char *at = strrchr(email, '@');

	if (at == NULL || at == email || at[1] == '\0' ||
	    strchr(at + 1, '.') == NULL)
		return false;
	for (const char *p = email; *p != '\0'; p++)
		if (*p == ' ' || *p == '"' || *p == '\\' || *p == '%' ||
		    *p == '/' || (unsigned char)*p >= 0x80)
			return false;
	/* The domain part fills %EMAILDOMAIN% in host names. */
	return model_domain_error(at + 1) == NULL;
}

const char *const view_langs[] = {"en", "ja", NULL};

static bool
known_lang(const char *lang)
{
	for (size_t i = 0; view_langs[i] != NULL; i++)
		if (strcmp(view_langs[i], lang) == 0)
			return true;
	return false;
}

bool
view_opts_check(const struct view_opts *o, const struct loc *at,
                const char *(*label)(const char *option), struct diag *d)
{
	const struct optctx c = {at, label, d};
	const struct {
		const char *name, *value;
	} texts[] = {
	    {"--email", o->email},
	    {"--name", o->real_name},
	    {"--login", o->login},
	    {"--pass-cmd", o->pass_cmd},
	    {"--token-cmd", o->token_cmd},
	    {"--password-env", o->password},
	    {"--ca-file", o->ca_file},
	    {"--maildir", o->maildir},
	    {"--mda", o->mda},
	    {"--smtp-host", o->smtp_host},
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		ok &= opt_text_ok(&c, texts[i].name, texts[i].value);
	if (!ok)
		return false;
	if (o->email != NULL && !email_ok(o->email)) {
		diag_error(d, at,
		           "%s: \"%s\" is not an address like "
		           "alice@example.com (no spaces, quotes, \"%%\" or "
		           "\"/\"; the domain part needs a dot)",
		           lbl(&c, "--email"), o->email);
		ok = false;
	}
	if (o->ca_file != NULL && o->ca_file[0] != '/') {
		diag_error(d, at,
		           "%s: \"%s\" is not an absolute path; the programs "
		           "resolve relative paths differently",
		           lbl(&c, "--ca-file"), o->ca_file);
		ok = false;
	}
	if (o->maildir != NULL && o->maildir[0] != '/' &&
	    strncmp(o->maildir, "~/", 2) != 0) {
		diag_error(d, at,
		           "%s: \"%s\" is not an absolute path (or ~/...); "
		           "mbsync 1.4 and 1.5 resolve relative paths "
		           "differently",
		           lbl(&c, "--maildir"), o->maildir);
		ok = false;
	}
	if (o->incoming != NULL && strcmp(o->incoming, "imap") != 0 &&
	    strcmp(o->incoming, "pop3") != 0) {
		diag_error(d, at, "%s: \"%s\" is neither imap nor pop3",
		           lbl(&c, "--incoming"), o->incoming);
		ok = false;
	}
	if (o->lang != NULL && !known_lang(o->lang)) {
		struct buf list = BUF_INIT;

		for (size_t i = 0; view_langs[i] != NULL; i++)
			buf_printf(&list, "%s %s", i == 0 ? "neither" : " nor",
			           view_langs[i]);
		diag_error(d, at, "%s: \"%s\" is %s", lbl(&c, "--lang"),
		           o->lang, buf_cstr(&list));
		buf_free(&list);
		ok = false;
	}
	if (o->mda != NULL && o->smtp_host != NULL) {
		diag_error(d, at,
		           "%s and %s both say where fetchmail delivers; "
		           "choose one",
		           lbl(&c, "--mda"), lbl(&c, "--smtp-host"));
		ok = false;
	}
	return ok;
}

/* choose_auth picks the first method the person can use: OAuth2 only with
 * a token command, since rc files and profiles cannot run the flow. */
static enum auth
choose_auth(const struct server *s, const struct view_opts *o)
{
	for (size_t i = 0; i < s->nauth; i++)
		if (s->auth[i] != AUTH_OAUTH2 || o->token_cmd != NULL)
			return s->auth[i];
	return s->nauth > 0 ? s->auth[0] : AUTH_PASSWORD_CLEARTEXT;
}

/* username_is says whether s's username is exactly the placeholder p. */
static bool
username_is(const struct server *s, const char *p)
{
	return strcmp(s->username, p) == 0;
}

/* username_pattern: a username with a placeholder that people cannot be
 * told in a few words ("your address"); the checklist shows it as is. */
static bool
username_pattern(const struct server *s)
{
	return strchr(s->username, '%') != NULL &&
	       !username_is(s, "%EMAILADDRESS%") &&
	       !username_is(s, "%EMAILLOCALPART%");
}

/* shows_placeholder says whether people see a placeholder in s: in the
 * host without --email, in a username pattern without a login. */
static bool
shows_placeholder(const struct server *s, const struct view_opts *vo)
{
	bool login = vo->login != NULL || vo->email != NULL;

	return (vo->email == NULL && strchr(s->host, '%') != NULL) ||
	       (!login && username_pattern(s));
}

/* common_login is the username every incoming server has, "" when none
 * is incoming, NULL when they differ: found once per view, not once per
 * server (a spec may have 40,000). */
static const char *
common_login(const struct model *m)
{
	const char *u = "";

	for (size_t i = 0; i < m->nservers; i++)
		if (server_is_incoming(&m->servers[i])) {
			if (*u == '\0')
				u = m->servers[i].username;
			else if (strcmp(u, m->servers[i].username) != 0)
				return NULL;
		}
	return u;
}

static void
fill_server(struct object *o, const struct model *m, const struct server *s,
            bool primary, const char *common, const struct view_opts *vo)
{
	enum auth use = choose_auth(s, vo);
	char *account =
	    primary ? xstrdup(m->id) : xasprintf("%s-%s", m->id, s->section);

	/* Its rank in its direction is the order DNS SRV priorities
	 * follow. */
	object_set_number(o, "srv_priority", s->rank);
	object_borrow_text(o, "section", s->section);
	object_take_text(o, "account", account);
	object_set_flag(o, "imap", s->proto == PROTO_IMAP);
	object_set_flag(o, "pop3", s->proto == PROTO_POP3);
	object_set_flag(o, "smtp", s->proto == PROTO_SMTP);
	object_set_flag(o, "primary", primary);
	if (vo->email != NULL && strchr(s->host, '%') != NULL) {
		object_take_text(o, "host",
		                 view_fill(s->host, vo->email, false));
	} else
		object_borrow_text(o, "host", s->host);
	object_set_number(o, "port", s->port);
	object_set_flag(o, "ssl", s->security == SECURITY_SSL);
	object_set_flag(o, "starttls", s->security == SECURITY_STARTTLS);
	object_set_flag(o, "plain", s->security == SECURITY_NONE);
	object_set_flag(o, "has_tls", s->security != SECURITY_NONE);
	object_set_flag(o, "host_pattern",
	                vo->email == NULL && strchr(s->host, '%') != NULL);
	object_borrow_text(o, "username", s->username);
	object_set_flag(o, "username_address",
	                username_is(s, "%EMAILADDRESS%"));
	object_set_flag(o, "username_localpart",
	                username_is(s, "%EMAILLOCALPART%"));
	object_set_flag(o, "username_pattern", username_pattern(s));
	if (vo->login != NULL || vo->email != NULL) {
		char *login = vo->login != NULL
		                  ? xstrdup(vo->login)
		                  : view_fill(s->username, vo->email, false);

		object_take_text(o, "login", login);
		object_set_flag(o, "has_login", true);
	}
	{
		bool same =
		    common != NULL &&
		    (*common == '\0' || strcmp(common, s->username) == 0);

		object_set_flag(o, "shares_login", same || vo->login != NULL);
	}
	for (size_t i = 0; i < s->nauth; i++) {
		struct object *a = object_add_item(o, "auth");

		/* auth_fields is in the order of enum auth. */
		object_set_flag(a, auth_fields[s->auth[i]].name, true);
		a = object_add_item(o, i == 0 ? "auth_first" : "auth_more");
		object_set_flag(a, auth_fields[s->auth[i]].name, true);
	}
	object_set_flag(o, "use_oauth2", use == AUTH_OAUTH2);
	object_set_flag(o, "use_password", use == AUTH_PASSWORD_CLEARTEXT);
	object_set_flag(o, "use_cram", use == AUTH_PASSWORD_ENCRYPTED);
	object_set_flag(o, "use_ntlm", use == AUTH_NTLM);
	object_set_flag(o, "use_gssapi", use == AUTH_GSSAPI);
	object_set_flag(o, "use_cert", use == AUTH_CLIENT_CERT);
	object_set_flag(o, "use_none", use == AUTH_NONE);
	object_set_flag(o, "needs_secret",
	                use == AUTH_PASSWORD_CLEARTEXT ||
	                    use == AUTH_PASSWORD_ENCRYPTED || use == AUTH_NTLM);
	object_set_flag(o, "spa",
	                s->nauth > 0 && (s->auth[0] == AUTH_NTLM ||
	                                 s->auth[0] == AUTH_GSSAPI));
	object_set_flag(o, "has_pop3_options",
	                s->proto == PROTO_POP3 &&
	                    (s->leave_on_server >= 0 || s->days_to_keep > 0));
	object_set_flag(o, "leave_on_server_set", s->leave_on_server >= 0);
	object_set_flag(o, "leave_on_server", s->leave_on_server == 1);
	if (s->days_to_keep > 0)
		object_set_number(o, "days_to_keep", s->days_to_keep);
	/* Outlook's PROP_POP_LEAVE_ON_SERVER: LEAVE_ON_SERVER 0x1,
	 * REMOVE_AFTER 0x2, the days in the high 16 bits. */
	if (s->proto == PROTO_POP3 && s->leave_on_server >= 0)
		object_set_number(o, "pop3_leave_flags",
		                  s->leave_on_server != 1 ? 0
		                  : s->days_to_keep > 0
		                      ? 0x1 | 0x2 | s->days_to_keep << 16
		                      : 0x1);
}

static void
add_ltexts(struct object *o, const char *name, const struct ltext *v, size_t n,
           const char *lang)
{
	for (size_t i = 0; i < n; i++) {
		struct object *t;

		if (lang != NULL && strcmp(v[i].lang, lang) != 0)
			continue;
		t = object_add_item(o, name);
		object_borrow_text(t, "lang", v[i].lang);
		object_borrow_text(t, "name", v[i].name);
		object_borrow_text(t, "text", v[i].text);
	}
}

/* pick_lang is lang when some text is in it, else English, else the
 * first language there is: a checklist in Japanese shows the English
 * caveats rather than none. */
static const char *
pick_lang(const struct ltext *v, size_t n, const char *lang)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].lang, lang) == 0)
			return lang;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].lang, "en") == 0)
			return "en";
	return n > 0 ? v[0].lang : lang;
}

/* first_server returns the first server of a direction (and protocol,
 * unless proto is -1), preferring one with TLS when tls is set. */
static const struct server *
first_server(const struct model *m, bool incoming, int proto, bool tls)
{
	const struct server *first = NULL;

	for (size_t i = 0; i < m->nservers; i++) {
		const struct server *s = &m->servers[i];

		if (server_is_incoming(s) != incoming ||
		    (proto >= 0 && s->proto != (enum proto)proto))
			continue;
		if (!tls || s->security != SECURITY_NONE)
			return s;
		if (first == NULL)
			first = s;
	}
	return first;
}

/* pick_server is like first_server(m, incoming, -1, true), among the
 * servers whose host is known when known is set, and preferring implicit
 * TLS when ssl is set (then falling back to first_server's choice). */
static const struct server *
pick_server(const struct model *m, bool incoming, bool known, bool ssl,
            const struct view_opts *o)
{
	const struct server *first = NULL;

	for (size_t i = 0; i < m->nservers; i++) {
		const struct server *s = &m->servers[i];

		if (server_is_incoming(s) != incoming ||
		    (known && o->email == NULL && strchr(s->host, '%') != NULL))
			continue;
		if (ssl ? s->security == SECURITY_SSL
		        : s->security != SECURITY_NONE)
			return s;
		if (first == NULL)
			first = s;
	}
	if (ssl)
		return first_server(m, incoming, -1, true);
	return first;
}

/* add_one adds server s to list. built holds each server's object as
 * the incoming and outgoing lists have it, for these options: the same
 * server for the same person is the same object, shared. */
static void
add_one(struct object *root, const char *list, const struct model *m,
        const struct server *s, const struct view_opts *o,
        struct object *const *built)
{
	if (s != NULL && built != NULL)
		object_add_shared(root, list, built[s - m->servers]);
	else if (s != NULL)
		fill_server(
		    object_add_item(root, list), m, s,
		    s == first_server(m, server_is_incoming(s), -1, false),
		    common_login(m), o);
}

/* reverse_dns turns example.co.jp into jp.co.example. */
static char *
reverse_dns(const char *domain)
{
	struct buf b = BUF_INIT;
	const char *end = domain + strlen(domain);
	char *out;

	while (end > domain) {
		const char *dot = end;

		while (dot > domain && dot[-1] != '.')
			dot--;
		if (b.len > 0)
			buf_putc(&b, '.');
		buf_add(&b, dot, (size_t)(end - dot));
		end = dot > domain ? dot - 1 : domain;
	}
	out = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void
set_opt(struct object *root, const char *name, const char *flag, const char *v)
{
	if (v == NULL)
		return;
	object_set_text(root, name, v);
	object_set_flag(root, flag, true);
}

static void
add_apple(struct object *root, const struct model *m, const struct view_opts *o)
{
	char *rev = reverse_dns(m->id);
	char *id, *mail_id, *uuid;

	/* The identifier decides whether a device replaces an installed
	 * profile: one per provider, or per person with --email. The address
	 * is written with letters, digits and dots only, and one to one:
	 * the last "@" becomes ".", every other character but a letter or
	 * digit "-" and its hex code (alice.x@ -> alice-2ex., alice+x@ ->
	 * alice-2bx.), so two addresses never share a profile. */
	if (o->email != NULL) {
		const char *at = strrchr(o->email, '@');
		struct buf b = BUF_INIT;

		for (const char *p = o->email; *p != '\0'; p++)
			if (p == at)
				buf_putc(&b, '.');
			else if ((*p >= 'a' && *p <= 'z') ||
			         (*p >= 'A' && *p <= 'Z') ||
			         (*p >= '0' && *p <= '9') ||
			         (p > at && *p == '.'))
				buf_putc(&b, *p);
			else
				buf_printf(&b, "-%02x", (unsigned char)*p);
		id = xasprintf("%s.mailconf.%s", rev, buf_cstr(&b));
		buf_free(&b);
	} else
		id = xasprintf("%s.mailconf", rev);
	mail_id = xasprintf("%s.mail", id);
	object_set_text(root, "apple_identifier", id);
	uuid = crypto_uuid5(id);
	object_set_text(root, "apple_uuid", uuid);
	free(uuid);
	object_set_text(root, "apple_mail_identifier", mail_id);
	uuid = crypto_uuid5(mail_id);
	object_set_text(root, "apple_mail_uuid", uuid);
	free(uuid);
	free(mail_id);
	free(id);
	free(rev);
}

static void
add_user(struct object *root, const struct model *m, const struct view_opts *o)
{
	char *maildir;

	if (o->email != NULL) {
		const char *at = strrchr(o->email, '@');

		object_set_flag(root, "has_email", true);
		object_set_text(root, "email", o->email);
		if (at != NULL) {
			char *local =
			    xstrndup(o->email, (size_t)(at - o->email));

			object_set_text(root, "email_localpart", local);
			object_set_text(root, "email_domain", at + 1);
			free(local);
		}
	}
	set_opt(root, "real_name", "has_real_name", o->real_name);
	if (o->pass_cmd != NULL) {
		char *cmd = view_fill(o->pass_cmd,
		                      o->email != NULL ? o->email : "", true);

		set_opt(root, "pass_cmd", "has_pass_cmd", cmd);
		free(cmd);
	}
	if (o->token_cmd != NULL) {
		char *cmd = view_fill(o->token_cmd,
		                      o->email != NULL ? o->email : "", true);

		set_opt(root, "token_cmd", "has_token_cmd", cmd);
		free(cmd);
	}
	set_opt(root, "password", "has_password", o->password);
	set_opt(root, "ca_file", "has_ca_file", o->ca_file);
	set_opt(root, "mda", "has_mda", o->mda);
	set_opt(root, "smtp_host", "has_smtp_host", o->smtp_host);
	if (o->maildir != NULL)
		maildir = xasprintf(
		    "%s%s", o->maildir,
		    o->maildir[strlen(o->maildir) - 1] == '/' ? "" : "/");
	else
		maildir = xasprintf("~/Mail/%s/",
		                    o->email != NULL ? o->email : m->id);
	object_take_text(root, "maildir_inbox", xasprintf("%sINBOX", maildir));
	object_take_text(root, "maildir", maildir);
}

/* first_fetchable returns the first incoming server (of proto, unless -1)
 * that fetchmail 6.4 can sign in to: one with a method other than OAuth2. */
static const struct server *
first_fetchable(const struct model *m, int proto)
{
	for (size_t i = 0; i < m->nservers; i++) {
		const struct server *s = &m->servers[i];
		bool usable = s->nauth == 0;

		if (!server_is_incoming(s) ||
		    (proto >= 0 && s->proto != (enum proto)proto))
			continue;
		for (size_t k = 0; k < s->nauth; k++)
			usable |= s->auth[k] != AUTH_OAUTH2;
		if (usable)
			return s;
	}
	return NULL;
}

struct object *
view_build(const struct model *m, const struct view_opts *o)
{
	struct object *root = object_new(view_schema);
	const char *lang = o->lang != NULL ? o->lang : view_langs[0];
	const struct server *fetch;
	bool first_in = true, first_out = true, oauth = false;
	struct object **built = xcalloc(m->nservers + 1, sizeof(*built));
	const char *common = common_login(m);
	char *url;

	object_borrow_text(root, "id", m->id);
	object_borrow_text(root, "name", m->name);
	object_borrow_text(root, "short_name", m->short_name);
	for (size_t i = 0; i < m->ndomains; i++)
		object_add_text(root, "domains", m->domains[i]);
	for (size_t i = 0; i < m->nservers; i++) {
		const struct server *s = &m->servers[i];
		bool *first = server_is_incoming(s) ? &first_in : &first_out;

		built[i] = object_add_item(
		    root, server_is_incoming(s) ? "incoming" : "outgoing");
		fill_server(built[i], m, s, *first, common, o);
		*first = false;
		if (shows_placeholder(s, o))
			object_set_flag(root, "shows_placeholders", true);
		for (size_t k = 0; k < s->nauth; k++)
			oauth |= s->auth[k] == AUTH_OAUTH2;
	}
	object_set_flag(root, "uses_oauth2", oauth);
	for (size_t i = 0; i < m->nservers; i++) {
		static const char *const offers[3][2] = {
		    [PROTO_IMAP] = {"offers_imaps", "offers_imap"},
		    [PROTO_POP3] = {"offers_pop3s", "offers_pop3"},
		    [PROTO_SMTP] = {"offers_submissions", "offers_submission"}};
		const struct server *s = &m->servers[i];

		object_set_flag(
		    root, offers[s->proto][s->security != SECURITY_SSL], true);
	}
	add_one(root, "imap_primary", m,
	        first_server(m, true, PROTO_IMAP, false), o, built);
	fetch = first_fetchable(m, o->incoming == NULL ? -1
	                           : strcmp(o->incoming, "pop3") == 0
	                               ? (int)PROTO_POP3
	                               : (int)PROTO_IMAP);
	{
		/* fetchmail 6.4 has no OAuth2: it signs in with the server's
		 * first other method, even with --token-cmd. */
		struct view_opts no_token = *o;

		no_token.token_cmd = NULL;
		add_one(root, "fetch", m, fetch, &no_token,
		        o->token_cmd == NULL ? built : NULL);
	}
	add_one(root, "preferred_incoming", m, first_server(m, true, -1, true),
	        o, built);
	add_one(root, "preferred_outgoing", m, first_server(m, false, -1, true),
	        o, built);
	add_one(root, "known_incoming", m, pick_server(m, true, true, false, o),
	        o, built);
	add_one(root, "known_outgoing", m,
	        pick_server(m, false, true, false, o), o, built);
	add_one(root, "ssl_incoming", m, pick_server(m, true, false, true, o),
	        o, built);
	free(built);
	if (m->doc_url != NULL) {
		struct object *doc = object_add_item(root, "documentation");
		const char *dl = pick_lang(m->doc, m->ndoc, lang);

		object_borrow_text(doc, "url", m->doc_url);
		add_ltexts(doc, "texts", m->doc, m->ndoc, NULL);
		for (size_t i = 0; i < m->ndoc; i++)
			if (strcmp(m->doc[i].lang, dl) == 0)
				object_borrow_text(doc, "text", m->doc[i].text);
	}
	object_set_flag(root, "has_before", m->nbefore > 0);
	object_borrow_text(root, "before_url", m->before_url);
	add_ltexts(root, "before", m->before, m->nbefore, NULL);
	add_ltexts(root, "caveats", m->caveats, m->ncaveats, NULL);
	add_ltexts(root, "before_lang", m->before, m->nbefore,
	           pick_lang(m->before, m->nbefore, lang));
	add_ltexts(root, "caveats_lang", m->caveats, m->ncaveats,
	           pick_lang(m->caveats, m->ncaveats, lang));
	if (m->oauth_issuer != NULL) {
		struct object *oa = object_add_item(root, "oauth2_provider");

		object_borrow_text(oa, "issuer", m->oauth_issuer);
		object_borrow_text(oa, "scope", m->oauth_scope);
		object_borrow_text(oa, "auth_url", m->oauth_auth_url);
		object_borrow_text(oa, "token_url", m->oauth_token_url);
	}
	object_set_flag(root, "lang_en", strcmp(lang, "en") == 0);
	object_set_flag(root, "lang_ja", strcmp(lang, "ja") == 0);
	url = xasprintf("https://autodiscover.%s/autodiscover/autodiscover.xml",
	                m->id);
	object_take_text(root, "autodiscover_url", url);
	add_user(root, m, o);
	if (!o->no_apple)
		add_apple(root, m, o);
	return root;
}
