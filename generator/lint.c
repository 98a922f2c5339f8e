/* SPDX-License-Identifier: MIT */
/* Lint on a valid model: settings that work but are insecure, inconsistent or
 * likely mistyped. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "model.h"
#include "text.h"
#include "xalloc.h"

static void lwarn(const struct model *m, struct diag *d, enum diag_level lvl,
                  const char *name, const char *section, const char *key,
                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* lwarn reports a warning (or note) named name at [section] key. */
static void
lwarn(const struct model *m, struct diag *d, enum diag_level lvl,
      const char *name, const char *section, const char *key, const char *fmt,
      ...)
{
	struct loc at;
	va_list ap;

	model_loc(m, section, key, &at);
	va_start(ap, fmt);
	model_vwarn(m, d, lvl, name, &at, fmt, ap);
	va_end(ap);
}

/* The IANA ports, by what they expect. */
struct port_use {
	int port;
	enum proto proto;
	enum security security; /* SSL: implicit TLS; STARTTLS: plain start */
	int tls_port;           /* for a plain-start port, its TLS twin */
};

static const struct port_use ports[] = {
    {993, PROTO_IMAP, SECURITY_SSL, 0},
    {143, PROTO_IMAP, SECURITY_STARTTLS, 993},
    {995, PROTO_POP3, SECURITY_SSL, 0},
    {110, PROTO_POP3, SECURITY_STARTTLS, 995},
    {465, PROTO_SMTP, SECURITY_SSL, 0},
    {587, PROTO_SMTP, SECURITY_STARTTLS, 465},
    {25, PROTO_SMTP, SECURITY_STARTTLS, 465},
};

static void
lint_port(const struct model *m, const struct server *s, struct diag *d)
{
	const struct port_use *u = NULL;

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i].port == s->port)
			u = &ports[i];
	if (u == NULL)
		return;
	if (u->proto != s->proto) {
		lwarn(m, d, DIAG_WARNING, "port", s->section, "port",
		      "port %d is the %s port, not %s's", s->port,
		      u->proto == PROTO_IMAP   ? "IMAP"
		      : u->proto == PROTO_POP3 ? "POP3"
		                               : "SMTP",
		      s->proto == PROTO_IMAP   ? "IMAP"
		      : s->proto == PROTO_POP3 ? "POP3"
		                               : "SMTP");
		return;
	}
	if (u->security == SECURITY_SSL && s->security != SECURITY_SSL)
		lwarn(m, d, DIAG_WARNING, "tls-port", s->section, "security",
		      "port %d is for implicit TLS, but security is %s; did "
		      "you mean security = ssl?",
		      s->port, security_names[s->security]);
	else if (u->security == SECURITY_STARTTLS &&
	         s->security == SECURITY_SSL)
		lwarn(m, d, DIAG_WARNING, "tls-port", s->section, "security",
		      "port %d starts in plain text (STARTTLS), but security "
		      "is ssl; did you mean security = starttls, or port %d?",
		      s->port, u->tls_port);
}

static bool
in_domain(const char *host, const char *domain)
{
	size_t h = strlen(host), n = strlen(domain);

	if (h == n)
		return strcasecmp(host, domain) == 0;
	return h > n && host[h - n - 1] == '.' &&
	       strcasecmp(host + h - n, domain) == 0;
}

static bool
is_address(const char *host)
{
	return strspn(host, "0123456789.") == strlen(host);
}

/* own_domain says whether host lies in the provider's domains, its id or
 * the extra host_domains. */
static bool
own_domain(const struct model *m, const char *host, struct diag *d)
{
	struct model_walk *w;
	const char *dom;
	bool own = in_domain(host, m->id);

	for (size_t i = 0; !own && i < m->nhost_domains; i++)
		own = in_domain(host, m->host_domains[i]);
	if (own)
		return true;
	w = model_walk_domains(m, d);
	while (!own && (dom = model_walk_next(w)) != NULL)
		own = in_domain(host, dom);
	model_walk_end(w);
	return own;
}

/* near_own guesses the intended host when host's tail is a near miss of a
 * provider domain: imap.gmai.com for gmail.com gives imap.gmail.com. */
static char *
near_own(const struct model *m, const char *host, struct diag *d)
{
	struct model_walk *w = model_walk_domains(m, d);
	const char *dom;
	char *guess = NULL;

	while (guess == NULL && (dom = model_walk_next(w)) != NULL) {
		size_t dots = 0;
		const char *tail = host + strlen(host);

		for (const char *p = dom; *p != '\0'; p++)
			dots += *p == '.';
		while (tail > host) {
			tail--;
			if (*tail == '.' && dots-- == 0) {
				tail++;
				break;
			}
		}
		if (edit_distance(tail, dom, 2) <= 2)
			guess =
			    xasprintf("%.*s%s", (int)(tail - host), host, dom);
	}
	model_walk_end(w);
	return guess;
}

static void
lint_host(const struct model *m, const struct server *s,
          const char *const *known, struct diag *d)
{
	const char *typo_of = NULL, *preset = NULL;
	char *guess;

	if (strchr(s->host, '%') != NULL || is_address(s->host))
		return;
	for (size_t i = 0; known != NULL && known[i] != NULL; i += 2) {
		size_t max = strlen(known[i]) < 12 ? 1 : 2;

		if (strcasecmp(known[i], s->host) == 0)
			return;
		if (typo_of == NULL &&
		    edit_distance(s->host, known[i], max) <= max) {
			typo_of = known[i];
			preset = known[i + 1];
		}
	}
	if (own_domain(m, s->host, d) && typo_of == NULL)
		return;
	if (typo_of != NULL && !own_domain(m, s->host, d)) {
		lwarn(m, d, DIAG_WARNING, "host-typo", s->section, "host",
		      "\"%s\" looks like a typo of \"%s\" (preset %s)", s->host,
		      typo_of, preset);
		return;
	}
	if (own_domain(m, s->host, d))
		return;
	guess = near_own(m, s->host, d);
	if (guess != NULL)
		lwarn(m, d, DIAG_WARNING, "host-domain", s->section, "host",
		      "\"%s\" lies outside the provider's domains; did you "
		      "mean \"%s\"?",
		      s->host, guess);
	else
		lwarn(m, d, DIAG_WARNING, "host-domain", s->section, "host",
		      "\"%s\" lies outside the provider's domains; if that is "
		      "right, add its domain to [provider] host_domains",
		      s->host);
	free(guess);
}

static void
lint_server(const struct model *m, const struct server *s,
            const char *const *known, struct diag *d)
{
	bool password = false;

	for (size_t i = 0; i < s->nauth; i++)
		password |= s->auth[i] == AUTH_PASSWORD_CLEARTEXT ||
		            s->auth[i] == AUTH_PASSWORD_ENCRYPTED;
	if (password && s->security == SECURITY_NONE)
		lwarn(m, d, DIAG_WARNING, "plaintext", s->section, "security",
		      "password authentication over an unencrypted "
		      "connection; use ssl or starttls if the server offers "
		      "it");
	if (s->proto == PROTO_SMTP && s->nauth == 1 && s->auth[0] == AUTH_NONE)
		lwarn(m, d, DIAG_WARNING, "smtp-no-auth", s->section, "auth",
		      "SMTP without authentication works only from inside the "
		      "provider's network; most clients need a login");
	if (s->nauth == 1 && s->auth[0] == AUTH_CLIENT_CERT)
		lwarn(m, d, DIAG_WARNING, "client-cert", s->section, "auth",
		      "Thunderbird (153) does not accept client-cert and "
		      "skips this server; add a password or oauth2 method "
		      "after it");
	lint_port(m, s, d);
	lint_host(m, s, known, d);
	if (strspn(s->username, "0123456789") == strlen(s->username))
		lwarn(m, d, DIAG_WARNING, "numeric-username", s->section,
		      "username",
		      "Thunderbird reads the all-digit username \"%s\" as a "
		      "number (leading zeros are lost)",
		      s->username);
}

/* lint_order suggests implicit TLS first (RFC 8314) without insisting:
 * the provider's own preference may differ, so it is a note. */
static void
lint_order(const struct model *m, bool incoming, struct diag *d)
{
	const struct server *first = NULL;
	bool tls = false, noted = false;

	for (size_t i = 0; i < m->nservers; i++) {
		const struct server *s = &m->servers[i];

		if (server_is_incoming(s) != incoming)
			continue;
		tls |= s->security != SECURITY_NONE;
		if (first == NULL)
			first = s;
		else if (!noted && s->security == SECURITY_SSL &&
		         first->security != SECURITY_SSL &&
		         s->proto == first->proto) {
			lwarn(m, d, DIAG_NOTE, "implicit-tls-first", s->section,
			      NULL,
			      "RFC 8314 prefers implicit TLS: consider listing "
			      "[%s] before [%s]",
			      s->section, first->section);
			noted = true;
		}
	}
	if (first != NULL && !tls)
		lwarn(m, d, DIAG_WARNING, "plaintext-only", first->section,
		      "security",
		      "no %s server offers TLS: passwords and mail travel in "
		      "plain text",
		      incoming ? "incoming" : "outgoing");
}

void
model_lint(const struct model *m, const char *const *known_hosts,
           struct diag *d)
{
	bool whole, whole_dir[2] = {true, true}; /* outgoing, incoming */

	if (m->name != NULL && utf8_length(m->name) > 30)
		lwarn(m, d, DIAG_WARNING, "long-name", "provider", "name",
		      "longer than 30 characters; clients may cut it");
	if (m->short_name != NULL && utf8_length(m->short_name) > 12)
		lwarn(m, d, DIAG_WARNING, "long-name", "provider", "short_name",
		      "longer than 12 characters; clients may cut it");
	for (size_t i = 0; i < m->nservers; i++)
		if (m->servers[i].broken)
			whole_dir[server_is_incoming(&m->servers[i])] = false;
		else
			lint_server(m, &m->servers[i], known_hosts, d);
	/* What holds for all servers of a direction cannot be said while
	 * one of them is wrong. */
	for (int in = 1; in >= 0; in--)
		if (whole_dir[in])
			lint_order(m, in == 1, d);
	whole = whole_dir[0] && whole_dir[1];
	/* A stale waiver would hide the next real problem. Those of a
	 * preset are its own business: a spec may have fixed the cause. */
	for (size_t i = 0; i < m->nwaivers; i++) {
		const struct waiver *w = &m->waivers[i];
		const char *own = m->src->nfiles > 0
		                      ? m->src->files[m->src->nfiles - 1]
		                      : NULL;
		char *key;
		struct loc at = {w->file, w->line, "waivers", NULL, 0};

		if (w->used || !whole || own == NULL ||
		    strcmp(w->file, own) != 0)
			continue;
		key = w->where != NULL ? xasprintf("%s.%s", w->name, w->where)
		                       : xstrdup(w->name);
		at.key = key;
		diag_warn(d, "unused-waiver", &at,
		          "waives nothing: no -W%s warning%s%s; remove it",
		          w->name, w->where != NULL ? " at " : " in this spec",
		          w->where != NULL ? w->where : "");
		free(key);
	}
}
