"""Seed 002's undertime rule, overtime and money arithmetic."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import (
    SEED_UNDERTIME_DEPARTMENTS,
    ArrivalStatus,
    DepartmentRules,
    assess_arrival,
    hours_decimal,
    money,
    overtime,
    rules_for,
    seed_rule_sets,
)
from tests.domain.builders import MANILA

SEED = DepartmentRules(name="Sur admin", undertime=True)
RATE = Decimal(800)


def arrival_at(clock: str, rules: DepartmentRules = SEED, rate: Decimal = RATE) -> tuple[str, int, str, str]:
    local = datetime.fromisoformat(f"2026-01-27T{clock}").replace(tzinfo=MANILA)
    found = assess_arrival(local, rules, rate)
    assert found is not None
    return (found.status.value, found.late_minutes, str(found.undertime_hours), str(found.deduction))


# DESIGN.md 3.4's table and boundaries, at 800 a day.
@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("07:30:00", ("on_time", 0, "0.0000", "0.00")),
        ("08:00:00", ("on_time", 0, "0.0000", "0.00")),
        ("08:03:00", ("on_time", 0, "0.0000", "0.00")),
        ("08:03:59", ("on_time", 0, "0.0000", "0.00")),
        ("08:04:00", ("late", 1, "0.0167", "1.67")),
        ("08:10:00", ("late", 7, "0.1167", "11.67")),
        ("08:10:59", ("late", 7, "0.1167", "11.67")),
        ("09:00:00", ("late", 57, "0.9500", "95.00")),
        ("09:00:59", ("late", 57, "0.9500", "95.00")),
        ("09:01:00", ("half_day", 58, "4.0000", "400.00")),
        ("09:15:00", ("half_day", 72, "4.0000", "400.00")),
        ("13:00:00", ("half_day", 297, "4.0000", "400.00")),
    ],
)
def test_seed_table_and_boundaries(clock: str, expected: tuple[str, int, str, str]) -> None:
    assert arrival_at(clock) == expected


def test_scenario_1_ten_minutes_late() -> None:
    # Time in 8:10, grace 3 min -> late 7 min, 7/60 = 0.1167 h, 800/day -> 100/h -> 11.67.
    local = datetime(2026, 1, 27, 8, 10, tzinfo=MANILA)
    found = assess_arrival(local, SEED, Decimal(800))
    assert found is not None
    assert found.status is ArrivalStatus.LATE
    assert found.late_minutes == 7
    assert found.undertime == Fraction(7, 60)
    assert found.undertime_hours == Decimal("0.1167")
    assert found.deduction == Decimal("11.67")


def test_scenario_2_half_day() -> None:
    local = datetime(2026, 1, 27, 9, 15, tzinfo=MANILA)
    found = assess_arrival(local, SEED, Decimal(800))
    assert found is not None
    assert found.status is ArrivalStatus.HALF_DAY
    assert found.undertime_hours == Decimal("4.0000")
    assert found.deduction == Decimal("400.00")


def test_departments_without_undertime_are_not_assessed() -> None:
    local = datetime(2026, 1, 27, 11, 0, tzinfo=MANILA)
    assert assess_arrival(local, DepartmentRules(name="Warehouse"), RATE) is None


def test_the_seed_departments() -> None:
    assert SEED_UNDERTIME_DEPARTMENTS == (
        "Admin Resign",
        "Sur admin",
        "Weekly Admin (mix)",
        "ENGINEER SA SITE",
        "Giovanni Construction and Power On Enterprise Co",
    )
    rule_sets = seed_rule_sets()
    assert set(rule_sets) == set(SEED_UNDERTIME_DEPARTMENTS)
    for name, rules in rule_sets.items():
        assert rules.undertime
        assert rules.name == name
        assert (rules.shift_start, rules.grace_minutes, rules.half_day_after) == (time(8), 3, time(9))
        assert (rules.half_day_hours, rules.regular_hours) == (Decimal(4), Decimal(8))


def test_an_unlisted_department_has_no_undertime_and_eight_hours() -> None:
    rules = rules_for("Warehouse", seed_rule_sets())
    assert not rules.undertime
    assert rules.regular_time == timedelta(hours=8)
    assert rules_for(" Sur admin ", seed_rule_sets()).undertime
    assert not rules_for("", {}).undertime


def test_custom_rule_set() -> None:
    rules = DepartmentRules(
        name="Night crew",
        undertime=True,
        shift_start=time(22, 0),
        grace_minutes=5,
        half_day_after=time(23, 0),
        half_day_hours=Decimal("4.5"),
        regular_hours=Decimal("7.5"),
    )
    assert rules.regular_time == timedelta(hours=7, minutes=30)
    assert arrival_at("22:05:59", rules, Decimal(750)) == ("on_time", 0, "0.0000", "0.00")
    assert arrival_at("22:06:00", rules, Decimal(750)) == ("late", 1, "0.0167", "1.67")
    assert arrival_at("23:01:00", rules, Decimal(750)) == ("half_day", 56, "4.5000", "450.00")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": " "},
        {"grace_minutes": -1},
        {"grace_minutes": True},
        {"grace_minutes": 1.5},
        {"regular_hours": Decimal(0)},
        {"regular_hours": Decimal(25)},
        {"regular_hours": "eight"},
        {"half_day_hours": Decimal(9)},
        {"half_day_hours": Decimal("NaN")},
        {"half_day_after": time(8, 2)},
        {"shift_start": "08:00"},
        {"undertime": "yes"},
    ],
)
def test_bad_rule_sets_are_refused(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {"name": "Sur admin", **kwargs}
    with pytest.raises(RuleViolation) as caught:
        DepartmentRules(**arguments)  # type: ignore[arg-type]
    assert caught.value.code == "rule_invalid"


@pytest.mark.parametrize("rate", [Decimal(-1), Decimal("NaN"), 800])
def test_bad_rates_are_refused(rate: object) -> None:
    local = datetime(2026, 1, 27, 8, 10, tzinfo=MANILA)
    with pytest.raises(RuleViolation) as caught:
        assess_arrival(local, SEED, rate)  # type: ignore[arg-type]
    assert caught.value.code == "rate_invalid"


def test_a_naive_clock_in_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        assess_arrival(datetime(2026, 1, 27, 8, 10), SEED, RATE)  # noqa: DTZ001
    assert caught.value.code == "naive_time"


def test_overtime_is_beyond_the_regular_hours() -> None:
    assert overtime(timedelta(hours=9, minutes=15), SEED) == timedelta(hours=1, minutes=15)
    assert overtime(timedelta(hours=8), SEED) == timedelta(0)
    assert overtime(timedelta(hours=3), SEED) == timedelta(0)
    six = DepartmentRules(name="Part time", regular_hours=Decimal(6))
    assert overtime(timedelta(hours=7), six) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("11.665"), "11.67"),
        (Decimal("11.664999"), "11.66"),
        (Decimal("0.005"), "0.01"),
        (Decimal("-0.005"), "-0.01"),
        (Fraction(35, 3), "11.67"),
        (400, "400.00"),
    ],
)
def test_money_rounds_half_up_to_the_cent(value: Decimal | Fraction | int, expected: str) -> None:
    assert str(money(value)) == expected


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (timedelta(minutes=7), "0.1167"),
        (timedelta(hours=8, minutes=30), "8.5000"),
        (timedelta(seconds=18), "0.0050"),
        (timedelta(seconds=1), "0.0003"),
        (timedelta(0), "0.0000"),
        (timedelta(minutes=-7), "-0.1167"),
    ],
)
def test_hours_decimal(duration: timedelta, expected: str) -> None:
    assert str(hours_decimal(duration)) == expected


def test_hours_decimal_other_precision() -> None:
    assert str(hours_decimal(timedelta(minutes=20), places=2)) == "0.33"


seconds_of_day = st.integers(0, 24 * 3600 - 1)
rates = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)


def local_at(seconds: int) -> datetime:
    return datetime(2026, 1, 27, tzinfo=MANILA) + timedelta(seconds=seconds)


@given(seconds_of_day, seconds_of_day, rates)
def test_deduction_never_decreases_with_lateness(first: int, second: int, rate: Decimal) -> None:
    early, late = sorted((first, second))
    a = assess_arrival(local_at(early), SEED, rate)
    b = assess_arrival(local_at(late), SEED, rate)
    assert a is not None
    assert b is not None
    assert a.deduction <= b.deduction
    assert a.undertime <= b.undertime
    assert a.late_minutes <= b.late_minutes


@given(seconds_of_day, rates)
def test_deduction_is_the_exact_amount_rounded_once(seconds: int, rate: Decimal) -> None:
    found = assess_arrival(local_at(seconds), SEED, rate)
    assert found is not None
    exact = Fraction(rate) / 8 * found.undertime
    assert found.deduction.as_tuple().exponent == -2
    assert abs(Fraction(found.deduction) - exact) <= Fraction(1, 200)
    assert found.deduction <= money(Fraction(rate) / 2)
    assert found.undertime_hours.as_tuple().exponent == -4


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False, allow_infinity=False))
def test_money_is_within_half_a_cent_and_idempotent(value: Decimal) -> None:
    rounded = money(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert money(rounded) == rounded
    if abs(rounded - value) == Decimal("0.005"):
        assert abs(rounded) > abs(value)  # half-up: ties go away from zero


@given(st.integers(0, 10**12))
def test_hours_decimal_matches_the_exact_fraction(microseconds: int) -> None:
    duration = timedelta(microseconds=microseconds)
    exact = Fraction(microseconds, 3600 * 10**6)
    assert abs(Fraction(hours_decimal(duration)) - exact) <= Fraction(1, 20000)


@given(st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)), st.sampled_from([0, 2, 4, 6]))
def test_hours_round_half_up_exactly(duration: timedelta, places: int) -> None:
    exact = Fraction(duration // timedelta(microseconds=1), 3_600_000_000) * 10**places
    whole, remainder = divmod(abs(exact.numerator), exact.denominator)
    whole += 2 * remainder >= exact.denominator
    expected = Decimal(whole if exact >= 0 else -whole).scaleb(-places)
    assert hours_decimal(duration, places) == expected
    assert hours_decimal(duration, places).as_tuple().exponent == -places
