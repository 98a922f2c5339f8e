#!/bin/sh
# Schema tests: the XSD accepts its good cases and rejects its bad ones, and
# every Thunderbird file mailconf renders (golden cases, presets) is valid.
# consumer-test: thunderbird autodiscover by xmllint
suite=schema
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
xsd="$top/tests/schemas/autoconfig.xsd"
sh "$top/tests/schemas/check-schema.sh" "$xsd" "$top/tests/schemas/autoconfig-cases" >"$tmp/cases" 2>&1 ||
	{ cat "$tmp/cases"; failed=$((failed + 1)); }
tail -n 1 "$tmp/cases"
render() { # name args...
	name=$1
	shift
	if ! "$bin" generate "$@" --target thunderbird -o "$tmp/$name.xml" -q 2>"$tmp/err"; then
		fail "$name: mailconf failed"
		cat "$tmp/err"
	elif xmllint --noout --nonet --schema "$xsd" "$tmp/$name.xml" 2>"$tmp/err"; then
		ok
	else
		fail "$name: not valid against autoconfig.xsd"
		cat "$tmp/err"
	fi
}
for spec in "$top"/tests/golden/*/spec.ini; do
	[ -f "$spec" ] && render "$(basename "$(dirname "$spec")")" "$spec"
done
for p in "$top"/presets/*.ini; do
	render "preset-$(basename "$p" .ini)" --preset "$(basename "$p" .ini)"
done
# Outlook Autodiscover: autodiscover.xsd against its cases, then every
# autodiscover.xml rendered from a golden case (spec.ini or args) or preset.
adxsd="$top/tests/schemas/autodiscover.xsd"
sh "$top/tests/schemas/check-schema.sh" "$adxsd" "$top/tests/schemas/autodiscover-cases" >"$tmp/adcases" 2>&1 ||
	{ cat "$tmp/adcases"; failed=$((failed + 1)); }
tail -n 1 "$tmp/adcases"
render_ad() { # name dir args... (paths in args relative to dir)
	name=$1 dir=$2
	shift 2
	if ! (cd "$dir" && "$bin" generate "$@" --target autodiscover -o "$tmp/ad-$name.xml" -q) 2>"$tmp/err"; then
		fail "$name: mailconf failed (autodiscover)"
		cat "$tmp/err"
	elif xmllint --noout --nonet --schema "$adxsd" "$tmp/ad-$name.xml" 2>"$tmp/err"; then
		ok
	else
		fail "$name: not valid against autodiscover.xsd"
		cat "$tmp/err"
	fi
}
for dir in "$top"/tests/golden/*/; do
	dir=${dir%/}
	"$top/tests/golden-args.sh" "$dir" autodiscover >"$tmp/argv" || continue
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$tmp/argv"
	render_ad "$(basename "$dir")" "$dir" "$@"
done
for p in "$top"/presets/*.ini; do
	render_ad "preset-$(basename "$p" .ini)" "$top" --preset "$(basename "$p" .ini)"
done
finish
