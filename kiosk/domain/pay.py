"""Overtime, undertime and money (DESIGN.md 3.3-3.4, seed 002).

Durations stay exact (`timedelta`); money is `Decimal`. Amounts are computed exactly (as fractions) and rounded half-up
once, at the end, to the cent; hours are rounded the same way for display only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from kiosk.domain.errors import RuleViolation

SEED_UNDERTIME_DEPARTMENTS: tuple[str, ...] = (
    "Admin Resign",
    "Sur admin",
    "Weekly Admin (mix)",
    "ENGINEER SA SITE",
    "Giovanni Construction and Power On Enterprise Co",
)
"""The departments seed 002 tracks undertime for, with its default rule set."""

CENT = Decimal("0.01")
_MICROSECONDS_PER_HOUR = 3600 * 1_000_000
_UNITS = {places: Decimal(1).scaleb(-places) for places in (2, 4)}


def _round_half_up(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Round an exact value half-up to `places` decimals: the one rounding step for hours and money."""
    exact = Fraction(value)
    return _round_ratio_half_up(exact.numerator, exact.denominator, places)


def _round_ratio_half_up(numerator: int, denominator: int, places: int) -> Decimal:
    """`numerator / denominator` (denominator > 0) rounded half-up to `places` decimals, in integers: a payroll
    report rounds millions of these, and building a Fraction for each costs more than the rest of its row."""
    scaled = numerator * 10**places
    whole, remainder = divmod(abs(scaled), denominator)
    if 2 * remainder >= denominator:
        whole += 1
    sign = -1 if scaled < 0 else 1
    return (
        Decimal(sign * whole)
        .scaleb(-places)
        .quantize(_UNITS[places] if places in _UNITS else Decimal(1).scaleb(-places))
    )


def hours_decimal(duration: timedelta, places: int = 4) -> Decimal:
    """A duration in hours, rounded half-up to `places` decimals (7 minutes -> 0.1167)."""
    microseconds = (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds
    return _round_ratio_half_up(microseconds, _MICROSECONDS_PER_HOUR, places)


def money(value: Fraction | Decimal | int) -> Decimal:
    """An amount rounded half-up to the cent (11.6666... -> 11.67, 0.005 -> 0.01)."""
    return _round_half_up(value, 2)


def _as_decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise RuleViolation("rule_invalid", f"{what} must be a number, not {value!r}")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise RuleViolation("rule_invalid", f"{what} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise RuleViolation("rule_invalid", f"{what} must be a finite number")
    return number


@dataclass(frozen=True, slots=True)
class DepartmentRules:
    """One department's rule set; the defaults are seed 002's (08:00 start, 3 minutes grace, half-day after 09:00,
    4 hours for a half day, 8 regular hours a day). `undertime` turns late and half-day tracking on."""

    name: str
    undertime: bool = False
    shift_start: time = time(8, 0)
    grace_minutes: int = 3
    half_day_after: time = time(9, 0)
    half_day_hours: Decimal = Decimal(4)
    regular_hours: Decimal = Decimal(8)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise RuleViolation("rule_invalid", "a department rule set needs a name")
        label = f"department {self.name!r}"
        if not isinstance(self.undertime, bool):
            raise RuleViolation("rule_invalid", f"{label}: undertime must be true or false")
        for what, value in (("shift_start", self.shift_start), ("half_day_after", self.half_day_after)):
            if not isinstance(value, time) or value.tzinfo is not None:
                raise RuleViolation("rule_invalid", f"{label}: {what} must be a local time of day such as 08:00")
        grace = self.grace_minutes
        if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= 240:
            raise RuleViolation("rule_invalid", f"{label}: grace_minutes must be a whole number from 0 to 240")
        regular = _as_decimal(self.regular_hours, f"{label}: regular_hours")
        half = _as_decimal(self.half_day_hours, f"{label}: half_day_hours")
        if not Decimal(0) < regular <= Decimal(24):
            raise RuleViolation("rule_invalid", f"{label}: regular_hours must be more than 0 and at most 24")
        if not Decimal(0) < half <= regular:
            raise RuleViolation(
                "rule_invalid", f"{label}: half_day_hours must be more than 0 and at most regular_hours"
            )
        object.__setattr__(self, "regular_hours", regular)
        object.__setattr__(self, "half_day_hours", half)
        if _seconds(self.half_day_after) < _seconds(self.shift_start) + 60 * grace:
            raise RuleViolation(
                "rule_invalid", f"{label}: half_day_after must not be before shift_start plus the grace"
            )

    @property
    def regular_time(self) -> timedelta:
        """Regular hours as an exact duration: working time beyond it is overtime."""
        microseconds = (self.regular_hours * _MICROSECONDS_PER_HOUR).to_integral_value(ROUND_HALF_UP)
        return timedelta(microseconds=int(microseconds))


def rules_for(department: str, rules_by_name: Mapping[str, DepartmentRules]) -> DepartmentRules:
    """The rule set of `department`; a department not listed has no undertime tracking and 8 regular hours."""
    found = rules_by_name.get(department.strip())
    if found is not None:
        return found
    return DepartmentRules(name=department.strip() or "(no department)")


def seed_rule_sets() -> dict[str, DepartmentRules]:
    """Seed 002's five undertime departments with its default rule set, keyed by name."""
    return {name: DepartmentRules(name=name, undertime=True) for name in SEED_UNDERTIME_DEPARTMENTS}


class ArrivalStatus(StrEnum):
    """How the first clock-in of a business day compares with the department's start."""

    ON_TIME = "on_time"
    LATE = "late"
    HALF_DAY = "half_day"


@dataclass(frozen=True, slots=True)
class ArrivalAssessment:
    """The undertime result of one business day.

    `late_minutes` counts whole minutes after the start plus grace (08:10 -> 7; also given for a half-day);
    `undertime` is the exact number of hours charged, `undertime_hours` the same rounded to 4 decimals for display,
    `deduction` the money, computed exactly and rounded half-up to the cent once.
    """

    status: ArrivalStatus
    late_minutes: int
    undertime_hours: Decimal
    deduction: Decimal
    undertime: Fraction = Fraction(0)


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


_ON_TIME = ArrivalAssessment(ArrivalStatus.ON_TIME, 0, Decimal("0.0000"), Decimal("0.00"), Fraction(0))


def assess_arrival(
    first_clock_in_local: datetime, rules: DepartmentRules, daily_rate: Decimal
) -> ArrivalAssessment | None:
    """Seed 002's late and half-day rule applied to the day's first clock-in, in the site's local time.

    Late minutes are whole minutes after shift start + grace: 08:03:59 is on time, 08:04:00 late by 1 minute,
    09:00:59 late by 57 minutes; from one minute after `half_day_after` (09:01:00) it is a half-day. The deduction is
    daily_rate / regular_hours x undertime hours. Returns None when the department does not track undertime.

    Raises:
        RuleViolation: `rate_invalid` for a negative daily rate, `naive_time` for a clock-in without a zone.
    """
    if not rules.undertime:
        return None
    if first_clock_in_local.tzinfo is None:
        raise RuleViolation("naive_time", "the first clock-in must be given in the site's local time with its zone")
    if not isinstance(daily_rate, Decimal) or not daily_rate.is_finite() or daily_rate < 0:
        raise RuleViolation("rate_invalid", f"the daily rate must be an amount of at least 0, not {daily_rate!r}")
    arrived = _seconds(first_clock_in_local.time())
    late_minutes = max(0, (arrived - _seconds(rules.shift_start)) // 60 - rules.grace_minutes)
    if late_minutes == 0:
        return _ON_TIME  # the common case, with nothing to compute
    hourly = Fraction(daily_rate) / Fraction(rules.regular_hours)
    if arrived >= _seconds(rules.half_day_after) + 60:
        status = ArrivalStatus.HALF_DAY
        undertime = Fraction(rules.half_day_hours)
    elif late_minutes > 0:
        status = ArrivalStatus.LATE
        undertime = Fraction(late_minutes, 60)
    else:
        status = ArrivalStatus.ON_TIME
        undertime = Fraction(0)
    return ArrivalAssessment(
        status=status,
        late_minutes=late_minutes,
        undertime=undertime,
        undertime_hours=_round_half_up(undertime, 4),
        deduction=money(hourly * undertime),
    )


def overtime(working: timedelta, rules: DepartmentRules) -> timedelta:
    """Working time of one business day beyond the department's regular hours (never negative)."""
    return max(working - rules.regular_time, timedelta(0))
