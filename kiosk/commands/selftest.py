"""`python main.py selftest`: register the command; the checks live in `kiosk.services.selftest`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.commands.shared_options import CAMERA, DATA_DIR, add_shared


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `selftest` command."""
    parser = subparsers.add_parser(
        "selftest",
        help="check without a screen that the database, secret store, face models and camera work",
        description="Checks, without a screen, that the local database opens and migrates, the secret store opens (and "
        "which one is in use), "
        "the face landmark and encoding models load and run, the camera (with --camera) gives frames, and a "
        "recorded picture (with --frame) goes through landmarks and encoding. Prints one line per check and exits "
        "non-zero when any fails. Nothing in the data folder is changed.",
    )
    add_shared(parser, DATA_DIR, "the kiosk's data folder")
    add_shared(parser, CAMERA, "read a few frames from this camera (device index, video or URL)")
    parser.add_argument(
        "--frame", type=Path, metavar="FILE", help="a recorded picture of one face to run landmarks and encoding on"
    )
    parser.add_argument(
        "--model-file", type=Path, metavar="PATH", help="the face landmark model (default: resources/models/)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the checks, printing each result as it comes; 0 when all passed."""
    # Imported here: the checks load OpenCV and MediaPipe, which `main.py --help` must not wait for.
    from kiosk.services.selftest import SelfTest, describe

    def show(result: Any) -> None:
        print(describe(result), flush=True)

    test = SelfTest(data_dir=args.data_dir, camera=args.camera, frame=args.frame, model_path=args.model_file)
    results = test.run(show)
    failed = [result.name for result in results if not result.ok]
    if failed:
        print(f"selftest FAILED: {len(failed)} of {len(results)} checks ({', '.join(failed)})")
        return 1
    print(f"selftest passed: {len(results)} checks")
    return 0
