"""The timesheet export a supervisor hands over: CSV and a workbook with a sheet per period, on a removable drive
or in the data folder; a target that cannot be written is a clear error and leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.domain.punches import BreakType, IdentifiedBy, PunchKind
from kiosk.domain.timesheet import TIMESHEET_COLUMNS, TOTALS_COLUMNS, Period, ReportsBlocked
from kiosk.services.company_settings import CompanySettings
from kiosk.services.reports import Reports
from kiosk.services.timesheet_export import (
    ExportTarget,
    export_targets,
    export_timesheets,
    linux_removable_drives,
)
from tests.support import KioskWorld, make_world

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # 08:00 in Manila
AS_OF = MONDAY + timedelta(days=3)
FIRST, SECOND = Period(date(2026, 11, 2), date(2026, 11, 2)), Period(date(2026, 11, 3), date(2026, 11, 3))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[KioskWorld]:
    kiosk = make_world(tmp_path / "kiosk.db")
    for at, kind, break_type in (
        (MONDAY + timedelta(minutes=10, microseconds=417_311), PunchKind.CLOCK_IN, None),  # 08:10:00.417311
        (MONDAY + timedelta(hours=4), PunchKind.BREAK_START, BreakType.LUNCH),
        (MONDAY + timedelta(hours=5), PunchKind.BREAK_END, None),
        (MONDAY + timedelta(hours=9, seconds=59, microseconds=999_999), PunchKind.CLOCK_OUT, None),
        (MONDAY + timedelta(days=1, hours=1, minutes=1), PunchKind.CLOCK_IN, None),  # 09:01: half a day
        (MONDAY + timedelta(days=1, hours=9), PunchKind.CLOCK_OUT, None),
    ):
        kiosk.time.set(at)
        assert kiosk.clock.record_punch("E1", kind, break_type, identified_by=IdentifiedBy.FACE).punch is not None
    yield kiosk
    kiosk.close()


def test_csv_and_a_workbook_with_a_sheet_per_period(world: KioskWorld, tmp_path: Path) -> None:
    reports = Reports(world.database, world.clock)
    drive = tmp_path / "usb"
    files = export_timesheets(reports, [FIRST, SECOND], drive, as_of=AS_OF)
    assert files.rows == 2
    assert sorted(path.name for path in drive.iterdir()) == [
        "timesheet_2026-11-02_2026-11-02_and_1_more.csv",
        "timesheet_2026-11-02_2026-11-02_and_1_more.xlsx",
    ]
    lines = files.csv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(TIMESHEET_COLUMNS)
    assert lines[1].startswith("E1,Maria,Santos,2026-11-02,2026-11-02T08:10:00+08:00,2026-11-02T17:00:59+08:00,")
    assert "." not in lines[1].split(",")[4] + lines[1].split(",")[5]  # no fractions of a second

    book = load_workbook(files.workbook)
    assert book.sheetnames == [
        "2026-11-02 to 2026-11-02",
        "Totals 2026-11-02 to 2026-11-02",
        "2026-11-03 to 2026-11-03",
        "Totals 2026-11-03 to 2026-11-03",
    ]
    monday, monday_totals, tuesday, _ = (list(book[name].iter_rows(values_only=True)) for name in book.sheetnames)
    assert monday[0] == TIMESHEET_COLUMNS
    row = dict(zip(TIMESHEET_COLUMNS, monday[1], strict=True))
    assert (row["employee_number"], row["first_name"], row["last_name"]) == ("E1", "Maria", "Santos")
    # Local wall-clock times, to the second (spreadsheets have no time zones).
    assert row["first_in"] == datetime(2026, 11, 2, 8, 10, tzinfo=UTC).replace(tzinfo=None)
    assert row["last_out"] == datetime(2026, 11, 2, 17, 0, 59, tzinfo=UTC).replace(tzinfo=None)
    assert (row["status"], row["late_minutes"], Decimal(str(row["deduction"]))) == ("late", 7, Decimal("11.67"))
    assert Decimal(str(row["working_hours"])) == Decimal("7.8499")
    assert book[book.sheetnames[0]]["N2"].number_format == "0.00"
    assert [r[10] for r in tuesday[1:]] == ["half_day"]
    assert monday_totals[0] == TOTALS_COLUMNS
    totals = dict(zip(TOTALS_COLUMNS, monday_totals[1], strict=True))
    assert (totals["employee_number"], totals["days"], totals["late_days"], totals["late_minutes"]) == ("E1", 1, 1, 7)
    assert Decimal(str(totals["deduction"])) == Decimal("11.67")
    assert book["2026-11-02 to 2026-11-02"].freeze_panes == "A2"
    assert book["2026-11-02 to 2026-11-02"]["A1"].font.bold


def test_a_target_that_cannot_be_written_is_a_clear_error_and_leaves_nothing(world: KioskWorld, tmp_path: Path) -> None:
    reports = Reports(world.database, world.clock)
    not_a_folder = tmp_path / "pulled-out"
    not_a_folder.write_text("a file where the drive was", encoding="utf-8")
    with pytest.raises(EnvironmentProblem, match="could not be written to"):
        export_timesheets(reports, [FIRST], not_a_folder / "exports", as_of=AS_OF)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "kiosk.db",
        "kiosk.db-shm",
        "kiosk.db-wal",
        "pulled-out",
    ]
    with pytest.raises(RuleViolation, match="choose the days"):
        export_timesheets(reports, [], tmp_path / "x", as_of=AS_OF)
    assert not (tmp_path / "x").exists()


def test_blocked_reports_write_no_file(world: KioskWorld, tmp_path: Path) -> None:
    CompanySettings(world.database, world.clock, world.missed).set_block_reports_on_pending(True, changed_by="s")
    world.time.set(MONDAY + timedelta(days=2))
    world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.FACE)
    world.time.advance(hours=30)
    assert world.missed.open_pending_incident("E2") is not None
    with pytest.raises(ReportsBlocked):
        export_timesheets(Reports(world.database, world.clock), [FIRST], tmp_path / "out", as_of=AS_OF)
    assert not (tmp_path / "out").exists()


def test_removable_drives_are_found_in_the_mount_table(tmp_path: Path) -> None:
    media = tmp_path / "media" / "kiosk"
    stick, card, system, locked = media / "KINGSTON 8GB", tmp_path / "mnt" / "card", tmp_path / "root", tmp_path / "ro"
    for folder in (stick, card, system, locked):
        folder.mkdir(parents=True)
    blocks = tmp_path / "sys-block"
    for disk, removable in (("sdb", "1"), ("mmcblk0", "1"), ("sda", "0"), ("sdc", "1")):
        (blocks / disk).mkdir(parents=True)
        (blocks / disk / "removable").write_text(f"{removable}\n", encoding="utf-8")
    escaped = str(stick).replace(" ", "\\040")
    mounts = tmp_path / "mounts"
    mounts.write_text(
        f"/dev/sda1 {system} ext4 rw,relatime 0 0\n"
        f"/dev/sdb1 {escaped} vfat rw,nosuid,nodev 0 0\n"
        f"/dev/mmcblk0p1 {card} exfat rw 0 0\n"
        f"/dev/sdc1 {locked} vfat ro 0 0\n"
        "proc /proc proc rw 0 0\n",
        encoding="utf-8",
    )
    found = linux_removable_drives(mounts, blocks)
    assert [target.folder for target in found] == [stick, card]
    assert found[0].label == f"Removable drive KINGSTON 8GB ({stick})"
    assert linux_removable_drives(tmp_path / "no-such-table", blocks) == []
    targets = export_targets(tmp_path / "exports", found)
    assert [t.removable for t in targets] == [True, True, False]
    assert targets[-1] == ExportTarget(
        f"This kiosk's data folder ({tmp_path / 'exports'})", tmp_path / "exports", False
    )
