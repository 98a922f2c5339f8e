#!/bin/sh
# Command-line behaviour: exit statuses, -o -, no clobbering, --force, unchanged
# files kept, no temporary files left, --templates, list, make install.
suite=integration
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
expect_status() { # want desc cmd...
	want=$1 desc=$2
	shift 2
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	got=$?
	if [ "$got" = "$want" ]; then ok; else
		fail "$desc: exit $got, expected $want"
		cat "$tmp/stderr"
	fi
}
grep_err() { # pattern desc
	if grep -q -- "$1" "$tmp/stderr"; then ok; else
		fail "$2: stderr lacks \"$1\""
		cat "$tmp/stderr"
	fi
}

# Usage errors exit 2.
expect_status 2 "no command" "$bin"
expect_status 2 "unknown command" "$bin" frobnicate
expect_status 2 "unknown option" "$bin" generate --preset gmail --out "$tmp/x" --bogus
grep_err "unknown option --bogus" "unknown option"
expect_status 2 "unknown target" "$bin" generate --preset gmail --target nosuch --out "$tmp/x"
grep_err 'unknown target "nosuch"' "unknown target"
expect_status 2 "generate without --out" "$bin" generate --preset gmail
expect_status 2 "option without value" "$bin" generate --preset
expect_status 2 "check without spec" "$bin" check
[ ! -e "$tmp/x" ] && ok || fail "usage errors wrote $tmp/x"
expect_status 0 "--help" "$bin" --help
expect_status 0 "--version" "$bin" --version

# Each command takes only its own options. A usage error is one line and
# a pointer to the command's help, on stderr, with exit status 2.
expect_usage() { # command message args...
	cmd=$1 msg=$2
	shift 2
	"$bin" "$cmd" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	got=$?
	printf "mailconf: %s\nsee 'mailconf %s --help'\n" "$msg" "$cmd" >"$tmp/want"
	if [ "$got" = 2 ] && cmp -s "$tmp/want" "$tmp/stderr" && [ ! -s "$tmp/stdout" ]; then ok; else
		fail "$cmd $*: exit $got, expected 2 and exactly:"
		cat "$tmp/want"
		echo "got:"
		cat "$tmp/stderr"
	fi
}
expect_usage generate "--diff goes with --check or --dry-run" --preset gmail --out "$tmp/x" --diff
expect_usage generate "--check and --dry-run are two modes: give one" --preset gmail --out "$tmp/x" --check --dry-run
expect_usage check "check: --check is not an option of check" --preset gmail --check
expect_usage generate "generate: --home is not an option of generate" --preset gmail --out "$tmp/x" --home "$tmp"
expect_usage generate "generate: --layout is not an option of generate" --preset gmail --out "$tmp/x" --layout=tree
expect_usage check "check: --force is not an option of check" --preset gmail --force
expect_usage check "check: -o is not an option of check" --preset gmail -t thunderbird -o -
expect_usage site "site: --email is not an option of site" "$top/presets/gmail.ini" --out "$tmp/x" --email a@gmail.com
expect_usage site "site: --keep-going is not an option of site" "$top/presets/gmail.ini" --out "$tmp/x" --keep-going
expect_usage site "--diff goes with --check or --dry-run" "$top/presets/gmail.ini" --out "$tmp/x" --diff
expect_usage site "site: -t is not an option of site" "$top/presets/gmail.ini" --out "$tmp/x" -t thunderbird
expect_usage install "install: --out is not an option of install" --preset gmail --email a@gmail.com --out "$tmp/x"
expect_usage install "install: --users is not an option of install" --preset gmail --users "$tmp/u.csv"
expect_usage install "install: --sign-cert is not an option of install" --email a@gmail.com --sign-cert c.pem
expect_usage import "import: --email is not an option of import" a.xml --out "$tmp/x" --email a@gmail.com
expect_usage import "import: --templates is not an option of import" a.xml --out "$tmp/x" --templates "$tmp"
expect_usage list "list: --force is not an option of list" --force
expect_usage list "list: -q is not an option of list" -q
expect_usage generate "generate: unknown option --bogus" --preset gmail --out "$tmp/x" --bogus
expect_usage generate "generate: unknown option --bogus" --preset gmail --out "$tmp/x" --bogus=1
expect_usage generate "generate: option --force takes no value" --preset gmail --out "$tmp/x" --force=yes
expect_usage generate "generate: option --preset needs a value" --preset
expect_usage generate "generate: option -t needs a value" --preset gmail -t --out "$tmp/x"
expect_usage site "site: option --out needs a value" "$top/presets/gmail.ini" --out=
expect_usage generate "generate needs --out DIR, or -o FILE for one target" --preset gmail
"$bin" frobnicate >"$tmp/stdout" 2>"$tmp/stderr"
[ $? = 2 ] && [ "$(cat "$tmp/stderr")" = "mailconf: unknown command \"frobnicate\"
see 'mailconf --help'" ] && ok || fail "unknown command: $(cat "$tmp/stderr")"
[ ! -e "$tmp/x" ] && ok || fail "a foreign option wrote $tmp/x"

# COMMAND --help: its synopsis and its options, one a line, on stdout.
for c in generate check install import site list; do
	expect_status 0 "$c --help" "$bin" "$c" --help
	grep -q "^usage: mailconf $c" "$tmp/stdout" && ok || fail "$c --help: no synopsis"
	[ ! -s "$tmp/stderr" ] && ok || fail "$c --help wrote to stderr"
	cp "$tmp/stdout" "$tmp/help-$c"
done
has_opt() { # command option present(1|0)
	if grep -q -- "^  \(-[a-z], \)\?$2\( \|$\)" "$tmp/help-$1"; then got=1; else got=0; fi
	[ "$got" = "$3" ] && ok || fail "$1 --help: $2 listed=$got, expected $3"
}
has_opt generate --users 1
has_opt generate --keep-going 1
has_opt generate --sign-cert 1
has_opt generate --output 1
has_opt generate --dry-run 1
has_opt generate --check 1
has_opt generate --diff 1
has_opt generate --home 0
has_opt install --dry-run 1
has_opt install --check 1
has_opt install --diff 1
has_opt check --check 0
has_opt check --dry-run 0
has_opt install --home 1
has_opt install --email 1
has_opt install --out 0
has_opt check --strict 1
has_opt check --users 1
has_opt check --force 0
has_opt site --layout 1
has_opt site --apple 1
has_opt site --check 1
has_opt site --dry-run 1
has_opt site --diff 1
has_opt site --email 0
has_opt import --output 1
has_opt import --email 0
has_opt list --presets 1
has_opt list --force 0
"$bin" help site >"$tmp/stdout" 2>&1
cmp -s "$tmp/stdout" "$tmp/help-site" && ok || fail "help site differs from site --help"
expect_status 0 "--help" "$bin" --help
for c in generate check install import site list; do
	grep -q "^  $c " "$tmp/stdout" && ok || fail "--help does not list $c"
done

# list names the targets and the presets.
expect_status 0 "list" "$bin" list
grep -q "thunderbird .*config-v1.1.xml" "$tmp/stdout" && ok || fail "list lacks the thunderbird target"
grep -q "gmail .*gmail.com" "$tmp/stdout" && ok || fail "list lacks the gmail preset"

# -o - prints exactly the file --out writes.
expect_status 0 "-o -" "$bin" generate --preset gmail --target thunderbird -o -
cp "$tmp/stdout" "$tmp/stdout.xml"
expect_status 0 "--out" "$bin" generate --preset gmail --out "$tmp/out"
cmp -s "$tmp/stdout.xml" "$tmp/out/config-v1.1.xml" && ok || fail "-o - and --out differ"
# The counts come from the folder, not from how many targets there are.
n=$(find "$tmp/out" -type f ! -name .mailconf-manifest | wc -l)
grep_err "$n written, 0 unchanged; not written without --email: .*msmtp" "first run summary"
[ ! -e "$tmp/out/msmtprc" ] && ok || fail "msmtprc written without --email"
[ "$(stat -c %a "$tmp/out/config-v1.1.xml")" = 644 ] && ok || fail "mode is not 0644"
[ -f "$tmp/out/.mailconf-manifest" ] && ok || fail "no manifest"

# An identical re-run rewrites nothing and keeps the mtime.
touch -d '2001-01-01 00:00:00' "$tmp/out/config-v1.1.xml"
expect_status 0 "re-run" "$bin" generate --preset gmail --out "$tmp/out"
grep_err "0 written, $n unchanged" "re-run summary"
[ "$(stat -c %Y "$tmp/out/config-v1.1.xml")" = "$(date -d '2001-01-01 00:00:00' +%s)" ] && ok ||
	fail "re-run touched an unchanged file"

# A changed spec replaces mailconf's own file without --force.
sed 's/^short_name = Gmail/short_name = GMail/' "$top/presets/gmail.ini" >"$tmp/changed.ini"
expect_status 0 "changed spec" "$bin" generate "$tmp/changed.ini" --out "$tmp/out"
grep -q "GMail" "$tmp/out/config-v1.1.xml" && ok || fail "changed spec not written"

# A file the user edited is not replaced without --force.
echo "<!-- local edit -->" >>"$tmp/out/config-v1.1.xml"
cp "$tmp/out/config-v1.1.xml" "$tmp/edited"
expect_status 1 "edited file" "$bin" generate --preset gmail --out "$tmp/out"
grep_err "was not written by mailconf, or was edited since" "edited file"
cmp -s "$tmp/edited" "$tmp/out/config-v1.1.xml" && ok || fail "edited file was changed"
expect_status 0 "--force" "$bin" generate --preset gmail --out "$tmp/out" --force
cmp -s "$tmp/stdout.xml" "$tmp/out/config-v1.1.xml" && ok || fail "--force did not replace"

# A foreign file (no manifest) is not replaced either; -o FILE too.
mkdir -p "$tmp/foreign"
echo "mine" >"$tmp/foreign/config-v1.1.xml"
expect_status 1 "foreign file" "$bin" generate --preset gmail --out "$tmp/foreign"
[ "$(cat "$tmp/foreign/config-v1.1.xml")" = mine ] && ok || fail "foreign file was replaced"
echo "mine" >"$tmp/single.xml"
expect_status 1 "foreign -o FILE" "$bin" generate --preset gmail -t thunderbird -o "$tmp/single.xml"
[ "$(cat "$tmp/single.xml")" = mine ] && ok || fail "-o FILE replaced a foreign file"

# No temporary files are left behind.
leftovers=$(find "$tmp/out" "$tmp/foreign" -name '.*.mailconf-*' | wc -l)
[ "$leftovers" = 0 ] && ok || fail "temporary files left: $leftovers"

# An error writes nothing, even to a fresh directory.
printf '[provider]\nid = x..y\n' >"$tmp/bad.ini"
expect_status 1 "bad spec" "$bin" generate "$tmp/bad.ini" --out "$tmp/never"
[ ! -e "$tmp/never" ] && ok || fail "a failing run created its output directory"
expect_status 1 "missing spec" "$bin" check "$tmp/nosuch.ini"
grep_err "cannot open $tmp/nosuch.ini: No such file or directory" "missing spec"

# --templates: a copy gives the same output; a broken one is refused with
# its file and line, before anything is written.
cp -r "$top/templates" "$tmp/tpl"
expect_status 0 "--templates copy" "$bin" generate --preset gmail -t thunderbird -o - --templates "$tmp/tpl"
cmp -s "$tmp/stdout" "$tmp/stdout.xml" && ok || fail "--templates copy renders differently"
sed 's/{{host}}/{{hostnme}}/' "$top/templates/thunderbird.xml.mustache" >"$tmp/tpl/thunderbird.xml.mustache"
expect_status 1 "broken template" "$bin" generate --preset gmail --out "$tmp/tplout" --templates "$tmp/tpl"
grep_err "$tmp/tpl/thunderbird.xml.mustache:12: error: unknown name \"hostnme\" in section \"incoming\"" "broken template"
[ ! -e "$tmp/tplout" ] && ok || fail "a broken template still wrote files"
printf '{{#incoming}}\n{{{host}}}\n' >"$tmp/tpl/thunderbird.xml.mustache"
expect_status 1 "raw tag template" "$bin" check --preset gmail --templates "$tmp/tpl"
grep_err "thunderbird.xml.mustache:2: error: \"{{{\" (unescaped output) is not supported" "raw tag"
grep_err "thunderbird.xml.mustache:1: error: \"{{#incoming}}\" is never closed" "unclosed section"
# A template whose output is not well-formed XML is caught before writing.
printf '<a>{{name}}</b>\n' >"$tmp/tpl/thunderbird.xml.mustache"
expect_status 1 "ill-formed output" "$bin" generate --preset gmail --out "$tmp/tplout" --templates "$tmp/tpl"
grep_err "internal error: thunderbird: rendered XML is not well-formed" "ill-formed output"
[ ! -e "$tmp/tplout" ] && ok || fail "ill-formed XML was written"

# Inverted sections over lists open no scope: names after them still
# resolve (two in a row once unbalanced the scope stack).
printf '{{^documentation}}\nno docs\n{{/documentation}}\n{{^oauth2_provider}}\n{{/oauth2_provider}}\n<a>{{#incoming}}{{host}} {{/incoming}}{{name}}</a>\n' \
	>"$tmp/tpl/thunderbird.xml.mustache"
expect_status 0 "inverted sections" "$bin" generate --preset gmail -t thunderbird -o - --templates "$tmp/tpl"
[ "$(cat "$tmp/stdout")" = "<a>imap.gmail.com pop.gmail.com Gmail</a>" ] && ok ||
	fail "inverted sections: got $(cat "$tmp/stdout")"

# The README's example: the presets are clean under --strict; a provider
# that offers nothing but plaintext waives those warnings, and check shows
# each waived one as a note with its reason.
(cd "$top" && "$bin" check --strict presets/*.ini) >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
[ $st = 0 ] && ! grep -q ': \(warning\|error\):' "$tmp/stderr" && ok ||
	{ fail "check --strict presets/*.ini: exit $st"; grep ': \(warning\|error\):' "$tmp/stderr" | head; }
grep -q '^presets/nifty.ini:19:12: note: \[pop3\] security: .*; waived in presets/nifty.ini:[0-9]*: the ISPDB lists only unencrypted servers .*\[-Wplaintext\]$' "$tmp/stderr" && ok ||
	{ fail "check: a waived warning is not shown with its reason"; grep nifty "$tmp/stderr"; }
for p in "$top"/presets/*.ini; do
	grep -q "^presets/$(basename "$p"): ok\$" "$tmp/stderr" && ok || fail "check: no \"presets/$(basename "$p"): ok\""
done
(cd "$top" && "$bin" check -q presets/gmail.ini) 2>"$tmp/stderr" && ! grep -q ': ok$' "$tmp/stderr" && ok ||
	fail "check -q still says ok"
expect_status 0 "check --strict gmail" "$bin" check --strict --preset gmail

# A spec that starts from a preset: diagnostics name the file that supplied
# the value, overrides win, new sections follow.
printf '[provider]\npreset = gmail\n\n[imap]\nport = 993x\n' >"$tmp/over.ini"
expect_status 1 "override error" "$bin" check "$tmp/over.ini"
grep_err "$tmp/over.ini:5:8: error: \[imap\] port: \"993x\" is not a port number" "override location"
printf '[provider]\npreset = gmail\nname = Corp Gmail\n\n[smtp]\nport = 2525\n' >"$tmp/over.ini"
expect_status 0 "override" "$bin" generate "$tmp/over.ini" -t thunderbird -o -
grep -q "<displayName>Corp Gmail</displayName>" "$tmp/stdout" && ok || fail "override of name lost"
grep -q "<port>2525</port>" "$tmp/stdout" && ok || fail "override of port lost"
grep -q "<hostname>imap.gmail.com</hostname>" "$tmp/stdout" && ok || fail "preset value lost"
printf '[provider]\npreset = gmail\n\n[smtp]\nhost = smtp.gmial.com\n' >"$tmp/over.ini"
expect_status 0 "typo in override" "$bin" check "$tmp/over.ini"
grep_err "$tmp/over.ini:5:8: warning: \[smtp\] host: \"smtp.gmial.com\" looks like a typo of \"smtp.gmail.com\" (preset gmail)" "typo override"

# A provider with 100,000 domains: every target renders and re-parses
# (libxml2's limits for hostile input stop at megabytes of text), in memory
# that a streamed check keeps far from the 570 MiB a DOM took.
python3 - "$tmp/big.ini" <<'PY'
import sys
d = ["c%06d.test" % i for i in range(100000)]
lines = ["[provider]", "id = hosted.test", "name = Hosted", "short_name = Hosted"]
lines += ["%s = %s" % ("domains" if k == 0 else "domains.%d" % k, ", ".join(d[k * 60:k * 60 + 60]))
          for k in range(len(d) // 60 + 1)]
lines += ["[imap]", "host = imap.hosted.test", "security = ssl", "[smtp]", "host = smtp.hosted.test", "security = ssl"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
expect_status 0 "check, 100,000 domains" /usr/bin/time -f %M -o "$tmp/rss" "$bin" check "$tmp/big.ini"
if [ -z "${ASAN_OPTIONS:-}" ]; then
	[ "$(tail -n 1 "$tmp/rss")" -lt 262144 ] 2>/dev/null && ok || fail "check, 100,000 domains: peak RSS $(tail -n 1 "$tmp/rss") KiB"
fi

# make install puts a working mailconf under DESTDIR. A plain build, not
# the flags of the make that runs this test (make asan's sanitizers).
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" install PREFIX=/usr DESTDIR="$tmp/root" >"$tmp/make.log" 2>&1; then
	share="$tmp/root/usr/share/mailconf"
	expect_status 0 "installed binary" "$tmp/root/usr/bin/mailconf" generate --preset gmail \
		--templates "$share/templates" --presets "$share/presets" -t thunderbird -o -
	cmp -s "$tmp/stdout" "$tmp/stdout.xml" && ok || fail "installed binary renders differently"
	[ -f "$tmp/root/usr/share/man/man1/mailconf.1" ] && ok || fail "man page not installed"
else
	fail "make install"
	cat "$tmp/make.log"
fi

# Domains are case-insensitive: a spec that writes them in capitals gives
# exactly the tree of one in lower case (so nginx and Apache, which match
# lower-case names, serve it), and a domain given twice in two cases is a
# repeat, within one spec and across the specs of one site run.
hs="$top/tests/site/hosted.ini"
sed 's/^domains = \(.*\)/domains = \U\1/' "$hs" >"$tmp/upper.ini"
"$bin" site "$hs" --out "$tmp/case" -q && mv "$tmp/case" "$tmp/case-ref" &&
	"$bin" site "$tmp/upper.ini" --out "$tmp/case" -q && diff -r "$tmp/case-ref" "$tmp/case" >/dev/null && ok ||
	fail "domains: an upper-case spec gives another site tree"
"$bin" generate "$tmp/upper.ini" -t thunderbird -o - 2>/dev/null >"$tmp/upper.xml"
grep -q '<domain>customer1.test</domain>' "$tmp/upper.xml" && ! grep -q 'CUSTOMER1' "$tmp/upper.xml" && ok ||
	fail "domains: config-v1.1.xml keeps the upper-case domain"
sed 's/^domains = \(.*\)/domains = \1, HOSTED.test/' "$hs" >"$tmp/twice.ini"
expect_status 0 "domains: twice in two cases" "$bin" check "$tmp/twice.ini"
grep_err '"HOSTED.test" is listed twice \[-Wduplicate-value\]' "domains: twice in two cases is a repeat"
"$bin" site "$hs" "$tmp/upper.ini" --out "$tmp/case2" -q 2>"$tmp/stderr"
grep -q 'hosted.test is served by more than one spec' "$tmp/stderr" && ok ||
	fail "domains: one domain in two cases across two site specs was not found"

# Repeat checks are linear: a users file with 2,000,000 header columns and
# a spec with 40,000 server sections are checked in seconds. Under the
# sanitizers (ten times slower, and there for memory, not speed) the spec
# has 4,000.
limit=30
sections=40000
case "$bin" in */asan/*) limit=180 sections=4000 ;; esac
python3 -c '
import sys
cols = ["email"] + ["c%d" % i for i in range(2000000)]
open(sys.argv[1], "w").write(",".join(cols) + "\n")
lines = ["[provider]", "id = big.test", "name = Big", "short_name = Big",
         "domains = big.test", "[smtp]", "host = smtp.big.test", "security = ssl"]
for i in range(int(sys.argv[3])):
    lines += ["[imap.s%d]" % i, "host = imap%d.big.test" % i, "security = ssl"]
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
' "$tmp/wide.csv" "$tmp/many.ini" "$sections"

timeout $limit "$bin" generate "$top/tests/golden/minimal/spec.ini" --users "$tmp/wide.csv" --out "$tmp/wide" 2>"$tmp/stderr"
st=$?
[ $st = 1 ] && grep -q 'unknown column "c0"' "$tmp/stderr" && ok ||
	{ fail "2,000,000 header columns: exit $st (124: too slow)"; tail -3 "$tmp/stderr"; }
timeout $limit "$bin" check "$tmp/many.ini" >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
[ $st = 0 ] && ok || { fail "40,000 server sections: exit $st (124: too slow)"; tail -3 "$tmp/stderr"; }

# Replay: the manifest records how the folder was made (spec relative to
# it, options), so generate --out DIR alone checks and remakes it, from
# any directory, after the repository moved.
mkdir -p "$tmp/rp/specs" && cp "$top/tests/golden/minimal/spec.ini" "$tmp/rp/specs/corp.ini"
(cd "$tmp/rp" && "$bin" generate specs/corp.ini --email alice@example.com --name 'A  %x' -t thunderbird,msmtp --out dist -q)
grep -q '^@spec mix64:[0-9a-f]* \.\./specs/corp.ini$' "$tmp/rp/dist/.mailconf-manifest" &&
	grep -q '^@arg --name A  %25x$' "$tmp/rp/dist/.mailconf-manifest" && ok || fail "replay: the manifest does not record the run"
# A folder below folders that do not exist yet records it too.
(cd "$tmp/rp" && "$bin" generate specs/corp.ini --out out/new/./corp -q) &&
	grep -q '^@spec mix64:[0-9a-f]* \.\./\.\./\.\./specs/corp.ini$' "$tmp/rp/out/new/corp/.mailconf-manifest" && ok ||
	fail "replay: a folder below a new one does not record the run"
rm -rf "$tmp/rp/out"
mv "$tmp/rp" "$tmp/rp2"
(cd / && "$bin" generate --out "$tmp/rp2/dist" --check) 2>"$tmp/stderr" && ok || { fail "replay: --check of a current folder"; cat "$tmp/stderr"; }
sed -i 's/^name = .*/name = Changed Mail/' "$tmp/rp2/specs/corp.ini"
(cd / && "$bin" generate --out "$tmp/rp2/dist" --check) 2>"$tmp/stderr"
[ $? = 1 ] && grep -q 'dist/msmtprc: would change' "$tmp/stderr" && ok || { fail "replay: --check after a spec change"; cat "$tmp/stderr"; }
"$bin" generate --out "$tmp/rp2/dist" -q && grep -q 'Changed Mail' "$tmp/rp2/dist/msmtprc" && grep -q 'A  %x' "$tmp/rp2/dist/msmtprc" &&
	"$bin" generate --out "$tmp/rp2/dist" --check && ok || fail "replay: generate --out DIR did not remake it"
"$bin" generate --out "$tmp/nothing-here" 2>"$tmp/stderr"
[ $? = 2 ] && grep -q 'generate needs a SPEC' "$tmp/stderr" && [ ! -e "$tmp/nothing-here" ] && ok || { fail "replay: no manifest"; cat "$tmp/stderr"; }

finish
