#!/usr/bin/env python3
"""The bench's Jinja2 contender for `mailconf generate --users CSV
--target mbsync,fetchmail,msmtp,checklist --out OUT`.

usage: jinja_users.py SPEC CSV OUT

mailconf's own templates (templates/*.mustache), translated once into
plain Jinja2 by mustache2jinja.py, rendered per person with a view built
here the way generator/view.c builds it (for what the bench's spec uses),
and written like mailconf writes them: one directory per person, each
file through a temporary file and rename, rc files mode 0600, and a
manifest of hashes. Plain on purpose: one process, no caching of output.
"""

import csv
import hashlib
import os
import sys

import jinja2

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import load  # noqa: E402
from mustache2jinja import translate  # noqa: E402

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "templates")
AUTHFLAG = {"password-cleartext": "password_cleartext", "password-encrypted": "password_encrypted",
            "oauth2": "oauth2", "ntlm": "ntlm", "gssapi": "gssapi",
            "client-cert": "client_cert", "none": "none"}


def q(s, special):
    return '"' + "".join("\\" + c if c in special else c for c in s) + '"'


def e_mbsync(v):
    return str(v) if isinstance(v, int) else q(str(v), '"\\')


def e_fetchmail(v):
    if isinstance(v, int):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', "\\x22") + '"'


MSMTP_WORD = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-")


def e_msmtp(v):
    s = str(v)
    return s if isinstance(v, int) or (s and set(s) <= MSMTP_WORD) else '"' + s + '"'


def e_markdown(v):
    return "".join("\\" + c if c in "\\`*_[]<>#|!~&()" else c for c in str(v))


TARGETS = [("mbsyncrc", "mbsync.rc.mustache", "mb", 0o600),
           ("fetchmailrc", "fetchmail.rc.mustache", "fm", 0o600),
           ("msmtprc", "msmtp.rc.mustache", "ms", 0o600),
           ("checklist.md", "checklist.en.md.mustache", "md", 0o644)]


def view(m, email, realname):
    local, _, domain = email.rpartition("@")

    def fill(p):
        return p.replace("%EMAILADDRESS%", email).replace("%EMAILLOCALPART%", local) \
                .replace("%EMAILDOMAIN%", domain)

    def server(s):
        methods = s["methods"]
        auth = [{AUTHFLAG[a]: True} for a in methods]
        first = methods[0]
        return dict(s, account=m["id"] if s["primary"] else "%s-%s" % (m["id"], s["section"]),
                    host=fill(s["host"]), login=fill(s["username"]), has_login=True,
                    smtp=s["proto"] == "smtp", imap=s["proto"] == "imap", pop3=s["proto"] == "pop3",
                    has_tls=not s["plain"], auth=auth, auth_first=auth[:1], auth_more=auth[1:],
                    use_password=first == "password-cleartext", use_cram=first == "password-encrypted",
                    use_oauth2=False, use_ntlm=first == "ntlm", use_gssapi=first == "gssapi",
                    use_cert=first == "client-cert", use_none=first == "none",
                    needs_secret=first in ("password-cleartext", "password-encrypted"),
                    username_address=s["username"] == "%EMAILADDRESS%",
                    username_localpart=s["username"] == "%EMAILLOCALPART%")

    inc = [server(s) for s in m["incoming"]]
    out = [server(s) for s in m["outgoing"]]
    tls_in = [s for s in inc if s["has_tls"]] or inc
    tls_out = [s for s in out if s["has_tls"]] or out
    return {"id": m["id"], "name": m["name"], "short_name": m["short_name"],
            "domains": m["domains"], "incoming": inc, "outgoing": out,
            "imap_primary": [s for s in inc if s["imap"]][:1],
            "fetch": [s for s in inc if "oauth2" not in s["methods"][:1]][:1],
            "preferred_incoming": tls_in[:1], "preferred_outgoing": tls_out[:1],
            "known_incoming": tls_in[:1], "known_outgoing": tls_out[:1],
            "ssl_incoming": ([s for s in inc if s["ssl"]] or tls_in)[:1],
            "has_email": True, "email": email, "email_localpart": local, "email_domain": domain,
            "has_real_name": bool(realname), "real_name": realname,
            "maildir": "~/Mail/%s/" % email, "maildir_inbox": "~/Mail/%s/INBOX" % email,
            "lang_en": True}


def write(d, name, text, mode):
    tmp = os.path.join(d, "." + name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, os.path.join(d, name))


def main(spec, users, out):
    env = jinja2.Environment(autoescape=False, keep_trailing_newline=True)
    env.filters.update(mb=e_mbsync, fm=e_fetchmail, ms=e_msmtp, md=e_markdown)
    tt = []
    for name, tmpl, esc, mode in TARGETS:
        with open(os.path.join(TEMPLATES, tmpl), encoding="utf-8") as f:
            tt.append((name, env.from_string(translate(f.read(), esc)), mode))
    m = load(spec)
    os.makedirs(out, exist_ok=True)
    with open(users, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            v = view(m, row["email"], row.get("name") or "")
            d = os.path.join(out, row["email"])
            os.makedirs(d, exist_ok=True)
            lines = ["# written by jinja_users.py\n"]
            for name, t, mode in tt:
                text = t.render(v)
                write(d, name, text, mode)
                lines.append("sha1:%s %s\n" % (hashlib.sha1(text.encode()).hexdigest(), name))
            write(d, ".manifest", "".join(lines), 0o600)


if __name__ == "__main__":
    main(*sys.argv[1:4])
