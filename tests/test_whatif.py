"""``what-if``: the fewest changes reach the target, checked by evaluating again."""

from __future__ import annotations

import copy
import itertools
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.common import sample_files
from cli.main import main
from engine.evaluate import Engine
from engine.result import Evaluation, UnitResult
from engine.rulebook import Rulebook
from explain.whatif import EVENT_KINDS, WhatIf, grade_rank, what_if
from facts.readers import FactSet, facts_from_data

RULEBOOK_ID = "cangzhou-2020"


@pytest.fixture(scope="module")
def raw_sample(rulebook: Rulebook) -> dict[str, Any]:
    assert rulebook.folder is not None
    [path] = sample_files(rulebook.folder)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(raw_sample: dict[str, Any], engine: Engine) -> tuple[FactSet, Evaluation]:
    facts = facts_from_data(raw_sample, Path("sample.yaml"))
    return facts, engine.evaluate(facts)


def _decimal(value: object) -> object:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return value.numerator
        text = Decimal(value.numerator) / Decimal(value.denominator)
        assert Fraction(text) == value, f"{value} has no short decimal"
        return text
    return value


def changed_data(unit: dict[str, Any], answer: WhatIf) -> dict[str, Any]:
    """Apply the answer's changes to raw unit facts, as an inspector would."""
    changed = copy.deepcopy(unit)
    removed = set()
    for change in answer.changes:
        if change.kind == "rectify":
            removed.add(int(change.field_path[len("findings[") : -1]))
        elif change.kind == "raise":
            name = change.field_path.split(".", 1)[1]
            changed.setdefault("measures", {})[name] = _decimal(change.new)
        else:
            name = change.field_path.split(".", 1)[1]
            changed.setdefault("flags", {})[name] = change.new
    changed["findings"] = [
        finding
        for index, finding in enumerate(changed.get("findings", []))
        if index not in removed
    ]
    return changed


def perfect_data(unit: dict[str, Any], rulebook: Rulebook) -> dict[str, Any]:
    """Return the unit with no findings, every measure at target, no flag veto."""
    changed = copy.deepcopy(unit)
    changed["findings"] = []
    measures = changed.setdefault("measures", {})
    for rule in rulebook.model.measures:
        if rulebook.codes[rule.code].sheet.unit_kinds[0].value == unit["kind"]:
            measures[rule.measure] = rule.target
    measures["grid_platform_usage_rate"] = 1
    flags = changed.setdefault("flags", {})
    for name in list(flags):
        flags[name] = name in {
            "six_implementations_done",
            "three_prevention_standard_met",
            "risk_prevention_sound",
            "dual_prevention_in_place",
        }
    return changed


def evaluate_changed(
    engine: Engine, raw: dict[str, Any], unit_id: str, changed: dict[str, Any]
) -> UnitResult:
    """Evaluate ``changed`` in place of ``unit_id`` with its county's units."""
    units = {u["id"]: u for u in raw["units"]}
    county = (
        changed["id"] if changed["kind"] == "county_bureau" else changed.get("county")
    )
    group = [changed]
    for other in raw["units"]:
        if other["id"] == unit_id or county is None:
            continue
        if other["id"] == county or (
            other.get("county") == county and other.get("sampled")
        ):
            group.append(other)
    assert unit_id in units
    evaluation = engine.evaluate(
        facts_from_data({"rulebook": RULEBOOK_ID, "units": group}, Path("changed.yaml"))
    )
    found = [r for r in evaluation.results if r.unit == unit_id]
    assert found, [e.message for e in evaluation.errors]
    return found[0]


def test_sample_answers_reach_target(
    sample: tuple[FactSet, Evaluation],
    raw_sample: dict[str, Any],
    engine: Engine,
    rulebook: Rulebook,
) -> None:
    """Every reachable answer, applied to the facts, reaches its target grade."""
    facts, evaluation = sample
    units = {u["id"]: u for u in raw_sample["units"]}
    reached = 0
    for result in evaluation.results:
        if result.grade == "advanced":
            continue
        answer = what_if(engine, facts, evaluation, result.unit)
        if not answer.reachable:
            continue
        reached += 1
        assert answer.changes, result.unit
        after = evaluate_changed(
            engine, raw_sample, result.unit, changed_data(units[result.unit], answer)
        )
        assert grade_rank(rulebook, after.grade) >= grade_rank(rulebook, answer.target)
        assert after.total == answer.total_after, result.unit
    assert reached >= 40


def test_sample_unreachable_answers_say_why(
    sample: tuple[FactSet, Evaluation],
    raw_sample: dict[str, Any],
    engine: Engine,
    rulebook: Rulebook,
) -> None:
    """An unreachable target stays out of reach even with a perfect sheet."""
    facts, evaluation = sample
    units = {u["id"]: u for u in raw_sample["units"]}
    blocked = short = 0
    for result in evaluation.results:
        if result.grade == "advanced":
            continue
        answer = what_if(engine, facts, evaluation, result.unit)
        if answer.reachable:
            continue
        assert answer.changes == []
        after = evaluate_changed(
            engine, raw_sample, result.unit, perfect_data(units[result.unit], rulebook)
        )
        assert grade_rank(rulebook, after.grade) < grade_rank(rulebook, answer.target)
        if answer.blockers:
            blocked += 1
            for blocker in answer.blockers:
                assert blocker.veto in result.vetoes
                assert blocker.clause
                kinds = {key.split(":")[0] for key in blocker.facts}
                assert kinds & set(EVENT_KINDS), blocker
            assert after.vetoes, result.unit
        else:
            short += 1
            assert answer.best_total == after.total, result.unit
            assert answer.shortfall is not None and answer.cutoff is not None
            assert answer.shortfall == answer.cutoff - after.total
            assert answer.shortfall > 0
    assert blocked >= 5
    assert short >= 3


def test_flag_veto_is_one_change(
    sample: tuple[FactSet, Evaluation], engine: Engine
) -> None:
    facts, evaluation = sample
    answer = what_if(engine, facts, evaluation, "wuqiao-s5")
    assert answer.target == "qualified"
    [change] = answer.changes
    assert change.kind == "set_flag"
    assert change.field_path == "flags.six_implementations_done"
    assert change.new is True
    assert change.vetoes == ("SV7",)


def test_burglary_veto_is_unreachable(
    sample: tuple[FactSet, Evaluation], engine: Engine
) -> None:
    facts, evaluation = sample
    answer = what_if(engine, facts, evaluation, "yunhe-s3")
    assert not answer.reachable
    [blocker] = answer.blockers
    assert blocker.veto == "SV1"
    assert blocker.facts == ("incident:I1",)


def test_raised_rate_is_least_needed(
    sample: tuple[FactSet, Evaluation],
    raw_sample: dict[str, Any],
    engine: Engine,
    rulebook: Rulebook,
) -> None:
    """One step less on the raised rate falls short of the target."""
    facts, evaluation = sample
    answer = what_if(engine, facts, evaluation, "yunhe-s2")
    raised = [c for c in answer.changes if c.kind == "raise"]
    assert len(raised) == 1
    change = raised[0]
    assert isinstance(change.new, Fraction) and isinstance(change.old, Fraction)
    assert change.old < change.new <= 1
    units = {u["id"]: u for u in raw_sample["units"]}
    lower = changed_data(units["yunhe-s2"], answer)
    name = change.field_path.split(".", 1)[1]
    lower["measures"][name] = _decimal(change.new - Fraction(1, 10**4))
    after = evaluate_changed(engine, raw_sample, "yunhe-s2", lower)
    assert grade_rank(rulebook, after.grade) < grade_rank(rulebook, answer.target)


def test_county_changes_only_own_sheet(
    sample: tuple[FactSet, Evaluation], engine: Engine
) -> None:
    facts, evaluation = sample
    answer = what_if(engine, facts, evaluation, "haixing-edu")
    assert answer.reachable
    assert answer.changes
    codes = {change.code for change in answer.changes}
    assert all(code is not None and code.startswith("C") for code in codes)


def test_already_at_target(sample: tuple[FactSet, Evaluation], engine: Engine) -> None:
    facts, evaluation = sample
    top = what_if(engine, facts, evaluation, "xinhua-edu")
    assert top.already
    assert top.changes == []
    lower = what_if(engine, facts, evaluation, "wuqiao-edu", "qualified")
    assert lower.already


# --- brute force on small synthetic units ----------------------------------

FINDINGS = [
    {"item": "S5.1", "deduct": 5},
    {"item": "S4.8", "deduct": 4},
    {"item": "S3.1", "deduct": 3.5},
    {"item": "S1.4", "deduct": 2},
    {"item": "S1.4", "deduct": 2},
    {"item": "S5.5", "deduct": 1.5},
    {"item": "S4.9", "deduct": 1},
    {"item": "S3.3", "deduct": 0.5},
]


def _school(
    make: Any, findings: list[dict[str, Any]], **changes: Any
) -> dict[str, Any]:
    return make.school("brute", findings=findings, **changes)


def _options(unit: dict[str, Any], rulebook: Rulebook) -> list[tuple[str, Any]]:
    """Every single change the search may make, each at its fullest."""
    options: list[tuple[str, Any]] = [
        ("finding", index) for index in range(len(unit["findings"]))
    ]
    for rule in rulebook.model.measures:
        if rule.code.startswith("S") and rule.measure in unit["measures"]:
            value = unit["measures"][rule.measure]
            if Fraction(value) < rule.target:
                options.append(("measure", (rule.measure, rule.target)))
    return options


def _apply(unit: dict[str, Any], chosen: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    changed = copy.deepcopy(unit)
    removed = {index for kind, index in chosen if kind == "finding"}
    changed["findings"] = [
        f for index, f in enumerate(unit["findings"]) if index not in removed
    ]
    for kind, option in chosen:
        if kind == "measure":
            changed["measures"][option[0]] = _decimal(Fraction(option[1]))
    return changed


def _brute_force(
    engine: Engine, rulebook: Rulebook, unit: dict[str, Any], target: str
) -> tuple[int, Fraction]:
    """Return the fewest changes that reach ``target`` and, among them, least points."""
    options = _options(unit, rulebook)
    base = _evaluate_one(engine, unit)
    for size in range(len(options) + 1):
        reaching = []
        for chosen in itertools.combinations(options, size):
            result = _evaluate_one(engine, _apply(unit, chosen))
            if grade_rank(rulebook, result.grade) >= grade_rank(rulebook, target):
                reaching.append(result.earned - base.earned)
        if reaching:
            return size, min(reaching)
    raise AssertionError("even every change falls short")


def _evaluate_one(engine: Engine, unit: dict[str, Any]) -> UnitResult:
    data = {"rulebook": RULEBOOK_ID, "units": [unit]}
    evaluation = engine.evaluate(facts_from_data(data, Path("brute.yaml")))
    assert evaluation.errors == [], evaluation.errors
    return evaluation.results[0]


def _answer(engine: Engine, unit: dict[str, Any], target: str) -> WhatIf:
    facts = facts_from_data({"rulebook": RULEBOOK_ID, "units": [unit]}, Path("b.yaml"))
    return what_if(engine, facts, engine.evaluate(facts), unit["id"], target)


# Items kept on a small sheet (28 points), so that a few findings move the
# percent far: every other school item is ruled out by the inspector.
SMALL_SHEET = {"S1.4", "S3.1", "S3.3", "S4.8", "S4.9", "S5.1", "S5.5"}


@pytest.mark.parametrize(
    ("findings", "target", "small"),
    [
        (FINDINGS, "advanced", False),
        (FINDINGS[:5] + FINDINGS[6:], "advanced", False),
        (FINDINGS, "qualified", True),
        (FINDINGS, "advanced", True),
    ],
    ids=["advanced", "capped-item", "small-qualified", "small-advanced"],
)
def test_findings_only_brute_force(
    engine: Engine,
    rulebook: Rulebook,
    make: Any,
    findings: list[Any],
    target: str,
    small: bool,
) -> None:
    """No smaller set of rectified findings reaches the target, nor fewer points."""
    ruled_out = []
    if small:
        ruled_out = [
            code
            for code, scored in rulebook.codes.items()
            if code.startswith("S") and scored.is_item and code not in SMALL_SHEET
        ]
    unit = _school(make, findings, not_applicable=ruled_out)
    answer = _answer(engine, unit, target)
    assert not answer.already
    assert answer.reachable
    size, points = _brute_force(engine, rulebook, unit, target)
    assert len(answer.changes) == size
    assert answer.points == points


def test_measures_brute_force(engine: Engine, rulebook: Rulebook, make: Any) -> None:
    """With measures in play, no smaller set of changes reaches the target."""
    unit = _school(
        make,
        FINDINGS[:5],
        measures={
            "app_download_rate_parents": Decimal("0.10"),
            "semester_drills_min": 0,
            "safety_awareness_rate": Decimal("0.50"),
        },
    )
    answer = _answer(engine, unit, "advanced")
    assert answer.reachable
    size, points = _brute_force(engine, rulebook, unit, "advanced")
    assert len(answer.changes) == size
    # A rate raised only as far as needed regains no more than a full raise.
    assert answer.points <= points


def test_veto_and_score_changes_together(engine: Engine, make: Any) -> None:
    unit = _school(
        make,
        FINDINGS[:3],
        flags={"six_implementations_done": False},
        measures={"grid_platform_usage_rate": Decimal("0.80")},
    )
    answer = _answer(engine, unit, "advanced")
    assert answer.reachable
    kinds = sorted(c.kind for c in answer.changes if c.vetoes)
    assert kinds == ["raise", "set_flag"]
    grid = next(
        c for c in answer.changes if c.field_path.endswith("grid_platform_usage_rate")
    )
    assert grid.new == Fraction(9, 10)
    assert answer.grade_after == "advanced"


def test_county_unreachable_by_adjustments(engine: Engine, make: Any) -> None:
    county = make.county(
        convictions=[
            {"id": "K1", "person": "staff"},
            {"id": "K2", "person": "student"},
        ],
        findings=[{"item": "C1", "deduct": 1}],
    )
    units = [county, *make.sampled_schools("county-a")]
    facts = facts_from_data({"rulebook": RULEBOOK_ID, "units": units}, Path("c.yaml"))
    evaluation = engine.evaluate(facts)
    answer = what_if(engine, facts, evaluation, "county-a", "advanced")
    assert not answer.reachable
    assert answer.blockers == []
    assert answer.best_total == Fraction(76)
    assert answer.shortfall == Fraction(14)


# --- the command line ------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_what_if_text_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "what-if", "yunhe-s3")
    assert code == 0
    assert "无法达到 合格单位" in out
    assert "一票否决 SV1（规则 SV1-major-crime）由 事故（案件） I1：入室盗窃" in out
    assert "无法撤销" in out
    code, out, _ = run(capsys, "what-if", "yunhe-s3", "--lang", "en")
    assert code == 0
    assert "qualified unit is out of reach" in out
    assert "cannot be undone" in out


def test_what_if_text_changes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "what-if", "wuqiao-s5", "--lang", "en")
    assert code == 0
    assert "the fewest changes: 1" in out
    assert "set public safety education's six implementations done" in out
    assert "lifts veto SV7" in out
    assert "evaluated again with these changes: total 87.91, qualified unit" in out


def test_what_if_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code, out, _ = run(capsys, "what-if", "wuqiao-edu", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["reachable"] is False
    assert document["target"] == "advanced"
    assert document["shortfall"] == 3.89
    assert document["best_total"] == 86.11


def test_what_if_bad_grade_is_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["what-if", "wuqiao-edu", "--grade", "excellent"])
    assert raised.value.code == 2
