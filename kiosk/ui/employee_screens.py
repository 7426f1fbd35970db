"""The screens an employee sees: idle with the camera, greeting with actions, confirmation, notices, the claim."""

from __future__ import annotations

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
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.incidents import NOTE_MAX_LENGTH, ClockoutReason
from kiosk.domain.punches import BreakType, PunchKind
from kiosk.domain.sessions import EmployeeState, EmployeeStatus
from kiosk.ui.messages import Level
from kiosk.ui.widgets import CameraView, DateTimePicker, Keypad, MessageLine, button, label

Action = tuple[PunchKind, BreakType | None]

ACTION_LABELS = {
    (PunchKind.CLOCK_IN, None): "Clock in",
    (PunchKind.BREAK_START, BreakType.LUNCH): "Start lunch break",
    (PunchKind.BREAK_START, BreakType.REST): "Start rest break",
    (PunchKind.BREAK_START, BreakType.OTHER): "Start other break",
    (PunchKind.BREAK_END, None): "End break",
    (PunchKind.CLOCK_OUT, None): "Clock out",
}
ACTION_TONES = {
    PunchKind.CLOCK_IN: "go",
    PunchKind.BREAK_START: "pause",
    PunchKind.BREAK_END: "go",
    PunchKind.CLOCK_OUT: "stop",
}
DONE_WORDS = {
    PunchKind.CLOCK_IN: "Clocked in",
    PunchKind.BREAK_START: "Break started",
    PunchKind.BREAK_END: "Break ended",
    PunchKind.CLOCK_OUT: "Clocked out",
}


def action_label(action: Action) -> str:
    return ACTION_LABELS[action]


def local_time(moment: datetime, zone: ZoneInfo, today: datetime | None = None) -> str:
    """`14:05`, or `Mon 3 Nov 14:05` when it is not today in `zone`."""
    local = moment.astimezone(zone)
    reference = (today or datetime.now(zone)).astimezone(zone)
    if local.date() == reference.date():
        return local.strftime("%H:%M")
    return local.strftime("%a %d %b %H:%M").replace(" 0", " ")


def describe_state(state: EmployeeState, zone: ZoneInfo, now: datetime | None = None) -> str:
    """One line about where the employee stands."""
    if state.status is EmployeeStatus.ON_BREAK and state.open_break is not None:
        return f"On a {state.open_break.break_type.value} break since {local_time(state.open_break.start, zone, now)}"
    if state.status is EmployeeStatus.ON_SHIFT and state.session is not None:
        return f"On shift since {local_time(state.session.clock_in, zone, now)}"
    return "Not clocked in"


def wrong_pin_sentence(tries_left: int | None) -> str:
    """What a person sees after a wrong PIN, with the tries left before the entry locks when that is known."""
    if tries_left is None:
        return "Wrong PIN. Try again."
    if tries_left == 0:
        return "Wrong PIN."
    if tries_left == 1:
        return "Wrong PIN. 1 more try before the PIN entry locks."
    return f"Wrong PIN. {tries_left} more tries before the PIN entry locks."


class Header(QFrame):
    """Time, date and site across the top of the employee screens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = ZoneInfo("UTC")
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
        self.site.setText(f"{site}\n{company}")
        self.tick()

    def tick(self) -> None:
        now = datetime.now(self.zone)
        self.time.setText(now.strftime("%H:%M"))
        self.date.setText(now.strftime("%A %d %B %Y"))


class IdleScreen(QWidget):
    """What the kiosk shows between people: the camera, the time, the site, a status line."""

    pin_requested = Signal()
    supervisor_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = Header()
        self.camera = CameraView()
        self.prompt = label("Look at the camera to punch", "title", centre=True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status = label("", "small")
        self.pin_button = button("Punch with PIN", "accent", self.pin_requested.emit)
        self.supervisor_button = button("Supervisor", "quiet", self.supervisor_requested.emit)
        self.supervisor_button.setMaximumWidth(360)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.pin_button)
        bottom.addWidget(self.supervisor_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.addWidget(self.header)
        layout.addWidget(self.camera, 1)
        layout.addWidget(self.prompt)
        layout.addWidget(self.progress)
        layout.addLayout(bottom)

    def show_prompt(self, text: str, progress: int | None = None) -> None:
        """A line under the camera (and a progress bar for the liveness steps)."""
        self.prompt.setText(text)
        if progress is None:
            self.progress.hide()
        else:
            self.progress.setValue(progress)
            self.progress.show()


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
        self.forgot = button("I forgot to clock out", "quiet", self.forgot_requested.emit)
        self.cancel = button("Not me / cancel", "quiet", self.cancelled.emit)
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
        row.addWidget(self.cancel)
        layout.addLayout(row)

    def show_employee(self, name: str, state_line: str, actions: tuple[Action, ...], offer_forgot: bool) -> None:
        for widget in self.action_buttons.values():
            self.action_grid.removeWidget(widget)
            widget.deleteLater()
        self.action_buttons = {}
        self.hello.setText(f"Hello, {name}")
        self.state.setText(state_line)
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
        self.ok = button("Done", "go", self.done.emit)
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

    def show_outcome(self, headline: str, name: str, detail: str, extra: str = "", seconds: int = 5) -> None:
        self.headline.setText(headline)
        self.name.setText(name)
        self.detail.setText(detail)
        self.extra.setText(extra)
        self.extra.setVisible(bool(extra))
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
        self.retry_button = button("Try again", "accent", self.retry.emit)
        self.pin_button = button("Punch with PIN", None, self.pin_requested.emit)
        self.back_button = button("Back", "quiet", self.back.emit)
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
        self, title: str, text: str, *, offer_retry: bool, offer_pin: bool, seconds: int = NOTICE_SECONDS
    ) -> None:
        """Show the notice; `back` is emitted by itself after `seconds`."""
        self.title.setText(title)
        self.text.setText(text)
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
        self.countdown.setText(f"Back to the camera in {self.seconds_left} s")

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        self._tick.stop()
        super().hideEvent(event)


class PinScreen(QWidget):
    """A keypad with a title, for the supervisor PIN and for employees punching with their PIN."""

    entered = Signal(str)
    back = Signal()

    def __init__(self, title: str, max_digits: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(title, "title", centre=True)
        self.hint = label("", "muted", centre=True)
        self.problem = MessageLine()
        self.keypad = Keypad(max_digits)
        self.keypad.entered.connect(self.entered.emit)
        self.back_button = button("Back", "quiet", self.back.emit)
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

    def reset(self, hint: str = "", problem: str = "") -> None:
        """An empty keypad ready for typing, with a line of guidance and, after a refusal, what went wrong."""
        self.keypad.clear()
        self.keypad.set_enabled_keys(True)
        self.hint.setText(hint)
        if problem:
            self.problem.show_message(problem, Level.PROBLEM)
        else:
            self.problem.clear()
        self.keypad.setFocus()


class ClaimScreen(QWidget):
    """Missed clock-out: when did you leave, and why? Submitting records the claim and clocks the employee in."""

    submitted = Signal(object, object, str)  # claimed time (aware), ClockoutReason, note
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("You did not clock out last time", "title")
        self.clock_in = label("", "muted")
        self.picker = DateTimePicker()
        self.reasons = QButtonGroup(self)
        self.reasons.setExclusive(True)
        reason_grid = QGridLayout()
        reason_grid.setSpacing(12)
        self.reason_buttons: dict[ClockoutReason, QPushButton] = {}
        for index, reason in enumerate(ClockoutReason):
            widget = button(reason.label)
            widget.setCheckable(True)
            self.reasons.addButton(widget)
            reason_grid.addWidget(widget, index // 2, index % 2)
            self.reason_buttons[reason] = widget
        self.reasons.buttonToggled.connect(lambda *_: self._update())
        self.note = QLineEdit()
        self.note.setMaxLength(NOTE_MAX_LENGTH)
        self.note.setPlaceholderText("Note (optional)")
        self.submit = button("Submit and clock in", "go", self._submit)
        self.cancel = button("Cancel", "quiet", self.cancelled.emit)
        left = QVBoxLayout()
        left.addWidget(label("When did you stop working?"))
        left.addWidget(self.picker)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(label("Why was there no clock-out?"))
        right.addLayout(reason_grid)
        right.addWidget(self.note)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(32)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 16, 40, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.clock_in)
        layout.addLayout(columns, 1)
        row = QHBoxLayout()
        row.addWidget(self.submit, 2)
        row.addWidget(self.cancel, 1)
        layout.addLayout(row)

    def show_claim(self, name: str, clock_in: datetime, low: datetime, high: datetime, zone: ZoneInfo) -> None:
        """Ask about the session that started at `clock_in`; the picker allows [low, high]."""
        self.title.setText(f"{name}, you did not clock out last time")
        self.clock_in.setText(f"You clocked in on {clock_in.astimezone(zone).strftime('%A %d %B at %H:%M')}.")
        self.picker.set_range(low, high, zone)
        self.reasons.setExclusive(False)
        for widget in self.reason_buttons.values():
            widget.setChecked(False)
        self.reasons.setExclusive(True)
        self.note.clear()
        self._update()

    def choose(self, reason: ClockoutReason) -> None:
        self.reason_buttons[reason].click()

    @property
    def reason(self) -> ClockoutReason | None:
        for reason, widget in self.reason_buttons.items():
            if widget.isChecked():
                return reason
        return None

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


class NamePickScreen(QWidget):
    """Tap your name: the first step of punching with a PIN (and of choosing an employee in supervisor mode)."""

    picked = Signal(str)  # employee id
    back = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(title, "title")
        self.list = QListWidget()
        self.list.itemClicked.connect(lambda item: self.picked.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.empty = label("", "muted")
        self.names: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(button("Back", "quiet", self.back.emit))

    def show_names(self, rows: list[tuple[str, str]], empty_text: str = "Nobody to choose.") -> None:
        """`rows` are (employee id, text shown)."""
        self.list.clear()
        self.names = dict(rows)
        for employee_id, text in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, employee_id)
            self.list.addItem(item)
        self.empty.setText("" if rows else empty_text)
        self.empty.setVisible(not rows)

    def pick(self, employee_id: str) -> None:
        """Tap the row of `employee_id`."""
        for index in range(self.list.count()):
            item = self.list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) == employee_id:
                self.list.itemClicked.emit(item)
                return
        raise LookupError(employee_id)
