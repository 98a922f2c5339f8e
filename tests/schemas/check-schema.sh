#!/bin/sh
# Run an XSD against a directory of good-*.xml (must validate) and bad-*.xml
# (must be rejected by the schema) cases with xmllint.
#
# usage: check-schema.sh SCHEMA.xsd CASE_DIR
# stdout: one line per case ("ok good-a.xml", "FAIL bad-b.xml (accepted)"),
#         then "N passed, M failed". xmllint diagnostics for failures go to stderr.
# exit:   0 all cases as expected, 1 some case failed, 2 usage/setup error.
#
# A bad case only counts when xmllint reports a *validation* error (rc 3):
# a bad case that is not well-formed (rc 1) would "fail" for the wrong
# reason, so it is reported as a broken case instead.

set -u

if [ "$#" -ne 2 ]; then
    echo "usage: $0 SCHEMA.xsd CASE_DIR" >&2
    exit 2
fi
schema=$1
dir=$2

if ! command -v xmllint >/dev/null 2>&1; then
    echo "$0: xmllint not found (libxml2-utils)" >&2
    exit 2
fi
if [ ! -r "$schema" ]; then
    echo "$0: cannot read schema: $schema" >&2
    exit 2
fi
if [ ! -d "$dir" ]; then
    echo "$0: not a directory: $dir" >&2
    exit 2
fi

passed=0
failed=0
ngood=0
nbad=0
errfile=$(mktemp "${TMPDIR:-/tmp}/check-schema.XXXXXX") || exit 2
trap 'rm -f "$errfile"' EXIT
trap 'exit 2' HUP INT TERM

# check KIND FILE: KIND is good or bad.
check() {
    kind=$1
    file=$2
    name=$(basename "$file")
    xmllint --noout --nonet --schema "$schema" "$file" >/dev/null 2>"$errfile"
    rc=$?
    if [ "$rc" -eq 5 ]; then
        # XMLLINT_ERR_SCHEMACOMP: no case result is meaningful.
        cat "$errfile" >&2
        echo "$0: schema does not compile: $schema" >&2
        exit 2
    fi
    if [ "$kind" = good ]; then
        if [ "$rc" -eq 0 ]; then
            result=ok
        else
            result="FAIL $name (rejected, xmllint rc=$rc)"
        fi
    else
        if [ "$rc" -eq 3 ]; then
            result=ok
        elif [ "$rc" -eq 0 ]; then
            result="FAIL $name (accepted)"
        else
            result="FAIL $name (broken case, xmllint rc=$rc, not a schema error)"
        fi
    fi
    if [ "$result" = ok ]; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        echo "$result"
        sed 's/^/    /' "$errfile" >&2
        failed=$((failed + 1))
    fi
}

for f in "$dir"/good-*.xml; do
    [ -e "$f" ] || continue
    ngood=$((ngood + 1))
    check good "$f"
done
for f in "$dir"/bad-*.xml; do
    [ -e "$f" ] || continue
    nbad=$((nbad + 1))
    check bad "$f"
done

# A suite without both kinds proves nothing (a schema rejecting everything
# passes an all-bad suite).
if [ "$ngood" -eq 0 ] || [ "$nbad" -eq 0 ]; then
    echo "$0: need at least one good-*.xml and one bad-*.xml in $dir" >&2
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
