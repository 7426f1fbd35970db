"""What the supervisor's screens show about the site: who is here now, today's punches, the employee list and the
count for the "N Unresolved Missed Clock-Outs" banner.

Every time handed out is in the site's local time. States come from the kept sessions the punch screen reads too
(`TimeClock.current_state`), so the supervisor sees exactly what an employee would be offered at the kiosk, and a
site with years of history answers as fast as a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from kiosk.domain.incidents import IncidentStatus
from kiosk.domain.kept import state_from_kept
from kiosk.domain.punches import BreakType, Punch
from kiosk.domain.sessions import AnomalyCode, EmployeeState, EmployeeStatus, WorkSession
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.timeclock import TimeClock, without_explained
from kiosk.store import kept_state, repository
from kiosk.store import roster as roster_store
from kiosk.store.database import Database
from kiosk.store.repository import EmployeeRecord
from kiosk.store.schema import SyncState


@dataclass(frozen=True, slots=True)
class Presence:
    """An employee on site now: on shift or on break, and since when (local times)."""

    employee: EmployeeRecord
    status: EmployeeStatus  # ON_SHIFT or ON_BREAK
    since: datetime  # the break's start when on break, else the clock-in
    clock_in: datetime
    break_type: BreakType | None
    missed_clockout: bool  # open past the company's limit: probably gone without clocking out


@dataclass(frozen=True, slots=True)
class PunchLine:
    """One punch of today at this site, with its place in the sync queue."""

    punch: Punch
    employee_name: str
    local_time: datetime
    sync_state: SyncState
    sync_error: str | None


@dataclass(frozen=True, slots=True)
class EmployeeOverview:
    """A row of the supervisor's employee list."""

    employee: EmployeeRecord
    status: EmployeeStatus
    since: datetime | None  # local: clock-in, break start, or the last clock-out of the last few days
    has_pin: bool
    face_templates: int
    unexplained_sessions: int  # older sessions still open that the employee has not explained
    department_code: str | None = None  # head office's code of the department, once the kiosk is provisioned


class SiteOverview:
    """Read-only views of this kiosk's site for the supervisor."""

    def __init__(self, database: Database, time_clock: TimeClock, missed: MissedClockouts) -> None:
        self._db = database
        self._clock = time_clock
        self._missed = missed

    def business_day(self) -> date:
        """Today's date at the site."""
        with self._db.read() as session:
            return self._clock.now().astimezone(self._clock.zone(session)).date()

    def pending_clockout_count(self) -> int:
        """The number for the banner "N Unresolved Missed Clock-Outs"."""
        return self._missed.get_pending_clockout_count()

    def _everyone(
        self, session: Session, now: datetime, *, active_only: bool
    ) -> list[tuple[EmployeeRecord, EmployeeState, WorkSession | None]]:
        """Every employee with their state now, read from the kept sessions with one query for the whole company:
        the same state `TimeClock.current_state` gives the punch screen."""
        company_id = self._clock.company_id
        current = kept_state.current_sessions(session, company_id, now=now)
        explained = frozenset(
            incident.clock_in_punch_id
            for incident in repository.incidents(session, company_id)
            if incident.status is not IncidentStatus.PENDING
        )
        everyone = []
        for employee in repository.employees(session, company_id, active_only=active_only):
            found = current.get(employee.id)
            state = (
                EmployeeState(EmployeeStatus.OFF)
                if found is None
                else without_explained(state_from_kept(employee.id, found.latest, found.older_open), explained)
            )
            everyone.append((employee, state, found.latest if found is not None else None))
        return everyone

    def employee_list(self, *, active_only: bool = False) -> list[EmployeeOverview]:
        """Every employee of the company (by last and first name) with their state now."""
        now = self._clock.now()
        with self._db.read() as session:
            zone = self._clock.zone(session)
            templates = roster_store.face_template_counts(session, self._clock.company_id)
            codes = repository.department_codes(session, self._clock.company_id)
            everyone = self._everyone(session, now, active_only=active_only)
        rows = []
        for employee, state, latest in everyone:
            since: datetime | None = None
            if state.open_break is not None:
                since = state.open_break.start
            elif state.session is not None:
                since = state.session.clock_in
            elif latest is not None:
                # Closed sessions never overlap (a correction that would make them is not applied), so the last
                # session's clock-out is the latest one.
                since = latest.clock_out
            rows.append(
                EmployeeOverview(
                    employee=employee,
                    status=state.status,
                    since=since.astimezone(zone) if since is not None else None,
                    has_pin=employee.pin_hash is not None,
                    face_templates=templates.get(employee.id, 0),
                    unexplained_sessions=len(state.unresolved),
                    department_code=codes.get(employee.department or ""),
                )
            )
        return rows

    def on_site_now(self) -> list[Presence]:
        """Active employees on shift or on break now, longest present first."""
        now = self._clock.now()
        with self._db.read() as session:
            zone = self._clock.zone(session)
            everyone = self._everyone(session, now, active_only=True)
        present = []
        for employee, state, _latest in everyone:
            current = state.session
            if current is None:
                continue
            running = state.open_break
            present.append(
                Presence(
                    employee=employee,
                    status=state.status,
                    since=(running.start if running is not None else current.clock_in).astimezone(zone),
                    clock_in=current.clock_in.astimezone(zone),
                    break_type=running.break_type if running is not None else None,
                    missed_clockout=AnomalyCode.MISSED_CLOCK_OUT in current.anomalies,
                )
            )
        return sorted(present, key=lambda presence: (presence.clock_in, presence.employee.full_name))

    def todays_punches(self) -> list[PunchLine]:
        """The punches recorded at this site during today's local business day, newest first."""
        now = self._clock.now()
        with self._db.read() as session:
            zone = self._clock.zone(session)
            today = now.astimezone(zone).date()
            start = datetime.combine(today, time(0), tzinfo=zone)
            end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
            names = {e.id: e.full_name for e in repository.employees(session, self._clock.company_id)}
            stored = roster_store.site_punches(session, self._clock.site_id, start, end)
        return [
            PunchLine(
                punch=item.punch,
                employee_name=names.get(item.punch.employee_id, item.punch.employee_id),
                local_time=item.punch.occurred_at.astimezone(zone),
                sync_state=item.sync_state,
                sync_error=item.sync_error,
            )
            for item in reversed(stored)
        ]
