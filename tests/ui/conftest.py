"""Fixtures of the kiosk UI tests: offscreen Qt, a kiosk built by the composition root on a real database file."""

from __future__ import annotations

import os

# Before any Qt import: the tests draw offscreen, with no display needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp, KioskOptions
from kiosk.services.enrolment import FRONTAL_POSE, BiometricEnrolment, EnrolmentSession
from kiosk.services.kiosk_setup import KioskSetup
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.repository import CompanyRecord, EmployeeRecord
from kiosk.store.secrets import SecretStore
from kiosk.ui import refcount_guard
from kiosk.ui.kiosk import Kiosk
from kiosk.ui.sound import SoundPlayer
from kiosk.vision.encodings import FaceEncoder
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face
from kiosk.vision.liveness import ChallengeStep
from kiosk.vision.models import default_model_path
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource

# The test process makes as many Qt calls as a kiosk that ran for hours (see kiosk.ui.refcount_guard).
refcount_guard.guard()

SUPERVISOR_PIN = "246810"
EMPLOYEES = (("E1", "Maria", "Santos"), ("E2", "Jose", "Reyes"), ("E3", "Ana", "Cruz"))


def set_up_kiosk(folder: Path, keyring: MemoryKeyring, time: ManualTimeSource, *, missed: bool = True) -> None:
    """A kiosk that went through set-up, with three employees on its roster."""
    database = Database(folder / "kiosk.db")
    try:
        settings = KioskSetup(database, SecretStore(keyring), time).set_up(
            company_name="Giovanni Construction",
            site_name="North yard",
            timezone="Asia/Manila",
            admin_pin=SUPERVISOR_PIN,
        )
        assert settings.company_id is not None
        with database.write() as session:
            company = repository.get_company(session, settings.company_id)
            assert company is not None
            repository.put_company(
                session,
                CompanyRecord(company.id, company.name, missed, False, timedelta(hours=16), True),
                time.now,
            )
            for employee_id, first, last in EMPLOYEES:
                repository.put_employee(
                    session,
                    EmployeeRecord(employee_id, company.id, first, last, None, Decimal(800), True, None, employee_id),
                    time.now,
                )
    finally:
        database.close()


def click(qtbot: QtBot, widget: QWidget) -> None:
    """Tap a widget the way a finger does (a press and release over it)."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]


def press_key(qtbot: QtBot, widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    qtbot.keyClick(widget, key, modifier or Qt.KeyboardModifier.NoModifier)  # type: ignore[no-untyped-call]


def showing(kiosk: Kiosk, screen: QWidget) -> bool:
    """Whether `screen` is the one up (a function, so that the type checker does not narrow the window's screen)."""
    return kiosk.window.current is screen


class RunningKiosk:
    """A kiosk built by the composition root, shown at 1280x800."""

    def __init__(self, app: KioskApp, kiosk: Kiosk, time: ManualTimeSource) -> None:
        self.app = app
        self.kiosk = kiosk
        self.time = time
        self.sounds = kiosk.parts.sounds

    @property
    def database(self) -> Database:
        assert self.app.database is not None
        return self.app.database


def start_kiosk(
    qtbot: QtBot,
    folder: Path,
    keyring: MemoryKeyring,
    time: ManualTimeSource,
    *,
    camera: Path | None = None,
    challenge: tuple[ChallengeStep, ...] = (ChallengeStep.BLINK,),
) -> RunningKiosk:
    """Build the kiosk as `main.py` does; with `camera` (a video file) its face pipeline runs on that file."""
    app = KioskApp(
        KioskOptions(data_dir=folder, camera=str(camera) if camera else None, no_camera=camera is None),
        keyring_backend=keyring,
        time_source=time,
        sounds=SoundPlayer(enabled=False),
        challenge=challenge,
    )
    kiosk = app.build()
    window = kiosk.window
    window.resize(1280, 800)
    window.apply_style(800)
    window.show()
    qtbot.addWidget(window)
    return RunningKiosk(app, kiosk, time)


def stop_kiosk(running: RunningKiosk) -> None:
    running.kiosk.window.allow_exit()
    running.kiosk.window.close()
    running.app.close()


def faces_root() -> Path:
    """The shared face data: $TIMECLOCK_FACES, else ../shared/faces beside the project root."""
    override = os.environ.get("TIMECLOCK_FACES")
    return Path(override) if override else Path(__file__).resolve().parents[2].parent / "shared" / "faces"


@pytest.fixture(scope="session")
def faces() -> Path:
    root = faces_root()
    if not (root / "README.md").is_file():
        pytest.fail(f"face test data not found at {root} (set TIMECLOCK_FACES to its folder)")
    return root


@pytest.fixture
def clock() -> ManualTimeSource:
    return ManualTimeSource()


@pytest.fixture
def kiosk_folder(tmp_path: Path) -> Path:
    return tmp_path / "kiosk-data"


@pytest.fixture
def running(
    qtbot: QtBot, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> Iterator[RunningKiosk]:
    """A set-up kiosk on its idle screen."""
    set_up_kiosk(kiosk_folder, memory_keyring, clock)
    kiosk = start_kiosk(qtbot, kiosk_folder, memory_keyring, clock)
    qtbot.waitUntil(lambda: showing(kiosk.kiosk, kiosk.kiosk.idle))
    yield kiosk
    stop_kiosk(kiosk)


def enrol_from_clip(
    folder: Path, keyring: MemoryKeyring, time: ManualTimeSource, employee_id: str, clip: Path, *, frames: int = 300
) -> int:
    """Enrol `employee_id` with frontal samples taken from the first `frames` frames of `clip` (as the enrolment
    service's camera session does), recording the consent; returns how many templates were kept."""
    database = Database(folder / "kiosk.db")
    capture = cv2.VideoCapture(str(clip))
    assert capture.isOpened(), f"cannot open {clip}"
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    try:
        with (
            FaceLandmarkDetector(RunningMode.VIDEO, model_path=default_model_path()) as detector,
            FaceEncoder(model_path=default_model_path()) as encoder,
        ):
            session = EnrolmentSession(encoder, plan=((FRONTAL_POSE, 3),))
            for index in range(frames):
                ok, frame = capture.read()
                if not ok or session.complete:
                    break
                rgb = np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), dtype=np.uint8)
                face = pick_user_face(detector.detect_for_video(rgb, int(index * 1000 / fps)))
                if index % 4 == 0:
                    session.offer(rgb, face, index / fps)
            assert session.complete, f"{clip.name} gave only {len(session.samples)} usable samples"
            enrolment = BiometricEnrolment(database, SecretStore(keyring), time)
            result = enrolment.enrol(employee_id, session.samples, enrolled_by="test", consent_recorded_by="test")
            return result.templates
    finally:
        capture.release()
        database.close()


class Launcher:
    """Starts the set-up kiosk (each test at most once) and stops it at the end of the test."""

    def __init__(self, qtbot: QtBot, folder: Path, keyring: MemoryKeyring, time: ManualTimeSource) -> None:
        self.qtbot, self.folder, self.keyring, self.time = qtbot, folder, keyring, time
        self.running: RunningKiosk | None = None

    def __call__(
        self, camera: Path | None = None, challenge: tuple[ChallengeStep, ...] = (ChallengeStep.BLINK,)
    ) -> RunningKiosk:
        self.running = start_kiosk(self.qtbot, self.folder, self.keyring, self.time, camera=camera, challenge=challenge)
        return self.running

    def stop(self) -> None:
        if self.running is not None:
            stop_kiosk(self.running)


@pytest.fixture
def launch(
    qtbot: QtBot, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> Iterator[Launcher]:
    """Set the kiosk up (three employees), then `launch(camera=...)` starts it."""
    set_up_kiosk(kiosk_folder, memory_keyring, clock)
    launcher = Launcher(qtbot, kiosk_folder, memory_keyring, clock)
    yield launcher
    launcher.stop()
