"""Shared steps of the commands: choose the rulebook, read the facts."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import RulebookError
from engine.library import resolve_rulebook
from engine.result import UnitError
from engine.rulebook import Rulebook, load_rulebook_folder
from facts.errors import FactError, suggestion
from facts.readers import FactSet, UnitRecord, read_facts

logger = logging.getLogger("xiaoan")

DEFAULT_RULEBOOK = "cangzhou-2020"


@dataclass
class Inputs:
    """The rulebook (None if it failed to load) and the facts a command evaluates."""

    rulebook: Rulebook | None
    facts: FactSet
    errors: list[UnitError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "facts",
        nargs="*",
        default=[],
        type=Path,
        metavar="FACTS",
        help="facts files (YAML, JSON or .xlsx workbooks) or folders of CSV "
        "files; default: the rulebook's bundled sample",
    )
    parser.add_argument(
        "--rulebook",
        metavar="ID_OR_PATH",
        help="rulebook id or folder; overrides the facts files' 'rulebook' key",
    )


def sample_files(folder: Path) -> list[Path]:
    """List a rulebook's bundled sample facts files."""
    samples = folder / "samples"
    if not samples.is_dir():
        return []
    return sorted(
        path
        for path in samples.iterdir()
        if path.suffix.lower() in (".yaml", ".yml", ".json")
    )


def read_inputs(facts_paths: list[Path], rulebook_arg: str | None) -> Inputs:
    """Read the facts and load the rulebook they (or the option) name."""
    errors: list[UnitError] = []
    warnings: list[str] = []
    facts = read_facts(facts_paths) if facts_paths else FactSet()
    warnings.extend(facts.warnings)
    warnings.extend(_empty_inputs(facts_paths, facts))

    choice: str | None
    if rulebook_arg:
        choice = rulebook_arg
        others = sorted({name for name in facts.rulebooks.values() if name != choice})
        if others:
            warnings.append(
                f"--rulebook {choice} overrides the facts files' rulebook "
                f"{', '.join(others)}"
            )
    else:
        choice = _choose_rulebook(facts, errors, warnings, bool(facts_paths))

    rulebook = None
    try:
        # With no choice, every file named an unknown rulebook and is reported.
        if choice is not None:
            rulebook = load_rulebook_folder(resolve_rulebook(choice))
    except RulebookError as error:
        errors.append(UnitError(None, error.message))
    if rulebook is not None:
        _add_unknown_codes(facts, rulebook)
    if rulebook is not None and not facts_paths:
        if rulebook.folder is None or not sample_files(rulebook.folder):
            errors.append(
                UnitError(
                    None,
                    f"rulebook {rulebook.id} has no bundled "
                    "sample; name the facts files to evaluate",
                )
            )
        else:
            facts = read_facts(sample_files(rulebook.folder))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return Inputs(rulebook, facts, errors, warnings)


def _add_unknown_codes(facts: FactSet, rulebook: Rulebook) -> None:
    """Add unknown finding codes to the error of a unit that failed to read.

    The rulebook checks codes only on units that read, so without this a row
    with both a bad deduction and a bad code would report the deduction only.
    """
    for position, error in enumerate(facts.errors):
        items = facts.failed_items.get(error.unit or "")
        if not items or error.file is None:
            continue
        parts = list(error.parts) or [error]
        for index, (code, line) in sorted(items.items()):
            if not isinstance(code, str) or code in rulebook.codes:
                continue
            field_name = f"findings[{index}].item"
            if any(part.field == field_name for part in parts):
                continue
            parts.append(
                FactError(
                    f"unknown item code{suggestion(code, list(rulebook.codes))}",
                    file=error.file,
                    unit=error.unit,
                    field=field_name,
                    value=code,
                    line=line,
                )
            )
        if len(parts) > max(1, len(error.parts)):
            facts.errors[position] = FactError(
                parts[0].problem,
                file=parts[0].file,
                unit=parts[0].unit,
                field=parts[0].field,
                value=parts[0].value,
                expected=parts[0].expected,
                line=parts[0].line,
                parts=parts,
            )


def _empty_inputs(paths: list[Path], facts: FactSet) -> list[str]:
    """Warn about each input that gave neither a unit nor an error."""
    used = {str(record.file) for record in facts.units}
    used.update(error.file for error in facts.errors if error.file is not None)
    return [
        f"no units were read from {path}" for path in paths if str(path) not in used
    ]


def _choose_rulebook(
    facts: FactSet, errors: list[UnitError], warnings: list[str], named_files: bool
) -> str | None:
    """Pick the first known rulebook the files name, and drop files that disagree.

    A run evaluates with one rulebook. A file that names an unknown rulebook,
    or a known one other than the first file's, is an error, and its units
    are not evaluated: grading a 2021 file by the 2020 rules would mislead.
    ``--rulebook`` overrides every file's key instead.
    """
    choice: str | None = None
    rejected: dict[str, str] = {}
    for file, name in facts.rulebooks.items():
        try:
            resolve_rulebook(name)
        except RulebookError as error:
            rejected[file] = f"its file names the unknown rulebook {name!r}"
            errors.append(UnitError(None, f"{file}: {error.message}", file))
            continue
        if choice is None:
            choice = name
        elif name != choice:
            rejected[file] = (
                f"its file names rulebook {name} while this run uses {choice}; "
                "evaluate the files separately or pass --rulebook"
            )
            errors.append(
                UnitError(None, f"{file}: names rulebook {name}, not {choice}", file)
            )
    if rejected:
        kept: list[UnitRecord] = []
        for record in facts.units:
            reason = rejected.get(str(record.file))
            if reason is None:
                kept.append(record)
                continue
            errors.append(
                UnitError(
                    record.unit.id,
                    f"{record.file}, unit {record.unit.id}: not evaluated, because "
                    f"{reason}",
                    str(record.file),
                )
            )
        facts.units = kept
    if choice is None and facts.units:
        # Only files without a rulebook key are left.
        if named_files:
            warnings.append(
                f"the facts files name no rulebook; using {DEFAULT_RULEBOOK}"
            )
        return DEFAULT_RULEBOOK
    if not facts.rulebooks:
        return DEFAULT_RULEBOOK
    return choice


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """Return ``1 school`` or ``2 schools`` (``nouns`` for irregular plurals)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def configure_logging(verbose: bool) -> None:
    # Unit errors and warnings reach the user through the command's own
    # output, so the log shows only what went wrong beyond them by default.
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
