#!/bin/sh
# make bench: issue 5's and issue 6's performance targets, in one run.
#
# Site (issue 5), BENCH_DOMAINS (100,000) domains in one spec (domains.N):
#   mailconf site --layout tree; cp -r of its finished tree (the floor);
#   a Jinja2 renderer of the same templates writing the same tree
#   (jinja_site.py); mailconf site --layout shared; the tree again with
#   nothing changed; the tree for BENCH_DOMAINS_SMALL (10,000), for memory.
# Users (issue 6), BENCH_USERS (10,000) people in a CSV:
#   mailconf generate --users --target mbsync,fetchmail,msmtp,checklist;
#   cp -r of its tree; the Jinja2 renderer (jinja_users.py);
#   BENCH_USERS_SMALL (1,000) people, for memory.
# Each contender: wall and user CPU time, files written, peak RSS
# (/usr/bin/time -f), all on one filesystem (tmpfs /dev/shm when it is
# there, else BENCH_DIR or $TMPDIR: printed). Then PASS or FAIL per target;
# exit 1 when one fails.
set -u
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
N=${BENCH_DOMAINS:-100000}
NS=${BENCH_DOMAINS_SMALL:-10000}
U=${BENCH_USERS:-10000}
US=${BENCH_USERS_SMALL:-1000}
if [ -n "${BENCH_DIR:-}" ]; then
	w=$(mktemp -d -p "$BENCH_DIR")
elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
	w=$(mktemp -d -p /dev/shm)
else
	w=$(mktemp -d)
fi
trap 'rm -rf "$w"' EXIT
trap 'exit 2' INT TERM HUP
# Jinja2: Debian's python3-jinja2 is for /usr/bin/python3.
py=""
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import jinja2' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ] || ! [ -x /usr/bin/time ]; then
	echo "bench: needs python3-jinja2 and time (make test-deps installs them)"
	exit 2
fi
echo "bench: on $(df -h --output=fstype,size "$w" | tail -1 | awk '{print $1 " (" $2 ")"}'), $w;" \
	"$(nproc) CPUs; $("$py" -c 'import jinja2, sys; print("Jinja2", jinja2.__version__, "on Python", sys.version.split()[0])')"

# --- inputs ---------------------------------------------------------------
"$py" - "$w" "$N" "$NS" "$U" "$US" <<'EOF'
import sys
w, n, ns, u, us = sys.argv[1], *map(int, sys.argv[2:])
def spec(path, n):
    d = ["c%06d.test" % i for i in range(n)]
    lines = ["[provider]", "id = hosted.test", "name = Hosted Mail", "short_name = Hosted",
             "host_domains = hosted.test"]
    lines += ["%s = %s" % ("domains" if k == 0 else "domains.%d" % k, ", ".join(d[k * 60:k * 60 + 60]))
              for k in range((n + 59) // 60)]
    lines += ["", "[imap]", "host = imap.hosted.test", "security = ssl",
              "", "[smtp]", "host = smtp.hosted.test", "security = ssl"]
    open(path, "w").write("\n".join(lines) + "\n")
spec(w + "/site.ini", n)
spec(w + "/site-small.ini", ns)
open(w + "/corp.ini", "w").write("""[provider]
id = corp.test
name = Corp Mail
short_name = Corp
domains = corp.test

[imap]
host = imap.corp.test
security = ssl

[smtp]
host = smtp.corp.test
security = starttls
""")
for path, k in (("/users.csv", u), ("/users-small.csv", us)):
    with open(w + path, "w") as f:
        f.write("email,name\n")
        for i in range(k):
            f.write("u%06d@corp.test,User %d\n" % (i, i))
EOF

# --- measuring ---------------------------------------------------------------
: >"$w/results"
run() { # KEY LABEL FILES-HOW command...: one row (FILES-HOW: count DIR | summary)
	key=$1 label=$2 how=$3
	shift 3
	/usr/bin/time -f '%e %U %S %M' -o "$w/time" "$@" 2>"$w/err" >/dev/null
	st=$?
	if [ $st != 0 ]; then
		echo "bench: $label failed (exit $st):"
		tail -5 "$w/err"
	fi
	case $how in
	summary) files=$(sed -n 's/.* \([0-9]*\) written.*/\1/p' "$w/err" | tail -1) ;;
	*) files=$(find "$how" -type f | wc -l) ;;
	esac
	read -r wall user sys rss <"$w/time"
	echo "$key $wall $user $sys ${files:-?} $rss $st" >>"$w/results"
	printf '  %-44s %8s s wall %8s s user %7s s sys %8s files %7.1f MiB\n' "$label" "$wall" "$user" "$sys" \
		"${files:-?}" "$(echo "$rss" | awk '{print $1 / 1024}')"
}
drop() { rm -rf "$@"; }

echo "site: $N domains (4 files each: both autoconfig paths, autodiscover.xml and .json)"
run tree "mailconf site --layout tree" summary "$bin" site "$w/site.ini" --out "$w/tree"
run floor "cp -r of that tree (the floor)" "$w/copy" cp -r "$w/tree" "$w/copy"
drop "$w/copy"
run jinja "Jinja2 (jinja_site.py), same tree" "$w/jinja" "$py" "$here/jinja_site.py" "$w/site.ini" "$w/jinja"
mid=$(printf 'c%06d.test' $((N / 2)))
last=$(printf 'c%06d.test' $((N - 1)))
diffs=$(cd "$w" && for d in c000000.test "$mid" "$last"; do
	for f in mail/config-v1.1.xml .well-known/autoconfig/mail/config-v1.1.xml \
		autodiscover/autodiscover.xml autodiscover/autodiscover.json; do
		cmp -s "tree/domains/$d/$f" "jinja/domains/$d/$f" || echo "domains/$d/$f"
	done
done
cmp -s tree/dns.zone jinja/dns.zone || echo dns.zone)
[ -z "$diffs" ] && echo "  (Jinja2 and mailconf wrote the same bytes: 3 domains' files and dns.zone compared)" ||
	echo "  Jinja2's files differ from mailconf's: $diffs"
drop "$w/jinja"
run shared "mailconf site --layout shared" summary "$bin" site "$w/site.ini" --out "$w/shared" --layout shared
drop "$w/shared"
run rerun "mailconf site --layout tree, nothing changed" summary "$bin" site "$w/site.ini" --out "$w/tree"
drop "$w/tree"
run small "mailconf site --layout tree, $NS domains" summary "$bin" site "$w/site-small.ini" --out "$w/small"
drop "$w/small"

echo "users: $U people x (mbsync, fetchmail, msmtp, checklist)"
targets=mbsync,fetchmail,msmtp,checklist
run utree "mailconf generate --users" summary "$bin" generate "$w/corp.ini" --users "$w/users.csv" \
	--target $targets --out "$w/users"
run ufloor "cp -r of that tree (the floor)" "$w/ucopy" cp -r "$w/users" "$w/ucopy"
drop "$w/ucopy"
run ujinja "Jinja2 (jinja_users.py), same tree" "$w/ujinja" "$py" "$here/jinja_users.py" "$w/corp.ini" \
	"$w/users.csv" "$w/ujinja"
diffs=$(cd "$w" && for u in u000000 "$(printf 'u%06d' $((U - 1)))"; do
	for f in mbsyncrc fetchmailrc msmtprc checklist.md; do
		cmp -s "users/$u@corp.test/$f" "ujinja/$u@corp.test/$f" || echo "$u/$f"
	done
done)
[ -z "$diffs" ] && echo "  (Jinja2 and mailconf wrote the same bytes: 2 people's 4 files compared)" ||
	echo "  Jinja2's files differ from mailconf's: $diffs"
drop "$w/users" "$w/ujinja"
run usmall "mailconf generate --users, $US people" summary "$bin" generate "$w/corp.ini" \
	--users "$w/users-small.csv" --target $targets --out "$w/usmall"
drop "$w/usmall"

# --- targets -------------------------------------------------------------------
echo "targets:"
"$py" - "$w/results" "$N" "$NS" "$U" "$US" <<'EOF'
import sys
r = {}
for line in open(sys.argv[1]):
    k, wall, user, sys_, files, rss, st = line.split()
    r[k] = dict(wall=float(wall), user=float(user), files=files, rss=int(rss) / 1024, st=int(st))
n, ns, u, us = sys.argv[2:]
failed = 0
def check(ok, what, got, want):
    global failed
    failed += not ok
    print("  %-4s %-58s %s (target %s)" % ("PASS" if ok else "FAIL", what, got, want))
def ratio(a, b):
    return a / b if b > 0 else float("inf")
for k, v in r.items():
    if v["st"] != 0:
        check(False, "%s ran" % k, "exit %d" % v["st"], "0")
t, f, j = r["tree"], r["floor"], r["jinja"]
check(ratio(t["wall"], f["wall"]) <= 1.1, "site tree: wall / cp -r floor",
      "%.2fx (%.2f s / %.2f s)" % (ratio(t["wall"], f["wall"]), t["wall"], f["wall"]), "<= 1.1x")
check(ratio(t["user"], j["user"]) <= 1 / 20, "site tree: user CPU / Jinja2's",
      "1/%.1f (%.2f s / %.2f s)" % (ratio(j["user"], t["user"]), t["user"], j["user"]), "<= 1/20")
check(ratio(r["shared"]["wall"], j["wall"]) <= 1 / 20, "site shared: wall / Jinja2 tree's wall",
      "1/%.1f (%.2f s / %.2f s)" % (ratio(j["wall"], r["shared"]["wall"]), r["shared"]["wall"], j["wall"]),
      "<= 1/20")
check(t["rss"] <= 16, "site tree: peak RSS, %s domains" % n, "%.1f MiB" % t["rss"], "<= 16 MiB")
check(t["rss"] <= 1.1 * r["small"]["rss"], "site tree: peak RSS flat, %s vs %s domains" % (n, ns),
      "%.1f vs %.1f MiB (%.2fx)" % (t["rss"], r["small"]["rss"], ratio(t["rss"], r["small"]["rss"])),
      "<= 1.1x")
check(r["rerun"]["files"] == "0", "site re-run: files written", r["rerun"]["files"], "0")
check(ratio(r["rerun"]["wall"], t["wall"]) <= 0.2, "site re-run: wall / full build",
      "%.2fx (%.2f s / %.2f s)" % (ratio(r["rerun"]["wall"], t["wall"]), r["rerun"]["wall"], t["wall"]),
      "<= 0.2x")
t, f, j = r["utree"], r["ufloor"], r["ujinja"]
check(ratio(t["wall"], f["wall"]) <= 1.1, "users: wall / cp -r floor",
      "%.2fx (%.2f s / %.2f s)" % (ratio(t["wall"], f["wall"]), t["wall"], f["wall"]), "<= 1.1x")
check(ratio(t["user"], j["user"]) <= 1 / 20, "users: user CPU / Jinja2's",
      "1/%.1f (%.2f s / %.2f s)" % (ratio(j["user"], t["user"]), t["user"], j["user"]), "<= 1/20")
check(t["rss"] <= 1.1 * r["usmall"]["rss"], "users: peak RSS flat, %s vs %s people" % (u, us),
      "%.1f vs %.1f MiB (%.2fx)" % (t["rss"], r["usmall"]["rss"], ratio(t["rss"], r["usmall"]["rss"])),
      "<= 1.1x")
print("bench: %d targets failed" % failed if failed else "bench: every target met")
sys.exit(1 if failed else 0)
EOF
