"""A kiosk reports its version, clock offset, backlog and refusals at each sync; head office's fleet reads them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from central.fleet import fleet
from kiosk.domain.punches import PunchKind
from sync.clock import AnchoredClock
from sync.kiosk_sync import KioskSync
from sync.status import app_version
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk
from wire.schema import kiosk_status


@pytest.fixture
def company(fresh_central: CentralDatabase) -> CentralDatabase:
    fresh_central.add_company("wayne", sites={"gotham": "Asia/Manila"}, employees=2)
    return fresh_central


@pytest.fixture
def gate(company: CentralDatabase, tmp_path: Path) -> Iterator[KioskUnderTest]:
    kiosk = open_kiosk(tmp_path / "gate.db", company.add_kiosk("wayne", "gotham", "gate"))
    yield kiosk
    kiosk.close()


def test_a_sync_reports_the_kiosks_status(company: CentralDatabase, gate: KioskUnderTest) -> None:
    gate.sync.close()
    gate.sync = KioskSync(gate.database, gate.profile, clock=AnchoredClock(), camera_status=lambda: "reconnecting")
    gate.punch("wayne-E001", PunchKind.CLOCK_IN)
    gate.sync.run_once()
    with company.engine.connect() as connection:
        row = connection.execute(select(kiosk_status)).mappings().one()
    assert row["app_version"] == app_version() != "unknown"
    assert row["punches_waiting"] == 0
    assert row["camera_status"] == "reconnecting"
    assert row["last_error"] is None
    assert row["clock_offset_seconds"] is not None and abs(row["clock_offset_seconds"]) < 5
    first = row["reported_at"]
    gate.sync.run_once()
    with company.engine.connect() as connection:
        rows = connection.execute(select(kiosk_status.c.reported_at)).scalars().all()
    assert len(rows) == 1 and rows[0] > first, "a second report replaces the first"


def test_only_a_kiosk_reports_a_status(company: CentralDatabase) -> None:
    with pytest.raises(DBAPIError, match="only a kiosk reports its status"), company.engine.begin() as connection:
        connection.execute(text("SELECT report_kiosk_status('1', 0, 0, NULL, NULL)"))


def test_the_fleet_flags_a_silent_kiosk_and_a_bad_camera(company: CentralDatabase, gate: KioskUnderTest) -> None:
    gate.sync.close()
    gate.sync = KioskSync(gate.database, gate.profile, camera_status=lambda: "unplugged")
    gate.sync.run_once()
    company.add_kiosk("wayne", "gotham", "never provisioned")
    now = datetime.now(UTC)
    with company.engine.connect() as connection:
        fresh = {kiosk.name: kiosk for kiosk in fleet(connection, "wayne", now)}
        later = {kiosk.name: kiosk for kiosk in fleet(connection, "wayne", now + timedelta(hours=1, minutes=5))}
    assert fresh["gate"].problems == ("camera unplugged",)
    assert fresh["gate"].app_version == app_version()
    assert "silent for 1.1 h" in later["gate"].problems
    assert fresh["never provisioned"].problems == ("not provisioned yet",)


def test_a_head_office_without_status_reports_still_syncs(company: CentralDatabase, gate: KioskUnderTest) -> None:
    with company.engine.begin() as connection:
        connection.execute(text("DROP FUNCTION report_kiosk_status(text, double precision, integer, text, text)"))
    gate.punch("wayne-E001", PunchKind.CLOCK_IN)
    pushed, _ = gate.sync.run_once()
    assert pushed.delivered == 1
    assert gate.sync.pending_count() == 0
