"""Read the meaning of each raw rule firing: the conclusion and its value."""

from __future__ import annotations

from fractions import Fraction

from engine.checks import format_points
from engine.compiler import CompiledRule, CompiledRuleset
from engine.result import FactRecord, Firing
from engine.session import RawFiring
from facts.errors import FactError


def interpret(
    raw: list[RawFiring], ruleset: CompiledRuleset, records: dict[str, FactRecord]
) -> tuple[list[Firing], list[FactError]]:
    """Turn raw firings into :class:`Firing` records, in a stable order.

    Input errors that only a rule can see (a county incident without the
    ``deduct`` its type requires, a rule that rejects a fact) come back as
    :class:`FactError` values without a file; the caller adds the place.
    """
    firings: list[Firing] = []
    errors: list[FactError] = []
    for name, matched in raw:
        rule = ruleset.rules[name]
        keys = tuple(records[fact["id"]].key for fact in matched.values())
        facts = [records[fact["id"]] for fact in matched.values()]
        try:
            firings.append(_firing(rule, keys, facts))
        except FactError as error:
            errors.append(error)
    firings.sort(
        key=lambda firing: (
            _ORDER[firing.effect],
            firing.code,
            firing.rule,
            firing.facts,
        )
    )
    return firings, errors


_ORDER = {"exclusion": 0, "deduction": 1, "adjustment": 2, "veto": 3}


def _firing(
    rule: CompiledRule, keys: tuple[str, ...], facts: list[FactRecord]
) -> Firing:
    first = facts[0]
    if rule.role == "finding":
        deduct = first.fields["deduct"]
        assert isinstance(deduct, Fraction)
        return Firing(
            rule.rule_id,
            "deduction",
            str(first.fields["item"]),
            keys,
            deduct,
            detail=str(first.fields.get("note") or ""),
        )
    if rule.role == "exclusion":
        code = str(first.fields["item"])
        return Firing(
            rule.rule_id,
            "exclusion",
            code,
            keys,
            excludes=(code,),
            detail="ruled out by the inspector",
        )
    if rule.role == "applicability":
        assert rule.applicability is not None
        return Firing(
            rule.rule_id,
            "exclusion",
            rule.rule_id,
            keys,
            excludes=tuple(rule.applicability.excludes),
            detail=rule.applicability.reason,
        )
    if rule.role in ("measure", "missing_measure"):
        return _measure_firing(rule, keys, first)
    if rule.role == "veto":
        return Firing(rule.rule_id, "veto", rule.code, keys)
    if rule.role == "adjustment":
        return _adjustment_firing(rule, keys, first)
    raise AssertionError(f"rule {rule.rule_id} of role {rule.role} cannot fire")


def _measure_firing(
    rule: CompiledRule, keys: tuple[str, ...], fact: FactRecord
) -> Firing:
    measure = rule.measure
    assert measure is not None
    if rule.role == "missing_measure":
        return Firing(
            rule.rule_id,
            "deduction",
            measure.code,
            keys,
            measure.points,
            detail=f"{measure.measure} missing",
        )
    value = fact.fields["value"]
    if isinstance(measure.target, bool) or measure.shortfall == "all_or_nothing":
        shown = str(value).lower() if isinstance(value, bool) else _number(value)
        target = (
            str(measure.target).lower()
            if isinstance(measure.target, bool)
            else _number(measure.target)
        )
        return Firing(
            rule.rule_id,
            "deduction",
            measure.code,
            keys,
            measure.points,
            detail=f"{measure.measure} = {shown}, target {target}",
        )
    assert isinstance(value, Fraction)
    return Firing(
        rule.rule_id,
        "deduction",
        measure.code,
        keys,
        _shortfall(measure.points, value, measure.target),
        detail=f"{measure.measure} = {_number(value)}, target "
        f"{_number(measure.target)}",
    )


def _shortfall(points: Fraction, value: Fraction, target: Fraction) -> Fraction:
    """Return ``points - points * min(1, value / target)``.

    Worked out in integers for a positive target, since this runs for many
    measures of every unit and each Fraction operation reduces its result.
    """
    if target.numerator <= 0:
        return points - points * min(Fraction(1), value / target)
    # value / target = (a * d) / (b * c); the shortfall is 1 minus that.
    a, b = value.numerator, value.denominator
    c, d = target.numerator, target.denominator
    reached = b * c
    missing = reached - a * d
    if missing <= 0:
        return Fraction(0)
    return Fraction(points.numerator * missing, points.denominator * reached)


def _adjustment_firing(
    rule: CompiledRule, keys: tuple[str, ...], fact: FactRecord
) -> Firing:
    adjustment = rule.adjustment
    assert adjustment is not None
    if adjustment.reject is not None:
        raise FactError(
            adjustment.reject,
            unit=None,
            field=fact.field_path,
            value=_shown_fields(fact),
        )
    if adjustment.veto:
        return Firing(rule.rule_id, "veto", rule.code, keys)
    if adjustment.points is not None:
        return Firing(
            rule.rule_id,
            "adjustment",
            rule.code,
            keys,
            adjustment.points,
            group=adjustment.group,
        )
    field_name = adjustment.points_from
    assert field_name is not None
    amount = fact.fields.get(field_name)
    if not isinstance(amount, Fraction):
        raise FactError(
            f"missing {field_name}: rule {rule.rule_id} leaves the "
            "deduction to the inspector",
            field=f"{fact.field_path}.{field_name}",
            expected=_range_text(rule),
        )
    low_high = adjustment.points_range
    step = adjustment.points_step
    if low_high is not None and not low_high[0] <= amount <= low_high[1]:
        raise FactError(
            "deduction out of range",
            field=f"{fact.field_path}.{field_name}",
            value=_number(amount),
            expected=_range_text(rule),
        )
    if step is not None and (amount / step).denominator != 1:
        raise FactError(
            "deduction not in steps",
            field=f"{fact.field_path}.{field_name}",
            value=_number(amount),
            expected=_range_text(rule),
        )
    return Firing(
        rule.rule_id,
        "adjustment",
        rule.code,
        keys,
        -amount,
        group=adjustment.group,
        detail=f"{field_name} {_number(amount)}",
    )


def _range_text(rule: CompiledRule) -> str:
    adjustment = rule.adjustment
    assert adjustment is not None
    parts = []
    if adjustment.points_range is not None:
        low, high = adjustment.points_range
        parts.append(
            f"a number of points from {format_points(low)} to {format_points(high)}"
        )
    else:
        parts.append("a number of points")
    if adjustment.points_step is not None:
        parts.append(f"in steps of {format_points(adjustment.points_step)}")
    return " ".join(parts)


def _shown_fields(fact: FactRecord) -> str:
    return ", ".join(
        f"{name}={_number(value) if isinstance(value, Fraction) else value}"
        for name, value in fact.fields.items()
        if name != "note"
    )


def _number(value: object) -> str:
    if type(value) is Fraction:
        # Measures repeat the same few values across units, and formatting
        # goes through Decimal division.
        key = (value.numerator, value.denominator)
        text = _NUMBER_TEXT.get(key)
        if text is None:
            text = format_points(value)
            if len(_NUMBER_TEXT) >= _NUMBER_TEXT_LIMIT:
                _NUMBER_TEXT.clear()
            _NUMBER_TEXT[key] = text
        return text
    if isinstance(value, Fraction):
        return format_points(value)
    return str(value)


_NUMBER_TEXT: dict[tuple[int, int], str] = {}
_NUMBER_TEXT_LIMIT = 65536
