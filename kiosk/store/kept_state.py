"""The kept sessions and day summaries: derived state updated in the same transaction as each fact.

Adding a punch or a correction (`repository.add_punch`, `repository.add_correction`) notes the employee and the
punch concerned on the transaction; before the transaction commits, `apply` derives again, for each employee
noted, only what the new facts can change (see kiosk/domain/kept.py for why that is exact) and rewrites those kept
sessions and the summaries of their business days. A change of the company's missed clock-out policy or of the
site's time zone changes every derivation: the company's kept state is then derived again as a whole.

The screens read the kept sessions (`current_sessions`, `employee_state`); `differences` derives everything again
and lists what the kept state gets wrong, and `repair` rewrites it (`python main.py kept-state`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.orm import Session

from kiosk.domain.incidents import MissedClockoutSettings
from kiosk.domain.kept import DaySummary, affected_at, anchor_before, derive_from, needs_refresh, summarize_days
from kiosk.domain.punches import BreakType, Correction, CorrectionKind, Punch
from kiosk.domain.sessions import AnomalyCode, Break, ClosedBy, SessionPolicy, WorkSession
from kiosk.store import repository
from kiosk.store.schema import CorrectionRow, EmployeeDay, KeptSession, PunchRow, Site


@dataclass(frozen=True, slots=True)
class Rules:
    """What a company's derivation depends on: the site's time zone and the company's session policy."""

    zone: ZoneInfo
    policy: SessionPolicy


def rules_of(session: Session, company_id: str) -> Rules:
    """The time zone of this kiosk's site (of the company's first site when this kiosk has none of the company)
    and the company's session policy."""
    site_id = repository.device_value(session, "site_id")
    site = repository.get_site(session, site_id) if isinstance(site_id, str) else None
    if site is None or site.company_id != company_id:
        name = session.scalar(select(Site.timezone).where(Site.company_id == company_id).order_by(Site.id).limit(1))
    else:
        name = site.timezone
    return Rules(ZoneInfo(name or "UTC"), policy_of(session, company_id))


def policy_of(session: Session, company_id: str) -> SessionPolicy:
    """The session policy the company's missed clock-out settings mean."""
    company = repository.get_company(session, company_id)
    if company is None:
        raise LookupError(f"there is no company {company_id!r}")
    return MissedClockoutSettings(
        missed_clockout_enabled=company.missed_clockout_enabled,
        block_reports_on_pending=company.block_reports_on_pending,
        open_session_limit=company.open_session_limit,
    ).session_policy()


# --- rows and sessions -----------------------------------------------------------------------------------------------


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _id(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _row(session: WorkSession, company_id: str, latest: bool) -> KeptSession:
    breaks = [
        [brk.break_type.value, _stamp(brk.start), _stamp(brk.end), str(brk.start_punch_id), _str(brk.end_punch_id)]
        for brk in session.breaks
    ]
    return KeptSession(
        clock_in_punch_id=str(session.clock_in_punch_id),
        company_id=company_id,
        employee_id=session.employee_id,
        business_date=session.business_date.isoformat(),
        clock_in=session.clock_in,
        clock_out=session.clock_out,
        closed_by=session.closed_by.value if session.closed_by is not None else None,
        clock_out_punch_id=_str(session.clock_out_punch_id),
        closing_correction_id=_str(session.closing_correction_id),
        breaks=json.dumps(breaks),
        anomalies=",".join(code.value for code in session.anomalies),
        is_open=session.is_open,
        latest=latest,
    )


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


_KEPT_COLUMNS = select(*KeptSession.__table__.columns)  # plain rows: mapped objects cost more than the query


def session_from_row(row: KeptSession | Row[Any]) -> WorkSession:
    """The work session a kept row holds (its mapped object, or a plain row of its columns)."""
    breaks = []
    for break_type, start, end, start_id, end_id in json.loads(row.breaks):
        started = _instant(start)
        assert started is not None  # every break has a start
        breaks.append(Break(BreakType(break_type), started, _instant(end), uuid.UUID(start_id), _id(end_id)))
    return WorkSession(
        employee_id=row.employee_id,
        clock_in_punch_id=uuid.UUID(row.clock_in_punch_id),
        clock_in=row.clock_in,
        clock_out=row.clock_out,
        closed_by=ClosedBy(row.closed_by) if row.closed_by is not None else None,
        clock_out_punch_id=_id(row.clock_out_punch_id),
        breaks=tuple(breaks),
        business_date=date.fromisoformat(row.business_date),
        anomalies=tuple(AnomalyCode(code) for code in row.anomalies.split(",") if code),
        closing_correction_id=_id(row.closing_correction_id),
    )


# --- keeping it up to date -------------------------------------------------------------------------------------------


@dataclass
class _Pass:
    """One `apply`: the rules of each company met, read once."""

    session: Session
    rules: dict[str, Rules] = field(default_factory=dict)

    def of(self, company_id: str) -> Rules:
        found = self.rules.get(company_id)
        if found is None:
            found = self.rules[company_id] = rules_of(self.session, company_id)
        return found


def apply(session: Session) -> None:
    """Bring the kept state up to date with the facts added in this transaction (called before each commit, and by
    a use case that reads the state it has just changed)."""
    noted = session.info.pop(repository.AFFECTED, None)
    rebuilds: set[str] = session.info.pop(repository.REBUILD, None) or set()
    if not noted and not rebuilds:
        return
    session.flush()
    work = _Pass(session)
    for company_id in sorted(rebuilds):
        rebuild(session, company_id, work)
    earliest: dict[tuple[str, str], datetime] = {}
    for company_id, employee_id, punch_id, fallback in noted or ():
        if company_id in rebuilds:
            continue
        at = _affected(session, punch_id, fallback)
        key = (company_id, employee_id)
        held = earliest.get(key)
        earliest[key] = at if held is None else min(held, at)
    for (company_id, employee_id), at in sorted(earliest.items()):
        rules = work.of(company_id)
        anchor = anchor_before(_clock_ins_before(session, employee_id, at), at)
        _rederive(session, company_id, employee_id, anchor, rules)


def _affected(session: Session, punch_id: str, fallback: datetime) -> datetime:
    occurred = session.scalar(select(PunchRow.occurred_at).where(PunchRow.id == punch_id))
    fixes = session.scalars(select(CorrectionRow).where(CorrectionRow.target_punch_id == punch_id))
    return affected_at(occurred, [repository.correction_from_row(row) for row in fixes], fallback)


def _clock_ins_before(session: Session, employee_id: str, at: datetime) -> list[datetime]:
    """The latest kept clock-in before `at`: the one that may anchor a change at `at` (a one-item list, or empty)."""
    limit = at
    latest = session.scalar(
        select(func.max(KeptSession.clock_in)).where(
            KeptSession.employee_id == employee_id, KeptSession.clock_in < limit
        )
    )
    return [] if latest is None else [latest]


def _facts_from(session: Session, employee_id: str, anchor: datetime | None) -> tuple[list[Punch], list[Correction]]:
    """Every punch of the employee that may stand at or after `anchor` once corrected, and all their corrections."""
    corrections = repository.corrections_of(session, employee_id)
    punches = repository.punches_of(session, employee_id, since=anchor)
    if anchor is not None:
        held = {punch.id for punch in punches}
        moved_in = {
            str(correction.target_punch_id)
            for correction in corrections
            if correction.kind is CorrectionKind.MOVE_PUNCH
            and correction.effective_at is not None
            and correction.effective_at >= anchor
            and correction.target_punch_id not in held
        }
        if moved_in:
            punches += repository.punches_by_id(session, moved_in)
    return punches, corrections


def _rederive(session: Session, company_id: str, employee_id: str, anchor: datetime | None, rules: Rules) -> None:
    punches, corrections = _facts_from(session, employee_id, anchor)
    derived = derive_from(employee_id, punches, corrections, anchor, tz=rules.zone, policy=rules.policy)
    replace_sessions(session, company_id, employee_id, anchor, derived)


def replace_sessions(
    session: Session, company_id: str, employee_id: str, anchor: datetime | None, derived: Sequence[WorkSession]
) -> None:
    """Put `derived` in place of the employee's kept sessions from `anchor` on, and summarise the days touched."""
    condition = [KeptSession.employee_id == employee_id]
    if anchor is not None:
        condition.append(KeptSession.clock_in >= anchor)
    days = set(session.scalars(select(KeptSession.business_date).where(*condition)))
    # The latest session is at or after the anchor (the anchor is the latest clock-in before the change), so it
    # goes with the rest; the last session derived takes its mark.
    session.execute(delete(KeptSession).where(*condition))
    session.add_all(_row(item, company_id, index == len(derived) - 1) for index, item in enumerate(derived))
    days |= {item.business_date.isoformat() for item in derived}
    session.flush()
    if not derived:
        last = session.scalar(
            select(KeptSession.clock_in_punch_id)
            .where(KeptSession.employee_id == employee_id)
            .order_by(KeptSession.clock_in.desc(), KeptSession.clock_in_punch_id.desc())
            .limit(1)
        )
        if last is not None:
            session.execute(update(KeptSession).where(KeptSession.clock_in_punch_id == last).values(latest=True))
    _summarize(session, company_id, employee_id, days)


def _summarize(session: Session, company_id: str, employee_id: str, days: Iterable[str]) -> None:
    days = sorted(days)
    if not days:
        return
    session.execute(
        delete(EmployeeDay).where(EmployeeDay.employee_id == employee_id, EmployeeDay.business_date.in_(days))
    )
    rows = session.scalars(
        select(KeptSession).where(KeptSession.employee_id == employee_id, KeptSession.business_date.in_(days))
    )
    session.add_all(_day_row(summary, company_id) for summary in summarize_days(map(session_from_row, rows)))


def _day_row(summary: DaySummary, company_id: str) -> EmployeeDay:
    return EmployeeDay(
        employee_id=summary.employee_id,
        business_date=summary.business_date.isoformat(),
        company_id=company_id,
        sessions=summary.sessions,
        open_sessions=summary.open_sessions,
        first_in=summary.first_in,
        last_out=summary.last_out,
        total_seconds=int(summary.total.total_seconds()),
        break_seconds=int(summary.breaks.total_seconds()),
        working_seconds=int(summary.working.total_seconds()),
        anomalies=",".join(code.value for code in summary.anomalies),
    )


def rebuild(session: Session, company_id: str, work: _Pass | None = None) -> int:
    """Derive the company's kept state again from all its facts; returns how many employees were derived."""
    rules = (work or _Pass(session)).of(company_id)
    session.execute(delete(KeptSession).where(KeptSession.company_id == company_id))
    session.execute(delete(EmployeeDay).where(EmployeeDay.company_id == company_id))
    employees = _employees_with_facts(session, company_id)
    for employee_id in employees:
        _rederive(session, company_id, employee_id, None, rules)
    return len(employees)


def _employees_with_facts(session: Session, company_id: str) -> list[str]:
    return sorted(
        set(session.scalars(select(PunchRow.employee_id).where(PunchRow.company_id == company_id).distinct()))
    )


# --- reading ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrentSessions:
    """An employee's kept latest session and their older sessions still open."""

    latest: WorkSession | None
    older_open: tuple[WorkSession, ...]


def current_sessions(
    session: Session, company_id: str, *, employee_id: str | None = None, now: datetime | None = None
) -> dict[str, CurrentSessions]:
    """Every employee's (or one employee's) latest kept session and older open sessions, by employee id.

    With `now`, a latest session that the open-session limit has changed since it was kept is derived again as of
    `now` (what a full derivation as of now gives), without writing anything.
    """
    # Two queries, each answered by its index; one with OR would read every session the company ever kept.
    latest_rows = _KEPT_COLUMNS.where(KeptSession.company_id == company_id, KeptSession.latest.is_(True))
    open_rows = _KEPT_COLUMNS.where(
        KeptSession.company_id == company_id, KeptSession.is_open.is_(True), KeptSession.latest.is_(False)
    )
    if employee_id is not None:
        latest_rows = latest_rows.where(KeptSession.employee_id == employee_id)
        open_rows = open_rows.where(KeptSession.employee_id == employee_id)
    latest = {row.employee_id: session_from_row(row) for row in session.execute(latest_rows)}
    older: dict[str, list[WorkSession]] = {}
    for row in session.execute(open_rows.order_by(KeptSession.employee_id, KeptSession.clock_in)):
        older.setdefault(row.employee_id, []).append(session_from_row(row))
    if now is not None:
        policy: SessionPolicy | None = None
        rules: Rules | None = None
        for key, item in list(latest.items()):
            if not item.is_open:
                continue
            policy = policy or policy_of(session, company_id)
            if needs_refresh(item, policy, now):
                rules = rules or rules_of(session, company_id)
                punches, corrections = _facts_from(session, key, item.clock_in)
                fresh = derive_from(
                    key, punches, corrections, item.clock_in, tz=rules.zone, policy=rules.policy, as_of=now
                )
                latest[key] = fresh[-1]
    return {
        key: CurrentSessions(latest.get(key), tuple(older.get(key, ()))) for key in sorted(set(latest) | set(older))
    }


def kept_sessions_of(session: Session, employee_id: str) -> list[WorkSession]:
    """The employee's kept sessions, by clock-in (as kept: as of their last fact)."""
    rows = session.scalars(
        select(KeptSession).where(KeptSession.employee_id == employee_id).order_by(KeptSession.clock_in)
    )
    return [session_from_row(row) for row in rows]


# --- checking against a full derivation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference:
    """An employee whose kept state is not what deriving all their facts gives."""

    employee_id: str
    detail: str


def _employees_to_check(session: Session, company_id: str) -> list[str]:
    kept_employees = set(
        session.scalars(select(KeptSession.employee_id).where(KeptSession.company_id == company_id).distinct())
    )
    return sorted(set(_employees_with_facts(session, company_id)) | kept_employees)


def employees_checked(session: Session, company_id: str) -> int:
    """How many employees `differences` derives: those with facts or with kept sessions."""
    return len(_employees_to_check(session, company_id))


def differences(session: Session, company_id: str) -> list[Difference]:
    """Derive every employee of the company from all their facts and compare with what is kept."""
    rules = rules_of(session, company_id)
    found = []
    for employee_id in _employees_to_check(session, company_id):
        punches, corrections = _facts_from(session, employee_id, None)
        derived = list(derive_from(employee_id, punches, corrections, None, tz=rules.zone, policy=rules.policy))
        kept = kept_sessions_of(session, employee_id)
        detail = _compare_sessions(kept, derived)
        if detail is None:
            detail = _compare_days(session, employee_id, derived)
        if detail is None:
            detail = _compare_latest(session, employee_id, derived)
        if detail is not None:
            found.append(Difference(employee_id, detail))
    return found


def _compare_sessions(kept: list[WorkSession], derived: list[WorkSession]) -> str | None:
    kept_by = {item.clock_in_punch_id: item for item in kept}
    derived_by = {item.clock_in_punch_id: item for item in derived}
    missing = [key for key in derived_by if key not in kept_by]
    extra = [key for key in kept_by if key not in derived_by]
    changed = [key for key, item in derived_by.items() if key in kept_by and kept_by[key] != item]
    if not (missing or extra or changed):
        return None
    parts = []
    if missing:
        parts.append(f"{len(missing)} session(s) missing (first clocked in {derived_by[missing[0]].clock_in})")
    if extra:
        parts.append(f"{len(extra)} session(s) kept that the facts do not give (first {kept_by[extra[0]].clock_in})")
    if changed:
        parts.append(f"{len(changed)} session(s) differ (first clocked in {derived_by[changed[0]].clock_in})")
    return "; ".join(parts)


def _compare_days(session: Session, employee_id: str, derived: list[WorkSession]) -> str | None:
    expected = {summary.business_date.isoformat(): _day_row(summary, "") for summary in summarize_days(derived)}
    kept = {
        row.business_date: row
        for row in session.scalars(select(EmployeeDay).where(EmployeeDay.employee_id == employee_id))
    }
    columns = (
        "sessions",
        "open_sessions",
        "first_in",
        "last_out",
        "total_seconds",
        "break_seconds",
        "working_seconds",
        "anomalies",
    )
    for day in sorted(set(expected) | set(kept)):
        want, have = expected.get(day), kept.get(day)
        if want is None or have is None:
            return f"the summary of {day} is {'missing' if have is None else 'kept for a day without sessions'}"
        if any(getattr(want, name) != getattr(have, name) for name in columns):
            return f"the summary of {day} differs"
    return None


def _compare_latest(session: Session, employee_id: str, derived: list[WorkSession]) -> str | None:
    flagged = list(
        session.scalars(
            select(KeptSession.clock_in_punch_id).where(KeptSession.employee_id == employee_id, KeptSession.latest)
        )
    )
    expected = [str(derived[-1].clock_in_punch_id)] if derived else []
    return None if flagged == expected else "the latest session is not the one marked current"


def repair(session: Session, company_id: str, employee_ids: Iterable[str]) -> None:
    """Derive the employees again from all their facts and keep the result."""
    rules = rules_of(session, company_id)
    for employee_id in employee_ids:
        session.execute(delete(EmployeeDay).where(EmployeeDay.employee_id == employee_id))
        _rederive(session, company_id, employee_id, None, rules)
