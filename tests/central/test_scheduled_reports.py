"""Scheduled payroll reports on a real PostgreSQL and a real SMTP server, with a simulated clock: on the right days in
the company's zone, exactly once across restarts, two schedulers and a killed process, held while missed clock-outs
wait and sent when the last is resolved."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from alembic import command
from alembic.script import ScriptDirectory
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from central.commands import main
from central.database import _alembic_config
from central.incidents import list_incidents, resolve
from central.reports import central_timesheet_csv
from central.scheduled_reports import (
    ReportSchedule,
    ReportScheduler,
    ResolutionListener,
    add_schedule,
    configure_mail,
    list_runs,
    list_schedules,
    next_run,
    run_scheduler,
    set_report_admins,
)
from kiosk.domain.punches import PunchKind
from kiosk.domain.timesheet import Period
from kiosk.services.reports import Reports
from tests.central.test_timesheet import leave_a_session_open, work_a_week
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk
from tests.mail_server import PASSWORD, USER, Inbox, MailServer
from wire.mail import SmtpServer
from wire.schema import central_outbox, report_schedules

ROOT = Path(__file__).resolve().parents[2]
MANILA_8AM = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
CREATED = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
# 06:00 in Manila (UTC+8) on the 16th is 22:00 UTC on the 15th.
SIXTEENTH = datetime(2026, 11, 15, 22, 0, tzinfo=UTC)
FIRST_OF_DECEMBER = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
RECIPIENTS = ["payroll@acme.example", "cfo@acme.example"]
SMTP_ACME = ["mail-settings", "--host", "smtp.acme.example", "--from", "a@acme.example"]


def run_cli(central: CentralDatabase, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--database-url", central.url, *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[MailServer]:
    server = MailServer(tmp_path / "mail")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def acme(fresh_central: CentralDatabase, mail: MailServer) -> CentralDatabase:
    fresh_central.add_company("acme", sites={"yard": "Asia/Manila"}, employees=3)
    configure_mail(
        fresh_central.engine,
        SmtpServer("localhost", mail.port, USER, "reports@acme.example", True, str(mail.ca_file)),
        console_url="https://hr.acme.example/",
        changed_by="IT",
        now=CREATED,
    )
    return fresh_central


@pytest.fixture
def kiosks(acme: CentralDatabase, tmp_path: Path) -> Iterator[list[KioskUnderTest]]:
    opened = [
        open_kiosk(tmp_path / f"{name}.db", acme.add_kiosk("acme", "yard", name), now=MANILA_8AM)
        for name in ("gate", "dock")
    ]
    yield opened
    for kiosk in opened:
        kiosk.close()


def semi_monthly(central: CentralDatabase, **changes: object) -> None:
    values: dict[str, object] = {
        "company_id": "acme",
        "name": "payroll",
        "frequency": "semi-monthly",
        "recipients": RECIPIENTS,
        "created_by": "HR",
        "now": CREATED,
    }
    add_schedule(central.engine, **(values | changes))  # type: ignore[arg-type]


def scheduler(central: CentralDatabase) -> ReportScheduler:
    """A scheduler as `python -m central scheduler` makes it: a new one is a restarted one."""
    return ReportScheduler(central.engine, smtp_password=PASSWORD)


def list_schedules_of(central: CentralDatabase) -> list[ReportSchedule]:
    with central.engine.connect() as connection:
        return list_schedules(connection, "acme")


def attachments(message: Message) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.walk():
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[name] = payload
    return found


def body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def test_the_semi_monthly_report_goes_on_the_16th_and_the_1st_in_manila_once(
    acme: CentralDatabase, kiosks: list[KioskUnderTest], mail: MailServer
) -> None:
    gate, dock = kiosks
    work_a_week(gate, dock)
    semi_monthly(acme)
    assert scheduler(acme).run_round(SIXTEENTH - timedelta(minutes=1)).planned == 0
    report = scheduler(acme).run_round(SIXTEENTH)
    assert (report.planned, report.queued, report.sent, report.waiting) == (1, 1, 1, 0)
    assert len(mail.inbox.messages) == 1
    message = mail.inbox.messages[0]
    assert message["Subject"] == "[acme Ltd] Payroll report 2026-11-01 to 2026-11-15"
    assert mail.inbox.envelopes[0] == ("reports@acme.example", RECIPIENTS)
    files = attachments(message)
    assert sorted(files) == ["timesheet_acme_2026-11-01_2026-11-15.csv", "timesheet_acme_2026-11-01_2026-11-15.xlsx"]
    period = Period(date(2026, 11, 1), date(2026, 11, 15))
    # The same CSV as the kiosks print and head office's timesheet command, for the same facts and moment.
    at_kiosk = Reports(gate.database, gate.clock).timesheet_csv(period, as_of=SIXTEENTH)
    with acme.engine.connect() as connection:
        assert central_timesheet_csv(connection, "acme", period, as_of=SIXTEENTH) == at_kiosk
    assert files["timesheet_acme_2026-11-01_2026-11-15.csv"].decode() == at_kiosk
    assert len(at_kiosk.splitlines()) == 1 + 9
    book = load_workbook(io.BytesIO(files["timesheet_acme_2026-11-01_2026-11-15.xlsx"]))
    assert book.sheetnames == [period.title, "Totals " + period.title]
    assert "Day rows: 9." in body(message)

    # Restarted, again and again at the same moment and later the same day: nothing more.
    for later in (SIXTEENTH, SIXTEENTH + timedelta(hours=5)):
        assert scheduler(acme).run_round(later) == scheduler(acme).run_round(later)
    assert len(mail.inbox.messages) == 1
    # Down from the 16th until after the 1st: the missed report goes when it comes back, for its own period.
    scheduler(acme).run_round(FIRST_OF_DECEMBER + timedelta(days=2))
    assert [m["Subject"] for m in mail.inbox.messages][1:] == ["[acme Ltd] Payroll report 2026-11-16 to 2026-11-30"]
    with acme.engine.connect() as connection:
        runs = list_runs(connection, company_id="acme")
    assert [(run.period.title, run.status, run.due_at) for run in runs] == [
        ("2026-11-16 to 2026-11-30", "sent", FIRST_OF_DECEMBER),
        ("2026-11-01 to 2026-11-15", "sent", SIXTEENTH),
    ]
    code, out, err = run_cli(acme, "report-runs", "--company", "acme", "--status", "sent")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("company_id,schedule,period_first,period_last,due_at,status")
    assert lines[2].startswith("acme,payroll,2026-11-01,2026-11-15,2026-11-15T22:00:00+00:00,sent,,9,")


def test_a_schedule_in_new_york_keeps_six_oclock_across_the_clock_change(
    acme: CentralDatabase, mail: MailServer
) -> None:
    semi_monthly(acme, timezone="America/New_York", now=datetime(2027, 3, 2, tzinfo=UTC))
    assert scheduler(acme).run_round(datetime(2027, 3, 16, 9, 59, tzinfo=UTC)).planned == 0  # 05:59 EDT
    assert scheduler(acme).run_round(datetime(2027, 3, 16, 10, 0, tzinfo=UTC)).sent == 1  # 06:00 EDT
    assert mail.inbox.messages[0]["Subject"] == "[acme Ltd] Payroll report 2027-03-01 to 2027-03-15"


def test_two_schedulers_at_once_send_each_report_once(acme: CentralDatabase, mail: MailServer) -> None:
    semi_monthly(acme)
    semi_monthly(acme, name="payroll-copy", recipients=["audit@acme.example"])
    start = threading.Barrier(3)
    reports = []

    def run() -> None:
        start.wait()
        reports.append(scheduler(acme).run_round(SIXTEENTH))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 2
    assert sorted(str(m["To"]) for m in mail.inbox.messages) == ["audit@acme.example", ", ".join(RECIPIENTS)]


def test_held_while_missed_clockouts_wait_then_sent_when_the_last_is_resolved(
    acme: CentralDatabase, kiosks: list[KioskUnderTest], mail: MailServer
) -> None:
    gate, _ = kiosks
    with acme.engine.begin() as admin:
        admin.execute(text("UPDATE companies SET missed_clockout_enabled = true, block_reports_on_pending = true"))
    set_report_admins(acme.engine, "acme", ["owner@acme.example", "payroll@acme.example"])
    gate.sync.pull()
    for number in ("acme-E001", "acme-E002"):
        gate.punch(number, PunchKind.CLOCK_IN)
    gate.time.advance(hours=30)
    for number in ("acme-E001", "acme-E002"):
        assert gate.missed.open_pending_incident(gate.employee_id(number)) is not None
    gate.sync.run_once()
    semi_monthly(acme)
    listener = ResolutionListener(acme.engine)
    try:
        report = scheduler(acme).run_round(SIXTEENTH)
        assert (report.queued, report.held, report.sent) == (0, 1, 1)
        notice = mail.inbox.messages[0]
        # Unfolded: a long subject is folded over two header lines.
        assert " ".join(str(notice["Subject"]).split()) == (
            "[acme Ltd] Payroll report 2026-11-01 to 2026-11-15 held: 2 unresolved missed clock-outs"
        )
        assert "Resolve them at: https://hr.acme.example/incidents" in body(notice)
        assert "sent as soon as the last one is resolved" in body(notice)
        assert attachments(notice) == {}
        # The recipients and the company's report admins, each once.
        assert mail.inbox.envelopes[0][1] == [*RECIPIENTS, "owner@acme.example"]
        # Later rounds tell nobody again while it stays held.
        scheduler(acme).run_round(SIXTEENTH + timedelta(hours=1))
        assert len(mail.inbox.messages) == 1
        with acme.engine.connect() as connection:
            incidents = list_incidents(connection, company_id="acme")
            [run] = list_runs(connection, company_id="acme")
        assert (run.status, run.blocked_incidents) == ("blocked", 2)

        def settle(incident_number: int) -> None:
            incident = incidents[incident_number]
            resolve(
                acme.engine,
                incident.id,
                approve=False,
                resolved_by="HR",
                notes="left at five",
                logout_time=incident.login_time + timedelta(hours=9),
                now=SIXTEENTH + timedelta(hours=2),
            )

        settle(0)
        assert listener.wait(5)  # the resolution wakes a waiting scheduler
        assert scheduler(acme).run_round(SIXTEENTH + timedelta(hours=2)).sent == 0
        with acme.engine.connect() as connection:
            assert list_runs(connection, company_id="acme")[0].blocked_incidents == 1
        settle(1)
        assert listener.wait(5)
        assert scheduler(acme).run_round(SIXTEENTH + timedelta(hours=2, seconds=1)).sent == 1
    finally:
        listener.close()
    assert mail.inbox.messages[1]["Subject"] == "[acme Ltd] Payroll report 2026-11-01 to 2026-11-15"
    with acme.engine.connect() as connection:
        [run] = list_runs(connection, company_id="acme")
    assert (run.status, run.blocked_incidents) == ("sent", 1)


def test_a_server_that_is_down_keeps_the_report_until_it_is_back(acme: CentralDatabase, mail: MailServer) -> None:
    semi_monthly(acme)
    mail.stop()
    report = scheduler(acme).run_round(SIXTEENTH)
    assert (report.queued, report.sent, report.send_failures, report.waiting) == (1, 0, 1, 1)
    assert report.last_error is not None
    assert "cannot send through localhost" in report.last_error
    with acme.engine.connect() as connection:
        [run] = list_runs(connection, company_id="acme")
    assert run.status == "queued"
    assert run.last_error == report.last_error
    mail.start()
    assert scheduler(acme).run_round(SIXTEENTH + timedelta(seconds=30)).sent == 0  # its pause: one minute
    assert scheduler(acme).run_round(SIXTEENTH + timedelta(minutes=1)).sent == 1
    assert len(mail.inbox.messages) == 1


class KillingInbox(Inbox):
    """Kills the scheduler's process the moment its message has arrived, before the server's reply reaches it."""

    victim: subprocess.Popen[str] | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's
        reply = await super().handle_DATA(server, session, envelope)
        if self.victim is not None:
            self.victim.send_signal(signal.SIGKILL)
            await asyncio.get_running_loop().run_in_executor(None, self.victim.wait)
            self.victim = None
        return reply


def scheduler_process(central: CentralDatabase, now: datetime, *, url: str | None = None) -> subprocess.Popen[str]:
    environment = os.environ | {"TIMECLOCK_SMTP_PASSWORD": PASSWORD}
    command = [sys.executable, "-m", "central", "--database-url", url or central.url, "scheduler", "--once"]
    return subprocess.Popen(
        [*command, "--now", now.isoformat()],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_scheduler_killed_between_the_send_and_its_record_neither_loses_nor_changes_the_report(
    acme: CentralDatabase, mail: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMECLOCK_SMTP_PASSWORD", PASSWORD)
    inbox = KillingInbox()
    mail.inbox = inbox
    mail.stop()
    mail.start()
    semi_monthly(acme)
    process = scheduler_process(acme, SIXTEENTH)
    inbox.victim = process
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    assert len(inbox.messages) == 1  # the server has it; the scheduler never heard back
    with acme.engine.connect() as connection:
        [run] = list_runs(connection, company_id="acme")
        assert run.status == "queued"  # nothing was recorded as sent

    code, out, err = run_cli(acme, "scheduler", "--once", "--now", (SIXTEENTH + timedelta(minutes=5)).isoformat())
    assert code == 0, err
    assert ", sent 1, not sent 0," in out
    first, again = inbox.messages
    # The message sent again is the same message: its id, its subject, its files; a mail store keeps one.
    assert again["Message-ID"] == first["Message-ID"]
    assert again["Subject"] == first["Subject"]
    assert attachments(again) == attachments(first)
    with acme.engine.connect() as connection:
        [run] = list_runs(connection, company_id="acme")
        assert run.status == "sent"
        assert connection.scalar(select(func.count()).select_from(central_outbox)) == 1
    code, out, err = run_cli(acme, "scheduler", "--once", "--now", (SIXTEENTH + timedelta(hours=1)).isoformat())
    assert ", sent 0, not sent 0," in out
    assert len(inbox.messages) == 2


def test_a_scheduler_killed_while_it_writes_the_report_queues_it_once_when_started_again(
    acme: CentralDatabase, kiosks: list[KioskUnderTest], mail: MailServer
) -> None:
    gate, dock = kiosks
    work_a_week(gate, dock)
    semi_monthly(acme)
    name = "doomed-scheduler"

    def backends(condition: str = "true") -> int:
        query = f"SELECT count(*) FROM pg_stat_activity WHERE application_name = :name AND {condition}"
        with acme.engine.connect() as watcher:
            return int(watcher.scalar(text(query), {"name": name}) or 0)

    def wait_for(check: Callable[[], bool]) -> None:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while not check():
            assert datetime.now(UTC) < deadline, "waited a minute"
            threading.Event().wait(0.05)

    with acme.engine.connect() as locker, locker.begin():
        # The punches are locked: the scheduler claims the run, starts the report, and waits there to be killed.
        locker.execute(text("LOCK TABLE punches IN ACCESS EXCLUSIVE MODE"))
        process = scheduler_process(acme, SIXTEENTH, url=f"{acme.url}?application_name={name}")
        wait_for(lambda: backends("wait_event_type = 'Lock'") == 1)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    wait_for(lambda: backends() == 0)  # its transaction rolled back when its server process noticed
    with acme.engine.connect() as connection:
        [run] = list_runs(connection, company_id="acme")
        assert run.status == "due"
        assert connection.scalar(select(func.count()).select_from(central_outbox)) == 0
    assert mail.inbox.messages == []
    report = scheduler(acme).run_round(SIXTEENTH + timedelta(minutes=1))
    assert (report.planned, report.queued, report.sent) == (0, 1, 1)
    assert scheduler(acme).run_round(SIXTEENTH + timedelta(minutes=2)).sent == 0
    assert len(mail.inbox.messages) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--company", "nobody", "--every", "monthly"], "no company 'nobody'"),
        (["--company", "acme", "--every", "monthly", "--no-to"], "at least one recipient"),
        (["--company", "acme", "--every", "monthly", "--to", "payroll at acme"], "is not an email address"),
        (["--company", "acme", "--every", "monthly", "--to", "a@acme.example", "--to", "a@acme.example"], "twice"),
        (["--company", "acme", "--every", "fortnightly"], "unknown frequency 'fortnightly'"),
        (["--company", "acme", "--every", "cron"], "needs its rule"),
        (["--company", "acme", "--every", "cron", "--rule", "0 */4 * * *"], "once a day at most"),
        (["--company", "acme", "--every", "monthly", "--rule", "0 6 1 * *"], "cron frequency only"),
        (["--company", "acme", "--every", "weekly", "--weekday", "funday"], "'funday' is not a weekday"),
        (["--company", "acme", "--every", "monthly", "--at", "25:00"], "not a time of day"),
        (["--company", "acme", "--every", "monthly", "--timezone", "Mars/Base"], "not an IANA time zone"),
        (["--company", "acme", "--every", "monthly", "--site", "moon"], "no site 'moon'"),
        (["--company", "acme", "--every", "monthly", "--department", "moon"], "no department 'moon'"),
        (["--company", "acme", "--every", "monthly", "--name", "two words"], "schedule name"),
        (["--company", "acme", "--every", "monthly", "--name", "payroll"], "already has a schedule named 'payroll'"),
    ],
)
def test_bad_schedules_are_refused_clearly_and_change_nothing(
    acme: CentralDatabase, args: list[str], message: str
) -> None:
    semi_monthly(acme)
    if "--no-to" in args:
        args = [arg for arg in args if arg != "--no-to"]
    elif "--to" not in args:
        args = [*args, "--to", "hr@acme.example"]
    if "--name" not in args:
        args = [*args, "--name", "monthly"]
    code, out, err = run_cli(acme, "report-schedule", "add", *args)
    assert code == 1
    assert out == ""
    assert message in err
    with acme.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(report_schedules)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mail-settings", "--host", "bad host!", "--from", "a@acme.example"], "not a host name"),
        (["mail-settings", "--host", "smtp.acme.example"], "give the sender address"),
        (["mail-settings", "--host", "smtp.acme.example", "--from", "x", "--port", "0"], "1 to 65535"),
        (
            ["mail-settings", "--host", "smtp.acme.example", "--from", "a@acme.example", "--ca-file", "/nope.pem"],
            "does not exist",
        ),
        (
            ["mail-settings", "--host", "smtp.acme.example", "--from", "a@acme.example", "--console-url", "hr"],
            "not a web address",
        ),
        (["mail-settings", "--off", "--host", "smtp.acme.example"], "not both"),
        (["report-runs", "--status", "lost"], "unknown status 'lost'"),
        (["report-admins", "--company", "acme", "--email", "nobody"], "is not an email address"),
        (["report-schedule", "remove", "--company", "acme", "--name", "ghost"], "no schedule named 'ghost'"),
        (["scheduler", "--now", "2026-11-16T06:00:00+08:00"], "give it with --once"),
        (["scheduler", "--once", "--now", "2026-11-16 06:00"], "has no offset"),
        (["scheduler", "--interval", "0"], "1 to 3600"),
    ],
)
def test_bad_settings_and_choices_are_refused_clearly_and_change_nothing(
    acme: CentralDatabase, args: list[str], message: str
) -> None:
    before = run_cli(acme, "mail-settings")
    code, out, err = run_cli(acme, *args)
    assert code == 1
    assert out == ""
    assert message in err
    assert run_cli(acme, "mail-settings") == before


def test_schedules_are_listed_and_removed_with_their_waiting_runs(acme: CentralDatabase, mail: MailServer) -> None:
    code, out, err = run_cli(
        acme, "report-schedule", "add", "--company", "acme", "--name", "weekly-yard", "--every", "weekly",
        "--weekday", "friday", "--at", "07:30", "--site", "yard", "--to", "yard@acme.example",
    )  # fmt: skip
    assert code == 0, err
    assert "30 7 * * fri (Asia/Manila)" in out
    assert "first report: " in out
    assert " 07:30 Asia/Manila, covering " in out
    code, out, _ = run_cli(acme, "report-schedule", "list", "--company", "acme")
    header, row = out.splitlines()
    assert header == "company_id,name,frequency,rule,timezone,site,department,recipients,next_due,next_period"
    assert row.startswith("acme,weekly-yard,weekly,30 7 * * fri,Asia/Manila,yard,,yard@acme.example,")
    [schedule] = list_schedules_of(acme)
    due, period = next_run(schedule, datetime(2026, 11, 25, tzinfo=UTC)) or (None, None)
    assert due == datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # Friday the 27th, 07:30 in Manila
    assert period == Period(date(2026, 11, 20), date(2026, 11, 26))
    with acme.engine.begin() as admin:
        admin.execute(text("UPDATE report_schedules SET created_at = :at"), {"at": CREATED})
    ReportScheduler(acme.engine).plan(datetime(2026, 11, 10, tzinfo=UTC))  # Friday the 6th's run, planned only
    code, out, err = run_cli(acme, "report-schedule", "remove", "--company", "acme", "--name", "weekly-yard")
    assert code == 0, err
    assert out == "schedule weekly-yard removed; 1 run not yet sent cancelled\n"
    assert run_cli(acme, "report-schedule", "list")[1].splitlines()[1:] == []
    with acme.engine.connect() as connection:
        assert [run.status for run in list_runs(connection)] == ["cancelled"]
    assert ReportScheduler(acme.engine).run_round(datetime(2026, 11, 30, tzinfo=UTC)).planned == 0


def test_kiosks_cannot_read_head_offices_report_tables(acme: CentralDatabase) -> None:
    semi_monthly(acme)
    profile = acme.add_kiosk("acme", "yard")
    with acme.kiosk_connection(profile) as kiosk:
        for table in ("report_schedules", "report_runs", "central_outbox", "central_settings", "report_admins"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                kiosk.execute(f"SELECT count(*) FROM {table}")
            kiosk.rollback()


def test_the_report_tables_go_down_and_up_again(fresh_central: CentralDatabase) -> None:
    fresh_central.add_company("acme", sites={"yard": "Asia/Manila"})
    with fresh_central.engine.begin() as connection:
        config = _alembic_config(connection)
        scripts = ScriptDirectory.from_config(config)
        [revision] = [r for r in scripts.walk_revisions() if (r.doc or "").startswith("Scheduled payroll reports")]
        assert isinstance(revision.down_revision, str)
        command.downgrade(config, revision.down_revision)
        assert connection.scalar(text("SELECT to_regclass('report_runs')")) is None
        command.upgrade(config, "head")
    semi_monthly(fresh_central)
    with fresh_central.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(report_schedules)) == 1


def test_the_running_scheduler_sends_a_held_report_as_soon_as_the_last_incident_is_resolved(
    acme: CentralDatabase, kiosks: list[KioskUnderTest], mail: MailServer
) -> None:
    gate, _ = kiosks
    leave_a_session_open(acme, gate)
    semi_monthly(acme)
    stop = threading.Event()
    listener = ResolutionListener(acme.engine)
    loop = threading.Thread(
        target=run_scheduler,
        args=(scheduler(acme),),
        kwargs={"interval": 600, "clock": lambda: SIXTEENTH, "listener": listener, "stop": stop},
    )
    loop.start()
    try:
        assert mail.inbox.arrived.wait(60)
        assert "held: 1 unresolved missed clock-out" in " ".join(str(mail.inbox.messages[0]["Subject"]).split())
        mail.inbox.arrived.clear()
        with acme.engine.connect() as connection:
            [incident] = list_incidents(connection, company_id="acme")
        resolve(
            acme.engine,
            incident.id,
            approve=False,
            resolved_by="HR",
            notes="left at five",
            logout_time=incident.login_time + timedelta(hours=9),
            now=SIXTEENTH,
        )
        # Well before the next regular round (ten minutes away): the resolution woke the scheduler.
        assert mail.inbox.arrived.wait(60)
        assert mail.inbox.messages[1]["Subject"] == "[acme Ltd] Payroll report 2026-11-01 to 2026-11-15"
    finally:
        stop.set()
        with acme.engine.begin() as connection:
            connection.execute(text("SELECT pg_notify('incident_resolved', 'acme')"))  # wake it to see the stop
        loop.join(60)
        listener.close()
    assert not loop.is_alive()
