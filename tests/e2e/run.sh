#!/bin/sh
# End to end: a real Dovecot (IMAP, POP3) and an SMTP sink on loopback, TLS from a throw-away CA; mbsync, fetchmail and msmtp with files mailconf generated, or installed for each person of a users file, move real mail.
#
# usage: tests/e2e/run.sh path/to/mailconf
# Phase 1 (as called): picks ports, writes the test specs and generates the
# rc files with mailconf for a test address (--email), with hostile-looking
# login, password, paths and commands. Dovecot refuses to run as root with
# a private configuration, so as root phase 2 runs as nobody (setpriv);
# otherwise as the caller. Phase 2 starts the servers, runs the clients
# with bounded timeouts and checks where the mail went; its EXIT trap stops
# the servers by PID. Then, as each person of team.csv would: `mailconf
# install` into a home of their own, and mbsync, fetchmail and msmtp with
# only HOME set (no -c/-f/-C) each move that person's mail, and only
# theirs. Prints "e2e: N passed, M failed".
# E2E_KEEP=1 keeps the run directory; E2E_PORT_BASE chooses the ports;
# E2E_TIMEOUT (default 90) bounds phase 2 in seconds.
set -u
py=${E2E_PYTHON:-/usr/bin/python3}

if [ "${E2E_PHASE:-1}" = 1 ]; then
	bin=$(realpath "$1")
	here=$(cd "$(dirname "$0")" && pwd)
	lda=
	for f in /usr/lib/dovecot/dovecot-lda /usr/libexec/dovecot/dovecot-lda; do
		[ -x "$f" ] && lda=$f && break
	done
	missing=
	for c in dovecot mbsync fetchmail msmtp openssl timeout; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -n "$lda" ] || missing="$missing dovecot-lda"
	"$py" -c 'import aiosmtpd' 2>/dev/null || missing="$missing python3-aiosmtpd"
	if [ -n "$missing" ]; then
		echo "FAIL e2e: missing:$missing (make test-deps installs them)"
		echo "e2e: 0 passed, 1 failed"
		exit 1
	fi
	T=$(mktemp -d "${TMPDIR:-/tmp}/mailconf-e2e.XXXXXX") || exit 2
	# shellcheck disable=SC2317 # run by the trap
	cleanup1() {
		if [ "${E2E_KEEP:-0}" = 1 ]; then echo "e2e: kept $T"; else rm -rf "$T"; fi
	}
	trap cleanup1 EXIT
	trap 'exit 130' INT TERM HUP
	chmod 0755 "$T"
	mkdir -p "$T/e2e" "$T/home" "$T/cfg" "$T/secrets" "$T/logs"
	cp "$here/deliver" "$here/smtp-sink.py" "$here/run.sh" "$here/team.csv" \
		"$T/e2e/"
	# Below the ephemeral range (32768-) that outgoing connections use.
	base=${E2E_PORT_BASE:-$((20000 + ($$ % 120) * 100))}
	# Values with quotes, backslashes, #, ;, blanks, $HOME, backticks and
	# non-ASCII: each program must read them back exactly, or the login,
	# the TLS check or the delivery fails. Dovecot's passwd-file splits on
	# ":", so the login and password have none, and its user names cannot
	# hold " or \ (run-consumers.sh reads those back without a server).
	# shellcheck disable=SC2016 # $HOME and backticks are the values
	login='al ice #;$HOME `x` ü'
	# shellcheck disable=SC2016
	password='s3cr et#"q\b'"'"'$HOME `touch pwned` ü \x22'
	token='e2e-token-1234'
	ca_dir="$T/tls dir \"q\" #;\$HOME \`x\` ü"
	maildir="$T/mail box \"q\" #;\$HOME"
	printf '%s\n' "$password" >"$T/secrets/pass"
	printf '%s\n' "$token" >"$T/secrets/token"
	# The commands as a person would write them: shell-quoted paths.
	pass_cmd="cat '$T/secrets/pass'"
	token_cmd="cat '$T/secrets/token'"
	mda_of() { echo "'$T/e2e/deliver' '$T/client/$1'"; }
	spec() { # file imap-security imap-port pop3-security pop3-port smtp-auth leave-on-server
		cat >"$1" <<EOF
[provider]
id = e2e.example
name = E2E test
short_name = E2E
domains = e2e.example

[imap]
host = 127.0.0.1
port = $3
security = $2

[pop3]
host = 127.0.0.1
port = $5
security = $4
leave_on_server = $7

[smtp]
host = 127.0.0.1
port = $((base + 87))
security = starttls
auth = $6

[smtp.ssl]
host = 127.0.0.1
port = $((base + 65))
security = ssl
auth = $6
EOF
	}
	spec "$T/cfg/ssl.ini" ssl $((base + 93)) ssl $((base + 95)) password-cleartext true
	spec "$T/cfg/starttls.ini" starttls $((base + 43)) starttls $((base + 10)) password-cleartext false
	spec "$T/cfg/oauth2.ini" ssl $((base + 93)) ssl $((base + 95)) oauth2 true
	gen() { # out spec args...
		o=$1 s=$2
		shift 2
		E2E_PASSWORD=$password "$bin" generate "$s" --out "$T/cfg/$o" -q \
			--email alice@e2e.example --login "$login" "$@" 2>>"$T/logs/mailconf.err"
	}
	ok=1
	gen ssl "$T/cfg/ssl.ini" --target mbsync,msmtp,fetchmail \
		--pass-cmd "$pass_cmd" --password-env E2E_PASSWORD \
		--ca-file "$ca_dir/ca.pem" --maildir "$maildir/ssl" \
		--mda "$(mda_of 'fm imaps "q"')" || ok=0
	gen ssl-pop3 "$T/cfg/ssl.ini" --target fetchmail --incoming pop3 \
		--password-env E2E_PASSWORD --ca-file "$ca_dir/ca.pem" \
		--mda "$(mda_of 'fm pop3s')" || ok=0
	gen starttls "$T/cfg/starttls.ini" --target mbsync,fetchmail \
		--pass-cmd "$pass_cmd" --password-env E2E_PASSWORD \
		--ca-file "$ca_dir/ca.pem" --maildir "$maildir/starttls" \
		--mda "$(mda_of 'fm imap-stls')" || ok=0
	gen starttls-pop3 "$T/cfg/starttls.ini" --target fetchmail --incoming pop3 \
		--password-env E2E_PASSWORD --ca-file "$ca_dir/ca.pem" \
		--mda "$(mda_of 'fm pop3-stls')" || ok=0
	gen oauth2 "$T/cfg/oauth2.ini" --target msmtp --token-cmd "$token_cmd" \
		--ca-file "$ca_dir/ca.pem" || ok=0
	# Without --ca-file: the system's CAs do not know the test CA, so the
	# clients must refuse the server (certificate checks are on).
	gen noca "$T/cfg/ssl.ini" --target mbsync,msmtp,fetchmail \
		--pass-cmd "$pass_cmd" --password-env E2E_PASSWORD \
		--maildir "$maildir/noca" --mda "$(mda_of 'fm noca')" || ok=0
	if [ $ok = 0 ]; then
		echo "FAIL e2e: mailconf could not generate the files:"
		cat "$T/logs/mailconf.err"
		echo "e2e: 0 passed, 1 failed"
		exit 1
	fi
	# The whole of phase 2 is bounded too (each client is, on its own):
	# on TERM its trap stops the servers and prints the count.
	set -- timeout --foreground -k 60 "${E2E_TIMEOUT:-90}" \
		env E2E_PHASE=2 E2E_T="$T" E2E_BASE="$base" E2E_LDA="$lda" \
		E2E_LOGIN="$login" E2E_PASSWORD="$password" E2E_TOKEN="$token" \
		E2E_CA_DIR="$ca_dir" E2E_MAILDIR="$maildir" E2E_PYTHON="$py" \
		E2E_BIN="$bin" HOME="$T/home" sh "$T/e2e/run.sh"
	if [ "$(id -u)" = 0 ]; then
		# fetchmail wants its rc file owned by the user running it.
		chown -R nobody:"$(id -gn nobody)" "$T"
		(cd / && setpriv --reuid=nobody --regid="$(id -g nobody)" \
			--clear-groups "$@" </dev/null)
	else
		(cd / && "$@" </dev/null)
	fi
	exit $?
fi

# ---- phase 2: unprivileged ----
T=$E2E_T
base=$E2E_BASE
login=$E2E_LOGIN
password=$E2E_PASSWORD
pass=0
failed=0
pids=
export HOME
umask 077
# A command hidden in a value would run here: see the last check.
mkdir -p "$T/cwd"
cd "$T/cwd" || exit 2

ok() { pass=$((pass + 1)); }
bad() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

# alive PID: the process exists and is not a zombie.
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"
}

teardown() {
	for pid in $pids; do
		kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null)
		kill -TERM "$pid" 2>/dev/null
		n=0
		while alive "$pid" && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		for k in $kids; do
			alive "$k" && kill -KILL "$k" 2>/dev/null
		done
	done
	if [ $failed != 0 ]; then
		for f in "$T"/logs/*; do
			[ -s "$f" ] || continue
			echo "--- $f (last 15 lines)"
			tail -n 15 "$f"
		done
	fi
	echo "e2e: $pass passed, $failed failed"
}
trap 'teardown; [ $failed = 0 ]; exit $?' EXIT
trap 'bad "stopped by a signal (over E2E_TIMEOUT, ${E2E_TIMEOUT:-90} s?)"; exit 130' INT TERM HUP

# ---- TLS: a throw-away CA and a certificate for 127.0.0.1 ----
# mbsync 1.4 ignores IP SANs but falls back to the CN; fetchmail checks the
# CN too; msmtp (GnuTLS) the IP SAN. The spec's hosts are 127.0.0.1 since
# mailconf wants host names of two labels.
ca_dir=$E2E_CA_DIR
tls=$T/tls
mkdir -p "$tls" "$ca_dir"
{
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mailconf e2e CA" \
		-keyout "$tls/ca.key" -out "$ca_dir/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
			-keyout "$tls/server.key" -out "$tls/server.csr" &&
		printf '%s\n' subjectAltName=IP:127.0.0.1 \
			basicConstraints=CA:FALSE keyUsage=digitalSignature,keyEncipherment \
			extendedKeyUsage=serverAuth >"$tls/ext.cnf" &&
		openssl x509 -req -in "$tls/server.csr" -CA "$ca_dir/ca.pem" \
			-CAkey "$tls/ca.key" -CAcreateserial -days 2 \
			-extfile "$tls/ext.cnf" -out "$tls/server.pem"
} >"$T/logs/openssl.log" 2>&1 || {
	bad "openssl: no certificates"
	exit 1
}

# ---- Dovecot: every service as us, no chroot, private directories ----
u=$(id -un)
g=$(id -gn)
mkdir -p "$T/run" "$T/state" "$T/mail"
cat >"$T/dovecot.conf" <<EOF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $T/run
state_dir = $T/state
instance_name = mailconf-e2e-$$
log_path = $T/logs/dovecot.log
default_internal_user = $u
default_internal_group = $g
default_login_user = $u
ssl = required
ssl_cert = <$tls/server.pem
ssl_key = <$tls/server.key
auth_mechanisms = plain login
# any character in a user name, kept as it is (the default lower-cases
# it): the login is hostile on purpose
auth_username_chars =
auth_username_format = %u
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $T/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $T/passwd
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $((base + 43))
  }
  inet_listener imaps {
    port = $((base + 93))
    ssl = yes
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = $((base + 10))
  }
  inet_listener pop3s {
    port = $((base + 95))
    ssl = yes
  }
}
EOF
printf '%s:{PLAIN}%s:%s:%s::%s::userdb_mail=maildir:%s\n' "$login" "$password" \
	"$(id -u)" "$(id -g)" "$T/home" "$T/mail/alice" >"$T/passwd"

# ---- the people of team.csv: an account each, a password in a file ----
# people FN: calls FN EMAIL NAME LOGIN-COLUMN LOGIN KEY for each row of
# team.csv (plain CSV: no quoted fields). An empty login column means the
# login is the address (the spec's default username).
people() {
	while IFS=, read -r p_email p_name p_login <&3; do
		[ "$p_email" = email ] && continue
		"$1" "$p_email" "$p_name" "$p_login" "${p_login:-$p_email}" \
			"${p_email%%@*}" 3<&-
	done 3<"$T/e2e/team.csv"
}
# A password per person, read back by each program: a space, #, ', $HOME
# and non-ASCII (no ":" for Dovecot, no '"' for ~/.netrc's quotes).
# shellcheck disable=SC2016 # $HOME is the value
pw_of() { printf '%s pw #'"'"'$HOME ü' "$1"; }
npeople=0
: >"$T/sink-users"
account() { # email name login-column login key
	npeople=$((npeople + 1))
	pw_of "$5" >"$T/secrets/$1"
	printf '%s\t%s\n' "$4" "$(pw_of "$5")" >>"$T/sink-users"
	mkdir -p "$T/dovecot-home/$5"
	printf '%s:{PLAIN}%s:%s:%s::%s::userdb_mail=maildir:%s\n' "$4" \
		"$(pw_of "$5")" "$(id -u)" "$(id -g)" "$T/dovecot-home/$5" \
		"$T/mail/$5" >>"$T/passwd"
}
people account
dovecot -F -c "$T/dovecot.conf" >"$T/logs/dovecot.stderr" 2>&1 &
pids="$pids $!"

# ---- SMTP sink ----
mkdir -p "$T/sink"
"$E2E_PYTHON" -W ignore "$T/e2e/smtp-sink.py" "$tls/server.pem" "$tls/server.key" \
	$((base + 87)) $((base + 65)) "$login" "$password" "$E2E_TOKEN" "$T/sink" \
	"$T/sink-users" >"$T/logs/smtp-sink.log" 2>&1 &
pids="$pids $!"

# ---- ready: every port accepts, within 15 s, and no server died ----
if ! "$E2E_PYTHON" - "$pids" $((base + 43)) $((base + 93)) $((base + 10)) \
	$((base + 95)) $((base + 87)) $((base + 65)) <<'EOF'; then
import socket, sys, time
pids, ports = sys.argv[1].split(), [int(p) for p in sys.argv[2:]]
def alive(pid):
    try:
        return 'Z' not in open('/proc/%s/status' % pid).read().split('State:')[1].split()[0]
    except OSError:
        return False
end = time.time() + 15
while ports:
    if time.time() > end or not all(alive(p) for p in pids):
        print('not listening: %s' % ports)
        sys.exit(1)
    try:
        socket.create_connection(('127.0.0.1', ports[0]), 0.5).close()
        ports.pop(0)
    except OSError:
        time.sleep(0.05)
EOF
	bad "servers did not start (a port in use? set E2E_PORT_BASE)"
	exit 1
fi
ok

# seed ID [LOGIN ADDRESS]: delivers a message with Message-ID
# <ID@e2e.example> to the server INBOX of LOGIN (default: the test user),
# through Dovecot's LDA.
seed() {
	printf 'From: sender@e2e.example\r\nTo: %s\r\nSubject: e2e %s\r\nMessage-ID: <%s@e2e.example>\r\nDate: %s\r\n\r\nHello from the e2e test.\r\n' \
		"${3:-alice@e2e.example}" "$1" "$1" "$(date -R)" |
		timeout 20 "$E2E_LDA" -c "$T/dovecot.conf" -d "${2:-$login}" \
			-a "${3:-alice@e2e.example}" -f sender@e2e.example \
			2>>"$T/logs/lda.log"
}

# has DIR ID: a message with that Message-ID is in the Maildir DIR.
has() {
	grep -rqs "^Message-ID: <$2@e2e.example>" "$1/new" "$1/cur"
}

# run NAME CMD...: runs a client, bounded, its output in logs/NAME.log.
run() {
	name=$1
	shift
	timeout 20 "$@" >"$T/logs/$name.log" 2>&1
}

cfg=$T/cfg
maildir=$E2E_MAILDIR
client=$T/client
mkdir -p "$client"

# ---- mbsync: IMAPS and STARTTLS, PassCmd, CertificateFile ----
for mode in ssl starttls; do
	seed "mbsync-$mode"
	mkdir -p "$maildir/$mode"
	if run "mbsync-$mode" mbsync -c "$cfg/$mode/mbsyncrc" -a &&
		has "$maildir/$mode/INBOX" "mbsync-$mode"; then ok; else
		bad "mbsync $mode: the seeded message is not in $maildir/$mode/INBOX (exit $?)"
	fi
done

# ---- fetchmail: IMAPS, IMAP STARTTLS, POP3S (keep), POP3 STLS (no keep) ----
fetch() { # case maildir-name id
	seed "$3"
	chmod 0600 "$cfg/$1/fetchmailrc"
	run "fetchmail-$1" fetchmail -v -f "$cfg/$1/fetchmailrc" --idfile "$T/home/fetchids-$1"
	rc=$?
	if [ $rc = 0 ] && has "$client/$2" "$3"; then ok; else
		bad "fetchmail $1: the seeded message is not in client/$2 (exit $rc)"
	fi
}
fetch ssl 'fm imaps "q"' fetchmail-imaps
fetch starttls 'fm imap-stls' fetchmail-imap-stls
fetch ssl-pop3 'fm pop3s' fetchmail-pop3s
fetch starttls-pop3 'fm pop3-stls' fetchmail-pop3-stls
# "no keep": POP3 deleted what it fetched.
if [ -z "$(find "$T/mail/alice/new" "$T/mail/alice/cur" -type f 2>/dev/null)" ]; then ok; else
	bad "fetchmail starttls-pop3 (no keep): mail is still on the server"
fi

# ---- msmtp: STARTTLS (the default account), SMTPS, XOAUTH2 ----
send() { # name config account id
	printf 'From: alice@e2e.example\nTo: bob@e2e.example\nSubject: e2e %s\nMessage-ID: <%s@e2e.example>\n\nHello.\n' \
		"$4" "$4" | run "msmtp-$1" msmtp -C "$2" -a "$3" bob@e2e.example
	rc=$?
	f=$(grep -ls "^Message-ID: <$4@e2e.example>" "$T"/sink/*.eml)
	if [ $rc = 0 ] && [ -n "$f" ] &&
		[ "$(sed -n 's/^X-E2E-Auth-User: //p' "$f" | tr -d '\r')" = "$login" ] &&
		grep -q '^X-E2E-TLS: yes' "$f"; then ok; else
		bad "msmtp $1: no message from $login over TLS at the sink (exit $rc)"
	fi
}
chmod 0600 "$cfg"/*/msmtprc
send starttls "$cfg/ssl/msmtprc" default msmtp-starttls
send smtps "$cfg/ssl/msmtprc" e2e.example-smtp.ssl msmtp-smtps
send xoauth2 "$cfg/oauth2/msmtprc" default msmtp-xoauth2

# ---- without --ca-file, every client refuses the server ----
mkdir -p "$maildir/noca"
seed noca
if ! run mbsync-noca mbsync -c "$cfg/noca/mbsyncrc" -a &&
	grep -q 'certificate\|SSL error' "$T/logs/mbsync-noca.log"; then ok; else
	bad "mbsync without the CA connected anyway"
fi
chmod 0600 "$cfg/noca/fetchmailrc"
run fetchmail-noca fetchmail -v -f "$cfg/noca/fetchmailrc" --idfile "$T/home/fetchids-noca"
rc=$?
if [ $rc = 2 ] && grep -q 'certificate verification' "$T/logs/fetchmail-noca.log"; then ok; else
	bad "fetchmail without the CA: exit $rc, not a certificate error"
fi
printf 'Subject: noca\n\nx\n' | run msmtp-noca msmtp -C "$cfg/noca/msmtprc" bob@e2e.example
rc=$?
if [ $rc != 0 ] && grep -q 'certificate' "$T/logs/msmtp-noca.log"; then ok; else
	bad "msmtp without the CA: exit $rc, not a certificate error"
fi

# ---- install: each person of team.csv, into a home of their own ----
# One command line for the whole team, as an admin would write it: the
# password command names the person's file (%EMAILADDRESS%, filled in by
# mailconf), fetchmail delivers into ~/Fetched of whoever runs it; only
# the rows differ. Installed as the person (fetchmail wants its rc file
# owned by whoever runs it).
team() { # mailconf command, then its arguments
	"$E2E_BIN" "$@" --pass-cmd "cat '$T/secrets/'%EMAILADDRESS%" \
		--ca-file "$E2E_CA_DIR/ca.pem" --mda "'$T/e2e/deliver' ~/Fetched"
}
install_person() { # email name login-column (the home is $h)
	if [ -n "$3" ]; then
		team install "$cfg/ssl.ini" --home "$h" --email "$1" --name "$2" \
			--login "$3"
	else
		team install "$cfg/ssl.ini" --home "$h" --email "$1" --name "$2"
	fi
}
# as NAME CMD...: runs a client as the person of the home $h would (as
# run does), with only HOME to find ~/.mbsyncrc, ~/.fetchmailrc,
# ~/.msmtprc (and ~/.netrc): no -c, -f or -C.
as() {
	as_name=$1
	shift
	run "$as_name" env -u FETCHMAILHOME -u XDG_CONFIG_HOME HOME="$h" "$@"
}
# ids DIR: the Message-IDs in the Maildir DIR, sorted, one a line.
ids() {
	cat "$1"/new/* "$1"/cur/* 2>/dev/null |
		sed -n 's/^Message-ID: <\(.*\)@e2e\.example>.*/\1/p' | tr -d '\r' | sort
}
rc_files() { # the installed files' inode, mtime and mode
	(cd "$h" && stat -c '%n %i %Y %a' .mbsyncrc .fetchmailrc .msmtprc)
}

install_one() { # email name login-column login key
	h=$T/home-$5
	mkdir -p "$h"
	install_person "$1" "$2" "$3" 2>"$T/logs/install-$5.log"
	i_rc=$?
	if [ $i_rc = 0 ] && grep -q '^mailconf: 3 written, 0 unchanged$' "$T/logs/install-$5.log" &&
		[ "$(rc_files | awk '{print $4}' | sort -u)" = 600 ] &&
		[ -d "$h/Mail/$1" ]; then ok; else
		bad "install $1: exit $i_rc; $(cat "$T/logs/install-$5.log"); want ~/.mbsyncrc, ~/.fetchmailrc, ~/.msmtprc mode 0600 and ~/Mail/$1/ in $h: $(rc_files | tr '\n' ' ')"
	fi
	rc_files >"$T/logs/install-$5.stat"
	# fetchmail cannot run a password command: the person's ~/.netrc
	# (written here, not by mailconf) gives it the password.
	printf 'machine 127.0.0.1 login "%s" password "%s"\n' "$4" "$(cat "$T/secrets/$1")" \
		>"$h/.netrc"
	# Mail for this person only, on the server before anyone fetches.
	seed "team-$5" "$4" "$1"
}

use_one() { # email name login-column login key
	h=$T/home-$5
	# mbsync: into the Maildir install made; this person's message only.
	as "mbsync-$5" mbsync -a
	u_rc=$?
	got=$(ids "$h/Mail/$1/INBOX" | tr '\n' ' ')
	if [ $u_rc = 0 ] && [ "$got" = "team-$5 " ]; then ok; else
		bad "mbsync as $1 (HOME=$h): exit $u_rc; ~/Mail/$1/INBOX holds [$got], want [team-$5 ]"
	fi
	# fetchmail: IMAPS (keep), into ~/Fetched; this person's message only.
	as "fetchmail-$5" fetchmail -v
	u_rc=$?
	got=$(ids "$h/Fetched" | tr '\n' ' ')
	if [ $u_rc = 0 ] && [ "$got" = "team-$5 " ]; then ok; else
		bad "fetchmail as $1 (HOME=$h): exit $u_rc; ~/Fetched holds [$got], want [team-$5 ]"
	fi
	# msmtp: the default account; at the sink as this person, from them.
	printf 'From: %s\nTo: bob@e2e.example\nSubject: e2e team-send-%s\nMessage-ID: <team-send-%s@e2e.example>\n\nHello.\n' \
		"$1" "$5" "$5" | as "msmtp-$5" msmtp bob@e2e.example
	u_rc=$?
	f=$(grep -ls "^Message-ID: <team-send-$5@e2e.example>" "$T"/sink/*.eml)
	who=$(sed -n 's/^X-E2E-Auth-User: //p' "$f" 2>/dev/null | tr -d '\r')
	from=$(sed -n 's/^X-E2E-Mail-From: //p' "$f" 2>/dev/null | tr -d '\r')
	if [ $u_rc = 0 ] && [ -f "$f" ] && [ "$who" = "$4" ] &&
		[ "$from" = "$1" ] && grep -q '^X-E2E-TLS: yes' "$f"; then ok; else
		bad "msmtp as $1 (HOME=$h): exit $u_rc; at the sink: [$f] authenticated as [$who], from [$from], want one, as [$4], from [$1], over TLS"
	fi
}

again_one() { # email name login-column login key
	h=$T/home-$5
	# After everyone's turn: still this person's mail only.
	got=$(ids "$h/Mail/$1/INBOX" | tr '\n' ' ')/$(ids "$h/Fetched" | tr '\n' ' ')
	if [ "$got" = "team-$5 /team-$5 " ]; then ok; else
		bad "after everyone synced and fetched, $h holds [$got] (mbsync/fetchmail), want only team-$5"
	fi
	# The same install again, after use: nothing written, nothing touched.
	install_person "$1" "$2" "$3" 2>"$T/logs/install-again-$5.log"
	a_rc=$?
	if [ $a_rc = 0 ] && grep -q '^mailconf: 0 written, 3 unchanged$' "$T/logs/install-again-$5.log" &&
		[ "$(rc_files)" = "$(cat "$T/logs/install-$5.stat")" ]; then ok; else
		bad "install $1 again: exit $a_rc; $(cat "$T/logs/install-again-$5.log"); inode mtime mode $(rc_files | tr '\n' ' ') were $(tr '\n' ' ' <"$T/logs/install-$5.stat")"
	fi
	# generate --users wrote the very files install put in place.
	diffs=
	for t in mbsync fetchmail msmtp; do
		cmp -s "$T/dist/$1/${t}rc" "$h/.${t}rc" || diffs="$diffs $t"
	done
	if [ -z "$diffs" ]; then ok; else
		bad "generate --users and install differ for $1:$diffs"
	fi
}

people install_one
if [ "$npeople" = 2 ]; then ok; else
	bad "team.csv: $npeople people, want 2"
fi
people use_one
# The sink tells people apart by their password too: a wrong one is refused.
printf 'Subject: wrong\n\nx\n' | run msmtp-wrong-password msmtp --host=127.0.0.1 \
	--port=$((base + 87)) --tls=on --tls-starttls=on \
	--tls-trust-file="$E2E_CA_DIR/ca.pem" --auth=on --user=carol@e2e.example \
	--passwordeval="echo 'dave pw'" --from=carol@e2e.example bob@e2e.example
rc=$?
if [ $rc != 0 ] && grep -qi 'authentication failed' "$T/logs/msmtp-wrong-password.log"; then ok; else
	bad "the SMTP sink took a wrong password (msmtp exit $rc)"
fi
team generate "$cfg/ssl.ini" --users "$T/e2e/team.csv" --out "$T/dist" -q \
	--target mbsync,fetchmail,msmtp 2>"$T/logs/generate-users.log" ||
	bad "generate --users: $(cat "$T/logs/generate-users.log")"
people again_one

# ---- every login was over TLS (Dovecot counts loopback as secured);
# 6 of the test user, 2 of each person ----
logins=$(grep -c ' Login: ' "$T/logs/dovecot.log")
plain=$(grep ' Login: ' "$T/logs/dovecot.log" | grep -vc ', TLS')
if [ "$logins" -ge 10 ] && [ "$plain" = 0 ]; then ok; else
	bad "dovecot: $logins logins, $plain without TLS"
fi

# ---- no command hidden in a value ran ----
if [ -z "$(find "$T" -name 'pwned*' 2>/dev/null)" ]; then ok; else
	bad "a command hidden in a value ran: $(find "$T" -name 'pwned*')"
fi
