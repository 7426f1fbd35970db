"""The kept sessions equal a full derivation, whatever facts arrive, in whatever order and grouping."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select, update

from kiosk.domain.kept import state_from_kept, summarize_days
from kiosk.domain.punches import BreakType, Correction, CorrectionKind, IdentifiedBy, Punch, PunchKind
from kiosk.domain.sessions import SessionPolicy, derive, effective_times, state_of
from kiosk.store import kept_state, repository
from kiosk.store.database import Database
from kiosk.store.repository import CompanyRecord, SiteRecord
from kiosk.store.schema import EmployeeDay, KeptSession
from tests.domain.test_sessions_properties import AS_OF, START, punches_and_corrections
from tests.support import make_world

MANILA = ZoneInfo("Asia/Manila")
# Company -> the policy its settings mean: missed clock-outs managed (sessions stay open), or closed at the limit.
COMPANIES = {
    "KA": SessionPolicy(auto_close_at_limit=False),
    "KB": SessionPolicy(auto_close_at_limit=True),
}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    world = make_world(tmp_path_factory.mktemp("kept") / "kiosk.db")
    with world.database.write() as session:
        for company_id, policy in COMPANIES.items():
            record = CompanyRecord(
                company_id, company_id, not policy.auto_close_at_limit, False, timedelta(hours=16), True
            )
            repository.put_company(session, record, START)
            repository.put_site(session, SiteRecord(f"{company_id}-site", company_id, "Site", "Asia/Manila"), START)
    yield world.database
    world.close()


Fact = Punch | Correction


def renamed(punches: list[Punch], corrections: list[Correction]) -> tuple[list[Punch], list[Correction]]:
    """The same facts under ids and employee ids no other example uses (facts cannot be deleted between them)."""
    space = uuid.uuid4()

    def new_id(old: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(space, str(old))

    def employee(old: str) -> str:
        return f"{space.hex[:12]}-{old}"

    punches = [
        Punch(new_id(p.id), employee(p.employee_id), p.kind, p.occurred_at, p.break_type, "K1", IdentifiedBy.FACE)
        for p in punches
    ]
    corrections = [
        Correction(
            new_id(c.id),
            c.kind,
            employee(c.employee_id),
            new_id(c.target_punch_id),
            c.made_at,
            c.made_by,
            c.reason,
            c.effective_at,
        )
        for c in corrections
    ]
    return punches, corrections


def add(session: object, fact: Fact, company_id: str) -> None:
    if isinstance(fact, Punch):
        repository.add_punch(session, fact, company_id=company_id, site_id=f"{company_id}-site", recorded_at=START)  # type: ignore[arg-type]
    else:
        repository.add_correction(session, fact, company_id=company_id)  # type: ignore[arg-type]


def check_employee(
    database: Database, company_id: str, employee_id: str, punches: list[Punch], corrections: list[Correction]
) -> None:
    policy = COMPANIES[company_id]
    mine = [p for p in punches if p.employee_id == employee_id]
    fixes = [c for c in corrections if c.employee_id == employee_id]
    times = effective_times(mine, fixes)
    with database.read() as session:
        kept = kept_state.kept_sessions_of(session, employee_id)
        days = {
            row.business_date: row
            for row in session.scalars(select(EmployeeDay).where(EmployeeDay.employee_id == employee_id))
        }
        current = kept_state.current_sessions(session, company_id, employee_id=employee_id, now=AS_OF).get(employee_id)
    # As kept: derived as of the employee's last fact.
    if times:
        as_kept = derive(mine, fixes, tz=MANILA, policy=policy, as_of=max(times.values())).sessions_of(employee_id)
    else:
        as_kept = ()
    assert kept == list(as_kept)
    summaries = {summary.business_date.isoformat(): summary for summary in summarize_days(as_kept)}
    assert set(days) == set(summaries)
    for day, summary in summaries.items():
        row = days[day]
        assert (row.sessions, row.open_sessions, row.first_in, row.last_out) == (
            summary.sessions,
            summary.open_sessions,
            summary.first_in,
            summary.last_out,
        )
        assert row.working_seconds == summary.working.total_seconds()
        assert row.break_seconds == summary.breaks.total_seconds()
    # As read now: the state a full derivation as of now gives.
    full = derive(mine, fixes, tz=MANILA, policy=policy, as_of=AS_OF)
    if current is None:
        assert not full.sessions_of(employee_id)
    else:
        assert state_from_kept(employee_id, current.latest, current.older_open) == state_of(full, employee_id)
        assert current.latest == full.sessions_of(employee_id)[-1]


@settings(max_examples=300, deadline=None)
@given(
    punches_and_corrections(),
    st.sampled_from(sorted(COMPANIES)),
    st.randoms(use_true_random=False),
    st.integers(1, 6),
)
def test_kept_state_equals_a_full_derivation_for_any_arrival(
    database: Database,
    facts: tuple[list[Punch], list[Correction]],
    company_id: str,
    rng: random.Random,
    transactions: int,
) -> None:
    punches, corrections = renamed(*facts)
    arrivals: list[Fact] = [*punches, *corrections]
    rng.shuffle(arrivals)  # corrections may come before their punch, older punches after newer ones
    cuts = sorted(rng.sample(range(1, len(arrivals)), min(transactions - 1, max(len(arrivals) - 1, 0))))
    for start, end in zip([0, *cuts], [*cuts, len(arrivals)], strict=True):
        with database.write() as session:
            for fact in arrivals[start:end]:
                add(session, fact, company_id)
    for employee_id in sorted({p.employee_id for p in punches} | {c.employee_id for c in corrections}):
        check_employee(database, company_id, employee_id, punches, corrections)


def test_a_policy_change_derives_the_company_again(database: Database) -> None:
    employee = f"{uuid.uuid4().hex[:12]}-policy"
    clock_in = Punch(uuid.uuid4(), employee, PunchKind.CLOCK_IN, START, None, "K1", IdentifiedBy.FACE)
    later = Punch(
        uuid.uuid4(),
        employee,
        PunchKind.BREAK_START,
        START + timedelta(hours=20),
        BreakType.LUNCH,
        "K1",
        IdentifiedBy.FACE,
    )
    with database.write() as session:
        add(session, clock_in, "KA")
        add(session, later, "KA")
    check_employee(database, "KA", employee, [clock_in, later], [])
    with database.read() as session:
        before = kept_state.kept_sessions_of(session, employee)
    assert before[0].is_open  # missed clock-outs are managed: the session waits for a claim
    with database.write() as session:
        held = repository.get_company(session, "KA")
        assert held is not None
        repository.put_company(
            session,
            CompanyRecord("KA", "KA", False, False, timedelta(hours=16), True),
            START,
        )
    COMPANIES["KA"] = SessionPolicy(auto_close_at_limit=True)
    try:
        with database.read() as session:
            after = kept_state.kept_sessions_of(session, employee)
        assert not after[0].is_open  # closed at the 16 h limit now
        check_employee(database, "KA", employee, [clock_in, later], [])
    finally:
        with database.write() as session:
            repository.put_company(session, CompanyRecord("KA", "KA", True, False, timedelta(hours=16), True), START)
        COMPANIES["KA"] = SessionPolicy(auto_close_at_limit=False)


def test_differences_are_found_and_repaired(tmp_path: Path) -> None:
    world = make_world(tmp_path / "kiosk.db")
    employee = "E1"
    facts = [
        Punch(uuid.uuid4(), employee, PunchKind.CLOCK_IN, START, None, "K1", IdentifiedBy.FACE),
        Punch(uuid.uuid4(), employee, PunchKind.CLOCK_OUT, START + timedelta(hours=8), None, "K1", IdentifiedBy.FACE),
    ]
    with world.database.write() as session:
        for fact in facts:
            add(session, fact, "C1")
    with world.database.read() as session:
        assert kept_state.differences(session, "C1") == []
    with world.database.write() as session:  # what a bug or a hand-edited file would leave
        session.execute(update(KeptSession).values(clock_out=START + timedelta(hours=3)))
    with world.database.read() as session:
        found = kept_state.differences(session, "C1")
    assert [item.employee_id for item in found] == [employee]
    assert "differ" in found[0].detail
    with world.database.write() as session:
        kept_state.repair(session, "C1", [item.employee_id for item in found])
    with world.database.read() as session:
        assert kept_state.differences(session, "C1") == []
        assert kept_state.kept_sessions_of(session, employee)[0].clock_out == START + timedelta(hours=8)
    world.close()


def test_a_correction_of_a_punch_kept_long_ago_derives_only_from_there(tmp_path: Path) -> None:
    world = make_world(tmp_path / "kiosk.db")
    days = [
        (
            Punch(uuid.uuid4(), "E1", PunchKind.CLOCK_IN, START + timedelta(days=day), None, "K1", IdentifiedBy.FACE),
            Punch(
                uuid.uuid4(),
                "E1",
                PunchKind.CLOCK_OUT,
                START + timedelta(days=day, hours=8),
                None,
                "K1",
                IdentifiedBy.FACE,
            ),
        )
        for day in range(10)
    ]
    with world.database.write() as session:
        for pair in days:
            for fact in pair:
                add(session, fact, "C1")
    target = days[3][1]
    void = Correction(
        uuid.uuid4(), CorrectionKind.VOID_PUNCH, "E1", target.id, START + timedelta(days=11), "admin", "wrong tap"
    )
    statements: list[tuple[str, object]] = []

    def seen(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if statement.startswith("DELETE FROM kept_sessions"):
            statements.append((statement, parameters))

    event.listen(world.database.engine, "before_cursor_execute", seen)
    with world.database.write() as session:
        add(session, void, "C1")
    event.remove(world.database.engine, "before_cursor_execute", seen)
    # Only the sessions from the corrected day's clock-in on were derived again and replaced.
    assert len(statements) == 1
    assert "clock_in >=" in statements[0][0]
    day_three = (START + timedelta(days=3)).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    assert statements[0][1] == ("E1", day_three)
    punches = [fact for pair in days for fact in pair]
    check_employee_in(world.database, "E1", punches, [void], SessionPolicy(auto_close_at_limit=False))
    world.close()


def check_employee_in(
    database: Database,
    employee_id: str,
    punches: list[Punch],
    corrections: list[Correction],
    policy: SessionPolicy,
) -> None:
    times = effective_times(punches, corrections)
    expected = derive(punches, corrections, tz=MANILA, policy=policy, as_of=max(times.values()))
    with database.read() as session:
        assert kept_state.kept_sessions_of(session, employee_id) == list(expected.sessions_of(employee_id))
