"""Supervisor screens that show lists and run exports: who is on site, today's punches, employees, the timesheet."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.supervision import EmployeeOverview, Presence, PunchLine
from kiosk.ui.employee_screens import DONE_WORDS
from kiosk.ui.widgets import button, label

TIME = "%H:%M"
DOT = "  \u00b7  "


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
        self.result = label("", "muted")
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
        self.result.setText("")


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
