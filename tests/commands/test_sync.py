"""`python main.py sync`: one sync now, what went up and what came down, and a clear failure."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from central.roster import upsert_employee
from kiosk import commands as kiosk_commands
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.clock import SystemTimeSource
from kiosk.services.local_kiosk import this_kiosks_time_clock
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.location import database_path
from kiosk.store.secrets import SecretStore
from sync.credentials import ProfileStore
from tests.central_database import CentralDatabase
from tests.conftest import MemoryKeyring
from wire.provisioning import encode_token


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = kiosk_commands.main(list(args))
    except SystemExit as stop:  # the parser's exit on an error
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_sync_pushes_pulls_and_says_what_moved(
    fresh_central: CentralDatabase, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    central = fresh_central
    central.add_company("initech", sites={"plant": "America/Chicago"}, employees=2)
    profile = central.add_kiosk("initech", "plant")
    code, out, err = run(capsys, "provision", encode_token(profile), "--data-dir", str(tmp_path))
    assert code == 0, err
    database = Database(database_path(tmp_path))
    try:
        clock = this_kiosks_time_clock(database, SystemTimeSource())
        with database.read() as session:
            person = repository.employee_by_number(session, "initech", "initech-E001")
        assert person is not None
        outcome = clock.record_punch(person.id, PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
        assert outcome.punch is not None
    finally:
        database.close()
    upsert_employee(central.engine, "initech", "N-7", "New", "Hire")

    code, out, err = run(capsys, "sync", "--data-dir", str(tmp_path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("server clock ")
    assert lines[1] == (
        "up: 1 of 1 punch, 0 corrections, 0 incidents, 0 face templates, 0 roster changes, 0 face data deletions "
        "delivered"
    )
    assert lines[2].startswith("down: 1 employee, 0 punches, 0 face templates added")

    code, out, err = run(capsys, "sync", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert (
        out.splitlines()[1]
        == "up: 0 of 0 punches, 0 corrections, 0 incidents, 0 face templates, 0 roster changes, 0 face data "
        "deletions delivered"
    )

    # The central database gone away: a non-zero exit with the reason, and the outbox untouched.
    ProfileStore(SecretStore(memory_keyring)).save(replace(profile, port=1))
    code, out, err = run(capsys, "sync", "--data-dir", str(tmp_path))
    assert code == 1
    assert out == ""
    assert "error: cannot reach the central database" in err


def test_sync_refuses_a_kiosk_that_was_never_provisioned_or_a_wrong_folder(
    memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "sync", "--data-dir", str(tmp_path))
    assert (code, out) == (1, "")
    assert "not connected to a central database; run `python main.py provision TOKEN` first" in err
