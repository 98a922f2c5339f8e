#!/usr/bin/env python3
"""The bench's Jinja2 contender for `mailconf site --layout tree`.

usage: jinja_site.py SPEC OUT

Reads the spec (configparser), renders with Jinja2 templates equivalent to
mailconf's (templates/*.j2 here: the same lines, the same loops and
conditions), and writes the same tree: domains/D/{mail/config-v1.1.xml,
.well-known/autoconfig/mail/config-v1.1.xml, autodiscover/autodiscover.xml,
autodiscover/autodiscover.json} per domain, and dns.zone. Each file is
written like mailconf writes it: a temporary file in the same directory,
then rename. Plain on purpose: no caching beyond Jinja2's own compiled
templates, no processes or threads.
"""

import configparser
import os
import sys

import jinja2

sys.dont_write_bytecode = True
from model import load  # noqa: E402


def write(path, text, made):
    d = os.path.dirname(path)
    if d not in made:
        os.makedirs(d, exist_ok=True)
        made.add(d)
    tmp = os.path.join(d, "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def main(spec, out):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")),
        autoescape=jinja2.select_autoescape(["xml"], default_for_string=False, default=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    tb = env.get_template("thunderbird.xml.j2")
    ad = env.get_template("autodiscover.xml.j2")
    adj = env.get_template("autodiscover.json.j2")
    zone = env.get_template("dns.zone.j2")
    m = load(spec)
    made = set()
    os.makedirs(out, exist_ok=True)
    zpath = os.path.join(out, "dns.zone")
    with open(zpath + ".tmp", "w", encoding="utf-8", newline="") as z:
        for d in m["domains"]:
            v = dict(m, domains=[d], domain=d,
                     autodiscover_url="https://autodiscover.%s/autodiscover/autodiscover.xml" % d)
            base = os.path.join(out, "domains", d)
            xml = tb.render(v)
            write(os.path.join(base, "mail/config-v1.1.xml"), xml, made)
            write(os.path.join(base, ".well-known/autoconfig/mail/config-v1.1.xml"), xml, made)
            write(os.path.join(base, "autodiscover/autodiscover.xml"), ad.render(v), made)
            write(os.path.join(base, "autodiscover/autodiscover.json"), adj.render(v), made)
            z.write(zone.render(v))
    os.replace(zpath + ".tmp", zpath)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
