"""The batch's Excel workbook: ranking, category scores, vetoes and registers.

Every sheet has a frozen header row, an auto-filter and a header that
repeats on printed pages, so that staff can sort and print it as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

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
from report.xlsx_stream import StreamingWorkbook, Value

logger = logging.getLogger(__name__)


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
    with atomic_path(path) as temporary:
        workbook = StreamingWorkbook(temporary)
        _add_sheets(workbook, content, rulebook)
        workbook.close()


def _add_sheets(
    workbook: StreamingWorkbook, content: WorkbookContent, rulebook: Rulebook
) -> None:
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


def _add_sheet(
    workbook: StreamingWorkbook,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
) -> None:
    workbook.add_sheet(title, columns, _excel_rows(rows))


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


def _excel_value(value: Cell) -> Value:
    # Booleans as the words staff type, so a filter shows 是/否 clearly.
    if isinstance(value, bool):
        return "是 true" if value else "否 false"
    return value


def _excel_rows(rows: Iterable[Sequence[Cell]]) -> Iterator[list[Value]]:
    for row in rows:
        yield [_excel_value(value) for value in row]
