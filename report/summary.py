"""Compact, picklable summaries of unit results for the batch writers.

A batch worker turns each :class:`UnitResult` into a :class:`UnitSummary`:
the figures the tables show (rounded once), the unit's JSON result text and
its line of the firings log. Only summaries travel back to the main
process, which writes the files.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from json.encoder import encode_basestring as encode_string
from typing import IO, Any

from engine.result import UnitResult, round_half_up, shown_text
from engine.rulebook import Rulebook
from report.firings_log import firings_line

# Indent of one entry of "results" in the result document.
RESULT_INDENT = "    "


@dataclass(frozen=True)
class CategorySummary:
    number: int
    title: str
    earned: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class SelfScoreRow:
    """A unit's own score (自评) on one item beside the assessed score."""

    code: str
    self_score: Decimal
    assessed: Decimal | None
    maximum: Decimal
    gap: Decimal | None
    flagged: bool


@dataclass(frozen=True)
class UnitSummary:
    """The figures of one unit that the batch tables show, rounded for display."""

    unit: str
    name: str
    kind: str
    county: str | None
    level: str | None
    sampled: bool
    categories: tuple[CategorySummary, ...]
    earned: Decimal
    maximum: Decimal
    sheet_percent: Decimal
    adjustments: tuple[tuple[str, Decimal], ...]
    adjusted: Decimal | None
    schools_mean: Decimal | None
    total: Decimal
    vetoes: tuple[str, ...]
    grade: str
    warnings: tuple[str, ...]
    self_scores: tuple[SelfScoreRow, ...]
    # The JSON text and the log line travel back from the batch workers and
    # go straight into files, so they are kept as the UTF-8 the files hold:
    # neither the pipe nor the writer decodes or encodes them again.
    document_utf8: bytes
    firings_utf8: bytes

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)

    @property
    def document(self) -> str:
        """The unit's entry of the results list, indented as in the file."""
        return self.document_utf8.decode("utf-8")

    @property
    def firings(self) -> str:
        """The unit's line of the firings log, without its newline."""
        return self.firings_utf8.decode("utf-8")


def summarize(result: UnitResult, rulebook: Rulebook) -> UnitSummary:
    """Summarize one result: rounded figures, JSON text and firings line."""
    places = rulebook.parameters.display_places

    def rounded(value: Fraction) -> Decimal:
        return round_half_up(value, places)

    document = unit_json(result, places, RESULT_INDENT)
    return UnitSummary(
        unit=result.unit,
        name=result.name,
        kind=result.kind,
        county=result.county,
        level=result.level,
        sampled=result.sampled,
        categories=tuple(
            CategorySummary(
                category.number,
                category.title,
                rounded(category.earned),
                rounded(category.maximum),
            )
            for category in result.categories
        ),
        earned=rounded(result.earned),
        maximum=rounded(result.maximum),
        sheet_percent=rounded(result.sheet_percent),
        adjustments=tuple(
            (adjustment.code, rounded(adjustment.points))
            for adjustment in result.adjustments
        ),
        adjusted=None if result.adjusted is None else rounded(result.adjusted),
        schools_mean=(
            None if result.schools_mean is None else rounded(result.schools_mean)
        ),
        total=rounded(result.total),
        vetoes=tuple(sorted(result.vetoes)),
        grade=result.grade,
        warnings=tuple(result.warnings),
        self_scores=self_score_rows(result, rulebook),
        document_utf8=(RESULT_INDENT + document).encode("utf-8"),
        firings_utf8=firings_line(result).encode("utf-8"),
    )


def unit_json(result: UnitResult, places: int = 2, indent: str = "") -> str:
    """Write ``indented_json(unit_document(result, places), indent)`` directly.

    Each unit's result document is written once per batch; building the
    dictionary of rounded floats and then walking it cost more than
    writing its text in one pass.
    """
    inner = indent + "  "
    deeper = inner + "  "
    deepest = deeper + "  "
    lines = [
        "{",
        f'{inner}"unit": {encode_string(result.unit)},',
        f'{inner}"name": {encode_string(result.name)},',
        f'{inner}"kind": {encode_string(result.kind)},',
    ]
    if result.items:
        lines.append(f'{inner}"items": {{')
        # Most items keep their full marks, so a handful of values make up
        # most of every sheet; their texts are kept per number of places.
        texts = _ITEM_TEXTS.setdefault(places, {})
        entries = []
        for code, points in result.items.items():
            exact = (points.numerator, points.denominator)
            text = texts.get(exact)
            if text is None:
                text = shown_text(points, places)
                if len(texts) >= _ITEM_TEXTS_LIMIT:
                    texts.clear()
                texts[exact] = text
            entries.append(f"{deeper}{encode_string(code)}: {text}")
        lines.append(",\n".join(entries))
        lines.append(f"{inner}}},")
    else:
        lines.append(f'{inner}"items": {{}},')
    lines.append(_list_text("not_applicable", sorted(result.not_applicable), inner))
    lines.append(f'{inner}"sheet_percent": {shown_text(result.sheet_percent, places)},')
    if result.adjustments:
        lines.append(f'{inner}"adjustments": [')
        entries = []
        for adjustment in result.adjustments:
            facts = [key.split(":", 1)[1] for key in adjustment.facts]
            entries.append(
                f"{deeper}{{\n"
                f'{deepest}"rule": {encode_string(adjustment.code)},\n'
                f'{deepest}"points": {shown_text(adjustment.points, places)},\n'
                f"{_list_text('facts', facts, deepest)[:-1]}\n"
                f"{deeper}}}"
            )
        lines.append(",\n".join(entries))
        lines.append(f"{inner}],")
    else:
        lines.append(f'{inner}"adjustments": [],')
    for key, value in (
        ("adjusted", result.adjusted),
        ("schools_mean", result.schools_mean),
        ("total", result.total),
    ):
        text = "null" if value is None else shown_text(value, places)
        lines.append(f'{inner}"{key}": {text},')
    lines.append(_list_text("vetoes", sorted(result.vetoes), inner))
    lines.append(f'{inner}"grade": {encode_string(result.grade)},')
    lines.append(_list_text("warnings", result.warnings, inner)[:-1])
    lines.append(indent + "}")
    return "\n".join(lines)


_ITEM_TEXTS: dict[int, dict[tuple[int, int], str]] = {}
_ITEM_TEXTS_LIMIT = 4096


def _list_text(key: str, values: list[str], indent: str) -> str:
    """Write one ``"key": [...]`` entry of strings, with its trailing comma."""
    if not values:
        return f'{indent}"{key}": [],'
    inner = indent + "  "
    entries = ",\n".join(inner + encode_string(value) for value in values)
    return f'{indent}"{key}": [\n{entries}\n{indent}],'


def indented_json(value: Any, indent: str = "") -> str:
    """Write JSON as ``json.dumps(value, ensure_ascii=False, indent=2)`` does.

    The standard encoder falls back to a slow pure-Python path whenever
    ``indent`` is set; this writes the same text for the types a result
    document contains (str, int, float, bool, None, lists and dicts with string
    keys), about three times faster, with each line after the first
    prefixed by ``indent``.

    >>> print(indented_json({"a": [1, 2.5], "b": {}, "c": None}))
    {
      "a": [
        1,
        2.5
      ],
      "b": {},
      "c": null
    }
    """
    if isinstance(value, str):
        return encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"cannot write {value!r} in a result document")
        return float.__repr__(value)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        entries = [
            f"{inner}{encode_string(key)}: {indented_json(item, inner)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(entries) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        entries = [inner + indented_json(item, inner) for item in value]
        return "[\n" + ",\n".join(entries) + "\n" + indent + "]"
    raise TypeError(f"cannot write {type(value).__name__} in a result document")


def self_score_rows(result: UnitResult, rulebook: Rulebook) -> tuple[SelfScoreRow, ...]:
    """Compare each self score with the assessed points, in sheet order.

    An item is flagged when the self score exceeds the assessed points by
    more than the rulebook's ``self_score_margin``. An item left out as not
    applicable has no assessed points, so it is never flagged.
    """
    if not result.self_scores:
        return ()
    places = rulebook.parameters.display_places
    margin = rulebook.parameters.self_score_margin
    order = {code: position for position, code in enumerate(rulebook.codes)}
    rows = []
    for code in sorted(result.self_scores, key=lambda code: order.get(code, -1)):
        own = result.self_scores[code]
        assessed = result.items.get(code)
        gap = None if assessed is None else own - assessed
        rows.append(
            SelfScoreRow(
                code=code,
                self_score=round_half_up(own, places),
                assessed=None if assessed is None else round_half_up(assessed, places),
                maximum=round_half_up(rulebook.codes[code].points, places),
                gap=None if gap is None else round_half_up(gap, places),
                flagged=gap is not None and gap > margin,
            )
        )
    return tuple(rows)


def results_json_text(head: dict[str, object], summaries: list[UnitSummary]) -> str:
    """Assemble the result document from ``head`` and each unit's JSON text.

    ``head`` is a result document whose ``results`` list is empty. The text
    is byte for byte what ``report.json_result.dumps`` writes for the whole
    document, but no unit is encoded again in this process.
    """
    stream = io.BytesIO()
    write_results_json(stream, head, summaries)
    return stream.getvalue().decode("utf-8")


def write_results_json(
    stream: IO[bytes], head: dict[str, object], summaries: list[UnitSummary]
) -> None:
    """Write :func:`results_json_text` as UTF-8, without one large string."""
    text = json.dumps(head, ensure_ascii=False, indent=2) + "\n"
    # The empty list is the first '"results": []' in the text, because the
    # keys before it contain strings, whose quotes JSON escapes.
    before, marker, after = text.partition('"results": []')
    if not summaries or not marker:
        stream.write(text.encode("utf-8"))
        return
    stream.write(before.encode("utf-8"))
    stream.write(b'"results": [\n')
    for index, summary in enumerate(summaries):
        if index:
            stream.write(b",\n")
        stream.write(summary.document_utf8)
    stream.write(b"\n  ]")
    stream.write(after.encode("utf-8"))
