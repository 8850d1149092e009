"""Which rulebook a run uses when facts files name one, several or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.common import read_inputs
from engine.library import resolve_rulebook


def write_facts(path: Path, rulebook: str | None, unit_id: str) -> Path:
    header = f"rulebook: {rulebook}\n" if rulebook else ""
    path.write_text(header + f"units:\n  - {{id: {unit_id}, kind: school}}\n", "utf-8")
    return path


def test_files_naming_other_rulebook_rejected(tmp_path: Path) -> None:
    """A file naming another known rulebook fails; the first file's evaluates."""
    first = write_facts(tmp_path / "a.yaml", "cangzhou-2020", "school-a")
    second = write_facts(tmp_path / "b.yaml", "cangzhou-2021-draft", "school-b")
    inputs = read_inputs([first, second], None)
    assert inputs.rulebook is not None
    assert inputs.rulebook.id == "cangzhou-2020"
    assert [record.unit.id for record in inputs.facts.units] == ["school-a"]
    assert [error.unit for error in inputs.errors] == [None, "school-b"]
    assert "names rulebook cangzhou-2021-draft, not cangzhou-2020" in (
        inputs.errors[0].message
    )
    assert "pass --rulebook" in inputs.errors[1].message


def test_rulebook_option_takes_every_file(tmp_path: Path) -> None:
    first = write_facts(tmp_path / "a.yaml", "cangzhou-2020", "school-a")
    second = write_facts(tmp_path / "b.yaml", "cangzhou-2021-draft", "school-b")
    inputs = read_inputs([first, second], "cangzhou-2021-draft")
    assert inputs.errors == []
    assert [record.unit.id for record in inputs.facts.units] == [
        "school-a",
        "school-b",
    ]
    assert any("overrides" in warning for warning in inputs.warnings)


def test_file_without_key_uses_default(tmp_path: Path) -> None:
    plain = write_facts(tmp_path / "a.yaml", None, "school-a")
    inputs = read_inputs([plain], None)
    assert inputs.rulebook is not None
    assert inputs.rulebook.id == "cangzhou-2020"
    assert any("name no rulebook" in warning for warning in inputs.warnings)


def test_unreadable_file_gives_no_rulebook_warning(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("units: [\n", "utf-8")
    inputs = read_inputs([broken], None)
    assert inputs.warnings == []
    assert inputs.facts.errors[0].unit is None


def test_bundled_id_wins_over_local_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder named like a bundled rulebook in the current folder is not used."""
    (tmp_path / "cangzhou-2020").mkdir()
    (tmp_path / "cangzhou-2020" / "rulebook.yaml").write_text("id: local\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    resolved = resolve_rulebook("cangzhou-2020")
    assert resolved != Path("cangzhou-2020")
    assert (resolved / "sheets.yaml").is_file()
    assert resolve_rulebook("./cangzhou-2020") == Path("cangzhou-2020")
