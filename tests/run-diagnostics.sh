#!/bin/sh
# Diagnostics for machines: --diagnostics=json|sarif|github carry every
# message of the text form, each line parses, the SARIF log passes
# Microsoft's SARIF validator, -Wno-NAME and waivers silence in every form.
# usage: tests/run-diagnostics.sh build/mailconf
suite=diagnostics
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top/tests/errors" || exit 2
# Errors, warnings, waived notes and an unused waiver, in two files; a
# file name with a blank, a comma and a percent sign (escaped in each form).
cp warn-no-tls.ini "$tmp/a b,50%.ini"
check() { "$bin" check "$tmp/a b,50%.ini" warn-port-mismatch.ini waiver-unused.ini waiver-errors.ini "$@"; }
check 2>"$tmp/text"
want=$(grep -c ': \(error\|warning\|note\): ' "$tmp/text")
[ "$want" -ge 10 ] && ok || fail "the text form has only $want messages"
for f in json sarif github; do
	check --diagnostics=$f >"$tmp/$f.out" 2>"$tmp/$f"
	st=$?
	# (the validator reads only files named *.sarif)
	cp "$tmp/$f" "$tmp/log.$f"
	[ $st = 1 ] && [ ! -s "$tmp/$f.out" ] && ok || fail "$f: exit $st, or something on stdout"
	! grep -q ': ok$' "$tmp/$f" && ok || fail "$f: a summary line in the document"
done
python3 - "$tmp" "$want" <<'PY' || failed=$((failed + 1))
import json, re, sys
tmp, want = sys.argv[1], int(sys.argv[2])
bad = []
text = [l for l in open(tmp + "/text") if re.search(r": (error|warning|note): ", l)]
rows = [json.loads(l) for l in open(tmp + "/json")]
if len(rows) != want:
    bad.append("json: %d objects for %d messages" % (len(rows), want))
for r in rows:
    if sorted(r) != ["column", "file", "fix", "key", "line", "message", "name", "section", "severity"]:
        bad.append("json: fields %s" % sorted(r))
    if r["severity"] not in ("error", "warning", "note"):
        bad.append("json: severity %s" % r["severity"])
    if r["severity"] != "error" and r["name"] is None:
        bad.append("json: a %s without a name" % r["severity"])
if not any(r["severity"] == "note" and "waived in" in r["message"] for r in rows):
    bad.append("json: no waived note")
if not any(r["file"].endswith("a b,50%.ini") for r in rows):
    bad.append("json: the file name was not kept")
if not any(r["column"] == 12 and r["key"] == "security" for r in rows):
    bad.append("json: no column for a value's warning")
# Each JSON row says what its text line says.
texts = sorted("%s:%s%s: %s: %s%s%s%s" % (r["file"], r["line"],
               ":%d" % r["column"] if r["column"] else "", r["severity"],
               "[%s] " % r["section"] if r["section"] else "",
               "%s: " % r["key"] if r["key"] else "", r["message"],
               " [-W%s]" % r["name"] if r["name"] else "") for r in rows)
if texts != sorted(l.rstrip("\n") for l in text):
    bad.append("json: the rows do not say what the text lines say")
log = json.load(open(tmp + "/sarif"))
run = log["runs"][0]
rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
if log["version"] != "2.1.0" or len(run["results"]) != want:
    bad.append("sarif: version %s, %d results" % (log["version"], len(run["results"])))
for res in run["results"]:
    if res["ruleId"] not in rules:
        bad.append("sarif: rule %s not described" % res["ruleId"])
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    if re.search(r"[^A-Za-z0-9._~/%:-]", uri):
        bad.append("sarif: an unencoded uri %s" % uri)
if not any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("a%20b%2C50%25.ini")
           for r in run["results"]):
    bad.append("sarif: the file name is not a percent-encoded URI")
gh = open(tmp + "/github").read().splitlines()
if len(gh) != want:
    bad.append("github: %d lines for %d messages" % (len(gh), want))
for l in gh:
    if not re.match(r"^::(error|warning|notice) file=[^,:]+,line=[0-9]+(,col=[0-9]+)?(,title=[a-z-]+)?::", l):
        bad.append("github: %s" % l)
if not any("file=" + tmp + "/a b%2C50%25.ini," in l for l in gh):
    bad.append("github: the file name's comma and percent are not escaped")
for b in bad:
    print("FAIL", b)
sys.exit(1 if bad else 0)
PY
[ $? = 0 ] && ok
# The real validator: Microsoft's SARIF multitool (npm).
if command -v npx >/dev/null 2>&1; then
	(cd "$tmp" && npx -y @microsoft/sarif-multitool@5.7.0 validate "$tmp/log.sarif" >"$tmp/validate" 2>&1)
	st=$?
	if [ $st = 0 ] && grep -q "Analysis completed successfully" "$tmp/validate" &&
		! grep -q ": \(error\|warning\) SARIF" "$tmp/validate"; then ok; else
		fail "sarif-multitool validate: exit $st"
		tail -20 "$tmp/validate"
	fi
	# An empty run is still a valid log.
	"$bin" check ok-clean.ini --diagnostics=sarif 2>"$tmp/empty.sarif"
	(cd "$tmp" && npx -y @microsoft/sarif-multitool@5.7.0 validate "$tmp/empty.sarif" >"$tmp/validate" 2>&1) &&
		! grep -q ": \(error\|warning\) SARIF" "$tmp/validate" && ok || { fail "sarif-multitool: the empty log"; tail "$tmp/validate"; }
else
	fail "npx is missing (make test-deps installs npm)"
fi
# -Wno-NAME silences in every form; an unknown name is a usage error.
for f in text:'\[-W%s\]' json:'"name":"%s"' sarif:'"ruleId":"%s"' github:'title=%s::'; do
	pat=${f#*:}
	f=${f%%:*}
	"$bin" check warn-no-tls.ini --diagnostics=$f 2>"$tmp/w"
	# shellcheck disable=SC2059
	grep -q "$(printf "$pat" plaintext)" "$tmp/w" && ok || fail "$f: no plaintext warning to silence"
	"$bin" check warn-no-tls.ini -Wno-plaintext --diagnostics=$f 2>"$tmp/w"
	# shellcheck disable=SC2059
	! grep -q "$(printf "$pat" plaintext)" "$tmp/w" && grep -q "$(printf "$pat" plaintext-only)" "$tmp/w" && ok ||
		{ fail "$f: -Wno-plaintext"; cat "$tmp/w"; }
done
"$bin" check warn-no-tls.ini -Wno-plaintxt 2>"$tmp/w"
[ $? = 2 ] && grep -q 'no warning or note is named "plaintxt"' "$tmp/w" && ok || { fail "-Wno- with an unknown name"; cat "$tmp/w"; }
"$bin" check warn-no-tls.ini --diagnostics=xml 2>"$tmp/w"
[ $? = 2 ] && ok || fail "--diagnostics=xml was accepted"
finish
