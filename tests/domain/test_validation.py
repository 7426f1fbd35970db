"""Seed 001's validations, break-type validation and the screen's state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import BreakType, Punch, PunchKind, parse_break_type, parse_punch_kind
from kiosk.domain.sessions import Break, EmployeeState, EmployeeStatus, SessionPolicy, derive, state_of
from kiosk.domain.validation import (
    allowed_actions,
    find_duplicate_tap,
    validate_punch_time,
    validate_session_times,
    validate_transition,
)
from tests.domain.builders import MANILA, punch

NOW = datetime(2026, 1, 27, 8, 0, tzinfo=UTC)


def state(status: EmployeeStatus) -> EmployeeState:
    """A real state, derived from the taps that lead to it."""
    taps: list[Punch] = []
    if status is not EmployeeStatus.OFF:
        taps.append(punch("e1", PunchKind.CLOCK_IN, NOW - timedelta(hours=2)))
    if status is EmployeeStatus.ON_BREAK:
        taps.append(punch("e1", PunchKind.BREAK_START, NOW - timedelta(hours=1), BreakType.REST))
    result = derive(taps, [], tz=MANILA, policy=SessionPolicy(), as_of=NOW)
    found = state_of(result, "e1")
    assert found.status is status
    return found


def code_of(call: object, *args: object) -> str:
    with pytest.raises(RuleViolation) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.message
    return caught.value.code


# Seed 001: "Prevent future start times", "Prevent end time before start time", "Prevent extremely long shifts".


def test_a_punch_in_the_future_is_refused() -> None:
    assert code_of(validate_punch_time, NOW + timedelta(minutes=2, seconds=1), NOW) == "future_punch"


def test_a_punch_within_the_tolerance_is_accepted() -> None:
    validate_punch_time(NOW + timedelta(minutes=2), NOW)
    validate_punch_time(NOW - timedelta(days=3), NOW)
    validate_punch_time(NOW + timedelta(seconds=30), NOW, tolerance=timedelta(minutes=1))


def test_a_naive_punch_time_is_refused() -> None:
    assert code_of(validate_punch_time, datetime(2026, 1, 27, 8, 0), NOW) == "naive_time"  # noqa: DTZ001


def test_a_session_cannot_end_before_it_starts() -> None:
    assert code_of(validate_session_times, NOW, NOW - timedelta(seconds=1)) == "end_before_start"


def test_a_session_over_24_hours_needs_a_missed_clockout_claim() -> None:
    code = code_of(validate_session_times, NOW, NOW + timedelta(hours=24, seconds=1))
    assert code == "missed_clockout_claim_required"


def test_sessions_up_to_24_hours_are_accepted() -> None:
    validate_session_times(NOW, NOW)
    validate_session_times(NOW, NOW + timedelta(hours=24))


# Seed 001: "Invalid break type. Must be one of: lunch, rest, other".


@pytest.mark.parametrize("text", ["lunch", "rest", "other", " Lunch "])
def test_valid_break_types(text: str) -> None:
    assert parse_break_type(text) is BreakType(text.strip().lower())


@pytest.mark.parametrize("text", ["coffee", "", "smoke"])
def test_invalid_break_types_name_the_valid_ones(text: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        parse_break_type(text)
    assert caught.value.code == "break_type_invalid"
    assert all(name in caught.value.message for name in ("lunch", "rest", "other"))


def test_unknown_punch_kind() -> None:
    assert parse_punch_kind("Clock_In") is PunchKind.CLOCK_IN
    assert code_of(parse_punch_kind, "clock_sideways") == "punch_kind_invalid"


def test_a_punch_checks_its_break_type() -> None:
    assert code_of(Punch, None, "e1", PunchKind.BREAK_START, NOW) == "break_type_missing"
    assert code_of(Punch, None, "e1", PunchKind.CLOCK_IN, NOW, BreakType.LUNCH) == "break_type_unexpected"


ON, OFF, BREAK = EmployeeStatus.ON_SHIFT, EmployeeStatus.OFF, EmployeeStatus.ON_BREAK


@pytest.mark.parametrize(
    ("status", "kind", "break_type", "code"),
    [
        (ON, PunchKind.CLOCK_IN, None, "already_clocked_in"),
        (BREAK, PunchKind.CLOCK_IN, None, "already_clocked_in"),
        (OFF, PunchKind.CLOCK_OUT, None, "not_clocked_in"),
        (OFF, PunchKind.BREAK_START, BreakType.LUNCH, "not_clocked_in"),
        (OFF, PunchKind.BREAK_END, None, "not_clocked_in"),
        (BREAK, PunchKind.BREAK_START, BreakType.REST, "already_on_break"),
        (ON, PunchKind.BREAK_END, None, "not_on_break"),
        (ON, PunchKind.BREAK_START, None, "break_type_missing"),
        (ON, PunchKind.BREAK_START, "  ", "break_type_missing"),
        (ON, PunchKind.BREAK_START, "nap", "break_type_invalid"),
        (ON, PunchKind.CLOCK_OUT, BreakType.LUNCH, "break_type_unexpected"),
        (BREAK, PunchKind.BREAK_END, "lunch", "break_type_unexpected"),
    ],
)
def test_refused_transitions(status: EmployeeStatus, kind: PunchKind, break_type: object, code: str) -> None:
    assert code_of(validate_transition, state(status), kind, break_type) == code


@pytest.mark.parametrize(
    ("status", "kind", "break_type"),
    [
        (OFF, PunchKind.CLOCK_IN, None),
        (OFF, PunchKind.CLOCK_IN, ""),
        (ON, PunchKind.BREAK_START, BreakType.LUNCH),
        (ON, PunchKind.BREAK_START, "other"),
        (ON, PunchKind.CLOCK_OUT, None),
        (BREAK, PunchKind.BREAK_END, None),
        (BREAK, PunchKind.CLOCK_OUT, None),
    ],
)
def test_allowed_transitions(status: EmployeeStatus, kind: PunchKind, break_type: BreakType | str | None) -> None:
    validate_transition(state(status), kind, break_type)


def test_every_offered_action_is_valid_and_nothing_else_is() -> None:
    options: list[BreakType | None] = [None, *BreakType]
    for status in EmployeeStatus:
        current = state(status)
        offered = set(allowed_actions(current))
        for kind in PunchKind:
            for break_type in options:
                try:
                    validate_transition(current, kind, break_type)
                except RuleViolation:
                    assert (kind, break_type) not in offered
                else:
                    assert (kind, break_type) in offered


def test_the_screen_offers() -> None:
    assert allowed_actions(state(OFF)) == ((PunchKind.CLOCK_IN, None),)
    assert allowed_actions(state(ON)) == (
        (PunchKind.BREAK_START, BreakType.LUNCH),
        (PunchKind.BREAK_START, BreakType.REST),
        (PunchKind.BREAK_START, BreakType.OTHER),
        (PunchKind.CLOCK_OUT, None),
    )
    assert allowed_actions(state(BREAK)) == ((PunchKind.BREAK_END, None), (PunchKind.CLOCK_OUT, None))
    on_break = state(BREAK)
    assert isinstance(on_break.open_break, Break)
    assert on_break.open_break.break_type is BreakType.REST


def test_find_duplicate_tap() -> None:
    earlier = punch("e1", PunchKind.CLOCK_IN, NOW)
    other_employee = punch("e2", PunchKind.CLOCK_IN, NOW + timedelta(seconds=10))
    recent = [other_employee, earlier]
    assert find_duplicate_tap(recent, "e1", PunchKind.CLOCK_IN, NOW + timedelta(seconds=60)) == earlier
    assert find_duplicate_tap(recent, "e1", PunchKind.CLOCK_IN, NOW + timedelta(seconds=61)) is None
    assert find_duplicate_tap(recent, "e1", PunchKind.CLOCK_OUT, NOW + timedelta(seconds=5)) is None
    assert find_duplicate_tap(recent, "e3", PunchKind.CLOCK_IN, NOW) is None
    assert find_duplicate_tap(recent, "e1", PunchKind.CLOCK_IN, NOW + timedelta(seconds=90), timedelta(minutes=2))


def test_find_duplicate_tap_looks_at_the_latest_punch_only() -> None:
    clock_in = punch("e1", PunchKind.CLOCK_IN, NOW)
    clock_out = punch("e1", PunchKind.CLOCK_OUT, NOW + timedelta(seconds=20))
    assert find_duplicate_tap([clock_out, clock_in], "e1", PunchKind.CLOCK_IN, NOW + timedelta(seconds=30)) is None
    assert find_duplicate_tap([clock_in, clock_out], "e1", PunchKind.CLOCK_OUT, NOW + timedelta(seconds=30))


def test_a_time_outside_the_calendar_is_refused() -> None:
    edge = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert code_of(Punch, None, "e1", PunchKind.CLOCK_IN, edge) == "time_out_of_range"
