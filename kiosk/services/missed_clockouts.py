"""Missed clock-outs (DESIGN.md 3.5, seed 000): the employee's claim, the supervisor's resolution, the settings.

The method names are the seed's API functions, with the same meaning. A claim, the clock-in it leads to and the
supervisors' review email (queued in the mail outbox) are one transaction; a resolution, its closing correction and
the audit entries are another.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import (
    UNRESOLVED,
    ClaimTimes,
    ClockoutReason,
    IncidentStatus,
    MissedClockoutIncident,
    MissedClockoutSettings,
    claim_times,
)
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import IdentifiedBy, Punch, PunchKind
from kiosk.domain.sessions import WorkSession
from kiosk.services import mail
from kiosk.services.clock import trusted_now
from kiosk.services.timeclock import PunchOutcome, PunchStatus, TimeClock
from kiosk.store import kept_state, repository
from kiosk.store.database import Database
from kiosk.store.repository import CompanyRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OpenSession:
    """An employee's open session, as `check_open_sessions_by_employee_id` reports it."""

    session: WorkSession
    local_clock_in: datetime
    claim_required: bool  # the missed clock-out rules ask for a claim before the next clock-in
    incident: MissedClockoutIncident | None


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    incident: MissedClockoutIncident
    clock_in: PunchOutcome


class MissedClockouts:
    """The seed's missed clock-out API for one company, on the local database."""

    def __init__(self, database: Database, time_clock: TimeClock) -> None:
        self._db = database
        self._clock = time_clock

    @property
    def company_id(self) -> str:
        return self._clock.company_id

    def check_open_sessions_by_employee_id(self, employee_id: str) -> OpenSession | None:
        """The employee's open session (same day or earlier), or None when they are off."""
        now = self._clock.now()
        with self._db.read() as session:
            self._clock.employee(session, employee_id)
            zone = self._clock.zone(session)
            state = self._clock.current_state(session, employee_id, now)
            if not state.open_sessions:
                return None
            open_session = state.open_sessions[0]
            incident = repository.incident_for_clock_in(session, open_session.clock_in_punch_id)
        view = self._clock.employee_view(employee_id)
        return OpenSession(
            session=open_session,
            local_clock_in=open_session.clock_in.astimezone(zone),
            claim_required=view.claim_required_for_clock_in,
            incident=incident,
        )

    def claim_times(self, employee_id: str) -> ClaimTimes:
        """Where the claim's time picker starts for the employee's oldest open session, with quick choices.

        Raises:
            RuleViolation: `unknown_employee`, `inactive_employee` or `no_open_session`.
        """
        now = self._clock.now()
        with self._db.read() as session:
            employee = self._clock.employee(session, employee_id)
            zone = self._clock.zone(session)
            state = self._clock.current_state(session, employee_id, now)
            if not state.open_sessions:
                raise RuleViolation("no_open_session", f"{employee.full_name} has no open session to explain")
            department = employee.department
            rules = repository.department_rules(session, self.company_id).get(department or "")
        if rules is None:
            rules = DepartmentRules(name=department or "no department")
        return claim_times(state.open_sessions[0].clock_in, now, zone, rules)

    def create_and_submit_clockout_claim(
        self,
        employee_id: str,
        claimed_logout_time: datetime,
        reason: ClockoutReason | str,
        note: str | None = None,
        *,
        identified_by: IdentifiedBy,
        match_distance: float | None = None,
        liveness_passed: bool | None = None,
    ) -> ClaimOutcome:
        """Record the employee's claim for their open session and clock them in for today, in one transaction."""
        reason = ClockoutReason.parse(reason) if isinstance(reason, str) else reason
        facts = self._clock.clock_facts()
        now = trusted_now(facts)
        with self._db.write() as session:
            employee = self._clock.employee(session, employee_id)
            zone = self._clock.zone(session)
            state = self._clock.current_state(session, employee_id, now)
            if not state.open_sessions:
                raise RuleViolation("no_open_session", f"{employee.full_name} has no open session to explain")
            open_session = state.open_sessions[0]  # the oldest one not yet explained
            incident = self._clock.ensure_pending_incident(session, employee, open_session, now)
            incident = incident.claim(claimed_logout_time, reason, note, now)
            repository.put_incident(session, incident, now)
            punch = Punch(
                id=uuid.uuid4(),
                employee_id=employee_id,
                kind=PunchKind.CLOCK_IN,
                occurred_at=now,
                kiosk_id=self._clock.kiosk_id,
                identified_by=identified_by,
                match_distance=match_distance,
                liveness_passed=liveness_passed,
                clock=facts,
            )
            self._clock.store_punch(session, punch, actor=employee_id, now=now)
            kept_state.apply(session)
            after = self._clock.current_state(session, employee_id, now)
            repository.audit(
                session,
                at=now,
                actor=employee_id,
                action="missed_clockout.claim",
                subject=str(incident.id),
                claimed_logout_time=claimed_logout_time,
                reason=reason.value,
                note=note,
            )
            # Queued with the claim, so no claim is ever recorded without the supervisors' notice.
            mail.queue_missed_clockout_review(
                session,
                company=self._clock.company(session),
                site=self._clock.site(session),
                incident=incident,
                zone=zone,
                now=now,
            )
        log.info("missed clock-out claim %s by %s", incident.id, employee_id)
        clock_in = PunchOutcome(PunchStatus.RECORDED, employee, punch, punch.occurred_at.astimezone(zone), after)
        return ClaimOutcome(incident=incident, clock_in=clock_in)

    def open_pending_incident(self, employee_id: str) -> MissedClockoutIncident | None:
        """Record, as `pending`, an open session that the rules call missed, so the supervisor sees it even when
        the employee walks away without claiming. Returns the (new or existing) incident, None when nothing is open.
        """
        now = self._clock.now()
        with self._db.write() as session:
            employee = self._clock.employee(session, employee_id)
            state = self._clock.current_state(session, employee_id, now)
            if not state.open_sessions:
                return None
            return self._clock.ensure_pending_incident(session, employee, state.open_sessions[0], now)

    def get_missed_clockout_incidents(self, status: IncidentStatus | None = None) -> list[MissedClockoutIncident]:
        """All of the company's incidents (newest first), or those in one status."""
        with self._db.read() as session:
            return repository.incidents(session, self.company_id, None if status is None else [status])

    def get_missed_clockout_incident(self, incident_id: uuid.UUID) -> MissedClockoutIncident:
        with self._db.read() as session:
            incident = repository.get_incident(session, incident_id)
        if incident is None or incident.company_id != self.company_id:
            raise RuleViolation("unknown_incident", f"there is no missed clock-out incident {incident_id}")
        return incident

    def resolve_missed_clockout(
        self,
        incident_id: uuid.UUID,
        *,
        approve: bool,
        resolved_by: str,
        notes: str = "",
        logout_time: datetime | None = None,
    ) -> MissedClockoutIncident:
        """Approve the claimed time, or reject it with the time the supervisor sets and required notes. The
        session is closed with the final time at once (a correction fact), and the resolution is queued for sync."""
        now = self._clock.now()
        with self._db.write() as session:
            incident = repository.get_incident(session, incident_id)
            if incident is None or incident.company_id != self.company_id:
                raise RuleViolation("unknown_incident", f"there is no missed clock-out incident {incident_id}")
            if approve:
                if logout_time is not None:
                    raise RuleViolation(
                        "approve_takes_no_time", "approving keeps the claimed time; to set another, reject"
                    )
                incident = incident.approve(resolved_by, notes, now)
            else:
                if logout_time is None:
                    raise RuleViolation("override_time_missing", "rejecting a claim needs the clock-out time to use")
                incident = incident.reject(logout_time, notes, resolved_by, now)
            correction = incident.resolution_correction()
            repository.put_incident(session, incident, now)
            repository.add_correction(session, correction, company_id=self.company_id)
            repository.audit(
                session,
                at=now,
                actor=resolved_by,
                action=f"missed_clockout.{incident.status.value}",
                subject=str(incident.id),
                final_logout_time=incident.final_logout_time,
                notes=notes,
            )
        log.info("missed clock-out %s %s by %s", incident.id, incident.status.value, resolved_by)
        return incident

    def get_missed_clockout_settings(self) -> MissedClockoutSettings:
        with self._db.read() as session:
            return self._clock.missed_clockout_settings(session)

    def update_missed_clockout_enabled(self, enabled: bool, *, changed_by: str) -> MissedClockoutSettings:
        return self._update_company(changed_by, missed_clockout_enabled=enabled)

    def update_block_reports_on_pending(self, enabled: bool, *, changed_by: str) -> MissedClockoutSettings:
        return self._update_company(changed_by, block_reports_on_pending=enabled)

    def _update_company(self, changed_by: str, **changes: bool) -> MissedClockoutSettings:
        now = self._clock.now()
        with self._db.write() as session:
            company = self._clock.company(session)
            updated = CompanyRecord(
                id=company.id,
                name=company.name,
                missed_clockout_enabled=changes.get("missed_clockout_enabled", company.missed_clockout_enabled),
                block_reports_on_pending=changes.get("block_reports_on_pending", company.block_reports_on_pending),
                open_session_limit=company.open_session_limit,
                pin_punching_allowed=company.pin_punching_allowed,
            )
            repository.put_company(session, updated, now)
            repository.audit(
                session, at=now, actor=changed_by, action="settings.missed_clockout", subject=company.id, **changes
            )
            return self._clock.missed_clockout_settings(session)

    def get_pending_clockout_count(self) -> int:
        """How many incidents still wait for the employee or the supervisor."""
        with self._db.read() as session:
            return repository.count_incidents(session, self.company_id, UNRESOLVED)
