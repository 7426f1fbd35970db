"""Punch commit latency with the real pragmas (WAL, synchronous=FULL), through the whole use case, on a big kiosk.

    .venv/bin/python -m benchmarks.punch_latency [--punches N] [--employees 2000] [--days 365]

Prints p50/p90/p99/max of `TimeClock.record_punch` (read the employee's kept state, validate, insert, audit, derive
the kept session again, commit, fsync) on the big kiosk of `benchmarks.big_kiosk` (each employee carries `days` of
history, built once into the temporary folder and reused), and, for comparison, of a bare one-row insert and commit
in the same database. 200 of the employees who went home on the last day punch in turn, a clock-in and 8 h later a
clock-out, a day after the history ends; the count is rounded up to whole shifts, so every run leaves them off.
Target at 2,000 employees x 365 days: p99 of the use case <= 10 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select

from benchmarks.big_kiosk import big_kiosk
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.local_kiosk import this_kiosks_time_clock
from kiosk.services.timeclock import PunchStatus
from kiosk.store.database import Database
from kiosk.store.location import database_path
from kiosk.store.schema import PunchRow
from tests.support import ManualTimeSource

PUNCHING = 200


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
    parser.add_argument("--employees", type=int, default=200)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    folder = big_kiosk(args.employees, args.days)
    database = Database(database_path(folder))
    try:
        with database.read() as session:
            last = session.scalar(select(func.max(PunchRow.occurred_at)))
        assert last is not None
        # A day after everything the folder holds, so that earlier runs' punches are history too.
        time_source = ManualTimeSource(last + timedelta(days=1))
        clock = this_kiosks_time_clock(database, time_source)
        # The odd-numbered employees clocked out on the last day; the others are still on shift there.
        punching = [f"B{number:05d}" for number in range(1, args.employees, 2)][:PUNCHING]
        shifts = -(-args.punches // (2 * len(punching)))
        use_case: list[float] = []
        for step in range(shifts * 2 * len(punching)):
            employee = punching[step % len(punching)]
            kind = PunchKind.CLOCK_IN if (step // len(punching)) % 2 == 0 else PunchKind.CLOCK_OUT
            started = time.perf_counter()
            outcome = clock.record_punch(employee, kind, identified_by=IdentifiedBy.FACE)
            assert outcome.status is PunchStatus.RECORDED, outcome.status
            use_case.append(time.perf_counter() - started)
            time_source.advance(seconds=8 * 3600 / len(punching))  # each employee's next tap 8 h after the last
        bare: list[float] = []
        at = time_source.now + timedelta(days=1)
        for step in range(args.punches):
            row = {
                "id": str(uuid.uuid4()),
                "company_id": clock.company_id,
                "site_id": clock.site_id,
                "kiosk_id": clock.kiosk_id,
                "employee_id": "bare",
                "kind": "clock_in",
                "occurred_at": at + timedelta(seconds=step),
                "identified_by": "face",
                "recorded_at": at,
            }
            started = time.perf_counter()
            with database.write() as session:
                session.execute(insert(PunchRow), [row])
            bare.append(time.perf_counter() - started)
    finally:
        database.close()
    print(
        f"punch commit latency, {len(use_case)} punches, {args.employees} employees x {args.days} days of history, "
        f"WAL + synchronous=FULL, in {folder}"
    )
    report("record_punch (use case)", use_case)
    report("bare insert + commit", bare)


if __name__ == "__main__":
    main()
