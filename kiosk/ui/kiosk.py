"""The kiosk's screens and the way between them.

`Kiosk` owns the window, the workers and the screens. Every service call runs on the database worker (one thread,
so writes are serialised and the GUI never waits on SQLite); its result comes back as a callback on the GUI thread,
which is the only place that touches widgets.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import ClaimTimes, ClockoutReason, claim_required
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.missed_clockouts import ClaimOutcome
from kiosk.services.roster import PinIdentification
from kiosk.services.timeclock import EmployeeView, Place, PunchOutcome, PunchStatus
from kiosk.store.device_settings import DeviceSettings
from kiosk.store.repository import EmployeeRecord
from kiosk.ui.admin import AdminMode
from kiosk.ui.employee_screens import (
    Action,
    ClaimCause,
    ClaimScreen,
    ConfirmScreen,
    GreetScreen,
    IdleScreen,
    NamePickScreen,
    NoticeScreen,
    PinScreen,
    describe_state,
    done_words,
    local_time,
    locked_sentence,
    reason_label,
    wrong_pin_sentence,
)
from kiosk.ui.language import Language, Shown, Text, Translations, retranslate, set_text, translate
from kiosk.ui.messages import Messenger
from kiosk.ui.parts import PunchServices, UiParts
from kiosk.ui.pipeline import Checking, Verdict, VisionPipeline
from kiosk.ui.problems import verdict_text
from kiosk.ui.setup_screen import SetupScreen
from kiosk.ui.sound import Sound
from kiosk.ui.tasks import Worker
from kiosk.ui.window import KioskWindow
from kiosk.vision.camera import CameraState, CameraStatus
from kiosk.vision.strictness import liveness_for, matching_for

log = logging.getLogger(__name__)

STATUS_REFRESH_MS = 2000
# How often an idle kiosk asks whether a staged version may be switched to.
UPDATE_LOOK_MS = 30_000
# A face attempt seen this recently means someone is at the kiosk.
ATTEMPT_QUIET_SECONDS = 10.0


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
    update_switched = Signal(str)  # switched to this staged version while idle: the kiosk ends for the launcher
    punched = Signal(object)  # a PunchOutcome that was confirmed on screen
    claimed = Signal(object)  # a ClaimOutcome that was confirmed on screen
    pin_refused = Signal(object)  # a PinIdentification that was not accepted

    def __init__(self, parts: UiParts, settings: DeviceSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.parts = parts
        self.settings = settings
        self.translations = Translations()
        self.translations.use(Language.from_code(settings.language))
        self.messenger = Messenger(self)
        self.database = Worker("database", self.messenger.report, self)
        self.sync_worker = Worker("sync-now", self.messenger.report, self)
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
        self.names = NamePickScreen(translate("NamePickScreen", "Tap your name"))
        self.employee_pin = PinScreen(translate("PinScreen", "Your PIN"), 8)
        self.pin_employee: tuple[str, str] | None = None  # id and name of who is typing their PIN
        self._lead_to_first_employee = False
        screens = (self.setup_screen, self.idle, self.greet, self.confirm, self.notice, self.claim, self.names)
        for screen in (*screens, self.employee_pin):
            self.window.add_screen(screen)
        self.window.set_resting_screen(self.idle)
        self.admin = AdminMode(self, self)
        self._connect()
        self.camera_status = CameraStatus(CameraState.CONNECTING)
        vision = parts.vision
        if vision is not None:
            vision.frame_ready.connect(self._show_frame)
            vision.camera_changed.connect(self._camera_changed)
            vision.checking.connect(self._checking)
            vision.verdict.connect(self._verdict)
            vision.problem.connect(self.messenger.tell)
        self._faces_seen = 0  # the sync status's `faces_changed` the face loop's templates are from
        self._status_timer = QTimer(self.idle)
        self._status_timer.timeout.connect(self._show_camera_status)
        self._status_timer.timeout.connect(self._faces_from_sync)
        self._status_timer.start(STATUS_REFRESH_MS)
        self._start_timers()
        self._show_camera_status()
        if settings.is_set_up:
            self._open(settings)
        else:
            self.window.show_screen(self.setup_screen)

    def _connect(self) -> None:
        """Wire the screens' signals to what they lead to."""
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
        self.idle.pin_requested.connect(self.punch_with_pin)
        self.notice.pin_requested.connect(self.punch_with_pin)
        self.names.picked.connect(self._ask_employee_pin)
        self.names.back.connect(self.go_idle)
        self.employee_pin.back.connect(self.go_idle)
        self.employee_pin.entered.connect(self._check_employee_pin)
        self.window.stack.currentChanged.connect(self._screen_changed)
        self.idle.language_button.chosen.connect(self.use_language_for_now)
        self.greet.language_button.chosen.connect(self.use_language_for_now)
        self.setup_screen.language_button.chosen.connect(self.use_language)

    # --- language -------------------------------------------------------------------------------------------------

    @property
    def language(self) -> Language:
        return self.translations.current

    @property
    def default_language(self) -> Language:
        """The kiosk's own language (a supervisor setting), which it returns to after each person."""
        return Language.from_code(self.settings.language)

    def use_language(self, language: Language) -> None:
        """Show every screen in `language` at once, keeping what is typed, chosen and shown."""
        if language is not self.translations.current:
            try:
                self.translations.use(language)
            except Exception as error:
                self.messenger.report(error)
                return
            retranslate(self.window)
        for language_button in (self.idle.language_button, self.greet.language_button):
            language_button.show_language(self.translations.current)
        self.setup_screen.language_button.show_language(self.translations.current)

    def use_language_for_now(self, language: Language) -> None:
        """The person at the kiosk chose their language: it holds until they are done (or walk away)."""
        self.use_language(language)
        if self.window.current is self.idle and language is not self.default_language:
            self._language_timer.start(self.settings.idle_timeout_seconds * 1000)
        else:
            self._language_timer.stop()

    def _back_to_default_language(self) -> None:
        if self.window.current is self.idle:
            self.use_language(self.default_language)

    # --- start ----------------------------------------------------------------------------------------------------

    def _set_up(self, facts: dict[str, str]) -> None:
        def failed(error: BaseException) -> None:
            if isinstance(error, RuleViolation):
                self.setup_screen.show_error(error)
            else:
                self.setup_screen.save.setEnabled(True)
                self.messenger.report(error)

        def done(settings: DeviceSettings) -> None:
            # Without a central database nobody else brings the roster: the supervisor adds it, starting now.
            self._lead_to_first_employee = not settings.roster_from_head_office
            self._open(settings)

        # The language the set-up screen was filled in becomes the kiosk's own: the first employee form that follows,
        # and every screen between people after it, speak it.
        language = self.translations.current.value
        self.database.submit(lambda: self.parts.setup.set_up(**facts, language=language), done, failed)

    def _open(self, settings: DeviceSettings) -> None:
        self.settings = settings
        self.window.set_idle_seconds(settings.idle_timeout_seconds)
        services = self.parts.open_punching(settings)
        self.services = services
        self.database.submit(services.clock.place, self._placed)

    def refresh_place(self) -> None:
        """Read the company and site again (a setting such as PIN punching changed)."""
        services = self.services
        if services is not None:
            self.database.submit(services.clock.place, self._replaced)

    def _replaced(self, place: Place) -> None:
        self.place = place
        self.idle.pin_button.setVisible(place.company.pin_punching_allowed)
        self._show_camera_status()

    def _placed(self, place: Place) -> None:
        self.place = place
        self.idle.header.set_place(place.site.name, place.company.name, place.zone)
        self.idle.pin_button.setVisible(place.company.pin_punching_allowed)
        self._show_camera_status()
        self.go_idle()
        if self._lead_to_first_employee:
            self._lead_to_first_employee = False
            self.admin.start_first_employee()
        self.ready.emit()

    def go_idle(self) -> None:
        """Back to the idle screen, forgetting who stood here (and leaving supervisor mode)."""
        self.identity = None
        self.greeting = None
        self.admin.leave()
        self._language_timer.stop()
        self.use_language(self.default_language)
        if self.services is None:
            return
        self.idle.show_prompt(self._idle_prompt())
        self.window.show_screen(self.idle)
        self._screen_changed(0)
        if self.parts.updates is not None and not self._settled_timer.isActive():
            self._settled_timer.start(self.parts.settle_seconds * 1000)

    # --- the camera ---------------------------------------------------------------------------------------------

    def _screen_changed(self, _index: int) -> None:
        """Faces are looked for only while the idle screen is up."""
        vision = self.parts.vision
        if vision is None:
            return
        if self.window.current is self.idle and self.services is not None:
            self._send_gallery(vision)
            vision.arm()
        elif self.window.current is not self.admin.capture:
            vision.hold()

    def _send_gallery(self, vision: VisionPipeline) -> None:
        """Give the face loop the current templates (enrolments, deletions and syncs count from the next person)."""
        enrolment = self.parts.enrolment
        if enrolment is None:
            return
        policy = matching_for(self.settings.matching_strictness)  # the supervisor's "Face matching" setting
        self.database.submit(enrolment.load_gallery, lambda loaded: vision.set_gallery(loaded.gallery, policy))

    def _faces_from_sync(self) -> None:
        """Faces enrolled or forgotten at other kiosks count here as soon as a sync brings them, not only when the
        idle screen next comes back: a forgotten face must stop matching."""
        sync, vision = self.parts.sync, self.parts.vision
        if sync is None or vision is None:
            return
        changed = sync.status().faces_changed
        if changed != self._faces_seen:
            self._faces_seen = changed
            if self.window.current is self.idle and self.services is not None:
                self._send_gallery(vision)

    def apply_settings(self, settings: DeviceSettings) -> None:
        """Device settings saved in supervisor mode count at once: the idle time now, the liveness check from the
        next attempt, face matching from the next person (the rule goes with the templates when idle comes back)."""
        self.settings = settings
        self.window.set_idle_seconds(settings.idle_timeout_seconds)
        vision = self.parts.vision
        if vision is not None:
            vision.set_liveness(*liveness_for(settings.liveness_strictness))

    def _show_frame(self, _image: QImage, _box: object) -> None:
        vision = self.parts.vision
        preview = vision.take_preview() if vision is not None else None
        if preview is None:
            return
        if self.window.current is self.idle:
            self.idle.camera.set_frame(*preview)
        elif self.window.current is self.admin.capture:
            self.admin.capture.camera.set_frame(*preview)

    def _camera_changed(self, status: CameraStatus) -> None:
        self.camera_status = status
        self._show_camera_status()

    def _pin_punching_allowed(self) -> bool:
        # The company's setting, not the button's visibility: a widget of a hidden window reports itself hidden.
        return self.place is not None and self.place.company.pin_punching_allowed

    def _idle_prompt(self) -> Text:
        """What the idle screen asks of the next person, given the camera and the company's PIN setting."""
        if self.parts.vision is not None and self.camera_status.state is CameraState.CONNECTED:
            return translate("IdleScreen", "Look at the camera to punch")
        if self._pin_punching_allowed():
            return translate("IdleScreen", "Punch with your PIN")
        return translate("IdleScreen", "Ask your supervisor to punch for you")

    def _show_camera_status(self) -> None:
        status = self.camera_status
        caption: Shown = ""
        if self.parts.vision is None:
            text: Shown = translate("IdleScreen", "No camera on this kiosk")
            caption = translate("IdleScreen", "No camera on this kiosk.")
        elif status.state is CameraState.CONNECTED:
            text = translate("IdleScreen", "Camera on")
        elif status.state is CameraState.CONNECTING:
            text = translate("IdleScreen", "Camera starting\u2026")
            caption = translate("IdleScreen", "Starting the camera\u2026")
        else:
            # The reason names the device or file: it is for the log, not for the people at the kiosk.
            text = (
                translate("IdleScreen", "Camera not working, reconnecting")
                if status.state is CameraState.RECONNECTING
                else translate("IdleScreen", "Camera off")
            )
            caption = translate("IdleScreen", "The camera is not working. It reconnects by itself.")
        if caption:
            then = (
                translate("IdleScreen", "You can punch with your PIN.")
                if self._pin_punching_allowed()
                else translate("IdleScreen", "Ask your supervisor.")
            )
            caption = translate("IdleScreen", "{problem} {then}").format(problem=caption, then=then)
        set_text(
            self.idle.status,
            translate("IdleScreen", "{camera}  \u00b7  {sync}").format(camera=text, sync=self._sync_line()),
        )
        self.idle.camera.set_caption(caption, "text" if status.state is CameraState.CONNECTED else "stop")
        if status.state is not CameraState.CONNECTED:
            self.idle.camera.clear()
        if self.window.current is self.idle and self.identity is None:
            self.idle.show_prompt(self._idle_prompt())

    def _sync_line(self) -> Text:
        sync = self.parts.sync
        if sync is None:
            return translate("IdleScreen", "Offline kiosk: punches are kept here")
        status = sync.status()
        if status.last_error:
            if status.pending:
                return translate("IdleScreen", "offline, {count} waiting to sync").format(count=status.pending)
            return translate("IdleScreen", "offline, all synced")
        if status.pending:
            return translate("IdleScreen", "online, {count} waiting to sync").format(count=status.pending)
        return translate("IdleScreen", "online, all synced")

    def _start_timers(self) -> None:
        """The timers of the person's language and of updates."""
        # A language chosen by one person on the idle screen goes back to the kiosk's own after the idle time.
        self._language_timer = QTimer(self.idle)
        self._language_timer.setSingleShot(True)
        self._language_timer.timeout.connect(self._back_to_default_language)
        # A face attempt on the idle screen (liveness, matching) is someone starting to punch.
        self._last_attempt = -ATTEMPT_QUIET_SECONDS
        self._update_timer = QTimer(self.idle)
        self._update_timer.timeout.connect(self.switch_if_due)
        # A new version on trial counts as good once it has kept the idle screen this long.
        self._settled_timer = QTimer(self.idle)
        self._settled_timer.setSingleShot(True)
        self._settled_timer.timeout.connect(self._settled)
        if self.parts.updates is not None:
            self._update_timer.start(UPDATE_LOOK_MS)

    def is_idle(self) -> bool:
        """Nobody is using the kiosk: the idle screen shows, no one is recognised or mid-attempt, no supervisor mode,
        no punch being written."""
        return (
            self.services is not None
            and self.window.current is self.idle
            and self.identity is None
            and not self.admin.active
            and not self.database.busy
            and time.monotonic() - self._last_attempt >= ATTEMPT_QUIET_SECONDS
        )

    def switch_if_due(self) -> None:
        """Switch to a staged version now if the kiosk is idle inside the update window (the service decides)."""
        updates = self.parts.updates
        if updates is None or not self.is_idle():
            return
        switched = updates.try_switch(idle=True)
        if switched is not None:
            self._update_timer.stop()
            self.update_switched.emit(switched)

    def _settled(self) -> None:
        if self.parts.updates is not None and self.window.current is self.idle:
            self.parts.updates.confirm()

    def _checking(self, checking: Checking) -> None:
        self._last_attempt = time.monotonic()
        if self.window.current is self.idle:
            self.idle.show_checking(checking)

    def _verdict(self, verdict: Verdict) -> None:
        if self.window.current is not self.idle or self.services is None:
            return  # someone else is using the screens; the pipeline re-arms when idle comes back
        if verdict.employee_id is not None:
            self.identified(Identity(verdict.employee_id, IdentifiedBy.FACE, verdict.distance, True))
        elif verdict.code == "liveness_failed":
            self.not_identified(translate("NoticeScreen", "We could not confirm a live face"), verdict_text(verdict))
        else:
            self.not_identified(translate("NoticeScreen", "We could not recognise you"), verdict_text(verdict))

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

        def failed(error: BaseException) -> None:
            # An inactive or unknown employee, or a database problem: say so, and look for the next person.
            self.parts.sounds.play(Sound.PROBLEM)
            self.messenger.report(error)
            self.go_idle()

        self.database.submit(gather, self._greet, failed)

    def _greet(self, greeting: Greeting) -> None:
        if self.identity != greeting.identity:
            return  # the person left (inactivity) before the answer came
        self.greeting = greeting
        view = greeting.view
        if greeting.claim_first and view.state.open_sessions:
            self._ask_claim(ClaimCause.MISSED, greeting.now)
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
            self._ask_claim(ClaimCause.MISSED, now)
            return
        assert outcome.punch is not None
        words = done_words(outcome.punch.kind, outcome.punch.break_type)
        now = self.greeting.now if self.greeting is not None else outcome.punch.occurred_at
        when = local_time(outcome.punch.occurred_at, zone, now)
        if outcome.status is PunchStatus.DUPLICATE:
            self.confirm.show_outcome(
                translate("ConfirmScreen", "Already recorded"),
                name,
                translate("ConfirmScreen", "{done} at {time}").format(done=words, time=when),
                translate("ConfirmScreen", "Your earlier tap was kept; nothing new was stored."),
            )
        else:
            self.confirm.show_outcome(
                words,
                name,
                translate("ConfirmScreen", "at {time}").format(time=when),
                describe_state(outcome.state, zone, now),
            )
        self.parts.sounds.play(Sound.CONFIRM)
        self.window.show_screen(self.confirm)
        self.punched.emit(outcome)

    def _forgot(self) -> None:
        greeting = self.greeting
        if greeting is None or not greeting.view.state.open_sessions:
            return
        self._ask_claim(ClaimCause.FORGOT, greeting.now)

    def _ask_claim(self, cause: ClaimCause, now: datetime) -> None:
        """Ask about the employee's oldest open session, starting from its likely end."""
        identity, greeting, services = self.identity, self.greeting, self._punching()
        if identity is None:
            return
        name = greeting.view.employee.full_name if greeting is not None else ""
        zone = self._place().zone

        def shown(times: ClaimTimes) -> None:
            if self.identity != identity:
                return  # the person left (inactivity) before the answer came
            self.claim.show_claim(name, cause, times, zone=zone, now=now)
            self.window.show_screen(self.claim)

        def failed(error: BaseException) -> None:
            self.parts.sounds.play(Sound.PROBLEM)
            self.messenger.report(error)
            self.go_idle()

        self.database.submit(lambda: services.missed.claim_times(identity.employee_id), shown, failed)

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
        waits = (
            translate("ConfirmScreen", "Your clock-out at {time} ({reason}) waits for your supervisor.").format(
                time=left, reason=reason_label(reason)
            )
            if reason is not None
            else translate("ConfirmScreen", "Your clock-out at {time} waits for your supervisor.").format(time=left)
        )
        self.confirm.show_outcome(
            translate("ConfirmScreen", "Claim sent and clocked in"),
            clock_in.employee.full_name,
            translate("ConfirmScreen", "Clocked in at {time}").format(time=local_time(now, zone, now)),
            waits,
            seconds=8,
        )
        self.parts.sounds.play(Sound.CONFIRM)
        self.window.show_screen(self.confirm)
        self.claimed.emit(outcome)

    def not_identified(self, title: Shown, text: Shown) -> None:
        """Recognition or liveness failed: say so plainly and offer a way forward. Nothing is recorded."""
        self.parts.sounds.play(Sound.PROBLEM)
        self.notice.show_notice(title, text, offer_retry=True, offer_pin=self.idle.pin_button.isVisible())
        self.window.show_screen(self.notice)

    # --- punching with a PIN ---------------------------------------------------------------------------------------

    def punch_with_pin(self) -> None:
        """Tap your name, then type your PIN (when the company allows it)."""
        services = self._punching()

        def shown(employees: list[EmployeeRecord]) -> None:
            ordered = sorted(employees, key=lambda e: (e.last_name.lower(), e.first_name.lower()))
            with_pin = [e for e in ordered if e.pin_hash is not None]
            rows = [(e.id, f"{e.last_name}, {e.first_name}") for e in with_pin]
            # Shown after each name and found by the search: it tells apart two people of the same name.
            numbers = {e.id: e.number for e in with_pin}
            nobody = translate("NamePickScreen", "Nobody has a PIN yet. A supervisor can set one.")
            self.names.show_names(rows, nobody, numbers)
            self.window.show_screen(self.names)

        self.database.submit(lambda: services.roster.employees(active_only=True), shown)

    def _ask_employee_pin(self, employee_id: str) -> None:
        name = self.names.names.get(employee_id, "")
        self.pin_employee = (employee_id, name)
        set_text(self.employee_pin.title, translate("PinScreen", "{name}: your PIN").format(name=name))
        self.employee_pin.reset("")
        self.window.show_screen(self.employee_pin)

    def _check_employee_pin(self, pin: str) -> None:
        services, chosen = self._punching(), self.pin_employee
        if chosen is None:
            return
        self.employee_pin.keypad.set_enabled_keys(False)

        def checked(found: PinIdentification) -> None:
            if found.accepted and found.employee is not None:
                self.identified(Identity(found.employee.id, IdentifiedBy.PIN))
                return
            self.parts.sounds.play(Sound.PROBLEM)
            seconds = math.ceil(found.locked_for.total_seconds())
            problem = locked_sentence(seconds) if seconds > 0 else wrong_pin_sentence(None)
            self.employee_pin.reset("", problem)
            self.employee_pin.keypad.set_enabled_keys(seconds <= 0)
            self.pin_refused.emit(found)

        def failed(error: BaseException) -> None:
            self.employee_pin.reset()
            self.messenger.report(error)

        self.database.submit(lambda: services.roster.identify_by_pin(chosen[0], pin), checked, failed)

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
        self.sync_worker.close()
        self.parts.sounds.close()
        self.translations.close()
