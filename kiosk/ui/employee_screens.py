"""The screens an employee sees: idle with the camera, greeting with actions, confirmation, notices, the claim."""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.incidents import NOTE_MAX_LENGTH, ClaimTime, ClaimTimeKind, ClaimTimes, ClockoutReason
from kiosk.domain.punches import BreakType, PunchKind
from kiosk.domain.sessions import EmployeeState, EmployeeStatus
from kiosk.ui.language import (
    Language,
    Shown,
    Text,
    clock,
    day,
    day_and_clock,
    full_date,
    joined,
    list_item,
    set_placeholder,
    set_text,
    translate,
    weekday_and_clock,
)
from kiosk.ui.messages import Level
from kiosk.ui.problems import advice_text
from kiosk.ui.vision_process import Checking
from kiosk.ui.widgets import CameraView, Cue, DateTimePicker, Keypad, MessageLine, OnScreenKeyboard, button, label
from kiosk.vision.liveness import ChallengeStep

Action = tuple[PunchKind, BreakType | None]

ACTION_LABELS = {
    (PunchKind.CLOCK_IN, None): translate("Actions", "Clock in"),
    (PunchKind.BREAK_START, BreakType.LUNCH): translate("Actions", "Start lunch break"),
    (PunchKind.BREAK_START, BreakType.REST): translate("Actions", "Start rest break"),
    (PunchKind.BREAK_START, BreakType.OTHER): translate("Actions", "Start other break"),
    (PunchKind.BREAK_END, None): translate("Actions", "End break"),
    (PunchKind.CLOCK_OUT, None): translate("Actions", "Clock out"),
}
ACTION_TONES = {
    PunchKind.CLOCK_IN: "go",
    PunchKind.BREAK_START: "pause",
    PunchKind.BREAK_END: "go",
    PunchKind.CLOCK_OUT: "stop",
}
DONE_WORDS = {
    PunchKind.CLOCK_IN: translate("Actions", "Clocked in"),
    PunchKind.BREAK_START: translate("Actions", "Break started"),
    PunchKind.BREAK_END: translate("Actions", "Break ended"),
    PunchKind.CLOCK_OUT: translate("Actions", "Clocked out"),
}
BREAK_STARTED_WORDS = {
    BreakType.LUNCH: translate("Actions", "Lunch break started"),
    BreakType.REST: translate("Actions", "Rest break started"),
    BreakType.OTHER: translate("Actions", "Other break started"),
}


def done_words(kind: PunchKind, break_type: BreakType | None) -> Text:
    """What a punch did, in a few words: "Clocked in", "Lunch break started"."""
    if break_type is not None and kind is PunchKind.BREAK_START:
        return BREAK_STARTED_WORDS[break_type]
    return DONE_WORDS[kind]


# The words and the sign for each liveness step, as the idle screen shows them.
STEP_PROMPTS = {
    ChallengeStep.BLINK: translate("IdleScreen", "Blink your eyes"),
    ChallengeStep.TURN_LEFT: translate("IdleScreen", "Turn your head to your left"),
    ChallengeStep.TURN_RIGHT: translate("IdleScreen", "Turn your head to your right"),
    ChallengeStep.SMILE: translate("IdleScreen", "Smile"),
    ChallengeStep.LOOK_UP: translate("IdleScreen", "Look up"),
}
STEP_CUES = {
    ChallengeStep.BLINK: Cue.BLINK,
    ChallengeStep.TURN_LEFT: Cue.TURN_LEFT,
    ChallengeStep.TURN_RIGHT: Cue.TURN_RIGHT,
    ChallengeStep.SMILE: Cue.SMILE,
    ChallengeStep.LOOK_UP: Cue.LOOK_UP,
}


def action_label(action: Action) -> Text:
    return ACTION_LABELS[action]


def local_time(moment: datetime, zone: ZoneInfo, today: datetime | None = None) -> Shown:
    """`14:05`, or `Mon 3 Nov 14:05` when it is not today in `zone` (in the current language's way)."""
    local = moment.astimezone(zone)
    reference = (today or datetime.now(zone)).astimezone(zone)
    if local.date() == reference.date():
        return clock(moment, zone)
    return day_and_clock(moment, zone)


def describe_state(state: EmployeeState, zone: ZoneInfo, now: datetime | None = None) -> Text:
    """One line about where the employee stands."""
    if state.status is EmployeeStatus.ON_BREAK and state.open_break is not None:
        since = local_time(state.open_break.start, zone, now)
        if state.open_break.break_type is BreakType.LUNCH:
            return translate("EmployeeState", "On a lunch break since {time}").format(time=since)
        if state.open_break.break_type is BreakType.REST:
            return translate("EmployeeState", "On a rest break since {time}").format(time=since)
        return translate("EmployeeState", "On a break since {time}").format(time=since)
    if state.status is EmployeeStatus.ON_SHIFT and state.session is not None:
        since = local_time(state.session.clock_in, zone, now)
        return translate("EmployeeState", "On shift since {time}").format(time=since)
    return translate("EmployeeState", "Not clocked in")


def wrong_pin_sentence(tries_left: int | None) -> Text:
    """What a person sees after a wrong PIN, with the tries left before the entry locks when that is known."""
    if tries_left is None:
        return translate("PinScreen", "Wrong PIN. Try again.")
    if tries_left == 0:
        return translate("PinScreen", "Wrong PIN.")
    if tries_left == 1:
        return translate("PinScreen", "Wrong PIN. 1 more try before the PIN entry locks.")
    return translate("PinScreen", "Wrong PIN. {tries} more tries before the PIN entry locks.").format(tries=tries_left)


def locked_sentence(seconds: int) -> Text:
    return translate("PinScreen", "Too many wrong PINs. Try again in {seconds} s.").format(seconds=seconds)


class LanguageButton(QPushButton):
    """One tap to the other language, named in itself ("Filipino", "English") so a person finds their own."""

    chosen = Signal(object)  # the Language

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setProperty("tone", "quiet")
        self.offered: Language = Language.FILIPINO
        self.clicked.connect(lambda: self.chosen.emit(self.offered))
        self.show_language(Language.ENGLISH)

    def show_language(self, current: Language) -> None:
        """Offer the language that is not `current`."""
        self.offered = next(language for language in Language if language is not current)
        self.setText(self.offered.native_name)
        self.setAccessibleName(self.offered.native_name)


class Header(QFrame):
    """Time, date and site across the top of the employee screens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = ZoneInfo("UTC")
        self._site: Shown = ""
        self.time = label("", "huge")
        self.date = label("", "muted", wrap=False)
        self.site = label("", "title")
        self.site.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        left = QVBoxLayout()
        left.addWidget(self.time)
        left.addWidget(self.date)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addStretch(1)
        layout.addWidget(self.site)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(1000)
        self.tick()

    def set_place(self, site: str, company: str, zone: ZoneInfo) -> None:
        self.zone = zone
        set_text(self.site, f"{site}\n{company}")
        self.tick()

    def tick(self) -> None:
        now = datetime.now(self.zone)
        set_text(self.time, clock(now, self.zone))
        set_text(self.date, full_date(now.date()))


class IdleScreen(QWidget):
    """What the kiosk shows between people: the camera, the time, the site, a status line."""

    pin_requested = Signal()
    supervisor_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = Header()
        self.camera = CameraView()
        self.prompt = label(translate("IdleScreen", "Look at the camera to punch"), "title", centre=True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status = label("", "small")
        self.pin_button = button(translate("IdleScreen", "Punch with PIN"), "accent", self.pin_requested.emit)
        self.supervisor_button = button(translate("IdleScreen", "Supervisor"), "quiet", self.supervisor_requested.emit)
        self.supervisor_button.setMaximumWidth(360)
        self.language_button = LanguageButton()
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.language_button)
        bottom.addWidget(self.pin_button)
        bottom.addWidget(self.supervisor_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.addWidget(self.header)
        layout.addWidget(self.camera, 1)
        layout.addWidget(self.prompt)
        layout.addWidget(self.progress)
        layout.addLayout(bottom)

    def show_prompt(self, text: Shown, progress: int | None = None) -> None:
        """A line under the camera (and a progress bar for the liveness steps); no cue over the camera."""
        set_text(self.prompt, text)
        self.camera.set_cue(None)
        self.camera.set_matching(False)
        self.progress.setRange(0, 100)
        if progress is None:
            self.progress.hide()
        else:
            self.progress.setValue(progress)
            self.progress.show()

    def show_checking(self, checking: Checking) -> None:
        """An attempt under way: the step's words, its cue and countdown over the camera, or the face being matched."""
        if checking.matching:
            self.show_prompt(advice_text(checking.prompt) or translate("IdleScreen", "Checking who you are\u2026"), 100)
            self.progress.setRange(0, 0)  # a busy bar: matching has no steps to count
            self.camera.set_matching(True)
            return
        step = checking.step
        self.show_prompt(STEP_PROMPTS[step] if step is not None else advice_text(checking.prompt), checking.percent)
        if step is not None:
            self.camera.set_cue(STEP_CUES[step], checking.seconds_left, checking.step_seconds)


class GreetScreen(QWidget):
    """Hello, name: the actions that fit the employee's state."""

    chosen = Signal(object)  # an Action
    forgot_requested = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hello = label("", "huge")
        self.state = label("", "title")
        self.action_grid = QGridLayout()
        self.action_grid.setSpacing(16)
        self.forgot = button(translate("GreetScreen", "I forgot to clock out"), "quiet", self.forgot_requested.emit)
        self.cancel = button(translate("GreetScreen", "Not me / cancel"), "quiet", self.cancelled.emit)
        self.language_button = LanguageButton()
        self.action_buttons: dict[Action, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(self.hello)
        layout.addWidget(self.state)
        layout.addStretch(1)
        layout.addLayout(self.action_grid)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.forgot)
        row.addWidget(self.language_button)
        row.addWidget(self.cancel)
        layout.addLayout(row)

    def show_employee(self, name: str, state_line: Shown, actions: tuple[Action, ...], offer_forgot: bool) -> None:
        for widget in self.action_buttons.values():
            self.action_grid.removeWidget(widget)
            widget.deleteLater()
        self.action_buttons = {}
        set_text(self.hello, translate("GreetScreen", "Hello, {name}").format(name=name))
        set_text(self.state, state_line)
        columns = 2 if len(actions) > 2 else len(actions)
        for index, action in enumerate(actions):
            widget = button(action_label(action), ACTION_TONES[action[0]])
            widget.setMinimumHeight(int(widget.minimumHeight() * 1.4))
            widget.clicked.connect(lambda _=False, action=action: self.chosen.emit(action))
            self.action_grid.addWidget(widget, index // max(columns, 1), index % max(columns, 1))
            self.action_buttons[action] = widget
        self.forgot.setVisible(offer_forgot)
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        """While a punch is being recorded, no second tap."""
        for widget in self.action_buttons.values():
            widget.setEnabled(not busy)
        self.forgot.setEnabled(not busy)


class ConfirmScreen(QWidget):
    """What was recorded: name, action, time; goes back to idle by itself."""

    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mark = label("\u2714", "huge", centre=True)
        self.headline = label("", "huge", centre=True)
        self.name = label("", "title", centre=True)
        self.detail = label("", "title", centre=True)
        self.extra = label("", "muted", centre=True)
        self.ok = button(translate("ConfirmScreen", "Done"), "go", self.done.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addStretch(1)
        for widget in (self.mark, self.headline, self.name, self.detail, self.extra):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.ok)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.done.emit)

    def show_outcome(self, headline: Shown, name: str, detail: Shown, extra: Shown = "", seconds: int = 5) -> None:
        set_text(self.headline, headline)
        set_text(self.name, name)
        set_text(self.detail, detail)
        set_text(self.extra, extra)
        self.extra.setVisible(bool(str(extra)))
        self._timer.start(seconds * 1000)

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()


NOTICE_SECONDS = 8


class NoticeScreen(QWidget):
    """A plain message with a way forward: try again, punch with a PIN, or go back.

    Nobody has to tap it: after a few seconds (counted down on the screen) it goes back by itself, so the camera looks
    for the next person even when the last one walked away.
    """

    retry = Signal()
    pin_requested = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("", "huge", centre=True)
        self.text = label("", "title", centre=True)
        self.countdown = label("", "muted", centre=True)
        self.retry_button = button(translate("NoticeScreen", "Try again"), "accent", self.retry.emit)
        self.pin_button = button(translate("IdleScreen", "Punch with PIN"), None, self.pin_requested.emit)
        self.back_button = button(translate("NoticeScreen", "Back"), "quiet", self.back.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addStretch(1)
        layout.addWidget(self.countdown)
        row = QHBoxLayout()
        for widget in (self.retry_button, self.pin_button, self.back_button):
            row.addWidget(widget)
        layout.addLayout(row)
        self.seconds_left = 0
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count_down)

    def show_notice(
        self, title: Shown, text: Shown, *, offer_retry: bool, offer_pin: bool, seconds: int = NOTICE_SECONDS
    ) -> None:
        """Show the notice; `back` is emitted by itself after `seconds`."""
        set_text(self.title, title)
        set_text(self.text, text)
        self.retry_button.setVisible(offer_retry)
        self.pin_button.setVisible(offer_pin)
        self.seconds_left = seconds
        self._show_countdown()
        self._tick.start()

    @property
    def counting(self) -> bool:
        """Whether the notice is counting down to going back by itself."""
        return self._tick.isActive()

    def _count_down(self) -> None:
        self.seconds_left -= 1
        if self.seconds_left <= 0:
            self._tick.stop()
            self.back.emit()
            return
        self._show_countdown()

    def _show_countdown(self) -> None:
        set_text(
            self.countdown,
            translate("NoticeScreen", "Back to the camera in {seconds} s").format(seconds=self.seconds_left),
        )

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        self._tick.stop()
        super().hideEvent(event)


class PinScreen(QWidget):
    """A keypad with a title, for the supervisor PIN and for employees punching with their PIN."""

    entered = Signal(str)
    back = Signal()

    def __init__(self, title: Shown, max_digits: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(title, "title", centre=True)
        self.hint = label("", "muted", centre=True)
        self.problem = MessageLine()
        self.keypad = Keypad(max_digits)
        self.keypad.entered.connect(self.entered.emit)
        self.back_button = button(translate("NoticeScreen", "Back"), "quiet", self.back.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.problem)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(self.keypad, 2)
        middle.addStretch(1)
        layout.addLayout(middle, 1)
        layout.addWidget(self.back_button)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.keypad.setFocus()  # so a physical keyboard types into the keypad at once

    def reset(self, hint: Shown = "", problem: Shown = "") -> None:
        """An empty keypad ready for typing, with a line of guidance and, after a refusal, what went wrong."""
        self.keypad.clear()
        self.keypad.set_enabled_keys(True)
        set_text(self.hint, hint)
        if str(problem):
            self.problem.show_message(problem, Level.PROBLEM)
        else:
            self.problem.clear()
        self.keypad.setFocus()


NOTE_PREVIEW = 32  # characters of the note shown on its button


class ClaimCause(enum.Enum):
    """Why the claim screen is up: the kiosk found the open session, or the employee said they forgot."""

    MISSED = "missed"  # a clock-in over an open session, or a session open past the limit
    FORGOT = "forgot"  # the employee tapped "I forgot to clock out"


# The kiosk's words for the seed's reasons. The stored reason stays the seed's; "Closed tab by accident" is a web
# page's wording, and at a kiosk the same mishap is leaving before the clock-out went through.
REASON_LABELS = {
    ClockoutReason.FORGOT: translate("ClaimScreen", "Forgot"),
    ClockoutReason.CLOSED_TAB_BY_ACCIDENT: translate("ClaimScreen", "Left the screen too soon"),
    ClockoutReason.SYSTEM_ISSUE: translate("ClaimScreen", "System issue"),
    ClockoutReason.EMERGENCY: translate("ClaimScreen", "Emergency"),
    ClockoutReason.INTERNET_LOST: translate("ClaimScreen", "Internet lost"),
    ClockoutReason.DEVICE_DIED: translate("ClaimScreen", "Device died"),
}


def reason_label(reason: ClockoutReason) -> Text:
    """How the kiosk names a missed clock-out reason."""
    return REASON_LABELS[reason]


def _day_of(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """Which day `moment` is, seen from `now`: today, yesterday or earlier."""
    days = (now.astimezone(zone).date() - moment.astimezone(zone).date()).days
    return "today" if days <= 0 else "yesterday" if days == 1 else "earlier"


def claim_title(cause: ClaimCause, name: str, clock_in: datetime, zone: ZoneInfo, now: datetime) -> Text:
    """The claim screen's headline, worded for what happened (whole sentences, one per case)."""
    if cause is ClaimCause.FORGOT:
        return translate("ClaimScreen", "{name}, when did you stop working?").format(name=name)
    time_text, date_text = clock(clock_in, zone), day(clock_in, zone, long=True)
    which = _day_of(clock_in, zone, now)
    if which == "today":
        text = translate("ClaimScreen", "{name}, you did not clock out after you started today at {time}")
    elif which == "yesterday":
        text = translate("ClaimScreen", "{name}, you did not clock out after you started yesterday at {time}")
    else:
        text = translate("ClaimScreen", "{name}, you did not clock out after you started on {date} at {time}")
    return text.format(name=name, time=time_text, date=date_text)


def claim_detail(cause: ClaimCause, clock_in: datetime, zone: ZoneInfo, now: datetime) -> Text:
    """The line under the claim screen's headline."""
    if cause is ClaimCause.MISSED:
        return translate(
            "ClaimScreen", "Say when you stopped working and why there was no clock-out. Your supervisor checks it."
        )
    time_text, date_text = clock(clock_in, zone), day(clock_in, zone, long=True)
    which = _day_of(clock_in, zone, now)
    if which == "today":
        text = translate("ClaimScreen", "You clocked in today at {time} and have not clocked out since.")
    elif which == "yesterday":
        text = translate("ClaimScreen", "You clocked in yesterday at {time} and have not clocked out since.")
    else:
        text = translate("ClaimScreen", "You clocked in on {date} at {time} and have not clocked out since.")
    return text.format(time=time_text, date=date_text)


def claim_choice_label(choice: ClaimTime, zone: ZoneInfo, now: datetime, hours: str) -> Text:
    """A quick choice's button text: what the time is and the time itself."""
    local = choice.at.astimezone(zone)
    when: Shown = clock(choice.at, zone)
    if local.date() != now.astimezone(zone).date():
        when = weekday_and_clock(choice.at, zone)
    if choice.kind is ClaimTimeKind.REGULAR_DAY_END:
        return translate("ClaimScreen", "{time}\nend of the day").format(time=when)
    if choice.kind is ClaimTimeKind.REGULAR_HOURS:
        return translate("ClaimScreen", "{time}\n{hours} h after clock-in").format(time=when, hours=hours)
    return translate("ClaimScreen", "{time}\nnow").format(time=when)


class ClaimScreen(QWidget):
    """Missed clock-out: when did you leave, and why? Submitting records the claim and clocks the employee in.

    The time starts at the likely one (the end of the department's regular day, never after now), with quick choices
    beside the step buttons. The optional note opens a page with an on-screen keyboard.
    """

    submitted = Signal(object, object, str)  # claimed time (aware), ClockoutReason, note
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("", "title")
        self.clock_in = label("", "muted")
        self.picker = DateTimePicker()
        self.picker.changed.connect(self._mark_choice)
        self.choice_row = QHBoxLayout()
        self.choice_buttons: list[tuple[QPushButton, ClaimTime]] = []
        self.reasons = QButtonGroup(self)
        self.reasons.setExclusive(True)
        reason_grid = QGridLayout()
        reason_grid.setSpacing(12)
        self.reason_buttons: dict[ClockoutReason, QPushButton] = {}
        for index, reason in enumerate(ClockoutReason):
            widget = button(reason_label(reason))
            widget.setCheckable(True)
            self.reasons.addButton(widget)
            reason_grid.addWidget(widget, index // 2, index % 2)
            self.reason_buttons[reason] = widget
        self.reasons.buttonToggled.connect(lambda *_: self._update())
        self.note = QLineEdit()
        self.note.setMaxLength(NOTE_MAX_LENGTH)
        set_placeholder(self.note, translate("ClaimScreen", "Note (optional)"))
        self.note_button = button("", None, self.edit_note)
        self.keyboard = OnScreenKeyboard(sentence_case=True)
        self.keyboard.attach(self.note)
        self.note_done = button(translate("ConfirmScreen", "Done"), "go", self.close_note)
        self.submit = button(translate("ClaimScreen", "Submit and clock in"), "go", self._submit)
        self.cancel = button(translate("ClaimScreen", "Cancel"), "quiet", self.cancelled.emit)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._questions_page(reason_grid))
        self.pages.addWidget(self._note_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 16, 40, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.clock_in)
        layout.addWidget(self.pages, 1)
        row = QHBoxLayout()
        row.addWidget(self.submit, 2)
        row.addWidget(self.cancel, 1)
        layout.addLayout(row)
        self._show_note()

    def _questions_page(self, reason_grid: QGridLayout) -> QWidget:
        """When (quick choices and the picker) beside why (the reasons and the note)."""
        left = QVBoxLayout()
        left.addWidget(label(translate("ClaimScreen", "When did you stop working?")))
        left.addLayout(self.choice_row)
        left.addWidget(self.picker)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(label(translate("ClaimScreen", "Why was there no clock-out?")))
        right.addLayout(reason_grid)
        right.addWidget(self.note_button)
        right.addStretch(1)
        questions = QWidget()
        columns = QHBoxLayout(questions)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(32)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        return questions

    def _note_page(self) -> QWidget:
        note_page = QWidget()
        note_layout = QVBoxLayout(note_page)
        note_layout.setContentsMargins(0, 0, 0, 0)
        note_layout.addWidget(label(translate("ClaimScreen", "A note for your supervisor (optional)")))
        field = QHBoxLayout()
        field.addWidget(self.note, 4)
        field.addWidget(self.note_done, 1)
        note_layout.addLayout(field)
        note_layout.addWidget(self.keyboard)
        note_layout.addStretch(1)
        return note_page

    def show_claim(self, name: str, cause: ClaimCause, times: ClaimTimes, *, zone: ZoneInfo, now: datetime) -> None:
        """Ask about the session that started at `times.earliest`; the picker allows the bounds of `times`."""
        hours = f"{times.regular_hours.normalize():f}"
        set_text(self.title, claim_title(cause, name, times.earliest, zone, now))
        set_text(self.clock_in, claim_detail(cause, times.earliest, zone, now))
        for widget, _ in self.choice_buttons:
            self.choice_row.removeWidget(widget)
            widget.deleteLater()
        self.choice_buttons = []
        for choice in times.choices:
            widget = button(claim_choice_label(choice, zone, now, hours))
            widget.setCheckable(True)
            widget.clicked.connect(lambda _=False, at=choice.at: self.picker.set_value(at))
            self.choice_row.addWidget(widget, 1)
            self.choice_buttons.append((widget, choice))
        self.picker.set_range(times.earliest, times.latest, zone, times.likely)
        self.reasons.setExclusive(False)
        for widget in self.reason_buttons.values():
            widget.setChecked(False)
        self.reasons.setExclusive(True)
        self.note.clear()
        self.close_note()
        self._update()

    def choose(self, reason: ClockoutReason) -> None:
        self.reason_buttons[reason].click()

    def choose_time(self, kind: ClaimTimeKind) -> None:
        """Tap the quick choice of `kind`."""
        for widget, choice in self.choice_buttons:
            if choice.kind is kind:
                widget.click()
                return
        raise LookupError(kind)

    @property
    def reason(self) -> ClockoutReason | None:
        for reason, widget in self.reason_buttons.items():
            if widget.isChecked():
                return reason
        return None

    def edit_note(self) -> None:
        """Open the note page: the field and the on-screen keyboard (a physical keyboard types there too)."""
        self.pages.setCurrentIndex(1)
        self.note.setFocus()

    def close_note(self) -> None:
        self.pages.setCurrentIndex(0)
        self._show_note()

    @property
    def editing_note(self) -> bool:
        return self.pages.currentIndex() == 1

    def _show_note(self) -> None:
        text = self.note.text().strip()
        shown = text if len(text) <= NOTE_PREVIEW else text[: NOTE_PREVIEW - 1].rstrip() + "\u2026"
        set_text(
            self.note_button,
            translate("ClaimScreen", "Note: {note}").format(note=shown)
            if text
            else translate("ClaimScreen", "Add a note (optional)"),
        )

    def _mark_choice(self) -> None:
        for widget, choice in self.choice_buttons:
            widget.setChecked(choice.at == self.picker.value)

    def _update(self) -> None:
        self.submit.setEnabled(self.reason is not None)

    def set_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy and self.reason is not None)

    def _submit(self) -> None:
        reason = self.reason
        if reason is None:
            return
        self.set_busy(True)
        self.submitted.emit(self.picker.value, reason, self.note.text())


def folded(text: str) -> str:
    """`text` for matching what someone types: no case, no accents (Peña is found by "pena")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def matches(query: str, employee_id: str, name: str) -> bool:
    """Whether a search for `query` finds this employee: each word starts a word of the name, or the query is part of
    the employee's number."""
    words = folded(query).replace(",", " ").split()
    if not words:
        return True
    name_words = folded(name).replace(",", " ").replace("-", " ").split()
    by_name = all(any(part.startswith(word) for part in name_words) for word in words)
    by_number = "".join(words) in folded(employee_id)
    return by_name or by_number


class NamePickScreen(QWidget):
    """Tap your name: the first step of punching with a PIN (and of choosing an employee in supervisor mode).

    A search field above the list finds a name or an employee number as it is typed, on the on-screen keyboard beside
    the list or on a physical one.
    """

    picked = Signal(str)  # employee id
    back = Signal()

    def __init__(self, title: Shown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(title, "title")
        self.search = QLineEdit()
        set_placeholder(self.search, translate("NamePickScreen", "Search by name or number"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.attach(self.search)
        self.list = QListWidget()
        self.list.itemClicked.connect(lambda item: self.picked.emit(item.data(Qt.ItemDataRole.UserRole)))
        # A long row is cut with an ellipsis rather than scrolled sideways, which a finger cannot do well.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.empty = label("", "muted")
        self.names: dict[str, str] = {}
        self.numbers: dict[str, str] = {}
        self._empty_text: Shown = ""
        self.action_row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.empty)
        left.addWidget(self.list, 1)
        left.addLayout(self.action_row)
        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 1)
        columns.addWidget(self.keyboard, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addLayout(columns, 1)
        layout.addWidget(button(translate("NoticeScreen", "Back"), "quiet", self.back.emit))

    def add_action(self, text: Shown, tone: str | None, on_click: Callable[[], None]) -> QPushButton:
        """A button under the list (such as "Add employee" in supervisor mode)."""
        action = button(text, tone, on_click)
        self.action_row.addWidget(action)
        return action

    def show_names(
        self,
        rows: Sequence[tuple[str, Shown]],
        empty_text: Shown = "",
        numbers: dict[str, str] | None = None,
        details: dict[str, Shown] | None = None,
    ) -> None:
        """`rows` are (employee id, name shown); `numbers` the employee numbers by id, shown after the name and found
        by the search (the id itself when there are none, as for departments); `details` by id are shown after the
        number, where a row too long for the list is cut rather than the number. The search starts empty."""
        self.list.clear()
        self.names = {employee_id: str(text) for employee_id, text in rows}
        self.numbers = dict(numbers or {})
        self._empty_text = empty_text or translate("NamePickScreen", "Nobody to choose.")
        for employee_id, text in rows:
            parts: list[Shown] = [text, self.numbers.get(employee_id, employee_id)]
            if details is not None and employee_id in details:
                parts.append(details[employee_id])
            item = list_item(joined(parts, "  \u00b7  "))
            item.setData(Qt.ItemDataRole.UserRole, employee_id)
            self.list.addItem(item)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._filter("")
        self.search.setFocus()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.search.setFocus()  # a physical keyboard types into the search at once

    @property
    def shown_ids(self) -> list[str]:
        """The employee ids the list shows now, in order."""
        return [
            self.list.item(index).data(Qt.ItemDataRole.UserRole)
            for index in range(self.list.count())
            if not self.list.item(index).isHidden()
        ]

    def _filter(self, query: str) -> None:
        for index in range(self.list.count()):
            item = self.list.item(index)
            employee_id = item.data(Qt.ItemDataRole.UserRole)
            number = self.numbers.get(employee_id, employee_id)
            item.setHidden(not matches(query, number, self.names.get(employee_id, "")))
        empty: Shown = ""
        if not self.names:
            empty = self._empty_text
        elif not self.shown_ids:
            empty = translate("NamePickScreen", "No name or number matches \u201c{query}\u201d.").format(
                query=query.strip()
            )
        set_text(self.empty, empty)
        self.empty.setVisible(bool(str(empty)))
        self.search.setVisible(bool(self.names))
        self.keyboard.setVisible(bool(self.names))

    def pick(self, employee_id: str) -> None:
        """Tap the row of `employee_id`."""
        for index in range(self.list.count()):
            item = self.list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) == employee_id:
                self.list.itemClicked.emit(item)
                return
        raise LookupError(employee_id)
