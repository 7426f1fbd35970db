"""Supervisor screens that show lists and run exports: who is on site, today's punches, employees, the timesheet."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.pay import DepartmentRules
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.supervision import EmployeeOverview, Presence, PunchLine
from kiosk.services.timesheet_export import ExportTarget
from kiosk.store.repository import EmployeeRecord
from kiosk.store.roster import DepartmentRecord
from kiosk.ui.employee_screens import done_words
from kiosk.ui.language import (
    Shown,
    clock,
    joined,
    list_item,
    set_placeholder,
    set_text,
    time_of_day,
    translate,
    weekday_and_clock,
)
from kiosk.ui.language import day as day_text
from kiosk.ui.messages import Level
from kiosk.ui.problems import PROBLEMS
from kiosk.ui.widgets import ChoiceRow, MessageLine, OnScreenKeyboard, button, label

DOT = "  \u00b7  "
BACK = translate("NoticeScreen", "Back")
SAVE = translate("SettingsScreen", "Save")
HOW_IDENTIFIED = {
    "face": translate("SupervisorLists", "by face"),
    "pin": translate("SupervisorLists", "by PIN"),
    "admin": translate("SupervisorLists", "by a supervisor"),
}
SYNC_STATES = {
    "pending": translate("SupervisorLists", "waiting to sync"),
    "sent": translate("SupervisorLists", "synced"),
    "rejected": translate("SupervisorLists", "refused by head office"),
    "conflict": translate("SupervisorLists", "in conflict at head office"),
}
DEACTIVATE = translate("EmployeeScreen", "Deactivate")
GRACE_CHOICES = (0, 3, 5, 10, 15)
HOUR_CHOICES = (6, 7, 8, 9, 10, 12)


class ListScreen(QWidget):
    """A title, a list of lines and a way back."""

    back = Signal()

    def __init__(self, title: Shown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(title, "title")
        self.summary = label("", "muted")
        self.list = QListWidget()
        self.back_button = button(BACK, "quiet", self.back.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.back_button)

    def show_lines(self, lines: list[Shown], summary: Shown) -> None:
        self.list.clear()
        for line in lines:
            self.list.addItem(list_item(line))
        set_text(self.summary, summary)

    def lines(self) -> list[str]:
        return [self.list.item(index).text() for index in range(self.list.count())]


BREAK_SINCE = {
    "lunch": translate("SupervisorLists", "on a lunch break since {time}"),
    "rest": translate("SupervisorLists", "on a rest break since {time}"),
    "other": translate("SupervisorLists", "on a break since {time}"),
}


def presence_lines(present: list[Presence]) -> tuple[list[Shown], Shown]:
    """Lines for "who is on site now" and a summary."""
    lines: list[Shown] = []
    for presence in present:
        what: Shown
        if presence.status is EmployeeStatus.ON_BREAK and presence.break_type is not None:
            what = BREAK_SINCE[presence.break_type.value].format(time=clock(presence.since, None))
        else:
            what = translate("SupervisorLists", "on shift since {time}").format(
                time=weekday_and_clock(presence.since, None)
            )
        parts: list[Shown] = [presence.employee.full_name, what]
        if presence.missed_clockout:
            parts.append(translate("SupervisorLists", "\u2022 open too long: probably left without clocking out"))
        lines.append(joined(parts, DOT))
    on_break = sum(1 for presence in present if presence.status is EmployeeStatus.ON_BREAK)
    summary = (
        translate("SupervisorLists", "{count} on site, {on_break} of them on a break").format(
            count=len(present), on_break=on_break
        )
        if present
        else translate("SupervisorLists", "Nobody is on site.")
    )
    return lines, summary


def punch_lines(punches: list[PunchLine]) -> tuple[list[Shown], Shown]:
    """Lines for today's punches (newest first) and a summary."""
    lines: list[Shown] = []
    for line in punches:
        punch = line.punch
        how = HOW_IDENTIFIED.get(punch.identified_by.value, punch.identified_by.value)
        sync: Shown = SYNC_STATES.get(line.sync_state.value, line.sync_state.value)
        if line.sync_error:
            sync = joined([sync, f"({line.sync_error})"], " ")
        first = joined([clock(line.local_time, None), line.employee_name], "  ")
        lines.append(joined([first, done_words(punch.kind, punch.break_type), how, sync], DOT))
    summary = (
        translate("SupervisorLists", "{count} punches today").format(count=len(punches))
        if punches
        else translate("SupervisorLists", "No punches today yet.")
    )
    return lines, summary


def employee_facts(row: EmployeeOverview) -> list[Shown]:
    faces = (
        translate("SupervisorLists", "{count} face samples").format(count=row.face_templates)
        if row.face_templates
        else translate("SupervisorLists", "no face enrolled")
    )
    pin = translate("SupervisorLists", "PIN set") if row.has_pin else translate("SupervisorLists", "no PIN")
    return [faces, pin]


class DayPicker(QWidget):
    """A date with large day-by-day buttons."""

    def __init__(self, caption: Shown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.day = date(2000, 1, 1)
        self.text = label("", "title", wrap=False, centre=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label(caption, wrap=False))
        layout.addWidget(button(translate("DayPicker", "\u2212 week"), None, lambda: self.shift(-7)))
        layout.addWidget(button(translate("DayPicker", "\u2212 day"), None, lambda: self.shift(-1)))
        layout.addWidget(self.text, 2)
        layout.addWidget(button(translate("DayPicker", "+ day"), None, lambda: self.shift(1)))
        layout.addWidget(button(translate("DayPicker", "+ week"), None, lambda: self.shift(7)))

    def set_day(self, day: date) -> None:
        self.day = day
        set_text(self.text, day_text(day, year=True))

    def shift(self, days: int) -> None:
        self.set_day(self.day + timedelta(days=days))


def export_target_text(target: ExportTarget) -> Shown:
    """Where an export can go, in words: a removable drive by its name and mount point (its letter on Windows), or
    the kiosk's data folder."""
    folder = target.folder
    if not target.removable:
        return translate("ExportScreen", "This kiosk's data folder ({folder})").format(folder=folder)
    drive = f"{folder.name} ({folder})" if folder.name else str(folder).rstrip("\\")
    return translate("ExportScreen", "Removable drive {drive}").format(drive=drive)


class ExportScreen(QWidget):
    """Timesheet export for a period of business days, as CSV and an Excel workbook, to a removable drive or the
    kiosk's data folder."""

    export = Signal(object, object, object)  # first day, last day, target folder
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = DayPicker(translate("ExportScreen", "From"))
        self.last = DayPicker(translate("ExportScreen", "To"))
        self.result = MessageLine()
        self.targets = ChoiceRow([], vertical=True)
        self.run = button(translate("ExportScreen", "Export timesheet (CSV and Excel)"), "go", self._run)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(label(translate("ExportScreen", "Timesheet export"), "title"))
        layout.addWidget(
            label(
                translate("ExportScreen", "Hours, breaks, overtime and undertime per employee and business day."),
                "muted",
            )
        )
        layout.addWidget(self.first)
        layout.addWidget(self.last)
        layout.addWidget(label(translate("ExportScreen", "Save to"), wrap=False))
        self.targets_box = QVBoxLayout()
        self.targets_box.addWidget(self.targets)
        layout.addLayout(self.targets_box)
        self.drive_hint = label("", "muted")
        layout.addWidget(self.drive_hint)
        layout.addSpacing(16)
        layout.addWidget(self.run)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(button(BACK, "quiet", self.back.emit))

    def show_period(self, today: date, targets: list[tuple[Shown, object]] | None = None) -> None:
        """Start with the last two weeks up to today; `targets` are (label, folder), a removable drive first when
        there is one (it is chosen), the data folder last."""
        self.first.set_day(today - timedelta(days=13))
        self.last.set_day(today)
        self.result.clear()
        if targets is not None:
            self.targets_box.removeWidget(self.targets)
            self.targets.deleteLater()
            self.targets = ChoiceRow(targets, vertical=True)
            self.targets_box.addWidget(self.targets)
            if targets:
                self.targets.set_value(targets[0][1])
            set_text(
                self.drive_hint,
                translate(
                    "ExportScreen",
                    "No removable drive is plugged in. Plug one in and open this screen again to save on it.",
                )
                if len(targets) <= 1
                else "",
            )

    def _run(self) -> None:
        self.export.emit(self.first.day, self.last.day, self.targets.value)


class EmployeeScreen(QWidget):
    """One employee: face enrolment, face data deletion, PIN, their details, deactivation.

    Deactivating asks for a second tap on the same button, since it also deletes the employee's face data.
    """

    enrol = Signal()
    delete_face = Signal()
    set_pin = Signal()
    edit = Signal()
    deactivate = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.employee_id = ""
        self.full_name = ""
        self.name = label("", "title")
        self.facts = label("", "muted")
        self.enrol_button = button(translate("EmployeeScreen", "Enrol face"), "accent", self.enrol.emit)
        self.delete_button = button(translate("EmployeeScreen", "Delete face data"), "stop", self.delete_face.emit)
        self.pin_button = button(translate("EmployeeScreen", "Set PIN"), None, self.set_pin.emit)
        self.edit_button = button(translate("EmployeeScreen", "Change details"), None, self.edit.emit)
        self.deactivate_button = button(DEACTIVATE, "stop", self._deactivate)
        self.managed = label("", "muted")
        self._armed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addWidget(self.managed)
        layout.addStretch(1)
        for widget in (
            self.enrol_button,
            self.delete_button,
            self.pin_button,
            self.edit_button,
            self.deactivate_button,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(button(BACK, "quiet", self.back.emit))

    def show_employee(
        self,
        row: EmployeeOverview,
        enrolment_available: bool,
        *,
        details_editable: bool = True,
        may_deactivate: bool = True,
        managed_note: Shown = "",
    ) -> None:
        self.employee_id = row.employee.id
        self.full_name = row.employee.full_name
        set_text(self.name, row.employee.full_name)
        department: Shown = row.employee.department or translate("EmployeeScreen", "no department")
        if row.employee.department and row.department_code:
            department = translate("EmployeeScreen", "{department} ({code})").format(
                department=row.employee.department, code=row.department_code
            )
        number = translate("EmployeeScreen", "Employee {number}").format(number=row.employee.number)
        rate = translate("EmployeeScreen", "daily rate {rate}").format(rate=row.employee.daily_rate)
        set_text(self.facts, joined([number, department, rate, *employee_facts(row)], DOT))
        self.edit_button.setVisible(details_editable)
        self.deactivate_button.setVisible(may_deactivate)
        set_text(self.managed, managed_note)
        self.managed.setVisible(bool(str(managed_note)))
        self._armed = False
        set_text(self.deactivate_button, DEACTIVATE)
        set_text(
            self.enrol_button,
            translate("EmployeeScreen", "Enrol face again")
            if row.face_templates
            else translate("EmployeeScreen", "Enrol face"),
        )
        self.enrol_button.setVisible(enrolment_available)
        self.delete_button.setEnabled(row.face_templates > 0)

    def _deactivate(self) -> None:
        if not self._armed:
            self._armed = True
            set_text(
                self.deactivate_button,
                translate("EmployeeScreen", "Tap again to deactivate {name} and delete their face data").format(
                    name=self.full_name
                ),
            )
            return
        self._armed = False
        set_text(self.deactivate_button, DEACTIVATE)
        self.deactivate.emit()


def department_line(record: DepartmentRecord) -> Shown:
    rules = record.rules
    parts: list[Shown] = [
        rules.name,
        translate("DepartmentScreen", "start {time}").format(time=time_of_day(rules.shift_start)),
        translate("DepartmentScreen", "{hours} h a day").format(hours=rules.regular_hours),
    ]
    parts.append(
        translate("DepartmentScreen", "undertime tracked, grace {minutes} min, half day after {time}").format(
            minutes=rules.grace_minutes, time=time_of_day(rules.half_day_after)
        )
        if rules.undertime
        else translate("DepartmentScreen", "undertime not tracked")
    )
    parts.append(translate("DepartmentScreen", "{count} employees").format(count=record.active_employees))
    return joined(parts, DOT)


class TimeStepper(QWidget):
    """A time of day with large quarter-hour buttons."""

    def __init__(self, caption: Shown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = time(8, 0)
        self.text = label("", "title", wrap=False, centre=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label(caption, wrap=False), 2)
        layout.addWidget(button(translate("DepartmentScreen", "\u2212 15 min"), None, lambda: self.shift(-15)), 1)
        layout.addWidget(self.text, 1)
        layout.addWidget(button(translate("DepartmentScreen", "+ 15 min"), None, lambda: self.shift(15)), 1)

    def set_value(self, value: time) -> None:
        self.value = value
        set_text(self.text, time_of_day(value))

    def shift(self, minutes: int) -> None:
        total = (self.value.hour * 60 + self.value.minute + minutes) % (24 * 60)
        self.set_value(time(total // 60, total % 60))


class DepartmentScreen(QWidget):
    """One department's rule set: shift start, grace, half day, regular hours, undertime on or off."""

    save = Signal(object)  # DepartmentRules
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rules: DepartmentRules | None = None
        self.title = label("", "title")
        self.undertime = QCheckBox()
        set_text(self.undertime, translate("DepartmentScreen", "Track late arrivals and half days (undertime)"))
        self.shift_start = TimeStepper(translate("DepartmentScreen", "Shift starts at"))
        self.half_day_after = TimeStepper(translate("DepartmentScreen", "Half day after"))
        self.grace = ChoiceRow(
            [(translate("DepartmentScreen", "{minutes} min").format(minutes=m), m) for m in GRACE_CHOICES]
        )
        self.regular_hours = ChoiceRow(
            [(translate("DepartmentScreen", "{hours} h").format(hours=h), Decimal(h)) for h in HOUR_CHOICES]
        )
        self.save_button = button(SAVE, "go", self._save)
        self.back_button = button(BACK, "quiet", self.back.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.undertime)
        layout.addWidget(self.shift_start)
        layout.addWidget(self.half_day_after)
        captions = (
            (translate("DepartmentScreen", "Grace"), self.grace),
            (translate("DepartmentScreen", "Regular hours a day"), self.regular_hours),
        )
        for caption, row in captions:
            line = QHBoxLayout()
            line.addWidget(label(caption, wrap=False), 1)
            line.addWidget(row, 4)
            layout.addLayout(line)
        layout.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button, 2)
        bottom.addWidget(self.back_button, 1)
        layout.addLayout(bottom)

    def show_rules(self, rules: DepartmentRules) -> None:
        self.rules = rules
        set_text(self.title, translate("DepartmentScreen", "Department {name}").format(name=rules.name))
        self.undertime.setChecked(rules.undertime)
        self.shift_start.set_value(rules.shift_start)
        self.half_day_after.set_value(rules.half_day_after)
        self.grace.set_value(rules.grace_minutes)
        self.regular_hours.set_value(rules.regular_hours)

    def _save(self) -> None:
        if self.rules is None:
            return
        grace, hours = self.grace.value, self.regular_hours.value
        self.save.emit(
            replace(
                self.rules,
                undertime=self.undertime.isChecked(),
                shift_start=self.shift_start.value,
                half_day_after=self.half_day_after.value,
                grace_minutes=grace if isinstance(grace, int) else self.rules.grace_minutes,
                regular_hours=hours if isinstance(hours, Decimal) else self.rules.regular_hours,
            )
        )


NO_DEPARTMENT = translate("EmployeeFormScreen", "No department")


class EmployeeFormScreen(QWidget):
    """Add an employee, or change one: employee number, names, department, daily rate, and a PIN when adding.

    The services check every value (the same checks as head office's commands); a refusal is shown under the form,
    which keeps what was typed so that only the wrong field needs changing. An on-screen keyboard beside the form types
    into the field last touched, for a kiosk with a touch screen only.
    """

    save = Signal(dict)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.employee_id: str | None = None
        self.title = label("", "title")
        self.intro = label("", "muted")
        self.number = QLineEdit()
        self.number.setMaxLength(64)
        set_placeholder(self.number, translate("EmployeeFormScreen", "e.g. E001"))
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.department = QComboBox()
        self.daily_rate = QLineEdit()
        set_placeholder(self.daily_rate, translate("EmployeeFormScreen", "e.g. 800 or 812.50"))
        self.pin = QLineEdit()
        self.pin_again = QLineEdit()
        for field in (self.pin, self.pin_again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(8)
        self.error = MessageLine()
        self.save_button = button(SAVE, "go", self._submit)
        self.back_button = button(BACK, "quiet", self.back.emit)
        form = self._form()
        self.keyboard = OnScreenKeyboard()
        self.fields = (self.number, self.first_name, self.last_name, self.daily_rate, self.pin, self.pin_again)
        for field in self.fields:
            field.installEventFilter(self)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 1)
        columns.addWidget(self.keyboard, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button, 2)
        bottom.addWidget(self.back_button, 1)
        layout.addLayout(bottom)

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(label(translate("EmployeeFormScreen", "Number"), wrap=False), self.number)
        # Pairs share a row, so that the form fits a small screen above its message line.
        set_placeholder(self.first_name, translate("EmployeeFormScreen", "First name"))
        set_placeholder(self.last_name, translate("EmployeeFormScreen", "Last name"))
        names = QHBoxLayout()
        names.addWidget(self.first_name)
        names.addWidget(self.last_name)
        form.addRow(label(translate("EmployeeFormScreen", "Name"), wrap=False), names)
        form.addRow(label(translate("EmployeeFormScreen", "Department"), wrap=False), self.department)
        form.addRow(label(translate("EmployeeFormScreen", "Daily rate"), wrap=False), self.daily_rate)
        set_placeholder(self.pin, translate("EmployeeFormScreen", "4 to 8 digits"))
        set_placeholder(self.pin_again, translate("EmployeeFormScreen", "again"))
        self.pin_row = QWidget()
        pins = QHBoxLayout(self.pin_row)
        pins.setContentsMargins(0, 0, 0, 0)
        pins.addWidget(self.pin)
        pins.addWidget(self.pin_again)
        self.pin_caption = label(translate("EmployeeFormScreen", "PIN"), wrap=False)
        form.addRow(self.pin_caption, self.pin_row)
        return form

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The on-screen keyboard types into whichever field was touched last."""
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            self.keyboard.attach(watched)
        return super().eventFilter(watched, event)

    def _departments(self, names: list[str], current: str | None) -> None:
        # The first row stands for no department; it carries no name, so a department that happens to be called
        # "No department" (in any language) is still a department.
        self.department.clear()
        self.department.addItem(str(NO_DEPARTMENT), None)
        for name in names:
            self.department.addItem(name, name)
        self._choose_department(current)

    def _choose_department(self, name: str | None) -> None:
        index = self.department.findData(name) if name is not None else 0
        self.department.setCurrentIndex(max(index, 0))

    def retranslated(self) -> None:
        """The "no department" row is the only text of the list in the kiosk's language."""
        if self.department.count():
            self.department.setItemText(0, str(NO_DEPARTMENT))

    def show_new(self, departments: list[str], intro: Shown = "") -> None:
        """An empty form for a new employee."""
        self.employee_id = None
        set_text(self.title, translate("EmployeeFormScreen", "Add an employee"))
        set_text(
            self.intro,
            intro or translate("EmployeeFormScreen", "They can then enrol their face, or punch with their PIN."),
        )
        for field in (self.number, self.first_name, self.last_name, self.daily_rate, self.pin, self.pin_again):
            field.clear()
        self._departments(departments, None)
        for widget in (self.pin_row, self.pin_caption):
            widget.setVisible(True)
        self.error.clear()
        self.save_button.setEnabled(True)
        self.keyboard.attach(self.number)
        self.number.setFocus()

    def show_employee(self, employee: EmployeeRecord, departments: list[str]) -> None:
        """The form filled with an employee's details; their PIN is set on its own screen."""
        self.employee_id = employee.id
        set_text(self.title, translate("EmployeeFormScreen", "Change {name}").format(name=employee.full_name))
        set_text(
            self.intro,
            translate("EmployeeFormScreen", "Their punches, face and PIN stay theirs, whatever is changed here."),
        )
        self.number.setText(employee.number)
        self.first_name.setText(employee.first_name)
        self.last_name.setText(employee.last_name)
        self.daily_rate.setText(str(employee.daily_rate))
        names = (
            departments
            if employee.department is None or employee.department in departments
            else [
                *departments,
                employee.department,
            ]
        )
        self._departments(names, employee.department)
        for widget in (self.pin_row, self.pin_caption):
            widget.setVisible(False)
        self.error.clear()
        self.save_button.setEnabled(True)
        self.keyboard.attach(self.first_name)
        self.first_name.setFocus()

    def fill(
        self,
        *,
        number: str,
        first_name: str,
        last_name: str,
        daily_rate: str,
        department: str | None = None,
        pin: str = "",
    ) -> None:
        """Type the details in (the way a person would)."""
        self.number.setText(number)
        self.first_name.setText(first_name)
        self.last_name.setText(last_name)
        self.daily_rate.setText(daily_rate)
        self._choose_department(department)
        self.pin.setText(pin)
        self.pin_again.setText(pin)

    def _submit(self) -> None:
        if self.employee_id is None and self.pin.text() != self.pin_again.text():
            self.show_error(PROBLEMS["pin_mismatch"])
            return
        department = self.department.currentData()
        values: dict[str, object] = {
            "number": self.number.text(),
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "department": department if isinstance(department, str) else None,
            "daily_rate": self.daily_rate.text(),
        }
        if self.employee_id is None:
            values["pin"] = self.pin.text() or None
        self.error.clear()
        self.save_button.setEnabled(False)
        self.save.emit(values)

    def show_error(self, message: Shown) -> None:
        """Keep the form as it is and say what to change."""
        self.save_button.setEnabled(True)
        if str(message):
            self.error.show_message(message, Level.PROBLEM)
        else:
            self.error.clear()
