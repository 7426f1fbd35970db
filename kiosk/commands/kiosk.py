"""`python main.py [--camera ...] [--data-dir ...] [--windowed]`: with no command, the kiosk itself starts."""

from __future__ import annotations

import argparse
import os

from kiosk.commands.shared_options import CAMERA, DATA_DIR, add_shared

# The kiosk screen's own switches: with a command they would do nothing, so they are refused there.
KIOSK_ONLY = (("no_camera", "--no-camera"), ("demo", "--demo"), ("windowed", "--windowed"))


def register(parser: argparse.ArgumentParser) -> None:
    """Add the kiosk's options to the top-level parser and make the kiosk what runs when no command is given."""
    add_shared(
        parser,
        CAMERA,
        "the camera: a device index (0 is the first USB camera), a video file or a stream URL (default 0)",
        top_level=True,
    )
    parser.add_argument("--no-camera", action="store_true", help="run without a camera (PIN punching only)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="on a first start, set up a demo company instead of asking (supervisor PIN 123456; employees Maria, "
        "Jose and Ana with PINs 1111, 2222, 3333)",
    )
    add_shared(parser, DATA_DIR, "the kiosk's data folder (default: per user)", top_level=True)
    parser.add_argument("--windowed", action="store_true", help="run in a 1280x800 window instead of full screen")
    parser.set_defaults(handler=run)


def misplaced(args: argparse.Namespace) -> str | None:
    """Why the kiosk's own switches cannot go with the command given, or None."""
    if args.command is None:
        return None
    given = [flag for dest, flag in KIOSK_ONLY if getattr(args, dest, False)]
    if not given:
        return None
    flags = ", ".join(given)
    return f"{flags} applies to the kiosk screen (main.py with no command), not to the {args.command} command"


def run(args: argparse.Namespace) -> int:
    # Before Qt loads: no display, or Qt's system libraries missing, is said plainly with what to do.
    from kiosk.ui.display import check_display

    check_display(os.environ)
    # Qt and the models load only when the kiosk really starts, so `main.py --help` and other commands stay quick.
    from kiosk.app import KioskOptions
    from kiosk.app import run as run_kiosk

    return run_kiosk(
        KioskOptions(
            camera=args.camera,
            data_dir=args.data_dir,
            windowed=args.windowed,
            no_camera=args.no_camera,
            demo=args.demo,
        )
    )
