#!/usr/bin/python3
# SMTP sink for the e2e test: submission (STARTTLS required) and SMTPS on loopback, AUTH required; writes each message to a file.
#
# usage: smtp-sink.py CERT KEY PORT_SUBMISSION PORT_SMTPS USER PASSWORD TOKEN OUTDIR [USERS]
# Accepts AUTH PLAIN/LOGIN with USER and PASSWORD (and each "LOGIN<TAB>
# PASSWORD" line of the file USERS), and XOAUTH2 with USER and TOKEN, only
# over TLS. Each message goes to OUTDIR/N.eml, headed by X-E2E-Auth-User
# (who authenticated), X-E2E-Mail-From (the envelope sender) and X-E2E-TLS
# (yes when the connection is encrypted). Prints "ready" once both listen;
# runs until SIGTERM.
import base64
import logging
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

CERT, KEY, PORT_SUB, PORT_SMTPS, USER, PASSWORD, TOKEN, OUTDIR = sys.argv[1:9]
ACCOUNTS = {USER.encode("utf-8"): PASSWORD.encode("utf-8")}
if len(sys.argv) > 9:
    with open(sys.argv[9], "rb") as f:
        for line in f.read().splitlines():
            login, password = line.split(b"\t", 1)
            ACCOUNTS[login] = password
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


class Handler:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        who = session.auth_data
        if isinstance(who, LoginPassword):
            who = who.login.decode("utf-8", "replace")
        tls = server.transport.get_extra_info("ssl_object") is not None
        head = ("X-E2E-Auth-User: %s\r\nX-E2E-Mail-From: %s\r\n"
                "X-E2E-TLS: %s\r\n") % (who, envelope.mail_from,
                                        "yes" if tls else "no")
        Handler.count += 1
        path = os.path.join(OUTDIR, "%d.eml" % Handler.count)
        with open(path + ".tmp", "wb") as f:
            f.write(head.encode("utf-8") + envelope.original_content)
        os.rename(path + ".tmp", path)  # only complete files are seen
        return "250 OK"

    async def auth_XOAUTH2(self, server, args):
        # msmtp sends no initial response: it answers an empty challenge.
        if len(args) > 1:
            try:
                data = base64.b64decode(args[1], validate=True)
            except ValueError:
                return AuthResult(success=False, handled=False)
        else:
            data = await server.challenge_auth("")
            if not isinstance(data, bytes):
                return AuthResult(success=False, handled=False)
        want = "user=%s\x01auth=Bearer %s\x01\x01" % (USER, TOKEN)
        if data == want.encode("utf-8"):
            return AuthResult(success=True, auth_data=USER)
        return AuthResult(success=False, handled=False)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and ACCOUNTS.get(auth_data.login) == auth_data.password)
    # handled=False: a failed login gets its 535 (the default never
    # answers, and the client hangs).
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(CERT, KEY)
    handler = Handler()
    common = dict(hostname="127.0.0.1", auth_required=True,
                  authenticator=authenticator)
    sub = Controller(handler, port=int(PORT_SUB), tls_context=ctx,
                     require_starttls=True, auth_require_tls=True, **common)
    # Implicit TLS: aiosmtpd counts only STARTTLS as TLS for AUTH.
    smtps = Controller(handler, port=int(PORT_SMTPS), ssl_context=ctx,
                       auth_require_tls=False, **common)
    # Blocked before the server threads start (they inherit the mask), then
    # waited for: no signal is lost between a check and a wait.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sub.start()
    smtps.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    sub.stop()
    smtps.stop()


if __name__ == "__main__":
    main()
