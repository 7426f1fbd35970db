"""Employees, departments and employee PINs from the kiosk, on a real database file with the isolated keyring."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.domain.roster import parse_daily_rate
from kiosk.services.company_settings import CompanySettings
from kiosk.services.roster import Roster
from kiosk.services.timeclock import PunchStatus
from kiosk.store import repository
from kiosk.store.schema import FaceTemplate
from kiosk.store.secrets import PIN_PEPPER, SecretStore
from tests.conftest import MemoryKeyring
from tests.support import KioskWorld

SUPERVISOR = "supervisor"


@pytest.fixture
def roster(world: KioskWorld) -> Roster:
    return Roster(world.database, world.clock, SecretStore())


def audit_actions(world: KioskWorld) -> list[str]:
    with world.database.read() as session:
        return [entry.action for entry in repository.audit_entries(session)]


def snapshot(world: KioskWorld) -> tuple[object, ...]:
    """Everything a roster change could touch, to prove a refused one changed nothing."""
    with world.database.read() as session:
        return (
            repository.employees(session, "C1"),
            repository.department_rules(session, "C1"),
            [(entry.action, entry.subject) for entry in repository.audit_entries(session)],
        )


def test_adding_and_changing_an_employee(world: KioskWorld, roster: Roster) -> None:
    added = roster.add_employee(
        number=" 0042 ",
        first_name="  Liza ",
        last_name="Mendoza",
        department="Office",
        daily_rate="812.50",
        changed_by=SUPERVISOR,
    )
    assert (added.number, added.first_name, added.department, added.daily_rate, added.active) == (
        "0042",
        "Liza",
        "Office",
        Decimal("812.50"),
        True,
    )
    assert roster.employee(added.id) == added == roster.employee_by_number("0042")
    assert added.id != "0042" and len(added.id) == 32  # the internal id is made up and never typed
    changed = roster.update_employee(
        added.id,
        first_name="Liza",
        last_name="Mendoza-Cruz",
        department="ENGINEER SA SITE",
        daily_rate=900,
        changed_by=SUPERVISOR,
    )
    assert (changed.last_name, changed.department, changed.daily_rate) == (
        "Mendoza-Cruz",
        "ENGINEER SA SITE",
        Decimal(900),
    )
    assert roster.employee(added.id) == changed
    with world.database.read() as session:
        (entry,) = repository.audit_entries(session, "employee.updated")
    assert json.loads(entry.detail)["changes"] == {
        "last_name": ["Mendoza", "Mendoza-Cruz"],
        "department": ["Office", "ENGINEER SA SITE"],
        "daily_rate": ["812.50", "900"],
    }
    rico = roster.add_employee(
        number="PAY-7",
        first_name="Rico",
        last_name="Lim",
        department=None,
        daily_rate=0,
        changed_by=SUPERVISOR,
        pin="4821",
    )
    assert rico.department is None and rico.pin_hash is not None
    assert roster.identify_by_pin(rico.id, "4821").accepted
    assert [e.number for e in roster.employees()] == ["E3", "PAY-7", "0042", "E2", "E1"]
    renumbered = roster.update_employee(
        added.id,
        number="0043",
        first_name="Liza",
        last_name="Mendoza-Cruz",
        department="ENGINEER SA SITE",
        daily_rate=900,
        changed_by=SUPERVISOR,
    )
    assert (renumbered.id, renumbered.number) == (added.id, "0043")
    with pytest.raises(RuleViolation, match="no employee with the number '0042'"):
        roster.employee_by_number("0042")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"first_name": "   "}, "first_name_missing"),
        ({"last_name": "x" * 101}, "last_name_too_long"),
        ({"department": "Nowhere"}, "unknown_department"),
        ({"daily_rate": "-1"}, "rate_invalid"),
        ({"daily_rate": "eight hundred"}, "rate_invalid"),
        ({"daily_rate": "800.125"}, "rate_invalid"),
        ({"daily_rate": 800.5}, "rate_invalid"),
        ({"daily_rate": "NaN"}, "rate_invalid"),
        ({"number": "E1"}, "employee_number_taken"),
        ({"number": "has space"}, "employee_number_invalid"),
        ({"number": "x'; drop table punches;--"}, "employee_number_invalid"),
        ({"number": "N" * 65}, "employee_number_invalid"),
        ({"number": ""}, "employee_number_invalid"),
        ({"pin": "12"}, "pin_format"),
    ],
)
def test_a_bad_new_employee_changes_nothing(
    world: KioskWorld, roster: Roster, fields: dict[str, object], code: str
) -> None:
    before = snapshot(world)
    values: dict[str, object] = {"number": "0042", "first_name": "Liza", "last_name": "Mendoza", "department": "Office"}
    values |= {"daily_rate": "800"} | fields
    with pytest.raises(RuleViolation) as refused:
        roster.add_employee(**values, changed_by=SUPERVISOR)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert snapshot(world) == before


def test_updating_an_unknown_employee_is_refused(world: KioskWorld, roster: Roster) -> None:
    before = snapshot(world)
    with pytest.raises(RuleViolation, match="there is no employee 'E9'"):
        roster.update_employee(
            "E9", first_name="A", last_name="B", department=None, daily_rate=1, changed_by=SUPERVISOR
        )
    assert snapshot(world) == before


def test_departments_are_added_changed_renamed_and_switched_off(world: KioskWorld, roster: Roster) -> None:
    rules = DepartmentRules(name="Night crew", undertime=True, shift_start=time(22, 0), half_day_after=time(23, 0))
    added = roster.save_department(rules, changed_by=SUPERVISOR)
    assert (added.name, added.active, added.active_employees, added.rules) == ("Night crew", True, 0, rules)
    stricter = replace(rules, grace_minutes=0)
    assert roster.save_department(stricter, changed_by=SUPERVISOR).rules == stricter
    renamed = roster.rename_department("Night crew", "Night shift", changed_by=SUPERVISOR)
    assert renamed.rules == replace(stricter, name="Night shift") and renamed.id == added.id
    assert [d.name for d in roster.departments()] == ["ENGINEER SA SITE", "Night shift", "Office"]

    off = roster.set_department_active("Night shift", False, changed_by=SUPERVISOR)
    assert not off.active
    with pytest.raises(RuleViolation, match="Night shift is switched off"):
        roster.add_employee(
            number="N1", first_name="A", last_name="B", department="Night shift", daily_rate=1, changed_by=SUPERVISOR
        )
    with world.database.read() as session:
        assert "Night shift" in repository.department_rules(session, "C1")  # past days are still paid by it
    assert roster.set_department_active("Night shift", True, changed_by=SUPERVISOR).active
    assert audit_actions(world) == [
        "department.added",
        "department.updated",
        "department.renamed",
        "department.deactivated",
        "department.activated",
    ]


def test_bad_department_changes_are_refused(world: KioskWorld, roster: Roster) -> None:
    before = snapshot(world)
    with pytest.raises(RuleViolation, match="still has 1 active employee") as in_use:
        roster.set_department_active("Office", False, changed_by=SUPERVISOR)
    assert in_use.value.code == "department_in_use"
    with pytest.raises(RuleViolation) as taken:
        roster.rename_department("Office", "ENGINEER SA SITE", changed_by=SUPERVISOR)
    assert taken.value.code == "department_exists"
    with pytest.raises(RuleViolation) as unknown:
        roster.rename_department("Warehouse", "Store", changed_by=SUPERVISOR)
    assert unknown.value.code == "unknown_department"
    with pytest.raises(RuleViolation) as blank:
        roster.rename_department("Office", "  ", changed_by=SUPERVISOR)
    assert blank.value.code == "department_name_missing"
    with pytest.raises(RuleViolation) as switch:
        roster.set_department_active("Office", "no", changed_by=SUPERVISOR)  # type: ignore[arg-type]
    assert switch.value.code == "setting_invalid"
    with pytest.raises(RuleViolation, match="grace_minutes"):
        DepartmentRules(name="Yard", grace_minutes=-5)
    assert snapshot(world) == before


def test_deactivating_an_employee_stops_punching_and_deletes_face_templates(world: KioskWorld, roster: Roster) -> None:
    with world.database.write() as session:
        session.add(FaceTemplate(id=str(uuid.uuid4()), employee_id="E2", sealed=b"sealed", created_at=world.time.now))
    gone = roster.set_employee_active("E2", False, changed_by=SUPERVISOR)
    assert not gone.active
    with world.database.read() as session:
        assert session.query(FaceTemplate).count() == 0
        (entry,) = repository.audit_entries(session, "employee.deactivated")
    assert json.loads(entry.detail)["face_templates_deleted"] == 1
    with pytest.raises(RuleViolation) as refused:
        world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.FACE)
    assert refused.value.code == "inactive_employee"
    assert [e.id for e in roster.employees(active_only=True)] == ["E3", "E1"]
    assert roster.set_department_active("Office", False, changed_by=SUPERVISOR).active_employees == 0
    with pytest.raises(RuleViolation, match="switched off"):
        roster.set_employee_active("E2", True, changed_by=SUPERVISOR)
    roster.set_department_active("Office", True, changed_by=SUPERVISOR)
    assert roster.set_employee_active("E2", True, changed_by=SUPERVISOR).active


def test_a_pin_is_stored_hashed_and_identifies_the_employee(
    world: KioskWorld, roster: Roster, memory_keyring: MemoryKeyring
) -> None:
    roster.set_pin("E1", "4821", changed_by=SUPERVISOR)
    stored = roster.employee("E1").pin_hash
    assert stored is not None and "4821" not in stored and stored.startswith("scrypt$")
    assert memory_keyring.get_password("timeclock-kiosk", PIN_PEPPER) is not None
    found = roster.identify_by_pin("E1", "4821")
    assert found.accepted and found.employee is not None and found.employee.id == "E1"
    outcome = world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    assert outcome.status is PunchStatus.RECORDED
    assert not roster.identify_by_pin("E1", "1234").accepted

    roster.clear_pin("E1", changed_by=SUPERVISOR)
    with pytest.raises(RuleViolation) as no_pin:
        roster.identify_by_pin("E1", "4821")
    assert no_pin.value.code == "no_pin"
    assert audit_actions(world) == ["employee_pin.set", "punch.clock_in", "employee_pin.failed", "employee_pin.cleared"]


def test_wrong_pins_lock_the_employee_with_the_supervisor_pin_doubling(world: KioskWorld, roster: Roster) -> None:
    roster.set_pin("E1", "4821", changed_by=SUPERVISOR)
    roster.set_pin("E2", "7777", changed_by=SUPERVISOR)
    answers = [roster.identify_by_pin("E1", "0000") for _ in range(5)]
    assert [answer.failures for answer in answers] == [1, 2, 3, 4, 5]
    assert [answer.locked_for for answer in answers] == [timedelta(0)] * 4 + [timedelta(seconds=30)]
    world.time.advance(seconds=10)
    locked = roster.identify_by_pin("E1", "4821")  # the right PIN, but not even checked while locked
    assert (locked.accepted, locked.locked_for, locked.failures) == (False, timedelta(seconds=20), 5)
    assert roster.identify_by_pin("E2", "7777").accepted  # the lock is per employee

    world.time.advance(seconds=20)
    assert roster.identify_by_pin("E1", "0000").locked_for == timedelta(seconds=60)  # doubled
    # The lock is in the database: a new Roster (a restarted kiosk) still sees it.
    again = Roster(world.database, world.clock, SecretStore())
    assert again.identify_by_pin("E1", "4821").locked_for == timedelta(seconds=60)
    world.time.advance(seconds=60)
    assert again.identify_by_pin("E1", "4821").accepted
    assert roster.identify_by_pin("E1", "0000").failures == 1  # a right PIN starts the count afresh


def test_pin_punching_follows_the_company_setting(world: KioskWorld, roster: Roster) -> None:
    roster.set_pin("E1", "4821", changed_by=SUPERVISOR)
    settings = CompanySettings(world.database, world.clock, world.missed)
    settings.set_pin_punching_allowed(False, changed_by=SUPERVISOR)
    with pytest.raises(RuleViolation) as off:
        roster.identify_by_pin("E1", "4821")
    assert off.value.code == "pin_punching_off"
    settings.set_pin_punching_allowed(True, changed_by=SUPERVISOR)
    assert roster.identify_by_pin("E1", "4821").accepted


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", " 1234", "١٢٣٤"])
def test_bad_pins_are_refused_and_change_nothing(world: KioskWorld, roster: Roster, pin: str) -> None:
    roster.set_pin("E1", "4821", changed_by=SUPERVISOR)
    before = snapshot(world)
    with pytest.raises(RuleViolation) as refused:
        roster.set_pin("E1", pin, changed_by=SUPERVISOR)
    assert refused.value.code == "pin_format"
    assert snapshot(world) == before
    assert roster.identify_by_pin("E1", "4821").accepted


def test_pins_of_unknown_or_inactive_employees(world: KioskWorld, roster: Roster) -> None:
    with pytest.raises(RuleViolation) as unknown:
        roster.set_pin("E9", "4821", changed_by=SUPERVISOR)
    assert unknown.value.code == "unknown_employee"
    with pytest.raises(RuleViolation) as nobody:
        roster.identify_by_pin("E9", "4821")
    assert nobody.value.code == "unknown_employee"
    roster.set_pin("E2", "4821", changed_by=SUPERVISOR)
    roster.set_employee_active("E2", False, changed_by=SUPERVISOR)
    with pytest.raises(RuleViolation) as inactive:
        roster.identify_by_pin("E2", "4821")
    assert inactive.value.code == "inactive_employee"


def test_without_a_keyring_pins_cannot_be_set(world: KioskWorld) -> None:
    from keyring.backends import fail

    roster = Roster(world.database, world.clock, SecretStore(fail.Keyring()))  # type: ignore[no-untyped-call]
    with pytest.raises(EnvironmentProblem, match="no OS keyring"):
        roster.set_pin("E1", "4821", changed_by=SUPERVISOR)
    assert roster.employee("E1").pin_hash is None


def test_daily_rates() -> None:
    assert parse_daily_rate(" 812.5 ") == Decimal("812.5")
    assert parse_daily_rate(Decimal("0.10")) == Decimal("0.10")
    for bad in (True, None, "1e400", "1000000.01", "Infinity"):
        with pytest.raises(RuleViolation):
            parse_daily_rate(bad)  # type: ignore[arg-type]


def test_roster_times_come_from_the_kiosk_clock(world: KioskWorld, roster: Roster) -> None:
    world.time.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    roster.save_department(DepartmentRules(name="Yard"), changed_by=SUPERVISOR)
    with world.database.read() as session:
        (entry,) = repository.audit_entries(session, "department.added")
    assert entry.at == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_a_taken_employee_number_is_refused_on_edit_and_changes_nothing(world: KioskWorld, roster: Roster) -> None:
    before = snapshot(world)
    with pytest.raises(RuleViolation, match="the employee number 'E2' is already Jose Reyes's") as taken:
        roster.update_employee(
            "E1",
            number="E2",
            first_name="Maria",
            last_name="Santos",
            department=None,
            daily_rate=1,
            changed_by=SUPERVISOR,
        )
    assert taken.value.code == "employee_number_taken"
    with pytest.raises(RuleViolation, match="the employee number 'E 2' is not allowed") as bad:
        roster.update_employee(
            "E1",
            number="E 2",
            first_name="Maria",
            last_name="Santos",
            department=None,
            daily_rate=1,
            changed_by=SUPERVISOR,
        )
    assert bad.value.code == "employee_number_invalid"
    assert snapshot(world) == before
