"""Head-office commands on the central database: `python -m sync COMMAND ...` (`--help` lists them).

The database URL comes from `--database-url` or the environment variable TIMECLOCK_CENTRAL_URL, so a password
need not appear on a command line. Every command validates its input before it writes and exits non-zero with a
message on bad input.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine

from kiosk.domain.errors import TimeclockError
from sync.central import add_kiosk, admin_engine, check_server, migrate
from sync.roster import deactivate_employee, upsert_company, upsert_department, upsert_employee, upsert_site

log = logging.getLogger(__name__)

URL_ENV = "TIMECLOCK_CENTRAL_URL"

Handler = Callable[[argparse.Namespace], int]


def _url(args: argparse.Namespace) -> str:
    url: str | None = args.database_url or os.environ.get(URL_ENV)
    if not url:
        raise TimeclockError(f"give --database-url or set {URL_ENV}")
    return url


def _engine(args: argparse.Namespace) -> Engine:
    engine = admin_engine(_url(args))
    check_server(engine)
    return engine


def _init(args: argparse.Namespace) -> int:
    revision = migrate(_engine(args))
    print(f"central schema ready at revision {revision}")
    return 0


def _add_company(args: argparse.Namespace) -> int:
    upsert_company(
        _engine(args),
        args.company,
        args.name,
        missed_clockout_enabled=args.missed_clockout,
        block_reports_on_pending=args.block_reports_on_pending,
        open_session_limit_minutes=args.open_session_limit,
    )
    print(f"company {args.company} saved")
    return 0


def _add_site(args: argparse.Namespace) -> int:
    upsert_site(_engine(args), args.company, args.site, args.name or args.site, args.timezone)
    print(f"site {args.site} saved")
    return 0


def _add_department(args: argparse.Namespace) -> int:
    upsert_department(
        _engine(args),
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


def _add_employee(args: argparse.Namespace) -> int:
    upsert_employee(
        _engine(args),
        args.company,
        args.employee,
        args.first_name,
        args.last_name,
        department_id=args.department,
        daily_rate=args.daily_rate,
    )
    print(f"employee {args.employee} saved")
    return 0


def _deactivate_employee(args: argparse.Namespace) -> int:
    revoked = deactivate_employee(_engine(args), args.employee)
    print(f"employee {args.employee} deactivated; {revoked} face templates revoked")
    return 0


def _add_kiosk(args: argparse.Namespace) -> int:
    ca_pem = None
    if args.ca_file is not None:
        try:
            ca_pem = Path(args.ca_file).read_text()
        except OSError as error:
            raise TimeclockError(f"cannot read the CA file {args.ca_file}: {error.strerror}") from error
    registration = add_kiosk(
        _engine(args),
        company_id=args.company,
        site_id=args.site,
        name=args.name,
        host=args.kiosk_host,
        port=args.kiosk_port,
        ca_pem=ca_pem,
        require_tls=not args.no_tls,
    )
    print(f"kiosk {registration.kiosk_id} registered; on the kiosk run once:", file=sys.stderr)
    print(f"python main.py provision {registration.token}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `python -m sync` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m sync", description="Central database administration.")
    parser.add_argument("--database-url", help=f"postgresql://user:password@host:port/db (default: ${URL_ENV})")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail to standard error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--database-url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sub.set_defaults(handler=handler)
        return sub

    command("init", _init, "create or upgrade the central schema and its roles")

    company = command("add-company", _add_company, "create a company or change its settings")
    company.add_argument("--company", required=True)
    company.add_argument("--name", required=True)
    company.add_argument("--missed-clockout", action=argparse.BooleanOptionalAction, default=None)
    company.add_argument("--block-reports-on-pending", action=argparse.BooleanOptionalAction, default=None)
    company.add_argument("--open-session-limit", type=int, metavar="MINUTES")

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
    employee.add_argument("--employee", required=True)
    employee.add_argument("--first-name", required=True)
    employee.add_argument("--last-name", required=True)
    employee.add_argument("--department")
    employee.add_argument("--daily-rate", default="0")

    deactivate = command("deactivate-employee", _deactivate_employee, "deactivate an employee, revoke their faces")
    deactivate.add_argument("--employee", required=True)

    kiosk = command("add-kiosk", _add_kiosk, "register a kiosk and print its one-time provisioning token")
    kiosk.add_argument("--company", required=True)
    kiosk.add_argument("--site", required=True)
    kiosk.add_argument("--name", required=True)
    kiosk.add_argument("--kiosk-host", help="server name the kiosk dials (default: the URL's host)")
    kiosk.add_argument("--kiosk-port", type=int, help="server port the kiosk dials (default: the URL's port)")
    kiosk.add_argument("--ca-file", help="CA certificate (PEM) the kiosk verifies the server with")
    kiosk.add_argument("--no-tls", action="store_true", help="let the kiosk connect without verified TLS")

    return parser


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
        return handler(args)
    except TimeclockError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
