"""`python main.py vision ...`: the camera, landmark, liveness and face-matching tools, and enrolment from photos.

    python main.py vision landmarks --image FILE
    python main.py vision liveness --video FILE [--challenge STEPS|random] [--mode passive|normal|strict]
    python main.py vision verify-pairs --pairs FILE --images DIR
    python main.py vision enroll --employee NUMBER --images FILE... --by NAME [--consent-by NAME]
    python main.py vision identify --image FILE
    python main.py vision forget --employee NUMBER --by NAME

Each prints one JSON object; employees are named by their employee number, as people know them. `enroll`,
`identify` and `forget` work on the database in the data folder (`--data-dir`, else TIMECLOCK_DATA_DIR, else the
platform's data folder) and need the kiosk set up there; the template key comes from the secret store.
`verify-pairs` runs the LFW protocol of `kiosk.evaluation.lfw`. Handlers import MediaPipe, OpenCV and the database
layer only when they run, so `main.py --help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from kiosk.commands.shared_options import DATA_DIR, add_shared
from kiosk.domain.errors import RuleViolation

if TYPE_CHECKING:
    from kiosk.services.enrolment import BiometricEnrolment

SubParsers: TypeAlias = "argparse._SubParsersAction[Any]"


def register(subparsers: SubParsers) -> None:
    """Add the `vision` command group and every vision sub-command."""
    parser = subparsers.add_parser("vision", help="camera, face landmarks, liveness and face matching tools")
    vision_subparsers = parser.add_subparsers(dest="vision_command", metavar="VISION_COMMAND", required=True)
    register_landmarks(vision_subparsers)
    register_liveness(vision_subparsers)
    register_verify_pairs(vision_subparsers)
    register_enrolment(vision_subparsers)


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
        "--mode",
        choices=("passive", "normal", "strict"),
        help="fuse the presentation-attack model with the passive checks, as the kiosk does: passive asks no step, "
        "normal one step when the model is uncertain, strict two steps always (the steps are taken from the "
        "challenge in order). Without --mode the whole challenge is asked, with the passive checks only",
    )
    parser.add_argument(
        "--realtime", action="store_true", help="play the file at its own speed instead of as fast as possible"
    )
    parser.add_argument(
        "--still-seconds", type=float, default=4.0, metavar="S", help="how long a photo is shown (default 4)"
    )
    parser.set_defaults(handler=_run_liveness)


def _run_liveness(args: argparse.Namespace) -> int:
    import random

    from kiosk.vision.camera import CameraSource, CameraState
    from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode
    from kiosk.vision.liveness import (
        LivenessConfig,
        LivenessMode,
        ScoreFace,
        parse_challenge,
        random_challenge,
        run_liveness,
    )

    if not args.video.is_file():
        raise RuleViolation("video_missing", f"no such video or image file: {args.video}")
    if not 0 < args.still_seconds <= 60:
        raise RuleViolation("bad_still_seconds", "--still-seconds must be more than 0 and at most 60")
    if args.challenge.strip().lower() == "random":
        rng = random.Random(args.seed) if args.seed is not None else None  # noqa: S311  (seeded on request only)
        challenge = random_challenge(args.steps, rng)
    else:
        challenge = parse_challenge(args.challenge)
    mode = None if args.mode is None else LivenessMode(args.mode)
    config = LivenessConfig(mode=mode)
    score_face: ScoreFace | None = None
    if mode is not None:
        needed = max(mode.steps_always, mode.steps_when_uncertain)
        if len(challenge) < needed:
            raise RuleViolation(
                "bad_challenge_length", f"the {mode.value} mode may ask {needed} steps: give at least {needed}"
            )
        from kiosk.vision.antispoof import PassiveFaceScorer

        score_face = PassiveFaceScorer().score_frame  # a missing or corrupt model file stops here with the fix
    source = CameraSource(args.video, realtime=args.realtime, still_seconds=args.still_seconds)
    with source, FaceLandmarkDetector(RunningMode.VIDEO, max_faces=2) as detector:
        result = run_liveness(source, detector, challenge, config, score_face=score_face)
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
    import cv2

    if not path.is_file():
        raise RuleViolation("image_missing", f"no such image file: {path}")
    # IMREAD_COLOR applies the EXIF orientation tag, so a photo stored rotated is read upright.
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise RuleViolation("image_unreadable", f"{path} is not an image that can be read")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _run_landmarks(args: argparse.Namespace) -> int:
    from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face

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


def register_verify_pairs(vision_subparsers: SubParsers) -> None:
    """Add `vision verify-pairs`: score an LFW-format pair list and print accuracy, TAR and FAR as JSON."""
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
    verify.add_argument(
        "--recogniser",
        choices=("dlib", "fused"),
        default="dlib",
        help="dlib: face_recognition's encodings, as the kiosk's templates hold (default); fused: those and OpenCV's "
        "SFace features together",
    )
    verify.set_defaults(handler=_run_verify_pairs)


def _run_verify_pairs(args: argparse.Namespace) -> int:
    from kiosk.evaluation.lfw import (
        VERIFICATION_THRESHOLD,
        EncodingCache,
        Recogniser,
        encode_files,
        evaluate_pairs,
        pair_distances,
        read_pairs,
    )
    from kiosk.vision.matcher import MatchPolicy

    threshold = VERIFICATION_THRESHOLD if args.threshold is None else MatchPolicy(threshold=args.threshold).threshold
    if args.workers is not None and args.workers < 1:
        raise RuleViolation("bad_workers", "--workers must be at least 1")
    if not args.images.is_dir():
        raise RuleViolation("images_missing", f"no such image folder: {args.images}")
    pair_list = read_pairs(args.pairs)
    recogniser = Recogniser(args.recogniser)
    if recogniser is Recogniser.FUSED and pair_list.fold_count == 0 and args.threshold is None:
        raise RuleViolation(
            "threshold_needed",
            "a list without folds is scored at a fixed threshold, and the fused distance has none chosen yet: "
            "give --threshold T, or score a list with folds (pairs.txt), whose folds choose it",
        )
    images: Path = args.images
    encodings = encode_files(
        (images / ref.relative_path for ref in pair_list.images),
        EncodingCache(args.cache, recogniser),
        workers=args.workers,
    )
    distances = pair_distances(pair_list, images, encodings)
    result = evaluate_pairs(pair_list, distances, threshold)
    json.dump(result.as_json(), sys.stdout)
    sys.stdout.write("\n")
    return 0


def register_enrolment(vision_subparsers: SubParsers) -> None:
    """Add `enroll`, `identify` and `forget` to the `vision` command group."""
    enroll = vision_subparsers.add_parser("enroll", help="enrol an employee's face from photos (consent first)")
    enroll.add_argument("--employee", required=True, metavar="NUMBER", help="the employee number, e.g. E001")
    enroll.add_argument("--images", type=Path, nargs="+", required=True, metavar="FILE", help="photos of the face")
    enroll.add_argument("--by", default="command-line", metavar="NAME", help="who runs the enrolment (audit log)")
    enroll.add_argument(
        "--consent-by",
        default=None,
        metavar="NAME",
        help="record the employee's consent, taken by NAME, before the templates (needed unless already on record)",
    )
    enroll.add_argument("--consent-version", default=None, metavar="VERSION", help="version of the consent text")
    _data_dir_option(enroll)
    enroll.set_defaults(handler=_run_enroll)

    identify = vision_subparsers.add_parser("identify", help="say which enrolled employee a photo shows, if any")
    identify.add_argument("--image", type=Path, required=True, metavar="FILE", help="a photo of one face")
    _data_dir_option(identify)
    identify.set_defaults(handler=_run_identify)

    forget = vision_subparsers.add_parser("forget", help="delete every face template of an employee")
    forget.add_argument("--employee", required=True, metavar="NUMBER", help="the employee number, e.g. E001")
    forget.add_argument("--by", required=True, metavar="NAME", help="who deletes them (audit log)")
    _data_dir_option(forget)
    forget.set_defaults(handler=_run_forget)


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    add_shared(parser, DATA_DIR, "the kiosk's data folder")


@contextmanager
def _enrolment(data_dir: Path | None) -> Iterator[BiometricEnrolment]:
    from kiosk.services.clock import SystemTimeSource
    from kiosk.services.enrolment import BiometricEnrolment
    from kiosk.store.database import Database
    from kiosk.store.location import data_dir as kiosk_data_dir
    from kiosk.store.location import database_path
    from kiosk.store.secrets import open_secret_store

    path = database_path(data_dir)
    # Opening would create an empty database: a command pointed at the wrong folder must say so instead.
    if not path.is_file():
        raise RuleViolation("no_database", f"no kiosk database at {path}; set the kiosk up first or give --data-dir")
    database = Database(path)
    try:
        yield BiometricEnrolment(database, open_secret_store(kiosk_data_dir(data_dir)), SystemTimeSource())
    finally:
        database.close()


def _print(result: dict[str, object]) -> None:
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


def _figure(value: float) -> float | None:
    """A distance or margin for JSON: rounded, None when infinite (nobody or only one employee enrolled)."""
    return None if math.isinf(value) else round(value, 4)


def _run_enroll(args: argparse.Namespace) -> int:
    from kiosk.services.enrolment import CONSENT_TEXT_VERSION
    from kiosk.vision.encodings import FaceEncoder

    with _enrolment(args.data_dir) as enrolment, FaceEncoder() as encoder:
        employee = enrolment.employee_numbered(args.employee)
        samples = enrolment.samples_from_files(args.images, encoder)
        result = enrolment.enrol(
            employee.id,
            samples,
            enrolled_by=args.by,
            consent_recorded_by=args.consent_by,
            consent_text_version=args.consent_version or CONSENT_TEXT_VERSION,
        )
    _print(
        {
            "employee": employee.number,
            "name": employee.full_name,
            "templates": result.templates,
            "poses": list(result.poses),
            "replaced": result.replaced,
            "consent": {
                "recorded_by": result.consent.recorded_by,
                "text_version": result.consent.text_version,
                "at": result.consent.consented_at.isoformat(),
            },
        }
    )
    return 0


def _run_identify(args: argparse.Namespace) -> int:
    from kiosk.vision.encodings import FaceEncoder

    with _enrolment(args.data_dir) as enrolment, FaceEncoder() as encoder:
        sample = encoder.sample_from_file(args.image)
        if not sample.quality.passed:
            _print(
                {
                    "employee": None,
                    "name": None,
                    "distance": None,
                    "margin": None,
                    "reason": "quality",
                    "failed_checks": [str(gate) for gate in sample.quality.failed_gates],
                    "advice": sample.quality.advice,
                }
            )
            return 0
        result = enrolment.identify(sample.encoding)
        who = None if result.employee is None else enrolment.employee(result.employee)
    _print(
        {
            "employee": None if who is None else who.number,
            "name": None if who is None else who.full_name,
            "distance": _figure(result.distance),
            "margin": _figure(result.margin),
            "reason": str(result.reason),
        }
    )
    return 0


def _run_forget(args: argparse.Namespace) -> int:
    with _enrolment(args.data_dir) as enrolment:
        employee = enrolment.employee_numbered(args.employee)
        removed = enrolment.delete_biometrics(employee.id, deleted_by=args.by)
    _print({"employee": employee.number, "name": employee.full_name, "templates_removed": removed})
    return 0
