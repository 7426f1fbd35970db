"""Time and memory of head office's monthly timesheet for a large company, streamed as CSV and as a workbook.

    .venv/bin/python -m benchmarks.central_timesheet [--employees 10000] [--days 30] [--database-url URL]

Fills a real PostgreSQL with one company of `employees` people (one site in Manila, one department tracking
undertime) and a month of punches (clock in, lunch out and back, clock out on every weekday, arrivals spread around
08:00 so that some are late), then times `write_central_timesheet` for the month: the day rows' CSV alone, then the
CSV and the .xlsx workbook with each employee's totals in one pass, as the scheduled report makes them. It prints
the rows, the seconds and how much the process's peak memory grew. Target: under 10 s for 10,000 employees.
Without --database-url a throw-away server is started.
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO, cast

import psycopg
from sqlalchemy import insert

from central.database import admin_engine, migrate
from central.reports import TimesheetScope, write_central_timesheet
from central.roster import site_id_of, upsert_company, upsert_department, upsert_site
from kiosk.domain.timesheet import Period
from tests.pg import LocalPostgres, create_database
from wire.schema import employees as employees_table

MONTH_START = date(2026, 10, 1)
MANILA_OFFSET = timedelta(hours=8)


class CountingText(io.TextIOBase):
    """A text sink that keeps only the number of characters written (the CSV is not the measure)."""

    def __init__(self) -> None:
        self.characters = 0

    def write(self, text: str) -> int:
        self.characters += len(text)
        return len(text)


def fill(url: str, employees: int, days: int) -> int:
    """The company, its roster and a month of punches; returns the number of punches."""
    engine = admin_engine(url)
    migrate(engine)
    upsert_company(engine, "big", "Big Co")
    upsert_site(engine, "big", "main", "Main site", "Asia/Manila")
    upsert_department(engine, "big", "ops", "ENGINEER SA SITE", undertime=True)
    with engine.connect() as connection:
        site_id = site_id_of(connection, "big", "main")
        department_id = connection.exec_driver_sql("SELECT id FROM departments WHERE code = 'ops'").scalar_one()
    with engine.begin() as connection:
        connection.execute(
            insert(employees_table),
            [
                {
                    "id": f"big-{number:05d}",
                    "number": f"E{number:05d}",
                    "company_id": "big",
                    "first_name": "Employee",
                    "last_name": f"No{number}",
                    "department_id": department_id,
                    "daily_rate": 800,
                }
                for number in range(employees)
            ],
        )
    engine.dispose()
    count = 0
    columns = "id, company_id, site_id, employee_id, kind, break_type, occurred_at, identified_by, recorded_at"
    with psycopg.connect(url) as raw, raw.cursor() as cursor:
        with cursor.copy(f"COPY punches ({columns}) FROM STDIN") as copy:
            for day in range(days):
                local_day = MONTH_START + timedelta(days=day)
                if local_day.weekday() >= 5:
                    continue
                midnight = datetime(local_day.year, local_day.month, local_day.day, tzinfo=UTC) - MANILA_OFFSET
                for number in range(employees):
                    arrival = midnight + timedelta(hours=7, minutes=50 + (number * 7 + day) % 25)
                    for kind, after, break_type in (
                        ("clock_in", timedelta(0), None),
                        ("break_start", timedelta(hours=4), "lunch"),
                        ("break_end", timedelta(hours=5), None),
                        ("clock_out", timedelta(hours=9, minutes=number % 60), None),
                    ):
                        at = arrival + after
                        copy.write_row(
                            (uuid.uuid4(), "big", site_id, f"big-{number:05d}", kind, break_type, at, "face", at)
                        )
                        count += 1
        raw.commit()
        raw.execute("ANALYZE punches")
        raw.commit()
    return count


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database-url", help="a superuser URL of a server to use (default: start one)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="timeclock-bench-"))
    server = None
    try:
        if args.database_url:
            admin_url = args.database_url
        else:
            server = LocalPostgres(folder / "cluster")
            server.init()
            server.start()
            admin_url = f"postgresql://postgres:{server.password}@127.0.0.1:{server.port}/postgres"
        name = f"bench_timesheet_{uuid.uuid4().hex[:6]}"
        create_database(admin_url, name)
        url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
        started = time.perf_counter()
        punches = fill(url, args.employees, args.days)
        print(f"filled: {args.employees} employees, {punches} punches in {time.perf_counter() - started:.1f} s")
        period_last = MONTH_START + timedelta(days=args.days - 1)
        period = Period(MONTH_START, period_last)
        engine = admin_engine(url)
        scope = TimesheetScope("big")
        as_of = datetime.combine(period_last + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
        for label, with_workbook in (("CSV", False), ("CSV + workbook with totals", True)):
            before = peak_mib()
            sink = CountingText()
            started = time.perf_counter()
            with engine.connect() as connection:
                book = io.BytesIO() if with_workbook else None
                rows = write_central_timesheet(
                    connection, scope, period, as_of=as_of, csv_out=cast(TextIO, sink), workbook_out=book
                )
            elapsed = time.perf_counter() - started
            size = f", workbook {len(book.getvalue()) / 2**20:.1f} MiB" if book is not None else ""
            print(
                f"{label:<27} {rows:>7} rows {elapsed:7.2f} s   CSV {sink.characters / 2**20:.1f} MiB{size}   "
                f"peak memory +{peak_mib() - before:.0f} MiB (process peak {peak_mib():.0f} MiB)"
            )
        engine.dispose()
        print("target: one month for 10,000 employees under 10 s, streamed")
    finally:
        if server is not None:
            server.destroy()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
