#!/bin/sh
# Provisioning: generate --users (one directory per person, bad rows with
# file:line, --keep-going) and install (homes, 0600, no clobber, --force
# with backup, --dry-run, no-op re-runs, kill safety).
suite=provision
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
spec="$top/tests/golden/minimal/spec.ini"
pc='cat ~/.secrets/%EMAILLOCALPART%'

# --- generate --users --------------------------------------------------
cat >"$tmp/team.csv" <<'CSV'
email,name,login,lang
alice@example.com,Alice Liddell,,ja
bob@example.com,"Bob ""The Builder"" O'Neil",bob1,
CSV
if "$bin" generate "$spec" --users "$tmp/team.csv" --out "$tmp/team" -q --pass-cmd "$pc" 2>"$tmp/err"; then ok; else fail "users: exit $?"; cat "$tmp/err"; fi
for u in alice@example.com bob@example.com; do
	for f in mbsyncrc fetchmailrc msmtprc config-v1.1.xml checklist.md; do
		[ -f "$tmp/team/$u/$f" ] && ok || fail "users: $u/$f missing"
	done
	[ "$(stat -c %a "$tmp/team/$u/msmtprc")" = 600 ] && ok || fail "users: $u msmtprc not 0600"
done
grep -q '^user bob1$\|^user "bob1"$' "$tmp/team/bob@example.com/msmtprc" && ok || fail "users: bob's login not used"
grep -q 'alice@example.com' "$tmp/team/alice@example.com/msmtprc" && ok || fail "users: alice's address not used"
grep -q '^# ' "$tmp/team/alice@example.com/checklist.md" && grep -q 'サーバー\|設定' "$tmp/team/alice@example.com/checklist.md" && ok ||
	fail "users: alice's lang column (ja) not used"
grep -q "~/.secrets/'alice'" "$tmp/team/alice@example.com/mbsyncrc" && ok || fail "users: pass-cmd not filled in, shell-quoted"

# Bad rows: every one reported with file:line and column, nothing written.
cat >"$tmp/bad.csv" <<'CSV'
email,name,logn
alice@example.com,Alice,
CSV
"$bin" generate "$spec" --users "$tmp/bad.csv" --out "$tmp/bad" 2>"$tmp/err"
[ $? = 1 ] && ok || fail "users: unknown column: wrong exit"
grep -q "bad.csv:1: error: column 3: unknown column \"logn\"; did you mean \"login\"?" "$tmp/err" && ok || { fail "users: unknown column message"; cat "$tmp/err"; }
printf 'email,name\nalice@example.com,Alice\nnot-an-address,X\nbob@example.com,"Bob\n' >"$tmp/bad.csv"
printf 'carol@example.com,"C" D\nalice@example.com,again\n' >>"$tmp/bad.csv"
"$bin" generate "$spec" --users "$tmp/bad.csv" --out "$tmp/bad" 2>"$tmp/err"
[ $? = 1 ] && ok || fail "users: bad rows: wrong exit"
[ ! -e "$tmp/bad" ] && ok || fail "users: bad rows without --keep-going wrote files"
grep -q 'bad.csv:3: error: column 1 (email): "not-an-address" is not an address' "$tmp/err" && ok || { fail "users: bad address message"; cat "$tmp/err"; }
grep -q "bad.csv:5: error: text after a closing quote" "$tmp/err" && ok || { fail "users: open quote message"; cat "$tmp/err"; }
"$bin" generate "$spec" --users "$tmp/bad.csv" --out "$tmp/bad" --keep-going -q 2>"$tmp/err"
[ $? = 1 ] && ok || fail "users: --keep-going must still exit 1"
[ -f "$tmp/bad/alice@example.com/msmtprc" ] && ok || fail "users: --keep-going did not write the good row"
[ ! -e "$tmp/bad/not-an-address" ] && ok || fail "users: --keep-going wrote a bad row"

# generate checks the whole team before it writes: a fault in the last
# person's files (a line msmtp would reject; a file of theirs already there)
# stops every write, and names the row.
python3 -c '
import sys
print("email,name,pass_cmd")
for i in range(300):
    print("u%03d@example.com,U %d," % (i, i))
print("last@example.com,Last,pass show " + "x" * 480)
' >"$tmp/long.csv"
"$bin" generate "$spec" --users "$tmp/long.csv" --out "$tmp/long" 2>"$tmp/err"
[ $? = 1 ] && ok || fail "users: an over-long line in the last row: wrong exit"
[ ! -e "$tmp/long" ] && ok || fail "users: an over-long line in the last row did not stop the other rows"
grep -q "long.csv:302: error: msmtp: line [0-9]* would be [0-9]* bytes long" "$tmp/err" && ok || { fail "users: the over-long line's row is not named"; cat "$tmp/err"; }
"$bin" generate "$spec" --users "$tmp/long.csv" --out "$tmp/longk" --keep-going -q 2>"$tmp/err"
[ $? = 1 ] && [ "$(ls "$tmp/longk" | wc -l)" = 300 ] && [ ! -e "$tmp/longk/last@example.com" ] && ok ||
	fail "users: --keep-going with an over-long line did not write the other 300"
head -n 301 "$tmp/long.csv" >"$tmp/team300.csv"
mkdir -p "$tmp/t300/u299@example.com"
echo "mine" >"$tmp/t300/u299@example.com/msmtprc"
"$bin" generate "$spec" --users "$tmp/team300.csv" --out "$tmp/t300" 2>"$tmp/err"
[ $? = 1 ] && ok || fail "users: a foreign file in the last person's directory: wrong exit"
[ "$(ls "$tmp/t300")" = "u299@example.com" ] && ok || fail "users: a foreign file for the last person did not stop the others"
grep -q "team300.csv:301: error: .*u299@example.com/msmtprc exists and was not written by mailconf" "$tmp/err" && ok || { fail "users: the foreign file's row is not named"; cat "$tmp/err"; }
[ "$(cat "$tmp/t300/u299@example.com/msmtprc")" = mine ] && ok || fail "users: the foreign file was changed"
# An address listed again far down, in other letters, is found.
cp "$tmp/team300.csv" "$tmp/dup.csv"
echo "U002@Example.COM,Again," >>"$tmp/dup.csv"
"$bin" generate "$spec" --users "$tmp/dup.csv" --out "$tmp/dup" 2>"$tmp/err"
[ $? = 1 ] && [ ! -e "$tmp/dup" ] && ok || fail "users: a far duplicate did not stop the run"
grep -q "dup.csv:302: error: column 1 (email): U002@Example.COM is listed twice" "$tmp/err" && ok || { fail "users: far duplicate message"; cat "$tmp/err"; }
[ "$(grep -c 'listed twice' "$tmp/err")" = 1 ] && ok || fail "users: a false duplicate was reported"
printf 'email\nc693596@example.com\nc1170850@example.com\n' >"$tmp/collide.csv"
# Killed at random while staging or renaming, a run leaves complete files
# or none, and the next run finishes the tree and sweeps what was left.
# The kills spread over a clean run's time, to fall in every phase.
t0=$(date +%s%N)
"$bin" generate "$spec" --users "$tmp/team300.csv" --out "$tmp/fresh300" -q 2>/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
for i in 1 2 3 4 5 6 7 8 9; do
	"$bin" generate "$spec" --users "$tmp/team300.csv" --out "$tmp/killed" -q 2>/dev/null &
	sleep "$(awk -v ms="$ms" -v i="$i" 'BEGIN { printf "%.3f", ms * i / 10000 }')"
	kill -9 $! 2>/dev/null
	wait $! 2>/dev/null
done
partial=0
for f in $(cd "$tmp/killed" && find . -type f ! -name '.*.mailconf-*' ! -name .mailconf-manifest); do
	cmp -s "$tmp/killed/$f" "$tmp/fresh300/$f" || partial=$((partial + 1))
done
[ $partial = 0 ] && ok || fail "users: killed runs left $partial files that are not the finished ones"
"$bin" generate "$spec" --users "$tmp/team300.csv" --out "$tmp/killed" -q 2>"$tmp/err" && ok || { fail "users: run after kills: exit $?"; cat "$tmp/err"; }
[ "$(find "$tmp/killed" -name '.*.mailconf-*' | wc -l)" = 0 ] && ok || fail "users: temporary files left after the repairing run"
diff -r "$tmp/killed" "$tmp/fresh300" >/dev/null && ok || fail "users: the tree after kills differs from a clean run's"
# Modes are exact whatever the umask: 0600 rc files, 0644 the rest.
for m in 077 000; do
	(umask $m && "$bin" generate "$spec" --users "$tmp/collide.csv" --target msmtp,checklist --out "$tmp/umask$m" -q) 2>"$tmp/err" || fail "users: umask $m: exit $?"
	[ "$(stat -c %a "$tmp/umask$m/c693596@example.com/msmtprc")" = 600 ] &&
		[ "$(stat -c %a "$tmp/umask$m/c693596@example.com/checklist.md")" = 644 ] && ok || fail "users: umask $m changed a mode"
done
# Two addresses whose 32-bit hashes collide are two people.
printf 'email\nc693596@example.com\nc1170850@example.com\n' >"$tmp/collide.csv"
"$bin" generate "$spec" --users "$tmp/collide.csv" --out "$tmp/collide" -q 2>"$tmp/err" &&
	[ -d "$tmp/collide/c1170850@example.com" ] && ok || { fail "users: a hash collision was taken for a duplicate"; cat "$tmp/err"; }
"$bin" generate "$spec" --users "$tmp/team300.csv" --out "$tmp/t301" -q 2>"$tmp/err" && [ "$(ls "$tmp/t301" | wc -l)" = 300 ] && ok || { fail "users: 300 people"; cat "$tmp/err"; }

# --- install ---------------------------------------------------------------
h="$tmp/home"
mkdir -p "$h"
inst() { "$bin" install "$spec" --email alice@example.com --home "$h" --pass-cmd "$pc" "$@"; }
inst --dry-run >"$tmp/dry" 2>"$tmp/err" && ok || fail "dry-run: exit $?"
grep -q '^+++ .*/.mbsyncrc' "$tmp/dry" && grep -q '^+Host ' "$tmp/dry" && ok || { fail "dry-run: no diff shown"; cat "$tmp/dry"; }
[ -z "$(ls -A "$h")" ] && ok || fail "dry-run wrote: $(ls -A "$h")"
inst -q 2>"$tmp/err" && ok || { fail "install: exit $?"; cat "$tmp/err"; }
for f in .mbsyncrc .fetchmailrc .msmtprc; do
	[ "$(stat -c %a "$h/$f" 2>/dev/null)" = 600 ] && ok || fail "install: $f not 0600"
done
[ -d "$h/Mail/alice@example.com" ] && [ "$(stat -c %a "$h/Mail/alice@example.com")" = 700 ] && ok || fail "install: Maildir not created 0700"
# The same run again changes nothing, not even mtimes.
touch -d '2001-01-01' "$h/.mbsyncrc" "$h/.fetchmailrc" "$h/.msmtprc"
inst 2>"$tmp/err" && grep -q '0 written, 3 unchanged' "$tmp/err" && ok || { fail "re-run is not a no-op"; cat "$tmp/err"; }
[ "$(stat -c %Y "$h/.mbsyncrc")" = "$(date -d 2001-01-01 +%s)" ] && ok || fail "re-run touched .mbsyncrc"
inst --dry-run >"$tmp/dry" && [ "$(cat "$tmp/dry")" = 'nothing would change' ] && ok || { fail "dry-run after install shows changes"; cat "$tmp/dry"; }
# A file edited since is not replaced; --force replaces it and keeps it.
echo "# my own setting" >>"$h/.msmtprc"
cp "$h/.msmtprc" "$tmp/edited"
inst 2>"$tmp/err"
[ $? = 1 ] && ok || fail "edited file: wrong exit"
grep -q ".msmtprc exists and was not written by mailconf, or was edited since" "$tmp/err" && ok || fail "edited file: message"
cmp -s "$tmp/edited" "$h/.msmtprc" && ok || fail "edited file was replaced without --force"
inst --dry-run | grep -q '^-# my own setting' && ok || fail "dry-run does not show the edit going away"
inst --force 2>"$tmp/err" && ok || fail "--force: exit $?"
b=$(ls "$h"/.msmtprc.mailconf-backup-* 2>/dev/null | head -n 1)
[ -n "$b" ] && cmp -s "$b" "$tmp/edited" && ok || fail "--force kept no backup of the edited file"
grep -q "note: kept the replaced $h/.msmtprc as $b" "$tmp/err" && ok || fail "--force does not say where the backup is"
! grep -q '# my own setting' "$h/.msmtprc" && ok || fail "--force did not replace the file"
# A foreign file (never written by mailconf) likewise.
h2="$tmp/home2"
mkdir -p "$h2"
echo "defaults" >"$h2/.msmtprc"
"$bin" install "$spec" --email alice@example.com --home "$h2" -q 2>/dev/null
[ "$(cat "$h2/.msmtprc")" = defaults ] && [ ! -e "$h2/.mbsyncrc" ] && ok || fail "foreign file: replaced, or others written"
# Only the targets asked for.
h3="$tmp/home3"
mkdir -p "$h3"
"$bin" install "$spec" --email alice@example.com --home "$h3" --target msmtp -q && [ -f "$h3/.msmtprc" ] && [ ! -e "$h3/.mbsyncrc" ] && ok || fail "--target msmtp"
"$bin" install "$spec" --email alice@example.com --home "$h3" --target checklist 2>/dev/null
[ $? = 2 ] && ok || fail "install --target checklist must be a usage error"
"$bin" install "$spec" --home "$h3" 2>/dev/null
[ $? = 2 ] && ok || fail "install without --email must be a usage error"
# A home that is not there is not made (it would be root's).
"$bin" install "$spec" --email alice@example.com --home "$tmp/nohome/alice" 2>"$tmp/err"
[ $? = 2 ] && [ ! -e "$tmp/nohome" ] && grep -q "home directory .* is not there" "$tmp/err" && ok ||
	{ fail "install into a missing home: not refused, or made"; cat "$tmp/err"; }

# Kill safety: SIGKILL at random points while switching between two
# configurations; every file is always one of the two, whole.
mkdir -p "$tmp/a" "$tmp/b"
"$bin" install "$spec" --email alice@example.com --home "$tmp/a" -q --pass-cmd "$pc"
"$bin" install "$spec" --email alice@example.com --home "$tmp/b" -q --pass-cmd "other %EMAILADDRESS%"
h4="$tmp/home4"
mkdir -p "$h4"
mixed=0
i=0
while [ $i -lt 60 ]; do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then cmd=$pc; else cmd="other %EMAILADDRESS%"; fi
	"$bin" install "$spec" --email alice@example.com --home "$h4" --pass-cmd "$cmd" -q >/dev/null 2>&1 &
	pid=$!
	sleep "0.00$((i % 9))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for f in .mbsyncrc .fetchmailrc .msmtprc; do
		[ -e "$h4/$f" ] || continue
		cmp -s "$h4/$f" "$tmp/a/$f" || cmp -s "$h4/$f" "$tmp/b/$f" || mixed=$((mixed + 1))
	done
done
[ $mixed = 0 ] && ok || fail "kill: $mixed files were neither the old nor the new one"
# The next run completes the job: no refusal, no temporary files left.
"$bin" install "$spec" --email alice@example.com --home "$h4" --pass-cmd "$pc" -q 2>"$tmp/err" && ok || { fail "run after kills failed"; cat "$tmp/err"; }
for f in .mbsyncrc .fetchmailrc .msmtprc; do cmp -s "$h4/$f" "$tmp/a/$f" || fail "run after kills: $f not repaired"; done
[ -z "$(find "$h4" -name '.*.mailconf-*')" ] && ok || fail "temporary files left after kills: $(find "$h4" -name '.*.mailconf-*')"
finish
