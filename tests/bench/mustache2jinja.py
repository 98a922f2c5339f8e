"""Translates mailconf's mustache templates into plain Jinja2 for the
bench's Jinja2 contender: sections become {% for %} over lists and
{% if %} over flags, names are resolved against mailconf's view schema
(generator/view.c) at translation time, and each {{value}} goes through
the target's escaper as a Jinja2 filter. A line holding only a section tag
or a comment vanishes, as in mustache."""

import re

AUTH = {f: "flag" for f in ("password_cleartext", "password_encrypted", "oauth2", "ntlm",
                            "gssapi", "client_cert", "none")}
SERVER = {f: "flag" for f in (
    "imap", "pop3", "smtp", "primary", "ssl", "starttls", "plain", "has_tls", "has_login",
    "shares_login", "use_oauth2", "use_password", "use_cram", "use_ntlm", "use_gssapi",
    "use_cert", "use_none", "needs_secret", "spa", "has_pop3_options", "leave_on_server_set",
    "leave_on_server", "host_pattern", "username_address", "username_localpart",
    "username_pattern")}
SERVER.update({f: "text" for f in ("section", "account", "host", "username", "login")})
SERVER.update({f: "number" for f in ("port", "days_to_keep", "srv_priority", "pop3_leave_flags")})
SERVER.update({"auth": AUTH, "auth_first": AUTH, "auth_more": AUTH})
LTEXT = {"lang": "text", "name": "text", "text": "text"}
DOC = {"url": "text", "text": "text", "texts": LTEXT}
ROOT = {f: "text" for f in (
    "id", "name", "short_name", "before_url", "email", "email_localpart", "email_domain",
    "real_name", "pass_cmd", "token_cmd", "password", "ca_file", "maildir", "maildir_inbox",
    "mda", "smtp_host", "autodiscover_url")}
ROOT.update({f: "flag" for f in (
    "has_before", "uses_oauth2", "has_email", "has_real_name", "has_pass_cmd", "has_token_cmd",
    "has_password", "has_ca_file", "has_mda", "has_smtp_host", "lang_en", "lang_ja",
    "shows_placeholders")})
ROOT.update({f: SERVER for f in ("incoming", "outgoing", "imap_primary", "fetch",
                                 "preferred_incoming", "preferred_outgoing", "known_incoming",
                                 "known_outgoing", "ssl_incoming")})
ROOT.update({f: LTEXT for f in ("before", "caveats", "before_lang", "caveats_lang")})
ROOT.update({"documentation": DOC, "domains": "list", "oauth2_provider": {}})

TAG = re.compile(r"\{\{([#^/!]?)\s*(.*?)\s*\}\}", re.S)


def translate(text, esc):
    scopes = [(ROOT, None)]  # (schema, loop variable)
    opened = []              # "for" or "if", per open section
    n = [0]

    def resolve(name):
        for schema, var in reversed(scopes):
            if isinstance(schema, dict) and name in schema:
                return ("%s.%s" % (var, name) if var else name), schema[name]
        raise KeyError(name)

    def tag(kind, name):
        if kind == "!":
            return ""
        if kind == "":
            if name == ".":
                return "{{ %s | %s }}" % (scopes[-1][1], esc)
            expr, t = resolve(name)
            return "{{ %s | %s }}" % (expr, esc)
        if kind == "/":
            what = opened.pop()
            scopes.pop()
            return "{% end" + what + " %}"
        expr, t = resolve(name)
        if kind == "^":
            opened.append("if")
            scopes.append(scopes[-1])
            return "{%% if not %s %%}" % expr
        if isinstance(t, dict) or t == "list":
            n[0] += 1
            var = "v%d" % n[0]
            opened.append("for")
            scopes.append((t, var))
            return "{%% for %s in %s %%}" % (var, expr)
        opened.append("if")
        scopes.append(scopes[-1])
        return "{%% if %s %%}" % expr

    out = []
    # Comments may span lines: drop them first (a standalone one with its line).
    text = re.sub(r"(?m)^[ \t]*\{\{!.*?\}\}[ \t]*\n", "", text, flags=re.S)
    text = re.sub(r"\{\{!.*?\}\}", "", text, flags=re.S)
    for line in text.splitlines(keepends=True):
        tags = list(TAG.finditer(line))
        standalone = (len(tags) == 1 and tags[0].group(1) in "#^/" and tags[0].group(1) != ""
                      and line.strip() == tags[0].group(0))
        if standalone:
            out.append(tag(tags[0].group(1), tags[0].group(2)))
            continue
        pos = 0
        for m in tags:
            out.append(line[pos:m.start()].replace("{%", "{{ '{%' }}").replace("{#", "{{ '{#' }}"))
            out.append(tag(m.group(1), m.group(2)))
            pos = m.end()
        out.append(line[pos:].replace("{%", "{{ '{%' }}").replace("{#", "{{ '{#' }}"))
    return "".join(out)
