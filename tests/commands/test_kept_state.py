"""`python main.py kept-state`: the kept sessions checked against a full derivation, and repaired."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.store.location import database_path
from kiosk.store.schema import EmployeeDay, KeptSession
from tests.commands.test_sync import run
from tests.support import make_world


def test_kept_state_reports_and_repairs_differences(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    world = make_world(database_path(tmp_path))
    for employee in ("E1", "E2"):
        world.clock.record_punch(employee, PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    world.time.advance(hours=8)
    world.clock.record_punch("E1", PunchKind.CLOCK_OUT, identified_by=IdentifiedBy.PIN)
    code, out, err = run(capsys, "kept-state", "--data-dir", str(tmp_path))
    assert (code, out, err) == (0, "kept state matches the facts for all 2 employees\n", "")

    with world.database.write() as session:  # what a bug or a hand-edited database would leave
        session.execute(update(KeptSession).where(KeptSession.employee_id == "E1").values(clock_out=None, is_open=True))
        session.execute(update(EmployeeDay).where(EmployeeDay.employee_id == "E2").values(working_seconds=60))
    code, out, err = run(capsys, "kept-state", "--data-dir", str(tmp_path))
    assert code == 1, err
    assert out.splitlines() == [
        "C1 E1: 1 session(s) differ (first clocked in 2026-11-02 13:00:00+00:00)",
        "C1 E2: the summary of 2026-11-02 differs",
        "2 of 2 employees differ; run with --repair to keep the full derivation",
    ]
    code, out, err = run(capsys, "kept-state", "--repair", "--data-dir", str(tmp_path))
    assert (code, out.splitlines()[-1]) == (0, "repaired 2 of 2 employees")
    code, out, err = run(capsys, "kept-state", "--data-dir", str(tmp_path))
    assert (code, out) == (0, "kept state matches the facts for all 2 employees\n")
    assert world.clock.employee_view("E1").state.session is None  # off again, as the facts say
    world.close()


def test_kept_state_refuses_a_folder_without_a_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "kept-state", "--data-dir", str(tmp_path))
    assert code == 1
    assert out == ""
    assert f"no kiosk database at {database_path(tmp_path)}" in err
    assert list(tmp_path.iterdir()) == []
