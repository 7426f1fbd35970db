"""Tables of the kiosk's local SQLite database.

Punches and corrections are facts: rows are inserted once and, but for their sync bookkeeping, never changed or
deleted (triggers in the migration enforce it). Times are stored as naive UTC and handed out as aware UTC.
Money and rule-set hours are stored as text so that Decimal values survive exactly; SQLite has no decimal type.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, kept naive in the column so that text comparisons order correctly."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime: its time zone would be a guess")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored as its text, so nothing is lost to binary floating point."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class SyncState(StrEnum):
    """Where a locally made record stands with the central database."""

    PENDING = "pending"  # waiting in the outbox
    SENT = "sent"  # the server committed it
    REJECTED = "rejected"  # the server refused it; `sync_error` says why; it no longer blocks the queue
    CONFLICT = "conflict"  # the server holds another payload under the same id; reported, never overwritten
    REMOTE = "remote"  # made elsewhere and pulled down: nothing to send


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), Decimal: ExactDecimal()}


class Company(Base):
    """A customer; its rows carry the company-wide settings, including the missed clock-out switches."""

    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    missed_clockout_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reports_on_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    open_session_limit_minutes: Mapped[int] = mapped_column(Integer, default=16 * 60)
    pin_punching_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    kiosk_may_deactivate: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    # The site code head office gave it (None on a kiosk that has only ever run on its own).
    code: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class Department(Base):
    """A department with its undertime rule set (seed 002); hours and times are kept as the rule set states them."""

    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(200))
    # The department code head office gave it (None on a kiosk that has only ever run on its own).
    code: Mapped[str | None] = mapped_column(String(64))
    undertime: Mapped[bool] = mapped_column(Boolean, default=False)
    shift_start: Mapped[str] = mapped_column(String(5), default="08:00")
    grace_minutes: Mapped[int] = mapped_column(Integer, default=3)
    half_day_after: Mapped[str] = mapped_column(String(5), default="09:00")
    half_day_hours: Mapped[Decimal] = mapped_column(default=Decimal(4))
    regular_hours: Mapped[Decimal] = mapped_column(default=Decimal(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_departments_company_name", "company_id", "name", unique=True),)


class Employee(Base):
    """An employee: `number` is what people read and type, unique within the company; `id` is internal (facts,
    templates and sync refer to it) and never shown."""

    __tablename__ = "employees"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    number: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    daily_rate: Mapped[Decimal] = mapped_column(default=Decimal(0))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_employees_company_number", "company_id", "number", unique=True),)


class BiometricConsent(Base):
    """An employee's consent to face templates, recorded before any template is kept."""

    __tablename__ = "biometric_consents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    text_version: Mapped[str] = mapped_column(String(40))
    consented_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None]


class FaceTemplate(Base):
    """An encrypted face template: opaque bytes here, several per employee."""

    __tablename__ = "face_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    pose: Mapped[str] = mapped_column(String(20), default="frontal")
    created_at: Mapped[datetime]
    sync_state: Mapped[SyncState] = mapped_column(String(12), default=SyncState.PENDING)


class PunchRow(Base):
    """A punch: the outbox. Fact columns are immutable; only the sync columns change."""

    __tablename__ = "punches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    site_id: Mapped[str | None] = mapped_column(String(64))
    kiosk_id: Mapped[str | None] = mapped_column(String(64))
    employee_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))
    break_type: Mapped[str | None] = mapped_column(String(8))
    occurred_at: Mapped[datetime]
    identified_by: Mapped[str] = mapped_column(String(8))
    match_distance: Mapped[float | None] = mapped_column(Float)
    liveness_passed: Mapped[bool | None] = mapped_column(Boolean)
    pc_time: Mapped[datetime | None]
    anchored_time: Mapped[datetime | None]
    clock_suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime]
    sync_state: Mapped[SyncState] = mapped_column(String(12), default=SyncState.PENDING)
    sync_error: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_punches_employee_time", "employee_id", "occurred_at"),
        Index("ix_punches_site_time", "site_id", "occurred_at"),  # today's punches at the site
        Index("ix_punches_company_time", "company_id", "occurred_at"),  # a period's timesheet
        Index("ix_punches_sync_state", "sync_state"),
    )


class CorrectionRow(Base):
    """A correction fact (resolution, adjustment, void): refers to the punch it corrects."""

    __tablename__ = "corrections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    kind: Mapped[str] = mapped_column(String(16))
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    target_punch_id: Mapped[str] = mapped_column(String(36))
    effective_at: Mapped[datetime | None]
    made_at: Mapped[datetime]
    made_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    sync_state: Mapped[SyncState] = mapped_column(String(12), default=SyncState.PENDING)
    sync_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_corrections_target_punch_id", "target_punch_id"),)


class IncidentRow(Base):
    """A missed clock-out incident: the seed's columns, plus the ids and bookkeeping that sync needs."""

    __tablename__ = "missed_clockout_incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    clock_in_punch_id: Mapped[str] = mapped_column(String(36), unique=True)  # the seed's log_id
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    login_time: Mapped[datetime]
    employee_claimed_logout_time: Mapped[datetime | None]
    employee_reason: Mapped[str | None] = mapped_column(String(40))
    employee_note: Mapped[str | None] = mapped_column(Text)
    employee_claimed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    admin_set_logout_time: Mapped[datetime | None]
    admin_notes: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sync_state: Mapped[SyncState] = mapped_column(String(12), default=SyncState.PENDING)
    sync_error: Mapped[str | None] = mapped_column(Text)


class RosterChangeRow(Base):
    """A change a supervisor made to the roster at a provisioned kiosk (a PIN set or removed, a deactivation): the
    outbox that takes it to head office, which owns the roster and hands it back to every kiosk."""

    __tablename__ = "roster_changes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    made_at: Mapped[datetime]
    made_by: Mapped[str] = mapped_column(String(100))
    sync_state: Mapped[SyncState] = mapped_column(String(12), default=SyncState.PENDING, index=True)
    sync_error: Mapped[str | None] = mapped_column(Text)


class CompanyKeyWrap(Base):
    """One version of the company's key set as head office sent it: wrapped for this kiosk's key pair, whose private
    half is in the secret store (see `wire.keys`). Older versions stay, so templates sealed under them still open."""

    __tablename__ = "company_key_wraps"

    company_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]


class BiometricErasure(Base):
    """An employee's face data forgotten: made here (the outbox to head office, which revokes the templates
    everywhere) or pulled from head office (made at another kiosk or there), when this kiosk deletes its copies."""

    __tablename__ = "biometric_erasures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    made_at: Mapped[datetime]
    made_by: Mapped[str] = mapped_column(String(100))
    sync_state: Mapped[SyncState] = mapped_column(String(12), default=SyncState.PENDING, index=True)
    sync_error: Mapped[str | None] = mapped_column(Text)


class KeptSession(Base):
    """A work session as the derivation gives it, kept up to date in the same transaction as each fact
    (kiosk/store/kept_state.py): what the screens read instead of deriving the history again. Never the truth:
    `main.py kept-state` derives everything again and repairs any difference. `latest` marks each employee's last
    session, which is their current state."""

    __tablename__ = "kept_sessions"

    clock_in_punch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(64))
    employee_id: Mapped[str] = mapped_column(String(64))
    business_date: Mapped[str] = mapped_column(String(10))  # ISO date at the site
    clock_in: Mapped[datetime]
    clock_out: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(12))
    clock_out_punch_id: Mapped[str | None] = mapped_column(String(36))
    closing_correction_id: Mapped[str | None] = mapped_column(String(36))
    breaks: Mapped[str] = mapped_column(Text, default="[]")  # JSON: type, start, end, start and end punch ids
    anomalies: Mapped[str] = mapped_column(Text, default="")  # codes, comma-separated
    is_open: Mapped[bool] = mapped_column(Boolean)
    latest: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_kept_sessions_employee_clock_in", "employee_id", "clock_in"),
        # The company's current sessions, or one employee's, straight from the index.
        Index("ix_kept_sessions_company_latest", "company_id", "latest", "employee_id"),
        Index("ix_kept_sessions_company_open", "company_id", "is_open", "employee_id"),
    )


class EmployeeDay(Base):
    """One employee's business day, summarised from the kept sessions of that day and kept with them."""

    __tablename__ = "employee_days"

    employee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(64))
    sessions: Mapped[int] = mapped_column(Integer)
    open_sessions: Mapped[int] = mapped_column(Integer)
    first_in: Mapped[datetime]
    last_out: Mapped[datetime | None]
    total_seconds: Mapped[int] = mapped_column(Integer)
    break_seconds: Mapped[int] = mapped_column(Integer)
    working_seconds: Mapped[int] = mapped_column(Integer)
    anomalies: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_employee_days_company_date", "company_id", "business_date"),)


class AuditEntry(Base):
    """Append-only log of what was done, by whom; triggers refuse updates and deletes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON


class DeviceSetting(Base):
    """Settings of this kiosk (not of the company): validated by the typed schema in the services layer."""

    __tablename__ = "device_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime]


class EmployeePinLockout(Base):
    """Wrong employee PINs in a row and the lock they earned: device state, kept apart from the synced roster row,
    and stored so that a restart does not reset the lock."""

    __tablename__ = "employee_pin_lockouts"

    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class MailMessage(Base):
    """A notification email waiting to be sent (the mail outbox). Recipients come from the mail settings when it is
    sent, so mail queued before the settings were made still reaches someone."""

    __tablename__ = "mail_outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    related_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_mail_outbox_unsent", "sent_at", "next_attempt_at"),)
