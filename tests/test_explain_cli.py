"""``xiaoan why`` run end to end: the lines an inspector reads and the exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

SV1_WORDING = "发生杀人、抢劫、纵火、入室盗窃等重、特大刑事案件"
SV7_WORDING = "公共安全教育未做到“六落实”"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def evaluated() -> dict[str, dict[str, Any]]:
    """The JSON result of ``xiaoan evaluate`` on the sample, by unit."""
    completed = subprocess.run(
        [sys.executable, "-m", "cli.main", "evaluate", "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    return {result["unit"]: result for result in document["results"]}


@pytest.mark.parametrize("unit", ["wuqiao-edu", "yunhe-s3", "city-s08", "xinhua-edu"])
def test_why_json_matches_evaluate_json(
    capsys: pytest.CaptureFixture[str], evaluated: dict[str, Any], unit: str
) -> None:
    code, out, _ = run(capsys, "why", unit, "--format", "json")
    assert code == 0
    why = json.loads(out)
    result = evaluated[unit]
    for key in ("total", "sheet_percent", "adjusted", "schools_mean", "grade"):
        assert why[key] == result[key], key
    for loss in why["losses"]:
        assert loss["earned"] == result["items"][loss["code"]]
    assert {a["code"]: a["points"] for a in why["adjustments"]} == {
        a["rule"]: a["points"] for a in result["adjustments"]
    }
    for school in why["schools"]:
        assert school["percent"] == evaluated[school["unit"]]["sheet_percent"]


def test_why_burglary_veto_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "yunhe-s3")
    assert code == 0
    assert "等级：不合格单位（一票否决：SV1）" in out
    assert SV1_WORDING in out
    assert "事故（案件） I1：入室盗窃" in out
    assert "incidents[0]" in out
    assert "若没有一票否决，按总分应为：先进单位" in out


def test_why_burglary_veto_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "yunhe-s3", "--lang", "en")
    assert code == 0
    assert "grade: unqualified unit (vetoed by SV1)" in out
    assert SV1_WORDING in out
    assert "incident I1: burglary" in out
    assert "without the veto the total would grade: advanced unit" in out


def test_why_flag_veto_names_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "wuqiao-s5")
    assert code == 0
    assert "SV7" in out
    assert SV7_WORDING in out
    assert "公共安全教育做到“六落实”：否（flags.six_implementations_done）" in out
    code, out, _ = run(capsys, "why", "wuqiao-s5", "--lang", "en")
    assert code == 0
    assert SV7_WORDING in out
    assert "six implementations done: no (flags.six_implementations_done)" in out


def test_why_lists_most_lost_first(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "why", "yunhe-s3", "--lang", "en")
    lost = [
        float(line.split(" lost ")[1].split(":")[0])
        for line in out.splitlines()
        if line.startswith("  S") and " lost " in line
    ]
    assert len(lost) == 18
    assert lost == sorted(lost, reverse=True)


def test_why_county_sections(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "wuqiao-edu", "--lang", "en")
    assert code == 0
    assert "CA3 人身伤害、学校卫生等安全事故：-12.50" in out
    assert "counted -12.50: incident I1: other" in out
    assert "adjusted score: 79.90 (sheet percent 97.40, adjustments -17.50)" in out
    assert "wuqiao-s5 吴桥县鹏程中学: percent 87.91 (unqualified unit, vetoed)" in out
    assert "total 84.55 = 0.6 × adjusted 79.90 (47.94) + 0.4 × schools' mean" in out


def test_why_one_item(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "yunhe-s3", "--item", "S3.10", "--lang", "en")
    assert code == 0
    assert "S3.10: 3.50 of 6.00" in out
    assert "S3.10d (part of S3.10) lost 2.00" in out
    assert "S1.5" not in out


def test_why_unknown_item_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "why", "yunhe-s3", "--item", "S3.100")
    assert code == 1
    assert out == ""
    assert "'S3.100' is not an item or part code of the school sheet" in err
    assert "did you mean S3.10" in err


def test_why_unknown_unit_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "why", "yunhe-s33")
    assert code == 1
    assert out == ""
    assert "unit 'yunhe-s33' not found" in err
    assert "did you mean yunhe-s3" in err


def test_what_if_unknown_unit_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "what-if", "wuqiao-ed")
    assert code == 1
    assert "did you mean wuqiao-edu" in err


def test_why_bad_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["why", "yunhe-s3", "--format", "pdf"])
    assert raised.value.code == 2


def test_why_dot_and_graphml(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "yunhe-s3", "--format", "dot")
    assert code == 0
    assert out.startswith("digraph explanation {")
    assert '"veto:SV1"' in out
    assert "rankdir=BT" in out
    code, out, _ = run(capsys, "why", "yunhe-s3", "--format", "graphml")
    assert code == 0
    assert "<graphml" in out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_why_draws_pictures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    svg = tmp_path / "why.svg"
    png = tmp_path / "why.png"
    code, _, err = run(capsys, "why", "yunhe-s3", "--svg", str(svg), "--png", str(png))
    assert code == 0
    assert f"wrote {svg}" in err
    assert png.read_bytes().startswith(b"\x89PNG")
    text = svg.read_text(encoding="utf-8")
    assert "一票否决 SV1" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["why.png", "why.svg"]


def test_why_exit_codes_end_to_end() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "cli.main", "why", "city-s08"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0
    assert "city-s08" in ok.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "cli.main", "why", "nobody"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 1
    assert "unit 'nobody' not found" in missing.stderr


@pytest.mark.parametrize("command", ["why", "what-if"])
def test_unknown_rulebook_fails(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, err = run(capsys, command, "yunhe-s3", "--rulebook", "cangzhou-2019")
    assert code == 1
    assert out == ""
    assert "unknown rulebook 'cangzhou-2019'" in err
