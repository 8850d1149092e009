"""Start a new edition of a rulebook as an editable copy of another."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from engine.casefile import TESTS_FOLDER
from engine.errors import RulebookError
from engine.rulebook import FILES, Metadata, Rulebook, load_rulebook_folder

logger = logging.getLogger(__name__)

# The same pattern as Metadata.id, read from the model so the two never drift.
_ID_PATTERN = re.compile(
    next(
        getattr(constraint, "pattern", "")
        for constraint in Metadata.model_fields["id"].metadata
        if getattr(constraint, "pattern", None)
    )
)


def copy_rulebook(source: Rulebook, new_id: str, into: Path) -> Path:
    """Copy ``source`` to ``into/new_id`` as a rulebook of its own; return the folder.

    The copy keeps every rule file, with comments, and the test cases, and
    sets ``id`` and ``derives_from`` in its metadata. Samples stay behind:
    they are facts of the source's year and name the source rulebook.
    """
    if not _ID_PATTERN.fullmatch(new_id):
        raise RulebookError(
            f"invalid rulebook id {new_id!r}; expected lowercase letters, digits, "
            "dots and hyphens, starting with a letter or digit"
        )
    if source.folder is None:
        raise RulebookError(f"rulebook {source.id} has no folder to copy from")
    target = into / new_id
    if target.exists():
        raise RulebookError(
            f"{target} already exists; choose another id or remove the folder",
            file=target,
        )

    # Build the copy beside its final place, then rename it in one step, so
    # that a failure never leaves a half-written rulebook behind.
    into.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{new_id}.", dir=into))
    try:
        # mkdtemp makes a private folder; a rulebook is shared like any other.
        staging.chmod(0o777 & ~_umask())
        for name in FILES.values():
            path = source.folder / name
            if path.is_file():
                shutil.copy2(path, staging / name)
        tests = source.folder / TESTS_FOLDER
        if tests.is_dir():
            shutil.copytree(tests, staging / TESTS_FOLDER)
        metadata = staging / FILES["metadata"]
        text = metadata.read_text(encoding="utf-8")
        text = _set_key(text, "id", new_id)
        text = _set_key(text, "derives_from", source.id)
        metadata.write_text(text, encoding="utf-8")
        copy = load_rulebook_folder(staging)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("copied rulebook %s to %s as %s", source.id, target, copy.id)
    return target


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _set_key(text: str, key: str, value: str) -> str:
    """Set a top-level ``key: value`` line of a YAML text, keeping its comments."""
    line = f"{key}: {value}"
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE)
    if pattern.search(text):
        return pattern.sub(line, text, count=1)
    return text.rstrip("\n") + f"\n{line}\n"
