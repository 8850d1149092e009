"""Write an explanation as JSON, and its graph as DOT or GraphML.

Points and scores are written as JSON numbers rounded once, half up, to the
rulebook's display places, as in ``xiaoan evaluate --format json``. Each
graph node also carries its exact value as a fraction (``"4304423/47500"``).
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import networkx as nx

from explain.explanation import Explanation, FactView, FiringView
from report.json_result import shown


def _number(value: Fraction | None, places: int) -> Any:
    return shown(value, places)


def exact_value(value: object) -> Any:
    """Write a fact value exactly: a number where it has a finite decimal."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return value.numerator
        decimal = Decimal(value.numerator) / Decimal(value.denominator)
        if Fraction(decimal) == value:
            return float(decimal)
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, dict):
        return {key: exact_value(item) for key, item in value.items()}
    return value


def _fraction_text(value: object) -> str | None:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return None


def _fact(fact: FactView) -> dict[str, Any]:
    return {
        "fact": fact.key,
        "field_path": fact.field_path,
        "label_zh": fact.label_zh,
        "label_en": fact.label_en,
    }


def _firing(firing: FiringView, places: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule": firing.rule,
        "effect": firing.effect,
        "code": firing.code,
        "points": _number(firing.points, places),
        "counted": firing.counted,
        "clause": firing.clause,
        "rule_text": firing.rule_text,
        "facts": [_fact(fact) for fact in firing.facts],
    }
    if not firing.counted:
        entry["reason_zh"] = firing.reason_zh
        entry["reason_en"] = firing.reason_en
    return entry


def explanation_document(explanation: Explanation, rulebook_id: str) -> dict[str, Any]:
    """Return the explanation of one unit as a JSON-ready mapping."""
    e = explanation
    places = e.places
    return {
        "rulebook": rulebook_id,
        "unit": e.unit,
        "name": e.name,
        "kind": e.kind,
        "grade": e.grade,
        "grade_without_vetoes": e.grade_without_vetoes,
        "total": _number(e.total, places),
        "sheet_percent": _number(e.sheet_percent, places),
        "earned": _number(e.earned, places),
        "maximum": _number(e.maximum, places),
        "adjusted": _number(e.adjusted, places),
        "schools_mean": _number(e.schools_mean, places),
        "vetoes": [
            {
                "code": veto.code,
                "clause": veto.clause,
                "firings": [_firing(firing, places) for firing in veto.firings],
            }
            for veto in e.vetoes
        ],
        "losses": [
            {
                "code": loss.code,
                "item": loss.item,
                "maximum": _number(loss.maximum, places),
                "earned": _number(loss.earned, places),
                "lost": _number(loss.lost, places),
                "clause": loss.clause,
                "deductions": [_firing(firing, places) for firing in loss.deductions],
            }
            for loss in e.losses
        ],
        "not_applicable": list(e.not_applicable),
        "ignored": [_firing(firing, places) for firing in e.ignored],
        "adjustments": [
            {
                "code": adjustment.code,
                "title": adjustment.title,
                "points": _number(adjustment.points, places),
                "vetoed": adjustment.vetoed,
                "clause": adjustment.clause,
                "firings": [_firing(firing, places) for firing in adjustment.firings],
            }
            for adjustment in e.adjustments
        ],
        "schools": [
            {
                "unit": school.unit,
                "name": school.name,
                "percent": _number(school.percent, places),
                "counted": _number(school.counted, places),
                "vetoed": school.vetoed,
                "grade": school.grade,
                "contribution": _number(school.contribution, places),
            }
            for school in e.schools
        ],
        "graph": graph_document(e.graph, places),
    }


def graph_document(graph: nx.DiGraph, places: int) -> dict[str, Any]:
    """Return the nodes and edges of an explanation graph, in a stable order."""
    nodes = []
    for node, data in sorted(graph.nodes(data=True)):
        entry: dict[str, Any] = {"id": node}
        for name, value in sorted(data.items()):
            if name == "source":
                entry["source"] = exact_value(value)
            elif name == "value" and data["kind"] == "fact":
                entry["value"] = exact_value(value)
            elif isinstance(value, Fraction):
                entry[name] = _number(value, places)
                entry[f"{name}_exact"] = _fraction_text(value)
            else:
                entry[name] = value
        nodes.append(entry)
    edges = [
        {"from": source, "to": target, "role": data.get("role", "")}
        for source, target, data in sorted(graph.edges(data=True))
    ]
    return {"nodes": nodes, "edges": edges}


def dumps_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _flat(value: object) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if value is None:
        return ""
    return json.dumps(exact_value(value), ensure_ascii=False, sort_keys=True)


def graphml_text(graph: nx.DiGraph) -> str:
    """Return the graph as GraphML; exact values are written as fractions."""
    flat = nx.DiGraph()
    for node, data in sorted(graph.nodes(data=True)):
        flat.add_node(node, **{name: _flat(value) for name, value in data.items()})
    for source, target, data in sorted(graph.edges(data=True)):
        flat.add_edge(source, target, **{n: _flat(v) for n, v in data.items()})
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")
