"""Output paths: clear errors for paths that cannot be written, usual modes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from report.atomic import OutputError, atomic_path, prepare_folder

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "rules" / "cangzhou-2020" / "samples" / "cangzhou-2020.yaml"
# /proc accepts no new entries, even for root, so these paths always fail.
UNWRITABLE = Path("/proc/nope")


def xiaoan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def write_roster(path: Path) -> Path:
    lines = ["id,name,county,level"]
    lines += [f"s{index},学校{index},ca,primary" for index in range(3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_clean_error(done: subprocess.CompletedProcess[str], path: Path) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"error: cannot write {path}: " in done.stderr


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_batch_unwritable_out_fails_first() -> None:
    done = xiaoan("batch", SAMPLE, "--out", UNWRITABLE)
    assert_clean_error(done, UNWRITABLE)
    assert "no such file or directory" in done.stderr
    # The check comes before the evaluation, which would print a summary.
    assert "evaluated" not in done.stderr


def test_batch_out_is_file(tmp_path: Path) -> None:
    existing = tmp_path / "base.yaml"
    existing.write_text("x\n", encoding="utf-8")
    done = xiaoan("batch", SAMPLE, "--out", existing)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(existing) in done.stderr


def test_template_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "nonexist" / "f.xlsx"
    assert_clean_error(xiaoan("template", target), target)


def test_template_csv_onto_file(tmp_path: Path) -> None:
    existing = tmp_path / "base.yaml"
    existing.write_text("x\n", encoding="utf-8")
    done = xiaoan("template", existing, "--csv")
    assert_clean_error(done, existing)
    assert "expected a folder" in done.stderr


def test_sample_missing_folder(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv")
    target = tmp_path / "nonexist" / "u.yaml"
    done = xiaoan("sample", roster, "--seed", "1", "--out", target)
    assert_clean_error(done, target)


def test_schema_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "nonexist" / "s.json"
    assert_clean_error(xiaoan("rules", "schema", "-o", target), target)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_rules_new_unwritable_into() -> None:
    done = xiaoan("rules", "new", "zz", "--from", "cangzhou-2020", "--into", "/proc")
    assert_clean_error(done, Path("/proc"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
def test_why_png_names_target(tmp_path: Path) -> None:
    target = tmp_path / "nonexist" / "a.png"
    done = xiaoan("why", "xinhua-edu", "--png", target)
    assert_clean_error(done, target)
    assert ".partial" not in done.stderr


def test_atomic_path_names_target(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.json"
    with pytest.raises(OutputError) as raised, atomic_path(target):
        pass
    assert str(raised.value) == f"cannot write {target}: no such file or directory"


def test_prepare_folder_rejects_file(tmp_path: Path) -> None:
    existing = tmp_path / "file"
    existing.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="expected a folder"):
        prepare_folder(existing)


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
def test_why_picture_mode_follows_umask(tmp_path: Path) -> None:
    picture = tmp_path / "a.svg"
    assert xiaoan("why", "xinhua-edu", "--svg", picture).returncode == 0
    assert mode(picture) == 0o666 & ~current_umask()


def test_schema_file_mode_follows_umask(tmp_path: Path) -> None:
    schema = tmp_path / "s.json"
    assert xiaoan("rules", "schema", "-o", schema).returncode == 0
    assert mode(schema) == 0o666 & ~current_umask()


def test_rules_new_folder_mode_follows_umask(tmp_path: Path) -> None:
    done = xiaoan("rules", "new", "zz", "--from", "cangzhou-2020", "--into", tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "zz") == 0o777 & ~current_umask()
