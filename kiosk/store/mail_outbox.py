"""The mail outbox: notification emails queued in the same transaction as what they report, sent later.

A message stays in the table after it is sent (with `sent_at`), so the supervisor can see what went out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.store.schema import MailMessage


@dataclass(frozen=True, slots=True)
class QueuedMail:
    id: str
    kind: str
    subject: str
    body: str
    related_id: str | None
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None


def _queued(row: MailMessage) -> QueuedMail:
    return QueuedMail(
        id=row.id,
        kind=row.kind,
        subject=row.subject,
        body=row.body,
        related_id=row.related_id,
        created_at=row.created_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


def queue_mail(session: Session, *, kind: str, subject: str, body: str, related_id: str | None, at: datetime) -> str:
    """Add a message to the outbox, due at once; returns its id."""
    message_id = str(uuid.uuid4())
    session.add(
        MailMessage(
            id=message_id,
            kind=kind,
            subject=subject,
            body=body,
            related_id=related_id,
            created_at=at,
            attempts=0,
            next_attempt_at=at,
        )
    )
    return message_id


def due_mail(session: Session, now: datetime, limit: int = 50) -> list[QueuedMail]:
    """Unsent messages whose next attempt is due, oldest first."""
    query = (
        select(MailMessage)
        .where(MailMessage.sent_at.is_(None), MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.created_at, MailMessage.id)
        .limit(limit)
    )
    return [_queued(row) for row in session.scalars(query)]


def mail_messages(session: Session, *, unsent_only: bool = False) -> list[QueuedMail]:
    """The outbox, newest first."""
    query = select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id)
    if unsent_only:
        query = query.where(MailMessage.sent_at.is_(None))
    return [_queued(row) for row in session.scalars(query)]


def count_unsent(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(MailMessage.sent_at.is_(None))) or 0)


def mark_sent(session: Session, message_id: str, at: datetime) -> None:
    row = session.get(MailMessage, message_id)
    if row is not None:
        row.attempts += 1
        row.sent_at = at
        row.last_error = None


def mark_failed(session: Session, message_id: str, error: str, next_attempt_at: datetime) -> None:
    row = session.get(MailMessage, message_id)
    if row is not None:
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = next_attempt_at
