"""How long the supervisor's screens wait for their data, on a kiosk with history.

    .venv/bin/python -m benchmarks.supervisor_views [--employees N] [--days D]

Uses the big kiosk of `benchmarks.big_kiosk` (N employees who each worked D days, half of them on shift now; built
once into the temporary folder and reused), then times the supervisor views (employee list, who is on site,
today's punches, the banner count) and a month's timesheet export, each the median of a few runs. Targets at
2,000 employees x 365 days: employee list and who is on site <= 100 ms, a month's timesheet <= 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from benchmarks.big_kiosk import TODAY, big_kiosk
from kiosk.domain.timesheet import Period
from kiosk.services.local_kiosk import this_kiosks_time_clock
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.reports import Reports
from kiosk.services.supervision import SiteOverview
from kiosk.store.database import Database
from kiosk.store.location import database_path
from tests.support import ManualTimeSource

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
    folder = big_kiosk(args.employees, args.days)
    database = Database(database_path(folder))
    try:
        clock = this_kiosks_time_clock(database, ManualTimeSource(TODAY + timedelta(hours=3)))
        overview = SiteOverview(database, clock, MissedClockouts(database, clock))
        reports = Reports(database, clock)
        print(f"supervisor views: {args.employees} employees, {args.days} days of history")
        timed("employee_list", overview.employee_list)
        timed("on_site_now", overview.on_site_now)
        timed("todays_punches", overview.todays_punches)
        timed("pending_clockout_count", overview.pending_clockout_count)
        month = Period(date(2026, 10, 1), date(2026, 10, 31))
        timed("timesheet_csv (31 days)", lambda: reports.timesheet_csv(month))
    finally:
        database.close()


if __name__ == "__main__":
    main()
