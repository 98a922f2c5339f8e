#!/bin/sh
# The seams: each library is confined to the file that needs it, and the
# template engine knows neither the model nor any output format; the test
# suites share one prologue.
set -u
cd "$(dirname "$0")/../generator" || exit 2
fail=0
only() { # pattern allowed-files...
	pat=$1
	shift
	got=$(grep -l "$pat" ./*.c ./*.h | sed 's|^\./||' | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$got" != "$want" ]; then
		echo "FAIL seams: \"$pat\" is used in: $got(allowed: $want)"
		fail=1
	fi
}
only 'iniparser\.h' spec.c
only '<libxml/' xml_check.c import.c
only '<openssl/' crypto.c
for h in model.h escape.h spec.h view.h; do
	if grep -q "#include \"$h\"" template.c template.h; then
		echo "FAIL seams: template engine includes $h"
		fail=1
	fi
done
if grep -q '#include "spec.h"\|#include "template.h"\|#include "view.h"' model.c model.h lint.c; then
	echo "FAIL seams: the model knows the front end or the templates"
	fail=1
fi
# One prologue for the test suites (tests/lib.sh), not a copy in each;
# run-hostile.sh hands over to its Python harness.
for t in ../tests/run-*.sh; do
	[ "$t" = ../tests/run-hostile.sh ] && continue
	if ! grep -q '^\. "$(dirname "$0")/lib.sh"$' "$t" || grep -q '^trap \|^pass=0\|^failed=0\|^tmp=\$(mktemp' "$t"; then
		echo "FAIL seams: ${t#../} does not start from tests/lib.sh alone"
		fail=1
	fi
done
[ $fail = 0 ] && echo "seams: 1 passed, 0 failed"
exit $fail
