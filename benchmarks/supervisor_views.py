"""How long the supervisor's screens wait for their data, on a kiosk with history.

    .venv/bin/python -m benchmarks.supervisor_views [--employees N] [--days D]

Builds a kiosk database with N employees who each worked D days (clock-in, lunch, clock-out; half of them on shift
now), then times the supervisor views (employee list, who is on site, today's punches, the banner count) and a
month's timesheet export, each the median of a few runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from kiosk.domain.punches import BreakType, IdentifiedBy, Punch, PunchKind
from kiosk.domain.timesheet import Period
from kiosk.services.reports import Reports
from kiosk.services.supervision import SiteOverview
from kiosk.store import repository
from kiosk.store.repository import EmployeeRecord
from tests.support import make_world

RUNS = 5


def timed(name: str, action: Callable[[], object]) -> None:
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    size = len(result) if isinstance(result, list | str) else result
    print(f"{name:<32} median {statistics.median(seconds) * 1000:8.1f} ms  (result size {size})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=200)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    today = datetime(2026, 11, 2, tzinfo=UTC)  # 08:00 in Manila is midnight UTC
    with tempfile.TemporaryDirectory() as folder:
        world = make_world(Path(folder) / "kiosk.db")
        punches = 0
        with world.database.write() as session:
            for number in range(args.employees):
                employee_id = f"B{number:04d}"
                record = EmployeeRecord(
                    employee_id, "C1", "Worker", f"{number:04d}", "Office", Decimal(800), True, None, employee_id
                )
                repository.put_employee(session, record, today)
                for day in range(args.days, -1, -1):
                    start = today - timedelta(days=day) + timedelta(minutes=number % 30)
                    shift: list[tuple[PunchKind, BreakType | None, datetime]] = [(PunchKind.CLOCK_IN, None, start)]
                    if day or number % 2:
                        shift += [
                            (PunchKind.BREAK_START, BreakType.LUNCH, start + timedelta(hours=4)),
                            (PunchKind.BREAK_END, None, start + timedelta(hours=5)),
                            (PunchKind.CLOCK_OUT, None, start + timedelta(hours=9)),
                        ]
                    for kind, break_type, at in shift:
                        punch = Punch(uuid.uuid4(), employee_id, kind, at, break_type, "K1", IdentifiedBy.FACE)
                        repository.add_punch(session, punch, company_id="C1", site_id="S1", recorded_at=at)
                        punches += 1
        world.time.set(today + timedelta(hours=3))
        overview = SiteOverview(world.database, world.clock, world.missed)
        reports = Reports(world.database, world.clock)
        print(f"supervisor views: {args.employees} employees, {args.days} days of history, {punches} punches")
        timed("employee_list", overview.employee_list)
        timed("on_site_now", overview.on_site_now)
        timed("todays_punches", overview.todays_punches)
        timed("pending_clockout_count", overview.pending_clockout_count)
        month = Period(date(2026, 10, 1), date(2026, 10, 31))
        timed("timesheet_csv (31 days)", lambda: reports.timesheet_csv(month))
        world.close()


if __name__ == "__main__":
    main()
