#!/bin/sh
# Real Thunderbird reads every rendered autoconfig file (golden cases and
# presets) to exactly the servers in its expected/thunderbird.json: what
# Thunderbird itself understood (primary first, then alternatives, with
# ports, socket types, the authentication it chose and the usernames).
# UPDATE=1 rewrites the thunderbird.json files, for review with git diff.
# The same for every autodiscover.xml and its expected/autodiscover.tb.json;
# FILES="autodiscover.tb.json" limits UPDATE to those files.
# consumer-test: thunderbird autodiscover by tb-parse
suite=thunderbird
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need thunderbird
upd() { # file: $UPDATE when FILES (if set) names file, else 0
	case " ${FILES:-$1} " in *" $1 "*) echo "${UPDATE:-0}" ;; *) echo 0 ;; esac
}
: >"$tmp/list"
add() { # name golden-dir args...
	name=$1 dir=$2
	shift 2
	if "$bin" generate "$@" --target thunderbird -o "$tmp/$name.xml" -q 2>"$tmp/err"; then
		echo "$name $dir" >>"$tmp/list"
	else
		fail "$name: mailconf failed"
		cat "$tmp/err"
	fi
}
for spec in "$top"/tests/golden/*/spec.ini; do
	[ -f "$spec" ] || continue
	dir=$(dirname "$spec")
	add "$(basename "$dir")" "$dir" "$spec"
done
for p in "$top"/presets/*.ini; do
	name=$(basename "$p" .ini)
	add "preset-$name" "$top/tests/golden/presets/$name" --preset "$name"
done
files=$(awk -v d="$tmp" '{print d "/" $1 ".xml"}' "$tmp/list")
# One Thunderbird for all files. The ISPDB lookup runs the same parser as
# the autoconfig one and is not subject to HSTS preloading (web.de, ...).
# shellcheck disable=SC2086
"$top/tests/thunderbird/tb-parse" --kind ispdb $files >"$tmp/results"
rc=$?
if [ $rc = 2 ]; then
	fail "thunderbird harness failed"
fi
while read -r name dir; do
	if python3 - "$tmp/results" "$tmp/$name.xml" "$dir/expected/thunderbird.json" "$(upd thunderbird.json)" <<'PY'; then
import json, sys
results, xml, expected, update = sys.argv[1:]
got = None
for line in open(results):
    r = json.loads(line)
    if r.get("file") == xml:
        r.pop("file")
        got = r
if got is None:
    print("FAIL %s: Thunderbird gave no result" % xml)
    sys.exit(1)
text = json.dumps(got, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
if update == "1":
    open(expected, "w").write(text)
try:
    want = open(expected).read()
except OSError:
    print("FAIL %s: no %s (UPDATE=1 writes it)" % (xml, expected))
    sys.exit(1)
if not got.get("ok"):
    print("FAIL %s: Thunderbird rejected it: %s" % (xml, got.get("error")))
    sys.exit(1)
if text != want:
    print("FAIL %s: Thunderbird read other servers than %s:\n%s" % (xml, expected, text))
    sys.exit(1)
PY
		ok
	else
		failed=$((failed + 1))
	fi
done <"$tmp/list"

# Outlook Autodiscover: Thunderbird's own Exchange AutoDiscover lookup reads
# every rendered autodiscover.xml (golden cases with spec.ini or args,
# presets) to exactly expected/autodiscover.tb.json.
: >"$tmp/adlist"
add_ad() { # name golden-dir args... (paths in args relative to the dir)
	name=$1 dir=$2
	shift 2
	if (cd "$dir" && "$bin" generate "$@" --target autodiscover -o "$tmp/ad-$name.xml" -q) 2>"$tmp/err"; then
		echo "$name $dir" >>"$tmp/adlist"
	else
		fail "$name: mailconf failed (autodiscover)"
		cat "$tmp/err"
	fi
}
for dir in "$top"/tests/golden/*/; do
	dir=${dir%/}
	"$top/tests/golden-args.sh" "$dir" autodiscover >"$tmp/argv" || continue
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$tmp/argv"
	add_ad "$(basename "$dir")" "$dir" "$@"
done
for p in "$top"/presets/*.ini; do
	name=$(basename "$p" .ini)
	add_ad "preset-$name" "$top/tests/golden/presets/$name" --preset "$name"
done
adfiles=$(awk -v d="$tmp" '{print d "/ad-" $1 ".xml"}' "$tmp/adlist")
# shellcheck disable=SC2086
"$top/tests/thunderbird/tb-parse" --kind autodiscover $adfiles >"$tmp/adresults"
if [ $? = 2 ]; then
	fail "thunderbird harness failed (autodiscover)"
fi
while read -r name dir; do
	if python3 - "$tmp/adresults" "$tmp/ad-$name.xml" "$dir/expected/autodiscover.tb.json" "$(upd autodiscover.tb.json)" <<'PY'; then
import json, os, sys
results, xml, expected, update = sys.argv[1:]
got = None
for line in open(results):
    r = json.loads(line)
    if r.get("file") == xml:
        r.pop("file")
        got = r
if got is None:
    print("FAIL %s: Thunderbird gave no result" % xml)
    sys.exit(1)
text = json.dumps(got, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
if update == "1":
    os.makedirs(os.path.dirname(expected), exist_ok=True)
    open(expected, "w").write(text)
try:
    want = open(expected).read()
except OSError:
    print("FAIL %s: no %s (UPDATE=1 writes it)" % (xml, expected))
    sys.exit(1)
if not got.get("ok"):
    print("FAIL %s: Thunderbird rejected it: %s" % (xml, got.get("error")))
    sys.exit(1)
if text != want:
    print("FAIL %s: Thunderbird read other servers than %s:\n%s" % (xml, expected, text))
    sys.exit(1)
PY
		ok
	else
		failed=$((failed + 1))
	fi
done <"$tmp/adlist"
finish
