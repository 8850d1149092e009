"""Find one unit's result in an evaluation, suggesting near ids when it is absent."""

from __future__ import annotations

import difflib

from engine.result import Evaluation, UnitResult
from facts.errors import XiaoanError


class UnknownUnitError(XiaoanError, LookupError):
    """A unit id that is not among the evaluated units."""

    def __init__(self, unit: str, message: str) -> None:
        super().__init__(message)
        self.unit = unit
        self.message = message


def nearest_ids(unit: str, known: list[str], count: int = 3) -> list[str]:
    """Return up to ``count`` known ids closest to ``unit``, best first.

    >>> nearest_ids("yunhe-s", ["yunhe-s3", "yunhe-edu", "nanpi-s1"])
    ['yunhe-s3', 'yunhe-edu']
    """
    return difflib.get_close_matches(unit, known, n=count, cutoff=0.6)


def find_result(evaluation: Evaluation, unit: str) -> UnitResult:
    """Return the result of ``unit``, or raise with the reason it has none."""
    for result in evaluation.results:
        if result.unit == unit:
            return result
    failed = [error for error in evaluation.errors if error.unit == unit]
    if failed:
        raise UnknownUnitError(
            unit, f"unit {unit} could not be evaluated: {failed[0].message}"
        )
    known = sorted(
        {result.unit for result in evaluation.results}
        | {error.unit for error in evaluation.errors if error.unit}
    )
    near = nearest_ids(unit, known)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise UnknownUnitError(
        unit, f"unit {unit!r} not found among the {len(known)} units read{hint}"
    )


def sampled_results(evaluation: Evaluation, result: UnitResult) -> list[UnitResult]:
    """Return the results of the sampled schools that a county's total counts."""
    wanted = {share.unit for share in result.schools}
    return [other for other in evaluation.results if other.unit in wanted]
