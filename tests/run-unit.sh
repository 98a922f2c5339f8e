#!/bin/sh
# Runs each cmocka unit-test binary given as an argument; fails if any fails.
# usage: tests/run-unit.sh build/unit/test_NAME...
suite=unit nobin=1
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
for t in "$@"; do
	"$t" && ok || fail "unit: $t"
done
finish
