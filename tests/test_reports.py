"""Batch writers: atomic files, exact numbers, ranking, the streamed workbook."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.evaluate import Engine
from engine.result import round_half_up, shown_text
from engine.rulebook import Rulebook
from facts.readers import read_facts
from report.atomic import atomic_text, remove_stale_temporaries
from report.csv_result import csv_cell, ranked
from report.firings_log import exact_text, firings_entry, firings_line
from report.json_result import unit_document
from report.summary import UnitSummary, indented_json, summarize, unit_json
from report.xlsx_stream import StreamingWorkbook

SAMPLE = (
    Path(__file__).parent.parent
    / "rules"
    / "cangzhou-2020"
    / "samples"
    / "cangzhou-2020.yaml"
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(7, 2), "3.5"),
        (Fraction(-1, 20), "-0.05"),
        (Fraction(1, 3), "1/3"),
        (Fraction(-2, 3), "-2/3"),
        (Fraction(40), "40"),
        (Fraction(9722, 10000), "0.9722"),
    ],
)
def test_exact_text(value: Fraction, text: str) -> None:
    assert exact_text(value) == text
    assert Fraction(text) == value


def test_atomic_write_keeps_old_file_on_error(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_text(path) as stream:
        stream.write("half")
        raise RuntimeError("writer failed")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert list(tmp_path.iterdir()) == [path]


def test_stale_temporaries_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".results.json.x1.partial"
    stale.write_text("{", encoding="utf-8")
    keep = tmp_path / "notes.partial.txt"
    keep.write_text("mine", encoding="utf-8")
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert keep.exists()


@pytest.mark.parametrize(
    "value",
    [
        Fraction(871, 10),
        Fraction(90),
        Fraction(-5),
        Fraction(1, 3),
        Fraction(-1, 300),
        Fraction(17999, 200),
        Fraction(-2, 3),
        Fraction(1, 20000),
        Fraction(10**16, 3),
    ],
)
@pytest.mark.parametrize("places", [0, 1, 2, 4, 6])
def test_shown_text_is_the_float_text(value: Fraction, places: int) -> None:
    assert shown_text(value, places) == repr(float(round_half_up(value, places)))


@pytest.mark.parametrize("places", [0, 2, 3])
def test_unit_json_is_the_indented_document(engine: Engine, places: int) -> None:
    evaluation = engine.evaluate(read_facts([SAMPLE]))
    assert any(result.adjustments for result in evaluation.results)
    for result in evaluation.results:
        expected = indented_json(unit_document(result, places), "    ")
        assert unit_json(result, places, "    ") == expected


def test_firings_line_is_the_compact_entry(engine: Engine) -> None:
    evaluation = engine.evaluate(read_facts([SAMPLE]))
    assert any(result.firings for result in evaluation.results)
    for result in evaluation.results:
        entry = firings_entry(result)
        expected = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        assert firings_line(result) == expected


@pytest.fixture(scope="module")
def summaries(rulebook: Rulebook, engine: Engine) -> list[UnitSummary]:
    evaluation = engine.evaluate(read_facts([SAMPLE]))
    return [summarize(result, rulebook) for result in evaluation.results]


def test_ranking_shares_ties(summaries: list[UnitSummary]) -> None:
    schools = [s for s in summaries if s.kind == "school" and not s.vetoed][:3]
    tied = [dataclasses.replace(s, total=Decimal("88.00")) for s in schools]
    ranks = [rank for rank, _ in ranked(tied)]
    assert ranks == [1, 1, 1]
    order = [summary.unit for _, summary in ranked(tied)]
    assert order == sorted(order)


def test_ranking_puts_vetoed_last(summaries: list[UnitSummary]) -> None:
    counties = [s for _, s in ranked(summaries) if s.kind == "county_bureau"]
    flags = [s.vetoed for s in counties]
    assert flags == sorted(flags)
    assert any(flags)


def test_streamed_workbook_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    workbook = StreamingWorkbook(path)
    workbook.add_sheet(
        "排名 ranking",
        ["单位 unit", "总分 total", "次数 count"],
        [
            ["a&b <c>", Decimal("87.10"), 3],
            ["bell\x07", None, 0],
            ["'quoted'", Decimal("-1.5"), 2],
        ],
    )
    workbook.add_sheet("a/b:c", ["x"], [])
    workbook.close()
    book = load_workbook(path)
    assert book.sheetnames == ["排名 ranking", "a b c"]
    sheet = book["排名 ranking"]
    assert [cell.value for cell in sheet[1]] == [
        "单位 unit",
        "总分 total",
        "次数 count",
    ]
    assert sheet["A2"].value == "a&b <c>"
    assert sheet["B2"].value == pytest.approx(87.1)
    assert sheet["B2"].number_format == "0.00"
    assert sheet["A3"].value == "bell"
    assert sheet["C3"].value == 0
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C4"
    assert sheet["A1"].font.b


def test_streamed_workbook_same_bytes(tmp_path: Path) -> None:
    contents = []
    for name in ("one.xlsx", "two.xlsx"):
        workbook = StreamingWorkbook(tmp_path / name)
        workbook.add_sheet("s", ["a"], [[Decimal("1.00")], ["x"]])
        workbook.close()
        contents.append((tmp_path / name).read_bytes())
    assert contents[0] == contents[1]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("=1+2", "'=1+2"),
        ("+86 123", "'+86 123"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("沧县一小", "沧县一小"),
        ("a=b", "a=b"),
        (Decimal("-5.00"), "-5.00"),
        (-3, "-3"),
        (None, ""),
        (True, "true"),
    ],
)
def test_csv_cell_neutralises_formulas(value: object, text: str) -> None:
    assert csv_cell(value) == text  # type: ignore[arg-type]
