#!/bin/sh
# Runs each libFuzzer harness for SECONDS, from its seed corpus plus every
# input that once crashed it (tests/fuzz/regressions/NAME/), which must all
# pass first. New findings are left in DIR/artifacts/.
suite=fuzz nobin=1
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
dir=$1 seconds=$2
shift 2
mkdir -p "$dir/artifacts"
for name in "$@"; do
	bin="$dir/fuzz_$name"
	work="$dir/corpus-$name"
	mkdir -p "$work"
	reg="$top/tests/fuzz/regressions/$name"
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if ! "$bin" -runs=0 "$reg"/* >"$dir/$name-regress.log" 2>&1; then
			fail "fuzz $name: a regression input crashes again"
			tail -n 30 "$dir/$name-regress.log"
			continue
		fi
	fi
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$dir/artifacts/$name-" -print_final_stats=1 \
		"$work" "$top/tests/fuzz/corpus/$name" >"$dir/$name.log" 2>&1; then
		echo "ok   fuzz $name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/$name.log" | awk '{print $2}') inputs in ${seconds}s"
		ok
	else
		fail "fuzz $name (see $dir/$name.log; the input is in $dir/artifacts/)"
		grep -A 20 'ERROR\|==ABORT\|deadly signal' "$dir/$name.log" | head -40
	fi
done
finish
