"""The camera paths of the kiosk, with real video files as the camera: preview, liveness, unplugging."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.domain.punches import BreakType, IdentifiedBy, PunchKind
from kiosk.store import repository
from kiosk.ui.pipeline import Verdict
from kiosk.ui.responsiveness import StallMonitor
from kiosk.vision.camera import CameraState
from kiosk.vision.liveness import ChallengeStep
from tests.ui.conftest import Launcher, click, enrol_from_clip, showing

BLINKING = "video/focus_blink/mahie_test_4_low_fps.avi"  # blinks at 0.3 s, 3.3 s, ... (17 frames/s)
SAME_PERSON = "video/focus_blink/mahie_test_1.avi"  # the same person on another recording, for enrolment
SHORT = "video/dinoman_example_2blinks.mp4"  # 3 s


def test_a_live_face_nobody_enrolled_is_told_plainly_and_nothing_is_recorded(
    qtbot: QtBot, launch: Launcher, faces: Path, record_property: Callable[[str, object], None]
) -> None:
    running = launch(camera=faces / BLINKING)
    kiosk = running.kiosk
    assert running.app.vision is not None
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    qtbot.waitUntil(lambda: kiosk.idle.camera.frames_painted > 0, timeout=30000)
    monitor = StallMonitor()
    monitor.start()
    with qtbot.waitSignal(running.app.vision.verdict, timeout=40000) as verdict:
        pass
    result = verdict.args[0]
    assert isinstance(result, Verdict)
    assert result.code == "not_recognised", result
    assert result.live is True
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.notice))
    assert kiosk.notice.title.text() == "We could not recognise you"
    assert kiosk.idle.camera.frames_painted > 10
    with running.database.read() as session:
        assert repository.all_punches(session, kiosk.settings.company_id or "") == []
    monitor.stop()
    assert monitor.ticks > 100  # the GUI thread kept running its event loop while the video was analysed
    record_property("gui_stall_ms", round(monitor.longest_ms, 1))  # the figure; benchmarks/ui_stall.py reports it


def test_camera_unplugged_and_back(qtbot: QtBot, launch: Launcher, faces: Path, tmp_path: Path) -> None:
    clip = tmp_path / "camera.mp4"
    shutil.copyfile(faces / SHORT, clip)
    running = launch(camera=clip)
    kiosk = running.kiosk
    qtbot.waitUntil(
        lambda: kiosk.camera_status.state is CameraState.CONNECTED and kiosk.idle.camera.frames_painted > 3,
        timeout=30000,  # the vision process starts (and loads its model) first
    )
    clip.rename(tmp_path / "away.mp4")  # the cable is pulled: the clip ends and cannot be opened again
    qtbot.waitUntil(lambda: kiosk.camera_status.state is CameraState.RECONNECTING, timeout=10000)
    assert "Camera not working" in kiosk.idle.status.text()
    assert "not working" in kiosk.idle.camera.caption
    painted = kiosk.idle.camera.frames_painted
    (tmp_path / "away.mp4").rename(clip)  # plugged back in
    qtbot.waitUntil(lambda: kiosk.camera_status.state is CameraState.CONNECTED, timeout=15000)
    kiosk.go_idle()  # the clip's face may have started an attempt meanwhile
    qtbot.waitUntil(lambda: kiosk.idle.camera.frames_painted > painted, timeout=5000)
    assert kiosk.idle.status.text().startswith("Camera on")
    assert kiosk.idle.camera.caption == ""


def test_face_punch_from_the_camera_while_the_screen_stays_responsive(
    qtbot: QtBot, launch: Launcher, faces: Path, record_property: Callable[[str, object], None]
) -> None:
    enrol_from_clip(launch.folder, launch.keyring, launch.time, "E1", faces / SAME_PERSON)
    running = launch(camera=faces / BLINKING)
    kiosk = running.kiosk
    assert running.app.vision is not None
    qtbot.waitUntil(lambda: kiosk.idle.camera.frames_painted > 0, timeout=30000)
    monitor = StallMonitor()
    monitor.start()
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet), timeout=40000)  # live, then recognised over frames
    assert kiosk.greet.hello.text() == "Hello, Maria Santos"
    identity = kiosk.identity
    assert identity is not None
    assert identity.identified_by is IdentifiedBy.FACE
    assert identity.liveness_passed is True
    assert identity.match_distance is not None
    assert identity.match_distance < 0.49
    with qtbot.waitSignal(kiosk.punched) as punched:
        click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    qtbot.waitUntil(lambda: kiosk.idle.camera.frames_painted > 0)
    monitor.stop()
    punch = punched.args[0].punch
    assert punch.employee_id == "E1"
    assert punch.match_distance == identity.match_distance
    assert monitor.ticks > 100
    record_property("gui_stall_ms", round(monitor.longest_ms, 1))


def test_a_challenge_the_person_does_not_answer_is_refused_plainly(qtbot: QtBot, launch: Launcher, faces: Path) -> None:
    enrol_from_clip(launch.folder, launch.keyring, launch.time, "E1", faces / SAME_PERSON)
    # The recording never turns its head: a replayed video cannot answer a challenge it did not expect.
    running = launch(camera=faces / BLINKING, challenge=(ChallengeStep.TURN_RIGHT, ChallengeStep.TURN_LEFT))
    kiosk = running.kiosk
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.notice), timeout=60000)
    assert kiosk.notice.title.text() == "We could not confirm a live face"
    assert "Turn your head to your right" in kiosk.notice.text.text()
    assert kiosk.notice.retry_button.isVisible()
    with running.database.read() as session:
        assert repository.punches_of(session, "E1") == []  # never a punch for a guess


def test_a_shift_with_a_lunch_break_punched_by_face(qtbot: QtBot, launch: Launcher, faces: Path) -> None:
    enrol_from_clip(launch.folder, launch.keyring, launch.time, "E1", faces / SAME_PERSON)
    running = launch(camera=faces / BLINKING)
    kiosk = running.kiosk
    shift = [
        (PunchKind.CLOCK_IN, None),
        (PunchKind.BREAK_START, BreakType.LUNCH),
        (PunchKind.BREAK_END, None),
        (PunchKind.CLOCK_OUT, None),
    ]
    for action in shift:
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet), timeout=60000)  # live, then recognised
        assert action in kiosk.greet.action_buttons, (action, list(kiosk.greet.action_buttons))
        with qtbot.waitSignal(kiosk.punched):
            click(qtbot, kiosk.greet.action_buttons[action])
        running.time.advance(minutes=45)
        click(qtbot, kiosk.confirm.ok)  # done: back to the camera for the next punch
    with running.database.read() as session:
        punches = repository.punches_of(session, "E1")
    assert [(punch.kind, punch.break_type) for punch in punches] == shift
    assert all(punch.identified_by is IdentifiedBy.FACE and punch.liveness_passed for punch in punches)


def test_the_camera_process_is_restarted_when_it_dies(qtbot: QtBot, launch: Launcher, faces: Path) -> None:
    running = launch(camera=faces / SHORT)
    kiosk, vision = running.kiosk, running.app.vision
    assert vision is not None
    qtbot.waitUntil(lambda: kiosk.idle.camera.frames_painted > 3, timeout=30000)
    pid = vision.pid
    assert pid is not None
    os.kill(pid, signal.SIGTERM)  # as a crash inside a native library would: the whole process goes
    qtbot.waitUntil(lambda: vision.restarts == 1, timeout=10000)
    qtbot.waitUntil(lambda: vision.pid not in (None, pid), timeout=10000)
    kiosk.go_idle()
    painted = kiosk.idle.camera.frames_painted
    qtbot.waitUntil(lambda: kiosk.idle.camera.frames_painted > painted + 3, timeout=30000)
    assert kiosk.camera_status.state is CameraState.CONNECTED
