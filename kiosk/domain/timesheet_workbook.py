"""The timesheet workbook (.xlsx) both the kiosk's export and head office's reports write: one layout, one writer.

Each period gets two sheets: its day rows (`TIMESHEET_COLUMNS`, named by the period) and each employee's totals
for it (`TOTALS_COLUMNS`, named "Totals " and the period). Cells are typed (dates, local times to the second, hours
and money as numbers with their formats), so payroll can sum them. The workbook is written in openpyxl's write-only
mode, row by row as the rows come, so a month of a large company is never held in memory as cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from kiosk.domain.timesheet import (
    TIMESHEET_COLUMNS,
    TOTALS_COLUMNS,
    Cell,
    DaySummary,
    EmployeeTotals,
    Period,
    TotalsAccumulator,
    timesheet_cells,
    totals_cells,
)

FORMATS = {
    "first_in": "yyyy-mm-dd hh:mm:ss",
    "last_out": "yyyy-mm-dd hh:mm:ss",
    "business_date": "yyyy-mm-dd",
    "deduction": "0.00",
}
TOTALS_PREFIX = "Totals "
_BOLD = Font(bold=True)


def _sheet(workbook: Workbook, title: str, columns: tuple[str, ...]) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title)
    assert isinstance(sheet, WriteOnlyWorksheet)  # the workbook is write-only
    for index, column in enumerate(columns, start=1):
        # Widths and frozen panes must be set before the first row in write-only mode.
        # The stubs miss the write-only sheet's column dimensions (it has them, from Worksheet._setup).
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column) + 2)  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column)
        cell.font = _BOLD
        header.append(cell)
    sheet.append(header)
    return sheet


class _Rows:
    """Appends typed rows to a write-only sheet. The formatted columns' cells are made once and refilled: openpyxl
    writes each row out as it is appended, and a new styled cell for every value costs more than the value."""

    def __init__(self, sheet: WriteOnlyWorksheet, columns: tuple[str, ...]) -> None:
        self._sheet = sheet
        self._formatted: dict[int, SheetCell] = {}
        for index, column in enumerate(columns):
            if column in FORMATS:
                cell = WriteOnlyCell(sheet)
                cell.number_format = FORMATS[column]
                self._formatted[index] = cell

    def append(self, values: list[Cell]) -> None:
        row: list[object] = list(values)
        for index, cell in self._formatted.items():
            value = values[index]
            if value is not None:
                cell.value = value
                row[index] = cell
        self._sheet.append(row)


def write_timesheet_workbook(sheets: Iterable[tuple[Period, Iterable[DaySummary]]], out: Path | BinaryIO) -> int:
    """Write each period's day rows and employee totals to `out` (a path or a binary file); returns the number
    of day rows.

    The day rows of a period must come sorted by employee, as `build_timesheet` gives them; they are consumed once.
    """
    workbook = Workbook(write_only=True)
    rows = 0
    for period, summaries in sheets:
        days = _Rows(_sheet(workbook, period.title, TIMESHEET_COLUMNS), TIMESHEET_COLUMNS)
        totals = _Rows(_sheet(workbook, TOTALS_PREFIX + period.title, TOTALS_COLUMNS), TOTALS_COLUMNS)
        accumulator = TotalsAccumulator()

        def add_totals(finished: EmployeeTotals | None, sheet: _Rows = totals) -> None:
            if finished is not None:
                sheet.append(totals_cells(finished))

        for summary in summaries:
            days.append(timesheet_cells(summary))
            add_totals(accumulator.add(summary))
            rows += 1
        add_totals(accumulator.finish())
    workbook.save(out)
    return rows
