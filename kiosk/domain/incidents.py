"""Missed clock-outs (DESIGN.md 3.5, seed 000): detection, the employee's claim, the admin's resolution.

An incident is immutable: every transition returns a new incident, and a bad one raises a RuleViolation that says
what is wrong, so nothing changes. The resolution becomes a CLOSE_SESSION correction, which the derivation applies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import Correction, CorrectionKind, PunchKind, require_utc
from kiosk.domain.sessions import MAX_SESSION, OPEN_SESSION_LIMIT, EmployeeState, SessionPolicy

NOTE_MAX_LENGTH = 1000


class ClockoutReason(StrEnum):
    """Why the employee did not clock out: the seed's list, nothing else."""

    FORGOT = "forgot"
    CLOSED_TAB_BY_ACCIDENT = "closed_tab_by_accident"
    SYSTEM_ISSUE = "system_issue"
    EMERGENCY = "emergency"
    INTERNET_LOST = "internet_lost"
    DEVICE_DIED = "device_died"

    @property
    def label(self) -> str:
        """The wording people see: Forgot, Closed tab by accident, System issue, Emergency, Internet lost, Device
        died."""
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, text: str | ClockoutReason) -> ClockoutReason:
        """Read a reason from its code or its label, in any case.

        Raises:
            RuleViolation: `reason_invalid`, listing the valid reasons.
        """
        if isinstance(text, ClockoutReason):
            return text
        key = " ".join(str(text).replace("_", " ").split()).lower()
        for reason in cls:
            if reason.label.lower() == key:
                return reason
        valid = ", ".join(reason.label for reason in cls)
        raise RuleViolation("reason_invalid", f"unknown reason {text!r}; choose one of: {valid}")


class IncidentStatus(StrEnum):
    """Seed 000's status values."""

    PENDING = "pending"  # created for a session left open, awaiting the employee's claim
    EMPLOYEE_CLAIMED = "employee_claimed"  # the employee gave a time and reason, awaiting the admin
    APPROVED = "approved"  # the admin accepted the claimed time
    REJECTED = "rejected"  # the admin set a different time


UNRESOLVED = (IncidentStatus.PENDING, IncidentStatus.EMPLOYEE_CLAIMED)
"""The statuses that still wait for someone: they count in the banner and block reports when the company says so."""


@dataclass(frozen=True, slots=True)
class MissedClockoutSettings:
    """A company's missed clock-out settings (seed 000's defaults: the feature and report blocking are off)."""

    missed_clockout_enabled: bool = False
    block_reports_on_pending: bool = False
    open_session_limit: timedelta = OPEN_SESSION_LIMIT

    def __post_init__(self) -> None:
        if not timedelta(hours=1) <= self.open_session_limit <= MAX_SESSION:
            raise RuleViolation("setting_invalid", "the open-session limit must be between 1 and 24 hours")

    def session_policy(self) -> SessionPolicy:
        """The derivation policy these settings mean: with the feature off, an open session is closed at the limit."""
        return SessionPolicy(
            open_session_limit=self.open_session_limit, auto_close_at_limit=not self.missed_clockout_enabled
        )


def validate_claimed_logout(clock_in: datetime, claimed: datetime, now: datetime) -> datetime:
    """Check a claimed (or admin-set) clock-out time: between the clock-in and now, at most 24 h after the clock-in.

    Returns the time in UTC.

    Raises:
        RuleViolation: `claim_before_clock_in`, `claim_in_future`, `claim_beyond_24h` or `naive_time`.
    """
    start = require_utc(clock_in, "clock-in time")
    end = require_utc(claimed, "clock-out time")
    current = require_utc(now, "current time")
    if end < start:
        raise RuleViolation("claim_before_clock_in", "the clock-out time cannot be before the clock-in")
    if end > current:
        raise RuleViolation("claim_in_future", "the clock-out time cannot be in the future")
    if end - start > MAX_SESSION:
        raise RuleViolation("claim_beyond_24h", "the clock-out time must be within 24 hours of the clock-in")
    return end


# The free texts of an incident and how a sentence names them (the admin's notes are plural: "the notes are").
_TEXT_SUBJECTS = {"note": ("the note", "is"), "admin_notes": ("the notes", "are")}


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    cleaned = (value or "").strip()
    subject, verb = _TEXT_SUBJECTS[what]
    if required and not cleaned:
        raise RuleViolation(f"{what}_required", f"{subject} {verb} required")
    if len(cleaned) > NOTE_MAX_LENGTH:
        raise RuleViolation(f"{what}_too_long", f"{subject} {verb} longer than {NOTE_MAX_LENGTH} characters")
    return cleaned or None


@dataclass(frozen=True, slots=True)
class MissedClockoutIncident:
    """One missed clock-out: seed 000's `missed_clockout_incidents` row with the ids sync needs.

    `clock_in_punch_id` is the seed's `log_id`: the clock-in that opened the session left open.
    """

    id: uuid.UUID
    company_id: str
    employee_id: str
    first_name: str
    last_name: str
    clock_in_punch_id: uuid.UUID
    login_time: datetime
    created_at: datetime
    status: IncidentStatus = IncidentStatus.PENDING
    employee_claimed_logout_time: datetime | None = None
    employee_reason: ClockoutReason | None = None
    employee_note: str | None = None
    employee_claimed_at: datetime | None = None
    admin_set_logout_time: datetime | None = None
    admin_notes: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @classmethod
    def open_pending(
        cls,
        *,
        id: uuid.UUID,
        company_id: str,
        employee_id: str,
        first_name: str,
        last_name: str,
        clock_in_punch_id: uuid.UUID,
        login_time: datetime,
        created_at: datetime,
    ) -> MissedClockoutIncident:
        """A new incident for a session left open, awaiting the employee's claim."""
        if not employee_id.strip():
            raise RuleViolation("employee_missing", "an incident needs the employee")
        return cls(
            id=id,
            company_id=company_id,
            employee_id=employee_id,
            first_name=first_name,
            last_name=last_name,
            clock_in_punch_id=clock_in_punch_id,
            login_time=require_utc(login_time, "clock-in time"),
            created_at=require_utc(created_at, "creation time"),
        )

    @classmethod
    def submit_claim(
        cls,
        *,
        id: uuid.UUID,
        company_id: str,
        employee_id: str,
        first_name: str,
        last_name: str,
        clock_in_punch_id: uuid.UUID,
        login_time: datetime,
        logout_time: datetime,
        reason: ClockoutReason | str,
        note: str | None,
        now: datetime,
    ) -> MissedClockoutIncident:
        """Create an incident and submit the employee's claim in one step (seed 000's
        `create_and_submit_clockout_claim`)."""
        pending = cls.open_pending(
            id=id,
            company_id=company_id,
            employee_id=employee_id,
            first_name=first_name,
            last_name=last_name,
            clock_in_punch_id=clock_in_punch_id,
            login_time=login_time,
            created_at=now,
        )
        return pending.claim(logout_time, reason, note, now)

    @property
    def full_name(self) -> str:
        """First and last name as the admin's list shows them."""
        return " ".join(part for part in (self.first_name.strip(), self.last_name.strip()) if part)

    @property
    def is_unresolved(self) -> bool:
        """Pending or claimed: counted by the banner and by report blocking."""
        return self.status in (IncidentStatus.PENDING, IncidentStatus.EMPLOYEE_CLAIMED)

    @property
    def final_logout_time(self) -> datetime | None:
        """The clock-out the resolution decided; None while unresolved."""
        if self.status is IncidentStatus.APPROVED:
            return self.employee_claimed_logout_time
        if self.status is IncidentStatus.REJECTED:
            return self.admin_set_logout_time
        return None

    def _require_unresolved(self) -> None:
        if not self.is_unresolved:
            raise RuleViolation("incident_resolved", f"this missed clock-out was already {self.status.value}")

    def claim(
        self, logout_time: datetime, reason: ClockoutReason | str, note: str | None, now: datetime
    ) -> MissedClockoutIncident:
        """The employee's claim: the actual clock-out time, a reason and an optional note.

        Raises:
            RuleViolation: `incident_resolved`, `already_claimed`, `reason_invalid`, `note_too_long` or a time code
                from `validate_claimed_logout`.
        """
        self._require_unresolved()
        if self.status is IncidentStatus.EMPLOYEE_CLAIMED:
            raise RuleViolation("already_claimed", "a claim was already submitted for this missed clock-out")
        claimed = validate_claimed_logout(self.login_time, logout_time, now)
        return replace(
            self,
            status=IncidentStatus.EMPLOYEE_CLAIMED,
            employee_claimed_logout_time=claimed,
            employee_reason=ClockoutReason.parse(reason),
            employee_note=_text(note, "note", required=False),
            employee_claimed_at=require_utc(now, "current time"),
        )

    def approve(self, by: str, notes: str | None, now: datetime) -> MissedClockoutIncident:
        """The admin accepts the employee's claimed time.

        Raises:
            RuleViolation: `incident_resolved`, `nothing_to_approve` (no claim yet), `admin_missing`.
        """
        self._require_unresolved()
        if self.status is not IncidentStatus.EMPLOYEE_CLAIMED:
            raise RuleViolation(
                "nothing_to_approve", "the employee has not claimed a time yet; reject with the time you set instead"
            )
        return replace(
            self,
            status=IncidentStatus.APPROVED,
            admin_notes=_text(notes, "admin_notes", required=False),
            resolved_at=require_utc(now, "current time"),
            resolved_by=_admin(by),
        )

    def reject(self, logout_time: datetime, notes: str, by: str, now: datetime) -> MissedClockoutIncident:
        """The admin overrides the claim with a different clock-out time; notes are required.

        Raises:
            RuleViolation: `incident_resolved`, `admin_notes_required`, `admin_missing` or a time code from
                `validate_claimed_logout`.
        """
        self._require_unresolved()
        set_time = validate_claimed_logout(self.login_time, logout_time, now)
        return replace(
            self,
            status=IncidentStatus.REJECTED,
            admin_set_logout_time=set_time,
            admin_notes=_text(notes, "admin_notes", required=True),
            resolved_at=require_utc(now, "current time"),
            resolved_by=_admin(by),
        )

    def resolution_correction(self) -> Correction:
        """The CLOSE_SESSION correction that closes the session with the decided time.

        Its id is derived from the incident's, so every place that holds the resolution makes the same correction.

        Raises:
            RuleViolation: `incident_unresolved` while no decision exists.
        """
        final = self.final_logout_time
        if final is None or self.resolved_at is None or self.resolved_by is None:
            raise RuleViolation("incident_unresolved", "this missed clock-out has not been resolved yet")
        reason = f"missed clock-out {self.status.value}"
        if self.employee_reason is not None:
            reason += f" ({self.employee_reason.label})"
        if self.admin_notes:
            reason += f": {self.admin_notes}"
        return Correction(
            id=uuid.uuid5(self.id, CorrectionKind.CLOSE_SESSION.value),
            kind=CorrectionKind.CLOSE_SESSION,
            employee_id=self.employee_id,
            target_punch_id=self.clock_in_punch_id,
            made_at=self.resolved_at,
            made_by=self.resolved_by,
            reason=reason,
            effective_at=final,
        )


def _admin(by: str) -> str:
    name = (by or "").strip()
    if not name:
        raise RuleViolation("admin_missing", "say who resolved the missed clock-out")
    return name


def claim_required(state: EmployeeState, kind: PunchKind, now: datetime, settings: MissedClockoutSettings) -> bool:
    """Whether the kiosk must ask for a missed clock-out claim before recording this tap.

    Only with the feature on: a clock-in while any session is open (same day or earlier), or any tap while an open
    session is older than the limit.
    """
    if not settings.missed_clockout_enabled:
        return False
    open_sessions = state.open_sessions
    if kind is PunchKind.CLOCK_IN and open_sessions:
        return True
    current = require_utc(now, "current time")
    return any(current - session.clock_in > settings.open_session_limit for session in open_sessions)


class ClaimTimeKind(StrEnum):
    """Where a suggested clock-out time for a claim comes from."""

    REGULAR_DAY_END = "regular_day_end"  # the end of the department's regular day after the clock-in
    REGULAR_HOURS = "regular_hours"  # the department's regular hours after the clock-in (a shift at another time)
    NOW = "now"  # the employee stopped just now


@dataclass(frozen=True, slots=True)
class ClaimTime:
    """One suggested clock-out time for a claim."""

    kind: ClaimTimeKind
    at: datetime


@dataclass(frozen=True, slots=True)
class ClaimTimes:
    """The bounds a claimed clock-out time must lie in, the likely time to start from, and quick choices.

    Attributes:
        earliest: the clock-in.
        latest: now, or 24 hours after the clock-in when that is sooner.
        likely: the end of the department's regular day after the clock-in, never after `latest`.
        choices: distinct suggestions inside the bounds, in time order (the last is `latest`).
        regular_hours: the department's regular hours a day (what `REGULAR_HOURS` adds to the clock-in).
    """

    earliest: datetime
    latest: datetime
    likely: datetime
    choices: tuple[ClaimTime, ...]
    regular_hours: Decimal


def regular_day_end(clock_in: datetime, zone: tzinfo, rules: DepartmentRules) -> datetime:
    """The first end of the department's regular day (shift start plus regular hours, local) after `clock_in`.

    The end is counted on the local wall clock of the clock-in's day, so a daylight-saving change that day does not
    move it; a day whose end came before the clock-in (a night shift) gives way to the next day's.
    """
    start = require_utc(clock_in, "clock-in")
    local = start.astimezone(zone)
    hours = timedelta(seconds=int(Decimal(rules.regular_hours) * 3600))
    for days in range(3):
        day = local.date() + timedelta(days=days)
        wall = datetime.combine(day, rules.shift_start) + hours
        end = wall.replace(tzinfo=zone).astimezone(start.tzinfo)
        if end > start:
            return end
    raise AssertionError("a regular day of at most 24 hours always ends within two days")  # pragma: no cover


def claim_times(clock_in: datetime, now: datetime, zone: tzinfo, rules: DepartmentRules) -> ClaimTimes:
    """Where a missed clock-out claim's time picker starts and which quick choices it offers."""
    start = require_utc(clock_in, "clock-in")
    current = require_utc(now, "current time")
    latest = max(start, min(current, start + MAX_SESSION))
    day_end = regular_day_end(start, zone, rules)
    after_hours = start + timedelta(seconds=int(Decimal(rules.regular_hours) * 3600))
    candidates = (
        ClaimTime(ClaimTimeKind.REGULAR_DAY_END, day_end),
        ClaimTime(ClaimTimeKind.REGULAR_HOURS, after_hours),
        ClaimTime(ClaimTimeKind.NOW, latest),
    )
    choices: list[ClaimTime] = []
    for candidate in candidates:
        fits = start < candidate.at <= latest
        if fits and all(candidate.at != chosen.at for chosen in choices):
            choices.append(candidate)
    if not any(choice.kind is ClaimTimeKind.NOW for choice in choices):
        choices = [choice for choice in choices if choice.at != latest]
        choices.append(ClaimTime(ClaimTimeKind.NOW, latest))
    return ClaimTimes(
        earliest=start,
        latest=latest,
        likely=min(day_end, latest),
        choices=tuple(sorted(choices, key=lambda choice: choice.at)),
        regular_hours=Decimal(rules.regular_hours),
    )
