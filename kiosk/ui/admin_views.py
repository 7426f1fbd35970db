"""Supervisor screens that show lists and run exports: who is on site, today's punches, employees, the timesheet."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QListWidget, QVBoxLayout, QWidget

from kiosk.domain.pay import DepartmentRules
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.supervision import EmployeeOverview, Presence, PunchLine
from kiosk.store.roster import DepartmentRecord
from kiosk.ui.employee_screens import done_words
from kiosk.ui.language import Shown, clock, joined, list_item, set_text, time_of_day, translate, weekday_and_clock
from kiosk.ui.language import day as day_text
from kiosk.ui.widgets import ChoiceRow, MessageLine, button, label

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


def employee_line(row: EmployeeOverview) -> Shown:
    return joined([row.employee.full_name, *employee_facts(row)], DOT)


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


class ExportScreen(QWidget):
    """Timesheet export for a period of business days."""

    export = Signal(object, object)  # first day, last day
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = DayPicker(translate("ExportScreen", "From"))
        self.last = DayPicker(translate("ExportScreen", "To"))
        self.result = MessageLine()
        self.run = button(
            translate("ExportScreen", "Export timesheet (CSV)"),
            "go",
            lambda: self.export.emit(self.first.day, self.last.day),
        )
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
        layout.addWidget(self.run)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(button(BACK, "quiet", self.back.emit))

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
        self.enrol_button = button(translate("EmployeeScreen", "Enrol face"), "accent", self.enrol.emit)
        self.delete_button = button(translate("EmployeeScreen", "Delete face data"), "stop", self.delete_face.emit)
        self.pin_button = button(translate("EmployeeScreen", "Set PIN"), None, self.set_pin.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addStretch(1)
        for widget in (self.enrol_button, self.delete_button, self.pin_button):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(button(BACK, "quiet", self.back.emit))

    def show_employee(self, row: EmployeeOverview, enrolment_available: bool) -> None:
        self.employee_id = row.employee.id
        set_text(self.name, row.employee.full_name)
        department: Shown = row.employee.department or translate("EmployeeScreen", "no department")
        set_text(self.facts, joined([department, *employee_facts(row)], DOT))
        set_text(
            self.enrol_button,
            translate("EmployeeScreen", "Enrol face again")
            if row.face_templates
            else translate("EmployeeScreen", "Enrol face"),
        )
        self.enrol_button.setVisible(enrolment_available)
        self.delete_button.setEnabled(row.face_templates > 0)


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
