#!/bin/sh
# Import: hostile XML is refused with the exact diagnostics in
# tests/import/hostile/CASE.stderr; every ISPDB sample imports, and real
# Thunderbird reads mailconf's re-rendered file to the same servers as the
# original, except where tests/import/known-differences.txt says why not;
# and import(render(spec)) renders back byte for byte (golden cases, presets).
# UPDATE=1 rewrites the hostile .stderr/.status files.
suite=import
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

# 1. Hostile input: refused, exactly as recorded, nothing written, bounded
# memory. The two big inputs are made here rather than kept in git.
cp -r "$top/tests/import/hostile" "$tmp/hostile"
cd "$tmp/hostile" || exit 2
python3 -c 'import sys; sys.stdout.write("<?xml version=\"1.0\"?>\n<clientConfig>" + "<a>" * 100000 + "</a>" * 100000 + "</clientConfig>\n")' >deep-nesting.xml
python3 -c 'import sys; sys.stdout.write("<?xml version=\"1.0\"?>\n<clientConfig>" + "<!-- padding -->" * 70000 + "</clientConfig>\n")' >too-large.xml
rm -f ./*.generated
for xml in *.xml; do
	name=${xml%.xml}
	"$bin" import "$xml" --out "$tmp/hostile-out" >/dev/null 2>"$tmp/stderr"
	status=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$tmp/stderr" "$top/tests/import/hostile/$name.stderr"
		echo "$status" >"$top/tests/import/hostile/$name.status"
		cp "$tmp/stderr" "$name.stderr"
		echo "$status" >"$name.status"
	fi
	if ! diff -u "$name.stderr" "$tmp/stderr"; then
		fail "hostile $name: diagnostics differ"
	elif [ "$status" != "$(cat "$name.status")" ]; then
		fail "hostile $name: exit $status, expected $(cat "$name.status")"
	elif [ "$status" != 0 ] && [ -e "$tmp/hostile-out" ]; then
		fail "hostile $name: wrote files despite the error"
	else
		ok
	fi
	rm -rf "$tmp/hostile-out"
done
# Memory stays bounded whatever the input (the refusals come before parsing).
for xml in billion-laughs.xml deep-nesting.xml too-large.xml; do
	kb=$( (ulimit -v 200000; /usr/bin/time -f %M "$bin" import "$xml" -o - 2>&1 >/dev/null) | tail -n 1)
	if [ "$kb" -lt 51200 ] 2>/dev/null; then pass=$((pass + 1)); else fail "hostile $xml: peak RSS ${kb} KiB"; fi
done
cd "$top" || exit 2

# 2. Every sample imports; mailconf loads the result; it renders.
mkdir -p "$tmp/specs" "$tmp/xml"
for xml in tests/import/ispdb-sample/*.xml; do
	name=$(basename "$xml" .xml)
	if "$bin" import "$xml" -o "$tmp/specs/$name.ini" -q 2>"$tmp/warn" &&
		"$bin" generate "$tmp/specs/$name.ini" -t thunderbird -o "$tmp/xml/$name.xml" -q 2>>"$tmp/warn"; then
		ok
	else
		fail "import $name"
		cat "$tmp/warn"
	fi
done

# 3. Real Thunderbird reads both to the same servers (one Thunderbird for
# all 60 files; the ISPDB lookup runs the same parser and avoids HSTS).
if command -v thunderbird >/dev/null 2>&1; then
	# shellcheck disable=SC2046
	"$top/tests/thunderbird/tb-parse" --kind ispdb \
		$(for x in tests/import/ispdb-sample/*.xml; do echo "$x" "$tmp/xml/$(basename "$x")"; done) \
		>"$tmp/tb.jsonl"
	if python3 - "$tmp/tb.jsonl" "$tmp/xml" tests/import/known-differences.txt <<'PY'; then
import json, os, sys
results, ours_dir, known_path = sys.argv[1:]
by_file = {}
for line in open(results):
    r = json.loads(line)
    by_file[r.pop("file")] = r
known = {}
for line in open(known_path):
    line = line.strip()
    if line and not line.startswith("#"):
        name, why = line.split(":", 1)
        known[name.strip()] = why.strip()
bad = 0
for orig in sorted(f for f in by_file if "ispdb-sample" in f):
    name = os.path.basename(orig)[:-4]
    ours = by_file.get(os.path.join(ours_dir, name + ".xml"))
    a, b = by_file[orig], ours
    same = b is not None and a == b
    if name in known:
        if same:
            print("FAIL %s: listed in known-differences.txt but Thunderbird reads both alike" % name)
            bad += 1
        else:
            print("ok   %s differs, as known: %s" % (name, known[name]))
    elif not same:
        print("FAIL %s: Thunderbird reads the import differently:\n  original: %s\n  import:   %s" % (name, json.dumps(a, sort_keys=True), json.dumps(b, sort_keys=True)))
        bad += 1
sys.exit(1 if bad else 0)
PY
		ok
	else
		fail "Thunderbird fidelity"
	fi
else
	fail "thunderbird is not installed (make test-deps)"
fi

# 4. Round trip: a spec rendered, imported and rendered again is the same file.
for spec in tests/golden/*/spec.ini presets/*.ini; do
	[ -f "$spec" ] || continue
	name=$(echo "$spec" | tr '/' '_')
	"$bin" generate "$spec" -t thunderbird -o "$tmp/$name.1.xml" -q 2>/dev/null || continue
	if "$bin" import "$tmp/$name.1.xml" -o "$tmp/$name.ini" -q 2>"$tmp/warn" &&
		"$bin" generate "$tmp/$name.ini" -t thunderbird -o "$tmp/$name.2.xml" -q 2>>"$tmp/warn" &&
		cmp -s "$tmp/$name.1.xml" "$tmp/$name.2.xml"; then
		ok
	else
		fail "round trip $spec"
		cat "$tmp/warn"
		diff "$tmp/$name.1.xml" "$tmp/$name.2.xml" | head -20
	fi
done
finish
