"""The fleet's updates through a real central database: each kiosk reports its running and staged versions, its last
check and its update errors at every sync (`python -m central kiosks` lists them), and adopts the update source and
window head office sets; a kiosk can write its own report only."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from central.kiosks import fleet, set_update_source
from kiosk.domain.errors import RuleViolation
from kiosk.store.device_settings import load_device_settings
from kiosk.store.update_state import UpdateStateFiles, UpdateStatus
from sync.kiosk_sync import KioskSync
from tests.central_database import ROOT, CentralDatabase, KioskUnderTest, open_kiosk

MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def company(fresh_central: CentralDatabase) -> CentralDatabase:
    fresh_central.add_company("wayne", sites={"gotham": "Asia/Manila"}, employees=1)
    return fresh_central


def kiosk_at(company: CentralDatabase, folder: Path, name: str) -> KioskUnderTest:
    folder.mkdir(parents=True)
    kiosk = open_kiosk(folder / "kiosk.db", company.add_kiosk("wayne", "gotham", name), now=MONDAY)
    kiosk.sync.close()
    kiosk.sync = KioskSync(kiosk.database, kiosk.profile, running_version="1.0.0")
    return kiosk


@pytest.fixture
def gate(company: CentralDatabase, tmp_path: Path) -> Iterator[KioskUnderTest]:
    kiosk = kiosk_at(company, tmp_path / "gate", "gate")
    yield kiosk
    kiosk.close()


@pytest.fixture
def dock(company: CentralDatabase, tmp_path: Path) -> Iterator[KioskUnderTest]:
    kiosk = kiosk_at(company, tmp_path / "dock", "dock")
    yield kiosk
    kiosk.close()


def central_kiosks(company: CentralDatabase, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "central", *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "TIMECLOCK_CENTRAL_URL": company.url},
        timeout=60,
    )


def test_each_sync_reports_the_update_status_and_the_fleet_lists_it(
    company: CentralDatabase, gate: KioskUnderTest, dock: KioskUnderTest
) -> None:
    state = UpdateStateFiles(gate.database.path.parent)
    state.write_status(
        UpdateStatus(
            running_version="1.0.0",
            staged_version="1.2.0",
            last_check_at="2026-11-03T00:30:00+00:00",
            last_verified_at="2026-11-03T00:30:00+00:00",
        )
    )
    (state.folder / "failed").write_text(
        "version=1.1.0\nreason=its selftest failed: FAIL database\nat=2026-11-02T18:05:00+00:00\nbackup=\n",
        encoding="utf-8",
    )
    gate.sync.run_once()
    dock.sync.run_once()
    kiosks = {kiosk.name: kiosk for kiosk in fleet(company.engine, "wayne")}
    assert kiosks["gate"].running_version == "1.0.0"
    assert kiosks["gate"].staged_version == "1.2.0"
    assert kiosks["gate"].update_checked_at == datetime(2026, 11, 3, 0, 30, tzinfo=UTC)
    assert kiosks["gate"].update_error == "version 1.1.0 was rolled back to 1.0.0: its selftest failed: FAIL database"
    assert kiosks["gate"].update_error_at == datetime(2026, 11, 2, 18, 5, tzinfo=UTC)
    assert kiosks["gate"].reported_at is not None
    assert kiosks["dock"].running_version == "1.0.0"
    assert kiosks["dock"].update_checked_at is None  # never checked: said as such, not hidden
    listed = central_kiosks(company, "kiosks", "--company", "wayne")
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(listed.stdout))}
    assert set(rows) == {"gate", "dock"}
    assert rows["gate"]["running_version"] == "1.0.0"
    assert rows["gate"]["staged_version"] == "1.2.0"
    assert rows["gate"]["last_update_check"] == "2026-11-03T00:30:00+00:00"
    assert rows["gate"]["update_error"].startswith("version 1.1.0 was rolled back")
    assert rows["dock"]["update_error"] == ""


def test_head_office_sets_the_update_source_and_the_kiosks_take_it_at_their_next_sync(
    company: CentralDatabase, gate: KioskUnderTest, dock: KioskUnderTest
) -> None:
    changed = set_update_source(
        company.engine,
        company_id="wayne",
        kiosk_id=None,
        source="https://updates.example.com/kiosk/",
        window="02:00-05:00",
    )
    assert changed == 2
    gate.sync.run_once()
    with gate.database.read() as session:
        settings = load_device_settings(session)
    assert settings.update_source == "https://updates.example.com/kiosk"
    assert settings.update_window == "02:00-05:00"
    # One kiosk moved to a file share by the command line.
    moved = central_kiosks(
        company, "set-update-source", "/srv/releases", "--company", "wayne", "--kiosk", dock.profile.kiosk_id
    )
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.startswith("1 kiosk will take")
    dock.sync.run_once()
    with dock.database.read() as session:
        assert load_device_settings(session).update_source == "file:///srv/releases"


def test_bad_update_settings_from_head_office_are_refused_and_change_nothing(
    company: CentralDatabase, gate: KioskUnderTest
) -> None:
    for source, window, message in (
        ("ftp://example.com/x", None, "neither an http"),
        ("https://example.com", "9-5", "not HH:MM-HH:MM"),
    ):
        with pytest.raises(RuleViolation, match=message):
            set_update_source(company.engine, company_id="wayne", kiosk_id=None, source=source, window=window)
    with pytest.raises(RuleViolation, match="has no kiosk"):
        set_update_source(
            company.engine, company_id="wayne", kiosk_id=uuid.uuid4(), source="https://example.com", window=None
        )
    assert all(kiosk.update_source is None for kiosk in fleet(company.engine, "wayne"))
    for arguments, message in (
        (["set-update-source", "--company", "wayne"], "give the update source URL or FOLDER, or --clear"),
        (["set-update-source", "https://x", "--company", "wayne", "--kiosk", "nope"], "is not a kiosk id"),
    ):
        refused = central_kiosks(company, *arguments)
        assert refused.returncode == 1
        assert message in refused.stderr


def test_a_kiosk_writes_its_own_report_only(
    company: CentralDatabase, gate: KioskUnderTest, dock: KioskUnderTest
) -> None:
    with company.kiosk_connection(gate.profile) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("UPDATE kiosks SET running_version = '9.9.9'")
        connection.rollback()
        connection.execute(
            "SELECT report_kiosk_update_status('2.0.0', NULL, NULL, NULL, NULL, NULL)",
        )
        connection.commit()
    versions = {kiosk.name: kiosk.running_version for kiosk in fleet(company.engine, "wayne")}
    assert versions == {"gate": "2.0.0", "dock": None}
