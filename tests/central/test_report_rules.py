"""When scheduled reports go out and which days they cover, in the company's zone, across daylight-saving changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.report_rules import ReportRule, zone_named
from kiosk.domain.errors import RuleViolation
from kiosk.domain.timesheet import Period

NEW_YORK = zone_named("America/New_York")
MANILA = zone_named("Asia/Manila")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_semi_monthly_goes_on_the_1st_and_16th_at_six_local_time_on_both_sides_of_a_clock_change() -> None:
    rule = ReportRule.for_frequency("semi-monthly", at=time(6, 0))
    fires = list(rule.fires(NEW_YORK, utc(2027, 2, 20), utc(2027, 4, 20)))
    # 06:00 EST is 11:00 UTC; after the change on 14 March, 06:00 EDT is 10:00 UTC.
    assert fires == [utc(2027, 3, 1, 11), utc(2027, 3, 16, 10), utc(2027, 4, 1, 10), utc(2027, 4, 16, 10)]
    assert rule.period_of(date(2027, 3, 1)) == Period(date(2027, 2, 16), date(2027, 2, 28))
    assert rule.period_of(date(2027, 3, 16)) == Period(date(2027, 3, 1), date(2027, 3, 15))


def test_a_time_the_clock_skips_is_taken_after_the_gap_and_a_time_it_repeats_once() -> None:
    skipped = ReportRule.parse("30 2 * * *")
    assert list(skipped.fires(NEW_YORK, utc(2027, 3, 13, 12), utc(2027, 3, 15, 12))) == [
        utc(2027, 3, 14, 7, 30),  # 02:30 does not exist on 14 March: 03:30 EDT
        utc(2027, 3, 15, 6, 30),
    ]
    repeated = ReportRule.parse("30 1 * * *")
    assert list(repeated.fires(NEW_YORK, utc(2027, 11, 6, 12), utc(2027, 11, 8, 12))) == [
        utc(2027, 11, 7, 5, 30),  # 01:30 happens twice on 7 November: the first, EDT
        utc(2027, 11, 8, 6, 30),
    ]


def test_weekly_monthly_and_a_rule_of_ones_own() -> None:
    weekly = ReportRule.for_frequency("weekly", at=time(7, 15), weekday="Friday")
    assert weekly.text == "15 7 * * fri"
    assert weekly.period_of(date(2026, 11, 27)) == Period(date(2026, 11, 20), date(2026, 11, 26))
    monthly = ReportRule.for_frequency("monthly", at=time(6, 0))
    assert monthly.period_of(date(2026, 3, 1)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    twice_a_week = ReportRule.parse("0 6 * * mon,thu")
    assert twice_a_week.period_of(date(2026, 11, 26)) == Period(date(2026, 11, 23), date(2026, 11, 25))  # Thu
    assert twice_a_week.period_of(date(2026, 11, 30)) == Period(date(2026, 11, 26), date(2026, 11, 29))  # Mon
    leap = ReportRule.parse("0 6 29 2 *")
    assert leap.period_of(date(2028, 2, 29)) == Period(date(2024, 2, 29), date(2028, 2, 28))
    # 06:00 on 1 December in Manila is 22:00 UTC the day before: due then, not a minute before.
    assert list(monthly.fires(MANILA, utc(2026, 11, 30, 21, 59), utc(2026, 11, 30, 22))) == [utc(2026, 11, 30, 22)]
    assert list(monthly.fires(MANILA, utc(2026, 11, 30, 21), utc(2026, 11, 30, 21, 59))) == []


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["0 6 1,16 * *", "0 6 1 * *", "45 23 * * mon", "0 0 * * mon,wed,fri", "0 6 10 */2 *"]),
    # hypothesis takes naive bounds and adds the zone itself.
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
)
def test_consecutive_reports_cover_every_day_once(text: str, start: datetime) -> None:
    rule = ReportRule.parse(text)
    fires = list(rule.fires(NEW_YORK, start, start + timedelta(days=130)))
    periods = [rule.period_of(fire.astimezone(NEW_YORK).date()) for fire in fires]
    for before, after in itertools.pairwise(periods):
        assert before.last is not None
        assert after.first == before.last + timedelta(days=1)
    for fire in fires:
        local = fire.astimezone(NEW_YORK)
        assert (local.hour, local.minute) == (rule.hour, rule.minute)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 6 * *", "five fields"),
        ("0 */2 * * *", "once a day at most"),
        ("61 6 * * *", "once a day at most"),
        ("0 6 * * 1", "weekdays by name"),
        ("0 6 1 * mon", "not both"),
        ("0 6 31 2 *", "matches no day"),
        ("0 6 * 13 *", "higher than the maximum"),
        ("0 6 * * funday", "Invalid weekday"),
    ],
)
def test_bad_rules_are_refused_with_what_to_write(text: str, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        ReportRule.parse(text)


def test_bad_frequencies_weekdays_and_zones() -> None:
    with pytest.raises(RuleViolation, match="unknown frequency 'fortnightly'"):
        ReportRule.for_frequency("fortnightly", at=time(6))
    with pytest.raises(RuleViolation, match="'funday' is not a weekday"):
        ReportRule.for_frequency("weekly", at=time(6), weekday="funday")
    with pytest.raises(RuleViolation, match="weekly reports only"):
        ReportRule.for_frequency("monthly", at=time(6), weekday="mon")
    with pytest.raises(RuleViolation, match="not an IANA time zone"):
        zone_named("Mars/Olympus")
