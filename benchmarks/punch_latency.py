"""Punch commit latency with the real pragmas (WAL, synchronous=FULL), through the whole use case.

    .venv/bin/python -m benchmarks.punch_latency [--punches N]

Prints p50/p90/p99/max of `TimeClock.record_punch` (derive the employee's state, validate, insert, audit, commit,
fsync) and, for comparison, of a bare one-row insert and commit. Three employees punch in turn, one tap every 3 h
of simulated time, so each carries months of history as a real kiosk's employees do. Target: p99 under 20 ms on a
2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.domain.punches import IdentifiedBy, Punch, PunchKind
from kiosk.store import repository
from tests.support import make_world


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(name: str, seconds: list[float]) -> None:
    ms = [value * 1000 for value in seconds]
    print(
        f"{name:<28} n={len(ms):<5} p50={statistics.median(ms):6.2f} ms  p90={percentile(ms, 0.9):6.2f} ms  "
        f"p99={percentile(ms, 0.99):6.2f} ms  max={max(ms):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--punches", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        world = make_world(Path(folder) / "kiosk.db")
        world.time.set(datetime(2026, 1, 5, tzinfo=UTC))
        use_case: list[float] = []
        employees = ("E1", "E2", "E3")
        for step in range(args.punches):
            employee = employees[step % 3]
            kind = PunchKind.CLOCK_IN if (step // 3) % 2 == 0 else PunchKind.CLOCK_OUT
            started = time.perf_counter()
            world.clock.record_punch(employee, kind, identified_by=IdentifiedBy.FACE)
            use_case.append(time.perf_counter() - started)
            world.time.advance(hours=3)  # each of the 3 employees punches every 9 h, as a real shift pattern
        bare: list[float] = []
        at = datetime(2026, 6, 1, tzinfo=UTC)
        for step in range(args.punches):
            punch = Punch(
                id=uuid.uuid4(), employee_id="E9", kind=PunchKind.CLOCK_IN, occurred_at=at + timedelta(seconds=step)
            )
            started = time.perf_counter()
            with world.database.write() as session:
                repository.add_punch(session, punch, company_id="C1", site_id="S1", recorded_at=at)
            bare.append(time.perf_counter() - started)
        world.close()
    print(f"punch commit latency, {args.punches} punches, WAL + synchronous=FULL, file in {tempfile.gettempdir()}")
    report("record_punch (use case)", use_case)
    report("bare insert + commit", bare)


if __name__ == "__main__":
    main()
