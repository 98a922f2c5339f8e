#!/bin/sh
# mailconf site, proven by its real consumers:
#  a. a real nginx on loopback (own prefix, pid, logs and temp paths) with
#     the generated nginx.conf, then a real Apache with the generated
#     apache.conf, for the tree and the shared layout: both
#     autoconfig URLs with and without ?emailaddress=, autodiscover.xml by
#     POST (three letter casings, both hosts) and GET, autodiscover.json,
#     the Apple profile; status, Content-Type and bodies equal to what
#     `mailconf generate` renders; 404 for unknown hosts and paths, path
#     traversal in Host and path; no HTML page with 200 anywhere;
#  b. a real Thunderbird with that nginx as its HTTP proxy finds every
#     address by its own lookups (autoconfig and Exchange AutoDiscover),
#     gets the servers in tests/site/thunderbird.json, and the same in
#     both layouts (UPDATE=1 rewrites the file, for review);
#  c. incremental and safe: re-runs write nothing (inodes and mtimes
#     kept), a change rewrites exactly the changed files, a domain that
#     leaves is removed and nothing else (strangers' files survive),
#     --apple off and layout switches clean up, a second concurrent run is
#     refused, the DNS records (RFC 6186/8314 SRV, CNAMEs), named-checkzone;
#  d. SIGKILL at random points (50 runs, two specs and two layouts): every
#     file is always an old or a new complete one, and the next run leaves
#     the exact reference tree and no temporary file;
#  e. the files, map lines and DNS records copied from one rendering per
#     spec are, for domains of every length and form, what rendering for
#     each domain alone gives; a spec holding the stand-in is not copied.
# usage: tests/run-site.sh build/mailconf   (NO_THUNDERBIRD=1 skips b)
suite=site
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
here="$top/tests/site"
# The kill test runs hundreds of short builds: on tmpfs when there is one.
fast=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
# nginx's workers run as nobody when the test runs as root: they read the
# trees under $tmp.
chmod 755 "$tmp"
ngpid=""
appid=""
# shellcheck disable=SC2317 # run by lib.sh's EXIT trap
cleanup() {
	[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null && wait "$ngpid" 2>/dev/null
	[ -n "$appid" ] && kill "$appid" 2>/dev/null && wait "$appid" 2>/dev/null
	rm -rf "$fast"
}
tree() { python3 "$here/tree.py" "$@"; }
specs="$here/hosted.ini $here/other.ini"
need nginx apache2 curl
PATH="$PATH:/usr/sbin"

domains_of() { # SPEC: its domains, one a line
	sed -n 's/^domains[^=]*= *//p' "$1" | tr ',' '\n' | tr -d ' ' | tr A-Z a-z
}
id_of() { sed -n 's/^id = *//p' "$1"; }
one_domain() { # SPEC DOMAIN [ID]: the spec serving DOMAIN alone (as ID)
	sed -e '/^domains/d' -e "s/^\[provider\]\$/[provider]\ndomains = $2/" \
		-e "s/^id = .*/id = ${3:-$(id_of "$1")}/" "$1"
}

# --- references: what `mailconf generate` renders ---------------------------
# tree: each domain's files are generate's for the spec with that domain
# alone; autodiscover.json points to autodiscover.DOMAIN (its own host,
# whose certificate the hoster has anyway), as generate writes it for a
# provider with that id. shared: one set per provider, for its id.
mkdir -p "$tmp/ref"
for spec in $specs; do
	id=$(id_of "$spec")
	one_domain "$spec" "$id" >"$tmp/ref/$id.ini"
	"$bin" generate "$tmp/ref/$id.ini" --target thunderbird,autodiscover,autodiscover-json,apple \
		--out "$tmp/ref/shared/$id" -q || fail "generate (reference, $id)"
	for d in $(domains_of "$spec"); do
		one_domain "$spec" "$d" >"$tmp/ref/$d.ini"
		one_domain "$spec" "$d" "$d" >"$tmp/ref/$d.json.ini"
		"$bin" generate "$tmp/ref/$d.ini" --target thunderbird,autodiscover,apple \
			--out "$tmp/ref/tree/$d" -q &&
			"$bin" generate "$tmp/ref/$d.json.ini" --target autodiscover-json \
				-o "$tmp/ref/tree/$d/autodiscover.json" -q || fail "generate (reference, $d)"
	done
done

# --- a. nginx -----------------------------------------------------------------
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
start_nginx() { # DIR PORT: nginx in the foreground (our child), DIR/www/nginx.conf included
	mkdir -p "$1/ng/logs" "$1/ng/tmp"
	cat >"$1/ng/nginx.conf" <<EOF
daemon off;
pid $1/ng/nginx.pid;
error_log $1/ng/logs/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log $1/ng/logs/access.log;
    client_body_temp_path $1/ng/tmp/body;
    proxy_temp_path $1/ng/tmp/proxy;
    fastcgi_temp_path $1/ng/tmp/fastcgi;
    uwsgi_temp_path $1/ng/tmp/uwsgi;
    scgi_temp_path $1/ng/tmp/scgi;
    include $1/www/nginx.conf;
}
EOF
	if ! nginx -e "$1/ng/logs/error.log" -p "$1/ng/" -c "$1/ng/nginx.conf" -t 2>"$1/ng/t.err"; then
		cat "$1/ng/t.err"
		return 1
	fi
	nginx -e "$1/ng/logs/error.log" -p "$1/ng/" -c "$1/ng/nginx.conf" &
	ngpid=$!
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$2/"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}
stop_nginx() {
	kill "$ngpid"
	wait "$ngpid" 2>/dev/null
	ngpid=""
}
start_apache() { # DIR PORT: a real Apache 2.4 (one process, own pid and
	# logs) with DIR/www/apache.conf, the modules it needs and no other site
	mkdir -p "$1/ap"
	m=/usr/lib/apache2/modules
	cat >"$1/ap/httpd.conf" <<EOF
ServerRoot $1/ap
ServerName 127.0.0.1
Listen 127.0.0.1:$2
PidFile $1/ap/httpd.pid
ErrorLog $1/ap/error.log
TypesConfig /etc/mime.types
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule rewrite_module $m/mod_rewrite.so
LoadModule mime_module $m/mod_mime.so
User nobody
Group nogroup
Include $1/www/apache.conf
EOF
	if ! apache2 -f "$1/ap/httpd.conf" -t 2>"$1/ap/t.err"; then
		cat "$1/ap/t.err"
		return 1
	fi
	apache2 -f "$1/ap/httpd.conf" -X 2>>"$1/ap/error.log" &
	appid=$!
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$2/"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}
stop_apache() {
	kill "$appid"
	wait "$appid" 2>/dev/null
	appid=""
}
cat >"$tmp/request.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>alice@customer1.test</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>
EOF
: >"$tmp/responses"
req() { # METHOD HOST PATH: sets code and ctype; the body is in $tmp/body
	m=$1 h=$2 p=$3
	shift 3
	if [ "$m" = POST ]; then
		set -- --data-binary "@$tmp/request.xml" -H "Content-Type: text/xml; charset=utf-8"
	fi
	out=$(curl -s --path-as-is -o "$tmp/body" -w '%{http_code} %{content_type}' -X "$m" \
		-H "Host: $h" "$@" "http://127.0.0.1:$port$p" 2>/dev/null)
	code=${out%% *}
	ctype=${out#* }
	echo "$code|$ctype|$m $h $p" >>"$tmp/responses"
}
serves() { # LAYOUT METHOD HOST PATH CTYPE REF: 200, CTYPE, body = REF
	req "$2" "$3" "$4"
	if [ "$code" = 200 ] && [ "$ctype" = "$5" ] && cmp -s "$tmp/body" "$6"; then
		ok
	else
		fail "$1$srv: $2 Host: $3 $4: $code \"$ctype\"$(cmp -s "$tmp/body" "$6" || echo ", not the body of ${6#"$tmp"/}")"
	fi
}
refuses() { # LAYOUT METHOD HOST PATH: 404 (400 where the server rejects the Host itself), never a file
	req "$2" "$3" "$4"
	case "$code" in
	404) ok ;;
	# A Host with "%" is no host name: Apache refuses it outright.
	400) case "$3" in *..* | */* | *%*) ok ;; *) fail "$1$srv: $2 Host: $3 $4: 400, expected 404" ;; esac ;;
	*) fail "$1$srv: $2 Host: $3 $4: $code \"$ctype\", expected 404" ;;
	esac
}
check_layout() { # LAYOUT
	L=$1
	for spec in $specs; do
		id=$(id_of "$spec")
		for d in $(domains_of "$spec"); do
			if [ "$L" = tree ]; then r="$tmp/ref/tree/$d"; else r="$tmp/ref/shared/$id"; fi
			xml="text/xml; charset=utf-8"
			for q in "" "?emailaddress=alice%40$d"; do
				serves "$L" GET "autoconfig.$d" "/mail/config-v1.1.xml$q" "$xml" "$r/config-v1.1.xml"
				serves "$L" GET "$d" "/.well-known/autoconfig/mail/config-v1.1.xml$q" "$xml" "$r/config-v1.1.xml"
			done
			for h in "autodiscover.$d" "$d"; do
				for p in /autodiscover/autodiscover.xml /Autodiscover/Autodiscover.xml /AUTODISCOVER/AUTODISCOVER.XML; do
					serves "$L" POST "$h" "$p" "$xml" "$r/autodiscover.xml"
				done
				serves "$L" GET "$h" /autodiscover/autodiscover.xml "$xml" "$r/autodiscover.xml"
				serves "$L" GET "$h" "/autodiscover/autodiscover.json?Email=alice%40$d&Protocol=AutodiscoverV1&RedirectCount=1" \
					application/json "$r/autodiscover.json"
				serves "$L" GET "$h" "/autodiscover/autodiscover.json/v1.0/alice@$d?Protocol=AutodiscoverV1&RedirectCount=1" \
					application/json "$r/autodiscover.json"
			done
			serves "$L" GET "$d" /mail.mobileconfig application/x-apple-aspen-config "$r/mail.mobileconfig"
		done
	done
	r="$tmp/ref/tree/customer1.test"
	[ "$L" = shared ] && r="$tmp/ref/shared/hosted.test"
	serves "$L" GET AUTOCONFIG.Customer1.TEST /mail/config-v1.1.xml "text/xml; charset=utf-8" "$r/config-v1.1.xml"
	# Unknown hosts, traversal in Host, unknown paths, files that are not
	# the site's (the manifest, the configuration, a stranger's page).
	for h in unknown.test autoconfig.unknown.test autodiscover.unknown.test test localhost 127.0.0.1 \
		.. %2e%2e autoconfig.%2e%2e autoconfig.. ../customer1.test customer1.test/.. \
		..%2fcustomer1.test autoconfig.customer1.test/../.. %2e%2e%2fwww domains files; do
		refuses "$L" GET "$h" /mail/config-v1.1.xml
		refuses "$L" GET "$h" /.well-known/autoconfig/mail/config-v1.1.xml
		refuses "$L" POST "$h" /autodiscover/autodiscover.xml
	done
	for h in customer1.test autoconfig.customer1.test; do
		for p in / /index.html /mail/ /mail/config-v1.1.xml/ /mail/config-v1.1.xml.bak \
			/MAIL/CONFIG-V1.1.XML /.mailconf-site /.mailconf-site.lock /nginx.conf /dns.zone \
			/stranger.html /autodiscover/ /.well-known/autoconfig/mail/ \
			/.well-known/autoconfig/mail/.config-v1.1.xml.mailconf-tmp \
			/domains/customer1.test/mail/config-v1.1.xml /files/ \
			/../nginx.conf /mail/../../../nginx.conf /%2e%2e/%2e%2e/nginx.conf \
			/mail/%2e%2e/%2e%2e/%2e%2e/nginx.conf; do
			req GET "$h" "$p"
			case "$code" in
			404 | 400) ok ;;
			*) fail "$L$srv: GET Host: $h $p: $code \"$ctype\", expected 404" ;;
			esac
		done
	done
}
layouts_ok=1
srv=""
for L in tree shared; do
	ld="$tmp/$L"
	mkdir -p "$ld"
	port=$(free_port)
	# shellcheck disable=SC2086
	if ! "$bin" site $specs --out "$ld/www" --layout $L --listen "127.0.0.1:$port" --apple -q; then
		fail "$L: mailconf site failed"
		layouts_ok=0
		continue
	fi
	# A stranger's page where nginx looks: it must not be served.
	page="$ld/www/domains/customer1.test"
	[ -d "$page" ] || page="$ld/www"
	echo '<html><body>not ours</body></html>' >"$page/stranger.html"
	if ! start_nginx "$ld" "$port"; then
		fail "$L: nginx did not start"
		cat "$ld/ng/logs/error.log" 2>/dev/null
		layouts_ok=0
		continue
	fi
	check_layout $L
	# --- b. Thunderbird through this nginx --------------------------------
	if [ -n "${NO_THUNDERBIRD:-}" ]; then
		skip "$L: Thunderbird (NO_THUNDERBIRD is set)"
	elif ! command -v thunderbird >/dev/null 2>&1; then
		fail "$L: thunderbird is not installed (make test-deps installs it)"
	else
		"$here/tb-site" --proxy "$port" --kind both alice@hosted.test bob@customer1.test \
			carol@customer2.test dave@other.test erin@customer3.test nobody@unknown.test \
			>"$tmp/tb-$L.jsonl" 2>"$tmp/tb-$L.err"
		[ $? = 2 ] && { fail "$L: Thunderbird harness failed"; cat "$tmp/tb-$L.err"; }
		# Each lookup went through nginx, and nginx served the file.
		for dom in hosted.test customer1.test customer2.test other.test customer3.test; do
			grep -q "\"GET http://autoconfig\.$dom/mail/config-v1\.1\.xml?emailaddress=[a-z]*%40$dom HTTP/1\.1\" 200 .*Thunderbird" \
				"$ld/ng/logs/access.log" && ok || fail "$L: no autoconfig request of Thunderbird for $dom in nginx's log"
			grep -q "\"POST http://autodiscover\.$dom/autodiscover/autodiscover\.xml HTTP/1\.1\" 200 .*Thunderbird" \
				"$ld/ng/logs/access.log" && ok || fail "$L: no autodiscover POST of Thunderbird for $dom in nginx's log"
		done
	fi
	stop_nginx
	# The same answers from a real Apache with the generated apache.conf.
	if start_apache "$ld" "$port"; then
		srv=" (apache)"
		check_layout $L
		srv=""
		stop_apache
	else
		fail "$L: Apache did not start"
		cat "$ld/ap/error.log" 2>/dev/null
	fi
	# No HTML page was ever served with 200 (it would win Thunderbird's race).
	if grep -q '^200|text/html' "$tmp/responses"; then
		fail "$L: an HTML page with status 200: $(grep '^200|text/html' "$tmp/responses" | head -3)"
	else ok; fi
	if grep '^200|' "$tmp/responses" | grep -v -q -e '^200|text/xml; charset=utf-8|' -e '^200|application/json|' \
		-e '^200|application/x-apple-aspen-config|'; then
		fail "$L: a 200 of another type: $(grep '^200|' "$tmp/responses" | grep -v -e '^200|text/xml; charset=utf-8|' \
			-e '^200|application/json|' -e '^200|application/x-apple-aspen-config|' | head -3)"
	else ok; fi
	: >"$tmp/responses"
done
if [ -z "${NO_THUNDERBIRD:-}" ] && [ -f "$tmp/tb-tree.jsonl" ] && [ -f "$tmp/tb-shared.jsonl" ]; then
	# The same servers for every address in both layouts, and the spec's.
	if cmp -s "$tmp/tb-tree.jsonl" "$tmp/tb-shared.jsonl"; then ok; else
		fail "Thunderbird found other servers in the shared layout than in the tree:"
		diff "$tmp/tb-tree.jsonl" "$tmp/tb-shared.jsonl" | head -20
	fi
	# Of a failed lookup, what nginx answered (not DNS, which varies).
	python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
for r in rs:
    if not r["ok"]:
        r["error"] = " | ".join(e for e in r["error"].split(" | ") if e.startswith("Not Found (http://"))
print(json.dumps(rs, indent=2, sort_keys=True, ensure_ascii=False))' \
		"$tmp/tb-tree.jsonl" >"$tmp/tb.json"
	[ "${UPDATE:-0}" = 1 ] && cp "$tmp/tb.json" "$here/thunderbird.json"
	if diff -u "$here/thunderbird.json" "$tmp/tb.json" >"$tmp/tb.diff"; then ok; else
		fail "Thunderbird did not find the servers of tests/site/thunderbird.json:"
		head -40 "$tmp/tb.diff"
	fi
fi

# --- c. incremental and safe --------------------------------------------------
w="$tmp/inc/www"
mkdir -p "$tmp/inc"
site() { "$bin" site "$@" --out "$w" --web-host web.hosted.test 2>"$tmp/inc/err"; }
summary() { cat "$tmp/inc/err"; }
# The specs of the last steps, and their reference trees (same path).
sed 's/^port = 2525$/port = 2587/' "$here/other.ini" >"$tmp/inc/other.ini"
sed '/^domains.2/d' "$here/hosted.ini" >"$tmp/inc/hosted.ini"
last="$tmp/inc/hosted.ini $tmp/inc/other.ini"
# shellcheck disable=SC2086
site $last --layout shared -q && mv "$w" "$tmp/inc/ref-shared" && site $last -q && mv "$w" "$tmp/inc/ref-tree" ||
	fail "incremental: reference builds failed"

# The counts come from the tree, not from how many files a domain has.
files_of() { find "$w" -type f ! -name '.mailconf-site*' ! -name 'stranger*' ! -name keep.xml | wc -l; }
# shellcheck disable=SC2086
site $specs --apple && n=$(files_of) &&
	grep -q "^mailconf: site: 5 domains; $n written, 0 unchanged, 0 removed\$" "$tmp/inc/err" && ok ||
	fail "first run: $(summary)"
tree snap "$w" >"$tmp/inc/s1"
sleep 0.01
# shellcheck disable=SC2086
site $specs --apple && grep -q "^mailconf: site: 5 domains; 0 written, $n unchanged, 0 removed\$" "$tmp/inc/err" && ok ||
	fail "re-run: $(summary)"
tree snap "$w" >"$tmp/inc/s2"
cmp -s "$tmp/inc/s1" "$tmp/inc/s2" && ok || { fail "re-run touched files (inode or mtime):"; diff "$tmp/inc/s1" "$tmp/inc/s2" | head; }
# A changed spec (SMTP port of other.ini) rewrites exactly the files whose
# content changed: other.test's and customer3.test's but the JSON, the zone
# and the manifest.
# The files that must change: every file of those two domains but the
# JSON pointer (it names no port), the zone and the manifest.
(cd "$w" && find domains/other.test domains/customer3.test -type f ! -name autodiscover.json) >"$tmp/inc/rw.want"
echo .mailconf-site >>"$tmp/inc/rw.want"
echo dns.zone >>"$tmp/inc/rw.want"
LC_ALL=C sort -o "$tmp/inc/rw.want" "$tmp/inc/rw.want"
c=$(($(wc -l <"$tmp/inc/rw.want") - 1))
# shellcheck disable=SC2086
site "$here/hosted.ini" "$tmp/inc/other.ini" --apple &&
	grep -q " $c written, $((n - c)) unchanged, 0 removed\$" "$tmp/inc/err" && ok ||
	fail "changed spec: $(summary)"
tree snap "$w" >"$tmp/inc/s3"
tree rewritten "$tmp/inc/s2" "$tmp/inc/s3" >"$tmp/inc/rw" && ok || { fail "changed spec:"; cat "$tmp/inc/rw"; }
diff "$tmp/inc/rw.want" "$tmp/inc/rw" >/dev/null && ok || { fail "changed spec rewrote other files:"; diff "$tmp/inc/rw.want" "$tmp/inc/rw"; }
# A domain leaves: its files go, a stranger's files (in its directory, in
# another domain's, in the root) stay, and so do their directories.
echo mine >"$w/stranger.txt"
echo mine >"$w/domains/customer2.test/stranger.txt"
echo mine >"$w/domains/customer2.test/mail/keep.xml"
echo mine >"$w/domains/customer1.test/autodiscover/stranger.xml"
tree snap "$w" >"$tmp/inc/s4"
site $last --apple && grep -q "^mailconf: site: 4 domains; 1 written, $(($(files_of) - 1)) unchanged, 1 removed\$" "$tmp/inc/err" && ok ||
	fail "domain removed: $(summary)"
tree snap "$w" >"$tmp/inc/s5"
for f in stranger.txt domains/customer2.test/stranger.txt domains/customer2.test/mail/keep.xml \
	domains/customer1.test/autodiscover/stranger.xml; do
	[ "$(cat "$w/$f" 2>/dev/null)" = mine ] && ok || fail "domain removed: a stranger's $f is gone"
done
(cd "$w/domains/customer2.test" && find . | sort) >"$tmp/inc/left"
printf '.\n./mail\n./mail/keep.xml\n./stranger.txt\n' | diff - "$tmp/inc/left" >/dev/null && ok ||
	{ fail "domain removed: left in its directory:"; cat "$tmp/inc/left"; }
grep -v -e '^domains/customer2.test/' -e '^stranger.txt ' -e '^domains/customer1.test/autodiscover/stranger.xml ' "$tmp/inc/s4" |
	grep -v -e '^dns.zone ' -e '^.mailconf-site ' >"$tmp/inc/s4k"
grep -F -x -f "$tmp/inc/s4k" "$tmp/inc/s5" | cmp -s - "$tmp/inc/s4k" && ok || fail "domain removed: other domains' files were touched"
# --apple no more: the profiles go, nothing else is rewritten.
site $last && grep -q '^mailconf: site: 4 domains; 0 written, 19 unchanged, 0 removed$' "$tmp/inc/err" && ok ||
	fail "--apple off: $(summary)"
[ -z "$(find "$w" -name mail.mobileconfig)" ] && ok || fail "--apple off: profiles left: $(find "$w" -name mail.mobileconfig)"
# To the shared layout: the tree's files go (strangers' stay), then back.
site $last --layout shared -q && ok || fail "to shared: $(summary)"
for f in stranger.txt domains/customer2.test/stranger.txt domains/customer2.test/mail/keep.xml \
	domains/customer1.test/autodiscover/stranger.xml; do
	[ "$(cat "$w/$f" 2>/dev/null)" = mine ] && ok || fail "to shared: a stranger's $f is gone"
	rm -f "$w/$f"
done
rmdir "$w/domains/customer2.test/mail" "$w/domains/customer2.test" "$w/domains/customer1.test/autodiscover" \
	"$w/domains/customer1.test" "$w/domains" || fail "to shared: the tree's files were not all removed: $(find "$w/domains")"
tree equal "$w" "$tmp/inc/ref-shared" && ok || fail "to shared: not the reference tree"
site $last -q && tree equal "$w" "$tmp/inc/ref-tree" && ok || fail "back to tree: not the reference tree"
# A run that stops at an error (a domain two specs serve, under --strict)
# removes nothing and keeps the manifest and the zone; the next run
# removes what it wrote for a domain no spec serves any more.
cp "$w/.mailconf-site" "$tmp/inc/manifest" && cp "$w/dns.zone" "$tmp/inc/zone"
# shellcheck disable=SC2086
site $last "$here/hosted.ini" --strict
st=$?
[ $st = 1 ] && grep -q 'served by more than one spec' "$tmp/inc/err" && ok || fail "stopped run: exit $st: $(summary)"
cmp -s "$w/.mailconf-site" "$tmp/inc/manifest" && cmp -s "$w/dns.zone" "$tmp/inc/zone" && ok ||
	fail "stopped run: the manifest or the zone was replaced"
gone=$(cd "$tmp/inc/ref-tree" && find . -type f | while read -r f; do [ -f "$w/$f" ] || echo "$f"; done)
[ -z "$gone" ] && ok || fail "stopped run: removed $gone"
site $last -q && tree equal "$w" "$tmp/inc/ref-tree" && ok || fail "after a stopped run: not the reference tree"
# A second run while one is writing is refused, and changes nothing.
python3 - "$fast/big.ini" 5000 <<'EOF'
import sys
n = int(sys.argv[2])
d = ["big%05d.test" % i for i in range(n)]
lines = ["[provider]", "id = big.test", "name = Big", "short_name = Big"]
lines += ["%s = %s" % ("domains" if k == 0 else "domains.%d" % k, ", ".join(d[k * 50:k * 50 + 50]))
          for k in range((n + 49) // 50)]
lines += ["[imap]", "host = imap.big.test", "security = ssl", "[smtp]", "host = smtp.big.test", "security = ssl"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
"$bin" site "$fast/big.ini" --out "$fast/lock" -q &
first=$!
held=0
i=0
while [ $i -lt 500 ] && kill -0 $first 2>/dev/null; do
	if [ -e "$fast/lock" ] && ! flock -n "$fast/lock" true; then
		held=1
		break
	fi
	i=$((i + 1))
	sleep 0.01
done
if [ $held = 1 ]; then
	MAILCONF_LOCK_WAIT=0 "$bin" site "$here/hosted.ini" --out "$fast/lock" 2>"$tmp/inc/lockerr"
	st=$?
	[ $st = 1 ] && grep -q 'another mailconf run (pid [0-9]*) is writing' "$tmp/inc/lockerr" && ok ||
		{ fail "second run: exit $st"; cat "$tmp/inc/lockerr"; }
else
	fail "second run: could not catch the first one holding the lock"
fi
wait $first && ok || fail "first run failed next to the refused second one"
[ ! -e "$fast/lock/domains/hosted.test" ] && ok || fail "the refused run wrote files"
rm -rf "$fast/lock"
# DNS: RFC 6186 (_imaps, _imap, _pop3s, _pop3) and RFC 8314 (_submissions,
# _submission) SRV records in the spec's order of preference, "." for what
# is not offered, the CNAMEs of --web-host and _autodiscover.
zone_of() { awk -v d="; $1" '$0 == d {p = 1} p && /^$/ {exit} p' "$w/dns.zone"; }
zone_of customer1.test >"$tmp/inc/z1"
diff - "$tmp/inc/z1" <<'EOF' && ok || fail "dns.zone: customer1.test's records"
; customer1.test
autoconfig.customer1.test. 3600 IN CNAME web.hosted.test.
autodiscover.customer1.test. 3600 IN CNAME web.hosted.test.
_autodiscover._tcp.customer1.test. 3600 IN SRV 0 0 443 web.hosted.test.
_imaps._tcp.customer1.test. 3600 IN SRV 0 1 993 imap.hosted.test.
_pop3._tcp.customer1.test. 3600 IN SRV 1 1 110 pop.hosted.test.
_submissions._tcp.customer1.test. 3600 IN SRV 0 1 465 smtp.hosted.test.
_submission._tcp.customer1.test. 3600 IN SRV 1 1 587 smtp.hosted.test.
_imap._tcp.customer1.test. 3600 IN SRV 0 0 0 .
_pop3s._tcp.customer1.test. 3600 IN SRV 0 0 0 .
EOF
zone_of customer3.test >"$tmp/inc/z3"
diff - "$tmp/inc/z3" <<'EOF' && ok || fail "dns.zone: customer3.test's records (mail.%EMAILDOMAIN%)"
; customer3.test
autoconfig.customer3.test. 3600 IN CNAME web.hosted.test.
autodiscover.customer3.test. 3600 IN CNAME web.hosted.test.
_autodiscover._tcp.customer3.test. 3600 IN SRV 0 0 443 web.hosted.test.
_imap._tcp.customer3.test. 3600 IN SRV 0 1 143 mail.customer3.test.
_pop3s._tcp.customer3.test. 3600 IN SRV 1 1 995 pop.other.test.
_submission._tcp.customer3.test. 3600 IN SRV 0 1 2587 smtp.other.test.
_imaps._tcp.customer3.test. 3600 IN SRV 0 0 0 .
_pop3._tcp.customer3.test. 3600 IN SRV 0 0 0 .
_submissions._tcp.customer3.test. 3600 IN SRV 0 0 0 .
EOF
if command -v named-checkzone >/dev/null 2>&1; then
	for d in $(domains_of "$tmp/inc/hosted.ini") $(domains_of "$tmp/inc/other.ini"); do
		{
			printf '$TTL 3600\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 3600\n' "$d" "$d"
			printf '@ IN NS ns.%s.\nns IN A 192.0.2.53\n' "$d"
			zone_of "$d"
		} >"$tmp/inc/$d.zone"
		named-checkzone -k fail -n fail -i local "$d" "$tmp/inc/$d.zone" >"$tmp/inc/nc" 2>&1 && ok ||
			{ fail "named-checkzone $d"; cat "$tmp/inc/nc"; }
	done
else
	skip "named-checkzone is not installed (bind9-utils): zone syntax not checked"
fi

# --- e. copies of one rendering -------------------------------------------------
# A spec's files, map lines and zone records are rendered once, for a
# stand-in name (SITE_HOLE in generator/cmd_site.c), and copied for each
# domain with its name put in. Each copy must be what rendering for that
# domain gives: generate's files (as in a.), and the map lines and zone
# records of a site of that domain alone (which copies nothing unchecked:
# a copy is compared with the domain's own rendering first). Domains of
# every length and form, the stand-ins themselves and parts of them; and
# a spec whose display name holds a stand-in, which must not be copied.
e="$tmp/copies"
mkdir -p "$e"
l63=$(printf '%063d' 0 | tr 0 a)
l61=$(printf '%061d' 0 | tr 0 b)
{
	echo "[provider]"
	echo "id = copies.test"
	echo "name = Copies & <Co>"
	echo "short_name = Copies"
	echo "host_domains = copies.test"
	echo "domains = copies.test, a.b, $l63.example, $l63.$l63.$l63.$l61, 123.example, x-1.y-2.example"
	echo "domains.2 = UPPER.Example, autodiscover.example, x7q.mailconf-hole.invalid, mailconf-hole.invalid"
	echo "domains.3 = k0-z.second-mailconf-stand-in.invalid, x7q.example"
	printf '[imap]\nhost = mail.%%EMAILDOMAIN%%\nsecurity = ssl\n'
	printf '[pop3]\nhost = pop.copies.test\nsecurity = starttls\nusername = %%EMAILLOCALPART%%\n'
	printf '[smtp]\nhost = smtp.%%EMAILDOMAIN%%\nsecurity = starttls\n'
} >"$e/copies.ini"
sed -e 's/^id = .*/id = holed.test/' -e 's/^name = .*/name = H x7q.mailconf-hole.invalid/' \
	-e '/^domains\./d' -e 's/^domains = .*/domains = holed.test, h2.test, x7q.mailconf-hole.invalid/' \
	"$e/copies.ini" >"$e/holed.ini"
for spec in "$e/copies.ini" "$e/holed.ini"; do
	name=$(basename "$spec" .ini)
	for L in tree shared; do
		out="$e/$name-$L"
		"$bin" site "$spec" --out "$out" --layout $L --apple --web-host web.copies.test -q ||
			fail "copies: $name $L failed"
		: >"$e/want-zone"
		: >"$e/want-nmap"
		: >"$e/want-amap"
		for d in $(domains_of "$spec"); do
			one_domain "$spec" "$d" >"$e/one.ini"
			rm -rf "$e/one"
			"$bin" site "$e/one.ini" --out "$e/one" --layout $L --apple --web-host web.copies.test -q ||
				fail "copies: $name $L, $d alone failed"
			cat "$e/one/dns.zone" >>"$e/want-zone"
			if [ $L = shared ]; then
				cat "$e/one/nginx-map.conf" >>"$e/want-nmap"
				cat "$e/one/apache-map.txt" >>"$e/want-amap"
				continue
			fi
			one_domain "$spec" "$d" "$d" >"$e/one-json.ini"
			rm -rf "$e/ref"
			"$bin" generate "$e/one.ini" --target thunderbird,autodiscover,apple --out "$e/ref" -q &&
				"$bin" generate "$e/one-json.ini" --target autodiscover-json -o "$e/ref/autodiscover.json" -q ||
				fail "copies: generate for $d failed"
			for f in mail/config-v1.1.xml:config-v1.1.xml \
				.well-known/autoconfig/mail/config-v1.1.xml:config-v1.1.xml \
				autodiscover/autodiscover.xml:autodiscover.xml \
				autodiscover/autodiscover.json:autodiscover.json mail.mobileconfig:mail.mobileconfig; do
				# Domains are case-insensitive: kept in lower case.
				cmp -s "$out/domains/$(printf %s "$d" | tr A-Z a-z)/${f%%:*}" "$e/ref/${f#*:}" && ok ||
					fail "copies: $name, $d: ${f%%:*} is not generate's ${f#*:}"
			done
		done
		cmp -s "$out/dns.zone" "$e/want-zone" && ok ||
			fail "copies: $name $L: dns.zone is not each domain's records"
		if [ $L = shared ]; then
			cmp -s "$out/nginx-map.conf" "$e/want-nmap" && ok || fail "copies: $name: nginx-map.conf"
			cmp -s "$out/apache-map.txt" "$e/want-amap" && ok || fail "copies: $name: apache-map.txt"
		fi
	done
done
grep -q '<displayName>H x7q.mailconf-hole.invalid</displayName>' \
	"$e/holed-tree/domains/h2.test/mail/config-v1.1.xml" && ok ||
	fail "copies: the stand-in in a display name was replaced"

# --- d. killed at random points -----------------------------------------------
c="$fast/crash"
mkdir -p "$c"
python3 - "$c" <<'EOF'
import sys
def spec(path, lo, hi, imap, port):
    d = ["d%04d.test" % i for i in range(lo, hi)]
    lines = ["[provider]", "id = crash.test", "name = Crash Mail", "short_name = Crash"]
    lines += ["%s = %s" % ("domains" if k == 0 else "domains.%d" % k, ", ".join(d[k * 50:k * 50 + 50]))
              for k in range((len(d) + 49) // 50)]
    lines += ["[imap]", "host = " + imap, "security = ssl",
              "[smtp]", "host = smtp.crash.test", "port = %d" % port, "security = starttls"]
    open(path, "w").write("\n".join(lines) + "\n")
spec(sys.argv[1] + "/A.ini", 0, 1000, "imap.crash.test", 587)
spec(sys.argv[1] + "/B.ini", 500, 1500, "mail.%EMAILDOMAIN%", 2525)
EOF
for cf in "A tree" "B tree" "B shared"; do
	set -- $cf
	"$bin" site "$c/$1.ini" --out "$c/www" --layout "$2" --apple -q && mv "$c/www" "$c/ref-$1-$2" ||
		fail "crash: reference $1 $2"
done
tree crash "$bin" 50 "A-tree|$c/ref-A-tree|$c/A.ini --out $c/www --apple -q" \
	"B-tree|$c/ref-B-tree|$c/B.ini --out $c/www --apple -q" \
	"B-shared|$c/ref-B-shared|$c/B.ini --out $c/www --layout shared --apple -q" >"$c/out"
st=$?
head -1 "$c/out"
[ $st = 0 ] && ok || { fail "crash: a killed run left a partial or foreign file"; tail -n +2 "$c/out"; }
# The next full run repairs everything: the reference tree, no temporary
# file, no journal; and so does each after it.
for cf in "A tree" "B shared" "A tree" "B tree" "A tree"; do
	set -- $cf
	"$bin" site "$c/$1.ini" --out "$c/www" --layout "$2" --apple -q &&
		tree equal "$c/www" "$c/ref-$1-$2" >"$c/eq" && ok || { fail "crash: after the kills, $1 $2 is not the reference:"; head "$c/eq"; }
done

finish
