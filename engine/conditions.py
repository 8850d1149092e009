"""The set of values a rule condition accepts, to find dead and overlapping rules.

Each field test of a :class:`~engine.rulebook.Condition` narrows the values
its field may take: a finite set for yes/no and named values, an interval
for numbers. A condition whose set is empty for some field can never fire,
and two conditions on the same kind of fact whose sets intersect on every
field can both match one fact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any

from engine.rulebook import Condition, FieldTest, ParamRef
from facts.vocabulary import EVENT_FIELDS, MEASURES, NAMED_FACTS, MeasureType


@dataclass(frozen=True)
class Choices:
    """The values a yes/no or named field may still take."""

    values: frozenset[Any]

    def is_empty(self) -> bool:
        return not self.values

    def intersect(self, other: Choices) -> Choices:
        return Choices(self.values & other.values)

    def describe(self) -> str:
        return ", ".join(sorted(str(value).lower() for value in self.values))


@dataclass(frozen=True)
class Interval:
    """The numbers a field may still take: one interval, minus some points.

    ``None`` bounds are unbounded; ``whole`` keeps only whole numbers.
    """

    low: Fraction | None = None
    low_closed: bool = True
    high: Fraction | None = None
    high_closed: bool = True
    whole: bool = False
    removed: frozenset[Fraction] = field(default_factory=frozenset)

    def normalised(self) -> Interval:
        """Tighten open bounds of a whole-number field to closed ones."""
        if not self.whole:
            return self
        low = self.low
        high = self.high
        if low is not None:
            low = Fraction(math.floor(low) + 1 if not self.low_closed else -(-low // 1))
        if high is not None:
            high = Fraction(math.ceil(high) - 1 if not self.high_closed else high // 1)
        return Interval(low, True, high, True, True, self.removed)

    def is_empty(self) -> bool:
        interval = self.normalised()
        low, high = interval.low, interval.high
        if low is not None and high is not None:
            if low > high:
                return True
            if low == high and not (interval.low_closed and interval.high_closed):
                return True
            if interval.whole and high - low + 1 <= len(interval.removed):
                points = {Fraction(n) for n in range(int(low), int(high) + 1)}
                return points <= interval.removed
            if low == high and low in interval.removed:
                return True
        return False

    def intersect(self, other: Interval) -> Interval:
        low, low_closed = _tighter_low(
            (self.low, self.low_closed), (other.low, other.low_closed)
        )
        high, high_closed = _tighter_high(
            (self.high, self.high_closed), (other.high, other.high_closed)
        )
        return Interval(
            low,
            low_closed,
            high,
            high_closed,
            self.whole or other.whole,
            self.removed | other.removed,
        )

    def describe(self) -> str:
        interval = self.normalised()
        left = "[" if interval.low_closed else "("
        right = "]" if interval.high_closed else ")"
        low = "-inf" if interval.low is None else _number(interval.low)
        high = "inf" if interval.high is None else _number(interval.high)
        return f"{left}{low}, {high}{right}"


Domain = Choices | Interval


def _tighter_low(
    a: tuple[Fraction | None, bool], b: tuple[Fraction | None, bool]
) -> tuple[Fraction | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if a[0] != b[0]:
        return a if a[0] > b[0] else b
    return (a[0], a[1] and b[1])


def _tighter_high(
    a: tuple[Fraction | None, bool], b: tuple[Fraction | None, bool]
) -> tuple[Fraction | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if a[0] != b[0]:
        return a if a[0] < b[0] else b
    return (a[0], a[1] and b[1])


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(float(value)) if (value * 10**6).denominator == 1 else str(value)


def field_type(condition: Condition, field_name: str) -> Any:
    """Return the vocabulary type of a field that ``condition`` tests, or None."""
    if condition.fact in NAMED_FACTS:
        if field_name != "value":
            return None
        if condition.fact == "measure":
            kind = MEASURES.get(condition.name or "")
            if kind is None:
                return None
            return {MeasureType.BOOLEAN: bool, MeasureType.COUNT: int}.get(
                kind, Fraction
            )
        return bool
    return EVENT_FIELDS.get(condition.fact, {}).get(field_name)


def full_domain(condition: Condition, field_name: str) -> Domain | None:
    """Return every value the facts file accepts for a field, or None if unknown."""
    kind = field_type(condition, field_name)
    if kind is None:
        return None
    if kind is bool:
        return Choices(frozenset({True, False}))
    if isinstance(kind, type) and issubclass(kind, Enum):
        return Choices(frozenset(member.value for member in kind))
    if condition.fact == "measure" and kind is Fraction:
        return Interval(Fraction(0), True, Fraction(1), True)
    return Interval(Fraction(0), True, None, True, whole=kind is int)


def field_domain(
    condition: Condition,
    field_name: str,
    test: FieldTest,
    thresholds: dict[str, Fraction],
) -> Domain | None:
    """Return the values of a field that pass ``test``, or None if unknown."""
    domain = full_domain(condition, field_name)
    if domain is None:
        return None
    for operator, operand in test.operators():
        narrowed = _narrow(domain, operator, operand, thresholds)
        if narrowed is None:
            return None
        domain = narrowed
    return domain


def _resolve(value: Any, thresholds: dict[str, Fraction]) -> Any:
    if isinstance(value, ParamRef):
        if value.param not in thresholds:
            raise KeyError(value.param)
        return thresholds[value.param]
    return value


def _narrow(
    domain: Domain, operator: str, operand: Any, thresholds: dict[str, Fraction]
) -> Domain | None:
    try:
        if isinstance(operand, (list, tuple)):
            operand = [_resolve(value, thresholds) for value in operand]
        else:
            operand = _resolve(operand, thresholds)
    except KeyError:
        return None

    if isinstance(domain, Choices):
        return _narrow_choices(domain, operator, operand)
    numbers = operand if isinstance(operand, list) else [operand]
    if any(isinstance(n, bool) or not isinstance(n, (int, Fraction)) for n in numbers):
        return None
    return _narrow_interval(domain, operator, [Fraction(n) for n in numbers])


def _narrow_choices(domain: Choices, operator: str, operand: Any) -> Choices | None:
    values = frozenset(operand) if operator in ("in", "not_in") else {operand}
    if operator in ("eq", "in"):
        return Choices(domain.values & values)
    if operator in ("ne", "not_in"):
        return Choices(domain.values - values)
    return None


def _narrow_interval(
    domain: Interval, operator: str, numbers: list[Fraction]
) -> Interval | None:
    if operator in ("ne", "not_in"):
        return domain.intersect(Interval(removed=frozenset(numbers)))
    if operator in ("lt", "le"):
        return domain.intersect(Interval(high=numbers[0], high_closed=operator == "le"))
    if operator in ("gt", "ge"):
        return domain.intersect(Interval(low=numbers[0], low_closed=operator == "ge"))
    if operator == "between":
        # A reversed pair such as [10, 1] gives an empty interval, as in the engine.
        return domain.intersect(Interval(numbers[0], True, numbers[1], True))
    if not numbers:
        # An empty ``in`` list: no number passes.
        return Interval(Fraction(1), True, Fraction(0), True)
    # eq and in narrow to the span of their numbers. For an ``in`` list the
    # span also holds numbers between the listed ones, which can only hide a
    # contradiction, never report a false one.
    return domain.intersect(Interval(min(numbers), True, max(numbers), True))


def empty_field(
    condition: Condition, thresholds: dict[str, Fraction]
) -> tuple[str, Domain | None] | None:
    """Return the first field no value can pass, with its domain, if any.

    An ``in`` list that is empty makes its field empty whatever its type.
    """
    for field_name, test in condition.tests():
        if test.in_ is not None and not test.in_:
            return field_name, None
        domain = field_domain(condition, field_name, test, thresholds)
        if domain is not None and domain.is_empty():
            return field_name, domain
    return None


def can_match_same_fact(
    first: Condition, second: Condition, thresholds: dict[str, Fraction]
) -> bool:
    """Tell whether some single fact passes both conditions.

    Fields whose tests cannot be analysed count as overlapping, so that an
    unclear case produces a warning rather than silence.
    """
    if first.fact != second.fact or first.name != second.name:
        return False
    tests_first = dict(first.tests())
    tests_second = dict(second.tests())
    for field_name in set(tests_first) & set(tests_second):
        a = field_domain(first, field_name, tests_first[field_name], thresholds)
        b = field_domain(second, field_name, tests_second[field_name], thresholds)
        if a is None or b is None:
            continue
        common = _intersect(a, b)
        if common is not None and common.is_empty():
            return False
    return True


def _intersect(a: Domain, b: Domain) -> Domain | None:
    if isinstance(a, Choices) and isinstance(b, Choices):
        return a.intersect(b)
    if isinstance(a, Interval) and isinstance(b, Interval):
        return a.intersect(b)
    return None
