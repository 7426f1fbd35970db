"""`python main.py release-repo ...`: head office's update repository, into which releases are published.

    release-repo init --repository DIR --keys DIR         a new repository and a key for each TUF role
    release-repo publish --repository DIR --keys DIR --pub release.pub ARCHIVE
    release-repo refresh --repository DIR --keys DIR      re-sign what expires soon (run it daily)
    release-repo rotate-key --repository DIR --keys DIR ROLE
    release-repo status --repository DIR                  the releases and each role's version and expiry

The repository folder is what a web server or a file share serves to the kiosks; the keys folder stays with the
release manager (see `kiosk/services/update_repository.py`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `release-repo` command group."""
    parser = subparsers.add_parser("release-repo", help="head office's update repository: init, publish, refresh")
    actions = parser.add_subparsers(dest="repo_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str, *, keys: bool = True) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--repository", type=Path, required=True, metavar="DIR", help="the folder served to kiosks")
        if keys:
            sub.add_argument(
                "--keys", type=Path, required=True, metavar="DIR", help="the folder of the role keys (kept private)"
            )
        return sub

    action("init", "make a new repository with no release, and a new Ed25519 key for each role").set_defaults(
        handler=_init
    )
    publish = action("publish", "publish a release archive made by `run.py build`")
    publish.add_argument("archive", type=Path, metavar="ARCHIVE", help="timeclock-kiosk-VERSION-PLATFORM.tar.gz")
    publish.add_argument("--pub", type=Path, required=True, metavar="FILE", help="the release public key")
    publish.set_defaults(handler=_publish)
    refresh = action("refresh", "re-sign the metadata that expires soon (the timestamp lives a day: run it daily)")
    refresh.add_argument("--force", action="store_true", help="re-sign every role now")
    refresh.set_defaults(handler=_refresh)
    rotate = action("rotate-key", "give a role a new key; kiosks follow by themselves")
    rotate.add_argument("role", choices=("root", "targets", "snapshot", "timestamp"))
    rotate.set_defaults(handler=_rotate)
    action("status", "list the releases and each role's version and expiry", keys=False).set_defaults(handler=_status)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _init(args: argparse.Namespace) -> int:
    from kiosk.services.update_repository import UpdateRepository

    repository = UpdateRepository.create(args.repository, args.keys, now=_now())
    root = repository.metadata_dir / "1.root.json"
    print(f"created the update repository {args.repository} (keys in {args.keys})")
    print(f"give each kiosk its root metadata: install.sh --update-root {root}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from kiosk.services.release import load_public_key
    from kiosk.services.update_repository import UpdateRepository

    repository = UpdateRepository(args.repository, args.keys)
    published = repository.publish(args.archive, load_public_key(args.pub), now=_now())
    print(
        f"published {published.version} ({published.platform}): {published.name}, {published.length} bytes, "
        f"sha256 {published.sha256}"
    )
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from kiosk.services.update_repository import UpdateRepository

    renewed = UpdateRepository(args.repository, args.keys).refresh(now=_now(), force=args.force)
    print(f"re-signed: {', '.join(renewed)}" if renewed else "nothing expires soon; nothing re-signed")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from kiosk.services.update_repository import UpdateRepository

    key_id = UpdateRepository(args.repository, args.keys).rotate_key(args.role, now=_now())
    print(f"the {args.role} role now has key {key_id}; the old key is in {args.keys / 'retired'}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from kiosk.services.update_repository import UpdateRepository

    repository = UpdateRepository(args.repository)
    for role in repository.roles():
        print(f"{role.role:<10} version {role.version:<4} expires {role.expires:%Y-%m-%d %H:%M} UTC")
    for release in repository.releases():
        print(f"release    {release.version:<10} {release.platform:<16} {release.length} bytes  {release.name}")
    return 0
