"""The kiosk's command line: `python main.py [COMMAND] ...`, one module of this package per command.

Each module parses its arguments, calls the services and prints; it contributes its sub-parser through a
`register(subparsers)` function, and this module only lists them, so adding a command never touches another's code.
With no command, the kiosk itself starts (`kiosk.commands.kiosk`). The modules import the heavy parts (Qt,
MediaPipe, OpenCV, the database layer) only when their command runs, so `main.py --help` stays instant.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence

from kiosk.commands import (
    fetch_models,
    kept_state,
    kiosk,
    mail,
    provision,
    release_key,
    release_repo,
    secrets,
    selftest,
    shared_options,
    sync,
    timesheet,
    update,
    verify,
    vision,
)
from kiosk.domain.errors import TimeclockError

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="Face-recognition time-clock kiosk.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    kiosk.register(parser)  # no command: the kiosk itself
    timesheet.register(subparsers)
    fetch_models.register(subparsers)
    vision.register(subparsers)
    provision.register(subparsers)
    sync.register(subparsers)
    selftest.register(subparsers)
    mail.register(subparsers)
    secrets.register(subparsers)
    release_key.register(subparsers)
    verify.register(subparsers)
    release_repo.register(subparsers)
    update.register(subparsers)
    kept_state.register(subparsers)
    shared_options.add_verbose(parser)  # last: it reaches every command registered above
    return parser


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    refused = shared_options.resolve(args) or kiosk.misplaced(args)
    if refused is not None:
        parser.error(refused)
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
        parser.exit(1, f"error: {error}\n")
