# shellcheck shell=sh
# The prologue each tests/run-*.sh sources: paths, a scratch folder gone on any exit, counters, the closing line.
#
# A suite starts with
#	suite=NAME
#	. "$(dirname "$0")/lib.sh"
# and ends with `finish`. It gets $top (the repository), $bin (its first
# argument, made absolute; nobin=1 before sourcing when the suite takes
# other arguments), $tmp (removed on exit, after the suite's own `cleanup`
# if it defines one), ok/fail/skip, `need TOOL...` and `finish`.
# tests/e2e/run.sh is not one: its second phase runs again, as another
# user, from a copy of itself.
set -u
: "${suite:?tests/lib.sh: set suite=NAME before sourcing it}"
# shellcheck disable=SC2034 # for the suite
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${nobin:-0}" != 1 ]; then
	[ $# -ge 1 ] || {
		echo "usage: $0 path/to/mailconf" >&2
		exit 2
	}
	# shellcheck disable=SC2034 # for the suite
	bin=$(realpath "$1")
fi
tmp=$(mktemp -d)
pass=0
failed=0
skipped=0
ok() { pass=$((pass + 1)); }
fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}
skip() {
	echo "SKIP $*"
	skipped=$((skipped + 1))
}
# The suite may redefine it: servers to stop, mounts, users to remove.
cleanup() { :; }
# shellcheck disable=SC2317 # run by the trap
lib_exit() {
	st=$?
	trap - EXIT
	cleanup
	rm -rf "$tmp"
	exit "$st"
}
trap lib_exit EXIT
# A signalled shell runs no EXIT trap: exit instead, so the trap runs.
trap 'exit 2' INT TERM HUP

# need TOOL...: each is installed, or the suite fails here saying so.
need() {
	for t; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || {
			fail "$suite: $t is not installed (make test-deps installs it)"
			finish
		}
	done
}

# The line make and CI read; exit 1 when a check failed.
finish() {
	if [ "$skipped" = 0 ]; then
		echo "$suite: $pass passed, $failed failed"
	else
		echo "$suite: $pass passed, $failed failed, $skipped skipped"
	fi
	[ "$failed" = 0 ] && exit 0
	exit 1
}
