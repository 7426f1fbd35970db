"""Child process of the crash test: records punches as fast as it can and prints each one it got back.

Run as `python -m tests.store.crash_writer DATABASE`. A line `ACK <punch id>` is printed only after
`record_punch` returned, which is when the kiosk would have shown the confirmation.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.store.database import Database
from kiosk.store.schema import PunchRow
from tests.support import open_world

EMPLOYEES = ("E1", "E2", "E3")


def main(path: Path) -> None:
    world = open_world(Database(path))
    with world.database.read() as session:
        latest = session.scalar(select(func.max(PunchRow.occurred_at)))
        count = session.scalar(select(func.count()).select_from(PunchRow)) or 0
    # Every run continues the timeline where the last one stopped, so punches keep alternating in and out.
    world.time.set((latest or datetime(2025, 1, 1, tzinfo=UTC)) + timedelta(minutes=2))
    step = count
    while True:
        employee = EMPLOYEES[step % len(EMPLOYEES)]
        kind = PunchKind.CLOCK_IN if world.clock.employee_view(employee).state.session is None else PunchKind.CLOCK_OUT
        outcome = world.clock.record_punch(employee, kind, identified_by=IdentifiedBy.PIN)
        assert outcome.punch is not None
        sys.stdout.write(f"ACK {outcome.punch.id}\n")
        sys.stdout.flush()
        world.time.advance(minutes=2)
        step += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]))
