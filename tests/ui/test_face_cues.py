"""Punching by face as a person sees it: the step's sign and countdown, a busy cue while the face is matched, and
no second attempt on someone who was just identified."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.domain.punches import PunchKind
from kiosk.ui.employee_screens import STEP_CUES, STEP_PROMPTS
from kiosk.ui.pipeline import Checking
from kiosk.ui.vision_process import DepartureWatch, PipelineSettings
from kiosk.ui.widgets import CameraView, Cue
from kiosk.vision.liveness import ChallengeStep
from tests.ui.conftest import Launcher, RunningKiosk, click, enrol_from_clip, showing
from tests.ui.test_camera import BLINKING, SAME_PERSON


def white(colour: QColor) -> bool:
    return min(colour.red(), colour.green(), colour.blue()) > 230


def cue_pixels(image: QImage, plain: QImage) -> list[tuple[int, int]]:
    """Where the cue drew white that the plain view (the dashed face guide) does not have."""
    return [
        (x, y)
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
        if white(QColor(image.pixel(x, y))) and not white(QColor(plain.pixel(x, y)))
    ]


def painted(qtbot: QtBot, cue: Cue | None, seconds_left: float | None = None) -> tuple[CameraView, QImage]:
    view = CameraView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.set_cue(cue, seconds_left, 6.0)
    view.show()
    return view, view.grab().toImage()


def test_a_turn_is_shown_by_an_arrow_on_the_side_to_turn_to(qtbot: QtBot) -> None:
    _, plain = painted(qtbot, None)
    _, left = painted(qtbot, Cue.TURN_LEFT)
    _, right = painted(qtbot, Cue.TURN_RIGHT)
    # The preview is a mirror: the person's left is the screen's left.
    assert left_share(left, plain) > 0.95
    assert left_share(right, plain) < 0.05
    assert len(cue_pixels(left, plain)) > 300  # a filled arrow, not a stroke


def left_share(image: QImage, plain: QImage) -> float:
    pixels = cue_pixels(image, plain)
    assert pixels, "no cue was drawn"
    return sum(1 for x, _ in pixels if x < image.width() / 2) / len(pixels)


@pytest.mark.parametrize("cue", [Cue.BLINK, Cue.SMILE, Cue.LOOK_UP])
def test_every_step_has_a_sign_above_the_face(qtbot: QtBot, cue: Cue) -> None:
    _, plain = painted(qtbot, None)
    _, image = painted(qtbot, cue)
    ys = [y for _, y in cue_pixels(image, plain)]
    assert len(ys) > 20
    assert sum(ys) / len(ys) < image.height() / 2


def test_the_countdown_shows_the_whole_seconds_left(qtbot: QtBot) -> None:
    view, with_ring = painted(qtbot, Cue.BLINK, 4.2)
    assert view.countdown == 5
    view.set_cue(Cue.BLINK, 0.4, 6.0)
    assert view.countdown == 1
    _, without_ring = painted(qtbot, Cue.BLINK)
    corner = (with_ring.width() - 80, 70)  # the ring's place in the top right corner
    assert QColor(with_ring.pixel(*corner)) != QColor(without_ring.pixel(*corner))


def test_a_turning_arc_while_the_face_is_matched(qtbot: QtBot) -> None:
    view = CameraView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    view.set_matching(True)
    start = view.spinner_angle
    qtbot.waitUntil(lambda: view.spinner_angle != start)
    view.set_matching(False)
    assert not view.matching


def test_every_liveness_step_has_words_and_a_sign() -> None:
    assert set(STEP_PROMPTS) == set(ChallengeStep)
    assert set(STEP_CUES) == set(ChallengeStep)


def test_the_departure_watch_waits_for_the_face_to_leave_or_for_the_time() -> None:
    watch = DepartureWatch(gone_frames=3, wait_s=8.0)
    assert watch.ready(face_present=True, now_s=0.0)  # nobody was identified: attempts start as usual
    watch.start()
    assert not watch.ready(face_present=True, now_s=10.0)
    assert not watch.ready(face_present=False, now_s=10.1)
    assert not watch.ready(face_present=False, now_s=10.2)
    assert not watch.ready(face_present=True, now_s=10.3)  # a frame without the face is not leaving
    assert not watch.ready(face_present=False, now_s=10.4)
    assert not watch.ready(face_present=False, now_s=10.5)
    assert watch.ready(face_present=False, now_s=10.6)  # three frames in a row without a face: they left
    assert watch.ready(face_present=True, now_s=10.7)  # the next person starts an attempt
    watch.start()
    assert not watch.ready(face_present=True, now_s=20.0)
    assert not watch.ready(face_present=True, now_s=27.9)
    assert watch.ready(face_present=True, now_s=28.0)  # the face stayed: after the wait it is taken for new


def test_after_a_face_punch_the_same_person_is_not_asked_again(qtbot: QtBot, launch: Launcher, faces: Path) -> None:
    enrol_from_clip(launch.folder, launch.keyring, launch.time, "E1", faces / SAME_PERSON)
    running = launch(camera=faces / BLINKING, challenge=(ChallengeStep.BLINK,))
    kiosk, vision = running.kiosk, running.app.vision
    assert vision is not None
    seen: list[tuple[Cue | None, int | None, bool, str]] = []

    def record(_: Checking) -> None:
        camera = kiosk.idle.camera
        seen.append((camera.cue, camera.countdown, camera.matching, kiosk.idle.prompt.text()))

    vision.checking.connect(record)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet), timeout=60000)  # live, then recognised
    cued = [entry for entry in seen if entry[0] is Cue.BLINK]
    assert cued, seen
    assert all(prompt == "Blink your eyes" for _, _, _, prompt in cued)
    countdowns = [countdown for _, countdown, _, _ in cued if countdown is not None]
    assert len(countdowns) == len(cued)
    assert all(0 <= countdown <= 6 for countdown in countdowns)
    assert countdowns == sorted(countdowns, reverse=True)  # it counts down
    with qtbot.waitSignal(kiosk.punched):
        click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    click(qtbot, kiosk.confirm.ok)  # back to the camera while Maria is still in front of it
    assert showing(kiosk, kiosk.idle)
    assert kiosk.idle.camera.cue is None
    frames = vision.frames_read
    with qtbot.assertNotEmitted(vision.attempt_started, wait=4000):
        pass
    assert vision.frames_read > frames + 10  # the camera ran all along, with her face in it
    assert showing(kiosk, kiosk.idle)
    # A face that stays longer than the wait is taken for someone new.
    with qtbot.waitSignal(vision.attempt_started, timeout=round((PipelineSettings().same_person_wait_s + 10) * 1000)):
        pass
    QApplication.processEvents()


def spinning(view: CameraView) -> bool:
    """A function, so that the type checker does not narrow the property between calls."""
    return view.matching


def test_the_idle_screen_shows_the_step_then_a_busy_cue_while_the_face_is_matched(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    idle = running.kiosk.idle
    idle.show_checking(Checking("Turn your head to your left", 50, ChallengeStep.TURN_LEFT, 2.3, 6.0))
    assert idle.prompt.text() == "Turn your head to your left"
    assert (idle.camera.cue, idle.camera.countdown) == (Cue.TURN_LEFT, 3)
    assert idle.progress.value() == 50
    idle.show_checking(Checking("Checking who you are\u2026", 100, matching=True))
    assert idle.prompt.text() == "Checking who you are\u2026"
    assert idle.camera.cue is None
    assert spinning(idle.camera)
    assert idle.progress.maximum() == 0  # a busy bar: there are no steps to count while matching
    running.kiosk.go_idle()
    assert not spinning(idle.camera)
    assert idle.progress.isHidden()
