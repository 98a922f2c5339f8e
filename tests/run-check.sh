#!/bin/sh
# Check mode and dry runs (--check, --dry-run, --diff) of install, generate
# (one person, --users) and site: exit statuses, the exact lists, the diffs,
# and a tree left byte for byte, inode and mtime as it was: no file, no
# directory, no manifest, no lock, no temporary file.
suite=check
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
spec="$top/tests/golden/minimal/spec.ini"
# A run's temporary files (txn spills) would go here: it must stay empty.
mkdir "$tmp/tmpdir"
TMPDIR="$tmp/tmpdir"
export TMPDIR

# snap records every path below $1 (and $1): type, inode, mtime, mode,
# size; and a hash of each file's bytes.
snap() {
	find "$1" -printf '%p %y %i %T@ %m %s\n' 2>/dev/null | sort
	find "$1" -type f -exec md5sum {} + 2>/dev/null | sort
}
# same_tree DIR BEFORE DESC: the tree is as BEFORE recorded it.
same_tree() {
	snap "$1" >"$tmp/snap.after"
	if cmp -s "$2" "$tmp/snap.after" && [ -z "$(ls -A "$tmp/tmpdir")" ]; then ok; else
		fail "$3: the tree changed"
		diff "$2" "$tmp/snap.after" | head -n 10
		ls -A "$tmp/tmpdir"
	fi
}
# changed BEFORE AFTER: the files (not directories) that appeared, went
# or changed between two snaps, but the manifests and backups.
changed() {
	diff "$1" "$2" | sed -n 's/^[<>] \([^ ]*\) f .*/\1/p' |
		grep -v '/\.mailconf-manifest$\|/\.mailconf-site$\|\.mailconf-backup-' | sort -u
}
# run WANT DESC CMD...: runs CMD, stdout in $tmp/out, stderr in $tmp/err.
run() {
	want=$1 desc=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = "$want" ]; then ok; else
		fail "$desc: exit $got, expected $want"
		cat "$tmp/err"
	fi
}
# is FILE DESC: FILE holds exactly what is on standard input (a file or
# a here-document: in a pipeline the counts would be lost).
is() {
	cat >"$tmp/want"
	if cmp -s "$tmp/want" "$1"; then ok; else
		fail "$2: expected:"
		cat "$tmp/want"
		echo "got:"
		cat "$1"
	fi
}
# listed FILE: the paths of --check's lines in FILE, sorted.
listed() {
	sed -n 's/: \(missing\|would change\|would be removed\)$//p' "$1" | sort
}

# --- install ---------------------------------------------------------------
h="$tmp/home"
mkdir "$h"
inst() { "$bin" install "$spec" --email alice@example.com --home "$h" "$@"; }
# Nothing there yet: everything is missing, and stays so.
snap "$h" >"$tmp/before"
run 1 "install --check, empty home" inst --check
is "$tmp/err" "install --check, empty home" <<EOF
$h/.fetchmailrc: missing
$h/.mbsyncrc: missing
$h/.msmtprc: missing
$h/Mail/alice@example.com/: missing
EOF
[ ! -s "$tmp/out" ] && ok || fail "install --check printed on stdout without --diff"
same_tree "$h" "$tmp/before" "install --check, empty home"
run 0 "install --dry-run, empty home" inst --dry-run
head -n 4 "$tmp/out" >"$tmp/head"
is "$tmp/head" "install --dry-run, empty home" <<EOF
would write $h/.fetchmailrc
would write $h/.mbsyncrc
would write $h/.msmtprc
would create the directory $h/Mail/alice@example.com/
EOF
grep -q "^--- /dev/null" "$tmp/out" && grep -q "^+++ $h/.msmtprc" "$tmp/out" && ok ||
	fail "install --dry-run shows no diff of a new file"
same_tree "$h" "$tmp/before" "install --dry-run, empty home"
# Current: silence and 0.
inst -q 2>"$tmp/err" || fail "install: exit $?"
snap "$h" >"$tmp/before"
run 0 "install --check, current" inst --check
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok || fail "install --check, current, printed: $(cat "$tmp/out" "$tmp/err")"
run 0 "install --check --diff, current" inst --check --diff
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok || fail "install --check --diff, current, printed: $(cat "$tmp/out" "$tmp/err")"
run 0 "install --dry-run, current" inst --dry-run
is "$tmp/out" "install --dry-run, current" <<EOF
nothing would change
EOF
same_tree "$h" "$tmp/before" "install --check and --dry-run, current"
# One file edited, one deleted, one with another mode.
echo "# my own line" >>"$h/.msmtprc"
rm "$h/.fetchmailrc"
chmod 644 "$h/.mbsyncrc"
snap "$h" >"$tmp/before"
run 1 "install --check, changed" inst --check
is "$tmp/err" "install --check, changed" <<EOF
$h/.fetchmailrc: missing
$h/.mbsyncrc: would change
$h/.msmtprc: would change
EOF
cp "$tmp/err" "$tmp/install.listed"
run 1 "install --check --diff, changed" inst --check --diff
grep -q "^+++ $h/.fetchmailrc" "$tmp/out" && grep -q '^-# my own line' "$tmp/out" &&
	grep -q "^# $h/.mbsyncrc: mode 0644 -> 0600" "$tmp/out" && ok || { fail "install --check --diff: diffs"; cat "$tmp/out"; }
same_tree "$h" "$tmp/before" "install --check, changed"
# The dry run says what the real run would do: refuse the edited file.
run 1 "install --dry-run, edited" inst --dry-run
grep -q "^mailconf: error: $h/.msmtprc exists and was not written by mailconf, or was edited since" "$tmp/err" && ok ||
	fail "install --dry-run does not give the refusal: $(cat "$tmp/err")"
head -n 2 "$tmp/out" >"$tmp/head"
is "$tmp/head" "install --dry-run, edited" <<EOF
would write $h/.fetchmailrc
would replace $h/.mbsyncrc
EOF
grep -q '^-# my own line' "$tmp/out" && ok || fail "install --dry-run does not show the refused file's diff"
run 0 "install --dry-run --force, edited" inst --dry-run --force
head -n 3 "$tmp/out" >"$tmp/head"
is "$tmp/head" "install --dry-run --force, edited" <<EOF
would write $h/.fetchmailrc
would replace $h/.mbsyncrc
would replace $h/.msmtprc (with --force; the old one kept as $h/.msmtprc.mailconf-backup-TIME)
EOF
same_tree "$h" "$tmp/before" "install --dry-run, edited"
# The real run changes exactly what check listed.
inst --force 2>"$tmp/err" && grep -q '^mailconf: 3 written, 0 unchanged' "$tmp/err" && ok ||
	{ fail "install --force after check: $(cat "$tmp/err")"; }
snap "$h" >"$tmp/after"
changed "$tmp/before" "$tmp/after" >"$tmp/got"
listed "$tmp/install.listed" >"$tmp/want.listed"
is "$tmp/got" "install: the files the real run changed" <"$tmp/want.listed"
run 0 "install --check after the real run" inst --check
# A Maildir removed is missing; a usage error for --diff alone.
rm -r "$h/Mail"
run 1 "install --check, no Maildir" inst --check
is "$tmp/err" "install --check, no Maildir" <<EOF
$h/Mail/alice@example.com/: missing
EOF
run 2 "install --diff alone" inst --diff
run 2 "install --check --dry-run" inst --check --dry-run

# --- generate --------------------------------------------------------------
cd "$tmp" || exit 2
gen() { "$bin" generate "$spec" --email alice@example.com --out dist "$@"; }
# A missing --out: every file missing, and the directory still missing.
run 1 "generate --check, no --out dir" gen --check
[ ! -e dist ] && ok || fail "generate --check made dist"
n=$("$bin" list | sed '/^presets/q' | grep -c '^  [a-z]')
[ "$(grep -c '^dist/[a-z.0-9-]*: missing$' "$tmp/err")" = "$n" ] && [ "$(wc -l <"$tmp/err")" = "$n" ] && ok ||
	{ fail "generate --check, no --out dir: not one line a target ($n)"; cat "$tmp/err"; }
run 0 "generate --dry-run, no --out dir" gen --dry-run
[ "$(grep -c '^would write dist/' "$tmp/out")" = "$n" ] && ok || { fail "generate --dry-run, no --out dir: lines"; cat "$tmp/out"; }
[ ! -e dist ] && ok || fail "generate --dry-run made dist"
# Its diffs make the tree the real run makes, through patch(1).
mkdir patched
(cd patched && patch -s -p0 <"$tmp/out") && ok || fail "generate --dry-run: patch refused the diffs"
gen -q 2>"$tmp/err" || fail "generate: exit $?"
for f in $(cd dist && ls); do
	cmp -s "dist/$f" "patched/dist/$f" && ok || fail "generate --dry-run: the diff of $f does not give the file"
done
snap dist >"$tmp/before"
run 0 "generate --check, current" gen --check
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok || fail "generate --check, current, printed: $(cat "$tmp/out" "$tmp/err")"
run 0 "generate --check --diff, current" gen --check --diff
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok || fail "generate --check --diff, current, printed: $(cat "$tmp/out" "$tmp/err")"
run 0 "generate --dry-run, current" gen --dry-run
is "$tmp/out" "generate --dry-run, current" <<EOF
nothing would change
EOF
same_tree dist "$tmp/before" "generate --check and --dry-run, current"
# One file edited, one deleted.
echo "# my own line" >>dist/msmtprc
rm dist/autodiscover.xml
snap dist >"$tmp/before"
run 1 "generate --check, changed" gen --check
is "$tmp/err" "generate --check, changed" <<EOF
dist/autodiscover.xml: missing
dist/msmtprc: would change
EOF
cp "$tmp/err" "$tmp/gen.listed"
[ ! -s "$tmp/out" ] && ok || fail "generate --check printed on stdout without --diff"
run 1 "generate --check --diff, changed" gen --check --diff
cp "$tmp/err" "$tmp/err.diff"
is "$tmp/err.diff" "generate --check --diff: the same list" <"$tmp/gen.listed"
grep -q '^--- /dev/null$' "$tmp/out" && grep -q '^+++ dist/autodiscover.xml$' "$tmp/out" &&
	grep -q '^--- dist/msmtprc$' "$tmp/out" && grep -q '^-# my own line$' "$tmp/out" && ok ||
	{ fail "generate --check --diff: diffs"; cat "$tmp/out"; }
[ "$(grep -c '^+++ ' "$tmp/out")" = 2 ] && ok || fail "generate --check --diff: not two diffs"
same_tree dist "$tmp/before" "generate --check, changed"
run 1 "generate --dry-run, edited" gen --dry-run
is "$tmp/err" "generate --dry-run, edited: the real run's refusal" <<EOF
mailconf: error: dist/msmtprc exists and was not written by mailconf, or was edited since; not replacing it (use --force to replace it)
EOF
sed -n '1p' "$tmp/out" >"$tmp/head"
is "$tmp/head" "generate --dry-run, edited" <<EOF
would write dist/autodiscover.xml
EOF
run 0 "generate --dry-run --force, edited" gen --dry-run --force
sed -n '1,2p' "$tmp/out" >"$tmp/head"
is "$tmp/head" "generate --dry-run --force, edited" <<EOF
would write dist/autodiscover.xml
would replace dist/msmtprc (with --force; the old one is not kept)
EOF
same_tree dist "$tmp/before" "generate --dry-run, edited"
# The real run refuses as the dry run said, then with --force changes
# exactly what check listed.
run 1 "generate, edited" gen
same_tree dist "$tmp/before" "generate, edited (refused)"
gen --force 2>"$tmp/err" && grep -q "^mailconf: 2 written, $((n - 2)) unchanged" "$tmp/err" && ok ||
	fail "generate --force after check: $(cat "$tmp/err")"
snap dist >"$tmp/after"
changed "$tmp/before" "$tmp/after" >"$tmp/got"
listed "$tmp/gen.listed" >"$tmp/want.listed"
is "$tmp/got" "generate: the files the real run changed" <"$tmp/want.listed"
run 0 "generate --check after the real run" gen --check
# A check takes a shared lock on the root: a writer's exclusive one
# keeps it waiting (here: not at all), a reader's does not.
flock -F -x dist sleep 3 &
lock=$!
sleep 0.3
MAILCONF_LOCK_WAIT=0 run 2 "generate --check, a writer holds the root" gen --check
grep -q '^mailconf: error: another mailconf run (pid [0-9]*) is writing dist; waited 0 s$' "$tmp/err" && ok ||
	fail "generate --check under a writer's lock: $(cat "$tmp/err")"
kill "$lock"
wait "$lock" 2>/dev/null
flock -F -s dist sleep 3 &
lock=$!
sleep 0.3
MAILCONF_LOCK_WAIT=0 run 0 "generate --check, a reader holds the root" gen --check
kill "$lock"
wait "$lock" 2>/dev/null
# Modes are not content: a git clone keeps none (install --check, above,
# does count them). The real run sets them, and --dry-run says so; a
# manifest gone is the one change.
chmod 644 dist/fetchmailrc dist/.mailconf-manifest
run 0 "generate --check, modes as a git clone leaves them" gen --check
run 0 "generate --dry-run, modes" gen --dry-run
grep -qx 'would replace dist/fetchmailrc' "$tmp/out" && grep -qx '# dist/fetchmailrc: mode 0644 -> 0600' "$tmp/out" && ok ||
	{ fail "generate --dry-run does not show the mode it sets"; cat "$tmp/out"; }
gen -q
[ "$(stat -c %a dist/fetchmailrc dist/.mailconf-manifest)" = "600
600" ] && ok || fail "the run after did not set the modes"
# dist/ is dist: the paths shown have one slash.
echo "# edited" >>dist/msmtprc
run 1 "generate --check --out dist/" "$bin" generate "$spec" --email alice@example.com --out dist/ --check
is "$tmp/err" "generate --check --out dist/" <<EOF
dist/msmtprc: would change
EOF
gen -q --force
rm dist/.mailconf-manifest
run 1 "generate --check, no manifest" gen --check
is "$tmp/err" "generate --check, no manifest" <<EOF
dist/.mailconf-manifest: missing
EOF
gen -q
run 0 "generate --check after the manifest is back" gen --check
# -o FILE: the file, and its directory's manifest.
run 1 "generate -o --check, missing" "$bin" generate "$spec" -t thunderbird -o one/config.xml --check
is "$tmp/err" "generate -o --check, missing" <<EOF
one/config.xml: missing
EOF
[ ! -e one ] && ok || fail "generate -o --check made its directory"
"$bin" generate "$spec" -t thunderbird -o one/config.xml -q
run 0 "generate -o --check, current" "$bin" generate "$spec" -t thunderbird -o one/config.xml --check
run 2 "generate -o - --check" "$bin" generate "$spec" -t thunderbird -o - --check
run 2 "generate --diff alone" gen --diff
run 2 "generate --check --dry-run" gen --check --dry-run
# A spec with errors: its errors and 1, as generate gives, nothing else.
printf '[provider]\nid = example.com\n' >bad.ini
run 1 "generate --check, bad spec" "$bin" generate bad.ini --out dist --check
"$bin" generate bad.ini --out dist 2>"$tmp/err.real"
is "$tmp/err" "generate --check, bad spec: the errors generate gives" <"$tmp/err.real"
run 1 "generate --dry-run, bad spec" "$bin" generate bad.ini --out dist --dry-run
[ ! -s "$tmp/out" ] && ok || fail "generate --dry-run, bad spec, printed: $(cat "$tmp/out")"

# --- generate --users --------------------------------------------------------
printf 'email,name\nalice@example.com,Alice\nbob@example.com,Bob\n' >team.csv
team() { "$bin" generate "$spec" --users team.csv --out team "$@"; }
run 1 "users --check, no --out dir" team --check
[ ! -e team ] && ok || fail "users --check made team"
[ "$(grep -c '^team/\(alice\|bob\)@example.com/[a-z.0-9-]*: missing$' "$tmp/err")" = $((2 * n)) ] &&
	[ "$(wc -l <"$tmp/err")" = $((2 * n)) ] && ok || { fail "users --check, no --out dir: lines"; cat "$tmp/err"; }
team -q 2>"$tmp/err" || fail "users: exit $?"
snap team >"$tmp/before"
run 0 "users --check, current" team --check
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok || fail "users --check, current, printed: $(cat "$tmp/out" "$tmp/err")"
run 0 "users --dry-run, current" team --dry-run
is "$tmp/out" "users --dry-run, current" <<EOF
nothing would change
EOF
same_tree team "$tmp/before" "users --check, current"
echo "# mine" >>team/bob@example.com/mbsyncrc
rm team/alice@example.com/checklist.md
snap team >"$tmp/before"
run 1 "users --check, changed" team --check
is "$tmp/err" "users --check, changed" <<EOF
team/alice@example.com/checklist.md: missing
team/bob@example.com/mbsyncrc: would change
EOF
cp "$tmp/err" "$tmp/team.listed"
run 1 "users --check --diff, changed" team --check --diff
[ "$(grep -c '^+++ ' "$tmp/out")" = 2 ] && grep -q '^-# mine$' "$tmp/out" && ok || { fail "users --check --diff"; cat "$tmp/out"; }
run 1 "users --dry-run, changed" team --dry-run
grep -q '^team.csv:3: error: team/bob@example.com/mbsyncrc exists and was not written by mailconf' "$tmp/err" && ok ||
	fail "users --dry-run: no refusal: $(cat "$tmp/err")"
cp "$tmp/err" "$tmp/err.dry"
run 1 "users, changed (refused)" team
is "$tmp/err" "users --dry-run: the refusal the real run gives" <"$tmp/err.dry"
same_tree team "$tmp/before" "users --check, --dry-run and a refused run, changed"
team --force -q 2>"$tmp/err" || fail "users --force: exit $?"
snap team >"$tmp/after"
changed "$tmp/before" "$tmp/after" >"$tmp/got"
listed "$tmp/team.listed" >"$tmp/want.listed"
is "$tmp/got" "users: the files the real run changed" <"$tmp/want.listed"
# A person whose directory is gone: all their files are missing.
rm -r team/bob@example.com
run 1 "users --check, a person gone" team --check
[ "$(grep -c '^team/bob@example.com/[a-z.0-9-]*: missing$' "$tmp/err")" = "$n" ] && [ "$(wc -l <"$tmp/err")" = "$n" ] && ok ||
	{ fail "users --check, a person gone"; cat "$tmp/err"; }
[ ! -e team/bob@example.com ] && ok || fail "users --check made bob's directory"
cd "$top" || exit 2

# --- site --------------------------------------------------------------------
cd "$tmp" || exit 2
cp "$top/tests/site/hosted.ini" "$top/tests/site/other.ini" .
site() { "$bin" site hosted.ini other.ini --out www "$@"; }
# Every file a domain has, and the server files: what the real run writes.
run 1 "site --check, no --out dir" site --check
[ ! -e www ] && ok || fail "site --check made www"
cp "$tmp/err" "$tmp/site.missing"
run 0 "site --dry-run, no --out dir" site --dry-run
[ ! -e www ] && ok || fail "site --dry-run made www"
site -q 2>"$tmp/err" || fail "site: exit $?"
(cd www && find . -type f ! -name .mailconf-site | sed 's|^\.|www|' | sort) >"$tmp/want.files"
sed 's/: missing$//' "$tmp/site.missing" | sort >"$tmp/got.files"
is "$tmp/got.files" "site --check, no --out dir: every file the real run writes" <"$tmp/want.files"
[ "$(grep -vc ': missing$' "$tmp/site.missing")" = 0 ] && ok || fail "site --check, no --out dir: other lines"
snap www >"$tmp/before"
run 0 "site --check, current" site --check
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok || fail "site --check, current, printed: $(cat "$tmp/out" "$tmp/err")"
run 0 "site --check --diff, current" site --check --diff
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok || fail "site --check --diff, current, printed: $(cat "$tmp/out" "$tmp/err")"
run 0 "site --dry-run, current" site --dry-run
is "$tmp/out" "site --dry-run, current" <<EOF
nothing would change
EOF
same_tree www "$tmp/before" "site --check and --dry-run, current"
# One domain file edited, one deleted, a spec (two domains) dropped.
echo '<!-- mine -->' >>www/domains/hosted.test/mail/config-v1.1.xml
rm www/domains/customer2.test/autodiscover/autodiscover.xml
snap www >"$tmp/before"
site1() { "$bin" site hosted.ini --out www "$@"; }
run 1 "site --check, changed" site1 --check
is "$tmp/err" "site --check, changed" <<EOF
www/domains/hosted.test/mail/config-v1.1.xml: would change
www/domains/customer2.test/autodiscover/autodiscover.xml: missing
www/dns.zone: would change
www/domains/other.test/mail/config-v1.1.xml: would be removed
www/domains/other.test/.well-known/autoconfig/mail/config-v1.1.xml: would be removed
www/domains/other.test/autodiscover/autodiscover.xml: would be removed
www/domains/other.test/autodiscover/autodiscover.json: would be removed
www/domains/customer3.test/mail/config-v1.1.xml: would be removed
www/domains/customer3.test/.well-known/autoconfig/mail/config-v1.1.xml: would be removed
www/domains/customer3.test/autodiscover/autodiscover.xml: would be removed
www/domains/customer3.test/autodiscover/autodiscover.json: would be removed
EOF
cp "$tmp/err" "$tmp/site.listed"
[ ! -s "$tmp/out" ] && ok || fail "site --check printed on stdout without --diff"
run 1 "site --check --diff, changed" site1 --check --diff
[ "$(grep -c '^--- ' "$tmp/out")" = 11 ] && [ "$(grep -c '^+++ /dev/null$' "$tmp/out")" = 8 ] &&
	grep -q '^-<!-- mine -->$' "$tmp/out" && grep -q '^+++ www/domains/customer2.test/autodiscover/autodiscover.xml$' "$tmp/out" &&
	grep -q '^-; other.test$' "$tmp/out" && ok || { fail "site --check --diff"; cat "$tmp/out"; }
same_tree www "$tmp/before" "site --check, changed"
# A dry run says what the real run does: it trusts the manifest for the
# domains' files (--verify reads them), and removes the domains that left.
run 0 "site --dry-run, changed" site1 --dry-run
sed -n '/^would /p' "$tmp/out" >"$tmp/head"
is "$tmp/head" "site --dry-run, changed" <<EOF
would replace www/dns.zone
would remove www/domains/other.test/mail/config-v1.1.xml
would remove www/domains/other.test/.well-known/autoconfig/mail/config-v1.1.xml
would remove www/domains/other.test/autodiscover/autodiscover.xml
would remove www/domains/other.test/autodiscover/autodiscover.json
would remove www/domains/customer3.test/mail/config-v1.1.xml
would remove www/domains/customer3.test/.well-known/autoconfig/mail/config-v1.1.xml
would remove www/domains/customer3.test/autodiscover/autodiscover.xml
would remove www/domains/customer3.test/autodiscover/autodiscover.json
EOF
run 0 "site --dry-run --verify, changed" site1 --dry-run --verify
sed -n '1,3p' "$tmp/out" >"$tmp/head"
is "$tmp/head" "site --dry-run --verify, changed" <<EOF
would replace www/domains/hosted.test/mail/config-v1.1.xml
would write www/domains/customer2.test/autodiscover/autodiscover.xml
would replace www/dns.zone
EOF
same_tree www "$tmp/before" "site --dry-run, changed"
# The real run (with --verify: a check reads every file, as it does)
# changes exactly what check listed.
site1 --verify 2>"$tmp/err" && grep -q '^mailconf: site: 3 domains; 3 written, [0-9]* unchanged, 2 removed$' "$tmp/err" && ok ||
	fail "site --verify after check: $(cat "$tmp/err")"
snap www >"$tmp/after"
changed "$tmp/before" "$tmp/after" >"$tmp/got"
listed "$tmp/site.listed" >"$tmp/want.listed"
is "$tmp/got" "site: the files the real run changed" <"$tmp/want.listed"
run 0 "site --check after the real run" site1 --check
# A zone edited by hand: the check says it changed; the dry run gives
# the refusal the real run gives, then with --force keeps a backup.
echo '; mine' >>www/dns.zone
snap www >"$tmp/before"
run 1 "site --check, zone edited" site1 --check
is "$tmp/err" "site --check, zone edited" <<EOF
www/dns.zone: would change
EOF
run 1 "site --dry-run, zone edited" site1 --dry-run
cp "$tmp/err" "$tmp/err.dry"
run 1 "site, zone edited (refused)" site1
is "$tmp/err" "site --dry-run: the refusal the real run gives" <"$tmp/err.dry"
run 0 "site --dry-run --force, zone edited" site1 --dry-run --force
sed -n '1p' "$tmp/out" >"$tmp/head"
is "$tmp/head" "site --dry-run --force, zone edited" <<EOF
would replace www/dns.zone (with --force; the old one kept as www/dns.zone.mailconf-backup-TIME)
EOF
same_tree www "$tmp/before" "site --check, --dry-run and a refused run, zone edited"
site1 --force -q 2>/dev/null
ls www/dns.zone.mailconf-backup-* >/dev/null 2>&1 && ok || fail "site --force kept no backup, as --dry-run said"
rm -f www/dns.zone.mailconf-backup-*
# A manifest gone, or a killed run's journal, is the one change.
mv www/.mailconf-site "$tmp/manifest"
run 1 "site --check, no manifest" site1 --check
is "$tmp/err" "site --check, no manifest" <<EOF
www/.mailconf-site: missing
EOF
mv "$tmp/manifest" www/.mailconf-site
run 0 "site --check, manifest back" site1 --check
: >www/.mailconf-site.journal
run 1 "site --check, a journal left" site1 --check
is "$tmp/err" "site --check, a journal left" <<EOF
www/.mailconf-site.journal: would be removed
EOF
site1 -q
[ ! -e www/.mailconf-site.journal ] && ok || fail "site left the journal"
run 0 "site --check after the journal" site1 --check
# A writer's lock keeps a check waiting; it then fails as site does.
flock -F -x www sleep 3 &
lock=$!
sleep 0.3
MAILCONF_LOCK_WAIT=0 "$bin" site hosted.ini --out www >/dev/null 2>"$tmp/err.real"
MAILCONF_LOCK_WAIT=0 run $? "site --check, a writer holds the root" site1 --check
grep -q '^mailconf: error: another mailconf run (pid [0-9]*) is writing www; waited 0 s$' "$tmp/err" && ok ||
	fail "site --check under a writer's lock: $(cat "$tmp/err")"
kill "$lock"
wait "$lock" 2>/dev/null
run 2 "site --diff alone" site1 --diff
run 2 "site --check --dry-run" site1 --check --dry-run
# Runs that move between specs, --apple and the layouts: each time the
# real run changes exactly what check listed, and check then says 0.
for args in "hosted.ini other.ini" "hosted.ini other.ini --apple" "hosted.ini --apple" \
	"hosted.ini other.ini --layout shared" "hosted.ini other.ini --layout shared --apple" \
	"other.ini --layout shared" "hosted.ini other.ini"; do
	snap moves >"$tmp/before"
	# shellcheck disable=SC2086 # the arguments are words
	run 1 "site $args --check, before" "$bin" site $args --out moves --check
	cp "$tmp/err" "$tmp/moves.listed"
	same_tree moves "$tmp/before" "site $args --check"
	# shellcheck disable=SC2086
	"$bin" site $args --out moves --verify -q || fail "site $args: exit $?"
	snap moves >"$tmp/after"
	changed "$tmp/before" "$tmp/after" >"$tmp/got"
	listed "$tmp/moves.listed" >"$tmp/want.listed"
	is "$tmp/got" "site $args: the files the real run changed" <"$tmp/want.listed"
	# shellcheck disable=SC2086
	run 0 "site $args --check, after" "$bin" site $args --out moves --check
done
# A spec with errors: its errors and 1, as site gives.
run 1 "site --check, bad spec" "$bin" site bad.ini --out www --check
"$bin" site bad.ini --out www 2>"$tmp/err.real"
is "$tmp/err" "site --check, bad spec: the errors site gives" <"$tmp/err.real"
cd "$top" || exit 2

finish
