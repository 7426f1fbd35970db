"""Head-office commands on the central database: `python -m central COMMAND ...` (`--help` lists them).

The database URL comes from `--database-url` or the environment variable TIMECLOCK_CENTRAL_URL, so a password
need not appear on a command line. Every command validates its input before it writes and exits non-zero with a
message on bad input.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from central.database import admin_engine, check_server, migrate
from central.incidents import list_incidents, pending_count, resolve
from central.keys import KEY_FILE_ENV, HeadOfficeKey, default_key_file, forget_faces, rotate_company_key
from central.kiosks import add_kiosk, fleet, set_update_source
from central.report_rules import parse_clock
from central.reports import TimesheetScope, report_zone, write_central_timesheet
from central.roster import (
    deactivate_employee,
    employee_id_of,
    employee_numbers,
    upsert_company,
    upsert_department,
    upsert_employee,
    upsert_site,
)
from central.scheduled_reports import (
    ReportScheduler,
    ResolutionListener,
    add_schedule,
    configure_mail,
    head_office_mail,
    list_runs,
    list_schedules,
    next_run,
    remove_schedule,
    report_admin_emails,
    run_scheduler,
    set_report_admins,
)
from central.users import add_user, reset_password
from kiosk.domain.errors import RuleViolation, TimeclockError
from kiosk.domain.incidents import IncidentStatus
from kiosk.domain.roster import parse_code
from kiosk.domain.timesheet import Period, parse_day
from wire.mail import SmtpServer

log = logging.getLogger(__name__)

URL_ENV = "TIMECLOCK_CENTRAL_URL"

Handler = Callable[[argparse.Namespace, Engine], int]


def _url(args: argparse.Namespace) -> str:
    url: str | None = args.database_url or os.environ.get(URL_ENV)
    if not url:
        raise TimeclockError(f"give --database-url or set {URL_ENV}")
    return url


@contextmanager
def _engine(args: argparse.Namespace) -> Iterator[Engine]:
    """The head-office engine for one command, disposed (connections closed) when the command ends."""
    engine = admin_engine(_url(args))
    try:
        check_server(engine)
        yield engine
    finally:
        engine.dispose()


def _init(args: argparse.Namespace, engine: Engine) -> int:
    revision = migrate(engine)
    print(f"central schema ready at revision {revision}")
    path = _key_file(args)
    _, made = HeadOfficeKey.load_or_create(path)
    if made:
        print(f"head-office key made: {path} (keep a copy in a safe place; see the README)")
    return 0


def _key_file(args: argparse.Namespace) -> Path:
    given: str | None = getattr(args, "head_office_key", None)
    return Path(given) if given else default_key_file()


def _head_office_key(args: argparse.Namespace, engine: Engine | None = None) -> int:
    path = _key_file(args)
    HeadOfficeKey.create(path)
    print(f"head-office key made: {path} (keep a copy in a safe place; see the README)")
    return 0


def _rotate_company_key(args: argparse.Namespace, engine: Engine) -> int:
    done = rotate_company_key(engine, args.company, HeadOfficeKey.load(_key_file(args)), by=args.by)
    print(
        f"company {done.company_id}: key version {done.version}; {done.templates} face templates sealed again, "
        f"wrapped for {done.kiosks} kiosks"
    )
    if done.unreadable:
        print(f"{done.unreadable} templates did not open and were left as they were (see the log)", file=sys.stderr)
    return 0


def _forget_face(args: argparse.Namespace, engine: Engine) -> int:
    with engine.connect() as connection:
        employee_id = employee_id_of(connection, parse_code(args.company, "company code"), args.employee)
    assert employee_id is not None  # employee_id_of raised otherwise
    revoked = forget_faces(engine, args.company, employee_id, by=args.by)
    print(
        f"employee {args.employee}: {revoked} face templates revoked, consent withdrawn; "
        "every kiosk deletes its copies at its next sync"
    )
    return 0


def _add_company(args: argparse.Namespace, engine: Engine) -> int:
    upsert_company(
        engine,
        args.company,
        args.name,
        missed_clockout_enabled=args.missed_clockout,
        block_reports_on_pending=args.block_reports_on_pending,
        open_session_limit_minutes=args.open_session_limit,
        kiosk_may_deactivate=args.kiosk_may_deactivate,
    )
    print(f"company {args.company} saved")
    return 0


def _add_site(args: argparse.Namespace, engine: Engine) -> int:
    upsert_site(engine, args.company, args.site, args.name or args.site, args.timezone)
    print(f"site {args.site} saved")
    return 0


def _add_department(args: argparse.Namespace, engine: Engine) -> int:
    upsert_department(
        engine,
        args.company,
        args.department,
        args.name or args.department,
        undertime=args.undertime,
        shift_start=args.shift_start,
        grace_minutes=args.grace_minutes,
        half_day_after=args.half_day_after,
        half_day_hours=args.half_day_hours,
        regular_hours=args.regular_hours,
    )
    print(f"department {args.department} saved")
    return 0


def _add_employee(args: argparse.Namespace, engine: Engine) -> int:
    upsert_employee(
        engine,
        args.company,
        args.employee,
        args.first_name,
        args.last_name,
        department=args.department,
        daily_rate=args.daily_rate,
    )
    print(f"employee {args.employee} saved")
    return 0


def _deactivate_employee(args: argparse.Namespace, engine: Engine) -> int:
    revoked = deactivate_employee(engine, args.company, args.employee)
    print(f"employee {args.employee} deactivated; {revoked} face templates revoked")
    return 0


def _add_kiosk(args: argparse.Namespace, engine: Engine) -> int:
    ca_pem = None
    if args.ca_file is not None:
        try:
            ca_pem = Path(args.ca_file).read_text()
        except OSError as error:
            raise TimeclockError(f"cannot read the CA file {args.ca_file}: {error.strerror}") from error
    registration = add_kiosk(
        engine,
        company_id=args.company,
        site_code=args.site,
        name=args.name,
        host=args.kiosk_host,
        port=args.kiosk_port,
        ca_pem=ca_pem,
        require_tls=not args.no_tls,
        head_office=HeadOfficeKey.load(_key_file(args)),
    )
    print(f"kiosk {registration.kiosk_id} registered; on the kiosk run once:", file=sys.stderr)
    print(f"python main.py provision {registration.token}")
    return 0


def _kiosks(args: argparse.Namespace, engine: Engine) -> int:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        [
            "kiosk_id", "company", "site", "name", "provisioned_at", "running_version", "staged_version",
            "last_update_check", "update_metadata_verified", "update_error", "update_error_at", "last_report",
            "update_source", "update_window",
        ]
    )  # fmt: skip

    def when(moment: datetime | None) -> str:
        return moment.astimezone(UTC).isoformat(timespec="seconds") if moment is not None else ""

    for kiosk in fleet(engine, args.company):
        writer.writerow(
            [
                kiosk.kiosk_id, kiosk.company_id, kiosk.site_code, kiosk.name, when(kiosk.provisioned_at),
                kiosk.running_version or "", kiosk.staged_version or "", when(kiosk.update_checked_at),
                when(kiosk.update_verified_at), kiosk.update_error or "", when(kiosk.update_error_at),
                when(kiosk.reported_at), kiosk.update_source or "", kiosk.update_window or "",
            ]
        )  # fmt: skip
    return 0


def _set_update_source(args: argparse.Namespace, engine: Engine) -> int:
    if (args.url is None) == (not args.clear):
        raise RuleViolation("update_source_choice", "give the update source URL or FOLDER, or --clear")
    kiosk_id = _kiosk_id(args.kiosk) if args.kiosk else None
    changed = set_update_source(engine, company_id=args.company, kiosk_id=kiosk_id, source=args.url, window=args.window)
    print(f"{changed} kiosk{'s' if changed != 1 else ''} will take the new update source at their next sync")
    return 0


def _kiosk_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise RuleViolation("bad_kiosk_id", f"{text!r} is not a kiosk id (a UUID, as `kiosks` lists them)") from error


def _parse_time(text: str, option: str = "--time") -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise RuleViolation("time_invalid", f"{option}: {text!r} is not an ISO 8601 time") from error
    if value.tzinfo is None:
        raise RuleViolation("naive_time", f"{option}: {text!r} has no offset; add Z or +HH:MM")
    return value.astimezone(UTC)


def _incident_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise RuleViolation("incident_id_invalid", f"{text!r} is not an incident id") from error


INCIDENT_COLUMNS = (
    "id",
    "company_id",
    "status",
    "employee_number",
    "name",
    "login_time",
    "claimed_logout_time",
    "reason",
    "note",
    "final_logout_time",
    "resolved_by",
    "resolved_at",
    "admin_notes",
)


def _incidents_list(args: argparse.Namespace, engine: Engine) -> int:
    status = None
    if args.status is not None:
        try:
            status = IncidentStatus(args.status)
        except ValueError as error:
            valid = ", ".join(s.value for s in IncidentStatus)
            raise RuleViolation("status_invalid", f"unknown status {args.status!r}; choose one of: {valid}") from error
    with engine.connect() as connection:
        found = list_incidents(connection, company_id=args.company, status=status)
        numbers = employee_numbers(connection, args.company)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(INCIDENT_COLUMNS)

    def text(value: object) -> str:
        if value is None:
            return ""
        return value.isoformat() if isinstance(value, datetime) else str(value)

    for incident in found:
        writer.writerow(
            [
                text(incident.id),
                incident.company_id,
                incident.status.value,
                numbers.get(incident.employee_id, ""),
                incident.full_name,
                text(incident.login_time),
                text(incident.employee_claimed_logout_time),
                incident.employee_reason.label if incident.employee_reason is not None else "",
                text(incident.employee_note),
                text(incident.final_logout_time),
                text(incident.resolved_by),
                text(incident.resolved_at),
                text(incident.admin_notes),
            ]
        )
    return 0


def _incidents_resolve(args: argparse.Namespace, engine: Engine) -> int:
    incident_id = _incident_id(args.id)
    logout_time = None if args.time is None else _parse_time(args.time)
    resolved = resolve(
        engine,
        incident_id,
        approve=args.approve,
        resolved_by=args.by,
        notes=args.notes or "",
        logout_time=logout_time,
        now=datetime.now(UTC),
    )
    final = resolved.final_logout_time
    print(f"incident {resolved.id} {resolved.status.value}: clock-out {final.isoformat() if final else ''}")
    return 0


def _timesheet(args: argparse.Namespace, engine: Engine) -> int:
    scope = TimesheetScope(args.company, args.site, args.department)
    as_of = datetime.now(UTC) if args.as_of is None else _parse_time(args.as_of, "--as-of")
    with engine.connect() as connection:
        if args.period is not None:
            if args.first_day is not None or args.last_day is not None:
                raise RuleViolation("period_twice", "give a pay period (--period) or dates (--from, --to), not both")
            day = parse_day(args.day, "--day") or as_of.astimezone(report_zone(connection, scope)).date()
            period = Period.pay_period(args.period, day)
        else:
            if args.day is not None:
                raise RuleViolation("day_without_period", "--day names the day a pay period (--period) holds")
            period = Period.parse(args.first_day, args.last_day)
        with ExitStack() as files:
            csv_out = _report_file(files, args.csv, "w") if args.csv else None
            totals_out = _report_file(files, args.totals_csv, "w") if args.totals_csv else None
            book_out = _report_file(files, args.xlsx, "wb") if args.xlsx else None
            if csv_out is None and totals_out is None and book_out is None:
                csv_out = sys.stdout
            rows = write_central_timesheet(
                connection, scope, period, as_of=as_of, csv_out=csv_out, totals_out=totals_out, workbook_out=book_out
            )
        written = [name for name in (args.csv, args.totals_csv, args.xlsx) if name]
    if written:
        print(f"timesheet {period.title}: {rows} rows written to {', '.join(written)}", file=sys.stderr)
    return 0


def _report_file(files: ExitStack, name: str, mode: str) -> Any:
    """A report file written under a temporary name and renamed once complete, so a failed report leaves nothing
    that looks finished."""
    target = Path(name)
    partial = target.with_name(target.name + ".part")
    try:
        opened = partial.open(mode, encoding="utf-8", newline="") if "b" not in mode else partial.open(mode)
    except OSError as error:
        raise TimeclockError(f"cannot write {target}: {error.strerror or error}") from error
    files.callback(partial.unlink, missing_ok=True)

    def finish(kind: type[BaseException] | None, *_: object) -> bool:
        opened.close()
        if kind is None:
            partial.replace(target)
        return False

    files.push(finish)
    return opened


def _password_from_stdin(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise TimeclockError("give the password on standard input with --password-stdin (never on the command line)")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise TimeclockError("no password on standard input")
    return password


def _add_user(args: argparse.Namespace, engine: Engine) -> int:
    password = _password_from_stdin(args)
    add_user(
        engine,
        company_id=args.company,
        email=args.email,
        role=args.role,
        password=password,
        site_codes=args.site or (),
        actor="python -m central add-user",
        now=datetime.now(UTC),
    )
    print(f"console user {args.email.strip().lower()} added")
    return 0


def _reset_password(args: argparse.Namespace, engine: Engine) -> int:
    password = _password_from_stdin(args)
    reset_password(
        engine,
        company_id=args.company,
        email=args.email,
        password=password,
        actor="python -m central reset-password",
        now=datetime.now(UTC),
    )
    print(f"password of {args.email.strip().lower()} set; any lockout lifted")
    return 0


def _serve(args: argparse.Namespace, engine: Engine) -> int:
    # The web stack loads for this command only, so the other commands start as fast as before.
    from central.console.server import SECRET_KEY_ENV, serve_console  # noqa: PLC0415

    if not 0 < args.port < 65536:
        raise RuleViolation("bad_port", f"--port: {args.port} is not a port number (1 to 65535)")
    serve_console(
        engine,
        host=args.host,
        port=args.port,
        secret_key=os.environ.get(SECRET_KEY_ENV),
        kiosk_host=args.kiosk_host,
        kiosk_port=args.kiosk_port,
        secure_cookies=args.secure_cookies,
        head_office_key=_key_file(args),
    )
    return 0


def _pending_count(args: argparse.Namespace, engine: Engine) -> int:
    with engine.connect() as connection:
        print(pending_count(connection, company_id=args.company))
    return 0


SMTP_PASSWORD_ENV = "TIMECLOCK_SMTP_PASSWORD"  # noqa: S105 - the name of a variable, not a password


def _mail_settings(args: argparse.Namespace, engine: Engine) -> int:
    now = datetime.now(UTC)
    if args.off or args.host is not None:
        if args.off and args.host is not None:
            raise RuleViolation("mail_setting_invalid", "give --host or --off, not both")
        server = None
        if not args.off:
            server = SmtpServer(
                args.host,
                args.port,
                args.user,
                args.from_address or "",
                not args.no_starttls,
                args.ca_file,
                args.timeout,
            )
        configure_mail(engine, server, console_url=args.console_url, changed_by=args.by, now=now)
    elif args.console_url is not None:
        raise RuleViolation("mail_setting_invalid", "give the SMTP server (--host, --from) with --console-url")
    with engine.connect() as connection:
        settings = head_office_mail(connection)
    server = settings.server
    if server is None:
        print("smtp: not configured (reports wait in the outbox)")
    else:
        login = f" as {server.username}" if server.username else ""
        tls = "STARTTLS" if server.starttls else "no TLS"
        print(f"smtp: {server.host}:{server.port}{login}, {tls}, from {server.from_address}")
        if server.username and not os.environ.get(SMTP_PASSWORD_ENV):
            print(f"note: the scheduler reads the SMTP password from ${SMTP_PASSWORD_ENV}, which is not set here")
    print(f"console: {settings.console_url or 'not set'}")
    return 0


def _report_admins(args: argparse.Namespace, engine: Engine) -> int:
    if args.email:
        set_report_admins(engine, args.company, args.email)
    with engine.connect() as connection:
        for email in report_admin_emails(connection, args.company):
            print(email)
    return 0


SCHEDULE_COLUMNS = (
    "company_id",
    "name",
    "frequency",
    "rule",
    "timezone",
    "site",
    "department",
    "recipients",
    "next_due",
    "next_period",
)


def _schedule_add(args: argparse.Namespace, engine: Engine) -> int:
    schedule = add_schedule(
        engine,
        company_id=args.company,
        name=args.name,
        frequency=args.every,
        recipients=args.to,
        at=parse_clock(args.at, "--at"),
        weekday=args.weekday,
        rule=args.rule,
        site_code=args.site,
        department_code=args.department,
        timezone=args.timezone,
        created_by=args.by,
        now=datetime.now(UTC),
    )
    print(f"schedule {schedule.name} of {schedule.company_id} saved: {schedule.rule} ({schedule.timezone})")
    upcoming = next_run(schedule, datetime.now(UTC))
    if upcoming is not None:
        due, period = upcoming
        local = due.astimezone(ZoneInfo(schedule.timezone))
        print(f"first report: {local:%Y-%m-%d %H:%M} {schedule.timezone}, covering {period.title}")
    return 0


def _schedule_list(args: argparse.Namespace, engine: Engine) -> int:
    with engine.connect() as connection:
        found = list_schedules(connection, args.company)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(SCHEDULE_COLUMNS)
    now = datetime.now(UTC)
    for schedule in found:
        upcoming = next_run(schedule, now)
        writer.writerow(
            [
                schedule.company_id,
                schedule.name,
                schedule.frequency,
                schedule.rule,
                schedule.timezone,
                schedule.site_code or "",
                schedule.department_code or "",
                " ".join(schedule.recipients),
                upcoming[0].isoformat() if upcoming else "",
                upcoming[1].title if upcoming else "",
            ]
        )
    return 0


def _schedule_remove(args: argparse.Namespace, engine: Engine) -> int:
    cancelled = remove_schedule(engine, args.company, args.name, removed_by=args.by, now=datetime.now(UTC))
    runs = "run" if cancelled == 1 else "runs"
    print(f"schedule {args.name} removed; {cancelled} {runs} not yet sent cancelled")
    return 0


RUN_COLUMNS = (
    "company_id",
    "schedule",
    "period_first",
    "period_last",
    "due_at",
    "status",
    "blocked_incidents",
    "rows",
    "sent_at",
    "last_error",
)


def _report_runs(args: argparse.Namespace, engine: Engine) -> int:
    with engine.connect() as connection:
        found = list_runs(connection, company_id=args.company, status=args.status)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(RUN_COLUMNS)
    for run in found:
        writer.writerow(
            [
                run.company_id,
                run.schedule_name,
                run.period.first,
                run.period.last,
                run.due_at.isoformat(),
                run.status,
                "" if run.blocked_incidents is None else run.blocked_incidents,
                "" if run.rows is None else run.rows,
                run.sent_at.isoformat() if run.sent_at else "",
                run.last_error or "",
            ]
        )
    return 0


def _scheduler(args: argparse.Namespace, engine: Engine) -> int:
    if not 1 <= args.interval <= 3600:
        raise RuleViolation("interval_invalid", "--interval must be 1 to 3600 seconds")
    if args.now is not None and not args.once:
        raise RuleViolation("now_without_once", "--now replays one round: give it with --once")
    scheduler = ReportScheduler(engine, smtp_password=os.environ.get(SMTP_PASSWORD_ENV) or None)
    if args.once:
        now = datetime.now(UTC) if args.now is None else _parse_time(args.now, "--now")
        report = scheduler.run_round(now)
        print(
            f"planned {report.planned}, queued {report.queued}, held {report.held}, failed {report.failed}, "
            f"sent {report.sent}, not sent {report.send_failures}, waiting {report.waiting}"
        )
        if report.last_error:
            print(f"last error: {report.last_error}", file=sys.stderr)
        return 0
    listener = ResolutionListener(engine)
    try:
        run_scheduler(
            scheduler, interval=args.interval, clock=lambda: datetime.now(UTC), listener=listener, stop=Event()
        )
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `python -m central` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m central", description="Central database administration.")
    parser.add_argument("--database-url", help=f"postgresql://user:password@host:port/db (default: ${URL_ENV})")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail to standard error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--database-url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sub.set_defaults(handler=handler)
        return sub

    init = command("init", _init, "create or upgrade the central schema and its roles (and the head-office key)")
    _key_option(init)
    _key_option(command("head-office-key", _head_office_key, "make head office's key file (never replaces one)"))
    _add_roster_commands(command)
    _add_incident_commands(command)
    _add_report_commands(command)
    _add_fleet_commands(command)
    _add_console_commands(command)
    return parser


Command = Callable[[str, Handler, str], argparse.ArgumentParser]


def _add_roster_commands(command: Command) -> None:

    company = command("add-company", _add_company, "create a company or change its settings")
    company.add_argument("--company", required=True)
    company.add_argument("--name", required=True)
    company.add_argument("--missed-clockout", action=argparse.BooleanOptionalAction, default=None)
    company.add_argument("--block-reports-on-pending", action=argparse.BooleanOptionalAction, default=None)
    company.add_argument("--open-session-limit", type=int, metavar="MINUTES")
    company.add_argument(
        "--kiosk-may-deactivate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let supervisors at the company's kiosks deactivate employees",
    )

    site = command("add-site", _add_site, "create or change a site")
    site.add_argument("--company", required=True)
    site.add_argument("--site", required=True)
    site.add_argument("--name")
    site.add_argument("--timezone", required=True, help="IANA name, e.g. Asia/Manila")

    department = command("add-department", _add_department, "create or change a department and its rule set")
    department.add_argument("--company", required=True)
    department.add_argument("--department", required=True)
    department.add_argument("--name")
    department.add_argument("--undertime", action="store_true", help="track late arrivals and half days")
    department.add_argument("--shift-start", default="08:00")
    department.add_argument("--grace-minutes", type=int, default=3)
    department.add_argument("--half-day-after", default="09:00")
    department.add_argument("--half-day-hours", default="4")
    department.add_argument("--regular-hours", default="8")

    employee = command("add-employee", _add_employee, "create or change an employee")
    employee.add_argument("--company", required=True)
    employee.add_argument("--employee", required=True, help="the employee number, unique in the company")
    employee.add_argument("--first-name", required=True)
    employee.add_argument("--last-name", required=True)
    employee.add_argument("--department", help="the department code")
    employee.add_argument("--daily-rate", default="0")

    deactivate = command("deactivate-employee", _deactivate_employee, "deactivate an employee, revoke their faces")
    deactivate.add_argument("--company", required=True)
    deactivate.add_argument("--employee", required=True, help="the employee number")

    kiosk = command("add-kiosk", _add_kiosk, "register a kiosk and print its one-time provisioning token")
    kiosk.add_argument("--company", required=True)
    kiosk.add_argument("--site", required=True, help="the site code")
    kiosk.add_argument("--name", required=True)
    kiosk.add_argument("--kiosk-host", help="server name the kiosk dials (default: the URL's host)")
    kiosk.add_argument("--kiosk-port", type=int, help="server port the kiosk dials (default: the URL's port)")
    kiosk.add_argument("--ca-file", help="CA certificate (PEM) the kiosk verifies the server with")
    kiosk.add_argument("--no-tls", action="store_true", help="let the kiosk connect without verified TLS")
    _key_option(kiosk)

    rotate = command(
        "rotate-company-key", _rotate_company_key, "replace a company's face-template key, re-sealing every template"
    )
    rotate.add_argument("--company", required=True)
    rotate.add_argument("--by", required=True, help="who rotates the key (audit log)")
    _key_option(rotate)

    forget = command("forget-face", _forget_face, "delete an employee's face data everywhere; consent withdrawn")
    forget.add_argument("--company", required=True)
    forget.add_argument("--employee", required=True, help="the employee number")
    forget.add_argument("--by", required=True, help="who deletes it (audit log)")


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--head-office-key",
        metavar="FILE",
        help=f"head office's key file (default: ${KEY_FILE_ENV} or {default_key_file()})",
    )


def _add_fleet_commands(command: Command) -> None:
    listing = command(
        "kiosks", _kiosks, "list the kiosks as CSV: running and staged versions, last update check, update errors"
    )
    listing.add_argument("--company")

    source = command(
        "set-update-source", _set_update_source, "set where a company's kiosks (or one kiosk) take their releases from"
    )
    source.add_argument("url", nargs="?", metavar="URL|FOLDER", help="the update repository: https://... or a folder")
    source.add_argument("--clear", action="store_true", help="let each kiosk keep the source it was provisioned with")
    source.add_argument("--company", required=True)
    source.add_argument("--kiosk", metavar="ID", help="one kiosk (default: every kiosk of the company)")
    source.add_argument("--window", metavar="HH:MM-HH:MM", help="the hours of site time to switch in")


def _add_incident_commands(command: Command) -> None:
    incidents = command("incidents", _no_subcommand, "missed clock-out incidents").add_subparsers(
        dest="incidents_command", metavar="ACTION"
    )
    listing = incidents.add_parser("list", help="list incidents as CSV", description="List incidents as CSV.")
    listing.add_argument("--status", help="pending, employee_claimed, approved or rejected")
    listing.add_argument("--company")
    listing.set_defaults(handler=_incidents_list)
    resolving = incidents.add_parser(
        "resolve",
        help="approve the claimed time, or reject it with the time to use",
        description="Approve the employee's claimed clock-out time, or reject it and set the time (notes required).",
    )
    resolving.add_argument("id", help="the incident id")
    decision = resolving.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true", help="accept the claimed time")
    decision.add_argument("--reject", action="store_true", help="set another time with --time")
    resolving.add_argument("--time", help="the clock-out time to use when rejecting (ISO 8601 with offset)")
    resolving.add_argument("--notes", help="why (required when rejecting)")
    resolving.add_argument("--by", required=True, help="who resolves it")
    resolving.set_defaults(handler=_incidents_resolve)

    count = command("pending-count", _pending_count, "how many missed clock-outs await resolution")
    count.add_argument("--company")

    sheet = command(
        "timesheet",
        _timesheet,
        "a company's timesheet: day rows as CSV (the columns of python main.py timesheet), employees' totals, .xlsx",
    )
    sheet.add_argument("--company", required=True)
    sheet.add_argument("--site", help="one site (needed when the company's sites are in different time zones)")
    sheet.add_argument("--department", help="one department (its code)")
    sheet.add_argument("--from", dest="first_day", metavar="DATE", help="first business day, YYYY-MM-DD")
    sheet.add_argument("--to", dest="last_day", metavar="DATE", help="last business day, YYYY-MM-DD")
    sheet.add_argument("--period", choices=("monthly", "semi-monthly"), help="a pay period instead of dates")
    sheet.add_argument("--day", metavar="DATE", help="a day of the pay period (default: today)")
    sheet.add_argument("--as-of", metavar="TIME", help="the moment the report describes (ISO 8601; default now)")
    sheet.add_argument("--csv", metavar="FILE", help="write the day rows' CSV to FILE instead of printing it")
    sheet.add_argument("--totals-csv", metavar="FILE", help="write each employee's totals for the period as CSV")
    sheet.add_argument("--xlsx", metavar="FILE", help="write the workbook (day rows and totals) to FILE")


def _add_report_commands(command: Command) -> None:
    mail = command(
        "mail-settings",
        _mail_settings,
        "show or set head office's SMTP server and the console's address (the password: $" + SMTP_PASSWORD_ENV + ")",
    )
    mail.add_argument("--host", help="the SMTP server")
    mail.add_argument("--port", type=int, default=587, help="its port (default 587)")
    mail.add_argument("--user", help="the SMTP login, if the server wants one")
    mail.add_argument("--from", dest="from_address", metavar="ADDRESS", help="the sender address")
    mail.add_argument("--no-starttls", action="store_true", help="do not upgrade the connection to TLS")
    mail.add_argument("--ca-file", metavar="PEM", help="extra certificate authorities to trust")
    mail.add_argument("--timeout", type=int, default=20, metavar="SECONDS", help="network timeout (default 20)")
    mail.add_argument("--console-url", metavar="URL", help="the console's address, which held-report notices link to")
    mail.add_argument("--off", action="store_true", help="remove the SMTP server: reports wait in the outbox")
    mail.add_argument("--by", default="head office", help="who changes the settings (for the record)")

    admins = command("report-admins", _report_admins, "show or set who is told that a company's report is held")
    admins.add_argument("--company", required=True)
    admins.add_argument("--email", action="append", default=[], metavar="ADDRESS", help="an admin (repeatable)")

    schedules = command("report-schedule", _no_subcommand, "scheduled payroll reports").add_subparsers(
        dest="schedule_command", metavar="ACTION"
    )
    adding = schedules.add_parser(
        "add",
        help="mail a company's payroll report on a schedule",
        description="Mail a company's payroll report (CSV and .xlsx) on a schedule. Each report covers the days "
        "since the previous one: weekly the week before, semi-monthly the 1st-15th or 16th-end, monthly the month "
        "before; a cron rule (minute hour day month weekday, weekdays by name) the days since its previous day.",
    )
    adding.add_argument("--company", required=True)
    adding.add_argument("--name", required=True, help="the schedule's name (letters, digits, - _ .)")
    adding.add_argument("--every", required=True, help="weekly, semi-monthly, monthly or cron")
    adding.add_argument("--at", default="06:00", metavar="HH:MM", help="local time of sending (default 06:00)")
    adding.add_argument("--weekday", help="the weekday of weekly reports (default mon)")
    adding.add_argument("--rule", help="the cron rule of --every cron, e.g. '0 6 * * mon,thu'")
    adding.add_argument("--to", action="append", default=[], metavar="ADDRESS", help="a recipient (repeatable)")
    adding.add_argument("--site", help="one site's report (its code)")
    adding.add_argument("--department", help="one department's report (its code)")
    adding.add_argument("--timezone", help="the zone of the schedule (default: the report's site's)")
    adding.add_argument("--by", default="head office", help="who adds it (for the record)")
    adding.set_defaults(handler=_schedule_add)
    listing = schedules.add_parser("list", help="list the schedules as CSV", description="List the schedules.")
    listing.add_argument("--company")
    listing.set_defaults(handler=_schedule_list)
    removing = schedules.add_parser("remove", help="remove a schedule", description="Remove a schedule.")
    removing.add_argument("--company", required=True)
    removing.add_argument("--name", required=True)
    removing.add_argument("--by", default="head office", help="who removes it (for the record)")
    removing.set_defaults(handler=_schedule_remove)

    runs = command("report-runs", _report_runs, "list scheduled report runs and their outcomes as CSV")
    runs.add_argument("--company")
    runs.add_argument("--status", help="due, blocked, queued, sent, failed or cancelled")

    scheduler = command(
        "scheduler", _scheduler, "send the scheduled reports: a round now, then every --interval seconds"
    )
    scheduler.add_argument("--once", action="store_true", help="one round, then exit (for cron or a timer)")
    scheduler.add_argument("--interval", type=float, default=60, metavar="SECONDS", help="between rounds (60)")
    scheduler.add_argument("--now", metavar="TIME", help="with --once: run the round as at TIME (ISO 8601)")


def _add_console_commands(command: Command) -> None:
    serve = command("serve", _serve, "serve the head-office web console")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument("--kiosk-host", help="server name new kiosks dial (default: the URL's host)")
    serve.add_argument("--kiosk-port", type=int, help="server port new kiosks dial (default: the URL's port)")
    serve.add_argument(
        "--secure-cookies", action="store_true", help="send the session cookie over HTTPS only (behind a TLS proxy)"
    )
    _key_option(serve)

    for name, handler, text in (
        ("add-user", _add_user, "add a console user to a company (the password is read from standard input)"),
        ("reset-password", _reset_password, "set a console user's password and lift a lockout (from standard input)"),
    ):
        user = command(name, handler, text)
        user.add_argument("--company", required=True)
        user.add_argument("--email", required=True)
        user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        if name == "add-user":
            user.add_argument("--role", required=True, choices=["admin", "payroll", "supervisor"])
            user.add_argument("--site", action="append", help="a site code a supervisor sees (repeat for more)")


def _no_subcommand(args: argparse.Namespace, engine: Engine) -> int:
    raise TimeclockError("say what to do (see --help)")


def main(argv: Sequence[str]) -> int:
    """Run one command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        if handler is _head_office_key:  # the one command that needs no database
            return _head_office_key(args)
        with _engine(args) as engine:
            return handler(args, engine)
    except TimeclockError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
