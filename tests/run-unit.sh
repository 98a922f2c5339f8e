#!/bin/sh
# Runs each cmocka unit-test binary given as an argument; fails if any fails.
set -u
fail=0
for t in "$@"; do
	"$t" || fail=1
done
exit $fail
