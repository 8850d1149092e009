"""A small streaming writer of .xlsx workbooks: rows straight to sheet XML.

openpyxl builds an element per cell even in write-only mode, which took
about half a minute for the 1.5 million cells of a province's results;
this writer formats each row as text and writes it to the zip member at
once. It writes what the result workbooks need and nothing more: inline
strings, numbers shown with two decimals, a bold wrapped header row that
stays frozen and repeats on every printed page, column widths and an
auto-filter. Zip entries carry a fixed date, so the same rows give the
same bytes.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FIXED_DATE = (1980, 1, 1, 0, 0, 0)

# Cell formats of styles.xml: 0 plain, 1 header (bold, wrapped), 2 number
# with two decimals (built-in format 2, "0.00").
HEADER_STYLE = 1
NUMBER_STYLE = 2

# Characters XML 1.0 does not allow, which Excel refuses to open.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Value = str | int | float | Decimal | None


def column_letter(number: int) -> str:
    """Return the letters of a 1-based column number.

    >>> column_letter(1), column_letter(26), column_letter(27), column_letter(703)
    ('A', 'Z', 'AA', 'AAA')
    """
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass
class _Sheet:
    name: str
    path: str
    columns: int
    rows: int


@dataclass
class StreamingWorkbook:
    """A workbook written sheet by sheet into ``path``; call :meth:`close`."""

    path: Path
    sheets: list[_Sheet] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._zip = zipfile.ZipFile(
            self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1
        )

    def add_sheet(
        self,
        name: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Value]],
        widths: Sequence[float] | None = None,
    ) -> None:
        """Write one sheet: a frozen header row, then ``rows``."""
        name = _sheet_name(name, [sheet.name for sheet in self.sheets])
        number = len(self.sheets) + 1
        path = f"xl/worksheets/sheet{number}.xml"
        letters = [column_letter(index + 1) for index in range(len(header))]
        info = zipfile.ZipInfo(path, FIXED_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with self._zip.open(info, "w") as raw:
            count = _write_sheet(raw, header, rows, letters, widths)
        self.sheets.append(_Sheet(name, path, len(header), count + 1))

    def close(self) -> None:
        """Write the workbook parts that list the sheets, and close the file."""
        self._member("[Content_Types].xml", self._content_types())
        self._member("_rels/.rels", _ROOT_RELS)
        self._member("xl/workbook.xml", self._workbook())
        self._member("xl/_rels/workbook.xml.rels", self._workbook_rels())
        self._member("xl/styles.xml", _STYLES)
        self._zip.close()

    def _member(self, name: str, text: str) -> None:
        info = zipfile.ZipInfo(name, FIXED_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, text.encode("utf-8"))

    def _content_types(self) -> str:
        sheet_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        )
        overrides = "".join(
            f'<Override PartName="/{sheet.path}" ContentType="{sheet_type}"/>'
            for sheet in self.sheets
        )
        return (
            XML_HEAD
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name={quoteattr(sheet.name)} sheetId="{index}" r:id="rId{index}"/>'
            for index, sheet in enumerate(self.sheets, start=1)
        )
        names = []
        for index, sheet in enumerate(self.sheets):
            quoted = "'" + sheet.name.replace("'", "''") + "'"
            last = column_letter(max(1, sheet.columns))
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" '
                f'hidden="1">{escape(quoted)}!$A$1:${last}${sheet.rows}</definedName>'
            )
            names.append(
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                f"{escape(quoted)}!$1:$1</definedName>"
            )
        return (
            XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            "<bookViews><workbookView/></bookViews>"
            f"<sheets>{sheets}</sheets>"
            f"<definedNames>{''.join(names)}</definedNames></workbook>"
        )

    def _workbook_rels(self) -> str:
        sheet_type = f"{REL_NS}/worksheet"
        relations = "".join(
            f'<Relationship Id="rId{index}" Type="{sheet_type}" '
            f'Target="worksheets/sheet{index}.xml"/>'
            for index in range(1, len(self.sheets) + 1)
        )
        styles = (
            f'<Relationship Id="rId{len(self.sheets) + 1}" Type="{REL_NS}/styles" '
            'Target="styles.xml"/>'
        )
        return (
            XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL_NS}">{relations}{styles}'
            "</Relationships>"
        )


def _write_sheet(
    raw: IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Value]],
    letters: list[str],
    widths: Sequence[float] | None,
) -> int:
    last = letters[-1] if letters else "A"
    widths = widths or [max(10.0, min(40.0, _width(text))) for text in header]
    columns = "".join(
        f'<col min="{index}" max="{index}" width="{width:g}" customWidth="1"/>'
        for index, width in enumerate(widths, start=1)
    )
    # The dimension and filter need the row count, which a stream of rows
    # gives only at its end, so the sheet is kept in memory as text until then.
    parts: list[str] = []
    parts.append(_row(1, header, letters, HEADER_STYLE))
    count = 0
    for count, row in enumerate(rows, start=1):
        parts.append(_row(count + 1, row, letters, 0))
    ref = f"A1:{last}{count + 1}"
    head = (
        XML_HEAD + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f'<dimension ref="{ref}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{columns}</cols><sheetData>"
    )
    tail = (
        f'</sheetData><autoFilter ref="{ref}"/>'
        '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" '
        'header="0.3" footer="0.3"/>'
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )
    raw.write(head.encode("utf-8"))
    for start in range(0, len(parts), 4096):
        raw.write("".join(parts[start : start + 4096]).encode("utf-8"))
    raw.write(tail.encode("utf-8"))
    return count


def _row(number: int, values: Sequence[Value], letters: list[str], style: int) -> str:
    cells = []
    styled = f' s="{style}"' if style else ""
    for letter, value in zip(letters, values, strict=False):
        if value is None or value == "":
            continue
        if isinstance(value, Decimal):
            cells.append(
                f'<c r="{letter}{number}" s="{NUMBER_STYLE}"><v>{value}</v></c>'
            )
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            cells.append(f'<c r="{letter}{number}"{styled}><v>{value}</v></c>')
        else:
            text = escape(_INVALID_XML.sub("", str(value)))
            cells.append(
                f'<c r="{letter}{number}"{styled} t="inlineStr"><is>'
                f'<t xml:space="preserve">{text}</t></is></c>'
            )
    return f'<row r="{number}">{"".join(cells)}</row>'


def _width(text: str) -> float:
    # Chinese characters take about two columns of width in Excel.
    return float(sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 2)


def _sheet_name(name: str, taken: list[str]) -> str:
    """Return a valid, unused sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name)[:31]
    candidate = cleaned
    suffix = 2
    while candidate in taken:
        candidate = f"{cleaned[: 31 - len(str(suffix)) - 1]} {suffix}"
        suffix += 1
    return candidate


_ROOT_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)

_STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
    "</borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)
