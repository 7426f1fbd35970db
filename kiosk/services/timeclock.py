"""The punch use cases: what the screen asks for when someone stands at the kiosk.

`TimeClock` is synchronous and Qt-free; the UI calls it from its database worker. A punch is acknowledged (returned)
only after its transaction committed, so whatever the screen confirms survives a crash or a power cut.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import IncidentStatus, MissedClockoutIncident, MissedClockoutSettings, claim_required
from kiosk.domain.kept import state_from_kept
from kiosk.domain.punches import (
    DUPLICATE_TAP_WINDOW,
    BreakType,
    ClockFacts,
    Correction,
    IdentifiedBy,
    Punch,
    PunchKind,
)
from kiosk.domain.sessions import (
    Derivation,
    EmployeeState,
    EmployeeStatus,
    SessionPolicy,
    WorkSession,
    derive,
    state_of,
)
from kiosk.domain.validation import allowed_actions, find_duplicate_tap, validate_punch_time, validate_transition
from kiosk.services.clock import TimeSource, trusted_now
from kiosk.store import kept_state, repository
from kiosk.store.database import Database
from kiosk.store.repository import CompanyRecord, EmployeeRecord, SiteRecord

log = logging.getLogger(__name__)

Action = tuple[PunchKind, BreakType | None]

# How far back the kiosk's derivations for one employee's screens look (`derive_employee`). Where an employee stands
# comes from the kept sessions instead, which follow the whole history.
STATE_HISTORY = timedelta(days=62)


class PunchStatus(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # a second tap within the window: the earlier punch is shown, nothing is stored
    CLAIM_REQUIRED = "claim_required"  # an open session must be explained first (missed clock-out)


@dataclass(frozen=True, slots=True)
class PunchOutcome:
    """What the confirmation screen shows."""

    status: PunchStatus
    employee: EmployeeRecord
    punch: Punch | None  # the punch recorded, or the earlier one for a duplicate tap
    local_time: datetime | None  # the punch's time in the site's zone
    state: EmployeeState  # the employee's state after this outcome
    open_session: WorkSession | None = None  # for CLAIM_REQUIRED: the session to explain


@dataclass(frozen=True, slots=True)
class EmployeeFacts:
    """One employee's recent facts, loaded once per use case and derived as often as it needs."""

    employee_id: str
    punches: tuple[Punch, ...]
    corrections: tuple[Correction, ...]
    explained: frozenset[uuid.UUID]  # clock-ins of open sessions whose missed clock-out has a claim
    zone: ZoneInfo
    policy: SessionPolicy

    def derive(self, now: datetime, *extra: Punch) -> Derivation:
        return derive((*self.punches, *extra), self.corrections, tz=self.zone, policy=self.policy, as_of=now)

    def state(self, now: datetime, *extra: Punch) -> EmployeeState:
        """The employee's state (with `extra` punches added), leaving out older sessions whose missed clock-out the
        employee already explained: they wait for the supervisor, and must not make the kiosk ask for the same
        claim at every tap."""
        return without_explained(state_of(self.derive(now, *extra), self.employee_id), self.explained)


def without_explained(state: EmployeeState, explained: frozenset[uuid.UUID]) -> EmployeeState:
    """The state without the older open sessions whose missed clock-out the employee already explained: they wait
    for the supervisor, and must not make the kiosk ask for the same claim at every tap."""
    if not explained:
        return state
    kept = tuple(session for session in state.unresolved if session.clock_in_punch_id not in explained)
    return replace(state, unresolved=kept)


def explained_sessions(session: Session, employee_id: str) -> frozenset[uuid.UUID]:
    """Clock-ins of the employee's open sessions whose missed clock-out has a claim (or a resolution)."""
    return frozenset(
        incident.clock_in_punch_id
        for incident in repository.incidents_of(session, employee_id)
        if incident.status is not IncidentStatus.PENDING
    )


@dataclass(frozen=True, slots=True)
class Place:
    """Where this kiosk stands: what its screens show and the zone they show times in."""

    company: CompanyRecord
    site: SiteRecord
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class EmployeeView:
    """The employee's state and what the screen may offer them."""

    employee: EmployeeRecord
    state: EmployeeState
    actions: tuple[Action, ...]
    claim_required_for_clock_in: bool


class TimeClock:
    """Punching at one kiosk of one site."""

    def __init__(
        self,
        database: Database,
        *,
        company_id: str,
        site_id: str,
        kiosk_id: str,
        time_source: TimeSource,
        on_recorded: Callable[[Punch], None] | None = None,
    ) -> None:
        self._db = database
        self.company_id = company_id
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self._time = time_source
        self._on_recorded = on_recorded

    # --- what the rules need to know ------------------------------------------------------------------------------

    def company(self, session: Session) -> CompanyRecord:
        company = repository.get_company(session, self.company_id)
        if company is None:
            raise RuleViolation("unknown_company", f"this kiosk's company {self.company_id!r} is not set up")
        return company

    def site(self, session: Session) -> SiteRecord:
        site = repository.get_site(session, self.site_id)
        if site is None:
            raise RuleViolation("unknown_site", f"this kiosk's site {self.site_id!r} is not set up")
        return site

    def zone(self, session: Session) -> ZoneInfo:
        name = self.site(session).timezone
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise RuleViolation("unknown_time_zone", f"the site's time zone {name!r} is not known") from error

    def missed_clockout_settings(self, session: Session) -> MissedClockoutSettings:
        company = self.company(session)
        return MissedClockoutSettings(
            missed_clockout_enabled=company.missed_clockout_enabled,
            block_reports_on_pending=company.block_reports_on_pending,
            open_session_limit=company.open_session_limit,
        )

    def employee(self, session: Session, employee_id: str) -> EmployeeRecord:
        employee = repository.get_employee(session, employee_id)
        if employee is None or employee.company_id != self.company_id:
            raise RuleViolation("unknown_employee", f"there is no employee {employee_id!r}")
        if not employee.active:
            raise RuleViolation("inactive_employee", f"{employee.full_name} is no longer active")
        return employee

    def employee_facts(self, session: Session, employee_id: str, now: datetime) -> EmployeeFacts:
        """What the kiosk needs to know where an employee stands: their facts of the last `STATE_HISTORY` (enough
        for every rule the screen applies, as no session runs longer than 24 h, and it keeps a punch fast after
        years of use; reports derive from the whole history) and the sessions whose missed clock-out they already
        explained."""
        since = now - STATE_HISTORY
        return EmployeeFacts(
            employee_id=employee_id,
            punches=tuple(repository.punches_of(session, employee_id, since=since)),
            corrections=tuple(repository.corrections_of(session, employee_id, since=since)),
            explained=explained_sessions(session, employee_id),
            zone=self.zone(session),
            policy=self.missed_clockout_settings(session).session_policy(),
        )

    def derive_employee(self, session: Session, employee_id: str, now: datetime) -> Derivation:
        return self.employee_facts(session, employee_id, now).derive(now)

    def current_state(self, session: Session, employee_id: str, now: datetime) -> EmployeeState:
        """Where the employee stands now, from the kept sessions (the whole history, without deriving it again)."""
        found = kept_state.current_sessions(session, self.company_id, employee_id=employee_id, now=now).get(employee_id)
        if found is None:
            return EmployeeState(EmployeeStatus.OFF)
        state = state_from_kept(employee_id, found.latest, found.older_open)
        return without_explained(state, explained_sessions(session, employee_id))

    def derive_employee_now(self, employee_id: str) -> Derivation:
        """The derivation of one employee's sessions as of now (for screens and reports)."""
        now = self.now()
        with self._db.read() as session:
            return self.derive_employee(session, employee_id, now)

    def clock_facts(self) -> ClockFacts:
        return self._time.clock_facts()

    def now(self) -> datetime:
        return trusted_now(self._time.clock_facts())

    def ensure_pending_incident(
        self, session: Session, employee: EmployeeRecord, open_session: WorkSession, now: datetime
    ) -> MissedClockoutIncident:
        """The incident of an open session the rules call missed, recorded as `pending` if it is new, so the
        supervisor sees it even when the employee walks away without claiming."""
        incident = repository.incident_for_clock_in(session, open_session.clock_in_punch_id)
        if incident is not None:
            return incident
        incident = MissedClockoutIncident.open_pending(
            id=uuid.uuid4(),
            company_id=self.company_id,
            employee_id=employee.id,
            first_name=employee.first_name,
            last_name=employee.last_name,
            clock_in_punch_id=open_session.clock_in_punch_id,
            login_time=open_session.clock_in,
            created_at=now,
        )
        repository.put_incident(session, incident, now)
        repository.audit(session, at=now, actor="system", action="missed_clockout.detected", subject=str(incident.id))
        return incident

    # --- use cases ------------------------------------------------------------------------------------------------

    def place(self) -> Place:
        """The company and site of this kiosk, with the site's time zone."""
        with self._db.read() as session:
            return Place(self.company(session), self.site(session), self.zone(session))

    def employee_view(self, employee_id: str) -> EmployeeView:
        """The employee's current state (off, on shift, on break, with the open session) and the actions to offer."""
        now = self.now()
        with self._db.read() as session:
            employee = self.employee(session, employee_id)
            state = self.current_state(session, employee_id, now)
            settings = self.missed_clockout_settings(session)
        return EmployeeView(
            employee=employee,
            state=state,
            actions=allowed_actions(state),
            claim_required_for_clock_in=claim_required(state, PunchKind.CLOCK_IN, now, settings),
        )

    def record_punch(
        self,
        employee_id: str,
        kind: PunchKind,
        break_type: BreakType | None = None,
        *,
        identified_by: IdentifiedBy,
        match_distance: float | None = None,
        liveness_passed: bool | None = None,
        actor: str | None = None,
    ) -> PunchOutcome:
        """Record one tap. Returns only after the punch is durably committed (or says why nothing was stored)."""
        facts = self._time.clock_facts()
        now = trusted_now(facts)
        with self._db.write() as session:
            employee = self.employee(session, employee_id)
            zone = self.zone(session)
            state = self.current_state(session, employee_id, now)
            recent = repository.punches_of(session, employee_id, since=now - DUPLICATE_TAP_WINDOW)
            earlier = find_duplicate_tap(recent, employee_id, kind, now, DUPLICATE_TAP_WINDOW)
            if earlier is not None:
                return PunchOutcome(
                    PunchStatus.DUPLICATE, employee, earlier, earlier.occurred_at.astimezone(zone), state
                )
            if claim_required(state, kind, now, self.missed_clockout_settings(session)):
                to_explain = state.open_sessions[0]  # the oldest session not yet explained
                self.ensure_pending_incident(session, employee, to_explain, now)
                return PunchOutcome(PunchStatus.CLAIM_REQUIRED, employee, None, None, state, to_explain)
            validate_transition(state, kind, break_type)
            punch = Punch(
                id=uuid.uuid4(),
                employee_id=employee_id,
                kind=kind,
                occurred_at=now,
                break_type=break_type,
                kiosk_id=self.kiosk_id,
                identified_by=identified_by,
                match_distance=match_distance,
                liveness_passed=liveness_passed,
                clock=facts,
            )
            self.store_punch(session, punch, actor=actor or employee_id, now=now)
            kept_state.apply(session)
            after = self.current_state(session, employee_id, now)
        if self._on_recorded is not None:
            self._on_recorded(punch)
        return PunchOutcome(PunchStatus.RECORDED, employee, punch, punch.occurred_at.astimezone(zone), after)

    def store_punch(self, session: Session, punch: Punch, *, actor: str, now: datetime) -> None:
        """Validate and insert a punch with its audit entry, inside the caller's transaction."""
        validate_punch_time(punch.occurred_at, now)
        repository.add_punch(session, punch, company_id=self.company_id, site_id=self.site_id, recorded_at=now)
        repository.audit(
            session,
            at=now,
            actor=actor,
            action=f"punch.{punch.kind.value}",
            subject=punch.employee_id,
            punch_id=str(punch.id),
            break_type=punch.break_type.value if punch.break_type else None,
            identified_by=punch.identified_by.value,
            match_distance=punch.match_distance,
            liveness_passed=punch.liveness_passed,
            clock_suspect=punch.clock.suspect if punch.clock else False,
        )
        log.info("recorded %s for %s at %s", punch.kind.value, punch.employee_id, punch.occurred_at.isoformat())
