"""Rulebook editions: content hashes, copies, reloads in one process, the schema."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from cli.common import sample_files
from cli.main import main
from engine.cache import EngineCache
from engine.edition import copy_rulebook
from engine.errors import EngineError, RulebookError
from engine.evaluate import Engine
from engine.library import load_rulebook
from engine.rulebook import bundled_rules_folder, load_rulebook_folder
from engine.schema import schema_text
from facts.readers import facts_from_data, read_facts
from report.json_result import result_document

SCHEMA_FILE = Path(__file__).parent.parent / "docs" / "rulebook.schema.json"


def copy_of(tmp_path: Path, rulebook_id: str = "cangzhou-2020") -> Path:
    folder = tmp_path / rulebook_id
    shutil.copytree(bundled_rules_folder() / rulebook_id, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def one_school(rate: str) -> dict[str, object]:
    """Facts of one city-direct school with the given grid platform usage rate."""
    return {
        "units": [
            {
                "id": "s1",
                "name": "学校",
                "kind": "school",
                "level": "primary",
                "measures": {"grid_platform_usage_rate": rate},
            }
        ]
    }


# --- content hash -------------------------------------------------------------


def test_hash_ignores_samples_and_tests(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    before = load_rulebook_folder(folder).content_hash
    sample = folder / "samples" / "cangzhou-2020.yaml"
    sample.write_text(
        sample.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8"
    )
    shutil.rmtree(folder / "tests")
    (folder / "parameters.yaml").write_text(
        "# a comment only\n" + (folder / "parameters.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert load_rulebook_folder(folder).content_hash == before


def test_hash_follows_rules(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    before = load_rulebook_folder(folder).content_hash
    edit(
        folder / "parameters.yaml",
        "grid_platform_usage: 0.90",
        "grid_platform_usage: 0.91",
    )
    after = load_rulebook_folder(folder).content_hash
    assert after != before
    assert after.startswith("sha256:")
    assert len(after) == len("sha256:") + 64


def test_result_records_id_and_hash() -> None:
    rulebook = load_rulebook("cangzhou-2020")
    evaluation = Engine(rulebook).evaluate(
        facts_from_data(one_school("1"), Path("facts.yaml"))
    )
    document = result_document(evaluation)
    assert document["rulebook"] == "cangzhou-2020"
    assert document["rulebook_hash"] == rulebook.content_hash


# --- edits in one process -----------------------------------------------------


def test_edit_and_reload_uses_new_rules(tmp_path: Path) -> None:
    """A rulebook edited on disk and reloaded evaluates with the edited rules."""
    folder = copy_of(tmp_path)
    facts = facts_from_data(one_school("0.92"), tmp_path / "facts.yaml")
    first = Engine(load_rulebook_folder(folder)).evaluate(facts)
    assert first.results[0].vetoes == []

    edit(
        folder / "parameters.yaml",
        "grid_platform_usage: 0.90",
        "grid_platform_usage: 0.95",
    )
    second = Engine(load_rulebook_folder(folder)).evaluate(facts)
    assert second.results[0].vetoes == ["V3"]
    assert second.rulebook_hash != first.rulebook_hash


def test_cache_follows_edits(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    facts = facts_from_data(one_school("0.92"), tmp_path / "facts.yaml")
    cache = EngineCache(capacity=2)
    original = load_rulebook_folder(folder)
    assert cache.evaluate(original, facts).results[0].vetoes == []
    # A reload of unchanged files has the same hash and reuses the engine.
    assert cache.engine_for(load_rulebook_folder(folder)) is cache.engine_for(original)

    edit(
        folder / "parameters.yaml",
        "grid_platform_usage: 0.90",
        "grid_platform_usage: 0.95",
    )
    edited = load_rulebook_folder(folder)
    assert cache.evaluate(edited, facts).results[0].vetoes == ["V3"]
    assert cache.engine_for(edited) is not cache.engine_for(original)
    assert len(cache) == 2


def test_cache_closes_evicted_engine(tmp_path: Path) -> None:
    folder = copy_of(tmp_path)
    facts = facts_from_data(one_school("0.92"), tmp_path / "facts.yaml")
    cache = EngineCache(capacity=1)
    first = cache.engine_for(load_rulebook_folder(folder))
    edit(
        folder / "parameters.yaml",
        "grid_platform_usage: 0.90",
        "grid_platform_usage: 0.95",
    )
    second = cache.engine_for(load_rulebook_folder(folder))
    assert len(cache) == 1
    assert second.evaluate(facts).results[0].vetoes == ["V3"]
    evaluation = first.evaluate(facts)
    assert evaluation.results == []
    assert "was closed" in evaluation.errors[0].message


def test_cache_capacity_checked() -> None:
    with pytest.raises(ValueError, match="capacity must be 1 or more"):
        EngineCache(capacity=0)


def test_cache_clear_closes_all(tmp_path: Path) -> None:
    cache = EngineCache()
    engine = cache.engine_for(load_rulebook("cangzhou-2020"))
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(EngineError, match="was closed"):
        engine.session.host.get_ruleset("anything")


# --- rules new ----------------------------------------------------------------


def test_new_copies_rules_and_tests(tmp_path: Path) -> None:
    source = load_rulebook("cangzhou-2020")
    target = copy_rulebook(source, "cangzhou-2022", tmp_path)
    assert target == tmp_path / "cangzhou-2022"
    copy = load_rulebook_folder(target)
    assert copy.id == "cangzhou-2022"
    assert copy.metadata.derives_from == "cangzhou-2020"
    assert copy.codes.keys() == source.codes.keys()
    assert copy.content_hash != source.content_hash
    assert not (target / "samples").exists()
    assert sorted(path.name for path in (target / "tests").iterdir()) == [
        "county.yaml",
        "school-sheet.yaml",
        "school-vetoes.yaml",
    ]
    # Comments survive, so the copy stays as readable as its source.
    assert "# Numbers the notice leaves open" in (target / "parameters.yaml").read_text(
        encoding="utf-8"
    )


def test_new_refuses_existing(tmp_path: Path) -> None:
    source = load_rulebook("cangzhou-2020")
    copy_rulebook(source, "twice", tmp_path)
    with pytest.raises(RulebookError, match="already exists"):
        copy_rulebook(source, "twice", tmp_path)


def test_new_refuses_bad_id(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="invalid rulebook id 'Bad Id'"):
        copy_rulebook(load_rulebook("cangzhou-2020"), "Bad Id", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cli_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["rules", "new", "trial", "--from", "cangzhou-2020", "--into", str(tmp_path)]
    )
    assert code == 0
    assert "created rulebook trial" in capsys.readouterr().out
    assert main(["rules", "test", str(tmp_path / "trial")]) == 0


def test_cli_new_unknown_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["rules", "new", "x", "--from", "nowhere", "--into", str(tmp_path)])
    assert code == 1
    assert "unknown rulebook 'nowhere'" in capsys.readouterr().err


# --- the 2021 draft -----------------------------------------------------------


def test_draft_metadata() -> None:
    draft = load_rulebook("cangzhou-2021-draft")
    assert draft.metadata.derives_from == "cangzhou-2020"
    assert draft.metadata.year == 2021
    assert draft.metadata.effective is not None
    assert draft.metadata.effective.start == dt.date(2021, 1, 1)
    assert "征求意见稿" in draft.metadata.document
    assert draft.parameters.grades[0].at_least == 85
    assert draft.parameters.thresholds["grid_platform_usage"] == Fraction(95, 100)
    assert "S2.18" not in draft.codes
    assert draft.codes["S4.14"].points == 2
    school = next(sheet for sheet in draft.model.sheets if sheet.id == "school")
    assert school.total == 150


def test_draft_evaluates_sample() -> None:
    draft = load_rulebook("cangzhou-2021-draft")
    assert draft.folder is not None
    facts = read_facts(sample_files(draft.folder))
    evaluation = Engine(draft).evaluate(facts)
    assert evaluation.errors == []
    assert len(evaluation.results) == 118
    assert evaluation.rulebook_id == "cangzhou-2021-draft"
    grades = {result.grade for result in evaluation.results}
    assert grades == {"advanced", "qualified", "unqualified"}
    for result in evaluation.results:
        if result.grade == "advanced":
            assert result.total >= 85
            assert not result.vetoes


# --- the schema ---------------------------------------------------------------


def test_schema_file_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "docs/rulebook.schema.json is stale; run "
        "`xiaoan rules schema -o docs/rulebook.schema.json`"
    )


def test_schema_names_rulebook_files() -> None:
    schema = json.loads(schema_text())
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["properties"]) == {
        "metadata",
        "parameters",
        "sheets",
        "applicability",
        "measures",
        "adjustments",
        "vetoes",
    }
    assert "in" in schema["$defs"]["FieldTest"]["properties"]


def test_cli_schema_writes_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "schema.json"
    assert main(["rules", "schema", "-o", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == schema_text()
    assert [path.name for path in tmp_path.iterdir()] == ["schema.json"]
