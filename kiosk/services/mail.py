"""Notification email: the missed clock-out review message (DESIGN.md 3.5) and the SMTP sender that delivers the
outbox.

The message is queued in the local outbox in the same transaction as the claim it reports, so a claim is never
recorded without its notice. Sending happens later, outside any database transaction, when SMTP is configured:
whatever cannot be sent stays queued and is tried again with a growing pause (one minute, doubling, at most an
hour). The SMTP password lives in the secret store; everything else is a device setting. The checks of the
settings, the SMTP session and the retry pause are those head office sends with (`wire.mail`).
"""

from __future__ import annotations

import dataclasses
import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.domain.incidents import MissedClockoutIncident
from kiosk.services.clock import TimeSource, trusted_now
from kiosk.store import mail_outbox, repository
from kiosk.store.database import Database
from kiosk.store.mail_outbox import QueuedMail
from kiosk.store.repository import CompanyRecord, SiteRecord
from kiosk.store.secrets import SMTP_PASSWORD, SecretStore
from wire.console import incident_url, parse_console_url
from wire.mail import SmtpServer, check_recipients, check_smtp_fields, open_smtp, retry_pause

log = logging.getLogger(__name__)

SETTINGS_KEY = "mail"  # the device setting holding MailSettings as JSON
MISSED_CLOCKOUT_REVIEW = "missed_clockout_review"


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where notification mail goes. Unconfigured (no host) is a valid state: mail then waits in the outbox.

    `starttls` upgrades the connection before logging in and is on by default; `ca_file` names extra certificate
    authorities to trust (a company's own), on top of the system's.
    """

    host: str | None = None
    port: int = 587
    username: str | None = None
    from_address: str | None = None
    to_addresses: tuple[str, ...] = ()
    starttls: bool = True
    ca_file: str | None = None
    timeout_seconds: int = 20
    console_url: str | None = None  # head office's web console, for the review email's link

    def __post_init__(self) -> None:
        check_smtp_fields(
            host=self.host,
            port=self.port,
            username=self.username,
            from_address=self.from_address,
            starttls=self.starttls,
            ca_file=self.ca_file,
            timeout_seconds=self.timeout_seconds,
        )
        check_recipients(self.to_addresses)
        if self.host is not None and (self.from_address is None or not self.to_addresses):
            raise RuleViolation("mail_setting_invalid", "with an SMTP host, give the sender and at least one recipient")
        if self.console_url is not None:
            try:
                parse_console_url(self.console_url)
            except RuleViolation as error:
                raise RuleViolation("mail_setting_invalid", error.message) from error

    def server(self) -> SmtpServer:
        """The SMTP server of configured settings."""
        assert self.host is not None
        assert self.from_address is not None
        return SmtpServer(
            self.host,
            self.port,
            self.username,
            self.from_address,
            self.starttls,
            self.ca_file,
            self.timeout_seconds,
        )

    @property
    def is_configured(self) -> bool:
        return self.host is not None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"to_addresses": list(self.to_addresses)}

    @classmethod
    def from_json(cls, value: Any) -> MailSettings:
        """Settings from their stored JSON form.

        Raises:
            RuleViolation: `mail_setting_invalid` for a value of the wrong shape or out of bounds.
        """
        if not isinstance(value, dict):
            raise RuleViolation("mail_setting_invalid", "the mail settings must be a JSON object")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise RuleViolation("mail_setting_invalid", f"unknown mail setting(s): {', '.join(unknown)}")
        values = dict(value)
        recipients = values.get("to_addresses", [])
        if not isinstance(recipients, list | tuple) or not all(isinstance(item, str) for item in recipients):
            raise RuleViolation("mail_setting_invalid", "to_addresses must be a list of email addresses")
        values["to_addresses"] = tuple(recipients)
        return cls(**values)


def load_mail_settings(session: Session) -> MailSettings:
    stored = repository.device_values(session).get(SETTINGS_KEY)
    return MailSettings() if stored is None else MailSettings.from_json(stored)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    offset = local.strftime("%z")  # +0800
    return f"{local:%Y-%m-%d %H:%M} ({zone.key}, UTC{offset[:3]}:{offset[3:]})"


def missed_clockout_review_message(
    company: CompanyRecord,
    site: SiteRecord,
    incident: MissedClockoutIncident,
    zone: ZoneInfo,
    employee_number: str,
    *,
    console_url: str | None = None,
) -> tuple[str, str]:
    """Subject and body of the email telling supervisors that a missed clock-out claim waits for their review; the
    employee is named with their employee number, as the supervisor knows them."""
    subject = f"[{company.name}] Missed Clock-Out Requires Review"
    lines = [
        f"{incident.full_name} did not clock out and has submitted a missed clock-out claim.",
        "",
        f"Employee: {incident.full_name} (employee {employee_number})",
        f"Site: {site.name}",
        f"Original clock-in: {_local(incident.login_time, zone)}",
    ]
    if incident.employee_claimed_logout_time is not None:
        lines.append(f"Claimed clock-out: {_local(incident.employee_claimed_logout_time, zone)}")
    if incident.employee_reason is not None:
        lines.append(f"Reason: {incident.employee_reason.label}")
    if incident.employee_note:
        lines.append(f"Note: {incident.employee_note}")
    lines.append("")
    if console_url is not None:
        lines += [f"Review it here: {incident_url(console_url, incident.id)}", ""]
    lines += [
        "Where to review it: in the kiosk's admin mode (Review now, on the Unresolved Missed Clock-Outs banner),",
        "in head office's web console, or at head office with: python -m central incidents list",
        "",
        f"Incident {incident.id}",
    ]
    return subject, "\n".join(lines) + "\n"


def queue_missed_clockout_review(
    session: Session,
    *,
    company: CompanyRecord,
    site: SiteRecord,
    incident: MissedClockoutIncident,
    zone: ZoneInfo,
    now: datetime,
) -> str:
    """Queue the review email inside the caller's transaction (the claim's); returns the message id."""
    employee = repository.get_employee(session, incident.employee_id)
    number = employee.number if employee is not None else "not on this kiosk's roster"
    console_url = load_mail_settings(session).console_url
    subject, body = missed_clockout_review_message(company, site, incident, zone, number, console_url=console_url)
    return mail_outbox.queue_mail(
        session, kind=MISSED_CLOCKOUT_REVIEW, subject=subject, body=body, related_id=str(incident.id), at=now
    )


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one round of sending did."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0  # unsent messages left in the outbox, due or not
    configured: bool = True
    last_error: str | None = None


class Mailer:
    """Sends the outbox over SMTP (stdlib smtplib), and keeps the mail settings."""

    def __init__(self, database: Database, secrets: SecretStore, time_source: TimeSource) -> None:
        self._db = database
        self._secrets = secrets
        self._time = time_source
        self._sending = threading.Lock()  # two rounds at once would send a message twice

    def _now(self) -> datetime:
        return trusted_now(self._time.clock_facts())

    def settings(self) -> MailSettings:
        with self._db.read() as session:
            return load_mail_settings(session)

    def configure(self, settings: MailSettings, *, changed_by: str, password: str | None = None) -> None:
        """Store the mail settings; a `password` given replaces the one in the secret store, an empty one removes it.

        Raises:
            RuleViolation: `mail_setting_invalid` (checked when `settings` was made); EnvironmentProblem without a
                secret store, in which case nothing is stored.
        """
        if not isinstance(settings, MailSettings):
            raise RuleViolation("mail_setting_invalid", "the mail settings must be MailSettings")
        if password is not None:
            if password:
                self._secrets.put(SMTP_PASSWORD, password)
            else:
                self._secrets.delete(SMTP_PASSWORD)
        now = self._now()
        with self._db.write() as session:
            repository.put_device_values(session, {SETTINGS_KEY: settings.to_json()}, now)
            detail = settings.to_json() | {"password_changed": password is not None}
            repository.audit(session, at=now, actor=changed_by, action="settings.mail", subject=None, **detail)

    def outbox(self, *, unsent_only: bool = False) -> list[QueuedMail]:
        """The queued and sent messages, newest first."""
        with self._db.read() as session:
            return mail_outbox.mail_messages(session, unsent_only=unsent_only)

    def send_due(self) -> SendReport:
        """Send every message that is due. Failures stay queued for a later round; nothing raises for a server
        that is down or refuses, the report says what happened."""
        with self._sending:
            now = self._now()
            with self._db.read() as session:
                settings = load_mail_settings(session)
                due = mail_outbox.due_mail(session, now)
                waiting = mail_outbox.count_unsent(session)
            if not settings.is_configured:
                return SendReport(waiting=waiting, configured=False)
            if not due:
                return SendReport(waiting=waiting)
            outcomes = self._deliver(settings, due)
            finished = self._now()
            with self._db.write() as session:
                for message in due:
                    error = outcomes[message.id]
                    if error is None:
                        mail_outbox.mark_sent(session, message.id, finished)
                    else:
                        pause = retry_pause(message.attempts + 1)
                        mail_outbox.mark_failed(session, message.id, error, finished + pause)
                waiting = mail_outbox.count_unsent(session)
        failures = [error for error in outcomes.values() if error is not None]
        if failures:
            log.warning("mail: %d of %d messages not sent: %s", len(failures), len(due), failures[-1])
        return SendReport(
            sent=len(due) - len(failures),
            failed=len(failures),
            waiting=waiting,
            last_error=failures[-1] if failures else None,
        )

    def _deliver(self, settings: MailSettings, messages: list[QueuedMail]) -> dict[str, str | None]:
        """Send `messages` over one connection; the error of each one that failed (None for those sent)."""
        outcomes: dict[str, str | None] = {}
        try:
            password = self._secrets.get(SMTP_PASSWORD) if settings.username else None
            if settings.username and password is None:
                raise smtplib.SMTPException(
                    "an SMTP user is set but the secret store holds no SMTP password; enter it in the mail settings"
                )
            with open_smtp(settings.server(), password) as smtp:
                for message in messages:
                    try:
                        smtp.send_message(_email(settings, message))
                        outcomes[message.id] = None
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                        outcomes[message.id] = f"refused by {settings.host}: {error}"
        except (OSError, smtplib.SMTPException, EnvironmentProblem) as error:
            # The server down, refusing the login or TLS, or no secret store: all not sent waits for a later round.
            reason = f"cannot send through {settings.host}:{settings.port}: {error}"
            for message in messages:
                outcomes.setdefault(message.id, reason)
        return outcomes


def _email(settings: MailSettings, queued: QueuedMail) -> EmailMessage:
    assert settings.from_address is not None
    message = EmailMessage()
    message["From"] = settings.from_address
    message["To"] = ", ".join(settings.to_addresses)
    message["Subject"] = queued.subject
    message["Date"] = format_datetime(queued.created_at)
    # The same id on every attempt: a retry after a reply that got lost is recognisable as the same message.
    message["Message-ID"] = f"<{queued.id}@{settings.from_address.rsplit('@', 1)[1]}>"
    message.set_content(queued.body)
    return message
