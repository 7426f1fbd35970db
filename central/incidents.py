"""Missed clock-out incidents in the central database: three append-only facts put back together.

An incident (made on the kiosk when a session was found open), the employee's claim and the admin's resolution are
separate rows, because a kiosk may insert but never update: an incident created before its claim is not rewritten
when the claim arrives. The status is read from which facts exist. A resolution also writes the CLOSE_SESSION
correction the domain derives from it (its id is derived from the incident's, so a kiosk that resolved the same
incident offline sends an identical correction, which the push recognises as already there).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, insert, select
from sqlalchemy.exc import IntegrityError

from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import IncidentStatus, MissedClockoutIncident
from wire.records import correction_row, incident_from_rows, incident_rows
from wire.schema import audit_log, corrections, incident_resolutions, missed_clockout_claims, missed_clockout_incidents

log = logging.getLogger(__name__)


def _incident_query() -> Select[Any]:
    i, c, r = missed_clockout_incidents, missed_clockout_claims, incident_resolutions
    return (
        select(
            *[col.label(f"i_{col.name}") for col in i.c],
            *[col.label(f"c_{col.name}") for col in c.c],
            *[col.label(f"r_{col.name}") for col in r.c],
        )
        .outerjoin(c, c.c.incident_id == i.c.id)
        .outerjoin(r, r.c.incident_id == i.c.id)
        .order_by(i.c.login_time, i.c.id)
    )


def _split(row: Mapping[Any, Any]) -> MissedClockoutIncident:
    def part(prefix: str) -> dict[str, Any]:
        return {key[2:]: value for key, value in row.items() if key.startswith(prefix)}

    claim, resolution = part("c_"), part("r_")
    return incident_from_rows(
        part("i_"),
        claim if claim["incident_id"] is not None else None,
        resolution if resolution["incident_id"] is not None else None,
    )


def list_incidents(
    connection: Connection, *, company_id: str | None = None, status: IncidentStatus | None = None
) -> list[MissedClockoutIncident]:
    """Incidents in clock-in order, optionally of one company and one status."""
    query = _incident_query()
    if company_id is not None:
        query = query.where(missed_clockout_incidents.c.company_id == company_id)
    incidents = [_split(row) for row in connection.execute(query).mappings()]
    return [incident for incident in incidents if status is None or incident.status is status]


def get_incident(connection: Connection, incident_id: uuid.UUID) -> MissedClockoutIncident:
    """One incident; an unknown id is a clear error."""
    row = connection.execute(_incident_query().where(missed_clockout_incidents.c.id == incident_id)).mappings().first()
    if row is None:
        raise RuleViolation("unknown_incident", f"there is no missed clock-out incident {incident_id}")
    return _split(row)


def pending_count(connection: Connection, *, company_id: str | None = None) -> int:
    """Unresolved incidents (pending or claimed): the admin banner's number."""
    query = (
        select(func.count())
        .select_from(missed_clockout_incidents)
        .outerjoin(incident_resolutions, incident_resolutions.c.incident_id == missed_clockout_incidents.c.id)
        .where(incident_resolutions.c.incident_id.is_(None))
    )
    if company_id is not None:
        query = query.where(missed_clockout_incidents.c.company_id == company_id)
    return int(connection.execute(query).scalar_one())


def resolve(
    engine: Engine,
    incident_id: uuid.UUID,
    *,
    approve: bool,
    resolved_by: str,
    notes: str,
    logout_time: datetime | None,
    now: datetime,
) -> MissedClockoutIncident:
    """Approve the claimed time, or reject it with the time the admin sets (notes required).

    The resolution, its CLOSE_SESSION correction and an audit entry are written in one transaction. A second
    resolution of the same incident (here or from a kiosk) is refused by the key on the resolutions table.
    """
    with engine.begin() as connection:
        incident = get_incident(connection, incident_id)
        if approve:
            if logout_time is not None:
                raise RuleViolation("approve_takes_no_time", "approving keeps the claimed time; to set another, reject")
            resolved = incident.approve(resolved_by, notes, now)
        else:
            if logout_time is None:
                raise RuleViolation("override_time_missing", "rejecting a claim needs the clock-out time to use")
            resolved = incident.reject(logout_time, notes, resolved_by, now)
        _, _, resolution = incident_rows(resolved, site_id=None, kiosk_id=None)
        assert resolution is not None
        correction = resolved.resolution_correction()
        try:
            connection.execute(insert(incident_resolutions).values(resolution))
        except IntegrityError as error:
            raise RuleViolation("incident_resolved", "this missed clock-out was resolved meanwhile") from error
        connection.execute(
            insert(corrections).values(correction_row(correction, company_id=resolved.company_id, kiosk_id=None))
        )
        connection.execute(
            insert(audit_log).values(
                id=uuid.uuid4(),
                company_id=resolved.company_id,
                at=now,
                actor=resolved_by,
                action=f"missed_clockout.{resolved.status.value}",
                subject=str(resolved.id),
                detail={"final_logout_time": str(resolved.final_logout_time), "notes": notes},
            )
        )
    log.info("missed clock-out %s %s by %s", resolved.id, resolved.status.value, resolved_by)
    return resolved
