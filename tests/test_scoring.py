"""Hand-computed scores, adjustments, vetoes and grades of the 2020 rulebook.

Every unit starts from the good units of ``conftest``: a county scores
100 on its sheet and has five sampled schools at 100, so its total is
0.6 × adjusted + 0.4 × 100 = 0.6 × adjusted + 40, and a school scores
150 of 150 = 100 %. Each expected figure is worked out in a comment.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from engine.evaluate import Engine
from engine.result import AdjustmentResult, UnitResult, round_half_up
from engine.rulebook import Rulebook, bundled_rules_folder, load_rulebook_folder
from facts.readers import facts_from_data
from facts.vocabulary import UnitKind
from report.json_result import unit_document

if TYPE_CHECKING:
    from conftest import Evaluator, UnitFacts


def adjustment(result: UnitResult, code: str) -> AdjustmentResult:
    found = [entry for entry in result.adjustments if entry.code == code]
    assert len(found) == 1, result.adjustments
    return found[0]


def county_total(adjusted: Fraction) -> Fraction:
    """Total of a county whose five sampled schools all score 100."""
    return Fraction(3, 5) * adjusted + 40


# --- the good units -------------------------------------------------------


def test_good_county_full_marks(evaluate: Evaluator) -> None:
    result = evaluate.county()
    assert result.sheet_percent == 100
    assert result.adjusted == 100
    assert result.schools_mean == 100
    assert result.total == 100
    assert result.adjustments == []
    assert result.vetoes == []
    assert result.grade == "advanced"
    assert result.warnings == []


def test_good_school_full_marks(evaluate: Evaluator) -> None:
    """A unit on which no rule fires at all still gets a result."""
    result = evaluate.school()
    assert result.firings == []
    assert result.earned == 150
    assert result.maximum == 150
    assert result.sheet_percent == 100
    assert result.adjusted is None
    assert result.schools_mean is None
    assert result.grade == "advanced"
    assert result.warnings == []


# --- CA1 recognitions ---------------------------------------------------------


def test_ca1_highest_commendation_counts_once(evaluate: Evaluator) -> None:
    # city +5, province +10, national +20: only the national one counts.
    result = evaluate.county(
        recognitions=[
            {"id": "R1", "kind": "commendation", "level": "city"},
            {"id": "R2", "kind": "commendation", "level": "national"},
            {"id": "R3", "kind": "commendation", "level": "province"},
        ]
    )
    ca1 = adjustment(result, "CA1")
    assert ca1.points == 20
    assert ca1.facts == ("recognition:R2",)
    assert result.adjusted == 120
    # 0.6 × 120 + 40 = 112
    assert result.total == 112


def test_ca1_repeated_commendation_adds_nothing(evaluate: Evaluator) -> None:
    result = evaluate.county(
        recognitions=[
            {"id": "R1", "kind": "commendation", "level": "province"},
            {"id": "R2", "kind": "commendation", "level": "province"},
        ]
    )
    assert adjustment(result, "CA1").points == 10
    # 0.6 × 110 + 40 = 106
    assert result.total == 106


def test_ca1_highest_criticism_counts_once(evaluate: Evaluator) -> None:
    result = evaluate.county(
        recognitions=[
            {"id": "R1", "kind": "criticism", "level": "city"},
            {"id": "R2", "kind": "criticism", "level": "province"},
            {"id": "R3", "kind": "criticism", "level": "province"},
        ]
    )
    ca1 = adjustment(result, "CA1")
    assert ca1.points == -10
    assert len(ca1.facts) == 1
    assert result.adjusted == 90
    # 0.6 × 90 + 40 = 94
    assert result.total == 94
    assert result.vetoes == []


def test_ca1_nets_commendation_and_criticism(evaluate: Evaluator) -> None:
    # +20 for the national commendation, −5 for the city criticism.
    result = evaluate.county(
        recognitions=[
            {"id": "R1", "kind": "commendation", "level": "national"},
            {"id": "R2", "kind": "criticism", "level": "city"},
        ]
    )
    ca1 = adjustment(result, "CA1")
    assert ca1.points == 15
    assert sorted(ca1.facts) == ["recognition:R1", "recognition:R2"]
    # 0.6 × 115 + 40 = 109
    assert result.total == 109


def test_ca1_city_warning_is_criticism(evaluate: Evaluator) -> None:
    # A city warning is a −5 criticism; only province or national ones veto.
    result = evaluate.county(
        recognitions=[{"id": "R1", "kind": "warning", "level": "city"}]
    )
    assert adjustment(result, "CA1").points == -5
    assert result.vetoes == []
    # 0.6 × 95 + 40 = 97
    assert result.total == 97
    assert result.grade == "advanced"


def test_ca1_warning_and_criticism_same_level(evaluate: Evaluator) -> None:
    result = evaluate.county(
        recognitions=[
            {"id": "R1", "kind": "warning", "level": "city"},
            {"id": "R2", "kind": "criticism", "level": "city"},
        ]
    )
    assert adjustment(result, "CA1").points == -5


def test_ca1_province_warning_deducts_and_vetoes(evaluate: Evaluator) -> None:
    result = evaluate.county(
        recognitions=[{"id": "R1", "kind": "warning", "level": "province"}]
    )
    assert adjustment(result, "CA1").points == -10
    assert result.vetoes == ["V2"]
    # The score is still computed: 0.6 × 90 + 40 = 94.
    assert result.total == 94
    assert result.grade == "unqualified"
    assert result.grade_without_vetoes == "advanced"


# --- CA2 petitions --------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "group", "points"),
    [
        ("city", False, -2),
        ("province", False, -5),
        ("national", False, -8),
        ("city", True, -10),
        ("province", True, -15),
        ("national", True, -20),
    ],
)
def test_ca2_petition_deduction(
    evaluate: Evaluator, level: str, group: bool, points: int
) -> None:
    result = evaluate.county(petitions=[{"id": "P1", "level": level, "group": group}])
    ca2 = adjustment(result, "CA2")
    assert ca2.points == points
    assert ca2.facts == ("petition:P1",)
    assert result.adjusted == 100 + points
    assert result.total == county_total(Fraction(100 + points))
    assert result.vetoes == []


def test_ca2_each_petition_counts(evaluate: Evaluator) -> None:
    # Two individual city petitions (−2 each) and one group province (−15).
    result = evaluate.county(
        petitions=[
            {"id": "P1", "level": "city"},
            {"id": "P2", "level": "city"},
            {"id": "P3", "level": "province", "group": True},
        ]
    )
    assert adjustment(result, "CA2").points == -19
    # 0.6 × 81 + 40 = 88.6
    assert result.total == Fraction(443, 5)


def test_ca2_bad_influence_vetoes_and_deducts(evaluate: Evaluator) -> None:
    result = evaluate.county(
        petitions=[
            {"id": "P1", "level": "national", "group": True, "bad_influence": True}
        ]
    )
    ca2 = adjustment(result, "CA2")
    assert ca2.points == -20
    assert ca2.vetoed
    assert result.vetoes == ["CA2"]
    # 0.6 × 80 + 40 = 88
    assert result.total == 88
    assert result.grade == "unqualified"


# --- CA3 incidents --------------------------------------------------------


@pytest.mark.parametrize(
    ("people", "points"),
    [(1, -10), (10, -10), (11, -20), (20, -20), (21, -30), (30, -30)],
)
def test_ca3_people_bands(evaluate: Evaluator, people: int, points: int) -> None:
    result = evaluate.county(
        incidents=[{"id": "I1", "type": "injury", "people": people}]
    )
    assert adjustment(result, "CA3").points == points
    assert result.total == county_total(Fraction(100 + points))
    assert result.vetoes == []


def test_ca3_thirty_one_people_veto_only(evaluate: Evaluator) -> None:
    result = evaluate.county(incidents=[{"id": "I1", "type": "injury", "people": 31}])
    ca3 = adjustment(result, "CA3")
    assert ca3.points == 0
    assert ca3.vetoed
    assert result.vetoes == ["CA3"]
    assert result.adjusted == 100
    assert result.total == 100
    assert result.grade == "unqualified"


@pytest.mark.parametrize("incident_type", ["health", "mass_poisoning"])
def test_ca3_health_types_banded(evaluate: Evaluator, incident_type: str) -> None:
    result = evaluate.county(
        incidents=[{"id": "I1", "type": incident_type, "people": 15}]
    )
    assert adjustment(result, "CA3").points == -20


@pytest.mark.parametrize(
    "incident_type", ["other", "fire", "homicide", "collapse", "mass_fight"]
)
def test_ca3_other_type_uses_deduct(evaluate: Evaluator, incident_type: str) -> None:
    result = evaluate.county(
        incidents=[{"id": "I1", "type": incident_type, "deduct": Decimal("12.5")}]
    )
    assert adjustment(result, "CA3").points == Fraction(-25, 2)
    # 0.6 × 87.5 + 40 = 92.5
    assert result.total == Fraction(185, 2)
    assert result.vetoes == []


def test_ca3_incidents_add_up(evaluate: Evaluator) -> None:
    # −10 for 5 injured, −10 for an inspector-set other incident.
    result = evaluate.county(
        incidents=[
            {"id": "I1", "type": "injury", "people": 5},
            {"id": "I2", "type": "other", "deduct": 10},
        ]
    )
    ca3 = adjustment(result, "CA3")
    assert ca3.points == -20
    assert sorted(ca3.facts) == ["incident:I1", "incident:I2"]


def test_ca3_dual_prevention_missing_vetoes(evaluate: Evaluator) -> None:
    result = evaluate.county(flags={"dual_prevention_in_place": False})
    assert result.vetoes == ["CA3"]
    assert adjustment(result, "CA3").points == 0
    assert result.grade == "unqualified"


# --- CA4 convictions ------------------------------------------------------


def test_ca4_each_conviction_deducts(evaluate: Evaluator) -> None:
    result = evaluate.county(
        convictions=[
            {"id": "K1", "person": "staff"},
            {"id": "K2", "person": "student"},
        ]
    )
    assert adjustment(result, "CA4").points == -40
    # 0.6 × 60 + 40 = 76
    assert result.total == 76
    assert result.grade == "qualified"


def test_ca4_severe_vetoes_and_deducts(evaluate: Evaluator) -> None:
    result = evaluate.county(
        convictions=[{"id": "K1", "person": "student", "severe": True}]
    )
    ca4 = adjustment(result, "CA4")
    assert ca4.points == -20
    assert ca4.vetoed
    assert result.vetoes == ["CA4"]
    # 0.6 × 80 + 40 = 88
    assert result.total == 88
    assert result.grade == "unqualified"


def test_adjusted_floor_at_zero(evaluate: Evaluator) -> None:
    # Six convictions: 100 − 120 = −20, raised to the floor of 0.
    result = evaluate.county(
        convictions=[{"id": f"K{n}", "person": "staff"} for n in range(6)]
    )
    assert adjustment(result, "CA4").points == -120
    assert result.adjusted == 0
    # 0.6 × 0 + 40 = 40
    assert result.total == 40
    assert result.grade == "unqualified"
    assert result.vetoes == []


def test_county_total_above_hundred(evaluate: Evaluator) -> None:
    result = evaluate.county(
        recognitions=[{"id": "R1", "kind": "commendation", "level": "national"}]
    )
    # 0.6 × 120 + 40 = 112: no ceiling, and it still grades.
    assert result.total == 112
    assert result.grade == "advanced"


# --- vetoes for any unit ------------------------------------------------------


def test_v1_major_incident_at_county(evaluate: Evaluator) -> None:
    result = evaluate.county(
        incidents=[{"id": "I1", "type": "injury", "people": 3, "severity": "major"}]
    )
    assert result.vetoes == ["V1"]
    assert adjustment(result, "CA3").points == -10


@pytest.mark.parametrize("severity", ["major", "especially_major"])
def test_v1_major_incident_at_school(evaluate: Evaluator, severity: str) -> None:
    result = evaluate.school(
        incidents=[{"id": "I1", "type": "other", "severity": severity}]
    )
    assert result.vetoes == ["V1"]
    assert result.sheet_percent == 100
    assert result.grade == "unqualified"


def test_school_incident_deduct_ignored(evaluate: Evaluator) -> None:
    result = evaluate.school(incidents=[{"id": "I1", "type": "other", "deduct": 15}])
    assert result.vetoes == []
    assert result.adjustments == []
    assert result.sheet_percent == 100


def test_v2_national_warning_at_county(evaluate: Evaluator) -> None:
    result = evaluate.county(
        recognitions=[{"id": "R1", "kind": "warning", "level": "national"}]
    )
    assert result.vetoes == ["V2"]
    assert adjustment(result, "CA1").points == -20


@pytest.mark.parametrize("kind", ["county", "school"])
@pytest.mark.parametrize(
    ("rate", "vetoes"),
    [
        ("0.8999", ["V3"]),
        # Seven places: compared exactly, not at the engine's six.
        ("0.8999999", ["V3"]),
        ("0.90", []),
        ("0.9", []),
        ("0.9000001", []),
        ("1", []),
        ("0", ["V3"]),
    ],
)
def test_v3_grid_platform_threshold(
    evaluate: Evaluator, kind: str, rate: str, vetoes: list[str]
) -> None:
    measures = {"grid_platform_usage_rate": Decimal(rate)}
    if kind == "county":
        result = evaluate.county(measures=measures)
    else:
        result = evaluate.school(measures=measures)
    assert result.vetoes == vetoes


# --- school vetoes ----------------------------------------------------------


SCHOOL_VETO_CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("homicide", {"incidents": [{"id": "I1", "type": "homicide"}]}, ["SV1"]),
    ("robbery", {"incidents": [{"id": "I1", "type": "robbery"}]}, ["SV1"]),
    ("arson", {"incidents": [{"id": "I1", "type": "arson"}]}, ["SV1"]),
    ("burglary", {"incidents": [{"id": "I1", "type": "burglary"}]}, ["SV1"]),
    ("one mass fight", {"incidents": [{"id": "I1", "type": "mass_fight"}]}, []),
    (
        "two mass fights",
        {
            "incidents": [
                {"id": "I1", "type": "mass_fight"},
                {"id": "I2", "type": "mass_fight"},
            ]
        },
        ["SV2"],
    ),
    (
        "three mass fights",
        {
            "incidents": [
                {"id": "I1", "type": "mass_fight"},
                {"id": "I2", "type": "mass_fight"},
                {"id": "I3", "type": "mass_fight"},
            ]
        },
        ["SV2"],
    ),
    (
        "mass fight and other",
        {
            "incidents": [
                {"id": "I1", "type": "mass_fight"},
                {"id": "I2", "type": "other"},
            ]
        },
        [],
    ),
    (
        "liability with one hurt",
        {"incidents": [{"id": "I1", "type": "other", "people": 1, "liability": True}]},
        ["SV3"],
    ),
    (
        "liability with nobody hurt",
        {"incidents": [{"id": "I1", "type": "other", "people": 0, "liability": True}]},
        [],
    ),
    (
        "no liability",
        {"incidents": [{"id": "I1", "type": "injury", "people": 4}]},
        [],
    ),
    (
        "mass poisoning",
        {"incidents": [{"id": "I1", "type": "mass_poisoning", "people": 12}]},
        ["SV4"],
    ),
    ("collapse", {"incidents": [{"id": "I1", "type": "collapse"}]}, ["SV5"]),
    ("ordinary fire", {"incidents": [{"id": "I1", "type": "fire"}]}, []),
    (
        "major fire",
        {"incidents": [{"id": "I1", "type": "fire", "severity": "major"}]},
        ["SV6", "V1"],
    ),
    (
        "especially major disaster",
        {
            "incidents": [
                {"id": "I1", "type": "disaster", "severity": "especially_major"}
            ]
        },
        ["SV6", "V1"],
    ),
    ("six implementations", {"flags": {"six_implementations_done": False}}, ["SV7"]),
    ("mass health incident", {"flags": {"mass_health_incident": True}}, ["SV8"]),
    (
        "three prevention",
        {"flags": {"three_prevention_standard_met": False}},
        ["SV9"],
    ),
    ("liable harm case", {"flags": {"liable_harm_case": True}}, ["SV10"]),
    ("concealed incident", {"flags": {"concealed_incident": True}}, ["SV11"]),
    ("assessment fraud", {"flags": {"assessment_fraud": True}}, ["SV12"]),
    ("risk prevention", {"flags": {"risk_prevention_sound": False}}, ["SV13"]),
    ("dual prevention", {"flags": {"dual_prevention_in_place": False}}, ["SV14"]),
]


@pytest.mark.parametrize(
    ("changes", "vetoes"),
    [case[1:] for case in SCHOOL_VETO_CASES],
    ids=[case[0] for case in SCHOOL_VETO_CASES],
)
def test_school_veto(
    evaluate: Evaluator, changes: dict[str, Any], vetoes: list[str]
) -> None:
    result = evaluate.school(**changes)
    assert result.vetoes == vetoes
    # A veto never changes the score.
    assert result.sheet_percent == 100
    assert result.grade == ("unqualified" if vetoes else "advanced")


def test_mass_poisoning_with_liability(evaluate: Evaluator) -> None:
    result = evaluate.school(
        incidents=[
            {"id": "I1", "type": "mass_poisoning", "people": 3, "liability": True}
        ]
    )
    assert result.vetoes == ["SV3", "SV4"]


def test_missing_flag_warns_not_vetoes(evaluate: Evaluator) -> None:
    result = evaluate.school(flags={"six_implementations_done": None})
    assert result.vetoes == []
    assert result.grade == "advanced"
    assert len(result.warnings) == 1
    assert "six_implementations_done" in result.warnings[0]
    assert "SV7" in result.warnings[0]


def test_missing_grid_rate_warns_not_vetoes(evaluate: Evaluator) -> None:
    result = evaluate.county(measures={"grid_platform_usage_rate": None})
    assert result.vetoes == []
    assert len(result.warnings) == 1
    assert "grid_platform_usage_rate" in result.warnings[0]
    assert "V3" in result.warnings[0]


# --- items left out ---------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "left_out", "maximum", "percent"),
    [
        # 100 × (146 − 2) ÷ 146 = 7200/73
        ("boarding", ["S2.5", "S4.5"], 146, Fraction(7200, 73)),
        # 100 × (143 − 2) ÷ 143 = 14100/143
        ("canteen", ["S4.3", "S4.3a", "S4.3b", "S4.3c"], 143, Fraction(14100, 143)),
        ("chemistry_lab", ["S2.7", "S4.4"], 146, Fraction(7200, 73)),
        # 100 × (147 − 2) ÷ 147 = 14500/147
        ("vehicles", ["S4.10"], 147, Fraction(14500, 147)),
    ],
)
def test_profile_leaves_items_out(
    evaluate: Evaluator,
    key: str,
    left_out: list[str],
    maximum: int,
    percent: Fraction,
) -> None:
    # The finding of 2 points on S1.1 shows the percent is re-normalised.
    result = evaluate.school(
        profile={key: False}, findings=[{"item": "S1.1", "deduct": 2}]
    )
    assert result.not_applicable == left_out
    assert result.maximum == maximum
    assert result.earned == maximum - 2
    assert result.sheet_percent == percent
    for code in left_out:
        assert code not in result.items


@pytest.mark.parametrize("key", ["boarding", "canteen", "chemistry_lab", "vehicles"])
def test_absent_profile_key_keeps_items(evaluate: Evaluator, key: str) -> None:
    result = evaluate.school(profile={key: None})
    assert result.not_applicable == []
    assert result.maximum == 150


def test_inspector_item_code_rules_out_parts(evaluate: Evaluator) -> None:
    result = evaluate.school(not_applicable=["S3.10"])
    assert result.not_applicable == ["S3.10", "S3.10a", "S3.10b", "S3.10c", "S3.10d"]
    assert result.maximum == 144
    assert result.sheet_percent == 100


def test_inspector_part_code_rules_out_part(evaluate: Evaluator) -> None:
    result = evaluate.school(
        not_applicable=["S3.10b"], findings=[{"item": "S3.10a", "deduct": 1}]
    )
    assert result.not_applicable == ["S3.10b"]
    assert result.maximum == 149
    # S3.10 keeps its parts a, c and d: 2 + 1 + 2 = 5, less 1 on S3.10a.
    assert result.maxima["S3.10"] == 5
    assert result.items["S3.10"] == 4
    # 100 × 148 ÷ 149
    assert result.sheet_percent == Fraction(14800, 149)


def test_inspector_rules_out_every_part(evaluate: Evaluator) -> None:
    result = evaluate.school(not_applicable=["S4.1a", "S4.1b"])
    assert result.not_applicable == ["S4.1", "S4.1a", "S4.1b"]
    assert result.maximum == 143


def test_inspector_rules_out_county_item(evaluate: Evaluator) -> None:
    result = evaluate.county(not_applicable=["C4"])
    assert result.not_applicable == ["C4", "C4a", "C4b"]
    assert result.maximum == 95
    assert result.sheet_percent == 100


def test_finding_on_left_out_item_ignored(evaluate: Evaluator) -> None:
    result = evaluate.school(
        profile={"canteen": False},
        findings=[{"id": "F1", "item": "S4.3a", "deduct": 1}],
    )
    assert result.sheet_percent == 100
    assert len(result.warnings) == 1
    assert "F1" in result.warnings[0]
    assert "S4.3a" in result.warnings[0]
    assert "ignored" in result.warnings[0]


def test_finding_on_inspector_exclusion_ignored(evaluate: Evaluator) -> None:
    result = evaluate.school(
        not_applicable=["S1.1"], findings=[{"item": "S1.1", "deduct": 2}]
    )
    assert result.maximum == 148
    assert result.sheet_percent == 100
    assert len(result.warnings) == 1
    assert "S1.1" in result.warnings[0]


def test_nothing_applies_is_error(
    evaluate: Evaluator, make: UnitFacts, rulebook: Rulebook
) -> None:
    sheet = rulebook.sheet_for(UnitKind.SCHOOL)
    codes = [item.code for category in sheet.categories for item in category.items]
    assert len(codes) == 67
    error = evaluate.error(make.school(not_applicable=codes))
    assert error.unit == "school-a"
    assert "no item of the sheet applies" in error.message


# --- measured facts -----------------------------------------------------------


def test_proportional_shortfall_county(evaluate: Evaluator) -> None:
    result = evaluate.county(measures={"director_safety_deployments": 3})
    # 10 × 3 ÷ 4 = 7.5
    assert result.items["C2"] == Fraction(15, 2)
    assert result.sheet_percent == Fraction(195, 2)
    # 0.6 × 97.5 + 40 = 98.5
    assert result.total == Fraction(197, 2)
    assert result.warnings == []


@pytest.mark.parametrize(
    ("measure", "value", "code", "points"),
    [
        # 4 × 0.97 = 3.88
        ("staff_safety_exam_participation_rate", "0.97", "C10", Fraction(97, 25)),
        # 2 × 0.25 ÷ 0.5 = 1
        ("student_accident_insurance_rate", "0.25", "C23c", Fraction(1)),
        # 0.7 is above the 0.5 target: capped at 2
        ("student_accident_insurance_rate", "0.7", "C23c", Fraction(2)),
        # 2 × 0.9722 = 1.9444
        ("teacher_liability_insurance_rate", "0.9722", "C23b", Fraction(4861, 2500)),
        ("student_liability_insurance_rate", "0", "C23a", Fraction(0)),
    ],
)
def test_proportional_rate_county(
    evaluate: Evaluator, measure: str, value: str, code: str, points: Fraction
) -> None:
    result = evaluate.county(measures={measure: Decimal(value)})
    assert result.items[code] == points


def test_proportional_two_facts_one_part(evaluate: Evaluator) -> None:
    result = evaluate.school(
        measures={
            "app_download_rate_staff": Decimal("0.5"),
            "app_download_rate_parents": Decimal("0.75"),
        }
    )
    # 2 × 0.5 + 2 × 0.75 = 2.5; S4.1 = 3 + 2.5
    assert result.items["S4.1b"] == Fraction(5, 2)
    assert result.items["S4.1"] == Fraction(11, 2)
    # 100 × 148.5 ÷ 150 = 99
    assert result.sheet_percent == 99


def test_proportional_awareness_target(evaluate: Evaluator) -> None:
    result = evaluate.school(measures={"safety_awareness_rate": Decimal("0.9")})
    # 1 × 0.9 ÷ 0.95 = 18/19, plus 1 for participation
    assert result.items["S7.1"] == 1 + Fraction(18, 19)
    # 100 × (149 + 18/19) ÷ 150 = 5698/57
    assert result.sheet_percent == Fraction(5698, 57)


def test_all_or_nothing_boolean(evaluate: Evaluator) -> None:
    result = evaluate.county(measures={"safety_education_platform_in_use": False})
    assert result.items["C13"] == 0
    assert result.sheet_percent == 98


@pytest.mark.parametrize(("drills", "points"), [(0, 0), (1, 3), (5, 3)])
def test_all_or_nothing_count(evaluate: Evaluator, drills: int, points: int) -> None:
    result = evaluate.school(measures={"semester_drills_min": drills})
    assert result.items["S5.6"] == points
    assert result.earned == 147 + points


def test_missing_measure_loses_its_share(evaluate: Evaluator) -> None:
    result = evaluate.school(measures={"app_download_rate_parents": None})
    # Only the staff share of S4.1b (2 of 4) is earned.
    assert result.items["S4.1b"] == 2
    # 100 × 148 ÷ 150 = 296/3
    assert result.sheet_percent == Fraction(296, 3)
    assert result.vetoes == []
    assert len(result.warnings) == 1
    assert "app_download_rate_parents" in result.warnings[0]
    assert "S4.1b" in result.warnings[0]


def test_missing_count_measure_loses_item(evaluate: Evaluator) -> None:
    result = evaluate.county(measures={"director_safety_deployments": None})
    assert result.items["C2"] == 0
    assert result.sheet_percent == 90
    assert any("director_safety_deployments" in w for w in result.warnings)


def test_findings_together_floor_item_at_zero(evaluate: Evaluator) -> None:
    # S3.1 is worth 4; findings of 3 and 2 leave 0, not −1.
    result = evaluate.school(
        findings=[
            {"item": "S3.1", "deduct": 3},
            {"item": "S3.1", "deduct": 2},
        ]
    )
    assert result.items["S3.1"] == 0
    assert result.earned == 146


def test_finding_after_measure_shortfall(evaluate: Evaluator) -> None:
    # C2: 10 × 2 ÷ 4 = 5 earned, then a 6-point finding: max(0, 5 − 6) = 0.
    result = evaluate.county(
        measures={"director_safety_deployments": 2},
        findings=[{"item": "C2", "deduct": 6}],
    )
    assert result.items["C2"] == 0
    assert result.sheet_percent == 90


def test_finding_on_measured_part(evaluate: Evaluator) -> None:
    # S4.1b: 2 × 0.5 + 2 = 3 measured, then 0.5 deducted.
    result = evaluate.school(
        measures={"app_download_rate_staff": Decimal("0.5")},
        findings=[{"item": "S4.1b", "deduct": Decimal("0.5")}],
    )
    assert result.items["S4.1b"] == Fraction(5, 2)


# --- grades ---------------------------------------------------------------------

# Items with no measure whose full points add up to 64: every S4 item but
# S4.1 and S4.3 (31), every S5 item but S5.6 and S5.10 (23), S6.1, S6.2,
# S6.4 (6) and S3.1 (4).
WHOLE_ITEMS = {
    "S4.2": 2, "S4.4": 3, "S4.5": 3, "S4.6": 2, "S4.7": 3, "S4.8": 5,
    "S4.9": 3, "S4.10": 3, "S4.11": 2, "S4.12": 3, "S4.13": 2,
    "S5.1": 6, "S5.2": 2, "S5.3": 2, "S5.4": 2, "S5.5": 4, "S5.7": 3,
    "S5.8": 2, "S5.9": 2, "S6.1": 2, "S6.2": 2, "S6.4": 2, "S3.1": 4,
}  # fmt: skip


def test_whole_items_table_adds_up(rulebook: Rulebook) -> None:
    assert sum(WHOLE_ITEMS.values()) == 64
    for code, points in WHOLE_ITEMS.items():
        assert rulebook.codes[code].points == points


def findings_worth(points: Fraction) -> list[dict[str, Any]]:
    """Findings on whole items of WHOLE_ITEMS that deduct ``points`` in all."""
    findings = []
    left = points
    for code, maximum in WHOLE_ITEMS.items():
        if left <= 0:
            break
        deduct = min(Fraction(maximum), left)
        findings.append({"item": code, "deduct": str(float(deduct))})
        left -= deduct
    assert left == 0
    return findings


@pytest.mark.parametrize(
    ("deducted", "percent", "grade"),
    [
        # 100 × 135 ÷ 150 = 90: advanced includes 90.
        (Fraction(15), Fraction(90), "advanced"),
        # 100 × 134.5 ÷ 150 = 89.67
        (Fraction(31, 2), Fraction(269, 3), "qualified"),
        # 100 × 90 ÷ 150 = 60: qualified includes 60.
        (Fraction(60), Fraction(60), "qualified"),
        # 100 × 89.5 ÷ 150 = 59.67
        (Fraction(121, 2), Fraction(179, 3), "unqualified"),
    ],
)
def test_grade_cut_offs(
    evaluate: Evaluator, deducted: Fraction, percent: Fraction, grade: str
) -> None:
    result = evaluate.school(findings=findings_worth(deducted))
    assert result.sheet_percent == percent
    assert result.total == percent
    assert result.grade == grade


def test_total_rounding_up_to_ninety(evaluate: Evaluator) -> None:
    # C10: 4 × 0.58125 = 2.325, so the sheet is 98.325; less 15 for the
    # other incident, 83.325; 0.6 × 83.325 + 40 = 89.995, shown as 90.00.
    result = evaluate.county(
        measures={"staff_safety_exam_participation_rate": Decimal("0.58125")},
        incidents=[{"id": "I1", "type": "other", "deduct": 15}],
    )
    assert result.adjusted == Fraction(3333, 40)
    assert result.total == Fraction(17999, 200)
    assert round_half_up(result.total) == Decimal("90.00")
    assert result.grade == "advanced"


def test_total_rounding_down_below_ninety(evaluate: Evaluator) -> None:
    # C10: 4 × 0.58 = 2.32; 0.6 × (98.32 − 15) + 40 = 89.992, shown 89.99.
    result = evaluate.county(
        measures={"staff_safety_exam_participation_rate": Decimal("0.58")},
        incidents=[{"id": "I1", "type": "other", "deduct": 15}],
    )
    assert result.total == Fraction(11249, 125)
    assert round_half_up(result.total) == Decimal("89.99")
    assert result.grade == "qualified"


# --- county blend ---------------------------------------------------------------


def test_blend_three_schools_exact(evaluate: Evaluator, make: UnitFacts) -> None:
    schools = make.sampled_schools("county-a", 3)
    # 1.5 points lost: 100 × 148.5 ÷ 150 = 99.
    schools[2]["findings"] = [{"item": "S1.4", "deduct": Decimal("1.5")}]
    result = evaluate.county(schools=schools)
    # mean (100 + 100 + 99) ÷ 3 = 299/3 = 99.666…
    assert result.schools_mean == Fraction(299, 3)
    # 0.6 × 100 + 0.4 × 299/3 = 1498/15 = 99.8666…
    assert result.total == Fraction(1498, 15)
    document = unit_document(result)
    assert document["schools_mean"] == 99.67
    assert document["total"] == 99.87
    assert any("only 3 sampled schools" in w for w in result.warnings)


def test_vetoed_sampled_school_counts_as_scored(
    evaluate: Evaluator, make: UnitFacts
) -> None:
    schools = make.sampled_schools("county-a")
    schools[0]["flags"]["six_implementations_done"] = False
    schools[0]["findings"] = [{"item": "S1.4", "deduct": Decimal("1.5")}]
    evaluation = evaluate.run(make.county(), *schools)
    assert evaluation.errors == []
    county = next(r for r in evaluation.results if r.unit == "county-a")
    share = next(s for s in county.schools if s.unit == "county-a-s1")
    assert share.vetoed
    assert share.counted == 99
    # mean (99 + 4 × 100) ÷ 5 = 99.8; 0.6 × 100 + 0.4 × 99.8 = 99.92
    assert county.schools_mean == Fraction(499, 5)
    assert county.total == Fraction(2498, 25)
    assert county.vetoes == []
    assert county.grade == "advanced"


def test_unsampled_school_not_in_mean(evaluate: Evaluator, make: UnitFacts) -> None:
    other = make.school(
        "county-a-x", county="county-a", findings=[{"item": "S3.1", "deduct": 4}]
    )
    evaluation = evaluate.run(make.county(), *make.sampled_schools("county-a"), other)
    county = next(r for r in evaluation.results if r.unit == "county-a")
    assert county.schools_mean == 100
    assert len(county.schools) == 5


def test_school_events_ignored_but_warning_vetoes(evaluate: Evaluator) -> None:
    result = evaluate.school(
        recognitions=[
            {"id": "R1", "kind": "commendation", "level": "city"},
            {"id": "R2", "kind": "warning", "level": "province"},
        ],
        petitions=[{"id": "P1", "level": "city"}],
        convictions=[{"id": "K1", "person": "staff"}],
    )
    assert result.vetoes == ["V2"]
    assert result.adjustments == []
    assert result.sheet_percent == 100
    ignored = " ".join(result.warnings)
    assert len(result.warnings) == 3
    assert "recognition R1 ignored" in ignored
    assert "petition P1 ignored" in ignored
    assert "conviction K1 ignored" in ignored
    assert "R2" not in ignored


# --- sampling ---------------------------------------------------------------------


def test_sampled_city_school_warns(evaluate: Evaluator) -> None:
    result = evaluate.school(sampled=True)
    assert result.total == 100
    assert len(result.warnings) == 1
    assert "sampled is ignored" in result.warnings[0]


def test_more_sampled_schools_warn(evaluate: Evaluator, make: UnitFacts) -> None:
    schools = make.sampled_schools("county-a", 6)
    schools[5]["level"] = "special"
    result = evaluate.county(schools=schools)
    assert len(result.schools) == 6
    assert len(result.warnings) == 1
    assert "6 sampled schools" in result.warnings[0]


def test_sampled_levels_shared_warn(evaluate: Evaluator, make: UnitFacts) -> None:
    schools = make.sampled_schools("county-a")
    schools[1]["level"] = schools[0]["level"]
    result = evaluate.county(schools=schools)
    assert len(result.warnings) == 1
    assert "share a level" in result.warnings[0]
    assert schools[0]["level"] in result.warnings[0]


def test_no_sampled_school_is_error(evaluate: Evaluator, make: UnitFacts) -> None:
    unsampled = make.school("county-a-s1", county="county-a")
    evaluation = evaluate.run(make.county(), unsampled)
    assert [result.unit for result in evaluation.results] == ["county-a-s1"]
    assert len(evaluation.errors) == 1
    assert evaluation.errors[0].unit == "county-a"
    assert "no sampled school" in evaluation.errors[0].message


def test_failed_sampled_school_left_out(evaluate: Evaluator, make: UnitFacts) -> None:
    schools = make.sampled_schools("county-a")
    schools[0]["findings"] = [{"item": "S9.9", "deduct": 1}]
    schools[1]["findings"] = [{"item": "S1.4", "deduct": 3}]
    evaluation = evaluate.run(make.county(), *schools)
    assert [error.unit for error in evaluation.errors] == ["county-a-s1"]
    county = next(r for r in evaluation.results if r.unit == "county-a")
    assert [share.unit for share in county.schools] == [
        "county-a-s2",
        "county-a-s3",
        "county-a-s4",
        "county-a-s5",
    ]
    # mean (98 + 3 × 100) ÷ 4 = 99.5; 0.6 × 100 + 0.4 × 99.5 = 99.8
    assert county.schools_mean == Fraction(199, 2)
    assert county.total == Fraction(499, 5)
    assert any("only 4 sampled schools" in w for w in county.warnings)


def test_vetoed_school_counts_zero_parameter(tmp_path: Path, make: UnitFacts) -> None:
    """With vetoed_sampled_school: zero, a vetoed sampled school counts 0."""
    folder = tmp_path / "zero-rulebook"
    shutil.copytree(bundled_rules_folder() / "cangzhou-2020", folder)
    parameters = folder / "parameters.yaml"
    text = parameters.read_text("utf-8")
    assert text.count("vetoed_sampled_school: as_scored") == 1
    parameters.write_text(
        text.replace("vetoed_sampled_school: as_scored", "vetoed_sampled_school: zero"),
        "utf-8",
    )
    engine = Engine(load_rulebook_folder(folder))
    schools = make.sampled_schools("county-a")
    schools[0]["flags"]["assessment_fraud"] = True
    data = {"units": [make.county(), *schools]}
    evaluation = engine.evaluate(facts_from_data(data, Path("zero.yaml")))
    county = next(r for r in evaluation.results if r.unit == "county-a")
    share = next(s for s in county.schools if s.unit == "county-a-s1")
    assert share.percent == 100
    assert share.counted == 0
    # mean (0 + 4 × 100) ÷ 5 = 80; 0.6 × 100 + 0.4 × 80 = 92
    assert county.schools_mean == 80
    assert county.total == 92
