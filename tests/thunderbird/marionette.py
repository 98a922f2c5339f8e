"""Tiny Marionette client for tb-parse (Python 3 standard library only).

Marionette protocol 3: each packet is "<byte length>:<json>".  After connect
the server sends a greeting object; then
    request  [0, id, "Command:Name", {params}]
    response [1, id, error-or-null, result-or-null]
"""

import json
import socket


class MarionetteError(Exception):
    """Marionette returned an error, or the connection broke."""


class Client:
    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.last_id = 0
        hello = self._read()
        if not isinstance(hello, dict) or hello.get("marionetteProtocol") != 3:
            raise MarionetteError("unexpected Marionette greeting: %r" % (hello,))

    def _fill(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise MarionetteError("Marionette connection closed by Thunderbird")
            self.buf += data

    def _read(self):
        while b":" not in self.buf:
            if len(self.buf) > 16:
                raise MarionetteError("garbled Marionette packet header")
            self._fill(len(self.buf) + 1)
        head, _, self.buf = self.buf.partition(b":")
        size = int(head)
        self._fill(size)
        body, self.buf = self.buf[:size], self.buf[size:]
        return json.loads(body.decode("utf-8"))

    def call(self, name, params=None, timeout=None):
        """Send one command, return its result; raises MarionetteError."""
        self.last_id += 1
        data = json.dumps([0, self.last_id, name, params or {}]).encode("utf-8")
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            self.sock.sendall(b"%d:%s" % (len(data), data))
            while True:
                msg = self._read()
                if isinstance(msg, list) and msg[:2] == [1, self.last_id]:
                    break
        except socket.timeout:
            raise MarionetteError("%s: no answer within %ss" % (name, timeout))
        except OSError as e:
            raise MarionetteError("%s: %s" % (name, e))
        if msg[2]:
            raise MarionetteError("%s: %s: %s" % (name, msg[2].get("error"),
                                                  msg[2].get("message")))
        return msg[3]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
