"""Punching through the use case, on a real database file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import BreakType, IdentifiedBy, PunchKind
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.timeclock import PunchStatus
from kiosk.store import repository
from kiosk.store.schema import SyncState
from tests.support import KioskWorld, make_world

FACE = IdentifiedBy.FACE


def test_a_full_day_moves_through_every_state(world: KioskWorld) -> None:
    clock = world.clock
    world.time.set(datetime(2026, 11, 2, 0, 2, tzinfo=UTC))  # 08:02 in Manila
    assert clock.employee_view("E1").state.status is EmployeeStatus.OFF
    assert clock.employee_view("E1").actions == ((PunchKind.CLOCK_IN, None),)

    outcome = clock.record_punch(
        "E1", PunchKind.CLOCK_IN, identified_by=FACE, match_distance=0.31, liveness_passed=True
    )
    assert outcome.status.value == "recorded"
    assert outcome.employee.full_name == "Maria Santos"
    assert outcome.local_time is not None and outcome.local_time.isoformat() == "2026-11-02T08:02:00+08:00"
    assert outcome.state.status is EmployeeStatus.ON_SHIFT

    world.time.advance(hours=4)
    clock.record_punch("E1", PunchKind.BREAK_START, BreakType.LUNCH, identified_by=FACE)
    view = clock.employee_view("E1")
    assert view.state.status is EmployeeStatus.ON_BREAK
    assert (PunchKind.BREAK_END, None) in view.actions

    world.time.advance(minutes=45)
    clock.record_punch("E1", PunchKind.BREAK_END, identified_by=FACE)
    world.time.advance(hours=4)
    out = clock.record_punch("E1", PunchKind.CLOCK_OUT, identified_by=FACE)
    assert out.state.status is EmployeeStatus.OFF

    with world.database.read() as session:
        punches = repository.punches_of(session, "E1")
        states = repository.count_punches_by_state(session)
        actions = [entry.action for entry in repository.audit_entries(session)]
    assert [punch.kind for punch in punches] == [
        PunchKind.CLOCK_IN,
        PunchKind.BREAK_START,
        PunchKind.BREAK_END,
        PunchKind.CLOCK_OUT,
    ]
    assert punches[0].match_distance == pytest.approx(0.31)
    assert punches[0].clock is not None and punches[0].clock.anchored_time == punches[0].occurred_at
    assert states == {SyncState.PENDING: 4}
    assert actions == ["punch.clock_in", "punch.break_start", "punch.break_end", "punch.clock_out"]


def test_a_second_tap_within_a_minute_shows_the_first_and_stores_nothing(world: KioskWorld) -> None:
    first = world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE)
    world.time.advance(seconds=59)
    again = world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE)
    assert again.status.value == "duplicate"
    assert again.punch == first.punch
    with world.database.read() as session:
        assert len(repository.punches_of(session, "E2")) == 1


def test_a_tap_after_the_window_is_judged_on_its_own(world: KioskWorld, tmp_path: Path) -> None:
    world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE)
    world.time.advance(seconds=61)
    # With missed clock-outs on, a clock-in over an open session asks for a claim (seed 000: any open session).
    assert world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE).status is PunchStatus.CLAIM_REQUIRED
    plain = make_world(tmp_path / "off.db", missed_clockout_enabled=False)
    try:
        plain.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE)
        plain.time.advance(seconds=61)
        with pytest.raises(RuleViolation) as caught:
            plain.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE)
        assert caught.value.code == "already_clocked_in"
    finally:
        plain.close()


@pytest.mark.parametrize(
    ("kind", "break_type", "code"),
    [
        (PunchKind.CLOCK_OUT, None, "not_clocked_in"),
        (PunchKind.BREAK_START, BreakType.REST, "not_clocked_in"),
        (PunchKind.BREAK_END, None, "not_clocked_in"),
    ],
)
def test_impossible_taps_are_refused_and_change_nothing(
    world: KioskWorld, kind: PunchKind, break_type: BreakType | None, code: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        world.clock.record_punch("E3", kind, break_type, identified_by=FACE)
    assert caught.value.code == code
    with world.database.read() as session:
        assert repository.punches_of(session, "E3") == []
        assert list(repository.audit_entries(session)) == []


@pytest.mark.parametrize(("employee_id", "code"), [("nobody", "unknown_employee"), ("", "unknown_employee")])
def test_unknown_employees_are_refused(world: KioskWorld, employee_id: str, code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        world.clock.record_punch(employee_id, PunchKind.CLOCK_IN, identified_by=FACE)
    assert caught.value.code == code


def test_an_inactive_employee_cannot_punch(world: KioskWorld) -> None:
    with world.database.write() as session:
        record = repository.get_employee(session, "E2")
        assert record is not None
        from dataclasses import replace

        repository.put_employee(session, replace(record, active=False), world.time.now)
    with pytest.raises(RuleViolation) as caught:
        world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE)
    assert caught.value.code == "inactive_employee"


def test_the_punch_survives_reopening_the_database(world: KioskWorld) -> None:
    outcome = world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    path = world.database.path
    world.database.close()
    from kiosk.store.database import Database

    reopened = Database(path)
    with reopened.read() as session:
        assert outcome.punch is not None
        assert repository.get_punch(session, outcome.punch.id) == outcome.punch
    reopened.close()
