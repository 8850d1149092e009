"""A direct evaluation of a rulebook in plain Python, without durable-rules.

It reads the same rulebook data (conditions, measure rules, adjustments,
vetoes, parameters) and scores already validated units, so the benchmark
can compare the rule engine's cost with a direct loop and cross-check
both give the same results. It skips what the engine does besides
scoring (fact checks, warnings, explanations) and assumes valid input.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any

from engine.result import round_half_up
from engine.rulebook import Condition, ParamRef, Rulebook
from facts.models import Unit
from facts.vocabulary import UnitKind

ZERO = Fraction(0)


@dataclass(frozen=True)
class PlainResult:
    """The figures both evaluators must agree on, exact."""

    unit: str
    items: dict[str, Fraction]
    not_applicable: list[str]
    sheet_percent: Fraction
    adjustments: list[tuple[str, Fraction]]
    adjusted: Fraction | None
    schools_mean: Fraction | None
    total: Fraction
    vetoes: list[str]
    grade: str


Fact = tuple[str, str | None, dict[str, Any]]


@dataclass(frozen=True)
class _FullMarks:
    """A sheet at full marks with some codes left out, and where each leaf sits."""

    excluded: frozenset[str]
    items: dict[str, Fraction]
    leaves: dict[str, tuple[str | None, Fraction]]
    earned: Fraction
    maximum: Fraction
    not_applicable: list[str]


def unit_facts(unit: Unit) -> list[Fact]:
    """List a unit's facts as (kind, name, fields), enum values as text."""
    facts: list[Fact] = []
    for group, kind in (
        ("incidents", "incident"),
        ("petitions", "petition"),
        ("recognitions", "recognition"),
        ("convictions", "conviction"),
    ):
        for event in getattr(unit, group):
            fields = {}
            for name in type(event).model_fields:
                value = getattr(event, name)
                if name in ("id", "note") or value is None:
                    continue
                fields[name] = value.value if isinstance(value, Enum) else value
            facts.append((kind, None, fields))
    for group, kind in (
        ("measures", "measure"),
        ("flags", "flag"),
        ("profile", "profile"),
    ):
        model = getattr(unit, group)
        for name in type(model).model_fields:
            value = getattr(model, name)
            if value is not None:
                facts.append((kind, name, {"value": value}))
    return facts


class PlainEvaluator:
    """Scores units from the rulebook data with ordinary Python loops."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.parameters = rulebook.parameters
        # Conditions live as long as the rulebook, so their ids stay valid.
        self._compiled: dict[int, list[tuple[str, list[tuple[str, Any]]]]] = {}
        self._layouts: dict[tuple[UnitKind, frozenset[str]], _FullMarks] = {}
        self._on_sheet = {
            kind: set(rulebook.codes_of(rulebook.sheet_for(kind))) for kind in UnitKind
        }

    def evaluate(self, units: list[Unit]) -> dict[str, PlainResult]:
        """Evaluate schools first, then counties with their sampled schools."""
        results: dict[str, PlainResult] = {}
        schools = [unit for unit in units if unit.kind is not UnitKind.COUNTY_BUREAU]
        counties = [unit for unit in units if unit.kind is UnitKind.COUNTY_BUREAU]
        for unit in schools:
            results[unit.id] = self._unit(unit, [])
        sampled: dict[str, list[PlainResult]] = defaultdict(list)
        for unit in schools:
            if unit.county is not None and unit.sampled:
                sampled[unit.county].append(results[unit.id])
        for unit in counties:
            results[unit.id] = self._unit(unit, sampled[unit.id])
        return results

    def _unit(self, unit: Unit, schools: list[PlainResult]) -> PlainResult:
        rulebook = self.rulebook
        kind = unit.kind
        facts = unit_facts(unit)

        named = set(unit.not_applicable)
        for applicability in rulebook.model.applicability:
            if any(self._matches(applicability.when, fact) for fact in facts):
                named.update(applicability.excludes)
        full = self._full_marks(kind, frozenset(named))

        deductions: dict[str, Fraction] = defaultdict(Fraction)
        for finding in unit.findings:
            deductions[finding.item] += finding.deduct
        on_sheet = self._on_sheet[kind]
        measured = {
            name: fields["value"] for kind_, name, fields in facts if kind_ == "measure"
        }
        for measure_rule in rulebook.model.measures:
            if measure_rule.code not in on_sheet:
                continue
            value = measured.get(measure_rule.measure)
            if value is None:
                deductions[measure_rule.code] += measure_rule.points
            elif (
                isinstance(measure_rule.target, bool)
                or measure_rule.shortfall == "all_or_nothing"
            ):
                if not (
                    value == measure_rule.target
                    if isinstance(measure_rule.target, bool)
                    else value >= measure_rule.target
                ):
                    deductions[measure_rule.code] += measure_rule.points
            else:
                earned = measure_rule.points * min(
                    Fraction(1), value / measure_rule.target
                )
                deductions[measure_rule.code] += measure_rule.points - earned

        # Full marks, lowered where points were lost: most items lose none.
        items = dict(full.items)
        earned = full.earned
        maximum = full.maximum
        for code, deducted in deductions.items():
            if code not in full.leaves:
                continue
            parent, points = full.leaves[code]
            score = max(ZERO, points - deducted)
            items[code] = score
            earned += score - points
            if parent is not None:
                items[parent] += score - points
        percent = 100 * earned / maximum

        vetoes: set[str] = set()
        for veto in rulebook.model.vetoes:
            if kind not in veto.unit_kinds:
                continue
            for veto_rule in veto.rules:
                matching = [
                    fact for fact in facts if self._matches(veto_rule.when, fact)
                ]
                if len(matching) >= veto_rule.when.count_at_least:
                    vetoes.add(veto.code)

        adjustments: list[tuple[str, Fraction]] = []
        adjusted = None
        schools_mean = None
        total = percent
        if kind is UnitKind.COUNTY_BUREAU:
            for adjustment in rulebook.model.adjustments:
                if kind not in adjustment.unit_kinds:
                    continue
                fired: list[tuple[str | None, Fraction]] = []
                any_fired = False
                for adjustment_rule in adjustment.rules:
                    for fact in facts:
                        if not self._matches(adjustment_rule.when, fact):
                            continue
                        any_fired = True
                        if adjustment_rule.veto:
                            vetoes.add(adjustment.code)
                        elif adjustment_rule.points is not None:
                            fired.append(
                                (adjustment_rule.group, adjustment_rule.points)
                            )
                        elif adjustment_rule.points_from is not None:
                            fired.append(
                                (
                                    adjustment_rule.group,
                                    -fact[2][adjustment_rule.points_from],
                                )
                            )
                if not any_fired:
                    continue
                if adjustment.combine == "strongest_per_group":
                    best: dict[str, Fraction] = {}
                    for group, points in fired:
                        key = group or ""
                        if key not in best or abs(points) > abs(best[key]):
                            best[key] = points
                    net = sum(best.values(), ZERO)
                else:
                    net = sum((points for _, points in fired), ZERO)
                adjustments.append((adjustment.code, net))
            adjusted = percent + sum((points for _, points in adjustments), ZERO)
            floor = self.parameters.adjusted_floor
            if floor is not None and adjusted < floor:
                adjusted = floor
            counted = [
                ZERO
                if school.vetoes and self.parameters.vetoed_sampled_school == "zero"
                else school.sheet_percent
                for school in schools
            ]
            schools_mean = sum(counted, ZERO) / len(counted)
            total = (
                self.parameters.county_own_weight * adjusted
                + self.parameters.county_schools_weight * schools_mean
            )

        return PlainResult(
            unit=unit.id,
            items=items,
            not_applicable=full.not_applicable,
            sheet_percent=percent,
            adjustments=adjustments,
            adjusted=adjusted,
            schools_mean=schools_mean,
            total=total,
            vetoes=sorted(vetoes),
            grade=self._grade(total, bool(vetoes)),
        )

    def _full_marks(self, kind: UnitKind, named: frozenset[str]) -> _FullMarks:
        """Return the sheet of ``kind`` at full marks without ``named`` codes."""
        key = (kind, named)
        cached = self._layouts.get(key)
        if cached is not None:
            return cached
        rulebook = self.rulebook
        sheet = rulebook.sheet_for(kind)
        excluded = set(named)
        for code in named:
            scored = rulebook.codes.get(code)
            if scored is not None and scored.is_item:
                excluded.update(part.code for part in scored.item.parts)
        items: dict[str, Fraction] = {}
        leaves: dict[str, tuple[str | None, Fraction]] = {}
        for category in sheet.categories:
            for item in category.items:
                kept = [part for part in item.parts if part.code not in excluded]
                if item.code in excluded or (item.parts and not kept):
                    excluded.add(item.code)
                    continue
                for part in kept:
                    items[part.code] = part.points
                    leaves[part.code] = (item.code, part.points)
                if item.parts:
                    items[item.code] = sum((part.points for part in kept), ZERO)
                else:
                    items[item.code] = item.points
                    leaves[item.code] = (None, item.points)
        maximum = sum(
            (
                items[item.code]
                for c in sheet.categories
                for item in c.items
                if item.code in items
            ),
            ZERO,
        )
        on_sheet = self._on_sheet[kind]
        layout = _FullMarks(
            excluded=frozenset(excluded),
            items=items,
            leaves=leaves,
            earned=maximum,
            maximum=maximum,
            not_applicable=sorted(code for code in excluded if code in on_sheet),
        )
        self._layouts[key] = layout
        return layout

    def _grade(self, total: Fraction, vetoed: bool) -> str:
        if vetoed:
            return self.parameters.failing_grade.grade
        shown = Fraction(round_half_up(total, self.parameters.display_places))
        for grade in self.parameters.grades:
            if shown >= grade.at_least:
                return grade.grade
        return self.parameters.failing_grade.grade

    def _matches(self, condition: Condition, fact: Fact) -> bool:
        kind, name, fields = fact
        if condition.fact != kind:
            return False
        if condition.name is not None and condition.name != name:
            return False
        for field_name, tests in self._tests(condition):
            if field_name not in fields:
                return False
            value = fields[field_name]
            for operator, operand in tests:
                if not _passes(value, operator, operand):
                    return False
        return True

    def _tests(self, condition: Condition) -> list[tuple[str, list[tuple[str, Any]]]]:
        """Return the condition's tests with parameters resolved, built once."""
        key = id(condition)
        cached = self._compiled.get(key)
        if cached is None:
            cached = [
                (
                    field_name,
                    [
                        (operator, self._operand(operand))
                        for operator, operand in test.operators()
                    ],
                )
                for field_name, test in condition.tests()
            ]
            self._compiled[key] = cached
        return cached

    def _operand(self, operand: Any) -> Any:
        if isinstance(operand, ParamRef):
            return self.parameters.thresholds[operand.param]
        if isinstance(operand, (list, tuple)):
            return [self._operand(item) for item in operand]
        return operand


def _passes(value: Any, operator: str, operand: Any) -> bool:
    if operator == "in":
        return any(_equal(value, choice) for choice in operand)
    if operator == "not_in":
        return not any(_equal(value, choice) for choice in operand)
    if operator == "between":
        return bool(operand[0] <= value <= operand[1])
    if operator == "eq":
        return _equal(value, operand)
    if operator == "ne":
        return not _equal(value, operand)
    if operator == "lt":
        return bool(value < operand)
    if operator == "le":
        return bool(value <= operand)
    if operator == "gt":
        return bool(value > operand)
    if operator == "ge":
        return bool(value >= operand)
    raise ValueError(f"unknown operator {operator!r}")


def _equal(value: Any, target: Any) -> bool:
    # True == 1 in Python; a yes/no fact equals only a yes/no value.
    if isinstance(value, bool) or isinstance(target, bool):
        return isinstance(value, bool) and isinstance(target, bool) and value == target
    return bool(value == target)
