"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping every message it receives.

Use the `smtp_server` fixture; it also points Django's SMTP backend at the server for the test:

    from klientura.core.tests import smtp_server as smtp

    smtp_server = smtp.smtp_server  # the fixture; a plain import of it upsets ruff (F401/F811)

    def test_sends(smtp_server):
        ...send through Django...
        assert smtp_server.messages[0]["To"] == "client@example.com"

`smtp_server.reject_with = "554 5.7.1 Rejected"` makes the server refuse the next letters, and
`closed_port()` gives a port nobody listens on, to test a mail server that is down.
"""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Envelope:
    """What the SMTP conversation said, apart from the headers: who sent it to whom, the raw bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


class _Recorder:
    """The aiosmtpd handler; aiosmtpd calls it from its own thread, hence the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.envelopes: list[Envelope] = []
        self.reject_with: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.reject_with:
            return self.reject_with
        with self.lock:
            self.envelopes.append(
                Envelope(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A loopback port that was free a moment ago (the OS picks it, so parallel test runs don't clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port with no server behind it: connecting is refused, as when the mail server is down."""
    return free_port()


class SmtpServer:
    def __init__(self, host: str = HOST, port: int | None = None):
        self.host = host
        self.port = port or free_port()
        self._recorder = _Recorder()
        self._controller = Controller(self._recorder, hostname=self.host, port=self.port)

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def envelopes(self) -> list[Envelope]:
        with self._recorder.lock:
            return list(self._recorder.envelopes)

    @property
    def messages(self) -> list[EmailMessage]:
        """Received messages parsed with the modern e-mail API (headers decoded, get_content() works)."""
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]

    @property
    def reject_with(self) -> str | None:
        return self._recorder.reject_with

    @reject_with.setter
    def reject_with(self, reply: str | None) -> None:
        self._recorder.reject_with = reply

    def clear(self) -> None:
        with self._recorder.lock:
            self._recorder.envelopes.clear()

    def configure(self, settings) -> None:
        """Point Django's SMTP backend at this server (pytest-django's `settings` restores it after)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = self.host
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer().start()
    server.configure(settings)
    try:
        yield server
    finally:
        server.stop()
