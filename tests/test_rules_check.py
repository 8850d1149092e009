"""`xiaoan rules check`: one broken rulebook per mistake, and the words its message needs.

Each fixture in ``fixtures/rulebooks`` names a file of the bundled rulebook
and one edit that breaks it (or ``delete: true``, or ``content`` that
replaces the whole file). The test applies the edit
to a copy and looks for a finding of the expected severity at the file and
line of the mistake. That message must name the rule or item id, what was
found and what is accepted, and for a misspelt name the nearest valid one.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import main
from engine.checks import CheckFinding, check_rulebook_folder
from engine.rulebook import bundled_rules_folder

FIXTURES = Path(__file__).parent / "fixtures" / "rulebooks"


def broken_copy(tmp_path: Path, name: str) -> tuple[Path, int | None]:
    """Copy the bundled rulebook with the fixture's edit; return it and the line."""
    spec: dict[str, Any] = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text())
    folder = tmp_path / name
    shutil.copytree(
        bundled_rules_folder() / "cangzhou-2020",
        folder,
        ignore=shutil.ignore_patterns("samples", "tests"),
    )
    path = folder / spec["file"]
    if spec.get("delete"):
        path.unlink()
        return folder, None
    if "content" in spec:
        path.write_text(spec["content"], encoding="utf-8")
        return folder, None
    text = path.read_text(encoding="utf-8")
    assert spec["old"] in text, f"fixture {name}: text to replace not found"
    start = text.index(spec["old"])
    path.write_text(text.replace(spec["old"], spec["new"], 1), encoding="utf-8")
    line = text[:start].count("\n") + 1 + int(spec.get("line_offset", 0))
    return folder, line


# fixture, severity, file, words the message must contain
CASES: list[tuple[str, str, str, list[str]]] = [
    ("bad_yaml", "error", "sheets.yaml", ["invalid YAML", "expected ',' or ']'"]),
    (
        "unknown_field",
        "error",
        "measures.yaml",
        [
            "(M-C2)",
            "unknown field 'shortfal'",
            "did you mean 'shortfall'?",
            "accepted:",
        ],
    ),
    (
        "unknown_test_operator",
        "error",
        "adjustments.yaml",
        ["(CA3-band-1-10)", "unknown field 'betwen'", "did you mean 'between'?"],
    ),
    (
        "wrong_value_type",
        "error",
        "adjustments.yaml",
        ["(CA2-bad-influence)", "found [true, false]", "expected", "true or false"],
    ),
    (
        "wrong_category_total",
        "error",
        "sheets.yaml",
        ["(county)", "category 1", "declares total 25", "items sum to 24"],
    ),
    (
        "wrong_sheet_total",
        "error",
        "sheets.yaml",
        ["(county)", "declares total 101", "categories sum to 100"],
    ),
    (
        "part_sum",
        "error",
        "sheets.yaml",
        ["(C4)", "declares 5 points", "parts sum to 6"],
    ),
    ("duplicate_code", "error", "sheets.yaml", ["(C2)", "duplicate code 'C2'"]),
    (
        "wrong_shortfall",
        "error",
        "measures.yaml",
        ["(M-C13)", "found 'all-or-nothing'", "'proportional' or 'all_or_nothing'"],
    ),
    (
        "unknown_fact",
        "error",
        "vetoes.yaml",
        [
            "(V1-major-incident)",
            "found 'incidnt'",
            "did you mean 'incident'?",
            "accepted: incident",
        ],
    ),
    (
        "unknown_measure",
        "error",
        "vetoes.yaml",
        [
            "(V3-grid-platform-usage)",
            "unknown measure 'grid_platfrom_usage_rate'",
            "did you mean 'grid_platform_usage_rate'?",
        ],
    ),
    (
        "unknown_parameter",
        "error",
        "vetoes.yaml",
        [
            "(V3-grid-platform-usage)",
            "unknown parameter 'grid_usage'",
            "did you mean 'grid_platform_usage'?",
        ],
    ),
    (
        "unknown_field_value",
        "error",
        "adjustments.yaml",
        [
            "(CA1-commendation-city)",
            "'commendaton'",
            "did you mean 'commendation'?",
            "accepted: commendation, criticism, warning",
        ],
    ),
    (
        "unknown_item_code",
        "error",
        "applicability.yaml",
        ["(NA-canteen)", "unknown item code 'S4.33'", "did you mean 'S4.3'?"],
    ),
    (
        "unordered_cutoffs",
        "error",
        "parameters.yaml",
        ["(qualified)", "cut-offs", "qualified at 95", "advanced at 90"],
    ),
    (
        "weights_not_one",
        "error",
        "parameters.yaml",
        ["(county_own_weight)", "= 1.1", "expected 1"],
    ),
    (
        "veto_never_triggered",
        "error",
        "vetoes.yaml",
        ["(V3)", "veto V3 has no rule that can trigger it"],
    ),
    (
        "contradictory_condition",
        "warning",
        "adjustments.yaml",
        ["(CA3-band-11-20)", "can never fire", "lt 1, ge 5", "takes [0, inf]"],
    ),
    (
        "empty_in_list",
        "error",
        "vetoes.yaml",
        ["(SV1)", "veto SV1 has no rule that can trigger it"],
    ),
    (
        "overlapping_bands",
        "warning",
        "adjustments.yaml",
        ["(CA3-band-11-20)", "CA3-band-1-10 and CA3-band-11-20", "count twice"],
    ),
]


@pytest.mark.parametrize(("fixture", "severity", "file", "words"), CASES)
def test_broken_rulebook_message(
    tmp_path: Path, fixture: str, severity: str, file: str, words: list[str]
) -> None:
    folder, line = broken_copy(tmp_path, fixture)
    rulebook, findings = check_rulebook_folder(folder)
    place = f"{folder / file}:{line}:"
    matching = [
        finding
        for finding in findings
        if finding.severity == severity and place in str(finding)
    ]
    assert matching, f"no {severity} at {place} among:\n" + _listed(findings)
    message = str(matching[0])
    for word in words:
        assert word in message, message
    if severity == "error":
        assert rulebook is None
    else:
        assert rulebook is not None
        assert not any(finding.is_error for finding in findings), _listed(findings)


def test_missing_file_named(tmp_path: Path) -> None:
    folder, _ = broken_copy(tmp_path, "missing_sheets_file")
    rulebook, findings = check_rulebook_folder(folder)
    assert rulebook is None
    assert [str(finding) for finding in findings] == [
        f"error: {folder}: missing file sheets.yaml"
    ]


def test_empty_parameters_named(tmp_path: Path) -> None:
    folder, _ = broken_copy(tmp_path, "empty_parameters")
    rulebook, findings = check_rulebook_folder(folder)
    assert rulebook is None
    assert [str(finding) for finding in findings] == [
        f"error: {folder / 'parameters.yaml'}: parameters.yaml is empty; "
        "expected a mapping of its fields (see docs/rulebook.md)"
    ]


def test_every_fixture_in_table() -> None:
    named = {case[0] for case in CASES} | {"missing_sheets_file", "empty_parameters"}
    assert named == {path.stem for path in FIXTURES.glob("*.yaml")}


def test_empty_in_list_also_warns(tmp_path: Path) -> None:
    folder, _ = broken_copy(tmp_path, "empty_in_list")
    _, findings = check_rulebook_folder(folder)
    warnings = [str(finding) for finding in findings if not finding.is_error]
    assert any(
        "SV1-major-crime can never fire: the 'in' list of incident.type is empty"
        in warning
        for warning in warnings
    ), warnings


@pytest.mark.parametrize("rulebook_id", ["cangzhou-2020", "cangzhou-2021-draft"])
def test_bundled_rulebooks_clean(rulebook_id: str) -> None:
    rulebook, findings = check_rulebook_folder(bundled_rules_folder() / rulebook_id)
    assert rulebook is not None
    assert findings == []


def test_check_exit_code_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", "cangzhou-2020"]) == 0
    assert "cangzhou-2020: 0 errors, 0 warnings" in capsys.readouterr().err


def test_check_exit_code_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, line = broken_copy(tmp_path, "part_sum")
    assert main(["rules", "check", str(folder)]) == 1
    captured = capsys.readouterr()
    assert f"error: {folder / 'sheets.yaml'}:{line}:" in captured.out
    assert "1 errors, 0 warnings" in captured.err


def test_check_exit_code_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = broken_copy(tmp_path, "overlapping_bands")
    assert main(["rules", "check", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("warning: ")
    assert "0 errors, 1 warnings" in captured.err


def test_check_unknown_rulebook(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", "cangzhou-2002"]) == 1
    assert "did you mean 'cangzhou-2020'?" in capsys.readouterr().err


def _listed(findings: list[CheckFinding]) -> str:
    return "\n".join(str(finding) for finding in findings)


def test_too_many_rules_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "many-rules"
    shutil.copytree(
        bundled_rules_folder() / "cangzhou-2020",
        folder,
        ignore=shutil.ignore_patterns("samples", "tests"),
    )
    extra = "".join(
        f"\n- code: XV{n}\n  text: 测试\n  unit_kinds: [school]\n  rules:\n"
        f"    - id: XV{n}-rule\n"
        f"      when: {{fact: incident, where: {{people: {{eq: {n}}}}}}}\n"
        for n in range(260)
    )
    vetoes = folder / "vetoes.yaml"
    vetoes.write_text(vetoes.read_text(encoding="utf-8") + extra, encoding="utf-8")
    rulebook, findings = check_rulebook_folder(folder)
    assert rulebook is None
    assert [str(finding) for finding in findings] == [
        f"error: {folder} (cangzhou-2020): 294 rules apply to school units; "
        "the rule engine accepts at most 250"
    ]


def test_engine_rejection_reported(tmp_path: Path) -> None:
    folder = tmp_path / "long-list"
    shutil.copytree(
        bundled_rules_folder() / "cangzhou-2020",
        folder,
        ignore=shutil.ignore_patterns("samples", "tests"),
    )
    numbers = ", ".join(str(n) for n in range(1, 400))
    path = folder / "vetoes.yaml"
    text = path.read_text(encoding="utf-8")
    old = "          liability: true\n          people:\n            ge: 1"
    assert old in text
    new = f"          liability: true\n          people:\n            in: [{numbers}]"
    path.write_text(text.replace(old, new), encoding="utf-8")
    rulebook, findings = check_rulebook_folder(folder)
    assert rulebook is None
    assert len(findings) == 1
    assert "the rule engine rejected the compiled rules" in str(findings[0])


def test_rate_threshold_above_one(tmp_path: Path) -> None:
    """A rate threshold outside 0…1 makes a veto always or never fire."""
    folder = tmp_path / "rate"
    shutil.copytree(
        bundled_rules_folder() / "cangzhou-2020",
        folder,
        ignore=shutil.ignore_patterns("samples", "tests"),
    )
    parameters = folder / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    assert "grid_platform_usage: 0.90" in text
    parameters.write_text(
        text.replace("grid_platform_usage: 0.90", "grid_platform_usage: 1.5"),
        encoding="utf-8",
    )
    _, findings = check_rulebook_folder(folder)
    errors = [finding for finding in findings if finding.is_error]
    assert len(errors) == 1
    message = str(errors[0])
    assert "vetoes.yaml" in message
    assert "V3" in message
    assert "grid_platform_usage = 1.5" in message
    assert "threshold in 0…1" in message
