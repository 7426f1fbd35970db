"""Command line of the kiosk: parse arguments and hand over to the part that does the work.

Each command lives beside the code it drives and contributes its sub-parser through a `register(subparsers)`
function; this module only lists them, so adding a command never touches another's code.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence

from kiosk.domain.errors import TimeclockError

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="Face-recognition time-clock kiosk.")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail to standard error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    from kiosk.ui import command as kiosk_command

    kiosk_command.register(parser)  # no command: the kiosk itself
    from kiosk.services import enrolment_commands, mail_command, selftest_command, timesheet_command
    from kiosk.vision import commands as vision_commands
    from kiosk.vision import fetch_models_command
    from sync import provision_command

    timesheet_command.register(subparsers)
    fetch_models_command.register(subparsers)
    vision_commands.register(subparsers, enrolment_commands.register)
    provision_command.register(subparsers)
    selftest_command.register(subparsers)
    mail_command.register(subparsers)
    return parser


def main(argv: Sequence[str]) -> int:
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
        parser.exit(1, f"error: {error}\n")
