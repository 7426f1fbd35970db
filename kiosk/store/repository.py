"""Reading and writing the local tables in domain terms.

Every function takes the SQLAlchemy session of the caller's transaction, so a use case can put several steps (an
incident, its clock-in and the audit entries) into one commit. Rows go in and domain objects come out; nothing
outside this package sees a row class.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.orm import Session

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import ClockoutReason, IncidentStatus, MissedClockoutIncident
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import (
    BreakType,
    ClockFacts,
    Correction,
    CorrectionKind,
    IdentifiedBy,
    Punch,
    PunchKind,
)
from kiosk.store.schema import (
    AuditEntry,
    BiometricConsent,
    Company,
    CorrectionRow,
    Department,
    DeviceSetting,
    Employee,
    FaceTemplate,
    IncidentRow,
    PunchRow,
    Site,
    SyncState,
)

# --- punches -------------------------------------------------------------------------------------------------------

AFFECTED = "kept_state.affected"
"""Key of the transaction's notes for the kept state: (company, employee, punch id, fallback time) of each fact
added, read by `kept_state.apply` before the commit."""
REBUILD = "kept_state.rebuild"
"""Key of the companies whose kept state must be derived again as a whole (their policy or time zone changed)."""


def _note_fact(session: Session, company_id: str, employee_id: str, punch_id: uuid.UUID, at: datetime) -> None:
    session.info.setdefault(AFFECTED, []).append((company_id, employee_id, str(punch_id), at))


def note_rebuild(session: Session, company_id: str) -> None:
    """Have the company's kept state derived again as a whole before this transaction commits."""
    session.info.setdefault(REBUILD, set()).add(company_id)


def punch_from_row(row: PunchRow | Row[Any]) -> Punch:
    """A punch from its ORM row or from a plain result row of the punches table (the faster path for bulk reads)."""
    clock = None
    if row.pc_time is not None:
        clock = ClockFacts(pc_time=row.pc_time, anchored_time=row.anchored_time, suspect=row.clock_suspect)
    return Punch(
        id=uuid.UUID(row.id),
        employee_id=row.employee_id,
        kind=PunchKind(row.kind),
        occurred_at=row.occurred_at,
        break_type=BreakType(row.break_type) if row.break_type else None,
        kiosk_id=row.kiosk_id,
        identified_by=IdentifiedBy(row.identified_by),
        match_distance=row.match_distance,
        liveness_passed=row.liveness_passed,
        clock=clock,
    )


def _punches(session: Session, query: Select[Any]) -> list[Punch]:
    # Plain rows, not ORM objects: building thousands of mapped instances costs more than the query itself.
    return [punch_from_row(row) for row in session.execute(query.order_by(PunchRow.occurred_at, PunchRow.id))]


_PUNCH_COLUMNS = select(*PunchRow.__table__.columns)


def add_punch(
    session: Session,
    punch: Punch,
    *,
    company_id: str,
    site_id: str | None,
    recorded_at: datetime,
    sync_state: SyncState = SyncState.PENDING,
) -> None:
    """Insert a punch into the outbox (or, with SyncState.REMOTE, record one pulled from another kiosk)."""
    clock = punch.clock
    session.add(
        PunchRow(
            id=str(punch.id),
            company_id=company_id,
            site_id=site_id,
            kiosk_id=punch.kiosk_id,
            employee_id=punch.employee_id,
            kind=punch.kind.value,
            break_type=punch.break_type.value if punch.break_type else None,
            occurred_at=punch.occurred_at,
            identified_by=punch.identified_by.value,
            match_distance=punch.match_distance,
            liveness_passed=punch.liveness_passed,
            pc_time=clock.pc_time if clock else None,
            anchored_time=clock.anchored_time if clock else None,
            clock_suspect=clock.suspect if clock else False,
            recorded_at=recorded_at,
            sync_state=sync_state,
        )
    )
    _note_fact(session, company_id, punch.employee_id, punch.id, punch.occurred_at)


def get_punch(session: Session, punch_id: uuid.UUID) -> Punch | None:
    row = session.get(PunchRow, str(punch_id))
    return None if row is None else punch_from_row(row)


def punches_by_id(session: Session, ids: Iterable[str]) -> list[Punch]:
    """The punches with these ids (those that exist), oldest first."""
    return _punches(session, _PUNCH_COLUMNS.where(PunchRow.id.in_(list(ids))))


def punches_of(session: Session, employee_id: str, since: datetime | None = None) -> list[Punch]:
    """An employee's punches, oldest first (optionally only those at or after `since`)."""
    query = _PUNCH_COLUMNS.where(PunchRow.employee_id == employee_id)
    if since is not None:
        query = query.where(PunchRow.occurred_at >= since)
    return _punches(session, query)


def all_punches(
    session: Session, company_id: str, start: datetime | None = None, end: datetime | None = None
) -> list[Punch]:
    """A company's punches with `start <= occurred_at < end` (either bound optional), oldest first."""
    query = _PUNCH_COLUMNS.where(PunchRow.company_id == company_id)
    if start is not None:
        query = query.where(PunchRow.occurred_at >= start)
    if end is not None:
        query = query.where(PunchRow.occurred_at < end)
    return _punches(session, query)


def count_punches_by_state(session: Session) -> dict[SyncState, int]:
    rows = session.execute(select(PunchRow.sync_state, func.count()).group_by(PunchRow.sync_state)).all()
    return {SyncState(state): int(count) for state, count in rows}


def mark_punches(session: Session, ids: Iterable[uuid.UUID], state: SyncState, at: datetime, error: str | None) -> int:
    """Set the sync bookkeeping of punches (the only columns of a punch that may change)."""
    keys = [str(punch_id) for punch_id in ids]
    if not keys:
        return 0
    result = session.execute(
        update(PunchRow).where(PunchRow.id.in_(keys)).values(sync_state=state, synced_at=at, sync_error=error)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- corrections ---------------------------------------------------------------------------------------------------


def correction_from_row(row: CorrectionRow) -> Correction:
    return Correction(
        id=uuid.UUID(row.id),
        kind=CorrectionKind(row.kind),
        employee_id=row.employee_id,
        target_punch_id=uuid.UUID(row.target_punch_id),
        made_at=row.made_at,
        made_by=row.made_by,
        reason=row.reason,
        effective_at=row.effective_at,
    )


def add_correction(
    session: Session, correction: Correction, *, company_id: str, sync_state: SyncState = SyncState.PENDING
) -> None:
    session.add(
        CorrectionRow(
            id=str(correction.id),
            company_id=company_id,
            kind=correction.kind.value,
            employee_id=correction.employee_id,
            target_punch_id=str(correction.target_punch_id),
            effective_at=correction.effective_at,
            made_at=correction.made_at,
            made_by=correction.made_by,
            reason=correction.reason,
            sync_state=sync_state,
        )
    )
    _note_fact(
        session,
        company_id,
        correction.employee_id,
        correction.target_punch_id,
        correction.effective_at or correction.made_at,
    )


def corrections_of(session: Session, employee_id: str, since: datetime | None = None) -> list[Correction]:
    """An employee's corrections, optionally only those about punches at or after `since` (by the corrected time, or
    for a void by when it was made)."""
    query = select(CorrectionRow).where(CorrectionRow.employee_id == employee_id)
    if since is not None:
        query = query.where(func.coalesce(CorrectionRow.effective_at, CorrectionRow.made_at) >= since)
    return [correction_from_row(row) for row in session.scalars(query.order_by(CorrectionRow.made_at))]


def all_corrections(session: Session, company_id: str) -> list[Correction]:
    query = select(CorrectionRow).where(CorrectionRow.company_id == company_id)
    return [correction_from_row(row) for row in session.scalars(query.order_by(CorrectionRow.made_at))]


# --- audit log -----------------------------------------------------------------------------------------------------


def audit(session: Session, *, at: datetime, actor: str, action: str, subject: str | None, **detail: Any) -> None:
    """Append one entry to the audit log (the table refuses updates and deletes)."""
    session.add(AuditEntry(at=at, actor=actor, action=action, subject=subject, detail=json.dumps(detail, default=str)))


def audit_entries(session: Session, action: str | None = None) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return session.scalars(query).all()


# --- company, sites, departments, employees ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    id: str
    name: str
    missed_clockout_enabled: bool
    block_reports_on_pending: bool
    open_session_limit: timedelta
    pin_punching_allowed: bool
    kiosk_may_deactivate: bool = False


@dataclass(frozen=True, slots=True)
class SiteRecord:
    id: str
    company_id: str
    name: str
    timezone: str
    code: str | None = None  # head office's site code; None at a kiosk that has only run on its own


@dataclass(frozen=True, slots=True)
class EmployeeRecord:
    """An employee. `number` is the employee number people read and type (unique in the company); `id` is the
    internal key facts refer to, never shown."""

    id: str
    company_id: str
    first_name: str
    last_name: str
    department: str | None
    daily_rate: Decimal
    active: bool
    pin_hash: str | None
    number: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _company(row: Company) -> CompanyRecord:
    return CompanyRecord(
        id=row.id,
        name=row.name,
        missed_clockout_enabled=row.missed_clockout_enabled,
        block_reports_on_pending=row.block_reports_on_pending,
        open_session_limit=timedelta(minutes=row.open_session_limit_minutes),
        pin_punching_allowed=row.pin_punching_allowed,
        kiosk_may_deactivate=row.kiosk_may_deactivate,
    )


def put_company(session: Session, company: CompanyRecord, at: datetime) -> None:
    """Insert or replace a company and its settings (a change of its session policy derives its kept state again)."""
    held = session.get(Company, company.id)
    limit_minutes = int(company.open_session_limit.total_seconds() // 60)
    if held is not None and (
        held.missed_clockout_enabled != company.missed_clockout_enabled
        or held.open_session_limit_minutes != limit_minutes
    ):
        note_rebuild(session, company.id)
    session.merge(
        Company(
            id=company.id,
            name=company.name,
            missed_clockout_enabled=company.missed_clockout_enabled,
            block_reports_on_pending=company.block_reports_on_pending,
            open_session_limit_minutes=limit_minutes,
            pin_punching_allowed=company.pin_punching_allowed,
            kiosk_may_deactivate=company.kiosk_may_deactivate,
            updated_at=at,
        )
    )


def get_company(session: Session, company_id: str) -> CompanyRecord | None:
    row = session.get(Company, company_id)
    return None if row is None else _company(row)


def companies(session: Session) -> list[CompanyRecord]:
    return [_company(row) for row in session.scalars(select(Company).order_by(Company.name))]


def put_site(session: Session, site: SiteRecord, at: datetime) -> None:
    """Insert or replace a site (a change of its time zone derives its company's kept state again)."""
    held = session.get(Site, site.id)
    if held is not None and held.timezone != site.timezone:
        note_rebuild(session, site.company_id)
    session.merge(
        Site(
            id=site.id,
            company_id=site.company_id,
            name=site.name,
            timezone=site.timezone,
            code=site.code,
            updated_at=at,
        )
    )


def get_site(session: Session, site_id: str) -> SiteRecord | None:
    row = session.get(Site, site_id)
    return None if row is None else SiteRecord(row.id, row.company_id, row.name, row.timezone, row.code)


def put_department(
    session: Session, company_id: str, rules: DepartmentRules, at: datetime, *, code: str | None = None
) -> str:
    """Insert or replace a department's rule set, keyed by (company, name); returns the department id. `code` is
    head office's department code, when the department comes from there (a code already held is kept otherwise)."""
    existing = session.scalar(
        select(Department).where(Department.company_id == company_id, Department.name == rules.name)
    )
    row = existing or Department(id=str(uuid.uuid4()), company_id=company_id, name=rules.name)
    row.undertime = rules.undertime
    row.shift_start = rules.shift_start.strftime("%H:%M")
    row.grace_minutes = rules.grace_minutes
    row.half_day_after = rules.half_day_after.strftime("%H:%M")
    row.half_day_hours = rules.half_day_hours
    row.regular_hours = rules.regular_hours
    if code is not None:
        row.code = code
    row.updated_at = at
    session.add(row)
    session.flush()
    return row.id


def department_codes(session: Session, company_id: str) -> dict[str, str]:
    """Head office's code of each of the company's departments that has one, by department name."""
    rows = session.execute(
        select(Department.name, Department.code).where(
            Department.company_id == company_id, Department.code.is_not(None)
        )
    )
    return {name: code for name, code in rows if code is not None}


def department_rules(session: Session, company_id: str) -> dict[str, DepartmentRules]:
    """The company's rule sets by department name."""
    rows = session.scalars(select(Department).where(Department.company_id == company_id))
    return {
        row.name: DepartmentRules(
            name=row.name,
            undertime=row.undertime,
            shift_start=time.fromisoformat(row.shift_start),
            grace_minutes=row.grace_minutes,
            half_day_after=time.fromisoformat(row.half_day_after),
            half_day_hours=row.half_day_hours,
            regular_hours=row.regular_hours,
        )
        for row in rows
    }


def _employee(row: Employee, department: str | None) -> EmployeeRecord:
    return EmployeeRecord(
        id=row.id,
        company_id=row.company_id,
        first_name=row.first_name,
        last_name=row.last_name,
        department=department,
        daily_rate=row.daily_rate,
        active=row.active,
        pin_hash=row.pin_hash,
        number=row.number,
    )


def put_employee(session: Session, employee: EmployeeRecord, at: datetime) -> None:
    """Insert or replace an employee; the department is named and must exist in the company.

    Raises:
        RuleViolation: `unknown_department`, or `employee_number_taken` when another employee of the company has
            the number.
    """
    department_id = None
    if employee.department is not None:
        department_id = session.scalar(
            select(Department.id).where(
                Department.company_id == employee.company_id, Department.name == employee.department
            )
        )
        if department_id is None:
            raise RuleViolation("unknown_department", f"there is no department named {employee.department!r}")
    holder = employee_by_number(session, employee.company_id, employee.number)
    if holder is not None and holder.id != employee.id:
        raise RuleViolation(
            "employee_number_taken",
            f"the employee number {employee.number!r} is already {holder.full_name}'s",
        )
    session.merge(
        Employee(
            id=employee.id,
            company_id=employee.company_id,
            number=employee.number,
            first_name=employee.first_name,
            last_name=employee.last_name,
            department_id=department_id,
            daily_rate=employee.daily_rate,
            pin_hash=employee.pin_hash,
            active=employee.active,
            updated_at=at,
        )
    )


def _employee_query() -> Select[Employee, str]:
    return select(Employee, Department.name).outerjoin(Department, Employee.department_id == Department.id)


def get_employee(session: Session, employee_id: str) -> EmployeeRecord | None:
    found = session.execute(_employee_query().where(Employee.id == employee_id)).first()
    return None if found is None else _employee(found[0], found[1])


def employee_by_number(session: Session, company_id: str, number: str) -> EmployeeRecord | None:
    """The company's employee with this employee number, active or not."""
    found = session.execute(
        _employee_query().where(Employee.company_id == company_id, Employee.number == number)
    ).first()
    return None if found is None else _employee(found[0], found[1])


def employees(session: Session, company_id: str, *, active_only: bool = False) -> list[EmployeeRecord]:
    query = _employee_query().where(Employee.company_id == company_id)
    if active_only:
        query = query.where(Employee.active.is_(True))
    rows = session.execute(query.order_by(Employee.last_name, Employee.first_name, Employee.id)).all()
    return [_employee(row[0], row[1]) for row in rows]


# --- biometrics: consent and encrypted face templates ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    id: str
    employee_id: str
    text_version: str
    consented_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredTemplate:
    """A face template as kept: `sealed` is the encrypted blob, opaque to the store."""

    id: str
    employee_id: str
    sealed: bytes
    pose: str
    created_at: datetime


def _consent(row: BiometricConsent) -> ConsentRecord:
    return ConsentRecord(row.id, row.employee_id, row.text_version, row.consented_at, row.recorded_by, row.withdrawn_at)


def add_consent(
    session: Session, *, employee_id: str, text_version: str, consented_at: datetime, recorded_by: str
) -> ConsentRecord:
    """Record an employee's consent to face templates (a new row; earlier consents stay as history)."""
    row = BiometricConsent(
        id=str(uuid.uuid4()),
        employee_id=employee_id,
        text_version=text_version,
        consented_at=consented_at,
        recorded_by=recorded_by,
        withdrawn_at=None,
    )
    session.add(row)
    session.flush()
    return _consent(row)


def current_consent(session: Session, employee_id: str) -> ConsentRecord | None:
    """The employee's latest consent that was not withdrawn, if any."""
    row = session.scalars(
        select(BiometricConsent)
        .where(BiometricConsent.employee_id == employee_id, BiometricConsent.withdrawn_at.is_(None))
        .order_by(BiometricConsent.consented_at.desc(), BiometricConsent.id)
        .limit(1)
    ).first()
    return None if row is None else _consent(row)


def withdraw_consents(session: Session, employee_id: str, at: datetime) -> int:
    """Mark every standing consent of the employee withdrawn at `at`; returns how many."""
    result = session.execute(
        update(BiometricConsent)
        .where(BiometricConsent.employee_id == employee_id, BiometricConsent.withdrawn_at.is_(None))
        .values(withdrawn_at=at)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def add_face_template(session: Session, template: StoredTemplate) -> None:
    """Keep one encrypted template (pending upload to the central database)."""
    session.add(
        FaceTemplate(
            id=template.id,
            employee_id=template.employee_id,
            sealed=template.sealed,
            pose=template.pose,
            created_at=template.created_at,
            sync_state=SyncState.PENDING,
        )
    )


def face_templates(
    session: Session, employee_id: str | None = None, *, active_only: bool = True
) -> list[StoredTemplate]:
    """Stored templates, of one employee or of all (by default only of active employees), grouped by employee."""
    query = select(FaceTemplate).join(Employee, Employee.id == FaceTemplate.employee_id)
    if employee_id is not None:
        query = query.where(FaceTemplate.employee_id == employee_id)
    if active_only:
        query = query.where(Employee.active.is_(True))
    rows = session.scalars(query.order_by(FaceTemplate.employee_id, FaceTemplate.created_at, FaceTemplate.id)).all()
    return [StoredTemplate(row.id, row.employee_id, row.sealed, row.pose, row.created_at) for row in rows]


def reseal_face_template(session: Session, template_id: str, sealed: bytes) -> None:
    """Replace a template's sealed bytes (the same face, sealed again: to its employee's new id)."""
    session.execute(update(FaceTemplate).where(FaceTemplate.id == template_id).values(sealed=sealed))


def delete_face_templates(session: Session, employee_id: str) -> int:
    """Remove every template of the employee; returns how many were removed."""
    result = session.execute(delete(FaceTemplate).where(FaceTemplate.employee_id == employee_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- missed clock-out incidents ------------------------------------------------------------------------------------


def _incident(row: IncidentRow) -> MissedClockoutIncident:
    return MissedClockoutIncident(
        id=uuid.UUID(row.id),
        company_id=row.company_id,
        employee_id=row.employee_id,
        first_name=row.first_name,
        last_name=row.last_name,
        clock_in_punch_id=uuid.UUID(row.clock_in_punch_id),
        login_time=row.login_time,
        employee_claimed_logout_time=row.employee_claimed_logout_time,
        employee_reason=ClockoutReason(row.employee_reason) if row.employee_reason else None,
        employee_note=row.employee_note,
        employee_claimed_at=row.employee_claimed_at,
        status=IncidentStatus(row.status),
        admin_set_logout_time=row.admin_set_logout_time,
        admin_notes=row.admin_notes,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        created_at=row.created_at,
    )


def put_incident(
    session: Session, incident: MissedClockoutIncident, at: datetime, sync_state: SyncState = SyncState.PENDING
) -> None:
    """Insert an incident or store its new state (an incident is a workflow record, not a fact)."""
    session.merge(
        IncidentRow(
            id=str(incident.id),
            company_id=incident.company_id,
            clock_in_punch_id=str(incident.clock_in_punch_id),
            employee_id=incident.employee_id,
            first_name=incident.first_name,
            last_name=incident.last_name,
            login_time=incident.login_time,
            employee_claimed_logout_time=incident.employee_claimed_logout_time,
            employee_reason=incident.employee_reason.value if incident.employee_reason else None,
            employee_note=incident.employee_note,
            employee_claimed_at=incident.employee_claimed_at,
            status=incident.status.value,
            admin_set_logout_time=incident.admin_set_logout_time,
            admin_notes=incident.admin_notes,
            resolved_at=incident.resolved_at,
            resolved_by=incident.resolved_by,
            created_at=incident.created_at,
            updated_at=at,
            sync_state=sync_state,
            sync_error=None,
        )
    )


def get_incident(session: Session, incident_id: uuid.UUID) -> MissedClockoutIncident | None:
    row = session.get(IncidentRow, str(incident_id))
    return None if row is None else _incident(row)


def incident_for_clock_in(session: Session, clock_in_punch_id: uuid.UUID) -> MissedClockoutIncident | None:
    row = session.scalar(select(IncidentRow).where(IncidentRow.clock_in_punch_id == str(clock_in_punch_id)))
    return None if row is None else _incident(row)


def incidents(
    session: Session, company_id: str, statuses: Iterable[IncidentStatus] | None = None
) -> list[MissedClockoutIncident]:
    """A company's incidents, newest clock-in first, optionally only those in `statuses`."""
    query = select(IncidentRow).where(IncidentRow.company_id == company_id)
    if statuses is not None:
        query = query.where(IncidentRow.status.in_([status.value for status in statuses]))
    return [_incident(row) for row in session.scalars(query.order_by(IncidentRow.login_time.desc(), IncidentRow.id))]


def incidents_of(session: Session, employee_id: str) -> list[MissedClockoutIncident]:
    query = select(IncidentRow).where(IncidentRow.employee_id == employee_id).order_by(IncidentRow.login_time)
    return [_incident(row) for row in session.scalars(query)]


def count_incidents(session: Session, company_id: str, statuses: Iterable[IncidentStatus]) -> int:
    query = select(func.count()).where(
        IncidentRow.company_id == company_id, IncidentRow.status.in_([status.value for status in statuses])
    )
    return int(session.scalar(query) or 0)


# --- device settings -----------------------------------------------------------------------------------------------


def device_values(session: Session) -> dict[str, Any]:
    """The kiosk's stored settings as plain JSON values by key (the typed schema is the services' business)."""
    return {row.key: json.loads(row.value) for row in session.scalars(select(DeviceSetting))}


def device_value(session: Session, key: str) -> Any:
    """One stored setting's plain JSON value, None when it is not stored."""
    stored = session.scalar(select(DeviceSetting.value).where(DeviceSetting.key == key))
    return None if stored is None else json.loads(stored)


def put_device_values(session: Session, values: dict[str, Any], at: datetime) -> None:
    for key, value in values.items():
        session.merge(DeviceSetting(key=key, value=json.dumps(value), updated_at=at))
