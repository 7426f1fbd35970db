"""Moving a standalone kiosk's records under the company, site and roster head office knows, at provisioning.

A kiosk that ran on its own filed everything under a company and site it made up, and its employees under internal
ids it made up. When it is provisioned, head office matches each employee by employee number (or takes them on
with their own id), and this module files the kiosk's records again under the central company and site and under
the central ids, in one transaction, so nothing is lost and nothing is counted twice.

Punches and corrections are facts that the database refuses to change; re-filing them under other keys is the one
exception, so the refusal is lifted inside this transaction only and put back, as it was, before it commits. The
facts themselves (what happened, when, to whom) do not change, and the move is written to the audit log with
every id it mapped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from kiosk.store import repository
from kiosk.store.schema import (
    BiometricConsent,
    Company,
    CorrectionRow,
    Department,
    Employee,
    EmployeeDay,
    EmployeePinLockout,
    FaceTemplate,
    IncidentRow,
    KeptSession,
    PunchRow,
    Site,
)

log = logging.getLogger(__name__)

FACT_TRIGGERS = ("punches_facts_immutable", "corrections_facts_immutable")
REBIND_KEY = "face_templates.rebind"
"""Device value: {old id: central id} of employees whose face templates moved to their central id but are still
sealed to the old one. The store cannot open a template (it has no key); the enrolment service re-seals them
(`BiometricEnrolment.load_gallery`) and sync holds face templates back until it has."""


def move_records(
    session: Session,
    *,
    old_company: str,
    old_site: str | None,
    new_company: str,
    new_site: str,
    employee_ids: Mapping[str, str],
    at: datetime,
) -> dict[str, int]:
    """File every record of `old_company` (and `old_site`) under `new_company` and `new_site`, and the records of
    each employee in `employee_ids` (old id -> central id, where they differ) under the central id; then drop the
    old company, its site, departments and the employees now known by their central id. Returns counts per kind.

    The central company, site, departments and employees must be in the local database already (the first pull).
    """
    kept = [
        row[0]
        for row in session.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN (:a, :b)"),
            {"a": FACT_TRIGGERS[0], "b": FACT_TRIGGERS[1]},
        )
    ]
    for name in FACT_TRIGGERS:
        session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))  # names from the constant above, never from data
    moved: dict[str, int] = {}
    for table in (PunchRow, CorrectionRow, IncidentRow):
        result = session.execute(update(table).where(table.company_id == old_company).values(company_id=new_company))
        moved[table.__tablename__] = int(result.rowcount)  # type: ignore[attr-defined]
    session.execute(update(PunchRow).where(PunchRow.site_id == old_site).values(site_id=new_site))
    with_faces = set(
        session.scalars(select(FaceTemplate.employee_id).where(FaceTemplate.employee_id.in_(employee_ids)))
    )
    if with_faces:
        pending = dict(repository.device_values(session).get(REBIND_KEY) or {})
        pending |= {old: new for old, new in employee_ids.items() if old in with_faces}
        repository.put_device_values(session, {REBIND_KEY: pending}, at)
    for old_id, new_id in employee_ids.items():
        for holder in (PunchRow, CorrectionRow, IncidentRow, FaceTemplate, BiometricConsent):
            session.execute(update(holder).where(holder.employee_id == old_id).values(employee_id=new_id))
        session.execute(delete(EmployeePinLockout).where(EmployeePinLockout.employee_id == old_id))
        session.execute(delete(Employee).where(Employee.id == old_id))
    for statement in kept:
        session.execute(text(statement))
    # Whoever head office did not know was taken on under the kiosk's own id: only their company changes.
    session.execute(update(Employee).where(Employee.company_id == old_company).values(company_id=new_company))
    session.execute(delete(Department).where(Department.company_id == old_company))
    if old_site is not None:
        session.execute(delete(Site).where(Site.id == old_site))
    session.execute(delete(Company).where(Company.id == old_company))
    # The kept sessions were derived under the old ids and the old site's rules: derive them again under the new.
    session.execute(delete(KeptSession).where(KeptSession.company_id == old_company))
    session.execute(delete(EmployeeDay).where(EmployeeDay.company_id == old_company))
    repository.note_rebuild(session, new_company)
    repository.audit(
        session,
        at=at,
        actor="provisioning",
        action="kiosk.records_moved",
        subject=new_company,
        old_company=old_company,
        old_site=old_site,
        new_site=new_site,
        employees=dict(employee_ids),
        **moved,
    )
    log.info("moved the records of %s under %s: %s", old_company, new_company, moved)
    return moved
