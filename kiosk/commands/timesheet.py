"""`python main.py timesheet`: one CSV row per employee per business day, from punch and roster files, or from this
kiosk's own database when no files are given.

The computation (`kiosk.domain.timesheet.build_timesheet`) takes punches, corrections, employee terms, rule sets and
the site's zone, and the CSV is written by one function (`write_timesheet_csv`), so any source of those facts gives
the same report. The
whole report is built before anything is printed: a bad input prints an error naming the file and line, and nothing
on standard output.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.commands.shared_options import DATA_DIR, add_shared
from kiosk.domain.errors import RuleViolation
from kiosk.domain.sessions import SessionPolicy
from kiosk.domain.timesheet import Period, build_timesheet, write_timesheet_csv
from kiosk.services import timesheet_files


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `timesheet` command."""
    parser = subparsers.add_parser(
        "timesheet",
        help="print the timesheet (CSV) of punches: hours, overtime, undertime and anomalies per employee and day",
        description=(
            "Derive work sessions from punches and print one CSV row per employee per business day: local first "
            "clock-in and last clock-out, total, break, working and overtime hours, the undertime status, late "
            "minutes, undertime hours and deduction, and the anomalies found. Without --punches and --employees "
            "it reads this kiosk's database, with the company's employees and rule sets and the site's time zone."
        ),
    )
    parser.add_argument(
        "--punches", type=Path, metavar="PUNCHES.csv",
        help="columns punch_id,employee_id,kind,break_type,occurred_at (with --employees; default: this kiosk's "
        "database)",
    )  # fmt: skip
    parser.add_argument(
        "--employees", type=Path, metavar="EMPLOYEES.csv",
        help="columns employee_id,first_name,last_name,department,daily_rate",
    )  # fmt: skip
    parser.add_argument(
        "--rules", type=Path, metavar="RULES.toml",
        help="[[department]] rule sets for the files; a department not listed has no undertime and 8 regular hours",
    )  # fmt: skip
    parser.add_argument(
        "--tz", metavar="ZONE",
        help="the site's IANA time zone, e.g. Asia/Manila (required with files; default on the database: the site's)",
    )  # fmt: skip
    parser.add_argument(
        "--from", dest="first_day", metavar="DATE", help="first business day to report, YYYY-MM-DD (default: the first)"
    )
    parser.add_argument(
        "--to", dest="last_day", metavar="DATE", help="last business day to report, YYYY-MM-DD (default: the last)"
    )
    add_shared(
        parser, DATA_DIR,
        "the kiosk's data folder, when reading its database (default: $TIMECLOCK_DATA_DIR or the user's)",
    )  # fmt: skip
    parser.add_argument(
        "--as-of", metavar="TIME",
        help="the moment the report describes (ISO 8601 with zone; default now): decides how old open sessions are",
    )  # fmt: skip
    parser.add_argument(
        "--auto-close-after", type=float, metavar="HOURS",
        help="close sessions left open longer than this at the limit and flag them auto_closed (as a company with "
        "missed clock-out management off does); without it they are reported open",
    )  # fmt: skip
    parser.set_defaults(handler=run)


def parse_zone(name: str) -> ZoneInfo:
    """The site's time zone from its IANA name.

    Raises:
        RuleViolation: `zone_invalid` for a name the zone database does not know.
    """
    try:
        return ZoneInfo(name.strip())
    except (KeyError, ValueError, OSError):
        raise RuleViolation(
            "zone_invalid", f"--tz: unknown time zone {name!r}; use an IANA name such as Asia/Manila"
        ) from None


def _as_of(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RuleViolation("time_invalid", f"--as-of: unparsable time {text!r}") from None
    if moment.tzinfo is None:
        raise RuleViolation("time_invalid", f"--as-of: the time {text!r} needs a zone (Z or an offset)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise RuleViolation("time_invalid", f"--as-of: the time {text!r} is outside the calendar") from None


def _policy(auto_close_after: float | None) -> SessionPolicy:
    if auto_close_after is None:
        return SessionPolicy(open_session_limit=None)
    if not 0 < auto_close_after <= 24:
        raise RuleViolation("policy_invalid", "--auto-close-after must be more than 0 and at most 24 hours")
    return SessionPolicy(open_session_limit=timedelta(hours=auto_close_after), auto_close_at_limit=True)


def run(args: argparse.Namespace) -> int:
    """Read the files (or the kiosk's database), build the whole report, then print it."""
    period = Period.parse(args.first_day, args.last_day)
    if args.punches is None and args.employees is None:
        report = _from_database(args, period)
    else:
        report = _from_files(args, period)
    sys.stdout.write(report)
    return 0


def _from_files(args: argparse.Namespace, period: Period) -> str:
    if args.punches is None or args.employees is None:
        raise RuleViolation(
            "files_incomplete",
            "--punches and --employees go together: give both, or neither to read this kiosk's database",
        )
    if args.tz is None:
        raise RuleViolation("zone_missing", "--tz is required with --punches and --employees, e.g. --tz Asia/Manila")
    if args.data_dir is not None:
        raise RuleViolation("options_conflict", "--data-dir reads the kiosk's database; it does not go with --punches")
    tz = parse_zone(args.tz)
    as_of = _as_of(args.as_of)
    policy = _policy(args.auto_close_after)
    rules = timesheet_files.read_rules(args.rules) if args.rules is not None else {}
    employees = timesheet_files.read_employees(args.employees)
    punches = timesheet_files.read_punches(args.punches, employees)
    summaries = build_timesheet(
        punches, (), timesheet_files.terms_of(employees), rules, tz=tz, policy=policy, as_of=as_of
    )
    report = io.StringIO()
    write_timesheet_csv((summary for summary in summaries if period.contains(summary.business_date)), report)
    return report.getvalue()


def _from_database(args: argparse.Namespace, period: Period) -> str:
    from kiosk.services.clock import SystemTimeSource
    from kiosk.services.local_kiosk import open_existing_database, this_kiosks_time_clock
    from kiosk.services.reports import Reports

    for option, value in (("--rules", args.rules), ("--auto-close-after", args.auto_close_after)):
        if value is not None:
            raise RuleViolation(
                "options_conflict",
                f"{option} applies to --punches files; the kiosk's database has the company's own rule sets and "
                "missed clock-out settings",
            )
    tz = parse_zone(args.tz) if args.tz is not None else None
    as_of = _as_of(args.as_of) if args.as_of is not None else None
    database = open_existing_database(args.data_dir)
    try:
        reports = Reports(database, this_kiosks_time_clock(database, SystemTimeSource()))
        return reports.timesheet_csv(period, tz=tz, as_of=as_of)
    finally:
        database.close()
