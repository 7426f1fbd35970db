"""Keeping derived state up to date without deriving everything again.

`derive` (kiosk/domain/sessions.py) stays the one truth. A place that keeps the sessions it derived (the kiosk's
SQLite, head office's PostgreSQL) re-derives, when facts arrive, only from the *anchor*: the clock-in of the last
kept session that the new facts cannot touch. Why that is exact:

- the sweep of one employee's punches carries nothing across a clock-in that opens a session but that session
  itself and the punch before it, and the punch before it matters only to whether the clock-in is a duplicate tap,
  which it was not. A session whose clock-in lies before every new fact is therefore opened exactly as before, and
  everything from it on is decided by the facts at or after it;
- sessions before the anchor are final: only a correction aimed at one of their punches (which moves the affected
  time back before them) or a fact inside them could change them;
- only the last session depends on the moment the derivation describes (the open-session limit). Kept sessions are
  derived as of their last fact, and a reader that needs them as of now derives the last open session again when
  the limit has passed since (`needs_refresh`).

A fact's affected time is the earliest time it can change: a punch's own time, or the earliest of the times its
corrections give it; for a correction, the same for the punch it corrects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kiosk.domain.punches import Correction, Punch
from kiosk.domain.sessions import (
    AnomalyCode,
    Derivation,
    EmployeeState,
    SessionPolicy,
    WorkSession,
    derive,
    effective_times,
    state_of,
)


def anchor_before(clock_ins: Sequence[datetime], affected_at: datetime) -> datetime | None:
    """The clock-in to derive again from: the latest kept clock-in strictly before `affected_at`, or None (derive
    the employee's whole history). `clock_ins` are the kept sessions' clock-ins."""
    earlier = [at for at in clock_ins if at < affected_at]
    return max(earlier) if earlier else None


def derive_from(
    employee_id: str,
    punches: Iterable[Punch],
    corrections: Iterable[Correction],
    anchor: datetime | None,
    *,
    tz: ZoneInfo,
    policy: SessionPolicy,
    as_of: datetime | None = None,
) -> tuple[WorkSession, ...]:
    """The employee's sessions from `anchor` on (all of them when None), derived from their facts.

    `punches` must hold every punch of the employee whose corrected time is at or after the anchor (more may be
    given: those corrected to before the anchor are left out here), `corrections` every correction of the employee.
    `as_of` defaults to the latest fact, so that what is kept does not depend on when it was derived.
    """
    punches = list(punches)
    corrections = list(corrections)
    times = effective_times(punches, corrections)
    window = [punch for punch in punches if punch.id in times and (anchor is None or times[punch.id] >= anchor)]
    if not window:
        return ()
    ids = {punch.id for punch in window}
    fixes = [correction for correction in corrections if correction.target_punch_id in ids]
    moment = as_of if as_of is not None else max(times[punch.id] for punch in window)
    return derive(window, fixes, tz=tz, policy=policy, as_of=moment).sessions_of(employee_id)


def needs_refresh(latest: WorkSession | None, policy: SessionPolicy, now: datetime) -> bool:
    """True when the employee's last kept session, derived as of its last fact, is not what a derivation as of
    `now` gives: it is open and the open-session limit has passed since its clock-in."""
    if latest is None or not latest.is_open or policy.open_session_limit is None:
        return False
    return now - latest.clock_in > policy.open_session_limit


def state_from_kept(employee_id: str, latest: WorkSession | None, older_open: Sequence[WorkSession]) -> EmployeeState:
    """The employee's state from their kept latest session and older open sessions, as `state_of` gives it."""
    sessions = (*older_open, *((latest,) if latest is not None else ()))
    return state_of(Derivation(tuple(sorted(sessions, key=lambda s: s.clock_in)), ()), employee_id)


@dataclass(frozen=True, slots=True)
class DaySummary:
    """One employee's business day as kept: its sessions' counts and times (open sessions counted apart)."""

    employee_id: str
    business_date: date
    sessions: int
    open_sessions: int
    first_in: datetime
    last_out: datetime | None  # the latest clock-out of the day's closed sessions
    total: timedelta  # closed sessions only: an open session has no total yet
    breaks: timedelta
    working: timedelta
    anomalies: tuple[AnomalyCode, ...]


def summarize_days(sessions: Iterable[WorkSession]) -> list[DaySummary]:
    """A summary per (employee, business day) of the given sessions, sorted."""
    grouped: dict[tuple[str, date], list[WorkSession]] = {}
    for session in sessions:
        grouped.setdefault((session.employee_id, session.business_date), []).append(session)
    summaries = []
    for (employee_id, day), items in sorted(grouped.items()):
        closed = [session for session in items if not session.is_open]
        outs = [session.clock_out for session in closed if session.clock_out is not None]
        summaries.append(
            DaySummary(
                employee_id=employee_id,
                business_date=day,
                sessions=len(items),
                open_sessions=len(items) - len(closed),
                first_in=min(session.clock_in for session in items),
                last_out=max(outs) if outs else None,
                total=sum((session.total_time() for session in closed), timedelta(0)),
                breaks=sum((session.break_time() for session in closed), timedelta(0)),
                working=sum((session.working_time() for session in closed), timedelta(0)),
                anomalies=tuple(sorted({code for session in items for code in session.anomalies})),
            )
        )
    return summaries


def affected_at(punch_time: datetime | None, corrections: Iterable[Correction], fallback: datetime) -> datetime:
    """The earliest time a punch (and the corrections aimed at it) can change: its own time and every time its
    corrections give it. `fallback` when neither is known (a correction of a punch not here yet)."""
    times = [punch_time] if punch_time is not None else []
    times += [correction.effective_at for correction in corrections if correction.effective_at is not None]
    return min(times) if times else fallback
