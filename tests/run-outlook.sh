#!/bin/sh
# Outlook: every autodiscover.json parses as JSON and points to the POX URL; outlook.prf is Windows-1252 with CRLF, parses back as INI with the right keys and values, and states its limits.
# usage: tests/run-outlook.sh build/mailconf
# consumer-test: autodiscover-json outlook-prf by python3
suite=outlook
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

# --- autodiscover.json: every golden case and preset ----------------------
json() { # name dir args...
	name=$1 dir=$2
	shift 2
	if ! (cd "$dir" && "$bin" generate "$@" --target autodiscover-json -o "$tmp/$name.json" -q) 2>"$tmp/err"; then
		fail "$name: mailconf failed (autodiscover-json)"
		cat "$tmp/err"
	elif python3 - "$tmp/$name.json" >"$tmp/why" 2>&1 <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert type(d) is dict and sorted(d) == ["Protocol", "Url"], d
assert d["Protocol"] == "AutodiscoverV1", d
u = d["Url"]
assert u.startswith("https://autodiscover.") and u.endswith("/autodiscover/autodiscover.xml"), u
PY
		ok
	else
		fail "$name: autodiscover.json:"
		cat "$tmp/why"
	fi
}
for dir in "$top"/tests/golden/*/; do
	dir=${dir%/}
	"$top/tests/golden-args.sh" "$dir" autodiscover-json >"$tmp/argv" || continue
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$tmp/argv"
	json "$(basename "$dir")" "$dir" "$@"
done
for p in "$top"/presets/*.ini; do
	json "preset-$(basename "$p" .ini)" "$top" --preset "$(basename "$p" .ini)"
done

# --- outlook.prf -----------------------------------------------------------
# check_prf FILE KEY=VALUE...: the bytes are Windows-1252 with CRLF only, the
# text parses as INI (configparser, no interpolation: %USERPROFILE% is
# Outlook's), the sections of a PRF are there, every key of [Account1] and
# [Service1] has its property mapping, no password, the limits are stated,
# and [Account1] holds exactly the KEY=VALUE pairs given (VALUE "-": absent).
check_prf() {
	python3 - "$@" <<'PY'
import configparser, sys
path, *want = sys.argv[1:]
raw = open(path, "rb").read()
errors = []
try:
    text = raw.decode("cp1252")  # strict: bytes 0x81 0x8d 0x8f 0x90 0x9d fail
except UnicodeDecodeError as e:
    print("not Windows-1252: %s" % e)
    sys.exit(1)
if raw.replace(b"\r\n", b"").count(b"\n") or raw.replace(b"\r\n", b"").count(b"\r"):
    errors.append("a line does not end with CRLF")
if not raw.endswith(b"\r\n"):
    errors.append("the last line has no CRLF")
for lim in ("STARTTLS", "OAuth2", "Passwords: the file holds none"):
    if lim not in text.split("[General]")[0]:
        errors.append("the comment at the top does not state the limit %r" % lim)
cp = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",),
                               comment_prefixes=(";",), empty_lines_in_values=False)
cp.optionxform = str  # PRF keys keep their case
try:
    cp.read_string(text)
except configparser.Error as e:
    print("not an INI file: %s" % e)
    sys.exit(1)
need = ["General", "Service List", "Internet Account List", "Service1", "Account1",
        "Unicode Personal Folders", "I_Mail", "IMAP_I_Mail"]
for s in need:
    if not cp.has_section(s):
        errors.append("no [%s]" % s)
extra = set(cp.sections()) - set(need)
if extra:
    errors.append("unexpected sections %s" % sorted(extra))
if errors:
    print("\n".join(errors))
    sys.exit(1)
g = cp["General"]
for k, v in (("Custom", "1"), ("DefaultStore", "Service1")):
    if g.get(k) != v:
        errors.append("[General] %s = %r, want %r" % (k, g.get(k), v))
if cp["Service List"].get("Service1") != "Unicode Personal Folders":
    errors.append("[Service List] Service1 is not Unicode Personal Folders")
kind = cp["Internet Account List"].get("Account1")
if kind not in ("I_Mail", "IMAP_I_Mail"):
    errors.append("[Internet Account List] Account1 = %r" % kind)
else:
    mapping = cp[kind]
    acct = cp["Account1"]
    proto = "IMAP" if kind == "IMAP_I_Mail" else "POP3"
    if mapping.get("AccountType") != proto:
        errors.append("[%s] AccountType = %r" % (kind, mapping.get("AccountType")))
    for k in acct:
        if k == "UniqueService":
            continue
        if k not in mapping:
            errors.append("[Account1] %s has no mapping in [%s]" % (k, kind))
        elif not mapping[k].startswith(("PT_UNICODE,0x", "PT_LONG,0x")):
            errors.append("[%s] %s = %r" % (kind, k, mapping[k]))
        if "Password" in k:
            errors.append("[Account1] %s: a PRF must carry no password" % k)
        if mapping.get(k, "").startswith("PT_LONG") and not acct[k].isdigit():
            errors.append("[Account1] %s = %r is not a number" % (k, acct[k]))
    for k in (proto + "Server", proto + "Port", proto + "UseSSL", proto + "UserName",
              "SMTPServer", "SMTPPort", "SMTPSecureConnection", "SMTPUseAuth", "EmailAddress"):
        if k not in acct:
            errors.append("[Account1] %s missing" % k)
    for k in (proto + "Port", "SMTPPort"):
        if acct.get(k, "0").isdigit() and not 1 <= int(acct.get(k, "0")) <= 65535:
            errors.append("[Account1] %s out of range" % k)
    if acct.get(proto + "UseSSL") not in ("0", "1"):
        errors.append("[Account1] %sUseSSL = %r" % (proto, acct.get(proto + "UseSSL")))
    if acct.get("SMTPSecureConnection") not in ("0", "1", "2"):
        errors.append("[Account1] SMTPSecureConnection = %r" % acct.get("SMTPSecureConnection"))
for k in cp["Service1"]:
    if k != "UniqueService" and k not in cp["Unicode Personal Folders"]:
        errors.append("[Service1] %s has no mapping" % k)
for kv in want:
    k, v = kv.split("=", 1)
    got = cp["Account1"].get(k, "-")
    if got != v:
        errors.append("[Account1] %s = %r, want %r" % (k, got, v))
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
}
prf() { # name dir KEY=VALUE..., with the generate arguments in $tmp/argv
	name=$1 dir=$2
	shift 2
	if ! (
		cd "$dir" || exit 2
		set --
		while IFS= read -r a; do set -- "$@" "$a"; done <"$tmp/argv"
		"$bin" generate "$@" --target outlook-prf -o "$tmp/$name.prf" -q
	) 2>"$tmp/err"; then
		fail "$name: mailconf failed (outlook-prf)"
		cat "$tmp/err"
	elif check_prf "$tmp/$name.prf" "$@" >"$tmp/why" 2>&1; then
		ok
	else
		fail "$name: outlook.prf:"
		sed 's/^/    /' "$tmp/why"
	fi
}
argv() { printf '%s\n' "$@" >"$tmp/argv"; }
g="$top/tests/golden"
# Every golden case that renders outlook.prf, checked for form.
for dir in "$g"/*/; do
	dir=${dir%/}
	"$top/tests/golden-args.sh" "$dir" outlook-prf --per-user >"$tmp/argv" || continue
	prf "$(basename "$dir")" "$dir"
done
# And for values: the spec's choices as Outlook's numbers.
argv --preset gmail --email alice@gmail.com
prf gmail "$top" \
	IMAPServer=imap.gmail.com IMAPPort=993 IMAPUseSSL=1 IMAPUserName=alice@gmail.com \
	SMTPServer=smtp.gmail.com SMTPPort=587 SMTPSecureConnection=2 SMTPUseAuth=1 \
	SMTPAuthMethod=0 SMTPUserName=- DisplayName=- POP3Server=-
argv spec.ini --email pat@pop-only.example --name "Zoë Ann"
prf pop3 "$g/pop3-only" \
	POP3Server=pop.pop-only.example POP3Port=995 POP3UseSSL=1 POP3UseSPA=0 \
	LeaveOnServer=458755 SMTPSecureConnection=1 SMTPUseSPA=1 "DisplayName=Zoë Ann" IMAPServer=-
argv spec.ini --email kim@starttls.example
prf starttls "$g/starttls-only" \
	IMAPPort=143 IMAPUseSSL=1 IMAPUserName=kim SMTPAuthMethod=1 \
	SMTPUserName=kim@starttls.example
argv spec.ini --email user@legacy.example.jp
prf plaintext "$g/plaintext-legacy" \
	POP3Port=110 POP3UseSSL=0 SMTPSecureConnection=0
# Implicit TLS wins over a STARTTLS server listed first (a PRF cannot ask
# for STARTTLS on IMAP/POP3).
cat >"$tmp/order.ini" <<'EOF'
[provider]
id = example.com
name = Example
short_name = Example
domains = example.com
[imap]
host = imap.example.com
port = 143
security = starttls
[imap.ssl]
host = imap.example.com
port = 993
security = ssl
[smtp]
host = smtp.example.com
security = none
auth = none
EOF
argv order.ini --email a@example.com
prf order "$tmp" \
	IMAPPort=993 IMAPUseSSL=1 SMTPSecureConnection=0 SMTPUseAuth=0 SMTPAuthMethod=-
# A value that looks like a section, a key or a comment stays the value it
# was: PRF values run to the end of the line.
argv --preset gmail --email a@gmail.com --login "[General] ProfileName=x ;#" --name "; [Account1]"
prf hostile "$top" \
	"IMAPUserName=[General] ProfileName=x ;#" "DisplayName=; [Account1]" "SMTPAuthMethod=0"
# The STARTTLS-only file warns where the limit bites.
if tr -d '\r' <"$tmp/starttls.prf" | grep -q "^; WARNING: the incoming server offers only STARTTLS"; then
	ok
else
	fail "starttls: outlook.prf does not warn that the incoming server needs STARTTLS"
fi
finish
