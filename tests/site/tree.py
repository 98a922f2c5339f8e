#!/usr/bin/env python3
"""Tree checks for tests/run-site.sh (standard library only).

  tree.py equal DIR REF              DIR holds exactly REF's files, byte for
                                     byte, and no temporary file
  tree.py mix DIR REF...             every file in DIR is one of the REFs'
                                     files at that path, complete; only
                                     .NAME.mailconf-XXXXXXXXXXXX files and the journal
                                     may be extra
  tree.py snap DIR                   one line per file: path inode size sha1
  tree.py rewritten OLD NEW          compare two snaps: a file was rewritten
                                     (new inode) exactly when its content
                                     changed; prints the rewritten ones
  tree.py crash BIN RUNS CONF...     SIGKILL `BIN site` at random points;
                                     CONF is "NAME|REF|ARG ARG..." (cycled);
                                     after each kill, `mix` against all REFs

The lock file .mailconf-site.lock is ignored everywhere: it holds nothing.
Exit 0 when the check holds, 1 otherwise (reasons on stdout).
"""

import hashlib
import os
import re
import random
import shlex
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
LOCK = ".mailconf-site.lock"
# A temporary file: ".NAME.mailconf-" and twelve letters or digits.
TMP_RE = re.compile(r"(^|/)\.[^/]*\.mailconf-[A-Za-z0-9]{12}$")
JOURNAL = ".mailconf-site.journal"  # what a killed run was writing


def files(top):
    out = {}
    for d, dirs, names in os.walk(top):
        for n in names:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, top)
            if rel != LOCK:
                out[rel] = p
    return out


def content(p):
    with open(p, "rb") as f:
        return f.read()


def equal(top, ref):
    a, b = files(top), files(ref)
    bad = []
    for rel in sorted(set(a) | set(b)):
        if TMP_RE.search(rel) or rel == JOURNAL:
            bad.append("temporary file left: %s" % rel)
        elif rel not in b:
            bad.append("extra file: %s" % rel)
        elif rel not in a:
            bad.append("missing file: %s" % rel)
        elif content(a[rel]) != content(b[rel]):
            bad.append("differs: %s" % rel)
    return bad


def mix(top, refs, cache):
    bad = []
    for rel, p in sorted(files(top).items()):
        if TMP_RE.search(rel) or rel == JOURNAL:
            continue
        try:
            data = content(p)
        except FileNotFoundError:
            continue
        ok = False
        for r in refs:
            key = (r, rel)
            if key not in cache:
                q = os.path.join(r, rel)
                cache[key] = content(q) if os.path.isfile(q) else None
            ok = ok or cache[key] == data
        if not ok:
            known = [r for r in refs if cache[(r, rel)] is not None]
            bad.append("%s: %s" % (rel, "neither reference's file (partial or mixed)" if known
                                   else "in no reference tree"))
    return bad


def snap(top):
    for rel, p in sorted(files(top).items()):
        st = os.stat(p)
        print(rel, st.st_ino, st.st_size, st.st_mtime_ns, hashlib.sha1(content(p)).hexdigest())


def rewritten(old, new):
    def load(path):
        d = {}
        for line in open(path):
            rel, ino, size, mtime, h = line.split()
            d[rel] = (ino, mtime, h)
        return d
    a, b = load(old), load(new)
    bad = []
    for rel in sorted(set(a) & set(b)):
        moved = a[rel][0] != b[rel][0] or a[rel][1] != b[rel][1]
        changed = a[rel][2] != b[rel][2]
        if moved:
            print(rel)
        if moved and not changed:
            bad.append("rewritten with the same content: %s" % rel)
        if changed and not moved:
            bad.append("changed in place (not via rename): %s" % rel)
    return bad


def crash(binary, runs, confs):
    confs = [c.split("|") for c in confs]
    refs = [c[1] for c in confs]
    cache, bad = {}, []
    rng = random.Random(os.environ.get("SEED", "mailconf"))
    # How long an uninterrupted run takes, per configuration.
    out = None
    durations = []
    for name, ref, args in confs:
        argv = [binary, "site"] + shlex.split(args)
        t = time.monotonic()
        subprocess.run(argv, check=True, stderr=subprocess.DEVNULL)
        durations.append(time.monotonic() - t)
    killed = 0
    for i in range(runs):
        name, ref, args = confs[i % len(confs)]
        argv = [binary, "site"] + shlex.split(args)
        delay = rng.uniform(0, durations[i % len(confs)])
        p = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait()
        found = mix(out_dir(args), refs, cache)
        if found:
            bad += ["after kill %d (%s, %.3fs): %s" % (i + 1, name, delay, f) for f in found[:5]]
            break
    print("crash: %d runs, %d killed before they finished; full runs took %s s"
          % (runs, killed, ", ".join("%.3f" % d for d in durations)))
    if killed < runs // 2:
        bad.append("only %d of %d runs were killed mid-way" % (killed, runs))
    return bad


def out_dir(args):
    a = shlex.split(args)
    return a[a.index("--out") + 1]


def main(argv):
    cmd = argv[0]
    if cmd == "equal":
        bad = equal(argv[1], argv[2])
    elif cmd == "mix":
        bad = mix(argv[1], argv[2:], {})
    elif cmd == "snap":
        snap(argv[1])
        return 0
    elif cmd == "rewritten":
        bad = rewritten(argv[1], argv[2])
    elif cmd == "crash":
        bad = crash(argv[1], int(argv[2]), argv[3:])
    else:
        print(__doc__)
        return 2
    for b in bad[:20]:
        print(b)
    if len(bad) > 20:
        print("... and %d more" % (len(bad) - 20))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
