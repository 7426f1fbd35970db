"""Small constructors that keep the domain tests readable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kiosk.domain.punches import BreakType, Correction, CorrectionKind, Punch, PunchKind

NEW_YORK = ZoneInfo("America/New_York")
MANILA = ZoneInfo("Asia/Manila")


def at_local(tz: ZoneInfo, text: str) -> datetime:
    """`2026-03-08 08:10[:ss]` in the zone, as an aware UTC datetime."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def punch(
    employee_id: str,
    kind: PunchKind,
    when: datetime,
    break_type: BreakType | None = None,
    punch_id: uuid.UUID | None = None,
) -> Punch:
    return Punch(punch_id or uuid.uuid4(), employee_id, kind, when, break_type)


def correction(  # noqa: PLR0917 -- reads like the record it builds
    kind: CorrectionKind,
    target: Punch,
    made_at: datetime,
    effective_at: datetime | None = None,
    correction_id: uuid.UUID | None = None,
    employee_id: str | None = None,
) -> Correction:
    return Correction(
        correction_id or uuid.uuid4(),
        kind,
        employee_id if employee_id is not None else target.employee_id,
        target.id,
        made_at,
        "supervisor",
        "fixing a punch",
        effective_at,
    )
