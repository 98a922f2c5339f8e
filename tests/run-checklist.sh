#!/bin/sh
# Checklist tests: every golden case and preset, in English and Japanese, with
# and without --email, renders a standalone HTML page (XML and HTML parsers,
# no external asset) and GitHub Markdown (cmark-gfm reads its tables) that
# show every server of the spec in order, say the same in both formats, and
# carry every value as text, escaped.
# consumer-test: checklist by cmark-gfm
# consumer-test: checklist-html by xmllint
suite=checklist
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8
n=0
# An address whose "_" and "+" Markdown must escape in prose.
email=a_b+c@example.org

need cmark-gfm

# render LABEL DIR ARGS...: one run into $tmp/N, listed in $tmp/runs;
# paths in ARGS are relative to DIR, as in golden "args" files.
render() {
	label=$1 dir=$2
	shift 2
	n=$((n + 1))
	out="$tmp/$n"
	if ! (cd "$dir" && "$bin" generate "$@" \
		--target thunderbird,checklist,checklist-html --out "$out" -q) \
		2>"$tmp/err"; then
		fail "$label: mailconf failed"
		cat "$tmp/err"
		return
	fi
	bad=
	# libxml2's XML parser, then its HTML parser, each without a word.
	xmllint --noout --nonet "$out/checklist.html" >"$tmp/err" 2>&1 || bad="not well-formed XML"
	xmllint --html --noout --nonet "$out/checklist.html" >>"$tmp/err" 2>&1 || bad="${bad:+$bad; }HTML parser failed"
	[ -s "$tmp/err" ] && bad="${bad:+$bad; }parser messages"
	# GitHub's Markdown reader, as the Markdown's real consumer.
	cmark-gfm -e table -e tasklist -e autolink "$out/checklist.md" >"$out/md.html" 2>>"$tmp/err" ||
		bad="${bad:+$bad; }cmark-gfm failed"
	if [ -n "$bad" ]; then
		fail "$label: $bad"
		cat "$tmp/err"
		return
	fi
	printf '%s\n' "$@" >"$out/argv"
	printf '%s\t%s\n' "$out" "$label" >>"$tmp/runs"
}

# A golden case's arguments, as run-golden.sh reads them: "argv" (one per
# line), "args" (split at blanks) or spec.ini; a preset's are --preset NAME.
: >"$tmp/runs"
for dir in "$top"/tests/golden/*/ "$top"/presets/*.ini; do
	dir=${dir%/}
	name=$(basename "$dir" .ini)
	[ "$name" = presets ] && continue
	set --
	case $dir in
	*.ini)
		set -- --preset "$name"
		dir=$top
		;;
	*)
		if [ -f "$dir/argv" ]; then
			while IFS= read -r a || [ -n "$a" ]; do
				set -- "$@" "$a"
			done <"$dir/argv"
		elif [ -f "$dir/args" ]; then
			# shellcheck disable=SC2046
			set -- $(cat "$dir/args")
		else
			set -- spec.ini
		fi
		;;
	esac
	for lang in en ja; do
		render "$name --lang $lang" "$dir" "$@" --lang "$lang"
		render "$name --lang $lang --email" "$dir" "$@" --lang "$lang" --email "$email"
	done
done

# The checks on each run's three files (config-v1.1.xml is the independent
# record of the servers: another template, read by real Thunderbird).
python3 - "$tmp/runs" >"$tmp/result" <<'EOF'
import collections, re, sys, xml.etree.ElementTree as ET

runs = sys.argv[1]
JA = re.compile(r'[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]')
PRODUCTS = {'Thunderbird', 'Outlook', 'mbsync', 'isync', 'fetchmail', 'msmtp'}
MD_SPECIALS = set('\\`*_[]<>#|!~&()')
EXTERNAL = {'link', 'script', 'img', 'iframe', 'object', 'embed', 'base',
            'audio', 'video', 'source', 'picture', 'svg', 'frame'}

def local(tag):
    return tag.rsplit('}', 1)[-1]

def text(e):
    return re.sub(r'\s+', ' ', ''.join(e.itertext())).strip()

def fill(pattern, addr):
    lp, dom = addr.rsplit('@', 1)
    return (pattern.replace('%EMAILADDRESS%', addr)
            .replace('%EMAILLOCALPART%', lp).replace('%EMAILDOMAIN%', dom))

def tables(root):
    """The rows of each table's body, as lists of cell texts."""
    out = []
    for t in root.iter():
        if local(t.tag) != 'table':
            continue
        rows = [[text(c) for c in tr if local(c.tag) == 'td']
                for tr in t.iter() if local(tr.tag) == 'tr']
        out.append([r for r in rows if r])
    return out

def headings(root):
    return [text(e) for e in root.iter() if local(e.tag) in ('h1', 'h2', 'h3')]

def shape(root):
    """Counts of (h1, h2, h3, li, pre, table): the same in every format
    and language of one input."""
    tags = [local(e.tag) for e in root.iter()]
    return tuple(tags.count(t) for t in ('h1', 'h2', 'h3', 'li', 'pre', 'table'))

def md_tables_ok(md):
    """Each Markdown table row has as many cells as its header."""
    errs, width = [], None
    for no, line in enumerate(md.split('\n'), 1):
        if not line.startswith('|'):
            width = None
            continue
        cells = len(re.findall(r'(?<!\\)\|', re.sub(r'\\\\', '', line)))
        if width is None:
            width = cells
        elif cells != width:
            errs.append(f'checklist.md:{no}: {cells - 1} columns, header has {width - 1}')
    return errs

def option(argv, name):
    """The last value of --name VALUE or --name=VALUE, as mailconf takes it."""
    v = None
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            v = argv[i + 1]
        elif a.startswith(name + '='):
            v = a[len(name) + 1:]
    return v

def check(out, label):
    errs = []
    argv = open(f'{out}/argv', encoding='utf-8').read().split('\n')[:-1]
    email, login = option(argv, '--email'), option(argv, '--login')
    tb = ET.parse(f'{out}/config-v1.1.xml').getroot()
    prov = tb.find('emailProvider')
    servers = []
    for s in prov:
        if s.tag in ('incomingServer', 'outgoingServer'):
            servers.append({
                'type': s.get('type').upper(), 'host': s.findtext('hostname'),
                'port': s.findtext('port'), 'tls': s.findtext('socketType'),
                'user': s.findtext('username'),
                'auth': [a.text for a in s.findall('authentication')]})
    name = prov.findtext('displayName')
    doc = prov.find('documentation')
    ja = option(argv, '--lang') == 'ja'
    values = [name] + [s['user'] for s in servers]
    if doc is not None:
        values += [d.text for d in doc.findall('descr')]

    src = open(f'{out}/checklist.html', encoding='utf-8').read()
    md = open(f'{out}/checklist.md', encoding='utf-8').read()
    page = ET.fromstring(src)
    mdhtml = open(f'{out}/md.html', encoding='utf-8').read()
    mdpage = ET.fromstring('<div>' + mdhtml + '</div>')

    # A standalone page: nothing fetched, no script, no comment at all (so
    # no value in one).
    if page.get('lang') != ('ja' if ja else 'en'):
        errs.append(f'<html lang="{page.get("lang")}">')
    for e in page.iter():
        tag = local(e.tag)
        if tag in EXTERNAL:
            errs.append(f'external asset element <{tag}>')
        if e.get('src') is not None:
            errs.append(f'src= on <{tag}>')
        if e.get('href') is not None and tag != 'a':
            errs.append(f'href= on <{tag}>')
        if tag == 'meta' and e.get('http-equiv') is not None:
            errs.append('<meta http-equiv>')
        if tag == 'style' and re.search(r'url\(|@import|@font-face', text(e)):
            errs.append('the CSS loads something')
        for k, v in e.attrib.items():
            if local(k).startswith('on'):
                errs.append(f'event handler {k} on <{tag}>')
    if '<!--' in src:
        errs.append('an HTML comment')
    if 'raw HTML omitted' in mdhtml:
        errs.append('the Markdown holds raw HTML (cmark-gfm dropped it)')
    errs += md_tables_ok(md)

    # Every server of the spec, in order, in both formats; both formats'
    # tables say the same, cell for cell.
    want = [(s['type'], s['host'], s['port']) for s in servers]
    for fmt, root in (('html', page), ('md', mdpage)):
        rows = [r for t in tables(root) for r in t]
        got = [(r[1], r[2], r[3]) for r in rows if len(r) == 7]
        if len(rows) != len(got):
            errs.append(f'{fmt}: a table row without 7 cells')
        if got != want:
            errs.append(f'{fmt}: servers {got}, spec has {want}')
        for r, s in zip(rows, servers):
            if len(r) != 7 or s['auth'] == ['none']:
                continue
            u = s['user']
            if u in ('%EMAILADDRESS%', '%EMAILLOCALPART%') and not (email or login):
                continue
            exp = login if login else fill(u, email) if email else u
            # Blanks collapse in both formats (a table cell cannot show
            # a login's leading blank); everything else reads back.
            exp = re.sub(r'\s+', ' ', exp).strip()
            if r[5] != exp:
                errs.append(f'{fmt}: username cell {r[5]!r}, want {exp!r}')
        h = headings(root)
        if not h or not h[0].startswith(name):
            errs.append(f'{fmt}: title {h[:1]!r} does not start with {name!r}')
    if tables(page) != tables(mdpage):
        errs.append('the HTML and Markdown tables differ')
    # ... and the same structure: headings, list items, command blocks.
    if shape(page) != shape(mdpage):
        errs.append(f'html has {shape(page)}, md {shape(mdpage)}')
    shapes[(label.split()[0],) + tuple(a for a in argv if a not in ('--lang', 'en', 'ja'))] \
        .append((label, shape(page), [r[1:4] for t in tables(page) for r in t]))

    # How to check each server: implicit TLS, STARTTLS with its protocol.
    pre = '\n'.join(text(e) for e in page.iter() if local(e.tag) == 'pre')
    for s in servers:
        cmd = f"openssl s_client -connect {s['host']}:{s['port']}"
        if s['tls'] == 'STARTTLS':
            cmd += f" -starttls {s['type'].lower()}"
        elif s['tls'] != 'SSL':
            cmd = f"telnet {s['host']} {s['port']}"
        for fmt, body in (('html', pre), ('md', md)):
            if cmd not in body:
                errs.append(f'{fmt}: no "{cmd}"')

    # The documentation link, read back exactly.
    if doc is not None:
        url = doc.get('url')
        for fmt, root in (('html', page), ('md', mdpage)):
            if url not in [e.get('href') for e in root.iter() if local(e.tag) == 'a']:
                errs.append(f'{fmt}: no link to {url!r}')

    # Values are text: no raw "<" of a value in the page, every Markdown
    # special of a value escaped (the round trips above read them back).
    for v in values:
        if v and '<' in v and v in src:
            errs.append(f'html: raw value {v!r}')
        if v and MD_SPECIALS & set(v) and v in md:
            errs.append(f'md: unescaped value {v!r}')
    if email and '_' in email and email in md:
        errs.append('md: the address is not escaped')

    # Japanese: its vocabulary, and no English heading or table header.
    if ja:
        for word in ('サーバー', 'ポート', 'ユーザー名', '認証方式', '注意事項', '動作確認'):
            for fmt, body in (('html', src), ('md', md)):
                if word not in body:
                    errs.append(f'{fmt}: no "{word}"')
        for fmt, root in (('html', page), ('md', mdpage)):
            for h in headings(root)[1:]:
                rest = set(re.findall(r'[A-Za-z]+', h)) - PRODUCTS
                if not JA.search(h) and rest:
                    errs.append(f'{fmt}: English heading {h!r}')
            for th in (text(e) for e in root.iter() if local(e.tag) == 'th'):
                if not JA.search(th):
                    errs.append(f'{fmt}: English table header {th!r}')
    else:
        for word in ('Server', 'Port', 'Username', 'Authentication', 'Before you start'):
            if word not in src or word not in md:
                errs.append(f'no "{word}"')
    return errs

ok = bad = 0
shapes = collections.defaultdict(list)
for line in open(runs, encoding='utf-8'):
    out, label = line.rstrip('\n').split('\t')
    try:
        errs = check(out, label)
    except Exception as e:  # a file that does not parse is a failure
        errs = [f'{type(e).__name__}: {e}']
    if errs:
        bad += 1
        print(f'FAIL {label}:')
        for e in errs:
            print(f'  {e}')
    else:
        ok += 1
# English and Japanese of one input: the same structure and servers.
for runs_of_input in shapes.values():
    (l1, s1, t1), rest = runs_of_input[0], runs_of_input[1:]
    for l2, s2, t2 in rest:
        if s1 != s2 or t1 != t2:
            bad += 1
            print(f'FAIL {l1} and {l2} differ: {s1} {t1}, {s2} {t2}')
        else:
            ok += 1
print(ok, bad)
EOF
sed '$d' "$tmp/result"
last=$(tail -n 1 "$tmp/result")
case $last in
*[!0-9\ ]* | "")
	# The checks themselves broke: count that as a failure.
	echo "$last"
	failed=$((failed + 1))
	;;
*)
	# shellcheck disable=SC2086
	set -- $last
	pass=$((pass + $1))
	failed=$((failed + $2))
	;;
esac
finish
