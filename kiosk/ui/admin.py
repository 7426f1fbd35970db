"""Supervisor mode: the PIN (with its lock), the home screen with the missed clock-out banner, incidents, settings.

Every service call runs on the kiosk's database worker; the screens only show answers.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.incidents import NOTE_MAX_LENGTH, IncidentStatus, MissedClockoutIncident, MissedClockoutSettings
from kiosk.domain.sessions import MAX_SESSION
from kiosk.services.device_settings import STRICTNESS, DeviceSettings
from kiosk.services.kiosk_setup import FREE_ATTEMPTS, PinCheck
from kiosk.ui.employee_screens import PinScreen
from kiosk.ui.messages import Level
from kiosk.ui.widgets import ChoiceRow, DateTimePicker, button, label

if TYPE_CHECKING:
    from kiosk.ui.kiosk import Kiosk

log = logging.getLogger(__name__)

IDLE_CHOICES = (15, 30, 60, 120, 300)
STATUS_WORDS = {
    IncidentStatus.PENDING: "waiting for the employee",
    IncidentStatus.EMPLOYEE_CLAIMED: "claimed, waiting for review",
    IncidentStatus.APPROVED: "approved",
    IncidentStatus.REJECTED: "rejected",
}


def banner_text(count: int) -> str:
    """The seed's banner wording."""
    return f"{count} Unresolved Missed Clock-Out{'s' if count != 1 else ''}"


def _when(moment: datetime | None, zone: object) -> str:
    if moment is None:
        return "\u2013"
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M")  # type: ignore[arg-type]


class AdminHome(QWidget):
    """The supervisor's home: banner, the tasks, leave and exit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner_text = label("", "title")
        self.review = button("Review now", "accent")
        self.review.setMaximumWidth(420)
        row = QHBoxLayout(self.banner)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.review)
        self.banner.hide()
        self.title = label("Supervisor", "title")
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        self.tasks: dict[str, QPushButton] = {}
        self.leave = button("Leave supervisor mode", "go")
        self.exit = button("Exit the kiosk", "stop")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.leave, 2)
        bottom.addWidget(self.exit, 1)
        layout.addLayout(bottom)

    def add_task(self, name: str, on_click: Callable[[], None]) -> QPushButton:
        widget = button(name, None, on_click)
        index = len(self.tasks)
        self.grid.addWidget(widget, index // 2, index % 2)
        self.tasks[name] = widget
        return widget

    def show_count(self, count: int) -> None:
        self.banner_text.setText(banner_text(count))
        self.banner.setVisible(count > 0)


class IncidentListScreen(QWidget):
    """Missed clock-outs, unresolved first."""

    opened = Signal(object)  # incident id
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.itemClicked.connect(lambda item: self.opened.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.empty = label("No missed clock-outs.", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(label("Missed clock-outs", "title"))
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(button("Back", "quiet", self.back.emit))

    def show_incidents(self, incidents: list[MissedClockoutIncident], zone: object) -> None:
        self.list.clear()
        ordered = sorted(incidents, key=lambda incident: (not incident.is_unresolved, incident.login_time))
        for incident in ordered:
            text = f"{incident.full_name}  \u00b7  in {_when(incident.login_time, zone)}  \u00b7  "
            text += STATUS_WORDS[incident.status]
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, incident.id)
            self.list.addItem(item)
        self.empty.setVisible(not incidents)


class IncidentDetailScreen(QWidget):
    """One incident: what the employee said, and the supervisor's decision."""

    approve = Signal(object, str)  # incident id, notes
    reject = Signal(object, object, str)  # incident id, clock-out time, notes
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.incident: MissedClockoutIncident | None = None
        self.facts = label("", None)
        self.picker = DateTimePicker()
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes (required to reject)")
        self.notes.setMaximumHeight(140)
        self.approve_button = button("Approve claimed time", "go", self._approve)
        self.reject_button = button("Reject: use the time above", "stop", self._reject)
        self.decision = QWidget()
        decision = QVBoxLayout(self.decision)
        decision.setContentsMargins(0, 0, 0, 0)
        decision.addWidget(label("Clock-out time to use if you reject", "muted"))
        decision.addWidget(self.picker)
        decision.addWidget(self.notes)
        row = QHBoxLayout()
        row.addWidget(self.approve_button)
        row.addWidget(self.reject_button)
        decision.addLayout(row)
        self.facts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        columns = QHBoxLayout()
        columns.setSpacing(32)
        columns.addWidget(self.facts, 2)
        columns.addWidget(self.decision, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 16, 40, 16)
        layout.addWidget(label("Missed clock-out", "title"))
        layout.addLayout(columns, 1)
        layout.addWidget(button("Back to the list", "quiet", self.back.emit))

    def show_incident(self, incident: MissedClockoutIncident, zone: object, now: datetime) -> None:
        self.incident = incident
        reason = incident.employee_reason.label if incident.employee_reason else "\u2013"
        lines = [
            f"Employee: {incident.full_name}",
            f"Clocked in: {_when(incident.login_time, zone)}",
            f"Claimed clock-out: {_when(incident.employee_claimed_logout_time, zone)}",
            f"Reason: {reason}",
            f"Note: {incident.employee_note or 'none'}",
            f"Status: {STATUS_WORDS[incident.status]}",
        ]
        if not incident.is_unresolved:
            lines.append(f"Final clock-out: {_when(incident.final_logout_time, zone)}")
        self.facts.setText("\n".join(lines))
        high = min(now, incident.login_time + MAX_SESSION)
        self.picker.set_range(incident.login_time, high, zone, incident.employee_claimed_logout_time)  # type: ignore[arg-type]
        self.notes.clear()
        self.decision.setVisible(incident.is_unresolved)
        self.approve_button.setEnabled(incident.status is IncidentStatus.EMPLOYEE_CLAIMED)

    def _approve(self) -> None:
        if self.incident is not None:
            self.approve.emit(self.incident.id, self.notes.toPlainText()[:NOTE_MAX_LENGTH])

    def _reject(self) -> None:
        if self.incident is not None:
            self.reject.emit(self.incident.id, self.picker.value, self.notes.toPlainText()[:NOTE_MAX_LENGTH])


@dataclass(frozen=True, slots=True)
class SettingsView:
    device: DeviceSettings
    missed: MissedClockoutSettings


class SettingsScreen(QWidget):
    """Missed clock-out rules, camera strictness and the idle time."""

    save = Signal(dict)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.missed_enabled = QCheckBox("Ask for a claim when someone did not clock out")
        self.block_reports = QCheckBox("Block reports and payroll exports while claims are unresolved")
        self.liveness = ChoiceRow([(value.capitalize(), value) for value in STRICTNESS])
        self.matching = ChoiceRow([(value.capitalize(), value) for value in STRICTNESS])
        self.idle_seconds = ChoiceRow([(f"{seconds} s", seconds) for seconds in IDLE_CHOICES])
        self.form = form = QFormLayout()
        form.addRow(self.missed_enabled)
        form.addRow(self.block_reports)
        form.addRow("Liveness check", self.liveness)
        form.addRow("Face matching", self.matching)
        form.addRow("Back to the idle screen after", self.idle_seconds)
        self.extra = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(label("Settings", "title"))
        layout.addLayout(form)
        layout.addLayout(self.extra)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(button("Save", "go", self._save), 2)
        row.addWidget(button("Back", "quiet", self.back.emit), 1)
        layout.addLayout(row)

    def show_settings(self, view: SettingsView) -> None:
        self.missed_enabled.setChecked(view.missed.missed_clockout_enabled)
        self.block_reports.setChecked(view.missed.block_reports_on_pending)
        self.liveness.set_value(view.device.liveness_strictness)
        self.matching.set_value(view.device.matching_strictness)
        if view.device.idle_timeout_seconds not in IDLE_CHOICES:
            self.idle_seconds = self._replace_idle_row(view.device.idle_timeout_seconds)
        self.idle_seconds.set_value(view.device.idle_timeout_seconds)

    def _replace_idle_row(self, seconds: int) -> ChoiceRow:
        """A stored idle time that is not among the usual choices (set elsewhere) is offered too."""
        row = ChoiceRow([(f"{value} s", value) for value in sorted({*IDLE_CHOICES, seconds})])
        self.form.replaceWidget(self.idle_seconds, row)
        self.idle_seconds.deleteLater()
        return row

    def _save(self) -> None:
        self.save.emit(
            {
                "missed_clockout_enabled": self.missed_enabled.isChecked(),
                "block_reports_on_pending": self.block_reports.isChecked(),
                "liveness_strictness": self.liveness.value,
                "matching_strictness": self.matching.value,
                "idle_timeout_seconds": self.idle_seconds.value,
            }
        )


class AdminMode(QObject):
    """The supervisor's PIN and screens, driven by the kiosk."""

    unlocked = Signal()
    pin_refused = Signal(object)  # the PinCheck

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.kiosk = kiosk
        self.active = False
        self.pin = PinScreen("Supervisor PIN", 12)
        self.home = AdminHome()
        self.incidents = IncidentListScreen()
        self.detail = IncidentDetailScreen()
        self.settings = SettingsScreen()
        for screen in (self.pin, self.home, self.incidents, self.detail, self.settings):
            kiosk.window.add_screen(screen)
        self.pin.entered.connect(self._check_pin)
        self.pin.back.connect(kiosk.go_idle)
        self.home.review.clicked.connect(self.show_incidents)
        self.home.add_task("Missed clock-outs", self.show_incidents)
        self.home.add_task("Settings", self.show_settings)
        self.home.leave.clicked.connect(kiosk.go_idle)
        self.home.exit.clicked.connect(self.exit_kiosk)
        self.incidents.back.connect(self.show_home)
        self.incidents.opened.connect(self.open_incident)
        self.detail.back.connect(self.show_incidents)
        self.detail.approve.connect(self._approve)
        self.detail.reject.connect(self._reject)
        self.settings.back.connect(self.show_home)
        self.settings.save.connect(self._save_settings)
        self._unlock_at = 0.0
        self._lock_timer = QTimer(self.pin)  # dies with the screen it counts down on
        self._lock_timer.setInterval(1000)
        self._lock_timer.timeout.connect(self._tick_lock)
        self._locked_seconds = 0

    @property
    def actor(self) -> str:
        return f"supervisor at {self.kiosk.settings.kiosk_name}"

    # --- PIN --------------------------------------------------------------------------------------------------

    def ask_pin(self) -> None:
        if self._locked_seconds <= 0:
            self.pin.reset("Enter the supervisor PIN")
        self.kiosk.window.show_screen(self.pin)

    def _check_pin(self, pin: str) -> None:
        self.pin.keypad.set_enabled_keys(False)
        self.kiosk.database.submit(lambda: self.kiosk.parts.setup.check_admin_pin(pin), self._pin_checked)

    def _pin_checked(self, check: PinCheck) -> None:
        if check.accepted:
            self.active = True
            self.pin.reset()
            self.unlocked.emit()
            self.show_home()
            return
        self.pin_refused.emit(check)
        if check.locked_for.total_seconds() > 0:
            self._locked_seconds = math.ceil(check.locked_for.total_seconds())
            self._lock_timer.start()
            self._show_lock()
        else:
            left = max(0, FREE_ATTEMPTS - check.failures)
            self.pin.reset(f"Wrong PIN. {left} more tries before the PIN entry locks." if left else "Wrong PIN.")

    def _show_lock(self) -> None:
        self.pin.keypad.set_enabled_keys(False)
        self.pin.hint.setText(f"Too many wrong PINs. Try again in {self._locked_seconds} s.")

    def _tick_lock(self) -> None:
        self._locked_seconds -= 1
        if self._locked_seconds <= 0:
            self._lock_timer.stop()
            self.pin.reset("Enter the supervisor PIN")
        else:
            self._show_lock()

    @property
    def locked(self) -> bool:
        return self._locked_seconds > 0

    # --- screens ----------------------------------------------------------------------------------------------

    def leave(self) -> None:
        if self.active:
            log.info("supervisor mode left")
        self.active = False

    def _require(self) -> bool:
        if not self.active:
            self.ask_pin()
        return self.active

    def show_home(self) -> None:
        if not self._require():
            return
        self.kiosk.window.show_screen(self.home)
        services = self.kiosk.services
        if services is not None:
            self.kiosk.database.submit(services.missed.get_pending_clockout_count, self.home.show_count)

    def show_incidents(self) -> None:
        services = self.kiosk.services
        if not self._require() or services is None:
            return
        zone = self.kiosk.place.zone if self.kiosk.place else None

        def shown(incidents: list[MissedClockoutIncident]) -> None:
            self.incidents.show_incidents(incidents, zone)
            self.kiosk.window.show_screen(self.incidents)

        self.kiosk.database.submit(services.missed.get_missed_clockout_incidents, shown)

    def open_incident(self, incident_id: uuid.UUID) -> None:
        services = self.kiosk.services
        if not self._require() or services is None:
            return
        zone = self.kiosk.place.zone if self.kiosk.place else None

        def shown(found: tuple[MissedClockoutIncident, datetime]) -> None:
            self.detail.show_incident(found[0], zone, found[1])
            self.kiosk.window.show_screen(self.detail)

        self.kiosk.database.submit(
            lambda: (services.missed.get_missed_clockout_incident(incident_id), services.clock.now()), shown
        )

    def _approve(self, incident_id: uuid.UUID, notes: str) -> None:
        self._resolve(incident_id, approve=True, notes=notes, logout_time=None)

    def _reject(self, incident_id: uuid.UUID, logout_time: datetime, notes: str) -> None:
        self._resolve(incident_id, approve=False, notes=notes, logout_time=logout_time)

    def _resolve(self, incident_id: uuid.UUID, *, approve: bool, notes: str, logout_time: datetime | None) -> None:
        services = self.kiosk.services
        if not self._require() or services is None:
            return
        actor = self.actor

        def done(incident: MissedClockoutIncident) -> None:
            self.kiosk.messenger.tell(f"{incident.full_name}: claim {incident.status.value}", Level.SUCCESS)
            self.show_incidents()

        self.kiosk.database.submit(
            lambda: services.missed.resolve_missed_clockout(
                incident_id, approve=approve, resolved_by=actor, notes=notes, logout_time=logout_time
            ),
            done,
        )

    def show_settings(self) -> None:
        services = self.kiosk.services
        if not self._require() or services is None:
            return
        setup = self.kiosk.parts.setup

        def shown(view: SettingsView) -> None:
            self.settings.show_settings(view)
            self.kiosk.window.show_screen(self.settings)

        self.kiosk.database.submit(
            lambda: SettingsView(setup.settings(), services.missed.get_missed_clockout_settings()), shown
        )

    def _save_settings(self, values: dict[str, object]) -> None:
        services = self.kiosk.services
        if not self._require() or services is None:
            return
        setup, actor = self.kiosk.parts.setup, self.actor
        missed_enabled = bool(values.pop("missed_clockout_enabled"))
        block = bool(values.pop("block_reports_on_pending"))

        def save() -> DeviceSettings:
            device = setup.update_settings(actor, **values)
            services.missed.update_missed_clockout_enabled(missed_enabled, changed_by=actor)
            services.missed.update_block_reports_on_pending(block, changed_by=actor)
            return device

        def saved(device: DeviceSettings) -> None:
            self.kiosk.settings = device
            self.kiosk.window.set_idle_seconds(device.idle_timeout_seconds)
            self.kiosk.messenger.tell("Settings saved", Level.SUCCESS)
            self.show_home()

        self.kiosk.database.submit(save, saved)

    def exit_kiosk(self) -> None:
        """Close the kiosk (only from supervisor mode, that is after the PIN)."""
        if not self._require():
            return
        log.info("kiosk closed by the supervisor")
        self.kiosk.window.allow_exit()
        self.kiosk.window.close()
