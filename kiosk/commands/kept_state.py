"""`python main.py kept-state [--repair] [--data-dir DIR]`: derive every fact again and compare with the kept state.

The screens read the sessions and day summaries kept up to date with each fact; the derivation from the facts stays
the truth. This command derives everything again, prints each employee whose kept state differs and why, and with
`--repair` keeps the full derivation for them. It exits 1 when differences were found and not repaired.
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.commands.shared_options import DATA_DIR, add_shared


def register(subparsers: Any) -> None:
    """Add the `kept-state` command to the kiosk's command line."""
    parser = subparsers.add_parser(
        "kept-state",
        help="derive all facts again and report (or repair) where the kept sessions differ",
        description="Derive every employee's sessions from all their punches and corrections, compare them with the "
        "sessions and day summaries the kiosk keeps, print each difference, and with --repair keep the full "
        "derivation instead.",
    )
    parser.add_argument("--repair", action="store_true", help="replace what differs with the full derivation")
    add_shared(parser, DATA_DIR, "the kiosk's data folder (default: $TIMECLOCK_DATA_DIR or the user's)")
    parser.set_defaults(handler=_kept_state)


def _kept_state(args: argparse.Namespace) -> int:
    # Imported when the command runs, so `main.py --help` stays instant.
    from kiosk.domain.errors import RuleViolation
    from kiosk.services.kept_check import check_kept_state
    from kiosk.store.database import Database
    from kiosk.store.location import database_path

    path = database_path(args.data_dir)
    # Opening would create an empty database: a command pointed at the wrong folder must say so instead.
    if not path.is_file():
        raise RuleViolation("no_database", f"no kiosk database at {path}; give the kiosk's --data-dir")
    database = Database(path)
    try:
        result = check_kept_state(database, repair=args.repair)
    finally:
        database.close()
    for company_id, difference in result.differences:
        print(f"{company_id} {difference.employee_id}: {difference.detail}")
    count = len(result.differences)
    if not count:
        print(f"kept state matches the facts for all {result.employees_checked} employees")
        return 0
    if result.repaired:
        print(f"repaired {count} of {result.employees_checked} employees")
        return 0
    print(f"{count} of {result.employees_checked} employees differ; run with --repair to keep the full derivation")
    return 1
