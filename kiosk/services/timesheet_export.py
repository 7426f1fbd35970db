"""A timesheet export a supervisor can hand over: CSV and an Excel workbook, on a removable drive or in the data
folder.

The supervisor chooses where (`export_targets` lists the removable drives mounted now, then the kiosk's own exports
folder) and the business days; `export_timesheets` writes the period as the CSV that `python main.py timesheet`
prints and as the .xlsx workbook head office writes too (`kiosk.domain.timesheet_workbook`: a sheet of day rows and
one of each employee's totals per period, typed cells so that payroll can sum them). Both files are written beside
the target under a temporary name and renamed when complete, so a drive pulled out mid-export leaves no half file
that looks finished.
"""

from __future__ import annotations

import ctypes
import io
import logging
import os
import string
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.domain.timesheet import Period, write_timesheet_csv
from kiosk.domain.timesheet_workbook import write_timesheet_workbook
from kiosk.services.reports import Reports

log = logging.getLogger(__name__)

MOUNT_TABLE = Path("/proc/mounts")
SYS_BLOCK = Path("/sys/block")
REMOVABLE_ROOTS = ("/media/", "/run/media/")


@dataclass(frozen=True, slots=True)
class ExportTarget:
    """A place an export can go: a removable drive or the kiosk's exports folder."""

    label: str
    folder: Path
    removable: bool


@dataclass(frozen=True, slots=True)
class ExportedFiles:
    """The files one export wrote."""

    csv: Path
    workbook: Path
    rows: int


def _unescape(field: str) -> str:
    """Mount points in /proc/mounts escape spaces and the like as octal (\\040)."""
    return field.encode().decode("unicode_escape")


def _disk_of(device: str) -> str:
    """`/dev/sdb1` -> `sdb`, `/dev/mmcblk0p1` -> `mmcblk0`."""
    name = device.removeprefix("/dev/")
    if name.startswith(("mmcblk", "nvme")):
        return name.split("p")[0] if "p" in name[6:] else name
    return name.rstrip(string.digits)


def linux_removable_drives(mounts: Path = MOUNT_TABLE, sys_block: Path = SYS_BLOCK) -> list[ExportTarget]:
    """Writable file systems on removable disks (the kernel's `removable` flag), or mounted where desktops mount
    USB drives (/media, /run/media)."""
    try:
        lines = mounts.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found: list[ExportTarget] = []
    for line in lines:
        fields = line.split()
        if len(fields) < 4 or not fields[0].startswith("/dev/"):
            continue
        device, mount_point, options = fields[0], _unescape(fields[1]), fields[3].split(",")
        flag = sys_block / _disk_of(device) / "removable"
        removable = flag.is_file() and flag.read_text().strip() == "1"
        if not (removable or mount_point.startswith(REMOVABLE_ROOTS)):
            continue
        folder = Path(mount_point)
        if "ro" in options or not os.access(folder, os.W_OK):
            continue
        found.append(ExportTarget(f"Removable drive {folder.name} ({folder})", folder, True))
    return found


def windows_removable_drives() -> list[ExportTarget]:
    """Drive letters Windows reports as removable (USB sticks, card readers)."""
    found: list[ExportTarget] = []
    if sys.platform == "win32":
        removable_type = 2  # DRIVE_REMOVABLE
        mask = ctypes.windll.kernel32.GetLogicalDrives()
        for index, letter in enumerate(string.ascii_uppercase):
            root = f"{letter}:\\"
            if mask & (1 << index) and ctypes.windll.kernel32.GetDriveTypeW(root) == removable_type:
                found.append(ExportTarget(f"Removable drive {letter}:", Path(root), True))
    return found


def export_targets(exports_dir: Path, drives: Sequence[ExportTarget] | None = None) -> list[ExportTarget]:
    """Where an export can go: every removable drive mounted now, then the kiosk's own exports folder."""
    if drives is None:
        drives = windows_removable_drives() if sys.platform == "win32" else linux_removable_drives()
    return [*drives, ExportTarget(f"This kiosk's data folder ({exports_dir})", exports_dir, False)]


def export_timesheets(
    reports: Reports, periods: Sequence[Period], target: Path, *, as_of: datetime | None = None
) -> ExportedFiles:
    """Write the periods' timesheets to `target`: one CSV of all of them and one workbook with, per period, a sheet
    of day rows and one of each employee's totals.

    Raises:
        ReportsBlocked: the company blocks exports while missed clock-outs wait.
        RuleViolation: no period given.
        EnvironmentProblem: the target cannot be written (a drive pulled out, full or read-only).
    """
    if not periods:
        raise RuleViolation("no_period", "choose the days to export")
    sheets = [(period, reports.timesheet(period, as_of=as_of)) for period in periods]
    name = "timesheet_" + "_".join(period.title.replace(" to ", "_") for period in periods[:1])
    if len(periods) > 1:
        name += f"_and_{len(periods) - 1}_more"
    csv_text = io.StringIO()
    write_timesheet_csv([summary for _period, summaries in sheets for summary in summaries], csv_text)
    rows = sum(len(summaries) for _period, summaries in sheets)
    csv_path, book_path = target / f"{name}.csv", target / f"{name}.xlsx"
    try:
        target.mkdir(parents=True, exist_ok=True)
        partial_csv, partial_book = csv_path.with_suffix(".csv.part"), book_path.with_suffix(".xlsx.part")
        partial_csv.write_text(csv_text.getvalue(), encoding="utf-8")
        with partial_book.open("wb") as book:
            write_timesheet_workbook(sheets, book)
        for partial in (partial_csv, partial_book):
            with partial.open("rb") as written:
                os.fsync(written.fileno())  # on the drive before it is called finished
        partial_csv.replace(csv_path)
        partial_book.replace(book_path)
    except OSError as error:
        raise EnvironmentProblem(
            f"the timesheet could not be written to {target}: {error.strerror or error}"
        ) from error
    log.info("timesheet of %s exported to %s (%d rows)", [p.title for p in periods], target, rows)
    return ExportedFiles(csv_path, book_path, rows)
