"""The missed clock-out workflow (seed 000) through the services, on a real database file."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import ClaimTimeKind, ClockoutReason, IncidentStatus
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.timeclock import PunchStatus
from kiosk.store import repository
from tests.support import KioskWorld, make_world

FACE = IdentifiedBy.FACE
DAY1_0800 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # 08:00 in Manila
DAY1_1700 = DAY1_0800 + timedelta(hours=9)
DAY2_0800 = DAY1_0800 + timedelta(days=1)


def forgot_to_clock_out(world: KioskWorld) -> None:
    world.time.set(DAY1_0800)
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
    world.time.set(DAY2_0800)


def claim(world: KioskWorld, claimed: datetime = DAY1_1700, reason: str = "forgot") -> None:
    world.missed.create_and_submit_clockout_claim("E1", claimed, reason, "left with the crane crew", identified_by=FACE)


def test_clocking_in_over_an_open_session_asks_for_a_claim_first(world: KioskWorld) -> None:
    forgot_to_clock_out(world)
    outcome = world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
    assert outcome.status is PunchStatus.CLAIM_REQUIRED
    assert outcome.open_session is not None and outcome.open_session.clock_in == DAY1_0800
    open_session = world.missed.check_open_sessions_by_employee_id("E1")
    assert open_session is not None and open_session.claim_required
    assert open_session.local_clock_in.isoformat() == "2026-11-02T08:00:00+08:00"
    (incident,) = world.missed.get_missed_clockout_incidents()
    assert incident.status is IncidentStatus.PENDING
    assert (incident.first_name, incident.last_name, incident.login_time) == ("Maria", "Santos", DAY1_0800)
    assert world.missed.get_pending_clockout_count() == 1
    with world.database.read() as session:
        assert len(repository.punches_of(session, "E1")) == 1  # no second clock-in was recorded


def test_a_claim_records_the_incident_and_clocks_in_at_once(world: KioskWorld) -> None:
    forgot_to_clock_out(world)
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
    claim(world)
    (incident,) = world.missed.get_missed_clockout_incidents()
    assert incident.status is IncidentStatus.EMPLOYEE_CLAIMED
    assert incident.employee_claimed_logout_time == DAY1_1700
    assert incident.employee_reason is ClockoutReason.FORGOT
    assert incident.employee_note == "left with the crane crew"
    view = world.clock.employee_view("E1")
    assert view.state.status is EmployeeStatus.ON_SHIFT
    assert view.state.session is not None and view.state.session.clock_in == DAY2_0800
    assert world.missed.get_pending_clockout_count() == 1  # waits for the supervisor now


def test_approval_closes_the_session_with_the_claimed_time(world: KioskWorld) -> None:
    forgot_to_clock_out(world)
    claim(world)
    (incident,) = world.missed.get_missed_clockout_incidents()
    resolved = world.missed.resolve_missed_clockout(incident.id, approve=True, resolved_by="Supervisor Lim", notes="ok")
    assert resolved.status is IncidentStatus.APPROVED
    assert resolved.final_logout_time == DAY1_1700
    assert world.missed.get_pending_clockout_count() == 0
    derivation = world.clock.derive_employee_now("E1")
    first = derivation.sessions_of("E1")[0]
    assert (first.clock_in, first.clock_out) == (DAY1_0800, DAY1_1700)
    with pytest.raises(RuleViolation):
        world.missed.resolve_missed_clockout(incident.id, approve=True, resolved_by="Supervisor Lim")


def test_rejection_sets_the_supervisors_time_and_needs_notes(world: KioskWorld) -> None:
    forgot_to_clock_out(world)
    claim(world)
    (incident,) = world.missed.get_missed_clockout_incidents()
    override = DAY1_0800 + timedelta(hours=8, minutes=30)
    with pytest.raises(RuleViolation):
        world.missed.resolve_missed_clockout(
            incident.id, approve=False, logout_time=override, notes="", resolved_by="Lim"
        )
    with pytest.raises(RuleViolation) as caught:
        world.missed.resolve_missed_clockout(incident.id, approve=False, notes="gate log says 16:30", resolved_by="Lim")
    assert caught.value.code == "override_time_missing"
    assert world.missed.get_missed_clockout_incident(incident.id).status is IncidentStatus.EMPLOYEE_CLAIMED

    resolved = world.missed.resolve_missed_clockout(
        incident.id, approve=False, logout_time=override, notes="gate log says 16:30", resolved_by="Lim"
    )
    assert resolved.status is IncidentStatus.REJECTED
    assert (resolved.admin_set_logout_time, resolved.admin_notes, resolved.resolved_by) == (
        override,
        "gate log says 16:30",
        "Lim",
    )
    first = world.clock.derive_employee_now("E1").sessions_of("E1")[0]
    assert first.clock_out == override


@pytest.mark.parametrize(
    ("claimed", "reason"),
    [
        (DAY1_0800 - timedelta(minutes=1), "forgot"),  # before the clock-in
        (DAY2_0800 + timedelta(hours=1), "forgot"),  # in the future
        (DAY1_0800 + timedelta(hours=24, seconds=1), "forgot"),  # more than 24 h after the clock-in
        (DAY1_1700, "overslept"),  # not one of the six reasons
    ],
)
def test_a_bad_claim_changes_nothing(world: KioskWorld, claimed: datetime, reason: str) -> None:
    forgot_to_clock_out(world)
    world.time.set(DAY2_0800 + timedelta(minutes=30))
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
    world.time.set(DAY2_0800)
    with pytest.raises(RuleViolation):
        claim(world, claimed, reason)
    (incident,) = world.missed.get_missed_clockout_incidents()
    assert incident.status is IncidentStatus.PENDING
    with world.database.read() as session:
        assert len(repository.punches_of(session, "E1")) == 1


def test_any_tap_on_a_session_older_than_the_limit_asks_for_a_claim(world: KioskWorld) -> None:
    world.time.set(DAY1_0800)
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
    world.time.advance(hours=17)
    assert world.clock.record_punch("E1", PunchKind.CLOCK_OUT, identified_by=FACE).status is PunchStatus.CLAIM_REQUIRED


def test_with_the_feature_off_an_old_session_closes_at_the_limit(tmp_path: Path) -> None:
    world = make_world(tmp_path / "kiosk.db", missed_clockout_enabled=False)
    try:
        forgot_to_clock_out(world)
        outcome = world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
        assert outcome.status is PunchStatus.RECORDED
        first = world.clock.derive_employee_now("E1").sessions_of("E1")[0]
        assert first.clock_out == DAY1_0800 + timedelta(hours=16)
        assert "auto_closed" in first.anomalies
        assert world.missed.get_missed_clockout_incidents() == []
    finally:
        world.close()


def test_settings_are_read_and_changed_with_an_audit_entry(world: KioskWorld) -> None:
    settings = world.missed.get_missed_clockout_settings()
    assert (settings.missed_clockout_enabled, settings.block_reports_on_pending) == (True, False)
    world.missed.update_block_reports_on_pending(True, changed_by="Lim")
    settings = world.missed.update_missed_clockout_enabled(False, changed_by="Lim")
    assert (settings.missed_clockout_enabled, settings.block_reports_on_pending) == (False, True)
    with world.database.read() as session:
        assert [entry.action for entry in repository.audit_entries(session, "settings.missed_clockout")] == [
            "settings.missed_clockout",
            "settings.missed_clockout",
        ]


def test_an_unknown_incident_is_a_clear_error(world: KioskWorld) -> None:
    import uuid

    with pytest.raises(RuleViolation) as caught:
        world.missed.get_missed_clockout_incident(uuid.uuid4())
    assert caught.value.code == "unknown_incident"


def test_the_claim_starts_from_the_end_of_the_employees_regular_day(world: KioskWorld) -> None:
    with world.database.write() as session:
        rules = DepartmentRules(name="ENGINEER SA SITE", undertime=True, shift_start=time(7), regular_hours=Decimal(9))
        repository.put_department(session, "C1", rules, DAY1_0800)
    forgot_to_clock_out(world)
    times = world.missed.claim_times("E1")  # Maria's department: 07:00 and 9 hours, so 16:00 in Manila
    assert times.earliest == DAY1_0800
    assert times.latest == DAY2_0800
    assert times.likely == DAY1_0800 + timedelta(hours=8)
    assert [choice.kind for choice in times.choices] == [
        ClaimTimeKind.REGULAR_DAY_END,
        ClaimTimeKind.REGULAR_HOURS,
        ClaimTimeKind.NOW,
    ]
    with pytest.raises(RuleViolation) as error:
        world.missed.claim_times("E2")
    assert error.value.code == "no_open_session"
