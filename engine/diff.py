"""Compare two rulebooks: what changed in their data, and what it does to units.

The rule comparison goes item by item and rule by rule (added, removed,
points, wording, conditions) and parameter by parameter. The outcome
comparison evaluates the same facts under both rulebooks and counts how
many units move from each grade to each grade.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from engine.checks import format_points
from engine.evaluate import Engine
from engine.result import Evaluation, UnitResult, round_half_up
from engine.rulebook import Rulebook
from facts.readers import FactSet, UnitRecord

logger = logging.getLogger(__name__)

# The row and column of the transition matrix for a unit that failed to evaluate.
ERROR_GRADE = "error"


@dataclass(frozen=True)
class Change:
    """One difference between two rulebooks.

    ``kind`` is ``added``, ``removed`` or ``changed``; ``subject`` names what
    changed (``item S4.8``, ``rule CA3-band-1-10``, ``parameter
    grades.advanced.at_least``); ``field`` is the changed field of a changed
    subject.
    """

    kind: str
    subject: str
    field: str = ""
    old: str = ""
    new: str = ""

    def __str__(self) -> str:
        if self.kind == "added":
            return f"added   {self.subject}" + (f": {self.new}" if self.new else "")
        if self.kind == "removed":
            return f"removed {self.subject}" + (f": {self.old}" if self.old else "")
        return f"changed {self.subject} {self.field}: {self.old} -> {self.new}"


@dataclass(frozen=True)
class UnitChange:
    """A unit whose total or grade differs between the two rulebooks."""

    unit: str
    name: str
    old_total: Fraction | None
    new_total: Fraction | None
    old_grade: str
    new_grade: str
    old_vetoes: tuple[str, ...] = ()
    new_vetoes: tuple[str, ...] = ()

    @property
    def delta(self) -> Fraction | None:
        if self.old_total is None or self.new_total is None:
            return None
        return self.new_total - self.old_total


@dataclass
class OutcomeDiff:
    """The grades and totals of the same units under the old and the new rulebook."""

    grades: list[str]
    matrix: dict[tuple[str, str], int]
    changes: list[UnitChange]
    units: int
    adapted: list[str] = field(default_factory=list)


# --- rule changes -----------------------------------------------------------


def rule_changes(old: Rulebook, new: Rulebook) -> list[Change]:
    """List every difference in metadata, sheets, rules and parameters."""
    changes: list[Change] = []
    changes += _compare_fields(
        "metadata",
        old.metadata.model_dump(mode="json"),
        new.metadata.model_dump(mode="json"),
    )
    changes += _sheet_changes(old, new)
    changes += _keyed_changes("rule", _rules_by_id(old), _rules_by_id(new))
    changes += _keyed_changes(
        "veto", _outcomes(old, "vetoes"), _outcomes(new, "vetoes")
    )
    changes += _keyed_changes(
        "adjustment", _outcomes(old, "adjustments"), _outcomes(new, "adjustments")
    )
    changes += _parameter_changes(old, new)
    return changes


def _sheet_changes(old: Rulebook, new: Rulebook) -> list[Change]:
    changes: list[Change] = []
    for sheet_id in _ordered_keys(
        [sheet.id for sheet in old.model.sheets],
        [sheet.id for sheet in new.model.sheets],
    ):
        old_sheet = next((s for s in old.model.sheets if s.id == sheet_id), None)
        new_sheet = next((s for s in new.model.sheets if s.id == sheet_id), None)
        if old_sheet is None or new_sheet is None:
            kind = "added" if old_sheet is None else "removed"
            changes.append(Change(kind, f"sheet {sheet_id}"))
            continue
        if old_sheet.total != new_sheet.total:
            changes.append(
                Change(
                    "changed",
                    f"sheet {sheet_id}",
                    "total",
                    format_points(old_sheet.total),
                    format_points(new_sheet.total),
                )
            )
        old_categories = {c.number: c for c in old_sheet.categories}
        new_categories = {c.number: c for c in new_sheet.categories}
        for number in _ordered_keys(list(old_categories), list(new_categories)):
            subject = f"category {sheet_id}.{number}"
            before, after = old_categories.get(number), new_categories.get(number)
            if before is None or after is None:
                kind = "added" if before is None else "removed"
                present = after if after is not None else before
                title = present.title if present is not None else ""
                changes.append(Change(kind, subject, old=title, new=title))
                continue
            if before.total != after.total:
                changes.append(
                    Change(
                        "changed",
                        subject,
                        "total",
                        format_points(before.total),
                        format_points(after.total),
                    )
                )
            if before.title != after.title:
                changes.append(
                    Change("changed", subject, "title", before.title, after.title)
                )
    old_codes = {c: s for c, s in old.codes.items() if s.sheet.id in _ids(new)}
    new_codes = {c: s for c, s in new.codes.items() if s.sheet.id in _ids(old)}
    for code in _ordered_keys(list(old_codes), list(new_codes)):
        before_code, after_code = old_codes.get(code), new_codes.get(code)
        subject = f"item {code}"
        if before_code is None and after_code is not None:
            changes.append(
                Change(
                    "added",
                    subject,
                    new=_item_summary(after_code.points, after_code.text),
                )
            )
            continue
        if after_code is None and before_code is not None:
            changes.append(
                Change(
                    "removed",
                    subject,
                    old=_item_summary(before_code.points, before_code.text),
                )
            )
            continue
        assert before_code is not None and after_code is not None
        if before_code.points != after_code.points:
            changes.append(
                Change(
                    "changed",
                    subject,
                    "points",
                    format_points(before_code.points),
                    format_points(after_code.points),
                )
            )
        if before_code.text != after_code.text:
            changes.append(
                Change(
                    "changed",
                    subject,
                    "wording",
                    *_text_change(before_code.text, after_code.text),
                )
            )
        if before_code.category.number != after_code.category.number:
            changes.append(
                Change(
                    "changed",
                    subject,
                    "category",
                    str(before_code.category.number),
                    str(after_code.category.number),
                )
            )
    return changes


def _ids(rulebook: Rulebook) -> set[str]:
    return {sheet.id for sheet in rulebook.model.sheets}


def _item_summary(points: Fraction, text: str) -> str:
    unit = "point" if points == 1 else "points"
    return f"{format_points(points)} {unit}, {_short(text)}"


def _text_change(old: str, new: str, context: int = 8) -> tuple[str, str]:
    """Shorten two texts to the part that differs, with a little context.

    >>> _text_change("未达到90%的实行否决", "未达到95%的实行否决", context=2)
    ('…到90%的…', '…到95%的…')
    """
    old, new = " ".join(old.split()), " ".join(new.split())
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while (
        end < min(len(old), len(new)) - start
        and old[len(old) - 1 - end] == new[len(new) - 1 - end]
    ):
        end += 1
    begin = max(0, start - context)
    prefix = "…" if begin > 0 else ""

    def cut(text: str) -> str:
        stop = min(len(text), len(text) - end + context)
        suffix = "…" if stop < len(text) else ""
        return prefix + _short(text[begin:stop], 60) + suffix

    return cut(old), cut(new)


def _short(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _rules_by_id(rulebook: Rulebook) -> dict[str, dict[str, Any]]:
    """Map every rule id to its data, with the outcome code it belongs to."""
    model = rulebook.model
    rules: dict[str, dict[str, Any]] = {}
    for rule in model.applicability:
        rules[rule.id] = rule.model_dump(mode="json", by_alias=True)
    for measure in model.measures:
        rules[measure.id] = measure.model_dump(mode="json", by_alias=True)
    for adjustment in model.adjustments:
        for adjustment_rule in adjustment.rules:
            data = adjustment_rule.model_dump(mode="json", by_alias=True)
            rules[adjustment_rule.id] = {"indicator": adjustment.code, **data}
    for veto in model.vetoes:
        for veto_rule in veto.rules:
            data = veto_rule.model_dump(mode="json", by_alias=True)
            rules[veto_rule.id] = {"veto": veto.code, **data}
    return rules


def _outcomes(rulebook: Rulebook, key: str) -> dict[str, dict[str, Any]]:
    """Map each veto or adjustment code to its data, without its rules."""
    entries = getattr(rulebook.model, key)
    return {
        entry.code: entry.model_dump(mode="json", by_alias=True, exclude={"rules"})
        for entry in entries
    }


def _keyed_changes(
    noun: str, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[Change]:
    changes: list[Change] = []
    for key in _ordered_keys(list(old), list(new)):
        subject = f"{noun} {key}"
        if key not in old:
            changes.append(Change("added", subject, new=_condition_text(new[key])))
        elif key not in new:
            changes.append(Change("removed", subject, old=_condition_text(old[key])))
        else:
            changes += _compare_fields(subject, old[key], new[key])
    return changes


def _condition_text(data: dict[str, Any]) -> str:
    when = data.get("when")
    return _value_text(when) if when is not None else ""


def _compare_fields(subject: str, old: Any, new: Any, path: str = "") -> list[Change]:
    """Compare two JSON-like values and list each differing leaf field."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in _ordered_keys(list(old), list(new)):
            inner = f"{path}.{key}" if path else str(key)
            changes += _compare_fields(subject, old.get(key), new.get(key), inner)
        return changes
    if old == new:
        return []
    label = path or "value"
    if label in ("text", "reason", "description", "title"):
        return [Change("changed", subject, label, *_text_change(str(old), str(new)))]
    return [Change("changed", subject, label, _value_text(old), _value_text(new))]


def _value_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        inner = ", ".join(
            f"{key}: {_value_text(item)}"
            for key, item in value.items()
            if item not in (None, {}, [])
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(item) for item in value) + "]"
    if isinstance(value, str) and "/" in value:
        # Exact points are serialised as "a/b" when not whole.
        try:
            return format_points(Fraction(value))
        except ValueError:
            return value
    return str(value)


def _parameter_changes(old: Rulebook, new: Rulebook) -> list[Change]:
    before = _keyed_grades(old.parameters.model_dump(mode="json"))
    after = _keyed_grades(new.parameters.model_dump(mode="json"))
    return _compare_fields("parameter", before, after)


def _keyed_grades(data: dict[str, Any]) -> dict[str, Any]:
    """Key the grade list by grade name, so a changed cut-off reads by name."""
    grades = data.get("grades") or []
    return {**data, "grades": {grade["grade"]: grade for grade in grades}}


def _ordered_keys(old: list[Any], new: list[Any]) -> list[Any]:
    """Return the keys of ``old`` in order, then those only in ``new``."""
    seen = set(old)
    return list(old) + [key for key in new if key not in seen]


# --- outcome changes --------------------------------------------------------


def adapt_facts(facts: FactSet, rulebook: Rulebook) -> tuple[FactSet, list[str]]:
    """Drop what names codes ``rulebook`` does not know; list what was dropped.

    Facts written for one edition can name an item the other removed, which
    would fail the unit. Findings, not_applicable entries and self-scores on
    such codes are left out, so the comparison shows what the rule change
    does to the unit rather than an error.
    """
    adapted: list[str] = []
    units: list[UnitRecord] = []
    for record in facts.units:
        unit = record.unit
        findings = [f for f in unit.findings if f.item in rulebook.codes]
        excluded = [code for code in unit.not_applicable if code in rulebook.codes]
        scores = {
            code: points
            for code, points in unit.self_scores.items()
            if code in rulebook.codes and points <= rulebook.codes[code].points
        }
        dropped = [
            f"finding on {f.item}"
            for f in unit.findings
            if f.item not in rulebook.codes
        ]
        dropped += [
            f"not_applicable {code}"
            for code in unit.not_applicable
            if code not in rulebook.codes
        ]
        dropped += [
            f"self-score on {code}"
            + ("" if code not in rulebook.codes else " (above the item's new maximum)")
            for code in unit.self_scores
            if code not in scores
        ]
        if dropped:
            adapted.append(f"{unit.id}: dropped {', '.join(dropped)}")
            unit = unit.model_copy(
                update={
                    "findings": findings,
                    "not_applicable": excluded,
                    "self_scores": scores,
                }
            )
        units.append(UnitRecord(unit, record.file, record.index, record.document))
    copy = FactSet(
        units=units,
        errors=list(facts.errors),
        rulebook=facts.rulebook,
        rulebooks=dict(facts.rulebooks),
        samples=list(facts.samples),
    )
    return copy, adapted


def outcome_diff(old: Rulebook, new: Rulebook, facts: FactSet) -> OutcomeDiff:
    """Evaluate ``facts`` under both rulebooks and compare grades and totals."""
    old_facts, old_adapted = adapt_facts(facts, old)
    new_facts, new_adapted = adapt_facts(facts, new)
    before = Engine(old).evaluate(old_facts)
    after = Engine(new).evaluate(new_facts)
    old_results = _by_unit(before)
    new_results = _by_unit(after)

    grades = _grade_order(old, new)
    matrix: Counter[tuple[str, str]] = Counter()
    changes: list[UnitChange] = []
    for record in facts.units:
        unit_id = record.unit.id
        was, now = old_results.get(unit_id), new_results.get(unit_id)
        old_grade = was.grade if was else ERROR_GRADE
        new_grade = now.grade if now else ERROR_GRADE
        matrix[(old_grade, new_grade)] += 1
        old_total = was.total if was else None
        new_total = now.total if now else None
        if old_grade != new_grade or old_total != new_total:
            changes.append(
                UnitChange(
                    unit_id,
                    record.unit.name,
                    old_total,
                    new_total,
                    old_grade,
                    new_grade,
                    tuple(was.vetoes) if was else (),
                    tuple(now.vetoes) if now else (),
                )
            )
    if any(ERROR_GRADE in pair for pair in matrix):
        grades.append(ERROR_GRADE)
    changes.sort(key=_change_order)
    adapted = [f"under {old.id}: {line}" for line in old_adapted]
    adapted += [f"under {new.id}: {line}" for line in new_adapted]
    logger.info(
        "compared %d units under %s and %s: %d changed",
        len(facts.units),
        old.id,
        new.id,
        len(changes),
    )
    return OutcomeDiff(grades, dict(matrix), changes, len(facts.units), adapted)


def _by_unit(evaluation: Evaluation) -> dict[str, UnitResult]:
    return {result.unit: result for result in evaluation.results}


def _grade_order(old: Rulebook, new: Rulebook) -> list[str]:
    names: list[str] = []
    for rulebook in (old, new):
        for grade in rulebook.parameters.grades:
            if grade.grade not in names:
                names.append(grade.grade)
    for rulebook in (old, new):
        failing = rulebook.parameters.failing_grade.grade
        if failing not in names:
            names.append(failing)
    return names


def _change_order(change: UnitChange) -> tuple[int, Fraction, str]:
    """Largest change of total first; units that failed on one side go last."""
    delta = change.delta
    if delta is None:
        return (1, Fraction(0), change.unit)
    return (0, -abs(delta), change.unit)


# --- text -------------------------------------------------------------------


def format_rule_changes(old: Rulebook, new: Rulebook, changes: list[Change]) -> str:
    """Write the rule changes one a line, under a heading naming both rulebooks."""
    lines = [f"rule changes from {old.id} to {new.id}: {len(changes)}"]
    lines += [f"  {change}" for change in changes]
    if not changes:
        lines.append("  (the rules and parameters are the same)")
    return "\n".join(lines) + "\n"


def format_outcome(
    old: Rulebook, new: Rulebook, outcome: OutcomeDiff, limit: int | None = None
) -> str:
    """Write the grade-transition matrix and the units that changed."""
    places = new.parameters.display_places
    lines = [
        f"grade transitions for {outcome.units} units "
        f"(rows: {old.id}, columns: {new.id})"
    ]
    width = max(len(grade) for grade in outcome.grades) + 2
    header = " " * width + "".join(grade.rjust(width) for grade in outcome.grades)
    lines.append(header)
    for row in outcome.grades:
        counts = [outcome.matrix.get((row, column), 0) for column in outcome.grades]
        lines.append(row.ljust(width) + "".join(str(n).rjust(width) for n in counts))
    moved = sum(
        count for (before, after), count in outcome.matrix.items() if before != after
    )
    lines.append(f"{moved} units change grade")

    shown = outcome.changes if limit is None else outcome.changes[:limit]
    lines.append("")
    lines.append(
        f"units whose total or grade changes: {len(outcome.changes)}"
        + (
            f" (largest {len(shown)} shown)"
            if len(shown) < len(outcome.changes)
            else ""
        )
    )
    for change in shown:
        line = (
            f"  {change.unit:<16} {_total(change.old_total, places):>7} -> "
            f"{_total(change.new_total, places):>7}  "
            f"{_signed(change.delta, places):>7}  "
            f"{change.old_grade} -> {change.new_grade}"
        )
        added = [code for code in change.new_vetoes if code not in change.old_vetoes]
        lifted = [code for code in change.old_vetoes if code not in change.new_vetoes]
        if added:
            line += f"  new veto {', '.join(added)}"
        if lifted:
            line += f"  veto lifted {', '.join(lifted)}"
        lines.append(line)
    if outcome.adapted:
        lines.append("")
        lines.append(
            "facts left out because a rulebook does not know their item code "
            "or lowered its maximum below them:"
        )
        lines += [f"  {line}" for line in outcome.adapted]
    return "\n".join(lines) + "\n"


def _total(value: Fraction | None, places: int) -> str:
    return "error" if value is None else str(round_half_up(value, places))


def _signed(value: Fraction | None, places: int) -> str:
    if value is None:
        return ""
    shown = round_half_up(value, places)
    return f"+{shown}" if value > 0 else str(shown)
