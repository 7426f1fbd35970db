"""The kiosk's screens and the way between them.

`Kiosk` owns the window, the workers and the screens. Every service call runs on the database worker (one thread,
so writes are serialised and the GUI never waits on SQLite); its result comes back as a callback on the GUI thread,
which is the only place that touches widgets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import ClockoutReason, claim_required
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.domain.sessions import MAX_SESSION, EmployeeStatus, WorkSession
from kiosk.services.device_settings import DeviceSettings
from kiosk.services.missed_clockouts import ClaimOutcome
from kiosk.services.timeclock import EmployeeView, Place, PunchOutcome, PunchStatus
from kiosk.ui.admin import AdminMode
from kiosk.ui.employee_screens import (
    DONE_WORDS,
    Action,
    ClaimScreen,
    ConfirmScreen,
    GreetScreen,
    IdleScreen,
    NoticeScreen,
    describe_state,
    local_time,
)
from kiosk.ui.messages import Messenger
from kiosk.ui.parts import PunchServices, UiParts
from kiosk.ui.pipeline import Verdict
from kiosk.ui.setup_screen import SetupScreen
from kiosk.ui.sound import Sound
from kiosk.ui.tasks import Worker
from kiosk.ui.window import KioskWindow
from kiosk.vision.camera import CameraState, CameraStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who stands at the kiosk and how the kiosk knows."""

    employee_id: str
    identified_by: IdentifiedBy
    match_distance: float | None = None
    liveness_passed: bool | None = None


@dataclass(frozen=True, slots=True)
class Greeting:
    """What the greeting needs, gathered in one trip to the database worker."""

    identity: Identity
    view: EmployeeView
    now: datetime
    claim_first: bool  # a missed clock-out must be explained before anything else
    missed_enabled: bool


class Kiosk(QObject):
    """The kiosk application's UI: set-up, the employee's way through, and supervisor mode."""

    ready = Signal()  # set up and showing the idle screen
    punched = Signal(object)  # a PunchOutcome that was confirmed on screen
    claimed = Signal(object)  # a ClaimOutcome that was confirmed on screen

    def __init__(self, parts: UiParts, settings: DeviceSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.parts = parts
        self.settings = settings
        self.messenger = Messenger(self)
        self.database = Worker("database", self.messenger.report, self)
        self.window = KioskWindow(self.messenger, settings.idle_timeout_seconds)
        self.window.idle_timeout.connect(self.go_idle)
        self.services: PunchServices | None = None
        self.place: Place | None = None
        self.identity: Identity | None = None
        self.greeting: Greeting | None = None
        self.setup_screen = SetupScreen()
        self.idle = IdleScreen()
        self.greet = GreetScreen()
        self.confirm = ConfirmScreen()
        self.notice = NoticeScreen()
        self.claim = ClaimScreen()
        for screen in (self.setup_screen, self.idle, self.greet, self.confirm, self.notice, self.claim):
            self.window.add_screen(screen)
        self.window.set_resting_screen(self.idle)
        self.admin = AdminMode(self)
        self.setup_screen.submitted.connect(self._set_up)
        self.idle.supervisor_requested.connect(self.admin.ask_pin)
        self.greet.chosen.connect(self.punch)
        self.greet.forgot_requested.connect(self._forgot)
        self.greet.cancelled.connect(self.go_idle)
        self.confirm.done.connect(self.go_idle)
        self.notice.retry.connect(self.go_idle)
        self.notice.back.connect(self.go_idle)
        self.claim.submitted.connect(self._submit_claim)
        self.claim.cancelled.connect(self.go_idle)
        self.idle.pin_button.hide()
        self.window.stack.currentChanged.connect(self._screen_changed)
        self.camera_status = CameraStatus(CameraState.CONNECTING)
        vision = parts.vision
        if vision is not None:
            vision.frame_ready.connect(self._show_frame)
            vision.camera_changed.connect(self._camera_changed)
            vision.checking.connect(self._checking)
            vision.verdict.connect(self._verdict)
            vision.problem.connect(self.messenger.tell)
        self._show_camera_status()
        if settings.is_set_up:
            self._open(settings)
        else:
            self.window.show_screen(self.setup_screen)

    # --- start ----------------------------------------------------------------------------------------------------

    def _set_up(self, facts: dict[str, str]) -> None:
        def failed(error: BaseException) -> None:
            if isinstance(error, RuleViolation):
                self.setup_screen.show_error(error)
            else:
                self.setup_screen.save.setEnabled(True)
                self.messenger.report(error)

        self.database.submit(lambda: self.parts.setup.set_up(**facts), self._open, failed)

    def _open(self, settings: DeviceSettings) -> None:
        self.settings = settings
        self.window.set_idle_seconds(settings.idle_timeout_seconds)
        services = self.parts.open_punching(settings)
        self.services = services
        self.database.submit(services.clock.place, self._placed)

    def _placed(self, place: Place) -> None:
        self.place = place
        self.idle.header.set_place(place.site.name, place.company.name, place.zone)
        self.go_idle()
        self.ready.emit()

    def go_idle(self) -> None:
        """Back to the idle screen, forgetting who stood here (and leaving supervisor mode)."""
        self.identity = None
        self.greeting = None
        self.admin.leave()
        if self.services is None:
            return
        self.idle.show_prompt("Look at the camera to punch")
        self.window.show_screen(self.idle)
        self._screen_changed(0)

    # --- the camera ---------------------------------------------------------------------------------------------

    def _screen_changed(self, _index: int) -> None:
        """Faces are looked for only while the idle screen is up."""
        vision = self.parts.vision
        if vision is None:
            return
        if self.window.current is self.idle and self.services is not None:
            vision.arm()
        else:
            vision.hold()

    def _show_frame(self, _image: QImage, _box: object) -> None:
        vision = self.parts.vision
        preview = vision.take_preview() if vision is not None else None
        if preview is not None and self.window.current is self.idle:
            self.idle.camera.set_frame(*preview)

    def _camera_changed(self, status: CameraStatus) -> None:
        self.camera_status = status
        self._show_camera_status()

    def _show_camera_status(self) -> None:
        status = self.camera_status
        if self.parts.vision is None:
            text, caption = "No camera on this kiosk", "No camera. Ask your supervisor to punch for you."
        elif status.state is CameraState.CONNECTED:
            text, caption = "Camera on", ""
        elif status.state is CameraState.CONNECTING:
            text, caption = "Camera starting\u2026", "Starting the camera\u2026"
        else:
            text = f"Camera not working: {status.reason or status.state.value}" if status.reason else "Camera off"
            caption = "The camera is not working. It reconnects by itself."
        if caption and self.idle.pin_button.isVisible():
            caption += " You can punch with your PIN."
        self.idle.status.setText(text)
        self.idle.camera.set_caption(caption, "text" if status.state is CameraState.CONNECTED else "stop")
        if status.state is not CameraState.CONNECTED:
            self.idle.camera.clear()

    def _checking(self, prompt: str, percent: int) -> None:
        if self.window.current is self.idle:
            self.idle.show_prompt(prompt, percent)

    def _verdict(self, verdict: Verdict) -> None:
        if self.window.current is not self.idle or self.services is None:
            return  # someone else is using the screens; the pipeline re-arms when idle comes back
        if verdict.employee_id is not None:
            self.identified(Identity(verdict.employee_id, IdentifiedBy.FACE, verdict.distance, True))
        elif verdict.code == "liveness_failed":
            self.not_identified("We could not confirm a live face", verdict.message or "Please try again.")
        else:
            self.not_identified("We could not recognise you", verdict.message or "Please try again.")

    # --- the employee's way through -------------------------------------------------------------------------------

    def identified(self, identity: Identity) -> None:
        """Someone was recognised (face after liveness, or PIN): greet them with what fits their state."""
        services = self._punching()
        self.identity = identity

        def gather() -> Greeting:
            view = services.clock.employee_view(identity.employee_id)
            settings = services.missed.get_missed_clockout_settings()
            now = services.clock.now()
            stale = any(
                claim_required(view.state, kind, now, settings) for kind in PunchKind if kind is not PunchKind.CLOCK_IN
            )
            off_with_open = view.state.status is EmployeeStatus.OFF and view.claim_required_for_clock_in
            return Greeting(identity, view, now, stale or off_with_open, settings.missed_clockout_enabled)

        self.database.submit(gather, self._greet)

    def _greet(self, greeting: Greeting) -> None:
        if self.identity != greeting.identity:
            return  # the person left (inactivity) before the answer came
        self.greeting = greeting
        view = greeting.view
        if greeting.claim_first and view.state.open_sessions:
            self._ask_claim(view.state.open_sessions[0], greeting.now)
            return
        zone = self._place().zone
        offer_forgot = greeting.missed_enabled and view.state.status is not EmployeeStatus.OFF
        self.greet.show_employee(
            view.employee.full_name, describe_state(view.state, zone, greeting.now), view.actions, offer_forgot
        )
        self.window.show_screen(self.greet)

    def punch(self, action: Action) -> None:
        """Record the tap on the database worker; confirm what was stored."""
        identity, services = self.identity, self._punching()
        if identity is None:
            return
        kind, break_type = action
        self.greet.set_busy(True)

        def failed(error: BaseException) -> None:
            self.greet.set_busy(False)
            self.parts.sounds.play(Sound.PROBLEM)
            self.messenger.report(error)

        self.database.submit(
            lambda: services.clock.record_punch(
                identity.employee_id,
                kind,
                break_type,
                identified_by=identity.identified_by,
                match_distance=identity.match_distance,
                liveness_passed=identity.liveness_passed,
            ),
            self._punch_done,
            failed,
        )

    def _punch_done(self, outcome: PunchOutcome) -> None:
        zone = self._place().zone
        name = outcome.employee.full_name
        if outcome.status is PunchStatus.CLAIM_REQUIRED and outcome.open_session is not None:
            now = self.greeting.now if self.greeting is not None else datetime.now(zone)
            self._ask_claim(outcome.open_session, now)
            return
        assert outcome.punch is not None
        words = DONE_WORDS[outcome.punch.kind]
        if outcome.punch.break_type is not None:
            words = f"{outcome.punch.break_type.value.capitalize()} break started"
        now = self.greeting.now if self.greeting is not None else outcome.punch.occurred_at
        when = local_time(outcome.punch.occurred_at, zone, now)
        if outcome.status is PunchStatus.DUPLICATE:
            self.confirm.show_outcome(
                "Already recorded", name, f"{words} at {when}", "Your earlier tap was kept; nothing new was stored."
            )
        else:
            self.confirm.show_outcome(words, name, f"at {when}", describe_state(outcome.state, zone, now))
        self.parts.sounds.play(Sound.CONFIRM)
        self.window.show_screen(self.confirm)
        self.punched.emit(outcome)

    def _forgot(self) -> None:
        greeting = self.greeting
        if greeting is None or not greeting.view.state.open_sessions:
            return
        self._ask_claim(greeting.view.state.open_sessions[0], greeting.now)

    def _ask_claim(self, session: WorkSession, now: datetime) -> None:
        greeting = self.greeting
        name = greeting.view.employee.full_name if greeting is not None else ""
        high = min(now, session.clock_in + MAX_SESSION)
        self.claim.show_claim(name, session.clock_in, session.clock_in, high, self._place().zone)
        self.window.show_screen(self.claim)

    def _submit_claim(self, claimed: datetime, reason: ClockoutReason, note: str) -> None:
        identity, services = self.identity, self._punching()
        if identity is None:
            return

        def failed(error: BaseException) -> None:
            self.claim.set_busy(False)
            self.parts.sounds.play(Sound.PROBLEM)
            self.messenger.report(error)

        self.database.submit(
            lambda: services.missed.create_and_submit_clockout_claim(
                identity.employee_id,
                claimed,
                reason,
                note or None,
                identified_by=identity.identified_by,
                match_distance=identity.match_distance,
                liveness_passed=identity.liveness_passed,
            ),
            self._claim_done,
            failed,
        )

    def _claim_done(self, outcome: ClaimOutcome) -> None:
        zone = self._place().zone
        clock_in = outcome.clock_in
        assert clock_in.punch is not None
        assert outcome.incident.employee_claimed_logout_time is not None
        now = clock_in.punch.occurred_at
        left = local_time(outcome.incident.employee_claimed_logout_time, zone, now)
        reason = outcome.incident.employee_reason
        because = f" ({reason.label})" if reason is not None else ""
        self.confirm.show_outcome(
            "Claim sent and clocked in",
            clock_in.employee.full_name,
            f"Clocked in at {local_time(now, zone, now)}",
            f"Your clock-out at {left}{because} waits for your supervisor.",
            seconds=8,
        )
        self.parts.sounds.play(Sound.CONFIRM)
        self.window.show_screen(self.confirm)
        self.claimed.emit(outcome)

    def not_identified(self, title: str, text: str) -> None:
        """Recognition or liveness failed: say so plainly and offer a way forward. Nothing is recorded."""
        self.parts.sounds.play(Sound.PROBLEM)
        self.notice.show_notice(title, text, offer_retry=True, offer_pin=self.idle.pin_button.isVisible())
        self.window.show_screen(self.notice)

    # --- helpers --------------------------------------------------------------------------------------------------

    def _punching(self) -> PunchServices:
        if self.services is None:
            raise RuleViolation("not_set_up", "this kiosk is not set up yet")
        return self.services

    def _place(self) -> Place:
        if self.place is None:
            raise RuleViolation("not_set_up", "this kiosk is not set up yet")
        return self.place

    def close(self) -> None:
        """Finish queued database work and stop the workers (the window is closed by then)."""
        self.database.close()
        self.parts.sounds.close()
