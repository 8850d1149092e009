"""The batch's Excel workbook: ranking, category scores, vetoes and registers.

Written with openpyxl in write-only mode, which streams rows instead of
keeping every cell in memory. Every sheet has a frozen header row and an
auto-filter, so that staff can sort and print it as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from engine.result import UnitError
from engine.rulebook import Rulebook
from facts.vocabulary import UnitKind
from report.atomic import atomic_path
from report.csv_result import (
    ERROR_COLUMNS,
    Cell,
    error_rows,
    header,
    ranked,
    result_columns,
    result_row,
)
from report.register import REGISTER_COLUMNS, OpenHazard
from report.self_assessment import SELF_COLUMNS, self_assessment_rows
from report.summary import UnitSummary

logger = logging.getLogger(__name__)

HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


@dataclass
class WorkbookContent:
    """Everything the results workbook shows."""

    summaries: list[UnitSummary]
    errors: list[UnitError]
    hazards: list[OpenHazard]


def write_results_xlsx(
    path: Path, content: WorkbookContent, rulebook: Rulebook
) -> None:
    """Write the results workbook atomically."""
    workbook = Workbook(write_only=True)
    ranking = ranked(content.summaries)
    _add_sheet(
        workbook,
        "排名 ranking",
        result_columns(rulebook),
        (result_row(rank, summary, rulebook) for rank, summary in ranking),
    )
    for kind, title in (
        (UnitKind.COUNTY_BUREAU, "县局分类得分 county categories"),
        (UnitKind.SCHOOL, "学校分类得分 school categories"),
    ):
        columns, rows = _category_table(rulebook, kind, ranking)
        _add_sheet(workbook, title, columns, rows)
    _add_sheet(
        workbook,
        "一票否决 vetoes",
        VETO_COLUMNS,
        _veto_rows(rulebook, content.summaries),
    )
    _add_sheet(
        workbook,
        "隐患台账 hazards",
        REGISTER_COLUMNS,
        (hazard.row() for hazard in content.hazards),
    )
    _add_sheet(
        workbook,
        "自评对照 self-assessment",
        SELF_COLUMNS,
        self_assessment_rows(content.summaries),
    )
    _add_sheet(workbook, "错误 errors", ERROR_COLUMNS, error_rows(content.errors))
    with atomic_path(path) as temporary:
        workbook.save(temporary)


VETO_COLUMNS = [
    header("单位代码", "unit"),
    header("单位名称", "name"),
    header("类型", "kind"),
    header("否决项", "veto"),
    header("否决条款", "text"),
]


def _veto_rows(
    rulebook: Rulebook, summaries: Iterable[UnitSummary]
) -> Iterable[list[Cell]]:
    texts = {veto.code: veto.text for veto in rulebook.model.vetoes}
    texts.update({item.code: item.text for item in rulebook.model.adjustments})
    for summary in summaries:
        for code in summary.vetoes:
            yield [summary.unit, summary.name, summary.kind, code, texts.get(code)]


def _category_table(
    rulebook: Rulebook, kind: UnitKind, ranking: list[tuple[int, UnitSummary]]
) -> tuple[list[str], Iterable[list[Cell]]]:
    sheet = rulebook.sheet_for(kind)
    columns = [
        header("排名", "rank"),
        header("单位代码", "unit"),
        header("单位名称", "name"),
    ]
    columns += [
        f"{category.number} {category.title}（{category.total}）"
        for category in sheet.categories
    ]
    columns += [header("得分", "earned"), header("得分率", "sheet_percent")]

    def rows() -> Iterable[list[Cell]]:
        for rank, summary in ranking:
            if summary.kind != kind.value:
                continue
            yield [
                rank,
                summary.unit,
                summary.name,
                *(category.earned for category in summary.categories),
                summary.earned,
                summary.sheet_percent,
            ]

    return columns, rows()


def _add_sheet(
    workbook: Workbook,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
) -> None:
    # The stubs omit the column and filter settings that write-only sheets have.
    sheet: Any = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for number, column in enumerate(columns, start=1):
        width = min(40, max(10, len(column.encode("gbk", "replace")) + 2))
        sheet.column_dimensions[get_column_letter(number)].width = width
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = HEADER_FONT
        cell.alignment = HEADER_ALIGNMENT
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for row in rows:
        sheet.append([_excel_value(value) for value in row])
        count += 1
    last = get_column_letter(max(1, len(columns)))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    sheet.print_title_rows = "1:1"


def _excel_value(value: Cell) -> object:
    # Booleans as the words staff type, so a filter shows 是/否 clearly.
    if isinstance(value, bool):
        return "是 true" if value else "否 false"
    return value
