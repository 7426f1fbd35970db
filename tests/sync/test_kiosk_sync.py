"""A kiosk's push and pull against a real central database, through the real local store and punch services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from central.incidents import list_incidents, resolve
from central.roster import deactivate_employee, upsert_employee
from kiosk.domain.incidents import IncidentStatus, MissedClockoutIncident
from kiosk.domain.punches import IdentifiedBy, Punch, PunchKind
from kiosk.store import repository
from kiosk.store.schema import FaceTemplate, PunchRow, SyncState
from sync.kiosk_sync import CURSOR_KEY
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk
from wire.records import punch_from_row
from wire.schema import corrections, employees, face_templates, punches
from wire.templates import company_header

MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Manila


@pytest.fixture
def company(fresh_central: CentralDatabase) -> CentralDatabase:
    fresh_central.add_company("wayne", sites={"gotham": "Asia/Manila"}, employees=4)
    return fresh_central


@pytest.fixture
def gate(company: CentralDatabase, tmp_path: Path) -> Iterator[KioskUnderTest]:
    kiosk = open_kiosk(tmp_path / "gate.db", company.add_kiosk("wayne", "gotham", "gate"), now=MONDAY)
    yield kiosk
    kiosk.close()


@pytest.fixture
def dock(company: CentralDatabase, tmp_path: Path) -> Iterator[KioskUnderTest]:
    kiosk = open_kiosk(tmp_path / "dock.db", company.add_kiosk("wayne", "gotham", "dock"), now=MONDAY)
    yield kiosk
    kiosk.close()


def central_punches(central: CentralDatabase) -> dict[uuid.UUID, object]:
    with central.engine.connect() as admin:
        return {row["id"]: punch_from_row(row) for row in admin.execute(select(punches)).mappings()}


def test_pull_brings_the_roster_and_settings(company: CentralDatabase, gate: KioskUnderTest) -> None:
    with gate.database.read() as session:
        roster = repository.employees(session, "wayne")
        site = repository.get_site(session, gate.profile.site_id)
        rules = repository.department_rules(session, "wayne")
    assert [e.number for e in roster] == ["wayne-E001", "wayne-E002", "wayne-E003", "wayne-E004"]
    assert [e.id for e in roster] == [company.employee_id("wayne", e.number) for e in roster]
    assert roster[0].department == "Operations"
    assert site is not None and site.timezone == "Asia/Manila"
    assert rules["Operations"].undertime


def test_a_punch_goes_up_once_with_its_clock_facts(company: CentralDatabase, gate: KioskUnderTest) -> None:
    punch = gate.punch("wayne-E001", PunchKind.CLOCK_IN)
    assert gate.sync.pending_count() == 1
    first, _ = gate.sync.run_once()
    again, _ = gate.sync.run_once()
    assert (first.delivered, again.delivered) == (1, 0)
    assert gate.sync.pending_count() == 0
    stored = central_punches(company)
    assert stored[punch.id] == punch
    with gate.database.read() as session:
        row = session.get(PunchRow, str(punch.id))
        assert row is not None and row.sync_state == SyncState.SENT and row.synced_at is not None


def test_clock_in_at_one_kiosk_and_out_at_another(
    company: CentralDatabase, gate: KioskUnderTest, dock: KioskUnderTest
) -> None:
    gate.punch("wayne-E002", PunchKind.CLOCK_IN)
    gate.sync.run_once()
    dock.sync.run_once()
    dock.time.advance(hours=9)
    outcome = dock.clock.record_punch(
        dock.employee_id("wayne-E002"), PunchKind.CLOCK_OUT, identified_by=IdentifiedBy.FACE
    )
    assert outcome.punch is not None, "the dock knows the session the gate opened"
    dock.sync.run_once()
    gate.sync.run_once()
    as_of = MONDAY + timedelta(days=1)
    at_gate, at_dock = gate.derive_site(as_of), dock.derive_site(as_of)
    assert at_gate == at_dock
    (session,) = at_gate.sessions_of(gate.employee_id("wayne-E002"))
    assert not session.is_open
    assert session.total_time(as_of) == timedelta(hours=9)


def test_pulling_twice_or_from_scratch_changes_nothing(company: CentralDatabase, gate: KioskUnderTest) -> None:
    gate.punch("wayne-E003", PunchKind.CLOCK_IN)
    gate.sync.run_once()

    def snapshot() -> tuple[object, ...]:
        with gate.database.read() as session:
            return (
                repository.all_punches(session, "wayne"),
                repository.employees(session, "wayne"),
                repository.all_corrections(session, "wayne"),
                repository.department_rules(session, "wayne"),
                repository.get_company(session, "wayne"),
            )

    before = snapshot()
    assert gate.sync.pull().punches == 0
    with gate.database.write() as session:
        repository.put_device_values(session, {CURSOR_KEY: 0}, MONDAY)
    again = gate.sync.pull()
    assert again.punches == 0
    assert snapshot() == before


def test_rows_committed_out_of_order_are_not_skipped(company: CentralDatabase, gate: KioskUnderTest) -> None:
    """Transaction A starts first and commits last; a pull between the two commits must not lose A's row."""
    gate.sync.pull()
    slow = company.engine.connect()
    slow_tx = slow.begin()
    slow.execute(
        insert(employees).values(
            id="slow-writer", number="wayne-E900", company_id="wayne", first_name="Slow", last_name="Writer"
        )
    )
    slow.execute(text("SELECT 1"))  # A now holds a transaction id lower than B's
    upsert_employee(company.engine, "wayne", "wayne-E901", "Fast", "Writer")  # B commits first
    first = gate.sync.pull()
    slow_tx.commit()
    slow.close()
    second = gate.sync.pull()
    with gate.database.read() as session:
        known = {e.number for e in repository.employees(session, "wayne")}
    assert "wayne-E901" in known and first.employees >= 1
    assert "wayne-E900" in known, "the row committed after a later transaction's was skipped"
    assert second.employees >= 1


def forgotten_clock_out(
    company: CentralDatabase, kiosk: KioskUnderTest, employee: str, worked: timedelta, reason: str
) -> tuple[Punch, MissedClockoutIncident]:
    """With missed clock-out management on, the employee clocks in, comes back 20 h later and claims `worked`."""
    with company.engine.begin() as admin:
        admin.execute(text("UPDATE companies SET missed_clockout_enabled = true WHERE id = 'wayne'"))
    kiosk.sync.pull()
    opened = kiosk.punch(employee, PunchKind.CLOCK_IN)
    kiosk.time.advance(hours=20)
    outcome = kiosk.missed.create_and_submit_clockout_claim(
        kiosk.employee_id(employee), opened.occurred_at + worked, reason, identified_by=IdentifiedBy.FACE
    )
    return opened, outcome.incident


def test_resolution_pulled_back_closes_the_session_with_the_admins_time(
    company: CentralDatabase, gate: KioskUnderTest
) -> None:
    opened, incident = forgotten_clock_out(company, gate, "wayne-E004", timedelta(hours=9), "Forgot")
    gate.sync.run_once()
    incident_id = incident.id
    admin_time = opened.occurred_at + timedelta(hours=8, minutes=30)
    resolve(
        company.engine,
        incident_id,
        approve=False,
        resolved_by="HQ Payroll",
        notes="badge records",
        logout_time=admin_time,
        now=datetime.now(UTC),
    )
    report = gate.sync.run_once()[1]
    assert report.resolutions == 1
    with gate.database.read() as session:
        local = repository.get_incident(session, incident_id)
    assert local is not None and local.status is IncidentStatus.REJECTED
    assert local.admin_set_logout_time == admin_time
    derived = gate.derive_site(gate.time.now)
    first = derived.sessions_of(gate.employee_id("wayne-E004"))[0]
    assert first.clock_out == admin_time


def test_deactivated_employee_loses_templates_on_the_kiosk(company: CentralDatabase, gate: KioskUnderTest) -> None:
    template_id = uuid.uuid4()
    with company.engine.begin() as admin:
        admin.execute(
            insert(face_templates).values(
                id=template_id,
                company_id="wayne",
                employee_id=company.employee_id("wayne", "wayne-E001"),
                sealed=b"sealed-bytes",
                pose="frontal",
                created_at=MONDAY,
            )
        )
    assert gate.sync.pull().templates_added == 1
    with gate.database.read() as session:
        assert session.get(FaceTemplate, str(template_id)) is not None
    deactivate_employee(company.engine, "wayne", "wayne-E001")
    report = gate.sync.pull()
    assert report.templates_removed == 1
    with gate.database.read() as session:
        assert session.scalar(select(func.count()).select_from(FaceTemplate)) == 0
        employee = repository.get_employee(session, company.employee_id("wayne", "wayne-E001"))
    assert employee is not None and not employee.active
    with company.engine.connect() as admin:
        kept = admin.execute(select(face_templates.c.sealed).where(face_templates.c.id == template_id)).scalar()
    assert kept is None, "revoked centrally too"


def test_a_conflicting_or_refused_punch_is_set_aside_and_the_rest_goes_up(
    company: CentralDatabase, gate: KioskUnderTest
) -> None:
    good = gate.punch("wayne-E001", PunchKind.CLOCK_IN)
    taken = gate.punch("wayne-E002", PunchKind.CLOCK_IN)
    # Head office already holds another record under the id of `taken`.
    with company.engine.begin() as admin:
        admin.execute(
            insert(punches).values(
                id=taken.id,
                company_id="wayne",
                site_id=gate.profile.site_id,
                employee_id=company.employee_id("wayne", "wayne-E003"),
                kind="clock_in",
                occurred_at=MONDAY,
                identified_by="pin",
                recorded_at=MONDAY,
            )
        )
    # A local employee head office does not know.
    with gate.database.write() as session:
        repository.put_employee(
            session,
            repository.EmployeeRecord("ghost", "wayne", "Local", "Only", None, Decimal(0), True, None, "ghost"),
            MONDAY,
        )
    ghost = gate.punch("ghost", PunchKind.CLOCK_IN)
    report, _ = gate.sync.run_once()
    assert report.delivered == 1
    assert set(report.conflicts) == {str(taken.id)}
    assert report.rejected == {str(ghost.id): "employee ghost is not on the roster of company wayne"}
    with gate.database.read() as session:
        states = {row.id: (row.sync_state, row.sync_error) for row in session.scalars(select(PunchRow))}
    assert states[str(good.id)] == (SyncState.SENT, None)
    assert states[str(taken.id)][0] == SyncState.CONFLICT
    assert f"employee_id='{company.employee_id('wayne', 'wayne-E003')}'" in str(states[str(taken.id)][1])
    assert states[str(ghost.id)] == (SyncState.REJECTED, "employee ghost is not on the roster of company wayne")
    assert gate.sync.pending_count() == 0


def test_an_enrolment_goes_up_and_other_kiosks_get_it(
    company: CentralDatabase, gate: KioskUnderTest, dock: KioskUnderTest
) -> None:
    template_id = str(uuid.uuid4())
    own_key_template = str(uuid.uuid4())
    sealed = company_header(1) + b"sealed"  # opaque to sync: what matters is the company key version it names
    with gate.database.write() as session:
        repository.add_face_template(
            session, repository.StoredTemplate(template_id, gate.employee_id("wayne-E002"), sealed, "frontal", MONDAY)
        )
        # Sealed under the kiosk's own key: no other kiosk could open it, so it waits to be sealed again.
        repository.add_face_template(
            session,
            repository.StoredTemplate(
                own_key_template, gate.employee_id("wayne-E003"), b"\x01sealed", "frontal", MONDAY
            ),
        )
    assert gate.sync.push().delivered == 1
    with gate.database.read() as session:
        assert session.get(FaceTemplate, own_key_template).sync_state == SyncState.PENDING  # type: ignore[union-attr]
    with company.engine.connect() as admin:
        row = (
            admin.execute(select(face_templates).where(face_templates.c.id == uuid.UUID(template_id))).mappings().one()
        )
    assert (row["employee_id"], row["sealed"], str(row["kiosk_id"])) == (
        company.employee_id("wayne", "wayne-E002"),
        sealed,
        gate.profile.kiosk_id,
    )
    assert dock.sync.pull().templates_added == 1
    with dock.database.read() as session:
        (pulled,) = repository.face_templates(session, dock.employee_id("wayne-E002"))
    assert pulled.sealed == sealed


def test_a_pending_incident_then_its_claim_then_a_kiosk_resolution_all_go_up(
    company: CentralDatabase, gate: KioskUnderTest
) -> None:
    with company.engine.begin() as admin:
        admin.execute(text("UPDATE companies SET missed_clockout_enabled = true WHERE id = 'wayne'"))
    gate.sync.pull()
    opened = gate.punch("wayne-E003", PunchKind.CLOCK_IN)
    gate.time.advance(hours=20)
    pending = gate.missed.open_pending_incident(gate.employee_id("wayne-E003"))
    assert pending is not None and pending.status is IncidentStatus.PENDING
    gate.sync.run_once()
    with company.engine.connect() as admin:
        (central_view,) = [i for i in list_incidents(admin) if i.id == pending.id]
    assert central_view.status is IncidentStatus.PENDING

    claim = gate.missed.create_and_submit_clockout_claim(
        gate.employee_id("wayne-E003"),
        opened.occurred_at + timedelta(hours=8),
        "System issue",
        identified_by=IdentifiedBy.FACE,
    )
    assert claim.incident.id == pending.id
    gate.missed.resolve_missed_clockout(pending.id, approve=True, resolved_by="Site supervisor", notes="seen")
    report, _ = gate.sync.run_once()
    assert not report.conflicts and not report.rejected
    with company.engine.connect() as admin:
        (central_view,) = [i for i in list_incidents(admin) if i.id == pending.id]
        closing = admin.execute(select(corrections).where(corrections.c.target_punch_id == opened.id)).mappings().one()
    assert central_view.status is IncidentStatus.APPROVED
    assert central_view.final_logout_time == opened.occurred_at + timedelta(hours=8)
    assert closing["effective_at"] == opened.occurred_at + timedelta(hours=8)
    assert gate.sync.pending_count() == 0


def test_head_office_and_a_kiosk_resolving_differently_is_a_reported_conflict(
    company: CentralDatabase, gate: KioskUnderTest
) -> None:
    opened, incident = forgotten_clock_out(company, gate, "wayne-E001", timedelta(hours=8), "Forgot")
    gate.sync.push()
    resolve(
        company.engine,
        incident.id,
        approve=True,
        resolved_by="HQ",
        notes="",
        logout_time=None,
        now=datetime.now(UTC),
    )
    gate.missed.resolve_missed_clockout(
        incident.id,
        approve=False,
        resolved_by="Site supervisor",
        notes="left at five",
        logout_time=opened.occurred_at + timedelta(hours=7),
    )
    report = gate.sync.push()
    assert str(incident.id) in report.conflicts
    with company.engine.connect() as admin:
        (central_view,) = [i for i in list_incidents(admin) if i.id == incident.id]
    assert central_view.status is IncidentStatus.APPROVED, "head office's decision is never overwritten"
