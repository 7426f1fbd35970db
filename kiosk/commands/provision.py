"""`python main.py provision TOKEN`: connect this kiosk to the central database.

The credentials go to the kiosk's secret store (never to a file in plain text); the kiosk takes the identity head
office registered it under (company, site, kiosk id) into its device settings, so its punches, the roster it pulls
and the reports it prints all speak of the same company and site; then a first pull brings the roster, the rule
sets and the settings.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from kiosk.commands.shared_options import DATA_DIR, add_shared

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the `provision` command to the kiosk's command line."""
    parser = subparsers.add_parser(
        "provision",
        help="connect this kiosk to the central database with a one-time token",
        description="Connect this kiosk to the central database with the one-time token that "
        "`python -m central add-kiosk` printed. The credentials go to the kiosk's secret store (see `secrets show`).",
    )
    parser.add_argument("token", help="the token, starting with tck1.")
    add_shared(parser, DATA_DIR, "the kiosk's data folder (default: $TIMECLOCK_DATA_DIR or the user's)")
    parser.set_defaults(handler=_provision)


def _provision(args: argparse.Namespace) -> int:
    # Imported when the command runs, so `main.py --help` stays instant.
    from kiosk.domain.errors import EnvironmentProblem
    from kiosk.services.clock import SystemTimeSource
    from kiosk.services.company_keys import CompanyKeys
    from kiosk.services.enrolment import BiometricEnrolment
    from kiosk.store.database import Database
    from kiosk.store.location import data_dir, database_path
    from kiosk.store.secrets import open_secret_store
    from sync.adoption import needs_hand_over
    from sync.credentials import ProfileStore, adopt_identity, provision
    from sync.kiosk_sync import KioskSync

    secrets = open_secret_store(data_dir(args.data_dir))
    profile = provision(args.token, ProfileStore(secrets))
    database = Database(database_path(args.data_dir))
    try:
        if needs_hand_over(database, profile):
            CompanyKeys(database, secrets).name_own_pepper_in_pin_hashes()
            _hand_over(database, profile)
            # Faces enrolled here go under the company's key, so every kiosk of the company recognises them.
            resealed = BiometricEnrolment(database, secrets, SystemTimeSource()).seal_for_sync()
            if resealed:
                print(f"{resealed} face templates sealed under the company's key; they go up with the next sync")
            return 0
        adopt_identity(database, profile)
        print(f"kiosk {profile.kiosk_id} provisioned for company {profile.company_id}, site {profile.site_id}")
        sync = KioskSync(database, profile)
        try:
            report = sync.pull()
            print(f"roster pulled: {report.employees} employees")
        except EnvironmentProblem as error:
            print(f"the first pull failed ({error}); the roster comes with the next sync")
        finally:
            sync.close()
    finally:
        database.close()
    return 0


def _hand_over(database: Any, profile: Any) -> None:
    """A kiosk that ran on its own hands its roster and records to head office (see `sync.adoption`)."""
    from kiosk.domain.errors import EnvironmentProblem
    from sync.adoption import hand_over
    from sync.kiosk_sync import KioskSync

    sync = KioskSync(database, profile)
    try:
        report = hand_over(database, profile, sync.pull)
        print(f"kiosk {profile.kiosk_id} provisioned for company {profile.company_id}, site {profile.site_id}")
        print(
            f"handed over {report.departments} departments and {report.employees} employees "
            f"({len(report.matched)} already known at head office by their employee number); "
            f"{report.moved.get('punches', 0)} punches go up with the next sync"
        )
    except EnvironmentProblem as error:
        print(f"provisioned, but handing this kiosk's records over failed ({error}); `python main.py sync` finishes it")
    finally:
        sync.close()
