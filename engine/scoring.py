"""Sum the recorded firings into item scores, percents, totals and grades.

Nothing here decides a deduction, adjustment or veto: those are rule
firings. This module caps items at zero, leaves out what does not apply,
re-normalises the sheet, combines each indicator's firings as the rulebook
specifies, blends a county with its sampled schools and reads the grade off the
rulebook's cut-offs.
"""

from __future__ import annotations

import weakref
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
from engine.rulebook import Category, Rulebook, Sheet

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
    named: set[str] = set()
    for firing in firings:
        if firing.effect == "exclusion":
            named.update(code for code in firing.excludes if code in rulebook.codes)
    layout = _layout(rulebook, sheet, frozenset(named))
    excluded = layout.excluded

    deductions: dict[str, Fraction] = defaultdict(Fraction)
    ignored = []
    for firing in firings:
        if firing.effect != "deduction" or firing.points is None:
            continue
        if firing.code in excluded:
            ignored.append(firing)
            continue
        deductions[firing.code] += firing.points

    # Start from full marks and lower only the items and parts that lost
    # points: most of a sheet's items lose none.
    items = dict(layout.items)
    earned = list(layout.earned)
    for code, deducted in deductions.items():
        place = layout.leaves.get(code)
        if place is None:
            continue
        category, parent, points = place
        score = max(ZERO, points - deducted)
        change = score - points
        items[code] = score
        if parent is not None:
            items[parent] += change
        earned[category] += change
    categories = [
        CategoryScore(category.number, category.title, earned[index], maximum)
        for index, (category, maximum) in enumerate(
            zip(layout.categories, layout.maxima_in, strict=True)
        )
    ]
    return SheetScore(
        items=items,
        maxima=dict(layout.maxima),
        not_applicable=list(layout.not_applicable),
        categories=categories,
        earned=sum(earned, ZERO),
        maximum=layout.maximum,
        ignored=ignored,
    )


@dataclass(frozen=True)
class _Layout:
    """A sheet at full marks once the excluded items and parts are left out."""

    excluded: frozenset[str]
    items: dict[str, Fraction]
    maxima: dict[str, Fraction]
    # Each scored leaf (a part, or an item without parts): its category's
    # index, the item it is part of (None for an item), its maximum.
    leaves: dict[str, tuple[int, str | None, Fraction]]
    categories: tuple[Category, ...]
    earned: tuple[Fraction, ...]
    maxima_in: tuple[Fraction, ...]
    maximum: Fraction
    not_applicable: tuple[str, ...]


# Layouts by sheet and excluded codes, per rulebook. Units share a handful
# of profiles, so each rulebook's cache stays small.
_layouts: weakref.WeakKeyDictionary[
    Rulebook, dict[tuple[int, frozenset[str]], _Layout]
] = weakref.WeakKeyDictionary()


def _layout(rulebook: Rulebook, sheet: Sheet, named: frozenset[str]) -> _Layout:
    cache = _layouts.setdefault(rulebook, {})
    key = (id(sheet), named)
    layout = cache.get(key)
    if layout is None:
        layout = _build_layout(rulebook, sheet, named)
        cache[key] = layout
    return layout


def _build_layout(rulebook: Rulebook, sheet: Sheet, named: frozenset[str]) -> _Layout:
    excluded: set[str] = set()
    for code in named:
        excluded.add(code)
        scored = rulebook.codes[code]
        if scored.is_item:
            excluded.update(part.code for part in scored.item.parts)
    for category in sheet.categories:
        for item in category.items:
            if item.parts and all(part.code in excluded for part in item.parts):
                excluded.add(item.code)

    items: dict[str, Fraction] = {}
    maxima: dict[str, Fraction] = {}
    leaves: dict[str, tuple[int, str | None, Fraction]] = {}
    earned_in: list[Fraction] = []
    maxima_in: list[Fraction] = []
    for index, category in enumerate(sheet.categories):
        total = ZERO
        for item in category.items:
            if item.code in excluded:
                continue
            if item.parts:
                kept = [part for part in item.parts if part.code not in excluded]
                for part in kept:
                    items[part.code] = part.points
                    maxima[part.code] = part.points
                    leaves[part.code] = (index, item.code, part.points)
                points = sum((part.points for part in kept), ZERO)
            else:
                points = item.points
                leaves[item.code] = (index, None, points)
            items[item.code] = points
            maxima[item.code] = points
            total += points
        earned_in.append(total)
        maxima_in.append(total)
    not_applicable = sorted(
        code for code in excluded if rulebook.codes[code].sheet is sheet
    )
    return _Layout(
        excluded=frozenset(excluded),
        items=items,
        maxima=maxima,
        leaves=leaves,
        categories=tuple(sheet.categories),
        earned=tuple(earned_in),
        maxima_in=tuple(maxima_in),
        maximum=sum(maxima_in, ZERO),
        not_applicable=tuple(not_applicable),
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
