"""The central audit log: who did what to which record, written in the same transaction as the change itself."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, insert

from wire.schema import audit_log


def record(
    connection: Connection,
    *,
    company_id: str,
    actor: str,
    action: str,
    subject: str | None,
    at: datetime,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Append one entry to the audit log (inside the caller's transaction, so it stands or falls with the change)."""
    connection.execute(
        insert(audit_log).values(
            id=uuid.uuid4(),
            company_id=company_id,
            at=at,
            actor=actor[:100],
            action=action[:60],
            subject=None if subject is None else subject[:100],
            detail=dict(detail or {}),
        )
    )
