"""Evaluate units against a rulebook: check facts, fire rules, score, grade."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from engine.assertions import unit_facts
from engine.checks import format_points
from engine.compiler import CompiledRuleset, compile_rulebook
from engine.errors import EngineError
from engine.firings import interpret
from engine.result import Evaluation, FactRecord, Firing, UnitError, UnitResult
from engine.rulebook import Rulebook
from engine.scoring import (
    combine_adjustments,
    county_blend,
    grade_of,
    school_share,
    score_sheet,
)
from engine.session import RuleSession
from engine.validate import check_unit
from facts.errors import FactError
from facts.readers import FactSet, UnitRecord
from facts.vocabulary import UnitKind

logger = logging.getLogger(__name__)


@dataclass
class _Fired:
    """A unit after its rules fired, before county blending."""

    record: UnitRecord
    firings: list[Firing]
    result: UnitResult


class Engine:
    """A rulebook compiled into durable-rules, ready to evaluate units."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.rulesets: dict[UnitKind, CompiledRuleset] = compile_rulebook(rulebook)
        self.session = RuleSession(list(self.rulesets.values()))

    def evaluate(
        self, facts: FactSet, kinds: dict[str, UnitKind | None] | None = None
    ) -> Evaluation:
        """Evaluate every unit of ``facts``; one bad unit never stops the others.

        ``kinds`` gives the kind of every unit of the run when ``facts`` holds
        only a part of it (a county and its schools, in a batch worker).
        """
        started = time.perf_counter()
        evaluation = Evaluation(self.rulebook.id, self.rulebook.content_hash)
        evaluation.errors.extend(
            UnitError(error.unit, error.message, error.file) for error in facts.errors
        )
        if kinds is None:
            kinds = unit_kinds(facts)
        fired: dict[str, _Fired] = {}
        # Each county's sampled schools as they are fired, so that a county
        # does not scan every unit of the run for its own.
        sampled: dict[str, list[_Fired]] = {}
        # Schools first: a county's total needs its sampled schools' percents.
        ordered = sorted(
            facts.units, key=lambda r: r.unit.kind is UnitKind.COUNTY_BUREAU
        )
        for record in ordered:
            try:
                done = self._evaluate_unit(record, kinds, sampled)
                fired[record.unit.id] = done
                if record.unit.sampled and record.unit.county is not None:
                    sampled.setdefault(record.unit.county, []).append(done)
            except FactError as error:
                evaluation.errors.append(
                    UnitError(record.unit.id, error.message, str(record.file))
                )
                logger.warning("unit %s failed: %s", record.unit.id, error.message)
            except EngineError as error:
                message = f"{record.file}, unit {record.unit.id}: {error}"
                evaluation.errors.append(
                    UnitError(record.unit.id, message, str(record.file))
                )
                logger.error(
                    "unit %s failed in the rule engine: %s", record.unit.id, error
                )
        evaluation.results = [
            fired[record.unit.id].result
            for record in facts.units
            if record.unit.id in fired
        ]
        logger.info(
            "evaluated %d units (%d errors) with %s in %.2f s",
            len(evaluation.results),
            len(evaluation.errors),
            self.rulebook.id,
            time.perf_counter() - started,
        )
        return evaluation

    def fire(self, record: UnitRecord) -> tuple[list[Firing], dict[str, FactRecord]]:
        """Fire the rules on one unit; return its firings and asserted facts.

        Raises :class:`FactError` for input that only a rule can see to be
        wrong, located at the unit's file and field.
        """
        unit = record.unit
        ruleset = self.rulesets[unit.kind]
        asserted, records = unit_facts(unit, ruleset)
        raw = self.session.fire(ruleset, asserted)
        firings, errors = interpret(raw, ruleset, records)
        if errors:
            located = [
                FactError(
                    error.problem,
                    file=record.file,
                    unit=unit.id,
                    field=error.field,
                    value=error.value,
                    expected=error.expected,
                    line=record.line(*_location(error.field)),
                )
                for error in errors
            ]
            if len(located) == 1:
                raise located[0]
            raise FactError(
                located[0].problem, file=record.file, unit=unit.id, parts=located
            )
        return firings, records

    def _evaluate_unit(
        self,
        record: UnitRecord,
        kinds: dict[str, UnitKind | None],
        sampled: dict[str, list[_Fired]],
    ) -> _Fired:
        rulebook = self.rulebook
        unit = record.unit
        warnings = check_unit(rulebook, record, kinds)
        ruleset = self.rulesets[unit.kind]
        firings, records = self.fire(record)

        sheet = rulebook.sheet_for(unit.kind)
        sheet_score = score_sheet(rulebook, sheet, firings)
        if sheet_score.maximum == 0:
            raise record.error(
                "no item of the sheet applies to this unit",
                field="not_applicable",
                expected="at least one applicable item",
            )
        for firing in sheet_score.ignored:
            if firing.rule == "finding":
                warnings.append(
                    f"finding {firing.facts[0].split(':', 1)[1]} on "
                    f"{firing.code} ignored: the item does not apply"
                )
        warnings.extend(_missing_warnings(ruleset, records, firings, sheet_score.items))
        warnings.extend(_unused_fact_warnings(rulebook, records, firings))
        warnings.extend(_unread_fact_warnings(ruleset, records, unit.kind))

        percent = 100 * sheet_score.earned / sheet_score.maximum
        vetoes = sorted({firing.code for firing in firings if firing.effect == "veto"})
        adjustments = []
        adjusted: Fraction | None = None
        schools_mean: Fraction | None = None
        shares = []
        total = percent
        if unit.kind is UnitKind.COUNTY_BUREAU:
            adjustments = combine_adjustments(rulebook, firings)
            adjusted = percent + sum((a.points for a in adjustments), Fraction(0))
            floor = rulebook.parameters.adjusted_floor
            if floor is not None and adjusted < floor:
                adjusted = floor
            shares = [
                school_share(
                    rulebook,
                    other.result.unit,
                    other.result.sheet_percent,
                    other.result.vetoed,
                )
                for other in sampled.get(unit.id, [])
            ]
            shares.sort(key=lambda share: share.unit)
            if not shares:
                raise record.error(
                    "no sampled school of this county was evaluated",
                    field="id",
                    value=unit.id,
                    expected="schools with county: "
                    f"{unit.id} and sampled: true among the inputs",
                )
            warnings.extend(_sample_warnings(rulebook, sampled.get(unit.id, [])))
            schools_mean, total = county_blend(rulebook, adjusted, shares)

        result = UnitResult(
            unit=unit.id,
            name=unit.name,
            kind=unit.kind.value,
            county=unit.county,
            level=unit.level.value if unit.level else None,
            sampled=unit.sampled,
            items=sheet_score.items,
            maxima=sheet_score.maxima,
            not_applicable=sheet_score.not_applicable,
            categories=sheet_score.categories,
            earned=sheet_score.earned,
            maximum=sheet_score.maximum,
            sheet_percent=percent,
            adjustments=adjustments,
            adjusted=adjusted,
            schools_mean=schools_mean,
            schools=shares,
            total=total,
            vetoes=vetoes,
            grade=grade_of(rulebook, total, bool(vetoes)),
            grade_without_vetoes=grade_of(rulebook, total, False),
            warnings=warnings,
            firings=firings,
            facts={record_.key: record_ for record_ in records.values()},
            self_scores=dict(unit.self_scores),
        )
        return _Fired(record, firings, result)


def unit_kinds(facts: FactSet) -> dict[str, UnitKind | None]:
    """Map every unit id of ``facts`` to its kind, for the county checks."""
    # A county bureau that failed to read is still among the inputs (kind
    # None), so that its schools are evaluated and not rejected for a missing
    # county. Any other unit that failed counts as not a county bureau.
    kinds: dict[str, UnitKind | None] = {}
    for error in facts.errors:
        if error.unit is None:
            continue
        written = facts.failed_kinds.get(error.unit)
        is_county = written == UnitKind.COUNTY_BUREAU.value or error.unit not in (
            facts.failed_kinds
        )
        kinds[error.unit] = None if is_county else UnitKind.SCHOOL
    kinds.update({record.unit.id: record.unit.kind for record in facts.units})
    return kinds


def _location(field_path: str | None) -> tuple[str | int, ...]:
    """Split ``incidents[0].deduct`` into ``("incidents", 0, "deduct")``."""
    if not field_path:
        return ()
    steps: list[str | int] = []
    for part in field_path.replace("]", "").replace("[", ".").split("."):
        if part:
            steps.append(int(part) if part.isdigit() else part)
    return tuple(steps)


def _missing_warnings(
    ruleset: CompiledRuleset,
    records: dict[str, FactRecord],
    firings: list[Firing],
    items: dict[str, Fraction],
) -> list[str]:
    warnings = []
    for firing in firings:
        # A missing measure is asserted as the fact ``missing:NAME``; its
        # deduction on a left-out item is not worth a warning.
        missing = [key for key in firing.facts if key.startswith("missing:")]
        if missing and firing.code in items:
            name = missing[0].split(":", 1)[1]
            warnings.append(
                f"measure {name} is missing, so {firing.code} earns 0 of its "
                f"{format_points(firing.points or Fraction(0))} points for it"
            )
    present = {(record.kind, record.id) for record in records.values()}
    for (kind, name), rule_ids in sorted(ruleset.checked_names.items()):
        if kind == "profile" or (kind, name) in present:
            continue
        if kind == "measure" and name in ruleset.scored_measures:
            continue
        warnings.append(
            f"{kind} {name} is missing, so rule "
            f"{', '.join(sorted(set(rule_ids)))} could not be checked"
        )
    return warnings


def _unused_fact_warnings(
    rulebook: Rulebook, records: dict[str, FactRecord], firings: list[Firing]
) -> list[str]:
    used = {key for firing in firings for key in firing.facts}
    warned = set(rulebook.parameters.warn_unused_facts)
    return [
        f"{record.kind} {record.id} ignored: no rule applies to it for this unit"
        for record in records.values()
        if record.kind in warned and record.key not in used
    ]


def _unread_fact_warnings(
    ruleset: CompiledRuleset, records: dict[str, FactRecord], kind: UnitKind
) -> list[str]:
    """Warn of measures, flags and profile keys that no rule reads for this kind.

    A school measure written on a county bureau, for instance, changes
    nothing, and the inspector should know it was not read.
    """
    read = set(ruleset.checked_names) | {
        ("measure", name) for name in ruleset.scored_measures
    }
    kinds = ("measure", "flag", "profile")
    return [
        f"{record.kind} {record.id} ignored: no rule reads it for a {kind.value}"
        for record in records.values()
        if record.kind in kinds and (record.kind, record.id) not in read
    ]


def _sample_warnings(rulebook: Rulebook, schools: list[_Fired]) -> list[str]:
    parameters = rulebook.parameters
    sampled = [other.record.unit for other in schools]
    warnings = []
    if len(sampled) < parameters.sample_size:
        warnings.append(
            f"only {len(sampled)} sampled "
            f"{'school was' if len(sampled) == 1 else 'schools were'} evaluated; the "
            f"plan asks for {parameters.sample_size}"
        )
    elif len(sampled) > parameters.sample_size:
        warnings.append(
            f"{len(sampled)} sampled schools, more than the plan's "
            f"{parameters.sample_size}; all of them count"
        )
    if parameters.sample_distinct_levels:
        levels = Counter(unit.level.value for unit in sampled if unit.level)
        shared = sorted(level for level, count in levels.items() if count > 1)
        if shared:
            warnings.append("sampled schools share a level: " + ", ".join(shared))
    return warnings
