"""Sum the recorded firings into item scores, percents, totals and grades.

Nothing here decides a deduction, adjustment or veto: those are rule
firings. This module caps items at zero, leaves out what does not apply,
re-normalises the sheet, combines each indicator's firings as the rulebook
says, blends a county with its sampled schools and reads the grade off the
rulebook's cut-offs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from engine.result import (
    AdjustmentResult,
    CategoryScore,
    Firing,
    SchoolShare,
    round_half_up,
)
from engine.rulebook import Rulebook, Sheet

ZERO = Fraction(0)


@dataclass
class SheetScore:
    items: dict[str, Fraction]
    maxima: dict[str, Fraction]
    not_applicable: list[str]
    categories: list[CategoryScore]
    earned: Fraction
    maximum: Fraction
    ignored: list[Firing]


def score_sheet(rulebook: Rulebook, sheet: Sheet, firings: list[Firing]) -> SheetScore:
    """Score every applicable item and part of ``sheet`` from the firings."""
    excluded: set[str] = set()
    for firing in firings:
        if firing.effect == "exclusion":
            for code in firing.excludes:
                if code not in rulebook.codes:
                    continue
                excluded.add(code)
                scored = rulebook.codes[code]
                if scored.is_item:
                    excluded.update(part.code for part in scored.item.parts)
    for category in sheet.categories:
        for item in category.items:
            if item.parts and all(part.code in excluded for part in item.parts):
                excluded.add(item.code)

    deductions: dict[str, Fraction] = defaultdict(Fraction)
    ignored = []
    for firing in firings:
        if firing.effect != "deduction" or firing.points is None:
            continue
        if firing.code in excluded:
            ignored.append(firing)
            continue
        deductions[firing.code] += firing.points

    items: dict[str, Fraction] = {}
    maxima: dict[str, Fraction] = {}
    categories = []
    for category in sheet.categories:
        earned_in = ZERO
        maximum_in = ZERO
        for item in category.items:
            if item.code in excluded:
                continue
            leaves = [part for part in item.parts if part.code not in excluded]
            if item.parts:
                for part in leaves:
                    items[part.code] = max(ZERO, part.points - deductions[part.code])
                    maxima[part.code] = part.points
                items[item.code] = sum((items[part.code] for part in leaves), ZERO)
                maxima[item.code] = sum((part.points for part in leaves), ZERO)
            else:
                items[item.code] = max(ZERO, item.points - deductions[item.code])
                maxima[item.code] = item.points
            earned_in += items[item.code]
            maximum_in += maxima[item.code]
        categories.append(
            CategoryScore(category.number, category.title, earned_in, maximum_in)
        )
    not_applicable = sorted(
        code for code in excluded if rulebook.codes[code].sheet is sheet
    )
    return SheetScore(
        items=items,
        maxima=maxima,
        not_applicable=not_applicable,
        categories=categories,
        earned=sum((category.earned for category in categories), ZERO),
        maximum=sum((category.maximum for category in categories), ZERO),
        ignored=ignored,
    )


def combine_adjustments(
    rulebook: Rulebook, firings: list[Firing]
) -> list[AdjustmentResult]:
    """Net each indicator's firings, in the rulebook's order of indicators."""
    results = []
    for adjustment in rulebook.model.adjustments:
        own = [firing for firing in firings if firing.code == adjustment.code]
        if not own:
            continue
        scored = [
            firing
            for firing in own
            if firing.effect == "adjustment" and firing.points is not None
        ]
        vetoed = any(firing.effect == "veto" for firing in own)
        if adjustment.combine == "strongest_per_group":
            counted = _strongest_per_group(scored)
        else:
            counted = scored
        points = sum((firing.points or ZERO for firing in counted), ZERO)
        facts: list[str] = []
        for firing in counted + [firing for firing in own if firing.effect == "veto"]:
            for key in firing.facts:
                if key not in facts:
                    facts.append(key)
        results.append(AdjustmentResult(adjustment.code, points, tuple(facts), vetoed))
    return results


def _strongest_per_group(firings: list[Firing]) -> list[Firing]:
    """Keep, per group, the one firing of largest magnitude (the first on ties)."""
    best: dict[str, Firing] = {}
    for firing in sorted(firings, key=lambda f: (f.group or "", f.facts)):
        group = firing.group or ""
        current = best.get(group)
        if current is None or abs(firing.points or ZERO) > abs(current.points or ZERO):
            best[group] = firing
    return [best[group] for group in sorted(best)]


def county_blend(
    rulebook: Rulebook, adjusted: Fraction, shares: list[SchoolShare]
) -> tuple[Fraction, Fraction]:
    """Return (schools' mean, total) of a county from its adjusted sheet score."""
    parameters = rulebook.parameters
    mean = sum((share.counted for share in shares), ZERO) / len(shares)
    total = (
        parameters.county_own_weight * adjusted
        + parameters.county_schools_weight * mean
    )
    return mean, total


def school_share(
    rulebook: Rulebook, unit: str, percent: Fraction, vetoed: bool
) -> SchoolShare:
    """Return what a sampled school counts for in its county's mean."""
    counted = percent
    if vetoed and rulebook.parameters.vetoed_sampled_school == "zero":
        counted = ZERO
    return SchoolShare(unit, percent, counted, vetoed)


def grade_of(rulebook: Rulebook, total: Fraction, vetoed: bool) -> str:
    """Grade a total as shown (rounded once), failing any vetoed unit."""
    parameters = rulebook.parameters
    if vetoed:
        return parameters.failing_grade.grade
    shown = round_half_up(total, parameters.display_places)
    for grade in parameters.grades:
        if Fraction(shown) >= grade.at_least:
            return grade.grade
    return parameters.failing_grade.grade
