#!/bin/sh
# Real consumers: fetchmail 6.4, msmtp 1.8 and mbsync 1.4 read every rc golden file back as written; hostile values stay values.
#
# For each tests/golden/rc-*/expected/{fetchmailrc,msmtprc,mbsyncrc}:
# - fetchmail --configdump and -V, msmtp --pretend per account and mbsync's
#   parser must accept the file; what they report is reduced to the lines
#   of tests/golden/rc-*/readback (UPDATE=1 rewrites them, for review);
# - the values given on the case's command line (--login, --mda,
#   --ca-file, --pass-cmd, --smtp-host) are what the programs read back,
#   exactly; no hook (plugin, preconnect...) exists that was not asked for,
#   and no command hidden in a value ran (marker files);
# - mbsync must find the CertificateFile at exactly the decoded path.
# Then generated on the fly: a hostile --password-env password read back
# by fetchmail, the line limits at their edge (accepted and parsed by the
# real program) and one byte over (refused by mailconf).
# consumer-test: fetchmail by fetchmail
# consumer-test: mbsync by mbsync
# consumer-test: msmtp by msmtp
suite=consumers
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
py=${E2E_PYTHON:-/usr/bin/python3}
# fetchmail writes ~/.fetchids and both read dot files from HOME: never the
# real ones.
HOME=$tmp/home
export HOME
mkdir -p "$HOME" "$tmp/cwd"
# msmtp --pretend runs passwordeval: the goldens' password commands print
# a fixed secret here.
mkdir -p "$tmp/bin" "$HOME/.config/mail"
for c in pass secret-tool oauth2-token; do
	printf '#!/bin/sh\necho stub-secret\n' >"$tmp/bin/$c"
	chmod +x "$tmp/bin/$c"
done
echo stub-secret >"$HOME/.config/mail/pass"
PATH=$tmp/bin:$PATH
need fetchmail msmtp mbsync "$py"

# The readback helper: reduces the programs' reports to "tool key = value"
# lines, and compares values with the command line's.
cat >"$tmp/readback.py" <<'EOF'
import re, sys

MARK = '<non-ASCII...>'

def fm_string(s, i):
    """Reads a configdump string starting after its opening quote; returns
    (value, next index). configdump escapes " and \\ with a backslash and
    writes a byte >= 0x80 as \\0x plus two characters, the first being
    random memory (a signed-char bug): any byte, even a NUL that cuts the
    rest of the value. So a value is read up to its first such byte, then
    MARK; fetchmail -V shows the user and the CA file as they are, and the
    e2e test logs in with non-ASCII values."""
    out = []
    while s[i] != '"':
        if s[i] == '\\':
            if s[i + 1:i + 3] == '0x':
                out.append(MARK)
                ends = [e for e in (s.find('",\n', i), s.find('"]', i))
                        if e >= 0]
                return ''.join(out), min(ends) + 1
            out.append(s[i + 1])
            i += 2
            continue
        out.append(s[i])
        i += 1
    return ''.join(out), i + 1

def fm_norm(v):
    """The input value as fm_string reads it back."""
    for k, ch in enumerate(v):
        if ord(ch) >= 0x80:
            return v[:k] + MARK
    return v

def fetchmail(dump_path, v_path):
    s = open(dump_path, 'rb').read().decode('latin-1')
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
    keys = ['pollname', 'via', 'protocol', 'service', 'auth', 'uidl',
            'plugin', 'plugout', 'remote', 'password', 'keep', 'fetchall',
            'mda', 'bsmtp', 'lmtp', 'preconnect', 'postconnect', 'ssl',
            'sslproto', 'sslcertck', 'sslcertfile', 'sslcertpath',
            'smtphunt']
    out = ['fetchmail servers = %d' % s.count('# Entry for site'),
           'fetchmail users = %d' % sum(1 for k, _ in fields if k == 'remote')]
    for k, val in fields:
        if k in keys:
            out.append('fetchmail %s = %s' % (k, val))
    # -V prints the user and the CA file as they are.
    v = open(v_path, 'rb').read().decode('utf-8', 'replace')
    m = re.search(r'^Options for retrieving from (.*)@[^@]*:$', v, re.M)
    out.append('fetchmail -V user = %s' % (m.group(1) if m else None))
    m = re.search(r'^  SSL trusted certificate file: (.*)$', v, re.M)
    out.append('fetchmail -V sslcertfile = %s' % (m.group(1) if m else None))
    return out

def msmtp(pretend_path, account):
    keys = ['host', 'port', 'auth', 'user', 'password', 'passwordeval',
            'tls', 'tls_starttls', 'tls_trust_file', 'tls_certcheck', 'from']
    out = []
    for line in open(pretend_path, encoding='utf-8'):
        line = line.rstrip('\n')
        k = line.split(' = ', 1)[0]
        if k in keys:
            out.append('msmtp %s %s' % (account, line))
    return out

def argv_of(case_dir):
    """The case's command line: argv (one per line) or args (split)."""
    try:
        return open(case_dir + '/argv', encoding='utf-8').read().split('\n')[:-1]
    except FileNotFoundError:
        return open(case_dir + '/args', encoding='utf-8').read().split()

def opt(argv, name):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
    return None

def check_inputs(case_dir, readback_path):
    """Every value given on the command line is read back as it was."""
    argv = argv_of(case_dir)
    rb = {}
    for line in open(readback_path, encoding='utf-8'):
        k, _, v = line.rstrip('\n').partition(' = ')
        rb.setdefault(k, []).append(v)
    fails = []

    def want(key, value, norm=lambda x: x):
        got = rb.get(key)
        if got is None:
            return
        for g in got:
            if g != norm(value):
                fails.append('%s: read back %r, given %r' % (key, g, value))

    login = opt(argv, '--login')
    if login is not None:
        want('fetchmail remote', login, fm_norm)
        want('fetchmail -V user', login)
        for k in rb:
            if k.startswith('msmtp ') and k.endswith(' user'):
                want(k, login)
    mda = opt(argv, '--mda')
    want('fetchmail mda', mda if mda is not None else 'None',
         fm_norm if mda is not None else (lambda x: x))
    ca = opt(argv, '--ca-file')
    if ca is not None:
        want('fetchmail sslcertfile', ca, fm_norm)
        want('fetchmail -V sslcertfile', ca)
        for k in rb:
            if k.startswith('msmtp ') and k.endswith(' tls_trust_file'):
                want(k, ca)
    cmd = opt(argv, '--pass-cmd')
    if cmd is not None and '%' not in cmd:
        for k in rb:
            if k.startswith('msmtp ') and k.endswith(' passwordeval'):
                want(k, cmd)
    host = opt(argv, '--smtp-host')
    if host is not None:
        want('fetchmail smtphunt', '[' + host + ']')
    # Hooks mailconf never writes: present only if a value became one.
    for k in ('plugin', 'plugout', 'preconnect', 'postconnect', 'bsmtp'):
        want('fetchmail ' + k, 'None')
    for k in ('servers', 'users'):
        want('fetchmail ' + k, '1')
    for f in fails:
        print(f)
    return not fails

if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'fetchmail':
        print('\n'.join(fetchmail(sys.argv[2], sys.argv[3])))
    elif cmd == 'msmtp':
        print('\n'.join(msmtp(sys.argv[2], sys.argv[3])))
    elif cmd == 'inputs':
        sys.exit(0 if check_inputs(sys.argv[2], sys.argv[3]) else 1)
    elif cmd == 'norm':
        print(fm_norm(sys.argv[2]))
EOF

# fetchmail_read FILE OUT: configdump + -V readback of FILE into OUT.
fetchmail_read() {
	chmod 0600 "$1"
	(cd "$tmp/cwd" && fetchmail --configdump -f "$1") >"$tmp/fm.dump" 2>"$tmp/fm.err"
	rc=$?
	if [ $rc != 0 ]; then
		echo "fetchmail --configdump exit $rc: $(grep -v 'Running as root\|OpenSSL library' "$tmp/fm.err")"
		return 1
	fi
	(cd "$tmp/cwd" && fetchmail -V -f "$1") >"$tmp/fm.v" 2>&1
	"$py" "$tmp/readback.py" fetchmail "$tmp/fm.dump" "$tmp/fm.v" >>"$2"
}

# msmtp_read FILE OUT: --pretend of every account (and the default).
msmtp_read() {
	chmod 0600 "$1"
	accounts=$(sed -n 's/^account \([^ ]*\)$/\1/p' "$1")
	for a in $accounts default; do
		if ! (cd "$tmp/cwd" && msmtp -C "$1" --pretend -a "$a") >"$tmp/ms.out" 2>"$tmp/ms.err"; then
			echo "msmtp --pretend -a $a: $(grep -v '^ignoring system\|^loaded' "$tmp/ms.err")"
			return 1
		fi
		"$py" "$tmp/readback.py" msmtp "$tmp/ms.out" "$a" >>"$2"
	done
}

# mbsync_parse FILE: mbsync 1.4 has no parse-only flag; a channel that
# does not exist stops it after parsing, before any network. A valid file
# gives exactly these two lines; errors name FILE:LINE.
mbsync_parse() {
	(cd "$tmp/cwd" && mbsync -c "$1" __no_such_channel__) >/dev/null 2>"$tmp/mb.err"
	printf '%s\n' "No channel or group named '__no_such_channel__' defined." \
		"No channel specified. Try 'mbsync -h'" >"$tmp/mb.want"
	if ! cmp -s "$tmp/mb.err" "$tmp/mb.want"; then
		echo "mbsync did not parse it: $(cat "$tmp/mb.err")"
		return 1
	fi
}

# mbsync_rooted FILE OUT: FILE with its CertificateFile moved under
# $tmp/root and that file created there, decoded the way mbsync does it
# (\c is c): mbsync checks that it exists while parsing, so a parse proves
# the path was read back exactly.
mbsync_rooted() {
	rm -rf "$tmp/root"
	sed "s|^CertificateFile \"|CertificateFile \"$tmp/root|" "$1" >"$2"
	ca=$(sed -n 's/^CertificateFile "\(.*\)"$/\1/p' "$1" | sed 's/\\\(.\)/\1/g')
	if [ -n "$ca" ]; then
		mkdir -p "$(dirname "$tmp/root$ca")" && : >"$tmp/root$ca"
	fi
}

no_markers() { # what: no command hidden in a value ran
	found=$(find "$tmp" -name 'pwned*' 2>/dev/null)
	if [ -n "$found" ]; then
		fail "$1: a command hidden in a value ran: $found"
		find "$tmp" -name 'pwned*' -exec rm -f {} +
	else
		ok
	fi
}

for dir in "$top"/tests/golden/rc-*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	exp=$dir/expected
	rm -rf "$tmp/case"
	mkdir -p "$tmp/case"
	: >"$tmp/readback"
	case_ok=1
	if [ -f "$exp/fetchmailrc" ]; then
		cp "$exp/fetchmailrc" "$tmp/case/fetchmailrc"
		if msg=$(fetchmail_read "$tmp/case/fetchmailrc" "$tmp/readback"); then ok; else
			fail "$name fetchmailrc: $msg"
			case_ok=0
		fi
	fi
	if [ -f "$exp/msmtprc" ]; then
		cp "$exp/msmtprc" "$tmp/case/msmtprc"
		if msg=$(msmtp_read "$tmp/case/msmtprc" "$tmp/readback"); then ok; else
			fail "$name msmtprc: $msg"
			case_ok=0
		fi
	fi
	if [ -f "$exp/mbsyncrc" ]; then
		mbsync_rooted "$exp/mbsyncrc" "$tmp/case/mbsyncrc"
		if msg=$(mbsync_parse "$tmp/case/mbsyncrc"); then
			ok
			echo "mbsync parses = yes" >>"$tmp/readback"
		else
			fail "$name mbsyncrc: $msg"
			case_ok=0
		fi
	fi
	no_markers "$name"
	[ $case_ok = 1 ] || continue
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$tmp/readback" "$dir/readback"
	fi
	if [ ! -f "$dir/readback" ]; then
		fail "$name: no readback file (UPDATE=1 writes it)"
	elif diff -u "$dir/readback" "$tmp/readback"; then ok; else
		fail "$name: what the programs read differs from readback"
	fi
	if msg=$("$py" "$tmp/readback.py" inputs "$dir" "$tmp/readback"); then ok; else
		fail "$name: a value was not read back as given: $msg"
	fi
done

# A hostile password, written only because --password-env asks for it:
# fetchmail must read back exactly it (msmtp --pretend masks passwords;
# configdump cuts values at their first non-ASCII byte, so that is last).
# shellcheck disable=SC2016 # $HOME and backticks are the value
pw='pw" preconnect "touch pwned-pw" \x22 \" \\ #; $HOME `touch pwned-bq` \neval touch pwned-ev é'
out=$tmp/pw
if MAILCONF_TEST_PW=$pw "$bin" generate "$top/tests/golden/rc-hostile/provider.ini" \
	--target fetchmail,mbsync,msmtp --email eve@hostile.example \
	--password-env MAILCONF_TEST_PW --out "$out" -q 2>"$tmp/gen.err"; then
	: >"$tmp/readback"
	if fetchmail_read "$out/fetchmailrc" "$tmp/readback" >"$tmp/msg"; then
		want="fetchmail password = $("$py" "$tmp/readback.py" norm "$pw")"
		if grep -qxF "$want" "$tmp/readback" &&
			grep -qxF 'fetchmail preconnect = None' "$tmp/readback"; then ok; else
			fail "password: fetchmail read back $(grep 'password =' "$tmp/readback")"
		fi
	else
		fail "password fetchmailrc: $(cat "$tmp/msg")"
	fi
	if grep -q '^Pass "' "$out/mbsyncrc" && msg=$(mbsync_parse "$out/mbsyncrc"); then ok; else
		fail "password mbsyncrc: no Pass, or $msg"
	fi
	if msg=$(msmtp_read "$out/msmtprc" "$tmp/readback") &&
		grep -q '^msmtp default password = \*$' "$tmp/readback"; then ok; else
		fail "password msmtprc: $msg"
	fi
	no_markers password
else
	fail "password: mailconf failed: $(cat "$tmp/gen.err")"
fi

# repeat N STRING: STRING N times.
repeat() {
	"$py" -c 'import sys; sys.stdout.write(sys.argv[2] * int(sys.argv[1]))' "$1" "$2"
}

# Line limits at the edge. mbsync: the Inbox line ('Inbox "' + maildir +
# 'INBOX"') of exactly 1021 bytes is written and parsed; 1022 is refused.
for n in 1021 1022; do
	dir_=/$(repeat $((n - 15)) m)/
	rm -rf "$tmp/lim"
	"$bin" generate "$top/tests/golden/rc-starttls/provider.ini" --target mbsync \
		--email carol@starttls.example --maildir "$dir_" --out "$tmp/lim" -q 2>"$tmp/gen.err"
	rc=$?
	longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmp/lim/mbsyncrc" 2>/dev/null)
	if [ $n = 1021 ]; then
		if [ $rc = 0 ] && [ "$longest" = 1021 ] && msg=$(mbsync_parse "$tmp/lim/mbsyncrc"); then ok; else
			fail "mbsync line of 1021 bytes: exit $rc, longest $longest: ${msg:-} $(cat "$tmp/gen.err")"
		fi
	elif [ $rc = 1 ] && [ ! -e "$tmp/lim" ] &&
		grep -q 'mbsync: line 17 would be 1022 bytes long; mbsync reads at most 1021' "$tmp/gen.err"; then ok; else
		fail "mbsync line of 1022 bytes: exit $rc, not refused: $(cat "$tmp/gen.err")"
	fi
done

# msmtp counts bytes: 'passwordeval "echo ' + 200 x "é" (2 bytes each) +
# a's + '"' of exactly 499 bytes is written and read (and run by
# --pretend); 500 bytes are refused, although only 300 characters.
for n in 499 500; do
	cmd="echo $(repeat 200 é)$(repeat $((n - 20 - 400)) a)"
	rm -rf "$tmp/lim"
	"$bin" generate "$top/tests/golden/rc-starttls/provider.ini" --target msmtp \
		--email carol@starttls.example --pass-cmd "$cmd" --out "$tmp/lim" -q 2>"$tmp/gen.err"
	rc=$?
	if [ $n = 499 ]; then
		bytes=$(grep '^passwordeval' "$tmp/lim/msmtprc" | head -1 | LC_ALL=C wc -c)
		: >"$tmp/readback"
		if [ $rc = 0 ] && [ "$bytes" = 500 ] &&
			msg=$(msmtp_read "$tmp/lim/msmtprc" "$tmp/readback"); then ok; else
			fail "msmtp line of 499 bytes: exit $rc, $bytes bytes with LF: ${msg:-} $(cat "$tmp/gen.err")"
		fi
	elif [ $rc = 1 ] && [ ! -e "$tmp/lim" ] &&
		grep -q 'msmtp: line 15 would be 500 bytes long; msmtp rejects lines over 499 bytes' "$tmp/gen.err"; then ok; else
		fail "msmtp line of 500 bytes: exit $rc, not refused: $(cat "$tmp/gen.err")"
	fi
done

finish
