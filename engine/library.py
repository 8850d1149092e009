"""Find rulebooks by id among the bundled ones, or by folder path."""

from __future__ import annotations

from pathlib import Path

from engine.errors import RulebookError
from engine.rulebook import FILES, Rulebook, bundled_rules_folder, load_rulebook_folder
from facts.errors import suggestion


def bundled_rulebook_ids() -> list[str]:
    """List the ids of the rulebooks shipped with the product."""
    root = bundled_rules_folder()
    return sorted(
        path.name for path in root.iterdir() if (path / FILES["metadata"]).is_file()
    )


def resolve_rulebook(id_or_path: str | Path) -> Path:
    """Return the folder of a rulebook given its id or a path to its folder.

    A bare name that is a bundled id means the bundled rulebook, even when
    the current folder has a folder of that name, so that a facts file's
    ``rulebook`` key means the same wherever the command runs. Write
    ``./NAME`` for the local folder.
    """
    text = str(id_or_path)
    bundled = bundled_rules_folder() / text
    if "/" not in text and (bundled / FILES["metadata"]).is_file():
        return bundled
    candidate = Path(text)
    if candidate.is_dir():
        return candidate
    if candidate.name == FILES["metadata"] and candidate.is_file():
        return candidate.parent
    known = bundled_rulebook_ids()
    raise RulebookError(
        f"unknown rulebook {text!r}{suggestion(text, known)}; expected a bundled id "
        f"({', '.join(known)}) or the path of a rulebook folder"
    )


def load_rulebook(id_or_path: str | Path) -> Rulebook:
    """Load a bundled rulebook by id, or one from a folder."""
    return load_rulebook_folder(resolve_rulebook(id_or_path))
