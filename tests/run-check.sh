#!/bin/sh
# Check mode and dry runs (--check, --dry-run, --diff) of install, generate
# (one person, --users) and site: exit statuses, the exact lists, the diffs,
# and a tree left byte for byte, inode and mtime as it was: no file, no
# directory, no manifest, no lock, no temporary file.
set -u
bin=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
failed=0
ok() { pass=$((pass + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
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

echo "check: $pass passed, $failed failed"
[ "$failed" = 0 ]
