"""`xiaoan rules test`: the bundled cases pass and cover every rule; broken copies fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.main import main
from engine.casefile import case_files, format_report, rule_ids, run_case_files
from engine.errors import RulebookError
from engine.library import load_rulebook
from engine.rulebook import bundled_rules_folder, load_rulebook_folder

BUNDLED = ["cangzhou-2020", "cangzhou-2021-draft"]


def copy_of(tmp_path: Path, rulebook_id: str = "cangzhou-2020") -> Path:
    folder = tmp_path / rulebook_id
    shutil.copytree(bundled_rules_folder() / rulebook_id, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("rulebook_id", BUNDLED)
def test_bundled_cases_pass(rulebook_id: str) -> None:
    rulebook = load_rulebook(rulebook_id)
    assert rulebook.folder is not None
    report = run_case_files(rulebook, case_files(rulebook.folder))
    assert report.errors == []
    assert [outcome.name for outcome in report.failures] == []
    assert report.passed, format_report(report)


@pytest.mark.parametrize("rulebook_id", BUNDLED)
def test_bundled_cases_cover_every_rule(rulebook_id: str) -> None:
    rulebook = load_rulebook(rulebook_id)
    assert rulebook.folder is not None
    report = run_case_files(rulebook, case_files(rulebook.folder))
    assert report.never_fired == []
    assert set(rule_ids(rulebook)) <= report.fired
    assert len(rule_ids(rulebook)) == 54


def test_changed_points_fail_readably(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    edit(
        folder / "adjustments.yaml",
        "      points: -5\n      text: 诱发赴省上访一次扣5分",
        "      points: -6\n      text: 诱发赴省上访一次扣5分",
    )
    report = run_case_files(load_rulebook_folder(folder), case_files(folder))
    assert not report.passed
    assert [outcome.name for outcome in report.failures] == [
        "petitions deduct per petition by level, and bad influence is a veto"
    ]
    text = format_report(report)
    assert "FAIL " in text
    assert f"{folder / 'tests' / 'county.yaml'}:" in text
    assert "  unit individual-edu\n" in text
    assert "    adjustments.CA2: expected -15.00, actual -16.00\n" in text
    assert "    adjusted: expected 85.00, actual 84.00\n" in text
    assert "    total: expected 91.00, actual 90.40\n" in text
    assert "22 of 23 cases passed" in text


def test_changed_cutoff_shows_grade(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    edit(folder / "parameters.yaml", "    at_least: 90", "    at_least: 91")
    report = run_case_files(load_rulebook_folder(folder), case_files(folder))
    text = format_report(report)
    assert "    grade: expected advanced, actual qualified\n" in text


def test_uncovered_rule_fails_run(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    (folder / "tests" / "school-vetoes.yaml").unlink()
    report = run_case_files(load_rulebook_folder(folder), case_files(folder))
    assert report.failures == []
    assert "SV1-major-crime" in report.never_fired
    assert not report.passed
    assert "not covered" in format_report(report)


def test_chosen_file_skips_coverage(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    rulebook = load_rulebook_folder(folder)
    report = run_case_files(
        rulebook, [folder / "tests" / "school-sheet.yaml"], require_coverage=False
    )
    assert report.never_fired
    assert report.passed


def test_bad_case_file_located(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    path = folder / "tests" / "broken.yaml"
    path.write_text(
        "cases:\n"
        "  - name: misspelt expectation\n"
        "    units: []\n"
        "    expect:\n"
        "      some-unit: {totl: 100}\n",
        encoding="utf-8",
    )
    report = run_case_files(load_rulebook_folder(folder), [path])
    assert len(report.errors) == 1
    message = report.errors[0].message
    assert f"{path}:5:" in message
    assert "unknown field 'totl'" in message
    assert "did you mean 'total'?" in message


def test_case_fact_error_has_line(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    path = folder / "tests" / "fact-error.yaml"
    path.write_text(
        "cases:\n"
        "  - name: a rate above 1\n"
        "    units:\n"
        "      - id: s1\n"
        "        name: 学校\n"
        "        kind: school\n"
        "        level: primary\n"
        "        measures: {safety_awareness_rate: 1.5}\n"
        "    expect:\n"
        "      s1: {total: 100}\n",
        encoding="utf-8",
    )
    report = run_case_files(load_rulebook_folder(folder), [path])
    [failure] = report.failures
    [difference] = failure.differences
    assert difference.field == "result"
    assert f"{path}:8" in difference.actual
    assert "safety_awareness_rate" in difference.actual


def test_expected_error_not_raised(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    path = folder / "tests" / "no-error.yaml"
    path.write_text(
        "cases:\n"
        "  - name: expects an error that does not come\n"
        "    units:\n"
        "      - id: s1\n"
        "        name: 学校\n"
        "        kind: school\n"
        "        level: primary\n"
        "    expect:\n"
        "      s1: {error_contains: deduction}\n",
        encoding="utf-8",
    )
    report = run_case_files(load_rulebook_folder(folder), [path])
    [failure] = report.failures
    assert str(failure.differences[0]) == (
        "error: expected an error containing 'deduction', "
        "actual the unit evaluated without error"
    )


def test_cli_test_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "test", "cangzhou-2020"]) == 0
    out = capsys.readouterr().out
    assert "23 of 23 cases passed for rulebook cangzhou-2020" in out
    assert "coverage: 54 of 54 rule ids fired" in out


def test_cli_test_fails_on_broken_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(tmp_path)
    edit(
        folder / "measures.yaml",
        "  target: 0.50\n  points: 2",
        "  target: 0.60\n  points: 2",
    )
    assert main(["rules", "test", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "unit blend-edu" in out
    assert "items.C23c: expected 1.00, actual 0.83" in out


def test_cli_test_without_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(tmp_path)
    shutil.rmtree(folder / "tests")
    assert main(["rules", "test", str(folder)]) == 1
    assert "has no test cases" in capsys.readouterr().err


def test_cli_test_broken_rulebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(tmp_path)
    edit(folder / "parameters.yaml", "county_own_weight: 0.6", "county_own_weight: 1")
    assert main(["rules", "test", str(folder)]) == 1
    assert "county_own_weight" in capsys.readouterr().err


def test_rule_ids_in_file_order() -> None:
    ids = rule_ids(load_rulebook("cangzhou-2020"))
    assert ids[:2] == ["NA-boarding", "NA-canteen"]
    assert ids[-1] == "SV14-dual-prevention"
    assert len(ids) == len(set(ids))


def test_missing_case_file_is_error(tmp_path: Path) -> None:
    rulebook = load_rulebook("cangzhou-2020")
    report = run_case_files(rulebook, [tmp_path / "absent.yaml"])
    assert not report.passed
    assert "file not found" in report.errors[0].message
    assert isinstance(report.errors[0], RulebookError)


def test_too_precise_expectation_explained(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    path = folder / "tests" / "precise.yaml"
    path.write_text(
        "cases:\n"
        "  - name: an expectation with three decimal places\n"
        "    units:\n"
        "      - id: s1\n"
        "        name: 学校\n"
        "        kind: school\n"
        "        level: primary\n"
        "    expect:\n"
        "      s1: {total: 99.333}\n",
        encoding="utf-8",
    )
    report = run_case_files(load_rulebook_folder(folder), [path])
    [failure] = report.failures
    [difference] = failure.differences
    assert difference.expected == (
        "99.333 (more than 2 decimal places; write the figure as shown)"
    )
