"""Read an explanation graph into the sections an inspector reads.

Every number here is read off a graph node, which contains the engine's own
figure. The sections only choose what to show and in which order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import networkx as nx

from engine.result import UnitResult
from engine.rulebook import Rulebook
from explain.graph import (
    ADJUSTED,
    GRADE,
    MEAN,
    PERCENT,
    SHEET,
    TOTAL,
    build_graph,
    code_node,
)
from explain.words import Language

ZERO = Fraction(0)


@dataclass(frozen=True)
class FactView:
    """A fact behind a firing: its key, place in the facts file and labels."""

    node: str
    key: str
    field_path: str
    label_zh: str
    label_en: str

    def label(self, language: Language) -> str:
        return self.label_zh if language == "zh" else self.label_en


@dataclass(frozen=True)
class FiringView:
    """One rule firing with the clause it applied and the facts it matched."""

    node: str
    rule: str
    effect: str
    code: str
    points: Fraction | None
    counted: bool
    reason_zh: str
    reason_en: str
    clause: str
    rule_text: str
    detail: str
    facts: tuple[FactView, ...]
    measure: str | None = None
    target: Fraction | bool | None = None
    measure_points: Fraction | None = None
    shortfall: str | None = None
    missing: bool = False

    def reason(self, language: Language) -> str:
        return self.reason_zh if language == "zh" else self.reason_en


@dataclass(frozen=True)
class LossView:
    """An item or part that lost points, with the deductions behind the loss."""

    node: str
    code: str
    item: str | None
    clause: str
    maximum: Fraction
    earned: Fraction
    lost: Fraction
    deductions: tuple[FiringView, ...]

    @property
    def deducted(self) -> Fraction:
        """Return the sum of the counted deductions, which may exceed the maximum."""
        return sum((d.points or ZERO for d in self.deductions if d.counted), ZERO)

    @property
    def capped(self) -> bool:
        return self.deducted > self.maximum


@dataclass(frozen=True)
class VetoView:
    """A veto that fired: the notice's wording and each rule that triggered it."""

    node: str
    code: str
    clause: str
    title: str
    firings: tuple[FiringView, ...]


@dataclass(frozen=True)
class AdjustmentView:
    """An adjustment indicator: its net points and every firing under it."""

    node: str
    code: str
    title: str
    clause: str
    points: Fraction
    vetoed: bool
    firings: tuple[FiringView, ...]


@dataclass(frozen=True)
class SchoolView:
    """A sampled school's share of its county's total."""

    node: str
    unit: str
    name: str
    percent: Fraction
    counted: Fraction
    vetoed: bool
    grade: str | None
    contribution: Fraction


@dataclass
class Explanation:
    """The reasons for one unit's grade, read off its explanation graph."""

    unit: str
    name: str
    kind: str
    grade: str
    grade_without_vetoes: str
    grade_names: dict[str, tuple[str, str]]
    total: Fraction
    earned: Fraction
    maximum: Fraction
    sheet_percent: Fraction
    adjusted: Fraction | None
    schools_mean: Fraction | None
    floored: bool
    own_weight: Fraction | None
    schools_weight: Fraction | None
    vetoes: list[VetoView]
    losses: list[LossView]
    ignored: list[FiringView]
    not_applicable: list[str]
    adjustments: list[AdjustmentView]
    schools: list[SchoolView]
    graph: nx.DiGraph = field(repr=False)
    places: int = 2

    def grade_name(self, grade: str, language: Language) -> str:
        zh, en = self.grade_names.get(grade, (grade, grade))
        return zh if language == "zh" else en


def explain_unit(
    result: UnitResult, rulebook: Rulebook, schools: Sequence[UnitResult] = ()
) -> Explanation:
    """Build the graph of ``result`` and read the explanation off it."""
    graph = build_graph(result, rulebook, schools)
    return read_explanation(graph, result, rulebook)


def read_explanation(
    graph: nx.DiGraph, result: UnitResult, rulebook: Rulebook
) -> Explanation:
    """Read the sections of an explanation from a graph built for ``result``."""
    nodes = graph.nodes
    parameters = rulebook.parameters
    names = {g.grade: (g.name_zh, g.name_en) for g in parameters.grades}
    failing = parameters.failing_grade
    names[failing.grade] = (failing.name_zh, failing.name_en)
    county = graph.has_node(ADJUSTED)
    return Explanation(
        unit=result.unit,
        name=result.name,
        kind=result.kind,
        grade=nodes[GRADE]["value"],
        grade_without_vetoes=nodes[GRADE]["grade_without_vetoes"],
        grade_names=names,
        total=nodes[TOTAL]["value"],
        earned=nodes[SHEET]["value"],
        maximum=nodes[SHEET]["maximum"],
        sheet_percent=nodes[PERCENT]["value"],
        adjusted=nodes[ADJUSTED]["value"] if county else None,
        schools_mean=nodes[MEAN]["value"] if county else None,
        floored=bool(nodes[ADJUSTED]["floored"]) if county else False,
        own_weight=nodes[ADJUSTED]["weight"] if county else None,
        schools_weight=nodes[MEAN]["weight"] if county else None,
        vetoes=_vetoes(graph),
        losses=_losses(graph),
        ignored=[
            _firing(graph, node)
            for node, data in graph.nodes(data=True)
            if data["kind"] == "firing"
            and data["effect"] == "deduction"
            and not data["counted"]
        ],
        not_applicable=sorted(
            data["source"]["rule"]
            for _, data in graph.nodes(data=True)
            if data["kind"] in ("item", "part") and not data["applies"]
        ),
        adjustments=_adjustments(graph),
        schools=_schools(graph),
        graph=graph,
        places=parameters.display_places,
    )


def _fact(graph: nx.DiGraph, node: str) -> FactView:
    data = graph.nodes[node]
    source = data["source"]
    return FactView(
        node, source["fact"], source["field_path"], data["label_zh"], data["label_en"]
    )


def _firing(graph: nx.DiGraph, node: str) -> FiringView:
    data = graph.nodes[node]
    facts = tuple(
        _fact(graph, fact)
        for fact in sorted(graph.predecessors(node))
        if graph.nodes[fact]["kind"] == "fact"
    )
    return FiringView(
        node=node,
        rule=data["rule"],
        effect=data["effect"],
        code=data["code"],
        points=data["value"],
        counted=data["counted"],
        reason_zh=data.get("reason_zh", ""),
        reason_en=data.get("reason_en", ""),
        clause=data["source"]["clause"],
        rule_text=data["source"]["rule_text"],
        detail=data["detail"],
        facts=facts,
        measure=data.get("measure"),
        target=data.get("target"),
        measure_points=data.get("measure_points"),
        shortfall=data.get("shortfall"),
        missing=bool(data.get("missing")),
    )


def _firing_order(graph: nx.DiGraph, node: str) -> int:
    return int(node.split(":", 1)[1])


def _losses(graph: nx.DiGraph) -> list[LossView]:
    nodes = graph.nodes
    losses = []
    order = {node: index for index, node in enumerate(graph.nodes)}
    for node, data in graph.nodes(data=True):
        if data["kind"] not in ("item", "part") or not data["applies"]:
            continue
        has_parts = any(nodes[p]["kind"] == "part" for p in graph.predecessors(node))
        if has_parts or not data["lost"]:
            continue
        firings = sorted(
            (
                f
                for f in graph.predecessors(node)
                if nodes[f]["kind"] == "firing" and nodes[f]["effect"] == "deduction"
            ),
            key=lambda f: _firing_order(graph, f),
        )
        deductions = tuple(_firing(graph, f) for f in firings)
        parent = next(graph.successors(node))
        item = nodes[parent]["source"]["rule"] if data["kind"] == "part" else None
        losses.append(
            LossView(
                node=node,
                code=data["source"]["rule"],
                item=item,
                clause=data["source"]["clause"],
                maximum=data["maximum"],
                earned=data["value"],
                lost=data["lost"],
                deductions=tuple(sorted(deductions, key=lambda d: -(d.points or ZERO))),
            )
        )
    losses.sort(key=lambda loss: (-loss.lost, order[loss.node]))
    return losses


def _vetoes(graph: nx.DiGraph) -> list[VetoView]:
    vetoes = []
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] != "veto":
            continue
        firings = sorted(
            graph.predecessors(node), key=lambda f: _firing_order(graph, f)
        )
        vetoes.append(
            VetoView(
                node=node,
                code=data["source"]["rule"],
                clause=data["source"]["clause"],
                title=data["source"].get("title", ""),
                firings=tuple(_firing(graph, f) for f in firings),
            )
        )
    return vetoes


def _adjustments(graph: nx.DiGraph) -> list[AdjustmentView]:
    if not graph.has_node(ADJUSTED):
        return []
    views = []
    for node in graph.predecessors(ADJUSTED):
        data = graph.nodes[node]
        if data["kind"] != "adjustment":
            continue
        code = data["source"]["rule"]
        firings = sorted(
            graph.predecessors(node), key=lambda f: _firing_order(graph, f)
        )
        vetoes = [
            f
            for f, fdata in graph.nodes(data=True)
            if fdata["kind"] == "firing"
            and fdata["effect"] == "veto"
            and fdata["code"] == code
        ]
        views.append(
            AdjustmentView(
                node=node,
                code=code,
                title=data["source"]["title"],
                clause=data["source"]["clause"],
                points=data["value"],
                vetoed=bool(data["vetoed"]),
                firings=tuple(
                    _firing(graph, f)
                    for f in sorted(
                        [*firings, *vetoes], key=lambda f: _firing_order(graph, f)
                    )
                ),
            )
        )
    return views


def _schools(graph: nx.DiGraph) -> list[SchoolView]:
    if not graph.has_node(MEAN):
        return []
    views = []
    for node in sorted(graph.predecessors(MEAN)):
        data = graph.nodes[node]
        views.append(
            SchoolView(
                node=node,
                unit=data["source"]["unit"],
                name=data["source"]["clause"],
                percent=data["percent"],
                counted=data["value"],
                vetoed=bool(data["vetoed"]),
                grade=data["grade"],
                contribution=data["contribution"],
            )
        )
    return views


def item_codes(explanation: Explanation, code: str) -> set[str]:
    """Return ``code`` and, for an item with parts, the codes of its parts."""
    graph = explanation.graph
    node = code_node(code)
    if not graph.has_node(node):
        return set()
    codes = {code}
    for part in graph.predecessors(node):
        if graph.nodes[part]["kind"] == "part":
            codes.add(graph.nodes[part]["source"]["rule"])
    return codes
