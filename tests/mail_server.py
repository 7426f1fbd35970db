"""An SMTP server in the test process (aiosmtpd) for `localhost`, with STARTTLS under a test certificate authority
and a login, so the kiosk's mail sender is tested against a real server."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.sync.certificates import issue_server_certificate, make_authority

USER, PASSWORD = "kiosk-north", "s3cret-relay"


@dataclass
class Inbox:
    """What the test SMTP server accepted."""

    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)  # set at each message

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        self.arrived.set()
        return "250 Message accepted"

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode()):
            self.logins.append(data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    """An SMTP server for `localhost` with a certificate from a test authority (its PEM in `ca_file`), which insists
    on STARTTLS and a login."""

    def __init__(self, folder: Path) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.ca_file = folder / "ca.pem"
        authority = make_authority("Test mail authority")
        self.ca_file.write_text(authority.pem, encoding="utf-8")
        cert, key = issue_server_certificate(authority, "localhost", folder / "server")
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox,
            hostname="localhost",
            port=self.port,
            tls_context=self.context,
            require_starttls=True,
            authenticator=self.inbox,
            auth_require_tls=True,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
