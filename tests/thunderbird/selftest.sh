#!/bin/sh
# Self-test of tb-parse against the real Thunderbird, using fixtures/*.xml.
# Prints "ok"/"FAIL" per check, then "N passed, M failed"; exit 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM HUP
export TMPDIR="$tmp"   # tb-parse's throw-away profile goes here; checked below
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
	fail=$((fail + 1))
	echo "FAIL $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'
}

# expect NAME OUTFILE FIXTURE JSON: the line for FIXTURE equals JSON (+ "file")
expect() {
	if msg=$(python3 - "$2" "$3" "$4" 2>&1 <<'PY'
import json, sys
out, path, want = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
want["file"] = path
got = [json.loads(l) for l in open(out) if l.strip()]
got = [g for g in got if g.get("file") == path]
if len(got) != 1:
    sys.exit("expected 1 line for %s, got %d" % (path, len(got)))
if got[0] != want:
    sys.exit("want %s\ngot  %s" % (json.dumps(want, sort_keys=True),
                                   json.dumps(got[0], sort_keys=True)))
PY
	); then ok "$1"; else bad "$1" "$msg"; fi
}

# expect_status NAME GOT WANT
expect_status() {
	if [ "$2" -eq "$3" ]; then ok "$1"; else bad "$1" "exit status $2, want $3"; fi
}

S='"auth": "password-cleartext", "hostname"'

# --- one Thunderbird, five files, kind autoconfig ---------------------------
files="valid padded-sockettype padded-alternative malformed no-outgoing"
set --
for f in $files; do set -- "$@" "$fx/$f.xml"; done
"$here/tb-parse" "$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ]; then
	echo "tb-parse harness failure:"
	cat "$tmp/err"
fi
expect_status "batch exits 1 (some rejected)" "$rc" 1

if msg=$(python3 - "$tmp/out" "$@" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
if [json.loads(l)["file"] for l in lines] != sys.argv[2:]:
    sys.exit("want one line per file in argument order, got:\n" + "\n".join(lines))
for l in lines:
    if l != json.dumps(json.loads(l), sort_keys=True, ensure_ascii=False):
        sys.exit("not one-line sorted-key JSON: " + l)
PY
); then ok "one sorted-key JSON line per file, in order"; else bad "one sorted-key JSON line per file, in order" "$msg"; fi

expect "valid: IMAP+POP3 incoming, SMTP 587 then 465" "$tmp/out" "$fx/valid.xml" '{
 "ok": true, "error": null,
 "incoming": [
  {"type": "imap", '"$S"': "imap.example.org", "port": 993, "socketType": "SSL", "username": "testuser@example.org"},
  {"type": "pop3", '"$S"': "pop.example.org", "port": 995, "socketType": "SSL", "username": "testuser"}],
 "outgoing": [
  {"type": "smtp", '"$S"': "smtp.example.org", "port": 587, "socketType": "STARTTLS", "username": "testuser@example.org"},
  {"type": "smtp", '"$S"': "smtp.example.org", "port": 465, "socketType": "SSL", "username": "%EMAILADDRESS%"}]}'

expect "padded <socketType> SSL </socketType> on only server: rejected" \
	"$tmp/out" "$fx/padded-sockettype.xml" '{
 "ok": false, "error": "Supplied value not in allowed list", "incoming": [], "outgoing": []}'

expect "padded socketType on 2nd SMTP: that server skipped" \
	"$tmp/out" "$fx/padded-alternative.xml" '{
 "ok": true, "error": null,
 "incoming": [{"type": "imap", "auth": "password-encrypted", "hostname": "imap.example.org",
               "port": 143, "socketType": "STARTTLS", "username": "testuser"}],
 "outgoing": [{"type": "smtp", "auth": "password-encrypted", "hostname": "smtp.example.org",
               "port": 587, "socketType": "STARTTLS", "username": "testuser"}]}'

expect "malformed XML: rejected" "$tmp/out" "$fx/malformed.xml" '{
 "ok": false, "incoming": [], "outgoing": [],
 "error": "The config file XML does not contain an email account configuration."}'

expect "no <outgoingServer>: rejected" "$tmp/out" "$fx/no-outgoing.xml" '{
 "ok": false, "incoming": [], "outgoing": [],
 "error": "Need proper <outgoingServer> in XML file"}'

# --- kind ispdb (FetchConfig.fromDB) and --email ----------------------------
"$here/tb-parse" --kind ispdb --email alice.b@example.org "$fx/valid.xml" \
	>"$tmp/out2" 2>"$tmp/err2"
rc=$?
[ "$rc" -eq 2 ] && cat "$tmp/err2"
expect_status "ispdb run exits 0" "$rc" 0
expect "ispdb + --email: variables filled from alice.b@example.org" \
	"$tmp/out2" "$fx/valid.xml" '{
 "ok": true, "error": null,
 "incoming": [
  {"type": "imap", '"$S"': "imap.example.org", "port": 993, "socketType": "SSL", "username": "alice.b@example.org"},
  {"type": "pop3", '"$S"': "pop.example.org", "port": 995, "socketType": "SSL", "username": "alice.b"}],
 "outgoing": [
  {"type": "smtp", '"$S"': "smtp.example.org", "port": 587, "socketType": "STARTTLS", "username": "alice.b@example.org"},
  {"type": "smtp", '"$S"': "smtp.example.org", "port": 465, "socketType": "SSL", "username": "%EMAILADDRESS%"}]}'

# --- harness failure ------------------------------------------------------
TB_PARSE_THUNDERBIRD=/nonexistent/thunderbird "$here/tb-parse" "$fx/valid.xml" \
	>"$tmp/out3" 2>"$tmp/err3"
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out3" ] && grep -q "harness failure: Thunderbird not found" "$tmp/err3"; then
	ok "missing Thunderbird: exit 2 with reason on stderr"
else
	bad "missing Thunderbird: exit 2 with reason on stderr" "rc=$rc stderr: $(cat "$tmp/err3")"
fi

# --- cleanup --------------------------------------------------------------
left=$(ls -d "$tmp"/tb-parse.* 2>/dev/null; ps -eo args | grep -F "$tmp/tb-parse." | grep -v grep)
if [ -z "$left" ]; then ok "temp profiles removed, no Thunderbird left"; else bad "temp profiles removed, no Thunderbird left" "$left"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
