"""Checks a punch must pass before it is recorded (seed 001's validations and the screen's state machine)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import DUPLICATE_TAP_WINDOW, BreakType, Punch, PunchKind, parse_break_type, require_utc
from kiosk.domain.sessions import MAX_SESSION, EmployeeState, EmployeeStatus

FUTURE_TOLERANCE = timedelta(minutes=2)
"""How far ahead of the kiosk's time a punch may be before it counts as in the future (clocks drift a little)."""

Action = tuple[PunchKind, BreakType | None]


def validate_punch_time(occurred_at: datetime, now: datetime, tolerance: timedelta = FUTURE_TOLERANCE) -> None:
    """Refuse a punch in the future beyond `tolerance`.

    Raises:
        RuleViolation: `future_punch`, or `naive_time` for a time without a zone.
    """
    occurred = require_utc(occurred_at, "punch time")
    current = require_utc(now, "current time")
    if occurred - current > tolerance:
        raise RuleViolation(
            "future_punch",
            f"the punch time {occurred:%Y-%m-%d %H:%M:%S} UTC is in the future; check the kiosk's clock",
        )


def validate_session_times(clock_in: datetime, clock_out: datetime, max_session: timedelta = MAX_SESSION) -> None:
    """A session may not end before it starts, and one longer than 24 h is not a normal clock-out.

    Raises:
        RuleViolation: `end_before_start`, or `missed_clockout_claim_required` for a session over `max_session`.
    """
    start = require_utc(clock_in, "clock-in time")
    end = require_utc(clock_out, "clock-out time")
    if end < start:
        raise RuleViolation("end_before_start", "a session cannot end before it starts")
    if end - start > max_session:
        hours = max_session.total_seconds() / 3600
        raise RuleViolation(
            "missed_clockout_claim_required",
            f"a session longer than {hours:g} hours is not a normal clock-out; it must go through a missed "
            "clock-out claim",
        )


def validate_transition(state: EmployeeState, kind: PunchKind, break_type: BreakType | str | None = None) -> None:
    """Check that `kind` is a tap the employee can make in `state`.

    A clock-out during a break is allowed (it ends the break); a break start needs a valid break type and nothing
    else takes one.

    Raises:
        RuleViolation: `already_clocked_in`, `not_clocked_in`, `already_on_break`, `not_on_break`,
            `break_type_missing`, `break_type_invalid` or `break_type_unexpected`.
    """
    status = state.status
    if isinstance(break_type, str) and not break_type.strip():
        break_type = None  # an empty form field means no break type
    if kind is PunchKind.BREAK_START:
        if break_type is None:
            raise RuleViolation("break_type_missing", "choose the kind of break: lunch, rest or other")
        parse_break_type(break_type)
    elif break_type is not None:
        raise RuleViolation("break_type_unexpected", f"a {kind.value.replace('_', ' ')} has no break type")
    if kind is PunchKind.CLOCK_IN:
        if status is EmployeeStatus.ON_BREAK:
            raise RuleViolation("already_clocked_in", "you are already clocked in and on a break")
        if status is EmployeeStatus.ON_SHIFT:
            raise RuleViolation("already_clocked_in", "you are already clocked in")
        return
    if status is EmployeeStatus.OFF:
        raise RuleViolation("not_clocked_in", "you are not clocked in; clock in first")
    if kind is PunchKind.BREAK_START and status is EmployeeStatus.ON_BREAK:
        raise RuleViolation("already_on_break", "you are already on a break; end it first")
    if kind is PunchKind.BREAK_END and status is EmployeeStatus.ON_SHIFT:
        raise RuleViolation("not_on_break", "you are not on a break, so there is none to end")


def allowed_actions(state: EmployeeState) -> tuple[Action, ...]:
    """The taps the screen offers in `state`, in the order it shows them."""
    if state.status is EmployeeStatus.OFF:
        return ((PunchKind.CLOCK_IN, None),)
    if state.status is EmployeeStatus.ON_SHIFT:
        breaks = tuple((PunchKind.BREAK_START, break_type) for break_type in BreakType)
        return (*breaks, (PunchKind.CLOCK_OUT, None))
    return ((PunchKind.BREAK_END, None), (PunchKind.CLOCK_OUT, None))


def find_duplicate_tap(
    recent_punches: Iterable[Punch],
    employee_id: str,
    kind: PunchKind,
    at: datetime,
    window: timedelta = DUPLICATE_TAP_WINDOW,
) -> Punch | None:
    """The employee's earlier punch that a tap of `kind` at `at` merely repeats, or None.

    It is a repeat when the employee's latest punch before `at` is of the same kind and at most `window` earlier:
    the same rule the derivation applies, so the kiosk confirms the earlier punch instead of storing a second one.
    """
    moment = require_utc(at, "tap time")
    latest: Punch | None = None
    for punch in recent_punches:
        if punch.employee_id != employee_id or punch.occurred_at > moment:
            continue
        if latest is None or punch.sort_key > latest.sort_key:
            latest = punch
    if latest is not None and latest.kind is kind and moment - latest.occurred_at <= window:
        return latest
    return None
