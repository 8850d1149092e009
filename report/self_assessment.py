"""Self-assessment (自评) beside the assessed points, item by item."""

from __future__ import annotations

from collections.abc import Iterable

from report.csv_result import Cell, header
from report.summary import UnitSummary

SELF_COLUMNS = [
    header("单位代码", "unit"),
    header("单位名称", "name"),
    header("考核项", "item"),
    header("自评分", "self_score"),
    header("考核得分", "assessed"),
    header("满分", "maximum"),
    header("差值", "gap"),
    header("自评偏高", "flagged"),
]


def self_assessment_rows(summaries: Iterable[UnitSummary]) -> list[list[Cell]]:
    """Return one row per self-scored item, units in input order.

    ``assessed`` is empty for an item left out as not applicable; ``flagged``
    is true where the self score exceeds the assessed points by more than
    the rulebook's margin.
    """
    rows: list[list[Cell]] = []
    for summary in summaries:
        for entry in summary.self_scores:
            rows.append(
                [
                    summary.unit,
                    summary.name,
                    entry.code,
                    entry.self_score,
                    entry.assessed,
                    entry.maximum,
                    entry.gap,
                    entry.flagged,
                ]
            )
    return rows
