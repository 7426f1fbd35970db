"""Example tests of the derivation: sessions, breaks, anomalies, corrections, time zones."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import BreakType, CorrectionKind, Punch, PunchKind
from kiosk.domain.sessions import (
    AnomalyCode,
    ClosedBy,
    Derivation,
    EmployeeStatus,
    SessionPolicy,
    business_date,
    derive,
    state_of,
)
from tests.domain.builders import MANILA, NEW_YORK, at_local, correction, punch

IN, OUT = PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT
START, END = PunchKind.BREAK_START, PunchKind.BREAK_END
FEATURE_OFF = SessionPolicy()
FEATURE_ON = SessionPolicy(auto_close_at_limit=False)
LATER = datetime(2026, 12, 31, tzinfo=UTC)


def run(
    punches: list[Punch], corrections: tuple[object, ...] = (), *, policy: SessionPolicy = FEATURE_OFF, **kw: object
) -> Derivation:
    as_of = kw.get("as_of", LATER)
    assert isinstance(as_of, datetime)
    return derive(punches, corrections, tz=MANILA, policy=policy, as_of=as_of)  # type: ignore[arg-type]


def manila(text: str) -> datetime:
    return at_local(MANILA, text)


def test_a_plain_day_with_lunch() -> None:
    punches = [
        punch("e1", IN, manila("2026-01-27 08:00")),
        punch("e1", START, manila("2026-01-27 12:00"), BreakType.LUNCH),
        punch("e1", END, manila("2026-01-27 12:30")),
        punch("e1", OUT, manila("2026-01-27 17:00")),
    ]
    result = run(punches)
    (session,) = result.sessions
    assert session.closed_by is ClosedBy.PUNCH
    assert session.clock_out_punch_id == punches[3].id
    assert session.total_time() == timedelta(hours=9)
    assert session.break_time() == timedelta(minutes=30)
    assert session.working_time() == timedelta(hours=8, minutes=30)
    assert session.business_date == date(2026, 1, 27)
    assert session.breaks[0].break_type is BreakType.LUNCH
    assert session.breaks[0].duration == timedelta(minutes=30)
    assert session.anomalies == ()
    assert result.anomalies == ()


def test_open_session_needs_an_until_to_count() -> None:
    clock_in = manila("2026-01-27 08:00")
    result = run(
        [punch("e1", IN, clock_in), punch("e1", START, manila("2026-01-27 10:00"), BreakType.REST)],
        as_of=clock_in + timedelta(hours=3),
    )
    session = result.sessions[0]
    assert session.is_open
    assert session.anomalies == (AnomalyCode.OPEN_SESSION,)
    with pytest.raises(RuleViolation) as caught:
        session.total_time()
    assert caught.value.code == "session_open"
    until = clock_in + timedelta(hours=3)
    assert session.total_time(until) == timedelta(hours=3)
    assert session.break_time(until) == timedelta(hours=1)
    assert session.working_time(until) == timedelta(hours=2)
    assert session.breaks[0].duration is None


def test_duplicate_tap_within_the_window_is_counted_once() -> None:
    first = punch("e1", IN, manila("2026-01-27 08:00:00"))
    again = punch("e1", IN, manila("2026-01-27 08:01:00"))
    result = run([again, first, punch("e1", OUT, manila("2026-01-27 17:00"))])
    (session,) = result.sessions
    assert session.clock_in_punch_id == first.id
    assert session.anomalies == (AnomalyCode.DUPLICATE_TAP,)
    (anomaly,) = result.anomalies
    assert anomaly.punch_id == again.id
    assert anomaly.session_punch_id == first.id


def test_a_tap_just_after_the_window_is_a_new_punch() -> None:
    first = punch("e1", IN, manila("2026-01-27 08:00:00"))
    second = punch("e1", IN, manila("2026-01-27 08:01:01"))
    result = run([first, second, punch("e1", OUT, manila("2026-01-27 17:00"))], policy=FEATURE_ON)
    older, newer = result.sessions
    assert older.is_open
    assert older.anomalies == (
        AnomalyCode.CLOCK_IN_WHILE_OPEN,
        AnomalyCode.MISSED_CLOCK_OUT,
        AnomalyCode.OPEN_SESSION,
    )
    assert newer.clock_in_punch_id == second.id
    assert newer.closed_by is ClosedBy.PUNCH


def test_duplicate_window_counts_from_the_kept_punch() -> None:
    taps = [punch("e1", OUT, manila("2026-01-27 17:00:00") + timedelta(seconds=s)) for s in (0, 50, 100)]
    result = run([punch("e1", IN, manila("2026-01-27 08:00")), *taps])
    codes = [anomaly.code for anomaly in result.anomalies]
    # 50 s repeats the first; 100 s is 100 s after the kept one, so it is a clock-out with nothing open.
    assert codes == [AnomalyCode.DUPLICATE_TAP, AnomalyCode.CLOCK_OUT_WITHOUT_CLOCK_IN]


def test_clock_in_while_open_leaves_the_earlier_session_open_and_missed() -> None:
    monday = punch("e1", IN, manila("2026-01-26 08:00"))
    tuesday = punch("e1", IN, manila("2026-01-27 08:00"))
    result = run([tuesday, monday], policy=FEATURE_ON, as_of=manila("2026-01-27 09:00"))
    older, newer = result.sessions
    assert older.is_open
    assert AnomalyCode.CLOCK_IN_WHILE_OPEN in older.anomalies
    assert AnomalyCode.MISSED_CLOCK_OUT in older.anomalies
    assert newer.clock_in_punch_id == tuesday.id
    state = state_of(result, "e1")
    assert state.status is EmployeeStatus.ON_SHIFT
    assert state.session == newer
    assert state.unresolved == (older,)
    assert result.open_session("e1") == newer
    assert result.open_sessions("e1") == (older, newer)


def test_clock_out_without_clock_in_is_reported_on_its_own() -> None:
    stray = punch("e1", OUT, manila("2026-01-27 17:00"))
    result = run([stray])
    assert result.sessions == ()
    (anomaly,) = result.anomalies
    assert anomaly.code is AnomalyCode.CLOCK_OUT_WITHOUT_CLOCK_IN
    assert anomaly.session_punch_id is None
    assert anomaly.punch_id == stray.id


@pytest.mark.parametrize("kind", [START, END])
def test_break_outside_a_session(kind: PunchKind) -> None:
    break_type = BreakType.REST if kind is START else None
    result = run([punch("e1", kind, manila("2026-01-27 10:00"), break_type)])
    assert [anomaly.code for anomaly in result.anomalies] == [AnomalyCode.BREAK_OUTSIDE_SESSION]


def test_break_end_without_start_and_overlapping_breaks() -> None:
    punches = [
        punch("e1", IN, manila("2026-01-27 08:00")),
        punch("e1", END, manila("2026-01-27 09:00")),
        punch("e1", START, manila("2026-01-27 10:00"), BreakType.REST),
        punch("e1", START, manila("2026-01-27 10:05"), BreakType.LUNCH),
        punch("e1", END, manila("2026-01-27 10:15")),
        punch("e1", OUT, manila("2026-01-27 17:00")),
    ]
    (session,) = run(punches).sessions
    assert session.anomalies == (AnomalyCode.BREAK_END_WITHOUT_START, AnomalyCode.BREAK_WHILE_ON_BREAK)
    (only_break,) = session.breaks
    assert only_break.break_type is BreakType.REST
    assert only_break.duration == timedelta(minutes=15)
    assert session.working_time() == timedelta(hours=8, minutes=45)


def test_clock_out_during_a_break_ends_the_break() -> None:
    out = punch("e1", OUT, manila("2026-01-27 12:20"))
    punches = [
        punch("e1", IN, manila("2026-01-27 08:00")),
        punch("e1", START, manila("2026-01-27 12:00"), BreakType.LUNCH),
        out,
    ]
    (session,) = run(punches).sessions
    assert session.anomalies == (AnomalyCode.CLOCK_OUT_DURING_BREAK,)
    assert session.breaks[0].end == out.occurred_at
    assert session.breaks[0].end_punch_id == out.id
    assert session.working_time() == timedelta(hours=4)


def test_clock_out_more_than_24h_later_is_not_accepted() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    late_out = punch("e1", OUT, manila("2026-01-27 08:00:01"))
    (session,) = run([clock_in, late_out], policy=FEATURE_ON).sessions
    assert session.is_open
    assert AnomalyCode.SESSION_OVER_24H in session.anomalies
    assert AnomalyCode.MISSED_CLOCK_OUT in session.anomalies


def test_clock_out_exactly_24h_later_is_accepted() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    out = punch("e1", OUT, manila("2026-01-27 08:00"))
    policy = SessionPolicy(open_session_limit=timedelta(hours=24), auto_close_at_limit=False)
    (session,) = run([clock_in, out], policy=policy).sessions
    assert session.total_time() == timedelta(hours=24)
    assert session.anomalies == ()


def test_feature_off_closes_an_open_session_at_the_limit() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    result = run([clock_in], as_of=manila("2026-01-27 00:00:01"))
    (session,) = result.sessions
    assert session.closed_by is ClosedBy.AUTO_LIMIT
    assert session.clock_out == manila("2026-01-27 00:00")
    assert session.anomalies == (AnomalyCode.AUTO_CLOSED,)
    assert state_of(result, "e1").status is EmployeeStatus.OFF


def test_feature_off_does_not_close_before_the_limit() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    (session,) = run([clock_in], as_of=manila("2026-01-27 00:00")).sessions
    assert session.is_open
    assert session.anomalies == (AnomalyCode.OPEN_SESSION,)


def test_feature_on_keeps_the_session_open_and_missed() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    result = run([clock_in], policy=FEATURE_ON, as_of=manila("2026-01-27 08:00"))
    (session,) = result.sessions
    assert session.is_open
    assert session.anomalies == (AnomalyCode.MISSED_CLOCK_OUT, AnomalyCode.OPEN_SESSION)
    missed = [anomaly for anomaly in result.anomalies if anomaly.code is AnomalyCode.MISSED_CLOCK_OUT]
    assert [anomaly.at for anomaly in missed] == [manila("2026-01-27 00:00")]


def test_no_limit_reports_sessions_open() -> None:
    clock_in = punch("e1", IN, manila("2026-01-01 08:00"))
    (session,) = run([clock_in], policy=SessionPolicy(open_session_limit=None)).sessions
    assert session.anomalies == (AnomalyCode.OPEN_SESSION,)


def test_auto_close_during_a_break_ends_the_break() -> None:
    punches = [
        punch("e1", IN, manila("2026-01-26 08:00")),
        punch("e1", START, manila("2026-01-26 23:00"), BreakType.OTHER),
    ]
    (session,) = run(punches).sessions
    assert session.anomalies == (AnomalyCode.AUTO_CLOSED, AnomalyCode.OPEN_BREAK)
    assert session.breaks[0].end == manila("2026-01-27 00:00")
    assert session.working_time() == timedelta(hours=15)


def test_clock_out_after_auto_close_is_not_used() -> None:
    punches = [punch("e1", IN, manila("2026-01-26 06:00")), punch("e1", OUT, manila("2026-01-26 23:00"))]
    (session,) = run(punches).sessions
    assert session.clock_out == manila("2026-01-26 22:00")
    assert session.anomalies == (AnomalyCode.AUTO_CLOSED, AnomalyCode.CLOCK_OUT_OVERRIDDEN)


def test_close_session_correction_resolves_a_missed_clock_out() -> None:
    monday = punch("e1", IN, manila("2026-01-26 08:00"))
    tuesday = punch("e1", IN, manila("2026-01-27 08:00"))
    fix = correction(CorrectionKind.CLOSE_SESSION, monday, manila("2026-01-27 08:00"), manila("2026-01-26 17:00"))
    result = run([monday, tuesday], (fix,), policy=FEATURE_ON, as_of=manila("2026-01-27 09:00"))
    older, newer = result.sessions
    assert older.clock_out == manila("2026-01-26 17:00")
    assert older.closed_by is ClosedBy.CORRECTION
    assert older.closing_correction_id == fix.id
    assert older.anomalies == (AnomalyCode.CORRECTED,)
    assert newer.is_open
    assert state_of(result, "e1").unresolved == ()


def test_close_correction_applies_even_when_later_than_as_of() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    fix = correction(CorrectionKind.CLOSE_SESSION, clock_in, manila("2026-01-26 18:00"), manila("2026-01-26 17:00"))
    (session,) = run([clock_in], (fix,), as_of=manila("2026-01-26 12:00")).sessions
    assert session.clock_out == manila("2026-01-26 17:00")


def test_the_latest_correction_wins_whatever_the_order() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    first = correction(CorrectionKind.CLOSE_SESSION, clock_in, manila("2026-01-27 09:00"), manila("2026-01-26 16:00"))
    second = correction(CorrectionKind.CLOSE_SESSION, clock_in, manila("2026-01-27 10:00"), manila("2026-01-26 18:00"))
    for order in ((first, second), (second, first)):
        (session,) = run([clock_in], order).sessions
        assert session.clock_out == manila("2026-01-26 18:00")


def test_equal_correction_times_are_decided_by_id() -> None:
    clock_in = punch("e1", IN, manila("2026-01-26 08:00"))
    made = manila("2026-01-27 09:00")
    low = correction(CorrectionKind.CLOSE_SESSION, clock_in, made, manila("2026-01-26 16:00"), uuid.UUID(int=1))
    high = correction(CorrectionKind.CLOSE_SESSION, clock_in, made, manila("2026-01-26 18:00"), uuid.UUID(int=2))
    for order in ((low, high), (high, low)):
        (session,) = run([clock_in], order).sessions
        assert session.clock_out == manila("2026-01-26 18:00")


def test_void_and_move_corrections() -> None:
    clock_in = punch("e1", IN, manila("2026-01-27 08:00"))
    wrong_out = punch("e1", OUT, manila("2026-01-27 09:00"))
    out = punch("e1", OUT, manila("2026-01-27 17:00"))
    void = correction(CorrectionKind.VOID_PUNCH, wrong_out, manila("2026-01-28 09:00"))
    move = correction(CorrectionKind.MOVE_PUNCH, clock_in, manila("2026-01-28 09:00"), manila("2026-01-27 07:30"))
    (session,) = run([clock_in, wrong_out, out], (void, move)).sessions
    assert session.clock_in == manila("2026-01-27 07:30")
    assert session.clock_out == out.occurred_at
    assert session.anomalies == (AnomalyCode.CORRECTED,)


def test_close_correction_replaces_a_clock_out_punch() -> None:
    clock_in = punch("e1", IN, manila("2026-01-27 08:00"))
    out = punch("e1", OUT, manila("2026-01-27 17:00"))
    fix = correction(CorrectionKind.CLOSE_SESSION, clock_in, manila("2026-01-28 09:00"), manila("2026-01-27 18:00"))
    (session,) = run([clock_in, out], (fix,)).sessions
    assert session.clock_out == manila("2026-01-27 18:00")
    assert session.anomalies == (AnomalyCode.CLOCK_OUT_OVERRIDDEN, AnomalyCode.CORRECTED)


@pytest.mark.parametrize(
    ("effective", "code"),
    [
        ("2026-01-27 07:59", AnomalyCode.CLOCK_OUT_BEFORE_CLOCK_IN),
        ("2026-01-28 08:00:01", AnomalyCode.SESSION_OVER_24H),
    ],
)
def test_close_corrections_outside_the_session_are_not_applied(effective: str, code: AnomalyCode) -> None:
    clock_in = punch("e1", IN, manila("2026-01-27 08:00"))
    fix = correction(CorrectionKind.CLOSE_SESSION, clock_in, manila("2026-01-28 09:00"), manila(effective))
    (session,) = run([clock_in], (fix,), policy=FEATURE_ON, as_of=manila("2026-01-27 09:00")).sessions
    assert session.is_open
    assert code in session.anomalies


def test_close_correction_after_the_next_clock_in_is_rejected() -> None:
    monday = punch("e1", IN, manila("2026-01-26 20:00"))
    tuesday = punch("e1", IN, manila("2026-01-27 08:00"))
    fix = correction(CorrectionKind.CLOSE_SESSION, monday, manila("2026-01-27 09:00"), manila("2026-01-27 08:30"))
    older, _newer = run([monday, tuesday], (fix,), policy=FEATURE_ON).sessions
    assert older.is_open
    assert AnomalyCode.CORRECTION_REJECTED in older.anomalies


def test_unusable_corrections_are_reported() -> None:
    clock_in = punch("e1", IN, manila("2026-01-27 08:00"))
    out = punch("e1", OUT, manila("2026-01-27 17:00"))
    duplicate = punch("e1", IN, manila("2026-01-27 08:00:30"))
    unknown = punch("e1", IN, manila("2026-01-20 08:00"))
    made = manila("2026-01-28 09:00")
    fixes = (
        correction(CorrectionKind.CLOSE_SESSION, out, made, manila("2026-01-27 18:00")),  # not a clock-in
        correction(CorrectionKind.VOID_PUNCH, out, made, employee_id="e2"),  # wrong employee
        correction(CorrectionKind.MOVE_PUNCH, unknown, made, manila("2026-01-20 09:00")),  # punch not known
        correction(CorrectionKind.CLOSE_SESSION, duplicate, made, manila("2026-01-27 12:00")),  # opens no session
    )
    result = run([clock_in, out, duplicate], fixes)
    (session,) = result.sessions
    assert session.clock_out == out.occurred_at
    codes = sorted(anomaly.code.value for anomaly in result.anomalies)
    assert codes == ["correction_rejected"] * 3 + ["correction_target_missing", "duplicate_tap"]


def test_conflicting_punches_with_one_id_are_refused() -> None:
    shared = uuid.uuid4()
    first = punch("e1", IN, manila("2026-01-27 08:00"), punch_id=shared)
    other = punch("e1", IN, manila("2026-01-27 09:00"), punch_id=shared)
    assert len(run([first, first]).sessions) == 1
    with pytest.raises(RuleViolation) as caught:
        run([first, other])
    assert caught.value.code == "punch_conflict"


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        derive([], [], tz=MANILA, policy=FEATURE_OFF, as_of=datetime(2026, 1, 1))  # noqa: DTZ001
    assert caught.value.code == "naive_time"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"open_session_limit": timedelta(0)},
        {"open_session_limit": timedelta(hours=25)},
        {"max_session": timedelta(0)},
        {"duplicate_window": timedelta(seconds=-1)},
    ],
)
def test_bad_policies_are_refused(kwargs: dict[str, timedelta]) -> None:
    with pytest.raises(RuleViolation) as caught:
        SessionPolicy(**kwargs)  # type: ignore[arg-type]
    assert caught.value.code == "policy_invalid"


def test_states_follow_the_taps() -> None:
    clock_in = manila("2026-01-27 08:00")
    taps = [
        punch("e1", IN, clock_in),
        punch("e1", START, clock_in + timedelta(hours=4), BreakType.LUNCH),
        punch("e1", END, clock_in + timedelta(hours=5)),
        punch("e1", OUT, clock_in + timedelta(hours=9)),
    ]
    expected = [EmployeeStatus.ON_SHIFT, EmployeeStatus.ON_BREAK, EmployeeStatus.ON_SHIFT, EmployeeStatus.OFF]
    assert state_of(run([]), "e1").status is EmployeeStatus.OFF
    for count, status in enumerate(expected, start=1):
        state = state_of(run(taps[:count], as_of=taps[count - 1].occurred_at), "e1")
        assert state.status is status
        assert (state.open_break is not None) == (status is EmployeeStatus.ON_BREAK)
        assert (state.session is not None) == (status is not EmployeeStatus.OFF)


def test_employees_are_derived_independently() -> None:
    clock_in = manila("2026-01-27 08:00")
    punches = [punch(employee, IN, clock_in) for employee in ("b", "a", "c")]
    result = run(punches, as_of=clock_in)
    assert [session.employee_id for session in result.sessions] == ["a", "b", "c"]
    assert result.sessions_of("b")[0].clock_in_punch_id == punches[0].id
    assert result.sessions_of("nobody") == ()
    assert [anomaly.employee_id for anomaly in result.anomalies_of("c")] == ["c"]


# Time zones: rules apply in the site's local time; the zone database handles daylight saving.


def test_spring_forward_night_shift_is_seven_hours() -> None:
    clock_in = at_local(NEW_YORK, "2026-03-07 22:00")
    clock_out = at_local(NEW_YORK, "2026-03-08 06:00")
    punches = [punch("e1", IN, clock_in), punch("e1", OUT, clock_out)]
    (session,) = derive(punches, [], tz=NEW_YORK, policy=FEATURE_OFF, as_of=LATER).sessions
    assert session.total_time() == timedelta(hours=7)
    assert session.business_date == date(2026, 3, 7)


def test_fall_back_night_shift_is_nine_hours() -> None:
    clock_in = at_local(NEW_YORK, "2026-10-31 22:00")
    clock_out = at_local(NEW_YORK, "2026-11-01 06:00")
    punches = [punch("e1", IN, clock_in), punch("e1", OUT, clock_out)]
    (session,) = derive(punches, [], tz=NEW_YORK, policy=FEATURE_OFF, as_of=LATER).sessions
    assert session.total_time() == timedelta(hours=9)
    assert session.business_date == date(2026, 10, 31)


def test_business_day_is_the_local_date_of_the_clock_in() -> None:
    # 16:30 UTC is already the next day in Manila (UTC+8) and still the same day in New York.
    instant = datetime(2026, 1, 27, 16, 30, tzinfo=UTC)
    assert business_date(instant, MANILA) == date(2026, 1, 28)
    assert business_date(instant, NEW_YORK) == date(2026, 1, 27)


def test_manila_overnight_shift_belongs_to_its_clock_in_day() -> None:
    punches = [punch("e1", IN, manila("2026-01-27 22:00")), punch("e1", OUT, manila("2026-01-28 06:00"))]
    (session,) = run(punches).sessions
    assert session.business_date == date(2026, 1, 27)
    assert session.total_time() == timedelta(hours=8)
