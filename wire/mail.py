"""Mail both sides send: the SMTP server's settings, their checks, the retry pause and the SMTP session.

The kiosk sends its missed clock-out notices (`kiosk.services.mail`) and head office its scheduled payroll reports
(`central.scheduled_reports`) through the same code: the same checks of host, port, addresses and certificate
authority, the same STARTTLS and login, the same pause between failed attempts.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from kiosk.domain.errors import RuleViolation

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def check_addresses(addresses: Iterable[str | None]) -> None:
    """Refuse anything that is not one email address (a list in one string, a display name, a typo without @).

    Raises:
        RuleViolation: `mail_setting_invalid` naming the address.
    """
    for address in addresses:
        if address is not None and (not isinstance(address, str) or not _ADDRESS.fullmatch(address)):
            raise RuleViolation("mail_setting_invalid", f"{address!r} is not an email address such as hr@example.com")


def check_recipients(addresses: tuple[str, ...]) -> None:
    """Each recipient is one address, and none is listed twice.

    Raises:
        RuleViolation: `mail_setting_invalid`.
    """
    check_addresses(addresses)
    if len(set(addresses)) != len(addresses):
        raise RuleViolation("mail_setting_invalid", "a recipient is listed twice")


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where mail is handed over: the server, its port, the login, the sender, STARTTLS (on by default) and a
    company's own certificate authority (`ca_file`, trusted on top of the system's)."""

    host: str
    port: int = 587
    username: str | None = None
    from_address: str = ""
    starttls: bool = True
    ca_file: str | None = None
    timeout_seconds: int = 20

    def __post_init__(self) -> None:
        if not self.from_address:
            raise RuleViolation("mail_setting_invalid", "give the sender address (--from)")
        check_smtp_fields(
            host=self.host,
            port=self.port,
            username=self.username,
            from_address=self.from_address,
            starttls=self.starttls,
            ca_file=self.ca_file,
            timeout_seconds=self.timeout_seconds,
        )

    @property
    def sender_domain(self) -> str:
        return self.from_address.rsplit("@", 1)[1]


def check_smtp_fields(
    *,
    host: str | None,
    port: object,
    username: str | None,
    from_address: str | None,
    starttls: object,
    ca_file: str | None,
    timeout_seconds: object,
) -> None:
    """The checks every SMTP setting passes, wherever it is stored.

    Raises:
        RuleViolation: `mail_setting_invalid` naming what is wrong.
    """
    if host is not None and (not isinstance(host, str) or not _HOST.fullmatch(host)):
        raise RuleViolation("mail_setting_invalid", f"the SMTP host {host!r} is not a host name or address")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise RuleViolation("mail_setting_invalid", f"the SMTP port must be 1 to 65535, not {port!r}")
    if not isinstance(starttls, bool):
        raise RuleViolation("mail_setting_invalid", "STARTTLS is on (true) or off (false)")
    if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, int) or not 1 <= timeout_seconds <= 300:
        raise RuleViolation("mail_setting_invalid", "the SMTP timeout must be 1 to 300 seconds")
    if username is not None and (not username.strip() or len(username) > 320):
        raise RuleViolation("mail_setting_invalid", "the SMTP user name is empty or too long")
    check_addresses([from_address])
    if ca_file is not None and not Path(ca_file).is_file():
        raise RuleViolation("mail_setting_invalid", f"the certificate authority file {ca_file} does not exist")


def retry_pause(attempts: int) -> timedelta:
    """The pause after `attempts` failed attempts: one minute, doubling, at most an hour."""
    pause: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 10)  # past 2**6 minutes the hour cap rules
    return min(pause, LONGEST_RETRY)


def open_smtp(server: SmtpServer, password: str | None) -> smtplib.SMTP:
    """A connected SMTP session, upgraded to TLS and logged in as the settings say; the caller closes it (`with`).

    Raises:
        OSError, smtplib.SMTPException: the server cannot be reached, refuses TLS or the login; a user without a
            password.
    """
    if server.username and password is None:
        raise smtplib.SMTPException(
            "an SMTP user is set but no SMTP password is known; enter it with the mail settings"
        )
    smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds)
    try:
        smtp.ehlo()
        if server.starttls:
            context = ssl.create_default_context()
            if server.ca_file is not None:
                context.load_verify_locations(cafile=server.ca_file)
            smtp.starttls(context=context)
            smtp.ehlo()
        if server.username and password is not None:
            smtp.login(server.username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp
