"""`python main.py provision TOKEN`: store this kiosk's central database credentials in the OS keyring."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `provision` command to the kiosk's command line."""
    parser = subparsers.add_parser(
        "provision",
        help="connect this kiosk to the central database with a one-time token",
        description="Connect this kiosk to the central database with the one-time token that "
        "`python -m sync add-kiosk` printed. The credentials go to the OS keyring, never to a file.",
    )
    parser.add_argument("token", help="the token, starting with tck1.")
    parser.set_defaults(handler=_provision)


def _provision(args: argparse.Namespace) -> int:
    # Imported when the command runs, so `main.py --help` stays instant.
    from sync.credentials import ProfileStore, provision  # noqa: PLC0415

    profile = provision(args.token, ProfileStore())
    print(f"kiosk {profile.kiosk_id} provisioned for company {profile.company_id}, site {profile.site_id}")
    return 0
