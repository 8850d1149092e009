"""The county sample: reproducible draws, levels, small counties, audit record."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from facts.errors import FactError
from facts.readers import read_facts
from facts.sampling import RosterEntry, draw_sample, read_roster, sample_facts

LEVELS = [
    "kindergarten",
    "primary",
    "junior_middle",
    "senior_high",
    "vocational",
    "special",
]


def roster(county: str, levels: list[str]) -> list[RosterEntry]:
    return [
        RosterEntry(f"{county}-{index:03d}", f"学校{index}", county, level)
        for index, level in enumerate(levels)
    ]


def write_roster(path: Path, entries: list[RosterEntry]) -> Path:
    lines = ["学校代码 id,名称 name,所属县 county,学段 level"]
    lines += [f"{e.id},{e.name},{e.county or ''},{e.level}" for e in entries]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def levels_of(entries: list[RosterEntry], drawn: list[str]) -> Counter[str]:
    by_id = {entry.id: entry for entry in entries}
    return Counter(by_id[school].level or "" for school in drawn)


def test_same_seed_same_sample() -> None:
    entries = roster("ca", LEVELS * 5) + roster("cb", LEVELS * 3)
    first = draw_sample(entries, 42, 5, "roster.csv", "x")
    again = draw_sample(list(reversed(entries)), 42, 5, "roster.csv", "x")
    assert first.drawn == again.drawn


def test_other_seed_other_sample() -> None:
    entries = roster("ca", LEVELS * 20)
    draws = {
        tuple(draw_sample(entries, seed, 5, "r", "x").drawn["ca"]) for seed in range(10)
    }
    assert len(draws) > 1


def test_draw_has_distinct_levels() -> None:
    entries = roster("ca", LEVELS * 4)
    sample = draw_sample(entries, 1, 5, "r", "x")
    counts = levels_of(entries, sample.drawn["ca"])
    assert sum(counts.values()) == 5
    assert max(counts.values()) == 1
    assert sample.warnings == []


def test_county_draw_ignores_other_counties() -> None:
    base = roster("ca", LEVELS * 4)
    with_other = base + roster("cb", LEVELS * 2)
    assert (
        draw_sample(base, 9, 5, "r", "x").drawn["ca"]
        == draw_sample(with_other, 9, 5, "r", "x").drawn["ca"]
    )


def test_few_levels_spread_evenly() -> None:
    entries = roster("ca", ["primary"] * 6 + ["junior_middle"] * 6)
    sample = draw_sample(entries, 3, 5, "r", "x")
    counts = levels_of(entries, sample.drawn["ca"])
    assert sorted(counts.values()) == [2, 3]
    assert len(sample.warnings) == 1
    assert "2 school levels" in sample.warnings[0]


def test_few_levels_respect_level_size() -> None:
    entries = roster("ca", ["primary"] * 6 + ["special"])
    sample = draw_sample(entries, 3, 5, "r", "x")
    counts = levels_of(entries, sample.drawn["ca"])
    assert counts == Counter({"primary": 4, "special": 1})


def test_small_county_takes_all() -> None:
    entries = roster("ca", ["primary", "special", "primary"])
    sample = draw_sample(entries, 3, 5, "r", "x")
    assert sample.drawn["ca"] == sorted(entry.id for entry in entries)
    assert "only 3 schools" in sample.warnings[0]


def test_city_schools_not_drawn() -> None:
    entries = [*roster("ca", LEVELS), RosterEntry("city-1", "市直", None, "primary")]
    sample = draw_sample(entries, 3, 5, "r", "x")
    assert list(sample.drawn) == ["ca"]
    document = sample_facts(entries, sample, "cangzhou-2020")
    city = next(unit for unit in document["units"] if unit["id"] == "city-1")
    assert "sampled" not in city


def test_sample_command_records_audit(tmp_path: Path) -> None:
    entries = roster("ca", LEVELS * 3) + roster("cb", ["primary"] * 4)
    path = write_roster(tmp_path / "roster.csv", entries)
    out = tmp_path / "sample.yaml"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "sample",
            str(path),
            "--seed",
            "2020",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    record = document["sample"]
    assert record["seed"] == 2020
    assert record["roster"] == "roster.csv"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["roster_hash"] == f"sha256:{digest}"
    assert "cb" in record["note"]
    sampled = [unit["id"] for unit in document["units"] if unit.get("sampled")]
    expected = draw_sample(entries, 2020, 5, "roster.csv", digest)
    assert sampled == sorted(
        school for schools in expected.drawn.values() for school in schools
    )
    kinds = Counter(unit["kind"] for unit in document["units"])
    assert kinds == Counter({"county_bureau": 2, "school": len(entries)})
    facts = read_facts([out])
    assert facts.errors == []
    assert facts.samples[0]["seed"] == 2020


def test_roster_unknown_level(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("id,name,county,level\na,A,ca,primery\n", encoding="utf-8")
    with pytest.raises(FactError, match="primary") as raised:
        read_roster(path)
    assert "roster.csv:2" in str(raised.value)


def test_roster_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(
        "schools:\n  - {id: a, name: A, county: ca, level: primary}\n",
        encoding="utf-8",
    )
    entries, digest = read_roster(path)
    assert entries == [RosterEntry("a", "A", "ca", "primary")]
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_empty_roster_is_error(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("id,name,county,level\n", encoding="utf-8")
    with pytest.raises(FactError, match="the roster lists no schools"):
        read_roster(path)
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "sample", str(path), "--seed", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "roster.csv: the roster lists no schools" in done.stderr


def test_roster_without_level_column(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("id,name,county\ns1,一小,ca\n", encoding="utf-8")
    with pytest.raises(FactError, match="missing column level"):
        read_roster(path)


def test_sample_prints_warnings_and_plurals(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("id,name,county,level\na,A,ca,primary\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "sample", str(path), "--seed", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: county ca: only 1 school, fewer than" in done.stderr
    assert "drew 1 school in 1 county with seed 1; 1 warning\n" in done.stderr


@pytest.mark.parametrize("suffix", [".txt", ".csv", ""])
def test_sample_out_suffix_checked(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("id,name,county,level\na,A,ca,primary\n", encoding="utf-8")
    target = tmp_path / f"s{suffix}"
    command = [sys.executable, "-m", "cli.main", "sample", str(path)]
    done = subprocess.run(
        [*command, "--seed", "1", "--out", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert ".yaml, .yml or .json" in done.stderr
    assert not target.exists()


def test_roster_chinese_levels(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,name,county,level\na,A,ca,小学\nb,B,ca,初中 junior_middle\n",
        encoding="utf-8",
    )
    entries, _ = read_roster(path)
    assert [entry.level for entry in entries] == ["primary", "junior_middle"]
