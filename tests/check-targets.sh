#!/bin/sh
# The targets gate: every row of targets[] is rendered by a golden case and
# read back by its real consumer in a test script that says so, with a line
# "# consumer-test: TARGET... by PROGRAM" whose PROGRAM that script runs;
# or the row has a waiver below, with its reason.
set -u
bin=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
# TARGET reason (none today: add one only with a reason a reviewer accepts)
waivers=""
pass=0
failed=0
fail() {
	echo "FAIL check-targets: $*"
	failed=$((failed + 1))
}
"$bin" list | awk '/^targets:/ { on = 1; next } /^[^ ]/ { on = 0 } on { print $1, $2 }' >"${TMPDIR:-/tmp}/targets.$$"
while read -r name output; do
	if printf '%s\n' "$waivers" | grep -q "^$name "; then
		pass=$((pass + 1))
		continue
	fi
	if [ -z "$(find "$top/tests/golden" -path "*/expected/$output" -print -quit)" ]; then
		fail "$name: no golden case renders $output"
		continue
	fi
	found=0
	for s in "$top"/tests/run-*.sh "$top"/tests/e2e/run.sh; do
		grep '^# consumer-test:' "$s" | while read -r _ _ rest; do
			prog=${rest##* by }
			list=" ${rest% by *} "
			case "$list" in
			*" $name "*) grep -v '^#' "$s" | grep -qw -- "$prog" && echo yes ;;
			esac
		done | grep -q yes && found=1
	done
	if [ $found = 1 ]; then
		pass=$((pass + 1))
	else
		fail "$name: no test script reads $output back with its consumer (# consumer-test: $name by PROGRAM)"
	fi
done <"${TMPDIR:-/tmp}/targets.$$"
rm -f "${TMPDIR:-/tmp}/targets.$$"
echo "check-targets: $pass passed, $failed failed"
[ $failed = 0 ]
