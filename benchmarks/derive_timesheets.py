"""How long the derivation and the day summaries take for a month of a large site.

    .venv/bin/python -m benchmarks.derive_timesheets [--employees 1000] [--days 31] [--runs 5]

Builds 1,000 employees x 31 days of punches (clock in, lunch start and end, clock out; about one arrival in six late,
one in twenty after the half-day mark, a few duplicate taps and forgotten clock-outs), then times `derive` and
`summarise_days` together and prints the median of several runs. Target: under 2 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kiosk.domain.pay import SEED_UNDERTIME_DEPARTMENTS, seed_rule_sets
from kiosk.domain.punches import BreakType, Punch, PunchKind
from kiosk.domain.sessions import SessionPolicy, derive
from kiosk.domain.timesheet import EmployeeTerms, summarise_days

ZONE = ZoneInfo("Asia/Manila")
FIRST_DAY = date(2026, 1, 1)


def make_punches(employees: int, days: int, rng: random.Random) -> list[Punch]:
    """A month of ordinary days with the irregularities a real site has."""
    punches: list[Punch] = []
    for number in range(employees):
        employee_id = f"E{number:05d}"
        for offset in range(days):
            day = FIRST_DAY + timedelta(days=offset)
            start = datetime(day.year, day.month, day.day, 7, 45, tzinfo=ZONE).astimezone(UTC)
            roll = rng.random()
            if roll < 0.05:
                start += timedelta(minutes=rng.randint(76, 180))  # half-day
            elif roll < 0.20:
                start += timedelta(minutes=rng.randint(19, 75), seconds=rng.randint(0, 59))  # late
            else:
                start += timedelta(minutes=rng.randint(0, 18), seconds=rng.randint(0, 59))
            lunch = start + timedelta(hours=4, minutes=rng.randint(0, 30))
            back = lunch + timedelta(minutes=rng.randint(30, 60))
            leave = start + timedelta(hours=9, minutes=rng.randint(0, 120))
            taps = [
                (PunchKind.CLOCK_IN, start, None),
                (PunchKind.BREAK_START, lunch, BreakType.LUNCH),
                (PunchKind.BREAK_END, back, None),
            ]
            if rng.random() > 0.01:
                taps.append((PunchKind.CLOCK_OUT, leave, None))  # about one forgotten clock-out in a hundred
            if rng.random() < 0.02:
                taps.append((PunchKind.CLOCK_IN, start + timedelta(seconds=20), None))  # a duplicate tap
            punches.extend(Punch(uuid.UUID(int=rng.getrandbits(128)), employee_id, k, at, b) for k, at, b in taps)
    rng.shuffle(punches)  # facts arrive in any order
    return punches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(20260127)
    punches = make_punches(args.employees, args.days, rng)
    departments = [*SEED_UNDERTIME_DEPARTMENTS, "Warehouse", "Site crew"]
    terms = {
        f"E{number:05d}": EmployeeTerms(
            departments[number % len(departments)],
            Decimal(600 + number % 400),
            number=f"E{number:05d}",
            first_name="Worker",
            last_name=f"No{number}",
        )
        for number in range(args.employees)
    }
    rules = seed_rule_sets()
    as_of = datetime.combine(FIRST_DAY + timedelta(days=args.days + 1), datetime.min.time(), tzinfo=UTC)
    timings: list[float] = []
    rows = 0
    for _ in range(args.runs):
        started = time.perf_counter()
        derivation = derive(punches, [], tz=ZONE, policy=SessionPolicy(), as_of=as_of)
        summaries = summarise_days(derivation, terms, rules, ZONE)
        timings.append(time.perf_counter() - started)
        rows = len(summaries)
    print(f"punches: {len(punches)}  sessions: {len(derivation.sessions)}  day rows: {rows}")
    print(f"derive + day summaries, {args.employees} employees x {args.days} days:")
    print(
        f"  median {statistics.median(timings):.3f} s  (min {min(timings):.3f} s, max {max(timings):.3f} s, "
        f"{args.runs} runs; target < 2 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
