"""Day summaries: totals, overtime, arrival, anomalies, business days across time zones."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import ArrivalStatus, DepartmentRules, seed_rule_sets
from kiosk.domain.punches import BreakType, Punch, PunchKind
from kiosk.domain.sessions import AnomalyCode, SessionPolicy, derive
from kiosk.domain.timesheet import (
    TOTALS_COLUMNS,
    DaySummary,
    EmployeeTerms,
    Period,
    build_timesheet,
    employee_totals,
    summarise_days,
    write_timesheet_csv,
    write_totals_csv,
)
from tests.domain.builders import MANILA, NEW_YORK, at_local, punch
from tests.domain.test_sessions_properties import AS_OF, punches_and_corrections

IN, OUT = PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT
START, END = PunchKind.BREAK_START, PunchKind.BREAK_END
TERMS = {
    "admin": EmployeeTerms("Sur admin", Decimal(800), number="A-7", first_name="Liza", last_name="Mendoza"),
    "crew": EmployeeTerms("Warehouse", Decimal(650), number="C-12", first_name="Jun", last_name="Reyes"),
}
LATER = datetime(2026, 12, 31, tzinfo=UTC)


def summarise(punches: list[Punch], tz: ZoneInfo = MANILA, **policy: object) -> list[DaySummary]:
    derivation = derive(punches, [], tz=tz, policy=SessionPolicy(**policy), as_of=LATER)  # type: ignore[arg-type]
    return summarise_days(derivation, TERMS, seed_rule_sets(), tz)


def day(employee: str, start: str, *taps: tuple[PunchKind, str], tz: ZoneInfo = MANILA) -> list[Punch]:
    punches = [punch(employee, IN, at_local(tz, start))]
    for kind, when in taps:
        punches.append(punch(employee, kind, at_local(tz, when), BreakType.LUNCH if kind is START else None))
    return punches


def test_a_late_day_with_overtime() -> None:
    punches = day(
        "admin", "2026-01-27 08:10", (START, "2026-01-27 12:00"), (END, "2026-01-27 13:00"), (OUT, "2026-01-27 18:40")
    )
    (summary,) = summarise(punches)
    assert summary.business_date == date(2026, 1, 27)
    assert summary.first_in == datetime(2026, 1, 27, 8, 10, tzinfo=MANILA)
    assert summary.first_in is not None
    assert summary.first_in.utcoffset() == timedelta(hours=8)
    assert summary.last_out == datetime(2026, 1, 27, 18, 40, tzinfo=MANILA)
    assert summary.total == timedelta(hours=10, minutes=30)
    assert summary.breaks == timedelta(hours=1)
    assert summary.working == timedelta(hours=9, minutes=30)
    assert summary.overtime == timedelta(hours=1, minutes=30)
    assert summary.arrival is not None
    assert summary.arrival.status is ArrivalStatus.LATE
    assert summary.arrival.deduction == Decimal("11.67")
    assert summary.anomalies == ()


def test_untracked_department_has_no_arrival() -> None:
    (summary,) = summarise(day("crew", "2026-01-27 10:30", (OUT, "2026-01-27 15:30")))
    assert summary.arrival is None
    assert summary.overtime == timedelta(0)


def test_several_sessions_in_one_day_add_up_and_the_first_clock_in_counts() -> None:
    punches = [
        *day("admin", "2026-01-27 09:30", (OUT, "2026-01-27 12:00")),
        *day("admin", "2026-01-27 07:55", (OUT, "2026-01-27 09:00")),
        *day("admin", "2026-01-27 13:00", (OUT, "2026-01-27 19:00")),
    ]
    (summary,) = summarise(punches)
    assert summary.first_in == datetime(2026, 1, 27, 7, 55, tzinfo=MANILA)
    assert summary.last_out == datetime(2026, 1, 27, 19, 0, tzinfo=MANILA)
    assert summary.working == timedelta(hours=9, minutes=35)
    assert summary.overtime == timedelta(hours=1, minutes=35)
    assert summary.arrival is not None
    assert summary.arrival.status is ArrivalStatus.ON_TIME


def test_an_open_session_has_no_last_out() -> None:
    punches = [*day("crew", "2026-01-27 08:00", (OUT, "2026-01-27 12:00")), *day("crew", "2026-01-27 13:00")]
    (summary,) = summarise(punches, open_session_limit=None)
    assert summary.last_out is None
    assert summary.anomalies == (AnomalyCode.OPEN_SESSION,)
    assert summary.working == timedelta(hours=4)


def test_overnight_shifts_belong_to_the_clock_in_day_and_days_are_sorted() -> None:
    punches = [
        *day("crew", "2026-01-28 22:00", (OUT, "2026-01-29 06:00")),
        *day("crew", "2026-01-27 22:00", (OUT, "2026-01-28 06:00")),
        *day("admin", "2026-01-28 08:00", (OUT, "2026-01-28 17:00")),
    ]
    summaries = summarise(punches)
    assert [(s.employee_id, s.business_date) for s in summaries] == [
        ("admin", date(2026, 1, 28)),
        ("crew", date(2026, 1, 27)),
        ("crew", date(2026, 1, 28)),
    ]
    assert summaries[1].last_out == datetime(2026, 1, 28, 6, 0, tzinfo=MANILA)


@pytest.mark.parametrize(
    ("start", "end", "hours", "offsets"),
    [
        ("2026-03-07 22:00", "2026-03-08 06:00", 7, (-5, -4)),
        ("2026-10-31 22:00", "2026-11-01 06:00", 9, (-4, -5)),
    ],
)
def test_daylight_saving_nights_in_new_york(start: str, end: str, hours: int, offsets: tuple[int, int]) -> None:
    (summary,) = summarise(day("crew", start, (OUT, end), tz=NEW_YORK), tz=NEW_YORK)
    assert summary.business_date == date.fromisoformat(start[:10])
    assert summary.total == timedelta(hours=hours)
    assert summary.overtime == timedelta(hours=max(hours - 8, 0))
    assert summary.first_in is not None
    assert summary.last_out is not None
    assert summary.first_in.utcoffset() == timedelta(hours=offsets[0])
    assert summary.last_out.utcoffset() == timedelta(hours=offsets[1])


def test_arrival_is_judged_on_the_local_clock_on_a_dst_day() -> None:
    # 08:10 local on the spring-forward day is 12:10 UTC; a fixed-offset calculation would say 07:10 or 09:10.
    punches = day("admin", "2026-03-08 08:10", (OUT, "2026-03-08 17:00"), tz=NEW_YORK)
    (summary,) = summarise(punches, tz=NEW_YORK)
    assert summary.arrival is not None
    assert summary.arrival.late_minutes == 7


def test_stray_punches_are_listed_on_their_day() -> None:
    punches = [punch("crew", OUT, at_local(MANILA, "2026-01-29 17:00"))]
    (summary,) = summarise(punches)
    assert summary.business_date == date(2026, 1, 29)
    assert summary.first_in is None
    assert summary.last_out is None
    assert summary.total == timedelta(0)
    assert summary.anomalies == (AnomalyCode.CLOCK_OUT_WITHOUT_CLOCK_IN,)


def test_unknown_employee() -> None:
    with pytest.raises(RuleViolation) as caught:
        summarise(day("ghost", "2026-01-27 08:00"))
    assert caught.value.code == "unknown_employee"


def test_department_regular_hours_set_overtime() -> None:
    rules = {"Warehouse": DepartmentRules(name="Warehouse", regular_hours=Decimal(6))}
    derivation = derive(day("crew", "2026-01-27 08:00", (OUT, "2026-01-27 15:00")), [], tz=MANILA,
                        policy=SessionPolicy(), as_of=LATER)  # fmt: skip
    (summary,) = summarise_days(derivation, TERMS, rules, MANILA)
    assert summary.overtime == timedelta(hours=1)


def test_bad_terms() -> None:
    with pytest.raises(RuleViolation) as caught:
        EmployeeTerms("Warehouse", Decimal(-5), number="1", first_name="A", last_name="B")
    assert caught.value.code == "rate_invalid"


@settings(max_examples=100, deadline=None)
@given(punches_and_corrections(), st.sampled_from([MANILA, NEW_YORK]))
def test_day_totals_are_sums_of_their_sessions(facts: tuple[list[Punch], list[object]], tz: ZoneInfo) -> None:
    punches, corrections = facts
    derivation = derive(punches, corrections, tz=tz, policy=SessionPolicy(), as_of=AS_OF)  # type: ignore[arg-type]
    terms = {
        employee: EmployeeTerms("Sur admin", Decimal(800), number=employee, first_name="A", last_name="B")
        for employee in "abc"
    }
    summaries = summarise_days(derivation, terms, seed_rule_sets(), tz)
    keys = [(s.employee_id, s.business_date) for s in summaries]
    assert keys == sorted(set(keys))
    for summary in summaries:
        sessions = [
            s
            for s in derivation.sessions_of(summary.employee_id)
            if s.business_date == summary.business_date and not s.is_open
        ]
        assert summary.total == sum((s.total_time() for s in sessions), timedelta(0))
        assert summary.breaks == sum((s.break_time() for s in sessions), timedelta(0))
        assert summary.working == summary.total - summary.breaks >= timedelta(0)
        assert summary.overtime == max(summary.working - timedelta(hours=8), timedelta(0))
        assert list(summary.anomalies) == sorted(set(summary.anomalies))
        if summary.first_in is not None:
            assert summary.first_in.date() == summary.business_date
            assert summary.arrival is not None


def test_payroll_reads_employee_numbers_and_names_never_internal_ids() -> None:
    clock_in = at_local(MANILA, "2026-01-27 08:10").replace(microsecond=417_311)
    punches = [
        punch("9f3c2a7d41b0", IN, clock_in),
        punch("9f3c2a7d41b0", OUT, at_local(MANILA, "2026-01-27 17:00").replace(microsecond=5)),
    ]
    terms = {
        "9f3c2a7d41b0": EmployeeTerms("Sur admin", Decimal(800), number="E001", first_name="Liza", last_name="Cruz")
    }
    out = io.StringIO()
    write_timesheet_csv(
        build_timesheet(punches, [], terms, seed_rule_sets(), tz=MANILA, policy=SessionPolicy(), as_of=LATER), out
    )
    header, row = out.getvalue().splitlines()
    assert header.startswith("employee_number,first_name,last_name,business_date,first_in,last_out,")
    assert row.startswith("E001,Liza,Cruz,2026-01-27,2026-01-27T08:10:00+08:00,2026-01-27T17:00:00+08:00,")
    assert "9f3c2a7d41b0" not in out.getvalue()


def test_days_are_listed_by_employee_number() -> None:
    punches = day("crew", "2026-01-27 08:00", (OUT, "2026-01-27 16:00")) + day(
        "admin", "2026-01-27 08:00", (OUT, "2026-01-27 16:00")
    )
    terms = {
        "crew": EmployeeTerms("Warehouse", Decimal(650), number="0001", first_name="Jun", last_name="Reyes"),
        "admin": EmployeeTerms("Sur admin", Decimal(800), number="0002", first_name="Liza", last_name="Mendoza"),
    }
    derivation = derive(punches, [], tz=MANILA, policy=SessionPolicy(), as_of=LATER)
    summaries = summarise_days(derivation, terms, seed_rule_sets(), MANILA)
    assert [s.employee_number for s in summaries] == ["0001", "0002"]


@pytest.mark.parametrize(
    ("day", "monthly", "semi_monthly"),
    [
        (date(2026, 11, 1), ("2026-11-01", "2026-11-30"), ("2026-11-01", "2026-11-15")),
        (date(2026, 11, 15), ("2026-11-01", "2026-11-30"), ("2026-11-01", "2026-11-15")),
        (date(2026, 11, 16), ("2026-11-01", "2026-11-30"), ("2026-11-16", "2026-11-30")),
        (date(2028, 2, 29), ("2028-02-01", "2028-02-29"), ("2028-02-16", "2028-02-29")),
        (date(2026, 12, 31), ("2026-12-01", "2026-12-31"), ("2026-12-16", "2026-12-31")),
    ],
)
def test_pay_periods(day: date, monthly: tuple[str, str], semi_monthly: tuple[str, str]) -> None:
    assert Period.pay_period("monthly", day) == Period.parse(*monthly)
    assert Period.pay_period("semi-monthly", day) == Period.parse(*semi_monthly)
    assert Period.parse(*semi_monthly).title == f"{semi_monthly[0]} to {semi_monthly[1]}"


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 30)))
def test_semi_monthly_periods_tile_the_calendar(day: date) -> None:
    period = Period.semi_month_of(day)
    assert period.contains(day)
    assert period.first is not None
    assert period.last is not None
    following = Period.semi_month_of(period.last + timedelta(days=1))
    assert following.first == period.last + timedelta(days=1)
    assert period.first.day in {1, 16}


def test_an_unknown_pay_period_is_refused() -> None:
    with pytest.raises(RuleViolation, match="choose monthly or semi-monthly"):
        Period.pay_period("fortnightly", date(2026, 11, 1))


def test_totals_add_each_employees_days_up() -> None:
    rules = {"Ops": DepartmentRules("Ops", undertime=True)}
    terms = {
        "e1": EmployeeTerms("Ops", Decimal(800), number="E1", first_name="Ana", last_name="Cruz"),
        "e2": EmployeeTerms("Ops", Decimal(800), number="E2", first_name="Ben", last_name="Reyes"),
    }
    facts = []
    for day, arrival in ((2, "08:10"), (3, "09:15"), (4, "08:00")):
        facts.append(punch("e1", PunchKind.CLOCK_IN, at_local(MANILA, f"2026-11-0{day} {arrival}")))
        facts.append(punch("e1", PunchKind.CLOCK_OUT, at_local(MANILA, f"2026-11-0{day} 18:00")))
    facts.append(punch("e2", PunchKind.CLOCK_IN, at_local(MANILA, "2026-11-02 07:55")))
    facts.append(punch("e2", PunchKind.CLOCK_OUT, at_local(MANILA, "2026-11-02 16:55")))
    facts.append(punch("e2", PunchKind.CLOCK_OUT, at_local(MANILA, "2026-11-02 17:30")))  # nothing open: anomaly
    days = build_timesheet(
        facts, [], terms, rules, tz=MANILA, policy=SessionPolicy(), as_of=datetime(2026, 11, 10, tzinfo=UTC)
    )
    ana, ben = employee_totals(days)
    assert (ana.employee_number, ana.days, ana.late_days, ana.late_minutes, ana.half_days) == (
        "E1",
        3,
        1,
        7 + 72,
        1,
    )  # the half day counts its 72 minutes, as its row
    assert ana.undertime_hours == Decimal("4.1167")
    assert ana.deduction == Decimal("411.67")  # 11.67 + 400.00
    assert ana.working == timedelta(hours=9, minutes=50) + timedelta(hours=8, minutes=45) + timedelta(hours=10)
    assert ana.overtime == sum((day.overtime for day in days if day.employee_id == "e1"), timedelta(0))
    assert (ben.days, ben.late_days, ben.deduction, ben.anomalies) == (1, 0, Decimal("0.00"), 1)
    out = io.StringIO()
    write_totals_csv(days, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(TOTALS_COLUMNS)
    assert lines[1] == "E1,Ana,Cruz,3,28.5833,0.0000,28.5833,4.5833,1,79,1,4.1167,411.67,0"
    assert list(employee_totals([])) == []
