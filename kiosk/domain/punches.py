"""Punches and corrections: the immutable facts everything else is derived from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from kiosk.domain.errors import RuleViolation


class PunchKind(StrEnum):
    """What an employee tapped at the kiosk."""

    CLOCK_IN = "clock_in"
    BREAK_START = "break_start"
    BREAK_END = "break_end"
    CLOCK_OUT = "clock_out"


class BreakType(StrEnum):
    """The kinds of break seed 001 distinguishes; every break start names one."""

    LUNCH = "lunch"
    REST = "rest"
    OTHER = "other"


class IdentifiedBy(StrEnum):
    """How the kiosk knew who was punching."""

    FACE = "face"
    PIN = "pin"
    ADMIN = "admin"


def parse_punch_kind(text: str) -> PunchKind:
    """Read a punch kind from its stored or typed name (`clock_in`, `break_start`, `break_end`, `clock_out`)."""
    try:
        return PunchKind(text.strip().lower())
    except ValueError:
        valid = ", ".join(kind.value for kind in PunchKind)
        raise RuleViolation("punch_kind_invalid", f"unknown punch kind {text!r}; must be one of: {valid}") from None


def parse_break_type(text: str) -> BreakType:
    """Read a break type; anything but lunch, rest or other is refused (seed 001's break type validation)."""
    try:
        return BreakType(text.strip().lower())
    except ValueError:
        valid = ", ".join(kind.value for kind in BreakType)
        raise RuleViolation("break_type_invalid", f"unknown break type {text!r}; a break is one of: {valid}") from None


def require_utc(value: datetime, what: str) -> datetime:
    """Return `value` normalised to UTC; a naive datetime is refused because its zone is a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation("naive_time", f"{what} has no time zone; give it in UTC or with an offset")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise RuleViolation("time_out_of_range", f"{what} {value.isoformat()} is outside the calendar") from None


@dataclass(frozen=True, slots=True)
class ClockFacts:
    """What the kiosk knew about time when it recorded a punch (DESIGN.md section 5).

    `pc_time` is the PC's wall clock; `anchored_time` is the server's clock carried forward on the monotonic clock
    since the last sync (None before the first sync). `suspect` is set when they differ by more than the tolerance or
    the PC's clock went backwards.
    """

    pc_time: datetime
    anchored_time: datetime | None = None
    suspect: bool = False


@dataclass(frozen=True, slots=True)
class Punch:
    """One tap at a kiosk. Never edited: a correction refers to it instead."""

    id: uuid.UUID
    employee_id: str
    kind: PunchKind
    occurred_at: datetime
    break_type: BreakType | None = None
    kiosk_id: str | None = None
    identified_by: IdentifiedBy = IdentifiedBy.FACE
    match_distance: float | None = None
    liveness_passed: bool | None = None
    clock: ClockFacts | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_at", require_utc(self.occurred_at, "punch time"))
        if self.kind is PunchKind.BREAK_START:
            if self.break_type is None:
                raise RuleViolation("break_type_missing", "a break start needs a break type: lunch, rest or other")
        elif self.break_type is not None:
            raise RuleViolation("break_type_unexpected", f"a {self.kind.value} punch has no break type")

    @property
    def sort_key(self) -> tuple[datetime, int, int]:
        """Total order used by every derivation, so arrival order never matters."""
        return (self.occurred_at, _KIND_ORDER[self.kind], self.id.int)


_KIND_ORDER = {PunchKind.CLOCK_IN: 0, PunchKind.BREAK_START: 1, PunchKind.BREAK_END: 2, PunchKind.CLOCK_OUT: 3}


class CorrectionKind(StrEnum):
    """What a correction does to the punch it targets."""

    CLOSE_SESSION = "close_session"  # sets the clock-out of the session opened by `target_punch_id`
    VOID_PUNCH = "void_punch"  # the target punch is ignored by the derivation
    MOVE_PUNCH = "move_punch"  # the target punch counts as if it happened at `effective_at`


@dataclass(frozen=True, slots=True)
class Correction:
    """An admin's later fact about earlier punches: who, when, why. When several corrections of one kind target one
    punch, the last by (`made_at`, `id`) wins, so the result does not depend on the order they arrived in."""

    id: uuid.UUID
    kind: CorrectionKind
    employee_id: str
    target_punch_id: uuid.UUID
    made_at: datetime
    made_by: str
    reason: str
    effective_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "made_at", require_utc(self.made_at, "correction time"))
        if self.kind is CorrectionKind.VOID_PUNCH:
            if self.effective_at is not None:
                raise RuleViolation("correction_time_unexpected", "voiding a punch takes no time")
        else:
            if self.effective_at is None:
                raise RuleViolation("correction_time_missing", f"a {self.kind.value} correction needs a time")
            object.__setattr__(self, "effective_at", require_utc(self.effective_at, "corrected time"))
        if not self.made_by.strip():
            raise RuleViolation("correction_author_missing", "a correction must say who made it")


DUPLICATE_TAP_WINDOW = timedelta(seconds=60)
