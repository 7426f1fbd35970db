"""Seed 000's missed clock-out rules: reasons, states, claim validation, resolution, detection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import (
    ClaimTimeKind,
    ClockoutReason,
    IncidentStatus,
    MissedClockoutIncident,
    MissedClockoutSettings,
    claim_required,
    claim_times,
    regular_day_end,
    validate_claimed_logout,
)
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import BreakType, CorrectionKind, PunchKind
from kiosk.domain.sessions import AnomalyCode, ClosedBy, EmployeeState, EmployeeStatus, derive, state_of
from tests.domain.builders import MANILA, punch

LOGIN = datetime(2026, 1, 26, 0, 0, tzinfo=UTC)  # 08:00 in Manila
NOW = datetime(2026, 1, 27, 0, 5, tzinfo=UTC)


def pending() -> MissedClockoutIncident:
    return MissedClockoutIncident.open_pending(
        id=uuid.UUID(int=7),
        company_id="acme",
        employee_id="e1",
        first_name="Maria",
        last_name="Santos",
        clock_in_punch_id=uuid.UUID(int=42),
        login_time=LOGIN,
        created_at=NOW,
    )


def claimed() -> MissedClockoutIncident:
    return pending().claim(LOGIN + timedelta(hours=9), "Forgot", "left in a hurry", NOW)


def code_of(call: object, *args: object) -> str:
    with pytest.raises(RuleViolation) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.message
    return caught.value.code


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        (ClockoutReason.FORGOT, "Forgot"),
        (ClockoutReason.CLOSED_TAB_BY_ACCIDENT, "Closed tab by accident"),
        (ClockoutReason.SYSTEM_ISSUE, "System issue"),
        (ClockoutReason.EMERGENCY, "Emergency"),
        (ClockoutReason.INTERNET_LOST, "Internet lost"),
        (ClockoutReason.DEVICE_DIED, "Device died"),
    ],
)
def test_the_seed_reasons(reason: ClockoutReason, label: str) -> None:
    assert reason.label == label
    assert ClockoutReason.parse(label) is reason
    assert ClockoutReason.parse(reason.value) is reason
    assert ClockoutReason.parse(label.upper()) is reason
    assert ClockoutReason.parse(reason) is reason


def test_exactly_six_reasons() -> None:
    assert len(ClockoutReason) == 6


@pytest.mark.parametrize("text", ["Overslept", "", "forgot it"])
def test_unknown_reasons_list_the_valid_ones(text: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        ClockoutReason.parse(text)
    assert caught.value.code == "reason_invalid"
    assert "Forgot, Closed tab by accident, System issue, Emergency, Internet lost, Device died" in caught.value.message


def test_the_seed_statuses() -> None:
    assert [status.value for status in IncidentStatus] == ["pending", "employee_claimed", "approved", "rejected"]


def test_a_new_incident_is_pending() -> None:
    incident = pending()
    assert incident.status is IncidentStatus.PENDING
    assert incident.is_unresolved
    assert incident.final_logout_time is None
    assert incident.full_name == "Maria Santos"
    assert code_of(incident.resolution_correction) == "incident_unresolved"


def test_claim() -> None:
    incident = claimed()
    assert incident.status is IncidentStatus.EMPLOYEE_CLAIMED
    assert incident.employee_claimed_logout_time == LOGIN + timedelta(hours=9)
    assert incident.employee_reason is ClockoutReason.FORGOT
    assert incident.employee_note == "left in a hurry"
    assert incident.employee_claimed_at == NOW
    assert incident.is_unresolved
    assert pending().status is IncidentStatus.PENDING  # transitions return new incidents


def test_submit_claim_creates_and_claims_in_one_step() -> None:
    incident = MissedClockoutIncident.submit_claim(
        id=uuid.UUID(int=8),
        company_id="acme",
        employee_id="e1",
        first_name="Maria",
        last_name="Santos",
        clock_in_punch_id=uuid.UUID(int=42),
        login_time=LOGIN,
        logout_time=LOGIN + timedelta(hours=8),
        reason=ClockoutReason.DEVICE_DIED,
        note=" ",
        now=NOW,
    )
    assert incident.status is IncidentStatus.EMPLOYEE_CLAIMED
    assert incident.created_at == NOW
    assert incident.employee_note is None


@pytest.mark.parametrize(
    ("claimed_at", "now", "code"),
    [
        (LOGIN - timedelta(seconds=1), NOW, "claim_before_clock_in"),
        (NOW + timedelta(seconds=1), NOW, "claim_in_future"),
        (LOGIN + timedelta(hours=24, seconds=1), NOW + timedelta(days=2), "claim_beyond_24h"),
    ],
)
def test_bad_claimed_times(claimed_at: datetime, now: datetime, code: str) -> None:
    assert code_of(validate_claimed_logout, LOGIN, claimed_at, now) == code
    assert code_of(pending().claim, claimed_at, "Forgot", None, now) == code


def test_claimed_time_limits_are_inclusive() -> None:
    validate_claimed_logout(LOGIN, LOGIN, NOW)
    validate_claimed_logout(LOGIN, LOGIN + timedelta(hours=24), LOGIN + timedelta(hours=24))
    assert code_of(validate_claimed_logout, LOGIN, datetime(2026, 1, 26, 9, 0), NOW) == "naive_time"  # noqa: DTZ001


def test_bad_claims_change_nothing() -> None:
    incident = pending()
    assert code_of(incident.claim, LOGIN + timedelta(hours=8), "Overslept", None, NOW) == "reason_invalid"
    assert code_of(incident.claim, LOGIN + timedelta(hours=8), "Forgot", "x" * 1001, NOW) == "note_too_long"
    assert code_of(claimed().claim, LOGIN + timedelta(hours=8), "Forgot", None, NOW) == "already_claimed"
    assert incident.status is IncidentStatus.PENDING


def test_approve_accepts_the_claimed_time() -> None:
    approved = claimed().approve("supervisor", "checked the gate log", NOW + timedelta(hours=1))
    assert approved.status is IncidentStatus.APPROVED
    assert approved.final_logout_time == LOGIN + timedelta(hours=9)
    assert approved.resolved_by == "supervisor"
    assert approved.resolved_at == NOW + timedelta(hours=1)
    assert approved.admin_notes == "checked the gate log"
    assert not approved.is_unresolved


def test_reject_sets_another_time() -> None:
    rejected = claimed().reject(LOGIN + timedelta(hours=8), "camera shows 16:00", "supervisor", NOW)
    assert rejected.status is IncidentStatus.REJECTED
    assert rejected.final_logout_time == LOGIN + timedelta(hours=8)
    assert rejected.admin_set_logout_time == LOGIN + timedelta(hours=8)
    assert rejected.employee_claimed_logout_time == LOGIN + timedelta(hours=9)


def test_an_admin_can_resolve_a_pending_incident_by_setting_the_time() -> None:
    rejected = pending().reject(LOGIN + timedelta(hours=8), "no claim came", "supervisor", NOW)
    assert rejected.final_logout_time == LOGIN + timedelta(hours=8)


def test_messages_about_the_notes_are_correct_english() -> None:
    with pytest.raises(RuleViolation) as missing:
        claimed().reject(LOGIN + timedelta(hours=8), "  ", "supervisor", NOW)
    assert missing.value.message == "the notes are required"
    with pytest.raises(RuleViolation) as long_notes:
        claimed().reject(LOGIN + timedelta(hours=8), "x" * 2000, "supervisor", NOW)
    assert long_notes.value.message.startswith("the notes are longer than")
    with pytest.raises(RuleViolation) as long_note:
        pending().claim(LOGIN + timedelta(hours=8), ClockoutReason.FORGOT, "x" * 2000, NOW)
    assert long_note.value.message.startswith("the note is longer than")


def test_bad_resolutions() -> None:
    later = LOGIN + timedelta(hours=8)
    assert code_of(pending().approve, "supervisor", None, NOW) == "nothing_to_approve"
    assert code_of(claimed().approve, " ", None, NOW) == "admin_missing"
    assert code_of(claimed().reject, later, "  ", "supervisor", NOW) == "admin_notes_required"
    assert code_of(claimed().reject, later, "ok", "", NOW) == "admin_missing"
    assert code_of(claimed().reject, LOGIN - timedelta(minutes=1), "ok", "s", NOW) == "claim_before_clock_in"
    assert code_of(claimed().reject, LOGIN + timedelta(hours=25), "ok", "s", NOW + timedelta(days=3)) == (
        "claim_beyond_24h"
    )
    assert code_of(claimed().reject, NOW + timedelta(minutes=1), "ok", "s", NOW) == "claim_in_future"
    approved = claimed().approve("supervisor", None, NOW)
    assert code_of(approved.approve, "supervisor", None, NOW) == "incident_resolved"
    assert code_of(approved.reject, later, "again", "supervisor", NOW) == "incident_resolved"
    assert code_of(approved.claim, later, "Forgot", None, NOW) == "incident_resolved"


def test_the_resolution_closes_the_session() -> None:
    monday = punch("e1", PunchKind.CLOCK_IN, LOGIN, punch_id=uuid.UUID(int=42))
    tuesday = punch("e1", PunchKind.CLOCK_IN, NOW)
    settings = MissedClockoutSettings(missed_clockout_enabled=True)
    before = derive([monday, tuesday], [], tz=MANILA, policy=settings.session_policy(), as_of=NOW)
    assert AnomalyCode.MISSED_CLOCK_OUT in before.sessions[0].anomalies

    resolved = claimed().reject(LOGIN + timedelta(hours=8), "gate log", "supervisor", NOW + timedelta(hours=2))
    fix = resolved.resolution_correction()
    assert fix.kind is CorrectionKind.CLOSE_SESSION
    assert fix.target_punch_id == monday.id
    assert fix.effective_at == LOGIN + timedelta(hours=8)
    assert fix.made_by == "supervisor"
    assert fix.id == claimed().reject(LOGIN + timedelta(hours=8), "x", "y", NOW).resolution_correction().id
    after = derive([monday, tuesday], [fix], tz=MANILA, policy=settings.session_policy(), as_of=NOW)
    older = after.sessions[0]
    assert older.clock_out == LOGIN + timedelta(hours=8)
    assert older.closed_by is ClosedBy.CORRECTION
    assert older.working_time() == timedelta(hours=8)


def test_settings_defaults_and_policy() -> None:
    settings = MissedClockoutSettings()
    assert not settings.missed_clockout_enabled
    assert not settings.block_reports_on_pending
    assert settings.open_session_limit == timedelta(hours=16)
    assert settings.session_policy().auto_close_at_limit
    on = MissedClockoutSettings(missed_clockout_enabled=True, open_session_limit=timedelta(hours=12))
    assert not on.session_policy().auto_close_at_limit
    assert on.session_policy().open_session_limit == timedelta(hours=12)
    with pytest.raises(RuleViolation) as caught:
        MissedClockoutSettings(open_session_limit=timedelta(hours=30))
    assert caught.value.code == "setting_invalid"


ENABLED = MissedClockoutSettings(missed_clockout_enabled=True)


def current_state(
    taps: list[tuple[PunchKind, datetime]], now: datetime, settings: MissedClockoutSettings
) -> EmployeeState:
    punches = [
        punch("e1", kind, when, BreakType.LUNCH if kind is PunchKind.BREAK_START else None) for kind, when in taps
    ]
    return state_of(derive(punches, [], tz=MANILA, policy=settings.session_policy(), as_of=now), "e1")


@pytest.mark.parametrize(
    ("taps", "now", "kind", "expected"),
    [
        ([], NOW, PunchKind.CLOCK_IN, False),
        ([(PunchKind.CLOCK_IN, NOW - timedelta(hours=2))], NOW, PunchKind.CLOCK_IN, True),
        ([(PunchKind.CLOCK_IN, NOW - timedelta(hours=2))], NOW, PunchKind.CLOCK_OUT, False),
        ([(PunchKind.CLOCK_IN, NOW - timedelta(hours=17))], NOW, PunchKind.CLOCK_OUT, True),
        ([(PunchKind.CLOCK_IN, NOW - timedelta(hours=17))], NOW, PunchKind.BREAK_START, True),
        (
            [(PunchKind.CLOCK_IN, NOW - timedelta(hours=20)), (PunchKind.BREAK_START, NOW - timedelta(hours=19))],
            NOW,
            PunchKind.BREAK_END,
            True,
        ),
        (
            [(PunchKind.CLOCK_IN, NOW - timedelta(hours=9)), (PunchKind.CLOCK_OUT, NOW - timedelta(hours=1))],
            NOW,
            PunchKind.CLOCK_IN,
            False,
        ),
    ],
)
def test_claim_required_with_the_feature_on(
    taps: list[tuple[PunchKind, datetime]], now: datetime, kind: PunchKind, expected: bool
) -> None:
    state = current_state(taps, now, ENABLED)
    assert claim_required(state, kind, now, ENABLED) is expected


def test_no_claim_with_the_feature_off() -> None:
    settings = MissedClockoutSettings()
    state = current_state([(PunchKind.CLOCK_IN, NOW - timedelta(hours=2))], NOW, settings)
    assert claim_required(state, PunchKind.CLOCK_IN, NOW, settings) is False
    # Off: an old session was closed at the limit, so the employee is simply off.
    old = current_state([(PunchKind.CLOCK_IN, NOW - timedelta(hours=20))], NOW, settings)
    assert old.status is EmployeeStatus.OFF


def test_an_older_unresolved_session_needs_a_claim_at_clock_in() -> None:
    taps = [
        (PunchKind.CLOCK_IN, NOW - timedelta(hours=30)),
        (PunchKind.CLOCK_IN, NOW - timedelta(hours=10)),
        (PunchKind.CLOCK_OUT, NOW - timedelta(hours=2)),
    ]
    state = current_state(taps, NOW, ENABLED)
    assert state.status is EmployeeStatus.OFF
    assert claim_required(state, PunchKind.CLOCK_IN, NOW, ENABLED) is True


def manila(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MANILA).astimezone(UTC)


def test_a_claim_starts_at_the_end_of_the_regular_day_with_quick_choices() -> None:
    # A 01:50 clock-in claimed at 18:52: the picker starts at 16:00, not at "now", and offers the shift's length too.
    times = claim_times(manila(2, 1, 50), manila(2, 18, 52), MANILA, DepartmentRules(name="Office"))
    assert (times.earliest, times.latest, times.likely) == (manila(2, 1, 50), manila(2, 18, 52), manila(2, 16))
    assert [(choice.kind, choice.at) for choice in times.choices] == [
        (ClaimTimeKind.REGULAR_HOURS, manila(2, 9, 50)),
        (ClaimTimeKind.REGULAR_DAY_END, manila(2, 16)),
        (ClaimTimeKind.NOW, manila(2, 18, 52)),
    ]


def test_the_likely_claim_time_is_never_after_now() -> None:
    times = claim_times(manila(2, 18, 50), manila(2, 18, 52), MANILA, DepartmentRules(name="Office"))
    assert times.likely == manila(2, 18, 52)
    assert [choice.kind for choice in times.choices] == [ClaimTimeKind.NOW]


def test_a_night_shift_claim_offers_the_morning_after() -> None:
    times = claim_times(manila(2, 22), manila(3, 10), MANILA, DepartmentRules(name="Office"))
    assert times.likely == manila(3, 10)  # the regular day's end (16:00 next day) has not come yet
    assert [(choice.kind, choice.at) for choice in times.choices] == [
        (ClaimTimeKind.REGULAR_HOURS, manila(3, 6)),
        (ClaimTimeKind.NOW, manila(3, 10)),
    ]


def test_claim_times_follow_the_department_and_stop_24_hours_after_the_clock_in() -> None:
    long_days = DepartmentRules(name="Site", shift_start=time(7, 0), regular_hours=Decimal(10))
    times = claim_times(manila(2, 6, 55), manila(5, 9), MANILA, long_days)
    assert times.latest == manila(3, 6, 55)  # three days later, but a session lasts at most 24 hours
    assert times.likely == manila(2, 17)
    assert [choice.at for choice in times.choices] == [manila(2, 16, 55), manila(2, 17), manila(3, 6, 55)]


def test_the_regular_day_ends_on_the_wall_clock_across_a_daylight_saving_change() -> None:
    new_york = ZoneInfo("America/New_York")
    clock_in = datetime(2026, 3, 8, 7, 0, tzinfo=new_york)  # clocks went forward at 02:00 that night
    end = regular_day_end(clock_in.astimezone(UTC), new_york, DepartmentRules(name="Office"))
    assert end.astimezone(new_york).hour == 16
    assert end == datetime(2026, 3, 8, 20, 0, tzinfo=UTC)


def test_claim_times_refuse_times_without_a_zone() -> None:
    with pytest.raises(RuleViolation) as error:
        claim_times(datetime(2026, 11, 2, 8), manila(2, 18), MANILA, DepartmentRules(name="Office"))  # noqa: DTZ001
    assert error.value.code == "naive_time"
