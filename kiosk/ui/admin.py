"""Supervisor mode: the PIN (with its lock), the home screen with the missed clock-out banner, incidents, settings.

Every service call runs on the kiosk's database worker; the screens only show answers.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import NOTE_MAX_LENGTH, IncidentStatus, MissedClockoutIncident
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.sessions import MAX_SESSION
from kiosk.domain.timesheet import Period
from kiosk.services.company_settings import CompanySettingsView
from kiosk.services.enrolment import CAMERA_PLAN, BiometricEnrolment, EnrolmentResult
from kiosk.services.kiosk_setup import FREE_ATTEMPTS, PinCheck
from kiosk.services.supervision import EmployeeOverview, Presence, PunchLine
from kiosk.services.timeclock import Place
from kiosk.services.timesheet_export import ExportedFiles, ExportTarget, export_targets, export_timesheets
from kiosk.store.device_settings import STRICTNESS, DeviceSettings
from kiosk.store.repository import EmployeeRecord
from kiosk.store.roster import DepartmentRecord
from kiosk.store.secrets import StoreDescription, StoreKind
from kiosk.ui.admin_views import (
    BACK,
    DOT,
    SAVE,
    DepartmentScreen,
    EmployeeFormScreen,
    EmployeeScreen,
    ExportScreen,
    ListScreen,
    department_line,
    employee_facts,
    export_target_text,
    presence_lines,
    punch_lines,
)
from kiosk.ui.employee_screens import NamePickScreen, PinScreen, locked_sentence, reason_label, wrong_pin_sentence
from kiosk.ui.enrol_screens import CaptureScreen, ConsentScreen
from kiosk.ui.language import (
    Language,
    Shown,
    Text,
    day_and_clock,
    joined,
    list_item,
    set_placeholder,
    set_text,
    translate,
)
from kiosk.ui.messages import Level, Messenger, explain
from kiosk.ui.parts import PunchServices, UiParts
from kiosk.ui.pipeline import CaptureStep
from kiosk.ui.tasks import Worker
from kiosk.ui.widgets import ChoiceRow, DateTimePicker, button, label, restyle
from kiosk.ui.window import KioskWindow
from sync.scheduler import SyncStatus

log = logging.getLogger(__name__)

ENTER_PIN = translate("AdminMode", "Enter the supervisor PIN")

IDLE_CHOICES = (15, 30, 60, 120, 300)
MANAGED_BY_HEAD_OFFICE = translate(
    "EmployeeScreen", "Name, number, department and daily rate are managed by head office."
)
HEAD_OFFICE_ROSTER = translate(
    "AdminMode", "No employees yet: head office adds them, and they arrive with the next sync."
)
FIRST_EMPLOYEE_INTRO = translate(
    "EmployeeFormScreen",
    "The kiosk is ready. Add the first employee now; next you will enrol their face so they can punch in.",
)
STATUS_WORDS = {
    IncidentStatus.PENDING: translate("Incidents", "waiting for the employee"),
    IncidentStatus.EMPLOYEE_CLAIMED: translate("Incidents", "claimed, waiting for review"),
    IncidentStatus.APPROVED: translate("Incidents", "approved"),
    IncidentStatus.REJECTED: translate("Incidents", "rejected"),
}
STRICTNESS_WORDS = {
    "relaxed": translate("SettingsScreen", "Relaxed"),
    "normal": translate("SettingsScreen", "Normal"),
    "strict": translate("SettingsScreen", "Strict"),
}
SECRETS_WORDS = {
    StoreKind.KEYRING: translate("SettingsScreen", "Secrets are kept in the operating system's keyring."),
    StoreKind.SYSTEMD: translate(
        "SettingsScreen", "Secrets are kept encrypted under a key sealed by systemd to this PC."
    ),
}
SECRETS_FILE_ONLY = translate(
    "SettingsScreen",
    "Secrets are protected by file permissions only (no keyring, no sealed key on this PC). "
    "Ask IT to seal them (main.py secrets seal).",
)
SYNC_ERROR_KINDS = {
    "network": translate("SettingsScreen", "network"),
    "auth": translate("SettingsScreen", "login refused"),
    "conflict": translate("SettingsScreen", "conflict"),
    "other": translate("SettingsScreen", "other"),
}


def banner_text(count: int) -> Text:
    """The seed's banner wording."""
    if count == 1:
        return translate("AdminHome", "1 Unresolved Missed Clock-Out")
    return translate("AdminHome", "{count} Unresolved Missed Clock-Outs").format(count=count)


def _when(moment: datetime | None, zone: object) -> Shown:
    if moment is None:
        return "\u2013"
    return day_and_clock(moment, zone, year=True)  # type: ignore[arg-type]


class AdminHome(QWidget):
    """The supervisor's home: banner, the tasks, leave and exit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner_text = label("", "title")
        self.review = button(translate("AdminHome", "Review now"), "accent")
        self.review.setMaximumWidth(420)
        row = QHBoxLayout(self.banner)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.review)
        self.banner.hide()
        self.title = label(translate("IdleScreen", "Supervisor"), "title")
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        self.tasks: dict[str, QPushButton] = {}
        self.leave = button(translate("AdminHome", "Leave supervisor mode"), "go")
        self.exit = button(translate("AdminHome", "Exit the kiosk"), "stop")
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

    def add_task(self, name: Text, on_click: Callable[[], None]) -> QPushButton:
        """A task button, found in `tasks` by its English name."""
        widget = button(name, None, on_click)
        index = len(self.tasks)
        self.grid.addWidget(widget, index // 2, index % 2)
        self.tasks[name.source] = widget
        return widget

    def show_count(self, count: int) -> None:
        set_text(self.banner_text, banner_text(count))
        self.banner.setVisible(count > 0)


class ExitScreen(QWidget):
    """Asks before the kiosk closes: once closed, nobody can punch here until someone starts it again.

    The confirming button is not where "Exit the kiosk" was on the home screen, so a double tap lands on "Cancel".
    """

    confirmed = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confirm = button(translate("AdminHome", "Exit the kiosk"), "stop", self.confirmed.emit)
        self.cancel = button(translate("ClaimScreen", "Cancel"), "quiet", self.cancelled.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(label(translate("ExitScreen", "Exit the kiosk?"), "title"))
        layout.addWidget(
            label(
                translate(
                    "ExitScreen",
                    "Nobody can punch at this kiosk until it is started again. Punches already made are kept.",
                )
            )
        )
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.confirm, 2)
        row.addWidget(self.cancel, 1)
        layout.addLayout(row)


class IncidentListScreen(QWidget):
    """Missed clock-outs, unresolved first."""

    opened = Signal(object)  # incident id
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.itemClicked.connect(lambda item: self.opened.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.empty = label(translate("Incidents", "No missed clock-outs."), "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(label(translate("AdminHome", "Missed clock-outs"), "title"))
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(button(BACK, "quiet", self.back.emit))

    def show_incidents(self, incidents: list[MissedClockoutIncident], zone: object) -> None:
        self.list.clear()
        ordered = sorted(incidents, key=lambda incident: (not incident.is_unresolved, incident.login_time))
        for incident in ordered:
            clocked_in = translate("Incidents", "in {time}").format(time=_when(incident.login_time, zone))
            item = list_item(joined([incident.full_name, clocked_in, STATUS_WORDS[incident.status]], "  \u00b7  "))
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
        set_placeholder(self.notes, translate("Incidents", "Notes (required to reject)"))
        self.notes.setMaximumHeight(140)
        self.approve_button = button(translate("Incidents", "Approve claimed time"), "go", self._approve)
        self.reject_button = button(translate("Incidents", "Reject: use the time above"), "stop", self._reject)
        self.decision = QWidget()
        decision = QVBoxLayout(self.decision)
        decision.setContentsMargins(0, 0, 0, 0)
        decision.addWidget(label(translate("Incidents", "Clock-out time to use if you reject"), "muted"))
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
        layout.addWidget(label(translate("Incidents", "Missed clock-out"), "title"))
        layout.addLayout(columns, 1)
        layout.addWidget(button(translate("Incidents", "Back to the list"), "quiet", self.back.emit))

    def show_incident(self, incident: MissedClockoutIncident, zone: object, now: datetime) -> None:
        self.incident = incident
        reason: Shown = reason_label(incident.employee_reason) if incident.employee_reason else "\u2013"
        note: Shown = incident.employee_note or translate("Incidents", "none")
        lines: list[Shown] = [
            translate("Incidents", "Employee: {name}").format(name=incident.full_name),
            translate("Incidents", "Clocked in: {time}").format(time=_when(incident.login_time, zone)),
            translate("Incidents", "Claimed clock-out: {time}").format(
                time=_when(incident.employee_claimed_logout_time, zone)
            ),
            translate("Incidents", "Reason: {reason}").format(reason=reason),
            translate("Incidents", "Note: {note}").format(note=note),
            translate("Incidents", "Status: {status}").format(status=STATUS_WORDS[incident.status]),
        ]
        if not incident.is_unresolved:
            lines.append(
                translate("Incidents", "Final clock-out: {time}").format(time=_when(incident.final_logout_time, zone))
            )
        set_text(self.facts, joined(lines, "\n"))
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
    company: CompanySettingsView


def sync_text(status: SyncStatus | None, zone: tzinfo | None) -> Shown:
    """Sync status in words for the supervisor (the server's own words for a problem stay as they came)."""
    if status is None:
        return translate("SettingsScreen", "Not connected to a central database: punches are kept on this kiosk only.")
    when: Shown = (
        day_and_clock(status.last_success, zone) if status.last_success else translate("SettingsScreen", "never")
    )
    lines: list[Shown] = [
        translate("SettingsScreen", "Waiting to sync: {count}").format(count=status.pending),
        translate("SettingsScreen", "Last successful sync: {time}").format(time=when),
    ]
    if status.running:
        lines.append(translate("SettingsScreen", "Syncing now\u2026"))
    if status.last_error:
        if status.last_error_kind:
            kind = SYNC_ERROR_KINDS.get(status.last_error_kind.value, status.last_error_kind.value)
            lines.append(
                translate("SettingsScreen", "Last problem ({kind}): {problem}").format(
                    kind=kind, problem=status.last_error
                )
            )
        else:
            lines.append(translate("SettingsScreen", "Last problem: {problem}").format(problem=status.last_error))
    if status.stopped:
        lines.append(translate("SettingsScreen", "Sync is stopped until the kiosk is provisioned again."))
    return joined(lines, "\n")


def _seconds(seconds: int) -> Text:
    return translate("SettingsScreen", "{seconds} s").format(seconds=seconds)


class SettingsScreen(QWidget):
    """Missed clock-out rules, camera strictness and the idle time."""

    save = Signal(dict)
    sync_now = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.missed_enabled = QCheckBox()
        set_text(self.missed_enabled, translate("SettingsScreen", "Ask for a claim when someone did not clock out"))
        self.block_reports = QCheckBox()
        set_text(
            self.block_reports,
            translate("SettingsScreen", "Block reports and payroll exports while claims are unresolved"),
        )
        self.pin_punching = QCheckBox()
        set_text(self.pin_punching, translate("SettingsScreen", "Employees may punch with a PIN"))
        self.sync_status = label("", "small")
        self.sync_button = button(translate("SettingsScreen", "Sync now"), "accent", self.sync_now.emit)
        self.secrets_note = label("", "small")
        self.liveness = ChoiceRow([(STRICTNESS_WORDS[value], value) for value in STRICTNESS])
        self.matching = ChoiceRow([(STRICTNESS_WORDS[value], value) for value in STRICTNESS])
        self.idle_seconds = ChoiceRow([(_seconds(seconds), seconds) for seconds in IDLE_CHOICES])
        # Each language named in itself, so a supervisor who reads only one of them finds it.
        self.language = ChoiceRow([(language.native_name, language.value) for language in Language])
        self.form = form = QFormLayout()
        form.addRow(self.missed_enabled)
        form.addRow(self.block_reports)
        form.addRow(self.pin_punching)
        form.addRow(label(translate("SettingsScreen", "Liveness check")), self.liveness)
        form.addRow(label(translate("SettingsScreen", "Face matching")), self.matching)
        form.addRow(label(translate("SettingsScreen", "Back to the idle screen after")), self.idle_seconds)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        # The language shares the title's line: the screen has no height to spare at 1280x800.
        header = QHBoxLayout()
        header.addWidget(label(translate("SettingsScreen", "Settings"), "title"), 1)
        header.addWidget(label(translate("SettingsScreen", "Kiosk language"), wrap=False))
        header.addWidget(self.language)
        layout.addLayout(header)
        layout.addLayout(form)
        sync = QHBoxLayout()
        sync.addWidget(self.sync_status, 3)
        sync.addWidget(self.sync_button, 1)
        layout.addLayout(sync)
        layout.addWidget(self.secrets_note)
        layout.addStretch(1)
        self.save_button = button(SAVE, "go", self._save)
        self.back_button = button(BACK, "quiet", self.back.emit)
        row = QHBoxLayout()
        row.addWidget(self.save_button, 2)
        row.addWidget(self.back_button, 1)
        layout.addLayout(row)

    def show_settings(self, view: SettingsView) -> None:
        self.missed_enabled.setChecked(view.company.missed_clockout_enabled)
        self.block_reports.setChecked(view.company.block_reports_on_pending)
        self.pin_punching.setChecked(view.company.pin_punching_allowed)
        self.liveness.set_value(view.device.liveness_strictness)
        self.matching.set_value(view.device.matching_strictness)
        if view.device.idle_timeout_seconds not in IDLE_CHOICES:
            self.idle_seconds = self._replace_idle_row(view.device.idle_timeout_seconds)
        self.idle_seconds.set_value(view.device.idle_timeout_seconds)
        self.language.set_value(Language.from_code(view.device.language).value)

    def show_sync(self, status: SyncStatus | None, zone: tzinfo | None = None) -> None:
        set_text(self.sync_status, sync_text(status, zone))
        self.sync_button.setVisible(status is not None)
        self.sync_button.setEnabled(status is not None and not status.running)

    def show_secrets(self, secrets: StoreDescription | None) -> None:
        """Where the kiosk's secrets are kept; the last resort, protected by file permissions only, stands out."""
        words: Shown = ""
        if secrets is not None:
            words = SECRETS_WORDS.get(secrets.kind, SECRETS_FILE_ONLY)
        set_text(self.secrets_note, words)
        self.secrets_note.setVisible(secrets is not None)
        caution = secrets is not None and secrets.file_permissions_only
        self.secrets_note.setProperty("role", "caution" if caution else "small")
        restyle(self.secrets_note)

    def _replace_idle_row(self, seconds: int) -> ChoiceRow:
        """A stored idle time that is not among the usual choices (set elsewhere) is offered too."""
        row = ChoiceRow([(_seconds(value), value) for value in sorted({*IDLE_CHOICES, seconds})])
        self.form.replaceWidget(self.idle_seconds, row)
        self.idle_seconds.deleteLater()
        return row

    def _save(self) -> None:
        self.save.emit(
            {
                "missed_clockout_enabled": self.missed_enabled.isChecked(),
                "block_reports_on_pending": self.block_reports.isChecked(),
                "pin_punching_allowed": self.pin_punching.isChecked(),
                "liveness_strictness": self.liveness.value,
                "matching_strictness": self.matching.value,
                "idle_timeout_seconds": self.idle_seconds.value,
                "language": self.language.value,
            }
        )


class AdminHost(Protocol):
    """What supervisor mode uses of the kiosk that hosts it (`kiosk.ui.kiosk.Kiosk`): its parts and services, its
    window and workers, and the way back to the idle screen."""

    parts: UiParts
    settings: DeviceSettings
    services: PunchServices | None
    place: Place | None
    window: KioskWindow
    messenger: Messenger
    database: Worker
    sync_worker: Worker

    def go_idle(self) -> None: ...

    def refresh_place(self) -> None: ...

    def apply_settings(self, settings: DeviceSettings) -> None: ...

    def use_language(self, language: Language) -> None: ...


class AdminMode(QObject):
    """The supervisor's PIN and screens, driven by the kiosk."""

    unlocked = Signal()
    pin_refused = Signal(object)  # the PinCheck
    enrolment_progress = Signal(object)  # CaptureStep shown
    enrolled = Signal(object)  # EnrolmentResult

    def __init__(self, kiosk: AdminHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kiosk = kiosk
        self.active = False
        self.pin = PinScreen(translate("AdminMode", "Supervisor PIN"), 12)
        self.home = AdminHome()
        self.incidents = IncidentListScreen()
        self.detail = IncidentDetailScreen()
        self.settings = SettingsScreen()
        self.on_site = ListScreen(translate("AdminMode", "Who is on site now"))
        self.today = ListScreen(translate("AdminMode", "Today's punches"))
        self.employees = NamePickScreen(translate("AdminMode", "Employees"))
        self.employee = EmployeeScreen()
        self.employee_form = EmployeeFormScreen()
        self.add_employee_button = self.employees.add_action(
            translate("AdminMode", "Add employee"), "accent", self.show_new_employee
        )
        self.new_pin = PinScreen(translate("AdminMode", "New PIN"), 8)
        self.export = ExportScreen()
        self.departments = NamePickScreen(translate("AdminMode", "Departments and their rules"))
        self.department = DepartmentScreen()
        self.consent = ConsentScreen()
        self.capture = CaptureScreen()
        self.exit_confirmation = ExitScreen()
        screens = (self.pin, self.home, self.incidents, self.detail, self.settings, self.on_site, self.today)
        more = (self.employees, self.employee, self.new_pin, self.export, self.consent, self.capture, self.departments)
        for screen in (*screens, *more, self.department, self.exit_confirmation, self.employee_form):
            kiosk.window.add_screen(screen)
        self._connect()
        self._unlock_at = 0.0
        self._lock_timer = QTimer(self.pin)  # dies with the screen it counts down on
        self._lock_timer.setInterval(1000)
        self._lock_timer.timeout.connect(self._tick_lock)
        self._locked_seconds = 0
        self.enrolment: BiometricEnrolment | None = kiosk.parts.enrolment
        self.department_rules: dict[str, DepartmentRules] = {}

    def _connect(self) -> None:
        """Wire the supervisor screens to what they lead to."""
        kiosk = self.kiosk
        self.pin.entered.connect(self._check_pin)
        self.pin.back.connect(kiosk.go_idle)
        self.home.review.clicked.connect(self.show_incidents)
        self.home.add_task(translate("AdminHome", "Missed clock-outs"), self.show_incidents)
        self.home.add_task(translate("AdminHome", "Who is on site"), self.show_on_site)
        self.home.add_task(translate("AdminMode", "Today's punches"), self.show_today)
        self.home.add_task(translate("AdminMode", "Employees"), self.show_employees)
        self.home.add_task(translate("ExportScreen", "Timesheet export"), self.show_export)
        self.home.add_task(translate("AdminHome", "Settings and sync"), self.show_settings)
        self.home.add_task(translate("AdminHome", "Department rules"), self.show_departments)
        self.departments.back.connect(self.show_home)
        self.departments.picked.connect(self.open_department)
        self.department.back.connect(self.show_departments)
        self.department.save.connect(self._save_department)
        for back in (self.on_site.back, self.today.back, self.employees.back, self.export.back):
            back.connect(self.show_home)
        self.employees.picked.connect(self.open_employee)
        self.employee.back.connect(self.show_employees)
        self.employee.set_pin.connect(self._ask_new_pin)
        self.employee.delete_face.connect(self._delete_face)
        self.employee.enrol.connect(self._ask_consent)
        self.employee.edit.connect(self.show_edit_employee)
        self.employee.deactivate.connect(self._deactivate_employee)
        self.employee_form.save.connect(self._save_employee)
        self.employee_form.back.connect(self._leave_employee_form)
        self.consent.agreed.connect(self._start_capture)
        self.consent.declined.connect(lambda: self.open_employee(self.employee.employee_id))
        self.capture.cancelled.connect(self._cancel_capture)
        if kiosk.parts.vision is not None:
            kiosk.parts.vision.captured.connect(self._captured)
        self.new_pin.entered.connect(self._save_pin)
        self.new_pin.back.connect(lambda: self.open_employee(self.employee.employee_id))
        self.export.export.connect(self._export)
        self.settings.sync_now.connect(self._sync_now)
        self.home.leave.clicked.connect(kiosk.go_idle)
        self.home.exit.clicked.connect(self.ask_exit)
        self.exit_confirmation.confirmed.connect(self.exit_kiosk)
        self.exit_confirmation.cancelled.connect(self.show_home)
        self.incidents.back.connect(self.show_home)
        self.incidents.opened.connect(self.open_incident)
        self.detail.back.connect(self.show_incidents)
        self.detail.approve.connect(self._approve)
        self.detail.reject.connect(self._reject)
        self.settings.back.connect(self.show_home)
        self.settings.save.connect(self._save_settings)

    def _zone(self) -> tzinfo | None:
        return self.kiosk.place.zone if self.kiosk.place is not None else None

    @property
    def actor(self) -> str:
        return f"supervisor at {self.kiosk.settings.kiosk_name}"

    # --- PIN --------------------------------------------------------------------------------------------------

    def ask_pin(self) -> None:
        if self._locked_seconds <= 0:
            self.pin.reset(ENTER_PIN)
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
            self.pin.reset(ENTER_PIN, wrong_pin_sentence(max(0, FREE_ATTEMPTS - check.failures)))

    def _show_lock(self) -> None:
        self.pin.keypad.set_enabled_keys(False)
        self.pin.problem.show_message(locked_sentence(self._locked_seconds), Level.PROBLEM)

    def _tick_lock(self) -> None:
        self._locked_seconds -= 1
        if self._locked_seconds <= 0:
            self._lock_timer.stop()
            self.pin.reset(ENTER_PIN)
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
            done = (
                translate("Incidents", "{name}: claim approved")
                if incident.status is IncidentStatus.APPROVED
                else translate("Incidents", "{name}: claim rejected")
            )
            self.kiosk.messenger.tell(done.format(name=incident.full_name), Level.SUCCESS)
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
            sync = self.kiosk.parts.sync
            self.settings.show_sync(sync.status() if sync is not None else None, self._zone())
            self.settings.show_secrets(self.kiosk.parts.secrets)
            self.kiosk.window.show_screen(self.settings)

        self.kiosk.database.submit(lambda: SettingsView(setup.settings(), services.company.get()), shown)

    def _save_settings(self, values: dict[str, object]) -> None:
        services = self.kiosk.services
        if not self._require() or services is None:
            return
        setup, actor = self.kiosk.parts.setup, self.actor
        missed_enabled = bool(values.pop("missed_clockout_enabled"))
        block = bool(values.pop("block_reports_on_pending"))
        pin_punching = bool(values.pop("pin_punching_allowed"))

        def save() -> DeviceSettings:
            device = setup.update_settings(actor, **values)
            services.company.set_missed_clockout_enabled(missed_enabled, changed_by=actor)
            services.company.set_block_reports_on_pending(block, changed_by=actor)
            services.company.set_pin_punching_allowed(pin_punching, changed_by=actor)
            return device

        def saved(device: DeviceSettings) -> None:
            self.kiosk.apply_settings(device)
            self.kiosk.refresh_place()
            self.kiosk.use_language(Language.from_code(device.language))
            self.kiosk.messenger.tell(translate("SettingsScreen", "Settings saved"), Level.SUCCESS)
            self.show_home()

        self.kiosk.database.submit(save, saved)

    def _services(self) -> PunchServices | None:
        """The services, once the PIN was given (else the PIN is asked for)."""
        if not self._require():
            return None
        return self.kiosk.services

    def show_on_site(self) -> None:
        services = self._services()
        if services is None:
            return

        def shown(present: list[Presence]) -> None:
            self.on_site.show_lines(*presence_lines(present))
            self.kiosk.window.show_screen(self.on_site)

        self.kiosk.database.submit(services.overview.on_site_now, shown)

    def show_today(self) -> None:
        services = self._services()
        if services is None:
            return

        def shown(punches: list[PunchLine]) -> None:
            self.today.show_lines(*punch_lines(punches))
            self.kiosk.window.show_screen(self.today)

        self.kiosk.database.submit(services.overview.todays_punches, shown)

    @property
    def roster_owned_here(self) -> bool:
        """A standalone kiosk keeps its own roster; once provisioned, head office does."""
        return not self.kiosk.settings.roster_from_head_office

    def show_employees(self) -> None:
        services = self._services()
        if services is None:
            return
        self.add_employee_button.setVisible(self.roster_owned_here)

        def shown(rows: list[EmployeeOverview]) -> None:
            empty = (
                translate("AdminMode", "No employees yet: add the first one.")
                if self.roster_owned_here
                else HEAD_OFFICE_ROSTER
            )
            self.employees.show_names(
                [(row.employee.id, row.employee.full_name) for row in rows],
                empty,
                {row.employee.id: row.employee.number for row in rows},
                {row.employee.id: joined(employee_facts(row), DOT) for row in rows},
            )
            self.kiosk.window.show_screen(self.employees)

        self.kiosk.database.submit(lambda: services.overview.employee_list(active_only=True), shown)

    def open_employee(self, employee_id: str) -> None:
        services = self._services()
        if services is None:
            return

        def shown(rows: list[EmployeeOverview]) -> None:
            row = next((row for row in rows if row.employee.id == employee_id), None)
            if row is None:
                self.kiosk.messenger.tell(
                    translate("AdminMode", "That employee is no longer on the roster"), Level.PROBLEM
                )
                return
            owned = self.roster_owned_here
            place = self.kiosk.place
            allowed = place is not None and place.company.kiosk_may_deactivate
            self.employee.show_employee(
                row,
                enrolment_available=self.enrolment is not None,
                details_editable=owned,
                may_deactivate=owned or allowed,
                managed_note="" if owned else MANAGED_BY_HEAD_OFFICE,
            )
            self.kiosk.window.show_screen(self.employee)

        self.kiosk.database.submit(lambda: services.overview.employee_list(active_only=True), shown)

    def start_first_employee(self) -> None:
        """Right after the first-start set-up of a kiosk without a central database: the supervisor, who has just
        chosen the PIN, is led to add the first employee and then to enrol their face."""
        self.active = True
        log.info("first start: leading the supervisor to the first employee")
        self.show_new_employee(FIRST_EMPLOYEE_INTRO)

    def show_new_employee(self, intro: Shown = "") -> None:
        services = self._services()
        if services is None or not self.roster_owned_here:
            return

        def shown(records: list[DepartmentRecord]) -> None:
            self.employee_form.show_new([record.name for record in records if record.active], intro)
            self.kiosk.window.show_screen(self.employee_form)

        self.kiosk.database.submit(services.roster.departments, shown)

    def show_edit_employee(self) -> None:
        services = self._services()
        if services is None or not self.roster_owned_here:
            return
        employee_id = self.employee.employee_id

        def gather() -> tuple[EmployeeRecord, list[DepartmentRecord]]:
            return services.roster.employee(employee_id), services.roster.departments()

        def shown(found: tuple[EmployeeRecord, list[DepartmentRecord]]) -> None:
            employee, records = found
            self.employee_form.show_employee(employee, [record.name for record in records if record.active])
            self.kiosk.window.show_screen(self.employee_form)

        self.kiosk.database.submit(gather, shown)

    def _leave_employee_form(self) -> None:
        if self.employee_form.employee_id is None:
            self.show_employees()
        else:
            self.open_employee(self.employee_form.employee_id)

    def _save_employee(self, values: dict[str, Any]) -> None:
        services = self._services()
        if services is None:
            return
        actor, employee_id = self.actor, self.employee_form.employee_id

        def save() -> EmployeeRecord:
            if employee_id is None:
                return services.roster.add_employee(**values, changed_by=actor)
            details = {key: value for key, value in values.items() if key != "pin"}
            return services.roster.update_employee(employee_id, **details, changed_by=actor)

        def saved(employee: EmployeeRecord) -> None:
            what = (
                translate("AdminMode", "{name} saved")
                if employee_id is not None
                else translate("AdminMode", "{name} added: enrol their face now")
                if self.enrolment
                else translate("AdminMode", "{name} added")
            ).format(name=employee.full_name)
            self.kiosk.messenger.tell(what, Level.SUCCESS)
            self.open_employee(employee.id)

        def failed(error: BaseException) -> None:
            if isinstance(error, RuleViolation):
                self.employee_form.show_error(explain(error))
            else:
                self.employee_form.show_error("")
                self.kiosk.messenger.report(error)

        self.kiosk.database.submit(save, saved, failed)

    def _deactivate_employee(self) -> None:
        services = self._services()
        if services is None:
            return
        employee_id, actor = self.employee.employee_id, self.actor

        def done(employee: EmployeeRecord) -> None:
            self.kiosk.messenger.tell(
                translate("AdminMode", "{name} deactivated; their face data is deleted").format(
                    name=employee.full_name
                ),
                Level.SUCCESS,
            )
            self.show_employees()

        def failed(error: BaseException) -> None:
            self.kiosk.messenger.report(error)
            self.open_employee(employee_id)

        self.kiosk.database.submit(
            lambda: services.roster.set_employee_active(employee_id, False, changed_by=actor), done, failed
        )

    def show_departments(self) -> None:
        services = self._services()
        if services is None:
            return

        def shown(records: list[DepartmentRecord]) -> None:
            self.department_rules = {record.rules.name: record.rules for record in records}
            rows = [(record.rules.name, department_line(record)) for record in records]
            self.departments.show_names(rows, translate("AdminMode", "No departments yet."))
            self.kiosk.window.show_screen(self.departments)

        self.kiosk.database.submit(services.roster.departments, shown)

    def open_department(self, name: str) -> None:
        rules = self.department_rules.get(name)
        if rules is None or not self._require():
            return
        self.department.show_rules(rules)
        self.kiosk.window.show_screen(self.department)

    def _save_department(self, rules: DepartmentRules) -> None:
        services = self._services()
        if services is None:
            return
        actor = self.actor

        def saved(record: DepartmentRecord) -> None:
            self.kiosk.messenger.tell(
                translate("DepartmentScreen", "Rules of {name} saved").format(name=record.rules.name), Level.SUCCESS
            )
            self.show_departments()

        self.kiosk.database.submit(lambda: services.roster.save_department(rules, changed_by=actor), saved)

    def _ask_new_pin(self) -> None:
        set_text(
            self.new_pin.title,
            translate("AdminMode", "New PIN for {name} (4 to 8 digits)").format(name=self.employee.name.text()),
        )
        self.new_pin.reset("")
        self.kiosk.window.show_screen(self.new_pin)

    def _save_pin(self, pin: str) -> None:
        services = self._services()
        if services is None:
            return
        employee_id, actor = self.employee.employee_id, self.actor

        def saved(_: None) -> None:
            self.kiosk.messenger.tell(translate("AdminMode", "PIN saved"), Level.SUCCESS)
            self.open_employee(employee_id)

        def failed(error: BaseException) -> None:
            self.new_pin.reset("", explain(error))

        self.kiosk.database.submit(lambda: services.roster.set_pin(employee_id, pin, changed_by=actor), saved, failed)

    def _ask_consent(self) -> None:
        if not self._require():
            return
        self.consent.show_consent(self.employee.name.text())
        self.kiosk.window.show_screen(self.consent)

    def _start_capture(self) -> None:
        vision = self.kiosk.parts.vision
        if vision is None or not self._require():
            self.kiosk.messenger.tell(translate("AdminMode", "This kiosk has no camera to enrol with"), Level.PROBLEM)
            return
        total = sum(count for _, count in CAMERA_PLAN)
        self.capture.start(self.employee.name.text(), total, CAMERA_PLAN[0][0].advice)
        self.kiosk.window.show_screen(self.capture)
        vision.start_enrolment()

    def _cancel_capture(self) -> None:
        vision = self.kiosk.parts.vision
        if vision is not None:
            vision.stop_enrolment()
        self.open_employee(self.employee.employee_id)

    def _captured(self, step: CaptureStep) -> None:
        if self.kiosk.window.current is not self.capture:
            return
        self.capture.show_step(step.collected, step.advice)
        self.enrolment_progress.emit(step)
        if not step.complete:
            return
        enrolment = self.enrolment
        if enrolment is None:
            return
        employee_id, actor, samples = self.employee.employee_id, self.actor, step.samples

        def enrolled(result: EnrolmentResult) -> None:
            self.kiosk.messenger.tell(
                translate("AdminMode", "Face enrolled: {count} samples").format(count=result.templates), Level.SUCCESS
            )
            self.enrolled.emit(result)
            self.open_employee(employee_id)

        def failed(error: BaseException) -> None:
            self.kiosk.messenger.report(error)
            self.open_employee(employee_id)

        self.kiosk.database.submit(
            lambda: enrolment.enrol(employee_id, samples, enrolled_by=actor, consent_recorded_by=actor),
            enrolled,
            failed,
        )

    def _delete_face(self) -> None:
        enrolment = self.enrolment
        if enrolment is None or not self._require():
            return
        employee_id, actor = self.employee.employee_id, self.actor

        def deleted(removed: int) -> None:
            done = (
                translate("AdminMode", "Face data deleted (1 sample)")
                if removed == 1
                else translate("AdminMode", "Face data deleted ({count} samples)").format(count=removed)
            )
            self.kiosk.messenger.tell(done, Level.SUCCESS)
            self.open_employee(employee_id)

        self.kiosk.database.submit(lambda: enrolment.delete_biometrics(employee_id, deleted_by=actor), deleted)

    def show_export(self) -> None:
        services = self._services()
        if services is None:
            return

        folder = self.kiosk.parts.exports_dir

        def gather() -> tuple[date, list[ExportTarget]]:
            # Drives are looked for each time the screen opens: a USB stick may have just been plugged in.
            return services.overview.business_day(), [] if folder is None else export_targets(folder)

        def shown(found: tuple[date, list[ExportTarget]]) -> None:
            today, targets = found
            self.export.show_period(today, [(export_target_text(target), target.folder) for target in targets])
            self.kiosk.window.show_screen(self.export)

        self.kiosk.database.submit(gather, shown)

    def _export(self, first: date, last: date, target: object) -> None:
        services = self._services()
        if services is None or not isinstance(target, Path):
            return

        def export() -> ExportedFiles:
            return export_timesheets(services.reports, [Period(first, last)], target)

        def done(files: ExportedFiles) -> None:
            self.export.result.show_message(
                translate("ExportScreen", "Saved {rows} rows to {csv} and {workbook}").format(
                    rows=files.rows, csv=files.csv, workbook=files.workbook.name
                ),
                Level.SUCCESS,
            )
            self.kiosk.messenger.tell(translate("ExportScreen", "Timesheet exported"), Level.SUCCESS)

        def failed(error: BaseException) -> None:
            self.export.result.show_message(explain(error), Level.PROBLEM)
            self.kiosk.messenger.report(error)

        self.kiosk.database.submit(export, done, failed)

    def _sync_now(self) -> None:
        sync = self.kiosk.parts.sync
        if sync is None or not self._require():
            return
        self.settings.sync_button.setEnabled(False)

        def done(status: SyncStatus) -> None:
            self.settings.show_sync(status)
            self.kiosk.messenger.tell(
                status.last_error or translate("SettingsScreen", "Synced"),
                Level.PROBLEM if status.last_error else Level.SUCCESS,
            )

        def failed(error: BaseException) -> None:
            self.settings.sync_button.setEnabled(True)
            self.kiosk.messenger.report(error)

        self.kiosk.sync_worker.submit(sync.scheduler.sync_now, done, failed)

    def ask_exit(self) -> None:
        """Ask before the kiosk closes: one stray tap on "Exit the kiosk" must not leave a site without its clock."""
        if not self._require():
            return
        self.kiosk.window.show_screen(self.exit_confirmation)

    def exit_kiosk(self) -> None:
        """Close the kiosk (only from supervisor mode, that is after the PIN, and once confirmed)."""
        if not self._require():
            return
        log.info("kiosk closed by the supervisor")
        self.kiosk.window.allow_exit()
        self.kiosk.window.close()
