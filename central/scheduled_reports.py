"""Scheduled payroll reports: schedules per company, one run per schedule and period, mail through an outbox.

How each report goes out exactly once, whatever crashes and restarts:

1. **Plan.** Each round computes the sending times of every live schedule (`central.report_rules`) since its last
   run and inserts one `report_runs` row per schedule and period; a unique key makes a second scheduler, or a
   restarted one, insert nothing more.
2. **Prepare.** Each due run is claimed with `SELECT ... FOR UPDATE SKIP LOCKED`. In that one transaction the
   report (CSV and .xlsx, streamed by `central.reports`) is written into the outbox and the run is marked `queued`:
   a crash before the commit leaves the run due, with nothing queued; after it, the message exists exactly once
   (one report per run, by a unique key). With `block_reports_on_pending` on and incidents unresolved, the run is
   `blocked` instead, and a notice saying how many incidents hold it and where to resolve them is queued for the
   recipients and the company's report admins, once per run. Each round looks again, and a resolution wakes a
   waiting scheduler (`incident_resolved`), so the report goes as soon as the last incident is resolved.
3. **Send.** Each unsent message is locked (`FOR UPDATE SKIP LOCKED`, so two schedulers never send one message at
   the same time), handed to the SMTP server and marked sent, with its run, in the same transaction, committed the
   moment the server accepted it. A failure is recorded with the kiosk's retry pause (`wire.mail.retry_pause`).

What no program can know: whether a server that accepted a message did so when the sender dies before recording it
(RFC 1047). The crash window is the commit after the server's reply; a message caught in it is sent again at the
next round under the same Message-ID, the same subject and attachments, which mail stores take as one message.
So a report is never lost, and never two different messages.
"""

from __future__ import annotations

import io
import logging
import smtplib
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert

from central.incidents import pending_count
from central.report_rules import FREQUENCIES, ReportRule, zone_named
from central.reports import TimesheetScope, company_row, report_zone, write_central_timesheet
from kiosk.domain.errors import RuleViolation
from kiosk.domain.roster import parse_code
from kiosk.domain.timesheet import Period, ReportsBlocked
from wire.console import parse_console_url, unresolved_incidents_url
from wire.mail import SmtpServer, check_recipients, open_smtp, retry_pause
from wire.schema import (
    central_outbox,
    central_outbox_attachments,
    central_settings,
    departments,
    report_admins,
    report_runs,
    report_schedules,
)

log = logging.getLogger(__name__)

MAIL_KEY = "mail"
CONSOLE_URL_KEY = "console_url"
RUN_STATUSES = ("due", "blocked", "queued", "sent", "failed", "cancelled")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class ReportSchedule:
    """A company's payroll report, mailed to `recipients` whenever `rule` fires in `timezone`."""

    id: uuid.UUID
    company_id: str
    name: str
    frequency: str
    rule: str
    timezone: str
    site_code: str | None
    department_code: str | None
    recipients: tuple[str, ...]
    created_at: datetime
    created_by: str
    removed_at: datetime | None

    @property
    def scope(self) -> TimesheetScope:
        return TimesheetScope(self.company_id, self.site_code, self.department_code)


def _schedule(row: Mapping[Any, Any]) -> ReportSchedule:
    return ReportSchedule(
        id=row["id"],
        company_id=row["company_id"],
        name=row["name"],
        frequency=row["frequency"],
        rule=row["rule"],
        timezone=row["timezone"],
        site_code=row["site_code"],
        department_code=row["department_code"],
        recipients=tuple(row["recipients"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        removed_at=row["removed_at"],
    )


@dataclass(frozen=True, slots=True)
class ReportRun:
    """One schedule's report for one period, and what became of it."""

    id: uuid.UUID
    company_id: str
    schedule_name: str
    period: Period
    due_at: datetime
    status: str
    blocked_incidents: int | None
    rows: int | None
    updated_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class HeadOfficeMail:
    """Head office's mail settings: the SMTP server (None: reports wait in the outbox) and the console's address,
    which notices link to. The SMTP password is never stored here (see `python -m central mail-settings`)."""

    server: SmtpServer | None
    console_url: str | None


@dataclass(frozen=True, slots=True)
class RoundReport:
    """What one scheduler round did."""

    planned: int = 0
    queued: int = 0
    held: int = 0
    failed: int = 0
    sent: int = 0
    send_failures: int = 0
    waiting: int = 0
    last_error: str | None = None


def _text(value: object, what: str, longest: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        raise RuleViolation("field_invalid", f"{what} must be 1 to {longest} characters")
    return value.strip()


# --- settings ---------------------------------------------------------------------------------------------------


def configure_mail(
    engine: Engine, server: SmtpServer | None, *, console_url: str | None, changed_by: str, now: datetime
) -> None:
    """Store head office's SMTP server (None removes it: mail then waits) and the console's address.

    Raises:
        RuleViolation: `console_url_invalid` for an address that is not http(s)://..., `field_invalid`.
    """
    changed_by = _text(changed_by, "who changes the settings", 100)
    if console_url is not None:
        console_url = parse_console_url(console_url)
    values: dict[str, Any] = {
        MAIL_KEY: None
        if server is None
        else {
            "host": server.host,
            "port": server.port,
            "username": server.username,
            "from_address": server.from_address,
            "starttls": server.starttls,
            "ca_file": server.ca_file,
            "timeout_seconds": server.timeout_seconds,
        },
        CONSOLE_URL_KEY: console_url,
    }
    with engine.begin() as connection:
        for key, value in values.items():
            statement = insert(central_settings).values(key=key, value=value, updated_at=now, updated_by=changed_by)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[central_settings.c.key],
                    set_={"value": statement.excluded.value, "updated_at": now, "updated_by": changed_by},
                )
            )
    log.info("head office mail settings changed by %s", changed_by)


def head_office_mail(connection: Connection) -> HeadOfficeMail:
    """The stored mail settings (none stored: no server, no console address).

    Raises:
        RuleViolation: `mail_setting_invalid` when what is stored no longer passes the checks (a CA file removed).
    """
    stored = {row.key: row.value for row in connection.execute(select(central_settings))}
    mail = stored.get(MAIL_KEY)
    server = None
    if isinstance(mail, dict):
        server = SmtpServer(**mail)
    console = stored.get(CONSOLE_URL_KEY)
    return HeadOfficeMail(server, console if isinstance(console, str) else None)


def set_report_admins(engine: Engine, company_id: str, emails: Sequence[str]) -> None:
    """Replace the company's report admins: who is told, with the recipients, that a report is held back.

    Raises:
        RuleViolation: unknown company, an address that is not one, one listed twice.
    """
    addresses = tuple(emails)
    check_recipients(addresses)
    with engine.begin() as connection:
        company_row(connection, company_id)
        connection.execute(report_admins.delete().where(report_admins.c.company_id == company_id))
        for email in addresses:
            connection.execute(report_admins.insert().values(company_id=company_id, email=email))


def report_admin_emails(connection: Connection, company_id: str) -> list[str]:
    return list(
        connection.scalars(
            select(report_admins.c.email)
            .where(report_admins.c.company_id == company_id)
            .order_by(report_admins.c.email)
        )
    )


# --- schedules ---------------------------------------------------------------------------------------------------


def add_schedule(
    bind: Engine | Connection,
    *,
    company_id: str,
    name: str,
    frequency: str,
    recipients: Sequence[str],
    at: time = time(6, 0),
    weekday: str | None = None,
    rule: str | None = None,
    site_code: str | None = None,
    department_code: str | None = None,
    timezone: str | None = None,
    created_by: str,
    now: datetime,
) -> ReportSchedule:
    """Add a company's report schedule; the first report goes at the rule's first time after `now`.

    `frequency` is weekly (on `weekday`, Monday by default), semi-monthly, monthly (each at local time `at`) or
    cron (with `rule`). The time zone is the one of the report's site, or that all the company's sites share,
    unless `timezone` is given.

    Given a connection, the schedule is added in the transaction it is in (the console's, confined to its user).

    Raises:
        RuleViolation: every bad input, before anything is written, with a message saying what to give.
    """
    name = parse_code(name, "schedule name")
    created_by = _text(created_by, "who adds the schedule", 100)
    addresses = tuple(recipients)
    if not addresses:
        raise RuleViolation("no_recipients", "give at least one recipient (--to)")
    check_recipients(addresses)
    if frequency == "cron":
        if rule is None:
            raise RuleViolation("rule_missing", "a cron schedule needs its rule, such as '0 6 * * mon'")
        parsed = ReportRule.parse(rule)
    else:
        if rule is not None:
            raise RuleViolation("rule_unexpected", f"a rule is given with the cron frequency only, not {frequency}")
        if frequency not in FREQUENCIES:
            raise RuleViolation(
                "frequency_invalid", f"unknown frequency {frequency!r}; choose {', '.join(FREQUENCIES)}"
            )
        parsed = ReportRule.for_frequency(frequency, at=at, weekday=weekday)
    scope = TimesheetScope(company_id, site_code, department_code)
    with _transaction(bind) as connection:
        company_row(connection, company_id)
        if department_code is not None and (
            connection.scalar(
                select(departments.c.id).where(
                    departments.c.company_id == company_id, departments.c.code == department_code
                )
            )
            is None
        ):
            raise RuleViolation("unknown_department", f"there is no department {department_code!r} of {company_id!r}")
        zone = zone_named(timezone) if timezone is not None else report_zone(connection, scope)
        if timezone is not None and site_code is not None:
            report_zone(connection, scope)  # the site must exist
        taken = connection.scalar(
            select(func.count()).where(
                report_schedules.c.company_id == company_id,
                report_schedules.c.name == name,
                report_schedules.c.removed_at.is_(None),
            )
        )
        if taken:
            raise RuleViolation("schedule_exists", f"company {company_id!r} already has a schedule named {name!r}")
        row = {
            "id": uuid.uuid4(),
            "company_id": company_id,
            "name": name,
            "frequency": frequency,
            "rule": parsed.text,
            "timezone": zone.key,
            "site_code": site_code,
            "department_code": department_code,
            "recipients": list(addresses),
            "created_at": now,
            "created_by": created_by,
            "removed_at": None,
        }
        connection.execute(report_schedules.insert().values(row))
    log.info("report schedule %s of %s added: %s in %s", name, company_id, parsed.text, zone.key)
    return _schedule(row)


@contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Connection]:
    """A transaction of its own on an engine; on a connection, the one the caller has begun."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.begin() as connection:
        yield connection


def next_run(schedule: ReportSchedule, after: datetime) -> tuple[datetime, Period] | None:
    """When the schedule's next report goes after `after`, and the days it covers (None if not within 8 years)."""
    rule, zone = ReportRule.parse(schedule.rule), zone_named(schedule.timezone)
    for fire in rule.fires(zone, after, after + timedelta(days=8 * 366 + 1)):
        return fire, rule.period_of(fire.astimezone(zone).date())
    return None


def list_schedules(connection: Connection, company_id: str | None = None) -> list[ReportSchedule]:
    """The live schedules, by company and name."""
    query = select(report_schedules).where(report_schedules.c.removed_at.is_(None))
    if company_id is not None:
        query = query.where(report_schedules.c.company_id == company_id)
    query = query.order_by(report_schedules.c.company_id, report_schedules.c.name)
    return [_schedule(row) for row in connection.execute(query).mappings()]


def remove_schedule(bind: Engine | Connection, company_id: str, name: str, *, removed_by: str, now: datetime) -> int:
    """Remove a schedule (its runs stay, for the record); runs not yet queued are cancelled. Returns how many.

    Given a connection, the change is made in the transaction it is in (the console's, confined to its user).

    Raises:
        RuleViolation: `unknown_schedule`.
    """
    removed_by = _text(removed_by, "who removes the schedule", 100)
    with _transaction(bind) as connection:
        schedule_id = connection.scalar(
            select(report_schedules.c.id)
            .where(
                report_schedules.c.company_id == company_id,
                report_schedules.c.name == name,
                report_schedules.c.removed_at.is_(None),
            )
            .with_for_update()
        )
        if schedule_id is None:
            raise RuleViolation("unknown_schedule", f"company {company_id!r} has no schedule named {name!r}")
        connection.execute(
            update(report_schedules)
            .where(report_schedules.c.id == schedule_id)
            .values(removed_at=now, removed_by=removed_by)
        )
        cancelled = connection.execute(
            update(report_runs)
            .where(report_runs.c.schedule_id == schedule_id, report_runs.c.status.in_(("due", "blocked")))
            .values(status="cancelled", updated_at=now, last_error=f"the schedule was removed by {removed_by}")
        ).rowcount
    return int(cancelled or 0)


def list_runs(connection: Connection, *, company_id: str | None = None, status: str | None = None) -> list[ReportRun]:
    """Runs and their outcomes, newest first.

    Raises:
        RuleViolation: `status_invalid`.
    """
    if status is not None and status not in RUN_STATUSES:
        raise RuleViolation("status_invalid", f"unknown status {status!r}; choose one of: {', '.join(RUN_STATUSES)}")
    query = select(report_runs, report_schedules.c.name.label("schedule_name")).join(
        report_schedules, report_schedules.c.id == report_runs.c.schedule_id
    )
    if company_id is not None:
        query = query.where(report_runs.c.company_id == company_id)
    if status is not None:
        query = query.where(report_runs.c.status == status)
    query = query.order_by(report_runs.c.due_at.desc(), report_schedules.c.name)
    return [
        ReportRun(
            id=row["id"],
            company_id=row["company_id"],
            schedule_name=row["schedule_name"],
            period=Period(row["period_first"], row["period_last"]),
            due_at=row["due_at"],
            status=row["status"],
            blocked_incidents=row["blocked_incidents"],
            rows=row["rows"],
            updated_at=row["updated_at"],
            sent_at=row["sent_at"],
            last_error=row["last_error"],
        )
        for row in connection.execute(query).mappings()
    ]


# --- the scheduler -----------------------------------------------------------------------------------------------


class ReportScheduler:
    """Plans, prepares and sends the scheduled reports; `run_round(now)` does one round of all three.

    Args:
        engine: head office's engine.
        smtp_password: the SMTP login's password, when the server wants one (never stored in the database).
    """

    def __init__(self, engine: Engine, *, smtp_password: str | None = None) -> None:
        self._engine = engine
        self._password = smtp_password

    def run_round(self, now: datetime) -> RoundReport:
        """Plan the runs due by `now`, prepare them, send what is due."""
        planned = self.plan(now)
        queued, held, failed = self.prepare(now)
        sent, send_failures, waiting, last_error = self.send(now)
        report = RoundReport(planned, queued, held, failed, sent, send_failures, waiting, last_error)
        log.info("report round at %s: %s", now.isoformat(), report)
        return report

    def plan(self, now: datetime) -> int:
        """Insert the runs of every live schedule that fell due since its last one; returns how many are new."""
        new = 0
        with self._engine.begin() as connection:
            for schedule in list_schedules(connection):
                last = connection.scalar(
                    select(func.max(report_runs.c.due_at)).where(report_runs.c.schedule_id == schedule.id)
                )
                rule, zone = ReportRule.parse(schedule.rule), zone_named(schedule.timezone)
                for fire in rule.fires(zone, last or schedule.created_at, now):
                    period = rule.period_of(fire.astimezone(zone).date())
                    inserted = connection.execute(
                        insert(report_runs)
                        .values(
                            id=uuid.uuid4(),
                            company_id=schedule.company_id,
                            schedule_id=schedule.id,
                            period_first=period.first,
                            period_last=period.last,
                            due_at=fire,
                            status="due",
                            created_at=now,
                            updated_at=now,
                        )
                        .on_conflict_do_nothing(constraint="uq_report_runs_schedule_period")
                        .returning(report_runs.c.id)
                    ).first()
                    new += inserted is not None
        return new

    def prepare(self, now: datetime) -> tuple[int, int, int]:
        """Turn each due (or held) run into its report in the outbox, or hold it; returns (queued, held, failed)."""
        with self._engine.connect() as connection:
            waiting = list(
                connection.scalars(
                    select(report_runs.c.id)
                    .where(report_runs.c.status.in_(("due", "blocked")), report_runs.c.due_at <= now)
                    .order_by(report_runs.c.due_at, report_runs.c.id)
                )
            )
        counts = {"queued": 0, "blocked": 0, "failed": 0}
        for run_id in waiting:
            outcome = self._prepare_run(run_id, now)
            if outcome in counts:
                counts[outcome] += 1
        return counts["queued"], counts["blocked"], counts["failed"]

    def _prepare_run(self, run_id: uuid.UUID, now: datetime) -> str | None:
        with self._engine.begin() as connection:
            run = (
                connection.execute(
                    select(report_runs)
                    .where(report_runs.c.id == run_id, report_runs.c.status.in_(("due", "blocked")))
                    .with_for_update(skip_locked=True)
                )
                .mappings()
                .first()
            )
            if run is None:
                return None  # another scheduler has it, or finished it
            schedule = _schedule(
                connection.execute(select(report_schedules).where(report_schedules.c.id == run["schedule_id"]))
                .mappings()
                .one()
            )
            company = company_row(connection, schedule.company_id)
            period = Period(run["period_first"], run["period_last"])
            unresolved = (
                pending_count(connection, company_id=company["id"]) if company["block_reports_on_pending"] else 0
            )
            if unresolved:
                return self._hold(connection, run, schedule=schedule, company=company, unresolved=unresolved, now=now)
            # The files go into the outbox whole; the rows that make them are streamed (central.reports).
            workbook, csv_text = io.BytesIO(), io.StringIO()
            try:
                rows = write_central_timesheet(
                    connection, schedule.scope, period, as_of=now, csv_out=csv_text, workbook_out=workbook
                )
            except ReportsBlocked as blocked:  # an incident arrived between the count and the report
                return self._hold(
                    connection, run, schedule=schedule, company=company, unresolved=blocked.unresolved, now=now
                )
            except RuleViolation as error:  # a site or department gone, sites in several zones
                connection.execute(
                    update(report_runs)
                    .where(report_runs.c.id == run_id)
                    .values(status="failed", updated_at=now, last_error=str(error))
                )
                log.warning("report run %s of %s failed: %s", run_id, schedule.name, error)
                return "failed"
            book_bytes = workbook.getvalue()
            message_id = uuid.uuid4()
            stem = f"timesheet_{company['id']}_{period.first}_{period.last}"
            subject, body = report_message(company["name"], schedule, period, rows, now)
            connection.execute(
                central_outbox.insert().values(
                    id=message_id,
                    company_id=company["id"],
                    run_id=run_id,
                    kind="report",
                    recipients=list(schedule.recipients),
                    subject=subject,
                    body=body,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            for filename, content_type, content in (
                (f"{stem}.csv", "text/csv", csv_text.getvalue().encode("utf-8")),
                (f"{stem}.xlsx", XLSX_TYPE, book_bytes),
            ):
                connection.execute(
                    central_outbox_attachments.insert().values(
                        message_id=message_id, filename=filename, content_type=content_type, content=content
                    )
                )
            connection.execute(
                update(report_runs)
                .where(report_runs.c.id == run_id)
                .values(status="queued", rows=rows, updated_at=now, last_error=None)
            )
        log.info("report %s of %s for %s queued (%d rows)", schedule.name, company["id"], period.title, rows)
        return "queued"

    def _hold(
        self,
        connection: Connection,
        run: RowMapping,
        *,
        schedule: ReportSchedule,
        company: RowMapping,
        unresolved: int,
        now: datetime,
    ) -> str:
        """Hold the run back while incidents are unresolved; the first time, queue the notice that says so."""
        if run["status"] == "due":
            console = head_office_mail(connection).console_url
            admins = report_admin_emails(connection, company["id"])
            recipients = list(dict.fromkeys([*schedule.recipients, *admins]))
            period = Period(run["period_first"], run["period_last"])
            subject, body = held_message(company, schedule, period, unresolved=unresolved, console_url=console)
            connection.execute(
                insert(central_outbox)
                .values(
                    id=uuid.uuid4(),
                    company_id=company["id"],
                    run_id=run["id"],
                    kind="report_held",
                    recipients=recipients,
                    subject=subject,
                    body=body,
                    created_at=now,
                    next_attempt_at=now,
                )
                .on_conflict_do_nothing(constraint="uq_central_outbox_run_kind")
            )
            log.info("report %s of %s held: %d unresolved incidents", schedule.name, company["id"], unresolved)
        connection.execute(
            update(report_runs)
            .where(report_runs.c.id == run["id"])
            .values(status="blocked", blocked_incidents=unresolved, updated_at=now)
        )
        return "blocked"

    def send(self, now: datetime) -> tuple[int, int, int, str | None]:
        """Send the due messages of the outbox; returns (sent, failed, still waiting, last error)."""
        with self._engine.connect() as connection:
            server = head_office_mail(connection).server
            waiting = self._count_unsent(connection)
        if server is None:
            return 0, 0, waiting, None
        sent = failed = 0
        last_error = None
        session = _SmtpSession(server, self._password)
        tried: set[uuid.UUID] = set()
        try:
            while True:
                outcome, error = self._send_next(session, tried, now)
                if outcome == "none":
                    break
                if outcome == "sent":
                    sent += 1
                    continue
                failed, last_error = failed + 1, error
                if outcome == "down":
                    break  # the server is down or refuses us: the rest waits for the next round
        finally:
            session.close()
        with self._engine.connect() as connection:
            waiting = self._count_unsent(connection)
        if last_error is not None:
            log.warning("report mail: %d not sent: %s", failed, last_error)
        return sent, failed, waiting, last_error

    def _send_next(self, session: _SmtpSession, tried: set[uuid.UUID], now: datetime) -> tuple[str, str | None]:
        """Send the oldest due message not tried this round: `none` left, `sent`, `refused` (this message) or
        `down` (the server), with the error."""
        server = session.server
        with self._engine.begin() as connection:
            due = select(central_outbox).where(
                central_outbox.c.sent_at.is_(None), central_outbox.c.next_attempt_at <= now
            )
            if tried:  # each message once a round, even one whose failure left it due
                due = due.where(central_outbox.c.id.not_in(tried))
            message = (
                connection.execute(
                    due.order_by(central_outbox.c.created_at, central_outbox.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                .mappings()
                .first()
            )
            if message is None:
                return "none", None
            tried.add(message["id"])
            email = self._email(connection, server, message)
            try:
                session.smtp().send_message(email)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                reason = f"refused by {server.host}: {error}"
                self._failed(connection, message, reason, now)
                return "refused", reason
            except (OSError, smtplib.SMTPException) as error:
                reason = f"cannot send through {server.host}:{server.port}: {error}"
                self._failed(connection, message, reason, now)
                session.close()
                return "down", reason
            # The server has it: recorded in this transaction, committed at once (see the module's note).
            self._sent(connection, message, now)
        return "sent", None

    @staticmethod
    def _count_unsent(connection: Connection) -> int:
        return int(connection.scalar(select(func.count()).where(central_outbox.c.sent_at.is_(None))) or 0)

    @staticmethod
    def _email(connection: Connection, server: SmtpServer, message: RowMapping) -> EmailMessage:
        email = EmailMessage()
        email["From"] = server.from_address
        email["To"] = ", ".join(message["recipients"])
        email["Subject"] = message["subject"]
        email["Date"] = format_datetime(message["created_at"])
        # The same id on every attempt: a copy sent again after a crash is recognisable as the same message.
        email["Message-ID"] = f"<{message['id']}@{server.sender_domain}>"
        email.set_content(message["body"])
        attachments = connection.execute(
            select(central_outbox_attachments)
            .where(central_outbox_attachments.c.message_id == message["id"])
            .order_by(central_outbox_attachments.c.filename)
        ).mappings()
        for attachment in attachments:
            main_type, sub_type = attachment["content_type"].split("/", 1)
            email.add_attachment(
                bytes(attachment["content"]), maintype=main_type, subtype=sub_type, filename=attachment["filename"]
            )
        return email

    @staticmethod
    def _sent(connection: Connection, message: RowMapping, now: datetime) -> None:
        connection.execute(
            update(central_outbox)
            .where(central_outbox.c.id == message["id"])
            .values(sent_at=now, attempts=central_outbox.c.attempts + 1, last_error=None)
        )
        if message["kind"] == "report" and message["run_id"] is not None:
            connection.execute(
                update(report_runs)
                .where(report_runs.c.id == message["run_id"])
                .values(status="sent", sent_at=now, updated_at=now, last_error=None)
            )

    @staticmethod
    def _failed(connection: Connection, message: RowMapping, error: str, now: datetime) -> None:
        attempts = message["attempts"] + 1
        connection.execute(
            update(central_outbox)
            .where(central_outbox.c.id == message["id"])
            .values(attempts=attempts, last_error=error, next_attempt_at=now + retry_pause(attempts))
        )
        if message["kind"] == "report" and message["run_id"] is not None:
            connection.execute(
                update(report_runs)
                .where(report_runs.c.id == message["run_id"])
                .values(last_error=error, updated_at=now)
            )


class _SmtpSession:
    """One SMTP connection for a round, opened when the first message goes."""

    def __init__(self, server: SmtpServer, password: str | None) -> None:
        self.server = server
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def smtp(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = open_smtp(self.server, self._password)
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _scope_words(schedule: ReportSchedule) -> str:
    parts = []
    if schedule.site_code:
        parts.append(f"site {schedule.site_code}")
    if schedule.department_code:
        parts.append(f"department {schedule.department_code}")
    return ", ".join(parts) if parts else "all sites and departments"


def report_message(
    company_name: str, schedule: ReportSchedule, period: Period, rows: int, made_at: datetime
) -> tuple[str, str]:
    """Subject and body of a payroll report's email."""
    subject = f"[{company_name}] Payroll report {period.title}"
    body = "\n".join(
        [
            f"The payroll report {schedule.name} of {company_name} for {period.title} ({_scope_words(schedule)}).",
            "",
            f"Day rows: {rows}. Attached: the day rows as CSV, and a workbook with the day rows and each",
            "employee's totals for the period (hours, breaks, overtime, late minutes, undertime, deductions).",
            "",
            f"Made at {made_at.astimezone(zone_named(schedule.timezone)):%Y-%m-%d %H:%M} ({schedule.timezone}).",
        ]
    )
    return subject, body + "\n"


def held_message(
    company: RowMapping, schedule: ReportSchedule, period: Period, *, unresolved: int, console_url: str | None
) -> tuple[str, str]:
    """Subject and body of the notice that a report is held back until missed clock-outs are resolved."""
    noun = "missed clock-out" if unresolved == 1 else "missed clock-outs"
    where = (
        unresolved_incidents_url(console_url)
        if console_url
        else f"the head-office console, or python -m central incidents list --company {company['id']}"
    )
    subject = f"[{company['name']}] Payroll report {period.title} held: {unresolved} unresolved {noun}"
    body = "\n".join(
        [
            f"The payroll report {schedule.name} for {period.title} ({_scope_words(schedule)}) was due and has not",
            f"been sent: {unresolved} unresolved {noun} block it, because {company['name']} holds reports back while",
            "missed clock-outs wait for a decision.",
            "",
            f"Resolve them at: {where}",
            "",
            "The report is sent as soon as the last one is resolved.",
        ]
    )
    return subject, body + "\n"


class ResolutionListener:
    """Wakes a waiting scheduler when a missed clock-out is resolved (`incident_resolved`, notified by the
    resolution's trigger), so a report held for it goes at once rather than at the next regular round."""

    def __init__(self, engine: Engine) -> None:
        url = engine.url.set(drivername="postgresql")
        self._connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        self._connection.execute("LISTEN incident_resolved")

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds`; True when a resolution came (its company's held reports may go now)."""
        for _notice in self._connection.notifies(timeout=seconds, stop_after=1):
            return True
        return False

    def close(self) -> None:
        self._connection.close()


def run_scheduler(
    scheduler: ReportScheduler,
    *,
    interval: float,
    clock: Callable[[], datetime],
    listener: ResolutionListener | None,
    stop: threading.Event,
) -> None:
    """Run rounds until `stop` is set: one at once, then one every `interval` seconds or as soon as an incident is
    resolved. A round that fails (the database gone) is logged and the next one tries again; the state lives in the
    database, so a scheduler started again takes up where the last one stopped."""
    while not stop.is_set():
        try:
            scheduler.run_round(clock())
        except Exception:  # the database gone, or a bug: logged with its traceback, and the loop goes on
            log.exception("report round failed; trying again in %s s", interval)
        if listener is not None:
            listener.wait(interval)
        else:
            stop.wait(interval)
