#!/bin/sh
# Golden tests: each tests/golden/CASE renders to exactly its expected/ files.
# A case is spec.ini (or an "args" file, e.g. "--preset gmail", or an
# "argv" file with one argument per line) plus
# expected/; every preset is a case too (tests/golden/presets/NAME).
# UPDATE=1 rewrites the expected files, for review with git diff.
# FILES="mbsyncrc msmtprc" limits the comparison (and UPDATE) to those
# output files, so work on one target leaves the others' goldens alone.
suite=golden
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

run_case() { # name dir args...
	name=$1 dir=$2
	shift 2
	out="$tmp/$name"
	rm -rf "$out" "$out.again"
	if ! "$bin" generate "$@" --out "$out" -q 2>"$tmp/stderr"; then
		fail "$name: mailconf failed:"
		cat "$tmp/stderr"
		return
	fi
	# Byte-identical re-runs: the same input gives the same files.
	"$bin" generate "$@" --out "$out.again" -q 2>/dev/null
	rm -f "$out/.mailconf-manifest" "$out.again/.mailconf-manifest"
	if ! diff -r "$out" "$out.again" >/dev/null; then
		fail "$name: two runs differ"
		return
	fi
	if [ -n "${FILES:-}" ]; then
		for f in "$out"/*; do
			case " $FILES " in *" $(basename "$f") "*) ;; *) rm -f "$f" ;; esac
		done
	fi
	if [ "${UPDATE:-0}" = 1 ]; then
		mkdir -p "$dir/expected"
		for f in "$out"/*; do
			[ -e "$f" ] && cp "$f" "$dir/expected/"
		done
	fi
	ok=1
	for f in "$out"/*; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		if [ ! -f "$dir/expected/$b" ]; then
			echo "FAIL $name: $b has no expected file (UPDATE=1 writes it)"
			ok=0
		elif ! diff -u "$dir/expected/$b" "$f"; then
			echo "FAIL $name: $b differs"
			ok=0
		fi
	done
	for f in "$dir/expected"/*; do
		b=$(basename "$f")
		case "$b" in *.tb.json | thunderbird.json) continue ;; esac # real-consumer goldens
		if [ -n "${FILES:-}" ]; then
			case " $FILES " in *" $b "*) ;; *) continue ;; esac
		fi
		if [ ! -f "$out/$b" ]; then
			echo "FAIL $name: expected $b was not written"
			ok=0
		fi
	done
	if [ $ok = 1 ]; then
		ok
	else
		failed=$((failed + 1))
	fi
}

for dir in "$top"/tests/golden/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	[ "$name" = presets ] && continue
	if [ -f "$dir/argv" ]; then
		# One argument per line (for values with blanks), relative to
		# the case's directory like args.
		cd "$dir" || exit 2
		set --
		while IFS= read -r a || [ -n "$a" ]; do
			set -- "$@" "$a"
		done <argv
		run_case "$name" "$dir" "$@"
		cd "$top" || exit 2
	elif [ -f "$dir/args" ]; then
		# Paths in args are relative to the case's directory.
		cd "$dir" || exit 2
		# shellcheck disable=SC2046
		run_case "$name" "$dir" $(cat args)
		cd "$top" || exit 2
	else
		run_case "$name" "$dir" "$dir/spec.ini"
	fi
done
for p in "$top"/presets/*.ini; do
	name=$(basename "$p" .ini)
	dir="$top/tests/golden/presets/$name"
	[ -d "$dir" ] || [ "${UPDATE:-0}" = 1 ] || {
		fail "preset $name: no golden directory $dir (UPDATE=1 makes it)"
		continue
	}
	run_case "preset-$name" "$dir" --preset "$name"
done
finish
