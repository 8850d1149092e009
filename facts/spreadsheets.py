"""Facts from spreadsheets: an Excel workbook, or a folder of CSV files.

Each kind of fact has its own sheet (or CSV file of the same name): units
(with their profile), findings, measures, incidents, petitions,
recognitions, convictions, flags, self scores, not_applicable and hazards.
A header cell gives the Chinese label and the field name (``单位代码 id``);
only the last word counts, so either alone also works. A row whose first
cell starts with ``说明`` explains the columns and is skipped.

Rows become the same mappings a YAML facts file contains and go through
:func:`facts.readers.facts_from_data`, so every check and message is shared.
Every value keeps its cell, and an error names the file, sheet, row and
column as ``book.xlsx:findings!D5``.

Numbers are read exactly: CSV cells from their text, and Excel numeric
cells, which openpyxl returns as binary floats, from the float's shortest
repr (Excel keeps at most 15 significant digits, which that repr keeps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from facts.documents import Document
from facts.errors import FactError, suggestion
from facts.readers import FactSet, facts_from_data
from facts.vocabulary import (
    FLAGS,
    MEASURES,
    PROFILE_KEYS,
    IncidentType,
    Level,
    Level3,
    MeasureType,
    Person,
    RecognitionKind,
    Severity,
    UnitKind,
)

logger = logging.getLogger(__name__)

NOTES_MARK = "说明"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Sheets a workbook may carry besides the facts: the template's lists of
# allowed values and a free-text readme.
IGNORED_SHEETS = ("lists", "readme")

TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1", "是", "有", "对"})
FALSE_WORDS = frozenset({"false", "no", "n", "f", "0", "否", "无", "没有"})


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its field, label, kind of value and note."""

    field: str
    label: str
    kind: str = "text"  # text, number, bool, date, choice, item
    choices: tuple[str, ...] = ()
    note: str = ""

    @property
    def header(self) -> str:
        return f"{self.label} {self.field}"


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of facts: ``rows`` (one per unit) or ``list`` (many per unit)."""

    name: str
    label: str
    layout: str
    columns: tuple[Column, ...]
    # Where the rows go in a unit: a list (findings), a mapping (measures),
    # or the unit itself (units).
    target: str = ""

    def column(self, name: str) -> Column | None:
        for column in self.columns:
            if column.field == name:
                return column
        return None


# Chinese words a choice cell may hold instead of the code. The first is
# shown in the drop-down lists (``小学 primary``); the others are the words
# the notes row uses. Petition and recognition levels share city, province
# and national, so both columns accept both sets of words.
CHOICE_WORDS: dict[str, tuple[str, ...]] = {
    "county_bureau": ("县局", "教育局", "县（市、区）教育局"),
    "school": ("学校",),
    "kindergarten": ("幼儿园",),
    "primary": ("小学",),
    "junior_middle": ("初中", "初级中学"),
    "senior_high": ("高中", "高级中学"),
    "complete_middle": ("完全中学", "完中"),
    "nine_year": ("九年一贯制", "九年一贯制学校"),
    "twelve_year": ("十二年一贯制", "十二年一贯制学校"),
    "vocational": ("职业学校", "中职"),
    "special": ("特殊教育学校", "特教"),
    "injury": ("人身伤害",),
    "health": ("学校卫生",),
    "mass_poisoning": ("集体中毒",),
    "homicide": ("杀人",),
    "robbery": ("抢劫",),
    "arson": ("纵火",),
    "burglary": ("入室盗窃",),
    "mass_fight": ("集体殴斗",),
    "collapse": ("校舍倒塌",),
    "fire": ("火灾",),
    "disaster": ("灾害",),
    "other": ("其他",),
    "ordinary": ("一般",),
    "major": ("重大",),
    "especially_major": ("特大", "特别重大"),
    "city": ("市级", "市", "到沧"),
    "province": ("省级", "省", "赴省"),
    "national": ("国家级", "国家", "进京"),
    "commendation": ("表彰",),
    "criticism": ("批评", "通报批评"),
    "warning": ("警示", "通报警示"),
    "staff": ("教职工", "教职员工"),
    "student": ("学生", "在校生"),
}
CODE_OF_WORD = {word: code for code, words in CHOICE_WORDS.items() for word in words}


def _choices(enum: type[Enum]) -> tuple[str, ...]:
    """Return the drop-down entries of ``enum``: ``小学 primary``."""
    entries = []
    for member in enum:
        code = str(member.value)
        words = CHOICE_WORDS.get(code)
        entries.append(f"{words[0]} {code}" if words else code)
    return tuple(entries)


UNIT = Column("unit", "单位代码", note="说明：单位代码，与单位表的 id 一致")
NOTE = Column("note", "备注", note="自由文字")


def _measure_column(name: str, kind: MeasureType) -> Column:
    if kind is MeasureType.BOOLEAN:
        return Column(name, "测评", "bool", note="是 true / 否 false")
    if kind is MeasureType.RATE:
        return Column(name, "比率", "number", note="0 到 1 的比率，如 0.95")
    return Column(name, "次数", "number", note="非负整数")


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "units",
        "单位",
        "rows",
        (
            Column("id", "单位代码", note="说明：全部输入中唯一的单位代码"),
            Column("name", "单位名称", note="名称"),
            Column("kind", "类型", "choice", _choices(UnitKind), "县局或学校"),
            Column("county", "所属县局", note="学校所属县局的单位代码；市直学校留空"),
            Column("level", "学段", "choice", _choices(Level), "学校的学段"),
            Column("sampled", "抽样", "bool", note="是否为抽样学校"),
            *(
                Column(
                    f"profile.{key}", "办学条件", "bool", note="是/否；留空则照常考核"
                )
                for key in PROFILE_KEYS
            ),
            NOTE,
        ),
    ),
    SheetSpec(
        "findings",
        "扣分",
        "list",
        (
            UNIT,
            Column("id", "编号", note="可留空"),
            Column("item", "考核项", "item", note="考核项或分项代码，如 C1、S4.1a"),
            Column("deduct", "扣分", "number", note="正数，以 0.5 为单位"),
            NOTE,
        ),
        "findings",
    ),
    SheetSpec(
        "measures",
        "测评数据",
        "rows",
        (UNIT, *(_measure_column(name, kind) for name, kind in MEASURES.items())),
        "measures",
    ),
    SheetSpec(
        "incidents",
        "事故案件",
        "list",
        (
            UNIT,
            Column("id", "编号", note="单位内唯一"),
            Column("type", "类型", "choice", _choices(IncidentType), "事故或案件类型"),
            Column("people", "人数", "number", note="伤亡或涉及人数"),
            Column(
                "severity", "等级", "choice", _choices(Severity), "一般、重大、特大"
            ),
            Column("liability", "责任事故", "bool", note="是否为责任事故"),
            Column("deduct", "扣分", "number", note="县局其他事故：10 到 20 分"),
            NOTE,
        ),
        "incidents",
    ),
    SheetSpec(
        "petitions",
        "上访",
        "list",
        (
            UNIT,
            Column("id", "编号", note="单位内唯一"),
            Column("level", "层级", "choice", _choices(Level3), "到沧、赴省、进京"),
            Column("group", "群体性", "bool", note="是否为群体性上访"),
            Column("bad_influence", "恶劣影响", "bool", note="是否造成恶劣影响"),
            NOTE,
        ),
        "petitions",
    ),
    SheetSpec(
        "recognitions",
        "表彰通报",
        "list",
        (
            UNIT,
            Column("id", "编号", note="单位内唯一"),
            Column(
                "kind", "种类", "choice", _choices(RecognitionKind), "表彰、批评、警示"
            ),
            Column("level", "层级", "choice", _choices(Level3), "市、省、国家"),
            NOTE,
        ),
        "recognitions",
    ),
    SheetSpec(
        "convictions",
        "违法犯罪",
        "list",
        (
            UNIT,
            Column("id", "编号", note="单位内唯一"),
            Column("person", "人员", "choice", _choices(Person), "教职工或学生"),
            Column("severe", "情节严重", "bool", note="是否情节严重"),
            NOTE,
        ),
        "convictions",
    ),
    SheetSpec(
        "flags",
        "否决事项",
        "rows",
        (UNIT, *(Column(name, "是否", "bool", note="是/否") for name in FLAGS)),
        "flags",
    ),
    SheetSpec(
        "self_scores",
        "自评",
        "list",
        (
            UNIT,
            Column("item", "考核项", "item", note="考核项或分项代码"),
            Column("score", "自评分", "number", note="不超过该项满分"),
        ),
        "self_scores",
    ),
    SheetSpec(
        "not_applicable",
        "不涉及",
        "list",
        (UNIT, Column("item", "考核项", "item", note="不涉及的考核项或分项代码")),
        "not_applicable",
    ),
    SheetSpec(
        "hazards",
        "隐患",
        "list",
        (
            UNIT,
            Column("id", "编号", note="单位内唯一"),
            Column("item", "考核项", "item", note="可留空"),
            Column("description", "隐患描述", note="隐患内容"),
            Column("found", "发现日期", "date", note="YYYY-MM-DD"),
            Column("deadline", "整改期限", "date", note="YYYY-MM-DD，可留空"),
            Column("rectified", "整改日期", "date", note="YYYY-MM-DD，未整改留空"),
        ),
        "hazards",
    ),
)
SHEET_BY_NAME = {sheet.name: sheet for sheet in SHEETS}


class CellRef(int):
    """A row number that prints as a cell reference, ``findings!D5``.

    It is passed where a line number goes in :class:`FactError`, so every
    error about a spreadsheet value names its sheet, row and column.
    """

    sheet: str
    column: str

    def __new__(cls, row: int, sheet: str, column: str) -> CellRef:
        ref = super().__new__(cls, row)
        ref.sheet = sheet
        ref.column = column
        return ref

    def __reduce__(self) -> tuple[type[CellRef], tuple[int, str, str]]:
        # Records travel to worker processes that are started, not forked.
        return (CellRef, (int(self), self.sheet, self.column))

    def __str__(self) -> str:
        return f"{self.sheet}!{self.column}{int(self)}"

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)


@dataclass
class Table:
    """The rows of one sheet: header fields and cell values by row number."""

    spec: SheetSpec
    sheet: str
    fields: list[str | None]
    letters: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def is_spreadsheet_input(path: Path) -> bool:
    """Tell whether ``path`` is a workbook, a CSV file or a folder of CSV files."""
    suffix = path.suffix.lower()
    return path.is_dir() or suffix in (*WORKBOOK_SUFFIXES, ".xls", ".csv")


def read_spreadsheet_facts(path: Path) -> FactSet:
    """Read a workbook or a CSV folder into validated units."""
    suffix = path.suffix.lower()
    if not path.is_dir() and suffix == ".xls":
        return FactSet(
            errors=[
                FactError(
                    ".xls is not supported; save as .xlsx",
                    file=path,
                    expected="an .xlsx workbook",
                )
            ]
        )
    if not path.is_dir() and suffix == ".csv":
        return FactSet(
            errors=[
                FactError(
                    "a single CSV file cannot be read; pass the folder that "
                    "holds the CSV files",
                    file=path,
                    expected=f"a folder such as {path.parent or '.'}",
                )
            ]
        )
    warnings: list[str] = []
    try:
        if path.is_dir():
            tables = list(_csv_tables(path, warnings))
            if not tables:
                return FactSet(errors=[_no_csv_files(path)], warnings=warnings)
        else:
            tables = list(_workbook_tables(path))
            _reject_unsaved_formulas(path)
        data, positions, errors = _assemble(path, tables)
    except FactError as error:
        return FactSet(errors=[error], warnings=warnings)
    except _Problems as problems:
        return FactSet(errors=problems.errors, warnings=warnings)
    document = Document(path=path, data=data, positions=positions)
    result = facts_from_data(data, path, document)
    result.errors[:0] = errors
    result.warnings[:0] = warnings
    return result


class _Problems(Exception):
    def __init__(self, errors: list[FactError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


# --- reading workbooks and CSV files --------------------------------------


def _workbook_tables(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams rows; data_only reads the cached result of a
        # formula instead of its text.
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise FactError("file not found", file=path) from None
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        OSError,
        KeyError,
        ValueError,
    ) as error:
        # A truncated or renamed file is not a zip archive at all.
        raise FactError(
            f"cannot be read as an Excel workbook ({error}); save it again as .xlsx",
            file=path,
            expected="an .xlsx workbook saved by Excel or WPS",
        ) from None
    try:
        for sheet in workbook.worksheets:
            name = _sheet_name(path, sheet.title)
            if name is None:
                continue
            rows = sheet.iter_rows(values_only=True)
            try:
                table = _table(path, name, sheet.title, rows)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
                # A damaged archive may open and then fail inside one sheet.
                raise FactError(
                    f"cannot be read as an Excel workbook ({error}); "
                    "save it again as .xlsx",
                    file=path,
                    expected="an .xlsx workbook saved by Excel or WPS",
                ) from None
            yield table
    finally:
        workbook.close()


def _reject_unsaved_formulas(path: Path) -> None:
    """Raise for formula cells without a saved result, which read as empty.

    A workbook written by a program (not saved by Excel or WPS) keeps only
    the formula text, and the cached result read above is then missing.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    with zipfile.ZipFile(path) as archive:
        sheets = [
            name for name in archive.namelist() if name.startswith("xl/worksheets/")
        ]
        if not any(re.search(rb"<f[ >/]", archive.read(name)) for name in sheets):
            return
    problems = []
    formulas = load_workbook(path, read_only=True, data_only=False)
    results = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in formulas.worksheets:
            if _sheet_name(path, sheet.title) is None:
                continue
            texts = sheet.iter_rows(values_only=True)
            saved = results[sheet.title].iter_rows(values_only=True)
            # Both views parse the same sheet, so their rows line up.
            pairs = zip(texts, saved, strict=False)
            for number, (row, values) in enumerate(pairs, start=1):
                for index, (text, value) in enumerate(zip(row, values, strict=False)):
                    if not (isinstance(text, str) and text.startswith("=")):
                        continue
                    if value is not None:
                        continue
                    problems.append(
                        FactError(
                            "the cell contains a formula with no saved result",
                            file=path,
                            line=CellRef(
                                number, sheet.title, get_column_letter(index + 1)
                            ),
                            value=text,
                            expected="a value; open and save the workbook in "
                            "Excel or WPS, or type text that starts with = "
                            "after a '",
                        )
                    )
    finally:
        formulas.close()
        results.close()
    if problems:
        raise _Problems(problems)


def _csv_tables(folder: Path, warnings: list[str]) -> Iterator[Table]:
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".csv":
            continue
        try:
            name = _sheet_name(folder, path.stem, shown=path.name)
        except FactError as error:
            # A stray CSV file (an export, a note) should not stop the folder.
            warnings.append(f"{error.message}; the file was skipped")
            continue
        if name is None:
            continue
        text = decode_csv(path)
        rows = csv.reader(io.StringIO(text, newline=""))
        yield _table(folder, name, path.name, rows)


def _no_csv_files(folder: Path) -> FactError:
    return FactError(
        "the folder contains no facts CSV files",
        file=folder,
        expected="a folder of CSV files written by xiaoan template --csv: "
        + ", ".join(f"{name}.csv" for name in SHEET_BY_NAME),
    )


def decode_csv(path: Path) -> str:
    """Decode a CSV file: UTF-8 with or without BOM, else GB18030 (as WPS saves).

    Raises :class:`FactError` naming the file when neither decodes; the
    encoding used is logged.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FactError(f"cannot be read: {error.strerror}", file=path) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise FactError(
            f"not UTF-8 or GB18030 text (invalid byte at offset {error.start})",
            file=path,
            expected="a CSV file saved as UTF-8 or GB18030 (WPS: CSV, Excel: "
            "CSV UTF-8)",
        ) from None
    logger.info("read %s as %s", path, encoding)
    return text


def _sheet_name(path: Path, title: str, shown: str | None = None) -> str | None:
    name = title.split()[-1] if title.split() else title
    if name in SHEET_BY_NAME:
        return name
    if name.lower() in IGNORED_SHEETS or title.startswith(NOTES_MARK):
        return None
    raise FactError(
        f"unknown sheet {shown or title!r}{suggestion(name, SHEET_BY_NAME)}",
        file=path,
        expected="one of " + ", ".join(SHEET_BY_NAME),
    )


def _table(path: Path, name: str, shown: str, rows: Iterable[Iterable[Any]]) -> Table:
    from openpyxl.utils import get_column_letter

    spec = SHEET_BY_NAME[name]
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return Table(spec, shown, [], [])
    cells = list(header)
    fields: list[str | None] = []
    problems = []
    for index, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        if not text:
            fields.append(None)
            continue
        column_name = text.split()[-1]
        known = [column.field for column in spec.columns]
        if column_name not in known:
            problems.append(
                FactError(
                    f"unknown column {text!r}{suggestion(column_name, known)}",
                    file=path,
                    line=CellRef(1, shown, get_column_letter(index + 1)),
                    expected=f"a column of sheet {name}: " + ", ".join(known),
                )
            )
            fields.append(None)
            continue
        if column_name in fields:
            problems.append(
                FactError(
                    f"column {column_name} appears twice",
                    file=path,
                    line=CellRef(1, shown, get_column_letter(index + 1)),
                )
            )
        fields.append(column_name)
    key = "id" if name == "units" else "unit"
    if cells and key not in fields:
        problems.append(
            FactError(
                f"sheet {name} has no {key} column",
                file=path,
                line=CellRef(1, shown, "A"),
                expected=f"a header cell that ends with {key!r}",
            )
        )
    if problems:
        raise _Problems(problems)
    letters = [get_column_letter(index + 1) for index in range(len(fields))]
    table = Table(spec, shown, fields, letters)
    for number, row in enumerate(iterator, start=2):
        values = list(row)
        if not any(_present(value) for value in values):
            continue
        first = values[0] if values else None
        if isinstance(first, str) and first.strip().startswith(NOTES_MARK):
            continue
        table.rows.append((number, values))
    return table


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


# --- values -----------------------------------------------------------------


def cell_value(value: Any, kind: str) -> Any:
    """Convert a cell (Excel value or CSV text) to what the facts model reads.

    Values that cannot be converted pass through unchanged, so that the
    model rejects them with its usual message.

    >>> cell_value(0.95, "number"), cell_value(" 是 true", "bool")
    (Decimal('0.95'), True)
    """
    if isinstance(value, str):
        value = value.strip()
    if kind == "number":
        if isinstance(value, bool):
            return value
        if isinstance(value, float):
            return Decimal(repr(value))
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.split()[-1].lower() if value.split() else value
            if word in TRUE_WORDS or value in TRUE_WORDS:
                return True
            if word in FALSE_WORDS or value in FALSE_WORDS:
                return False
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            return value.replace("/", "-")
        return value
    if kind == "choice":
        if isinstance(value, str) and value.split():
            # "小学 primary", "primary" and "小学" all give the code.
            last = value.split()[-1]
            return CODE_OF_WORD.get(last, last)
        return value
    # text and item codes
    if isinstance(value, float):
        return repr(value)[:-2] if value.is_integer() else repr(value)
    if isinstance(value, (int, dt.date)):
        return str(value)
    return value


# --- rows to units ------------------------------------------------------------


def _assemble(
    path: Path, tables: list[Table]
) -> tuple[dict[str, Any], dict[tuple[Any, ...], tuple[int, int]], list[FactError]]:
    units: list[dict[str, Any]] = []
    positions: dict[tuple[Any, ...], tuple[int, int]] = {}
    errors: list[FactError] = []
    index_of: dict[str, int] = {}
    order = {spec.name: position for position, spec in enumerate(SHEETS)}
    # Units first, whatever the order of the sheets in the workbook.
    for table in sorted(tables, key=lambda table: order[table.spec.name]):
        spec = table.spec
        for number, values in table.rows:
            cells = _cells(spec, table, number, values)
            if spec.name == "units":
                _add_unit(units, positions, index_of, table, number, cells)
                continue
            unit_id, _ = cells.pop("unit", (None, None))
            index = index_of.get(str(unit_id)) if unit_id is not None else None
            if index is None:
                errors.append(
                    FactError(
                        "unit not listed on the units sheet",
                        file=path,
                        unit=None if unit_id is None else str(unit_id),
                        line=CellRef(number, table.sheet, "A"),
                        value=unit_id,
                        expected="an id from the units sheet",
                    )
                )
                continue
            _add_row(spec, units[index], index, positions, table, number, cells)
    return {"units": units}, positions, errors


def _cells(
    spec: SheetSpec, table: Table, number: int, values: list[Any]
) -> dict[str, tuple[Any, CellRef]]:
    cells: dict[str, tuple[Any, CellRef]] = {}
    for position, name in enumerate(table.fields):
        if name is None or position >= len(values):
            continue
        raw = values[position]
        if not _present(raw):
            continue
        column = spec.column(name)
        assert column is not None
        ref = CellRef(number, table.sheet, table.letters[position])
        cells[name] = (cell_value(raw, column.kind), ref)
    return cells


def _add_unit(
    units: list[dict[str, Any]],
    positions: dict[tuple[Any, ...], tuple[int, int]],
    index_of: dict[str, int],
    table: Table,
    number: int,
    cells: dict[str, tuple[Any, CellRef]],
) -> None:
    index = len(units)
    unit: dict[str, Any] = {}
    positions[("units", index)] = (CellRef(number, table.sheet, "A"), 1)
    for name, (value, ref) in cells.items():
        if name.startswith("profile."):
            key = name.split(".", 1)[1]
            unit.setdefault("profile", {})[key] = value
            positions[("units", index, "profile", key)] = (ref, 1)
        else:
            unit[name] = value
            positions[("units", index, name)] = (ref, 1)
    units.append(unit)
    unit_id = unit.get("id")
    if unit_id is not None:
        # A duplicate id keeps the first unit's rows; the reader rejects it.
        index_of.setdefault(str(unit_id), index)


def _add_row(
    spec: SheetSpec,
    unit: dict[str, Any],
    index: int,
    positions: dict[tuple[Any, ...], tuple[int, int]],
    table: Table,
    number: int,
    cells: dict[str, tuple[Any, CellRef]],
) -> None:
    row_ref = CellRef(number, table.sheet, "A")
    if spec.layout == "rows":
        mapping = unit.setdefault(spec.target, {})
        for name, (value, ref) in cells.items():
            # A second row for the same unit overrides; the model cannot
            # see that, so the later cell is the one an error names.
            mapping[name] = value
            positions[("units", index, spec.target, name)] = (ref, 1)
        return
    if spec.name == "not_applicable":
        entries = unit.setdefault("not_applicable", [])
        value, ref = cells.get("item", (None, row_ref))
        positions[("units", index, "not_applicable", len(entries))] = (ref, 1)
        entries.append(value)
        return
    if spec.name == "self_scores":
        scores = unit.setdefault("self_scores", {})
        code, code_ref = cells.get("item", (None, row_ref))
        score, score_ref = cells.get("score", (None, row_ref))
        scores[code] = score
        positions[("units", index, "self_scores", code)] = (score_ref, 1)
        positions[("units", index, "self_scores")] = (code_ref, 1)
        return
    entries = unit.setdefault(spec.target, [])
    location = ("units", index, spec.target, len(entries))
    positions[location] = (row_ref, 1)
    entry = {}
    for name, (value, ref) in cells.items():
        entry[name] = value
        positions[(*location, name)] = (ref, 1)
    entries.append(entry)
