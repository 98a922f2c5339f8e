/* SPDX-License-Identifier: MIT */
/* Model -> the names templates use: flags for enums, lists in preference order,
 * derived fields. */
#include "view.h"

static const struct field auth_fields[] = {
    {"password_cleartext", VALUE_FLAG, NULL,
     "password sent as is (TLS protects it)"},
    {"password_encrypted", VALUE_FLAG, NULL, "CRAM-MD5 style challenge"},
    {"oauth2", VALUE_FLAG, NULL, "OAuth2 bearer token"},
    {"ntlm", VALUE_FLAG, NULL, "NTLM"},
    {"gssapi", VALUE_FLAG, NULL, "Kerberos / GSSAPI"},
    {"client_cert", VALUE_FLAG, NULL, "TLS client certificate"},
    {"none", VALUE_FLAG, NULL, "no authentication (SMTP only)"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field server_fields[] = {
    {"section", VALUE_TEXT, NULL, "the spec section, e.g. smtp.ssl"},
    {"imap", VALUE_FLAG, NULL, "an IMAP server"},
    {"pop3", VALUE_FLAG, NULL, "a POP3 server"},
    {"smtp", VALUE_FLAG, NULL, "an SMTP server"},
    {"primary", VALUE_FLAG, NULL, "first of its direction (preferred)"},
    {"host", VALUE_TEXT, NULL, "host name"},
    {"port", VALUE_NUMBER, NULL, "port number"},
    {"ssl", VALUE_FLAG, NULL, "implicit TLS"},
    {"starttls", VALUE_FLAG, NULL, "STARTTLS"},
    {"plain", VALUE_FLAG, NULL, "no TLS"},
    {"username", VALUE_TEXT, NULL, "username pattern"},
    {"auth", VALUE_LIST, auth_fields, "methods, preferred first"},
    {"has_pop3_options", VALUE_FLAG, NULL, "POP3 with options set"},
    {"leave_on_server_set", VALUE_FLAG, NULL, "leave_on_server was set"},
    {"leave_on_server", VALUE_FLAG, NULL, "leave mail on the server"},
    {"days_to_keep", VALUE_NUMBER, NULL, "days to keep; empty when unset"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field ltext_fields[] = {
    {"lang", VALUE_TEXT, NULL, "two-letter language code"},
    {"name", VALUE_TEXT, NULL, "the key naming the item"},
    {"text", VALUE_TEXT, NULL, "the text"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static const struct field doc_fields[] = {
    {"url", VALUE_TEXT, NULL, "documentation URL"},
    {"texts", VALUE_LIST, ltext_fields, "its description per language"},
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
    {"documentation", VALUE_LIST, doc_fields, "zero or one documentation link"},
    {"has_before", VALUE_FLAG, NULL, "there are steps before you start"},
    {"before_url", VALUE_TEXT, NULL, "where the steps are done"},
    {"before", VALUE_LIST, ltext_fields, "steps before you start"},
    {"caveats", VALUE_LIST, ltext_fields, "caveats"},
    {"oauth2_provider", VALUE_LIST, oauth2_fields,
     "zero or one OAuth2 endpoint set"},
    {NULL, VALUE_TEXT, NULL, NULL}};

static void
add_server(struct object *root, const struct server *s, bool primary)
{
	struct object *o = object_add_item(
	    root, server_is_incoming(s) ? "incoming" : "outgoing");

	object_set_text(o, "section", s->section);
	object_set_flag(o, "imap", s->proto == PROTO_IMAP);
	object_set_flag(o, "pop3", s->proto == PROTO_POP3);
	object_set_flag(o, "smtp", s->proto == PROTO_SMTP);
	object_set_flag(o, "primary", primary);
	object_set_text(o, "host", s->host);
	object_set_number(o, "port", s->port);
	object_set_flag(o, "ssl", s->security == SECURITY_SSL);
	object_set_flag(o, "starttls", s->security == SECURITY_STARTTLS);
	object_set_flag(o, "plain", s->security == SECURITY_NONE);
	object_set_text(o, "username", s->username);
	for (size_t i = 0; i < s->nauth; i++) {
		struct object *a = object_add_item(o, "auth");

		/* The flag names are the view's spelling of auth_names. */
		object_set_flag(a, auth_fields[s->auth[i]].name, true);
	}
	object_set_flag(o, "has_pop3_options",
	                s->proto == PROTO_POP3 &&
	                    (s->leave_on_server >= 0 || s->days_to_keep > 0));
	object_set_flag(o, "leave_on_server_set", s->leave_on_server >= 0);
	object_set_flag(o, "leave_on_server", s->leave_on_server == 1);
	if (s->days_to_keep > 0)
		object_set_number(o, "days_to_keep", s->days_to_keep);
}

static void
add_ltexts(struct object *o, const char *name, const struct ltext *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct object *t = object_add_item(o, name);

		object_set_text(t, "lang", v[i].lang);
		object_set_text(t, "name", v[i].name);
		object_set_text(t, "text", v[i].text);
	}
}

struct object *
view_build(const struct model *m)
{
	struct object *root = object_new(view_schema);
	bool first_in = true, first_out = true;

	object_set_text(root, "id", m->id);
	object_set_text(root, "name", m->name);
	object_set_text(root, "short_name", m->short_name);
	for (size_t i = 0; i < m->ndomains; i++)
		object_add_text(root, "domains", m->domains[i]);
	for (size_t i = 0; i < m->nservers; i++) {
		const struct server *s = &m->servers[i];
		bool *first = server_is_incoming(s) ? &first_in : &first_out;

		add_server(root, s, *first);
		*first = false;
	}
	if (m->doc_url != NULL) {
		struct object *doc = object_add_item(root, "documentation");

		object_set_text(doc, "url", m->doc_url);
		add_ltexts(doc, "texts", m->doc, m->ndoc);
	}
	object_set_flag(root, "has_before", m->nbefore > 0);
	object_set_text(root, "before_url", m->before_url);
	add_ltexts(root, "before", m->before, m->nbefore);
	add_ltexts(root, "caveats", m->caveats, m->ncaveats);
	if (m->oauth_issuer != NULL) {
		struct object *o = object_add_item(root, "oauth2_provider");

		object_set_text(o, "issuer", m->oauth_issuer);
		object_set_text(o, "scope", m->oauth_scope);
		object_set_text(o, "auth_url", m->oauth_auth_url);
		object_set_text(o, "token_url", m->oauth_token_url);
	}
	return root;
}
