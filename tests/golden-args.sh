#!/bin/sh
# Prints a golden case's "generate" arguments one per line (argv, args or spec.ini, read as run-golden.sh reads them); exit 1 when the case does not render TARGET.
# usage: tests/golden-args.sh CASE_DIR TARGET [--per-user]
# Paths in the arguments are relative to CASE_DIR. A case renders TARGET
# unless its arguments name --target without it; with --per-user (a target
# for one person) the arguments must also give --email.
set -u
dir=$1 target=$2 per_user=${3:-}
if [ -f "$dir/argv" ]; then
	a=$(cat "$dir/argv")
elif [ -f "$dir/args" ]; then
	# shellcheck disable=SC2046
	a=$(printf '%s\n' $(cat "$dir/args"))
elif [ -f "$dir/spec.ini" ]; then
	a=spec.ini
else
	exit 1
fi
printf '%s\n' "$a"
list=$(printf '%s\n' "$a" | awk 'want { print; want = 0 } $0 == "--target" || $0 == "-t" { want = 1 }' | tail -n 1)
case ",${list:-$target}," in *",$target,"*) ;; *) exit 1 ;; esac
[ "$per_user" != --per-user ] || printf '%s\n' "$a" | grep -q -x -e '--email'
