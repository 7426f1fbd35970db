"""What head office's dashboard shows: who is on site now, today's punches per hour, the unresolved count.

Every query reads through the caller's connection, so in the web console it sees only the rows the user's
row-level scope lets through. Presence is derived from the punches by the domain's `derive`, the function the kiosk
uses, over the only window that can hold an open session: the company's open-session limit back from now.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from kiosk.domain.incidents import MissedClockoutSettings
from kiosk.domain.punches import Punch
from kiosk.domain.sessions import derive
from wire.records import correction_from_row, punch_from_row
from wire.schema import companies, corrections, employees, punches, sites


@dataclass(frozen=True, slots=True)
class Present:
    """Someone on site now."""

    number: str
    name: str
    clock_in: datetime  # in the site's time zone
    on_break: bool


@dataclass(frozen=True, slots=True)
class SitePresence:
    """A site and who is on it now."""

    code: str
    name: str
    timezone: str
    people: tuple[Present, ...]


def company_settings(connection: Connection, company_id: str) -> MissedClockoutSettings:
    """The company's missed clock-out settings as the domain reads them."""
    row = connection.execute(select(companies).where(companies.c.id == company_id)).mappings().one()
    return MissedClockoutSettings(
        missed_clockout_enabled=row["missed_clockout_enabled"],
        block_reports_on_pending=row["block_reports_on_pending"],
        open_session_limit=timedelta(minutes=row["open_session_limit_minutes"]),
    )


def on_site_now(connection: Connection, company_id: str, now: datetime) -> list[SitePresence]:
    """Every visible site of the company with the employees whose session there is open now."""
    settings = company_settings(connection, company_id)
    since = now - settings.open_session_limit
    site_rows = connection.execute(
        select(sites.c.id, sites.c.code, sites.c.name, sites.c.timezone)
        .where(sites.c.company_id == company_id)
        .order_by(sites.c.code)
    ).all()
    window = (punches.c.company_id == company_id, punches.c.occurred_at >= since, punches.c.occurred_at <= now)
    by_site: dict[str, list[Punch]] = defaultdict(list)
    for row in connection.execute(select(punches).where(*window)).mappings():
        by_site[row["site_id"]].append(punch_from_row(row))
    fixes = [
        correction_from_row(row)
        for row in connection.execute(
            select(corrections).where(
                corrections.c.company_id == company_id,
                corrections.c.target_punch_id.in_(select(punches.c.id).where(*window)),
            )
        ).mappings()
    ]
    names = {
        row.id: (row.number, f"{row.first_name} {row.last_name}")
        for row in connection.execute(
            select(employees.c.id, employees.c.number, employees.c.first_name, employees.c.last_name).where(
                employees.c.company_id == company_id,
                employees.c.id.in_(select(punches.c.employee_id).where(*window)),
            )
        )
    }
    policy = settings.session_policy()
    result = []
    for site in site_rows:
        zone = ZoneInfo(site.timezone)
        site_punches = by_site.get(site.id, [])
        people = []
        if site_punches:
            derivation = derive(site_punches, fixes, tz=zone, policy=policy, as_of=now)
            for employee_id in {punch.employee_id for punch in site_punches}:
                session = derivation.open_session(employee_id)
                if session is None:
                    continue
                number, name = names.get(employee_id, (employee_id, employee_id))
                people.append(Present(number, name, session.clock_in.astimezone(zone), session.open_break is not None))
        people.sort(key=lambda person: (person.clock_in, person.name))
        result.append(SitePresence(site.code, site.name, site.timezone, tuple(people)))
    return result


@dataclass(frozen=True, slots=True)
class HourCounts:
    """Punches of one local hour of today, by kind."""

    hour: int
    clock_ins: int
    clock_outs: int
    breaks: int

    @property
    def total(self) -> int:
        return self.clock_ins + self.clock_outs + self.breaks


def punches_per_hour(connection: Connection, company_id: str, now: datetime) -> list[HourCounts]:
    """Today's punches per hour of the day, each punch counted in its own site's local time and local today."""
    local = func.timezone(sites.c.timezone, punches.c.occurred_at)
    today = func.date(func.timezone(sites.c.timezone, now))
    hour = func.extract("hour", local).label("hour")
    rows = connection.execute(
        select(hour, punches.c.kind, func.count().label("n"))
        .select_from(punches.join(sites, sites.c.id == punches.c.site_id))
        .where(
            punches.c.company_id == company_id,
            # Today, wherever on Earth a site is, lies within a day and a half of now.
            punches.c.occurred_at >= now - timedelta(hours=38),
            punches.c.occurred_at <= now + timedelta(hours=1),
            func.date(local) == today,
        )
        .group_by(hour, punches.c.kind)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[int(row.hour)][row.kind] += int(row.n)
    return [
        HourCounts(
            hour,
            counts[hour]["clock_in"],
            counts[hour]["clock_out"],
            counts[hour]["break_start"] + counts[hour]["break_end"],
        )
        for hour in range(24)
    ]


@dataclass(frozen=True, slots=True)
class Presence:
    """Who was on site, and when that was worked out."""

    sites: tuple[SitePresence, ...]
    as_of: datetime


class PresenceCache:
    """`on_site_now` for a few seconds per company and site scope, worked out once however many ask at once.

    Deriving every open session of a large company takes about a second (10,000 people on site: the domain's
    derivation, the same the kiosks run), too long for each view of a dashboard that many people keep open. What a
    user sees depends only on their company and the sites their row-level scope lets through, so users with the
    same scope share the answer; the page says how old it is.
    """

    def __init__(self, max_age: timedelta = timedelta(seconds=30)) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._found: dict[tuple[str, str], Presence] = {}

    def get(self, connection: Connection, company_id: str, scope: str, now: datetime) -> Presence:
        """The presence seen through `connection` (confined to `company_id` and the sites `scope` names)."""
        key = (company_id, scope)
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            found = self._found.get(key)
            if found is None or not timedelta(0) <= now - found.as_of <= self.max_age:
                found = Presence(tuple(on_site_now(connection, company_id, now)), now)
                self._found[key] = found
        return found
