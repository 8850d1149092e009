"""Turn a unit's facts into the flat facts asserted in the rule engine."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pydantic import BaseModel

from engine.compiler import SCALE, CompiledRuleset
from engine.result import FactRecord
from facts.models import Unit


def unit_facts(
    unit: Unit, ruleset: CompiledRuleset
) -> tuple[list[dict[str, Any]], dict[str, FactRecord]]:
    """Build the engine facts of ``unit`` and a record of each by engine id.

    Engine ids are short ASCII strings (``f0``, ``f1``, …) so that their
    hashes are the same on every platform; each record keeps the fact's own
    key (``incident:I1``) and exact values for the explanation.
    """
    builder = _Builder()
    for index, finding in enumerate(unit.findings):
        finding_id = finding.id or f"#{index + 1}"
        builder.add(
            "finding",
            finding_id,
            f"findings[{index}]",
            {"item": finding.item},
            {"deduct": finding.deduct, "note": finding.note},
        )
    for index, code in enumerate(unit.not_applicable):
        builder.add("exclusion", code, f"not_applicable[{index}]", {"item": code}, {})
    for group, kind in (
        ("incidents", "incident"),
        ("petitions", "petition"),
        ("recognitions", "recognition"),
        ("convictions", "conviction"),
    ):
        for index, event in enumerate(getattr(unit, group)):
            plain = {}
            for name in type(event).model_fields:
                value = getattr(event, name)
                if name in ("id", "note") or value is None:
                    continue
                plain[name] = value.value if hasattr(value, "value") else value
            builder.add(
                kind, event.id, f"{group}[{index}]", plain, {"note": event.note}
            )
    # Read attributes, not model_dump(): the serializers turn exact numbers
    # into JSON-friendly ones.
    measured = _present(unit.measures)
    for name, value in measured.items():
        if isinstance(value, int) and not isinstance(value, bool):
            value = Fraction(value)
        builder.add(
            "measure", name, f"measures.{name}", {"name": name, "value": value}, {}
        )
    for name in sorted(set(ruleset.scored_measures) - set(measured)):
        builder.add("missing", name, f"measures.{name}", {"name": name}, {})
    for group, kind in (("flags", "flag"), ("profile", "profile")):
        for name, value in _present(getattr(unit, group)).items():
            builder.add(
                kind, name, f"{group}.{name}", {"name": name, "value": value}, {}
            )
    return builder.facts, builder.records


def _present(model: BaseModel) -> dict[str, Any]:
    """Return the fields of ``model`` that are set, as exact Python values."""
    values = {name: getattr(model, name) for name in type(model).model_fields}
    return {name: value for name, value in values.items() if value is not None}


class _Builder:
    def __init__(self) -> None:
        self.facts: list[dict[str, Any]] = []
        self.records: dict[str, FactRecord] = {}

    def add(
        self,
        kind: str,
        fact_id: str,
        field_path: str,
        fields: dict[str, Any],
        extra: dict[str, Any],
    ) -> None:
        engine_id = f"f{len(self.facts)}"
        asserted: dict[str, Any] = {"id": engine_id, "fact": kind}
        for name, value in fields.items():
            # Exact type checks, because isinstance against Fraction goes
            # through the numbers ABCs and runs for every field of every
            # unit. Facts contain Fraction and int values, never subclasses,
            # and bool is left out as before.
            value_type = type(value)
            if value_type is Fraction or value_type is int:
                # scaled_bounds in integers: this runs for every number of
                # every unit, and Fraction arithmetic is slow.
                low, remainder = divmod(value.numerator * SCALE, value.denominator)
                asserted[f"{name}_lo"] = low
                asserted[f"{name}_hi"] = low + 1 if remainder else low
            else:
                asserted[name] = value
        self.facts.append(asserted)
        self.records[engine_id] = FactRecord(
            key=f"{kind}:{fact_id}",
            kind=kind,
            id=fact_id,
            fields={**fields, **extra},
            field_path=field_path,
        )
