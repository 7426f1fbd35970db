"""`python main.py vision verify-pairs`: score an LFW-format pair list and print one JSON object.

The protocol is described in `kiosk.vision.lfw`. `vision enroll`, `identify` and `forget` work on the kiosk's database,
so they live with the services (`kiosk.services.enrolment_commands`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TypeAlias

from kiosk.domain.errors import RuleViolation

SubParsers: TypeAlias = "argparse._SubParsersAction[Any]"


def register(vision_subparsers: SubParsers) -> None:
    """Add the recognition sub-commands to the `vision` group."""
    verify = vision_subparsers.add_parser(
        "verify-pairs",
        help="score an LFW-format pair list (same / different person) and print accuracy, TAR and FAR as JSON",
    )
    verify.add_argument("--pairs", type=Path, required=True, metavar="FILE", help="pair list (LFW pairs.txt format)")
    verify.add_argument("--images", type=Path, required=True, metavar="DIR", help="folder of <name>/<name>_NNNN.jpg")
    verify.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="T",
        help="distance threshold for a list without folds (default 0.63, chosen on LFW pairsDevTrain)",
    )
    verify.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="FILE",
        help="keep encodings in this .npz file between runs (default: compute every image once per run)",
    )
    verify.add_argument("--workers", type=int, default=None, metavar="N", help="encoding processes (default: CPUs)")
    verify.set_defaults(handler=_run_verify_pairs)


def _run_verify_pairs(args: argparse.Namespace) -> int:
    from kiosk.vision.lfw import (  # noqa: PLC0415
        VERIFICATION_THRESHOLD,
        EncodingCache,
        encode_files,
        evaluate_pairs,
        pair_distances,
        read_pairs,
    )
    from kiosk.vision.matcher import MatchPolicy  # noqa: PLC0415

    threshold = VERIFICATION_THRESHOLD if args.threshold is None else MatchPolicy(threshold=args.threshold).threshold
    if args.workers is not None and args.workers < 1:
        raise RuleViolation("bad_workers", "--workers must be at least 1")
    if not args.images.is_dir():
        raise RuleViolation("images_missing", f"no such image folder: {args.images}")
    pair_list = read_pairs(args.pairs)
    images: Path = args.images
    encodings = encode_files(
        (images / ref.relative_path for ref in pair_list.images), EncodingCache(args.cache), workers=args.workers
    )
    distances = pair_distances(pair_list, images, encodings)
    result = evaluate_pairs(pair_list, distances, threshold)
    json.dump(result.as_json(), sys.stdout)
    sys.stdout.write("\n")
    return 0
