"""The batch's tables of results: ranking, columns and CSV files.

CSV files are UTF-8 with a byte-order mark, so that Excel shows Chinese
text without an import dialog. Headers give the Chinese label and the
field name (``总分 total``), as the input templates do. Numbers are the
display figures, rounded once, as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from engine.result import UnitError
from engine.rulebook import Rulebook
from report.atomic import atomic_text
from report.summary import UnitSummary

CSV_ENCODING = "utf-8-sig"
KIND_ZH = {"county_bureau": "县局", "school": "学校"}
KIND_ORDER = {"county_bureau": 0, "school": 1}

Cell = str | int | Decimal | bool | None


def header(chinese: str, field: str) -> str:
    """Return a column header as the templates write it: ``总分 total``."""
    return f"{chinese} {field}"


def ranked(summaries: Iterable[UnitSummary]) -> list[tuple[int, UnitSummary]]:
    """Rank units within their kind: unvetoed first, then by shown total.

    Units with the same veto state and shown total share a rank (1, 2, 2,
    4). Within a rank they are ordered by unit id, so the order never
    depends on the input.
    """
    rows: list[tuple[int, UnitSummary]] = []
    # Stable sorts from the last key to the first, each on one plain key,
    # are several times faster than one sort on a tuple with a Decimal.
    ordered = sorted(summaries, key=lambda s: s.unit)
    ordered.sort(key=lambda s: s.total, reverse=True)
    ordered.sort(key=lambda s: (KIND_ORDER.get(s.kind, 2), s.kind, s.vetoed))
    previous: tuple[str, bool, Decimal] | None = None
    rank = 0
    position = 0
    for summary in ordered:
        key = (summary.kind, summary.vetoed, summary.total)
        if previous is None or key[0] != previous[0]:
            position = 0
        position += 1
        if key != previous:
            rank = position
        previous = key
        rows.append((rank, summary))
    return rows


def category_count(rulebook: Rulebook) -> int:
    return max(len(sheet.categories) for sheet in rulebook.model.sheets)


def result_columns(rulebook: Rulebook) -> list[str]:
    columns = [
        header("排名", "rank"),
        header("单位代码", "unit"),
        header("单位名称", "name"),
        header("类型", "kind"),
        header("所属县", "county"),
        header("学段", "level"),
        header("抽样", "sampled"),
    ]
    columns += [
        header(f"第{number}类得分", f"category_{number}")
        for number in range(1, category_count(rulebook) + 1)
    ]
    columns.append(header("得分率", "sheet_percent"))
    columns += [
        header(f"调控{adjustment.code}", adjustment.code)
        for adjustment in rulebook.model.adjustments
    ]
    columns += [
        header("调控后得分", "adjusted"),
        header("抽样学校均分", "schools_mean"),
        header("总分", "total"),
        header("等级", "grade"),
        header("等级名称", "grade_name"),
        header("一票否决", "vetoes"),
        header("提示", "warnings"),
    ]
    return columns


def result_row(rank: int, summary: UnitSummary, rulebook: Rulebook) -> list[Cell]:
    """Return one unit's row, in the order of :func:`result_columns`."""
    categories: list[Cell] = [category.earned for category in summary.categories]
    categories += [None] * (category_count(rulebook) - len(categories))
    adjustments = dict(summary.adjustments)
    row: list[Cell] = [
        rank,
        summary.unit,
        summary.name,
        summary.kind,
        summary.county,
        summary.level,
        summary.sampled,
        *categories,
        summary.sheet_percent,
        *(
            adjustments.get(adjustment.code)
            for adjustment in rulebook.model.adjustments
        ),
        summary.adjusted,
        summary.schools_mean,
        summary.total,
        summary.grade,
        grade_name(rulebook, summary.grade),
        " ".join(summary.vetoes),
        "；".join(summary.warnings),
    ]
    return row


def grade_name(rulebook: Rulebook, grade: str) -> str:
    parameters = rulebook.parameters
    for named in (*parameters.grades, parameters.failing_grade):
        if named.grade == grade:
            return named.name_zh
    return grade


# Excel and WPS run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Cell) -> str:
    """Write one cell; text that a spreadsheet would run as a formula gets a ``'``.

    Only text is changed. Numbers (Decimal, int) are written as they are, so
    that ``-5.00`` stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def write_csv(
    path: Path, columns: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> None:
    """Write a CSV file atomically, UTF-8 with a byte-order mark."""
    with atomic_text(path, encoding=CSV_ENCODING, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        writer.writerows([csv_cell(value) for value in row] for row in rows)


def write_results_csv(
    path: Path, summaries: Iterable[UnitSummary], rulebook: Rulebook
) -> None:
    """Write every unit's row: counties first, each kind in rank order."""
    rows = (result_row(rank, summary, rulebook) for rank, summary in ranked(summaries))
    write_csv(path, result_columns(rulebook), rows)


ERROR_COLUMNS = [
    header("单位代码", "unit"),
    header("文件", "file"),
    header("错误", "message"),
]


def error_rows(errors: Iterable[UnitError]) -> list[list[Cell]]:
    return [[error.unit, error.file, error.message] for error in errors]


def write_errors_csv(path: Path, errors: Iterable[UnitError]) -> None:
    write_csv(path, ERROR_COLUMNS, error_rows(errors))
