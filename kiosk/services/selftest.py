"""`python main.py selftest`: what IT runs after installing (and packaging runs on the built binary), without a
screen: the data folder can be written, the database opens and migrates, the secret store opens (and which one it
is), the face models load and run, the camera gives frames, and a recorded frame goes through landmarks and encoding.

Each check reports one line; any failure makes the command exit non-zero. A check never changes the kiosk's data: a
data folder without a database is tried in a temporary folder instead of being created, and writing is tried with a
file that is removed at once.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text

from kiosk.domain.errors import TimeclockError
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings
from kiosk.store.location import DATABASE_FILE, database_path, write_problem
from kiosk.store.location import data_dir as kiosk_data_dir
from kiosk.store.secrets import SecretStore, open_secret_store
from kiosk.vision.antispoof import PassiveFaceScorer
from kiosk.vision.camera import Backoff, CameraSource
from kiosk.vision.encodings import FaceEncoder, encode_face, load_still_image
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode
from kiosk.vision.models import ANTISPOOF_MODEL, YUNET_MODEL, require_model

log = logging.getLogger(__name__)

BLANK_FRAME_SIZE = (480, 640)  # height, width: a small VGA frame such as a USB camera gives
CAMERA_FRAMES = 5
CAMERA_TIMEOUT_S = 15.0
ENCODING_LENGTH = 128


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


class CheckFailed(Exception):
    """A check found a problem; the message says which."""


class SelfTest:
    """The checks, run in order.

    Args:
        data_dir: the kiosk's data folder (the usual one when None).
        camera: a camera source to read frames from (device index, file or URL); the camera check runs only then.
        frame: a recorded picture with one face, to put through landmarks and encoding; that check runs only then.
        model_path: the landmark model (the project's fetched copy when None).
        secrets: the secret store to check (the one the kiosk would choose when None).
    """

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        camera: str | None = None,
        frame: Path | None = None,
        model_path: Path | None = None,
        secrets: SecretStore | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.camera = camera
        self.frame = frame
        self.model_path = model_path
        self._secrets = secrets
        self._detector: FaceLandmarkDetector | None = None

    def checks(self) -> list[tuple[str, Callable[[], str]]]:
        """The checks this run makes, by name."""
        found: list[tuple[str, Callable[[], str]]] = [
            ("data folder", self.check_data_folder),
            ("database", self.check_database),
            ("secrets", self.check_secrets),
            ("landmark model", self.check_landmark_model),
            ("face landmarks", self.check_landmarks),
            ("face encoding", self.check_encoding),
            ("presentation-attack model", self.check_presentation_attack_model),
        ]
        if self.camera is not None:
            found.append(("camera", self.check_camera))
        if self.frame is not None:
            found.append(("recorded frame", self.check_frame))
        return found

    def run(self, report: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
        """Run every check; `report` hears each result as soon as it is known."""
        results = []
        try:
            for name, check in self.checks():
                result = _attempt(name, check)
                results.append(result)
                if report is not None:
                    report(result)
        finally:
            if self._detector is not None:
                self._detector.close()
        return results

    # --- the checks -----------------------------------------------------------------------------------------------

    def check_data_folder(self) -> str:
        folder = kiosk_data_dir(self.data_dir)
        problem = write_problem(folder)
        if problem is not None:
            raise CheckFailed(
                f"{problem}; the kiosk would not start (punches could not be kept): make the folder writable, or "
                "give the kiosk a folder it can write in with --data-dir"
            )
        if folder.is_dir():
            return f"{folder} can be written"
        return f"{folder} does not exist yet; the kiosk can create it"

    def check_database(self) -> str:
        path = database_path(self.data_dir)
        if not path.is_file():
            with tempfile.TemporaryDirectory(prefix="timeclock-selftest-") as folder:
                revision, _ = _open_and_inspect(Path(folder) / DATABASE_FILE)
            return f"no database yet at {path}; a new one opens and migrates to revision {revision} (tried aside)"
        revision, setup = _open_and_inspect(path)
        return f"{path} opens, migrated to revision {revision}, integrity ok; {setup}"

    def check_secrets(self) -> str:
        # Nothing moves between stores here: a self-test only looks.
        secrets = self._secrets or open_secret_store(kiosk_data_dir(self.data_dir), migrate=False)
        held = secrets.held()  # reads every secret: a key that does not open the store fails here
        if secrets.stranded:
            secrets.get(sorted(secrets.stranded)[0])  # raises, saying how to move them
        names = ", ".join(sorted(held)) if held else "no secrets yet"
        return f"{secrets.description.summary} ({names})"

    def check_landmark_model(self) -> str:
        return f"{require_model(self.model_path)} (SHA-256 verified)"

    def check_presentation_attack_model(self) -> str:
        with _timer() as elapsed:
            scorer = PassiveFaceScorer()  # verifies both files' SHA-256 and loads them
            scorer.warm_up()
        return (
            f"{ANTISPOOF_MODEL.filename} and {YUNET_MODEL.filename} (SHA-256 verified) load and run "
            f"({elapsed():.0f} ms); trained on data whose terms allow non-commercial research only"
        )

    def _landmarks(self) -> FaceLandmarkDetector:
        if self._detector is None:
            self._detector = FaceLandmarkDetector(RunningMode.IMAGE, max_faces=2, model_path=self.model_path)
        return self._detector

    def check_landmarks(self) -> str:
        with _timer() as elapsed:
            faces = self._landmarks().detect(np.zeros((*BLANK_FRAME_SIZE, 3), dtype=np.uint8))
        if faces:
            raise CheckFailed(f"the model sees {len(faces)} face(s) in a blank frame; the model file is not right")
        return f"MediaPipe FaceLandmarker loaded and ran on a blank frame in {elapsed():.0f} ms (no face, as expected)"

    def check_encoding(self) -> str:
        height, width = BLANK_FRAME_SIZE
        box = (height // 4, width * 3 // 4, height * 3 // 4, width // 4)
        with _timer() as elapsed:
            encoding = encode_face(np.zeros((height, width, 3), dtype=np.uint8), box)
        _require_encoding(encoding)
        return f"face_recognition (dlib) model loaded; {len(encoding)} values in {elapsed():.0f} ms"

    def check_camera(self) -> str:
        assert self.camera is not None
        source = CameraSource(self.camera, realtime=False, max_attempts=3, backoff=Backoff(0.2, 2.0, 1.0))
        frames = 0
        size = (0, 0)
        deadline = time.monotonic() + CAMERA_TIMEOUT_S
        with source:
            while frames < CAMERA_FRAMES and not source.finished and time.monotonic() < deadline:
                frame = source.read()
                if frame is not None:
                    frames += 1
                    size = (frame.width, frame.height)
            status = source.status
        if frames < CAMERA_FRAMES:
            reason = status.reason or status.state.value
            raise CheckFailed(f"{frames} of {CAMERA_FRAMES} frames from {self.camera} ({reason})")
        return f"{frames} frames of {size[0]}x{size[1]} from {self.camera}"

    def check_frame(self) -> str:
        assert self.frame is not None
        image = load_still_image(self.frame)
        with FaceEncoder(self._landmarks()) as encoder:
            sample = encoder.sample_from_image(image, str(self.frame))
        _require_encoding(sample.encoding)
        face = sample.observation
        quality = sample.quality
        verdict = "pass" if quality.passed else f"fail ({', '.join(quality.failed_gates)}: {quality.advice})"
        return (
            f"{sample.faces_in_picture} face(s) in {self.frame}; the user's is {face.box_width}x{face.box_height} px, "
            f"yaw {face.yaw:.0f} deg, encoded into {len(sample.encoding)} values; quality gates {verdict}"
        )


def _attempt(name: str, check: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(name, True, check())
    except (CheckFailed, TimeclockError) as problem:
        return CheckResult(name, False, str(problem))
    except Exception as error:
        # A self-test reports every failure as a result, whatever raised it: that is what it is for.
        log.debug("selftest check %s failed", name, exc_info=True)
        return CheckResult(name, False, f"{type(error).__name__}: {error}")


def _open_and_inspect(path: Path) -> tuple[str, str]:
    database = Database(path)
    try:
        integrity = database.integrity_check()
        if integrity != "ok":
            raise CheckFailed(f"{path} fails SQLite's integrity check: {integrity}")
        with database.read() as session:
            revision = str(session.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
            settings = load_device_settings(session)
            company = repository.get_company(session, settings.company_id) if settings.company_id else None
            site = repository.get_site(session, settings.site_id) if settings.site_id else None
    finally:
        database.close()
    if company is None or site is None:
        return revision, "not set up yet (the first start asks for the company, site and supervisor PIN)"
    return revision, f"set up for {company.name}, site {site.name} ({site.timezone})"


def _require_encoding(encoding: Any) -> None:
    if len(encoding) != ENCODING_LENGTH:
        raise CheckFailed(f"the face encoding has {len(encoding)} values instead of {ENCODING_LENGTH}")
    if not all(math.isfinite(float(value)) for value in encoding):
        raise CheckFailed("the face encoding holds values that are not numbers")


@contextmanager
def _timer() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: ((end[0] if end else time.perf_counter()) - start) * 1000.0
    end.append(time.perf_counter())


def describe(result: CheckResult) -> str:
    """One line of the command's output."""
    return f"{'ok' if result.ok else 'FAIL':<4}  {result.name}: {result.detail}"
