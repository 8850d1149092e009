"""``xiaoan evaluate`` run end to end through the installed entry point."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.rulebook import bundled_rules_folder

FACTS = Path(__file__).parent / "fixtures" / "facts"
SAMPLE = bundled_rules_folder() / "cangzhou-2020" / "samples" / "cangzhou-2020.yaml"
GRADES = {"advanced", "qualified", "unqualified"}
# A table row: position, unit id, name, then the kind label.
ROW = re.compile(r"^\s*\d+\s+(?P<unit>\S+)\s+.*?\s(?P<kind>county 县局|school 学校)\s")


def xiaoan_path() -> str:
    found = shutil.which("xiaoan")
    if found is not None:
        return found
    beside = Path(sys.executable).parent / "xiaoan"
    assert beside.is_file(), "the xiaoan entry point is not installed"
    return str(beside)


def xiaoan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [xiaoan_path(), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def sample_unit_ids() -> list[str]:
    data = yaml.safe_load(SAMPLE.read_text("utf-8"))
    return [unit["id"] for unit in data["units"]]


@pytest.fixture(scope="module")
def table_run() -> subprocess.CompletedProcess[str]:
    return xiaoan("evaluate")


@pytest.fixture(scope="module")
def json_run() -> subprocess.CompletedProcess[str]:
    return xiaoan("evaluate", "--format", "json")


def test_sample_has_118_units() -> None:
    assert len(sample_unit_ids()) == 118


def test_table_exit_code(table_run: subprocess.CompletedProcess[str]) -> None:
    assert table_run.returncode == 0, table_run.stderr
    assert "error" not in table_run.stderr


def test_table_lists_every_unit(table_run: subprocess.CompletedProcess[str]) -> None:
    rows = [ROW.match(line) for line in table_run.stdout.splitlines()]
    units = [row["unit"] for row in rows if row]
    assert len(units) == 118
    assert sorted(units) == sorted(sample_unit_ids())


def test_table_county_bureaus_first(
    table_run: subprocess.CompletedProcess[str],
) -> None:
    rows = [ROW.match(line) for line in table_run.stdout.splitlines()]
    kinds = [row["kind"] for row in rows if row]
    counties = kinds.count("county 县局")
    assert counties == 18
    assert kinds[:counties] == ["county 县局"] * counties
    assert kinds[counties:] == ["school 学校"] * (118 - counties)


def test_table_rows_have_grades(table_run: subprocess.CompletedProcess[str]) -> None:
    for line in table_run.stdout.splitlines():
        if ROW.match(line):
            words = set(line.split())
            assert words & GRADES, line


def test_json_document(json_run: subprocess.CompletedProcess[str]) -> None:
    assert json_run.returncode == 0, json_run.stderr
    document = json.loads(json_run.stdout)
    assert document["rulebook"] == "cangzhou-2020"
    assert document["errors"] == []
    assert len(document["results"]) == 118


def test_json_results_in_input_order(
    json_run: subprocess.CompletedProcess[str],
) -> None:
    results = json.loads(json_run.stdout)["results"]
    assert [result["unit"] for result in results] == sample_unit_ids()


def test_json_result_fields(json_run: subprocess.CompletedProcess[str]) -> None:
    results: list[dict[str, Any]] = json.loads(json_run.stdout)["results"]
    for result in results:
        assert result["grade"] in GRADES
        assert result["vetoes"] == sorted(result["vetoes"])
        assert result["not_applicable"] == sorted(result["not_applicable"])
        if result["vetoes"]:
            assert result["grade"] == "unqualified"
        if result["kind"] == "school":
            assert result["adjusted"] is None
            assert result["schools_mean"] is None
        else:
            assert isinstance(result["schools_mean"], float)


def test_bad_unit_table(tmp_path: Path) -> None:
    run = xiaoan("evaluate", FACTS / "unknown_item.yaml")
    assert run.returncode == 1
    assert "good-school" in run.stdout
    assert "bad-school" not in run.stdout
    errors = [line for line in run.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1
    assert "unit bad-school" in errors[0]
    assert "findings[0].item" in errors[0]
    assert "S9.9" in errors[0]


def test_bad_unit_json() -> None:
    run = xiaoan("evaluate", FACTS / "unknown_item.yaml", "--format", "json")
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert [result["unit"] for result in document["results"]] == ["good-school"]
    assert len(document["errors"]) == 1
    assert document["errors"][0]["unit"] == "bad-school"
    assert "S9.9" in document["errors"][0]["message"]


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nonsense"],
        ["evaluate", "--format", "xml"],
        ["evaluate", "--no-such-option"],
    ],
    ids=["no command", "unknown command", "unknown format", "unknown option"],
)
def test_wrong_command_line(args: list[str]) -> None:
    run = xiaoan(*args)
    assert run.returncode == 2
    assert "usage: xiaoan" in run.stderr
    assert run.stdout == ""


def test_rulebook_option_overrides_with_warning(tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    text = (FACTS / "unknown_rulebook.yaml").read_text("utf-8")
    facts.write_text(text, "utf-8")
    run = xiaoan("evaluate", facts, "--rulebook", "cangzhou-2020", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert "--rulebook cangzhou-2020 overrides" in run.stderr
    assert "cangzhou-2002" in run.stderr
    document = json.loads(run.stdout)
    assert [result["unit"] for result in document["results"]] == ["good-school"]
    assert any("overrides" in warning for warning in document["warnings"])


def test_unknown_rulebook_json() -> None:
    run = xiaoan("evaluate", FACTS / "unknown_rulebook.yaml", "--format", "json")
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document["results"] == []
    error = document["errors"][0]
    assert error["unit"] is None
    assert "unknown rulebook 'cangzhou-2002'" in error["message"]
    assert "unknown_rulebook.yaml" in error["message"]
    failed_units = [error["unit"] for error in document["errors"][1:]]
    assert failed_units == ["good-school"]


def test_missing_facts_file() -> None:
    run = xiaoan("evaluate", "no-such-facts.yaml", "--format", "json")
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document["errors"][0]["unit"] is None
    assert "no-such-facts.yaml" in document["errors"][0]["message"]
    assert "not found" in document["errors"][0]["message"]


def test_unknown_option_shows_command_usage() -> None:
    run = xiaoan("evaluate", "--bogus")
    assert run.returncode == 2
    assert "usage: xiaoan evaluate" in run.stderr
    assert "unrecognized arguments: --bogus" in run.stderr


def test_why_without_unit_names_unit_only() -> None:
    run = xiaoan("why")
    assert run.returncode == 2
    assert "required: UNIT" in run.stderr
    assert "FACTS" not in run.stderr.splitlines()[-1]
