"""Time to drain an offline backlog to the central database, batched against one row per transaction.

    .venv/bin/python -m benchmarks.sync_backlog [--employees 300] [--days 30] [--batch 1000]
                                                 [--single-sample N] [--database-url URL]

A kiosk that was offline for `days` days holds 4 punches a day for each employee (300 x 4 x 30 = 36,000 by
default). The script fills a real local SQLite outbox, then times `KioskSync.push()` to a real PostgreSQL logged in
as the kiosk's own role (row-level security on), once with batches of `--batch` rows per transaction and once with
one row per transaction, and prints both and their ratio. Target: the batched drain under 30 s.

The one-row run is slow by nature (about 20 minutes for 36,000 here): `--single-sample N` times it on the first N
punches only (3,600 by default, a tenth) and scales the time up linearly, printed as such; `--single-sample 0` runs
it on the whole backlog. Without --database-url a throw-away server
is started with PostgreSQL's durable defaults (fsync on).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from central.database import admin_engine, migrate
from central.keys import HeadOfficeKey
from central.kiosks import add_kiosk
from central.roster import upsert_company, upsert_site
from kiosk.domain.punches import BreakType, ClockFacts, IdentifiedBy, Punch, PunchKind
from kiosk.store import repository
from kiosk.store.database import Database
from sync.kiosk_sync import KioskSync
from tests.pg import LocalPostgres, create_database, drop_database
from wire.keys import KeyPair
from wire.provisioning import CentralProfile, decode_token
from wire.schema import employees as employees_table
from wire.schema import punches

START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
DAY_SHAPE = (
    (PunchKind.CLOCK_IN, timedelta(0), None),
    (PunchKind.BREAK_START, timedelta(hours=4), BreakType.LUNCH),
    (PunchKind.BREAK_END, timedelta(hours=5), None),
    (PunchKind.CLOCK_OUT, timedelta(hours=9), None),
)


def central_database(admin_url: str, name: str, employees: int) -> tuple[str, CentralProfile]:
    """A migrated central database with one company, one site, the employees and a kiosk; returns its URL and the
    kiosk's profile."""
    base = admin_url.rsplit("/", 1)[0]
    create_database(admin_url, name)
    url = f"{base}/{name}"
    engine = admin_engine(url)
    migrate(engine)
    upsert_company(engine, "bench", "Bench Co")
    upsert_site(engine, "bench", "site", "Site", "Asia/Manila")
    with engine.begin() as connection:
        connection.execute(
            insert(employees_table),
            [
                {
                    "id": f"E{number:04d}",
                    "number": f"E{number:04d}",
                    "company_id": "bench",
                    "first_name": "Employee",
                    "last_name": f"No{number}",
                }
                for number in range(employees)
            ],
        )
    profile = decode_token(
        add_kiosk(
            engine,
            company_id="bench",
            site_code="site",
            name="bench",
            require_tls=False,
            head_office=HeadOfficeKey(KeyPair.generate()),  # a throwaway: the benchmark seals no faces
        ).token
    )
    engine.dispose()
    return url, profile


def fill_outbox(database: Database, profile: CentralProfile, employees: int, days: int, limit: int | None) -> int:
    """Write the backlog into the local outbox, one transaction per day; returns how many punches."""
    written = 0
    for day in range(days):
        daily = []
        for number in range(employees):
            start = START + timedelta(days=day, seconds=number)
            for kind, offset, break_type in DAY_SHAPE:
                at = start + offset
                daily.append(
                    Punch(
                        id=uuid.uuid4(),
                        employee_id=f"E{number:04d}",
                        kind=kind,
                        occurred_at=at,
                        break_type=break_type,
                        kiosk_id=profile.kiosk_id,
                        identified_by=IdentifiedBy.FACE,
                        match_distance=0.42,
                        liveness_passed=True,
                        clock=ClockFacts(pc_time=at + timedelta(seconds=2), anchored_time=at),
                    )
                )
        if limit is not None:
            daily = daily[: max(0, limit - written)]
        with database.write() as session:
            for punch in daily:
                repository.add_punch(session, punch, company_id="bench", site_id="site", recorded_at=punch.occurred_at)
        written += len(daily)
    return written


def drain(admin_url: str, folder: Path, name: str, args: argparse.Namespace, *, batch: int, limit: int | None) -> float:
    url, profile = central_database(admin_url, name, args.employees)
    database = Database(folder / f"{name}.db")
    sync = KioskSync(database, profile, batch_size=batch)
    sync.pull()  # the roster and the company, as a provisioned kiosk has them
    count = fill_outbox(database, profile, args.employees, args.days, limit)
    began = time.perf_counter()
    report = sync.push()
    elapsed = time.perf_counter() - began
    engine = admin_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(punches)).scalar_one()
    engine.dispose()
    sync.close()
    database.close()
    drop_database(admin_url, name)
    if stored != count or report.delivered != count:
        raise SystemExit(f"{name}: {stored} stored, {report.delivered} delivered, {count} expected")
    print(f"{name:<22} {count:>6} punches  {elapsed:8.2f} s  {count / elapsed:8.0f} punches/s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--single-sample", type=int, default=3600, metavar="N", help="punches to time one by one (0: all of them)"
    )
    parser.add_argument("--database-url", help="a superuser URL of a server to use (default: start one)")
    args = parser.parse_args()
    total = args.employees * 4 * args.days
    folder = Path(tempfile.mkdtemp(prefix="timeclock-bench-"))
    server = None
    try:
        if args.database_url:
            admin_url = args.database_url
        else:
            server = LocalPostgres(folder / "cluster", durable=True)
            server.init()
            server.start()
            admin_url = f"postgresql://postgres:{server.password}@127.0.0.1:{server.port}/postgres"
        print(f"backlog: {args.employees} employees x 4 punches x {args.days} days = {total} punches")
        batched = drain(admin_url, folder, "batched", args, batch=args.batch, limit=None)
        sample = args.single_sample if args.single_sample and args.single_sample < total else None
        single = drain(admin_url, folder, "one_row_per_tx", args, batch=1, limit=sample)
        if sample is not None:
            single = single * total / sample
            print(f"one row per transaction, scaled to {total} punches: {single:.1f} s")
        print(f"batched drain of {total} punches: {batched:.2f} s (target under 30 s)")
        print(f"one row per transaction / batched: {single / batched:.1f}x")
    finally:
        if server is not None:
            server.destroy()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
