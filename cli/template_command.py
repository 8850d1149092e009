"""``xiaoan template``: write an empty fact workbook (or CSV files) to fill in."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from engine.errors import RulebookError
from engine.library import load_rulebook
from facts.documents import DocumentError, load_document
from facts.spreadsheet_writer import write_csv_folder, write_workbook
from report.atomic import OutputError, atomic_path, prepare_folder

logger = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "template",
        help="write an empty Excel workbook (or CSV files) for inspectors to fill in",
        description="Write a workbook with one sheet per kind of fact, Chinese "
        "headers, a notes row and drop-down lists of valid values.",
    )
    parser.add_argument(
        "target",
        type=Path,
        metavar="FILE",
        help="workbook to write (.xlsx), or a folder with --csv",
    )
    parser.add_argument(
        "--csv", action="store_true", help="write a folder of CSV files instead"
    )
    parser.add_argument(
        "--rulebook",
        default="cangzhou-2020",
        metavar="ID_OR_PATH",
        help="rulebook whose item codes the drop-down lists offer (default: "
        "%(default)s)",
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FACTS",
        help="fill the sheets with the units of this YAML or JSON facts file",
    )
    parser.add_argument(
        "--encoding",
        default="utf-8-sig",
        choices=["utf-8-sig", "utf-8", "gb18030"],
        help="encoding of the CSV files (default: UTF-8 with a byte-order mark)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    units: list[dict[str, Any]] = []
    if args.source is not None:
        try:
            data = load_document(args.source).data
        except DocumentError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if not isinstance(data, dict) or not isinstance(data.get("units"), list):
            print(
                f"error: {args.source}: expected a facts file with a 'units' list",
                file=sys.stderr,
            )
            return 1
        units = [unit for unit in data["units"] if isinstance(unit, dict)]

    if args.csv:
        prepare_folder(args.target)
        try:
            written = write_csv_folder(args.target, units, encoding=args.encoding)
        except OSError as error:
            raise OutputError(args.target, error) from None
        print(f"wrote {len(written)} CSV files to {args.target}", file=sys.stderr)
        return 0

    if args.target.suffix.lower() != ".xlsx":
        print(
            f"error: {args.target}: expected a file name ending in .xlsx "
            "(or use --csv for a folder)",
            file=sys.stderr,
        )
        return 2
    try:
        rulebook = load_rulebook(args.rulebook)
    except RulebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    with atomic_path(args.target) as temporary:
        write_workbook(temporary, list(rulebook.codes), units)
    print(f"wrote {args.target}", file=sys.stderr)
    return 0
