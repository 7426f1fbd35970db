"""Options that may stand before the command or after it: `main.py --data-dir DIR timesheet` and
`main.py timesheet --data-dir DIR` mean the same.

argparse parses a command's options into a fresh namespace and copies it over the top-level one, so an option known
at both levels would be silently reset by the command's default. Here each level stores what it was given under its
own name, and `resolve` gathers them after parsing: one value wins, two different values are refused (a command must
never act on one kiosk's data while the person meant another's), and an option given to a command that has no use
for it is refused too, instead of being ignored.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SharedOption:
    """An option a command and the top level may both take.

    Attributes:
        flag: the option as typed, e.g. `--data-dir`.
        dest: the attribute the handlers read.
        metavar: its value's name in the help.
        convert: argparse's `type`.
        same: a key under which two spellings of one value compare equal (a folder given relative and absolute).
    """

    flag: str
    dest: str
    metavar: str
    convert: Callable[[str], Any] = str
    same: Callable[[Any], object] = lambda value: value


def _folder_key(value: Path) -> object:
    return value.expanduser().resolve()


DATA_DIR = SharedOption("--data-dir", "data_dir", "DIR", Path, _folder_key)
CAMERA = SharedOption("--camera", "camera", "INDEX|FILE|URL")
SHARED_OPTIONS = (DATA_DIR, CAMERA)

_GIVEN = "given:"  # prefix of the per-level attributes; a colon keeps them apart from any handler's names
_TAKES = "takes:"


def add_shared(
    parser: argparse.ArgumentParser, option: SharedOption, help_text: str, *, top_level: bool = False
) -> None:
    """Let `parser` take `option`. A command's parser records that the command takes it; the top-level parser (the
    kiosk's own options) takes it only when no command follows."""
    parser.add_argument(
        option.flag,
        dest=f"{_GIVEN}{option.dest}:{parser.prog}",
        type=option.convert,
        metavar=option.metavar,
        default=argparse.SUPPRESS,
        help=help_text,
    )
    if not top_level:
        parser.set_defaults(**{f"{_TAKES}{option.dest}": True})


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """`--verbose` at the top level and after every command and action. A flag cannot conflict with itself, and a
    command's parser leaves it alone unless it is given there."""
    parser.add_argument(
        "--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help="log debugging detail to standard error"
    )
    for action in parser._actions:  # argparse offers no public way to walk its sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            for command in dict.fromkeys(action.choices.values()):
                add_verbose(command)


def resolve(args: argparse.Namespace) -> str | None:
    """Settle each shared option on one value under its plain name; None, or why the command line is refused.

    Args:
        args: the parsed command line; `args.command` is the command given, None for the kiosk itself.
    """
    values = vars(args)
    for option in SHARED_OPTIONS:
        prefix = f"{_GIVEN}{option.dest}:"
        given = [(key[len(prefix) :], values.pop(key)) for key in sorted(values) if key.startswith(prefix)]
        takes = bool(values.pop(f"{_TAKES}{option.dest}", False))
        setattr(args, option.dest, None)
        if not given:
            continue
        distinct = {option.same(value) for _, value in given}
        if len(distinct) > 1:
            shown = " and ".join(str(value) for _, value in given)
            return f"{option.flag} is given twice with different values ({shown}); give it once"
        if args.command is not None and not takes:
            return f"{option.flag} does not apply to the {args.command} command"
        setattr(args, option.dest, given[-1][1])
    if not hasattr(args, "verbose"):
        args.verbose = False
    return None
