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
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.pay import DepartmentRules
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.supervision import EmployeeOverview, Presence, PunchLine
from kiosk.store.repository import EmployeeRecord
from kiosk.store.roster import DepartmentRecord
from kiosk.ui.employee_screens import DONE_WORDS
from kiosk.ui.messages import Level
from kiosk.ui.widgets import ChoiceRow, MessageLine, OnScreenKeyboard, button, label

TIME = "%H:%M"
DOT = "  \u00b7  "
GRACE_CHOICES = (0, 3, 5, 10, 15)
HOUR_CHOICES = (6, 7, 8, 9, 10, 12)


class ListScreen(QWidget):
    """A title, a list of lines and a way back."""

    back = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(title, "title")
        self.summary = label("", "muted")
        self.list = QListWidget()
        self.back_button = button("Back", "quiet", self.back.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.back_button)

    def show_lines(self, lines: list[str], summary: str) -> None:
        self.list.clear()
        for line in lines:
            self.list.addItem(QListWidgetItem(line))
        self.summary.setText(summary)

    def lines(self) -> list[str]:
        return [self.list.item(index).text() for index in range(self.list.count())]


def presence_lines(present: list[Presence]) -> tuple[list[str], str]:
    """Lines for "who is on site now" and a summary."""
    lines = []
    for presence in present:
        if presence.status is EmployeeStatus.ON_BREAK and presence.break_type is not None:
            what = f"on a {presence.break_type.value} break since {presence.since.strftime(TIME)}"
        else:
            what = f"on shift since {presence.since.strftime('%a %H:%M')}"
        flag = "  \u2022 open too long: probably left without clocking out" if presence.missed_clockout else ""
        lines.append(f"{presence.employee.full_name}  \u00b7  {what}{flag}")
    on_break = sum(1 for presence in present if presence.status is EmployeeStatus.ON_BREAK)
    summary = f"{len(present)} on site, {on_break} of them on a break" if present else "Nobody is on site."
    return lines, summary


def punch_lines(punches: list[PunchLine]) -> tuple[list[str], str]:
    """Lines for today's punches (newest first) and a summary."""
    lines = []
    for line in punches:
        punch = line.punch
        what = DONE_WORDS[punch.kind]
        if punch.break_type is not None:
            what = f"{punch.break_type.value.capitalize()} break started"
        how = punch.identified_by.value
        sync = line.sync_state.value + (f" ({line.sync_error})" if line.sync_error else "")
        parts = (f"{line.local_time.strftime(TIME)}  {line.employee_name}", what, f"by {how}", sync)
        lines.append(DOT.join(parts))
    return lines, f"{len(punches)} punches today" if punches else "No punches today yet."


def employee_line(row: EmployeeOverview) -> str:
    faces = f"{row.face_templates} face samples" if row.face_templates else "no face enrolled"
    pin = "PIN set" if row.has_pin else "no PIN"
    return DOT.join((row.employee.full_name, faces, pin))


class DayPicker(QWidget):
    """A date with large day-by-day buttons."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.day = date(2000, 1, 1)
        self.text = label("", "title", wrap=False, centre=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label(caption, wrap=False))
        layout.addWidget(button("\u2212 week", None, lambda: self.shift(-7)))
        layout.addWidget(button("\u2212 day", None, lambda: self.shift(-1)))
        layout.addWidget(self.text, 2)
        layout.addWidget(button("+ day", None, lambda: self.shift(1)))
        layout.addWidget(button("+ week", None, lambda: self.shift(7)))

    def set_day(self, day: date) -> None:
        self.day = day
        self.text.setText(day.strftime("%a %d %b %Y").replace(" 0", " "))

    def shift(self, days: int) -> None:
        self.set_day(self.day + timedelta(days=days))


class ExportScreen(QWidget):
    """Timesheet export for a period of business days, as CSV and an Excel workbook, to a removable drive or the
    kiosk's data folder."""

    export = Signal(object, object, object)  # first day, last day, target folder
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = DayPicker("From")
        self.last = DayPicker("To")
        self.result = MessageLine()
        self.targets = ChoiceRow([], vertical=True)
        self.run = button("Export timesheet (CSV and Excel)", "go", self._run)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(label("Timesheet export", "title"))
        layout.addWidget(label("Hours, breaks, overtime and undertime per employee and business day.", "muted"))
        layout.addWidget(self.first)
        layout.addWidget(self.last)
        layout.addWidget(label("Save to", wrap=False))
        self.targets_box = QVBoxLayout()
        self.targets_box.addWidget(self.targets)
        layout.addLayout(self.targets_box)
        self.drive_hint = label("", "muted")
        layout.addWidget(self.drive_hint)
        layout.addSpacing(16)
        layout.addWidget(self.run)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(button("Back", "quiet", self.back.emit))

    def show_period(self, today: date, targets: list[tuple[str, object]] | None = None) -> None:
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
            self.drive_hint.setText(
                "No removable drive is plugged in. Plug one in and open this screen again to save on it."
                if len(targets) <= 1
                else ""
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
        self.name = label("", "title")
        self.facts = label("", "muted")
        self.enrol_button = button("Enrol face", "accent", self.enrol.emit)
        self.delete_button = button("Delete face data", "stop", self.delete_face.emit)
        self.pin_button = button("Set PIN", None, self.set_pin.emit)
        self.edit_button = button("Change details", None, self.edit.emit)
        self.deactivate_button = button("Deactivate", "stop", self._deactivate)
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
        layout.addWidget(button("Back", "quiet", self.back.emit))

    def show_employee(
        self,
        row: EmployeeOverview,
        enrolment_available: bool,
        *,
        details_editable: bool = True,
        may_deactivate: bool = True,
        managed_note: str = "",
    ) -> None:
        self.employee_id = row.employee.id
        self.name.setText(row.employee.full_name)
        department = row.employee.department or "no department"
        rate = f"daily rate {row.employee.daily_rate}"
        self.facts.setText(
            DOT.join((f"Employee {row.employee.number}", department, rate, *employee_line(row).split(DOT)[1:]))
        )
        self.edit_button.setVisible(details_editable)
        self.deactivate_button.setVisible(may_deactivate)
        self.managed.setText(managed_note)
        self.managed.setVisible(bool(managed_note))
        self._armed = False
        self.deactivate_button.setText("Deactivate")
        self.enrol_button.setText("Enrol face again" if row.face_templates else "Enrol face")
        self.enrol_button.setVisible(enrolment_available)
        self.delete_button.setEnabled(row.face_templates > 0)

    def _deactivate(self) -> None:
        if not self._armed:
            self._armed = True
            self.deactivate_button.setText(f"Tap again to deactivate {self.name.text()} and delete their face data")
            return
        self._armed = False
        self.deactivate_button.setText("Deactivate")
        self.deactivate.emit()


def department_line(record: DepartmentRecord) -> str:
    rules = record.rules
    parts = [rules.name, f"start {rules.shift_start.strftime(TIME)}", f"{rules.regular_hours} h a day"]
    parts.append(
        f"undertime tracked, grace {rules.grace_minutes} min, half day after {rules.half_day_after.strftime(TIME)}"
        if rules.undertime
        else "undertime not tracked"
    )
    parts.append(f"{record.active_employees} employees")
    return DOT.join(parts)


class TimeStepper(QWidget):
    """A time of day with large quarter-hour buttons."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = time(8, 0)
        self.text = label("", "title", wrap=False, centre=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label(caption, wrap=False), 2)
        layout.addWidget(button("\u2212 15 min", None, lambda: self.shift(-15)), 1)
        layout.addWidget(self.text, 1)
        layout.addWidget(button("+ 15 min", None, lambda: self.shift(15)), 1)

    def set_value(self, value: time) -> None:
        self.value = value
        self.text.setText(value.strftime(TIME))

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
        self.undertime = QCheckBox("Track late arrivals and half days (undertime)")
        self.shift_start = TimeStepper("Shift starts at")
        self.half_day_after = TimeStepper("Half day after")
        self.grace = ChoiceRow([(f"{minutes} min", minutes) for minutes in GRACE_CHOICES])
        self.regular_hours = ChoiceRow([(f"{hours} h", Decimal(hours)) for hours in HOUR_CHOICES])
        self.save_button = button("Save", "go", self._save)
        self.back_button = button("Back", "quiet", self.back.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.undertime)
        layout.addWidget(self.shift_start)
        layout.addWidget(self.half_day_after)
        for caption, row in (("Grace", self.grace), ("Regular hours a day", self.regular_hours)):
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
        self.title.setText(f"Department {rules.name}")
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


NO_DEPARTMENT = "No department"


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
        self.number.setPlaceholderText("e.g. E001")
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.department = QComboBox()
        self.daily_rate = QLineEdit()
        self.daily_rate.setPlaceholderText("e.g. 800 or 812.50")
        self.pin = QLineEdit()
        self.pin_again = QLineEdit()
        for field in (self.pin, self.pin_again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(8)
        self.error = MessageLine()
        self.save_button = button("Save", "go", self._submit)
        self.back_button = button("Back", "quiet", self.back.emit)
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
        form.addRow("Number", self.number)
        # Pairs share a row, so that the form fits a small screen above its message line.
        self.first_name.setPlaceholderText("First name")
        self.last_name.setPlaceholderText("Last name")
        names = QHBoxLayout()
        names.addWidget(self.first_name)
        names.addWidget(self.last_name)
        form.addRow("Name", names)
        form.addRow("Department", self.department)
        form.addRow("Daily rate", self.daily_rate)
        self.pin.setPlaceholderText("4 to 8 digits")
        self.pin_again.setPlaceholderText("again")
        self.pin_row = QWidget()
        pins = QHBoxLayout(self.pin_row)
        pins.setContentsMargins(0, 0, 0, 0)
        pins.addWidget(self.pin)
        pins.addWidget(self.pin_again)
        self.pin_caption = label("PIN", wrap=False)
        form.addRow(self.pin_caption, self.pin_row)
        return form

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The on-screen keyboard types into whichever field was touched last."""
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            self.keyboard.attach(watched)
        return super().eventFilter(watched, event)

    def _departments(self, names: list[str], current: str | None) -> None:
        self.department.clear()
        self.department.addItems([NO_DEPARTMENT, *names])
        self.department.setCurrentText(current or NO_DEPARTMENT)

    def show_new(self, departments: list[str], intro: str = "") -> None:
        """An empty form for a new employee."""
        self.employee_id = None
        self.title.setText("Add an employee")
        self.intro.setText(intro or "They can then enrol their face, or punch with their PIN.")
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
        self.title.setText(f"Change {employee.full_name}")
        self.intro.setText("Their punches, face and PIN stay theirs, whatever is changed here.")
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
        self.department.setCurrentText(department or NO_DEPARTMENT)
        self.pin.setText(pin)
        self.pin_again.setText(pin)

    def _submit(self) -> None:
        if self.employee_id is None and self.pin.text() != self.pin_again.text():
            self.show_error("The two PIN entries differ.")
            return
        department = self.department.currentText()
        values: dict[str, object] = {
            "number": self.number.text(),
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "department": None if department == NO_DEPARTMENT else department,
            "daily_rate": self.daily_rate.text(),
        }
        if self.employee_id is None:
            values["pin"] = self.pin.text() or None
        self.error.clear()
        self.save_button.setEnabled(False)
        self.save.emit(values)

    def show_error(self, message: str) -> None:
        """Keep the form as it is and say what to change."""
        self.save_button.setEnabled(True)
        if message:
            self.error.show_message(message, Level.PROBLEM)
        else:
            self.error.clear()
