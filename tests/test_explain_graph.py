"""The explanation graph and its JSON agree with the engine's result, unit by unit."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from cli.common import sample_files
from engine.evaluate import Engine
from engine.result import Evaluation, UnitResult
from engine.rulebook import Rulebook
from explain.explanation import Explanation, explain_unit
from explain.export import explanation_document, graphml_text
from explain.graph import ExplainError, build_graph, check_graph, code_node
from explain.units import sampled_results
from facts.readers import FactSet, read_facts
from report.json_result import unit_document


@dataclass
class Sample:
    facts: FactSet
    evaluation: Evaluation
    documents: dict[str, dict[str, Any]]
    explanations: dict[str, Explanation]

    def result(self, unit: str) -> UnitResult:
        return next(r for r in self.evaluation.results if r.unit == unit)


@pytest.fixture(scope="session")
def sample(rulebook: Rulebook, engine: Engine) -> Sample:
    """The bundled sample, evaluated once, with every unit's explanation."""
    assert rulebook.folder is not None
    facts = read_facts(sample_files(rulebook.folder))
    evaluation = engine.evaluate(facts)
    places = rulebook.parameters.display_places
    documents = {r.unit: unit_document(r, places) for r in evaluation.results}
    explanations = {
        r.unit: explain_unit(r, rulebook, sampled_results(evaluation, r))
        for r in evaluation.results
    }
    return Sample(facts, evaluation, documents, explanations)


def test_sample_evaluates_every_unit(sample: Sample) -> None:
    assert sample.evaluation.errors == []
    assert len(sample.evaluation.results) == 118


def _compare_summary(why: dict[str, Any], result: dict[str, Any]) -> None:
    unit = result["unit"]
    for key in ("total", "sheet_percent", "adjusted", "schools_mean", "grade"):
        assert why[key] == result[key], f"{unit} {key}"
    assert sorted(v["code"] for v in why["vetoes"]) == result["vetoes"], unit
    assert why["not_applicable"] == result["not_applicable"], unit


def test_why_json_numbers_match_result(sample: Sample, rulebook: Rulebook) -> None:
    """Every number of the explanation document is the number of the result."""
    for unit, result in sample.documents.items():
        why = explanation_document(sample.explanations[unit], rulebook.id)
        _compare_summary(why, result)
        for loss in why["losses"]:
            assert loss["earned"] == result["items"][loss["code"]], unit
        lost_codes = {loss["code"] for loss in why["losses"]}
        nodes = {node["id"]: node for node in why["graph"]["nodes"]}
        with_parts = {
            edge["to"]
            for edge in why["graph"]["edges"]
            if nodes[edge["from"]]["kind"] == "part"
        }
        for code, earned in result["items"].items():
            node = nodes[f"code:{code}"]
            assert node["value"] == earned, f"{unit} {code}"
            if node["id"] not in with_parts:
                lost = Fraction(node["lost_exact"])
                assert (lost > 0) == (code in lost_codes), f"{unit} {code}"
        adjustments = {a["rule"]: a["points"] for a in result["adjustments"]}
        assert {a["code"]: a["points"] for a in why["adjustments"]} == adjustments
        for school in why["schools"]:
            assert (
                school["percent"] == sample.documents[school["unit"]]["sheet_percent"]
            )


def test_graph_values_are_result_values(sample: Sample) -> None:
    """Exact values on the graph are the engine's exact figures."""
    for unit, explanation in sample.explanations.items():
        result = sample.result(unit)
        graph = explanation.graph
        assert graph.nodes["total"]["value"] == result.total
        assert graph.nodes["percent"]["value"] == result.sheet_percent
        assert graph.nodes["grade"]["value"] == result.grade
        for code, earned in result.items.items():
            assert graph.nodes[code_node(code)]["value"] == earned, f"{unit} {code}"
        for index, firing in enumerate(result.firings):
            assert graph.nodes[f"firing:{index}"]["value"] == firing.points


def test_deductions_follow_facts_and_rules(sample: Sample, rulebook: Rulebook) -> None:
    """Each deduction equals the finding's points or the measure rule's shortfall."""
    measures = {m.id: m for m in rulebook.model.measures}
    units = {record.unit.id: record.unit for record in sample.facts.units}
    for unit, explanation in sample.explanations.items():
        facts = units[unit]
        for loss in explanation.losses:
            for deduction in loss.deductions:
                key = deduction.facts[0].key
                kind, name = key.split(":", 1)
                if kind == "finding":
                    index = int(deduction.facts[0].field_path[9:-1])
                    assert deduction.points == facts.findings[index].deduct
                    continue
                rule = measures[deduction.rule.removesuffix(".missing")]
                if kind == "missing":
                    assert deduction.points == rule.points
                    continue
                value = getattr(facts.measures, name)
                if rule.shortfall == "all_or_nothing":
                    assert deduction.points == rule.points
                else:
                    share = min(Fraction(1), Fraction(value) / rule.target)
                    assert deduction.points == rule.points * (1 - share)


def test_every_lost_point_has_fact_and_clause(sample: Sample) -> None:
    for unit, explanation in sample.explanations.items():
        for loss in explanation.losses:
            assert loss.clause, f"{unit} {loss.code} has no clause"
            counted = [d for d in loss.deductions if d.counted]
            assert counted, f"{unit} {loss.code} lost points without a deduction"
            for deduction in counted:
                assert deduction.facts, f"{unit} {loss.code} {deduction.rule}"
                assert deduction.clause, f"{unit} {loss.code} {deduction.rule}"
            assert min(loss.deducted, loss.maximum) == loss.lost, f"{unit} {loss.code}"


def test_vetoes_trace_to_facts_and_wording(sample: Sample) -> None:
    for unit, explanation in sample.explanations.items():
        result = sample.result(unit)
        assert [v.code for v in explanation.vetoes] == result.vetoes
        for veto in explanation.vetoes:
            assert veto.clause, f"{unit} {veto.code}"
            assert veto.firings, f"{unit} {veto.code}"
            for firing in veto.firings:
                assert firing.facts, f"{unit} {veto.code} {firing.rule}"


def test_county_shares_add_up_to_total(sample: Sample) -> None:
    counties = [e for e in sample.explanations.values() if e.kind == "county_bureau"]
    assert len(counties) == 18
    for explanation in counties:
        assert explanation.adjusted is not None and explanation.own_weight is not None
        own = explanation.own_weight * explanation.adjusted
        schools = sum((s.contribution for s in explanation.schools), Fraction(0))
        assert own + schools == explanation.total, explanation.unit
        assert len(explanation.schools) == 5


def test_lower_commendation_not_counted(sample: Sample) -> None:
    """Only the highest commendation counts, and the lower one gives the reason."""
    ca1 = next(a for a in sample.explanations["xinhua-edu"].adjustments)
    assert ca1.code == "CA1"
    assert ca1.points == 10
    counted = {f.facts[0].key: f.counted for f in ca1.firings}
    assert counted == {"recognition:R1": False, "recognition:R2": True}
    lower = next(f for f in ca1.firings if not f.counted)
    assert "R2" in lower.reason_en
    assert "only the highest counts" in lower.reason_en
    assert "最高标准" in lower.reason_zh


def test_repeated_criticism_counts_once(
    evaluate: Any, make: Any, rulebook: Rulebook
) -> None:
    result = evaluate.county(
        recognitions=[
            {"id": "R1", "kind": "criticism", "level": "city"},
            {"id": "R2", "kind": "criticism", "level": "city"},
        ]
    )
    explanation = explain_unit(result, rulebook)
    ca1 = explanation.adjustments[0]
    assert ca1.points == -5
    assert [f.counted for f in ca1.firings] == [True, False]
    assert "repeats count once" in ca1.firings[1].reason_en


def test_ignored_finding_on_excluded_item(evaluate: Any, rulebook: Rulebook) -> None:
    result = evaluate.school(
        profile={"canteen": False},
        findings=[{"item": "S4.3a", "deduct": 1, "note": "无许可证"}],
    )
    explanation = explain_unit(result, rulebook)
    assert explanation.losses == []
    assert [f.code for f in explanation.ignored] == ["S4.3a"]
    assert "S4.3" in explanation.not_applicable


def test_capped_item_shows_excess(evaluate: Any, rulebook: Rulebook) -> None:
    result = evaluate.school(
        findings=[
            {"item": "S1.4", "deduct": 2},
            {"item": "S1.4", "deduct": 2},
        ]
    )
    loss = explain_unit(result, rulebook).losses[0]
    assert loss.code == "S1.4"
    assert loss.lost == 3
    assert loss.deducted == 4
    assert loss.capped


def test_graph_that_disagrees_is_rejected(sample: Sample, rulebook: Rulebook) -> None:
    result = sample.result("yunhe-s3")
    graph = build_graph(result, rulebook)
    graph.nodes[code_node("S1.5")]["value"] = Fraction(1)
    with pytest.raises(ExplainError, match=r"S1\.5"):
        check_graph(graph, result, rulebook)


def test_graphml_keeps_exact_values(sample: Sample) -> None:
    text = graphml_text(sample.explanations["yunhe-s3"].graph)
    assert "<graphml" in text
    total = sample.result("yunhe-s3").total
    assert f"{total.numerator}/{total.denominator}" in text


def test_sample_file_is_bundled(rulebook: Rulebook) -> None:
    assert rulebook.folder is not None
    assert [Path(p).name for p in sample_files(rulebook.folder)] == [
        "cangzhou-2020.yaml"
    ]
