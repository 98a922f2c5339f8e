#!/bin/sh
# The Debian package: dpkg-buildpackage builds it from a copy of the tree
# into build/deb, lintian finds no error and no warning, it holds what it
# should, and the binary it ships (unpacked with dpkg -x, then installed
# with dpkg -i when this runs as root on a machine without mailconf)
# renders from / what the build tree renders.
# usage: tests/run-deb.sh build/mailconf
suite=deb
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need dpkg-buildpackage dh lintian dpkg-deb fakeroot
version=$("$bin" --version | sed -n 's/^mailconf //p')
arch=$(dpkg --print-architecture)
out="$top/build/deb"
deb="$out/mailconf_${version}_$arch.deb"
installed=0
# shellcheck disable=SC2317 # run by lib.sh's EXIT trap
cleanup() {
	[ $installed = 1 ] && dpkg --purge mailconf >/dev/null 2>&1
}

# --- build, from a copy: dpkg-buildpackage writes next to the tree ------
rm -rf "$out"
mkdir -p "$out/mailconf-$version"
(cd "$top" && tar -cf - --exclude=./build --exclude=./.git --exclude=./out .) | tar -xf - -C "$out/mailconf-$version"
# A plain build, not the flags of the make that runs this test.
if (cd "$out/mailconf-$version" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 &&
	[ -f "$deb" ]; then ok; else
	fail "dpkg-buildpackage -us -uc -b failed (build/deb/build.log):"
	tail -n 30 "$out/build.log"
	finish
fi
grep -q 'mailconf check --strict' "$out/build.log" && ok || fail "the build did not check the presets"

# --- lintian: no error, no warning (pedantic tags shown, not fatal) ----
lintian --fail-on error,warning --pedantic "$out/mailconf_${version}_$arch.changes" >"$tmp/lintian" 2>&1
st=$?
grep -v 'running with root privileges' "$tmp/lintian" | sed 's/^/lintian: /'
[ $st = 0 ] && ok || fail "lintian: exit $st"

# --- contents and control fields ---------------------------------------
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/list"
for f in /usr/bin/mailconf /usr/share/man/man1/mailconf.1.gz /usr/share/doc/mailconf/spec.md \
	/usr/share/doc/mailconf/copyright; do
	grep -qx "$f" "$tmp/list" && ok || fail "the package has no $f"
done
for d in templates presets; do
	want=$(cd "$top/$d" && ls | sort)
	got=$(sed -n "s|^/usr/share/mailconf/$d/\(..*\)|\1|p" "$tmp/list" | sort)
	[ "$want" = "$got" ] && ok || fail "/usr/share/mailconf/$d is not $d/ of the tree"
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] && ok || fail "package version $(dpkg-deb -f "$deb" Version), mailconf --version says $version"
dpkg-deb -f "$deb" Depends | grep -q 'libiniparser' && dpkg-deb -f "$deb" Depends | grep -q 'libxml2' && ok ||
	fail "Depends lacks the shared libraries: $(dpkg-deb -f "$deb" Depends)"

# --- the shipped binary renders what the tree renders -------------------
"$bin" generate --preset gmail --out "$tmp/want" -q 2>"$tmp/err" || { fail "the build tree's gmail"; cat "$tmp/err"; }
dpkg -x "$deb" "$tmp/root"
share="$tmp/root/usr/share/mailconf"
(cd / && "$tmp/root/usr/bin/mailconf" generate --preset gmail --templates "$share/templates" \
	--presets "$share/presets" --out "$tmp/x" -q) 2>"$tmp/err" &&
	diff -r -x .mailconf-manifest "$tmp/want" "$tmp/x" && ok || { fail "dpkg -x: the shipped binary's gmail differs"; cat "$tmp/err"; }
cmp -s "$tmp/root/usr/share/doc/mailconf/spec.md" "$top/docs/spec.md" && ok || fail "spec.md is not docs/spec.md"

# --- dpkg -i, mailconf from /, dpkg --purge -------------------------------
if [ "$(id -u)" != 0 ]; then
	skip "dpkg -i: not root"
elif dpkg -s mailconf >/dev/null 2>&1 || [ -e /usr/bin/mailconf ]; then
	skip "dpkg -i: mailconf is installed on this machine already; left alone"
elif dpkg -i "$deb" >"$tmp/dpkg" 2>&1; then
	installed=1
	ok
	(cd / && mailconf generate --preset gmail --out "$tmp/i" -q) 2>"$tmp/err" &&
		diff -r -x .mailconf-manifest "$tmp/want" "$tmp/i" && ok || { fail "installed: mailconf generate --preset gmail from / differs"; cat "$tmp/err"; }
	(cd / && mailconf generate --out "$tmp/i" --check) 2>"$tmp/err" && ok || { fail "installed: the folder it made is not current for it"; cat "$tmp/err"; }
	(cd / && mailconf check --strict -q /usr/share/mailconf/presets/*.ini) 2>"$tmp/err" && ok || { fail "installed: check --strict of the presets"; cat "$tmp/err"; }
	[ "$(man -w mailconf 2>/dev/null)" = /usr/share/man/man1/mailconf.1.gz ] && ok || fail "man -w mailconf: $(man -w mailconf 2>&1)"
	man --warnings -l /usr/share/man/man1/mailconf.1.gz 2>&1 >/dev/null | grep . && fail "the man page has warnings" || ok
	dpkg --purge mailconf >"$tmp/dpkg" 2>&1 && installed=0 && [ ! -e /usr/bin/mailconf ] && [ ! -e /usr/share/mailconf ] &&
		[ ! -e /usr/share/doc/mailconf ] && ok || { fail "dpkg --purge left files"; cat "$tmp/dpkg"; }
else
	fail "dpkg -i failed:"
	cat "$tmp/dpkg"
fi
finish
