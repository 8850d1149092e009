"""Semantic checks of a rulebook, beyond what its schema validates.

Errors make a rulebook unusable: points that do not add up, codes that clash
or do not exist, conditions on facts outside the fact vocabulary. Warnings
point at rules that can never fire or that overlap another rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from engine.conditions import can_match_same_fact, empty_field, full_domain
from engine.errors import RulebookError, RulebookErrors
from engine.rulebook import Condition, ParamRef, Rulebook, load_rulebook_folder
from facts.errors import suggestion
from facts.vocabulary import EVENT_FIELDS, MEASURES, NAMED_FACTS, MeasureType, UnitKind

# Thresholds are compared inside the rule engine as integers scaled by this
# factor, so a threshold may carry at most this many decimal places.
SCALE_DIGITS = 6


@dataclass(frozen=True)
class CheckFinding:
    """One problem found by a check, with its place in the rulebook files."""

    severity: Literal["error", "warning"]
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    code: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_error(self) -> RulebookError:
        return RulebookError(
            self.message,
            file=self.file,
            line=self.line,
            column=self.column,
            code=self.code,
        )

    def __str__(self) -> str:
        return f"{self.severity}: {self.as_error().message}"


class _Checker:
    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.findings: list[CheckFinding] = []

    def report(
        self,
        severity: Literal["error", "warning"],
        message: str,
        key: str,
        location: tuple[Any, ...],
        code: str | None = None,
    ) -> None:
        file, line, column = self.rulebook.locate(key, location)
        self.findings.append(CheckFinding(severity, message, file, line, column, code))

    def error(
        self, message: str, key: str, location: tuple[Any, ...], code: str | None = None
    ) -> None:
        self.report("error", message, key, location, code)

    def warning(
        self, message: str, key: str, location: tuple[Any, ...], code: str | None = None
    ) -> None:
        self.report("warning", message, key, location, code)


def check_rulebook(rulebook: Rulebook) -> list[CheckFinding]:
    """Run every semantic check and return the findings, errors first."""
    checker = _Checker(rulebook)
    _check_sheets(checker)
    _check_rule_ids(checker)
    _check_applicability(checker)
    _check_measures(checker)
    _check_adjustments(checker)
    _check_vetoes(checker)
    _check_parameters(checker)
    _check_reachability(checker)
    _check_overlaps(checker)
    return sorted(checker.findings, key=lambda finding: not finding.is_error)


def format_points(value: Fraction) -> str:
    """Write exact points for a message: ``4``, ``2.5`` or ``1/3``.

    >>> format_points(Fraction(5, 2))
    '2.5'
    """
    if value.denominator == 1:
        return str(value.numerator)
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(decimal) == value:
        return str(decimal)
    return f"{value.numerator}/{value.denominator}"


def _check_sheets(checker: _Checker) -> None:
    rulebook = checker.rulebook
    seen: dict[str, tuple[Any, ...]] = {}
    kinds = Counter(
        kind for sheet in rulebook.model.sheets for kind in sheet.unit_kinds
    )
    for kind in UnitKind:
        if kinds[kind] == 0:
            checker.error(
                f"no sheet scores units of kind {kind.value}; add "
                f"{kind.value!r} to the unit_kinds of one sheet",
                "sheets",
                (),
            )
        elif kinds[kind] > 1:
            checker.error(
                f"{kinds[kind]} sheets score units of kind {kind.value}; "
                "expected exactly one",
                "sheets",
                (),
            )
    for s, sheet in enumerate(rulebook.model.sheets):
        category_sum = sum(
            (category.total for category in sheet.categories), Fraction(0)
        )
        if category_sum != sheet.total:
            checker.error(
                f"sheet {sheet.id!r} declares total {format_points(sheet.total)} but its "
                f"categories sum to {format_points(category_sum)}",
                "sheets",
                (s, "total"),
                sheet.id,
            )
        for c, category in enumerate(sheet.categories):
            item_sum = sum((item.points for item in category.items), Fraction(0))
            if item_sum != category.total:
                checker.error(
                    f"category {category.number} {category.title!r} of sheet "
                    f"{sheet.id!r} declares total {format_points(category.total)} but its "
                    f"items sum to {format_points(item_sum)}",
                    "sheets",
                    (s, "categories", c, "total"),
                    sheet.id,
                )
            for i, item in enumerate(category.items):
                where = (s, "categories", c, "items", i)
                codes = [(item.code, where)] + [
                    (part.code, (*where, "parts", p))
                    for p, part in enumerate(item.parts)
                ]
                for code, location in codes:
                    if code in seen:
                        checker.error(
                            f"duplicate code {code!r}; each item and part "
                            "code must be unique across the sheets",
                            "sheets",
                            (*location, "code"),
                            code,
                        )
                    seen[code] = location
                if item.points <= 0:
                    checker.error(
                        f"item {item.code} has points {format_points(item.points)}; "
                        "expected a positive number",
                        "sheets",
                        (*where, "points"),
                        item.code,
                    )
                if item.parts:
                    part_sum = sum((part.points for part in item.parts), Fraction(0))
                    if part_sum != item.points:
                        checker.error(
                            f"item {item.code} declares {format_points(item.points)} points but "
                            f"its parts sum to {format_points(part_sum)}",
                            "sheets",
                            (*where, "points"),
                            item.code,
                        )


def _check_rule_ids(checker: _Checker) -> None:
    model = checker.rulebook.model
    places: list[tuple[str, str, tuple[Any, ...]]] = []
    places += [
        (rule.id, "applicability", (i, "id"))
        for i, rule in enumerate(model.applicability)
    ]
    places += [
        (rule.id, "measures", (i, "id")) for i, rule in enumerate(model.measures)
    ]
    for a, adjustment in enumerate(model.adjustments):
        places += [
            (rule.id, "adjustments", (a, "rules", r, "id"))
            for r, rule in enumerate(adjustment.rules)
        ]
    for v, veto in enumerate(model.vetoes):
        places += [
            (rule.id, "vetoes", (v, "rules", r, "id"))
            for r, rule in enumerate(veto.rules)
        ]
    seen: set[str] = set()
    for rule_id, key, location in places:
        if rule_id in seen:
            checker.error(
                f"duplicate rule id {rule_id!r}; rule ids must be unique",
                key,
                location,
                rule_id,
            )
        if rule_id in checker.rulebook.codes:
            checker.error(
                f"rule id {rule_id!r} is also an item code; rename the rule",
                key,
                location,
                rule_id,
            )
        seen.add(rule_id)
    outcome_codes = [adjustment.code for adjustment in model.adjustments]
    outcome_codes += [veto.code for veto in model.vetoes]
    for code, count in Counter(outcome_codes).items():
        if count > 1:
            checker.error(
                f"adjustment or veto code {code!r} is declared {count} times",
                "vetoes",
                (),
                code,
            )


def _check_code(
    checker: _Checker, code: str, key: str, location: tuple[Any, ...], rule_id: str
) -> bool:
    if code in checker.rulebook.codes:
        return True
    checker.error(
        f"unknown item code {code!r}{suggestion(code, checker.rulebook.codes)}",
        key,
        location,
        rule_id,
    )
    return False


def _check_applicability(checker: _Checker) -> None:
    for i, rule in enumerate(checker.rulebook.model.applicability):
        _check_condition(checker, rule.when, "applicability", (i, "when"), rule.id)
        if rule.when.fact != "profile":
            checker.error(
                f"an applicability rule must test a profile fact, found "
                f"{rule.when.fact!r}",
                "applicability",
                (i, "when", "fact"),
                rule.id,
            )
        for e, code in enumerate(rule.excludes):
            _check_code(checker, code, "applicability", (i, "excludes", e), rule.id)


def _check_measures(checker: _Checker) -> None:
    rulebook = checker.rulebook
    per_code: dict[str, Fraction] = {}
    for i, rule in enumerate(rulebook.model.measures):
        where = (i,)
        if not _check_code(checker, rule.code, "measures", (*where, "code"), rule.id):
            continue
        scored = rulebook.codes[rule.code]
        if not scored.is_item or not scored.item.parts:
            pass
        else:
            checker.error(
                f"measure rule scores item {rule.code}, which has parts; "
                "name one of its parts "
                f"({', '.join(p.code for p in scored.item.parts)})",
                "measures",
                (*where, "code"),
                rule.id,
            )
        measure_type = MEASURES.get(rule.measure)
        if measure_type is None:
            checker.error(
                f"unknown measure {rule.measure!r}{suggestion(rule.measure, MEASURES)}",
                "measures",
                (*where, "measure"),
                rule.id,
            )
        elif measure_type is MeasureType.BOOLEAN:
            if not isinstance(rule.target, bool):
                checker.error(
                    f"measure {rule.measure} is yes/no, so its target must be "
                    f"true or false, found {rule.target!r}",
                    "measures",
                    (*where, "target"),
                    rule.id,
                )
        elif isinstance(rule.target, bool):
            checker.error(
                f"measure {rule.measure} is a number, so its target must be "
                f"a number, found {rule.target!r}",
                "measures",
                (*where, "target"),
                rule.id,
            )
        elif rule.target <= 0:
            checker.error(
                f"target {format_points(rule.target)} must be above 0",
                "measures",
                (*where, "target"),
                rule.id,
            )
        elif measure_type is MeasureType.RATE and rule.target > 1:
            checker.error(
                f"target {format_points(rule.target)} of rate {rule.measure} must lie in 0…1",
                "measures",
                (*where, "target"),
                rule.id,
            )
        per_code[rule.code] = per_code.get(rule.code, Fraction(0)) + rule.points
        if per_code[rule.code] > scored.points:
            checker.error(
                f"measure rules on {rule.code} give "
                f"{format_points(per_code[rule.code])} points, more than its "
                f"{format_points(scored.points)}",
                "measures",
                (*where, "points"),
                rule.id,
            )


def _check_adjustments(checker: _Checker) -> None:
    for a, adjustment in enumerate(checker.rulebook.model.adjustments):
        if not adjustment.rules:
            checker.error(
                f"adjustment {adjustment.code} has no rule that can trigger it",
                "adjustments",
                (a, "rules"),
                adjustment.code,
            )
        for r, rule in enumerate(adjustment.rules):
            where = (a, "rules", r)
            _check_condition(
                checker, rule.when, "adjustments", (*where, "when"), rule.id
            )
            effects = sum(
                [
                    rule.points is not None,
                    rule.points_from is not None,
                    rule.veto,
                    rule.reject is not None,
                ]
            )
            if effects != 1:
                checker.error(
                    "an adjustment rule needs exactly one of points, "
                    f"points_from, veto: true or reject, found {effects}",
                    "adjustments",
                    where,
                    rule.id,
                )
            if rule.points_from is not None:
                fields = EVENT_FIELDS.get(rule.when.fact, {})
                if fields.get(rule.points_from) is not float:
                    numeric = [name for name, kind in fields.items() if kind is float]
                    checker.error(
                        f"points_from names {rule.points_from!r}, which is not "
                        f"a number field of {rule.when.fact}"
                        f"{suggestion(rule.points_from, numeric)}",
                        "adjustments",
                        (*where, "points_from"),
                        rule.id,
                    )
            if (
                rule.points_range is not None
                and rule.points_range[0] > rule.points_range[1]
            ):
                checker.error(
                    f"points_range {[format_points(p) for p in rule.points_range]} "
                    "is empty; write the lower bound first",
                    "adjustments",
                    (*where, "points_range"),
                    rule.id,
                )
            if (
                adjustment.combine == "strongest_per_group"
                and (rule.points is not None or rule.points_from is not None)
                and rule.group is None
            ):
                checker.error(
                    "a rule of an indicator that combines the strongest "
                    "per group needs a group",
                    "adjustments",
                    where,
                    rule.id,
                )


def _check_vetoes(checker: _Checker) -> None:
    for v, veto in enumerate(checker.rulebook.model.vetoes):
        if not veto.rules:
            checker.error(
                f"veto {veto.code} has no rule that can trigger it",
                "vetoes",
                (v, "rules"),
                veto.code,
            )
        for r, rule in enumerate(veto.rules):
            _check_condition(
                checker, rule.when, "vetoes", (v, "rules", r, "when"), rule.id
            )


def _check_parameters(checker: _Checker) -> None:
    parameters = checker.rulebook.parameters
    cutoffs = [grade.at_least for grade in parameters.grades]
    if not parameters.grades:
        checker.error(
            "grades is empty; list at least one passing grade",
            "parameters",
            ("grades",),
        )
    for g in range(1, len(cutoffs)):
        if cutoffs[g] >= cutoffs[g - 1]:
            checker.error(
                f"grade cut-offs must fall strictly from the first grade to the last: "
                f"{parameters.grades[g].grade} at {format_points(cutoffs[g])} is not below "
                f"{parameters.grades[g - 1].grade} at {format_points(cutoffs[g - 1])}",
                "parameters",
                ("grades", g, "at_least"),
                parameters.grades[g].grade,
            )
    names = [grade.grade for grade in parameters.grades] + [
        parameters.failing_grade.grade
    ]
    for name, count in Counter(names).items():
        if count > 1:
            checker.error(
                f"grade {name!r} is named {count} times", "parameters", ("grades",)
            )
    weights = parameters.county_own_weight + parameters.county_schools_weight
    if weights != 1:
        checker.error(
            f"county_own_weight + county_schools_weight = {format_points(weights)}; "
            "expected 1",
            "parameters",
            ("county_own_weight",),
            "county_own_weight",
        )
    for name, value in parameters.thresholds.items():
        if (value * 10**SCALE_DIGITS).denominator != 1:
            checker.error(
                f"threshold {name} = {format_points(value)} has more than "
                f"{SCALE_DIGITS} decimal places",
                "parameters",
                ("thresholds", name),
            )
    for f, kind in enumerate(parameters.warn_unused_facts):
        if kind not in EVENT_FIELDS:
            checker.error(
                f"warn_unused_facts names {kind!r}, which is not a kind of "
                f"event{suggestion(kind, EVENT_FIELDS)}",
                "parameters",
                ("warn_unused_facts", f),
            )


def _check_condition(
    checker: _Checker,
    condition: Condition,
    key: str,
    location: tuple[Any, ...],
    rule_id: str,
) -> None:
    """Check that a condition names known facts, fields, values and parameters."""
    thresholds = checker.rulebook.parameters.thresholds
    if condition.fact in NAMED_FACTS:
        names = NAMED_FACTS[condition.fact]
        if condition.name is None:
            checker.error(
                f"a {condition.fact} condition needs a name (one of "
                f"{', '.join(names)})",
                key,
                location,
                rule_id,
            )
        elif condition.name not in names:
            checker.error(
                f"unknown {condition.fact} {condition.name!r}"
                f"{suggestion(condition.name, names)}",
                key,
                (*location, "name"),
                rule_id,
            )
        fields: dict[str, Any] = {"value": _value_type(condition)}
    else:
        if condition.name is not None:
            checker.error(
                f"name is only for measure, flag and profile conditions, "
                f"not {condition.fact}",
                key,
                (*location, "name"),
                rule_id,
            )
        fields = EVENT_FIELDS[condition.fact]
    if condition.count_at_least > 1 and condition.fact in NAMED_FACTS:
        checker.error(
            "count_at_least applies to events only; a unit has one "
            f"{condition.fact} of each name",
            key,
            (*location, "count_at_least"),
            rule_id,
        )
    for field_name, test in condition.tests():
        place = (*location, "where", field_name)
        if field_name not in fields:
            checker.error(
                f"unknown field {field_name!r} of {condition.fact}"
                f"{suggestion(field_name, fields)} (accepted: "
                f"{', '.join(fields)})",
                key,
                place,
                rule_id,
            )
            continue
        expected = fields[field_name]
        for operator, operand in test.operators():
            operands = operand if isinstance(operand, (list, tuple)) else [operand]
            for value in operands:
                from_parameter = isinstance(value, ParamRef)
                shown = repr(value)
                if isinstance(value, ParamRef):
                    if value.param not in thresholds:
                        checker.error(
                            f"unknown parameter {value.param!r}"
                            f"{suggestion(value.param, thresholds)}",
                            key,
                            place,
                            rule_id,
                        )
                        continue
                    shown = f"{value.param} = {format_points(thresholds[value.param])}"
                    value = thresholds[value.param]
                if (
                    _is_rate(condition)
                    and isinstance(value, (int, Fraction))
                    and not isinstance(value, bool)
                    and not 0 <= value <= 1
                ):
                    checker.error(
                        f"measure {condition.name} is a rate in 0…1, so testing it "
                        f"against {shown} is always true or always false; use a "
                        "threshold in 0…1",
                        key,
                        place,
                        rule_id,
                    )
                    continue
                if from_parameter:
                    continue
                problem = _value_problem(value, expected, operator)
                if problem:
                    checker.error(
                        f"{condition.fact}.{field_name} {operator} "
                        f"{value!r}: {problem}",
                        key,
                        place,
                        rule_id,
                    )


def _is_rate(condition: Condition) -> bool:
    return (
        condition.fact == "measure"
        and MEASURES.get(condition.name or "") is MeasureType.RATE
    )


def _value_type(condition: Condition) -> Any:
    if condition.fact == "measure" and condition.name in MEASURES:
        kind = MEASURES[condition.name]
        return bool if kind is MeasureType.BOOLEAN else float
    return bool


def _value_problem(value: Any, expected: Any, operator: str) -> str | None:
    if isinstance(expected, type) and issubclass(expected, Enum):
        accepted = [member.value for member in expected]
        if operator not in ("eq", "ne", "in", "not_in"):
            return f"cannot be compared with {operator}; use eq, ne, in or not_in"
        if value not in accepted:
            return (
                f"not a valid value{suggestion(str(value), accepted)} "
                f"(accepted: {', '.join(accepted)})"
            )
        return None
    if expected is bool:
        if not isinstance(value, bool):
            return "expected true or false"
        if operator not in ("eq", "ne"):
            return f"a yes/no field can only be tested with eq or ne, not {operator}"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        return "expected a number"
    if (Fraction(value) * 10**SCALE_DIGITS).denominator != 1:
        return f"has more than {SCALE_DIGITS} decimal places"
    return None


def _dead_reason(checker: _Checker, condition: Condition) -> str | None:
    """Explain why no fact can ever match ``condition``, or return None."""
    found = empty_field(condition, checker.rulebook.parameters.thresholds)
    if found is None:
        return None
    field_name, _ = found
    test = dict(condition.tests())[field_name]
    subject = (
        f"{condition.fact} {condition.name}"
        if condition.name is not None
        else f"{condition.fact}.{field_name}"
    )
    if test.in_ is not None and not test.in_:
        return f"the 'in' list of {subject} is empty"
    domain = full_domain(condition, field_name)
    accepted = domain.describe() if domain is not None else "no value"
    tests = ", ".join(
        f"{operator} {_operand_text(operand)}" for operator, operand in test.operators()
    )
    return f"no value of {subject} passes {tests} (the field takes {accepted})"


def _operand_text(operand: Any) -> str:
    if isinstance(operand, (list, tuple)):
        return "[" + ", ".join(_operand_text(value) for value in operand) + "]"
    if isinstance(operand, ParamRef):
        return f"{{param: {operand.param}}}"
    if isinstance(operand, bool):
        return str(operand).lower()
    if isinstance(operand, Fraction):
        return format_points(operand)
    return str(operand)


def _check_reachability(checker: _Checker) -> None:
    """Warn about rules that can never fire; fail outcomes that nothing triggers."""
    model = checker.rulebook.model
    for i, rule in enumerate(model.applicability):
        reason = _dead_reason(checker, rule.when)
        if reason:
            checker.warning(
                f"applicability rule {rule.id} can never fire: {reason}",
                "applicability",
                (i, "when"),
                rule.id,
            )
        if not rule.excludes:
            checker.warning(
                f"applicability rule {rule.id} excludes no item; list the item "
                "codes it leaves out under excludes",
                "applicability",
                (i, "excludes"),
                rule.id,
            )
    for a, adjustment in enumerate(model.adjustments):
        live = 0
        for r, adjustment_rule in enumerate(adjustment.rules):
            reason = _dead_reason(checker, adjustment_rule.when)
            if reason:
                checker.warning(
                    f"adjustment rule {adjustment_rule.id} can never fire: {reason}",
                    "adjustments",
                    (a, "rules", r, "when"),
                    adjustment_rule.id,
                )
            elif adjustment_rule.reject is None:
                live += 1
        if adjustment.rules and live == 0:
            checker.error(
                f"adjustment {adjustment.code} has no rule that can trigger it: "
                "every rule either rejects its fact or can never fire",
                "adjustments",
                (a, "rules"),
                adjustment.code,
            )
        if not adjustment.unit_kinds:
            checker.error(
                f"adjustment {adjustment.code} applies to no unit kind; list "
                "county_bureau or school under unit_kinds",
                "adjustments",
                (a, "unit_kinds"),
                adjustment.code,
            )
    for v, veto in enumerate(model.vetoes):
        live = 0
        for r, veto_rule in enumerate(veto.rules):
            reason = _dead_reason(checker, veto_rule.when)
            if reason:
                checker.warning(
                    f"veto rule {veto_rule.id} can never fire: {reason}",
                    "vetoes",
                    (v, "rules", r, "when"),
                    veto_rule.id,
                )
            else:
                live += 1
        if veto.rules and live == 0:
            checker.error(
                f"veto {veto.code} has no rule that can trigger it: every rule "
                "can never fire",
                "vetoes",
                (v, "rules"),
                veto.code,
            )
        if not veto.unit_kinds:
            checker.error(
                f"veto {veto.code} applies to no unit kind; list county_bureau "
                "or school under unit_kinds",
                "vetoes",
                (v, "unit_kinds"),
                veto.code,
            )


def _check_overlaps(checker: _Checker) -> None:
    """Warn where two rules would count the same fact twice."""
    model = checker.rulebook.model
    thresholds = model.parameters.thresholds
    for a, adjustment in enumerate(model.adjustments):
        scoring = [
            (r, rule)
            for r, rule in enumerate(adjustment.rules)
            if rule.points is not None or rule.points_from is not None
        ]
        for index, (r, rule) in enumerate(scoring):
            for _, other in scoring[:index]:
                # Under strongest_per_group, rules of one group never add up.
                if (
                    adjustment.combine == "strongest_per_group"
                    and rule.group == other.group
                ):
                    continue
                if can_match_same_fact(other.when, rule.when, thresholds):
                    checker.warning(
                        f"rules {other.id} and {rule.id} of {adjustment.code} "
                        "can both match one fact, so its points would count "
                        "twice; make their conditions exclusive (for example "
                        "between bands that do not share a value)",
                        "adjustments",
                        (a, "rules", r, "when"),
                        rule.id,
                    )
    seen: dict[tuple[str, str], str] = {}
    for m, measure in enumerate(model.measures):
        key = (measure.code, measure.measure)
        if key in seen:
            checker.warning(
                f"measure rules {seen[key]} and {measure.id} both score "
                f"{measure.measure} on {measure.code}, so a shortfall would "
                "count twice",
                "measures",
                (m, "measure"),
                measure.id,
            )
        seen.setdefault(key, measure.id)


def check_rulebook_folder(folder: Path) -> tuple[Rulebook | None, list[CheckFinding]]:
    """Load the rulebook in ``folder`` and return it with every finding.

    The rulebook is None when an error made it unusable; the findings then
    hold those errors, located where the loader found them.
    """
    try:
        rulebook = load_rulebook_folder(folder, check=False)
    except RulebookErrors as failure:
        return None, [_finding_of(error) for error in failure.errors]
    except RulebookError as error:
        return None, [_finding_of(error)]
    findings = check_rulebook(rulebook)
    if not any(finding.is_error for finding in findings):
        findings += check_compiles(rulebook)
    if any(finding.is_error for finding in findings):
        return None, findings
    return rulebook, findings


def check_compiles(rulebook: Rulebook) -> list[CheckFinding]:
    """Compile ``rulebook`` into the rule engine and report what it rejects.

    The rule engine has limits of its own (rules per unit kind, conditions
    per field) that only show when its rulesets are registered.
    """
    # The engine modules import this one, so they are imported here.
    from engine.cache import close_engine
    from engine.errors import EngineError
    from engine.evaluate import Engine

    folder = str(rulebook.folder) if rulebook.folder else None
    try:
        engine = Engine(rulebook)
    except RulebookError as error:
        return [CheckFinding("error", error.problem, folder, code=error.code)]
    except EngineError as error:
        return [CheckFinding("error", str(error), folder, code=rulebook.id)]
    close_engine(engine)
    return []


def _finding_of(error: RulebookError) -> CheckFinding:
    return CheckFinding(
        "error", error.problem, error.file, error.line, error.column, error.code
    )
