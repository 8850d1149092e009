"""The machine-readable result document.

Numbers are rounded once, half up, to the rulebook's display places and
written as JSON numbers. Every list is in a stable order, so two runs on the
same input give the same bytes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import IO, Any

from engine.result import Evaluation, UnitResult, round_half_up

PROGRAM_VERSION = "0.1.0"


def shown(value: Fraction | None, places: int = 2) -> Any:
    """Round an exact value for output, or pass None through."""
    if value is None:
        return None
    # float() of the rounded decimal prints as its shortest text (87.1 for
    # 87.10), which reads back as the same two-place number.
    rounded: Decimal = round_half_up(value, places)
    return float(rounded)


def unit_document(result: UnitResult, places: int = 2) -> dict[str, Any]:
    """Return the result of one unit in the documented JSON shape."""
    return {
        "unit": result.unit,
        "name": result.name,
        "kind": result.kind,
        "items": {code: shown(points, places) for code, points in result.items.items()},
        "not_applicable": sorted(result.not_applicable),
        "sheet_percent": shown(result.sheet_percent, places),
        "adjustments": [
            {
                "rule": adjustment.code,
                "points": shown(adjustment.points, places),
                "facts": [key.split(":", 1)[1] for key in adjustment.facts],
            }
            for adjustment in result.adjustments
        ],
        "adjusted": shown(result.adjusted, places),
        "schools_mean": shown(result.schools_mean, places),
        "total": shown(result.total, places),
        "vetoes": sorted(result.vetoes),
        "grade": result.grade,
        "warnings": list(result.warnings),
    }


def result_document(evaluation: Evaluation, places: int = 2) -> dict[str, Any]:
    """Return the whole result document of a run."""
    return {
        "rulebook": evaluation.rulebook_id,
        "rulebook_hash": evaluation.rulebook_hash,
        "program_version": PROGRAM_VERSION,
        "results": [unit_document(result, places) for result in evaluation.results],
        "errors": [
            {"unit": error.unit, "message": error.message}
            for error in evaluation.errors
        ],
        "warnings": list(evaluation.warnings),
    }


def dumps(document: Any) -> str:
    """Serialise a result document as indented UTF-8 JSON text."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=_default) + "\n"


def write_json(evaluation: Evaluation, stream: IO[str], places: int = 2) -> None:
    stream.write(dumps(result_document(evaluation, places)))


def _default(value: Any) -> Any:
    if isinstance(value, Fraction):
        return float(round_half_up(value, 2))
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
