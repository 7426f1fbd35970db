"""A kiosk data folder the size of a big site, built once into the temporary folder and reused by the benchmarks.

    .venv/bin/python -m benchmarks.big_kiosk [--employees 2000] [--days 365]

The kiosk is set up the way a person does it (`main.py --demo` run to its idle screen and left by the supervisor,
so the set-up, the PIN pepper and the secrets are real), then N employees who each worked D days (clock-in, an hour's
lunch, clock-out after 9 h; half of them on shift at the last day) are written in bulk, and the kept sessions are
derived from them once, as a migrated database derives them. Building 2,000 x 365 takes minutes on a 2-core
machine: the folder, `TMPDIR/timeclock-kiosk-NxD`, is kept and reused while its `built` mark is there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings
from kiosk.store.location import database_path
from kiosk.store.repository import EmployeeRecord
from kiosk.store.schema import PunchRow, SyncState

TODAY = datetime(2026, 11, 2, tzinfo=UTC)  # 08:00 in Manila is midnight UTC
ROOT = Path(__file__).resolve().parent.parent


def environment(folder: Path) -> dict[str, str]:
    """The environment every run of the big kiosk uses: its secrets beside it, no keyring, no screen."""
    return os.environ | {
        "TIMECLOCK_SECRETS_KEY": str(folder.parent / f"{folder.name}.secrets.key"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "QT_QPA_PLATFORM": "offscreen",
    }


def big_kiosk(employees: int, days: int) -> Path:
    """The data folder of a set-up kiosk with `employees` x `days` of history, built now if it is not there yet."""
    folder = Path(tempfile.gettempdir()) / f"timeclock-kiosk-{employees}x{days}"
    mark = folder / "built"
    if mark.is_file():
        return folder
    print(f"building {folder} (once)", flush=True)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tests.ui.kiosk_process", "--", "--demo", "--data-dir", str(folder), "--no-camera"],
        cwd=ROOT,
        env=environment(folder),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    database = Database(database_path(folder))
    try:
        punches = _fill(database, employees, days)
        print(f"  {employees} employees, {punches} punches written in {time.perf_counter() - began:.0f} s", flush=True)
        derived = time.perf_counter()
        with database.write() as session:
            company_id = load_device_settings(session).company_id
            assert company_id is not None
            repository.note_rebuild(session, company_id)
        print(f"  kept sessions derived in {time.perf_counter() - derived:.0f} s", flush=True)
    finally:
        database.close()
    mark.write_text(f"{employees} employees x {days} days\n")
    return folder


def _fill(database: Database, employees: int, days: int) -> int:
    with database.read() as session:
        settings = load_device_settings(session)
    company_id, site_id, kiosk_id = settings.company_id, settings.site_id, settings.kiosk_id
    assert company_id is not None
    assert site_id is not None
    written = 0
    chunk = 100
    for first in range(0, employees, chunk):
        rows = []
        with database.write() as session:
            for number in range(first, min(first + chunk, employees)):
                employee_id = f"B{number:05d}"
                record = EmployeeRecord(
                    employee_id, company_id, "Worker", f"{number:05d}", None, Decimal(800), True, None, employee_id
                )
                repository.put_employee(session, record, TODAY)
                for day in range(days, -1, -1):
                    start = TODAY - timedelta(days=day) + timedelta(minutes=number % 30)
                    shift: list[tuple[str, str | None, datetime]] = [("clock_in", None, start)]
                    if day or number % 2:
                        shift += [
                            ("break_start", "lunch", start + timedelta(hours=4)),
                            ("break_end", None, start + timedelta(hours=5)),
                            ("clock_out", None, start + timedelta(hours=9)),
                        ]
                    for kind, break_type, at in shift:
                        rows.append(
                            {
                                "id": str(uuid.uuid4()),
                                "company_id": company_id,
                                "site_id": site_id,
                                "kiosk_id": kiosk_id,
                                "employee_id": employee_id,
                                "kind": kind,
                                "break_type": break_type,
                                "occurred_at": at,
                                "identified_by": "face",
                                "match_distance": 0.4,
                                "liveness_passed": True,
                                "pc_time": at,
                                "anchored_time": at,
                                "clock_suspect": False,
                                "recorded_at": at,
                                # A big site's kiosk is connected: its history has gone up already.
                                "sync_state": SyncState.SENT,
                            }
                        )
            # Bulk rows bypass `repository.add_punch`: the kept sessions are derived once, at the end.
            session.execute(insert(PunchRow), rows)
        written += len(rows)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    print(big_kiosk(args.employees, args.days))


if __name__ == "__main__":
    main()
