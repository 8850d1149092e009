"""What it would take: the fewest changes to the facts that lift a unit's grade.

A change rectifies a finding (removes it), raises a measured fact to the
value needed (at most its target), or sets a flag that triggered a veto.
Events of the year (incidents, petitions, recognitions, convictions) cannot
be undone, so a veto they triggered makes every passing grade unreachable.
For a county only its own sheet changes; its sampled schools stay as they
are.

The search uses exact arithmetic over the recorded deductions. For each item
it lists the gain of every set of changes on it. Across items it then finds
the fewest changes whose gain reaches what the target needs, and among those
the fewest points regained. The
answer is then confirmed by evaluating the changed facts with the engine,
which stays the judge.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from engine.evaluate import Engine
from engine.result import Evaluation, FactRecord, Firing, UnitResult
from engine.rulebook import FieldTest, MeasureRule, ParamRef, Rulebook
from engine.scoring import grade_of
from explain.clauses import MISSING_SUFFIX, ClauseIndex
from explain.graph import ExplainError
from explain.labels import fact_label
from explain.units import find_result
from facts.models import Unit
from facts.readers import FactSet, UnitRecord
from facts.vocabulary import MEASURES, MeasureType, UnitKind

logger = logging.getLogger(__name__)

ZERO = Fraction(0)

# Facts of the year that no rectification can undo.
EVENT_KINDS = ("incident", "petition", "recognition", "conviction")

# Decimal places of a raised rate: an exact minimum with more places (or an
# endless decimal) is rounded up to this many, as an inspector writes rates.
RATE_PLACES = 4

ChangeKind = Literal["rectify", "raise", "set_flag"]


@dataclass(frozen=True)
class Change:
    """One change to a unit's facts.

    ``fact`` is the fact key (``finding:#3``, ``measure:NAME``,
    ``missing:NAME``, ``flag:NAME``). ``old`` and ``new`` are its value
    before and after, and ``new`` is None when a finding is removed.
    ``points`` are the sheet points the change regains and ``vetoes`` the
    vetoes it lifts. ``exact`` is the exact least value of a raised rate
    when ``new`` had to be rounded up to a decimal.
    """

    kind: ChangeKind
    fact: str
    field_path: str
    code: str | None
    old: object
    new: object
    points: Fraction = ZERO
    target: object = None
    vetoes: tuple[str, ...] = ()
    note: str = ""
    exact: object = None


@dataclass(frozen=True)
class Blocker:
    """A veto that no allowed change lifts, and the event facts behind it."""

    veto: str
    rule: str
    facts: tuple[str, ...]
    labels_zh: tuple[str, ...] = ()
    labels_en: tuple[str, ...] = ()
    clause: str = ""


@dataclass
class WhatIf:
    """The what-if result of one unit: the changes, or the reason none suffice."""

    unit: str
    name: str
    kind: str
    grade: str
    target: str
    total: Fraction
    reachable: bool
    already: bool = False
    changes: list[Change] = field(default_factory=list)
    points: Fraction = ZERO
    total_after: Fraction | None = None
    grade_after: str | None = None
    blockers: list[Blocker] = field(default_factory=list)
    best_total: Fraction | None = None
    needed_total: Fraction | None = None
    shortfall: Fraction | None = None
    cutoff: Fraction | None = None
    adjustments: Fraction | None = None
    schools_mean: Fraction | None = None
    places: int = 2


@dataclass(frozen=True)
class _Option:
    """One way to change the deductions of one item or part.

    ``changes`` pairs each fact key with the deduction it removes, which for
    a rate measure in ``continuous`` is the maximum. Such a measure can
    remove any amount above zero up to that maximum.
    """

    changes: tuple[tuple[str, Fraction], ...]
    fixed_gain: Fraction
    max_gain: Fraction
    continuous: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.changes)


@dataclass(frozen=True)
class _Candidate:
    """A deduction that a change can remove, wholly or in part."""

    fact: str
    code: str
    deduction: Fraction
    kind: ChangeKind
    # The reductions it can make, one per value a count measure may take. A
    # proportional rate measure has one, its whole deduction, and is
    # continuous because any smaller reduction is possible too.
    steps: tuple[Fraction, ...]
    continuous: bool
    measure: MeasureRule | None = None


def grade_rank(rulebook: Rulebook, grade: str) -> int:
    """Return 0 for the failing grade, higher numbers for better grades."""
    order = [g.grade for g in reversed(rulebook.parameters.grades)]
    return order.index(grade) + 1 if grade in order else 0


def next_grade(rulebook: Rulebook, grade: str) -> str | None:
    """Return the grade just above ``grade``, or None at the top."""
    order = [rulebook.parameters.failing_grade.grade] + [
        g.grade for g in reversed(rulebook.parameters.grades)
    ]
    index = order.index(grade)
    return order[index + 1] if index + 1 < len(order) else None


def what_if(
    engine: Engine,
    facts: FactSet,
    evaluation: Evaluation,
    unit: str,
    target: str | None = None,
) -> WhatIf:
    """Find the fewest changes that lift ``unit`` to ``target`` (default: next grade).

    ``evaluation`` is the engine's evaluation of ``facts``. Raises
    :class:`~explain.units.UnknownUnitError` for a unit not evaluated and
    :class:`ExplainError` if the engine does not confirm the changes found.
    """
    rulebook = engine.rulebook
    result = find_result(evaluation, unit)
    record = next(r for r in facts.units if r.unit.id == unit)
    if target is None:
        target = next_grade(rulebook, result.grade) or result.grade
    answer = WhatIf(
        unit=result.unit,
        name=result.name,
        kind=result.kind,
        grade=result.grade,
        target=target,
        total=result.total,
        reachable=True,
        places=rulebook.parameters.display_places,
    )
    if result.kind == UnitKind.COUNTY_BUREAU.value:
        answer.adjustments = sum((a.points for a in result.adjustments), ZERO)
        answer.schools_mean = result.schools_mean
    if grade_rank(rulebook, result.grade) >= grade_rank(rulebook, target):
        answer.already = True
        return answer
    search = _Search(engine, facts, record, result, target)
    return search.run(answer)


class _Search:
    def __init__(
        self,
        engine: Engine,
        facts: FactSet,
        record: UnitRecord,
        result: UnitResult,
        target: str,
    ) -> None:
        self.engine = engine
        self.rulebook = engine.rulebook
        self.facts = facts
        self.record = record
        self.result = result
        self.target = target
        self.clauses = ClauseIndex(self.rulebook)
        self.places = self.rulebook.parameters.display_places
        self.deducted: dict[str, Fraction] = defaultdict(Fraction)
        for firing in result.firings:
            if firing.effect == "deduction" and firing.points is not None:
                self.deducted[firing.code] += firing.points

    # --- the figures a gain in sheet points leads to -------------------------

    def total_after_gain(self, gain: Fraction) -> Fraction:
        """Return the total after regaining ``gain`` sheet points, all else equal."""
        result = self.result
        parameters = self.rulebook.parameters
        percent = 100 * (result.earned + gain) / result.maximum
        if result.kind != UnitKind.COUNTY_BUREAU.value:
            return percent
        assert result.schools_mean is not None
        adjusted = percent + sum((a.points for a in result.adjustments), ZERO)
        floor = parameters.adjusted_floor
        if floor is not None and adjusted < floor:
            adjusted = floor
        return (
            parameters.county_own_weight * adjusted
            + parameters.county_schools_weight * result.schools_mean
        )

    def needed_total(self) -> tuple[Fraction, Fraction]:
        """Return the target's cut-off and the least exact total graded at it."""
        cutoff = next(
            g.at_least
            for g in self.rulebook.parameters.grades
            if g.grade == self.target
        )
        # Grades compare the total rounded half up, so a total half a unit of
        # the last shown place below the cut-off already shows as the cut-off.
        needed = cutoff - Fraction(1, 2 * 10**self.places)
        graded = grade_of(self.rulebook, needed, False)
        if grade_rank(self.rulebook, graded) < grade_rank(self.rulebook, self.target):
            raise ExplainError(
                f"what-if: a total of {needed} grades {graded}, not {self.target}; "
                "the rulebook's grading has changed"
            )
        return cutoff, needed

    def needed_gain(self, needed: Fraction) -> Fraction:
        """Return the least sheet gain whose total reaches ``needed``."""
        result = self.result
        parameters = self.rulebook.parameters
        if self.total_after_gain(ZERO) >= needed:
            return ZERO
        if result.kind != UnitKind.COUNTY_BUREAU.value:
            percent = needed
        else:
            assert result.schools_mean is not None
            adjusted = (
                needed - parameters.county_schools_weight * result.schools_mean
            ) / parameters.county_own_weight
            percent = adjusted - sum((a.points for a in result.adjustments), ZERO)
        return max(ZERO, percent * result.maximum / 100 - result.earned)

    # --- the search ----------------------------------------------------------

    def run(self, answer: WhatIf) -> WhatIf:
        if self.total_after_gain(ZERO) != self.result.total:
            raise ExplainError(
                f"what-if for {self.result.unit}: the total rebuilt from the sheet "
                f"({self.total_after_gain(ZERO)}) differs from the engine's "
                f"({self.result.total}); the rulebook's scoring has changed"
            )
        veto_changes, blockers = self.veto_changes()
        candidates = self.candidates()
        cutoff, needed = self.needed_total()
        answer.cutoff = cutoff
        answer.needed_total = needed
        gain = self.needed_gain(needed)
        best_gain = self.max_gain(candidates)

        if blockers or best_gain < gain:
            answer.reachable = False
            answer.blockers = blockers
            every = veto_changes + self.full_changes(candidates)
            confirmed = self.evaluate(every)
            answer.best_total = confirmed.total
            answer.grade_after = confirmed.grade
            answer.total_after = confirmed.total
            if grade_rank(self.rulebook, confirmed.grade) >= grade_rank(
                self.rulebook, self.target
            ):
                raise ExplainError(
                    f"what-if for {self.result.unit}: the search found "
                    f"{self.target} out of reach, but the engine grades every "
                    f"change applied as {confirmed.grade}"
                )
            if not blockers:
                answer.shortfall = cutoff - confirmed.total
            return answer

        scored = sorted(
            self.cheapest(candidates, gain),
            key=lambda change: (-change.points, change.field_path),
        )
        changes = veto_changes + scored
        confirmed = self.evaluate(changes)
        if grade_rank(self.rulebook, confirmed.grade) < grade_rank(
            self.rulebook, self.target
        ):
            raise ExplainError(
                f"what-if for {self.result.unit}: the engine grades the proposed "
                f"changes {confirmed.grade} (total {confirmed.total}), not "
                f"{self.target}"
            )
        answer.changes = changes
        answer.points = sum((c.points for c in changes), ZERO)
        answer.total_after = confirmed.total
        answer.grade_after = confirmed.grade
        logger.info(
            "what-if %s: %d changes reach %s",
            self.result.unit,
            len(changes),
            self.target,
        )
        return answer

    def veto_changes(self) -> tuple[list[Change], list[Blocker]]:
        """Return the changes that lift every veto, and the vetoes none can lift."""
        changes: dict[str, Change] = {}
        blockers = []
        for firing in self.result.firings:
            if firing.effect != "veto":
                continue
            records = [self.result.facts[key] for key in firing.facts]
            if any(record.kind in EVENT_KINDS for record in records):
                blockers.append(
                    Blocker(
                        firing.code,
                        firing.rule,
                        firing.facts,
                        tuple(
                            f"{fact_label(r, 'zh')}（{r.field_path}）" for r in records
                        ),
                        tuple(
                            f"{fact_label(r, 'en')} ({r.field_path})" for r in records
                        ),
                        self.clauses.firing(firing).text,
                    )
                )
                continue
            for record in records:
                new = self._veto_clearing_value(firing.rule, record.kind, record)
                previous = changes.get(record.key)
                vetoes = (previous.vetoes if previous else ()) + (firing.code,)
                changes[record.key] = Change(
                    kind="set_flag" if record.kind == "flag" else "raise",
                    fact=record.key,
                    field_path=record.field_path,
                    code=firing.code,
                    old=record.fields.get("value"),
                    new=new,
                    vetoes=tuple(sorted(set(vetoes))),
                )
        return [changes[key] for key in sorted(changes)], blockers

    def _veto_clearing_value(
        self, rule_id: str, kind: str, record: FactRecord
    ) -> object:
        """Return the value of a flag or measure at which the veto rule stops firing."""
        value = record.fields.get("value")
        if kind == "flag" and isinstance(value, bool):
            return not value
        found = self.clauses.veto_rules.get(
            rule_id
        ) or self.clauses.adjustment_rules.get(rule_id)
        if found is None:
            raise ExplainError(f"veto rule {rule_id} is not in the rulebook")
        condition = found[1].when
        test = condition.where.get("value")
        if isinstance(test, FieldTest) and test.lt is not None:
            operand = test.lt
            if isinstance(operand, ParamRef):
                return self.rulebook.threshold(operand.param)
            if isinstance(operand, Fraction | int) and not isinstance(operand, bool):
                return Fraction(operand)
        # NOTE: only flags and "value below a threshold" conditions are lifted;
        # a veto on any other test of a measure is reported as out of reach.
        raise ExplainError(
            f"what-if cannot tell which value of {record.key} lifts veto rule {rule_id}"
        )

    def candidates(self) -> dict[str, list[_Candidate]]:
        """Group every removable deduction by the item or part it falls on."""
        result = self.result
        excluded = set(result.not_applicable)
        found: dict[str, list[_Candidate]] = defaultdict(list)
        for firing in result.firings:
            if firing.effect != "deduction" or firing.code in excluded:
                continue
            if firing.points is None or firing.points <= 0:
                continue
            record = result.facts[firing.facts[0]]
            if record.kind == "finding":
                found[firing.code].append(
                    _Candidate(
                        record.key,
                        firing.code,
                        firing.points,
                        "rectify",
                        (firing.points,),
                        False,
                    )
                )
                continue
            measure = self.clauses.measure(firing.rule)
            if measure is None:
                continue
            found[firing.code].append(
                self._measure_candidate(record.key, firing, measure)
            )
        order = {code: index for index, code in enumerate(self.rulebook.codes)}
        return {code: found[code] for code in sorted(found, key=order.__getitem__)}

    def _measure_candidate(
        self, key: str, firing: Firing, measure: MeasureRule
    ) -> _Candidate:
        assert firing.points is not None
        deduction = firing.points
        kind = MEASURES.get(measure.measure)
        if measure.shortfall == "all_or_nothing" or isinstance(measure.target, bool):
            return _Candidate(
                key, firing.code, deduction, "raise", (deduction,), False, measure
            )
        if kind is MeasureType.COUNT:
            current = self._current_value(key)
            steps = []
            for value in range(math.floor(current) + 1, math.ceil(measure.target) + 1):
                after = measure.points * (1 - min(Fraction(1), value / measure.target))
                steps.append(deduction - after)
            return _Candidate(
                key, firing.code, deduction, "raise", tuple(steps), False, measure
            )
        return _Candidate(
            key, firing.code, deduction, "raise", (deduction,), True, measure
        )

    def _current_value(self, key: str) -> Fraction:
        record = self.result.facts[key]
        value = record.fields.get("value")
        return value if isinstance(value, Fraction) else ZERO

    def max_gain(self, candidates: dict[str, list[_Candidate]]) -> Fraction:
        total = ZERO
        for code, members in candidates.items():
            removed = sum((c.deduction for c in members), ZERO)
            total += self._leaf_gain(code, removed)
        return total

    def _leaf_gain(self, code: str, removed: Fraction) -> Fraction:
        """Return the points a leaf regains when ``removed`` of its deductions go."""
        result = self.result
        after = max(ZERO, result.maxima[code] - (self.deducted[code] - removed))
        return after - result.items[code]

    def leaf_options(self, code: str, members: list[_Candidate]) -> list[_Option]:
        """List every way to change one leaf: each subset, each step of a count."""
        # NOTE: the subsets grow as 2**n in the changes on one item or part;
        # inspectors record a handful per item, but some twenty findings on
        # one item would make this step slow.
        options = []
        for size in range(1, len(members) + 1):
            for subset in itertools.combinations(members, size):
                step_choices = [[(c, step) for step in c.steps] for c in subset]
                for chosen in itertools.product(*step_choices):
                    fixed = sum((step for c, step in chosen if not c.continuous), ZERO)
                    full = sum((step for _, step in chosen), ZERO)
                    options.append(
                        _Option(
                            changes=tuple((c.fact, step) for c, step in chosen),
                            fixed_gain=self._leaf_gain(code, fixed),
                            max_gain=self._leaf_gain(code, full),
                            continuous=tuple(c.fact for c, _ in chosen if c.continuous),
                        )
                    )
        return options

    def cheapest(
        self, candidates: dict[str, list[_Candidate]], gain: Fraction
    ) -> list[Change]:
        """Return the fewest score changes reaching ``gain``, then the fewest points."""
        if gain <= 0:
            return []
        # Exact states by number of changes. Without a continuous measure a
        # set's gain is fixed, so each distinct gain below ``gain`` is kept,
        # and the least one at or above it. With one, the set can regain any
        # amount up to its maximum, so only the maximum matters.
        discrete: dict[int, dict[Fraction, tuple[tuple[str, _Option], ...]]] = {
            0: {ZERO: ()}
        }
        flexible: dict[
            int, tuple[Fraction, Fraction, tuple[tuple[str, _Option], ...]]
        ] = {}
        for code, members in candidates.items():
            options = self.leaf_options(code, members)
            new_discrete = {k: dict(v) for k, v in discrete.items()}
            new_flexible = dict(flexible)
            for option in options:
                for count, gains in discrete.items():
                    for base, chosen in gains.items():
                        key = count + option.count
                        picked = (*chosen, (code, option))
                        if option.continuous:
                            _keep_flexible(
                                new_flexible,
                                key,
                                base + option.fixed_gain,
                                base + option.max_gain,
                                picked,
                            )
                        else:
                            _keep_discrete(
                                new_discrete,
                                key,
                                base + option.fixed_gain,
                                picked,
                                gain,
                            )
                for count, (fixed, maximum, chosen) in flexible.items():
                    key = count + option.count
                    _keep_flexible(
                        new_flexible,
                        key,
                        fixed + option.fixed_gain,
                        maximum + option.max_gain,
                        (*chosen, (code, option)),
                    )
            discrete, flexible = new_discrete, new_flexible

        for count in sorted(set(discrete) | set(flexible)):
            exact = [g for g in discrete.get(count, {}) if g >= gain]
            if exact and min(exact) == gain:
                return self.changes_of(discrete[count][min(exact)], gain)
            if count in flexible and flexible[count][1] >= gain:
                return self.changes_of(flexible[count][2], gain)
            if exact:
                return self.changes_of(discrete[count][min(exact)], gain)
        raise ExplainError(f"what-if for {self.result.unit}: no set of changes found")

    def changes_of(
        self, chosen: Sequence[tuple[str, _Option]], gain: Fraction
    ) -> list[Change]:
        """Turn the chosen options into changes, raising rate measures only as needed."""
        fixed = sum((option.fixed_gain for _, option in chosen), ZERO)
        remaining = max(ZERO, gain - fixed)
        changes: list[Change] = []
        for code, option in chosen:
            reductions = dict(option.changes)
            leaf_gain = option.fixed_gain
            if option.continuous:
                extra = min(remaining, option.max_gain - option.fixed_gain)
                remaining -= extra
                leaf_gain += extra
                needed = self._reduction_for(code, option, leaf_gain)
                for fact in option.continuous:
                    share = min(needed, reductions[fact])
                    reductions[fact] = share
                    needed -= share
            changes.extend(self._leaf_changes(code, reductions))
        return changes

    def _leaf_changes(self, code: str, reductions: dict[str, Fraction]) -> list[Change]:
        """Return the changes on one leaf, each booked with the points it adds.

        The points are marginal, in order of the largest reduction first, so
        that on a leaf whose deductions exceed its maximum they add up to
        what the leaf regains, not to the deductions removed.
        """
        ordered = sorted(
            ((fact, r) for fact, r in reductions.items() if r > 0),
            key=lambda pair: (-pair[1], pair[0]),
        )
        changes = []
        removed = ZERO
        for fact, reduction in ordered:
            before = self._leaf_gain(code, removed)
            removed += reduction
            change = self._change(code, fact, reduction)
            changes.append(
                _with_points(change, self._leaf_gain(code, removed) - before)
            )
        return changes

    def _reduction_for(
        self, code: str, option: _Option, leaf_gain: Fraction
    ) -> Fraction:
        """Return how much the continuous measures must remove for ``leaf_gain``."""
        result = self.result
        deducted = self.deducted[code]
        fixed_removed = sum(
            (step for fact, step in option.changes if fact not in option.continuous),
            ZERO,
        )
        leaf_after = result.items[code] + leaf_gain
        return deducted - fixed_removed - (result.maxima[code] - leaf_after)

    def _change(self, code: str, fact: str, reduction: Fraction) -> Change:
        record = self.result.facts[fact]
        if record.kind == "finding":
            return Change(
                kind="rectify",
                fact=fact,
                field_path=record.field_path,
                code=code,
                old=record.fields.get("deduct"),
                new=None,
                points=reduction,
                note=str(record.fields.get("note") or ""),
            )
        firing = next(
            f
            for f in self.result.firings
            if f.effect == "deduction" and fact in f.facts
        )
        measure = self.clauses.measure(firing.rule)
        assert measure is not None and firing.points is not None
        old = record.fields.get("value") if record.kind == "measure" else None
        exact: object = None
        if isinstance(measure.target, bool) or measure.shortfall == "all_or_nothing":
            new: object = measure.target
        else:
            # After the change the measure still deducts what is left.
            left = firing.points - reduction
            minimum = measure.target * (1 - left / measure.points)
            new = _written(minimum)
            if new != minimum:
                exact = minimum
                left = measure.points * (1 - min(Fraction(1), new / measure.target))
                reduction = firing.points - left
        return Change(
            kind="raise",
            fact=fact,
            field_path=f"measures.{measure.measure}",
            code=code,
            old=old,
            new=new,
            points=reduction,
            target=measure.target,
            exact=exact,
        )

    def full_changes(self, candidates: dict[str, list[_Candidate]]) -> list[Change]:
        """Return every score change at its fullest: a perfect sheet."""
        changes = []
        for code, members in candidates.items():
            for candidate in members:
                changes.append(self._change(code, candidate.fact, max(candidate.steps)))
        return changes

    # --- confirmation by the engine -------------------------------------------

    def evaluate(self, changes: Iterable[Change]) -> UnitResult:
        """Evaluate the unit's facts with ``changes`` applied; return its result."""
        unit = apply_changes(self.record.unit, changes)
        changed = UnitRecord(unit, self.record.file, self.record.index, None)
        # A county needs its sampled schools, and a county's school needs its
        # county among the inputs, so the whole county is evaluated again.
        county = unit.id if unit.kind is UnitKind.COUNTY_BUREAU else unit.county
        records = [changed]
        if county is not None:
            records.extend(
                r
                for r in self.facts.units
                if r.unit.id != unit.id
                and (
                    r.unit.id == county or (r.unit.county == county and r.unit.sampled)
                )
            )
        evaluation = self.engine.evaluate(FactSet(units=records))
        failed = [error for error in evaluation.errors if error.unit == unit.id]
        if failed:
            raise ExplainError(
                f"what-if for {unit.id}: the changed facts failed to evaluate: "
                + "; ".join(error.message for error in failed)
            )
        return find_result(evaluation, unit.id)


def _keep_discrete(
    states: dict[int, dict[Fraction, tuple[tuple[str, _Option], ...]]],
    count: int,
    gain: Fraction,
    chosen: tuple[tuple[str, _Option], ...],
    needed: Fraction,
) -> None:
    gains = states.setdefault(count, {})
    if gain >= needed:
        # Only the least gain that reaches the need matters.
        reaching = [g for g in gains if g >= needed]
        if reaching and min(reaching) <= gain:
            return
        for g in reaching:
            del gains[g]
    if gain not in gains:
        gains[gain] = chosen


def _keep_flexible(
    states: dict[int, tuple[Fraction, Fraction, tuple[tuple[str, _Option], ...]]],
    count: int,
    fixed: Fraction,
    maximum: Fraction,
    chosen: tuple[tuple[str, _Option], ...],
) -> None:
    current = states.get(count)
    if current is None or maximum > current[1]:
        states[count] = (fixed, maximum, chosen)


def _with_points(change: Change, points: Fraction) -> Change:
    return Change(
        kind=change.kind,
        fact=change.fact,
        field_path=change.field_path,
        code=change.code,
        old=change.old,
        new=change.new,
        points=points,
        target=change.target,
        vetoes=change.vetoes,
        note=change.note,
        exact=change.exact,
    )


def _written(value: Fraction) -> Fraction:
    """Round a rate up to the places a facts file gives it, if it needs more.

    >>> _written(Fraction(18, 19))
    Fraction(4737, 5000)
    >>> _written(Fraction(9, 10))
    Fraction(9, 10)
    """
    scaled = value * 10**RATE_PLACES
    if scaled.denominator == 1:
        return value
    return Fraction(math.ceil(scaled), 10**RATE_PLACES)


_FINDING_PATH = re.compile(r"^findings\[(\d+)\]$")


def apply_changes(unit: Unit, changes: Iterable[Change]) -> Unit:
    """Return a copy of ``unit`` with the changes applied; ``unit`` is untouched."""
    removed: set[int] = set()
    measures: dict[str, object] = {}
    flags: dict[str, object] = {}
    for change in changes:
        if change.kind == "rectify":
            match = _FINDING_PATH.match(change.field_path)
            if match is None:
                raise ExplainError(f"cannot rectify {change.fact}: not a finding")
            removed.add(int(match.group(1)))
        elif change.kind == "raise":
            name = change.field_path.removeprefix("measures.")
            value = change.new
            if MEASURES.get(name) is MeasureType.COUNT and isinstance(value, Fraction):
                value = math.ceil(value)
            measures[name] = value
        else:
            flags[change.field_path.removeprefix("flags.")] = change.new
    findings = [f for index, f in enumerate(unit.findings) if index not in removed]
    return unit.model_copy(
        update={
            "findings": findings,
            "measures": unit.measures.model_copy(update=measures),
            "flags": unit.flags.model_copy(update=flags),
        }
    )


__all__ = [
    "MISSING_SUFFIX",
    "Blocker",
    "Change",
    "WhatIf",
    "apply_changes",
    "grade_rank",
    "next_grade",
    "what_if",
]
