"""The company-wide settings a supervisor changes from the kiosk's settings screen.

Missed clock-out management and report blocking go through `MissedClockouts` (the seed's own functions); PIN
punching and the open-session limit are changed here. Every change is checked first, written with an audit entry in
one transaction, and a bad value changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from kiosk.domain.errors import RuleViolation
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.timeclock import TimeClock
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.repository import CompanyRecord

log = logging.getLogger(__name__)

SHORTEST_OPEN_SESSION_LIMIT = timedelta(hours=1)
LONGEST_OPEN_SESSION_LIMIT = timedelta(hours=24)  # a session longer than 24 h is never a normal one (seed 001)


@dataclass(frozen=True, slots=True)
class CompanySettingsView:
    """What the settings screen shows."""

    company_name: str
    missed_clockout_enabled: bool
    block_reports_on_pending: bool
    pin_punching_allowed: bool
    open_session_limit: timedelta


def _view(company: CompanyRecord) -> CompanySettingsView:
    return CompanySettingsView(
        company_name=company.name,
        missed_clockout_enabled=company.missed_clockout_enabled,
        block_reports_on_pending=company.block_reports_on_pending,
        pin_punching_allowed=company.pin_punching_allowed,
        open_session_limit=company.open_session_limit,
    )


def _switch(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise RuleViolation("setting_invalid", f"{what} is on (true) or off (false), not {value!r}")
    return value


class CompanySettings:
    """Read and change this kiosk's company settings."""

    def __init__(self, database: Database, time_clock: TimeClock, missed: MissedClockouts) -> None:
        self._db = database
        self._clock = time_clock
        self._missed = missed

    def get(self) -> CompanySettingsView:
        with self._db.read() as session:
            return _view(self._clock.company(session))

    def set_missed_clockout_enabled(self, enabled: bool, *, changed_by: str) -> CompanySettingsView:
        """Turn missed clock-out claims on, or off (then a session left open is closed at the limit and flagged)."""
        self._missed.update_missed_clockout_enabled(_switch(enabled, "missed clock-out"), changed_by=changed_by)
        return self.get()

    def set_block_reports_on_pending(self, enabled: bool, *, changed_by: str) -> CompanySettingsView:
        """Make timesheet exports refuse (or not) while missed clock-outs are unresolved."""
        self._missed.update_block_reports_on_pending(_switch(enabled, "report blocking"), changed_by=changed_by)
        return self.get()

    def set_pin_punching_allowed(self, allowed: bool, *, changed_by: str) -> CompanySettingsView:
        """Allow or forbid punching with an employee PIN instead of the face."""
        allowed = _switch(allowed, "PIN punching")
        return self._change(
            changed_by, "settings.pin_punching", lambda company: replace(company, pin_punching_allowed=allowed)
        )

    def set_open_session_limit(self, limit: timedelta, *, changed_by: str) -> CompanySettingsView:
        """How long a session may stay open before it counts as a missed clock-out: whole minutes, 1 to 24 hours.

        Raises:
            RuleViolation: `setting_invalid` for anything else.
        """
        if not isinstance(limit, timedelta):
            raise RuleViolation("setting_invalid", f"the open-session limit must be a duration, not {limit!r}")
        if not SHORTEST_OPEN_SESSION_LIMIT <= limit <= LONGEST_OPEN_SESSION_LIMIT:
            raise RuleViolation("setting_invalid", "the open-session limit must be between 1 and 24 hours")
        if limit % timedelta(minutes=1):
            raise RuleViolation("setting_invalid", "the open-session limit is set in whole minutes")
        return self._change(
            changed_by, "settings.open_session_limit", lambda company: replace(company, open_session_limit=limit)
        )

    def _change(
        self, changed_by: str, action: str, change: Callable[[CompanyRecord], CompanyRecord]
    ) -> CompanySettingsView:
        now = self._clock.now()
        with self._db.write() as session:
            before = self._clock.company(session)
            company = change(before)
            repository.put_company(session, company, now)
            old, new = _view(before), _view(company)
            changes = {key: getattr(new, key) for key in new.__slots__ if getattr(old, key) != getattr(new, key)}
            repository.audit(session, at=now, actor=changed_by, action=action, subject=company.id, **changes)
        log.info("company setting %s changed by %s: %s", action, changed_by, changes)
        return new
