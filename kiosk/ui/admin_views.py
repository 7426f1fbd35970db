"""Supervisor screens that show lists and run exports: who is on site, today's punches, employees, the timesheet."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from kiosk.domain.pay import DepartmentRules
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.supervision import EmployeeOverview, Presence, PunchLine
from kiosk.store.roster import DepartmentRecord
from kiosk.ui.employee_screens import DONE_WORDS
from kiosk.ui.widgets import ChoiceRow, MessageLine, button, label

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
    """Timesheet export for a period of business days."""

    export = Signal(object, object)  # first day, last day
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = DayPicker("From")
        self.last = DayPicker("To")
        self.result = MessageLine()
        self.run = button("Export timesheet (CSV)", "go", lambda: self.export.emit(self.first.day, self.last.day))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(label("Timesheet export", "title"))
        layout.addWidget(label("Hours, breaks, overtime and undertime per employee and business day.", "muted"))
        layout.addWidget(self.first)
        layout.addWidget(self.last)
        layout.addWidget(self.run)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(button("Back", "quiet", self.back.emit))

    def show_period(self, today: date) -> None:
        """Start with the last two weeks up to today."""
        self.first.set_day(today - timedelta(days=13))
        self.last.set_day(today)
        self.result.clear()


class EmployeeScreen(QWidget):
    """One employee: face enrolment, face data deletion, PIN."""

    enrol = Signal()
    delete_face = Signal()
    set_pin = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.employee_id = ""
        self.name = label("", "title")
        self.facts = label("", "muted")
        self.enrol_button = button("Enrol face", "accent", self.enrol.emit)
        self.delete_button = button("Delete face data", "stop", self.delete_face.emit)
        self.pin_button = button("Set PIN", None, self.set_pin.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addStretch(1)
        for widget in (self.enrol_button, self.delete_button, self.pin_button):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(button("Back", "quiet", self.back.emit))

    def show_employee(self, row: EmployeeOverview, enrolment_available: bool) -> None:
        self.employee_id = row.employee.id
        self.name.setText(row.employee.full_name)
        department = row.employee.department or "no department"
        self.facts.setText(DOT.join((department, *employee_line(row).split(DOT)[1:])))
        self.enrol_button.setText("Enrol face again" if row.face_templates else "Enrol face")
        self.enrol_button.setVisible(enrolment_available)
        self.delete_button.setEnabled(row.face_templates > 0)


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
