"""Build the explanation graph of one evaluated unit from its recorded firings.

Edges run from facts through rule firings to item and part scores, category
sums, the sheet percent, adjustments, the sampled schools' mean, the total,
vetoes and the grade. Every number on a node is taken from the engine's
result; nothing is scored here. The builder then checks that the numbers
add up along the edges, so that a graph that disagrees with the result
raises :class:`ExplainError` instead of explaining something that did not
happen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import networkx as nx

from engine.result import AdjustmentResult, Firing, UnitResult
from engine.rulebook import Rulebook
from explain.clauses import MISSING_SUFFIX, ClauseIndex
from explain.labels import fact_label
from explain.words import TERMS, both, shown
from facts.errors import XiaoanError
from facts.vocabulary import UnitKind

logger = logging.getLogger(__name__)

ZERO = Fraction(0)

GRADE = "grade"
TOTAL = "total"
PERCENT = "percent"
SHEET = "sheet"
ADJUSTED = "adjusted"
MEAN = "schools_mean"


class ExplainError(XiaoanError):
    """The explanation cannot be built, or disagrees with the engine's result."""


def fact_node(key: str) -> str:
    return f"fact:{key}"


def firing_node(index: int) -> str:
    return f"firing:{index}"


def code_node(code: str) -> str:
    return f"code:{code}"


def category_node(number: int) -> str:
    return f"category:{number}"


def adjustment_node(code: str) -> str:
    return f"adjustment:{code}"


def veto_node(code: str) -> str:
    return f"veto:{code}"


def school_node(unit: str) -> str:
    return f"school:{unit}"


def build_graph(
    result: UnitResult, rulebook: Rulebook, schools: Sequence[UnitResult] = ()
) -> nx.DiGraph:
    """Build the explanation graph of ``result``.

    ``schools`` are the results of a county's sampled schools, used for their
    names and grades; the county's result already carries their shares.
    """
    builder = _GraphBuilder(
        result, rulebook, {school.unit: school for school in schools}
    )
    graph = builder.build()
    check_graph(graph, result, rulebook)
    logger.debug(
        "explanation graph of %s: %d nodes, %d edges",
        result.unit,
        graph.number_of_nodes(),
        graph.number_of_edges(),
    )
    return graph


class _GraphBuilder:
    def __init__(
        self, result: UnitResult, rulebook: Rulebook, schools: dict[str, UnitResult]
    ) -> None:
        self.result = result
        self.rulebook = rulebook
        self.schools = schools
        self.clauses = ClauseIndex(rulebook)
        self.places = rulebook.parameters.display_places
        self.graph = nx.DiGraph(unit=result.unit, kind=result.kind)

    def add(
        self,
        node: str,
        kind: str,
        value: object,
        label: tuple[str, str],
        source: dict[str, Any],
        **extra: Any,
    ) -> None:
        display = shown(value, self.places) if isinstance(value, Fraction) else value
        self.graph.add_node(
            node,
            kind=kind,
            value=value,
            display=display,
            label_zh=label[0],
            label_en=label[1],
            source=source,
            **extra,
        )

    def build(self) -> nx.DiGraph:
        self._facts()
        self._sheet()
        self._firings()
        if self.result.kind == UnitKind.COUNTY_BUREAU.value:
            self._county()
        else:
            self.graph.add_edge(PERCENT, TOTAL, role="is")
        self._total_and_grade()
        return self.graph

    def _facts(self) -> None:
        used = {key for firing in self.result.firings for key in firing.facts}
        for key in sorted(used):
            record = self.result.facts[key]
            value = record.fields.get("value", record.fields.get("deduct"))
            self.add(
                fact_node(key),
                "fact",
                value,
                (fact_label(record, "zh"), fact_label(record, "en")),
                {
                    "fact": record.key,
                    "fact_kind": record.kind,
                    "id": record.id,
                    "fields": dict(record.fields),
                    "field_path": record.field_path,
                },
            )

    def _sheet(self) -> None:
        result = self.result
        sheet = self.rulebook.sheet_for(UnitKind(result.kind))
        for category in sheet.categories:
            scored = next(c for c in result.categories if c.number == category.number)
            node = category_node(category.number)
            self.add(
                node,
                "category",
                scored.earned,
                (
                    f"{category.number} {category.title}",
                    f"category {category.number}",
                ),
                {"rule": f"category {category.number}", "clause": category.title},
                maximum=scored.maximum,
            )
            self.graph.add_edge(node, SHEET, role="sums")
            for item in category.items:
                self._code(item.code, "item", category_node(category.number))
                for part in item.parts:
                    self._code(part.code, "part", code_node(item.code))
        self.add(
            SHEET,
            "sheet",
            result.earned,
            (sheet.title, f"{sheet.id} sheet"),
            {"rule": sheet.id, "clause": sheet.title},
            maximum=result.maximum,
        )
        self.add(
            PERCENT,
            "percent",
            result.sheet_percent,
            both(TERMS, "sheet_percent"),
            {"rule": sheet.id, "clause": "100 × earned ÷ maximum"},
        )
        self.graph.add_edge(SHEET, PERCENT, role="percent")

    def _code(self, code: str, kind: str, parent: str) -> None:
        result = self.result
        applies = code in result.items
        clause = self.clauses.item(code)
        value = result.items.get(code)
        maximum = result.maxima.get(code, self.rulebook.codes[code].points)
        self.add(
            code_node(code),
            kind,
            value,
            (f"{code} {_short(clause.text)}", code),
            {"rule": code, "clause": clause.text},
            maximum=maximum,
            lost=maximum - value if value is not None else None,
            applies=applies,
        )
        self.graph.add_edge(code_node(code), parent, role="sums")

    def _firings(self) -> None:
        counted = self._counted_adjustments()
        not_applicable = set(self.result.not_applicable)
        for index, firing in enumerate(self.result.firings):
            node = firing_node(index)
            clause = self.clauses.firing(firing)
            extra: dict[str, Any] = {
                "effect": firing.effect,
                "rule": firing.rule,
                "code": firing.code,
                "detail": firing.detail,
                "counted": True,
            }
            if firing.effect == "deduction" and firing.code in not_applicable:
                extra["counted"] = False
                extra["reason_zh"] = f"{firing.code} 不涉及，此扣分不计"
                extra["reason_en"] = f"{firing.code} does not apply, so this is ignored"
            measure = self.clauses.measure(firing.rule)
            if firing.effect == "deduction" and measure is not None:
                extra["measure"] = measure.measure
                extra["target"] = measure.target
                extra["measure_points"] = measure.points
                extra["shortfall"] = measure.shortfall
                extra["missing"] = firing.rule.endswith(MISSING_SUFFIX)
            if firing.effect == "adjustment":
                extra["counted"], reason = counted[index]
                if reason:
                    extra["reason_zh"], extra["reason_en"] = reason
            self.add(
                node,
                "firing",
                firing.points,
                (f"{firing.rule} → {firing.code}", f"{firing.rule} → {firing.code}"),
                {
                    "rule": firing.rule,
                    "clause": clause.text,
                    "rule_text": clause.rule_text,
                    "title": clause.title,
                },
                **extra,
            )
            for key in firing.facts:
                self.graph.add_edge(fact_node(key), node, role="matched")
            self._firing_target(node, firing)

    def _firing_target(self, node: str, firing: Firing) -> None:
        if firing.effect == "deduction":
            self.graph.add_edge(node, code_node(firing.code), role="deducts")
        elif firing.effect == "exclusion":
            for code in firing.excludes:
                if self.graph.has_node(code_node(code)):
                    self.graph.add_edge(node, code_node(code), role="excludes")
        elif firing.effect == "adjustment":
            self.graph.add_edge(node, adjustment_node(firing.code), role="adjusts")
        else:
            if not self.graph.has_node(veto_node(firing.code)):
                clause = self.clauses.veto(firing.code)
                self.add(
                    veto_node(firing.code),
                    "veto",
                    None,
                    (f"一票否决 {firing.code}", f"veto {firing.code}"),
                    {"rule": firing.code, "clause": clause.text, "title": clause.title},
                )
                self.graph.add_edge(veto_node(firing.code), GRADE, role="vetoes")
            self.graph.add_edge(node, veto_node(firing.code), role="vetoes")

    def _counted_adjustments(
        self,
    ) -> dict[int, tuple[bool, tuple[str, str] | None]]:
        """Mark each adjustment firing as counted or not, with the reason."""
        marks: dict[int, tuple[bool, tuple[str, str] | None]] = {}
        indexed = list(enumerate(self.result.firings))
        for adjustment in self.result.adjustments:
            own = [
                (index, firing)
                for index, firing in indexed
                if firing.code == adjustment.code and firing.effect == "adjustment"
            ]
            combine = self.clauses.adjustments[adjustment.code].combine
            if combine != "strongest_per_group":
                marks.update((index, (True, None)) for index, _ in own)
                continue
            marks.update(_strongest_marks(own, adjustment))
        return marks

    def _county(self) -> None:
        result = self.result
        parameters = self.rulebook.parameters
        for adjustment in result.adjustments:
            clause = self.clauses.adjustment(adjustment.code)
            self.add(
                adjustment_node(adjustment.code),
                "adjustment",
                adjustment.points,
                (
                    f"{adjustment.code} {clause.title}",
                    f"adjustment {adjustment.code}",
                ),
                {"rule": adjustment.code, "clause": clause.text, "title": clause.title},
                vetoed=adjustment.vetoed,
            )
            self.graph.add_edge(adjustment_node(adjustment.code), ADJUSTED, role="adds")

        assert result.adjusted is not None and result.schools_mean is not None
        net = sum((a.points for a in result.adjustments), ZERO)
        floor = parameters.adjusted_floor
        self.add(
            ADJUSTED,
            "adjusted",
            result.adjusted,
            both(TERMS, "adjusted"),
            {"rule": "adjusted", "clause": "sheet percent + adjustments"},
            floored=floor is not None and result.sheet_percent + net < floor,
            floor=floor,
            weight=parameters.county_own_weight,
            contribution=parameters.county_own_weight * result.adjusted,
        )
        self.graph.add_edge(PERCENT, ADJUSTED, role="adds")
        self.graph.add_edge(ADJUSTED, TOTAL, role="weighs")

        count = len(result.schools)
        for share in result.schools:
            school = self.schools.get(share.unit)
            name = school.name if school is not None else share.unit
            self.add(
                school_node(share.unit),
                "school",
                share.counted,
                (f"{name}（{share.unit}）", f"school {share.unit}"),
                {"rule": "school share", "clause": name, "unit": share.unit},
                percent=share.percent,
                vetoed=share.vetoed,
                grade=school.grade if school is not None else None,
                contribution=parameters.county_schools_weight * share.counted / count,
            )
            self.graph.add_edge(school_node(share.unit), MEAN, role="averages")

        self.add(
            MEAN,
            "schools_mean",
            result.schools_mean,
            both(TERMS, "schools_mean"),
            {"rule": "schools mean", "clause": "mean of the sampled schools' percent"},
            weight=parameters.county_schools_weight,
            contribution=parameters.county_schools_weight * result.schools_mean,
        )
        self.graph.add_edge(MEAN, TOTAL, role="weighs")

    def _total_and_grade(self) -> None:
        result = self.result
        self.add(
            TOTAL,
            "total",
            result.total,
            both(TERMS, "total"),
            {"rule": "total", "clause": "total"},
        )
        names = _grade_names(self.rulebook)
        self.add(
            GRADE,
            "grade",
            result.grade,
            names[result.grade],
            {"rule": "grade", "clause": "grade cut-offs"},
            grade_without_vetoes=result.grade_without_vetoes,
        )
        self.graph.add_edge(TOTAL, GRADE, role="grades")


def _strongest_marks(
    own: list[tuple[int, Firing]], adjustment: AdjustmentResult
) -> dict[int, tuple[bool, tuple[str, str] | None]]:
    """Mark the one counted firing per group and give the reason for the others.

    The engine records the facts it counted on the adjustment; per group the
    counted firing is the strongest whose facts are among them.
    """
    marks: dict[int, tuple[bool, tuple[str, str] | None]] = {}
    groups: dict[str, list[tuple[int, Firing]]] = {}
    for index, firing in own:
        groups.setdefault(firing.group or "", []).append((index, firing))
    for members in groups.values():
        chosen = [
            (index, firing)
            for index, firing in members
            if set(firing.facts) <= set(adjustment.facts)
        ]
        if not chosen:
            raise ExplainError(
                f"adjustment {adjustment.code}: none of its firings matches the "
                f"facts the engine counted ({', '.join(adjustment.facts)})"
            )
        best_index, best = max(chosen, key=lambda pair: abs(pair[1].points or ZERO))
        marks[best_index] = (True, None)
        best_facts = ", ".join(key.split(":", 1)[1] for key in best.facts)
        for index, firing in members:
            if index == best_index:
                continue
            if abs(firing.points or ZERO) < abs(best.points or ZERO):
                reason = (
                    f"低于已计入的 {best_facts}（{best.rule}），该项按最高标准计算",
                    f"lower than {best_facts} ({best.rule}), which counted: "
                    "only the highest counts",
                )
            else:
                reason = (
                    f"与已计入的 {best_facts}（{best.rule}）同级，不重复计分",
                    f"same as {best_facts} ({best.rule}), which counted: "
                    "repeats count once",
                )
            marks[index] = (False, reason)
    return marks


def _grade_names(rulebook: Rulebook) -> dict[str, tuple[str, str]]:
    parameters = rulebook.parameters
    names = {g.grade: (g.name_zh, g.name_en) for g in parameters.grades}
    failing = parameters.failing_grade
    names[failing.grade] = (failing.name_zh, failing.name_en)
    return names


def _short(text: str, length: int = 24) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= length else first[: length - 1] + "…"


def check_graph(graph: nx.DiGraph, result: UnitResult, rulebook: Rulebook) -> None:
    """Check that the numbers on the graph add up along its edges.

    Raises :class:`ExplainError` naming the first node whose value does not
    follow from its predecessors under the rulebook's scoring.
    """
    nodes = graph.nodes

    def fail(node: str, expected: Fraction, found: object) -> None:
        raise ExplainError(
            f"explanation of {result.unit}: {node} is {found} but its inputs "
            f"give {expected}"
        )

    for node, data in graph.nodes(data=True):
        if data["kind"] not in ("item", "part") or not data["applies"]:
            continue
        parts = [p for p in graph.predecessors(node) if nodes[p]["kind"] == "part"]
        if parts:
            expected = sum(
                (nodes[p]["value"] for p in parts if nodes[p]["applies"]), ZERO
            )
        else:
            deducted = sum(
                (
                    nodes[f]["value"]
                    for f in graph.predecessors(node)
                    if nodes[f].get("effect") == "deduction" and nodes[f]["counted"]
                ),
                ZERO,
            )
            expected = max(ZERO, data["maximum"] - deducted)
        if expected != data["value"]:
            fail(node, expected, data["value"])

    for node, data in graph.nodes(data=True):
        if data["kind"] != "category":
            continue
        members = [p for p in graph.predecessors(node) if nodes[p]["applies"]]
        expected = sum((nodes[p]["value"] for p in members), ZERO)
        if expected != data["value"]:
            fail(node, expected, data["value"])

    if result.maximum and 100 * result.earned / result.maximum != result.sheet_percent:
        fail(PERCENT, 100 * result.earned / result.maximum, result.sheet_percent)

    for node, data in graph.nodes(data=True):
        if data["kind"] != "adjustment":
            continue
        counted = sum(
            (
                nodes[f]["value"]
                for f in graph.predecessors(node)
                if nodes[f].get("effect") == "adjustment" and nodes[f]["counted"]
            ),
            ZERO,
        )
        if counted != data["value"]:
            fail(node, counted, data["value"])

    if result.kind == UnitKind.COUNTY_BUREAU.value:
        _check_county(graph, result, rulebook, fail)
    elif result.total != result.sheet_percent:
        fail(TOTAL, result.sheet_percent, result.total)


def _check_county(
    graph: nx.DiGraph, result: UnitResult, rulebook: Rulebook, fail: Any
) -> None:
    nodes = graph.nodes
    parameters = rulebook.parameters
    assert result.adjusted is not None
    net = sum((a.points for a in result.adjustments), ZERO)
    expected = result.sheet_percent + net
    floor = parameters.adjusted_floor
    if floor is not None and expected < floor:
        expected = floor
    if expected != result.adjusted:
        fail(ADJUSTED, expected, result.adjusted)
    shares = [nodes[n]["contribution"] for n in graph.predecessors(MEAN)]
    own = nodes[ADJUSTED]["contribution"]
    if own + sum(shares, ZERO) != result.total:
        fail(TOTAL, own + sum(shares, ZERO), result.total)
