"""The firings log: every unit's recorded firings and facts, one JSON line each.

A stored run can be explained from this log without evaluating again:
each line contains the unit id, every firing (rule, effect, code, matched
facts, points) and every fact asserted, with numbers as exact text
(``"3.5"``, ``"1/3"``) that ``fractions.Fraction`` reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from enum import Enum
from fractions import Fraction
from json.encoder import encode_basestring as encode_string
from pathlib import Path
from typing import Any

from engine.result import FactRecord, Firing, UnitResult


def exact_text(value: Fraction) -> str:
    """Write an exact number as decimal text when it has one, else as p/q.

    >>> exact_text(Fraction(7, 2)), exact_text(Fraction(1, 3)), exact_text(Fraction(5))
    ('3.5', '1/3', '5')
    """
    numerator = value.numerator
    denominator = value.denominator
    if denominator == 1:
        return str(numerator)
    # A fraction has a finite decimal exactly when its denominator has no
    # prime factors but 2 and 5; the places needed are the larger count.
    twos = (denominator & -denominator).bit_length() - 1
    rest = denominator >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{numerator}/{denominator}"
    places = max(twos, fives)
    digits = str(abs(numerator) * (10**places // denominator)).rjust(places + 1, "0")
    sign = "-" if numerator < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def plain(value: Any) -> Any:
    """Turn a fact's field value into JSON: exact text for numbers."""
    # Exact type checks first: isinstance against Fraction goes through the
    # numbers ABCs and is slow, and most values are plain text or yes/no.
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is Fraction:
        return exact_text(value)
    if isinstance(value, Fraction):
        return exact_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def firing_entry(firing: Firing) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule": firing.rule,
        "effect": firing.effect,
        "code": firing.code,
        "facts": list(firing.facts),
        "points": None if firing.points is None else exact_text(firing.points),
    }
    if firing.excludes:
        entry["excludes"] = list(firing.excludes)
    if firing.group is not None:
        entry["group"] = firing.group
    if firing.detail:
        entry["detail"] = firing.detail
    return entry


def fact_entry(record: FactRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "kind": record.kind,
        "id": record.id,
        "field": record.field_path,
        "values": {name: plain(value) for name, value in record.fields.items()},
    }


def firings_line(result: UnitResult) -> str:
    """Return the unit's log line (no newline), keys in a fixed order.

    The text is ``json.dumps(firings_entry(result), ensure_ascii=False,
    separators=(",", ":"))``, written directly: a batch writes one line per
    unit, and building the entry's dictionaries cost more than the text.
    """
    parts = [
        '{"unit":',
        encode_string(result.unit),
        ',"kind":',
        encode_string(result.kind),
        ',"earned":"',
        exact_text(result.earned),
        '","maximum":"',
        exact_text(result.maximum),
        '","sheet_percent":"',
        exact_text(result.sheet_percent),
        '","adjusted":',
        "null" if result.adjusted is None else f'"{exact_text(result.adjusted)}"',
        ',"total":"',
        exact_text(result.total),
        '","firings":[',
        ",".join([_firing_text(firing) for firing in result.firings]),
        '],"facts":[',
        ",".join([_fact_text(record) for record in result.facts.values()]),
        "]}",
    ]
    return "".join(parts)


def _strings_text(values: tuple[str, ...]) -> str:
    return "[" + ",".join([encode_string(value) for value in values]) + "]"


def _firing_text(firing: Firing) -> str:
    points = firing.points
    text = (
        f'{{"rule":{encode_string(firing.rule)},'
        f'"effect":{encode_string(firing.effect)},'
        f'"code":{encode_string(firing.code)},'
        f'"facts":{_strings_text(firing.facts)},'
        f'"points":{"null" if points is None else _quoted(exact_text(points))}'
    )
    if firing.excludes:
        text += f',"excludes":{_strings_text(firing.excludes)}'
    if firing.group is not None:
        text += f',"group":{encode_string(firing.group)}'
    if firing.detail:
        text += f',"detail":{encode_string(firing.detail)}'
    return text + "}"


def _fact_text(record: FactRecord) -> str:
    values = ",".join(
        [
            f"{encode_string(name)}:{_value_text(value)}"
            for name, value in record.fields.items()
        ]
    )
    return (
        f'{{"key":{encode_string(record.key)},'
        f'"kind":{encode_string(record.kind)},'
        f'"id":{encode_string(record.id)},'
        f'"field":{encode_string(record.field_path)},'
        f'"values":{{{values}}}}}'
    )


def _value_text(value: Any) -> str:
    """Write ``plain(value)`` as JSON, with the common types first."""
    kind = type(value)
    if kind is str:
        return encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is Fraction:
        return _quoted(exact_text(value))
    return json.dumps(plain(value), ensure_ascii=False)


def _quoted(text: str) -> str:
    # Exact text contains only digits, a sign, a point or a slash, so nothing
    # needs escaping.
    return f'"{text}"'


def firings_entry(result: UnitResult) -> dict[str, Any]:
    """Return the unit's log entry as a dictionary, keys in a fixed order."""
    entry = {
        "unit": result.unit,
        "kind": result.kind,
        "earned": exact_text(result.earned),
        "maximum": exact_text(result.maximum),
        "sheet_percent": exact_text(result.sheet_percent),
        "adjusted": None if result.adjusted is None else exact_text(result.adjusted),
        "total": exact_text(result.total),
        "firings": [firing_entry(firing) for firing in result.firings],
        "facts": [fact_entry(record) for record in result.facts.values()],
    }
    return entry


def read_firings_log(path: Path) -> Iterator[dict[str, Any]]:
    """Yield each unit's entry of a firings log, numbers still as text."""
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)
