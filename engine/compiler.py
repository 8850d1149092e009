"""Compile a rulebook into durable-rules rulesets, one per unit kind.

Every rule is generated from the rulebook's data. One generic rule serves all
findings and one serves all exclusions by the inspector. Each measure,
applicability, adjustment and veto rule of the rulebook becomes one
durable-rules rule. Rule actions only record what matched (see
``engine.session``), and the meaning of each firing is read from the
:class:`CompiledRule` beside it.

Each asserted fact names its kind in the field ``fact`` (``kind`` is a field
of recognitions). Numbers are compared inside the engine as integers: a value ``v`` is asserted
as ``floor(v * SCALE)`` and ``ceil(v * SCALE)``, and a threshold ``t`` with at
most six decimal places as the integer ``t * SCALE``. Then ``v < t`` exactly
when ``floor(v * SCALE) < t * SCALE``, and ``v <= t`` exactly when
``ceil(v * SCALE) <= t * SCALE``, with no binary float anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from engine.checks import SCALE_DIGITS
from engine.errors import RulebookError
from engine.rulebook import (
    AdjustmentRule,
    Applicability,
    Condition,
    FieldTest,
    MeasureRule,
    ParamRef,
    Rulebook,
    VetoRule,
)
from facts.vocabulary import EVENT_FIELDS, MEASURES, MeasureType, UnitKind

SCALE = 10**SCALE_DIGITS

# Rule ids of the generic rules the compiler adds to every ruleset.
FINDING_RULE = "finding"
EXCLUSION_RULE = "not-applicable"
CATCH_ALL_RULE = "catch-all"

# durable-rules rejects more than 255 rules that share a first condition.
MAX_RULES_PER_KIND = 250

RuleRole = Literal[
    "finding",
    "exclusion",
    "applicability",
    "measure",
    "missing_measure",
    "adjustment",
    "veto",
    "catch_all",
]


@dataclass(frozen=True)
class CompiledRule:
    """The meaning of one generated durable-rules rule."""

    name: str
    rule_id: str
    role: RuleRole
    patterns: tuple[str, ...]
    code: str = ""
    measure: MeasureRule | None = None
    applicability: Applicability | None = None
    adjustment: AdjustmentRule | None = None
    veto: VetoRule | None = None


@dataclass
class CompiledRuleset:
    """The durable-rules definition for one unit kind, and its rules' meaning."""

    name: str
    kind: UnitKind
    definition: dict[str, Any]
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    scored_measures: dict[str, list[MeasureRule]] = field(default_factory=dict)
    checked_names: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def scaled_bounds(value: Fraction) -> tuple[int, int]:
    """Return ``(floor, ceil)`` of ``value * SCALE``.

    >>> scaled_bounds(Fraction(9, 10))
    (900000, 900000)
    >>> scaled_bounds(Fraction(1, 3))
    (333333, 333334)
    """
    scaled = value * SCALE
    return math.floor(scaled), math.ceil(scaled)


def compile_rulebook(rulebook: Rulebook) -> dict[UnitKind, CompiledRuleset]:
    """Compile one ruleset per unit kind; names carry the rulebook's hash."""
    return {kind: _Compiler(rulebook, kind).compile() for kind in UnitKind}


class _Compiler:
    def __init__(self, rulebook: Rulebook, kind: UnitKind) -> None:
        self.rulebook = rulebook
        self.kind = kind
        digest = rulebook.content_hash.split(":")[-1][:16]
        self.ruleset = CompiledRuleset(
            name=f"{rulebook.id}.{kind.value}.{digest}", kind=kind, definition={}
        )
        self.sheet_codes = set(rulebook.codes_of(rulebook.sheet_for(kind)))

    def compile(self) -> CompiledRuleset:
        self._add(FINDING_RULE, "finding", [{"m": {"fact": "finding"}}])
        self._add(EXCLUSION_RULE, "exclusion", [{"m": {"fact": "exclusion"}}])
        for applicability in self.rulebook.model.applicability:
            if not set(applicability.excludes) & self.sheet_codes:
                continue
            self._add(
                applicability.id,
                "applicability",
                self._patterns(applicability.when, applicability.id),
                applicability=applicability,
            )
            self._note_checked(applicability.when, applicability.id)
        for measure in self.rulebook.model.measures:
            if measure.code in self.sheet_codes:
                self._add_measure(measure)
        for adjustment in self.rulebook.model.adjustments:
            if self.kind not in adjustment.unit_kinds:
                continue
            for rule in adjustment.rules:
                self._add(
                    rule.id,
                    "adjustment",
                    self._patterns(rule.when, rule.id),
                    code=adjustment.code,
                    adjustment=rule,
                )
                self._note_checked(rule.when, rule.id)
        for veto in self.rulebook.model.vetoes:
            if self.kind not in veto.unit_kinds:
                continue
            for veto_rule in veto.rules:
                self._add(
                    veto_rule.id,
                    "veto",
                    self._patterns(veto_rule.when, veto_rule.id),
                    code=veto.code,
                    veto=veto_rule,
                )
                self._note_checked(veto_rule.when, veto_rule.id)
        # Every fact must match some rule, or durable-rules raises
        # MessageNotHandledException and drops the pending actions of the
        # batch. This rule matches every fact in its first pattern and joins a
        # fact kind that is never asserted, so it never fires.
        self._add(
            CATCH_ALL_RULE,
            "catch_all",
            [
                {"m": {"$ex": {"fact": True}}},
                {"never": {"fact": "__never_asserted__"}},
            ],
        )
        if len(self.ruleset.rules) > MAX_RULES_PER_KIND:
            raise RulebookError(
                f"{len(self.ruleset.rules)} rules apply to {self.kind.value} units; "
                f"the rule engine accepts at most {MAX_RULES_PER_KIND}",
                code=self.rulebook.id,
            )
        return self.ruleset

    def _add(
        self,
        rule_id: str,
        role: RuleRole,
        patterns: list[dict[str, Any]],
        code: str = "",
        **meaning: Any,
    ) -> None:
        name = f"r{len(self.ruleset.rules)}"
        self.ruleset.definition[name] = {"all": patterns, "run": name}
        pattern_names = tuple(next(iter(pattern)) for pattern in patterns)
        self.ruleset.rules[name] = CompiledRule(
            name, rule_id, role, pattern_names, code=code, **meaning
        )

    def _add_measure(self, measure: MeasureRule) -> None:
        base: list[dict[str, Any]] = [{"fact": "measure"}, {"name": measure.measure}]
        below: list[dict[str, Any]]
        if isinstance(measure.target, bool):
            below = [{"$neq": {"value": measure.target}}]
        else:
            threshold = _scaled_threshold(measure.target, measure.id)
            below = [{"$lt": {"value_lo": threshold}}]
        self._add(
            measure.id,
            "measure",
            [{"m": {"$and": base + below}}],
            code=measure.code,
            measure=measure,
        )
        self._add(
            f"{measure.id}.missing",
            "missing_measure",
            [{"m": {"$and": [{"fact": "missing"}, {"name": measure.measure}]}}],
            code=measure.code,
            measure=measure,
        )
        self.ruleset.scored_measures.setdefault(measure.measure, []).append(measure)

    def _note_checked(self, condition: Condition, rule_id: str) -> None:
        if condition.name is not None:
            key = (condition.fact, condition.name)
            self.ruleset.checked_names.setdefault(key, []).append(rule_id)

    def _patterns(self, condition: Condition, rule_id: str) -> list[dict[str, Any]]:
        tests = self._tests(condition, rule_id)
        names = [f"p{index}" for index in range(condition.count_at_least)]
        patterns = []
        for index, name in enumerate(names):
            terms = list(tests)
            if index > 0:
                # Distinct facts in increasing id order, so that each set of
                # facts fires once and not once per ordering.
                terms.append({"$gt": {"id": {names[index - 1]: "id"}}})
            patterns.append({name: {"$and": terms} if len(terms) > 1 else terms[0]})
        return patterns

    def _tests(self, condition: Condition, rule_id: str) -> list[dict[str, Any]]:
        terms: list[dict[str, Any]] = [{"fact": condition.fact}]
        if condition.name is not None:
            terms.append({"name": condition.name})
        for field_name, test in condition.tests():
            numeric = self._is_numeric(condition, field_name)
            terms.extend(self._field_terms(field_name, test, numeric, rule_id))
        return terms

    def _is_numeric(self, condition: Condition, field_name: str) -> bool:
        if condition.fact == "measure":
            return MEASURES.get(condition.name or "") is not MeasureType.BOOLEAN
        return EVENT_FIELDS.get(condition.fact, {}).get(field_name) in (int, float)

    def _field_terms(
        self, field_name: str, test: FieldTest, numeric: bool, rule_id: str
    ) -> list[dict[str, Any]]:
        terms: list[dict[str, Any]] = []
        for operator, operand in test.operators():
            if operator in ("in", "not_in"):
                options = [
                    self._plain(field_name, value, numeric, rule_id)
                    for value in operand
                ]
                if operator == "in":
                    terms.append(
                        {
                            "$or": [
                                self._equal(field_name, value, numeric)
                                for value in options
                            ]
                        }
                    )
                else:
                    terms.extend(
                        self._not_equal(field_name, value, numeric) for value in options
                    )
            elif operator == "between":
                low = self._plain(field_name, operand[0], numeric, rule_id)
                high = self._plain(field_name, operand[1], numeric, rule_id)
                terms.append(self._compare(field_name, "ge", low, numeric))
                terms.append(self._compare(field_name, "le", high, numeric))
            else:
                value = self._plain(field_name, operand, numeric, rule_id)
                if operator == "eq":
                    terms.append(self._equal(field_name, value, numeric))
                elif operator == "ne":
                    terms.append(self._not_equal(field_name, value, numeric))
                else:
                    terms.append(self._compare(field_name, operator, value, numeric))
        return terms

    def _plain(self, field_name: str, value: Any, numeric: bool, rule_id: str) -> Any:
        if isinstance(value, ParamRef):
            value = self.rulebook.threshold(value.param)
        if numeric:
            if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
                raise RulebookError(
                    f"field {field_name} needs a number, found {value!r}", code=rule_id
                )
            return _scaled_threshold(Fraction(value), rule_id)
        return value

    @staticmethod
    def _equal(field_name: str, value: Any, numeric: bool) -> dict[str, Any]:
        if numeric:
            return {"$and": [{f"{field_name}_lo": value}, {f"{field_name}_hi": value}]}
        return {field_name: value}

    @staticmethod
    def _not_equal(field_name: str, value: Any, numeric: bool) -> dict[str, Any]:
        if numeric:
            return {
                "$or": [
                    {"$neq": {f"{field_name}_lo": value}},
                    {"$neq": {f"{field_name}_hi": value}},
                ]
            }
        return {"$neq": {field_name: value}}

    @staticmethod
    def _compare(
        field_name: str, operator: str, value: Any, numeric: bool
    ) -> dict[str, Any]:
        if numeric:
            # floor(v*S) decides < and >=; ceil(v*S) decides <= and >.
            bound = "lo" if operator in ("lt", "ge") else "hi"
            field_name = f"{field_name}_{bound}"
        engine_operator = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}[
            operator
        ]
        return {engine_operator: {field_name: value}}


def _scaled_threshold(value: Fraction, rule_id: str) -> int:
    scaled = value * SCALE
    if scaled.denominator != 1:
        raise RulebookError(
            f"threshold {value} has more than {SCALE_DIGITS} decimal places",
            code=rule_id,
        )
    return int(scaled)
