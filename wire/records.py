"""Domain facts as rows of the central tables, and back. The central side and the kiosks use the same mapping, so a
fact read back from the server is equal to the one that was sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kiosk.domain.incidents import ClockoutReason, IncidentStatus, MissedClockoutIncident
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import BreakType, ClockFacts, Correction, CorrectionKind, IdentifiedBy, Punch, PunchKind


def _kiosk_uuid(kiosk_id: str | None) -> uuid.UUID | None:
    return None if kiosk_id is None else uuid.UUID(kiosk_id)


def punch_row(punch: Punch, *, company_id: str, site_id: str, recorded_at: datetime) -> dict[str, Any]:
    """The central `punches` row of a punch."""
    clock = punch.clock
    return {
        "id": punch.id,
        "company_id": company_id,
        "site_id": site_id,
        "kiosk_id": _kiosk_uuid(punch.kiosk_id),
        "employee_id": punch.employee_id,
        "kind": punch.kind.value,
        "break_type": punch.break_type.value if punch.break_type else None,
        "occurred_at": punch.occurred_at,
        "identified_by": punch.identified_by.value,
        "match_distance": punch.match_distance,
        "liveness_passed": punch.liveness_passed,
        "pc_time": clock.pc_time if clock else None,
        "anchored_time": clock.anchored_time if clock else None,
        "clock_suspect": clock.suspect if clock else False,
        "recorded_at": recorded_at,
    }


def punch_from_row(row: Mapping[Any, Any]) -> Punch:
    """The punch a central `punches` row holds."""
    clock = None
    if row["pc_time"] is not None:
        clock = ClockFacts(pc_time=row["pc_time"], anchored_time=row["anchored_time"], suspect=row["clock_suspect"])
    return Punch(
        id=row["id"],
        employee_id=row["employee_id"],
        kind=PunchKind(row["kind"]),
        occurred_at=row["occurred_at"],
        break_type=BreakType(row["break_type"]) if row["break_type"] else None,
        kiosk_id=None if row["kiosk_id"] is None else str(row["kiosk_id"]),
        identified_by=IdentifiedBy(row["identified_by"]),
        match_distance=row["match_distance"],
        liveness_passed=row["liveness_passed"],
        clock=clock,
    )


def correction_row(correction: Correction, *, company_id: str, kiosk_id: str | None) -> dict[str, Any]:
    """The central `corrections` row of a correction."""
    return {
        "id": correction.id,
        "company_id": company_id,
        "kind": correction.kind.value,
        "employee_id": correction.employee_id,
        "target_punch_id": correction.target_punch_id,
        "effective_at": correction.effective_at,
        "made_at": correction.made_at,
        "made_by": correction.made_by,
        "reason": correction.reason,
        "kiosk_id": _kiosk_uuid(kiosk_id),
    }


def correction_from_row(row: Mapping[Any, Any]) -> Correction:
    """The correction a central `corrections` row holds."""
    return Correction(
        id=row["id"],
        kind=CorrectionKind(row["kind"]),
        employee_id=row["employee_id"],
        target_punch_id=row["target_punch_id"],
        made_at=row["made_at"],
        made_by=row["made_by"],
        reason=row["reason"],
        effective_at=row["effective_at"],
    )


def incident_rows(
    incident: MissedClockoutIncident, *, site_id: str | None, kiosk_id: str | None
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    """The central rows of an incident: the incident itself, its claim (if made) and its resolution (if made)."""
    kiosk = None if kiosk_id is None else uuid.UUID(kiosk_id)
    base = {
        "id": incident.id,
        "company_id": incident.company_id,
        "site_id": site_id,
        "kiosk_id": kiosk,
        "clock_in_punch_id": incident.clock_in_punch_id,
        "employee_id": incident.employee_id,
        "first_name": incident.first_name,
        "last_name": incident.last_name,
        "login_time": incident.login_time,
        "created_at": incident.created_at,
    }
    claim = None
    if incident.employee_claimed_logout_time is not None and incident.employee_reason is not None:
        claim = {
            "incident_id": incident.id,
            "company_id": incident.company_id,
            "employee_claimed_logout_time": incident.employee_claimed_logout_time,
            "employee_reason": incident.employee_reason.value,
            "employee_note": incident.employee_note,
            "employee_claimed_at": incident.employee_claimed_at,
        }
    resolution = None
    final = incident.final_logout_time
    if incident.status in (IncidentStatus.APPROVED, IncidentStatus.REJECTED) and final is not None:
        resolution = {
            "incident_id": incident.id,
            "company_id": incident.company_id,
            "status": incident.status.value,
            "admin_set_logout_time": final,
            "admin_notes": incident.admin_notes or "",
            "resolved_at": incident.resolved_at,
            "resolved_by": incident.resolved_by,
        }
    return base, claim, resolution


def incident_from_rows(
    base: Mapping[Any, Any], claim: Mapping[Any, Any] | None, resolution: Mapping[Any, Any] | None
) -> MissedClockoutIncident:
    """Put an incident back together from its central rows."""
    status = IncidentStatus.PENDING
    values: dict[str, Any] = {}
    if claim is not None:
        status = IncidentStatus.EMPLOYEE_CLAIMED
        values |= {
            "employee_claimed_logout_time": claim["employee_claimed_logout_time"],
            "employee_reason": ClockoutReason(claim["employee_reason"]),
            "employee_note": claim["employee_note"],
            "employee_claimed_at": claim["employee_claimed_at"],
        }
    if resolution is not None:
        status = IncidentStatus(resolution["status"])
        values |= {
            "admin_notes": resolution["admin_notes"] or None,
            "resolved_at": resolution["resolved_at"],
            "resolved_by": resolution["resolved_by"],
        }
        if status is IncidentStatus.REJECTED:
            values["admin_set_logout_time"] = resolution["admin_set_logout_time"]
    return MissedClockoutIncident(
        id=base["id"],
        company_id=base["company_id"],
        employee_id=base["employee_id"],
        first_name=base["first_name"],
        last_name=base["last_name"],
        clock_in_punch_id=base["clock_in_punch_id"],
        login_time=base["login_time"],
        created_at=base["created_at"],
        status=status,
        **values,
    )


def department_rules_from_row(row: Mapping[Any, Any], name: str) -> DepartmentRules:
    """A department's rule set from its central `rule_sets` row, under the department's name."""
    return DepartmentRules(
        name=name,
        undertime=row["undertime"],
        shift_start=row["shift_start"],
        grace_minutes=row["grace_minutes"],
        half_day_after=row["half_day_after"],
        half_day_hours=row["half_day_hours"],
        regular_hours=row["regular_hours"],
    )
