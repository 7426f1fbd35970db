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
from kiosk.vision import recognition_commands

SubParsers: TypeAlias = "argparse._SubParsersAction[Any]"


def register(subparsers: SubParsers, *more: Callable[[SubParsers], None]) -> None:
    """Add the `vision` command group and every vision sub-command.

    `more` adds sub-commands that live in higher layers (enrolment works on the store through the services).
    """
    parser = subparsers.add_parser("vision", help="camera, face landmarks, liveness and face matching tools")
    vision_subparsers = parser.add_subparsers(dest="vision_command", metavar="VISION_COMMAND", required=True)
    for register_commands in (*VISION_COMMANDS, *more):
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


def register_liveness(vision_subparsers: SubParsers) -> None:
    """Add `vision liveness --video FILE`: one liveness attempt on a clip or photo, printed as JSON."""
    parser = vision_subparsers.add_parser(
        "liveness",
        help="run one liveness attempt on a video file (or a photo held still) and print the verdict as JSON",
        description="Plays the file as if it came from the camera, asks the challenge step by step and prints "
        '{"live": ..., "challenge": [...], "reasons": [...], ...}. A photo is shown for a few seconds, like a '
        "photo held still in front of the camera. The exit status is 0 whatever the verdict.",
    )
    parser.add_argument("--video", type=Path, required=True, metavar="FILE", help="a video file or a photo")
    parser.add_argument(
        "--challenge",
        default="random",
        metavar="STEPS|random",
        help="comma list of steps (blink, turn_left, turn_right, smile, look_up) or 'random' (the default)",
    )
    parser.add_argument("--seed", type=int, metavar="N", help="seed of the random challenge, to repeat it")
    parser.add_argument(
        "--steps", type=int, default=2, metavar="N", help="number of steps of a random challenge (2 to 5, default 2)"
    )
    parser.add_argument(
        "--realtime", action="store_true", help="play the file at its own speed instead of as fast as possible"
    )
    parser.add_argument(
        "--still-seconds", type=float, default=4.0, metavar="S", help="how long a photo is shown (default 4)"
    )
    parser.set_defaults(handler=_run_liveness)


def _run_liveness(args: argparse.Namespace) -> int:
    import random  # noqa: PLC0415

    from kiosk.vision.camera import CameraSource, CameraState  # noqa: PLC0415
    from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode  # noqa: PLC0415
    from kiosk.vision.liveness import parse_challenge, random_challenge, run_liveness  # noqa: PLC0415

    if not args.video.is_file():
        raise RuleViolation("video_missing", f"no such video or image file: {args.video}")
    if not 0 < args.still_seconds <= 60:
        raise RuleViolation("bad_still_seconds", "--still-seconds must be more than 0 and at most 60")
    if args.challenge.strip().lower() == "random":
        rng = random.Random(args.seed) if args.seed is not None else None  # noqa: S311  (seeded on request only)
        challenge = random_challenge(args.steps, rng)
    else:
        challenge = parse_challenge(args.challenge)
    source = CameraSource(args.video, realtime=args.realtime, still_seconds=args.still_seconds)
    with source, FaceLandmarkDetector(RunningMode.VIDEO, max_faces=2) as detector:
        result = run_liveness(source, detector, challenge)
        if result.frames == 0 and source.state is CameraState.FAILED:
            raise RuleViolation("video_unreadable", f"{args.video} cannot be played: {source.status.reason}")
    report = {"video": str(args.video), **result.to_dict()}
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


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


VISION_COMMANDS: tuple[Callable[[SubParsers], None], ...] = (
    register_landmarks,
    register_liveness,
    recognition_commands.register,
)
