"""Punching with a PIN after the camera did not recognise someone, and the supervisor's lists, export and settings."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from pytestqt.qtbot import QtBot

from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.roster import PinIdentification
from kiosk.services.timesheet_export import linux_removable_drives
from kiosk.store import repository
from kiosk.ui.kiosk import Identity
from tests.ui.conftest import SUPERVISOR_PIN, Launcher, RunningKiosk, click, showing
from tests.ui.test_camera import BLINKING


def unlock(qtbot: QtBot, running: RunningKiosk) -> None:
    admin = running.kiosk.admin
    admin.ask_pin()
    with qtbot.waitSignal(admin.unlocked):
        admin.pin.keypad.type_digits(SUPERVISOR_PIN)
        click(qtbot, admin.pin.keypad.buttons["OK"])


def test_not_recognised_then_punching_with_a_pin(qtbot: QtBot, launch: Launcher, faces: Path) -> None:
    running = launch(camera=faces / BLINKING)
    kiosk = running.kiosk
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    unlock(qtbot, running)  # the supervisor gives Maria a PIN on the employee screen
    admin = kiosk.admin
    click(qtbot, admin.home.tasks["Employees"])
    qtbot.waitUntil(lambda: showing(kiosk, admin.employees))
    admin.employees.pick("E1")
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
    assert "no PIN" in admin.employee.facts.text()
    click(qtbot, admin.employee.pin_button)
    admin.new_pin.keypad.type_digits("12")
    click(qtbot, admin.new_pin.keypad.buttons["OK"])
    qtbot.waitUntil(lambda: "4 to 8 digits" in admin.new_pin.problem.text)
    admin.new_pin.keypad.type_digits("4321")
    click(qtbot, admin.new_pin.keypad.buttons["OK"])
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee) and "PIN set" in admin.employee.facts.text())
    kiosk.go_idle()

    qtbot.waitUntil(lambda: showing(kiosk, kiosk.notice), timeout=40000)  # the camera saw a face nobody enrolled
    assert kiosk.notice.title.text() == "We could not recognise you"
    assert kiosk.notice.pin_button.isVisible()
    click(qtbot, kiosk.notice.pin_button)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.names))
    assert kiosk.names.names == {"E1": "Santos, Maria"}  # only people with a PIN are listed
    kiosk.names.pick("E1")
    assert showing(kiosk, kiosk.employee_pin)
    with qtbot.waitSignal(kiosk.pin_refused) as refused:
        kiosk.employee_pin.keypad.type_digits("1111")
        click(qtbot, kiosk.employee_pin.keypad.buttons["OK"])
    assert isinstance(refused.args[0], PinIdentification)
    assert kiosk.employee_pin.problem.text == "Wrong PIN. Try again."
    kiosk.employee_pin.keypad.type_digits("4321")
    click(qtbot, kiosk.employee_pin.keypad.buttons["OK"])
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    with qtbot.waitSignal(kiosk.punched) as punched:
        click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    punch = punched.args[0].punch
    assert punch.identified_by is IdentifiedBy.PIN
    assert punch.liveness_passed is None
    with running.database.read() as session:
        assert [p.id for p in repository.punches_of(session, "E1")] == [punch.id]


def test_supervisor_lists_export_and_settings(qtbot: QtBot, launch: Launcher) -> None:
    running = launch()
    kiosk = running.kiosk
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    assert kiosk.idle.pin_button.isVisible()
    assert "Offline kiosk" in kiosk.idle.status.text()
    for employee_id in ("E1", "E2"):
        kiosk.identified(Identity(employee_id, IdentifiedBy.FACE, 0.3, True))
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
        with qtbot.waitSignal(kiosk.punched):
            click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    running.time.advance(minutes=90)
    kiosk.identified(Identity("E2", IdentifiedBy.FACE, 0.3, True))
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet) and len(kiosk.greet.action_buttons) == 4)
    with qtbot.waitSignal(kiosk.punched):
        click(qtbot, next(iter(kiosk.greet.action_buttons.values())))  # lunch break

    unlock(qtbot, running)
    admin = kiosk.admin
    click(qtbot, admin.home.tasks["Who is on site"])
    qtbot.waitUntil(lambda: showing(kiosk, admin.on_site))
    assert admin.on_site.summary.text() == "2 on site, 1 of them on a break"
    assert any(line.startswith("Jose Reyes") and "lunch break since 22:30" in line for line in admin.on_site.lines())
    click(qtbot, admin.on_site.back_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.home))
    admin.show_today()
    qtbot.waitUntil(lambda: showing(kiosk, admin.today))
    assert admin.today.summary.text() == "3 punches today"
    assert admin.today.lines()[0].startswith("22:30  Jose Reyes")

    admin.show_export()
    qtbot.waitUntil(lambda: showing(kiosk, admin.export))
    admin.export.last.shift(-20)  # ends before it starts: refused, nothing written
    click(qtbot, admin.export.run)
    qtbot.waitUntil(lambda: "swap the dates" in admin.export.result.text)
    assert admin.export.result.level == "problem"
    admin.export.last.shift(20)
    exports = launch.folder / "exports"
    assert admin.export.targets.value in (exports, *[t.folder for t in linux_removable_drives()])
    admin.export.targets.choose(exports)  # the data folder, whatever drives this machine has
    click(qtbot, admin.export.run)
    qtbot.waitUntil(lambda: admin.export.result.text.startswith("Saved 2 rows to"))
    saved = sorted(exports.iterdir())
    assert [path.suffix for path in saved] == [".csv", ".xlsx"]
    rows = saved[0].read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3  # a header and the two employees' day
    assert any(row.startswith("E2,Jose,Reyes,") for row in rows[1:])
    sheet = load_workbook(saved[1]).active
    assert sheet is not None and sheet.max_row == 3

    admin.show_settings()
    qtbot.waitUntil(lambda: showing(kiosk, admin.settings))
    assert "Not connected to a central database" in admin.settings.sync_status.text()
    assert admin.settings.secrets_note.text() == "Secrets are kept in the operating system's keyring."
    assert admin.settings.secrets_note.property("role") == "small"
    assert not admin.settings.sync_button.isVisible()
    assert admin.settings.pin_punching.isChecked()
    admin.settings.pin_punching.setChecked(False)
    admin.settings.idle_seconds.choose(60)
    click(qtbot, admin.settings.save_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.home))
    assert kiosk.settings.idle_timeout_seconds == 60
    assert kiosk.window.message_bar.text == "Settings saved."
    kiosk.go_idle()
    qtbot.waitUntil(lambda: not kiosk.idle.pin_button.isVisible())


def test_department_rules_are_changed_in_supervisor_mode(qtbot: QtBot, launch: Launcher) -> None:
    running = launch()
    kiosk = running.kiosk
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    services = kiosk.services
    assert services is not None
    services.roster.save_department(DepartmentRules(name="ENGINEER SA SITE", undertime=True), changed_by="test")
    unlock(qtbot, running)
    admin = kiosk.admin
    click(qtbot, admin.home.tasks["Department rules"])
    qtbot.waitUntil(lambda: showing(kiosk, admin.departments))
    assert "grace 3 min" in admin.departments.names["ENGINEER SA SITE"]
    admin.departments.pick("ENGINEER SA SITE")
    assert showing(kiosk, admin.department)
    admin.department.shift_start.shift(-30)
    admin.department.grace.choose(5)
    admin.department.regular_hours.choose(Decimal(9))
    click(qtbot, admin.department.save_button)
    qtbot.waitUntil(
        lambda: showing(kiosk, admin.departments) and "grace 5 min" in admin.departments.names["ENGINEER SA SITE"]
    )
    rules = {record.rules.name: record.rules for record in services.roster.departments()}["ENGINEER SA SITE"]
    assert (rules.shift_start, rules.grace_minutes, rules.regular_hours, rules.undertime) == (
        time(7, 30),
        5,
        Decimal(9),
        True,
    )
