"""A plain-text ranking table for the terminal, aligned for Chinese text."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from fractions import Fraction

from engine.result import Evaluation, UnitResult, round_half_up
from engine.rulebook import GradeName, Rulebook


def display_width(text: str) -> int:
    """Return the terminal width of ``text``: wide CJK characters count 2.

    >>> display_width("沧县ab")
    6
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def ranked(results: Sequence[UnitResult]) -> list[UnitResult]:
    """Order units: county bureaus, then schools; each by total, vetoed last, ties by id."""
    return sorted(
        results, key=lambda r: (r.kind != "county_bureau", r.vetoed, -r.total, r.unit)
    )


def format_table(evaluation: Evaluation, rulebook: Rulebook) -> str:
    """Render the ranking table of an evaluation."""
    places = rulebook.parameters.display_places
    names: dict[str, GradeName] = {
        grade.grade: grade for grade in rulebook.parameters.grades
    }
    names[rulebook.parameters.failing_grade.grade] = rulebook.parameters.failing_grade
    headers = [
        "#",
        "unit",
        "name 名称",
        "kind",
        "sheet %",
        "adjust",
        "total 总分",
        "grade 等级",
        "vetoes 否决",
    ]
    rows = []
    kind_labels = {"county_bureau": "county 县局", "school": "school 学校"}
    position = 0
    previous_kind = None
    for result in ranked(evaluation.results):
        if result.kind != previous_kind:
            position = 0
            previous_kind = result.kind
        position += 1
        adjustment = sum((a.points for a in result.adjustments), Fraction(0))
        grade = names[result.grade]
        rows.append(
            [
                str(position),
                result.unit,
                result.name,
                kind_labels.get(result.kind, result.kind),
                str(round_half_up(result.sheet_percent, places)),
                (
                    f"{round_half_up(adjustment, places):+}"
                    if result.adjustments
                    else ""
                ),
                str(round_half_up(result.total, places)),
                f"{grade.name_zh} {grade.grade}",
                " ".join(result.vetoes),
            ]
        )
    numeric = {0, 4, 5, 6}
    widths = [
        max([display_width(headers[c])] + [display_width(row[c]) for row in rows])
        for c in range(len(headers))
    ]
    lines = [
        "  ".join(pad(headers[c], widths[c], c in numeric) for c in range(len(headers)))
    ]
    lines.append("  ".join("-" * width for width in widths))
    previous = None
    for row in rows:
        if previous is not None and row[3] != previous:
            lines.append("")
        previous = row[3]
        lines.append(
            "  ".join(
                pad(row[c], widths[c], c in numeric) for c in range(len(headers))
            ).rstrip()
        )
    return "\n".join(lines) + "\n"
