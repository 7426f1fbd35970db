"""`python main.py update ...`: this kiosk's updates: where they come from, check now, what is staged or failed.

The kiosk itself checks in the background and switches only when idle inside its window; these commands are for IT
at the kiosk (or over SSH): `update source` sets where releases are published (head office can change it later, at
the next sync), `update check` asks now and stages a newer release, `update status` says what the kiosk knows.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.commands.shared_options import DATA_DIR, add_shared

_DATA_DIR_HELP = "the kiosk's data folder (before or after the action)"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `update` command group."""
    parser = subparsers.add_parser("update", help="this kiosk's updates: source, check now, status")
    add_shared(parser, DATA_DIR, _DATA_DIR_HELP)
    actions = parser.add_subparsers(dest="update_command", metavar="ACTION", required=True)

    status = actions.add_parser("status", help="the running and staged versions, the last check and any error")
    add_shared(status, DATA_DIR, _DATA_DIR_HELP)
    status.set_defaults(handler=_status)

    check = actions.add_parser(
        "check",
        help="ask the update source now; download, verify and stage a newer release",
        description="Exits 0 when the kiosk is up to date or a newer release is staged (the kiosk switches to it "
        "when idle inside its window), 1 with the reason when the update was refused.",
    )
    add_shared(check, DATA_DIR, _DATA_DIR_HELP)
    check.set_defaults(handler=_check)

    source = actions.add_parser(
        "source",
        help="set where releases are published (an https:// URL or a folder), and the update window",
        description="Set the update source and window. With --root, the repository's root metadata (from head "
        "office's `main.py release-repo init`) becomes the one this kiosk trusts, if it trusts none yet; later root "
        "changes come through the repository itself.",
    )
    source.add_argument("url", nargs="?", metavar="URL|FOLDER", help="https://..., http://... or a folder")
    source.add_argument("--off", action="store_true", help="no update source: the kiosk is updated by hand")
    source.add_argument("--window", metavar="HH:MM-HH:MM", help="the hours of site time to switch in (01:00-04:00)")
    source.add_argument("--root", type=Path, metavar="ROOT.json", help="the repository's root metadata to trust")
    add_shared(source, DATA_DIR, _DATA_DIR_HELP)
    source.set_defaults(handler=_source)


def _open(args: argparse.Namespace) -> Any:
    from kiosk.domain.errors import RuleViolation
    from kiosk.store.database import Database
    from kiosk.store.location import database_path

    path = database_path(args.data_dir)
    if not path.is_file():
        raise RuleViolation("no_database", f"no kiosk database at {path}; give the kiosk's --data-dir")
    return Database(path)


def _settings(args: argparse.Namespace) -> Any:
    from kiosk.store.device_settings import load_device_settings

    database = _open(args)
    try:
        with database.read() as session:
            return load_device_settings(session)
    finally:
        database.close()


def _status(args: argparse.Namespace) -> int:
    from kiosk.services.updates import kiosk_updater
    from kiosk.store.location import data_dir

    settings = _settings(args)
    updater = kiosk_updater(data_dir(args.data_dir), settings.update_source)
    status = updater.status()
    trial = updater.state.read_trial()
    print(f"running:        {status.running_version}")
    print(f"staged:         {status.staged_version or '-'}")
    print(f"on trial:       {trial['version'] + ' (since ' + trial.get('started', '?') + ')' if trial else '-'}")
    print(f"source:         {settings.update_source or '- (updated by hand)'}")
    print(f"window:         {settings.update_window} site time")
    print(f"last check:     {status.last_check_at or 'never'}")
    print(f"last verified:  {status.last_verified_at or 'never'}")
    print(f"error:          {status.error or '-'}{' (' + status.error_at + ')' if status.error_at else ''}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from kiosk.services.updates import UpdateProblem, kiosk_updater
    from kiosk.store.location import data_dir

    settings = _settings(args)
    updater = kiosk_updater(data_dir(args.data_dir), settings.update_source)
    try:
        outcome = updater.check()
    except UpdateProblem as problem:
        print(f"refused: {problem}")
        return 1
    print(outcome.message)
    return 0


def _source(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from kiosk.domain.errors import RuleViolation
    from kiosk.domain.releases import UpdateWindow, normalise_update_source
    from kiosk.services.updates import trust_update_root
    from kiosk.store.device_settings import load_device_settings, save_device_settings
    from kiosk.store.location import data_dir

    if args.off == bool(args.url):
        raise RuleViolation("update_source_choice", "give the update source URL or FOLDER, or --off")
    source = None if args.off else normalise_update_source(args.url)
    window = str(UpdateWindow.parse(args.window)) if args.window else None
    if args.root is not None:
        trust_update_root(data_dir(args.data_dir), args.root)
    database = _open(args)
    try:
        with database.write() as session:
            settings = load_device_settings(session)
            changes: dict[str, Any] = {"update_source": source}
            if window is not None:
                changes["update_window"] = window
            settings = settings.replace(**changes)
            save_device_settings(session, settings, datetime.now(UTC))
    finally:
        database.close()
    print(f"update source: {settings.update_source or '- (updated by hand)'}; window {settings.update_window}")
    return 0
