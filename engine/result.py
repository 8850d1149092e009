"""The result of evaluating units: one type, made once by the engine.

Points are exact ``Fraction`` values throughout; :func:`round_half_up` makes
the one rounded figure that is shown or written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Effect = Literal["deduction", "exclusion", "adjustment", "veto"]


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Round an exact value once, half away from zero, for display.

    >>> str(round_half_up(Fraction(100, 3)))
    '33.33'
    >>> str(round_half_up(Fraction(17999, 200)))
    '90.00'
    """
    # Decimal division keeps 28 digits, which can round a true ...995 down,
    # so the half case is decided on the exact fraction, in integers (this
    # runs for every number shown, and Fraction arithmetic is slow).
    numerator = value.numerator
    denominator = value.denominator
    whole, remainder = divmod(abs(numerator) * 10**places, denominator)
    if 2 * remainder >= denominator:
        whole += 1
    if numerator < 0:
        whole = -whole
    return Decimal(whole).scaleb(-places)


# Beyond these, float text may switch to exponent notation or lose digits,
# so shown_text falls back to the float it stands for.
_PLAIN_PLACES = 4
_PLAIN_LIMIT = 10**15


def shown_text(value: Fraction, places: int = 2) -> str:
    """Write ``repr(float(round_half_up(value, places)))`` in integers.

    Every item of every result is written this way. A decimal of at most
    15 significant digits is the shortest text of the float nearest to it,
    so the text is the rounded decimal without trailing zeros, keeping one
    digit after the point.

    >>> shown_text(Fraction(871, 10)), shown_text(Fraction(-5)), shown_text(Fraction(1, 3))
    ('87.1', '-5.0', '0.33')
    """
    numerator = value.numerator
    denominator = value.denominator
    if places > _PLAIN_PLACES:
        return repr(float(round_half_up(value, places)))
    scale = 10**places
    if denominator == 1:
        whole = abs(numerator) * scale
    else:
        whole, remainder = divmod(abs(numerator) * scale, denominator)
        if 2 * remainder >= denominator:
            whole += 1
    if whole >= _PLAIN_LIMIT:
        return repr(float(round_half_up(value, places)))
    units, cents = divmod(whole, scale)
    digits = str(cents).rjust(places, "0").rstrip("0") or "0" if cents else "0"
    sign = "-" if numerator < 0 and whole else ""
    return f"{sign}{units}.{digits}"


@dataclass(frozen=True)
class Firing:
    """One rule firing as the engine recorded it.

    ``facts`` are the keys of the matched facts (``incident:I1``,
    ``finding:F2``, ``measure:grid_platform_usage_rate``); ``code`` is the
    item or part a deduction falls on, the adjustment indicator, or the veto;
    ``points`` is a deduction (positive) or an adjustment (signed).
    """

    rule: str
    effect: Effect
    code: str
    facts: tuple[str, ...]
    points: Fraction | None = None
    excludes: tuple[str, ...] = ()
    group: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class FactRecord:
    """A fact as asserted for one unit, with the values a reader needs."""

    key: str
    kind: str
    id: str
    fields: dict[str, object]
    field_path: str


@dataclass(frozen=True)
class AdjustmentResult:
    """The net points of one adjustment indicator and the facts counted."""

    code: str
    points: Fraction
    facts: tuple[str, ...]
    vetoed: bool = False


@dataclass(frozen=True)
class CategoryScore:
    number: int
    title: str
    earned: Fraction
    maximum: Fraction


@dataclass(frozen=True)
class SchoolShare:
    """A sampled school's contribution to its county's total."""

    unit: str
    percent: Fraction
    counted: Fraction
    vetoed: bool


@dataclass
class UnitResult:
    """Everything the engine concluded about one unit."""

    unit: str
    name: str
    kind: str
    county: str | None
    level: str | None
    sampled: bool
    items: dict[str, Fraction]
    maxima: dict[str, Fraction]
    not_applicable: list[str]
    categories: list[CategoryScore]
    earned: Fraction
    maximum: Fraction
    sheet_percent: Fraction
    adjustments: list[AdjustmentResult]
    adjusted: Fraction | None
    schools_mean: Fraction | None
    schools: list[SchoolShare]
    total: Fraction
    vetoes: list[str]
    grade: str
    grade_without_vetoes: str
    warnings: list[str]
    firings: list[Firing]
    facts: dict[str, FactRecord] = field(default_factory=dict)
    self_scores: dict[str, Fraction] = field(default_factory=dict)

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)


@dataclass(frozen=True)
class UnitError:
    """A unit that could not be evaluated (``unit`` is None for a file error)."""

    unit: str | None
    message: str
    file: str | None = None


@dataclass
class Evaluation:
    """Results of one run, in input order, and every error."""

    rulebook_id: str
    rulebook_hash: str
    results: list[UnitResult] = field(default_factory=list)
    errors: list[UnitError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
