"""A kiosk without a central database keeps its own roster: the supervisor adds, changes and deactivates employees
in supervisor mode, starting right after the first-start set-up, and a new employee enrols and punches by face."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.enrolment import EnrolmentResult
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings, save_device_settings
from kiosk.vision.liveness import ChallengeStep
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from tests.ui.conftest import Launcher, click, showing, start_kiosk, stop_kiosk
from tests.ui.test_pin_and_supervisor import unlock

HEAD_TURN = "video/headturn_live_tranvanluyt_real.mp4"  # looks straight, then turns left and right


def test_a_new_kiosk_leads_to_the_first_employee_who_enrols_and_punches_in_by_face(
    qtbot: QtBot, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource, faces: Path
) -> None:
    running = start_kiosk(
        qtbot, kiosk_folder, memory_keyring, clock, camera=faces / HEAD_TURN, challenge=(ChallengeStep.TURN_LEFT,)
    )
    try:
        kiosk = running.kiosk
        admin = kiosk.admin
        assert showing(kiosk, kiosk.setup_screen)
        kiosk.setup_screen.fill("Power On Enterprise", "Main gate", "Asia/Manila", "123456")
        click(qtbot, kiosk.setup_screen.save)
        qtbot.waitUntil(lambda: showing(kiosk, admin.employee_form))
        form = admin.employee_form
        assert "Add the first employee" in form.intro.text()

        # Bad input is refused with the field named, and nothing is stored.
        form.fill(number="E 001", first_name="Tran", last_name="Van Luyt", daily_rate="800")
        click(qtbot, form.save_button)
        qtbot.waitUntil(lambda: "employee number 'E 001' is not allowed" in form.error.text)
        form.fill(number="E001", first_name="Tran", last_name="Van Luyt", daily_rate="eight hundred")
        click(qtbot, form.save_button)
        qtbot.waitUntil(lambda: "daily rate" in form.error.text)
        with running.database.read() as session:
            assert repository.employees(session, kiosk.settings.company_id or "") == []

        form.fill(number="E001", first_name="Tran", last_name="Van Luyt", daily_rate="800", pin="4821")
        click(qtbot, form.save_button)
        qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
        assert admin.employee.name.text() == "Tran Van Luyt"
        assert "Employee E001" in admin.employee.facts.text() and "PIN set" in admin.employee.facts.text()
        assert admin.employee.enrol_button.isVisible() and admin.employee.edit_button.isVisible()

        click(qtbot, admin.employee.enrol_button)
        assert showing(kiosk, admin.consent)
        with qtbot.waitSignal(admin.enrolled, timeout=90000) as enrolled:
            click(qtbot, admin.consent.agree)
        result = enrolled.args[0]
        assert isinstance(result, EnrolmentResult) and result.templates == 4
        qtbot.waitUntil(lambda: showing(kiosk, admin.employee) and "4 face samples" in admin.employee.facts.text())

        kiosk.go_idle()  # the supervisor leaves; the camera looks for people again, with the new face
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet), timeout=90000)
        assert kiosk.greet.hello.text() == "Hello, Tran Van Luyt"
        with qtbot.waitSignal(kiosk.punched) as punched:
            click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
        punch = punched.args[0].punch
        assert punch.identified_by is IdentifiedBy.FACE and punch.liveness_passed
        with running.database.read() as session:
            employee = repository.get_employee(session, punch.employee_id)
            actions = [entry.action for entry in repository.audit_entries(session)]
        assert employee is not None and employee.number == "E001"
        assert employee.id != "E001"  # people use the number; the id stays internal
        assert "employee.added" in actions and "biometrics.enrolled" in actions
    finally:
        stop_kiosk(running)


def test_the_supervisor_changes_and_deactivates_an_employee(qtbot: QtBot, launch: Launcher) -> None:
    running = launch()
    kiosk = running.kiosk
    admin = kiosk.admin
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    unlock(qtbot, running)
    admin.show_employees()
    qtbot.waitUntil(lambda: showing(kiosk, admin.employees))
    assert admin.add_employee_button.isVisible()
    assert admin.employees.names["E2"].startswith("Jose Reyes")
    assert admin.employees.numbers["E2"] == "E2"
    admin.employees.pick("E2")
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
    click(qtbot, admin.employee.edit_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee_form))
    form = admin.employee_form
    assert (form.number.text(), form.first_name.text(), form.daily_rate.text()) == ("E2", "Jose", "800")
    assert not form.pin.isVisible()

    form.number.setText("E1")  # Maria's
    click(qtbot, form.save_button)
    qtbot.waitUntil(lambda: "already Maria Santos's" in form.error.text)
    form.number.clear()
    form.number.setFocus()
    qtbot.waitUntil(form.number.hasFocus)
    form.keyboard.type_text("W_0002")  # every character a code may hold is on the on-screen keyboard
    assert form.number.text() == "W_0002"
    form.last_name.clear()
    form.last_name.setFocus()  # touched: the on-screen keyboard types into it
    qtbot.waitUntil(form.last_name.hasFocus)
    form.keyboard.type_text("Reyes Jr.")
    assert form.last_name.text() == "Reyes Jr."
    click(qtbot, form.save_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
    assert admin.employee.name.text() == "Jose Reyes Jr."
    assert "Employee W_0002" in admin.employee.facts.text()

    click(qtbot, admin.employee.deactivate_button)
    assert showing(kiosk, admin.employee)  # a first tap only asks again
    assert "Tap again" in admin.employee.deactivate_button.text()
    click(qtbot, admin.employee.deactivate_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.employees))
    assert "E2" not in admin.employees.names
    with running.database.read() as session:
        employee = repository.get_employee(session, "E2")
        (changed,) = repository.audit_entries(session, "employee.updated")
        deactivated = repository.audit_entries(session, "employee.deactivated")
    assert employee is not None and not employee.active and employee.number == "W_0002"
    assert json.loads(changed.detail)["changes"]["number"] == ["E2", "W_0002"]
    assert [entry.subject for entry in deactivated] == ["E2"]


def test_a_provisioned_kiosk_shows_the_roster_as_managed_by_head_office(qtbot: QtBot, launch: Launcher) -> None:
    database = Database(launch.folder / "kiosk.db")
    with database.write() as session:
        settings = load_device_settings(session).replace(roster_from_head_office=True)
        save_device_settings(session, settings, launch.time.now)
    database.close()
    running = launch()
    kiosk = running.kiosk
    admin = kiosk.admin
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    unlock(qtbot, running)
    admin.show_employees()
    qtbot.waitUntil(lambda: showing(kiosk, admin.employees))
    assert not admin.add_employee_button.isVisible()
    admin.employees.pick("E1")
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
    screen = admin.employee
    assert screen.managed.isVisible() and "managed by head office" in screen.managed.text()
    assert not screen.edit_button.isVisible() and not screen.deactivate_button.isVisible()
    assert screen.pin_button.isVisible()  # a PIN may still be set here; it goes up to head office
