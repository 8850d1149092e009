"""Write fact spreadsheets: the empty template, or units already in a facts file.

The workbook has one sheet per kind of fact with the headers that
:mod:`facts.spreadsheets` reads, a notes row under the header, and
drop-down lists (on a hidden ``lists`` sheet) for codes, kinds, levels,
incident types, severities, recognition kinds and yes/no columns, so that
inspectors pick valid values instead of typing them.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from facts.spreadsheets import SHEETS, Column, SheetSpec

logger = logging.getLogger(__name__)

BOOL_CHOICES = ("是 true", "否 false")
LIST_SHEET = "lists"
# Rows a drop-down covers: enough for a province's units on one sheet.
VALIDATED_ROWS = 100_000


def sheet_rows(units: Sequence[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """Lay out facts-file units as rows of each sheet, in column order."""
    rows: dict[str, list[list[Any]]] = {spec.name: [] for spec in SHEETS}
    for unit in units:
        unit_id = unit.get("id")
        for spec in SHEETS:
            for entry in _entries(spec, unit):
                if spec.name != "units":
                    entry = {"unit": unit_id, **entry}
                rows[spec.name].append(
                    [entry.get(column.field) for column in spec.columns]
                )
    return rows


def _entries(spec: SheetSpec, unit: dict[str, Any]) -> list[dict[str, Any]]:
    if spec.name == "units":
        entry = {
            key: value
            for key, value in unit.items()
            if not isinstance(value, (list, dict))
        }
        for key, value in (unit.get("profile") or {}).items():
            entry[f"profile.{key}"] = value
        return [entry]
    value = unit.get(spec.target)
    if not value:
        return []
    if spec.name == "not_applicable":
        return [{"item": code} for code in value]
    if spec.name == "self_scores":
        return [{"item": code, "score": score} for code, score in value.items()]
    if spec.layout == "rows":
        return [dict(value)]
    return [dict(entry) for entry in value]


def write_workbook(
    path: Path,
    codes: Sequence[str] = (),
    units: Sequence[dict[str, Any]] = (),
) -> None:
    """Write a workbook of the fact sheets, empty or filled with ``units``.

    ``codes`` are the item and part codes offered in the item columns.
    """
    workbook = Workbook()
    for default in list(workbook.worksheets):
        workbook.remove(default)
    lists = _write_lists(workbook, codes)
    rows = sheet_rows(units)
    header_font = Font(bold=True)
    notes_font = Font(italic=True, color="808080")
    for spec in SHEETS:
        sheet = workbook.create_sheet(f"{spec.label} {spec.name}")
        sheet.append([column.header for column in spec.columns])
        sheet.append([column.note for column in spec.columns])
        for cell in sheet[1]:
            cell.font = header_font
        for cell in sheet[2]:
            cell.font = notes_font
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        # A notes row is recognised by its first cell.
        first = sheet.cell(row=2, column=1)
        if not str(first.value or "").startswith("说明"):
            first.value = f"说明：{first.value or ''}"
        sheet.freeze_panes = "B3"
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(column.header) + 6)
            key = _list_key(column)
            source = None if key is None else lists.get(key)
            if source is not None:
                validation = DataValidation(
                    type="list", formula1=source, allow_blank=True
                )
                validation.error = f"{column.header}: 请从下拉列表中选择"
                validation.showErrorMessage = column.kind != "item"
                validation.add(f"{letter}3:{letter}{VALIDATED_ROWS}")
                sheet.add_data_validation(validation)
        for row in rows[spec.name]:
            sheet.append(
                [
                    _excel(value, column)
                    for value, column in zip(row, spec.columns, strict=True)
                ]
            )
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    # openpyxl stores text that starts with = as a formula;
                    # facts are never formulas, so keep it as text.
                    cell.data_type = "s"
        for index, column in enumerate(spec.columns, start=1):
            if column.kind == "date":
                for cells in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                    for cell in cells:
                        cell.number_format = "yyyy-mm-dd"
    workbook.move_sheet(LIST_SHEET, offset=len(SHEETS))
    workbook.active = 0
    workbook.save(path)
    logger.info("wrote %s with %d units", path, len(units))


def _list_key(column: Column) -> str | None:
    if column.kind == "bool":
        return "bool"
    if column.kind == "item":
        return "item"
    if column.kind == "choice":
        return column.field + ":" + ",".join(column.choices)
    return None


def _write_lists(workbook: Workbook, codes: Sequence[str]) -> dict[str, str]:
    """Write every list of allowed values on the hidden lists sheet."""
    sheet = workbook.create_sheet(LIST_SHEET)
    sheet.sheet_state = "hidden"
    lists: dict[str, tuple[str, list[str]]] = {
        "bool": ("yes/no", list(BOOL_CHOICES)),
        "item": ("item codes", list(codes)),
    }
    for spec in SHEETS:
        for column in spec.columns:
            key = _list_key(column)
            if key is not None and key not in lists:
                lists[key] = (column.field, list(column.choices))
    references: dict[str, str] = {}
    for number, (key, (title, values)) in enumerate(lists.items(), start=1):
        letter = get_column_letter(number)
        sheet.cell(row=1, column=number, value=title)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=number, value=value)
        if values:
            last = len(values) + 1
            references[key] = (
                f"{quote_sheetname(LIST_SHEET)}!${letter}$2:${letter}${last}"
            )
    return references


def _excel(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == "bool" and isinstance(value, bool):
        return BOOL_CHOICES[0] if value else BOOL_CHOICES[1]
    if isinstance(value, (dt.date, Decimal, int, float)) and not isinstance(
        value, bool
    ):
        return value
    if column.kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if column.kind == "choice":
        # Write the drop-down's entry, "小学 primary", when the code is known.
        shown = {entry.split()[-1]: entry for entry in column.choices}
        return shown.get(str(value), str(value))
    return str(value)


def write_csv_folder(
    folder: Path,
    units: Sequence[dict[str, Any]] = (),
    encoding: str = "utf-8-sig",
) -> list[Path]:
    """Write one CSV file per sheet: header, notes row, then the units' rows."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = sheet_rows(units)
    written = []
    for spec in SHEETS:
        path = folder / f"{spec.name}.csv"
        notes = [column.note for column in spec.columns]
        if not notes[0].startswith("说明"):
            notes[0] = f"说明：{notes[0]}"
        with path.open("w", encoding=encoding, newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow([column.header for column in spec.columns])
            writer.writerow(notes)
            for row in rows[spec.name]:
                writer.writerow(
                    [
                        _text(value, column)
                        for value, column in zip(row, spec.columns, strict=True)
                    ]
                )
        written.append(path)
    return written


def _text(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
