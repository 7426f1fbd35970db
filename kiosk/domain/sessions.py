"""The one derivation of work sessions, breaks, business days and anomalies from punches and corrections.

Every place that holds the same facts (a kiosk, the central database) runs `derive` and gets the same answer, whatever
order the facts arrived in: punches are put in one total order (effective time, kind, id) and corrections are reduced
to one winner per (target, kind) before anything else happens.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import (
    DUPLICATE_TAP_WINDOW,
    BreakType,
    Correction,
    CorrectionKind,
    Punch,
    PunchKind,
    require_utc,
)

OPEN_SESSION_LIMIT = timedelta(hours=16)
"""A session open longer than this is a missed clock-out (DESIGN.md 3.5, configurable per company)."""

MAX_SESSION = timedelta(hours=24)
"""A clock-out more than this after the clock-in is not a normal clock-out (seed 001's validation)."""


class AnomalyCode(StrEnum):
    """Short codes for what the derivation found irregular; they appear as such in the timesheet CSV."""

    OPEN_SESSION = "open_session"  # the session has no clock-out (yet)
    DUPLICATE_TAP = "duplicate_tap"  # a second identical punch within the duplicate window was dropped
    CLOCK_IN_WHILE_OPEN = "clock_in_while_open"  # a later clock-in arrived while this session was open
    CLOCK_OUT_WITHOUT_CLOCK_IN = "clock_out_without_clock_in"
    BREAK_OUTSIDE_SESSION = "break_outside_session"  # a break punch while no session was open
    BREAK_END_WITHOUT_START = "break_end_without_start"
    BREAK_WHILE_ON_BREAK = "break_while_on_break"  # a break start during a break: breaks may not overlap
    CLOCK_OUT_DURING_BREAK = "clock_out_during_break"  # the break was ended at the clock-out
    OPEN_BREAK = "open_break"  # the session was closed without a clock-out punch during a break; the break ends then
    SESSION_OVER_24H = "session_over_24h"  # a clock-out (or correction) more than 24 h after the clock-in was refused
    MISSED_CLOCK_OUT = "missed_clock_out"  # open beyond the limit, or left open by a later clock-in
    AUTO_CLOSED = "auto_closed"  # closed at the open-session limit (missed clock-out management is off)
    CORRECTED = "corrected"  # closed or changed by an admin correction
    CLOCK_OUT_BEFORE_CLOCK_IN = "clock_out_before_clock_in"  # a correction closing the session before it started
    CLOCK_OUT_OVERRIDDEN = "clock_out_overridden"  # a clock-out punch not used because the session was closed otherwise
    CORRECTION_REJECTED = "correction_rejected"  # a correction that cannot apply (wrong punch, wrong employee, overlap)
    CORRECTION_TARGET_MISSING = "correction_target_missing"  # the punch a correction refers to is not known here


class ClosedBy(StrEnum):
    """What ended a work session."""

    PUNCH = "punch"
    CORRECTION = "correction"
    AUTO_LIMIT = "auto_limit"


@dataclass(frozen=True, slots=True)
class Break:
    """One break inside a work session; `end` is None while the break is still running."""

    break_type: BreakType
    start: datetime
    end: datetime | None
    start_punch_id: uuid.UUID
    end_punch_id: uuid.UUID | None = None

    @property
    def duration(self) -> timedelta | None:
        """Length of a finished break; None while it is still running (see `elapsed`)."""
        return None if self.end is None else self.end - self.start

    def elapsed(self, until: datetime) -> timedelta:
        """Length of the break, counting a running break up to `until` (never negative)."""
        end = self.end if self.end is not None else until
        return max(end - self.start, timedelta(0))


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something irregular the derivation found. `session_punch_id` names the clock-in of the session it concerns,
    None when it concerns no session (a clock-out with nothing open, for example)."""

    code: AnomalyCode
    employee_id: str
    at: datetime
    punch_id: uuid.UUID | None
    detail: str
    session_punch_id: uuid.UUID | None = None

    @property
    def sort_key(self) -> tuple[str, datetime, str, str, str, str]:
        """Total order of anomalies in every derivation."""
        return (
            self.employee_id,
            self.at,
            self.code.value,
            str(self.punch_id or ""),
            str(self.session_punch_id or ""),
            self.detail,
        )


@dataclass(frozen=True, slots=True)
class WorkSession:
    """A clock-in and what followed it: the seeds' `employees_logs` row, derived, never stored as the truth."""

    employee_id: str
    clock_in_punch_id: uuid.UUID
    clock_in: datetime
    clock_out: datetime | None
    closed_by: ClosedBy | None
    clock_out_punch_id: uuid.UUID | None
    breaks: tuple[Break, ...]
    business_date: date
    anomalies: tuple[AnomalyCode, ...] = ()
    closing_correction_id: uuid.UUID | None = None

    @property
    def is_open(self) -> bool:
        """True while the session has no clock-out."""
        return self.clock_out is None

    @property
    def open_break(self) -> Break | None:
        """The break running now, if any (only an open session can have one)."""
        if self.breaks and self.breaks[-1].end is None:
            return self.breaks[-1]
        return None

    def _end(self, until: datetime | None) -> datetime:
        if self.clock_out is not None:
            return self.clock_out
        if until is None:
            raise RuleViolation("session_open", "the session is still open; say until when to count it")
        return max(require_utc(until, "count until"), self.clock_in)

    def total_time(self, until: datetime | None = None) -> timedelta:
        """Clock-out minus clock-in; an open session is counted up to `until`, which it then requires."""
        return self._end(until) - self.clock_in

    def break_time(self, until: datetime | None = None) -> timedelta:
        """Sum of the breaks; a running break is counted up to `until`, which an open session requires."""
        end = self._end(until)
        return sum((brk.elapsed(end) for brk in self.breaks), timedelta(0))

    def working_time(self, until: datetime | None = None) -> timedelta:
        """Total time minus break time."""
        return self.total_time(until) - self.break_time(until)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """The company settings the derivation applies.

    `open_session_limit`: a session open longer than this is a missed clock-out; None means no age limit (sessions
    without a clock-out are simply reported open). `auto_close_at_limit`: True when the company's missed clock-out
    feature is off, so such a session is closed at clock-in + limit and flagged auto_closed; when False it stays open,
    flagged missed_clock_out, until a CLOSE_SESSION correction closes it.
    """

    open_session_limit: timedelta | None = OPEN_SESSION_LIMIT
    auto_close_at_limit: bool = True
    max_session: timedelta = MAX_SESSION
    duplicate_window: timedelta = DUPLICATE_TAP_WINDOW

    def __post_init__(self) -> None:
        if self.max_session <= timedelta(0):
            raise RuleViolation("policy_invalid", "the longest accepted session must be positive")
        if self.open_session_limit is not None and not timedelta(0) < self.open_session_limit <= self.max_session:
            raise RuleViolation(
                "policy_invalid", "the open-session limit must be positive and no longer than the longest session"
            )
        if self.duplicate_window < timedelta(0):
            raise RuleViolation("policy_invalid", "the duplicate-tap window cannot be negative")


@dataclass(frozen=True)
class Derivation:
    """Everything derived from one set of facts: sessions sorted by (employee, clock-in), anomalies sorted."""

    sessions: tuple[WorkSession, ...]
    anomalies: tuple[Anomaly, ...]
    _by_employee: dict[str, tuple[WorkSession, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[WorkSession]] = {}
        for session in self.sessions:
            grouped.setdefault(session.employee_id, []).append(session)
        object.__setattr__(self, "_by_employee", {key: tuple(value) for key, value in grouped.items()})

    def sessions_of(self, employee_id: str) -> tuple[WorkSession, ...]:
        """The employee's sessions in clock-in order."""
        return self._by_employee.get(employee_id, ())

    def open_sessions(self, employee_id: str) -> tuple[WorkSession, ...]:
        """Every session of the employee that has no clock-out, oldest first."""
        return tuple(session for session in self.sessions_of(employee_id) if session.is_open)

    def open_session(self, employee_id: str) -> WorkSession | None:
        """The employee's most recent open session (same day or earlier), as seed 000's detection query finds it."""
        found = self.open_sessions(employee_id)
        return found[-1] if found else None

    def anomalies_of(self, employee_id: str) -> tuple[Anomaly, ...]:
        """The employee's anomalies in time order."""
        return tuple(anomaly for anomaly in self.anomalies if anomaly.employee_id == employee_id)


def business_date(instant: datetime, tz: ZoneInfo) -> date:
    """The site's local calendar date of an instant: a session belongs to the business day of its clock-in."""
    return require_utc(instant, "instant").astimezone(tz).date()


class EmployeeStatus(StrEnum):
    """What the kiosk screen shows about an employee."""

    OFF = "off"
    ON_SHIFT = "on_shift"
    ON_BREAK = "on_break"


@dataclass(frozen=True, slots=True)
class EmployeeState:
    """An employee's current state: `session` is the current open session (the latest session, when open),
    `unresolved` any older sessions left open by a missed clock-out."""

    status: EmployeeStatus
    session: WorkSession | None = None
    open_break: Break | None = None
    unresolved: tuple[WorkSession, ...] = ()

    @property
    def open_sessions(self) -> tuple[WorkSession, ...]:
        """All open sessions of the employee, oldest first."""
        return self.unresolved + ((self.session,) if self.session is not None else ())


def state_of(derivation: Derivation, employee_id: str) -> EmployeeState:
    """The employee's state after every fact in `derivation`."""
    sessions = derivation.sessions_of(employee_id)
    if not sessions:
        return EmployeeState(EmployeeStatus.OFF)
    latest = sessions[-1]
    older_open = tuple(session for session in sessions[:-1] if session.is_open)
    if not latest.is_open:
        return EmployeeState(EmployeeStatus.OFF, unresolved=older_open)
    running = latest.open_break
    status = EmployeeStatus.ON_BREAK if running is not None else EmployeeStatus.ON_SHIFT
    return EmployeeState(status, latest, running, older_open)


_ENTRY_ORDER = operator.itemgetter(0, 1, 2)  # (effective time, kind order, id): a total order, ties impossible
_KIND_ORDER = {PunchKind.CLOCK_IN: 0, PunchKind.BREAK_START: 1, PunchKind.BREAK_END: 2, PunchKind.CLOCK_OUT: 3}


@dataclass(slots=True)
class _Builder:
    """A session while the sweep is building it."""

    clock_in_punch_id: uuid.UUID
    clock_in: datetime
    close_correction: Correction | None
    breaks: list[Break] = field(default_factory=list)
    running: tuple[BreakType, datetime, uuid.UUID] | None = None
    clock_out: datetime | None = None
    clock_out_punch_id: uuid.UUID | None = None
    closed_by: ClosedBy | None = None
    codes: set[AnomalyCode] = field(default_factory=set)

    @property
    def is_open(self) -> bool:
        return self.closed_by is None


class _Sweep:
    """Walks one employee's punches in their total order and builds sessions and anomalies."""

    def __init__(
        self,
        employee_id: str,
        *,
        tz: ZoneInfo,
        policy: SessionPolicy,
        closes: dict[int, Correction],
        moved: set[int],
        anomalies: list[Anomaly],
    ) -> None:
        self.employee_id = employee_id
        self.tz = tz
        self.policy = policy
        self.closes = closes
        self.moved = moved
        self.anomalies = anomalies
        self.builders: list[_Builder] = []
        self.current: _Builder | None = None
        self.used_closes: set[uuid.UUID] = set()

    def local(self, instant: datetime) -> str:
        return instant.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S %Z")

    def flag(
        self,
        code: AnomalyCode,
        at: datetime,
        punch_id: uuid.UUID | None,
        detail: str,
        builder: _Builder | None,
    ) -> None:
        if builder is not None:
            if code is AnomalyCode.MISSED_CLOCK_OUT and code in builder.codes:
                return  # a state, found again at every later punch: reported once
            builder.codes.add(code)
        session_id = builder.clock_in_punch_id if builder is not None else None
        self.anomalies.append(Anomaly(code, self.employee_id, at, punch_id, detail, session_id))

    def close(self, builder: _Builder, at: datetime, by: ClosedBy, punch_id: uuid.UUID | None) -> None:
        if builder.running is not None:
            break_type, start, start_id = builder.running
            builder.breaks.append(Break(break_type, start, at, start_id, punch_id))
            builder.running = None
            if by is ClosedBy.PUNCH:
                self.flag(
                    AnomalyCode.CLOCK_OUT_DURING_BREAK,
                    at,
                    punch_id,
                    "Clocked out during a break; the break ends at the clock-out.",
                    builder,
                )
            else:
                self.flag(
                    AnomalyCode.OPEN_BREAK,
                    at,
                    None,
                    f"A {break_type.value} break was still running when the session "
                    f"was closed at {self.local(at)}; it ends then.",
                    builder,
                )
        builder.clock_out = at
        builder.clock_out_punch_id = punch_id
        builder.closed_by = by
        self.current = None

    def advance(self, now: datetime) -> None:
        """Apply what time alone does to the open session: a correction's clock-out, the open-session limit."""
        builder = self.current
        if builder is None:
            return
        correction = builder.close_correction
        if correction is not None:
            assert correction.effective_at is not None  # guaranteed by Correction.__post_init__
            if correction.effective_at <= now:
                self.close(builder, correction.effective_at, ClosedBy.CORRECTION, None)
                self.flag(
                    AnomalyCode.CORRECTED,
                    correction.effective_at,
                    None,
                    f"Clock-out set to {self.local(correction.effective_at)} by {correction.made_by}: "
                    f"{correction.reason}",
                    builder,
                )
            return
        limit = self.policy.open_session_limit
        if limit is None or now - builder.clock_in <= limit:
            return
        at_limit = builder.clock_in + limit
        hours = limit.total_seconds() / 3600
        if self.policy.auto_close_at_limit:
            self.close(builder, at_limit, ClosedBy.AUTO_LIMIT, None)
            self.flag(
                AnomalyCode.AUTO_CLOSED,
                at_limit,
                None,
                f"No clock-out within {hours:g} h of the clock-in at {self.local(builder.clock_in)}; closed at "
                f"{self.local(at_limit)}.",
                builder,
            )
        else:
            self.flag(
                AnomalyCode.MISSED_CLOCK_OUT,
                at_limit,
                None,
                f"Still open {hours:g} h after the clock-in at {self.local(builder.clock_in)}; waiting for a "
                "missed clock-out claim.",
                builder,
            )

    def start_session(self, punch: Punch, at: datetime) -> _Builder:
        correction = self.closes.get(punch.id.int) if self.closes else None
        builder = _Builder(punch.id, at, None)
        if correction is not None:
            self.used_closes.add(correction.id)
            assert correction.effective_at is not None  # guaranteed by Correction.__post_init__
            if correction.effective_at < at:
                self.flag(
                    AnomalyCode.CLOCK_OUT_BEFORE_CLOCK_IN,
                    correction.made_at,
                    punch.id,
                    f"A correction by {correction.made_by} sets the clock-out to {self.local(correction.effective_at)},"
                    f" before the clock-in at {self.local(at)}; it is not applied.",
                    builder,
                )
            elif correction.effective_at - at > self.policy.max_session:
                self.flag(
                    AnomalyCode.SESSION_OVER_24H,
                    correction.made_at,
                    punch.id,
                    f"A correction by {correction.made_by} sets the clock-out to {self.local(correction.effective_at)},"
                    " more than 24 h after the clock-in; it is not applied.",
                    builder,
                )
            else:
                builder.close_correction = correction
        if self.moved and punch.id.int in self.moved:
            self.flag(AnomalyCode.CORRECTED, at, punch.id, "The clock-in time was corrected by an admin.", builder)
        self.builders.append(builder)
        self.current = builder
        return builder

    def clock_in(self, punch: Punch, at: datetime) -> _Builder:
        earlier = self.current
        if earlier is not None:
            if earlier.close_correction is not None:
                # Honouring it would make two sessions overlap; the earlier one stays open for a new resolution.
                self.flag(
                    AnomalyCode.CORRECTION_REJECTED,
                    at,
                    earlier.close_correction.target_punch_id,
                    f"The corrected clock-out {self.local(earlier.close_correction.effective_at or at)} is after the "
                    f"next clock-in at {self.local(at)}; it is not applied.",
                    earlier,
                )
                earlier.close_correction = None
            self.flag(
                AnomalyCode.CLOCK_IN_WHILE_OPEN,
                at,
                punch.id,
                f"Clocked in at {self.local(at)} while the session from {self.local(earlier.clock_in)} was still open.",
                earlier,
            )
            self.flag(
                AnomalyCode.MISSED_CLOCK_OUT,
                at,
                punch.id,
                f"The session from {self.local(earlier.clock_in)} has no clock-out; it needs a missed clock-out claim.",
                earlier,
            )
        return self.start_session(punch, at)

    def break_start(self, punch: Punch, at: datetime) -> _Builder | None:
        builder = self.current
        assert punch.break_type is not None  # guaranteed by Punch.__post_init__
        if builder is None:
            self.flag(
                AnomalyCode.BREAK_OUTSIDE_SESSION,
                at,
                punch.id,
                f"A {punch.break_type.value} break started at {self.local(at)} while not clocked in; ignored.",
                None,
            )
            return None
        if builder.running is not None:
            self.flag(
                AnomalyCode.BREAK_WHILE_ON_BREAK,
                at,
                punch.id,
                f"A {punch.break_type.value} break started at {self.local(at)} during a {builder.running[0].value} "
                "break; breaks may not overlap, ignored.",
                builder,
            )
            return builder
        builder.running = (punch.break_type, at, punch.id)
        if self.moved and punch.id.int in self.moved:
            self.flag(AnomalyCode.CORRECTED, at, punch.id, "A break start was corrected by an admin.", builder)
        return builder

    def break_end(self, punch: Punch, at: datetime) -> _Builder | None:
        builder = self.current
        if builder is None:
            self.flag(
                AnomalyCode.BREAK_OUTSIDE_SESSION,
                at,
                punch.id,
                f"A break ended at {self.local(at)} while not clocked in; ignored.",
                None,
            )
            return None
        if builder.running is None:
            self.flag(
                AnomalyCode.BREAK_END_WITHOUT_START,
                at,
                punch.id,
                f"A break ended at {self.local(at)} with no break running; ignored.",
                builder,
            )
            return builder
        break_type, start, start_id = builder.running
        builder.breaks.append(Break(break_type, start, at, start_id, punch.id))
        builder.running = None
        if self.moved and punch.id.int in self.moved:
            self.flag(AnomalyCode.CORRECTED, at, punch.id, "A break end was corrected by an admin.", builder)
        return builder

    def clock_out(self, punch: Punch, at: datetime) -> _Builder | None:
        builder = self.current
        if builder is None:
            last = self.builders[-1] if self.builders else None
            if last is not None and last.closed_by in (ClosedBy.CORRECTION, ClosedBy.AUTO_LIMIT):
                self.flag(
                    AnomalyCode.CLOCK_OUT_OVERRIDDEN,
                    at,
                    punch.id,
                    f"The clock-out at {self.local(at)} came after the session had been closed at "
                    f"{self.local(last.clock_out or at)}; not used.",
                    last,
                )
                return last
            self.flag(
                AnomalyCode.CLOCK_OUT_WITHOUT_CLOCK_IN,
                at,
                punch.id,
                f"Clocked out at {self.local(at)} without being clocked in; ignored.",
                None,
            )
            return None
        if builder.close_correction is not None:
            self.flag(
                AnomalyCode.CLOCK_OUT_OVERRIDDEN,
                at,
                punch.id,
                f"The clock-out at {self.local(at)} is replaced by an admin's correction.",
                builder,
            )
            return builder
        if at - builder.clock_in > self.policy.max_session:
            self.flag(
                AnomalyCode.SESSION_OVER_24H,
                at,
                punch.id,
                f"The clock-out at {self.local(at)} is more than 24 h after the clock-in at "
                f"{self.local(builder.clock_in)}; it is not accepted, the session is a missed clock-out.",
                builder,
            )
            self.flag(
                AnomalyCode.MISSED_CLOCK_OUT,
                at,
                punch.id,
                f"The session from {self.local(builder.clock_in)} needs a missed clock-out claim.",
                builder,
            )
            return builder
        self.close(builder, at, ClosedBy.PUNCH, punch.id)
        if self.moved and punch.id.int in self.moved:
            self.flag(AnomalyCode.CORRECTED, at, punch.id, "The clock-out time was corrected by an admin.", builder)
        return builder

    def run(self, entries: list[tuple[datetime, int, int, Punch]], as_of: datetime) -> list[WorkSession]:
        window = self.policy.duplicate_window
        previous: tuple[PunchKind, datetime] | None = None
        previous_builder: _Builder | None = None
        for at, _order, _id, punch in entries:
            if previous is not None and punch.kind is previous[0] and at - previous[1] <= window:
                self.flag(
                    AnomalyCode.DUPLICATE_TAP,
                    at,
                    punch.id,
                    f"A second {punch.kind.value} at {self.local(at)} within {window.total_seconds():g} s of the first;"
                    " counted once.",
                    previous_builder,
                )
                continue
            self.advance(at)
            kind = punch.kind
            if kind is PunchKind.CLOCK_IN:
                previous_builder = self.clock_in(punch, at)
            elif kind is PunchKind.BREAK_START:
                previous_builder = self.break_start(punch, at)
            elif kind is PunchKind.BREAK_END:
                previous_builder = self.break_end(punch, at)
            else:
                previous_builder = self.clock_out(punch, at)
            previous = (kind, at)
        current = self.current
        if current is not None and current.close_correction is not None:
            # A correction is a fact about the session's end, whenever the derivation is run.
            assert current.close_correction.effective_at is not None
            self.advance(max(as_of, current.close_correction.effective_at))
        else:
            self.advance(as_of)
        return [self.finish(builder) for builder in self.builders]

    def finish(self, builder: _Builder) -> WorkSession:
        if builder.is_open:
            self.flag(
                AnomalyCode.OPEN_SESSION,
                builder.clock_in,
                builder.clock_in_punch_id,
                f"The session from {self.local(builder.clock_in)} has no clock-out.",
                builder,
            )
        breaks = list(builder.breaks)
        if builder.running is not None:
            break_type, start, start_id = builder.running
            breaks.append(Break(break_type, start, None, start_id))
        correction = builder.close_correction if builder.closed_by is ClosedBy.CORRECTION else None
        return WorkSession(
            employee_id=self.employee_id,
            clock_in_punch_id=builder.clock_in_punch_id,
            clock_in=builder.clock_in,
            clock_out=builder.clock_out,
            closed_by=builder.closed_by,
            clock_out_punch_id=builder.clock_out_punch_id,
            breaks=tuple(breaks),
            business_date=builder.clock_in.astimezone(self.tz).date(),
            anomalies=tuple(sorted(builder.codes)),
            closing_correction_id=correction.id if correction is not None else None,
        )


def _winning_corrections(corrections: Iterable[Correction]) -> dict[tuple[uuid.UUID, CorrectionKind], Correction]:
    """The last correction by (made_at, id) for each (target, kind): later decisions replace earlier ones."""
    winners: dict[tuple[uuid.UUID, CorrectionKind], Correction] = {}
    for correction in corrections:
        key = (correction.target_punch_id, correction.kind)
        held = winners.get(key)
        if held is None or (correction.made_at, str(correction.id)) > (held.made_at, str(held.id)):
            winners[key] = correction
    return winners


def _apply_corrections(
    by_id: dict[int, Punch], corrections: Iterable[Correction], anomalies: list[Anomaly]
) -> tuple[set[int], dict[int, datetime], dict[int, Correction]]:
    """Reduce the corrections to what the sweep needs: voided punches, moved punches, corrected clock-outs.

    Punches are keyed by `id.int` here and in the sweep: hashing an int is much cheaper than hashing a UUID.
    """
    voided: set[int] = set()
    moved_to: dict[int, datetime] = {}
    closes: dict[int, Correction] = {}
    for (target_id, kind), correction in sorted(
        _winning_corrections(corrections).items(), key=lambda item: (str(item[0][0]), item[0][1].value)
    ):
        target = by_id.get(target_id.int)
        if target is None:
            anomalies.append(
                Anomaly(
                    AnomalyCode.CORRECTION_TARGET_MISSING,
                    correction.employee_id,
                    correction.made_at,
                    target_id,
                    f"A {kind.value} correction by {correction.made_by} refers to a punch not known here.",
                )
            )
        elif target.employee_id != correction.employee_id or (
            kind is CorrectionKind.CLOSE_SESSION and target.kind is not PunchKind.CLOCK_IN
        ):
            anomalies.append(
                Anomaly(
                    AnomalyCode.CORRECTION_REJECTED,
                    correction.employee_id,
                    correction.made_at,
                    target_id,
                    f"A {kind.value} correction by {correction.made_by} does not fit the {target.kind.value} punch of "
                    f"employee {target.employee_id} it refers to; not applied.",
                )
            )
        elif kind is CorrectionKind.VOID_PUNCH:
            voided.add(target_id.int)
        elif kind is CorrectionKind.MOVE_PUNCH:
            assert correction.effective_at is not None  # guaranteed by Correction.__post_init__
            moved_to[target_id.int] = correction.effective_at
        else:
            closes[target_id.int] = correction

    return voided, moved_to, closes


def effective_times(punches: Iterable[Punch], corrections: Iterable[Correction]) -> dict[uuid.UUID, datetime]:
    """Each punch's time once the corrections are applied, as `derive` sees it: moved punches at their new time,
    voided punches left out."""
    by_id = {punch.id.int: punch for punch in punches}
    voided, moved_to, _closes = _apply_corrections(by_id, corrections, [])
    return {punch.id: moved_to.get(key, punch.occurred_at) for key, punch in by_id.items() if key not in voided}


def derive(
    punches: Iterable[Punch],
    corrections: Iterable[Correction],
    *,
    tz: ZoneInfo,
    policy: SessionPolicy,
    as_of: datetime,
) -> Derivation:
    """Derive sessions, breaks, business days and anomalies from a set of punches and corrections.

    The same set in any order gives an identical result. Corrections apply first (VOID_PUNCH drops a punch,
    MOVE_PUNCH gives it a new time, CLOSE_SESSION sets the clock-out of the session its target clock-in opens); then
    each employee's punches are swept in (time, kind, id) order. `as_of` is the moment the derivation describes: an
    open session older than the policy's limit at `as_of` is closed or flagged as the policy says.

    Raises:
        RuleViolation: two different punches share an id, or `as_of` has no time zone.
    """
    as_of = require_utc(as_of, "as of")
    by_id: dict[int, Punch] = {}
    for punch in punches:
        key = punch.id.int
        held = by_id.get(key)
        if held is not None and held != punch:
            raise RuleViolation("punch_conflict", f"two different punches share the id {punch.id}")
        by_id[key] = punch

    anomalies: list[Anomaly] = []
    voided, moved_to, closes = _apply_corrections(by_id, corrections, anomalies)

    per_employee: dict[str, list[tuple[datetime, int, int, Punch]]] = {}
    order = _KIND_ORDER
    for key, punch in by_id.items():
        if voided and key in voided:
            continue
        at = moved_to.get(key, punch.occurred_at) if moved_to else punch.occurred_at
        entry = (at, order[punch.kind], key, punch)
        group = per_employee.get(punch.employee_id)
        if group is None:
            per_employee[punch.employee_id] = [entry]
        else:
            group.append(entry)

    sessions: list[WorkSession] = []
    used_closes: set[uuid.UUID] = set()
    moved = set(moved_to)
    for employee_id in sorted(per_employee):
        entries = per_employee[employee_id]
        entries.sort(key=_ENTRY_ORDER)
        sweep = _Sweep(employee_id, tz=tz, policy=policy, closes=closes, moved=moved, anomalies=anomalies)
        sessions.extend(sweep.run(entries, as_of))
        used_closes |= sweep.used_closes

    for _key, correction in sorted(closes.items()):
        if correction.id not in used_closes:
            # The clock-in exists but opens no session: it was voided or dropped as a duplicate tap.
            anomalies.append(
                Anomaly(
                    AnomalyCode.CORRECTION_REJECTED,
                    correction.employee_id,
                    correction.made_at,
                    correction.target_punch_id,
                    f"A close_session correction by {correction.made_by} refers to a clock-in that opens no session; "
                    "not applied.",
                )
            )
    anomalies.sort(key=lambda anomaly: anomaly.sort_key)
    return Derivation(tuple(sessions), tuple(anomalies))
