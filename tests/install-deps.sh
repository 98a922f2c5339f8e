#!/bin/sh
# Installs the Debian packages named as arguments, only those missing.
set -eu
missing=""
for p in "$@"; do
	# npm: Debian's package, unless a nodejs that brings its own (as
	# NodeSource's, which conflicts with it) gives npx already.
	if [ "$p" = npm ] && command -v npx >/dev/null 2>&1; then
		continue
	fi
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
