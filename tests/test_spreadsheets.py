"""Facts from Excel workbooks and CSV folders: round trips, encodings, errors."""

from __future__ import annotations

import csv
import logging
import pickle
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from engine.evaluate import Engine
from engine.rulebook import Rulebook
from facts.documents import load_document
from facts.readers import read_facts
from facts.spreadsheet_writer import write_csv_folder, write_workbook
from facts.spreadsheets import (
    SHEETS,
    CellRef,
    cell_value,
    decode_csv,
    read_spreadsheet_facts,
)
from report.json_result import result_document

SAMPLE = (
    Path(__file__).parent.parent
    / "rules"
    / "cangzhou-2020"
    / "samples"
    / "cangzhou-2020.yaml"
)


def xiaoan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def sample_units() -> list[dict[str, Any]]:
    data = load_document(SAMPLE).data
    units: list[dict[str, Any]] = data["units"]
    return units


@pytest.fixture(scope="module")
def sample_results(engine: Engine) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = result_document(
        engine.evaluate(read_facts([SAMPLE]))
    )["results"]
    return results


def fill_template(template: Path, units: list[dict[str, Any]], target: Path) -> None:
    """Fill a workbook written by ``xiaoan template`` with the units' rows."""
    from facts.spreadsheet_writer import sheet_rows

    workbook = load_workbook(template)
    rows = sheet_rows(units)
    for spec in SHEETS:
        sheet = workbook[f"{spec.label} {spec.name}"]
        for row in rows[spec.name]:
            sheet.append(
                [
                    ("是 true" if value else "否 false")
                    if isinstance(value, bool)
                    else value
                    for value in row
                ]
            )
    workbook.save(target)


def test_template_command_writes_sheets(tmp_path: Path) -> None:
    target = tmp_path / "template.xlsx"
    run = xiaoan("template", target)
    assert run.returncode == 0, run.stderr
    workbook = load_workbook(target)
    for spec in SHEETS:
        sheet = workbook[f"{spec.label} {spec.name}"]
        headers = [cell.value for cell in sheet[1]]
        assert headers == [column.header for column in spec.columns]
        assert str(sheet["A2"].value).startswith("说明")
        assert sheet.freeze_panes == "B3"
    assert workbook["lists"].sheet_state == "hidden"


def test_template_has_drop_downs(tmp_path: Path) -> None:
    target = tmp_path / "template.xlsx"
    assert xiaoan("template", target).returncode == 0
    workbook = load_workbook(target)
    units = workbook["单位 units"]
    ranges = {
        str(validation.sqref): validation.formula1
        for validation in units.data_validations.dataValidation
    }
    assert "C3:C100000" in ranges  # kind
    assert "E3:E100000" in ranges  # level
    lists = workbook["lists"]
    findings = workbook["扣分 findings"]
    item_list = [
        validation.formula1
        for validation in findings.data_validations.dataValidation
        if str(validation.sqref).startswith("C3")
    ]
    assert len(item_list) == 1
    column = item_list[0].split("!$")[1].split("$")[0]
    codes = [cell.value for cell in lists[column][1:] if cell.value]
    assert "C1" in codes
    assert "S4.1a" in codes


def test_filled_template_evaluates_as_yaml(
    tmp_path: Path,
    engine: Engine,
    sample_units: list[dict[str, Any]],
    sample_results: list[dict[str, Any]],
) -> None:
    template = tmp_path / "template.xlsx"
    assert xiaoan("template", template).returncode == 0
    filled = tmp_path / "filled.xlsx"
    fill_template(template, sample_units, filled)
    facts = read_spreadsheet_facts(filled)
    assert [error.message for error in facts.errors] == []
    assert len(facts.units) == len(sample_units)
    results = result_document(engine.evaluate(facts))["results"]
    assert results == sample_results


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_folder_evaluates_as_yaml(
    tmp_path: Path,
    encoding: str,
    engine: Engine,
    sample_units: list[dict[str, Any]],
    sample_results: list[dict[str, Any]],
) -> None:
    folder = tmp_path / "facts"
    write_csv_folder(folder, sample_units, encoding=encoding)
    facts = read_spreadsheet_facts(folder)
    assert [error.message for error in facts.errors] == []
    assert result_document(engine.evaluate(facts))["results"] == sample_results


def test_gb18030_is_not_utf8(
    tmp_path: Path, sample_units: list[dict[str, Any]]
) -> None:
    folder = tmp_path / "facts"
    write_csv_folder(folder, sample_units, encoding="gb18030")
    raw = (folder / "units.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


@pytest.mark.parametrize(
    ("payload", "encoding"),
    [
        ("\ufeff单位代码 id\n".encode(), "utf-8-sig"),
        ("单位代码 id\n".encode(), "utf-8"),
        ("单位代码 id\n".encode("gb18030"), "gb18030"),
    ],
)
def test_encoding_detection(
    tmp_path: Path, payload: bytes, encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes(payload)
    with caplog.at_level(logging.INFO, logger="facts.spreadsheets"):
        text = decode_csv(path)
    assert text == "单位代码 id\n"
    assert f"as {encoding}" in caplog.text


def test_undecodable_csv_names_file(tmp_path: Path) -> None:
    folder = tmp_path / "facts"
    folder.mkdir()
    # 0x80 is a valid byte in neither UTF-8 nor GB18030 on its own.
    (folder / "units.csv").write_bytes(b"id\n\x80\n")
    facts = read_spreadsheet_facts(folder)
    assert len(facts.errors) == 1
    message = facts.errors[0].message
    assert "units.csv" in message
    assert "GB18030" in message


def write_folder(folder: Path, files: dict[str, list[list[str]]]) -> Path:
    folder.mkdir()
    for name, rows in files.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream).writerows(rows)
    return folder


def test_bad_cell_names_sheet_row_column(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "facts",
        {
            "units": [["单位代码 id", "类型 kind"], ["s1", "school"]],
            "findings": [
                ["单位代码 unit", "考核项 item", "扣分 deduct"],
                ["s1", "S1.1", "0.3"],
            ],
        },
    )
    facts = read_spreadsheet_facts(folder)
    assert len(facts.errors) == 1
    message = facts.errors[0].message
    assert "findings.csv!C2" in message
    assert "unit s1" in message
    assert "0.5" in message


def test_unknown_column_suggests(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "facts",
        {"units": [["单位代码 id", "类型 kidn"], ["s1", "school"]]},
    )
    facts = read_spreadsheet_facts(folder)
    message = facts.errors[0].message
    assert "units.csv!B1" in message
    assert "'kind'" in message


def test_stray_csv_file_is_warning(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "facts",
        {
            "units": [["id", "kind"], ["s1", "school"]],
            "findigns": [["unit"]],
            "random": [["a", "b"]],
        },
    )
    facts = read_spreadsheet_facts(folder)
    assert facts.errors == []
    assert [record.unit.id for record in facts.units] == ["s1"]
    assert len(facts.warnings) == 2
    first, second = facts.warnings
    assert "findigns.csv" in first
    assert "'findings'" in first
    assert "random.csv" in second
    assert "units, findings" in second
    assert "skipped" in second


def test_row_for_unknown_unit(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "facts",
        {
            "units": [["id", "kind"], ["s1", "school"]],
            "not_applicable": [["unit", "item"], ["s9", "S4.3"]],
        },
    )
    facts = read_spreadsheet_facts(folder)
    assert len(facts.units) == 1
    assert "not_applicable.csv!A2" in facts.errors[0].message
    assert "s9" in facts.errors[0].message


def test_engine_error_names_cell(tmp_path: Path, engine: Engine) -> None:
    folder = write_folder(
        tmp_path / "facts",
        {
            "units": [["id", "kind", "level"], ["s1", "school", "primary"]],
            "findings": [["unit", "item", "deduct"], ["s1", "C1", "1"]],
        },
    )
    evaluation = engine.evaluate(read_spreadsheet_facts(folder))
    assert len(evaluation.errors) == 1
    assert "findings.csv!B2" in evaluation.errors[0].message


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.95, "number", Decimal("0.95")),
        (0.1 + 0.2, "number", Decimal("0.30000000000000004")),
        (3, "number", 3),
        ("0.9722", "number", "0.9722"),
        ("是 true", "bool", True),
        ("否", "bool", False),
        ("FALSE", "bool", False),
        (1, "bool", True),
        ("小学 primary", "choice", "primary"),
        (1001, "text", "1001"),
        (1001.0, "text", "1001"),
        ("2020/12/31", "date", "2020-12-31"),
    ],
)
def test_cell_values(value: object, kind: str, expected: object) -> None:
    assert cell_value(value, kind) == expected


def test_evaluate_command_reads_workbook(
    tmp_path: Path, rulebook: Rulebook, sample_units: list[dict[str, Any]]
) -> None:
    book = tmp_path / "facts.xlsx"
    write_workbook(book, list(rulebook.codes), sample_units)
    run = xiaoan("evaluate", "--format", "json", book)
    assert run.returncode == 0, run.stderr
    assert '"xinhua-edu"' in run.stdout


def test_cell_reference_pickles() -> None:
    reference = CellRef(5, "findings.csv", "D")
    copy = pickle.loads(pickle.dumps(reference))
    assert str(copy) == "findings.csv!D5"
    assert copy == 5


def test_corrupt_workbook_is_input_error(tmp_path: Path) -> None:
    fake = tmp_path / "x-fake.xlsx"
    fake.write_text("not a zip\n", encoding="utf-8")
    facts = read_spreadsheet_facts(fake)
    assert len(facts.errors) == 1
    message = facts.errors[0].message
    assert "x-fake.xlsx" in message
    assert "cannot be read as an Excel workbook" in message
    assert "save it again as .xlsx" in message


def test_truncated_workbook_keeps_other_inputs(tmp_path: Path) -> None:
    book = tmp_path / "whole.xlsx"
    assert xiaoan("template", book, "--from", SAMPLE).returncode == 0
    truncated = tmp_path / "x-trunc.xlsx"
    truncated.write_bytes(book.read_bytes()[:3000])
    done = xiaoan("evaluate", truncated, SAMPLE, "--format", "json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "x-trunc.xlsx: cannot be read as an Excel workbook" in done.stderr
    assert '"unit": "xinhua-edu"' in done.stdout


def test_xls_and_single_csv_say_what_to_pass(tmp_path: Path) -> None:
    old = tmp_path / "x-old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert ".xls is not supported; save as .xlsx" in str(
        read_facts([old]).errors[0].message
    )
    folder = write_folder(tmp_path / "facts", {"units": [["id", "kind"]]})
    message = read_facts([folder / "units.csv"]).errors[0].message
    assert "pass the folder that holds the CSV files" in message


def test_folder_without_facts_files(tmp_path: Path) -> None:
    folder = tmp_path / "d1"
    folder.mkdir()
    (folder / "base.yaml").write_text("units: []\n", encoding="utf-8")
    facts = read_facts([folder])
    assert len(facts.errors) == 1
    message = facts.errors[0].message
    assert "d1: the folder contains no facts CSV files" in message
    assert "units.csv" in message
    assert "findings.csv" in message


def test_template_keeps_formula_text(
    tmp_path: Path, sample_units: list[dict[str, Any]]
) -> None:
    unit = dict(sample_units[0], name="=1+2")
    book = tmp_path / "injt.xlsx"
    write_workbook(book, ["C1"], [unit])
    cell = load_workbook(book)["单位 units"]["B3"]
    assert cell.data_type == "s"
    assert cell.value == "=1+2"
    facts = read_spreadsheet_facts(book)
    assert facts.errors == []
    assert facts.units[0].unit.name == "=1+2"


def test_unsaved_formula_is_error(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "units"
    sheet.append(["id", "name", "kind"])
    sheet.append(["s1", "=1+2", "school"])
    book = tmp_path / "f.xlsx"
    workbook.save(book)
    facts = read_spreadsheet_facts(book)
    assert facts.units == []
    message = facts.errors[0].message
    assert "units!B2" in message
    assert "formula with no saved result" in message
    assert "'=1+2'" in message


def test_chinese_choice_words(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "c-zh",
        {
            "units": [
                ["id", "kind", "county", "level"],
                ["cx-edu", "县局", "", ""],
                ["cx-s1", "学校", "cx-edu", "小学"],
                ["cx-s2", "学校 school", "cx-edu", "初中 junior_middle"],
            ],
            "incidents": [
                ["unit", "id", "type", "severity"],
                ["cx-s1", "I1", "火灾", "一般"],
                ["cx-s2", "I2", "fire", "特大"],
            ],
        },
    )
    facts = read_spreadsheet_facts(folder)
    assert facts.errors == []
    units = {record.unit.id: record.unit for record in facts.units}
    assert units["cx-edu"].kind.value == "county_bureau"
    assert units["cx-s1"].level is not None
    assert units["cx-s1"].level.value == "primary"
    assert units["cx-s2"].level is not None
    assert units["cx-s2"].level.value == "junior_middle"
    assert units["cx-s1"].incidents[0].severity.value == "ordinary"
    assert units["cx-s2"].incidents[0].severity.value == "especially_major"


def test_choice_drop_downs_pair_words(tmp_path: Path) -> None:
    kind = SHEETS[0].column("kind")
    assert kind is not None
    assert kind.choices == ("县局 county_bureau", "学校 school")
    assert cell_value("县局", "choice") == "county_bureau"
    assert cell_value("bogus", "choice") == "bogus"


def test_row_lists_every_problem(tmp_path: Path) -> None:
    from cli.common import read_inputs

    folder = write_folder(
        tmp_path / "x-cell",
        {
            "units": [["id", "kind"], ["cx-edu", "county_bureau"]],
            "findings": [["unit", "item", "deduct"], ["cx-edu", "C99", "-2"]],
        },
    )
    inputs = read_inputs([folder], "cangzhou-2020")
    assert len(inputs.facts.errors) == 1
    message = inputs.facts.errors[0].message
    assert "findings.csv!C2" in message
    assert "findings[0].deduct" in message
    assert "findings.csv!B2" in message
    assert "unknown item code" in message
    assert "'C99'" in message
