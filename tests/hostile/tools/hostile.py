#!/usr/bin/env python3
"""The hostile-input suite (tests/hostile/README.md): runs every case, checks
the invariants (no crash, nothing written outside the output directory,
nothing injected, no command run) and compares the outcome with the case's
recorded expectations. UPDATE=1 records them, for review.

usage: hostile.py BIN [CASE...]
"""
import configparser
import difflib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.dirname(HERE)
# Files of a case that are expectations or instructions, not inputs.
META = ('.argv', '.stderr', '.status', '.files', '.readback', '.xpath',
        '.env', '.gen', '.setup', '.time', '.stdout')
MARK = '<non-ASCII...>'


# --- the case language -------------------------------------------------------

def decode(s, subst):
    """A line of .argv/.env/.setup as bytes: @NAME@ placeholders from subst,
    @REPEAT:N:TEXT@, then the escapes \\n \\r \\t \\\\ \\xHH."""
    for k, v in subst.items():
        s = s.replace('@%s@' % k, v)
    s = re.sub(r'@REPEAT:(\d+):([^@]*)@', lambda m: m.group(2) * int(m.group(1)), s)
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            if n == 'n':
                out += b'\n'
            elif n == 'r':
                out += b'\r'
            elif n == 't':
                out += b'\t'
            elif n == '\\':
                out += b'\\'
            elif n == 'x':
                out.append(int(s[i + 2:i + 4], 16))
                i += 2
            else:
                out += ('\\' + n).encode()
            i += 2
            continue
        out += c.encode('utf-8')
        i += 1
    return bytes(out)


def lines_of(path):
    """The lines of an instruction file, without comments (##)."""
    with open(path, encoding='utf-8') as f:
        return [l.rstrip('\n') for l in f if not l.startswith('##')]


# --- inputs made at run time (.gen) --------------------------------------------

BASE_SPEC = """[provider]
id = example.com
name = Example Mail
short_name = Example
domains = example.com

[imap]
host = imap.example.com
security = ssl

[smtp]
host = smtp.example.com
security = ssl
"""

PROVIDER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <displayName>Example Mail</displayName>
    <displayShortName>Example</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.example.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""


def gen(path, recipe, args):
    """Writes one generated input. Each recipe is a parameterised input
    too big (or too binary) to keep in git."""
    a = [int(x) if re.fullmatch(r'\d+', x) else x for x in args]
    if recipe == 'repeat':  # N TEXT: TEXT (escapes decoded) N times
        data = decode(a[1], {}) * a[0]
    elif recipe == 'spec-name-line':  # LEN: a spec whose name line is LEN bytes
        line = 'name = ' + 'x' * (a[0] - 7)
        data = BASE_SPEC.replace('name = Example Mail', line).encode()
    elif recipe == 'spec-name':  # N: a name of N bytes on one line
        data = BASE_SPEC.replace('Example Mail', 'n' * a[0]).encode()
    elif recipe == 'spec-domains':  # N PERKEY: N more domains, PERKEY per key
        doms = ['d%d.example.net' % i for i in range(a[0])]
        keys = ''.join('domains.%d = %s\n' % (k // a[1] + 2, ', '.join(doms[k:k + a[1]]))
                       for k in range(0, len(doms), a[1]))
        data = BASE_SPEC.replace('domains = example.com\n',
                                 'domains = example.com\n' + keys).encode()
    elif recipe == 'spec-servers':  # PROTO N: N more [PROTO.i] sections
        more = ''.join('\n[%s.s%d]\nhost = %s%d.example.com\nsecurity = ssl\n'
                       % (a[0], i, a[0], i) for i in range(a[1]))
        data = (BASE_SPEC + more).encode()
    elif recipe == 'spec-texts':  # SECTION N: N texts en.tI in [SECTION]
        more = '\n[%s]\n' % a[0] + ''.join(
            'en.t%d = Step %d: "quoted" <b> & #%d\n' % (i, i, i) for i in range(a[1]))
        data = (BASE_SPEC + more).encode()
    elif recipe == 'spec-dup-sections':  # N: [imap] repeated N times
        data = (BASE_SPEC + '\n[imap]\nhost = imap.example.com\n' * a[0]).encode()
    elif recipe == 'spec-dup-keys':  # N: host repeated N times in [imap]
        data = BASE_SPEC.replace('security = ssl\n\n[smtp]',
                                 'security = ssl\n' + 'host = imap.example.com\n' * a[0]
                                 + '\n[smtp]', 1).encode()
    elif recipe == 'spec-dup-domains':  # N: example.com N more times
        data = BASE_SPEC.replace('domains = example.com\n', 'domains = example.com\n' + ''.join(
            'domains.%d = Example.COM\n' % (i + 2) for i in range(a[0]))).encode()
    elif recipe == 'spec-lines':  # N: N comment lines before the spec
        data = (('; comment\n' * a[0]) + BASE_SPEC).encode()
    elif recipe == 'csv-rows':  # N: a users file of N people
        data = ('email,name,login\n' + ''.join(
            'user%d@example.com,"User %d, ""the"" %d",u%d\n' % (i, i, i, i)
            for i in range(a[0]))).encode()
    elif recipe == 'csv-field':  # N: one row whose name field is N bytes
        data = ('email,name\nalice@example.com,' + 'n' * a[0] + '\n').encode()
    elif recipe == 'template-nest':  # DEPTH NAME: NAME sections DEPTH deep
        data = ('{{#%s}}' % a[1] * a[0] + 'x' + '{{/%s}}' % a[1] * a[0] + '\n').encode()
    elif recipe == 'template-open':  # DEPTH NAME: DEPTH sections, never closed
        data = ('{{#%s}}\n' % a[1] * a[0]).encode()
    elif recipe == 'template-big':  # BYTES: a Markdown template of BYTES
        head = '# {{name}}\n'
        body = ('{{! padding }}' + 'a' * 60 + '\n') * (a[0] // 75 + 1)
        data = (head + body).encode()[:a[0]]
    elif recipe == 'template-big-xml':  # BYTES: a thunderbird template
        head = '<?xml version="1.0"?>\n<clientConfig><x>{{name}}</x>\n'
        body = '<!-- ' + 'p' * 70 + ' -->\n'
        n = (a[0] - len(head) - 16) // len(body)
        data = (head + body * n + '</clientConfig>\n').encode()
    elif recipe == 'template-long-tag':  # N: a tag whose name is N bytes
        data = ('{{' + 'n' * a[0] + '}}\n').encode()
    elif recipe == 'xml-deep':  # DEPTH: nested elements inside clientConfig
        data = ('<?xml version="1.0"?>\n<clientConfig>' + '<a>' * a[0]
                + '</a>' * a[0] + '</clientConfig>\n').encode()
    elif recipe == 'xml-big-attr':  # BYTES: an emailProvider id of BYTES
        data = PROVIDER_XML.replace('id="example.com"', 'id="' + 'a' * a[0] + '"').encode()
    elif recipe == 'xml-big-text':  # BYTES: a displayName of BYTES
        data = PROVIDER_XML.replace('>Example Mail<', '>' + 'N' * a[0] + '<').encode()
    elif recipe == 'xml-padded':  # BYTES: a provider file padded to BYTES
        pad = '<!--' + 'p' * 60 + '-->\n'
        n = (a[0] - len(PROVIDER_XML.encode())) // len(pad)
        rest = a[0] - len(PROVIDER_XML.encode()) - n * len(pad)
        data = PROVIDER_XML.replace('<clientConfig version="1.1">\n',
                                    '<clientConfig version="1.1">\n' + pad * n
                                    + ' ' * rest).encode()
    elif recipe == 'xml-domains':  # N: a provider file with N domains
        doms = ''.join('    <domain>d%d.example.net</domain>\n' % i for i in range(a[0]))
        data = PROVIDER_XML.replace('    <domain>example.com</domain>\n',
                                    '    <domain>example.com</domain>\n' + doms).encode()
    elif recipe == 'xml-utf16':  # SRC: the input file SRC re-encoded as UTF-16
        src = open(os.path.join(os.path.dirname(path), a[0]), encoding='utf-8').read()
        data = src.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode('utf-16')
    elif recipe == 'xml-quadratic':  # SIZE REFS: one entity of SIZE, REFS refs
        src = PROVIDER_XML.replace(
            '<clientConfig version="1.1">',
            '<!DOCTYPE clientConfig [\n<!ENTITY q "%s">\n]>\n<clientConfig version="1.1">'
            % ('a' * a[0])).replace('>Example Mail<', '>' + '&q;' * a[1] + '<')
        data = src.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode('utf-16')
    else:
        raise SystemExit('unknown .gen recipe %r' % recipe)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def setup(root, line, subst):
    """One .setup operation: what a hostile environment holds before mailconf
    runs. Paths are relative to the case root (in/ is the working
    directory, out/ the output directory)."""
    op, *args = line.split(' ')
    args = [decode(x, subst).decode('utf-8', 'surrogateescape') for x in args]

    def at(p):
        return os.path.join(root, p)

    if op == 'mkdir':  # DIR
        os.makedirs(at(args[0]), exist_ok=True)
    elif op == 'symlink':  # TARGET LINK: TARGET is written as given
        os.makedirs(os.path.dirname(at(args[1])), exist_ok=True)
        os.symlink(args[0], at(args[1]))
    elif op == 'file':  # PATH [TEXT]
        os.makedirs(os.path.dirname(at(args[0])), exist_ok=True)
        with open(at(args[0]), 'w', encoding='utf-8', errors='surrogateescape') as f:
            f.write(' '.join(args[1:]))
    elif op == 'copy':  # FROM TO
        os.makedirs(os.path.dirname(at(args[1])), exist_ok=True)
        shutil.copy(at(args[0]), at(args[1]))
    elif op == 'chmod':  # PATH OCTAL
        os.chmod(at(args[0]), int(args[1], 8))
    else:
        raise SystemExit('unknown .setup operation %r' % op)


# --- what the file system holds ------------------------------------------------

def snapshot(top, skip):
    """Every path under top (but the allowed output trees in skip) with its
    kind, mode and, for files, size and mtime."""
    seen = {}
    if os.path.lexists(top):
        seen[top] = ('top', stat.S_IFMT(os.lstat(top).st_mode))
    for dirpath, dirs, files in os.walk(top):
        for name in list(dirs) + files:
            p = os.path.join(dirpath, name)
            if p in skip:
                if name in dirs:
                    dirs.remove(name)
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                seen[p] = ('l', os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                seen[p] = ('d', st.st_mode & 0o7777)
            else:
                seen[p] = ('f', st.st_mode & 0o7777, st.st_size, st.st_mtime_ns)
    return seen


def esc(path):
    """A path on one line: control characters as \\n, \\r, \\t or \\xHH."""
    named = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}
    return ''.join(named.get(c, '\\x%02x' % ord(c)) if ord(c) < 0x20 or c == '\x7f' else c
                   for c in path)


def listing(root, names):
    """The tree of each of names under root, as "MODE KIND PATH" lines."""
    out = []
    for top in names:
        base = os.path.join(root, top)
        if not os.path.lexists(base):
            continue
        paths = [base]
        for dirpath, dirs, files in os.walk(base):
            paths += [os.path.join(dirpath, n) for n in dirs + files]
        for p in sorted(paths):
            st = os.lstat(p)
            rel = esc(os.path.relpath(p, root))
            if stat.S_ISLNK(st.st_mode):
                out.append('link %s -> %s' % (rel, os.readlink(p)))
            else:
                out.append('%04o %s %s' % (st.st_mode & 0o7777,
                                           'd' if stat.S_ISDIR(st.st_mode) else 'f', rel))
    if len(out) > 60:
        digest = hashlib.sha256('\n'.join(out).encode('utf-8', 'surrogateescape')).hexdigest()
        out = out[:40] + ['... %d entries in all, sha256 %s' % (len(out), digest[:16])]
    return out


# --- read-back by the real consumers -------------------------------------------

def fm_string(s, i):
    """A fetchmail --configdump string after its opening quote: (value, next).
    configdump escapes " and \\ with a backslash and writes a byte >= 0x80 as
    \\0x plus random memory (a signed-char bug), so a value is read up to its
    first such byte, then MARK (as tests/run-consumers.sh does)."""
    out = []
    while s[i] != '"':
        if s[i] == '\\':
            if s[i + 1:i + 3] == '0x':
                out.append(MARK)
                ends = [e for e in (s.find('",\n', i), s.find('"]', i)) if e >= 0]
                return ''.join(out), min(ends) + 1
            out.append(s[i + 1])
            i += 2
            continue
        out.append(s[i])
        i += 1
    return ''.join(out), i + 1


def fm_norm(v):
    for k, ch in enumerate(v):
        if ord(ch) >= 0x80:
            return v[:k] + MARK
    return v


FM_KEYS = ['pollname', 'via', 'protocol', 'service', 'auth', 'plugin', 'plugout',
           'remote', 'password', 'mda', 'bsmtp', 'lmtp', 'preconnect',
           'postconnect', 'ssl', 'sslcertck', 'sslcertfile', 'sslcertpath',
           'smtphunt', 'localnames']


class Reader:
    def __init__(self, work, env, argv):
        self.work = work
        self.env = env
        self.argv = argv
        self.fails = []

    def run(self, cmd, **kw):
        return subprocess.run(cmd, cwd=self.work, env=self.env, capture_output=True,
                              timeout=60, **kw)

    def scratch(self, path, name):
        dst = os.path.join(self.work, name)
        shutil.copyfile(path, dst)
        os.chmod(dst, 0o600)
        return dst

    def fetchmail(self, path, rel):
        f = self.scratch(path, 'fetchmailrc')
        r = self.run(['fetchmail', '--configdump', '-f', f])
        if r.returncode != 0:
            err = [l for l in r.stderr.decode('utf-8', 'replace').splitlines()
                   if 'Running as root' not in l and 'OpenSSL' not in l]
            return ['%s: fetchmail error = %s' % (rel, ' | '.join(err).replace(self.work, '@RB@'))]
        s = r.stdout.decode('latin-1')
        fields = []
        for m in re.finditer(r'["\'](\w+)["\']:', s):
            key, i = m.group(1), m.end()
            if s[i] == '"':
                val, _ = fm_string(s, i + 1)
            elif s[i] == '[':
                items, i = [], i + 1
                while s[i] == '"':
                    item, i = fm_string(s, i + 1)
                    items.append(item)
                    if s[i] == ',':
                        i += 1
                val = '[' + ', '.join(items) + ']'
            else:
                val = re.match(r'[^,\n]*', s[i:]).group(0)
            fields.append((key, val))
        out = ['%s: fetchmail servers = %d' % (rel, s.count('# Entry for site')),
               '%s: fetchmail users = %d' % (rel, sum(1 for k, _ in fields if k == 'remote'))]
        out += ['%s: fetchmail %s = %s' % (rel, k, v) for k, v in fields if k in FM_KEYS]
        v = self.run(['fetchmail', '-V', '-f', f]).stdout.decode('utf-8', 'replace')
        m = re.search(r'^Options for retrieving from (.*)@[^@]*:$', v, re.M)
        out.append('%s: fetchmail -V user = %s' % (rel, m.group(1) if m else None))
        m = re.search(r'^  SSL trusted certificate file: (.*)$', v, re.M)
        out.append('%s: fetchmail -V sslcertfile = %s' % (rel, m.group(1) if m else None))
        return out

    def msmtp(self, path, rel):
        """Every setting msmtp --pretend reports, for each account; the
        default account is the first one again, said so when identical."""
        f = self.scratch(path, 'msmtprc')
        text = open(f, encoding='utf-8', errors='replace').read()
        accounts = re.findall(r'^account (\S+)$', text, re.M)
        out = ['%s: msmtp accounts = %d' % (rel, len(accounts))]
        if len(accounts) > 6:
            accounts = accounts[:2] + accounts[-1:]
        seen = {}
        for a in accounts + ['default']:
            r = self.run(['msmtp', '-C', f, '--pretend', '-a', a])
            if r.returncode != 0:
                out.append('%s: msmtp %s error = %s' % (rel, a, r.stderr.decode(
                    'utf-8', 'replace').strip().replace(self.work, '@RB@')))
                continue
            lines = [l for l in r.stdout.decode('utf-8', 'replace').splitlines() if ' = ' in l]
            same = [b for b, v in seen.items() if v == lines]
            if a == 'default' and same:
                out.append('%s: msmtp default = the same as %s' % (rel, same[0]))
                continue
            seen[a] = lines
            out += ['%s: msmtp %s %s' % (rel, a, l) for l in lines]
        return out

    def mbsync(self, path, rel):
        """mbsync 1.4 has no parse-only mode: a channel that does not exist
        stops it after parsing. CertificateFile must exist while parsing: it
        is moved under a root where the file named by --ca-file, exactly as
        given, is created, so parsing proves the path was read back."""
        f = os.path.join(self.work, 'mbsyncrc')
        text = open(path, 'rb').read()
        root = os.path.join(self.work, 'caroot')
        ca = opt(self.argv, b'--ca-file')
        if ca is not None:
            dst = root.encode() + ca
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            open(dst, 'wb').close()
            text = text.replace(b'\nCertificateFile "', b'\nCertificateFile "' + root.encode())
        with open(f, 'wb') as fh:
            fh.write(text)
        r = self.run(['mbsync', '-c', f, '__no_such_channel__'])
        want = ("No channel or group named '__no_such_channel__' defined.\n"
                "No channel specified. Try 'mbsync -h'\n")
        err = r.stderr.decode('utf-8', 'replace')
        if err == want:
            return ['%s: mbsync parses = yes' % rel]
        return ['%s: mbsync error = %s' % (rel, err.strip().replace(self.work, '@RB@')
                                           .replace('\n', ' | '))]

    def xml(self, path, rel, queries):
        r = self.run(['xmllint', '--noout', '--nonet', path])
        out = ['%s: xml parses = %s' % (rel, 'yes' if r.returncode == 0 else
                                        'no: ' + r.stderr.decode('utf-8', 'replace')
                                        .strip().splitlines()[0].replace(path, rel))]
        # The shape of the document: a value that became markup changes it.
        r = self.run(['xmllint', '--nonet', '--xpath',
                      "concat(count(//*), ' elements, ', count(//@*), ' attributes, ', "
                      "count(//comment()), ' comments, ', count(//processing-instruction()), "
                      "' processing instructions')", path])
        out.append('%s: xml shape = %s' % (rel, r.stdout.decode('utf-8', 'replace').strip()))
        for q in queries:
            r = self.run(['xmllint', '--nonet', '--xpath', q, path])
            v = r.stdout.decode('utf-8', 'replace')
            if v.endswith('\n'):
                v = v[:-1]
            if r.returncode != 0:
                v = '(xmllint exit %d)' % r.returncode
            if '\n' in v or '\r' in v:
                v = repr(v)
            out.append('%s: xml %s = %s' % (rel, q, v))
        return out

    def json(self, path, rel):
        try:
            d = json.load(open(path, encoding='utf-8'))
        except ValueError as e:
            return ['%s: json parses = no: %s' % (rel, e)]
        return ['%s: json parses = yes' % rel] + [
            '%s: json %s = %s' % (rel, k, v) for k, v in sorted(d.items())]

    def prf(self, path, rel, queries):
        raw = open(path, 'rb').read()
        try:
            text = raw.decode('cp1252')
        except UnicodeDecodeError as e:
            return ['%s: prf parses = no: %s' % (rel, e)]
        cp = configparser.ConfigParser(interpolation=None, strict=True, delimiters=('=',),
                                       comment_prefixes=(';',), empty_lines_in_values=False)
        cp.optionxform = str
        try:
            cp.read_string(text)
        except configparser.Error as e:
            return ['%s: prf parses = no: %s' % (rel, str(e).splitlines()[0])]
        out = ['%s: prf parses = yes' % rel,
               '%s: prf sections = %s' % (rel, ', '.join(cp.sections()))]
        for q in queries:
            sec, key = q.split(' ', 1)
            out.append('%s: prf %s %s = %s' % (rel, sec, key, cp.get(sec, key, fallback=None)))
        return out

    def ini(self, path, rel):
        """An imported spec: its sections and keys (comments left out),
        which is what mailconf will read from it."""
        return ['%s: ini %s' % (rel, l.rstrip('\r\n')) for l in
                open(path, encoding='utf-8', errors='replace')
                if l.strip() and not l.lstrip().startswith(';')]


def opt(argv, name):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + b'='):
            return a[len(name) + 1:]
    return None


def readback(root, trees, xpath, env, argv):
    """The read-back of every output file under root/trees, in path order."""
    work = os.path.join(root, 'rb')
    os.makedirs(os.path.join(work, 'home'), exist_ok=True)
    env = dict(env, HOME=os.path.join(work, 'home'))
    rd = Reader(work, env, argv)
    queries = {}
    for line in xpath:
        f, q = line.split(' ', 1)
        queries.setdefault(f, []).append(q)
    files = []
    for t in trees:
        for dirpath, dirs, names in os.walk(os.path.join(root, t)):
            dirs.sort()
            files += [os.path.join(dirpath, n) for n in sorted(names)]
    kinds = {}
    out = []
    for p in files:
        rel = os.path.relpath(p, root)
        base = os.path.basename(p)
        kind = ('fetchmail' if base.endswith('fetchmailrc') else
                'msmtp' if base.endswith('msmtprc') else
                'mbsync' if base.endswith('mbsyncrc') else
                'xml' if base.endswith(('.xml', '.mobileconfig', '.html')) else
                'json' if base.endswith('.json') else
                'prf' if base.endswith('.prf') else
                'ini' if base.endswith('.ini') else None)
        if kind is None or not os.path.isfile(p) or os.path.islink(p):
            continue
        # Thousands of people: the first two and the last of each kind.
        kinds.setdefault(kind, []).append(p)
    for kind, paths in sorted(kinds.items(), key=lambda kv: kv[1][0]):
        if len(paths) > 6:
            out.append('%s files = %d (read back: the first two and the last)'
                       % (kind, len(paths)))
            paths = paths[:2] + paths[-1:]
        for p in paths:
            rel = esc(os.path.relpath(p, root))
            q = queries.get(os.path.basename(p), []) + queries.get(rel, [])
            if kind in ('xml', 'prf'):
                out += getattr(rd, kind)(p, rel, q)
            else:
                out += getattr(rd, kind)(p, rel)
    return out


def check_inputs(rb, argv, env):
    """Every value given on the command line is read back as given; no hook
    exists that was not asked for (as tests/run-consumers.sh checks)."""
    if b'--users' in argv:
        return []
    vals = {}
    for line in rb:
        k, _, v = line.partition(' = ')
        vals.setdefault(k.split(': ', 1)[-1], []).append(v)
    fails = []

    def want(key, value, norm=lambda x: x):
        for g in vals.get(key, []):
            if g != norm(value):
                fails.append('%s: read back %r, given %r' % (key, g, value))

    def s(b):
        return b.decode('utf-8', 'surrogateescape')

    login = opt(argv, b'--login')
    if login is not None:
        want('fetchmail remote', s(login), fm_norm)
        want('fetchmail -V user', s(login))
        for k in vals:
            if k.startswith('msmtp ') and k.endswith(' user'):
                want(k, s(login))
    mda = opt(argv, b'--mda')
    if mda is not None:
        want('fetchmail mda', s(mda), fm_norm)
    else:
        want('fetchmail mda', 'None')
    ca = opt(argv, b'--ca-file')
    if ca is not None:
        want('fetchmail sslcertfile', s(ca), fm_norm)
        want('fetchmail -V sslcertfile', s(ca))
        for k in vals:
            if k.startswith('msmtp ') and k.endswith(' tls_trust_file'):
                want(k, s(ca))
    cmd = opt(argv, b'--pass-cmd')
    if cmd is not None and b'%' not in cmd:
        for k in vals:
            if k.startswith('msmtp ') and k.endswith(' passwordeval'):
                want(k, s(cmd))
    var = opt(argv, b'--password-env')
    if var is not None and isinstance(env.get(var.decode()), bytes):
        want('fetchmail password', s(env[var.decode()]), fm_norm)
    host = opt(argv, b'--smtp-host')
    if host is not None:
        want('fetchmail smtphunt', '[' + s(host) + ']')
    for k in ('plugin', 'plugout', 'preconnect', 'postconnect', 'bsmtp'):
        want('fetchmail ' + k, 'None')
    for k in ('servers', 'users'):
        want('fetchmail ' + k, '1')
    # Settings mailconf never writes: set only if a value became one.
    for k in vals:
        if k.startswith('msmtp ') and k.endswith((' logfile', ' proxy host', ' socket',
                                                  ' source ip', ' aliases', ' syslog',
                                                  ' tls_fingerprint', ' tls_key_file',
                                                  ' tls_cert_file', ' tls_crl_file',
                                                  ' tls_host_override', ' ntlmdomain')):
            want(k, '(not set)')
        if k.startswith('msmtp ') and k.endswith(' tls_certcheck'):
            want(k, 'on')
    return fails


def summarize(text):
    """Keeps expectation files small and exact: a line over 1000 bytes
    becomes its start, length and hash; past 300 lines, the first 20 and a
    count and hash of all (past 300 lines)."""
    lines = text.split(b'\n')
    tail = lines.pop() if lines else b''
    out = []
    for l in lines:
        if len(l) > 1000:
            l = l[:80] + b'... <line of %d bytes, sha256 %s>' % (
                len(l), hashlib.sha256(l).hexdigest()[:16].encode())
        out.append(l)
    if len(out) > 300:
        out = out[:20] + [b'... <%d lines in all, sha256 %s>' % (
            len(lines), hashlib.sha256(text).hexdigest()[:16].encode())]
    return b''.join(l + b'\n' for l in out) + (summarize(tail + b'\n')[:-1] if tail else b'')


# --- one case ----------------------------------------------------------------

class Case:
    def __init__(self, suite, name):
        self.suite = suite
        self.name = name
        self.src = os.path.join(CASES, name)

    def has(self, ext):
        return os.path.exists(self.src + ext)

    def read(self, ext):
        with open(self.src + ext, 'rb') as f:
            return f.read()

    def expect(self, ext, got, fails, what):
        """Compares got (bytes) with CASE.ext; UPDATE=1 records it first."""
        if self.suite.update:
            with open(self.src + ext, 'wb') as f:
                f.write(got)
        if not self.has(ext):
            fails.append('no %s%s (UPDATE=1 records it)' % (self.name, ext))
        elif self.read(ext) != got:
            want = self.read(ext).decode('utf-8', 'replace').splitlines()
            have = got.decode('utf-8', 'replace').splitlines()
            diff = list(difflib.unified_diff(want, have, self.name + ext, 'got', lineterm='', n=1))
            fails.append('%s differs:\n    %s' % (what, '\n    '.join(diff[:40])))

    def run(self):
        s = self.suite
        root = os.path.join(s.tmp, 'case')
        if os.path.lexists(root):
            shutil.rmtree(root)
        cwd, home, tmpd = (os.path.join(root, d) for d in ('in', 'home', 'tmp'))
        for d in (cwd, home, tmpd, os.path.join(root, 'sentinel', 'a', 'b', 'c'),
                  os.path.join(root, 'sentinel', 'etc')):
            os.makedirs(d)
        with open(os.path.join(root, 'sentinel', 'etc', 'passwd'), 'w') as f:
            f.write('root:x:0:0:sentinel:/root:/bin/sh\n')
        subst = {'W': root, 'OUT': os.path.join(root, 'out'), 'HOME': home, 'IN': cwd,
                 'TOP': os.path.dirname(os.path.dirname(CASES))}
        # Inputs: CASE.* but the instruction and expectation files.
        for n in sorted(os.listdir(CASES)):
            if n.startswith(self.name + '.') and not n.endswith(META):
                p = os.path.join(CASES, n)
                if os.path.isdir(p):
                    shutil.copytree(p, os.path.join(cwd, n), symlinks=True)
                else:
                    shutil.copy(p, os.path.join(cwd, n), follow_symlinks=False)
        if self.has('.gen'):
            for line in lines_of(self.src + '.gen'):
                f, recipe, *args = line.split(' ')
                gen(os.path.join(cwd, f), recipe, args)
        if self.has('.setup'):
            for line in lines_of(self.src + '.setup'):
                setup(root, line, subst)
        argv = [decode(l, subst) for l in lines_of(self.src + '.argv')]
        env = dict(s.env, HOME=home, TMPDIR=tmpd)
        if self.has('.env'):
            for line in lines_of(self.src + '.env'):
                k, _, v = line.partition('=')
                env[k] = decode(v, subst)
        install = bool(argv) and argv[0] == b'install'
        trees = ['out'] + (['home'] if install else [])
        allowed = {os.path.join(root, t) for t in trees}
        before = snapshot(s.tmp, allowed)
        out_before = snapshot(os.path.join(root, 'out'), set())
        limit = float(self.read('.time')) if self.has('.time') else 10.0
        limit *= s.slow
        fails = []
        try:
            r = subprocess.run([s.bin] + argv, cwd=cwd, env=env, capture_output=True,
                               timeout=limit)
            status, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err = 'timeout', e.stdout or b'', e.stderr or b''
            fails.append('did not finish within %.0f s' % limit)
        # The invariants.
        if status not in (0, 1, 2, 'timeout'):
            fails.append('crashed: exit status %s (only 0, 1, 2 are allowed)' % status)
        after = snapshot(s.tmp, allowed)
        changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
        if changed:
            fails.append('wrote outside the output directory: ' + ', '.join(
                os.path.relpath(p, s.tmp) for p in changed[:10]))
        # Nothing is written when there is an error (--keep-going writes
        # the good rows; install keeps backups).
        if (status != 0 and not install and b'--keep-going' not in argv
                and snapshot(os.path.join(root, 'out'), set()) != out_before):
            fails.append('exit status %s, but the output directory changed' % status)
        norm = err.replace(root.encode(), b'@W@').replace(s.tmp.encode(), b'@T@')
        # What the real consumers read.
        xpath = lines_of(self.src + '.xpath') if self.has('.xpath') else []
        rb = readback(root, trees, xpath, s.env, argv)
        fails += ['a value was not read back as given: ' + f for f in check_inputs(rb, argv, env)]
        pwned = [os.path.join(d, n) for d, _, ns in os.walk(s.tmp) for n in ns
                 if n.startswith('pwned')] + [
            os.path.join('/tmp', n) for n in os.listdir('/tmp') if n.startswith('pwned')]
        if pwned:
            fails.append('a command hidden in a value ran: ' + ', '.join(pwned))
        # The expectations.
        self.expect('.status', ('%s\n' % status).encode(), fails, 'exit status')
        self.expect('.stderr', summarize(norm), fails, 'stderr')
        if self.has('.stdout') or (s.update and out):
            self.expect('.stdout', summarize(out.replace(root.encode(), b'@W@')), fails, 'stdout')
        files = listing(root, trees)
        self.expect('.files', ''.join(l + '\n' for l in files).encode('utf-8', 'surrogateescape'),
                    fails, 'output files')
        if rb or self.has('.readback'):
            self.expect('.readback', summarize(''.join(l + '\n' for l in rb).encode(
                'utf-8', 'surrogateescape')), fails, 'read-back')
        shutil.rmtree(root, ignore_errors=True)
        return fails


class Suite:
    def __init__(self, binary):
        self.bin = os.path.abspath(binary)
        self.update = os.environ.get('UPDATE') == '1'
        # Sanitizer builds run several times slower.
        self.slow = 6.0 if '/asan/' in self.bin else 1.0
        self.tmp = tempfile.mkdtemp(prefix='hostile-')
        # Sentinels around the case directory: nothing may appear here.
        os.makedirs(os.path.join(self.tmp, 'outer-sentinel', 'x', 'y'))
        stub = os.path.join(self.tmp, 'bin')
        os.makedirs(stub)
        # msmtp --pretend runs passwordeval: these print a fixed secret.
        for c in ('pass', 'secret-tool', 'oauth2-token'):
            with open(os.path.join(stub, c), 'w') as f:
                f.write('#!/bin/sh\necho stub-secret\n')
            os.chmod(os.path.join(stub, c), 0o755)
        self.env = {k: v for k, v in os.environ.items()
                    if k in ('ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS')}
        self.env.update(PATH=stub + ':' + os.environ.get('PATH', '/usr/bin:/bin'),
                        LC_ALL='C', LANG='C')


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    os.umask(0o022)
    for tool in ('fetchmail', 'msmtp', 'mbsync', 'xmllint'):
        if shutil.which(tool) is None:
            print('hostile: %s is missing (make test-deps installs it)' % tool)
            print('hostile: 0 passed, 1 failed')
            return 1
    s = Suite(sys.argv[1])
    names = sys.argv[2:] or sorted(n[:-5] for n in os.listdir(CASES) if n.endswith('.argv'))
    passed = failed = 0
    t0 = time.monotonic()
    slowest = []
    try:
        for name in names:
            if not os.path.exists(os.path.join(CASES, name + '.argv')):
                print('FAIL %s: no such case' % name)
                failed += 1
                continue
            t1 = time.monotonic()
            fails = Case(s, name).run()
            slowest.append((time.monotonic() - t1, name))
            if fails:
                failed += 1
                print('FAIL %s:\n  %s' % (name, '\n  '.join(fails)))
            else:
                passed += 1
    finally:
        shutil.rmtree(s.tmp, ignore_errors=True)
    if os.environ.get('HOSTILE_TIMES'):
        for took, name in sorted(slowest)[-int(os.environ['HOSTILE_TIMES']):]:
            print('  %6.2f s %s' % (took, name))
        print('  %6.2f s in all' % (time.monotonic() - t0))
    print('hostile: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
