"""Roster queries the supervisor screens need beyond `repository`: departments with their switch, renames, employee
PIN lockouts, a site's punches with their sync state, and face template counts.

Like `repository`, every function works inside the caller's session and hands out plain records, never row classes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import Correction, Punch
from kiosk.store.repository import correction_from_row, punch_from_row
from kiosk.store.schema import (
    CorrectionRow,
    Department,
    Employee,
    EmployeePinLockout,
    FaceTemplate,
    PunchRow,
    RosterChangeRow,
    SyncState,
)


@dataclass(frozen=True, slots=True)
class DepartmentRecord:
    """A department: its rule set, whether new employees may be put in it, and how many active employees it has."""

    id: str
    rules: DepartmentRules
    active: bool
    active_employees: int

    @property
    def name(self) -> str:
        return self.rules.name


def _rules(row: Department) -> DepartmentRules:
    return DepartmentRules(
        name=row.name,
        undertime=row.undertime,
        shift_start=time.fromisoformat(row.shift_start),
        grace_minutes=row.grace_minutes,
        half_day_after=time.fromisoformat(row.half_day_after),
        half_day_hours=row.half_day_hours,
        regular_hours=row.regular_hours,
    )


def department_records(session: Session, company_id: str) -> list[DepartmentRecord]:
    """The company's departments by name, active and switched off alike."""
    counts = dict(
        session.execute(
            select(Employee.department_id, func.count())
            .where(Employee.company_id == company_id, Employee.active.is_(True))
            .group_by(Employee.department_id)
        ).all()
    )
    rows = session.scalars(select(Department).where(Department.company_id == company_id).order_by(Department.name))
    return [DepartmentRecord(row.id, _rules(row), row.active, int(counts.get(row.id, 0))) for row in rows]


def department_record(session: Session, company_id: str, name: str) -> DepartmentRecord | None:
    """One department by its exact name, or None."""
    for record in department_records(session, company_id):
        if record.name == name:
            return record
    return None


def _department_row(session: Session, company_id: str, name: str) -> Department:
    row = session.scalar(select(Department).where(Department.company_id == company_id, Department.name == name))
    if row is None:
        raise RuleViolation("unknown_department", f"there is no department named {name!r}")
    return row


def set_department_active(session: Session, company_id: str, name: str, active: bool, at: datetime) -> None:
    """Switch a department on or off; its rule set is kept either way, because past days are still paid by it."""
    row = _department_row(session, company_id, name)
    row.active = active
    row.updated_at = at


def rename_department(session: Session, company_id: str, old: str, new: str, at: datetime) -> None:
    """Give a department a new name; its employees follow, since they refer to it by id.

    Raises:
        RuleViolation: `unknown_department`, or `department_exists` when the new name is taken.
    """
    row = _department_row(session, company_id, old)
    if old != new and session.scalar(
        select(Department.id).where(Department.company_id == company_id, Department.name == new)
    ):
        raise RuleViolation("department_exists", f"there is already a department named {new!r}")
    row.name = new
    row.updated_at = at


# --- employee PIN lockouts -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PinLockout:
    failures: int = 0
    locked_until: datetime | None = None


def pin_lockout(session: Session, employee_id: str) -> PinLockout:
    row = session.get(EmployeePinLockout, employee_id)
    return PinLockout() if row is None else PinLockout(row.failures, row.locked_until)


def put_pin_lockout(session: Session, employee_id: str, lockout: PinLockout, at: datetime) -> None:
    session.merge(
        EmployeePinLockout(
            employee_id=employee_id, failures=lockout.failures, locked_until=lockout.locked_until, updated_at=at
        )
    )


# --- punches at a site, face templates -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredPunch:
    """A punch with its outbox state, as a supervisor's list shows it."""

    punch: Punch
    site_id: str | None
    sync_state: SyncState
    sync_error: str | None


def site_punches(session: Session, site_id: str, start: datetime, end: datetime) -> list[StoredPunch]:
    """The punches recorded at a site with `start <= occurred_at < end`, oldest first."""
    query = (
        select(PunchRow)
        .where(PunchRow.site_id == site_id, PunchRow.occurred_at >= start, PunchRow.occurred_at < end)
        .order_by(PunchRow.occurred_at, PunchRow.id)
    )
    return [
        StoredPunch(punch_from_row(row), row.site_id, SyncState(row.sync_state), row.sync_error)
        for row in session.scalars(query)
    ]


def face_template_counts(session: Session, company_id: str) -> dict[str, int]:
    """How many face templates each employee of the company has (employees without any are left out)."""
    rows = session.execute(
        select(FaceTemplate.employee_id, func.count())
        .join(Employee, Employee.id == FaceTemplate.employee_id)
        .where(Employee.company_id == company_id)
        .group_by(FaceTemplate.employee_id)
    ).all()
    return {employee_id: int(count) for employee_id, count in rows}


def corrections_since(session: Session, company_id: str, since: datetime) -> list[Correction]:
    """A company's corrections about punches at or after `since` (by the corrected time, or for a void by when it
    was made), the company-wide counterpart of `repository.corrections_of(..., since=...)`."""
    query = select(CorrectionRow).where(
        CorrectionRow.company_id == company_id,
        func.coalesce(CorrectionRow.effective_at, CorrectionRow.made_at) >= since,
    )
    return [correction_from_row(row) for row in session.scalars(query.order_by(CorrectionRow.made_at))]


# --- roster changes made at a provisioned kiosk --------------------------------------------------------------------

ROSTER_CHANGE_KINDS = ("pin_set", "pin_cleared", "deactivated")


def add_roster_change(
    session: Session, *, employee_id: str, kind: str, pin_hash: str | None, made_at: datetime, made_by: str
) -> str:
    """Queue a change of the roster for head office (which applies it and hands it back to every kiosk)."""
    if kind not in ROSTER_CHANGE_KINDS:
        raise RuleViolation("roster_change_invalid", f"{kind!r} is not a roster change a kiosk can make")
    change_id = str(uuid.uuid4())
    session.add(
        RosterChangeRow(
            id=change_id,
            employee_id=employee_id,
            kind=kind,
            pin_hash=pin_hash,
            made_at=made_at,
            made_by=made_by,
            sync_state=SyncState.PENDING,
        )
    )
    return change_id


def reapply_pending_roster_changes(session: Session) -> int:
    """Put this kiosk's changes that head office has not received yet back on top of the pulled roster, so a pull
    never undoes them in between. Returns how many were applied."""
    pending = session.scalars(
        select(RosterChangeRow)
        .where(RosterChangeRow.sync_state == SyncState.PENDING)
        .order_by(RosterChangeRow.made_at, RosterChangeRow.id)
    ).all()
    for change in pending:
        row = session.get(Employee, change.employee_id)
        if row is None:
            continue
        if change.kind == "deactivated":
            row.active = False
            session.execute(delete(FaceTemplate).where(FaceTemplate.employee_id == change.employee_id))
        else:
            row.pin_hash = change.pin_hash
    return len(pending)
