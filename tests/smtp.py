"""A tiny SMTP server on loopback for the mail tests: keeps what it receives, can refuse mail."""

from __future__ import annotations

import socketserver
import threading

import pytest


class SMTPStub(socketserver.ThreadingTCPServer):
    """Keeps the messages it receives; `refuse` more messages answer 451 (try again later)."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[bytes] = []
        self.refuse = 0

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self.server_address[1]


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 stub")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 stub")
            elif verb == b"MAIL" and self.server.refuse > 0:
                self.server.refuse -= 1
                self.reply("451 try again later")
            elif verb == b"DATA":
                self._data()
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")

    def _data(self):
        self.reply("354 go on")
        data = []
        for body_line in iter(self.rfile.readline, b""):
            if body_line in (b".\r\n", b".\n"):
                break
            data.append(body_line)
        self.server.messages.append(b"".join(data))
        self.reply("250 queued")


@pytest.fixture
def smtp_stub(app):
    """A running SMTPStub, and the app configured to mail through it."""
    server = SMTPStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                      MAIL_SENDER="hplearn@example.org", SITE_URL="https://hp.example")
    yield server
    server.shutdown()
    server.server_close()
