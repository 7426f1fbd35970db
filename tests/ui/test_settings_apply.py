"""Every setting on the supervisor's settings screen counts as soon as "Save" is tapped, without a restart.

The company's rules (missed clock-out claims, blocking exports, PIN punching) are read again on every use; the
device's (idle time, liveness check, face matching) are handed to the window and the vision process at once.
"""

from __future__ import annotations

from datetime import timedelta
from multiprocessing import Pipe
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.ui.kiosk import Identity, Kiosk
from kiosk.ui.vision_process import VisionSpec, _Loop
from kiosk.vision.liveness import ChallengeStep
from kiosk.vision.matcher import ENCODING_SIZE, TemplateGallery
from kiosk.vision.models import default_model_path
from kiosk.vision.strictness import liveness_for, matching_for
from tests.ui.conftest import Launcher, RunningKiosk, click, showing
from tests.ui.test_camera import BLINKING
from tests.ui.test_pin_and_supervisor import unlock


def save_settings(qtbot: QtBot, running: RunningKiosk, **choices: object) -> None:
    """Open the settings screen, make the choices a supervisor would, tap Save."""
    kiosk = running.kiosk
    admin = kiosk.admin
    if not admin.active:
        unlock(qtbot, running)
    admin.show_settings()
    qtbot.waitUntil(lambda: showing(kiosk, admin.settings))
    screen = admin.settings
    for name, value in choices.items():
        widget = getattr(screen, name)
        if isinstance(value, bool):
            widget.setChecked(value)
        else:
            widget.choose(value)
    click(qtbot, screen.save_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.home))
    assert kiosk.window.message_bar.text == "Settings saved."


def greet(qtbot: QtBot, kiosk: Kiosk, employee_id: str) -> None:
    kiosk.go_idle()
    kiosk.identified(Identity(employee_id, IdentifiedBy.PIN))
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))


def test_company_settings_and_the_idle_time_count_at_once(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    services = kiosk.services
    assert services is not None
    services.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    running.time.advance(hours=20)
    services.missed.create_and_submit_clockout_claim(
        "E2", running.time.now - timedelta(hours=12), "forgot", identified_by=IdentifiedBy.PIN
    )  # one claim waits for review
    running.time.advance(minutes=5)
    services.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    greet(qtbot, kiosk, "E1")
    assert kiosk.greet.forgot.isVisibleTo(kiosk.greet)  # claims are on: "I forgot to clock out" is offered

    save_settings(
        qtbot, running, missed_enabled=False, block_reports=True, pin_punching=False, idle_seconds=15
    )  # fmt: skip
    assert kiosk.window._idle_timer.interval() == 15_000
    admin = kiosk.admin
    admin.show_export()
    qtbot.waitUntil(lambda: showing(kiosk, admin.export))
    click(qtbot, admin.export.run)
    qtbot.waitUntil(lambda: "1 unresolved missed clock-out incident" in admin.export.result.text)
    greet(qtbot, kiosk, "E1")
    assert not kiosk.greet.forgot.isVisibleTo(kiosk.greet)
    kiosk.go_idle()
    qtbot.waitUntil(lambda: not kiosk.idle.pin_button.isVisibleTo(kiosk.idle))

    save_settings(qtbot, running, missed_enabled=True, block_reports=False, pin_punching=True, idle_seconds=120)
    assert kiosk.window._idle_timer.interval() == 120_000
    admin.show_export()
    qtbot.waitUntil(lambda: showing(kiosk, admin.export))
    assert kiosk.parts.exports_dir is not None
    admin.export.targets.choose(kiosk.parts.exports_dir)  # the data folder, whatever drives this machine has
    click(qtbot, admin.export.run)
    qtbot.waitUntil(lambda: admin.export.result.text.startswith("Saved "))
    greet(qtbot, kiosk, "E1")
    assert kiosk.greet.forgot.isVisibleTo(kiosk.greet)
    kiosk.go_idle()
    qtbot.waitUntil(lambda: kiosk.idle.pin_button.isVisibleTo(kiosk.idle))


def test_liveness_and_face_matching_reach_the_vision_process_at_once(
    qtbot: QtBot, launch: Launcher, faces: Path
) -> None:
    running = launch(camera=faces / BLINKING)
    kiosk, vision = running.kiosk, running.app.vision
    assert vision is not None
    qtbot.waitUntil(lambda: vision.match_policy == matching_for("normal"), timeout=30000)
    assert (vision.spec.challenge_length, vision.spec.liveness) == liveness_for("normal")

    save_settings(qtbot, running, liveness="strict", matching="strict")
    assert (vision.spec.challenge_length, vision.spec.liveness) == liveness_for("strict")
    kiosk.go_idle()  # the templates go to the vision process with the new rule as the idle screen comes back
    qtbot.waitUntil(lambda: vision.match_policy == matching_for("strict"), timeout=10000)

    save_settings(qtbot, running, liveness="relaxed", matching="relaxed")
    assert (vision.spec.challenge_length, vision.spec.liveness) == liveness_for("relaxed")
    kiosk.go_idle()
    qtbot.waitUntil(lambda: vision.match_policy == matching_for("relaxed"), timeout=10000)


def test_the_vision_loop_takes_the_new_liveness_challenge_and_match_rule() -> None:
    events_in, events_out = Pipe(duplex=False)
    commands_in, commands_out = Pipe(duplex=False)
    steps, normal = liveness_for("normal")
    loop = _Loop(VisionSpec(camera="0", model_path=default_model_path(), challenge_length=steps, liveness=normal),
                 events_out, commands_in)  # fmt: skip
    try:
        assert len(loop.challenge()) == 2
        commands_out.send(("liveness", *liveness_for("strict")))
        loop.read_commands()
        challenge = loop.challenge()
        assert len(challenge) == 3
        assert len(set(challenge)) == 3  # three different movements
        assert all(isinstance(step, ChallengeStep) for step in challenge)
        assert loop.spec.liveness.step_time_limit_s == 5.0
        # The face-matching rule comes with the templates and is the one the recogniser judges by.
        gallery = TemplateGallery([("E1", np.full(ENCODING_SIZE, 0.08))])
        commands_out.send(("gallery", gallery, matching_for("strict")))
        loop.read_commands()
        assert loop.recogniser is not None
        assert loop.recogniser.policy == matching_for("strict")
    finally:
        if loop.encoder is not None:
            loop.encoder.close()
        loop.worker.shutdown()
        for end in (events_in, events_out, commands_in, commands_out):
            end.close()
