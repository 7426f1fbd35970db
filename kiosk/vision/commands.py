"""`python main.py vision ...`: the commands that drive the camera, landmark, liveness and recognition code.

Each vision command module contributes its sub-commands through `register(vision_subparsers)`; `VISION_COMMANDS`
lists them. Handlers import MediaPipe and OpenCV only when they run, so `main.py --help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from kiosk.domain.errors import RuleViolation

SubParsers: TypeAlias = "argparse._SubParsersAction[Any]"


def register(subparsers: SubParsers) -> None:
    """Add the `vision` command group and every vision sub-command."""
    parser = subparsers.add_parser("vision", help="camera, face landmarks, liveness and face matching tools")
    vision_subparsers = parser.add_subparsers(dest="vision_command", metavar="VISION_COMMAND", required=True)
    for register_commands in VISION_COMMANDS:
        register_commands(vision_subparsers)


def register_landmarks(vision_subparsers: SubParsers) -> None:
    """Add `vision landmarks --image FILE`: the faces MediaPipe finds in a photo, as JSON."""
    parser = vision_subparsers.add_parser(
        "landmarks",
        help="print the faces found in a photo (box, head pose, which one is the kiosk user) as JSON",
    )
    parser.add_argument("--image", type=Path, required=True, metavar="FILE", help="a photo (JPEG, PNG, ...)")
    parser.add_argument("--max-faces", type=int, default=6, metavar="N", help="report at most N faces (default 6)")
    parser.set_defaults(handler=_run_landmarks)


def read_image_rgb(path: Path) -> Any:
    """A photo as an RGB uint8 array, upright according to its EXIF orientation.

    Raises:
        RuleViolation: the file is missing or not an image OpenCV can read.
    """
    import cv2  # noqa: PLC0415  (OpenCV loads only when a command needs it)

    if not path.is_file():
        raise RuleViolation("image_missing", f"no such image file: {path}")
    # IMREAD_COLOR applies the EXIF orientation tag, so a photo stored rotated is read upright.
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise RuleViolation("image_unreadable", f"{path} is not an image that can be read")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _run_landmarks(args: argparse.Namespace) -> int:
    from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face  # noqa: PLC0415

    if args.max_faces < 1:
        raise RuleViolation("bad_max_faces", "--max-faces must be at least 1")
    image = read_image_rgb(args.image)
    with FaceLandmarkDetector(RunningMode.IMAGE, max_faces=args.max_faces) as detector:
        faces = detector.detect(image)
    user = pick_user_face(faces)
    report = {
        "image": str(args.image),
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "faces": [
            {
                "box": list(face.box),
                "yaw": round(face.yaw, 1),
                "pitch": round(face.pitch, 1),
                "roll": round(face.roll, 1),
                "user": face is user,
            }
            for face in faces
        ],
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


VISION_COMMANDS: tuple[Callable[[SubParsers], None], ...] = (register_landmarks,)
