"""``xiaoan batch``: results equal one process, reruns are identical, kills are safe."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.batch import county_groups, evaluate_batch
from engine.evaluate import Engine
from engine.result import UnitResult
from engine.rulebook import Rulebook
from facts.readers import read_facts
from report.firings_log import firings_line
from report.json_result import dumps, result_document
from report.summary import summarize

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "rules" / "cangzhou-2020" / "samples" / "cangzhou-2020.yaml"
OUTPUTS = (
    "results.json",
    "results.csv",
    "results.xlsx",
    "errors.csv",
    "firings.jsonl",
    "hazards.csv",
    "self_assessment.csv",
    "run.json",
)


def xiaoan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def mixed_facts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample split over two files, with bad units among good ones."""
    folder = tmp_path_factory.mktemp("facts")
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    units = data["units"]
    bad = [
        {
            "id": "bad-code",
            "kind": "school",
            "findings": [{"item": "S99", "deduct": 1}],
        },
        {"id": "lost-school", "kind": "school", "county": "no-such-edu"},
        {"id": "bad-rate", "kind": "school", "measures": {"safety_awareness_rate": 2}},
    ]
    # Counties after their schools in the second file, to test grouping.
    first = units[:40] + bad[:1]
    second = list(reversed(units[40:])) + bad[1:]
    paths = []
    for index, part in enumerate((first, second), start=1):
        path = folder / f"part{index}.yaml"
        path.write_text(
            yaml.safe_dump(
                {"rulebook": "cangzhou-2020", "units": part}, allow_unicode=True
            ),
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def test_groups_keep_county_with_schools(mixed_facts: list[Path]) -> None:
    facts = read_facts(mixed_facts)
    for group in county_groups(facts.units):
        counties = {
            facts.units[index].unit.county or facts.units[index].unit.id
            for index in group
        }
        assert len(counties) == 1


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_batch_equals_single_process(
    mixed_facts: list[Path], engine: Engine, rulebook: Rulebook, workers: int
) -> None:
    facts = read_facts(mixed_facts)
    expected = engine.evaluate(facts)
    assert len(expected.errors) >= 3
    batch = evaluate_batch(rulebook, read_facts(mixed_facts), summarize, workers)
    assert [summary.unit for summary in batch.outputs] == [
        result.unit for result in expected.results
    ]
    assert [summary.firings for summary in batch.outputs] == [
        firings_line(result) for result in expected.results
    ]
    assert [(error.unit, error.message) for error in batch.errors] == [
        (error.unit, error.message) for error in expected.errors
    ]


def test_batch_json_equals_evaluate(mixed_facts: list[Path], tmp_path: Path) -> None:
    run = xiaoan("batch", "--workers", "2", "--out", tmp_path, *mixed_facts)
    assert run.returncode == 1  # the bad units
    evaluate = xiaoan("evaluate", "--format", "json", *mixed_facts)
    assert (tmp_path / "results.json").read_text(encoding="utf-8") == evaluate.stdout


def test_batch_writes_every_output(mixed_facts: list[Path], tmp_path: Path) -> None:
    run = xiaoan("batch", "--out", tmp_path, *mixed_facts)
    for name in OUTPUTS:
        assert (tmp_path / name).is_file(), name
    assert "3 errors" in run.stderr
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig", newline="") as stream:
        errors = list(csv.DictReader(stream))
    assert sorted(row["单位代码 unit"] for row in errors) == [
        "bad-code",
        "bad-rate",
        "lost-school",
    ]
    with (tmp_path / "results.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 118
    assert (tmp_path / "results.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    record = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert record["rulebook"] == "cangzhou-2020"
    assert record["results"] == 118
    assert record["errors"] == 3
    assert record["as_of"] == "2020-12-31"
    assert [entry["files"][0]["name"] for entry in record["inputs"]] == [
        "part1.yaml",
        "part2.yaml",
    ]
    lines = (tmp_path / "firings.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 118
    entry = json.loads(lines[0])
    assert set(entry) >= {"unit", "firings", "facts", "total"}


def test_reruns_are_byte_identical(mixed_facts: list[Path], tmp_path: Path) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    xiaoan("batch", "--workers", "2", "--out", first, *mixed_facts)
    xiaoan("batch", "--workers", "3", "--out", second, *mixed_facts)
    for name in OUTPUTS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_ranking_in_results_csv(tmp_path: Path) -> None:
    xiaoan("batch", "--out", tmp_path, SAMPLE)
    with (tmp_path / "results.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    counties = [row for row in rows if row["类型 kind"] == "county_bureau"]
    assert counties[0]["排名 rank"] == "1"
    unvetoed = [row for row in counties if not row["一票否决 vetoes"]]
    totals = [float(row["总分 total"]) for row in unvetoed]
    assert totals == sorted(totals, reverse=True)
    first_vetoed = counties.index(
        next(row for row in counties if row["一票否决 vetoes"])
    )
    assert all(row["一票否决 vetoes"] for row in counties[first_vetoed:])


def test_hazard_register_as_of(tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text(
        yaml.safe_dump(
            {
                "units": [
                    {
                        "id": "s1",
                        "kind": "school",
                        "hazards": [
                            {
                                "id": "H1",
                                "found": "2020-12-01",
                                "deadline": "2020-12-20",
                            },
                            {
                                "id": "H2",
                                "found": "2020-12-01",
                                "rectified": "2020-12-05",
                            },
                            {
                                "id": "H3",
                                "found": "2020-12-10",
                                "deadline": "2021-01-31",
                            },
                            {"id": "H4", "found": "2021-02-01"},
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    xiaoan("batch", "--as-of", "2020-12-31", "--out", tmp_path / "out", facts)
    with (tmp_path / "out" / "hazards.csv").open(encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["隐患编号 hazard"] for row in rows] == ["H1", "H3"]
    assert rows[0]["逾期天数 days_overdue"] == "11"
    assert rows[0]["状态 status"] == "逾期 overdue"
    assert rows[1]["状态 status"] == "未整改 open"


def test_self_assessment_flags_gap(tmp_path: Path, make: Any) -> None:
    unit = make.school(
        "s1",
        findings=[{"item": "S3.1", "deduct": 3}],
        self_scores={"S3.1": 4, "S1.2": 1},
    )
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"units": [unit]}, default=str), encoding="utf-8")
    xiaoan("batch", "--out", tmp_path / "out", facts)
    with (tmp_path / "out" / "self_assessment.csv").open(encoding="utf-8-sig") as f:
        rows = {row["考核项 item"]: row for row in csv.DictReader(f)}
    # S3.1 is worth 4: assessed 1, self 4, a gap of 3 above the margin of 2.
    assert rows["S3.1"]["考核得分 assessed"] == "1.00"
    assert rows["S3.1"]["差值 gap"] == "3.00"
    assert rows["S3.1"]["自评偏高 flagged"] == "true"
    assert rows["S1.2"]["自评偏高 flagged"] == "false"


def _crash_on(result: UnitResult, rulebook: Rulebook) -> object:
    if result.unit == "yanshan-s1":
        os._exit(3)  # a worker dying as a crash in the C engine would
    return summarize(result, rulebook)


def test_dead_worker_loses_only_its_county(rulebook: Rulebook) -> None:
    facts = read_facts([SAMPLE])
    batch = evaluate_batch(rulebook, facts, _crash_on, workers=2)
    lost = sorted(error.unit or "" for error in batch.errors)
    yanshan = sorted(
        record.unit.id
        for record in facts.units
        if "yanshan" in (record.unit.county or record.unit.id)
    )
    assert lost == yanshan
    assert len(batch.outputs) == len(facts.units) - len(yanshan)
    assert "stopped unexpectedly" in batch.errors[0].message


def test_killed_batch_leaves_no_partial_file(
    tmp_path: Path, rulebook: Rulebook
) -> None:
    """A batch killed at any moment leaves each output whole or absent."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    units = []
    for copy in range(15):
        for unit in data["units"]:
            renamed = json.loads(json.dumps(unit, default=str))
            renamed["id"] = f"{unit['id']}-{copy}"
            if renamed.get("county"):
                renamed["county"] = f"{renamed['county']}-{copy}"
            units.append(renamed)
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"units": units}), encoding="utf-8")
    out = tmp_path / "out"
    # A complete earlier run in the folder, which the killed run overwrites.
    assert xiaoan("batch", "--out", out, SAMPLE).returncode == 0
    seen_partial = False
    for delay in (0.5, 1.0, 1.5, 2.0, 3.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "batch", "--out", str(out), str(facts)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and process.poll() is None:
            if any(path.name.endswith(".partial") for path in out.iterdir()):
                seen_partial = True
                break
            time.sleep(0.002)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        _check_whole(out)
    assert seen_partial or (out / "run.json").exists()
    # The next run removes what the killed runs left behind.
    assert xiaoan("batch", "--out", out, SAMPLE).returncode == 0
    assert not [path for path in out.iterdir() if path.name.endswith(".partial")]


def _check_whole(out: Path) -> None:
    for name in OUTPUTS:
        path = out / name
        if not path.exists():
            continue
        data = path.read_bytes()
        if name.endswith(".json"):
            json.loads(data)
        elif name.endswith(".jsonl"):
            for line in data.decode("utf-8").splitlines():
                json.loads(line)
            assert data.endswith(b"\n")
        elif name.endswith(".csv"):
            assert data.endswith(b"\r\n") or data.startswith(b"\xef\xbb\xbf")
        elif name.endswith(".xlsx"):
            import zipfile

            with zipfile.ZipFile(path) as archive:
                assert archive.testzip() is None


def test_result_document_assembly(engine: Engine, rulebook: Rulebook) -> None:
    evaluation = engine.evaluate(read_facts([SAMPLE]))
    from report.summary import results_json_text

    head = result_document(evaluation)
    head["results"] = []
    summaries = [summarize(result, rulebook) for result in evaluation.results]
    assert results_json_text(head, summaries) == dumps(result_document(evaluation))


def test_out_must_be_folder(tmp_path: Path) -> None:
    target = tmp_path / "results.txt"
    target.write_text("", encoding="utf-8")
    run = xiaoan("batch", "--out", target, SAMPLE)
    assert run.returncode == 2
    assert "expected a folder" in run.stderr


def test_progress_on_request(tmp_path: Path) -> None:
    run = xiaoan("batch", "--progress", "--out", tmp_path, SAMPLE)
    assert run.returncode == 0
    assert "118/118 units" in run.stderr


def test_no_progress_without_terminal(tmp_path: Path) -> None:
    run = xiaoan("batch", "--out", tmp_path, SAMPLE)
    assert run.returncode == 0
    assert "units  " not in run.stderr


def test_empty_units_list_warns(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("rulebook: cangzhou-2020\nunits: []\n", encoding="utf-8")
    done = xiaoan("batch", empty, SAMPLE, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert f"warning: no units were read from {empty}" in done.stderr
    assert "from " + str(SAMPLE) not in done.stderr
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert f"no units were read from {empty}" in run["warnings"]


def test_csv_outputs_neutralise_formulas(tmp_path: Path) -> None:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    units = data["units"]
    school = next(unit for unit in units if unit["kind"] == "school")
    school["name"] = "=1+2"
    school["hazards"] = [
        {
            "id": "H1",
            "item": "S1.1",
            "description": "=cmd|calc",
            "found": "2020-06-01",
        }
    ]
    facts = tmp_path / "inj.yaml"
    facts.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    done = xiaoan("batch", facts, "--out", out)
    assert "Traceback" not in done.stderr
    results = (out / "results.csv").read_text(encoding="utf-8-sig")
    hazards = (out / "hazards.csv").read_text(encoding="utf-8-sig")
    assert ",'=1+2," in results
    assert ",=1+2," not in results
    assert ",'=cmd|calc," in hazards
    # Numbers stay numbers: no quote before a digit or a minus sign of one.
    assert ",'-" not in results


def test_interrupted_pool_cancels_queued_chunks() -> None:
    from concurrent.futures import ProcessPoolExecutor

    from engine.batch import _stopping

    pool = ProcessPoolExecutor(1, multiprocessing.get_context("fork"))
    futures = []
    with pytest.raises(KeyboardInterrupt), _stopping(pool):
        futures = [pool.submit(time.sleep, 0.2) for _ in range(20)]
        futures[0].result()
        raise KeyboardInterrupt
    assert any(future.cancelled() for future in futures)
    assert all(future.done() for future in futures)


def test_ctrl_c_stops_batch_cleanly(tmp_path: Path) -> None:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    units = []
    for copy in range(15):
        for unit in data["units"]:
            renamed = json.loads(json.dumps(unit, default=str))
            renamed["id"] = f"{unit['id']}-{copy}"
            if renamed.get("county"):
                renamed["county"] = f"{renamed['county']}-{copy}"
            units.append(renamed)
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"units": units}), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cli.main", "batch", "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--progress", "--workers", "2", str(facts)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stderr is not None
    # The first progress update shows that the workers are evaluating.
    seen = b""
    while b" units " not in seen:
        byte = process.stderr.read(1)
        assert byte, "the batch ended before it showed progress"
        seen += byte
    os.killpg(process.pid, signal.SIGINT)
    rest = process.stderr.read()
    process.wait()
    stderr = (seen + rest).decode("utf-8")
    assert process.returncode == 130
    assert stderr.endswith("\ninterrupted\n")
    assert "Traceback" not in stderr
    assert not (out / "run.json").exists()
    _check_whole(out)


def test_batch_summary_singular(tmp_path: Path) -> None:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    city = [unit for unit in data["units"] if unit["kind"] == "school"]
    alone = next(unit for unit in city if not unit.get("county"))
    facts = tmp_path / "one.yaml"
    facts.write_text(
        yaml.safe_dump({"units": [alone]}, allow_unicode=True), encoding="utf-8"
    )
    done = xiaoan("batch", facts, "--out", tmp_path / "out")
    assert "evaluated 1 unit, 0 errors, " in done.stderr
