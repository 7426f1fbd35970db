"""When a scheduled report goes out and which days it covers, in the company's time zone.

Every schedule is a cron rule (`minute hour day month weekday`) at a fixed local time: weekly is `M H * * mon`,
semi-monthly `M H 1,16 * *`, monthly `M H 1 * *`, and a company may write its own. A report sent on a day covers the
business days from the previous sending day to the day before this one, so consecutive reports tile the calendar
with neither gap nor overlap: the semi-monthly report of the 16th covers the 1st to the 15th, that of the 1st the
16th to the month's end; the monthly one the month before; the weekly one the seven days before.

The days a rule matches are reckoned by APScheduler's cron fields on plain dates, and the local time of each day is
placed by the time-zone database: on the day clocks go forward a time that does not exist is taken after the gap
(02:30 becomes 03:30), on the day they go back a time that happens twice is taken the first time. A rule fires
once a day at most (one hour and one minute), so a day is a period's edge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from kiosk.domain.errors import RuleViolation
from kiosk.domain.timesheet import Period

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FREQUENCIES = ("weekly", "semi-monthly", "monthly", "cron")
# Rules whose days match more rarely than this (29 February) are still found, searching this far back.
_LONGEST_GAP = timedelta(days=8 * 366 + 1)


def parse_clock(text: str, option: str) -> time:
    """A local time of sending from `HH:MM`.

    Raises:
        RuleViolation: `time_invalid` naming the option and the text.
    """
    try:
        return time.fromisoformat(text.strip())
    except ValueError as error:
        raise RuleViolation("time_invalid", f"{option}: {text!r} is not a time of day such as 06:00") from error


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone `name`.

    Raises:
        RuleViolation: `timezone_invalid`.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleViolation("timezone_invalid", f"{name!r} is not an IANA time zone such as Asia/Manila") from None


@dataclass(frozen=True, slots=True)
class ReportRule:
    """A cron rule firing at one local time on the days its day, month and weekday fields match."""

    minute: int
    hour: int
    day: str
    month: str
    weekday: str

    @property
    def text(self) -> str:
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.weekday}"

    @classmethod
    def parse(cls, text: str) -> ReportRule:
        """A rule from its five fields.

        Raises:
            RuleViolation: `rule_invalid`, saying what to write instead.
        """
        fields = text.split()
        if len(fields) != 5:
            raise RuleViolation(
                "rule_invalid", f"{text!r} is not a cron rule of five fields: minute hour day month weekday"
            )
        minute, hour, day, month, weekday = fields
        if not (minute.isdigit() and 0 <= int(minute) <= 59 and hour.isdigit() and 0 <= int(hour) <= 23):
            raise RuleViolation(
                "rule_invalid",
                f"{text!r}: a report goes out once a day at most, so the minute and the hour are single numbers "
                "(0-59 and 0-23)",
            )
        if re.search(r"\d", weekday):
            # APScheduler counts weekdays from Monday = 0 where cron counts from Sunday = 0: names mean one thing.
            raise RuleViolation("rule_invalid", f"{text!r}: write weekdays by name (mon, tue ... sun), not number")
        if day != "*" and weekday != "*":
            raise RuleViolation(
                "rule_invalid", f"{text!r}: restrict the day of the month or the weekday, not both (cron's 'or')"
            )
        rule = cls(int(minute), int(hour), day, month, weekday)
        try:
            rule._trigger()
        except ValueError as error:
            raise RuleViolation("rule_invalid", f"{text!r}: {error}") from None
        if next(rule.dates_after(date(2000, 1, 1)), None) is None:
            raise RuleViolation("rule_invalid", f"{text!r} matches no day")
        return rule

    @classmethod
    def for_frequency(cls, frequency: str, *, at: time, weekday: str | None = None) -> ReportRule:
        """The rule of a named frequency sent at local time `at` (weekly on `weekday`, Monday by default).

        Raises:
            RuleViolation: `frequency_invalid`, `weekday_invalid`.
        """
        if weekday is not None and frequency != "weekly":
            raise RuleViolation("weekday_invalid", "a weekday is chosen for weekly reports only")
        if frequency == "weekly":
            day_name = (weekday or "mon").lower()[:3]
            if day_name not in WEEKDAYS or (weekday is not None and len(weekday) < 3):
                raise RuleViolation("weekday_invalid", f"{weekday!r} is not a weekday such as mon or monday")
            return cls(at.minute, at.hour, "*", "*", day_name)
        if frequency == "semi-monthly":
            return cls(at.minute, at.hour, "1,16", "*", "*")
        if frequency == "monthly":
            return cls(at.minute, at.hour, "1", "*", "*")
        raise RuleViolation(
            "frequency_invalid", f"unknown frequency {frequency!r}; choose {', '.join(FREQUENCIES[:-1])} or a rule"
        )

    def _trigger(self) -> CronTrigger:
        # Dates only: matched at midnight UTC, where no clock ever changes.
        return CronTrigger(day=self.day, month=self.month, day_of_week=self.weekday, hour=0, minute=0, timezone=UTC)

    def dates_after(self, day: date) -> Iterator[date]:
        """The days the rule matches after `day`, in order."""
        trigger = self._trigger()
        moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
        while True:
            found = trigger.get_next_fire_time(None, moment)
            if found is None:
                return
            yield found.date()
            moment = found + timedelta(days=1)

    def previous_date(self, day: date) -> date | None:
        """The last day before `day` the rule matches (None if none in eight years)."""
        # Most rules match within weeks: look that far back first, and years back only for rare ones.
        for reach in (timedelta(days=40), timedelta(days=400), _LONGEST_GAP):
            found = None
            for matched in self.dates_after(day - reach):
                if matched >= day:
                    break
                found = matched
            if found is not None:
                return found
        return None

    def fire_on(self, day: date, zone: ZoneInfo) -> datetime:
        """The instant (UTC) of the rule's local time on `day`: after a spring-forward gap a missing time is taken
        as the same time of the clock before it (02:30 is 03:30 of the new offset); a time that happens twice is
        taken the first time."""
        return datetime.combine(day, time(self.hour, self.minute), tzinfo=zone).astimezone(UTC)

    def fires(self, zone: ZoneInfo, after: datetime, until: datetime) -> Iterator[datetime]:
        """The instants the rule fires after `after` and up to `until` (included), in order."""
        for day in self.dates_after(after.astimezone(zone).date() - timedelta(days=2)):
            moment = self.fire_on(day, zone)
            if moment > until:
                return
            if moment > after:
                yield moment

    def period_of(self, fire_day: date) -> Period:
        """The business days the report sent on `fire_day` covers: from the rule's previous day to the day before.

        A rule that matched no day in the eight years before covers the one day before.
        """
        previous = self.previous_date(fire_day)
        last = fire_day - timedelta(days=1)
        return Period(previous if previous is not None else last, last)
