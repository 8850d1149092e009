"""Bad facts: each fixture contains one bad unit and one good unit.

Every error message must name the file, the unit, the field, the value
found and what is expected. The good unit of the same file must still be
evaluated, because a batch goes on without the units that fail.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cli.common import read_inputs
from engine.evaluate import Engine
from facts.documents import load_yaml
from facts.readers import read_facts

if TYPE_CHECKING:
    from conftest import Evaluator, UnitFacts

FACTS = Path(__file__).parent / "fixtures" / "facts"

# (fixture, unit, field, value, words of what is expected)
BAD_UNITS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "unknown_item",
        "bad-school",
        "findings[0].item",
        "'S9.9'",
        ["unknown item code", "a code of the school sheet"],
    ),
    (
        "rate_above_one",
        "bad-school",
        "measures.app_download_rate_staff",
        "'1.2'",
        ["a rate between 0 and 1"],
    ),
    (
        "rate_not_finite",
        "bad-school",
        "measures.app_download_rate_staff",
        "inf",
        ["a finite number"],
    ),
    (
        "county_code_on_school",
        "bad-school",
        "findings[0].item",
        "'C1'",
        ["belongs to the county sheet", "a code of the school sheet"],
    ),
    (
        "deduct_not_half_step",
        "bad-school",
        "findings[0].deduct",
        "'0.3'",
        ["steps of 0.5"],
    ),
    (
        "deduct_not_positive",
        "bad-school",
        "findings[0].deduct",
        "0",
        ["a positive number of points"],
    ),
    (
        "deduct_above_item_max",
        "bad-school",
        "findings[0].deduct",
        "'2'",
        ["more than the maximum of S1.2", "at most 1"],
    ),
    (
        "finding_on_item_with_parts",
        "bad-school",
        "findings[0].item",
        "'S4.1'",
        ["scored in parts", "S4.1a, S4.1b"],
    ),
    (
        "negative_count",
        "bad-school",
        "measures.semester_drills_min",
        "-1",
        ["greater than or equal to 0"],
    ),
    (
        "fractional_count",
        "bad-school",
        "measures.semester_drills_min",
        "'1.5'",
        ["a whole number"],
    ),
    (
        "duplicate_unit_id",
        "good-school",
        "id",
        "'good-school'",
        ["duplicate unit id", "units[0]", "unique across all inputs"],
    ),
    (
        "unknown_county",
        "bad-school",
        "county",
        "'nowhere-edu'",
        ["not among the inputs", "a county bureau"],
    ),
    (
        "county_is_a_school",
        "bad-school",
        "county",
        "'good-school'",
        ["not a county bureau", "county_bureau"],
    ),
    (
        "unknown_incident_type",
        "bad-school",
        "incidents[0].type",
        "'explosion'",
        ["'injury'", "'other'"],
    ),
    (
        "negative_people",
        "bad-school",
        "incidents[0].people",
        "-3",
        ["greater than or equal to 0"],
    ),
    (
        "duplicate_event_id",
        "bad-school",
        "incidents",
        "",
        ["duplicate id 'I1' at incidents[1]", "unique within the unit"],
    ),
    (
        "county_incident_missing_deduct",
        "bad-county",
        "incidents[0].deduct",
        "",
        ["missing deduct", "from 10 to 20", "steps of 0.5"],
    ),
    (
        "county_incident_deduct_out_of_range",
        "bad-county",
        "incidents[0].deduct",
        "'25'",
        ["out of range", "from 10 to 20"],
    ),
    (
        "county_incident_deduct_not_half_step",
        "bad-county",
        "incidents[0].deduct",
        "'12.3'",
        ["not in steps", "steps of 0.5"],
    ),
    (
        "misspelt_measure",
        "bad-school",
        "measures.app_download_rate_staf",
        "",
        ["unknown field", "did you mean 'app_download_rate_staff'"],
    ),
    (
        "unknown_not_applicable_code",
        "bad-school",
        "not_applicable[0]",
        "'S3.99'",
        ["unknown item code", "did you mean 'S3.9'"],
    ),
    (
        "unknown_self_score_code",
        "bad-school",
        "self_scores.S1.9",
        "'S1.9'",
        ["unknown item code", "a code of the school sheet"],
    ),
    (
        "injury_without_people",
        "bad-county",
        "incidents[0]",
        "'type=injury, people=0",
        ["needs people of 1 or more"],
    ),
]


def check_bad_unit(
    engine: Engine,
    path: Path,
    unit: str,
    field: str,
    value: str,
    expected: list[str],
) -> str:
    """Evaluate ``path`` and check its one error and its good unit; return the error."""
    evaluation = engine.evaluate(read_facts([path]))

    assert len(evaluation.errors) == 1, [e.message for e in evaluation.errors]
    error = evaluation.errors[0]
    assert error.unit == unit
    message = error.message
    assert path.name in message
    assert f"unit {unit}" in message
    assert f"field {field}" in message
    if value:
        assert f"found {value}" in message
    for words in expected:
        assert words in message

    assert [result.unit for result in evaluation.results] == ["good-school"]
    assert evaluation.results[0].sheet_percent == 100
    return message


@pytest.mark.parametrize(
    ("name", "unit", "field", "value", "expected"),
    BAD_UNITS,
    ids=[case[0] for case in BAD_UNITS],
)
def test_bad_unit_yaml(
    engine: Engine,
    name: str,
    unit: str,
    field: str,
    value: str,
    expected: list[str],
) -> None:
    message = check_bad_unit(
        engine, FACTS / f"{name}.yaml", unit, field, value, expected
    )
    # YAML errors carry the line of the bad entry.
    assert f"{name}.yaml:" in message


@pytest.mark.parametrize(
    ("name", "unit", "field", "value", "expected"),
    BAD_UNITS,
    ids=[case[0] for case in BAD_UNITS],
)
def test_bad_unit_json(
    engine: Engine,
    tmp_path: Path,
    name: str,
    unit: str,
    field: str,
    value: str,
    expected: list[str],
) -> None:
    """The JSON reader reports the same errors as the YAML reader."""
    data = load_yaml(FACTS / f"{name}.yaml").data
    path = tmp_path / f"{name}.json"
    # Every number of the fixtures prints as its own decimal text.
    path.write_text(json.dumps(data, default=float, ensure_ascii=False), "utf-8")
    check_bad_unit(engine, path, unit, field, value, expected)


def test_fixture_table_covers_folder() -> None:
    listed = {case[0] for case in BAD_UNITS} | {"unknown_rulebook"}
    on_disk = {path.stem for path in FACTS.glob("*.yaml")}
    assert listed == on_disk


def test_unknown_rulebook_is_run_error() -> None:
    inputs = read_inputs([FACTS / "unknown_rulebook.yaml"], None)
    assert inputs.rulebook is None
    assert len(inputs.errors) == 2
    error = inputs.errors[0]
    assert error.unit is None
    assert "unknown rulebook 'cangzhou-2002'" in error.message
    assert "did you mean 'cangzhou-2020'" in error.message
    # Each unit of the file is reported as not evaluated, by id.
    assert inputs.errors[1].unit == "good-school"
    assert "not evaluated" in inputs.errors[1].message
    assert inputs.facts.units == []


def test_unknown_rulebook_file_spares_others(tmp_path: Path) -> None:
    """A file naming an unknown rulebook fails alone; other files evaluate."""
    good = tmp_path / "good.yaml"
    good.write_text(
        "rulebook: cangzhou-2020\nunits:\n  - {id: other-school, kind: school}\n",
        "utf-8",
    )
    inputs = read_inputs([FACTS / "unknown_rulebook.yaml", good], None)
    assert inputs.rulebook is not None
    assert inputs.rulebook.id == "cangzhou-2020"
    assert [record.unit.id for record in inputs.facts.units] == ["other-school"]
    assert [error.unit for error in inputs.errors] == [None, "good-school"]


def test_unreadable_file_is_run_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("units: [\n", "utf-8")
    facts = read_facts([path])
    assert facts.units == []
    assert len(facts.errors) == 1
    assert facts.errors[0].unit is None
    assert "broken.yaml" in facts.errors[0].message
    assert "invalid YAML" in facts.errors[0].message


def test_several_problems_all_listed(evaluate: Evaluator, make: UnitFacts) -> None:
    error = evaluate.error(
        make.school(
            findings=[
                {"item": "S9.9", "deduct": 1},
                {"item": "S4.1", "deduct": 1},
            ],
            not_applicable=["X1"],
        )
    )
    lines = error.message.splitlines()
    assert len(lines) == 3
    assert "findings[0].item" in lines[0]
    assert "findings[1].item" in lines[1]
    assert "not_applicable[0]" in lines[2]


def test_liability_defaults_to_false(evaluate: Evaluator) -> None:
    result = evaluate.school(incidents=[{"id": "I1", "type": "injury", "people": 3}])
    assert result.vetoes == []


# --- exact numbers ------------------------------------------------------------


def test_json_numbers_exact(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(
        '{"units": [{"id": "s1", "kind": "school",'
        ' "measures": {"safety_awareness_rate": 0.95},'
        ' "findings": [{"item": "S3.1", "deduct": 1.5}]}]}',
        "utf-8",
    )
    facts = read_facts([path])
    assert facts.errors == []
    unit = facts.units[0].unit
    assert unit.measures.safety_awareness_rate == Fraction(19, 20)
    assert unit.findings[0].deduct == Fraction(3, 2)


def test_yaml_decimals_add_exactly(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(
        "units:\n"
        "  - id: c1\n"
        "    kind: county_bureau\n"
        "    measures:\n"
        "      student_liability_insurance_rate: 0.1\n"
        "      teacher_liability_insurance_rate: 0.2\n"
        "      student_accident_insurance_rate: 0.3\n",
        "utf-8",
    )
    measures = read_facts([path]).units[0].unit.measures
    first = measures.student_liability_insurance_rate
    second = measures.teacher_liability_insurance_rate
    assert first is not None
    assert second is not None
    # As binary floats 0.1 + 0.2 != 0.3.
    assert first + second == measures.student_accident_insurance_rate
    assert first == Fraction(1, 10)


def test_exact_rate_scores_exactly(evaluate: Evaluator) -> None:
    # 4 × 0.3 = 6/5 exactly.
    result = evaluate.county(
        measures={"staff_safety_exam_participation_rate": Decimal("0.3")}
    )
    assert result.items["C10"] == Fraction(6, 5)


def test_float_input_read_as_decimal_text(evaluate: Evaluator) -> None:
    """A float built in Python is read from its shortest repr, not its binary value."""
    result = evaluate.county(measures={"staff_safety_exam_participation_rate": 0.3})
    assert result.items["C10"] == Fraction(6, 5)


@pytest.mark.parametrize(
    "value", [Decimal("0.58125"), "0.58125", 0.58125], ids=["decimal", "text", "float"]
)
def test_rate_forms_agree(evaluate: Evaluator, value: Any) -> None:
    result = evaluate.county(measures={"staff_safety_exam_participation_rate": value})
    # 4 × 0.58125 = 2.325
    assert result.items["C10"] == Fraction(93, 40)


def test_unit_level_problem_stated(evaluate: Evaluator, make: UnitFacts) -> None:
    """A check across fields states the problem, not an 'expected' clause."""
    evaluation = evaluate.run(make.county(county="other"))
    assert len(evaluation.errors) == 1
    message = evaluation.errors[0].message
    assert "unit county-a: a county bureau cannot belong to a county" in message
    assert "expected" not in message


def test_duplicate_id_across_files(engine: Engine, tmp_path: Path) -> None:
    first = FACTS / "unknown_item.yaml"
    second = tmp_path / "second.yaml"
    shutil.copy(first, second)
    evaluation = engine.evaluate(read_facts([first, second]))
    duplicates = [e for e in evaluation.errors if "duplicate unit id" in e.message]
    assert len(duplicates) == 2
    for error in duplicates:
        assert "second.yaml" in error.message
        assert f"first defined in {first}" in error.message
    assert [result.unit for result in evaluation.results] == ["good-school"]


def test_school_of_unreadable_county_evaluated(
    evaluate: Evaluator, make: UnitFacts
) -> None:
    """A county that fails to read still counts as an input for its schools."""
    bad_county = make.county(measures={"director_safety_deployment": 4})
    evaluation = evaluate.run(bad_county, *make.sampled_schools("county-a"))
    assert [error.unit for error in evaluation.errors] == ["county-a"]
    assert "did you mean 'director_safety_deployments'" in evaluation.errors[0].message
    assert len(evaluation.results) == 5


def test_school_of_unreadable_school_rejected(
    evaluate: Evaluator, make: UnitFacts
) -> None:
    """A county field naming a school that failed to read is still an error."""
    bad_parent = make.school("parent", profile={"canten": True})
    child = make.school("child", county="parent")
    evaluation = evaluate.run(bad_parent, child)
    assert [error.unit for error in evaluation.errors] == ["parent", "child"]
    assert "not a county bureau" in evaluation.errors[1].message
    assert evaluation.results == []


def test_event_id_shared_across_lists(evaluate: Evaluator, make: UnitFacts) -> None:
    """An incident and a petition of one unit cannot share an id."""
    unit = make.county(
        incidents=[{"id": "X1", "type": "other", "people": 0, "deduct": 10}],
        petitions=[{"id": "X1", "level": "city"}],
    )
    evaluation = evaluate.run(unit, *make.sampled_schools("county-a"))
    assert [error.unit for error in evaluation.errors] == ["county-a"]
    message = evaluation.errors[0].message
    assert "duplicate id 'X1' at petitions[0]" in message
    assert "already used at incidents[0]" in message


def test_finding_ids_unique(evaluate: Evaluator, make: UnitFacts) -> None:
    unit = make.school(
        findings=[
            {"id": "F1", "item": "S1.1", "deduct": 1},
            {"id": "F1", "item": "S1.2", "deduct": 1},
        ]
    )
    evaluation = evaluate.run(unit)
    assert [error.unit for error in evaluation.errors] == ["school-a"]
    assert "duplicate id 'F1' at findings[1]" in evaluation.errors[0].message


def test_note_on_hazard_accepted(evaluate: Evaluator, make: UnitFacts) -> None:
    hazard = {"id": "H1", "found": "2020-12-12", "note": "已通知后勤"}
    result = evaluate.school(hazards=[hazard])
    assert result.total == 100


def test_empty_block_read_as_empty(tmp_path: Path, engine: Engine) -> None:
    """``findings:`` with nothing under it means no findings, not an error."""
    path = tmp_path / "blank.yaml"
    path.write_text(
        "rulebook: cangzhou-2020\n"
        "units:\n"
        "  - id: s1\n"
        "    kind: school\n"
        "    findings:\n"
        "    measures:\n",
        "utf-8",
    )
    evaluation = engine.evaluate(read_facts([path]))
    assert evaluation.errors == []
    assert [result.unit for result in evaluation.results] == ["s1"]


def test_fact_for_other_kind_warned(evaluate: Evaluator, make: UnitFacts) -> None:
    """A county measure written on a school is ignored with a warning."""
    result = evaluate.school(measures={"director_safety_deployments": 4})
    assert result.total == 100
    assert any(
        "measure director_safety_deployments ignored" in warning
        for warning in result.warnings
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1" + "0" * 5000, "a number below 10^15"),
        ("0." + "9" * 5000, "at most 40 digits after the decimal point"),
        ("1e-10000000", "at most 40 digits after the decimal point"),
    ],
    ids=["huge_count", "long_rate", "tiny_exponent"],
)
def test_oversized_number_is_unit_error(
    tmp_path: Path, engine: Engine, text: str, expected: str
) -> None:
    """A number too long to be meant is one unit's error, found quickly."""
    measure = "semester_drills_min" if text.startswith("1") else "safety_awareness_rate"
    for suffix, body in (
        (
            ".yaml",
            f"units:\n  - {{id: bad, kind: school, measures: {{{measure}: {text}}}}}\n"
            "  - {id: good, kind: school}\n",
        ),
        (
            ".json",
            '{"units": [{"id": "bad", "kind": "school", "measures": {"'
            + measure
            + '": '
            + text
            + '}}, {"id": "good", "kind": "school"}]}',
        ),
    ):
        path = tmp_path / f"facts{suffix}"
        path.write_text(body, "utf-8")
        evaluation = engine.evaluate(read_facts([path]))
        assert [result.unit for result in evaluation.results] == ["good"]
        assert [error.unit for error in evaluation.errors] == ["bad"]
        message = evaluation.errors[0].message
        assert f"field measures.{measure}" in message
        assert expected in message
        assert len(message) < 400
