"""Enrolment in supervisor mode with a recording as the camera: consent, guided capture, re-enrolment label,
deletion of the face data."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.services.enrolment import EnrolmentResult
from kiosk.ui.pipeline import CaptureStep
from tests.ui.conftest import Launcher, click, showing
from tests.ui.test_pin_and_supervisor import unlock

HEAD_TURN = "video/headturn_live_tranvanluyt_real.mp4"  # looks straight, then turns left and right


def test_enrol_with_consent_and_guided_capture_then_delete(qtbot: QtBot, launch: Launcher, faces: Path) -> None:
    running = launch(camera=faces / HEAD_TURN)
    kiosk = running.kiosk
    admin = kiosk.admin
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    unlock(qtbot, running)
    admin.show_employees()
    qtbot.waitUntil(lambda: showing(kiosk, admin.employees))
    admin.employees.pick("E3")
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
    assert admin.employee.enrol_button.text() == "Enrol face"
    assert not admin.employee.delete_button.isEnabled()
    click(qtbot, admin.employee.enrol_button)
    assert showing(kiosk, admin.consent)
    assert "encrypted templates of my face" in admin.consent.text.text()

    steps: list[CaptureStep] = []
    admin.enrolment_progress.connect(steps.append)
    with qtbot.waitSignal(admin.enrolled, timeout=90000) as enrolled:
        click(qtbot, admin.consent.agree)
        assert showing(kiosk, admin.capture)
    result = enrolled.args[0]
    assert isinstance(result, EnrolmentResult)
    assert result.templates == 4
    assert set(result.poses) == {"frontal", "slight_left", "slight_right"}
    assert steps[-1].complete
    assert any(step.advice for step in steps)  # the person was told what to do
    assert admin.capture.progress.value() == admin.capture.progress.maximum() == 4

    qtbot.waitUntil(lambda: showing(kiosk, admin.employee) and "4 face samples" in admin.employee.facts.text())
    assert admin.employee.enrol_button.text() == "Enrol face again"
    click(qtbot, admin.employee.delete_button)
    qtbot.waitUntil(lambda: "no face enrolled" in admin.employee.facts.text())
    assert kiosk.window.message_bar.text == "Face data deleted (4 samples)."
