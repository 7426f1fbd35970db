"""`python main.py vision enroll | identify | forget`: face enrolment on the kiosk's local database.

    python main.py vision enroll --employee ID --images FILE... --by NAME [--consent-by NAME]
    python main.py vision identify --image FILE
    python main.py vision forget --employee ID --by NAME

Each prints one JSON object. They work on the database in the data folder (`--data-dir`, else TIMECLOCK_DATA_DIR,
else the platform's data folder) and need the kiosk set up there; the template key comes from the OS keyring.
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

from kiosk.domain.errors import RuleViolation

if TYPE_CHECKING:
    from kiosk.services.enrolment import BiometricEnrolment

SubParsers: TypeAlias = "argparse._SubParsersAction[Any]"


def register(vision_subparsers: SubParsers) -> None:
    """Add `enroll`, `identify` and `forget` to the `vision` command group."""
    enroll = vision_subparsers.add_parser("enroll", help="enrol an employee's face from photos (consent first)")
    enroll.add_argument("--employee", required=True, metavar="ID", help="the employee's id on this kiosk")
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
    forget.add_argument("--employee", required=True, metavar="ID", help="the employee's id on this kiosk")
    forget.add_argument("--by", required=True, metavar="NAME", help="who deletes them (audit log)")
    _data_dir_option(forget)
    forget.set_defaults(handler=_run_forget)


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR", help="the kiosk's data folder")


@contextmanager
def _enrolment(data_dir: Path | None) -> Iterator[BiometricEnrolment]:
    from kiosk.services.clock import SystemTimeSource  # noqa: PLC0415
    from kiosk.services.enrolment import BiometricEnrolment  # noqa: PLC0415
    from kiosk.store.database import Database  # noqa: PLC0415
    from kiosk.store.location import database_path  # noqa: PLC0415
    from kiosk.store.secrets import SecretStore  # noqa: PLC0415

    path = database_path(data_dir)
    # Opening would create an empty database: a command pointed at the wrong folder must say so instead.
    if not path.is_file():
        raise RuleViolation("no_database", f"no kiosk database at {path}; set the kiosk up first or give --data-dir")
    database = Database(path)
    try:
        yield BiometricEnrolment(database, SecretStore(), SystemTimeSource())
    finally:
        database.close()


def _print(result: dict[str, object]) -> None:
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


def _figure(value: float) -> float | None:
    """A distance or margin for JSON: rounded, None when infinite (nobody or only one employee enrolled)."""
    return None if math.isinf(value) else round(value, 4)


def _run_enroll(args: argparse.Namespace) -> int:
    from kiosk.services.enrolment import CONSENT_TEXT_VERSION  # noqa: PLC0415
    from kiosk.vision.encodings import FaceEncoder  # noqa: PLC0415

    with _enrolment(args.data_dir) as enrolment, FaceEncoder() as encoder:
        samples = enrolment.samples_from_files(args.images, encoder)
        result = enrolment.enrol(
            args.employee,
            samples,
            enrolled_by=args.by,
            consent_recorded_by=args.consent_by,
            consent_text_version=args.consent_version or CONSENT_TEXT_VERSION,
        )
    _print(
        {
            "employee": result.employee_id,
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
    from kiosk.vision.encodings import FaceEncoder  # noqa: PLC0415

    with _enrolment(args.data_dir) as enrolment, FaceEncoder() as encoder:
        sample = encoder.sample_from_file(args.image)
        if not sample.quality.passed:
            _print(
                {
                    "employee": None,
                    "distance": None,
                    "margin": None,
                    "reason": "quality",
                    "failed_checks": [str(gate) for gate in sample.quality.failed_gates],
                    "advice": sample.quality.advice,
                }
            )
            return 0
        result = enrolment.identify(sample.encoding)
    _print(
        {
            "employee": result.employee,
            "distance": _figure(result.distance),
            "margin": _figure(result.margin),
            "reason": str(result.reason),
        }
    )
    return 0


def _run_forget(args: argparse.Namespace) -> int:
    with _enrolment(args.data_dir) as enrolment:
        removed = enrolment.delete_biometrics(args.employee, deleted_by=args.by)
    _print({"employee": args.employee, "templates_removed": removed})
    return 0
