"""`python main.py release-key --out DIR`: make the Ed25519 key pair that signs releases."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `release-key` command."""
    parser = subparsers.add_parser(
        "release-key",
        help="make the Ed25519 key pair that signs releases (DIR/release.key and DIR/release.pub)",
        description="Writes DIR/release.key (the private key, readable by its owner only: keep it off the kiosks and "
        "out of the repository) and DIR/release.pub (the public key the install script pins on each kiosk). An "
        "existing key is never replaced.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write the two files to")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Make the pair and say where it is and its fingerprint."""
    from kiosk.services.release import fingerprint, load_public_key, make_key_pair

    private_path, public_path = make_key_pair(args.out)
    print(f"private key: {private_path} (owner only; never copy it to a kiosk)")
    print(f"public key:  {public_path} (fingerprint {fingerprint(load_public_key(public_path))})")
    return 0
