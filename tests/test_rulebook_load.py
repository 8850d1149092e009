"""Loading rulebooks: the bundled one, and copies with points that do not add up."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.errors import RulebookError
from engine.library import bundled_rulebook_ids, load_rulebook
from engine.rulebook import Rulebook, bundled_rules_folder, load_rulebook_folder
from facts.vocabulary import UnitKind

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_bundled_rulebook_listed() -> None:
    assert "cangzhou-2020" in bundled_rulebook_ids()


@pytest.mark.parametrize(
    ("kind", "total", "categories"),
    [
        (UnitKind.COUNTY_BUREAU, 100, [24, 15, 21, 24, 16]),
        (UnitKind.SCHOOL, 150, [10, 18, 31, 45, 32, 7, 7]),
    ],
)
def test_sheet_category_totals(
    rulebook: Rulebook, kind: UnitKind, total: int, categories: list[int]
) -> None:
    sheet = rulebook.sheet_for(kind)
    assert sheet.total == total
    assert [category.total for category in sheet.categories] == categories
    sums = [
        sum(item.points for item in category.items) for category in sheet.categories
    ]
    assert sums == categories
    assert [category.number for category in sheet.categories] == list(
        range(1, len(categories) + 1)
    )


def test_sheet_codes(rulebook: Rulebook) -> None:
    county = rulebook.codes_of(rulebook.sheet_for(UnitKind.COUNTY_BUREAU))
    items = [code for code in county if rulebook.codes[code].is_item]
    assert items == [f"C{n}" for n in range(1, 9)] + ["C8a"] + [
        f"C{n}" for n in range(9, 24)
    ]
    parts = {
        code: [part.code for part in rulebook.codes[code].item.parts]
        for code in ("C4", "C23", "S3.10", "S4.1", "S4.3", "S5.10")
    }
    assert parts == {
        "C4": ["C4a", "C4b"],
        "C23": ["C23a", "C23b", "C23c"],
        "S3.10": ["S3.10a", "S3.10b", "S3.10c", "S3.10d"],
        "S4.1": ["S4.1a", "S4.1b"],
        "S4.3": ["S4.3a", "S4.3b", "S4.3c"],
        "S5.10": ["S5.10a", "S5.10b", "S5.10c"],
    }


def test_every_item_has_chinese_text(rulebook: Rulebook) -> None:
    assert len(rulebook.codes) > 100
    for code, scored in rulebook.codes.items():
        assert CJK.search(scored.text), code


def test_vetoes_adjustments_have_chinese_text(rulebook: Rulebook) -> None:
    codes = [veto.code for veto in rulebook.model.vetoes]
    assert codes == ["V1", "V2", "V3"] + [f"SV{n}" for n in range(1, 15)]
    for veto in rulebook.model.vetoes:
        assert CJK.search(veto.text), veto.code
    assert [a.code for a in rulebook.model.adjustments] == ["CA1", "CA2", "CA3", "CA4"]
    for adjustment in rulebook.model.adjustments:
        assert CJK.search(adjustment.text), adjustment.code


def test_unknown_rulebook_id() -> None:
    with pytest.raises(RulebookError) as raised:
        load_rulebook("cangzhou-2002")
    message = str(raised.value)
    assert "unknown rulebook 'cangzhou-2002'" in message
    assert "did you mean 'cangzhou-2020'" in message


# --- broken copies ----------------------------------------------------------------


@pytest.fixture
def copy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "broken-rulebook"
    shutil.copytree(bundled_rules_folder() / "cangzhou-2020", folder)
    return folder


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def load_errors(folder: Path) -> list[str]:
    with pytest.raises(RulebookError) as raised:
        load_rulebook_folder(folder)
    return str(raised.value).splitlines()


def test_copy_loads_unchanged(copy_folder: Path, rulebook: Rulebook) -> None:
    copied = load_rulebook_folder(copy_folder)
    assert copied.content_hash == rulebook.content_hash


def test_wrong_category_total_rejected(copy_folder: Path) -> None:
    sheets = copy_folder / "sheets.yaml"
    # Category 2 of the county sheet (机构、制度建设) declares 15.
    replace_once(sheets, "      total: 15\n", "      total: 16\n")
    errors = load_errors(copy_folder)
    category = [line for line in errors if "category 2" in line]
    assert len(category) == 1
    assert "declares total 16" in category[0]
    assert "items sum to 15" in category[0]
    assert "sheets.yaml:" in category[0]
    # The sheet's own total no longer matches its categories either.
    sheet = [line for line in errors if "sheet 'county' declares total 100" in line]
    assert len(sheet) == 1
    assert "categories sum to 101" in sheet[0]


def test_parts_not_summing_rejected(copy_folder: Path) -> None:
    replace_once(
        copy_folder / "sheets.yaml",
        "            - code: C4a\n              points: 3\n",
        "            - code: C4a\n              points: 2\n",
    )
    errors = load_errors(copy_folder)
    assert len(errors) == 1
    assert "item C4 declares 5 points but its parts sum to 4" in errors[0]


def test_duplicate_code_rejected(copy_folder: Path) -> None:
    replace_once(
        copy_folder / "sheets.yaml",
        "        - code: C6\n          points: 2\n",
        "        - code: C5\n          points: 2\n",
    )
    errors = load_errors(copy_folder)
    duplicate = [line for line in errors if "duplicate code 'C5'" in line]
    assert len(duplicate) == 1
    assert "sheets.yaml:" in duplicate[0]


def test_unknown_code_in_measure_rejected(copy_folder: Path) -> None:
    replace_once(copy_folder / "measures.yaml", "  code: C10\n", "  code: C100\n")
    errors = load_errors(copy_folder)
    unknown = [line for line in errors if "unknown item code 'C100'" in line]
    assert len(unknown) == 1
    assert "measures.yaml:" in unknown[0]
    assert "M-C10" in unknown[0]
