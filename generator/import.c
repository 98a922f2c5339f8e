/* SPDX-License-Identifier: MIT */
/* Thunderbird autoconfig XML -> spec INI, reading what Thunderbird reads and
 * saying what changed. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "buf.h"
#include "import.h"
#include "input.h"
#include "model.h"
#include "text.h"
#include "xalloc.h"

/* Provider files are a few kilobytes; a bigger one is not one. */
#define MAX_XML (1024 * 1024)

struct imp {
	const char *path;
	struct diag *d;
	struct buf ini;
	int nimap, npop3, nsmtp;
	size_t ndomains;
	int warnings;
	char *first_username; /* of the first incoming server, owned */
};

/* comment writes s as the rest of a "; " comment line: a control
 * character in the XML (&#10;) would end the comment and start a line of
 * the spec, so each is written as \xHH; and the line stays short. */
static void
comment(struct buf *out, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n < 700; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			buf_printf(out, "\\x%02x", (unsigned char)*s);
		else
			buf_putc(out, *s);
	buf_puts(out, *s != '\0' ? "...\n" : "\n");
}

static void iwarn(struct imp *im, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* iwarn reports at the element's line and repeats the note as a comment
 * in the spec, where whoever reviews it will look. */
static void
iwarn(struct imp *im, const xmlNode *n, const char *fmt, ...)
{
	struct loc at = {im->path, n != NULL ? (int)xmlGetLineNo(n) : 0, NULL,
	                 NULL, 0};
	struct buf msg = BUF_INIT;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	{
		char *s = xmalloc((size_t)len + 1);

		va_start(ap, fmt);
		vsnprintf(s, (size_t)len + 1, fmt, ap);
		va_end(ap);
		buf_puts(&msg, s);
		free(s);
	}
	diag_warn(im->d, "import", &at, "%s", buf_cstr(&msg));
	buf_printf(&im->ini, "; line %d: ", at.line);
	comment(&im->ini, buf_cstr(&msg));
	im->warnings++;
	buf_free(&msg);
}

static bool
is_el(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

/* text returns the element's text as Thunderbird sees it: not trimmed
 * (its JXON keeps padding), owned. */
static char *
text(const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s = xstrdup(c != NULL ? (const char *)c : "");

	xmlFree(c);
	return s;
}

/* prose collapses runs of white space, as a description spread over lines
 * in the XML is one line of text in a spec. */
static char *
prose(const xmlNode *n)
{
	char *s = text(n), *out = xmalloc(strlen(s) + 1), *o = out;
	bool space = false;

	for (const char *p = s; *p != '\0'; p++) {
		if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20) {
			space = o != out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = false;
		*o++ = *p;
	}
	*o = '\0';
	free(s);
	return out;
}

static char *
attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = v != NULL ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

static const xmlNode *
child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		if (is_el(c, name))
			return c;
	return NULL;
}

/* put writes "key = value" so that iniparser reads value back exactly;
 * false when no INI quoting can carry it. */
static bool
put(struct imp *im, const xmlNode *n, const char *key, const char *value)
{
	bool sq = strchr(value, '\'') != NULL, dq = strchr(value, '"') != NULL;
	bool hash = strpbrk(value, ";#") != NULL;
	size_t len = strlen(value);
	bool padded = len > 0 && (isspace((unsigned char)value[0]) ||
	                          isspace((unsigned char)value[len - 1]));

	if (first_control(value) != NULL) {
		iwarn(im, n, "%s: a control character; not imported", key);
		return false;
	}
	/* A spec line holds 1000 bytes. */
	if (len + strlen(key) > 900) {
		iwarn(im, n,
		      "%s: %zu bytes, longer than a spec line holds; "
		      "not imported",
		      key, len);
		return false;
	}
	if (!hash && !padded && value[0] != '"' && value[0] != '\'' &&
	    len > 0 && value[len - 1] != '\\')
		buf_printf(&im->ini, "%s = %s\n", key, value);
	else if (!dq)
		buf_printf(&im->ini, "%s = \"%s\"\n", key, value);
	else if (!sq)
		buf_printf(&im->ini, "%s = '%s'\n", key, value);
	else {
		iwarn(im, n,
		      "%s: \"%s\" holds both kinds of quotes and \";\" or "
		      "\"#\", which an INI value cannot; not imported",
		      key, value);
		return false;
	}
	return true;
}

static const struct {
	const char *xml;
	const char *spec;
	bool outgoing_only;
} auth_map[] = {
    {"password-cleartext", "password-cleartext", false},
    {"plain", "password-cleartext", false},
    {"password-encrypted", "password-encrypted", false},
    {"secure", "password-encrypted", false},
    {"OAuth2", "oauth2", false},
    {"NTLM", "ntlm", false},
    {"GSSAPI", "gssapi", false},
    {"TLS-client-cert", "client-cert", false},
    {"none", "none", true},
    {"client-IP-address", "none", true},
    {"smtp-after-pop", "none", true},
};

/* server_auth collects the methods Thunderbird would accept, in order. */
static bool
server_auth(struct imp *im, const xmlNode *srv, bool incoming, struct buf *out)
{
	bool none = false;
	size_t n = 0;

	for (const xmlNode *c = srv->children; c != NULL; c = c->next) {
		char *v;
		const char *spec = NULL;

		if (!is_el(c, "authentication"))
			continue;
		v = text(c);
		for (size_t i = 0; i < sizeof(auth_map) / sizeof(auth_map[0]);
		     i++)
			if (strcmp(v, auth_map[i].xml) == 0 &&
			    (!incoming || !auth_map[i].outgoing_only))
				spec = auth_map[i].spec;
		if (spec == NULL)
			iwarn(im, c,
			      "authentication \"%s\" is not one Thunderbird "
			      "accepts %s; dropped",
			      v, incoming ? "for incoming servers" : "here");
		else if (strcmp(spec, "none") == 0 && n > 0)
			iwarn(im, c,
			      "authentication \"%s\" after other methods is "
			      "never used; dropped",
			      v);
		else if (!none && strstr(buf_cstr(out), spec) == NULL) {
			if (strcmp(spec, "none") == 0 && strcmp(v, "none") != 0)
				iwarn(im, c,
				      "authentication \"%s\": Thunderbird "
				      "sends without logging in; imported as "
				      "none",
				      v);
			buf_printf(out, "%s%s", n > 0 ? ", " : "", spec);
			none = strcmp(spec, "none") == 0;
			n++;
		}
		free(v);
	}
	return n > 0;
}

static const char *
socket_type(const xmlNode *srv, const xmlNode **at)
{
	for (const xmlNode *c = srv->children; c != NULL; c = c->next) {
		char *v;
		const char *r = NULL;

		if (!is_el(c, "socketType"))
			continue;
		*at = c;
		v = text(c);
		/* The first value Thunderbird knows wins. */
		if (strcmp(v, "SSL") == 0)
			r = "ssl";
		else if (strcmp(v, "STARTTLS") == 0)
			r = "starttls";
		else if (strcmp(v, "plain") == 0)
			r = "none";
		free(v);
		if (r != NULL)
			return r;
	}
	return NULL;
}

static bool
port_ok(const char *s, long *port)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	*port = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *port >= 1 && *port <= 65535;
}

/* skip writes a server Thunderbird would skip as a commented-out section,
 * so a human can mend and enable it. */
static void
skip_server(struct imp *im, const xmlNode *srv, const char *why, bool tb_skips)
{
	const xmlNode *h = child(srv, "hostname");
	char *host = h != NULL ? text(h) : xstrdup("(none)");
	char *type = attr(srv, "type");

	iwarn(im, srv,
	      "%s server %s: %s; %s not imported (commented out below)",
	      type != NULL ? type : "?", host, why,
	      tb_skips ? "Thunderbird skips it, so it is" : "it is");
	buf_printf(&im->ini, "; [%s.skipped]\n; host = ",
	           type != NULL && strcmp(type, "pop3") == 0 ? "pop3"
	           : is_el(srv, "outgoingServer")            ? "smtp"
	                                                     : "imap");
	comment(&im->ini, host);
	buf_putc(&im->ini, '\n');
	free(type);
	free(host);
}

static void
import_server(struct imp *im, const xmlNode *srv, bool incoming)
{
	char *type = attr(srv, "type");
	const xmlNode *h = child(srv, "hostname"), *p = child(srv, "port"),
	              *u = child(srv, "username"), *st = srv;
	char *host = h != NULL ? text(h) : NULL;
	char *port = p != NULL ? text(p) : NULL;
	char *user = u != NULL ? text(u) : NULL;
	const char *security = socket_type(srv, &st);
	struct buf auth = BUF_INIT;
	const char *why = NULL, *bad_user = NULL;
	long portnum = 0;
	int *count;
	const char *proto;

	if (type == NULL ||
	    (incoming ? strcmp(type, "imap") != 0 && strcmp(type, "pop3") != 0
	              : strcmp(type, "smtp") != 0))
		why = incoming ? "type is not imap or pop3 (mailconf does not "
		                 "describe Exchange or news servers)"
		               : "type is not smtp";
	else if (host == NULL || model_host_error(host) != NULL)
		why = host == NULL ? "no <hostname>" : "invalid <hostname>";
	else if (port == NULL || !port_ok(port, &portnum))
		why = port == NULL ? "no <port>" : "invalid <port>";
	else if (security == NULL)
		why =
		    "no <socketType> Thunderbird knows (plain, SSL, STARTTLS)";
	else if (!server_auth(im, srv, incoming, &auth))
		why = "no <authentication> Thunderbird accepts";
	else if (user != NULL && user[0] != '\0' && !model_username_ok(user))
		why = bad_user = "its <username> has a placeholder that is "
		                 "not %EMAILADDRESS%, %EMAILLOCALPART% or "
		                 "%EMAILDOMAIN% (Thunderbird would send it as "
		                 "it is)";
	if (why != NULL) {
		skip_server(im, srv, why, bad_user == NULL);
		goto out;
	}
	proto = incoming ? type : "smtp";
	count = strcmp(proto, "imap") == 0   ? &im->nimap
	        : strcmp(proto, "pop3") == 0 ? &im->npop3
	                                     : &im->nsmtp;
	if (++*count == 1)
		buf_printf(&im->ini, "[%s]\n", proto);
	else
		buf_printf(&im->ini, "[%s.%d]\n", proto, *count);
	put(im, h, "host", host);
	buf_printf(&im->ini, "port = %ld\n", portnum);
	buf_printf(&im->ini, "security = %s\n", security);
	buf_printf(&im->ini, "auth = %s\n", buf_cstr(&auth));
	if (user == NULL || user[0] == '\0') {
		iwarn(im, srv,
		      "no <username>: Thunderbird would log in as "
		      "\"undefined\"; the spec uses %s instead",
		      im->first_username != NULL ? im->first_username
		                                 : "%EMAILADDRESS%");
		if (im->first_username != NULL)
			put(im, srv, "username", im->first_username);
	} else {
		put(im, u, "username", user);
		if (incoming && im->first_username == NULL)
			im->first_username = xstrdup(user);
	}
	if (strcmp(proto, "pop3") == 0) {
		const xmlNode *pop = child(srv, "pop3");
		const xmlNode *leave =
		    pop != NULL ? child(pop, "leaveMessagesOnServer") : NULL;
		const xmlNode *days =
		    pop != NULL ? child(pop, "daysToLeaveMessagesOnServer")
		                : NULL;

		if (leave != NULL) {
			char *v = text(leave);

			if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
				buf_printf(&im->ini, "leave_on_server = %s\n",
				           v);
			else
				iwarn(im, leave,
				      "leaveMessagesOnServer \"%s\" is not "
				      "true or false; dropped",
				      v);
			free(v);
		}
		if (days != NULL) {
			char *v = text(days);
			long n;
			char *end;

			n = strtol(v, &end, 10);
			if (*end == '\0' && n >= 1 && n <= 3650)
				buf_printf(&im->ini, "days_to_keep = %ld\n", n);
			else
				iwarn(im, days,
				      "daysToLeaveMessagesOnServer \"%s\" is "
				      "not 1-3650; dropped",
				      v);
			free(v);
		}
	}
	buf_putc(&im->ini, '\n');
out:
	buf_free(&auth);
	free(type);
	free(host);
	free(port);
	free(user);
}

/* lang_of returns the element's lang attribute, or "en" with a warning:
 * the spec keys every text by language. */
static char *
lang_of(struct imp *im, const xmlNode *n)
{
	char *lang = attr(n, "lang");

	if (lang != NULL && strlen(lang) == 2 &&
	    islower((unsigned char)lang[0]) && islower((unsigned char)lang[1]))
		return lang;
	iwarn(im, n, "<%s> has %s lang; taken as English (en)",
	      (const char *)n->name, lang == NULL ? "no" : "an unusual");
	free(lang);
	return xstrdup("en");
}

static bool
url_ok(const char *u)
{
	return model_url_error(u) == NULL;
}

static void
import_documentation(struct imp *im, const xmlNode *const *docs, size_t n)
{
	char *url;
	char seen[64][3];
	size_t nseen = 0;

	if (n == 0)
		return;
	url = attr(docs[0], "url");
	if (url == NULL || !url_ok(url)) {
		iwarn(im, docs[0],
		      "<documentation> without a usable url; "
		      "dropped");
		free(url);
		return;
	}
	for (size_t i = 1; i < n; i++)
		iwarn(im, docs[i],
		      "a spec holds one documentation link; this one is "
		      "dropped");
	buf_puts(&im->ini, "[documentation]\n");
	put(im, docs[0], "url", url);
	for (const xmlNode *c = docs[0]->children; c != NULL; c = c->next) {
		char *lang, *t;
		bool dup = false;

		if (!is_el(c, "descr"))
			continue;
		lang = lang_of(im, c);
		for (size_t k = 0; k < nseen; k++)
			dup |= strcmp(seen[k], lang) == 0;
		t = prose(c);
		if (dup || t[0] == '\0')
			iwarn(im, c, "%s description for \"%s\"; dropped",
			      dup ? "a second" : "an empty", lang);
		else {
			put(im, c, lang, t);
			if (nseen < 64)
				memcpy(seen[nseen++], lang, 3);
		}
		free(t);
		free(lang);
	}
	buf_putc(&im->ini, '\n');
	free(url);
}

static void
import_enable(struct imp *im, const xmlNode *en)
{
	char *url = attr(en, "visiturl");
	int step = 0;

	buf_puts(&im->ini, "[before]\n");
	if (url != NULL && url_ok(url))
		put(im, en, "url", url);
	else if (url != NULL)
		iwarn(im, en, "visiturl \"%s\" is not a usable URL; dropped",
		      url);
	for (const xmlNode *c = en->children; c != NULL; c = c->next) {
		char *lang, *t, *key;

		if (!is_el(c, "instruction"))
			continue;
		lang = lang_of(im, c);
		t = prose(c);
		key = xasprintf("%s.step%d", lang, ++step);
		if (t[0] != '\0')
			put(im, c, key, t);
		free(key);
		free(t);
		free(lang);
	}
	buf_putc(&im->ini, '\n');
	free(url);
}

static void
import_oauth2(struct imp *im, const xmlNode *oa)
{
	static const char *const keys[][2] = {{"issuer", "issuer"},
	                                      {"scope", "scope"},
	                                      {"authURL", "auth_url"},
	                                      {"tokenURL", "token_url"}};
	bool bad = false;

	for (size_t i = 0; i < 4; i++)
		if (child(oa, keys[i][0]) == NULL) {
			iwarn(im, oa, "<oAuth2> lacks <%s>; dropped",
			      keys[i][0]);
			return;
		}
	/* The spec requires all four, so one unusable value drops the
	 * section rather than leave a spec that does not load. */
	for (size_t i = 0; i < 4; i++) {
		const xmlNode *c = child(oa, keys[i][0]);
		char *v = prose(c);
		const char *why = NULL;

		if (v[0] == '\0')
			why = " is empty";
		else if (i == 0 && model_domain_error(v) != NULL)
			why = " is not a domain name";
		else if (i >= 2)
			why = model_url_error(v);
		if (why != NULL)
			iwarn(im, c, "<%s> \"%s\"%s; <oAuth2> dropped",
			      keys[i][0], v, why);
		free(v);
		bad |= why != NULL;
	}
	if (bad)
		return;
	buf_puts(&im->ini, "[oauth2]\n");
	for (size_t i = 0; i < 4; i++) {
		char *v = prose(child(oa, keys[i][0]));

		put(im, child(oa, keys[i][0]), keys[i][1], v);
		free(v);
	}
	buf_putc(&im->ini, '\n');
}

/* write_domains spreads a long list over domains, domains.2, ...: a spec
 * line holds at most 1000 bytes. */
static void
write_domains(struct imp *im, char *const *doms, size_t n)
{
	int part = 1;
	size_t width = 0;

	buf_puts(&im->ini, "domains =");
	for (size_t i = 0; i < n; i++) {
		if (width > 0 && width + strlen(doms[i]) > 800) {
			buf_printf(&im->ini, "\ndomains.%d =", ++part);
			width = 0;
		}
		buf_printf(&im->ini, "%s %s", width > 0 ? "," : "", doms[i]);
		width += strlen(doms[i]) + 2;
	}
	buf_puts(&im->ini, "\n\n");
}

static bool
listed(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(v[i], s) == 0)
			return true;
	return false;
}

static void
import_provider(struct imp *im, const xmlNode *ep, const xmlNode *root)
{
	static const char *const known[] = {
	    "domain",           "displayName",
	    "displayShortName", "incomingServer",
	    "outgoingServer",   "documentation",
	    "enable",           "inputField",
	    "instruction",      NULL};
	char *id = attr(ep, "id"), *name = NULL, *shortname = NULL;
	const xmlNode *docs[16], *enable = NULL;
	size_t ndocs = 0, ndomains = 0;
	char **doms = NULL;
	char *first_domain = NULL;

	for (const xmlNode *c = ep->children; c != NULL; c = c->next) {
		char *v;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, "domain")) {
			v = text(c);
			if (model_domain_error(v) != NULL) {
				iwarn(im, c,
				      "domain \"%s\" is not a domain name; "
				      "Thunderbird skips it, and so does the "
				      "import",
				      v);
				free(v);
			} else if (listed(doms, ndomains, v)) {
				iwarn(im, c, "domain \"%s\" is listed twice",
				      v);
				free(v);
			} else {
				doms = xreallocarray(doms, ndomains + 1,
				                     sizeof(*doms));
				doms[ndomains++] = v;
				if (first_domain == NULL)
					first_domain = xstrdup(v);
			}
		} else if (is_el(c, "displayName") && name == NULL)
			name = prose(c);
		else if (is_el(c, "displayShortName") && shortname == NULL)
			shortname = prose(c);
		else if (is_el(c, "documentation") && ndocs < 16)
			docs[ndocs++] = c;
		else if (is_el(c, "enable") && enable == NULL)
			enable = c;
		else if (is_el(c, "inputField"))
			iwarn(im, c,
			      "<inputField> is not used by Thunderbird "
			      "or mailconf; dropped");
		else if (is_el(c, "instruction"))
			iwarn(im, c,
			      "<instruction> belongs inside <enable>; dropped");
		else if (!is_el(c, "incomingServer") &&
		         !is_el(c, "outgoingServer")) {
			const char *near =
			    closest((const char *)c->name, known);

			if (near != NULL)
				iwarn(im, c,
				      "unknown element <%s>; did you mean "
				      "<%s>? Thunderbird ignores it, and so "
				      "does the import",
				      (const char *)c->name, near);
			else
				iwarn(im, c, "unknown element <%s>; ignored",
				      (const char *)c->name);
		}
	}
	if (enable == NULL)
		for (const xmlNode *c = root->children; c != NULL; c = c->next)
			if (is_el(c, "enable")) {
				iwarn(
				    im, c,
				    "<enable> belongs inside <emailProvider>; "
				    "imported anyway");
				enable = c;
				break;
			}
	im->ndomains = ndomains;
	if (id == NULL || model_domain_error(id) != NULL) {
		iwarn(im, ep,
		      "emailProvider id \"%s\" is not a domain name; the spec "
		      "uses %s",
		      id != NULL ? id : "",
		      first_domain != NULL ? first_domain : "?");
		free(id);
		id = first_domain != NULL ? xstrdup(first_domain)
		                          : xstrdup("invalid.invalid");
	}
	if (name == NULL || name[0] == '\0') {
		iwarn(im, ep, "no <displayName>; the spec uses the id");
		free(name);
		name = xstrdup(id);
	}
	if (shortname == NULL || shortname[0] == '\0') {
		iwarn(im, ep,
		      "no <displayShortName>; the spec uses the displayName");
		free(shortname);
		shortname = xstrdup(name);
	}
	buf_puts(&im->ini, "[provider]\n");
	put(im, ep, "id", id);
	/* A name no INI value can hold falls back, as a missing one does. */
	if (!put(im, ep, "name", name))
		put(im, ep, "name", id);
	if (!put(im, ep, "short_name", shortname))
		put(im, ep, "short_name", id);
	write_domains(im, doms, ndomains);
	for (const xmlNode *c = ep->children; c != NULL; c = c->next)
		if (is_el(c, "incomingServer"))
			import_server(im, c, true);
	for (const xmlNode *c = ep->children; c != NULL; c = c->next)
		if (is_el(c, "outgoingServer"))
			import_server(im, c, false);

	for (const xmlNode *c = root->children; c != NULL; c = c->next)
		if (is_el(c, "documentation") && ndocs < 16) {
			iwarn(im, c,
			      "<documentation> belongs inside "
			      "<emailProvider>; imported anyway");
			docs[ndocs++] = c;
		}
	import_documentation(im, docs, ndocs);
	if (enable != NULL)
		import_enable(im, enable);
	for (size_t i = 0; i < ndomains; i++)
		free(doms[i]);
	free(doms);
	free(first_domain);
	free(id);
	free(name);
	free(shortname);
}

static void
collect(void *ctx, xmlErrorPtr err)
{
	struct buf *first = ctx;

	if (first->len == 0 && err != NULL && err->message != NULL) {
		buf_printf(first, "%d:%s", err->line, err->message);
		while (first->len > 0 && first->data[first->len - 1] == '\n')
			first->data[--first->len] = '\0';
		/* one diagnostic, one line */
		for (size_t i = 0; i < first->len; i++)
			if (first->data[i] == '\n')
				first->data[i] = ' ';
	}
}

static char *
slurp(const char *path, size_t *len, struct diag *d)
{
	struct buf b = BUF_INIT;
	const char *why;
	int rc = input_read(&b, path, MAX_XML, 0, &why);

	if (rc == INPUT_FAILED)
		diag_error(d, NULL, "cannot open %s: %s", path, why);
	else if (rc == INPUT_TOO_LARGE) {
		struct loc at = {path, 0, NULL, NULL, 0};

		diag_error(d, &at, "larger than %d KiB; not a provider file",
		           MAX_XML / 1024);
	}
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data != NULL ? b.data : xstrdup("");
}

bool
import_file(const char *path, struct buf *ini, struct diag *d)
{
	struct imp im = {.path = path, .d = d};
	struct buf err = BUF_INIT;
	struct loc at = {path, 0, NULL, NULL, 0};
	size_t len = 0;
	char *xml = slurp(path, &len, d);
	xmlDocPtr doc;
	const xmlNode *root, *ep = NULL;
	bool ok = false;

	if (xml == NULL)
		return false;
	/* A provider file needs no DTD: refusing any keeps out external
	 * entities (XXE) and entity expansion bombs before parsing. */
	if (strstr(xml, "<!DOCTYPE") != NULL ||
	    strstr(xml, "<!ENTITY") != NULL) {
		const char *p = strstr(xml, "<!DOCTYPE") != NULL
		                    ? strstr(xml, "<!DOCTYPE")
		                    : strstr(xml, "<!ENTITY");

		at.line = 1;
		for (const char *q = xml; q < p; q++)
			at.line += *q == '\n';
		diag_error(
		    d, &at,
		    "has a DOCTYPE or ENTITY declaration; provider files "
		    "need none, and mailconf refuses them (XXE, entity "
		    "expansion)");
		free(xml);
		return false;
	}
	/* UTF-16 and UTF-32 would hide a DOCTYPE from the search above;
	 * their NUL bytes give them away. */
	if (memchr(xml, '\0', len) != NULL) {
		diag_error(d, &at,
		           "not UTF-8 text (it holds NUL bytes: UTF-16?); "
		           "save it as UTF-8");
		free(xml);
		return false;
	}
	xmlSetStructuredErrorFunc(&err, collect);
	doc = xmlReadMemory(xml, (int)len, path, NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOWARNING |
	                        XML_PARSE_NOERROR);
	xmlSetStructuredErrorFunc(NULL, NULL);
	free(xml);
	if (doc == NULL || err.len > 0) {
		int line = atoi(buf_cstr(&err));
		const char *colon = strchr(buf_cstr(&err), ':');

		at.line = line;
		diag_error(d, &at, "not well-formed XML: %s",
		           colon != NULL ? colon + 1 : "cannot parse");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!is_el(root, "clientConfig")) {
		diag_error(d, &at, "the root element is not <clientConfig>");
		goto out;
	}
	for (const xmlNode *c = root->children; c != NULL; c = c->next)
		if (is_el(c, "emailProvider")) {
			if (ep == NULL)
				ep = c;
			else
				iwarn(&im, c,
				      "a second <emailProvider>: Thunderbird "
				      "reads only the first; dropped");
		} else if (is_el(c, "webMail") ||
		           is_el(c, "clientConfigUpdate"))
			iwarn(&im, c, "<%s> has no place in a spec; dropped",
			      (const char *)c->name);
	if (ep == NULL) {
		diag_error(d, &at, "no <emailProvider>");
		goto out;
	}
	buf_puts(ini, "; Imported by mailconf from ");
	comment(ini, path);
	buf_puts(ini, "; Lines starting with \"; line N:\" say what the import "
	              "changed or dropped.\n\n");
	/* The notes come out in document order, above the sections they
	 * concern; collect them in the importer's own buffer. */
	import_provider(&im, ep, root);
	for (const xmlNode *c = root->children; c != NULL; c = c->next)
		if (is_el(c, "oAuth2")) {
			import_oauth2(&im, c);
			break;
		}
	/* Thunderbird rejects such a file, and a spec needs both. */
	if (im.ndomains == 0) {
		at.line = (int)xmlGetLineNo(ep);
		diag_error(d, &at,
		           "no valid <domain>; Thunderbird rejects the file, "
		           "and there is nothing to import");
		goto out;
	}
	if (im.nimap + im.npop3 == 0 || im.nsmtp == 0) {
		at.line = (int)xmlGetLineNo(ep);
		diag_error(d, &at,
		           "no usable %s server is left; nothing to import",
		           im.nsmtp == 0 ? "outgoing" : "incoming");
		goto out;
	}
	buf_add(ini, im.ini.data, im.ini.len);
	ok = true;
out:
	xmlFreeDoc(doc);
	buf_free(&err);
	buf_free(&im.ini);
	free(im.first_username);
	return ok;
}
