"""Once provisioned, head office owns the roster: a kiosk may set PINs and, where the company allows, deactivate
employees; those changes go up as audited changes and come back to every kiosk. Everything else is refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from central.roster import upsert_company, upsert_employee
from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import DepartmentRules
from kiosk.services.roster import Roster
from kiosk.store import repository
from kiosk.store.schema import RosterChangeRow, SyncState
from kiosk.store.secrets import SecretStore
from sync.credentials import adopt_identity
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk
from tests.conftest import MemoryKeyring
from wire.schema import audit_log, employees

MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def company(fresh_central: CentralDatabase) -> CentralDatabase:
    fresh_central.add_company("wayne", sites={"gotham": "Asia/Manila"}, employees=3)
    return fresh_central


def provisioned(central: CentralDatabase, path: Path, name: str) -> KioskUnderTest:
    kiosk = open_kiosk(path, central.add_kiosk("wayne", "gotham", name), now=MONDAY)
    adopt_identity(kiosk.database, kiosk.profile)
    return kiosk


@pytest.fixture
def kiosks(company: CentralDatabase, tmp_path: Path) -> Iterator[tuple[KioskUnderTest, KioskUnderTest]]:
    gate, dock = provisioned(company, tmp_path / "gate.db", "gate"), provisioned(company, tmp_path / "dock.db", "dock")
    yield gate, dock
    gate.close()
    dock.close()


def central_employee(central: CentralDatabase, number: str) -> dict[str, object]:
    with central.engine.connect() as admin:
        return dict(admin.execute(select(employees).where(employees.c.number == number)).mappings().one())


def local_employee(kiosk: KioskUnderTest, number: str) -> repository.EmployeeRecord:
    with kiosk.database.read() as session:
        found = repository.employee_by_number(session, "wayne", number)
    assert found is not None
    return found


def test_pins_and_deactivations_go_up_and_come_back_to_every_kiosk(
    company: CentralDatabase, kiosks: tuple[KioskUnderTest, KioskUnderTest], memory_keyring: MemoryKeyring
) -> None:
    gate, dock = kiosks
    roster = Roster(gate.database, gate.clock, SecretStore(memory_keyring))
    assert not roster.owned_here()
    maria = gate.employee_id("wayne-E001")

    roster.set_pin(maria, "4821", changed_by="supervisor at gate")
    new_hash = local_employee(gate, "wayne-E001").pin_hash
    assert new_hash is not None
    pushed, _ = gate.sync.run_once()
    assert not pushed.rejected and pushed.delivered == 1
    assert central_employee(company, "wayne-E001")["pin_hash"] == new_hash
    dock.sync.pull()
    assert local_employee(dock, "wayne-E001").pin_hash == new_hash

    with pytest.raises(RuleViolation, match="only head office deactivates") as refused:
        roster.set_employee_active(maria, False, changed_by="supervisor at gate")
    assert refused.value.code == "managed_by_head_office"
    assert local_employee(gate, "wayne-E001").active

    upsert_company(company.engine, "wayne", "wayne Ltd", kiosk_may_deactivate=True)
    gate.sync.pull()
    roster.set_employee_active(maria, False, changed_by="supervisor at gate")
    assert not local_employee(gate, "wayne-E001").active
    gate.sync.run_once()
    assert central_employee(company, "wayne-E001")["active"] is False
    dock.sync.pull()
    assert not local_employee(dock, "wayne-E001").active
    with company.engine.connect() as admin:
        entries = admin.execute(
            select(audit_log.c.action, audit_log.c.subject, audit_log.c.actor, audit_log.c.kiosk_id)
            .where(audit_log.c.action.like("employee.%"))
            .order_by(audit_log.c.at)
        ).all()
    assert [(e.action, e.subject, e.actor) for e in entries] == [
        ("employee.pin_set", "wayne-E001", "supervisor at gate"),
        ("employee.deactivated", "wayne-E001", "supervisor at gate"),
    ]
    assert {str(e.kiosk_id) for e in entries} == {gate.profile.kiosk_id}


def test_everything_else_is_managed_by_head_office(
    kiosks: tuple[KioskUnderTest, KioskUnderTest], memory_keyring: MemoryKeyring
) -> None:
    gate, _ = kiosks
    roster = Roster(gate.database, gate.clock, SecretStore(memory_keyring))
    before = roster.employees(), roster.departments()
    jose = gate.employee_id("wayne-E002")
    attempts: list[Callable[[], object]] = [
        lambda: roster.add_employee(
            number="X1", first_name="A", last_name="B", department=None, daily_rate=1, changed_by="s"
        ),
        lambda: roster.update_employee(
            jose, first_name="Joe", last_name="Reyes", department=None, daily_rate=1, changed_by="s"
        ),
        lambda: roster.save_department(DepartmentRules(name="Yard"), changed_by="s"),
        lambda: roster.rename_department("Operations", "Ops", changed_by="s"),
        lambda: roster.set_employee_active(jose, True, changed_by="s"),
    ]
    for attempt in attempts:
        with pytest.raises(RuleViolation, match="head office") as refused:
            attempt()
        assert refused.value.code == "managed_by_head_office"
    assert (roster.employees(), roster.departments()) == before
    with gate.database.read() as session:
        assert session.scalars(select(RosterChangeRow)).all() == []


def test_a_pull_before_the_push_keeps_the_kiosks_change_and_a_refused_one_is_undone(
    company: CentralDatabase, kiosks: tuple[KioskUnderTest, KioskUnderTest], memory_keyring: MemoryKeyring
) -> None:
    gate, _ = kiosks
    roster = Roster(gate.database, gate.clock, SecretStore(memory_keyring))
    ana = gate.employee_id("wayne-E003")
    roster.set_pin(ana, "1357", changed_by="supervisor")
    mine = local_employee(gate, "wayne-E003").pin_hash
    upsert_employee(company.engine, "wayne", "wayne-E003", "Anna", "Number3", department="wayne-ops")
    gate.sync.pull()  # head office renamed her meanwhile: the rename comes down, the new PIN stays
    pulled = local_employee(gate, "wayne-E003")
    assert (pulled.first_name, pulled.pin_hash) == ("Anna", mine)

    # The kiosk believes it may deactivate; head office has just said no.
    upsert_company(company.engine, "wayne", "wayne Ltd", kiosk_may_deactivate=True)
    gate.sync.pull()
    with company.engine.begin() as admin:
        admin.execute(text("UPDATE companies SET kiosk_may_deactivate = false WHERE id = 'wayne'"))
    jose = gate.employee_id("wayne-E002")
    roster.set_employee_active(jose, False, changed_by="supervisor")
    pushed, _ = gate.sync.run_once()
    (reason,) = pushed.rejected.values()
    assert "does not let its kiosks deactivate employees" in reason
    assert central_employee(company, "wayne-E002")["active"] is True
    gate.sync.run_once()  # the whole roster is read again: Jose is active here too
    assert local_employee(gate, "wayne-E002").active
    with gate.database.read() as session:
        states = [(row.kind, row.sync_state) for row in session.scalars(select(RosterChangeRow))]
        (entry,) = repository.audit_entries(session, "employee.deactivated")
    assert sorted(states) == [("deactivated", SyncState.REJECTED), ("pin_set", SyncState.SENT)]
    assert json.loads(entry.detail)["face_templates_deleted"] == 0
