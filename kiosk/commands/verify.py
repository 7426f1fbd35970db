"""`python main.py verify [--pub FILE] [ARCHIVE|FOLDER]`: check a release against its signed manifest.

An installed kiosk checks its own folder (`timeclock-kiosk verify`) against the public key pinned at install time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `verify` command."""
    parser = subparsers.add_parser(
        "verify",
        help="check a signed release (archive, unpacked folder, or this installed build) against its manifest",
        description="Exits 0 only when the release's manifest is signed by the trusted key and every file matches it: "
        "one changed byte, an added or a missing file, or another key's signature fails, naming what differs. "
        "Without ARCHIVE the installed build checks its own folder.",
    )
    parser.add_argument(
        "release",
        nargs="?",
        type=Path,
        metavar="ARCHIVE|FOLDER",
        help="a timeclock-kiosk-VERSION-PLATFORM.tar.gz or an unpacked release folder (default: this installed build)",
    )
    parser.add_argument(
        "--pub",
        type=Path,
        metavar="FILE",
        help="the release public key to trust (default: $TIMECLOCK_RELEASE_PUB, else the key pinned at install: "
        "/etc/timeclock-kiosk/release.pub; %%PROGRAMDATA%%\\timeclock-kiosk\\release.pub on Windows)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Verify, print one line saying what was checked, and return 0; a mismatch raises with what differs."""
    from kiosk.services.release import (
        ReleaseProblem,
        load_public_key,
        pinned_public_key_path,
        verify_archive,
        verify_folder,
    )

    target: Path | None = args.release
    if target is None:
        if not getattr(sys, "frozen", False):
            raise ReleaseProblem(
                "give the ARCHIVE or FOLDER to check; only an installed build checks itself when none is given"
            )
        target = Path(sys.executable).resolve().parent
    public_key = load_public_key(args.pub if args.pub is not None else pinned_public_key_path())
    verified = verify_folder(target, public_key) if target.is_dir() else verify_archive(target, public_key)
    manifest = verified.manifest
    print(
        f"ok: {target} is release {manifest.version} ({manifest.platform}, built "
        f"{manifest.built:%Y-%m-%d %H:%M:%S} UTC), {len(manifest.files)} files and {len(manifest.links)} links "
        f"as signed by release key {verified.key_fingerprint}"
    )
    return 0
