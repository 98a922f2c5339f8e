#!/bin/sh
# Diagnostics goldens: tests/errors/CASE.ini must give exactly CASE.stderr and
# the exit status in CASE.status; CASE.args replaces the default arguments
# "check CASE.ini" (CASE.argv: one argument per line, for values with
# blanks or newlines). A failing case must also write nothing with generate.
# UPDATE=1 rewrites .stderr and .status, for review with git diff.
suite=errors
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top/tests/errors" || exit 2
for ini in *.ini; do
	name=${ini%.ini}
	if [ -f "$name.args" ]; then
		args=$(cat "$name.args")
	else
		args="check $ini"
	fi
	# shellcheck disable=SC2086
	set -- $args
	if [ -f "$name.argv" ]; then
		# One argument per line; "\n" in a line stands for a newline.
		set --
		while IFS= read -r a || [ -n "$a" ]; do
			set -- "$@" "$(printf '%s\n' "$a" | sed 's/\\n/\
/g')"
		done <"$name.argv"
	fi
	"$bin" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	status=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$tmp/stderr" "$name.stderr"
		echo "$status" >"$name.status"
	fi
	ok=1
	if [ ! -f "$name.stderr" ] || [ ! -f "$name.status" ]; then
		echo "FAIL $name: no $name.stderr/$name.status (UPDATE=1 writes them)"
		ok=0
	else
		if ! diff -u "$name.stderr" "$tmp/stderr"; then
			echo "FAIL $name: diagnostics differ"
			ok=0
		fi
		if [ "$status" != "$(cat "$name.status")" ]; then
			echo "FAIL $name: exit status $status, expected $(cat "$name.status")"
			ok=0
		fi
	fi
	# Nothing is written when there is an error.
	if [ "$status" != 0 ] && [ ! -f "$name.args" ] && [ ! -f "$name.argv" ]; then
		rm -rf "$tmp/out"
		"$bin" generate "$ini" --out "$tmp/out" >/dev/null 2>&1
		if [ -e "$tmp/out" ]; then
			echo "FAIL $name: generate wrote files despite errors"
			ok=0
		fi
	fi
	if [ $ok = 1 ]; then
		ok
	else
		failed=$((failed + 1))
	fi
done
finish
