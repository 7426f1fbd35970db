"""Domain facts as rows of the central tables, and back. The central side and the kiosks use the same mapping, so a
fact read back from the server is equal to the one that was sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

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
