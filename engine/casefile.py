"""Rule test cases that policy staff write in YAML, and the runner that checks them.

A case file (``rules/<id>/tests/*.yaml``) lists cases. Each case gives the
units of a small facts file and, per unit id, the results it expects. The
runner evaluates every case with the rulebook under test and compares each
expected field with the result as shown, rounded to the rulebook's
``display_places``. It also records which rule ids fired, so that a
rulebook can show that its cases exercise every rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import Field, TypeAdapter, ValidationError

from engine.assertions import unit_facts
from engine.checks import format_points
from engine.errors import EngineError, RulebookError, RulebookErrors
from engine.evaluate import Engine
from engine.result import UnitResult, round_half_up
from engine.rulebook import Points, Rulebook, _Model
from engine.validation_errors import errors_from_validation
from facts.documents import Document, DocumentError, load_yaml
from facts.readers import FactSet, facts_from_data

logger = logging.getLogger(__name__)

TESTS_FOLDER = "tests"


# --- the case file model ----------------------------------------------------


class Expectation(_Model):
    """The results a case expects of one unit; a field left out is not checked."""

    total: Points | None = None
    sheet_percent: Points | None = None
    adjusted: Points | None = None
    schools_mean: Points | None = None
    grade: str | None = None
    vetoes: list[str] | None = None
    items: dict[str, Points] = Field(default_factory=dict)
    adjustments: dict[str, Points] = Field(default_factory=dict)
    not_applicable: list[str] | None = None
    warnings_contain: list[str] = Field(default_factory=list)
    error_contains: str | None = None


class Case(_Model):
    """One test case: the units of a facts file and the results expected."""

    name: str
    description: str = ""
    units: list[dict[str, Any]]
    expect: dict[str, Expectation]


class CaseFile(_Model):
    cases: list[Case]


# --- outcomes ------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One expected field that the result does not match."""

    unit: str
    field: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected}, actual {self.actual}"


@dataclass
class CaseOutcome:
    """The result of one case: where it is written and what differed."""

    name: str
    file: Path
    line: int | None
    differences: list[Difference] = field(default_factory=list)
    fired: set[str] = field(default_factory=set)

    @property
    def passed(self) -> bool:
        return not self.differences

    @property
    def place(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@dataclass
class CaseReport:
    """Every case run against one rulebook, and the coverage of its rule ids."""

    rulebook: str
    outcomes: list[CaseOutcome] = field(default_factory=list)
    errors: list[RulebookError] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    require_coverage: bool = True

    @property
    def fired(self) -> set[str]:
        return set().union(*(outcome.fired for outcome in self.outcomes))

    @property
    def never_fired(self) -> list[str]:
        fired = self.fired
        return [rule_id for rule_id in self.rule_ids if rule_id not in fired]

    @property
    def failures(self) -> list[CaseOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.passed]

    @property
    def passed(self) -> bool:
        if self.errors or self.failures:
            return False
        return not (self.require_coverage and self.never_fired)


# --- running -------------------------------------------------------------------


def rule_ids(rulebook: Rulebook) -> list[str]:
    """List the ids of every rule of the rulebook, in file order."""
    model = rulebook.model
    ids = [rule.id for rule in model.applicability]
    ids += [rule.id for rule in model.measures]
    for adjustment in model.adjustments:
        ids += [rule.id for rule in adjustment.rules]
    for veto in model.vetoes:
        ids += [rule.id for rule in veto.rules]
    return ids


def case_files(folder: Path) -> list[Path]:
    """List the case files of a rulebook folder, sorted by name."""
    tests = folder / TESTS_FOLDER
    if not tests.is_dir():
        return []
    return sorted(
        path for path in tests.iterdir() if path.suffix.lower() in (".yaml", ".yml")
    )


def run_case_files(
    rulebook: Rulebook, paths: list[Path], require_coverage: bool = True
) -> CaseReport:
    """Run every case of ``paths`` against ``rulebook``.

    With ``require_coverage``, a rule id that fires in no case fails the run.
    """
    report = CaseReport(
        rulebook.id, rule_ids=rule_ids(rulebook), require_coverage=require_coverage
    )
    engine = Engine(rulebook)
    for path in paths:
        try:
            document, cases = load_case_file(path)
        except RulebookErrors as failure:
            report.errors.extend(failure.errors)
            continue
        except RulebookError as error:
            report.errors.append(error)
            continue
        for index, case in enumerate(cases):
            report.outcomes.append(run_case(engine, case, document, index))
    logger.info(
        "ran %d cases of %s: %d failed",
        len(report.outcomes),
        rulebook.id,
        len(report.failures),
    )
    return report


def load_case_file(path: Path) -> tuple[Document, list[Case]]:
    """Parse and validate one case file; raise located errors."""
    try:
        document = load_yaml(path)
    except DocumentError as error:
        raise RulebookError(
            str(error).split(": ", 1)[-1],
            file=error.path,
            line=error.line,
            column=error.column,
        ) from None
    try:
        parsed = TypeAdapter(CaseFile).validate_python(document.data)
    except ValidationError as error:
        raise RulebookErrors(
            errors_from_validation(error, document, CaseFile)
        ) from None
    return document, parsed.cases


def run_case(engine: Engine, case: Case, document: Document, index: int) -> CaseOutcome:
    """Evaluate one case and compare each expected unit with its result."""
    prefix = ("cases", index)
    position = document.position(prefix)
    outcome = CaseOutcome(case.name, document.path, position[0] if position else None)
    facts = facts_from_data(
        {"units": case.units}, document.path, _sub_document(document, prefix)
    )
    evaluation = engine.evaluate(facts)
    outcome.fired = _fired_rule_ids(engine, facts)

    results = {result.unit: result for result in evaluation.results}
    errors: dict[str | None, list[str]] = {}
    for error in evaluation.errors:
        errors.setdefault(error.unit, []).append(error.message)
    for message in errors.get(None, []):
        outcome.differences.append(Difference("(input)", "error", "none", message))
    places = engine.rulebook.parameters.display_places
    for unit_id, expectation in case.expect.items():
        outcome.differences.extend(
            compare_unit(
                unit_id, expectation, results.get(unit_id), errors.get(unit_id), places
            )
        )
    for failed, messages in errors.items():
        if failed is not None and failed not in case.expect:
            outcome.differences.append(
                Difference(failed, "error", "none", "; ".join(messages))
            )
    return outcome


def _sub_document(document: Document, prefix: tuple[Any, ...]) -> Document:
    """Re-key the positions under ``prefix`` so that fact errors get real lines."""
    positions = {
        location[len(prefix) :]: place
        for location, place in document.positions.items()
        if location[: len(prefix)] == prefix
    }
    return Document(document.path, None, positions)


def _fired_rule_ids(engine: Engine, facts: FactSet) -> set[str]:
    """Return the ids of the rulebook rules that fired on any unit of ``facts``.

    Rules that reject a fact make their unit fail, so the evaluation result
    does not show them: this fires the rules again and reads the raw firings.
    """
    fired: set[str] = set()
    for record in facts.units:
        ruleset = engine.rulesets[record.unit.kind]
        asserted, _ = unit_facts(record.unit, ruleset)
        try:
            raw = engine.session.fire(ruleset, asserted)
        except EngineError as error:
            logger.warning(
                "unit %s failed in the rule engine: %s", record.unit.id, error
            )
            continue
        fired.update(ruleset.rules[name].rule_id for name, _ in raw)
    return fired


def compare_unit(
    unit_id: str,
    expectation: Expectation,
    result: UnitResult | None,
    errors: list[str] | None,
    places: int,
) -> list[Difference]:
    """Compare one unit's expectation with its result (or its errors)."""
    message = "; ".join(errors or [])
    if expectation.error_contains is not None:
        if result is not None:
            return [
                Difference(
                    unit_id,
                    "error",
                    f"an error containing {expectation.error_contains!r}",
                    "the unit evaluated without error",
                )
            ]
        if expectation.error_contains not in message:
            return [
                Difference(
                    unit_id,
                    "error",
                    f"an error containing {expectation.error_contains!r}",
                    repr(message) if message else "no error",
                )
            ]
        return []
    if result is None:
        actual = f"the unit failed: {message}" if message else "no such unit"
        return [Difference(unit_id, "result", "a result", actual)]

    found: list[Difference] = []

    def number(name: str, expected: Fraction | None, actual: Fraction | None) -> None:
        if expected is None:
            return
        shown = None if actual is None else round_half_up(actual, places)
        if shown is None or Fraction(shown) != expected:
            found.append(
                Difference(
                    unit_id,
                    name,
                    _shown(expected, places),
                    "none" if shown is None else str(shown),
                )
            )

    number("total", expectation.total, result.total)
    number("sheet_percent", expectation.sheet_percent, result.sheet_percent)
    number("adjusted", expectation.adjusted, result.adjusted)
    number("schools_mean", expectation.schools_mean, result.schools_mean)
    if expectation.grade is not None and expectation.grade != result.grade:
        found.append(Difference(unit_id, "grade", expectation.grade, result.grade))
    if expectation.vetoes is not None and sorted(expectation.vetoes) != result.vetoes:
        found.append(
            Difference(
                unit_id,
                "vetoes",
                _listed(sorted(expectation.vetoes)),
                _listed(result.vetoes),
            )
        )
    for code, points in expectation.items.items():
        if code in result.items:
            number(f"items.{code}", points, result.items[code])
        else:
            found.append(
                Difference(
                    unit_id,
                    f"items.{code}",
                    _shown(points, places),
                    "not applicable" if code in result.not_applicable else "no item",
                )
            )
    adjustments = {adjustment.code: adjustment for adjustment in result.adjustments}
    for code, points in expectation.adjustments.items():
        adjustment = adjustments.get(code)
        number(
            f"adjustments.{code}",
            points,
            adjustment.points if adjustment else None,
        )
    if expectation.not_applicable is not None and sorted(
        expectation.not_applicable
    ) != sorted(result.not_applicable):
        found.append(
            Difference(
                unit_id,
                "not_applicable",
                _listed(sorted(expectation.not_applicable)),
                _listed(sorted(result.not_applicable)),
            )
        )
    for text in expectation.warnings_contain:
        if not any(text in warning for warning in result.warnings):
            found.append(
                Difference(
                    unit_id,
                    "warnings",
                    f"a warning containing {text!r}",
                    _listed([repr(warning) for warning in result.warnings]),
                )
            )
    return found


def _shown(value: Fraction, places: int) -> str:
    if _fits(value, places):
        return str(round_half_up(value, places))
    # Results compare as shown, so such an expectation can never match.
    return (
        f"{format_points(value)} (more than {places} decimal places; write "
        "the figure as shown)"
    )


def _fits(value: Fraction, places: int) -> bool:
    return (value * 10**places).denominator == 1


def _listed(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]" if values else "none"


def format_report(report: CaseReport) -> str:
    """Write a readable report: each failure as expected-versus-actual lines."""
    lines: list[str] = []
    for error in report.errors:
        lines.append(f"error: {error.message}")
    for outcome in report.outcomes:
        if outcome.passed:
            continue
        lines.append(f"FAIL {outcome.place}: {outcome.name}")
        by_unit: dict[str, list[Difference]] = {}
        for difference in outcome.differences:
            by_unit.setdefault(difference.unit, []).append(difference)
        for unit_id, differences in by_unit.items():
            lines.append(f"  unit {unit_id}")
            lines.extend(f"    {difference}" for difference in differences)
    passed = len(report.outcomes) - len(report.failures)
    lines.append(
        f"{passed} of {len(report.outcomes)} cases passed for rulebook "
        f"{report.rulebook}"
    )
    fired = report.fired
    covered = sum(1 for rule_id in report.rule_ids if rule_id in fired)
    lines.append(f"coverage: {covered} of {len(report.rule_ids)} rule ids fired")
    if report.never_fired:
        lines.append(
            "not covered (no case fires these rules; add a case for each): "
            + ", ".join(report.never_fired)
        )
    return "\n".join(lines) + "\n"
