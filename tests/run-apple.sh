#!/bin/sh
# Apple profiles: each rendered mail.mobileconfig is a plist with the keys and types Apple requires; a signed one verifies with openssl cms.
# usage: tests/run-apple.sh build/mailconf
# consumer-test: apple by openssl
suite=apple
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

# --- every rendered profile: plistlib, required keys, types, UUIDs ------
check_plist() { # file
	python3 - "$1" <<'PY'
import plistlib, re, sys, uuid
path = sys.argv[1]
NS = uuid.UUID("6d61696c-636f-4e66-9a3e-517b2c8044d1")  # generator/crypto.c
errors = []
def need(d, key, typ, where, values=None):
    if key not in d:
        errors.append("%s: %s missing" % (where, key))
        return None
    v = d[key]
    # bool is an int in Python: an <integer> must not be <true/>, nor back
    if type(v) is not typ:
        errors.append("%s: %s is %s, not %s" % (where, key, type(v).__name__, typ.__name__))
        return None
    if values is not None and v not in values:
        errors.append("%s: %s = %r, not one of %s" % (where, key, v, sorted(values)))
    if typ is str and (v == "" or v != v.strip()):
        errors.append("%s: %s = %r is empty or padded" % (where, key, v))
    return v
def uuid_of(d, where):
    ident = need(d, "PayloadIdentifier", str, where)
    u = need(d, "PayloadUUID", str, where)
    if ident is not None and not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", ident):
        errors.append("%s: PayloadIdentifier %r is not reverse-DNS" % (where, ident))
    if ident is not None and u is not None:
        want = str(uuid.uuid5(NS, ident)).upper()
        if u != want:
            errors.append("%s: PayloadUUID %s is not the UUIDv5 of %r (%s)" % (where, u, ident, want))
    return ident, u
try:
    with open(path, "rb") as f:
        top = plistlib.load(f)
except Exception as e:
    print("not a plist: %s" % e)
    sys.exit(1)
if type(top) is not dict:
    print("top level is not a dict")
    sys.exit(1)
need(top, "PayloadType", str, "profile", {"Configuration"})
need(top, "PayloadVersion", int, "profile", {1})
need(top, "PayloadDisplayName", str, "profile")
outer = uuid_of(top, "profile")
content = need(top, "PayloadContent", list, "profile")
if content is not None and len(content) != 1:
    errors.append("profile: %d payloads, want 1" % len(content))
for p in content or []:
    w = "mail payload"
    if type(p) is not dict:
        errors.append("%s is not a dict" % w)
        continue
    need(p, "PayloadType", str, w, {"com.apple.mail.managed"})
    need(p, "PayloadVersion", int, w, {1})
    inner = uuid_of(p, w)
    if inner[0] == outer[0] or inner[1] == outer[1]:
        errors.append("%s: identifier or UUID equals the profile's" % w)
    need(p, "EmailAccountType", str, w, {"EmailTypeIMAP", "EmailTypePOP"})
    auths = {"EmailAuthNone", "EmailAuthPassword", "EmailAuthCRAMMD5", "EmailAuthNTLM", "EmailAuthHTTPMD5"}
    for d in ("Incoming", "Outgoing"):
        host = need(p, d + "MailServerHostName", str, w)
        if host is not None and "%" in host:
            errors.append("%s: %sMailServerHostName %r holds a placeholder" % (w, d, host))
        port = need(p, d + "MailServerPortNumber", int, w)
        if port is not None and not 1 <= port <= 65535:
            errors.append("%s: %sMailServerPortNumber %d out of range" % (w, d, port))
        need(p, d + "MailServerUseSSL", bool, w)
        need(p, d + "MailServerAuthentication", str, w,
             auths - {"EmailAuthNone"} if d == "Incoming" else auths)
        if d + "MailServerUsername" in p:
            user = need(p, d + "MailServerUsername", str, w)
            if user is not None and "%" in user:
                errors.append("%s: %sMailServerUsername %r holds a placeholder" % (w, d, user))
    for k in ("EmailAddress", "EmailAccountName", "EmailAccountDescription"):
        if k in p:
            need(p, k, str, w)
    if "OutgoingPasswordSameAsIncomingPassword" in p:
        need(p, "OutgoingPasswordSameAsIncomingPassword", bool, w)
    for k in ("IncomingPassword", "OutgoingPassword"):
        if k in p:
            errors.append("%s: %s: a profile must carry no password" % (w, k))
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PY
}
render() { # name dir args... (paths in args relative to dir)
	name=$1 dir=$2
	shift 2
	if ! (cd "$dir" && "$bin" generate "$@" --target apple -o "$tmp/$name.mobileconfig" -q) 2>"$tmp/err"; then
		fail "$name: mailconf failed"
		cat "$tmp/err"
	elif check_plist "$tmp/$name.mobileconfig" >"$tmp/why"; then
		ok
	else
		fail "$name: mail.mobileconfig:"
		sed 's/^/    /' "$tmp/why"
	fi
}
for dir in "$top"/tests/golden/*/; do
	dir=${dir%/}
	"$top/tests/golden-args.sh" "$dir" apple >"$tmp/argv" || continue
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$tmp/argv"
	render "$(basename "$dir")" "$dir" "$@"
done
for p in "$top"/presets/*.ini; do
	render "preset-$(basename "$p" .ini)" "$top" --preset "$(basename "$p" .ini)"
done

# Hostile values read back exactly as they were given.
if "$bin" generate "$top/tests/golden/hostile-values/spec.ini" --email "o'x&y+z@example.org" \
	--name 'A "B" <C> & D; ]]> <!--' --target apple -o "$tmp/hostile.mobileconfig" -q 2>"$tmp/err" &&
	python3 - "$tmp/hostile.mobileconfig" <<'PY'; then
import plistlib, sys
p = plistlib.load(open(sys.argv[1], "rb"))["PayloadContent"][0]
want = {"EmailAccountName": 'A "B" <C> & D; ]]> <!--', "EmailAddress": "o'x&y+z@example.org",
        "EmailAccountDescription": "Bob \"the\" <Mail> & Co ; #1",
        "IncomingMailServerUsername": "]]><!-- o'x&y+z&amp; -->",
        "OutgoingMailServerUsername": 'PassCmd "rm -rf ~" $HOME `id` \\\\ "'}
bad = {k: p.get(k) for k in want if p.get(k) != want[k]}
if bad:
    print("hostile values changed: %r" % bad)
    sys.exit(1)
PY
	ok
else
	fail "hostile: values did not read back"
	cat "$tmp/err"
fi

# --- signing --------------------------------------------------------------
# A throw-away CA, an intermediate and a leaf; the chain file carries the
# intermediate, so the signature verifies against the root alone only when
# --sign-chain put it into the CMS.
pki="$tmp/pki"
mkdir "$pki"
cat >"$pki/ext" <<'EOF'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
EOF
if ! (
	cd "$pki" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=mailconf test root" -addext "basicConstraints=critical,CA:true" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" &&
		openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=mailconf test intermediate" &&
		openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out int.pem -days 2 \
			-extfile ext -extensions ca &&
		openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=profiles.example.com" &&
		openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out leaf.pem -days 2 \
			-extfile ext -extensions leaf &&
		openssl req -newkey rsa:2048 -nodes -keyout other.key -out other.csr -subj "/CN=other" 
) >"$pki/log" 2>&1; then
	fail "signing: openssl could not make the test certificates"
	cat "$pki/log"
fi
args="--preset gmail --email alice@gmail.com --target apple"
# shellcheck disable=SC2086
"$bin" generate $args -o "$tmp/unsigned.mobileconfig" -q 2>"$tmp/err" || { fail "signing: unsigned profile"; cat "$tmp/err"; }
# shellcheck disable=SC2086
if "$bin" generate $args --out "$tmp/signed" --sign-cert "$pki/leaf.pem" --sign-key "$pki/leaf.key" \
	--sign-chain "$pki/int.pem" -q 2>"$tmp/err"; then
	ok
else
	fail "signing: mailconf failed"
	cat "$tmp/err"
fi
s="$tmp/signed/mail.mobileconfig"
if openssl cms -verify -inform DER -in "$s" -CAfile "$pki/ca.pem" -out "$tmp/content" 2>"$tmp/err"; then
	ok
else
	fail "signing: openssl cms -verify rejects the signed profile"
	cat "$tmp/err"
fi
if cmp -s "$tmp/content" "$tmp/unsigned.mobileconfig"; then
	ok
else
	fail "signing: the signed content differs from the unsigned profile"
fi
# Without the chain, the root alone cannot verify it: the intermediate came
# from --sign-chain.
# shellcheck disable=SC2086
"$bin" generate $args -o "$tmp/nochain.mobileconfig" --sign-cert "$pki/leaf.pem" \
	--sign-key "$pki/leaf.key" -q 2>/dev/null
if [ -s "$tmp/nochain.mobileconfig" ] &&
	! openssl cms -verify -inform DER -in "$tmp/nochain.mobileconfig" -CAfile "$pki/ca.pem" \
		-out /dev/null 2>/dev/null &&
	cat "$pki/ca.pem" "$pki/int.pem" >"$pki/both.pem" &&
	openssl cms -verify -inform DER -in "$tmp/nochain.mobileconfig" -CAfile "$pki/both.pem" \
		-out /dev/null 2>/dev/null; then
	ok
else
	fail "signing: without --sign-chain the intermediate should be missing (and only it)"
fi
# The signed file still parses as a plist once unwrapped, and says so.
if check_plist "$tmp/content" >"$tmp/why"; then ok; else
	fail "signing: the embedded profile:"
	cat "$tmp/why"
fi
# A key that does not belong to the certificate: a clear error, exit 1,
# nothing written.
# shellcheck disable=SC2086
"$bin" generate $args --out "$tmp/wrong" --sign-cert "$pki/leaf.pem" --sign-key "$pki/other.key" 2>"$tmp/err"
rc=$?
if [ $rc = 1 ] && grep -q "does not belong to the certificate" "$tmp/err" && [ ! -e "$tmp/wrong" ]; then
	ok
else
	fail "signing: wrong key: exit $rc, wrote: $(ls "$tmp/wrong" 2>&1), said:"
	cat "$tmp/err"
fi
# An encrypted key: refused without asking for a passphrase (stdin closed).
openssl pkey -in "$pki/leaf.key" -aes256 -passout pass:secret -out "$pki/enc.key" 2>/dev/null
# shellcheck disable=SC2086
"$bin" generate $args --out "$tmp/enc" --sign-cert "$pki/leaf.pem" --sign-key "$pki/enc.key" \
	</dev/null 2>"$tmp/err"
rc=$?
if [ $rc = 1 ] && grep -q "is encrypted" "$tmp/err" && [ ! -e "$tmp/enc" ]; then
	ok
else
	fail "signing: encrypted key: exit $rc, said:"
	cat "$tmp/err"
fi
# Unreadable files and a chain without certificates: clear errors, nothing written.
for case in "cert:$pki/nosuch.pem:$pki/leaf.key:" "key:$pki/leaf.pem:$pki/nosuch.key:" \
	"chain:$pki/leaf.pem:$pki/leaf.key:$pki/leaf.key"; do
	what=${case%%:*}
	rest=${case#*:}
	cert=${rest%%:*}
	rest=${rest#*:}
	key=${rest%%:*}
	chain=${rest#*:}
	set -- --sign-cert "$cert" --sign-key "$key"
	[ -n "$chain" ] && set -- "$@" --sign-chain "$chain"
	# shellcheck disable=SC2086
	"$bin" generate $args --out "$tmp/bad-$what" "$@" 2>"$tmp/err"
	rc=$?
	if [ $rc = 1 ] && grep -q "^mailconf: error: signing: " "$tmp/err" && [ ! -e "$tmp/bad-$what" ]; then
		ok
	else
		fail "signing: bad $what: exit $rc, said:"
		cat "$tmp/err"
	fi
done
# --sign-key or --sign-chain without --sign-cert is a usage error.
# shellcheck disable=SC2086
"$bin" generate $args -o "$tmp/x" --sign-key "$pki/leaf.key" 2>"$tmp/err"
rc=$?
if [ $rc = 2 ] && [ ! -e "$tmp/x" ]; then ok; else
	fail "signing: --sign-key alone: exit $rc"
	cat "$tmp/err"
fi
finish
