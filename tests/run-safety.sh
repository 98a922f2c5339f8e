#!/bin/sh
# The output layer under attack, as root: links planted below an output
# root, a link swapped in a loop, a real second user's home, FIFOs, devices
# and sparse files as outputs, a full disk and a read-only mount, no-op
# runs, concurrent runs, signals, and site's own files edited by hand.
suite=safety
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
user=mcsafe$$
mounts=""
# shellcheck disable=SC2317 # run by lib.sh's EXIT trap
cleanup() {
	for m in $mounts; do umount "$m" 2>/dev/null; done
	userdel -r "$user" >/dev/null 2>&1
}
spec="$top/tests/golden/minimal/spec.ini"
site_spec="$top/tests/site/hosted.ini"
email=alice@example.com
inst() { "$bin" install "$spec" --email "$email" -q "$@"; }
# listing DIR: every path with its inode, mtime, mode and owner.
listing() { (cd "$1" && find . -printf '%p %i %T@ %m %u %g %s\n' | sort); }
temps() { find "$1" -name '.*.mailconf-*' ! -name '.mailconf-manifest' ! -name '*.mailconf-backup-*'; }
if [ "$(id -u)" != 0 ]; then
	skip "safety: needs root (mounts, a second user)"
	finish
fi

# --- links planted below the root --------------------------------------
mkdir -p "$tmp/outside" "$tmp/h1"
echo secret >"$tmp/outside/victim"
cp "$tmp/outside/victim" "$tmp/victim.orig"
ln -s "$tmp/outside" "$tmp/h1/Mail"
inst --home "$tmp/h1" 2>"$tmp/err"
[ $? != 0 ] && grep -q "symbolic link" "$tmp/err" && [ -z "$(ls "$tmp/outside" | grep -v victim)" ] && ok ||
	{ fail "links: install through a planted ~/Mail link"; cat "$tmp/err"; }
printf 'email\n%s\n' "$email" >"$tmp/team.csv"
mkdir -p "$tmp/out1"
ln -s "$tmp/outside" "$tmp/out1/$email"
"$bin" generate "$spec" --users "$tmp/team.csv" --out "$tmp/out1" -q 2>"$tmp/err"
[ $? != 0 ] && grep -q "symbolic link" "$tmp/err" && [ "$(ls "$tmp/outside")" = victim ] && ok ||
	{ fail "links: generate --users through a planted person directory"; cat "$tmp/err"; }
for level in domains domains/customer1.test domains/customer1.test/mail files; do
	w="$tmp/site-$(echo "$level" | tr / _)"
	layout=tree
	[ "$level" = files ] && layout=shared
	mkdir -p "$(dirname "$w/$level")"
	ln -s "$tmp/outside" "$w/$level"
	"$bin" site "$site_spec" --out "$w" --layout $layout -q 2>"$tmp/err"
	[ $? != 0 ] && grep -q "symbolic link" "$tmp/err" && [ "$(ls "$tmp/outside")" = victim ] && ok ||
		{ fail "links: site through a planted $level"; cat "$tmp/err"; }
done
cmp -s "$tmp/outside/victim" "$tmp/victim.orig" && ok || fail "links: the file outside changed"

# --- a link swapped in a loop while install runs -----------------------
h="$tmp/h2"
mkdir -p "$h"
echo "root's own" >"$tmp/victim2"
chmod 0644 "$tmp/victim2"
inst --home "$h" || fail "swap: first install"
(
	i=0
	while [ $i -lt 3000 ] && [ ! -e "$tmp/stop" ]; do
		mv -f "$h/.msmtprc" "$h/.msmtprc.real" 2>/dev/null
		ln -sf "$tmp/victim2" "$h/.msmtprc"
		rm -f "$h/.msmtprc"
		mv -f "$h/.msmtprc.real" "$h/.msmtprc" 2>/dev/null
		i=$((i + 1))
	done
) &
swapper=$!
i=0
while [ $i -lt 100 ]; do
	inst --home "$h" >/dev/null 2>&1
	inst --home "$h" --name "Alice $i" >/dev/null 2>&1
	i=$((i + 1))
done
touch "$tmp/stop"
wait $swapper
[ "$(stat -c '%a %U %s' "$tmp/victim2")" = "644 root 11" ] && [ "$(cat "$tmp/victim2")" = "root's own" ] && ok ||
	fail "swap: the file a swapped link named changed: $(stat -c '%a %U %s' "$tmp/victim2")"

# --- root installs into a real second user's home ----------------------
if useradd -m -s /bin/sh "$user" 2>"$tmp/err"; then
	uh=$(getent passwd "$user" | cut -d: -f6)
	ug=$(id -gn "$user")
	echo pw >"$uh/.pw" && chown "$user:$ug" "$uh/.pw"
	"$bin" install "$spec" --email "$email" --home "$uh" --pass-cmd 'cat ~/.pw' -q 2>"$tmp/err" && ok ||
		{ fail "owner: install into $uh"; cat "$tmp/err"; }
	bad=$(find "$uh" -newer "$tmp/team.csv" ! -name .pw \( ! -user "$user" -o ! -group "$ug" \) -printf '%p ')
	[ -z "$bad" ] && ok || fail "owner: not $user's: $bad"
	for f in .fetchmailrc .mbsyncrc .msmtprc; do
		[ "$(stat -c %a "$uh/$f")" = 600 ] && ok || fail "owner: $f mode $(stat -c %a "$uh/$f")"
	done
	runuser -u "$user" -- cat "$uh/.msmtprc" "$uh/.fetchmailrc" "$uh/.mbsyncrc" >/dev/null && ok ||
		fail "owner: $user cannot read their rc files"
	runuser -u "$user" -- env HOME="$uh" msmtp -C "$uh/.msmtprc" --pretend >/dev/null 2>"$tmp/err" && ok ||
		{ fail "owner: msmtp --pretend as $user"; cat "$tmp/err"; }
	(cd "$uh" && runuser -u "$user" -- env HOME="$uh" fetchmail --configdump -f "$uh/.fetchmailrc" >/dev/null 2>"$tmp/err") && ok ||
		{ fail "owner: fetchmail --configdump as $user"; cat "$tmp/err"; }
	runuser -u "$user" -- env HOME="$uh" mbsync -c "$uh/.mbsyncrc" -l -a >/dev/null 2>"$tmp/err"
	! grep -q "mbsyncrc:[0-9]" "$tmp/err" && ok || { fail "owner: mbsync reads it as $user"; cat "$tmp/err"; }
	# A file made root's by an older run is the user's again after the next.
	chown root:root "$uh/.msmtprc"
	listing "$uh" >"$tmp/l1"
	"$bin" install "$spec" --email "$email" --home "$uh" --pass-cmd 'cat ~/.pw' -q 2>"$tmp/err"
	[ "$(stat -c %U "$uh/.msmtprc")" = "$user" ] && ok || fail "owner: a root-owned rc file was not given back"
	# An unchanged manifest too, and the run after that writes nothing.
	chown root:root "$uh/.mailconf-manifest"
	"$bin" install "$spec" --email "$email" --home "$uh" --pass-cmd 'cat ~/.pw' -q 2>"$tmp/err"
	[ "$(stat -c %U:%G "$uh/.mailconf-manifest")" = "$user:$ug" ] && ok ||
		fail "owner: a root-owned unchanged manifest was not given back: $(stat -c %U:%G "$uh/.mailconf-manifest")"
	listing "$uh" >"$tmp/l2"
	"$bin" install "$spec" --email "$email" --home "$uh" --pass-cmd 'cat ~/.pw' -q 2>"$tmp/err"
	listing "$uh" | cmp -s - "$tmp/l2" && ok || fail "owner: the run after giving files back wrote again"
else
	fail "owner: useradd failed: $(cat "$tmp/err")"
fi
"$bin" install "$spec" --email "$email" --home "$tmp/no/such/home" -q 2>/dev/null
[ $? = 2 ] && [ ! -e "$tmp/no" ] && ok || fail "owner: a missing --home was made"
# A run that fails its checks leaves nothing, not even its output root.
printf '[provider]\nid = x.test\ndomains = x.test\n[imap]\nhost = imap.x.test\nport = 993x\n' >"$tmp/bad.ini"
for c in generate site; do
	"$bin" $c "$tmp/bad.ini" --out "$tmp/none-$c" -q 2>/dev/null
	st=$?
	[ $st = 1 ] && [ ! -e "$tmp/none-$c" ] && ok || fail "errors: $c with a bad spec: exit $st, or made its --out root"
done

# --- what is not a regular file ------------------------------------------
h="$tmp/h3"
mkdir -p "$h"
mkfifo "$h/.msmtprc"
timeout 10 "$bin" install "$spec" --email "$email" --home "$h" --force -q 2>"$tmp/err"
st=$?
[ $st = 1 ] && [ -p "$h/.msmtprc" ] && grep -q "FIFO, not a regular file" "$tmp/err" && ok ||
	{ fail "fifo: install ~/.msmtprc FIFO: exit $st"; cat "$tmp/err"; }
rm -f "$h/.msmtprc"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$h/.msmtprc"
timeout 10 "$bin" install "$spec" --email "$email" --home "$h" --force -q 2>"$tmp/err"
[ $? = 1 ] && [ -S "$h/.msmtprc" ] && ok || { fail "socket: install ~/.msmtprc socket"; cat "$tmp/err"; }
rm -f "$h/.msmtprc"
mknod "$h/devnull" c 1 3
timeout 10 "$bin" generate "$spec" -t thunderbird -o "$h/devnull" --force 2>"$tmp/err"
[ $? = 1 ] && [ -c "$h/devnull" ] && grep -q "character device" "$tmp/err" && ok ||
	{ fail "device: -o DEVICE --force replaced it"; cat "$tmp/err"; }
mkdir "$h/.msmtprc"
timeout 10 "$bin" install "$spec" --email "$email" --home "$h" --force -q 2>"$tmp/err"
[ $? = 1 ] && [ -d "$h/.msmtprc" ] && ok || { fail "directory as ~/.msmtprc"; cat "$tmp/err"; }
rmdir "$h/.msmtprc"
truncate -s 8G "$h/.msmtprc"
/usr/bin/time -f %M -o "$tmp/rss" timeout 10 "$bin" install "$spec" --email "$email" --home "$h" -q 2>"$tmp/err"
st=$?
[ $st = 1 ] && [ "$(stat -c %s "$h/.msmtprc")" = 8589934592 ] && [ "$(tail -1 "$tmp/rss")" -lt 100000 ] && ok ||
	{ fail "sparse: exit $st, rss $(tail -1 "$tmp/rss") KiB"; cat "$tmp/err"; }
timeout 10 "$bin" install "$spec" --email "$email" --home "$h" --force -q 2>"$tmp/err" &&
	[ "$(stat -c %s "$h/.msmtprc")" != 8589934592 ] && ls "$h"/.msmtprc.mailconf-backup-* >/dev/null 2>&1 && ok ||
	{ fail "sparse: --force did not replace it with a backup"; cat "$tmp/err"; }
w="$tmp/site-fifo"
"$bin" site "$site_spec" --out "$w" -q
rm "$w/nginx.conf" && mkfifo "$w/nginx.conf"
timeout 10 "$bin" site "$site_spec" --out "$w" --force -q 2>"$tmp/err"
[ $? = 1 ] && [ -p "$w/nginx.conf" ] && ok || { fail "fifo: site nginx.conf"; cat "$tmp/err"; }

# A FIFO or a device given as an input does not hang or get read.
mkfifo "$tmp/fifo.ini" "$tmp/fifo.csv"
mkdir -p "$tmp/tdir"
cp "$top"/templates/*.mustache "$tmp/tdir/"
rm "$tmp/tdir/msmtp.rc.mustache" && mkfifo "$tmp/tdir/msmtp.rc.mustache"
for args in "check $tmp/fifo.ini" "generate $spec --users $tmp/fifo.csv --out $tmp/fo" \
	"generate $spec --email $email -t msmtp --templates $tmp/tdir -o -" "check /dev/zero"; do
	# shellcheck disable=SC2086
	timeout 10 "$bin" $args >/dev/null 2>"$tmp/err"
	st=$?
	[ $st = 1 ] && grep -q "FIFO\|character device\|not a regular file" "$tmp/err" && ok ||
		{ fail "input: $args: exit $st"; cat "$tmp/err"; }
done

# --- a full disk and a read-only file system -----------------------------
small="$tmp/small"
mkdir -p "$small"
if mount -t tmpfs -o size=400k tmpfs "$small"; then
	mounts="$small"
	mkdir -p "$small/home"
	inst --home "$small/home" || fail "enospc: first install"
	"$bin" generate "$spec" --users "$tmp/team.csv" --out "$small/team" -q || fail "enospc: first --users"
	"$bin" import "$top/tests/import/ispdb-sample/gmx.net.xml" --out "$small/imp" -q 2>/dev/null ||
		fail "enospc: first import"
	"$bin" generate "$spec" --out "$small/gen" -q || fail "enospc: first generate"
	"$bin" site "$site_spec" --out "$small/site" -q || fail "enospc: first site"
	# Files, not directories: a failed temporary file still touches
	# its directory's mtime.
	(cd "$small" && find . -type f -printf '%p %i %T@ %m %s\n' | sort) >"$tmp/before"
	(cd "$small" && find . -type f -exec sha1sum {} + | sort) >"$tmp/sums"
	dd if=/dev/zero of="$small/fill" bs=1k count=2000 2>/dev/null
	inst --home "$small/home" --name "Changed Name" 2>"$tmp/err"
	[ $? = 2 ] && grep -q "No space left on device; nothing was changed" "$tmp/err" && ok ||
		{ fail "enospc: install"; cat "$tmp/err"; }
	"$bin" generate "$spec" --out "$small/gen" --name "Changed Name" --email "$email" -q 2>"$tmp/err"
	[ $? = 2 ] && ok || { fail "enospc: generate"; cat "$tmp/err"; }
	"$bin" generate "$spec" --users "$tmp/team.csv" --out "$small/team" --name Changed -q 2>"$tmp/err"
	[ $? = 2 ] && ok || { fail "enospc: --users"; cat "$tmp/err"; }
	cp "$top/tests/import/ispdb-sample/gmx.net.xml" "$tmp/gmx.net.xml"
	sed -i 's/<displayName>[^<]*</<displayName>Changed GMX</' "$tmp/gmx.net.xml"
	"$bin" import "$tmp/gmx.net.xml" --out "$small/imp" -q 2>"$tmp/err"
	[ $? = 2 ] && ok || { fail "enospc: import"; cat "$tmp/err"; }
	sed 's/^name = .*/name = Changed/' "$site_spec" >"$tmp/changed.ini"
	"$bin" site "$tmp/changed.ini" --out "$small/site" -q 2>"$tmp/err"
	[ $? = 2 ] && ok || { fail "enospc: site"; cat "$tmp/err"; }
	rm -f "$small/fill"
	(cd "$small" && find . -type f -exec sha1sum {} + | sort) | cmp -s - "$tmp/sums" && ok ||
		fail "enospc: an old file changed"
	[ -z "$(temps "$small")" ] && ok || fail "enospc: temporary files left: $(temps "$small")"
	mount -o remount,ro "$small"
	inst --home "$small/home" 2>"$tmp/err" && ok || { fail "rofs: an unchanged install failed"; cat "$tmp/err"; }
	"$bin" generate "$spec" --out "$small/gen" -q 2>"$tmp/err" && ok || { fail "rofs: an unchanged generate failed"; cat "$tmp/err"; }
	"$bin" site "$site_spec" --out "$small/site" -q 2>"$tmp/err" && ok || { fail "rofs: an unchanged site failed"; cat "$tmp/err"; }
	inst --home "$small/home" --name "Changed Name" 2>"$tmp/err"
	[ $? = 2 ] && ok || { fail "rofs: a changed install"; cat "$tmp/err"; }
	(cd "$small" && find . -type f -printf '%p %i %T@ %m %s\n' | sort) | cmp -s - "$tmp/before" && ok ||
		fail "rofs: something changed"
else
	fail "enospc: cannot mount a tmpfs"
fi

# --- a no-op run writes nothing ------------------------------------------
h="$tmp/h4"
mkdir -p "$h"
inst --home "$h"
listing "$h" >"$tmp/l1"
sleep 0.01
inst --home "$h"
listing "$h" | cmp -s - "$tmp/l1" && ok || { fail "no-op: install touched files"; listing "$h" | diff "$tmp/l1" -; }
"$bin" generate "$spec" --out "$tmp/g4" -q
listing "$tmp/g4" >"$tmp/l1"
"$bin" generate "$spec" --out "$tmp/g4" -q
listing "$tmp/g4" | cmp -s - "$tmp/l1" && ok || fail "no-op: generate touched files"

# --- concurrent runs -----------------------------------------------------
h="$tmp/h5"
mkdir -p "$h"
i=0
while [ $i -lt 20 ]; do
	inst --home "$h" --name "A $i" 2>>"$tmp/cerr" &
	inst --home "$h" --name "B $i" 2>>"$tmp/cerr" &
	wait
	i=$((i + 1))
done
[ ! -s "$tmp/cerr" ] && ok || { fail "concurrent: a run failed"; head -5 "$tmp/cerr"; }
inst --home "$h" 2>"$tmp/err" && [ -z "$(temps "$h")" ] && ok || { fail "concurrent: the next run"; cat "$tmp/err"; }
i=0
while [ $i -lt 10 ]; do
	"$bin" generate "$spec" --email "$email" --name "A $i" --out "$tmp/g5" -q 2>>"$tmp/gerr" &
	"$bin" generate "$spec" --email "$email" --name "B $i" --out "$tmp/g5" -q 2>>"$tmp/gerr" &
	wait
	i=$((i + 1))
done
[ ! -s "$tmp/gerr" ] && "$bin" generate "$spec" --email "$email" --out "$tmp/g5" -q && ok ||
	{ fail "concurrent: two generate runs"; head -3 "$tmp/gerr"; }
i=0
while [ $i -lt 5 ]; do
	"$bin" site "$site_spec" --out "$tmp/s5" -q 2>>"$tmp/serr" &
	"$bin" site "$site_spec" --out "$tmp/s5" -q --apple 2>>"$tmp/serr" &
	wait
	i=$((i + 1))
done
[ ! -s "$tmp/serr" ] && ok || { fail "concurrent: two site runs at once"; head -3 "$tmp/serr"; }
"$bin" site "$site_spec" --out "$tmp/s5" -q 2>"$tmp/err" && [ -z "$(temps "$tmp/s5")" ] && ok ||
	{ fail "concurrent: the site run after two"; cat "$tmp/err"; }
mkdir -p "$tmp/s6"
flock "$tmp/s6" sleep 3 &
sleep 0.5
MAILCONF_LOCK_WAIT=1 "$bin" site "$site_spec" --out "$tmp/s6" -q 2>"$tmp/err"
[ $? != 0 ] && grep -q "another mailconf run (pid [0-9]*) is writing" "$tmp/err" && [ ! -e "$tmp/s6/domains" ] && ok ||
	{ fail "lock: a held root was not refused by name"; cat "$tmp/err"; }
wait

# --- signals -------------------------------------------------------------
# Each run is signalled while it stages (a temporary file of its own is
# there, so the run is alive and writing): it removes its temporary files,
# leaves the tree all old or all new, and the next run completes.
python3 -c '
print("email")
for i in range(3000):
    print("u%04d@example.com" % i)' >"$tmp/big.csv"
python3 - "$site_spec" >"$tmp/big-site.ini" <<'PY'
import sys
text = open(sys.argv[1]).read()
extra = "".join("domains.%d = d%05d.test\n" % (i + 3, i) for i in range(1500))
sys.stdout.write(text.replace("[imap]", extra + "\n[imap]", 1))
PY
sed 's/^name = .*/name = Hosted Mail Two/' "$tmp/big-site.ini" >"$tmp/big-site2.ini"
tree() { python3 "$top/tests/site/tree.py" "$@"; }
signal_when_staging() { # SIG DIR CMD...: run CMD, signal it at its first temporary file
	sig=$1 dir=$2
	shift 2
	"$@" -q 2>"$tmp/sigerr" &
	pid=$!
	alive=0
	while kill -0 $pid 2>/dev/null; do
		if [ -n "$(find "$dir" -name '.*.mailconf-*' ! -name '.mailconf-*' ! -name '*.mailconf-backup-*' -print -quit 2>/dev/null)" ]; then
			kill -s "$sig" $pid 2>/dev/null && alive=1
			break
		fi
	done
	wait $pid
	st=$?
}
for sig in INT TERM HUP; do
	o="$tmp/sig-$sig"
	signal_when_staging $sig "$o" "$bin" generate "$spec" --users "$tmp/big.csv" --out "$o"
	[ $alive = 1 ] && [ $st != 0 ] && ok || fail "signal $sig: generate --users was not caught writing (exit $st)"
	[ -z "$(temps "$o" 2>/dev/null)" ] && ok || fail "signal $sig: generate --users left temporary files"
	"$bin" generate "$spec" --users "$tmp/big.csv" --out "$o" -q 2>"$tmp/err" && ok ||
		{ fail "signal $sig (exit $st): the next generate --users failed"; cat "$tmp/err"; }
	# site: an existing tree of 1,500 domains, every file changing.
	o="$tmp/sigsite-$sig"
	# (nginx.conf names the tree: both references are made where it is.)
	"$bin" site "$tmp/big-site2.ini" --out "$o" -q && mv "$o" "$o.new" &&
		"$bin" site "$tmp/big-site.ini" --out "$o" -q && cp -a "$o" "$o.old" || fail "signal $sig: the site references"
	signal_when_staging $sig "$o" "$bin" site "$tmp/big-site2.ini" --out "$o"
	[ $alive = 1 ] && [ $st != 0 ] && ok || fail "signal $sig: site was not caught writing (exit $st)"
	{ tree equal "$o" "$o.old" >"$tmp/eq" || tree equal "$o" "$o.new" >>"$tmp/eq"; } && ok ||
		{ fail "signal $sig: the site tree is neither the old one nor the new one:"; head -5 "$tmp/eq"; }
	"$bin" site "$tmp/big-site2.ini" --out "$o" -q 2>"$tmp/err" && tree equal "$o" "$o.new" >"$tmp/eq" && ok ||
		{ fail "signal $sig: the site run after the signal"; cat "$tmp/err" "$tmp/eq"; }
	rm -rf "$o" "$o.old" "$o.new"
done

# --- site's own files are not silently reverted ---------------------------
w="$tmp/site-edit"
"$bin" site "$site_spec" --out "$w" -q
for f in nginx.conf apache.conf dns.zone; do
	echo "# my change" >>"$w/$f"
	cp "$w/$f" "$tmp/edited"
	"$bin" site "$site_spec" --out "$w" -q 2>"$tmp/err"
	[ $? = 1 ] && cmp -s "$w/$f" "$tmp/edited" && grep -q "$f was not written by mailconf, or was edited since" "$tmp/err" && ok ||
		{ fail "edit: $f reverted or not refused"; cat "$tmp/err"; }
	"$bin" site "$site_spec" --out "$w" -q --force 2>"$tmp/err" && ! grep -q "my change" "$w/$f" &&
		b=$(ls "$w/$f".mailconf-backup-* 2>/dev/null | head -1) && cmp -s "$b" "$tmp/edited" && ok ||
		{ fail "edit: --force did not replace $f with a backup"; cat "$tmp/err"; }
	rm -f "$w/$f".mailconf-backup-*
done
finish
