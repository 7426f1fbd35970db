"""Properties of the derivation that must hold for any set of punches and corrections."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.punches import BreakType, Correction, CorrectionKind, Punch, PunchKind
from kiosk.domain.sessions import AnomalyCode, Derivation, SessionPolicy, derive
from tests.domain.builders import MANILA, NEW_YORK

START = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
AS_OF = START + timedelta(days=6)
KIND_WEIGHTS = (
    [PunchKind.CLOCK_IN] * 3 + [PunchKind.BREAK_START] * 2 + [PunchKind.BREAK_END] * 2 + [PunchKind.CLOCK_OUT] * 3
)


@st.composite
def punches_and_corrections(draw: st.DrawFn) -> tuple[list[Punch], list[Correction]]:
    punches: list[Punch] = []
    for employee in draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True)):
        # Minutes since START, some of them close together so duplicate taps happen.
        offsets = draw(st.lists(st.integers(0, 5 * 24 * 60), max_size=25))
        for offset in offsets:
            kind = draw(st.sampled_from(KIND_WEIGHTS))
            break_type = draw(st.sampled_from(list(BreakType))) if kind is PunchKind.BREAK_START else None
            seconds = draw(st.sampled_from([0, 0, 30, 59]))
            at = START + timedelta(minutes=offset, seconds=seconds)
            punches.append(Punch(draw(st.uuids()), employee, kind, at, break_type))
    corrections: list[Correction] = []
    if punches:
        for _ in range(draw(st.integers(0, 4))):
            target = draw(st.sampled_from(punches))
            fix = draw(st.sampled_from(list(CorrectionKind)))
            effective = None
            if fix is not CorrectionKind.VOID_PUNCH:
                effective = target.occurred_at + timedelta(minutes=draw(st.integers(-600, 1800)))
            made_at = START + timedelta(days=5, minutes=draw(st.integers(0, 600)))
            corrections.append(
                Correction(draw(st.uuids()), fix, target.employee_id, target.id, made_at, "admin", "fix", effective)
            )
    return punches, corrections


policies = st.sampled_from(
    [SessionPolicy(), SessionPolicy(auto_close_at_limit=False), SessionPolicy(open_session_limit=None)]
)


def check_invariants(result: Derivation) -> None:
    employees = {session.employee_id for session in result.sessions}
    for employee in employees:
        sessions = result.sessions_of(employee)
        assert [s.clock_in for s in sessions] == sorted(s.clock_in for s in sessions)
        closed = [s for s in sessions if not s.is_open]
        for earlier, later in itertools.pairwise(closed):
            assert earlier.clock_out is not None
            assert earlier.clock_out <= later.clock_in, "closed sessions overlap"
        for index, session in enumerate(sessions):
            if session.is_open and index < len(sessions) - 1:
                # Only a later clock-in leaves an older session open.
                assert AnomalyCode.CLOCK_IN_WHILE_OPEN in session.anomalies
                assert sessions[index + 1].clock_in >= session.clock_in
            until = session.clock_out or AS_OF
            previous_end = session.clock_in
            for brk in session.breaks:
                assert brk.start >= previous_end, "breaks overlap or start before the clock-in"
                assert brk.end is None or brk.start <= brk.end <= until
                previous_end = brk.end if brk.end is not None else until
            if not session.is_open:
                assert session.open_break is None
                total = session.total_time()
                assert total == session.clock_out - session.clock_in  # type: ignore[operator]
                assert timedelta(0) <= total <= timedelta(hours=24)
                durations = [brk.duration for brk in session.breaks]
                assert session.break_time() == sum((d for d in durations if d is not None), timedelta(0))
                assert session.working_time() == total - session.break_time()
                assert session.working_time() >= timedelta(0)
            else:
                assert AnomalyCode.OPEN_SESSION in session.anomalies
                assert session.working_time(AS_OF) >= timedelta(0)
            assert list(session.anomalies) == sorted(set(session.anomalies))
    assert list(result.anomalies) == sorted(result.anomalies, key=lambda anomaly: anomaly.sort_key)


@settings(max_examples=150, deadline=None)
@given(punches_and_corrections(), policies, st.randoms(use_true_random=False))
def test_the_same_facts_in_any_order_give_the_same_result(
    facts: tuple[list[Punch], list[Correction]], policy: SessionPolicy, rng: object
) -> None:
    punches, corrections = facts
    first = derive(punches, corrections, tz=NEW_YORK, policy=policy, as_of=AS_OF)
    shuffled_punches, shuffled_corrections = list(punches), list(corrections)
    rng.shuffle(shuffled_punches)  # type: ignore[attr-defined]
    rng.shuffle(shuffled_corrections)  # type: ignore[attr-defined]
    second = derive(reversed(shuffled_punches), shuffled_corrections, tz=NEW_YORK, policy=policy, as_of=AS_OF)
    assert first == second
    assert first == derive(punches, corrections, tz=NEW_YORK, policy=policy, as_of=AS_OF)


@settings(max_examples=200, deadline=None)
@given(punches_and_corrections(), policies)
def test_sessions_and_breaks_are_well_formed(
    facts: tuple[list[Punch], list[Correction]], policy: SessionPolicy
) -> None:
    punches, corrections = facts
    check_invariants(derive(punches, corrections, tz=MANILA, policy=policy, as_of=AS_OF))


@settings(max_examples=100, deadline=None)
@given(punches_and_corrections())
def test_every_clock_in_is_a_session_or_reported(facts: tuple[list[Punch], list[Correction]]) -> None:
    punches, _ = facts
    result = derive(punches, [], tz=MANILA, policy=SessionPolicy(), as_of=AS_OF)
    opened = {session.clock_in_punch_id for session in result.sessions}
    duplicates = {anomaly.punch_id for anomaly in result.anomalies if anomaly.code is AnomalyCode.DUPLICATE_TAP}
    for punch in punches:
        if punch.kind is PunchKind.CLOCK_IN:
            assert (punch.id in opened) != (punch.id in duplicates)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 3 * 24 * 3600), min_size=1, max_size=20), st.uuids())
def test_repeated_identical_taps_collapse(offsets: list[int], seed: uuid.UUID) -> None:
    # Taps of one kind each within 60 s of the first of a run are counted once per run.
    at = START
    punches = []
    for index, offset in enumerate(sorted(offsets)):
        at = START + timedelta(seconds=offset)
        punches.append(Punch(uuid.uuid5(seed, str(index)), "a", PunchKind.CLOCK_IN, at))
    result = derive(punches, [], tz=MANILA, policy=SessionPolicy(open_session_limit=None), as_of=at)
    kept: list[datetime] = []
    for punch in sorted(punches, key=lambda p: p.sort_key):
        if not kept or punch.occurred_at - kept[-1] > timedelta(seconds=60):
            kept.append(punch.occurred_at)
    assert [session.clock_in for session in result.sessions] == kept
