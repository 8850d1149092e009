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
from facts.readers import FactSet, read_facts

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
        type=Path,
        metavar="FACTS",
        help="facts files (YAML or JSON); default: the rulebook's bundled sample",
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
    if facts_paths:
        facts = read_facts(facts_paths)
    else:
        facts = FactSet()

    named = sorted(set(facts.rulebooks.values()))
    choice = rulebook_arg or (named[0] if named else None) or DEFAULT_RULEBOOK
    if rulebook_arg and named and any(name != rulebook_arg for name in named):
        warnings.append(
            f"--rulebook {rulebook_arg} overrides the facts files' rulebook "
            f"{', '.join(named)}"
        )
    elif len(named) > 1:
        warnings.append(
            f"the facts files name different rulebooks ({', '.join(named)}); "
            f"using {choice}"
        )

    rulebook = None
    try:
        folder = resolve_rulebook(choice)
        rulebook = load_rulebook_folder(folder)
    except RulebookError as error:
        errors.append(UnitError(None, error.message))
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


def configure_logging(verbose: bool) -> None:
    # Unit errors and warnings reach the user through the command's own
    # output, so the log shows only what went wrong beyond them by default.
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
