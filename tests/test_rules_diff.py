"""`xiaoan rules diff`: rule changes item by item, and grade transitions."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from engine.diff import (
    ERROR_GRADE,
    Change,
    adapt_facts,
    outcome_diff,
    rule_changes,
)
from engine.library import load_rulebook
from engine.rulebook import bundled_rules_folder, load_rulebook_folder
from facts.readers import facts_from_data


@pytest.fixture(scope="module")
def changes() -> list[Change]:
    return rule_changes(
        load_rulebook("cangzhou-2020"), load_rulebook("cangzhou-2021-draft")
    )


def test_item_changes(changes: list[Change]) -> None:
    items = [change for change in changes if change.subject.startswith("item ")]
    assert [(c.kind, c.subject, c.field) for c in items] == [
        ("removed", "item S2.18", ""),
        ("changed", "item S4.8", "points"),
        ("added", "item S4.14", ""),
    ]
    assert (items[1].old, items[1].new) == ("5", "4")
    assert items[2].new.startswith("2 points, 建立防治学生欺凌工作机制")


def test_category_and_parameter_changes(changes: list[Change]) -> None:
    shown = {str(change) for change in changes}
    assert "changed category school.2 total: 18 -> 17" in shown
    assert "changed category school.4 total: 45 -> 46" in shown
    assert "changed parameter grades.advanced.at_least: 90 -> 85" in shown
    assert "changed parameter thresholds.grid_platform_usage: 0.9 -> 0.95" in shown
    assert "changed metadata year: 2020 -> 2021" in shown


def test_wording_change_shows_difference(changes: list[Change]) -> None:
    [rule] = [c for c in changes if c.subject == "rule V3-grid-platform-usage"]
    assert rule.field == "text"
    assert "90%" in rule.old
    assert "95%" in rule.new


def test_condition_change_listed(tmp_path: Path) -> None:
    folder = tmp_path / "edited"
    shutil.copytree(bundled_rules_folder() / "cangzhou-2020", folder)
    path = folder / "adjustments.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("between: [11, 20]", "between: [11, 25]"), encoding="utf-8"
    )
    found = rule_changes(load_rulebook("cangzhou-2020"), load_rulebook_folder(folder))
    assert [str(change) for change in found] == [
        "changed rule CA3-band-11-20 when.where.people.between: [11, 20] -> [11, 25]"
    ]


def test_same_rulebook_no_changes() -> None:
    rulebook = load_rulebook("cangzhou-2020")
    assert rule_changes(rulebook, rulebook) == []


def test_transition_matrix_counts() -> None:
    old = load_rulebook("cangzhou-2020")
    new = load_rulebook("cangzhou-2021-draft")
    school: dict[str, Any] = {
        "name": "学校",
        "kind": "school",
        "level": "primary",
        "profile": {
            "boarding": True,
            "canteen": True,
            "chemistry_lab": True,
            "vehicles": True,
        },
        "measures": {
            "app_download_rate_staff": "1",
            "app_download_rate_parents": "1",
            "semester_drills_min": 1,
            "safety_awareness_rate": "0.95",
            "safety_participation_rate": "0.95",
            "grid_platform_usage_rate": "1",
        },
        "flags": {"dual_prevention_in_place": True},
    }
    # 87.00: qualified in 2020, advanced at 85 in the draft.
    between = {
        **school,
        "id": "between",
        "findings": [
            {"item": "S3.1", "deduct": 4},
            {"item": "S5.1", "deduct": 6},
            {"item": "S4.7", "deduct": 3},
            {"item": "S4.9", "deduct": 3},
            {"item": "S3.3", "deduct": 3},
            {"item": "S1.4", "deduct": 0.5},
        ],
    }
    # A grid platform usage rate of 0.92 passes in 2020 and vetoes in the draft.
    grid = {
        **school,
        "id": "grid",
        "measures": {**school["measures"], "grid_platform_usage_rate": "0.92"},
    }
    # A finding on S2.18 is dropped under the draft, which removed the item.
    removed = {**school, "id": "removed", "findings": [{"item": "S2.18", "deduct": 1}]}
    # 5 points off S4.8 exceed its new maximum of 4: the unit fails under the draft.
    failing = {**school, "id": "failing", "findings": [{"item": "S4.8", "deduct": 5}]}
    steady = {**school, "id": "steady"}
    facts = facts_from_data(
        {"units": [between, grid, removed, failing, steady]}, Path("facts.yaml")
    )

    outcome = outcome_diff(old, new, facts)

    assert outcome.units == 5
    assert outcome.grades == ["advanced", "qualified", "unqualified", ERROR_GRADE]
    assert outcome.matrix == {
        ("qualified", "advanced"): 1,
        ("advanced", "unqualified"): 1,
        ("advanced", "advanced"): 2,
        ("advanced", ERROR_GRADE): 1,
    }
    by_unit = {change.unit: change for change in outcome.changes}
    assert set(by_unit) == {"between", "grid", "removed", "failing"}
    assert by_unit["between"].old_total == by_unit["between"].new_total == 87
    assert by_unit["removed"].delta == Fraction(100) - Fraction(149 * 100, 150)
    assert by_unit["failing"].new_total is None
    assert by_unit["grid"].old_vetoes == ()
    assert by_unit["grid"].new_vetoes == ("V3",)
    # Largest change of total first; a unit that failed on one side goes last.
    assert [change.unit for change in outcome.changes] == [
        "removed",
        "between",
        "grid",
        "failing",
    ]
    assert outcome.adapted == [
        "under cangzhou-2021-draft: removed: dropped finding on S2.18"
    ]


def test_adapt_keeps_known_codes() -> None:
    draft = load_rulebook("cangzhou-2021-draft")
    unit = {
        "id": "s1",
        "name": "学校",
        "kind": "school",
        "level": "primary",
        "findings": [{"item": "S2.18", "deduct": 1}, {"item": "S1.1", "deduct": 1}],
        "not_applicable": ["S2.18", "S4.10"],
        "self_scores": {"S4.8": 5, "S1.1": 1},
    }
    facts = facts_from_data({"units": [unit]}, Path("facts.yaml"))
    adapted, notes = adapt_facts(facts, draft)
    record = adapted.units[0].unit
    assert [finding.item for finding in record.findings] == ["S1.1"]
    assert record.not_applicable == ["S4.10"]
    assert record.self_scores == {"S1.1": 1}
    assert notes == [
        "s1: dropped finding on S2.18, not_applicable S2.18, self-score on S4.8 "
        "(above the item's new maximum)"
    ]
    assert facts.units[0].unit.findings[0].item == "S2.18"


def test_cli_diff_on_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["rules", "diff", "cangzhou-2020", "cangzhou-2021-draft", "--top", "3"])
        == 0
    )
    out = capsys.readouterr().out
    assert "rule changes from cangzhou-2020 to cangzhou-2021-draft:" in out
    assert (
        "grade transitions for 118 units (rows: cangzhou-2020, columns: cangzhou-2021-draft)"
        in out
    )
    assert "largest 3 shown" in out
    assert "qualified -> unqualified  new veto V3" in out
    lines = out.splitlines()
    header = lines.index(
        next(line for line in lines if line.startswith("grade transitions"))
    )
    assert lines[header + 1].split() == ["advanced", "qualified", "unqualified"]
    rows = [lines[header + offset].split() for offset in (2, 3, 4)]
    assert [row[0] for row in rows] == ["advanced", "qualified", "unqualified"]
    assert sum(int(count) for row in rows for count in row[1:]) == 118
    # No unit loses its veto: nothing moves out of unqualified.
    assert rows[2][1:3] == ["0", "0"]


def test_cli_diff_bad_top(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "diff", "cangzhou-2020", "cangzhou-2020", "--top", "-1"]) == 2
    assert "--top must be 0 or more" in capsys.readouterr().err


def test_cli_diff_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "diff", "cangzhou-2020", "cangzhou-2031"]) == 1
    assert "unknown rulebook 'cangzhou-2031'" in capsys.readouterr().err
