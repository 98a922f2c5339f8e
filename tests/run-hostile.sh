#!/bin/sh
# Hostile input: every case of tests/hostile/ (see its README.md) must give
# exactly its recorded diagnostics, exit status, output files and read-back
# by the real consumers (fetchmail, msmtp, mbsync, xmllint); nothing may
# crash, be written outside the output directory, or run.
# usage: tests/run-hostile.sh build/mailconf [CASE...]   (UPDATE=1 records)
set -u
bin=$(realpath "$1")
shift
exec python3 "$(dirname "$0")/hostile/tools/hostile.py" "$bin" "$@"
