"""`python main.py sync [--data-dir DIR]`: one sync with the central database now, and what it moved.

What IT runs after provisioning and what scripts use: it measures the server's clock, pushes everything waiting in
the outbox and pulls what changed, as the kiosk's schedule does, then prints what went up and what came down. It
exits non-zero with the reason when the kiosk is not provisioned, the central database cannot be reached, or the
login is refused; records the server refused or that conflict with its own are listed, and the sync still counts.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from kiosk.commands.shared_options import DATA_DIR, add_shared

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the `sync` command to the kiosk's command line."""
    parser = subparsers.add_parser(
        "sync",
        help="sync with the central database now and say what went up and came down",
        description="Run one sync with the central database now: push the outbox, pull the roster, templates, "
        "settings, resolutions and the site's punches, and print what moved.",
    )
    add_shared(parser, DATA_DIR, "the kiosk's data folder (default: $TIMECLOCK_DATA_DIR or the user's)")
    parser.set_defaults(handler=_sync)


def _sync(args: argparse.Namespace) -> int:
    # Imported when the command runs, so `main.py --help` stays instant.
    from kiosk.domain.errors import RuleViolation
    from kiosk.services.clock import SystemTimeSource
    from kiosk.services.enrolment import BiometricEnrolment
    from kiosk.services.updates import running_release
    from kiosk.store.database import Database
    from kiosk.store.location import data_dir, database_path
    from kiosk.store.secrets import open_secret_store
    from sync.clock import AnchoredClock
    from sync.credentials import ProfileStore
    from sync.kiosk_sync import KioskSync

    secrets = open_secret_store(data_dir(args.data_dir))
    profile = ProfileStore(secrets).load()
    if profile is None:
        raise RuleViolation(
            "not_provisioned",
            "this kiosk is not connected to a central database; run `python main.py provision TOKEN` first",
        )
    path = database_path(args.data_dir)
    # Opening would create an empty database: a command pointed at the wrong folder must say so instead.
    if not path.is_file():
        raise RuleViolation("no_database", f"no kiosk database at {path}; give the kiosk's --data-dir")
    database = Database(path)
    try:
        clock = AnchoredClock()
        sync = KioskSync(database, profile, clock=clock, running_version=running_release().version)
        sync.before_push = BiometricEnrolment(database, secrets, SystemTimeSource()).seal_for_sync
        try:
            waiting = sync.pending_by_kind()
            pushed, pulled = sync.run_once()
        finally:
            sync.close()
    finally:
        database.close()
    anchor = clock.anchor
    if anchor is not None:
        print(f"server clock {anchor.server_time.isoformat(timespec='seconds')} (round trip {anchor.round_trip:.3f} s)")
    print(f"up: {pushed.delivered} of {_counted(waiting)} delivered")
    for key, reason in sorted(pushed.conflicts.items()):
        print(f"  conflict {key}: {reason}")
    for key, reason in sorted(pushed.rejected.items()):
        print(f"  refused {key}: {reason}")
    print(
        f"down: {_counted({'employee': pulled.employees, 'punch': pulled.punches})}, "
        f"{pulled.templates_added} face templates added, {pulled.templates_removed} removed, "
        f"{pulled.resolutions} missed clock-out resolutions, {pulled.erasures} face data deletions"
        + (f", {pulled.key_versions} new company key versions" if pulled.key_versions else "")
    )
    return 0


PLURALS = {"punch": "punches", "correction": "corrections", "incident": "incidents", "face template": "face templates"}


def _counted(counts: dict[str, int]) -> str:
    """`{"punch": 2, "incident": 1}` as "2 punches, 1 incident"."""
    parts = [f"{count} {noun if count == 1 else PLURALS.get(noun, noun + 's')}" for noun, count in counts.items()]
    return ", ".join(parts)
