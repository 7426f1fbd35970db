"""The supervisor's views of the site: who is here, today's punches, the employee list, the banner count."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from kiosk.domain.punches import BreakType, IdentifiedBy, Punch, PunchKind
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.roster import Roster
from kiosk.services.supervision import SiteOverview
from kiosk.store import repository
from kiosk.store.schema import FaceTemplate, SyncState
from kiosk.store.secrets import SecretStore
from tests.support import KioskWorld

FACE = IdentifiedBy.FACE
# Manila is UTC+8: local midnight of 3 November is 2 November 16:00Z.
MIDNIGHT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


@pytest.fixture
def overview(world: KioskWorld) -> SiteOverview:
    return SiteOverview(world.database, world.clock, world.missed)


def punch_at(world: KioskWorld, at: datetime, employee: str, kind: PunchKind, brk: BreakType | None = None) -> None:
    world.time.set(at)
    world.clock.record_punch(employee, kind, brk, identified_by=FACE)


def test_who_is_on_site_now_and_since_when(world: KioskWorld, overview: SiteOverview) -> None:
    punch_at(world, MIDNIGHT - timedelta(hours=10), "E3", PunchKind.CLOCK_IN)  # yesterday 14:00, still open
    punch_at(world, MIDNIGHT + timedelta(hours=8), "E1", PunchKind.CLOCK_IN)  # 08:00
    punch_at(world, MIDNIGHT + timedelta(hours=8, minutes=5), "E2", PunchKind.CLOCK_IN)
    punch_at(world, MIDNIGHT + timedelta(hours=12), "E1", PunchKind.BREAK_START, BreakType.LUNCH)
    punch_at(world, MIDNIGHT + timedelta(hours=12, minutes=30), "E2", PunchKind.CLOCK_OUT)
    world.time.set(MIDNIGHT + timedelta(hours=12, minutes=40))

    present = overview.on_site_now()
    assert [(p.employee.id, p.status) for p in present] == [
        ("E3", EmployeeStatus.ON_SHIFT),
        ("E1", EmployeeStatus.ON_BREAK),
    ]
    ana, maria = present
    assert ana.since.isoformat() == "2026-11-02T14:00:00+08:00"
    assert ana.missed_clockout  # open 22 h 40 min, beyond the company's 16 h limit
    assert maria.since.isoformat() == "2026-11-03T12:00:00+08:00"  # the lunch break's start
    assert maria.clock_in.isoformat() == "2026-11-03T08:00:00+08:00"
    assert (maria.break_type, maria.missed_clockout) == (BreakType.LUNCH, False)
    assert overview.business_day() == date(2026, 11, 3)


def test_todays_punches_at_this_site(world: KioskWorld, overview: SiteOverview) -> None:
    punch_at(world, MIDNIGHT - timedelta(seconds=1), "E3", PunchKind.CLOCK_IN)  # 23:59:59 yesterday
    punch_at(world, MIDNIGHT, "E1", PunchKind.CLOCK_IN)  # 00:00:00 today
    punch_at(world, MIDNIGHT + timedelta(hours=9), "E2", PunchKind.CLOCK_IN)
    with world.database.write() as session:  # a punch another site's kiosk made: not this site's
        other = Punch(uuid.uuid4(), "E2", PunchKind.CLOCK_OUT, MIDNIGHT + timedelta(hours=9, minutes=30))
        repository.add_punch(
            session, other, company_id="C1", site_id="S2", recorded_at=other.occurred_at, sync_state=SyncState.REMOTE
        )
    punch_at(world, MIDNIGHT + timedelta(hours=15, minutes=59), "E1", PunchKind.CLOCK_OUT)
    punch_at(world, MIDNIGHT + timedelta(days=1), "E2", PunchKind.CLOCK_IN)  # tomorrow already

    world.time.set(MIDNIGHT + timedelta(hours=23, minutes=59, seconds=30))
    lines = overview.todays_punches()
    assert [(line.employee_name, line.punch.kind, line.local_time.isoformat()) for line in lines] == [
        ("Maria Santos", PunchKind.CLOCK_OUT, "2026-11-03T15:59:00+08:00"),
        ("Jose Reyes", PunchKind.CLOCK_IN, "2026-11-03T09:00:00+08:00"),
        ("Maria Santos", PunchKind.CLOCK_IN, "2026-11-03T00:00:00+08:00"),
    ]
    assert {line.sync_state for line in lines} == {SyncState.PENDING}


def test_the_employee_list_and_the_banner_count(world: KioskWorld, overview: SiteOverview) -> None:
    roster = Roster(world.database, world.clock, SecretStore())
    roster.set_pin("E2", "4821", changed_by="supervisor")
    with world.database.write() as session:
        for _ in range(3):
            session.add(FaceTemplate(id=str(uuid.uuid4()), employee_id="E1", sealed=b"x", created_at=world.time.now))
    punch_at(world, MIDNIGHT - timedelta(hours=30), "E1", PunchKind.CLOCK_IN)  # forgotten, two days ago
    punch_at(world, MIDNIGHT + timedelta(hours=8), "E2", PunchKind.CLOCK_IN)
    punch_at(world, MIDNIGHT + timedelta(hours=17), "E2", PunchKind.CLOCK_OUT)
    assert overview.pending_clockout_count() == 0
    world.time.set(MIDNIGHT + timedelta(hours=18))
    assert world.missed.open_pending_incident("E1") is not None
    roster.set_employee_active("E3", False, changed_by="supervisor")

    rows = {row.employee.id: row for row in overview.employee_list()}
    assert list(rows) == ["E3", "E2", "E1"]  # by last name: Cruz, Reyes, Santos
    assert (rows["E2"].status, rows["E2"].has_pin, rows["E2"].face_templates) == (EmployeeStatus.OFF, True, 0)
    assert rows["E2"].since is not None and rows["E2"].since.isoformat() == "2026-11-03T17:00:00+08:00"
    assert (rows["E1"].status, rows["E1"].face_templates, rows["E1"].has_pin) == (EmployeeStatus.ON_SHIFT, 3, False)
    assert rows["E1"].since is not None and rows["E1"].since.isoformat() == "2026-11-01T18:00:00+08:00"
    assert (rows["E3"].employee.active, rows["E3"].status, rows["E3"].since) == (False, EmployeeStatus.OFF, None)
    assert [row.employee.id for row in overview.employee_list(active_only=True)] == ["E2", "E1"]
    assert overview.pending_clockout_count() == 1


def test_claims_and_resolutions_show_as_the_punch_screen_sees_them(world: KioskWorld, overview: SiteOverview) -> None:
    punch_at(world, MIDNIGHT - timedelta(hours=16), "E1", PunchKind.CLOCK_IN)  # yesterday 08:00, never closed
    world.time.set(MIDNIGHT + timedelta(hours=8))
    (row,) = [row for row in overview.employee_list() if row.employee.id == "E1"]
    assert (row.status, row.unexplained_sessions) == (EmployeeStatus.ON_SHIFT, 0)
    assert overview.on_site_now()[0].missed_clockout

    claim = world.missed.create_and_submit_clockout_claim(
        "E1", MIDNIGHT - timedelta(hours=7), "forgot", identified_by=FACE
    )
    (row,) = [row for row in overview.employee_list() if row.employee.id == "E1"]
    assert (row.status, row.unexplained_sessions) == (EmployeeStatus.ON_SHIFT, 0)
    assert row.since is not None and row.since.isoformat() == "2026-11-03T08:00:00+08:00"  # today's clock-in
    world.missed.resolve_missed_clockout(claim.incident.id, approve=True, resolved_by="supervisor")
    (present,) = overview.on_site_now()
    assert (present.employee.id, present.since.isoformat(), present.missed_clockout) == (
        "E1",
        "2026-11-03T08:00:00+08:00",
        False,
    )
    state = world.clock.employee_view("E1").state
    assert state.status is EmployeeStatus.ON_SHIFT
    assert state.unresolved == ()
