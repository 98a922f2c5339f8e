"""The bench's spec reader for the Jinja2 contenders: a plain port of the
parts of mailconf's model and view that the bench's specs use (servers in
file order, default ports and usernames, domains and domains.N)."""

import configparser

PORTS = {("imap", "ssl"): 993, ("imap", "starttls"): 143, ("imap", "none"): 143,
         ("pop3", "ssl"): 995, ("pop3", "starttls"): 110, ("pop3", "none"): 110,
         ("smtp", "ssl"): 465, ("smtp", "starttls"): 587, ("smtp", "none"): 587}
AUTH = {"password-cleartext": "password-cleartext", "password-encrypted": "password-encrypted",
        "oauth2": "OAuth2", "ntlm": "NTLM", "gssapi": "GSSAPI",
        "client-cert": "TLS-client-cert", "none": "none"}


def load(path):
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(" ;", " #"))
    cp.optionxform = str.lower
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    p = cp["provider"]
    domains = []
    for k, v in p.items():
        if k == "domains" or k.startswith("domains."):
            domains += [d.strip() for d in v.split(",")]
    incoming, outgoing = [], []
    for sec in cp.sections():
        proto = sec.split(".")[0]
        if proto not in ("imap", "pop3", "smtp"):
            continue
        c = cp[sec]
        security = c["security"]
        methods = [a.strip() for a in c.get("auth", "password-cleartext").split(",")]
        s = {"proto": proto, "section": sec, "host": c["host"],
             "port": int(c.get("port", PORTS[(proto, security)])),
             "ssl": security == "ssl", "starttls": security == "starttls",
             "plain": security == "none",
             "username": c.get("username", "%EMAILADDRESS%"),
             "auth": [AUTH[a] for a in methods], "methods": methods,
             "spa": methods[0] in ("ntlm", "gssapi"), "use_none": methods[0] == "none",
             "host_pattern": "%EMAILDOMAIN%" in c["host"]}
        (outgoing if proto == "smtp" else incoming).append(s)
    for lst in (incoming, outgoing):
        for i, s in enumerate(lst):
            s["srv_priority"] = i
            s["primary"] = i == 0
    for s in outgoing:
        s["shares_login"] = all(s["username"] == i["username"] for i in incoming)
    offered = {("imaps" if s["ssl"] else "imap") if s["proto"] == "imap" else
               ("pop3s" if s["ssl"] else "pop3") for s in incoming}
    offered |= {"submissions" if s["ssl"] else "submission" for s in outgoing}
    return {"id": p["id"], "name": p["name"], "short_name": p["short_name"],
            "domains": domains, "incoming": incoming, "outgoing": outgoing,
            "not_offered": [n for n in ("imaps", "imap", "pop3s", "pop3", "submissions", "submission")
                            if n not in offered]}
